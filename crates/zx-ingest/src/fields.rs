//! Interpreting one cell for its column, with the message a clerk needs when it is wrong.
//!
//! Every function returns the value or a [`Draft`] already carrying the column name and the
//! offending text, so callers only add the place.

use std::collections::HashMap;

use rust_decimal::Decimal;
use zx_domain::entity::EntityCodeError;
use zx_domain::period::MonthError;
use zx_domain::{Basis, Catalogue, Entity, EntityCode, ItemDef, Month};

use crate::issue::{Draft, IssueCode};
use crate::source::Value;

/// The "must not be empty" error for `column`.
pub(crate) fn empty(column: &str) -> Draft {
    Draft::new(IssueCode::EmptyValue, "must not be empty", "不能为空").column(column)
}

/// A required cell's text (numbers as typed, dates as `YYYY-MM-DD`).
pub(crate) fn required_text(cell: &Value, column: &str) -> Result<String, Draft> {
    if cell.is_empty() {
        Err(empty(column))
    } else {
        Ok(cell.text())
    }
}

/// An entity code, checked for shape only.
pub(crate) fn entity_code(cell: &Value, column: &str) -> Result<EntityCode, Draft> {
    let text = required_text(cell, column)?;
    EntityCode::parse(&text).map_err(|e| {
        let (en, zh) = match e {
            EntityCodeError::Empty => ("must not be empty", "不能为空"),
            EntityCodeError::TooLong => (
                "is not an entity code: longer than 64 characters",
                "不是有效的单位编码：超过 64 个字符",
            ),
            EntityCodeError::BadCharacter => (
                "is not an entity code: use only letters, digits, '-', '_' and '.'",
                "不是有效的单位编码：只能使用英文字母、数字、“-”、“_”和“.”",
            ),
        };
        Draft::new(IssueCode::InvalidEntityCode, en, zh)
            .column(column)
            .value(text.clone())
    })
}

/// Entities known to the import (already stored, or earlier in the same command).
pub(crate) struct Known<'a> {
    by_code: HashMap<&'a str, &'a Entity>,
}

impl<'a> Known<'a> {
    pub(crate) fn new(entities: &'a [Entity]) -> Self {
        Self {
            by_code: entities.iter().map(|e| (e.code.as_str(), e)).collect(),
        }
    }

    pub(crate) fn contains(&self, code: &EntityCode) -> bool {
        self.by_code.contains_key(code.as_str())
    }

    /// An entity code that must already be known.
    pub(crate) fn entity(&self, cell: &Value, column: &str) -> Result<EntityCode, Draft> {
        let code = entity_code(cell, column)?;
        if self.contains(&code) {
            Ok(code)
        } else {
            Err(Draft::new(
                IssueCode::UnknownEntity,
                "is not a known entity; import it with an entities file first",
                "不是已登记的单位编码；请先通过单位文件导入该单位",
            )
            .column(column)
            .value(code.as_str()))
        }
    }
}

fn month_error(error: &MonthError) -> (&'static str, &'static str) {
    match error {
        MonthError::Format => (
            "is not a month in the form YYYY-MM (2026-03)",
            "不是 YYYY-MM 格式的月份（如 2026-03）",
        ),
        MonthError::MonthOutOfRange => (
            "is not a month: the month must be 01 to 12",
            "不是有效的月份：月份须为 01 至 12",
        ),
        MonthError::YearOutOfRange => (
            "is not a month: the year must be between 1900 and 2999",
            "不是有效的月份：年份须在 1900 至 2999 之间",
        ),
    }
}

/// A `YYYY-MM` period; a workbook date on the first of a month counts (Excel turns a typed
/// `2026-03` into 2026-03-01).
pub(crate) fn month(cell: &Value, column: &str) -> Result<Month, Draft> {
    match cell {
        Value::Empty => Err(empty(column)),
        Value::Date {
            year,
            month,
            day,
            time,
        } => {
            let date = cell.text();
            if *day != 1 || *time {
                return Err(Draft::new(
                    IssueCode::InvalidPeriod,
                    "is a date, not a month: write the period as YYYY-MM (2026-03)",
                    "是日期而不是月份：期间须写成 YYYY-MM 格式（如 2026-03）",
                )
                .column(column)
                .value(date));
            }
            Month::new(*year, *month).map_err(|e| {
                let (en, zh) = month_error(&e);
                Draft::new(IssueCode::InvalidPeriod, en, zh)
                    .column(column)
                    .value(date)
            })
        }
        _ => {
            let text = cell.text();
            Month::parse(&text).map_err(|e| {
                let (en, zh) = month_error(&e);
                Draft::new(IssueCode::InvalidPeriod, en, zh)
                    .column(column)
                    .value(text.clone())
            })
        }
    }
}

/// Refuses months after `latest`: nobody reports figures for months that have not happened.
pub(crate) fn not_after(month: Month, latest: Option<Month>, column: &str) -> Result<Month, Draft> {
    match latest {
        Some(latest) if month > latest => Err(Draft::new(
            IssueCode::InvalidPeriod,
            format!("is after {latest}: figures cannot be submitted for future months"),
            format!("晚于 {latest}：不能报送未来月份的数据"),
        )
        .column(column)
        .value(month.to_string())),
        _ => Ok(month),
    }
}

/// An exact decimal: typed text (see [`crate::numbers`]) or a number cell.
pub(crate) fn decimal(cell: &Value, column: &str) -> Result<Decimal, Draft> {
    let invalid = |en: &str, zh: &str| {
        Draft::new(IssueCode::InvalidDecimal, en, zh)
            .column(column)
            .value(cell.text())
    };
    match cell {
        Value::Empty => Err(empty(column)),
        // A CSV `12%` is not a number either: the same figure reads the same from both.
        Value::Number { percent: true, .. } => Err(invalid(
            "is formatted as a percentage, but this column holds amounts: format the cell as a number",
            "单元格设置为百分比格式，但本列应填金额或数量：请将单元格设置为数值格式",
        )),
        Value::Number { value, .. } => value.map_err(|e| {
            let (en, zh) = e.message();
            invalid(en, zh)
        }),
        Value::Text(text) => crate::numbers::parse_decimal(text).map_err(|e| {
            let (en, zh) = e.message();
            invalid(en, zh)
        }),
        Value::Date { .. } => Err(invalid(
            "is a date, not a number: format the cell as a number",
            "是日期而不是数字：请将单元格设置为数值格式",
        )),
        Value::Other(_) => Err(invalid("is not a decimal number", "不是有效的数字")),
    }
}

/// `month` or `ytd`; blank means `month`.
pub(crate) fn basis(cell: &Value, column: &str) -> Result<Basis, Draft> {
    if cell.is_empty() {
        return Ok(Basis::Month);
    }
    let text = cell.text();
    Basis::parse(&text).ok_or_else(|| {
        Draft::new(
            IssueCode::InvalidBasis,
            "is not a basis: write month (the month's own amount) or ytd (the year-to-date cumulative)",
            "不是有效的口径：须填 month（当月数）或 ytd（本年累计数）",
        )
        .column(column)
        .value(text)
    })
}

/// An item that entities submit: in the catalogue and not derived.
pub(crate) fn item(cell: &Value, column: &str, catalogue: &Catalogue) -> Result<usize, Draft> {
    let text = required_text(cell, column)?;
    // Catalogue codes are lower-case by construction: `Net_Profit` means net_profit.
    let Some(index) = catalogue.item_index(&text.to_ascii_lowercase()) else {
        let codes: Vec<&str> = catalogue
            .reported_items()
            .map(|(_, item)| item.code.as_str())
            .collect();
        let codes = codes.join(", ");
        return Err(Draft::new(
            IssueCode::UnknownItem,
            format!("is not an item of the catalogue (items: {codes})"),
            format!("不是指标目录中的填报项目（可填项目：{codes}）"),
        )
        .column(column)
        .value(text));
    };
    let def = catalogue.item(index);
    if let Some(formula) = &def.derived {
        let mut inputs: Vec<String> = Vec::new();
        for (_, i) in formula.inputs() {
            let code = catalogue.item(i).code.clone();
            if !inputs.contains(&code) {
                inputs.push(code);
            }
        }
        let inputs = inputs.join(", ");
        let rendered = catalogue.render(formula);
        return Err(Draft::new(
            IssueCode::DerivedItem,
            format!(
                "is computed ({} = {rendered}), not submitted; submit {inputs} instead",
                def.code
            ),
            format!(
                "为计算项目（{}：{} = {rendered}），不能直接填报；请改为填报 {inputs}",
                def.name_zh, def.code
            ),
        )
        .column(column)
        .value(text));
    }
    Ok(index)
}

/// The error for a negative value of an item that cannot be negative (headcount).
pub(crate) fn negative(def: &ItemDef, column: &str, value: &Value) -> Draft {
    Draft::new(
        IssueCode::NegativeValue,
        format!("is negative, but {} cannot be", def.code),
        format!("为负数，但{}（{}）不能为负", def.name_zh, def.code),
    )
    .column(column)
    .value(value.text())
}

/// A calendar year from 1900 to 2999, typed or as a whole number cell.
pub(crate) fn year(cell: &Value, column: &str) -> Result<i32, Draft> {
    let invalid = || {
        Draft::new(
            IssueCode::InvalidYear,
            "is not a year between 1900 and 2999",
            "不是 1900 至 2999 之间的年份",
        )
        .column(column)
        .value(cell.text())
    };
    let year: Option<i64> = match cell {
        Value::Empty => return Err(empty(column)),
        Value::Text(text) if text.bytes().all(|b| b.is_ascii_digit()) && text.len() <= 6 => {
            text.parse().ok()
        }
        Value::Number {
            value: Ok(d),
            percent: false,
            ..
        } if d.fract().is_zero() => i64::try_from(d.trunc()).ok(),
        _ => None,
    };
    match year {
        Some(y) if (1900..=2999).contains(&y) => i32::try_from(y).map_err(|_| invalid()),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn interprets_cells() {
        assert_eq!(
            month(
                &Value::Date {
                    year: 2026,
                    month: 3,
                    day: 1,
                    time: false
                },
                "period"
            )
            .ok(),
            Month::parse("2026-03").ok()
        );
        let err = month(
            &Value::Date {
                year: 2026,
                month: 3,
                day: 15,
                time: false,
            },
            "period",
        )
        .unwrap_err();
        assert_eq!(err.value.as_deref(), Some("2026-03-15"));
        assert_eq!(basis(&Value::Empty, "basis").ok(), Some(Basis::Month));
        assert_eq!(basis(&text("YTD"), "basis").ok(), Some(Basis::Ytd));
        assert_eq!(
            basis(&text("cum"), "basis").unwrap_err().code,
            IssueCode::InvalidBasis
        );
        assert_eq!(year(&text("2026"), "year").ok(), Some(2026));
        assert_eq!(
            year(
                &Value::Number {
                    value: Ok(Decimal::from(2026)),
                    text: "2026".into(),
                    percent: false,
                },
                "year"
            )
            .ok(),
            Some(2026)
        );
        for bad in ["26", "2026.5", "3000", "２０２６", "-2026"] {
            assert_eq!(
                year(&text(bad), "year").unwrap_err().code,
                IssueCode::InvalidYear,
                "{bad}"
            );
        }
        let catalogue = Catalogue::builtin().unwrap();
        assert!(item(&text("operating_revenue"), "item", &catalogue).is_ok());
        assert_eq!(
            item(&text("Net_Profit"), "item", &catalogue).ok(),
            catalogue.item_index("net_profit")
        );
        let derived = item(&text("net_assets"), "item", &catalogue).unwrap_err();
        assert_eq!(derived.code, IssueCode::DerivedItem);
        assert_eq!(
            derived.message,
            "is computed (net_assets = total_assets - total_liabilities), not submitted; submit total_assets, total_liabilities instead"
        );
        assert_eq!(
            decimal(&Value::Other("#DIV/0!".into()), "value")
                .unwrap_err()
                .message,
            "is not a decimal number"
        );
    }
}
