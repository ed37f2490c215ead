//! Practice library files (经验库), read by the same source layer as every submitted file (CSV
//! in UTF-8, UTF-16 or GBK, or XLSX): `id,title,body,entity,tags` (also with the Chinese
//! headings `编号,标题,正文,单位,标签`), tags separated by `;`. Optional columns give the
//! results: `result_amount` (yuan a year, 年效益（元）), `result_quantity` and `result_unit` (a
//! physical effect, 效果数值 and 计量单位) and `result_note` (效果说明).
//!
//! Every problem is reported at once, each naming file, line or cell, column and value, with a
//! stable code; a file with any problem yields nothing.

use std::collections::HashMap;

use rust_decimal::Decimal;
use zx_domain::practices::{Practice, PracticeProblem, PracticeResult, parse_tags};
use zx_domain::{EntityCode, EntityTree, Lang};

use crate::Input;
use crate::numbers::parse_decimal;
use crate::safety_risks::{Cells, Column, Problems, RowFileRejected, read_rows};

/// The header of a practices file (the contract's five columns).
pub const PRACTICE_CSV_HEADER: &str = "id,title,body,entity,tags";

const COLUMNS: &[Column] = &[
    Column {
        code: "id",
        names: &["id", "编号", "经验编号"],
        required: true,
    },
    Column {
        code: "title",
        names: &["title", "标题", "名称"],
        required: true,
    },
    Column {
        code: "body",
        names: &["body", "正文", "内容", "做法"],
        required: true,
    },
    Column {
        code: "entity",
        names: &["entity", "单位", "单位编码"],
        required: true,
    },
    Column {
        code: "tags",
        names: &["tags", "标签"],
        required: true,
    },
    Column {
        code: "result_amount",
        names: &["result_amount", "年效益（元）", "年效益(元)", "年效益"],
        required: false,
    },
    Column {
        code: "result_quantity",
        names: &["result_quantity", "效果数值"],
        required: false,
    },
    Column {
        code: "result_unit",
        names: &["result_unit", "计量单位"],
        required: false,
    },
    Column {
        code: "result_note",
        names: &["result_note", "效果说明"],
        required: false,
    },
];

/// Reads a practices file: every entity one of `tree`, every id once.
pub fn read_practices(
    input: Input<'_>,
    tree: &EntityTree,
) -> Result<Vec<Practice>, RowFileRejected> {
    let mut first_line = HashMap::new();
    read_rows(input, COLUMNS, PRACTICE_CSV_HEADER, |cells, problems| {
        let practice = practice_row(cells, tree, problems);
        let code = cells.text("id");
        if code.is_empty() {
            return None;
        }
        if let Some(first) = first_line.get(&code) {
            problems.add(
                &cells.loc("id"),
                "duplicate_row",
                "id",
                Some(code),
                format!("the same id as line {first}"),
                format!("与第 {first} 行的编号相同"),
            );
            return None;
        }
        first_line.insert(code, cells.row.line);
        practice
    })
}

fn number(cells: &Cells<'_>, code: &str, problems: &mut Problems) -> Result<Option<Decimal>, ()> {
    let text = cells.text(code);
    if text.is_empty() {
        return Ok(None);
    }
    match parse_decimal(&text) {
        Ok(value) => Ok(Some(value)),
        Err(_) => {
            problems.add(
                &cells.loc(code),
                "invalid_number",
                code,
                Some(text),
                "is not a number".into(),
                "不是数字".into(),
            );
            Err(())
        }
    }
}

fn problem_code(problem: &PracticeProblem) -> &'static str {
    match problem {
        PracticeProblem::Empty(_) => "empty_value",
        PracticeProblem::TooLong { .. } => "too_long",
        PracticeProblem::BadCode => "invalid_id",
        PracticeProblem::TooManyTags => "too_many_tags",
        PracticeProblem::UnitWithoutQuantity => "unit_without_quantity",
        PracticeProblem::QuantityWithoutUnit => "quantity_without_unit",
    }
}

fn practice_row(cells: &Cells<'_>, tree: &EntityTree, problems: &mut Problems) -> Option<Practice> {
    let code = cells.required("id", problems);
    let title = cells.required("title", problems);
    let body = cells.required("body", problems);
    let entity = cells.required("entity", problems).and_then(|text| {
        let Ok(code) = EntityCode::parse(&text) else {
            problems.add(
                &cells.loc("entity"),
                "invalid_entity_code",
                "entity",
                Some(text),
                "is not an entity code".into(),
                "不是有效的单位编码".into(),
            );
            return None;
        };
        if tree.id_of(code.as_str()).is_none() {
            problems.add(
                &cells.loc("entity"),
                "unknown_entity",
                "entity",
                Some(text),
                "is not an entity of the group".into(),
                "不是集团内的单位".into(),
            );
            return None;
        }
        Some(code)
    });
    let tags = parse_tags(&cells.text("tags"));
    let amount = number(cells, "result_amount", problems);
    let quantity = number(cells, "result_quantity", problems);
    // The domain's checks on what the row gives (a cell already refused stands in empty or
    // zero, its problem named once, above).
    let probe = Practice {
        code: code.clone().unwrap_or_default(),
        title: title.clone().unwrap_or_default(),
        body: body.clone().unwrap_or_default(),
        entity: entity.clone().unwrap_or_else(|| tree_root(tree)),
        tags,
        result: PracticeResult {
            amount: None,
            quantity: match quantity {
                Ok(q) => q,
                Err(()) => Some(Decimal::ZERO),
            },
            unit: cells.text("result_unit"),
            note: cells.text("result_note"),
        },
    };
    let found: Vec<PracticeProblem> = probe
        .problems()
        .into_iter()
        .filter(|p| !matches!(p, PracticeProblem::Empty(_)))
        .collect();
    for problem in &found {
        let column = problem.field();
        let value = Some(cells.text(column)).filter(|v| !v.is_empty());
        problems.add(
            &cells.loc(column),
            problem_code(problem),
            column,
            value,
            problem.text(Lang::En),
            problem.text(Lang::Zh),
        );
    }
    let (Some(_), Some(_), Some(_), Some(_), Ok(amount), Ok(_)) =
        (code, title, body, entity, amount, quantity)
    else {
        return None;
    };
    found.is_empty().then_some(Practice {
        result: PracticeResult {
            amount,
            ..probe.result
        },
        ..probe
    })
}

/// Any entity code: it stands in for a refused one so the other checks still run.
fn tree_root(tree: &EntityTree) -> EntityCode {
    tree.roots()
        .first()
        .map(|id| tree.entity(*id).code.clone())
        .unwrap_or_else(stand_in_code)
}

fn stand_in_code() -> EntityCode {
    match EntityCode::parse("X") {
        Ok(code) => code,
        Err(_) => unreachable!("X is a valid entity code"),
    }
}
