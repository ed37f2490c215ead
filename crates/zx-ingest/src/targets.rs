//! Targets files: `entity,year,indicator,target`, one full-year target per row.

use std::collections::HashMap;

use rust_decimal::Decimal;
use zx_domain::catalogue::Unit;
use zx_domain::{Catalogue, EntityCode, Target};

use crate::Context;
use crate::batch::Batch;
use crate::fields::{self, Known};
use crate::issue::{Draft, IssueCode, Loc, Sink};
use crate::schema::Columns;
use crate::source::{Table, Value};

fn indicator(cell: &Value, catalogue: &Catalogue) -> Result<usize, Draft> {
    let text = fields::required_text(cell, "indicator")?;
    catalogue
        .indicator_index(&text.to_ascii_lowercase())
        .ok_or_else(|| {
            let ids: Vec<&str> = catalogue
                .indicators()
                .iter()
                .map(|i| i.id.as_str())
                .collect();
            let ids = ids.join(", ");
            Draft::new(
                IssueCode::UnknownIndicator,
                format!("is not an indicator of the catalogue (indicators: {ids})"),
                format!("不是指标目录中的指标（可填指标：{ids}）"),
            )
            .column("indicator")
            .value(text)
        })
}

/// A target value, and whether it was written as a percentage: `65%` typed, or a workbook cell
/// formatted as a percentage (it holds 0.65 and shows 65%), read alike.
fn target(cell: &Value, ratio: Option<bool>) -> Result<(Decimal, bool), Draft> {
    if let Value::Number {
        value,
        percent: true,
        ..
    } = cell
    {
        let invalid = |en: &str, zh: &str| {
            Draft::new(IssueCode::InvalidDecimal, en, zh)
                .column("target")
                .value(cell.text())
        };
        if ratio == Some(false) {
            return Err(invalid(
                "is a percentage, but this indicator is not a ratio: write the amount",
                "为百分数，但该指标不是比率：请填写数值",
            ));
        }
        return value.map(|v| (v, true)).map_err(|e| {
            let (en, zh) = e.message();
            invalid(en, zh)
        });
    }
    if let Value::Text(text) = cell
        && let Some(number) = text.strip_suffix('%').or_else(|| text.strip_suffix('％'))
    {
        let invalid = |en: &str, zh: &str| {
            Draft::new(IssueCode::InvalidDecimal, en, zh)
                .column("target")
                .value(text.clone())
        };
        if ratio == Some(false) {
            return Err(invalid(
                "is a percentage, but this indicator is not a ratio: write the amount",
                "为百分数，但该指标不是比率：请填写数值",
            ));
        }
        let value = crate::numbers::parse_decimal(number).map_err(|e| {
            let (en, zh) = e.message();
            invalid(en, zh)
        })?;
        let value = value
            .checked_div(Decimal::ONE_HUNDRED)
            .ok_or_else(|| invalid("is not a decimal number", "不是有效的数字"))?;
        return Ok((value, true));
    }
    fields::decimal(cell, "target").map(|v| (v, false))
}

/// Reads the targets of every table of the file (a workbook may have several sheets).
pub(crate) fn read(
    tables: &[(Table, Columns)],
    ctx: &Context<'_>,
    sink: &mut Sink,
    batch: Option<&mut Batch>,
) -> Vec<Target> {
    let mut targets = Vec::new();
    let mut first = HashMap::new();
    for (table, columns) in tables {
        read_table(table, columns, ctx, sink, &mut targets, &mut first);
    }
    if let Some(batch) = batch {
        let catalogue = ctx.catalogue;
        for ((entity, year, index), loc) in &first {
            batch.target(entity, *year, &catalogue.indicator(*index).id, loc, sink);
        }
    }
    targets
}

/// Reads one table's targets; `first` is where each (entity, year, indicator) was first given.
fn read_table(
    table: &Table,
    columns: &Columns,
    ctx: &Context<'_>,
    sink: &mut Sink,
    targets: &mut Vec<Target>,
    first: &mut HashMap<(EntityCode, i32, usize), Loc>,
) {
    let known = Known::new(ctx.entities);
    let catalogue = ctx.catalogue;
    let [entity_col, year_col, indicator_col, target_col] =
        ["entity", "year", "indicator", "target"]
            .map(|name| columns.get(name).unwrap_or(usize::MAX));
    for row in table.rows() {
        let loc = |col: usize| table.loc(row.line, col);
        let report = |sink: &mut Sink, col: usize, draft: Draft| sink.error(&loc(col), draft);
        let entity = known
            .entity(row.cell(entity_col), "entity")
            .map_err(|d| report(sink, entity_col, d))
            .ok();
        let year = fields::year(row.cell(year_col), "year")
            .map_err(|d| report(sink, year_col, d))
            .ok();
        let index = indicator(row.cell(indicator_col), catalogue)
            .map_err(|d| report(sink, indicator_col, d))
            .ok();
        let ratio = index.map(|i| catalogue.indicator(i).unit == Unit::Ratio);
        let raw = row.cell(target_col);
        let value = target(raw, ratio)
            .map_err(|d| report(sink, target_col, d))
            .ok();
        if let (Some((v, false)), Some(true)) = (value, ratio)
            && v > Decimal::ONE
        {
            sink.warning(
                &loc(target_col),
                Draft::new(
                    IssueCode::RateLooksLikePercent,
                    "is a ratio above 1: ratio targets are fractions (0.65 for 65%); write 65% if a percentage is meant",
                    "比率目标大于 1：比率应填小数（65% 填 0.65）；如指百分数请写成 65%",
                )
                .column("target")
                .value(raw.text()),
            );
        }
        let (Some(entity), Some(year), Some(index)) = (entity, year, index) else {
            continue;
        };
        let key = (entity.clone(), year, index);
        if let Some(earlier) = first.get(&key) {
            let (en, zh) = earlier.place.reference();
            let id = &catalogue.indicator(index).id;
            sink.error(
                &table.line_loc(row.line),
                Draft::new(
                    IssueCode::DuplicateRow,
                    format!(
                        "{entity} {year} {id} is given a second time (first at {en}); give one target per entity, year and indicator"
                    ),
                    format!(
                        "{entity} {year} {id} 重复填报（首次出现在{zh}）；每个单位、年度、指标只能有一个目标"
                    ),
                ),
            );
            continue;
        }
        first.insert(key, table.line_loc(row.line));
        if let Some((value, _)) = value {
            targets.push(Target {
                entity,
                year,
                indicator: catalogue.indicator(index).id.clone(),
                value,
            });
        }
    }
}
