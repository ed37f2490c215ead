//! A company's yearly drill plan (年度应急演练计划) as a file, CSV or XLSX, in the layout its
//! export writes: `id,entity,plan,due,scenario,joint_with,cancel_reason` (columns in any
//! order; `id` empty for a drill to add; `cancel_reason` set once it was cancelled). Read
//! against what is stored (`KnownSafety`: the entities, the importer's scope, the plans a
//! drill may name); every problem named by file, line or cell, column and value, and any
//! problem means no rows.

use std::collections::HashMap;

use chrono::NaiveDate;
use zx_domain::EntityCode;

use super::rows::{date, entity, text};
use super::{KnownSafety, SafetyRejected, heading};
use crate::Input;
use crate::issue::{Draft, IssueCode, Loc, Sink};
use crate::source::{self, Table, Value};

/// The header the export writes.
pub const DRILL_PLAN_HEADER: &str = "id,entity,plan,due,scenario,joint_with,cancel_reason";

/// (column, required)
const COLUMNS: &[(&str, bool)] = &[
    ("id", false),
    ("entity", true),
    ("plan", true),
    ("due", true),
    ("scenario", false),
    ("joint_with", false),
    ("cancel_reason", false),
];

/// One row of a drill plan file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFileRow {
    /// The planned drill's number from the export; `None`: a drill to add.
    pub id: Option<i64>,
    pub entity: EntityCode,
    pub plan: String,
    pub due: NaiveDate,
    pub scenario: String,
    pub joint_with: String,
    /// Why it is cancelled, when it is.
    pub cancel_reason: Option<String>,
}

/// Whether a header is a drill plan's: every required column, nothing else, nothing twice.
fn is_plan_header(cells: &[Value]) -> Option<()> {
    let names: Vec<String> = cells
        .iter()
        .map(heading)
        .filter(|n| !n.is_empty())
        .collect();
    let known = names.iter().all(|n| COLUMNS.iter().any(|(c, _)| c == n));
    let complete = COLUMNS
        .iter()
        .all(|(c, required)| !required || names.iter().any(|n| n == c));
    let unique = names.iter().collect::<std::collections::HashSet<_>>().len() == names.len();
    (known && complete && unique).then_some(())
}

fn wrong_header(loc: &Loc, sink: &mut Sink, value: String) {
    sink.error(
        loc,
        Draft::new(
            IssueCode::UnknownHeader,
            format!(
                "is not the header of a drill plan; the first row must be: {DRILL_PLAN_HEADER}"
            ),
            format!("不是演练计划的表头；第一行须为：{DRILL_PLAN_HEADER}"),
        )
        .value(value),
    );
}

/// Reads a drill plan file. A row must name a registered entity the importer may write and one
/// of its plans (`known.plans`); an id is a whole number, once in the file.
pub fn read_drill_plan(
    input: Input<'_>,
    known: &KnownSafety<'_>,
) -> Result<Vec<PlanFileRow>, SafetyRejected> {
    let mut sink = Sink::new(input.file_name);
    let tables = file_tables(input, &is_plan_header, DRILL_PLAN_HEADER, &mut sink);
    let mut rows = Vec::new();
    let mut ids: HashMap<i64, usize> = HashMap::new();
    for table in tables.iter().flatten() {
        if is_plan_header(&table.header).is_none() {
            let text: Vec<String> = table.header.iter().map(Value::text).collect();
            wrong_header(
                &table.line_loc(table.header_line),
                &mut sink,
                text.join(","),
            );
            continue;
        }
        let index: HashMap<String, usize> = table
            .header
            .iter()
            .enumerate()
            .map(|(i, cell)| (heading(cell), i))
            .filter(|(name, _)| !name.is_empty())
            .collect();
        for row in table.rows() {
            let cell = |name: &str| index.get(name).map_or(&Value::Empty, |i| row.cell(*i));
            let loc = |name: &str| table.loc(row.line, index.get(name).copied().unwrap_or(0));
            let mut failed = false;
            let id = match cell("id") {
                Value::Empty => Some(None),
                c => {
                    let text = c.text();
                    let parsed = text.trim().parse::<i64>().ok().filter(|n| *n > 0);
                    let result = parsed.map(Some).ok_or_else(|| {
                        Draft::new(
                            IssueCode::InvalidMeasureNumber,
                            "is not a planned drill's number (a whole number from the plan's export; empty for a drill to add)",
                            "不是演练计划编号（应为导出表中的整数编号；新增的演练留空）",
                        )
                        .column("id")
                        .value(text.clone())
                    });
                    take(&mut sink, &loc("id"), &mut failed, result)
                }
            };
            if let Some(Some(n)) = id
                && let Some(first) = ids.insert(n, row.line)
            {
                let draft = Draft::new(
                    IssueCode::DuplicateRow,
                    format!("is listed twice: the same planned drill is on line {first}"),
                    format!("重复：同一演练计划已在第 {first} 行"),
                )
                .column("id")
                .value(n.to_string());
                take::<()>(&mut sink, &loc("id"), &mut failed, Err(draft));
            }
            let unit = take(
                &mut sink,
                &loc("entity"),
                &mut failed,
                entity(cell("entity"), "entity", known),
            );
            let plan = take(
                &mut sink,
                &loc("plan"),
                &mut failed,
                text(cell("plan"), "plan"),
            );
            let due = take(
                &mut sink,
                &loc("due"),
                &mut failed,
                date(cell("due"), "due"),
            );
            if let (Some(unit), Some(plan)) = (&unit, &plan)
                && !known
                    .plans
                    .iter()
                    .any(|p| &p.entity == unit && &p.plan == plan)
            {
                let draft = Draft::new(
                    IssueCode::UnknownPlan,
                    format!("is not a plan of {unit} in its plans register"),
                    format!("不是单位 {unit} 预案台账中的预案"),
                )
                .column("plan")
                .value(plan.clone());
                take::<()>(&mut sink, &loc("plan"), &mut failed, Err(draft));
            }
            let optional = |name: &str| cell(name).text().trim().to_owned();
            let cancel = optional("cancel_reason");
            if let (false, Some(id), Some(entity), Some(plan), Some(due)) =
                (failed, id, unit, plan, due)
            {
                rows.push(PlanFileRow {
                    id,
                    entity,
                    plan,
                    due,
                    scenario: optional("scenario"),
                    joint_with: optional("joint_with"),
                    cancel_reason: (!cancel.is_empty()).then_some(cancel),
                });
            }
        }
    }
    let (errors, _) = sink.finish();
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(SafetyRejected { errors })
    }
}

/// The value, or its error reported at `loc` (and the row marked failed).
pub(super) fn take<T>(
    sink: &mut Sink,
    loc: &Loc,
    failed: &mut bool,
    result: Result<T, Draft>,
) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(draft) => {
            sink.error(loc, draft);
            *failed = true;
            None
        }
    }
}

/// The file's tables: a workbook's sheets whose header `is_header` accepts, or the decoded
/// CSV text (its header checked by the caller). `header` is named when no sheet has it.
pub(super) fn file_tables(
    input: Input<'_>,
    is_header: &dyn Fn(&[Value]) -> Option<()>,
    header: &str,
    sink: &mut Sink,
) -> Option<Vec<Table>> {
    let bytes = input.bytes;
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        let tables = source::read_xlsx(bytes, is_header, sink)?;
        if tables.is_empty() && !sink.has_errors() {
            sink.error(
                &Loc::file(),
                Draft::new(
                    IssueCode::UnknownHeader,
                    format!("has no sheet with the header {header}"),
                    format!("没有表头为 {header} 的工作表"),
                ),
            );
        }
        Some(tables)
    } else {
        match source::decode(bytes) {
            Ok((text, encoding)) => source::read_csv(text, encoding, sink).map(|t| vec![t]),
            Err(failure) => {
                let (loc, draft) = *failure;
                sink.error(&loc, draft);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use zx_domain::safety::{Plan, PlanKind};
    use zx_domain::{Entity, EntityKind};

    use super::*;

    fn code(s: &str) -> EntityCode {
        EntityCode::parse(s).unwrap()
    }

    #[test]
    fn a_plan_file_reads_its_rows_and_names_every_bad_cell() {
        let entities: Vec<Entity> = ["P1", "P2"]
            .iter()
            .map(|c| Entity {
                code: code(c),
                name: String::new(),
                parent: None,
                kind: EntityKind::Plant,
                region: String::new(),
                segment: String::new(),
            })
            .collect();
        let plans = [Plan {
            entity: code("P1"),
            plan: "XC-01".into(),
            kind: PlanKind::Onsite,
            approved: NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
        }];
        let scope = [code("P1")].into();
        let known = KnownSafety {
            plans: &plans,
            entities: Some(&entities),
            writable: Some(&scope),
            ..KnownSafety::default()
        };
        let good = format!(
            "{DRILL_PLAN_HEADER}\n7,P1,XC-01,2026-06-30,氨水泄漏,消防救援大队,\n,P1,XC-01,2026-11-30,,,\n"
        );
        let rows = read_drill_plan(
            Input {
                file_name: "plan.csv",
                bytes: good.as_bytes(),
            },
            &known,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].id, rows[0].joint_with.as_str()),
            (Some(7), "消防救援大队")
        );
        assert_eq!((rows[1].id, rows[1].cancel_reason.clone()), (None, None));
        let bad = format!(
            "{DRILL_PLAN_HEADER}\nx,P1,XC-01,2026-06-30,,,\n7,P2,XC-01,2026-02-30,,,\n7,P1,XC-09,2026-06-30,,,停炉\n"
        );
        let err = read_drill_plan(
            Input {
                file_name: "plan.csv",
                bytes: bad.as_bytes(),
            },
            &known,
        )
        .unwrap_err();
        let lines: Vec<String> = err.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "plan.csv:2: id: \"x\" is not a planned drill's number (a whole number from the plan's export; empty for a drill to add)",
                "plan.csv:3: entity: \"P2\" is outside your scope: you may import records only of your own unit and the units below it",
                "plan.csv:3: due: \"2026-02-30\" is not a date in the form YYYY-MM-DD",
                "plan.csv:4: id: \"7\" is listed twice: the same planned drill is on line 3",
                "plan.csv:4: plan: \"XC-09\" is not a plan of P1 in its plans register",
            ]
        );
    }
}
