//! Export and restore: an archive goes into an empty database and comes back out unchanged;
//! what the application reads afterwards is what the archive says; later writes continue after
//! the restored ids; a database that is not empty, or an inconsistent archive, is refused.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use zx_domain::{Basis, Entity, EntityCode, EntityKind, Fact, MeasureStatus, Month, Role, Target};
use zx_store::archive::{
    ArchivedAttachment, ArchivedAuditEntry, ArchivedBlob, ArchivedCoOwner, ArchivedEntity,
    ArchivedFactRevision, ArchivedMeasure, ArchivedMeasureUpdate, ArchivedMilestone,
    ArchivedNotification, ArchivedPeriodStatus, ArchivedSubmission, ArchivedTargetRevision,
    ArchivedToken, ArchivedUser, ArchivedVisit,
};
use zx_store::{
    Archive, AuditFilter, Changes, HistoryFilter, Import, NewMeasure, NewSubmission, NewUser,
    PeriodState, PeriodStatus, ReminderReason, Store, StoreError,
};

fn code(s: &str) -> EntityCode {
    EntityCode::parse(s).unwrap()
}

fn month(s: &str) -> Month {
    Month::parse(s).unwrap()
}

/// 2026-04-`day` `hour`:00:00 plus some microseconds, which both backends keep.
fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, day, hour, 0, 0).unwrap() + Duration::microseconds(654_321)
}

fn submission(id: i64, kind: &str, file: &str, at: DateTime<Utc>) -> ArchivedSubmission {
    ArchivedSubmission {
        id,
        kind: kind.into(),
        file_name: file.into(),
        sha256: format!("{id:064x}"),
        user: "clerk".into(),
        at,
        rows: 2,
        inserted: 1,
        revised: 1,
        unchanged: 0,
    }
}

fn entity(c: &str, parent: Option<&str>, submission_id: i64) -> ArchivedEntity {
    ArchivedEntity {
        code: code(c),
        name: format!("{c} 公司"),
        parent: parent.map(code),
        kind: if parent.is_none() {
            EntityKind::Group
        } else {
            EntityKind::Plant
        },
        region: "福建".into(),
        segment: String::new(),
        submission_id: Some(submission_id),
    }
}

fn fact(
    id: i64,
    m: &str,
    item: &str,
    revision: i64,
    value: &str,
    sub: i64,
) -> ArchivedFactRevision {
    ArchivedFactRevision {
        id,
        entity: code("P1"),
        month: month(m),
        item: item.into(),
        revision,
        value: value.parse().unwrap(),
        basis: Basis::Month,
        submission_id: sub,
    }
}

fn audit(id: i64, action: &str, object: &str, submission_id: Option<i64>) -> ArchivedAuditEntry {
    ArchivedAuditEntry {
        id,
        at: at(5, 9),
        user: "clerk".into(),
        action: action.into(),
        object: object.into(),
        old_value: None,
        new_value: Some("新值".into()),
        submission_id,
    }
}

/// An archive as an older database might give it: ids with gaps, a value revised twice, a
/// target edited on the web (no submission), a disabled account, a revoked and a live token, a
/// locked month, measures (one with every optional field, one with none).
pub fn sample_archive() -> Archive {
    Archive {
        submissions: vec![
            submission(3, "entities", "entities.csv", at(1, 8)),
            submission(5, "data", "数据.csv", at(2, 8)),
            submission(9, "data", "fix.csv", at(3, 8)),
            submission(12, "targets", "targets.csv", at(3, 9)),
        ],
        entities: vec![entity("G", None, 3), entity("P1", Some("G"), 3)],
        fact_revisions: vec![
            fact(4, "2026-03", "total_profit", 1, "100.50", 5),
            fact(7, "2026-03", "operating_revenue", 1, "1000", 5),
            fact(30, "2026-03", "total_profit", 2, "98.250", 9),
            fact(31, "2026-03", "total_profit", 3, "-0.01", 9),
        ],
        target_revisions: vec![
            ArchivedTargetRevision {
                id: 2,
                entity: code("G"),
                year: 2026,
                indicator: "total_profit".into(),
                revision: 1,
                value: "5000.00".parse().unwrap(),
                submission_id: Some(12),
                user: "planner".into(),
                at: at(3, 9),
            },
            ArchivedTargetRevision {
                id: 6,
                entity: code("G"),
                year: 2026,
                indicator: "total_profit".into(),
                revision: 2,
                value: "5200.25".parse().unwrap(),
                submission_id: None,
                user: "li.hq".into(),
                at: at(4, 10),
            },
        ],
        users: vec![
            ArchivedUser {
                name: "li.hq".into(),
                role: Role::HqAnalyst,
                entity: None,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$salt$hash-li".into(),
                disabled: false,
                created_at: at(1, 9),
                email: Some("li.hq@example.cn".into()),
            },
            ArchivedUser {
                name: "old.clerk".into(),
                role: Role::EntityManager,
                entity: Some(code("P1")),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$salt$hash-old".into(),
                disabled: true,
                created_at: at(1, 10),
                email: None,
            },
        ],
        api_tokens: vec![
            ArchivedToken {
                token_hash: "aa".repeat(32),
                user: "li.hq".into(),
                created_at: at(2, 9),
                revoked: false,
            },
            ArchivedToken {
                token_hash: "bb".repeat(32),
                user: "old.clerk".into(),
                created_at: at(2, 10),
                revoked: true,
            },
        ],
        period_statuses: vec![ArchivedPeriodStatus {
            entity: code("G"),
            month: month("2026-02"),
            state: PeriodState::Locked,
            comment: Some("关账".into()),
            user: "li.hq".into(),
            at: at(4, 11),
        }],
        audit_log: vec![
            audit(10, "entity.create", "entity G", Some(3)),
            audit(11, "import", "data 数据.csv", Some(5)),
            audit(20, "target.set", "target G 2026 total_profit", None),
        ],
        measures: vec![
            ArchivedMeasure {
                id: 2,
                entity: code("P1"),
                title: "降低厂用电率".into(),
                indicator: Some("total_profit".into()),
                owner: "old.clerk".into(),
                start: NaiveDate::from_ymd_opt(2026, 4, 1),
                due: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
                status: MeasureStatus::InProgress,
                progress: 35,
                created_at: at(4, 12),
                created_by: "li.hq".into(),
                description: "更换变频器，优化给水泵运行".into(),
                expected_effect: "厂用电率 −0.5 pp".into(),
                visit: Some(4),
                revision: 3,
            },
            ArchivedMeasure {
                id: 5,
                entity: code("G"),
                title: "应收账款清收".into(),
                indicator: None,
                owner: "li.hq".into(),
                start: None,
                due: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
                status: MeasureStatus::Done,
                progress: 100,
                created_at: at(4, 13),
                created_by: "importer".into(),
                description: String::new(),
                expected_effect: String::new(),
                visit: None,
                revision: 1,
            },
        ],
        notifications: vec![ArchivedNotification {
            id: 7,
            measure: 2,
            user: "li.hq".into(),
            reason: ReminderReason::Escalated,
            created_at: at(5, 1),
            read_at: Some(at(5, 2)),
        }],
        visits: vec![ArchivedVisit {
            id: 4,
            leader: "王董事长".into(),
            start: NaiveDate::from_ymd_opt(2026, 4, 2).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 4, 3).unwrap(),
            entities: vec!["G".into(), "P1".into()],
            participants: "运营管理部、安全环保部".into(),
            summary: "调研提质增效推进情况".into(),
            findings: "厂用电率偏高".into(),
            created_at: at(4, 11),
            created_by: "li.hq".into(),
        }],
        co_owners: vec![ArchivedCoOwner {
            measure: 2,
            user: "li.hq".into(),
        }],
        measure_updates: vec![
            ArchivedMeasureUpdate {
                id: 3,
                measure: 2,
                at: at(4, 14),
                by: "old.clerk".into(),
                comment: "变频器已招标".into(),
                status_before: MeasureStatus::Planned,
                status_after: MeasureStatus::InProgress,
                progress_before: 0,
                progress_after: 20,
                due_before: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
                due_after: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            },
            ArchivedMeasureUpdate {
                id: 6,
                measure: 2,
                at: at(4, 15),
                by: "old.clerk".into(),
                comment: String::new(),
                status_before: MeasureStatus::InProgress,
                status_after: MeasureStatus::InProgress,
                progress_before: 20,
                progress_after: 35,
                due_before: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
                due_after: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            },
        ],
        milestones: vec![ArchivedMilestone {
            id: 2,
            measure: 2,
            title: "设备到货".into(),
            due: NaiveDate::from_ymd_opt(2026, 5, 15).unwrap(),
            done_on: NaiveDate::from_ymd_opt(2026, 5, 12),
        }],
        blobs: vec![ArchivedBlob {
            sha256: zx_store::content_sha256(b"%PDF-1.4 evidence"),
            content: b"%PDF-1.4 evidence".to_vec(),
        }],
        attachments: vec![ArchivedAttachment {
            id: 9,
            measure: 2,
            milestone: Some(2),
            sha256: zx_store::content_sha256(b"%PDF-1.4 evidence"),
            file_name: "验收单.pdf".into(),
            media_type: "application/pdf".into(),
            size: 17,
            created_at: at(5, 3),
            created_by: "old.clerk".into(),
        }],
        // Stacks, rule sets and alarms (format version 5): see stacks.rs.
        ..Archive::default()
    }
}

pub async fn a_restored_archive_exports_unchanged(store: &dyn Store) {
    let archive = sample_archive();
    store.restore(&archive).await.unwrap();
    assert_eq!(store.export().await.unwrap(), archive);

    // What the application reads is what the archive says: the highest revision is in force.
    let facts = store.current_facts().await.unwrap();
    let mut values: Vec<(String, String)> = facts
        .iter()
        .map(|f| (f.item.clone(), f.value.to_string()))
        .collect();
    values.sort();
    assert_eq!(
        values,
        vec![
            ("operating_revenue".into(), "1000".into()),
            ("total_profit".into(), "-0.01".into()),
        ]
    );
    let history = store
        .history(&HistoryFilter {
            item: Some("total_profit".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let revisions: Vec<(i64, String, String, bool)> = history
        .iter()
        .map(|r| {
            (
                r.revision,
                r.value.to_string(),
                r.file_name.clone(),
                r.current,
            )
        })
        .collect();
    assert_eq!(
        revisions,
        vec![
            (1, "100.50".into(), "数据.csv".into(), false),
            (2, "98.250".into(), "fix.csv".into(), false),
            (3, "-0.01".into(), "fix.csv".into(), true),
        ]
    );
    assert_eq!(history[0].at, at(2, 8));
    let targets = store.target_records().await.unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(
        (targets[0].revision, targets[0].target.value.to_string()),
        (2, "5200.25".into())
    );
    let (user, hash) = store.user_with_hash("old.clerk").await.unwrap().unwrap();
    assert!(user.disabled);
    assert_eq!(user.entity, Some(code("P1")));
    assert_eq!(hash, "$argon2id$v=19$m=19456,t=2,p=1$salt$hash-old");
    let by_token = store.user_by_token(&"aa".repeat(32)).await.unwrap();
    assert_eq!(by_token.map(|u| u.name), Some("li.hq".into()));
    assert!(
        store
            .user_by_token(&"bb".repeat(32))
            .await
            .unwrap()
            .is_none()
    );
    let statuses = store.period_statuses(2026).await.unwrap();
    assert_eq!(statuses.len(), 1);
    assert_eq!(
        (statuses[0].state, statuses[0].comment.as_deref()),
        (PeriodState::Locked, Some("关账"))
    );
    let submissions = store.submissions().await.unwrap();
    let ids: Vec<i64> = submissions.iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![12, 9, 5, 3]);
    let measures = store.measures().await.unwrap();
    let summary: Vec<(i64, &str, Option<NaiveDate>, MeasureStatus, u8)> = measures
        .iter()
        .map(|m| (m.id, m.owner.as_str(), m.start, m.status, m.progress))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                2,
                "old.clerk",
                NaiveDate::from_ymd_opt(2026, 4, 1),
                MeasureStatus::InProgress,
                35
            ),
            (5, "li.hq", None, MeasureStatus::Done, 100),
        ]
    );

    // New writes continue after the restored ids, and revisions after the restored ones.
    let receipts = store
        .import(Import {
            user: "clerk".into(),
            at: at(6, 9),
            files: vec![(
                NewSubmission {
                    file_name: "april.csv".into(),
                    sha256: "ef".repeat(32),
                    rows: 1,
                },
                Changes::facts(vec![Fact {
                    entity: code("P1"),
                    month: month("2026-03"),
                    item: "total_profit".into(),
                    value: "7".parse().unwrap(),
                    basis: Basis::Month,
                }]),
            )],
        })
        .await
        .unwrap();
    assert_eq!(receipts[0].submission_id, 13);
    assert_eq!((receipts[0].revised, receipts[0].inserted), (1, 0));
    let revision = store
        .set_target(
            Target {
                entity: code("G"),
                year: 2026,
                indicator: "total_profit".into(),
                value: "5300".parse().unwrap(),
            },
            Some(2),
            "li.hq",
            at(6, 10),
        )
        .await
        .unwrap();
    assert_eq!(revision, 3);
    let after = store.export().await.unwrap();
    let new_fact = after.fact_revisions.last().unwrap();
    assert_eq!((new_fact.id, new_fact.revision), (32, 4));
    assert_eq!(after.target_revisions.last().unwrap().id, 7);
    let audit_ids: Vec<i64> = after.audit_log.iter().map(|a| a.id).collect();
    assert_eq!(audit_ids, vec![10, 11, 20, 21, 22, 23]);
    let newest = store
        .audit_log(&AuditFilter {
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (newest[0].id, newest[0].action.as_str()),
        (23, "target.set")
    );
    let new_ids = store
        .import_measures(
            vec![NewMeasure {
                entity: code("G"),
                title: "新措施".into(),
                indicator: None,
                owner: "li.hq".into(),
                start: None,
                due: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
                status: MeasureStatus::Planned,
                progress: 0,
                description: String::new(),
                expected_effect: String::new(),
                co_owners: Vec::new(),
                visit: None,
            }],
            "measures.csv",
            &"ab".repeat(32),
            "li.hq",
            at(6, 11),
        )
        .await
        .unwrap();
    assert_eq!(new_ids, vec![6]);

    // The lock still holds: an import into the locked month is refused. (Last: on PostgreSQL
    // the refused import still uses up a submission id, as any rolled-back insert does.)
    let refused = store
        .import(Import {
            user: "clerk".into(),
            at: at(6, 8),
            files: vec![(
                NewSubmission {
                    file_name: "late.csv".into(),
                    sha256: "cd".repeat(32),
                    rows: 1,
                },
                Changes::facts(vec![Fact {
                    entity: code("P1"),
                    month: month("2026-02"),
                    item: "total_profit".into(),
                    value: "1".parse().unwrap(),
                    basis: Basis::Month,
                }]),
            )],
        })
        .await
        .unwrap_err();
    assert!(matches!(refused, StoreError::Locked { .. }), "{refused}");
}

pub async fn restore_refuses_a_database_that_is_not_empty(store: &dyn Store) {
    // An inconsistent archive is refused before anything is written.
    let mut broken = sample_archive();
    broken.api_tokens[0].user = "nobody".into();
    let error = store.restore(&broken).await.unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error}");
    assert_eq!(
        error.to_string(),
        "the archive is inconsistent: an API token belongs to user nobody, who is not in the archive"
    );
    assert!(store.export().await.unwrap().is_empty());

    // One account is enough to make a database not empty.
    store
        .import(Import {
            user: "admin".into(),
            at: at(1, 8),
            files: vec![(
                NewSubmission {
                    file_name: "entities.csv".into(),
                    sha256: "ab".repeat(32),
                    rows: 1,
                },
                Changes::Entities(vec![Entity {
                    code: code("G"),
                    name: "集团".into(),
                    parent: None,
                    kind: EntityKind::Group,
                    region: String::new(),
                    segment: String::new(),
                }]),
            )],
        })
        .await
        .unwrap();
    store
        .create_user(
            NewUser {
                name: "root".into(),
                role: Role::Admin,
                entity: None,
                password_hash: "$argon2id$fake".into(),
            },
            "admin",
            at(1, 9),
        )
        .await
        .unwrap();
    let before = store.export().await.unwrap();
    // A submission, an entity, an account, three audit lines (entity, import, account).
    assert_eq!(before.counts().total(), 6);
    let error = store.restore(&sample_archive()).await.unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("the database is not empty (its submissions table has rows)"),
        "{error}"
    );
    assert_eq!(store.export().await.unwrap(), before);

    // An export of it restores into nothing but an empty database either: itself refuses it.
    assert!(store.restore(&before).await.is_err());
}

pub async fn an_export_holds_what_was_written(store: &dyn Store) {
    let entities = vec![
        Entity {
            code: code("G"),
            name: "集团".into(),
            parent: None,
            kind: EntityKind::Group,
            region: "北京".into(),
            segment: String::new(),
        },
        Entity {
            code: code("P1"),
            name: "晋江厂".into(),
            parent: Some(code("G")),
            kind: EntityKind::Plant,
            region: "福建".into(),
            segment: "water".into(),
        },
    ];
    let fact = |value: &str| Fact {
        entity: code("P1"),
        month: month("2026-03"),
        item: "total_profit".into(),
        value: value.parse().unwrap(),
        basis: Basis::Ytd,
    };
    let file = |name: &str| NewSubmission {
        file_name: name.into(),
        sha256: "12".repeat(32),
        rows: 1,
    };
    store
        .import(Import {
            user: "clerk".into(),
            at: at(1, 8),
            files: vec![
                (file("entities.csv"), Changes::Entities(entities)),
                (file("data.csv"), Changes::facts(vec![fact("100.50")])),
            ],
        })
        .await
        .unwrap();
    store
        .import(Import {
            user: "clerk".into(),
            at: at(2, 8),
            files: vec![(file("fix.csv"), Changes::facts(vec![fact("101")]))],
        })
        .await
        .unwrap();
    store
        .create_user(
            NewUser {
                name: "wang".into(),
                role: Role::Viewer,
                entity: Some(code("P1")),
                password_hash: "$argon2id$wang".into(),
            },
            "admin",
            at(2, 9),
        )
        .await
        .unwrap();
    store
        .add_token("wang", &"9f".repeat(32), "admin", at(2, 10))
        .await
        .unwrap();
    store
        .set_disabled("wang", true, "admin", at(2, 11))
        .await
        .unwrap();
    store
        .set_period_state(PeriodStatus {
            entity: code("P1"),
            month: month("2026-03"),
            state: PeriodState::Approved,
            comment: None,
            user: "hq".into(),
            at: at(3, 9),
        })
        .await
        .unwrap();

    let archive = store.export().await.unwrap();
    let counts = archive.counts();
    assert_eq!(
        counts.named(),
        [
            ("submissions", 3),
            ("entities", 2),
            ("fact revisions", 2),
            ("target revisions", 0),
            ("users", 1),
            ("API tokens", 1),
            ("period states", 1),
            ("audit entries", 10),
            ("measures", 0),
            ("notifications", 0),
            ("visits", 0),
            ("co-owners", 0),
            ("measure updates", 0),
            ("milestones", 0),
            ("evidence files", 0),
            ("attachments", 0),
        ]
    );
    let values: Vec<(i64, String, i64)> = archive
        .fact_revisions
        .iter()
        .map(|r| (r.revision, r.value.to_string(), r.submission_id))
        .collect();
    assert_eq!(values, vec![(1, "100.50".into(), 2), (2, "101".into(), 3)]);
    assert_eq!(archive.submissions[2].at, at(2, 8));
    assert_eq!(archive.entities[1].parent, Some(code("G")));
    assert_eq!(archive.entities[1].submission_id, Some(1));
    let user = &archive.users[0];
    assert_eq!(
        (
            user.name.as_str(),
            user.disabled,
            user.password_hash.as_str(),
            user.created_at
        ),
        ("wang", true, "$argon2id$wang", at(2, 9))
    );
    assert!(archive.api_tokens[0].revoked);
    assert_eq!(archive.period_statuses[0].state, PeriodState::Approved);
    let actions: Vec<&str> = archive
        .audit_log
        .iter()
        .map(|a| a.action.as_str())
        .collect();
    assert_eq!(
        actions,
        vec![
            "entity.create",
            "entity.create",
            "import",
            "import",
            "fact.revise",
            "import",
            "user.create",
            "user.token",
            "user.disable",
            "period.approved",
        ]
    );
}
