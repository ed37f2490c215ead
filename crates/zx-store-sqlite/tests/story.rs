//! The database story: what every backend must do, told against SQLite.

use chrono::{TimeZone, Utc};
use zx_domain::{Basis, Decimal, Entity, EntityCode, EntityKind, Fact, Month, Target};
use zx_store::{AuditFilter, Changes, HistoryFilter, Import, NewSubmission, Store};
use zx_store_sqlite::SqliteStore;

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

async fn fresh() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zx.db");
    let store = SqliteStore::open(path.to_str().unwrap(), true)
        .await
        .unwrap();
    (dir, store)
}

#[tokio::test]
async fn submissions_revise_and_never_overwrite() {
    let (_dir, store) = fresh().await;
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
                    Changes::Facts(vec![
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
                Changes::Facts(vec![
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

#[tokio::test]
async fn an_import_is_all_or_nothing() {
    let (_dir, store) = fresh().await;
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
                    Changes::Facts(vec![fact(
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

#[tokio::test]
async fn entity_changes_are_audited_with_old_and_new() {
    let (_dir, store) = fresh().await;
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
    let missing = SqliteStore::open("/nonexistent/dir/zx.db", false)
        .await
        .unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("zx init --db /nonexistent/dir/zx.db")
    );
}
