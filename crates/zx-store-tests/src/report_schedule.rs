//! The report schedule in the store: set and changed with old and new value audited, the same
//! settings writing nothing, a bad one or an unknown entity refused; attempts kept (a failed
//! one without a PDF, a sent one with its PDF byte for byte), a period sent once per schedule,
//! and both in the archive. Expected values are written by hand.

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use zx_domain::{Lang, Month};
use zx_store::{
    AuditFilter, NewSentReport, ReportSchedule, SendOutcome, Store, StoreError, describe_schedule,
};

use crate::measures::code;

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, hour, 0, 0).unwrap()
}

fn schedule() -> ReportSchedule {
    ReportSchedule {
        day: 5,
        time: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        recipients: vec!["boss@example.com".into(), "office@example.com".into()],
        entity: code("G"),
        lang: Lang::Zh,
        enabled: true,
    }
}

fn attempt(content: Option<Vec<u8>>, error: &str) -> NewSentReport {
    NewSentReport {
        schedule: 0,
        period: Month::parse("2026-11").unwrap(),
        entity: code("G"),
        lang: Lang::Zh,
        recipients: vec!["boss@example.com".into(), "office@example.com".into()],
        file_name: "report-G-2026-11.pdf".into(),
        content,
        error: error.into(),
    }
}

pub async fn the_schedule_is_audited_and_each_period_sent_once(store: &dyn Store) {
    crate::measures::setup(store).await;
    assert_eq!(store.report_schedule().await.unwrap(), None);
    let first = store
        .set_report_schedule(&schedule(), "hq", at(1))
        .await
        .unwrap();
    assert_eq!(first.schedule, schedule());
    // The same settings again write nothing.
    store
        .set_report_schedule(&schedule(), "admin", at(2))
        .await
        .unwrap();
    let mut changed = schedule();
    changed.day = 31;
    changed.recipients.pop();
    let second = store
        .set_report_schedule(&changed, "admin", at(3))
        .await
        .unwrap();
    assert_eq!(second.id, first.id, "one schedule, changed in place");
    let stored = store.report_schedule().await.unwrap().unwrap();
    assert_eq!(stored.schedule, changed);
    assert_eq!(
        (stored.updated_by.as_str(), stored.updated_at),
        ("admin", at(3))
    );
    let audit = store
        .audit_log(&AuditFilter {
            action: Some("report_schedule.set".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    let newest = &audit[0];
    assert_eq!(newest.user, "admin");
    assert_eq!(
        newest.old_value.as_deref(),
        Some(
            "day=5; time=09:00; entity=G; lang=zh; enabled=yes; \
             recipients=boss@example.com, office@example.com"
        )
    );
    assert_eq!(newest.new_value, Some(describe_schedule(&changed)));
    assert_eq!(
        describe_schedule(&changed),
        "day=31; time=09:00; entity=G; lang=zh; enabled=yes; recipients=boss@example.com"
    );

    // Refused before anything is written.
    let mut bad = schedule();
    bad.recipients = vec!["not-an-address".into()];
    let refused = store.set_report_schedule(&bad, "hq", at(4)).await;
    assert!(matches!(refused, Err(StoreError::Invalid(ref m)) if m.contains("not-an-address")));
    let mut elsewhere = schedule();
    elsewhere.entity = code("NOPE");
    assert!(matches!(
        store.set_report_schedule(&elsewhere, "hq", at(4)).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        store.report_schedule().await.unwrap().unwrap().schedule,
        changed
    );

    // A failed attempt, then the one that went out, then a second "sent" refused.
    let id = stored.id;
    let failed = store
        .record_sent_report(
            NewSentReport {
                schedule: id,
                ..attempt(None, "connection refused")
            },
            "system",
            at(5),
        )
        .await
        .unwrap();
    assert_eq!(failed.outcome, SendOutcome::Failed);
    assert_eq!((failed.sha256.clone(), failed.size), (None, 0));
    let pdf = b"%PDF-1.7 the report as attached".to_vec();
    let sent = store
        .record_sent_report(
            NewSentReport {
                schedule: id,
                ..attempt(Some(pdf.clone()), "")
            },
            "system",
            at(6),
        )
        .await
        .unwrap();
    assert_eq!(sent.outcome, SendOutcome::Sent);
    assert_eq!(sent.size, 31, "the 31 bytes of the PDF above");
    let again = store
        .record_sent_report(
            NewSentReport {
                schedule: id,
                ..attempt(Some(pdf.clone()), "")
            },
            "system",
            at(7),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let list = store.sent_reports().await.unwrap();
    assert_eq!(
        list.iter().map(|r| (r.id, r.outcome)).collect::<Vec<_>>(),
        vec![
            (sent.id, SendOutcome::Sent),
            (failed.id, SendOutcome::Failed)
        ]
    );
    assert_eq!(list[0], sent);
    let (kept, bytes) = store.sent_report_content(sent.id).await.unwrap().unwrap();
    assert_eq!((kept, bytes), (sent.clone(), pdf));
    assert_eq!(store.sent_report_content(failed.id).await.unwrap(), None);
    let audit = store
        .audit_log(&AuditFilter {
            object: Some("report 2026-11 of G".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["report.sent", "report.send_failed"]);
    assert_eq!(
        audit[1].new_value.as_deref(),
        Some("to=boss@example.com, office@example.com; error=connection refused")
    );

    // Both tables travel in the archive.
    let archive = store.export().await.unwrap();
    // Their references (entity, schedule, the PDF's blob; a failed attempt has none) hold.
    archive.check().unwrap();
    for (table, rows) in [("report_schedules", 1), ("sent_reports", 2)] {
        let found = archive
            .table_rows
            .iter()
            .filter(|r| r.table.name == table)
            .count();
        assert_eq!(found, rows, "{table}");
    }
}
