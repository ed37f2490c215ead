//! The manager term register file (任期制和契约化管理台账), in the layout of the export: one row
//! per term and year (a term without a year yet: one row with the year blank), the term's
//! columns repeated on each of its rows. `任期编号` is optional: rows with a number correct that
//! term, rows without one add a term, rows of one new term being those with the same person,
//! unit and start. The shown-only `单位名称` is read past. Blank contract date, outcome, rating or
//! pay mean "as stored" (an import adds and corrects, never erases).
//!
//! Problems are reported all at once, each naming file, cell, column and value, with the codes
//! of [`crate::safety_risks::RowIssue`] plus `invalid_date`, `invalid_year`, `invalid_rating`,
//! `invalid_outcome`, `invalid_flag`, `unknown_entity` and `term_differs` (a term's columns
//! disagree between two of its rows).

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use zx_domain::managers::{Outcome, OutcomeKind, Rating, TermYear};
use zx_domain::{Entity, EntityCode};

use crate::Input;
use crate::safety_risks::{
    Cells, Column, Problems, RowFileRejected, empty_file, header_index, tables,
};
use crate::source::Value;

/// The layout: codes and the export's headings, in order.
pub const MANAGER_HEADINGS: [(&str, &str); 20] = [
    ("id", "任期编号"),
    ("entity", "单位编码"),
    ("entity_name", "单位名称"),
    ("person_id", "人员编号"),
    ("person_name", "姓名"),
    ("position", "职务"),
    ("start", "任期开始"),
    ("end", "任期结束"),
    ("contract_signed", "契约签订日期"),
    ("term_target", "任期目标"),
    ("term_result", "任期完成情况"),
    ("year", "年度"),
    ("year_target", "年度目标"),
    ("year_result", "年度完成情况"),
    ("rating", "年度考核结果"),
    ("pay", "年薪（元）"),
    ("outcome", "任期结果"),
    ("outcome_date", "结果日期"),
    ("outcome_reason", "结果原因"),
    ("for_performance", "不胜任退出"),
];

const fn col(code: &'static str, names: &'static [&'static str], required: bool) -> Column {
    Column {
        code,
        names,
        required,
    }
}

const COLUMNS: &[Column] = &[
    col("id", &["id", "任期编号"], false),
    col("entity", &["entity", "单位编码"], true),
    col("entity_name", &["entity_name", "单位名称"], false),
    col("person_id", &["person_id", "人员编号"], true),
    col("person_name", &["person_name", "姓名"], true),
    col("position", &["position", "职务"], true),
    col("start", &["start", "任期开始"], true),
    col("end", &["end", "任期结束"], true),
    col(
        "contract_signed",
        &["contract_signed", "契约签订日期"],
        false,
    ),
    col("term_target", &["term_target", "任期目标"], false),
    col("term_result", &["term_result", "任期完成情况"], false),
    col("year", &["year", "年度"], false),
    col("year_target", &["year_target", "年度目标"], false),
    col("year_result", &["year_result", "年度完成情况"], false),
    col("rating", &["rating", "年度考核结果"], false),
    col("pay", &["pay", "年薪（元）", "年薪"], false),
    col("outcome", &["outcome", "任期结果"], false),
    col("outcome_date", &["outcome_date", "结果日期"], false),
    col("outcome_reason", &["outcome_reason", "结果原因"], false),
    col("for_performance", &["for_performance", "不胜任退出"], false),
];

/// A term read from a file, with its years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerFileTerm {
    pub id: Option<i64>,
    pub person_id: String,
    pub person_name: String,
    pub entity: EntityCode,
    pub position: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub contract_signed: Option<NaiveDate>,
    pub term_target: String,
    pub term_result: String,
    pub outcome: Option<Outcome>,
    pub years: Vec<TermYear>,
}

fn layout() -> String {
    MANAGER_HEADINGS
        .iter()
        .map(|(_, zh)| *zh)
        .collect::<Vec<_>>()
        .join(",")
}

fn cell<'c>(cells: &'c Cells<'_>, code: &str) -> Option<&'c Value> {
    cells.index.get(code).map(|c| cells.row.cell(*c))
}

/// A blank cell: `Ok(None)`; a date: `Ok(Some)`; anything else: a problem.
fn optional_date(
    cells: &Cells<'_>,
    code: &str,
    problems: &mut Problems,
) -> Option<Option<NaiveDate>> {
    let parsed = match cell(cells, code) {
        None | Some(Value::Empty) => return Some(None),
        Some(Value::Date {
            year,
            month,
            day,
            time: false,
        }) => NaiveDate::from_ymd_opt(*year, *month, *day),
        Some(Value::Text(text)) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok(),
        Some(_) => None,
    };
    if parsed.is_none() {
        problems.add(
            &cells.loc(code),
            "invalid_date",
            code,
            Some(cells.text(code)),
            "is not a date in the form YYYY-MM-DD".into(),
            "不是 YYYY-MM-DD 格式的日期".into(),
        );
        return None;
    }
    Some(parsed)
}

fn required_date(cells: &Cells<'_>, code: &str, problems: &mut Problems) -> Option<NaiveDate> {
    match optional_date(cells, code, problems) {
        Some(Some(d)) => Some(d),
        Some(None) => {
            cells.required(code, problems);
            None
        }
        None => None,
    }
}

fn optional_decimal(
    cells: &Cells<'_>,
    code: &str,
    problems: &mut Problems,
) -> Option<Option<Decimal>> {
    match cell(cells, code) {
        None | Some(Value::Empty) => Some(None),
        Some(value) => match crate::fields::decimal(value, code) {
            Ok(d) if !d.is_sign_negative() => Some(Some(d)),
            _ => {
                problems.add(
                    &cells.loc(code),
                    "invalid_number",
                    code,
                    Some(cells.text(code)),
                    "is not an amount of yuan (a number, not negative)".into(),
                    "不是金额（元）：应为不小于零的数字".into(),
                );
                None
            }
        },
    }
}

/// Reads a manager register against the stored `entities`. `terms` in file order of their
/// first rows, or every problem.
pub fn read_managers(
    input: Input<'_>,
    entities: &[Entity],
) -> Result<Vec<ManagerFileTerm>, RowFileRejected> {
    let mut problems = Problems {
        file: input.file_name.to_owned(),
        list: Vec::new(),
    };
    let known: HashMap<&str, &Entity> = entities.iter().map(|e| (e.code.as_str(), e)).collect();
    let layout = layout();
    let mut terms: Vec<ManagerFileTerm> = Vec::new();
    // A term's key (its id, or person, unit and start) → its place in `terms` and first line.
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    let mut rows = 0;
    if let Some(tables) = tables(input, COLUMNS, &mut problems) {
        for table in &tables {
            let Some(index) = header_index(table, COLUMNS, &layout, &mut problems) else {
                continue;
            };
            for row in table.rows() {
                rows += 1;
                let cells = Cells {
                    table,
                    row: &row,
                    index: &index,
                };
                let Some((term, year)) = term_row(&cells, &known, &mut problems) else {
                    continue;
                };
                let key = match term.id {
                    Some(id) => format!("#{id}"),
                    None => format!("{}|{}|{}", term.person_id, term.entity, term.start),
                };
                match seen.get(&key) {
                    None => {
                        seen.insert(key, (terms.len(), row.line));
                        let mut term = term;
                        term.years.extend(year);
                        terms.push(term);
                    }
                    Some(&(at, line)) => {
                        let first = &mut terms[at];
                        let mut same = term.clone();
                        same.years = first.years.clone();
                        if same != *first {
                            problems.add(
                                &cells.loc("person_id"),
                                "term_differs",
                                "",
                                None,
                                format!("repeats the term of line {line} with other term columns"),
                                format!("与第 {line} 行为同一任期，但任期各列不一致"),
                            );
                            continue;
                        }
                        if let Some(year) = year {
                            if first.years.iter().any(|y| y.year == year.year) {
                                problems.add(
                                    &cells.loc("year"),
                                    "term_differs",
                                    "year",
                                    Some(year.year.to_string()),
                                    format!("is given twice for the term of line {line}"),
                                    format!("在第 {line} 行的任期中出现了两次"),
                                );
                                continue;
                            }
                            first.years.push(year);
                        }
                    }
                }
            }
        }
        if rows == 0 && problems.list.is_empty() {
            empty_file(&mut problems);
        }
    }
    let issues = problems.finish();
    if issues.is_empty() {
        Ok(terms)
    } else {
        Err(RowFileRejected { issues })
    }
}

fn term_row(
    cells: &Cells<'_>,
    known: &HashMap<&str, &Entity>,
    problems: &mut Problems,
) -> Option<(ManagerFileTerm, Option<TermYear>)> {
    let id_text = cells.text("id");
    let id = if id_text.is_empty() {
        Some(None)
    } else {
        match id_text.trim_start_matches('#').parse::<i64>() {
            Ok(id) if id > 0 => Some(Some(id)),
            _ => {
                problems.add(
                    &cells.loc("id"),
                    "invalid_number",
                    "id",
                    Some(id_text),
                    "is not a term number".into(),
                    "不是任期编号".into(),
                );
                None
            }
        }
    };
    let entity = cells.required("entity", problems).and_then(|text| {
        if known.contains_key(text.as_str()) {
            EntityCode::parse(&text).ok()
        } else {
            problems.add(
                &cells.loc("entity"),
                "unknown_entity",
                "entity",
                Some(text),
                "is not a unit of the group tree".into(),
                "不是集团树中的单位".into(),
            );
            None
        }
    });
    let [person_id, person_name, position] =
        ["person_id", "person_name", "position"].map(|code| cells.required(code, problems));
    let start = required_date(cells, "start", problems);
    let end = required_date(cells, "end", problems);
    let contract_signed = optional_date(cells, "contract_signed", problems);
    let outcome_date = optional_date(cells, "outcome_date", problems);
    let outcome_text = cells.text("outcome");
    let outcome_kind = if outcome_text.is_empty() {
        Some(None)
    } else if let Some(kind) = OutcomeKind::parse(&outcome_text) {
        Some(Some(kind))
    } else {
        problems.add(
            &cells.loc("outcome"),
            "invalid_outcome",
            "outcome",
            Some(outcome_text),
            "is not an outcome: 留任, 晋升, 降职 or 退出 (kept, promoted, demoted, exited)".into(),
            "不是任期结果：留任、晋升、降职或退出".into(),
        );
        None
    };
    let flag = cells.text("for_performance");
    let for_performance = match flag.as_str() {
        "" | "否" | "no" | "false" | "0" => Some(false),
        "是" | "yes" | "true" | "1" => Some(true),
        _ => {
            problems.add(
                &cells.loc("for_performance"),
                "invalid_flag",
                "for_performance",
                Some(flag),
                "is neither 是 (yes) nor 否 (no)".into(),
                "应为“是”或“否”".into(),
            );
            None
        }
    };
    let outcome = match (outcome_kind?, outcome_date?) {
        (None, None) => None,
        (Some(kind), Some(date)) => Some(Outcome {
            kind,
            date,
            reason: cells.text("outcome_reason"),
            for_performance: for_performance?,
        }),
        (Some(_), None) => {
            cells.required("outcome_date", problems);
            return None;
        }
        (None, Some(_)) => {
            cells.required("outcome", problems);
            return None;
        }
    };
    let year = year_of(cells, problems)?;
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        problems.add(
            &cells.loc("end"),
            "ends_before_start",
            "end",
            Some(cells.text("end")),
            "is before the term's start".into(),
            "早于任期开始日期".into(),
        );
        return None;
    }
    Some((
        ManagerFileTerm {
            id: id?,
            person_id: person_id?,
            person_name: person_name?,
            entity: entity?,
            position: position?,
            start: start?,
            end: end?,
            contract_signed: contract_signed?,
            term_target: cells.text("term_target"),
            term_result: cells.text("term_result"),
            outcome,
            years: Vec::new(),
        },
        year,
    ))
}

/// The row's year, if it gives one: `Some(None)` for a term row without a year.
fn year_of(cells: &Cells<'_>, problems: &mut Problems) -> Option<Option<TermYear>> {
    let text = cells.text("year");
    let rating_text = cells.text("rating");
    let rating = if rating_text.is_empty() {
        Some(None)
    } else if let Some(r) = Rating::parse(&rating_text) {
        Some(Some(r))
    } else {
        problems.add(
            &cells.loc("rating"),
            "invalid_rating",
            "rating",
            Some(rating_text),
            "is not a rating: 优秀, 称职, 基本称职 or 不称职".into(),
            "不是考核结果：优秀、称职、基本称职或不称职".into(),
        );
        None
    };
    let pay = optional_decimal(cells, "pay", problems);
    if text.is_empty() {
        let given = rating?.is_some() || pay?.is_some() || !cells.text("year_target").is_empty();
        if given {
            cells.required("year", problems);
            return None;
        }
        return Some(None);
    }
    let year = text
        .trim_end_matches('年')
        .parse::<i32>()
        .ok()
        .filter(|y| (1900..=2999).contains(y));
    if year.is_none() {
        problems.add(
            &cells.loc("year"),
            "invalid_year",
            "year",
            Some(text),
            "is not a year (YYYY)".into(),
            "不是年度（YYYY）".into(),
        );
    }
    Some(Some(TermYear {
        year: year?,
        target: cells.text("year_target"),
        result: cells.text("year_result"),
        rating: rating?,
        pay: pay?,
    }))
}
