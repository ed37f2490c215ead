//! The archive file and its checks.

use chrono::{NaiveDate, TimeZone, Utc};
use zx_domain::cems::FactorMap;
use zx_domain::measures::ReminderReason;
use zx_domain::{Basis, EntityCode, EntityKind, MeasureStatus, Month, Role};

use super::*;
use crate::{AlarmState, PeriodState};

fn code(text: &str) -> EntityCode {
    EntityCode::parse(text).unwrap()
}

fn sample() -> Archive {
    let at = Utc.with_ymd_and_hms(2026, 4, 10, 9, 0, 0).unwrap()
        + chrono::Duration::microseconds(123_456);
    Archive {
        submissions: vec![ArchivedSubmission {
            id: 7,
            kind: "data".into(),
            file_name: "数据.csv".into(),
            sha256: "ab".repeat(32),
            user: "clerk".into(),
            at,
            rows: 2,
            inserted: 1,
            revised: 1,
            unchanged: 0,
        }],
        entities: vec![ArchivedEntity {
            code: code("G"),
            name: "集团".into(),
            parent: None,
            kind: EntityKind::Group,
            region: "北京".into(),
            segment: String::new(),
            submission_id: Some(7),
        }],
        fact_revisions: vec![ArchivedFactRevision {
            id: 3,
            entity: code("G"),
            month: Month::parse("2026-03").unwrap(),
            item: "total_profit".into(),
            revision: 1,
            value: "100.50".parse().unwrap(),
            basis: Basis::Ytd,
            submission_id: 7,
        }],
        target_revisions: vec![ArchivedTargetRevision {
            id: 1,
            entity: code("G"),
            year: 2026,
            indicator: "total_profit".into(),
            revision: 1,
            value: "-0.000".parse().unwrap(),
            submission_id: None,
            user: "hq".into(),
            at,
        }],
        users: vec![ArchivedUser {
            name: "hq".into(),
            role: Role::HqAnalyst,
            entity: None,
            password_hash: "$argon2id$v=19$…".into(),
            disabled: true,
            created_at: at,
            email: None,
        }],
        api_tokens: vec![ArchivedToken {
            token_hash: "cd".repeat(32),
            user: "hq".into(),
            created_at: at,
            revoked: true,
        }],
        period_statuses: vec![ArchivedPeriodStatus {
            entity: code("G"),
            month: Month::parse("2026-03").unwrap(),
            state: PeriodState::Locked,
            comment: Some("closed".into()),
            user: "hq".into(),
            at,
        }],
        audit_log: vec![ArchivedAuditEntry {
            id: 12,
            at,
            user: "clerk".into(),
            action: "import".into(),
            object: "data 数据.csv".into(),
            old_value: None,
            new_value: Some("rows=2".into()),
            submission_id: Some(7),
        }],
        measures: vec![ArchivedMeasure {
            id: 4,
            entity: code("G"),
            title: "降低厂用电率".into(),
            indicator: Some("total_profit".into()),
            owner: "hq".into(),
            start: None,
            due: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            status: MeasureStatus::InProgress,
            progress: 40,
            created_at: at,
            created_by: "clerk".into(),
            description: "变频改造".into(),
            expected_effect: String::new(),
            visit: None,
            revision: 2,
        }],
        notifications: vec![ArchivedNotification {
            id: 5,
            measure: 4,
            user: "hq".into(),
            reason: ReminderReason::Overdue,
            created_at: at,
            read_at: None,
        }],
        blobs: vec![ArchivedBlob {
            sha256: crate::content_sha256(b"\x89PNG"),
            content: b"\x89PNG".to_vec(),
        }],
        attachments: vec![ArchivedAttachment {
            id: 1,
            measure: 4,
            milestone: None,
            sha256: crate::content_sha256(b"\x89PNG"),
            file_name: "photo.png".into(),
            media_type: "image/png".into(),
            size: 4,
            created_at: at,
            created_by: "hq".into(),
        }],
        ..Archive::default()
    }
}

fn written(archive: &Archive) -> String {
    let mut out = Vec::new();
    write_lines(archive, "9.9.9", &mut out, &mut || {}).unwrap();
    String::from_utf8(out).unwrap()
}

fn read(text: &str) -> Result<Archive, ArchiveFileError> {
    read_lines(&mut text.as_bytes(), &mut |_| {}, &mut || {}).map(|(_, a)| a)
}

#[test]
fn the_file_round_trips_exactly() {
    let archive = sample();
    archive.check().unwrap();
    let text = written(&archive);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 13);
    assert_eq!(
        lines[0],
        r#"{"format":"zengxiao-archive","format_version":6,"tool_version":"9.9.9","counts":{"submissions":1,"entities":1,"fact_revisions":1,"target_revisions":1,"users":1,"api_tokens":1,"period_statuses":1,"audit_log":1,"measures":1,"notifications":1,"visits":0,"co_owners":0,"measure_updates":0,"milestones":0,"blobs":1,"attachments":1,"stacks":0,"alarm_rule_sets":0,"alarms":0}}"#
    );
    assert_eq!(
        lines[9],
        r#"{"measure":{"id":4,"entity":"G","title":"降低厂用电率","indicator":"total_profit","owner":"hq","start":null,"due":"2026-06-30","status":"in_progress","progress":40,"created_at":"2026-04-10T09:00:00.123456Z","created_by":"clerk","description":"变频改造","expected_effect":"","visit":null,"revision":2}}"#
    );
    // Evidence content is base64 ("\x89PNG").
    assert_eq!(
        lines[11],
        r#"{"blob":{"sha256":"0f4636c78f65d3639ece5a064b5ae753e3408614a14fb18ab4d7540d2c248543","content":"iVBORw=="}}"#
    );
    assert_eq!(
        lines[10],
        r#"{"notification":{"id":5,"measure":4,"user":"hq","reason":"overdue","created_at":"2026-04-10T09:00:00.123456Z","read_at":null}}"#
    );
    assert_eq!(
        lines[3],
        r#"{"fact_revision":{"id":3,"entity":"G","month":"2026-03","item":"total_profit","revision":1,"value":"100.50","basis":"ytd","submission_id":7}}"#
    );
    // Negative zero is written as zero; times keep their microseconds.
    assert!(lines[4].contains(r#""value":"0.000""#), "{}", lines[4]);
    assert!(lines[4].contains(r#""at":"2026-04-10T09:00:00.123456Z""#));
    let back = read(&text).unwrap();
    assert_eq!(written(&back), text);
    assert_eq!(back.fact_revisions[0].value.to_string(), "100.50");
}

#[test]
fn bad_files_are_refused_with_the_line() {
    let text = written(&sample());
    // A truncated file: the header's counts say so.
    let cut: String = text.lines().take(5).map(|l| format!("{l}\n")).collect();
    let error = read(&cut).unwrap_err().to_string();
    assert_eq!(
        error,
        "the archive is incomplete: its header announces 1 users, the file holds 0"
    );
    // An inexact decimal, an unknown field, an unknown kind, a bad month.
    for (from, to, message) in [
        ("\"100.50\"", "\"1.005e2\"", "line 4: decimal \"1.005e2\""),
        (
            "\"basis\":\"ytd\"",
            "\"basis\":\"ytd\",\"x\":1",
            "line 4: unknown field `x`",
        ),
        (
            "{\"fact_revision\"",
            "{\"fact\"",
            "line 4: unknown variant `fact`",
        ),
        ("\"2026-03\"", "\"2026-13\"", "line 4: month \"2026-13\""),
    ] {
        let bad = text.replacen(from, to, 1);
        let error = read(&bad).unwrap_err().to_string();
        assert!(error.starts_with(message), "{error}");
    }
    // A measure with a loosely written status or date is refused.
    for (from, to, message) in [
        (
            "\"in_progress\"",
            "\"推进中\"",
            "line 10: measure status \"推进中\"",
        ),
        (
            "\"2026-06-30\"",
            "\"2026-6-30\"",
            "line 10: date \"2026-6-30\"",
        ),
    ] {
        let bad = text.replacen(from, to, 1);
        let error = read(&bad).unwrap_err().to_string();
        assert!(error.starts_with(message), "{error}");
    }
    let newer = text.replacen("\"format_version\":6", "\"format_version\":7", 1);
    assert_eq!(
        read(&newer).unwrap_err().to_string(),
        "archive format version 7 is newer than this zx reads (6); upgrade zx (the archive was written by zx 9.9.9)"
    );
    assert!(matches!(
        read("{\"a\":1}\n").unwrap_err(),
        ArchiveFileError::NotAnArchive(_)
    ));
    assert!(matches!(
        read("").unwrap_err(),
        ArchiveFileError::NotAnArchive(_)
    ));
}

#[test]
fn a_version_1_archive_is_read_without_measures() {
    let mut archive = sample();
    archive.measures.clear();
    archive.notifications.clear();
    archive.blobs.clear();
    archive.attachments.clear();
    let text = written(&archive)
        .replacen("\"format_version\":5", "\"format_version\":1", 1)
        .replacen(
            ",\"measures\":0,\"notifications\":0,\"visits\":0,\"co_owners\":0,\"measure_updates\":0,\"milestones\":0,\"blobs\":0,\"attachments\":0,\"stacks\":0,\"alarm_rule_sets\":0,\"alarms\":0}",
            "}",
            1,
        );
    assert!(!text.contains("measures"), "{text}");
    assert_eq!(read(&text).unwrap(), archive);
}

#[test]
fn dangling_references_and_duplicates_are_invalid() {
    let mut archive = sample();
    archive.fact_revisions[0].submission_id = 8;
    let error = archive.check().unwrap_err().to_string();
    assert_eq!(
        error,
        "the archive is inconsistent: fact revision 3 (G 2026-03 total_profit revision 1) refers to submission 8, which is not in the archive"
    );
    let mut archive = sample();
    archive.users.push(archive.users[0].clone());
    assert_eq!(
        archive.check().unwrap_err().to_string(),
        "the archive is inconsistent: user hq appears twice"
    );
    let mut archive = sample();
    archive.api_tokens[0].user = "nobody".into();
    assert!(
        archive
            .check()
            .unwrap_err()
            .to_string()
            .contains("user nobody")
    );
    let mut archive = sample();
    archive.period_statuses[0].entity = code("X");
    assert!(
        archive
            .check()
            .unwrap_err()
            .to_string()
            .contains("refers to entity X")
    );
    let mut archive = sample();
    archive.measures[0].owner = "nobody".into();
    assert_eq!(
        archive.check().unwrap_err().to_string(),
        "the archive is inconsistent: measure 4 is owned by user nobody, who is not in the archive"
    );
    let mut archive = sample();
    archive.measures[0].entity = code("X");
    assert!(
        archive
            .check()
            .unwrap_err()
            .to_string()
            .contains("measure 4 refers to entity X")
    );
    let mut archive = sample();
    archive.notifications[0].measure = 9;
    assert_eq!(
        archive.check().unwrap_err().to_string(),
        "the archive is inconsistent: notification 5 refers to measure 9, which is not in the archive"
    );
    // Evidence whose content does not hash to its key, or that is missing; a visit or a
    // milestone that is not there.
    let mut archive = sample();
    archive.blobs[0].content = b"\x89PNG tampered".to_vec();
    assert_eq!(
        archive.check().unwrap_err().to_string(),
        "the archive is inconsistent: evidence file 0f4636c78f65d3639ece5a064b5ae753e3408614a14fb18ab4d7540d2c248543: its content has another hash"
    );
    let mut archive = sample();
    archive.blobs.clear();
    assert_eq!(
        archive.check().unwrap_err().to_string(),
        "the archive is inconsistent: attachment 1 refers to content 0f4636c78f65d3639ece5a064b5ae753e3408614a14fb18ab4d7540d2c248543, which is not in the archive"
    );
    let mut archive = sample();
    archive.measures[0].visit = Some(3);
    assert_eq!(
        archive.check().unwrap_err().to_string(),
        "the archive is inconsistent: measure 4 refers to visit 3, which is not in the archive"
    );
    let mut archive = sample();
    archive.attachments[0].milestone = Some(8);
    assert_eq!(
        archive.check().unwrap_err().to_string(),
        "the archive is inconsistent: attachment 1 refers to milestone 8, not one of measure 4"
    );
}

/// Stacks, rule sets and alarms (format version 5) as the file shows them, worked out by hand.
fn with_emissions() -> Archive {
    let mut archive = sample();
    let at = Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap();
    archive.entities[0].kind = EntityKind::Plant;
    archive.stacks = vec![ArchivedStack {
        id: 2,
        mn: "33010000".into(),
        entity: code("G"),
        name: "1号炉".into(),
        password: "s3cret".into(),
        standard: "gb18485-2014".into(),
        factors: FactorMap::default(),
        active: true,
        revision: 1,
        created_at: at,
        updated_at: at,
    }];
    archive.alarm_rule_sets = vec![ArchivedRuleSet {
        scope: "stack:33010000".into(),
        body: "a = 1\n".into(),
        revision: 2,
        updated_by: "hq".into(),
        updated_at: at,
    }];
    archive.alarms = vec![ArchivedAlarm {
        id: 5,
        mn: "33010000".into(),
        kind: "hour_limit".into(),
        code: Some("a21002".into()),
        raised_at: at,
        value: Some("312.450".parse().unwrap()),
        limit: Some("300".parse().unwrap()),
        message_zh: "超标".into(),
        message_en: "above".into(),
        state: AlarmState::Acknowledged,
        acknowledged_by: Some("hq".into()),
        acknowledged_at: Some(at),
        note: None,
        cleared_at: None,
    }];
    archive
}

#[test]
fn stacks_rule_sets_and_alarms_round_trip() {
    let archive = with_emissions();
    archive.check().unwrap();
    let text = written(&archive);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 16);
    assert!(
        lines[0].ends_with(r#""attachments":1,"stacks":1,"alarm_rule_sets":1,"alarms":1}}"#),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[13],
        r#"{"stack":{"id":2,"mn":"33010000","entity":"G","name":"1号炉","password":"s3cret","standard":"gb18485-2014","factors":{"oxygen":"a19001","furnace_temperature":"furnace_temp","aliases":{}},"active":true,"revision":1,"created_at":"2026-06-01T08:00:00.000000Z","updated_at":"2026-06-01T08:00:00.000000Z"}}"#
    );
    assert_eq!(
        lines[14],
        r#"{"alarm_rule_set":{"scope":"stack:33010000","body":"a = 1\n","revision":2,"updated_by":"hq","updated_at":"2026-06-01T08:00:00.000000Z"}}"#
    );
    assert_eq!(
        lines[15],
        r#"{"alarm":{"id":5,"mn":"33010000","kind":"hour_limit","code":"a21002","raised_at":"2026-06-01T08:00:00.000000Z","value":"312.450","limit":"300","message_zh":"超标","message_en":"above","state":"acknowledged","acknowledged_by":"hq","acknowledged_at":"2026-06-01T08:00:00.000000Z","note":null,"cleared_at":null}}"#
    );
    assert_eq!(read(&text).unwrap(), archive);
    // A loosely written state or an inexact value is refused with the line.
    let bad = text.replacen("\"acknowledged\"", "\"ack\"", 1);
    assert!(
        read(&bad)
            .unwrap_err()
            .to_string()
            .starts_with("line 16: alarm state \"ack\" is not known"),
    );
    // A header announcing an alarm the file lacks.
    let cut: String = text.lines().take(15).map(|l| format!("{l}\n")).collect();
    assert_eq!(
        read(&cut).unwrap_err().to_string(),
        "the archive is incomplete: its header announces 1 alarms, the file holds 0"
    );
}

#[test]
fn a_version_4_archive_is_read_without_stacks() {
    let archive = sample();
    let text = written(&archive)
        .replacen("\"format_version\":5", "\"format_version\":4", 1)
        .replacen(",\"stacks\":0,\"alarm_rule_sets\":0,\"alarms\":0}", "}", 1);
    assert!(!text.contains("stacks"), "{text}");
    assert_eq!(read(&text).unwrap(), archive);
}

#[test]
fn emissions_references_are_checked() {
    let mut archive = with_emissions();
    archive.stacks[0].entity = code("X");
    assert_eq!(
        archive.check().unwrap_err().to_string(),
        "the archive is inconsistent: stack 2 (33010000) refers to entity X, which is not in the archive"
    );
    let mut archive = with_emissions();
    archive.alarm_rule_sets[0].scope = "stack:99".into();
    assert_eq!(
        archive.check().unwrap_err().to_string(),
        "the archive is inconsistent: alarm rule set stack:99 refers to stack 99, which is not in the archive"
    );
    let mut archive = with_emissions();
    archive.alarms[0].acknowledged_at = None;
    assert_eq!(
        archive.check().unwrap_err().to_string(),
        "the archive is inconsistent: alarm 5 is acknowledged but its acknowledgement and clearing times do not say so"
    );
    let mut archive = with_emissions();
    archive.stacks.push(archive.stacks[0].clone());
    archive.stacks[1].id = 3;
    assert_eq!(
        archive.check().unwrap_err().to_string(),
        "the archive is inconsistent: stack 3 (33010000) appears twice"
    );
}
