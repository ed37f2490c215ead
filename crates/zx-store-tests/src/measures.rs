//! Improvement measures: a list is imported in one transaction, in order, with exact fields back;
//! an unknown or disabled owner or an unknown entity refuses the whole list, writing nothing; the
//! audit log says what was created, by whom, from which file.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use zx_domain::{Entity, EntityCode, EntityKind, Measure, MeasureStatus, Role};
use zx_store::{
    AuditEntry, AuditFilter, Changes, Import, ImportedMeasure, MeasureOutcome, NewMeasure,
    NewNotification, NewSubmission, NewUser, ReminderReason, Store, StoreError,
};

pub(crate) fn code(s: &str) -> EntityCode {
    EntityCode::parse(s).unwrap()
}

pub(crate) fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub(crate) fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, day, hour, 0, 0).unwrap()
}

pub(crate) fn new_measure(entity: &str, title: &str, owner: &str, due: &str) -> NewMeasure {
    NewMeasure {
        entity: code(entity),
        title: title.into(),
        indicator: None,
        owner: owner.into(),
        start: None,
        due: date(due),
        status: MeasureStatus::Planned,
        progress: 0,
        description: String::new(),
        expected_effect: String::new(),
        co_owners: Vec::new(),
        visit: None,
    }
}

/// Entities G > P1, P2; users fujian (P1's manager), li.hq, and gone (disabled).
pub(crate) async fn setup(store: &dyn Store) {
    let entity = |c: &str, parent: Option<&str>, name: &str| Entity {
        code: code(c),
        name: name.into(),
        parent: parent.map(code),
        kind: if parent.is_none() {
            EntityKind::Group
        } else {
            EntityKind::Plant
        },
        region: "福建".into(),
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
                    rows: 3,
                },
                Changes::Entities(vec![
                    entity("G", None, "集团"),
                    entity("P1", Some("G"), "晋江厂"),
                    entity("P2", Some("G"), "南安厂"),
                ]),
            )],
        })
        .await
        .unwrap();
    for (name, role, entity) in [
        ("fujian", Role::EntityManager, Some("P1")),
        ("li.hq", Role::HqAnalyst, None),
        ("gone", Role::HqAnalyst, None),
    ] {
        store
            .create_user(
                NewUser {
                    name: name.into(),
                    role,
                    entity: entity.map(code),
                    password_hash: "$argon2id$fake".into(),
                },
                "admin",
                at(1, 9),
            )
            .await
            .unwrap();
    }
    store
        .set_disabled("gone", true, "admin", at(1, 10))
        .await
        .unwrap();
}

/// user, action, object, old value, new value, submission of an audit entry.
type AuditLine<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<i64>,
);

fn audit_line(e: &AuditEntry) -> AuditLine<'_> {
    (
        e.user.as_str(),
        e.action.as_str(),
        e.object.as_str(),
        e.old_value.as_deref(),
        e.new_value.as_deref(),
        e.submission_id,
    )
}

pub(crate) async fn audit_lines(store: &dyn Store) -> Vec<AuditEntry> {
    store.audit_log(&AuditFilter::default()).await.unwrap()
}

pub async fn measures_are_imported_in_order_and_audited(store: &dyn Store) {
    setup(store).await;
    let list = vec![
        NewMeasure {
            indicator: Some("total_profit".into()),
            start: Some(date("2026-04-01")),
            status: MeasureStatus::InProgress,
            progress: 35,
            ..new_measure("P1", "降低厂用电率", "fujian", "2026-06-30")
        },
        NewMeasure {
            status: MeasureStatus::Done,
            progress: 100,
            ..new_measure("G", "应收账款清收", "li.hq", "2026-03-31")
        },
        NewMeasure {
            indicator: Some("roe".into()),
            status: MeasureStatus::Cancelled,
            ..new_measure("P2", "Sell the old boiler", "li.hq", "2026-12-31")
        },
    ];
    let before = audit_lines(store).await.len();
    let ids = store
        .import_measures(
            list.clone(),
            "措施清单.csv",
            &"cd".repeat(32),
            "li.hq",
            at(2, 9),
        )
        .await
        .unwrap();
    assert_eq!(ids, vec![1, 2, 3]);
    let expected: Vec<Measure> = list
        .iter()
        .zip(&ids)
        .map(|(m, id)| Measure {
            id: *id,
            entity: m.entity.clone(),
            title: m.title.clone(),
            indicator: m.indicator.clone(),
            owner: m.owner.clone(),
            start: m.start,
            due: m.due,
            status: m.status,
            progress: m.progress,
            description: String::new(),
            expected_effect: String::new(),
            co_owners: Vec::new(),
            visit: None,
            revision: 1,
        })
        .collect();
    assert_eq!(store.measures().await.unwrap(), expected);
    assert_eq!(expected[0].start, Some(date("2026-04-01")));

    // One line per measure, then one for the file; oldest first here.
    let lines: Vec<AuditEntry> = audit_lines(store).await.into_iter().rev().collect();
    assert_eq!(lines.len(), before + 4);
    let new: Vec<AuditLine<'_>> = lines[before..].iter().map(audit_line).collect();
    let sha = format!("rows=3; sha256={}", "cd".repeat(32));
    assert_eq!(
        new,
        vec![
            (
                "li.hq",
                "measure.create",
                "measure 1",
                None,
                Some(
                    "title=降低厂用电率; entity=P1; owner=fujian; due=2026-06-30; status=in_progress; progress=35"
                ),
                None
            ),
            (
                "li.hq",
                "measure.create",
                "measure 2",
                None,
                Some(
                    "title=应收账款清收; entity=G; owner=li.hq; due=2026-03-31; status=done; progress=100"
                ),
                None
            ),
            (
                "li.hq",
                "measure.create",
                "measure 3",
                None,
                Some(
                    "title=Sell the old boiler; entity=P2; owner=li.hq; due=2026-12-31; status=cancelled; progress=0"
                ),
                None
            ),
            (
                "li.hq",
                "measures.import",
                "measures 措施清单.csv",
                None,
                Some(sha.as_str()),
                None
            ),
        ]
    );
    assert!(lines[before..].iter().all(|e| e.at == at(2, 9)));

    // A bad measure anywhere refuses the whole list: nothing is written, not even the good ones
    // before it, and the error names the first bad one.
    let good = new_measure("P1", "定期巡检", "fujian", "2026-05-31");
    for (bad, message) in [
        (
            new_measure("P1", "无人负责", "nobody", "2026-05-31"),
            "measure 2 (无人负责): no user named \"nobody\" to own it",
        ),
        (
            new_measure("X9", "不存在的单位", "fujian", "2026-05-31"),
            "measure 2 (不存在的单位): unknown entity X9",
        ),
        (
            new_measure("P2", "离职人员", "gone", "2026-05-31"),
            "measure 2 (离职人员): its owner gone is disabled",
        ),
        (
            NewMeasure {
                progress: 101,
                ..new_measure("P2", "超额", "fujian", "2026-05-31")
            },
            "measure 2 (超额): progress 101 is above 100",
        ),
    ] {
        let also_bad = new_measure("X8", "later", "nobody", "2026-05-31");
        let error = store
            .import_measures(
                vec![good.clone(), bad, also_bad],
                "bad.csv",
                &"ef".repeat(32),
                "li.hq",
                at(3, 9),
            )
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
        assert_eq!(error.to_string(), message);
        assert_eq!(store.measures().await.unwrap(), expected);
        assert_eq!(audit_lines(store).await.len(), before + 4);
    }

    // The next list continues after the last id.
    let ids = store
        .import_measures(vec![good], "more.csv", &"ef".repeat(32), "fujian", at(4, 9))
        .await
        .unwrap();
    assert_eq!(ids, vec![4]);
    assert_eq!(store.measures().await.unwrap().len(), 4);
}

/// A list imported again matches its measures instead of duplicating them: unchanged rows are
/// left alone; a changed row revises its measure (revision bumped, an update commented with the
/// file, a `measure.revise` line with old and new fields); a row naming a number matches that
/// measure whatever its title; a number of no measure, of another entity's measure, or named
/// twice, refuses the whole list.
pub async fn a_list_imported_again_revises_its_measures(store: &dyn Store) {
    setup(store).await;
    let row = |number: Option<i64>, measure: NewMeasure| ImportedMeasure { number, measure };
    let list = [
        NewMeasure {
            start: Some(date("2026-04-01")),
            ..new_measure("P1", "降低厂用电率", "fujian", "2026-06-30")
        },
        new_measure("G", "应收账款清收", "li.hq", "2026-03-31"),
        new_measure("P2", "Sell the old boiler", "li.hq", "2026-12-31"),
    ];
    let first = store
        .import_measure_list(
            list.iter().cloned().map(|m| row(None, m)).collect(),
            "list.csv",
            &"cd".repeat(32),
            "li.hq",
            at(2, 9),
        )
        .await
        .unwrap();
    assert_eq!(first.ids, vec![1, 2, 3]);
    assert_eq!(first.outcomes, vec![MeasureOutcome::Created; 3]);
    let stored = store.measures().await.unwrap();
    let audit_before = audit_lines(store).await.len();

    // The same list again (no numbers: matched on entity, title and start): nothing changes
    // but the file's own line.
    let again = store
        .import_measure_list(
            list.iter().cloned().map(|m| row(None, m)).collect(),
            "list.csv",
            &"cd".repeat(32),
            "li.hq",
            at(3, 9),
        )
        .await
        .unwrap();
    assert_eq!(again.ids, vec![1, 2, 3]);
    assert_eq!(again.outcomes, vec![MeasureOutcome::Unchanged; 3]);
    assert_eq!(store.measures().await.unwrap(), stored);
    assert_eq!(audit_lines(store).await.len(), audit_before + 1);

    // As the export gives it back, with numbers, one cell edited (progress 0 → 40 and in
    // progress) and a title retyped on another row: two revisions, one unchanged.
    let edited = vec![
        row(
            Some(1),
            NewMeasure {
                status: MeasureStatus::InProgress,
                progress: 40,
                ..list[0].clone()
            },
        ),
        row(
            Some(2),
            NewMeasure {
                title: "应收账款清收（第二轮）".into(),
                ..list[1].clone()
            },
        ),
        row(Some(3), list[2].clone()),
    ];
    let revised = store
        .import_measure_list(edited, "export.xlsx", &"ee".repeat(32), "fujian", at(4, 9))
        .await
        .unwrap();
    assert_eq!(revised.ids, vec![1, 2, 3]);
    assert_eq!(
        revised.outcomes,
        vec![
            MeasureOutcome::Revised,
            MeasureOutcome::Revised,
            MeasureOutcome::Unchanged
        ]
    );
    let now = store.measures().await.unwrap();
    assert_eq!(now.len(), 3);
    assert_eq!(
        (now[0].status, now[0].progress, now[0].revision),
        (MeasureStatus::InProgress, 40, 2)
    );
    assert_eq!(
        (now[1].title.as_str(), now[1].revision),
        ("应收账款清收（第二轮）", 2)
    );
    assert_eq!(now[2], stored[2]);
    let updates = store.measure_updates(Some(1)).await.unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(
        (
            updates[0].comment.as_str(),
            updates[0].by.as_str(),
            updates[0].status_before,
            updates[0].status_after,
            updates[0].progress_before,
            updates[0].progress_after
        ),
        (
            "export.xlsx",
            "fujian",
            MeasureStatus::Planned,
            MeasureStatus::InProgress,
            0,
            40
        )
    );
    let lines: Vec<AuditEntry> = audit_lines(store).await.into_iter().rev().collect();
    let new: Vec<AuditLine<'_>> = lines[audit_before + 1..].iter().map(audit_line).collect();
    assert_eq!(
        new[..2],
        [
            (
                "fujian",
                "measure.revise",
                "measure 1",
                Some(
                    "title=降低厂用电率; indicator=; owner=fujian; start=2026-04-01; due=2026-06-30; status=planned; progress=0"
                ),
                Some(
                    "title=降低厂用电率; indicator=; owner=fujian; start=2026-04-01; due=2026-06-30; status=in_progress; progress=40"
                ),
                None
            ),
            (
                "fujian",
                "measure.revise",
                "measure 2",
                Some(
                    "title=应收账款清收; indicator=; owner=li.hq; start=; due=2026-03-31; status=planned; progress=0"
                ),
                Some(
                    "title=应收账款清收（第二轮）; indicator=; owner=li.hq; start=; due=2026-03-31; status=planned; progress=0"
                ),
                None
            ),
        ]
    );
    assert_eq!(new.len(), 3, "two revisions and the file: {new:?}");

    // Numbers the store cannot match refuse the whole list, naming the row.
    let audit_now = audit_lines(store).await.len();
    for (bad, message) in [
        (
            row(Some(99), list[0].clone()),
            "measure 2 (降低厂用电率): measure number 99 is not a stored measure",
        ),
        (
            row(Some(2), list[0].clone()),
            "measure 2 (降低厂用电率): measure number 2 is a measure of G, not of P1",
        ),
        (
            row(Some(3), list[2].clone()),
            "measure 2 (Sell the old boiler): is measure 3 again (row 1 of the list)",
        ),
    ] {
        let error = store
            .import_measure_list(
                vec![row(None, list[2].clone()), bad],
                "bad.csv",
                &"ef".repeat(32),
                "li.hq",
                at(5, 9),
            )
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
        assert_eq!(error.to_string(), message);
        assert_eq!(store.measures().await.unwrap(), now);
        assert_eq!(audit_lines(store).await.len(), audit_now);
    }
}

/// Notifications are recorded once per (measure, user, reason): a repeated list records only what
/// is new, returns only that, and audits only that; a user's list is newest first; an unknown
/// measure refuses the whole list.
pub async fn notifications_are_recorded_once_and_audited(store: &dyn Store) {
    setup(store).await;
    store
        .import_measures(
            vec![
                new_measure("P1", "降低厂用电率", "fujian", "2026-04-20"),
                new_measure("P2", "节能降耗", "li.hq", "2026-04-01"),
            ],
            "m.csv",
            &"cd".repeat(32),
            "li.hq",
            at(2, 9),
        )
        .await
        .unwrap();
    let n = |measure: i64, user: &str, reason| NewNotification {
        measure,
        user: user.into(),
        reason,
    };
    let first = vec![
        n(1, "fujian", ReminderReason::DueSoon),
        n(2, "li.hq", ReminderReason::Overdue),
    ];
    let sent = store
        .record_notifications(first.clone(), at(14, 1))
        .await
        .unwrap();
    assert_eq!(sent, first);
    let before = audit_lines(store).await.len();
    // Again, with one new one: only that one is recorded (and listed twice, once).
    let second = vec![
        n(1, "fujian", ReminderReason::DueSoon),
        n(2, "li.hq", ReminderReason::Overdue),
        n(2, "fujian", ReminderReason::Escalated),
        n(2, "fujian", ReminderReason::Escalated),
    ];
    let sent = store.record_notifications(second, at(15, 1)).await.unwrap();
    assert_eq!(sent, vec![n(2, "fujian", ReminderReason::Escalated)]);
    assert!(
        store
            .record_notifications(first.clone(), at(16, 1))
            .await
            .unwrap()
            .is_empty()
    );
    let lines = audit_lines(store).await;
    assert_eq!(lines.len(), before + 1);
    let e = &lines[0];
    assert_eq!(
        (
            e.user.as_str(),
            e.action.as_str(),
            e.object.as_str(),
            e.old_value.as_deref(),
            e.new_value.as_deref(),
            e.submission_id,
            e.at,
        ),
        (
            "system",
            "notification.send",
            "measure 2",
            None,
            Some("to=fujian; reason=escalated"),
            None,
            at(15, 1),
        )
    );

    let mine: Vec<(i64, ReminderReason, DateTime<Utc>, bool)> = store
        .notifications("fujian")
        .await
        .unwrap()
        .into_iter()
        .map(|x| (x.measure, x.reason, x.created_at, x.read_at.is_some()))
        .collect();
    assert_eq!(
        mine,
        vec![
            (2, ReminderReason::Escalated, at(15, 1), false),
            (1, ReminderReason::DueSoon, at(14, 1), false),
        ]
    );
    assert!(store.notifications("nobody").await.unwrap().is_empty());

    // An unknown measure refuses the list: nothing of it is recorded.
    let error = store
        .record_notifications(
            vec![
                n(1, "li.hq", ReminderReason::Overdue),
                n(9, "li.hq", ReminderReason::Overdue),
            ],
            at(17, 1),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error}");
    assert_eq!(store.notifications("li.hq").await.unwrap().len(), 1);

    // They travel with an archive.
    let archive = store.export().await.unwrap();
    let kept: Vec<(i64, &str, ReminderReason)> = archive
        .notifications
        .iter()
        .map(|x| (x.measure, x.user.as_str(), x.reason))
        .collect();
    assert_eq!(
        kept,
        vec![
            (1, "fujian", ReminderReason::DueSoon),
            (2, "li.hq", ReminderReason::Overdue),
            (2, "fujian", ReminderReason::Escalated),
        ]
    );
}
