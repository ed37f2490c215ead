//! Emissions monitoring in the store: stacks are registered and updated by MN in one
//! transaction (the password never in the audit log), alarm rule sets are edited on an
//! optimistic revision, alarms go active → acknowledged → cleared and a persisting condition is
//! one alarm; export and restore carry all three. Expected values are written out by hand.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use zx_domain::cems::{FactorMap, Stack};
use zx_domain::{Decimal, Entity, EntityKind};
use zx_store::{
    AlarmFilter, AlarmState, AuditFilter, Changes, Import, ImportSummary, NewAlarm, NewSubmission,
    Store, StoreError,
};

use crate::measures::code;

/// 2026-06-`day` `hour`:`minute` UTC plus microseconds, which both backends keep.
fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, day, hour, minute, 0).unwrap() + Duration::microseconds(250_001)
}

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// G (group) > S (subsidiary) > P1, P2 (plants), C (company).
async fn setup(store: &dyn Store) {
    let entity = |c: &str, parent: Option<&str>, kind: EntityKind| Entity {
        code: code(c),
        name: format!("{c} 单位"),
        parent: parent.map(code),
        kind,
        region: "浙江".into(),
        segment: "waste-to-energy".into(),
    };
    store
        .import(Import {
            user: "admin".into(),
            at: at(1, 8, 0),
            files: vec![(
                NewSubmission {
                    file_name: "entities.csv".into(),
                    sha256: "cd".repeat(32),
                    rows: 5,
                },
                Changes::Entities(vec![
                    entity("G", None, EntityKind::Group),
                    entity("S", Some("G"), EntityKind::Subsidiary),
                    entity("P1", Some("S"), EntityKind::Plant),
                    entity("P2", Some("S"), EntityKind::Plant),
                    entity("C", Some("G"), EntityKind::Company),
                ]),
            )],
        })
        .await
        .unwrap();
}

fn stack(mn: &str, entity: &str, name: &str, password: &str) -> Stack {
    Stack {
        mn: mn.into(),
        entity: code(entity),
        name: name.into(),
        password: password.into(),
        standard: "gb18485-2014".into(),
        factors: FactorMap::default(),
    }
}

fn three() -> Vec<Stack> {
    let mut aliased = stack("33010001", "P2", "2号炉", "pw-two");
    aliased.factors.aliases = BTreeMap::from([
        ("NOX".to_owned(), "a21002".to_owned()),
        ("SO2".to_owned(), "a21026".to_owned()),
    ]);
    vec![
        stack("33010000", "P1", "1号炉", "s3cret-one"),
        aliased,
        stack("33010002", "C", "3号炉", "pw-three"),
    ]
}

/// (action, object, old, new) of audit lines whose action starts with `prefix`, oldest first.
async fn audit(
    store: &dyn Store,
    prefix: &str,
) -> Vec<(String, String, Option<String>, Option<String>)> {
    let mut lines: Vec<_> = store
        .audit_log(&AuditFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action.starts_with(prefix))
        .map(|e| (e.action, e.object, e.old_value, e.new_value))
        .collect();
    lines.reverse();
    lines
}

fn line(
    action: &str,
    object: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> (String, String, Option<String>, Option<String>) {
    (
        action.into(),
        object.into(),
        old.map(Into::into),
        new.map(Into::into),
    )
}

pub async fn stacks_are_saved_by_mn_in_one_transaction_and_audited(store: &dyn Store) {
    setup(store).await;
    let summary = store
        .save_stacks(three(), "env.admin", at(1, 9, 0))
        .await
        .unwrap();
    assert_eq!(
        summary,
        ImportSummary {
            created: 3,
            updated: 0,
            unchanged: 0
        }
    );
    let stored = store.stacks().await.unwrap();
    let mns: Vec<(&str, &str, i64, bool)> = stored
        .iter()
        .map(|s| {
            (
                s.stack.mn.as_str(),
                s.stack.name.as_str(),
                s.revision,
                s.active,
            )
        })
        .collect();
    assert_eq!(
        mns,
        vec![
            ("33010000", "1号炉", 1, true),
            ("33010001", "2号炉", 1, true),
            ("33010002", "3号炉", 1, true),
        ]
    );
    // Every field comes back, the factor map included.
    assert_eq!(stored[1].stack, three()[1]);
    assert_eq!(stored[1].created_at, at(1, 9, 0));

    // Again, with the first stack renamed and the third's password changed: two updates.
    let mut again = three();
    again[0].name = "1号焚烧炉".into();
    again[2].password = "new-pass".into();
    let summary = store
        .save_stacks(again.clone(), "env.admin", at(2, 9, 0))
        .await
        .unwrap();
    assert_eq!(
        summary,
        ImportSummary {
            created: 0,
            updated: 2,
            unchanged: 1
        }
    );
    let first = store.stack("33010000").await.unwrap().unwrap();
    assert_eq!(
        (first.stack.name.as_str(), first.revision, first.updated_at),
        ("1号焚烧炉", 2, at(2, 9, 0))
    );
    assert_eq!(first.created_at, at(1, 9, 0));
    // Only one changed now: updated 1, unchanged 2.
    again[1].name = "2号焚烧炉".into();
    let summary = store
        .save_stacks(again.clone(), "env.admin", at(3, 9, 0))
        .await
        .unwrap();
    assert_eq!(
        summary,
        ImportSummary {
            created: 0,
            updated: 1,
            unchanged: 2
        }
    );

    // An unknown entity, or a group, refuses the whole list: nothing of it is written.
    let audit_before = store
        .audit_log(&AuditFilter::default())
        .await
        .unwrap()
        .len();
    for (entity, message) in [
        ("X9", "stack 2 (33010009): unknown entity X9"),
        (
            "S",
            "stack 2 (33010009): entity S is a subsidiary; stacks belong to a plant or a company",
        ),
    ] {
        let mut list = again.clone();
        list[0].name = "不应写入".into();
        list.insert(1, stack("33010009", entity, "4号炉", "pw"));
        let error = store
            .save_stacks(list, "env.admin", at(4, 9, 0))
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
        assert_eq!(error.to_string(), message);
    }
    // A stack failing its own checks, and an MN listed twice.
    let mut bad = three();
    bad[2].password = "a;b".into();
    let error = store
        .save_stacks(bad, "env.admin", at(4, 9, 0))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "stack 3 (33010002): stack 33010002: the password must be 1 to 32 printable characters without ';', ',', '=' or '&'"
    );
    let mut twice = three();
    twice.push(three()[0].clone());
    let error = store
        .save_stacks(twice, "env.admin", at(4, 9, 0))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "stack 4 (33010000): the MN is listed twice"
    );
    let mut unknown_standard = three();
    unknown_standard[0].standard = "gb0".into();
    let error = store
        .save_stacks(unknown_standard, "env.admin", at(4, 9, 0))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "stack 1 (33010000): unknown standard \"gb0\" (built in: gb18485-2014)"
    );
    assert_eq!(
        store
            .audit_log(&AuditFilter::default())
            .await
            .unwrap()
            .len(),
        audit_before
    );
    assert_eq!(store.stacks().await.unwrap().len(), 3);
    assert_eq!(
        store.stack("33010000").await.unwrap().unwrap().stack.name,
        "1号焚烧炉"
    );
    assert!(store.stack("33010009").await.unwrap().is_none());

    // Retiring keeps the stack; saving it again brings it back as an update.
    store
        .retire_stack("33010002", "env.admin", at(5, 9, 0))
        .await
        .unwrap();
    let retired = store.stack("33010002").await.unwrap().unwrap();
    assert_eq!((retired.active, retired.revision), (false, 3));
    let error = store
        .retire_stack("33010002", "env.admin", at(5, 9, 1))
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "stack 33010002 is retired already");
    let error = store
        .retire_stack("NOPE", "env.admin", at(5, 9, 1))
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "no stack with MN NOPE");
    let summary = store
        .save_stacks(vec![again[2].clone()], "env.admin", at(6, 9, 0))
        .await
        .unwrap();
    assert_eq!((summary.updated, summary.unchanged), (1, 0));
    let back = store.stack("33010002").await.unwrap().unwrap();
    assert_eq!((back.active, back.revision), (true, 4));

    // The audit trail: who changed what, old and new; the password only as "(set)/(changed)".
    let d = |entity: &str, name: &str, aliases: &str| {
        format!(
            "entity={entity}; name={name}; standard=gb18485-2014; oxygen=a19001; furnace=furnace_temp; aliases={aliases}"
        )
    };
    let aliases = "NOX=a21002,SO2=a21026";
    assert_eq!(
        audit(store, "stack.").await,
        vec![
            line(
                "stack.create",
                "stack 33010000",
                None,
                Some(&format!("{}; password=(set)", d("P1", "1号炉", "")))
            ),
            line(
                "stack.create",
                "stack 33010001",
                None,
                Some(&format!("{}; password=(set)", d("P2", "2号炉", aliases)))
            ),
            line(
                "stack.create",
                "stack 33010002",
                None,
                Some(&format!("{}; password=(set)", d("C", "3号炉", "")))
            ),
            line(
                "stack.update",
                "stack 33010000",
                Some(&d("P1", "1号炉", "")),
                Some(&d("P1", "1号焚烧炉", ""))
            ),
            line(
                "stack.update",
                "stack 33010002",
                Some(&d("C", "3号炉", "")),
                Some(&format!("{}; password=(changed)", d("C", "3号炉", "")))
            ),
            line(
                "stack.update",
                "stack 33010001",
                Some(&d("P2", "2号炉", aliases)),
                Some(&d("P2", "2号焚烧炉", aliases))
            ),
            line(
                "stack.retire",
                "stack 33010002",
                Some("active"),
                Some("retired")
            ),
            line(
                "stack.update",
                "stack 33010002",
                Some(&format!("{}; retired", d("C", "3号炉", ""))),
                Some(&d("C", "3号炉", ""))
            ),
        ]
    );
    let everything = format!(
        "{:?}",
        store.audit_log(&AuditFilter::default()).await.unwrap()
    );
    for password in ["s3cret-one", "pw-two", "pw-three", "new-pass"] {
        assert!(
            !everything.contains(password),
            "{password} in the audit log"
        );
    }
}

pub async fn alarm_rule_sets_are_edited_on_a_revision(store: &dyn Store) {
    setup(store).await;
    store
        .save_stacks(three(), "env.admin", at(1, 9, 0))
        .await
        .unwrap();
    let template = "[hour_limit]\nwarn_at = \"0.9\"\n";
    let scope = "segment:waste-to-energy";
    assert!(store.alarm_rule_set(scope).await.unwrap().is_none());
    assert_eq!(
        store
            .put_alarm_rule_set(scope, template, None, "env.admin", at(1, 10, 0))
            .await
            .unwrap(),
        1
    );
    // Creating it again "from nothing" is a stale edit.
    let error = store
        .put_alarm_rule_set(scope, "x = 1\n", None, "li", at(1, 10, 5))
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "alarm_rules segment:waste-to-energy was changed by someone else (revision 1); reload and try again"
    );
    let edited = "[hour_limit]\nwarn_at = \"0.8\"\n";
    assert_eq!(
        store
            .put_alarm_rule_set(scope, edited, Some(1), "env.admin", at(1, 11, 0))
            .await
            .unwrap(),
        2
    );
    // An edit made on revision 1 after that is refused and changes nothing.
    let error = store
        .put_alarm_rule_set(scope, "y = 2\n", Some(1), "li", at(1, 11, 5))
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    // The same body again writes nothing and keeps the revision.
    assert_eq!(
        store
            .put_alarm_rule_set(scope, edited, Some(2), "li", at(1, 12, 0))
            .await
            .unwrap(),
        2
    );
    let doc = store.alarm_rule_set(scope).await.unwrap().unwrap();
    assert_eq!(
        (
            doc.body.as_str(),
            doc.revision,
            doc.updated_by.as_str(),
            doc.updated_at
        ),
        (edited, 2, "env.admin", at(1, 11, 0))
    );
    // A stack override; an unknown MN or a malformed scope is refused.
    assert_eq!(
        store
            .put_alarm_rule_set(
                "stack:33010000",
                "[stuck]\nminutes = 30\n",
                None,
                "li",
                at(2, 8, 0)
            )
            .await
            .unwrap(),
        1
    );
    for (bad, message) in [
        (
            "stack:99999999",
            "alarm rule scope stack:99999999: no stack with MN 99999999",
        ),
        (
            "plant:P1",
            "alarm rule scope \"plant:P1\" is neither segment:<segment> nor stack:<MN>",
        ),
        (
            "segment:",
            "alarm rule scope \"segment:\" is neither segment:<segment> nor stack:<MN>",
        ),
    ] {
        let error = store
            .put_alarm_rule_set(bad, "a = 1\n", None, "li", at(2, 9, 0))
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
        assert_eq!(error.to_string(), message);
    }
    let scopes: Vec<(String, i64)> = store
        .alarm_rule_sets()
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.scope, d.revision))
        .collect();
    assert_eq!(
        scopes,
        vec![
            ("segment:waste-to-energy".into(), 2),
            ("stack:33010000".into(), 1)
        ]
    );
    assert_eq!(
        audit(store, "alarm_rules.").await,
        vec![
            line(
                "alarm_rules.set",
                "alarm_rules segment:waste-to-energy",
                None,
                Some(template)
            ),
            line(
                "alarm_rules.set",
                "alarm_rules segment:waste-to-energy",
                Some(template),
                Some(edited)
            ),
            line(
                "alarm_rules.set",
                "alarm_rules stack:33010000",
                None,
                Some("[stuck]\nminutes = 30\n")
            ),
        ]
    );
}

fn nox_alarm(minute: u32, value: &str) -> NewAlarm {
    NewAlarm {
        mn: "33010000".into(),
        kind: "hour_limit".into(),
        code: Some("a21002".into()),
        raised_at: at(10, 8, minute),
        value: Some(decimal(value)),
        limit: Some(decimal("300.0")),
        message_zh: "NOx 小时均值超标".into(),
        message_en: "NOx hourly average above its limit".into(),
    }
}

pub async fn alarms_are_raised_once_acknowledged_and_cleared(store: &dyn Store) {
    setup(store).await;
    store
        .save_stacks(three(), "env.admin", at(1, 9, 0))
        .await
        .unwrap();
    // Raised twice while the condition lasts: one open alarm.
    let first = store.raise_alarm(nox_alarm(0, "312.450")).await.unwrap();
    let again = store.raise_alarm(nox_alarm(1, "318")).await.unwrap();
    assert_eq!(first, again);
    // Another kind, or no factor at all, is another alarm.
    let missing = store
        .raise_alarm(NewAlarm {
            kind: "missing".into(),
            code: None,
            value: None,
            limit: None,
            message_zh: "10 分钟无数据".into(),
            message_en: "no data for 10 minutes".into(),
            ..nox_alarm(2, "0")
        })
        .await
        .unwrap();
    assert_ne!(missing, first);
    let open = store
        .alarms(&AlarmFilter {
            mn: Some("33010000".into()),
            ..AlarmFilter::default()
        })
        .await
        .unwrap();
    let listed: Vec<(i64, &str, Option<&str>)> = open
        .iter()
        .map(|a| (a.id, a.kind.as_str(), a.code.as_deref()))
        .collect();
    // Newest first.
    assert_eq!(
        listed,
        vec![
            (missing, "missing", None),
            (first, "hour_limit", Some("a21002"))
        ]
    );
    // The value and limit come back exactly, places included; the first raise's value is kept.
    let alarm = store.alarm(first).await.unwrap().unwrap();
    assert_eq!(
        (
            alarm.value.map(|v| v.to_string()),
            alarm.limit.map(|v| v.to_string()),
            alarm.state,
            alarm.raised_at
        ),
        (
            Some("312.450".into()),
            Some("300.0".into()),
            AlarmState::Active,
            at(10, 8, 0)
        )
    );
    // An unregistered stack cannot raise one.
    let error = store
        .raise_alarm(NewAlarm {
            mn: "NOSUCH".into(),
            ..nox_alarm(3, "1")
        })
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "no stack with MN NOSUCH to raise an alarm for"
    );

    // Acknowledged by a person with a note, then cleared by the system.
    let acknowledged = store
        .acknowledge_alarm(first, "  已通知运行值班，调整喷氨  ", "zhou", at(10, 8, 5))
        .await
        .unwrap();
    assert_eq!(
        (
            acknowledged.state,
            acknowledged.acknowledged_by.as_deref(),
            acknowledged.acknowledged_at,
            acknowledged.note.as_deref()
        ),
        (
            AlarmState::Acknowledged,
            Some("zhou"),
            Some(at(10, 8, 5)),
            Some("已通知运行值班，调整喷氨")
        )
    );
    // Still open: raising it again finds it.
    assert_eq!(store.raise_alarm(nox_alarm(6, "305")).await.unwrap(), first);
    let error = store
        .acknowledge_alarm(first, "again", "li", at(10, 8, 6))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::AlarmNotActive {
                state: AlarmState::Acknowledged,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("alarm {first} is acknowledged and cannot be acknowledged")
    );
    let cleared = store
        .clear_open_alarm("33010000", "hour_limit", Some("a21002"), at(10, 9, 0))
        .await
        .unwrap();
    assert_eq!(cleared, Some(first));
    assert_eq!(
        store
            .clear_open_alarm("33010000", "hour_limit", Some("a21002"), at(10, 9, 1))
            .await
            .unwrap(),
        None
    );
    // Clearing twice changes nothing; acknowledging a cleared alarm is refused.
    assert!(!store.clear_alarm(first, at(10, 9, 2)).await.unwrap());
    let error = store
        .acknowledge_alarm(first, "late", "zhou", at(10, 9, 3))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::AlarmNotActive {
                state: AlarmState::Cleared,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(matches!(
        store
            .acknowledge_alarm(9_999, "", "zhou", at(10, 9, 3))
            .await,
        Err(StoreError::Invalid(_))
    ));
    let history = store.alarm(first).await.unwrap().unwrap();
    assert_eq!(
        (
            history.state,
            history.cleared_at,
            history.acknowledged_by.as_deref()
        ),
        (AlarmState::Cleared, Some(at(10, 9, 0)), Some("zhou"))
    );
    // The condition comes back: a new alarm, the old one stays as history.
    let second = store.raise_alarm(nox_alarm(30, "301")).await.unwrap();
    assert_ne!(second, first);
    assert!(store.clear_alarm(missing, at(10, 9, 40)).await.unwrap());
    let cleared_ids: Vec<i64> = store
        .alarms(&AlarmFilter {
            state: Some(AlarmState::Cleared),
            ..AlarmFilter::default()
        })
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(cleared_ids, vec![missing, first]);
    let recent: Vec<i64> = store
        .alarms(&AlarmFilter {
            since: Some(at(10, 8, 2)),
            limit: Some(1),
            ..AlarmFilter::default()
        })
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(recent, vec![second]);
    assert!(matches!(
        store.clear_alarm(second, at(10, 8, 0)).await,
        Err(StoreError::Invalid(_))
    ));

    let object = format!("alarm {first}");
    let lines: Vec<_> = audit(store, "alarm.")
        .await
        .into_iter()
        .filter(|l| l.1 == object)
        .collect();
    assert_eq!(
        lines,
        vec![
            line(
                "alarm.raise",
                &object,
                None,
                Some("mn=33010000; kind=hour_limit; code=a21002; value=312.450; limit=300.0")
            ),
            line(
                "alarm.acknowledge",
                &object,
                Some("active"),
                Some("acknowledged: 已通知运行值班，调整喷氨")
            ),
            line(
                "alarm.clear",
                &object,
                Some("acknowledged"),
                Some("cleared")
            ),
        ]
    );
    let users: Vec<String> = store
        .audit_log(&AuditFilter {
            object: Some(object),
            ..AuditFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.user)
        .collect();
    assert_eq!(users, vec!["system", "zhou", "system"]);
}

pub async fn stacks_rules_and_alarms_survive_export_and_restore(store: &dyn Store) {
    setup(store).await;
    store
        .save_stacks(three(), "env.admin", at(1, 9, 0))
        .await
        .unwrap();
    store
        .retire_stack("33010002", "env.admin", at(1, 9, 30))
        .await
        .unwrap();
    store
        .put_alarm_rule_set(
            "segment:waste-to-energy",
            "a = 1\n",
            None,
            "li",
            at(1, 10, 0),
        )
        .await
        .unwrap();
    store
        .put_alarm_rule_set("stack:33010001", "b = 2\n", None, "li", at(1, 10, 1))
        .await
        .unwrap();
    let acknowledged = store.raise_alarm(nox_alarm(0, "-0.50")).await.unwrap();
    store
        .acknowledge_alarm(acknowledged, "", "zhou", at(10, 8, 3))
        .await
        .unwrap();
    let cleared = store
        .raise_alarm(NewAlarm {
            kind: "stuck".into(),
            ..nox_alarm(1, "250.000")
        })
        .await
        .unwrap();
    store.clear_alarm(cleared, at(10, 8, 20)).await.unwrap();
    store
        .raise_alarm(NewAlarm {
            mn: "33010001".into(),
            kind: "flag".into(),
            code: Some("a21026".into()),
            value: None,
            limit: None,
            ..nox_alarm(2, "0")
        })
        .await
        .unwrap();

    let archive = store.export().await.unwrap();
    let counts = archive.counts();
    assert_eq!(
        counts.named_emissions(),
        [("stacks", 3), ("alarm rule sets", 2), ("alarms", 3)]
    );
    assert_eq!(archive.stacks[0].password, "s3cret-one");
    assert!(!archive.stacks[2].active);
    assert_eq!(archive.alarms[0].value, Some(decimal("-0.50")));
    archive.check().unwrap();

    // Through the file format and back: an equal archive (restoring one into a fresh database
    // is the next story).
    let mut file = Vec::new();
    zx_store::archive::write_lines(&archive, "test", &mut file, &mut || {}).unwrap();
    let text = String::from_utf8(file.clone()).unwrap();
    assert!(text.contains(r#""format_version":6"#), "{text}");
    assert!(
        text.contains(r#""factors":{"oxygen":"a19001","furnace_temperature":"furnace_temp","aliases":{"NOX":"a21002","SO2":"a21026"}}"#),
        "{text}"
    );
    let (_, back) =
        zx_store::archive::read_lines(&mut file.as_slice(), &mut |_| {}, &mut || {}).unwrap();
    assert_eq!(back, archive);

    // A restore needs an empty database: this one refuses, naming the first table with rows.
    let error = store.restore(&archive).await.unwrap_err();
    assert!(error.to_string().contains("not empty"), "{error}");
}

/// Restores an archive with a stack, a rule set and a cleared and an open alarm into an empty
/// database: it exports unchanged, the open alarm is still open (raising it again finds it), and
/// new alarms continue after the restored ids.
pub async fn a_restored_database_keeps_stacks_rules_and_open_alarms(store: &dyn Store) {
    let mut archive = crate::archive::sample_archive();
    let entity = archive.entities[1].clone();
    assert_eq!(entity.code.as_str(), "P1");
    archive.stacks = vec![zx_store::archive::ArchivedStack {
        id: 4,
        mn: "33010000".into(),
        entity: entity.code.clone(),
        name: "1号炉".into(),
        password: "s3cret-one".into(),
        standard: "gb18485-2014".into(),
        factors: FactorMap::default(),
        active: true,
        revision: 2,
        created_at: at(1, 9, 0),
        updated_at: at(2, 9, 0),
    }];
    archive.alarm_rule_sets = vec![zx_store::archive::ArchivedRuleSet {
        scope: "stack:33010000".into(),
        body: "a = 1\n".into(),
        revision: 3,
        updated_by: "li".into(),
        updated_at: at(2, 10, 0),
    }];
    archive.alarms = vec![
        zx_store::archive::ArchivedAlarm {
            id: 7,
            mn: "33010000".into(),
            kind: "hour_limit".into(),
            code: Some("a21002".into()),
            raised_at: at(10, 8, 0),
            value: Some(decimal("312.450")),
            limit: Some(decimal("300")),
            message_zh: "超标".into(),
            message_en: "above".into(),
            state: AlarmState::Cleared,
            acknowledged_by: Some("zhou".into()),
            acknowledged_at: Some(at(10, 8, 5)),
            note: Some("ok".into()),
            cleared_at: Some(at(10, 9, 0)),
        },
        zx_store::archive::ArchivedAlarm {
            id: 9,
            mn: "33010000".into(),
            kind: "hour_limit".into(),
            code: Some("a21002".into()),
            raised_at: at(10, 10, 0),
            value: Some(decimal("301")),
            limit: Some(decimal("300")),
            message_zh: "超标".into(),
            message_en: "above".into(),
            state: AlarmState::Active,
            acknowledged_by: None,
            acknowledged_at: None,
            note: None,
            cleared_at: None,
        },
    ];
    store.restore(&archive).await.unwrap();
    assert_eq!(store.export().await.unwrap(), archive);
    assert_eq!(store.raise_alarm(nox_alarm(59, "1")).await.unwrap(), 9);
    store.clear_alarm(9, at(10, 11, 0)).await.unwrap();
    assert_eq!(store.raise_alarm(nox_alarm(59, "1")).await.unwrap(), 10);
    assert_eq!(
        store
            .put_alarm_rule_set("stack:33010000", "a = 2\n", Some(3), "li", at(11, 8, 0))
            .await
            .unwrap(),
        4
    );
    let stack = store.stack("33010000").await.unwrap().unwrap();
    assert_eq!((stack.id, stack.revision), (4, 2));

    // Two open alarms of one condition, or an alarm of a stack not in the archive, are refused
    // before anything is written.
    let mut twice = archive.clone();
    twice.alarms[0].state = AlarmState::Acknowledged;
    twice.alarms[0].cleared_at = None;
    assert_eq!(
        twice.check().unwrap_err().to_string(),
        "the archive is inconsistent: alarm 9 is a second open alarm of stack 33010000 hour_limit a21002"
    );
    let mut dangling = archive.clone();
    dangling.alarms[1].mn = "33019999".into();
    assert_eq!(
        dangling.check().unwrap_err().to_string(),
        "the archive is inconsistent: alarm 9 refers to stack 33019999, which is not in the archive"
    );
}
