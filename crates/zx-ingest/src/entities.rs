//! Entities files: `code,name,parent,kind,region,segment`, one node of the group tree per row.
//!
//! Rows are checked one by one, then the tree as it would be after the import: the entities
//! already known with this file's rows replacing those of the same code.

use std::collections::HashMap;

use zx_domain::entity::cycle_text;
use zx_domain::{Entity, EntityCode, EntityKind, EntityTree, TreeError};

use crate::Context;
use crate::batch::Batch;
use crate::fields::{self, Known};
use crate::issue::{Draft, IssueCode, Loc, Sink};
use crate::schema::Columns;
use crate::source::Table;

/// A row whose code (and parent, if any) are valid, enough to place it in the tree.
struct Node {
    entity: Entity,
    ok: bool,
    code_loc: Loc,
    parent_loc: Loc,
}

/// Reads the entities of every table of the file (a workbook may have several sheets).
pub(crate) fn read(
    tables: &[(Table, Columns)],
    ctx: &Context<'_>,
    sink: &mut Sink,
    batch: Option<&mut Batch>,
) -> Vec<Entity> {
    let known = Known::new(ctx.entities);
    let mut nodes: Vec<Node> = Vec::new();
    let mut first: HashMap<EntityCode, usize> = HashMap::new();
    for (table, columns) in tables {
        read_table(table, columns, sink, &mut nodes, &mut first);
    }
    if let Some(batch) = batch {
        for node in &nodes {
            batch.entity(&node.entity.code, &node.code_loc, sink);
        }
    }
    // Parents must be in the file or already known.
    for node in &nodes {
        if let Some(parent) = &node.entity.parent
            && !first.contains_key(parent)
            && !known.contains(parent)
        {
            sink.error(
                &node.parent_loc,
                Draft::new(
                    IssueCode::UnknownParent,
                    "is not a known entity: it is neither in this file nor already imported",
                    "不是已知单位：既不在本文件中，也未曾导入",
                )
                .column("parent")
                .value(parent.as_str()),
            );
        }
    }
    check_cycles(&nodes, &first, ctx, sink);
    nodes
        .into_iter()
        .filter(|n| n.ok)
        .map(|n| n.entity)
        .collect()
}

/// Reads one table's rows into `nodes`; `first` is where each code was first seen.
fn read_table(
    table: &Table,
    columns: &Columns,
    sink: &mut Sink,
    nodes: &mut Vec<Node>,
    first: &mut HashMap<EntityCode, usize>,
) {
    let [code_col, name_col, parent_col, kind_col] =
        ["code", "name", "parent", "kind"].map(|name| columns.get(name).unwrap_or(usize::MAX));
    let region_col = columns.get("region");
    let segment_col = columns.get("segment");
    for row in table.rows() {
        let loc = |col: usize| table.loc(row.line, col);
        let mut ok = true;
        let mut report = |sink: &mut Sink, col: usize, draft: Draft| {
            ok = false;
            sink.error(&loc(col), draft);
        };
        let code = fields::entity_code(row.cell(code_col), "code")
            .map_err(|d| report(sink, code_col, d))
            .ok();
        let name = fields::required_text(row.cell(name_col), "name")
            .map_err(|d| report(sink, name_col, d))
            .ok();
        let parent_cell = row.cell(parent_col);
        let parent = if parent_cell.is_empty() {
            Some(None)
        } else {
            fields::entity_code(parent_cell, "parent")
                .map(Some)
                .map_err(|d| report(sink, parent_col, d))
                .ok()
        };
        let kind_cell = row.cell(kind_col);
        let kind = if kind_cell.is_empty() {
            report(sink, kind_col, fields::empty("kind"));
            None
        } else {
            let text = kind_cell.text();
            let kind = EntityKind::parse(&text);
            if kind.is_none() {
                report(
                    sink,
                    kind_col,
                    Draft::new(
                        IssueCode::InvalidKind,
                        "is not an entity kind: write group, subsidiary, company or plant (集团, 子公司, 公司, 厂站)",
                        "不是有效的单位类型：须填 集团、子公司、公司 或 厂站（group、subsidiary、company、plant）",
                    )
                    .column("kind")
                    .value(text),
                );
            }
            kind
        };
        let optional = |col: Option<usize>| col.map(|c| row.cell(c).text()).unwrap_or_default();
        let (Some(code), Some(parent)) = (code, parent) else {
            continue;
        };
        if let Some(&earlier) = first.get(&code) {
            let (en, zh) = nodes[earlier].code_loc.place.reference();
            sink.error(
                &loc(code_col),
                Draft::new(
                    IssueCode::DuplicateCode,
                    format!("appears a second time (first at {en}); each code once per file"),
                    format!("重复出现（首次出现在{zh}）；每个编码在文件中只能出现一次"),
                )
                .column("code")
                .value(code.as_str()),
            );
            continue;
        }
        first.insert(code.clone(), nodes.len());
        nodes.push(Node {
            entity: Entity {
                code,
                name: name.unwrap_or_default(),
                parent,
                // A placeholder when the kind is invalid (reported): the tree check still runs.
                kind: kind.unwrap_or(EntityKind::Plant),
                region: optional(region_col),
                segment: optional(segment_col),
            },
            ok,
            code_loc: loc(code_col),
            parent_loc: loc(parent_col),
        });
    }
}

/// Builds the tree as it would be after the import and reports each cycle on a row of the file.
fn check_cycles(
    nodes: &[Node],
    first: &HashMap<EntityCode, usize>,
    ctx: &Context<'_>,
    sink: &mut Sink,
) {
    let mut merged: Vec<Entity> = ctx
        .entities
        .iter()
        .filter(|e| !first.contains_key(&e.code))
        .cloned()
        .collect();
    merged.extend(nodes.iter().map(|n| n.entity.clone()));
    let Err(errors) = EntityTree::build(merged) else {
        return;
    };
    for error in errors {
        // Duplicates and unknown parents were reported per row above.
        let TreeError::Cycle { members, .. } = &error else {
            continue;
        };
        // A member may be an already-known entity: blame the first member this file defines,
        // and show the cycle from that row.
        let Some(start) = members.iter().position(|c| first.contains_key(c)) else {
            continue;
        };
        let Some(node) = first.get(&members[start]).map(|&i| &nodes[i]) else {
            continue;
        };
        let mut rotated = members.clone();
        rotated.rotate_left(start);
        let path = cycle_text(&rotated);
        let parent = node
            .entity
            .parent
            .as_ref()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        sink.error(
            &node.parent_loc,
            Draft::new(
                IssueCode::Cycle,
                format!(
                    "makes {} its own ancestor ({path}); the group tree cannot have cycles",
                    node.entity.code
                ),
                format!(
                    "使 {} 成为自己的上级（{path}）；单位层级不能循环",
                    node.entity.code
                ),
            )
            .column("parent")
            .value(parent),
        );
    }
}
