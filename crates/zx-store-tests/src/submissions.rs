//! Submissions in the collection workflow: a lock refuses only new and changed values, and a
//! month's state goes back to "submitted" only when one of its values changed (or it was not
//! submitted, or returned): an approval survives the re-upload of a pre-filled template.

use chrono::{DateTime, TimeZone, Utc};
use zx_domain::{Basis, Entity, EntityCode, EntityKind, Fact, Month};
use zx_store::{
    AuditFilter, Changes, FileReceipt, Import, MonthReceipt, NewSubmission, PeriodState,
    PeriodStatus, Store, StoreError,
};

fn code(s: &str) -> EntityCode {
    EntityCode::parse(s).unwrap()
}

fn month(s: &str) -> Month {
    Month::parse(s).unwrap()
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
}

fn fact(e: &str, m: &str, item: &str, v: &str) -> Fact {
    Fact {
        entity: code(e),
        month: month(m),
        item: item.into(),
        value: v.parse().unwrap(),
        basis: Basis::Month,
    }
}

fn data(file: &str, day: u32, facts: Vec<Fact>) -> Import {
    Import {
        user: "fujian".into(),
        at: at(day, 9),
        files: vec![(
            NewSubmission {
                file_name: file.into(),
                sha256: "ef".repeat(32),
                rows: facts.len(),
            },
            Changes::facts(facts),
        )],
    }
}

/// G → FJ → P1, P2.
async fn with_group(store: &dyn Store) {
    let entity = |c: &str, parent: Option<&str>, kind| Entity {
        code: code(c),
        name: format!("{c} 名称"),
        parent: parent.map(code),
        kind,
        region: String::new(),
        segment: String::new(),
    };
    store
        .import(Import {
            user: "admin".into(),
            at: at(1, 8),
            files: vec![(
                NewSubmission {
                    file_name: "entities.csv".into(),
                    sha256: "ab".repeat(32),
                    rows: 4,
                },
                Changes::Entities(vec![
                    entity("G", None, EntityKind::Group),
                    entity("FJ", Some("G"), EntityKind::Subsidiary),
                    entity("P1", Some("FJ"), EntityKind::Plant),
                    entity("P2", Some("FJ"), EntityKind::Plant),
                ]),
            )],
        })
        .await
        .unwrap();
}

async fn set(store: &dyn Store, entity: &str, m: &str, state: PeriodState, day: u32) {
    store
        .set_period_state(PeriodStatus {
            entity: code(entity),
            month: month(m),
            state,
            comment: None,
            user: "hq".into(),
            at: at(day, 10),
        })
        .await
        .unwrap();
}

async fn state_of(store: &dyn Store, entity: &str, m: &str) -> Option<(PeriodState, String)> {
    store
        .period_statuses(2026)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.entity == code(entity) && s.month == month(m))
        .map(|s| (s.state, s.user))
}

fn one(receipts: Vec<FileReceipt>) -> FileReceipt {
    assert_eq!(receipts.len(), 1);
    receipts.into_iter().next().unwrap()
}

pub async fn a_lock_refuses_new_and_changed_values_only(store: &dyn Store) {
    with_group(store).await;
    store
        .import(data(
            "oct.csv",
            2,
            vec![
                fact("P1", "2026-10", "total_profit", "100.00"),
                fact("P1", "2026-10", "operating_revenue", "500"),
            ],
        ))
        .await
        .unwrap();
    set(store, "FJ", "2026-10", PeriodState::Locked, 3).await;
    assert_eq!(
        store.locked_periods().await.unwrap(),
        vec![(code("FJ"), month("2026-10"))]
    );

    // The pre-filled template again, with November added: October's values equal what is
    // stored (100 = 100.00), so the lock lets them through as unchanged.
    let receipt = one(store
        .import(data(
            "template.xlsx",
            4,
            vec![
                fact("P1", "2026-10", "total_profit", "100"),
                fact("P1", "2026-10", "operating_revenue", "500.0"),
                fact("P1", "2026-11", "total_profit", "7"),
            ],
        ))
        .await
        .unwrap());
    assert_eq!(
        (receipt.inserted, receipt.revised, receipt.unchanged),
        (1, 0, 2)
    );

    // A changed value, or a new one, in the locked month fails the whole import.
    for (value_item, value) in [("total_profit", "101"), ("net_profit", "5")] {
        let refused = store
            .import(data(
                "changed.xlsx",
                5,
                vec![
                    fact("P2", "2026-11", "total_profit", "1"),
                    fact("P1", "2026-10", value_item, value),
                ],
            ))
            .await
            .unwrap_err();
        match refused {
            StoreError::Locked { entity, month } => {
                assert_eq!((entity.as_str(), month.as_str()), ("P1", "2026-10"));
            }
            other => panic!("expected Locked, got {other:?}"),
        }
    }
    let facts = store.current_facts().await.unwrap();
    assert_eq!(facts.len(), 3, "P2's row was not written either");
}

pub async fn an_approval_survives_an_unchanged_resubmission(store: &dyn Store) {
    with_group(store).await;
    let october = vec![
        fact("P1", "2026-10", "total_profit", "100"),
        fact("P1", "2026-10", "operating_revenue", "500"),
    ];
    let first = one(store
        .submit(data("oct.csv", 2, october.clone()))
        .await
        .unwrap());
    assert_eq!(
        first.months,
        vec![MonthReceipt {
            entity: code("P1"),
            month: month("2026-10"),
            inserted: 2,
            revised: 0,
            unchanged: 0,
            before: None,
            after: Some(PeriodState::Submitted),
            locked: false,
        }]
    );
    assert_eq!(
        state_of(store, "P1", "2026-10").await,
        Some((PeriodState::Submitted, "fujian".into()))
    );
    let audit = store
        .audit_log(&AuditFilter {
            action: Some("period.submitted".into()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].object, "period P1 2026-10");
    assert_eq!(audit[0].old_value, None);
    assert_eq!(audit[0].new_value.as_deref(), Some("submitted"));
    assert_eq!(audit[0].submission_id, Some(first.submission_id));
    assert_eq!(audit[0].user, "fujian");

    // HQ approves October; the template comes back with December added.
    set(store, "P1", "2026-10", PeriodState::Approved, 3).await;
    let mut with_december = october.clone();
    with_december.push(fact("P1", "2026-12", "total_profit", "9"));
    let second = one(store
        .submit(data("template.xlsx", 4, with_december))
        .await
        .unwrap());
    let summary: Vec<_> = second
        .months
        .iter()
        .map(|m| {
            (
                m.month.to_string(),
                m.unchanged,
                m.inserted,
                m.before,
                m.after,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "2026-10".to_owned(),
                2,
                0,
                Some(PeriodState::Approved),
                Some(PeriodState::Approved)
            ),
            (
                "2026-12".to_owned(),
                0,
                1,
                None,
                Some(PeriodState::Submitted)
            ),
        ]
    );
    assert_eq!(
        state_of(store, "P1", "2026-10").await,
        Some((PeriodState::Approved, "hq".into())),
        "approval survives"
    );

    // HQ returns December; the same figures again are a resubmission.
    set(store, "P1", "2026-12", PeriodState::Returned, 5).await;
    let third = one(store
        .submit(data(
            "dec.csv",
            6,
            vec![fact("P1", "2026-12", "total_profit", "9")],
        ))
        .await
        .unwrap());
    assert_eq!(third.months[0].after, Some(PeriodState::Submitted));
    assert_eq!(
        state_of(store, "P1", "2026-12").await,
        Some((PeriodState::Submitted, "fujian".into()))
    );

    // A changed October value sends October back to HQ, and the audit names the upload.
    let fourth = one(store
        .submit(data(
            "fix.csv",
            7,
            vec![fact("P1", "2026-10", "total_profit", "101")],
        ))
        .await
        .unwrap());
    assert_eq!(
        (fourth.months[0].revised, fourth.months[0].after),
        (1, Some(PeriodState::Submitted))
    );
    let audit = store
        .audit_log(&AuditFilter {
            action: Some("period.submitted".into()),
            object: Some("P1 2026-10".into()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(audit[0].old_value.as_deref(), Some("approved"));
    assert_eq!(audit[0].submission_id, Some(fourth.submission_id));

    // A locked month keeps its state: its unchanged values pass, nothing is recorded.
    set(store, "FJ", "2026-10", PeriodState::Locked, 8).await;
    let audit_before = store
        .audit_log(&AuditFilter::default())
        .await
        .unwrap()
        .len();
    let fifth = one(store
        .submit(data(
            "again.csv",
            9,
            vec![fact("P1", "2026-10", "total_profit", "101")],
        ))
        .await
        .unwrap());
    assert!(fifth.months[0].locked);
    assert_eq!(fifth.months[0].after, Some(PeriodState::Submitted));
    // One audit line: the import itself; no period line.
    assert_eq!(
        store
            .audit_log(&AuditFilter::default())
            .await
            .unwrap()
            .len(),
        audit_before + 1
    );
    // A plain import (no workflow) records no state.
    store
        .import(data(
            "admin.csv",
            10,
            vec![fact("P2", "2026-11", "total_profit", "3")],
        ))
        .await
        .unwrap();
    assert_eq!(state_of(store, "P2", "2026-11").await, None);
}
