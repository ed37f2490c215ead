//! Measures lists (清单): `entity,title,indicator,owner,start,due,status,progress`, the way
//! offices circulate them. Same rigour as data files: every error at once, nothing on error.

use chrono::NaiveDate;
use zx_domain::MeasureStatus;

use crate::Context;
use crate::fields::{self, Known};
use crate::issue::{Draft, IssueCode, Loc, Place, Sink};
use crate::schema::Columns;
use crate::source::{Table, Value};

/// One validated row of a measures list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureRow {
    /// The stored measure the row names (the export's `措施编号`), if the list has the column.
    pub number: Option<i64>,
    /// Where the row is: its number's cell, or its entity's without a number, for messages
    /// about the row that only the store can judge (a number of no measure).
    pub place: Place,
    pub entity: zx_domain::EntityCode,
    pub title: String,
    pub indicator: Option<String>,
    pub owner: String,
    pub start: Option<NaiveDate>,
    pub due: NaiveDate,
    pub status: MeasureStatus,
    pub progress: u8,
}

/// A `YYYY-MM-DD` date, or a workbook date cell.
fn date(cell: &Value, column: &str) -> Result<NaiveDate, Draft> {
    let invalid = |value: String| {
        Draft::new(
            IssueCode::InvalidDate,
            "is not a date in the form YYYY-MM-DD",
            "不是 YYYY-MM-DD 格式的日期",
        )
        .column(column)
        .value(value)
    };
    match cell {
        Value::Date {
            year, month, day, ..
        } => NaiveDate::from_ymd_opt(*year, *month, *day).ok_or_else(|| invalid(cell.text())),
        Value::Empty => Err(Draft::new(IssueCode::EmptyValue, "is empty", "为空").column(column)),
        other => {
            let text = other.text();
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .ok()
                .filter(|d| (1900..=2999).contains(&chrono::Datelike::year(d)))
                .ok_or_else(|| invalid(text))
        }
    }
}

fn progress(cell: &Value) -> Result<u8, Draft> {
    let text = cell.text();
    let trimmed = text.trim().trim_end_matches('%');
    let invalid = || {
        Draft::new(
            IssueCode::InvalidProgress,
            "is not a whole number from 0 to 100",
            "不是 0 到 100 之间的整数",
        )
        .column("progress")
        .value(text.clone())
    };
    let number = match cell {
        // A percent cell holds 0.5 for the 50% it shows: read as the CSV `50%` is.
        Value::Number {
            value: Ok(d),
            percent,
            ..
        } => {
            let d = if *percent {
                d.checked_mul(rust_decimal::Decimal::ONE_HUNDRED)
            } else {
                Some(*d)
            };
            d.filter(|d| d.fract().is_zero())
                .and_then(|d| d.trunc().to_string().parse::<i64>().ok())
        }
        // `90.00%` is how a CSV saved from a `0.00%` column writes 90 %.
        _ => crate::numbers::parse_decimal(trimmed)
            .ok()
            .filter(|d| d.fract().is_zero())
            .and_then(|d| d.trunc().to_string().parse::<i64>().ok()),
    };
    match number {
        Some(n) if (0..=100).contains(&n) => Ok(n as u8),
        _ => Err(invalid()),
    }
}

/// A measure number: a whole number from 1 (a number cell or its text); blank is none.
fn number(cell: &Value) -> Result<Option<i64>, Draft> {
    let text = cell.text();
    let parsed = match cell {
        Value::Empty => return Ok(None),
        Value::Number { value: Ok(d), .. } if d.fract().is_zero() => {
            d.trunc().to_string().parse::<i64>().ok()
        }
        Value::Number { .. } => None,
        _ if text.trim().is_empty() => return Ok(None),
        _ => text.trim().parse::<i64>().ok(),
    };
    match parsed {
        Some(n) if n >= 1 => Ok(Some(n)),
        _ => Err(Draft::new(
            IssueCode::InvalidMeasureNumber,
            "is not a measure number (a whole number from 1, as the exported list gives it)",
            "不是措施编号（导出清单中的正整数）",
        )
        .column("number")
        .value(text)),
    }
}

/// The value, or the error reported on its cell.
fn keep<T>(sink: &mut Sink, loc: &Loc, result: Result<T, Draft>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(draft) => {
            sink.error(loc, draft);
            None
        }
    }
}

pub(crate) fn read(
    table: &Table,
    columns: &Columns,
    ctx: &Context<'_>,
    sink: &mut Sink,
) -> Vec<MeasureRow> {
    let known = Known::new(ctx.entities);
    let catalogue = ctx.catalogue;
    let col = |name: &str| columns.get(name).unwrap_or(usize::MAX);
    let (entity_col, title_col, indicator_col, owner_col) =
        (col("entity"), col("title"), col("indicator"), col("owner"));
    let (start_col, due_col, status_col, progress_col) = (
        columns.get("start"),
        col("due"),
        col("status"),
        col("progress"),
    );
    let number_col = columns.get("number");
    // Where each number was first seen, so a number given twice is an error on the second.
    let mut numbered: std::collections::HashMap<i64, Place> = std::collections::HashMap::new();
    let mut rows = Vec::with_capacity(table.row_count());
    for row in table.rows() {
        let loc = |c: usize| table.loc(row.line, c);
        let number = match number_col {
            None => Some(None),
            Some(c) => keep(sink, &loc(c), number(row.cell(c))).and_then(|n| match n {
                Some(n) => match numbered.get(&n) {
                    Some(first) => {
                        let (en, zh) = first.reference();
                        sink.error(
                            &loc(c),
                            Draft::new(
                                IssueCode::DuplicateRow,
                                format!("names the same measure as {en}"),
                                format!("与{zh}是同一项措施"),
                            )
                            .column("number")
                            .value(n.to_string()),
                        );
                        None
                    }
                    None => {
                        numbered.insert(n, loc(c).place);
                        Some(Some(n))
                    }
                },
                None => Some(None),
            }),
        };
        let place = loc(number_col.unwrap_or(entity_col)).place;
        let entity = keep(
            sink,
            &loc(entity_col),
            known.entity(row.cell(entity_col), "entity"),
        );
        let title = keep(
            sink,
            &loc(title_col),
            fields::required_text(row.cell(title_col), "title"),
        );
        let indicator_cell = row.cell(indicator_col);
        let indicator = match indicator_cell {
            Value::Empty => Some(None),
            cell => {
                // The id (`roe`), or the name as the exported list shows it (净资产收益率 /
                // Return on net assets).
                // A KPI or an operating indicator (a plant's measure on its cost per tonne).
                let text = cell.text().trim().to_owned();
                let found = catalogue
                    .find_indicator(&text.to_ascii_lowercase())
                    .or_else(|| {
                        catalogue
                            .indicators()
                            .iter()
                            .chain(catalogue.operating_indicators())
                            .find(|i| i.name_zh == text || i.name_en.eq_ignore_ascii_case(&text))
                    })
                    .map(|i| Some(i.id.clone()));
                keep(
                    sink,
                    &loc(indicator_col),
                    found.ok_or_else(|| {
                        let ids: Vec<&str> = catalogue
                            .indicators()
                            .iter()
                            .chain(catalogue.operating_indicators())
                            .map(|i| i.id.as_str())
                            .collect();
                        Draft::new(
                            IssueCode::UnknownIndicator,
                            format!(
                                "is not an indicator of the catalogue (indicators: {})",
                                ids.join(", ")
                            ),
                            format!("不是指标目录中的指标（可填指标：{}）", ids.join(", ")),
                        )
                        .column("indicator")
                        .value(cell.text())
                    }),
                )
            }
        };
        let owner = keep(
            sink,
            &loc(owner_col),
            fields::required_text(row.cell(owner_col), "owner"),
        )
        .and_then(|name| match ctx.users {
            Some(users) if !users.contains(&name) => {
                sink.error(
                    &loc(owner_col),
                    Draft::new(
                        IssueCode::UnknownUser,
                        "is not a user name (zx user list)",
                        "不是系统中的用户名（见 zx user list）",
                    )
                    .column("owner")
                    .value(name),
                );
                None
            }
            _ => Some(name),
        });
        let start = match start_col {
            Some(c) if !matches!(row.cell(c), Value::Empty) => {
                keep(sink, &loc(c), date(row.cell(c), "start")).map(Some)
            }
            _ => Some(None),
        };
        let due = keep(sink, &loc(due_col), date(row.cell(due_col), "due"));
        let status = keep(
            sink,
            &loc(status_col),
            fields::required_text(row.cell(status_col), "status").and_then(|text| {
                MeasureStatus::parse(&text).ok_or_else(|| {
                    Draft::new(
                        IssueCode::InvalidStatus,
                        "is not one of planned, in_progress, done, cancelled",
                        "须为 planned、in_progress、done、cancelled 之一",
                    )
                    .column("status")
                    .value(text)
                })
            }),
        );
        let progress = keep(sink, &loc(progress_col), progress(row.cell(progress_col)));
        if let (Some(Some(start)), Some(due)) = (start, due)
            && start > due
        {
            sink.error(
                &loc(due_col),
                Draft::new(
                    IssueCode::InvalidDate,
                    format!("is before the start date {start}"),
                    format!("早于开始日期 {start}"),
                )
                .column("due")
                .value(due.to_string()),
            );
            continue;
        }
        if let (
            Some(number),
            Some(entity),
            Some(title),
            Some(indicator),
            Some(owner),
            Some(start),
            Some(due),
            Some(status),
            Some(progress),
        ) = (
            number, entity, title, indicator, owner, start, due, status, progress,
        ) {
            rows.push(MeasureRow {
                number,
                place,
                entity,
                title,
                indicator,
                owner,
                start,
                due,
                status,
                progress,
            });
        }
    }
    rows
}
