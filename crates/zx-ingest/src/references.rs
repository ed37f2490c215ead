//! External reference values for benchmarking (operations.md), read by the same source layer as
//! every submitted file (CSV in UTF-8, UTF-16 or GBK, or XLSX):
//! `indicator,segment,kind,value,year,source` (also with the Chinese headings
//! `指标,板块,类型,参考值,年份,来源`). `segment` may be empty (every segment of the indicator);
//! `kind` is `average` or `best` (`行业平均`, `行业先进`); a ratio may be written as a percentage.
//! Every problem is reported at once, each naming file, line or cell, column and value; a file
//! with any problem yields nothing.

use std::collections::HashMap;

use rust_decimal::Decimal;
use zx_domain::Catalogue;
use zx_domain::benchmark::references::{ExternalReference, ReferenceError, ReferenceKind};

use crate::Input;
use crate::numbers::parse_decimal;
use crate::safety_risks::{Cells, Column, Problems, RowFileRejected, read_rows};

/// The header of a reference values file.
pub const REFERENCE_CSV_HEADER: &str = "indicator,segment,kind,value,year,source";

const COLUMNS: &[Column] = &[
    Column {
        code: "indicator",
        names: &["indicator", "指标", "指标编码"],
        required: true,
    },
    Column {
        code: "segment",
        names: &["segment", "板块", "业务板块"],
        required: false,
    },
    Column {
        code: "kind",
        names: &["kind", "类型", "参考类型"],
        required: true,
    },
    Column {
        code: "value",
        names: &["value", "参考值", "数值"],
        required: true,
    },
    Column {
        code: "year",
        names: &["year", "年份", "年度"],
        required: true,
    },
    Column {
        code: "source",
        names: &["source", "来源", "数据来源"],
        required: true,
    },
];

/// Reads a reference values file against the catalogue: every row an operating indicator of it,
/// in a segment where it applies, each (indicator, segment, kind, year) once.
pub fn read_references(
    input: Input<'_>,
    catalogue: &Catalogue,
) -> Result<Vec<ExternalReference>, RowFileRejected> {
    let mut first_line = HashMap::new();
    read_rows(input, COLUMNS, REFERENCE_CSV_HEADER, |cells, problems| {
        let reference = reference_row(cells, catalogue, problems)?;
        if let Some(first) = first_line.insert(reference.key(), cells.row.line) {
            problems.add(
                &cells.loc("indicator"),
                "duplicate_row",
                "indicator",
                Some(reference.indicator.clone()),
                format!("the same indicator, segment, kind and year as line {first}"),
                format!("与第 {first} 行的指标、板块、类型和年份相同"),
            );
            return None;
        }
        Some(reference)
    })
}

/// `12.5%` as 0.125, otherwise the number as written.
fn value_of(text: &str) -> Option<Decimal> {
    match text.trim().strip_suffix(['%', '％']) {
        Some(percent) => parse_decimal(percent)
            .ok()
            .and_then(|v| v.checked_div(Decimal::ONE_HUNDRED)),
        None => parse_decimal(text).ok(),
    }
}

fn reference_row(
    cells: &Cells<'_>,
    catalogue: &Catalogue,
    problems: &mut Problems,
) -> Option<ExternalReference> {
    let indicator = cells.required("indicator", problems);
    let kind = cells.required("kind", problems).and_then(|text| {
        let kind = ReferenceKind::parse(&text);
        if kind.is_none() {
            problems.add(
                &cells.loc("kind"),
                "invalid_kind",
                "kind",
                Some(text),
                "is not a kind of reference value: average or best".into(),
                "不是参考值类型：应为 行业平均（average）或 行业先进（best）".into(),
            );
        }
        kind
    });
    let value = cells.required("value", problems).and_then(|text| {
        let value = value_of(&text);
        if value.is_none() {
            problems.add(
                &cells.loc("value"),
                "invalid_number",
                "value",
                Some(text),
                "is not a number (a ratio may be written as 12.5%)".into(),
                "不是数字（比率可写作 12.5%）".into(),
            );
        }
        value
    });
    let year = cells.required("year", problems).and_then(|text| {
        let year = text.parse::<i32>().ok();
        if year.is_none() {
            problems.add(
                &cells.loc("year"),
                "invalid_year",
                "year",
                Some(text),
                "is not a year such as 2025".into(),
                "不是年份（如 2025）".into(),
            );
        }
        year
    });
    let source = cells.required("source", problems);
    let reference = ExternalReference {
        indicator: indicator?,
        segment: Some(cells.text("segment")).filter(|s| !s.is_empty()),
        kind: kind?,
        value: value?,
        year: year?,
        source: source?,
    };
    match reference.check(catalogue) {
        Ok(reference) => Some(reference),
        Err(error) => {
            let (code, column) = match &error {
                ReferenceError::UnknownIndicator(_) => ("unknown_indicator", "indicator"),
                ReferenceError::NotOperating(_) => ("not_operating_indicator", "indicator"),
                ReferenceError::SegmentNotApplicable { .. } => {
                    ("segment_not_applicable", "segment")
                }
                ReferenceError::Year(_) => ("invalid_year", "year"),
                ReferenceError::NoSource => ("empty_value", "source"),
            };
            problems.add(
                &cells.loc(column),
                code,
                column,
                Some(cells.text(column)),
                error.to_string(),
                error.to_string_zh(),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<ExternalReference>, RowFileRejected> {
        let catalogue = Catalogue::builtin().unwrap();
        read_references(
            Input {
                file_name: "refs.csv",
                bytes: text.as_bytes(),
            },
            &catalogue,
        )
    }

    #[test]
    fn a_file_in_chinese_reads_with_percentages() {
        let refs = read(
            "指标,板块,类型,参考值,年份,来源\n\
             cost_per_tonne,,行业平均,312.50,2025,协会年鉴\n\
             curtailment_rate,风电,行业先进,3.5%,2025,国家能源局\n",
        )
        .unwrap();
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0].value, "312.50".parse::<Decimal>().unwrap());
        assert_eq!(refs[0].segment, None);
        assert_eq!(refs[1].kind, ReferenceKind::Best);
        assert_eq!(refs[1].segment.as_deref(), Some("wind"));
        // 3.5 % is the fraction 0.035.
        assert_eq!(refs[1].value, "0.035".parse::<Decimal>().unwrap());
    }

    #[test]
    fn every_bad_cell_is_named() {
        let error = read(
            "indicator,segment,kind,value,year,source\n\
             roe,,average,0.1,2025,x\n\
             cost_per_tonne,water,average,300,2025,x\n\
             cost_per_tonne,,median,abc,20x5,\n\
             cost_per_mwh,wind,best,80,2025,x\n\
             cost_per_mwh,风电,best,82,2025,y\n",
        )
        .unwrap_err();
        let lines: Vec<String> = error.issues.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "refs.csv:2: indicator: \"roe\" roe is not an operating indicator: only those are benchmarked among plants",
                "refs.csv:3: segment: \"water\" cost_per_tonne does not apply to segment \"water\" (its segments: waste-to-energy)",
                "refs.csv:4: kind: \"median\" is not a kind of reference value: average or best",
                "refs.csv:4: value: \"abc\" is not a number (a ratio may be written as 12.5%)",
                "refs.csv:4: year: \"20x5\" is not a year such as 2025",
                "refs.csv:4: source: must not be empty",
                "refs.csv:6: indicator: \"cost_per_mwh\" the same indicator, segment, kind and year as line 5",
            ]
        );
    }
}
