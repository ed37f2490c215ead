//! Accounts, sessions, the collection workflow and targets edited one at a time.

use chrono::{DateTime, Duration, TimeZone, Utc};
use zx_domain::{Basis, Entity, EntityCode, EntityKind, Fact, Month, Role, Target};
use zx_store::{
    AuditEntry, AuditFilter, Changes, HistoryFilter, Import, NewSubmission, NewUser, PeriodState,
    PeriodStatus, Session, Store, StoreError, User,
};

fn code(s: &str) -> EntityCode {
    EntityCode::parse(s).unwrap()
}

fn month(s: &str) -> Month {
    Month::parse(s).unwrap()
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, day, hour, 0, 0).unwrap()
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

fn fact(e: &str, m: &str, item: &str, v: &str) -> Fact {
    Fact {
        entity: code(e),
        month: month(m),
        item: item.into(),
        value: v.parse().unwrap(),
        basis: Basis::Month,
    }
}

fn submission(name: &str, rows: usize) -> NewSubmission {
    NewSubmission {
        file_name: name.into(),
        sha256: "cd".repeat(32),
        rows,
    }
}

fn data(file: &str, facts: Vec<Fact>) -> Import {
    Import {
        user: "clerk".into(),
        at: at(10, 9),
        files: vec![(submission(file, facts.len()), Changes::facts(facts))],
    }
}

fn new_user(name: &str, role: Role, entity: Option<&str>) -> NewUser {
    NewUser {
        name: name.into(),
        role,
        entity: entity.map(code),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$fake-salt-{name}$fake-hash"),
    }
}

fn session(id: &str, user: &str, created: DateTime<Utc>, hours: i64) -> Session {
    Session {
        id_hash: id.into(),
        user: user.into(),
        csrf_token: format!("csrf-{id}"),
        created_at: created,
        expires_at: created + Duration::hours(hours),
    }
}

/// A group G with a subsidiary FJ and its plant P1, and a second subsidiary GD.
async fn with_group(store: &dyn Store) {
    store
        .import(Import {
            user: "admin".into(),
            at: at(1, 8),
            files: vec![(
                submission("entities.csv", 4),
                Changes::Entities(vec![
                    entity("G", None, "集团"),
                    entity("FJ", Some("G"), "福建公司"),
                    entity("P1", Some("FJ"), "晋江厂"),
                    entity("GD", Some("G"), "广东公司"),
                ]),
            )],
        })
        .await
        .unwrap();
}

async fn audit(store: &dyn Store, action: &str) -> Vec<AuditEntry> {
    store
        .audit_log(&AuditFilter {
            action: Some(action.into()),
            ..Default::default()
        })
        .await
        .unwrap()
}

/// (user, object, old, new, submission) of an audit line, to compare in one assert.
fn line(e: &AuditEntry) -> (&str, &str, Option<&str>, Option<&str>, Option<i64>) {
    (
        e.user.as_str(),
        e.object.as_str(),
        e.old_value.as_deref(),
        e.new_value.as_deref(),
        e.submission_id,
    )
}

pub async fn users_are_created_listed_and_unique(store: &dyn Store) {
    with_group(store).await;
    let created = store
        .create_user(
            new_user("wang.fang", Role::EntityManager, Some("FJ")),
            "root",
            at(2, 9),
        )
        .await
        .unwrap();
    assert_eq!(
        created,
        User {
            name: "wang.fang".into(),
            role: Role::EntityManager,
            entity: Some(code("FJ")),
            disabled: false,
            email: None,
        }
    );
    store
        .create_user(new_user("li.hq", Role::HqAnalyst, None), "root", at(2, 10))
        .await
        .unwrap();
    let names: Vec<(String, Role, Option<String>)> = store
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.name, u.role, u.entity.map(|e| e.as_str().to_owned())))
        .collect();
    assert_eq!(
        names,
        vec![
            ("li.hq".into(), Role::HqAnalyst, None),
            ("wang.fang".into(), Role::EntityManager, Some("FJ".into())),
        ]
    );
    let (user, hash) = store.user_with_hash("wang.fang").await.unwrap().unwrap();
    assert_eq!(user.entity, Some(code("FJ")));
    assert_eq!(
        hash,
        "$argon2id$v=19$m=19456,t=2,p=1$fake-salt-wang.fang$fake-hash"
    );
    assert!(store.user_with_hash("nobody").await.unwrap().is_none());

    let duplicate = store
        .create_user(
            new_user("wang.fang", Role::Viewer, Some("P1")),
            "root",
            at(3, 9),
        )
        .await
        .unwrap_err();
    assert!(matches!(duplicate, StoreError::Conflict(_)));
    assert_eq!(duplicate.to_string(), "user wang.fang already exists");

    let created = audit(store, "user.create").await;
    assert_eq!(created.len(), 2);
    assert_eq!(
        line(&created[1]),
        (
            "root",
            "user wang.fang",
            None,
            Some("role=entity_manager; entity=FJ"),
            None
        )
    );
    assert_eq!(created[0].new_value.as_deref(), Some("role=hq_analyst"));
    // The hash is never in the audit log.
    let all = store.audit_log(&AuditFilter::default()).await.unwrap();
    assert!(all.iter().all(|e| !format!("{e:?}").contains("fake-hash")));
}

pub async fn a_scope_is_required_exactly_where_the_role_needs_one(store: &dyn Store) {
    with_group(store).await;
    let no_scope = store
        .create_user(
            new_user("zhao", Role::EntityManager, None),
            "root",
            at(2, 9),
        )
        .await
        .unwrap_err();
    assert!(matches!(no_scope, StoreError::Invalid(_)));
    assert_eq!(
        no_scope.to_string(),
        "role entity_manager needs an entity: the root of the subtree zhao works on"
    );
    let viewer = store
        .create_user(new_user("zhao", Role::Viewer, None), "root", at(2, 9))
        .await
        .unwrap_err();
    assert!(
        viewer
            .to_string()
            .starts_with("role viewer needs an entity")
    );
    let unknown = store
        .create_user(new_user("zhao", Role::Viewer, Some("XM")), "root", at(2, 9))
        .await
        .unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "unknown entity XM: import it first (zx import entities.csv)"
    );
    let hq_scoped = store
        .create_user(new_user("zhao", Role::Admin, Some("FJ")), "root", at(2, 9))
        .await
        .unwrap_err();
    assert_eq!(
        hq_scoped.to_string(),
        "role admin sees the whole group and takes no entity (got FJ)"
    );
    let spaced = store
        .create_user(new_user("zhao wei", Role::Admin, None), "root", at(2, 9))
        .await
        .unwrap_err();
    assert!(matches!(spaced, StoreError::Invalid(_)));
    let empty = store
        .create_user(new_user("", Role::Admin, None), "root", at(2, 9))
        .await
        .unwrap_err();
    assert_eq!(empty.to_string(), "a user name must not be empty");
    assert!(store.users().await.unwrap().is_empty());
    assert!(audit(store, "user.create").await.is_empty());
}

pub async fn a_new_password_ends_the_sessions(store: &dyn Store) {
    with_group(store).await;
    store
        .create_user(new_user("wang", Role::Viewer, Some("P1")), "root", at(2, 9))
        .await
        .unwrap();
    store
        .create_session(session("s1", "wang", at(2, 10), 8))
        .await
        .unwrap();
    store
        .create_session(session("s2", "wang", at(2, 11), 8))
        .await
        .unwrap();
    let (found, user) = store.session("s1", at(2, 12)).await.unwrap().unwrap();
    assert_eq!(found.csrf_token, "csrf-s1");
    assert_eq!(found.expires_at, at(2, 18));
    assert_eq!(user.entity, Some(code("P1")));

    store
        .set_password("wang", "$argon2id$new", "wang", at(2, 13))
        .await
        .unwrap();
    assert!(store.session("s1", at(2, 13)).await.unwrap().is_none());
    assert!(store.session("s2", at(2, 13)).await.unwrap().is_none());
    assert_eq!(
        store.user_with_hash("wang").await.unwrap().unwrap().1,
        "$argon2id$new"
    );
    let passwd = audit(store, "user.passwd").await;
    assert_eq!(passwd.len(), 1);
    assert_eq!(
        line(&passwd[0]),
        (
            "wang",
            "user wang",
            None,
            Some("password changed; sessions ended: 2"),
            None
        )
    );
    assert!(!format!("{:?}", passwd[0]).contains("$argon2id$new"));

    let unknown = store
        .set_password("nobody", "$argon2id$x", "root", at(2, 14))
        .await
        .unwrap_err();
    assert_eq!(unknown.to_string(), "no user named \"nobody\"");
}

pub async fn disabling_ends_sessions_and_tokens(store: &dyn Store) {
    with_group(store).await;
    store
        .create_user(
            new_user("chen", Role::EntityManager, Some("FJ")),
            "root",
            at(2, 9),
        )
        .await
        .unwrap();
    store
        .add_token("chen", "tokenhash-1", "root", at(2, 9))
        .await
        .unwrap();
    store
        .create_session(session("s1", "chen", at(2, 10), 8))
        .await
        .unwrap();
    let by_token = store.user_by_token("tokenhash-1").await.unwrap().unwrap();
    assert_eq!(
        (by_token.name.as_str(), by_token.role),
        ("chen", Role::EntityManager)
    );
    assert!(store.user_by_token("tokenhash-2").await.unwrap().is_none());

    store
        .set_disabled("chen", true, "root", at(2, 11))
        .await
        .unwrap();
    assert!(store.users().await.unwrap()[0].disabled);
    assert!(store.session("s1", at(2, 11)).await.unwrap().is_none());
    assert!(store.user_by_token("tokenhash-1").await.unwrap().is_none());
    let refused = store
        .create_session(session("s2", "chen", at(2, 12), 8))
        .await
        .unwrap_err();
    assert_eq!(refused.to_string(), "user chen is disabled");
    assert!(
        store
            .add_token("chen", "tokenhash-2", "root", at(2, 12))
            .await
            .is_err()
    );

    // Enabling again does not bring the revoked token back.
    store
        .set_disabled("chen", false, "root", at(2, 13))
        .await
        .unwrap();
    assert!(!store.users().await.unwrap()[0].disabled);
    assert!(store.user_by_token("tokenhash-1").await.unwrap().is_none());
    store
        .add_token("chen", "tokenhash-3", "root", at(2, 14))
        .await
        .unwrap();
    assert_eq!(
        store
            .user_by_token("tokenhash-3")
            .await
            .unwrap()
            .unwrap()
            .name,
        "chen"
    );

    let disable = audit(store, "user.disable").await;
    assert_eq!(
        line(&disable[0]),
        (
            "root",
            "user chen",
            Some("enabled"),
            Some("disabled; sessions ended: 1; tokens revoked: 1"),
            None
        )
    );
    let enable = audit(store, "user.enable").await;
    assert_eq!(
        line(&enable[0]),
        ("root", "user chen", Some("disabled"), Some("enabled"), None)
    );
    let tokens = audit(store, "user.token").await;
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0].new_value.as_deref(), Some("new API token issued"));
    let all = store.audit_log(&AuditFilter::default()).await.unwrap();
    assert!(all.iter().all(|e| !format!("{e:?}").contains("tokenhash")));

    let unknown = store
        .set_disabled("nobody", true, "root", at(2, 15))
        .await
        .unwrap_err();
    assert!(matches!(unknown, StoreError::Invalid(_)));
    assert!(
        store
            .add_token("nobody", "tokenhash-9", "root", at(2, 15))
            .await
            .is_err()
    );
}

pub async fn sessions_expire_and_end(store: &dyn Store) {
    with_group(store).await;
    store
        .create_user(new_user("sun", Role::Admin, None), "root", at(2, 9))
        .await
        .unwrap();
    store
        .create_session(session("old", "sun", at(2, 9), 1))
        .await
        .unwrap();
    assert!(store.session("old", at(2, 9)).await.unwrap().is_some());
    // Valid up to, not including, its expiry.
    let just_before = at(2, 10) - Duration::microseconds(1);
    assert!(store.session("old", just_before).await.unwrap().is_some());
    assert!(store.session("old", at(2, 10)).await.unwrap().is_none());
    assert!(store.session("nope", at(2, 9)).await.unwrap().is_none());

    store
        .create_session(session("new", "sun", at(3, 9), 1))
        .await
        .unwrap();
    store.delete_session("new").await.unwrap();
    assert!(store.session("new", at(3, 9)).await.unwrap().is_none());
    // Deleting twice is not an error (a double logout).
    store.delete_session("new").await.unwrap();
    let unknown = store
        .create_session(session("x", "ghost", at(3, 9), 1))
        .await
        .unwrap_err();
    assert_eq!(unknown.to_string(), "no user named \"ghost\"");
}

pub async fn period_states_round_trip_with_audit(store: &dyn Store) {
    with_group(store).await;
    let status = |state, comment: Option<&str>, user: &str, hour| PeriodStatus {
        entity: code("FJ"),
        month: month("2026-03"),
        state,
        comment: comment.map(str::to_owned),
        user: user.into(),
        at: at(10, hour),
    };
    store
        .set_period_state(status(PeriodState::Submitted, None, "wang", 9))
        .await
        .unwrap();
    store
        .set_period_state(status(
            PeriodState::Returned,
            Some("管理费用偏高，请补充说明"),
            "li.hq",
            10,
        ))
        .await
        .unwrap();
    store
        .set_period_state(status(PeriodState::Submitted, None, "wang", 11))
        .await
        .unwrap();
    store
        .set_period_state(status(PeriodState::Approved, None, "li.hq", 12))
        .await
        .unwrap();
    store
        .set_period_state(status(PeriodState::Locked, Some("月结"), "li.hq", 13))
        .await
        .unwrap();
    store
        .set_period_state(PeriodStatus {
            entity: code("P1"),
            month: month("2025-12"),
            state: PeriodState::Approved,
            comment: None,
            user: "li.hq".into(),
            at: at(10, 14),
        })
        .await
        .unwrap();

    let year = store.period_statuses(2026).await.unwrap();
    assert_eq!(
        year,
        vec![status(PeriodState::Locked, Some("月结"), "li.hq", 13)]
    );
    let last_year = store.period_statuses(2025).await.unwrap();
    assert_eq!(
        (
            last_year.len(),
            last_year[0].entity.as_str(),
            last_year[0].state
        ),
        (1, "P1", PeriodState::Approved)
    );

    let returned = audit(store, "period.returned").await;
    assert_eq!(
        line(&returned[0]),
        (
            "li.hq",
            "period FJ 2026-03",
            Some("submitted"),
            Some("returned: 管理费用偏高，请补充说明"),
            None
        )
    );
    let submitted = audit(store, "period.submitted").await;
    assert_eq!(submitted.len(), 2);
    assert_eq!(submitted[1].old_value, None);
    assert_eq!(submitted[0].old_value.as_deref(), Some("returned"));
    let locked = audit(store, "period.locked").await;
    assert_eq!(
        line(&locked[0]),
        (
            "li.hq",
            "period FJ 2026-03",
            Some("approved"),
            Some("locked: 月结"),
            None
        )
    );
    assert_eq!(audit(store, "period.approved").await.len(), 2);

    let unknown = store
        .set_period_state(PeriodStatus {
            entity: code("XM"),
            ..status(PeriodState::Locked, None, "li.hq", 15)
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.to_string(), "unknown entity XM");
}

pub async fn a_target_edit_on_a_stale_revision_is_refused(store: &dyn Store) {
    with_group(store).await;
    let target = |value: &str| Target {
        entity: code("FJ"),
        year: 2026,
        indicator: "total_profit".into(),
        value: value.parse().unwrap(),
    };
    // An imported target is revision 1.
    store
        .import(Import {
            user: "planner".into(),
            at: at(5, 9),
            files: vec![(
                submission("targets.csv", 1),
                Changes::Targets(vec![target("1200")]),
            )],
        })
        .await
        .unwrap();
    let records = store.target_records().await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].revision, records[0].target.value.to_string()),
        (1, "1200".into())
    );

    // Creating it again as if new: it exists.
    let exists = store
        .set_target(target("1300"), None, "li.hq", at(6, 9))
        .await
        .unwrap_err();
    assert!(matches!(exists, StoreError::Conflict(_)));
    assert_eq!(
        exists.to_string(),
        "target FJ 2026 total_profit was changed by someone else (revision 1); reload and try again"
    );

    // Two analysts read revision 1; the first one's edit wins, the second is refused.
    assert_eq!(
        store
            .set_target(target("1350.5"), Some(1), "li.hq", at(6, 10))
            .await
            .unwrap(),
        2
    );
    let stale = store
        .set_target(target("1400"), Some(1), "zhou.hq", at(6, 11))
        .await
        .unwrap_err();
    assert_eq!(
        stale.to_string(),
        "target FJ 2026 total_profit was changed by someone else (revision 2); reload and try again"
    );
    // The same value again changes nothing.
    assert_eq!(
        store
            .set_target(target("1350.50"), Some(2), "li.hq", at(6, 12))
            .await
            .unwrap(),
        2
    );
    // A new target, expected not to exist.
    assert_eq!(
        store
            .set_target(
                Target {
                    entity: code("GD"),
                    ..target("800")
                },
                None,
                "li.hq",
                at(6, 13)
            )
            .await
            .unwrap(),
        1
    );
    let missing = store
        .set_target(
            Target {
                entity: code("P1"),
                ..target("10")
            },
            Some(3),
            "li.hq",
            at(6, 14),
        )
        .await
        .unwrap_err();
    assert_eq!(
        missing.to_string(),
        "target P1 2026 total_profit does not exist (expected revision 3); reload and try again"
    );

    let records: Vec<(String, i64, String)> = store
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
    assert_eq!(
        records,
        vec![
            ("FJ".into(), 2, "1350.5".into()),
            ("GD".into(), 1, "800".into()),
        ]
    );
    let engine_view = store.targets().await.unwrap();
    assert_eq!(engine_view.len(), 2);

    let set = audit(store, "target.set").await;
    assert_eq!(set.len(), 3);
    assert_eq!(
        line(&set[1]),
        (
            "li.hq",
            "target FJ 2026 total_profit",
            Some("1200"),
            Some("1350.5"),
            None
        )
    );
    assert_eq!(set[2].user, "planner");
    assert!(set[2].submission_id.is_some());
    assert_eq!(line(&set[0]).2, None);
}

pub async fn a_locked_month_refuses_imports_for_the_whole_subtree(store: &dyn Store) {
    with_group(store).await;
    store
        .import(data(
            "feb.csv",
            vec![fact("P1", "2026-02", "total_profit", "90")],
        ))
        .await
        .unwrap();
    // HQ locks FJ's March: its plant P1 is locked too, GD is not.
    store
        .set_period_state(PeriodStatus {
            entity: code("FJ"),
            month: month("2026-03"),
            state: PeriodState::Locked,
            comment: None,
            user: "li.hq".into(),
            at: at(10, 8),
        })
        .await
        .unwrap();
    let before = store.submissions().await.unwrap().len();
    let audit_before = store
        .audit_log(&AuditFilter::default())
        .await
        .unwrap()
        .len();

    let refused = store
        .import(data(
            "march.csv",
            vec![
                fact("GD", "2026-03", "total_profit", "70"),
                fact("P1", "2026-02", "total_profit", "95"),
                fact("P1", "2026-03", "total_profit", "100"),
            ],
        ))
        .await
        .unwrap_err();
    match &refused {
        StoreError::Locked { entity, month } => {
            assert_eq!((entity.as_str(), month.as_str()), ("P1", "2026-03"));
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    assert_eq!(
        refused.to_string(),
        "2026-03 is locked for P1: changes are refused"
    );
    // Nothing of it was written: not GD's row, not P1's February correction, no submission.
    let facts = store.current_facts().await.unwrap();
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].value.to_string(), "90");
    assert_eq!(store.submissions().await.unwrap().len(), before);
    assert_eq!(
        store
            .audit_log(&AuditFilter::default())
            .await
            .unwrap()
            .len(),
        audit_before
    );

    // Locking the group's month locks everyone's.
    store
        .set_period_state(PeriodStatus {
            entity: code("G"),
            month: month("2026-01"),
            state: PeriodState::Locked,
            comment: Some("年初关账".into()),
            user: "li.hq".into(),
            at: at(10, 9),
        })
        .await
        .unwrap();
    let group_lock = store
        .import(data(
            "jan.csv",
            vec![fact("GD", "2026-01", "total_profit", "1")],
        ))
        .await
        .unwrap_err();
    assert_eq!(
        group_lock.to_string(),
        "2026-01 is locked for GD: changes are refused"
    );

    // Other months, and other subtrees in the locked month, still import.
    let receipts = store
        .import(data(
            "fix.csv",
            vec![
                fact("P1", "2026-02", "total_profit", "95"),
                fact("GD", "2026-03", "total_profit", "70"),
            ],
        ))
        .await
        .unwrap();
    assert_eq!((receipts[0].inserted, receipts[0].revised), (1, 1));
    let history = store
        .history(&HistoryFilter {
            entity: Some(code("P1")),
            ..Default::default()
        })
        .await
        .unwrap();
    let values: Vec<String> = history.iter().map(|r| r.value.to_string()).collect();
    assert_eq!(values, vec!["90", "95"]);

    // Unlocking (any other state) lets March in again.
    store
        .set_period_state(PeriodStatus {
            entity: code("FJ"),
            month: month("2026-03"),
            state: PeriodState::Returned,
            comment: Some("重新打开".into()),
            user: "li.hq".into(),
            at: at(10, 10),
        })
        .await
        .unwrap();
    store
        .import(data(
            "march.csv",
            vec![fact("P1", "2026-03", "total_profit", "100")],
        ))
        .await
        .unwrap();
    assert_eq!(store.current_facts().await.unwrap().len(), 3);
}

pub async fn a_lock_and_an_import_racing_have_one_winner(store: &dyn Store) {
    with_group(store).await;
    let lock = PeriodStatus {
        entity: code("FJ"),
        month: month("2026-03"),
        state: PeriodState::Locked,
        comment: None,
        user: "li.hq".into(),
        at: at(10, 8),
    };
    let import = data(
        "march.csv",
        vec![fact("P1", "2026-03", "total_profit", "100")],
    );
    let (locked, imported) = tokio::join!(store.set_period_state(lock), store.import(import));
    locked.unwrap();
    let facts = store.current_facts().await.unwrap();
    match imported {
        // The import came first: its row is in, and the lock followed it.
        Ok(_) => assert_eq!(facts.len(), 1),
        // The lock came first: nothing is in.
        Err(StoreError::Locked { .. }) => assert!(facts.is_empty()),
        Err(other) => panic!("expected a clean winner, got {other:?}"),
    }
}

pub async fn concurrent_imports_revise_one_after_another(store: &dyn Store) {
    with_group(store).await;
    // Four clerks send a value for the same key at once (and one key of their own each): every
    // import goes through, one after another, and the revisions are 1, 2, 3, 4 with no gap.
    let values = ["100", "101", "102", "103"];
    let imports = values.map(|value| {
        data(
            &format!("p1-{value}.csv"),
            vec![
                fact("P1", "2026-03", "total_profit", value),
                fact("GD", "2026-03", &format!("item_{value}"), value),
            ],
        )
    });
    let [a, b, c, d] = imports;
    let (a, b, c, d) = tokio::join!(
        store.import(a),
        store.import(b),
        store.import(c),
        store.import(d)
    );
    let receipts: Vec<_> = [a, b, c, d].into_iter().map(Result::unwrap).collect();
    assert_eq!(receipts.iter().map(|r| r[0].inserted).sum::<usize>(), 5);
    assert_eq!(receipts.iter().map(|r| r[0].revised).sum::<usize>(), 3);
    let history = store
        .history(&HistoryFilter {
            entity: Some(code("P1")),
            month: Some(month("2026-03")),
            item: Some("total_profit".into()),
        })
        .await
        .unwrap();
    let revisions: Vec<(i64, bool)> = history.iter().map(|r| (r.revision, r.current)).collect();
    assert_eq!(
        revisions,
        vec![(1, false), (2, false), (3, false), (4, true)]
    );
    let current = store.current_facts().await.unwrap();
    let profit = current.iter().find(|f| f.entity.as_str() == "P1").unwrap();
    assert_eq!(profit.value, history[3].value);
    // Each revision's audit line names the value it replaced: the chain is unbroken.
    let revised = audit(store, "fact.revise").await;
    assert_eq!(revised.len(), 3);
    for pair in history.windows(2) {
        let old = format!("{} (month)", pair[0].value);
        let new = format!("{} (month)", pair[1].value);
        assert!(
            revised
                .iter()
                .any(|e| line(e).2 == Some(old.as_str()) && line(e).3 == Some(new.as_str())),
            "no audit line {old} → {new}"
        );
    }
}

pub async fn locks_and_imports_racing_month_after_month(store: &dyn Store) {
    with_group(store).await;
    // The same race as above, six times over: whatever the interleaving, each month ends with
    // either the lock and no row, or the row imported before the lock.
    for m in 1..=6 {
        let period = format!("2026-{m:02}");
        let lock = PeriodStatus {
            entity: code("G"),
            month: month(&period),
            state: PeriodState::Locked,
            comment: None,
            user: "li.hq".into(),
            at: at(10, 8),
        };
        let import = data(
            &format!("{period}.csv"),
            vec![
                fact("GD", &period, "total_profit", "7"),
                fact("P1", &period, "total_profit", "9"),
            ],
        );
        let (imported, locked) = tokio::join!(store.import(import), store.set_period_state(lock));
        locked.unwrap();
        let rows = store
            .history(&HistoryFilter {
                month: Some(month(&period)),
                ..Default::default()
            })
            .await
            .unwrap()
            .len();
        match imported {
            Ok(_) => assert_eq!(rows, 2, "{period}"),
            Err(StoreError::Locked { month, .. }) => {
                assert_eq!(month, period);
                assert_eq!(rows, 0, "{period}");
            }
            Err(other) => panic!("{period}: expected a clean winner, got {other:?}"),
        }
    }
    let locks = audit(store, "period.locked").await;
    assert_eq!(locks.len(), 6);
}
