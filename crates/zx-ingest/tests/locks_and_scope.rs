//! A figure for a locked month must equal the stored one, and a row for an entity outside the
//! submitter's scope is an error on that row, reported with every other error at once.

mod common;

use std::collections::HashSet;

use common::*;
use zx_domain::Basis;
use zx_ingest::{Context, Input, IssueCode, LockedMonths, Payload, Place, parse};

fn stored() -> MapStore {
    MapStore::default().with(
        "P1",
        "operating_revenue",
        &[
            ("2026-09", "100", Basis::Month),
            ("2026-10", "1000.50", Basis::Month),
        ],
    )
}

/// Parses `text` with S1's October locked (so P1 and P2's too) and `writable` as the scope.
fn check(text: &str, writable: Option<&HashSet<zx_domain::EntityCode>>) -> zx_ingest::ParsedFile {
    try_check(text, writable).expect("accepted")
}

fn try_check(
    text: &str,
    writable: Option<&HashSet<zx_domain::EntityCode>>,
) -> Result<zx_ingest::ParsedFile, zx_ingest::Rejected> {
    let catalogue = catalogue();
    let entities = group();
    let store = stored();
    let locked = LockedMonths::new([(code("S1"), month("2026-10"))], &entities);
    let ctx = Context {
        catalogue: &catalogue,
        entities: &entities,
        stored: &store,
        users: None,
        latest_month: Some(month("2026-12")),
        locked: Some(&locked),
        writable,
    };
    parse(
        Input {
            file_name: "data.csv",
            bytes: text.as_bytes(),
        },
        &ctx,
    )
}

#[test]
fn a_lock_on_a_parent_closes_the_month_for_the_units_below() {
    let entities = group();
    let locked = LockedMonths::new([(code("S1"), month("2026-10"))], &entities);
    assert_eq!(
        locked.locked_by(&code("P1"), month("2026-10")),
        Some(&code("S1"))
    );
    assert_eq!(
        locked.locked_by(&code("S1"), month("2026-10")),
        Some(&code("S1"))
    );
    assert_eq!(locked.locked_by(&code("P1"), month("2026-11")), None);
    assert_eq!(locked.locked_by(&code("S2"), month("2026-10")), None);
    assert_eq!(locked.locked_by(&code("G"), month("2026-10")), None);
}

#[test]
fn an_unchanged_figure_for_a_locked_month_is_accepted() {
    // 1000.5 equals the stored 1000.50: the pre-filled template reads back as unchanged.
    let parsed = check(
        "entity,period,item,value,basis\nP1,2026-10,operating_revenue,1000.5,month\nP1,2026-11,operating_revenue,7,month\n",
        None,
    );
    let Payload::Data(facts) = parsed.payload else {
        panic!("data")
    };
    let facts = facts.to_facts();
    assert_eq!(facts.len(), 2);
}

#[test]
fn a_changed_or_new_figure_for_a_locked_month_names_its_cell_and_the_stored_value() {
    let rejected = try_check(
        "entity,period,item,value,basis\n\
         P1,2026-10,operating_revenue,1000.51,month\n\
         P1,2026-10,total_profit,5,month\n\
         P1,2026-10,operating_revenue,1000.50,ytd\n",
        None,
    )
    .unwrap_err();
    let lines: Vec<String> = rejected.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines[0],
        "data.csv:2: value: \"1000.51\" changes operating_revenue of P1 for 2026-10, a month locked (S1): \
         the stored value is 1000.5 (month); give the stored value or leave the cell blank, \
         or ask HQ to reopen the month"
    );
    assert_eq!(rejected.errors[0].code, IssueCode::LockedPeriod);
    assert_eq!(rejected.errors[0].place, Place::Line(2));
    assert!(
        lines[1].starts_with("data.csv:3: value: \"5\" adds total_profit of P1 for 2026-10"),
        "{}",
        lines[1]
    );
    // The same value on another basis is a change too (line 4 is also a duplicate key).
    assert!(
        rejected
            .errors
            .iter()
            .all(|e| e.code == IssueCode::LockedPeriod || e.code == IssueCode::DuplicateRow),
        "{lines:?}"
    );
    assert!(rejected.errors[0].message_zh.contains("该月已锁定"));
}

#[test]
fn rows_outside_the_scope_are_reported_with_every_other_error() {
    let scope: HashSet<_> = [code("S1"), code("P1"), code("P2")].into_iter().collect();
    let rejected = try_check(
        "entity,period,item,value,basis\n\
         P1,2026-11,operating_revenue,12x,month\n\
         S2,2026-11,operating_revenue,5,month\n\
         G,2026-11,operating_revenue,5,month\n",
        Some(&scope),
    )
    .unwrap_err();
    let lines: Vec<String> = rejected.errors.iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].starts_with("data.csv:2: value: \"12x\""),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        "data.csv:3: entity: \"S2\" is outside your scope: you may submit figures only for your own unit and the units below it"
    );
    assert!(lines[2].starts_with("data.csv:4: entity: \"G\" is outside your scope"));
    assert_eq!(rejected.errors[1].code, IssueCode::OutsideScope);
    // Within the scope the same file's rows pass.
    check(
        "entity,period,item,value,basis\nP2,2026-11,operating_revenue,5,month\n",
        Some(&scope),
    );
}
