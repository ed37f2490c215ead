//! The database story: submissions, revisions, all-or-nothing imports, audited entities.

use chrono::{TimeZone, Utc};
use zx_domain::{Basis, Decimal, Entity, EntityCode, EntityKind, Fact, Month, Target};
use zx_store::{AuditFilter, Changes, HistoryFilter, Import, NewSubmission, Store};

fn code(s: &str) -> EntityCode {
    EntityCode::parse(s).unwrap()
}

fn entity(c: &str, parent: Option<&str>, name: &str) -> Entity {
    Entity {
        code: code(c),
        name: name.into(),
        parent: parent.map(code),
        kind: if parent.is_none() {
            EntityKind::Group
        } else {
            EntityKind::Plant
        },
        region: "福建".into(),
        segment: "waste-to-energy".into(),
    }
}

fn fact(e: &str, m: &str, item: &str, v: &str, basis: Basis) -> Fact {
    Fact {
        entity: code(e),
        month: Month::parse(m).unwrap(),
        item: item.into(),
        value: v.parse().unwrap(),
        basis,
    }
}

fn submission(name: &str, rows: usize) -> NewSubmission {
    NewSubmission {
        file_name: name.into(),
        sha256: "ab".repeat(32),
        rows,
    }
}

pub async fn submissions_revise_and_never_overwrite(store: &dyn Store) {
    let at = Utc.with_ymd_and_hms(2026, 4, 10, 9, 0, 0).unwrap();
    let receipts = store
        .import(Import {
            user: "clerk".into(),
            at,
            files: vec![
                (
                    submission("entities.csv", 2),
                    Changes::Entities(vec![
                        entity("G", None, "集团"),
                        entity("P1", Some("G"), "晋江厂"),
                    ]),
                ),
                (
                    submission("data.csv", 2),
                    Changes::facts(vec![
                        fact("P1", "2026-03", "total_profit", "100.50", Basis::Month),
                        fact("P1", "2026-03", "operating_revenue", "1000", Basis::Ytd),
                    ]),
                ),
                (
                    submission("targets.csv", 1),
                    Changes::Targets(vec![Target {
                        entity: code("P1"),
                        year: 2026,
                        indicator: "total_profit".into(),
                        value: "1200".parse().unwrap(),
                    }]),
                ),
            ],
        })
        .await
        .unwrap();
    assert_eq!(receipts.len(), 3);
    assert_eq!(
        (
            receipts[1].inserted,
            receipts[1].revised,
            receipts[1].unchanged
        ),
        (2, 0, 0)
    );

    // A correction: one value changes, one is re-sent unchanged (1000.00 equals 1000).
    let later = Utc.with_ymd_and_hms(2026, 4, 12, 15, 30, 0).unwrap();
    let receipts = store
        .import(Import {
            user: "hq".into(),
            at: later,
            files: vec![(
                submission("fix.csv", 2),
                Changes::facts(vec![
                    fact("P1", "2026-03", "total_profit", "98.25", Basis::Month),
                    fact("P1", "2026-03", "operating_revenue", "1000.00", Basis::Ytd),
                ]),
            )],
        })
        .await
        .unwrap();
    assert_eq!(
        (
            receipts[0].inserted,
            receipts[0].revised,
            receipts[0].unchanged
        ),
        (0, 1, 1)
    );

    let facts = store.current_facts().await.unwrap();
    let profit = facts.iter().find(|f| f.item == "total_profit").unwrap();
    assert_eq!(profit.value, "98.25".parse::<Decimal>().unwrap());

    let history = store
        .history(&HistoryFilter {
            entity: Some(code("P1")),
            item: Some("total_profit".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let summary: Vec<(i64, String, String, bool)> = history
        .iter()
        .map(|r| (r.revision, r.value.to_string(), r.user.clone(), r.current))
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, "100.50".into(), "clerk".into(), false),
            (2, "98.25".into(), "hq".into(), true)
        ]
    );
    assert_eq!(history[1].at, later);
    assert_eq!(history[0].file_name, "data.csv");

    let audit = store
        .audit_log(&AuditFilter {
            action: Some("fact.revise".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].object, "P1 2026-03 total_profit");
    assert_eq!(audit[0].old_value.as_deref(), Some("100.50 (month)"));
    assert_eq!(audit[0].new_value.as_deref(), Some("98.25 (month)"));
    assert_eq!(audit[0].user, "hq");

    let submissions = store.submissions().await.unwrap();
    assert_eq!(submissions.len(), 4);
    assert_eq!(submissions[0].file_name, "fix.csv");
    assert_eq!(submissions[0].revised, 1);
    assert_eq!(
        store.targets().await.unwrap()[0].value,
        "1200".parse::<Decimal>().unwrap()
    );
}

pub async fn an_import_is_all_or_nothing(store: &dyn Store) {
    let at = Utc.with_ymd_and_hms(2026, 4, 10, 9, 0, 0).unwrap();
    // The second file refers to an entity that does not exist: the database refuses it, and the
    // first file of the same import must not stay behind.
    let result = store
        .import(Import {
            user: "clerk".into(),
            at,
            files: vec![
                (
                    submission("entities.csv", 1),
                    Changes::Entities(vec![entity("G", None, "集团")]),
                ),
                (
                    submission("data.csv", 1),
                    Changes::facts(vec![fact(
                        "NOPE",
                        "2026-03",
                        "total_profit",
                        "1",
                        Basis::Month,
                    )]),
                ),
            ],
        })
        .await;
    assert!(result.is_err());
    assert!(store.entities().await.unwrap().is_empty());
    assert!(store.submissions().await.unwrap().is_empty());
    assert!(
        store
            .audit_log(&AuditFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn entity_changes_are_audited_with_old_and_new(store: &dyn Store) {
    let at = Utc.with_ymd_and_hms(2026, 4, 10, 9, 0, 0).unwrap();
    for name in ["晋江厂", "晋江垃圾发电厂"] {
        store
            .import(Import {
                user: "admin".into(),
                at,
                files: vec![(
                    submission("entities.csv", 2),
                    Changes::Entities(vec![
                        entity("G", None, "集团"),
                        entity("P1", Some("G"), name),
                    ]),
                )],
            })
            .await
            .unwrap();
    }
    let audit = store
        .audit_log(&AuditFilter {
            action: Some("entity.update".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert!(
        audit[0]
            .old_value
            .as_deref()
            .unwrap()
            .starts_with("name=晋江厂;")
    );
    assert!(
        audit[0]
            .new_value
            .as_deref()
            .unwrap()
            .starts_with("name=晋江垃圾发电厂;")
    );
}

pub async fn decimals_come_back_exactly_with_their_places(store: &dyn Store) {
    let at = Utc.with_ymd_and_hms(2026, 4, 10, 9, 0, 0).unwrap();
    // No float anywhere: 0.1 stays 0.1, 28 significant digits survive, trailing zeros are kept
    // (a clerk's 1200.000 is shown as sent), and a tiny negative is not rounded to zero.
    let values = [
        "0.1",
        "1234567890123456.789012345678",
        "1200.000",
        "-0.000000000001",
        "-198506.13",
    ];
    let facts: Vec<Fact> = values
        .iter()
        .enumerate()
        .map(|(i, v)| fact("G", "2026-03", &format!("item_{i}"), v, Basis::Month))
        .collect();
    store
        .import(Import {
            user: "clerk".into(),
            at,
            files: vec![
                (
                    submission("entities.csv", 1),
                    Changes::Entities(vec![entity("G", None, "集团")]),
                ),
                (submission("data.csv", facts.len()), Changes::facts(facts)),
                (
                    submission("targets.csv", 1),
                    Changes::Targets(vec![Target {
                        entity: code("G"),
                        year: 2026,
                        indicator: "roe".into(),
                        value: "0.0650".parse().unwrap(),
                    }]),
                ),
            ],
        })
        .await
        .unwrap();
    let mut current: Vec<(String, String)> = store
        .current_facts()
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.item, f.value.to_string()))
        .collect();
    current.sort();
    let expected: Vec<(String, String)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("item_{i}"), (*v).to_owned()))
        .collect();
    assert_eq!(current, expected);
    let history: Vec<String> = store
        .history(&HistoryFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.value.to_string())
        .collect();
    assert_eq!(history, values);
    assert_eq!(
        store.targets().await.unwrap()[0].value.to_string(),
        "0.0650"
    );
    // Equal decimals are unchanged whatever their places; a different scale is not a revision.
    let receipts = store
        .import(Import {
            user: "clerk".into(),
            at,
            files: vec![(
                submission("again.csv", 2),
                Changes::facts(vec![
                    fact("G", "2026-03", "item_0", "0.10", Basis::Month),
                    fact("G", "2026-03", "item_2", "1200", Basis::Month),
                ]),
            )],
        })
        .await
        .unwrap();
    assert_eq!((receipts[0].revised, receipts[0].unchanged), (0, 2));
}

pub async fn a_target_listed_twice_is_revised_in_order(store: &dyn Store) {
    let at = Utc.with_ymd_and_hms(2026, 4, 10, 9, 0, 0).unwrap();
    let target = |e: &str, v: &str| Target {
        entity: code(e),
        year: 2026,
        indicator: "total_profit".into(),
        value: v.parse().unwrap(),
    };
    let receipts = store
        .import(Import {
            user: "planner".into(),
            at,
            files: vec![
                (
                    submission("entities.csv", 2),
                    Changes::Entities(vec![
                        entity("G", None, "集团"),
                        entity("P1", Some("G"), "晋江厂"),
                    ]),
                ),
                (
                    submission("targets.csv", 4),
                    Changes::Targets(vec![
                        target("P1", "5"),
                        target("G", "100.50"),
                        target("P1", "6.0"),
                        target("G", "100.5"),
                    ]),
                ),
            ],
        })
        .await
        .unwrap();
    assert_eq!(
        (
            receipts[1].inserted,
            receipts[1].revised,
            receipts[1].unchanged
        ),
        (2, 1, 1)
    );
    let mut records: Vec<(String, i64, String)> = store
        .target_records()
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.target.entity.as_str().to_owned(),
                r.revision,
                r.target.value.to_string(),
            )
        })
        .collect();
    records.sort();
    assert_eq!(
        records,
        vec![
            ("G".into(), 1, "100.50".into()),
            ("P1".into(), 2, "6.0".into())
        ]
    );
    let lines: Vec<(String, Option<String>, Option<String>)> = store
        .audit_log(&AuditFilter {
            action: Some("target.set".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .rev()
        .map(|e| (e.object, e.old_value, e.new_value))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("target P1 2026 total_profit".into(), None, Some("5".into())),
            (
                "target G 2026 total_profit".into(),
                None,
                Some("100.50".into())
            ),
            (
                "target P1 2026 total_profit".into(),
                Some("5".into()),
                Some("6.0".into())
            ),
        ]
    );
}
