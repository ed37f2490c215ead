//! `zx remind`: in-app notifications about measures due soon, overdue, or overdue past the grace
//! period (escalated to the enabled managers of the superior entity), and about the planned
//! drills of the yearly drill plans (`drill_lead_days` before each date, and once it passed). Each (measure, user,
//! reason) is sent once: re-runs send only what is new. The service itself is
//! `zx_notify::run_reminders`, shared with the server's daily job; with e-mail or a webhook in
//! the settings, what is newly recorded is delivered there too (a summary on stderr, stdout
//! unchanged so scripts reading the JSON are not disturbed). With SMTP, HQ's monthly report is
//! sent when its schedule says so, as the server's ten-minute check does.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Result, anyhow};
use chrono::{DateTime, Utc};
use serde_json::json;
use zx_api::NotificationJson;
use zx_server::Settings;

use crate::app::App;
use crate::cli::TextFormat;

fn parse_now(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| anyhow!("--now: \"{text}\" is not an RFC 3339 time ({e})"))
}

pub async fn remind(
    app: &App,
    now: Option<&str>,
    dry_run: bool,
    (grace_days, drill_lead_days): (Option<u32>, Option<u32>),
    format: TextFormat,
    config: &Path,
) -> Result<()> {
    let now = match now {
        Some(text) => parse_now(text)?,
        None => app.clock.now(),
    };
    // The same layering as `zx serve`: the channels and the grace period the server's daily job
    // uses, so a manual run behaves like the scheduled one.
    let settings = Settings::load(config)?;
    let grace_days = grace_days.unwrap_or(settings.reminders.grace_days);
    let store = app.store.as_ref();
    let sent = zx_notify::run_reminders(store, now, grace_days, dry_run).await?;
    // Natural-hazard warnings not acknowledged in time go up the same channels.
    let escalated = zx_notify::run_warning_escalations(store, now, dry_run).await?;
    // The yearly drill plans: reminders before each planned date, judged on the drills recorded.
    let drills = store.safety_records().await?.drills;
    let lead_days = drill_lead_days.unwrap_or(settings.reminders.drill_lead_days);
    let drill_sent =
        zx_notify::run_drill_reminders(store, &drills, now, lead_days, dry_run).await?;
    // The manager term register: terms ending soon, ratings past their deadline.
    let manager_sent = zx_notify::run_manager_reminders(
        store,
        now,
        zx_domain::managers::DEFAULT_TERM_LEAD_DAYS,
        dry_run,
    )
    .await?;
    // Special operators without a certificate in force: their major hazard, raised once.
    let raised = if dry_run {
        Vec::new()
    } else {
        zx_app::auto_hazards::raise_auto_hazards(store, now).await?
    };
    match format {
        TextFormat::Json => {
            let items: Vec<NotificationJson> = sent.iter().map(NotificationJson::from).collect();
            let drill_items: Vec<serde_json::Value> = drill_sent
                .iter()
                .map(|r| json!({"planned_drill": r.planned, "to": r.user, "reason": r.reason.as_str()}))
                .collect();
            let manager_items: Vec<serde_json::Value> = manager_sent
                .iter()
                .map(|r| json!({"term": r.term, "year": r.year, "to": r.user, "reason": r.reason.as_str()}))
                .collect();
            let escalations: Vec<_> = escalated
                .iter()
                .map(|e| json!({"alert": e.alert, "to": e.user}))
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &json!({ "notifications": items, "warning_escalations": escalations,
                             "drill_reminders": drill_items, "manager_reminders": manager_items,
                             "auto_hazards": raised })
                )?
            );
        }
        TextFormat::Text => {
            for n in &sent {
                println!("measure {}\t{}\t{}", n.measure, n.user, n.reason);
            }
            for e in &escalated {
                println!("warning alert {}\t{}\tescalated", e.alert, e.user);
            }
            for r in &drill_sent {
                println!(
                    "planned drill {}\t{}\t{}",
                    r.planned,
                    r.user,
                    r.reason.as_str()
                );
            }
            for r in &manager_sent {
                println!(
                    "manager term {}\t{}\t{} {}",
                    r.term,
                    r.user,
                    r.reason.as_str(),
                    r.year
                );
            }
            let what = if dry_run {
                app.lang.pick(
                    "条通知待发送（演练，未记录）",
                    "notifications would be sent (dry run, nothing recorded)",
                )
            } else {
                app.lang.pick("条通知已发送", "notifications sent")
            };
            let count = sent.len() + drill_sent.len() + manager_sent.len() + escalated.len();
            println!("{count} {what}");
        }
    }
    if !dry_run && settings.notify.any() {
        // The notifications are recorded: a delivery failure is reported, not an error exit
        // (a re-run would find nothing new to deliver).
        let report = zx_notify::deliver_recorded(store, &settings.notify, &sent).await?;
        let mut reports = vec![report];
        // Drill reminders report their own delivery only when there were some, as escalations do.
        if !drill_sent.is_empty() {
            reports.push(
                zx_notify::deliver_drill_reminders(store, &settings.notify, &drill_sent).await?,
            );
        }
        if !manager_sent.is_empty() {
            reports.push(
                zx_notify::deliver_manager_reminders(store, &settings.notify, &manager_sent)
                    .await?,
            );
        }
        for report in reports {
            eprintln!("{} {report}", app.lang.pick("投递：", "delivery:"));
            for line in report.email.errors.iter().chain(&report.webhook.errors) {
                eprintln!("  {line}");
            }
        }
        if !escalated.is_empty() {
            let report =
                zx_notify::deliver_escalations(store, &settings.notify, &escalated).await?;
            eprintln!(
                "{} {report}",
                app.lang.pick("预警督办投递：", "warning escalations:")
            );
        }
        // Hazards graded major in the last 24 hours whose notice has not gone out yet.
        let report = zx_notify::deliver_major_hazards(store, &settings.notify, now).await?;
        if report.email.sent + report.email.failed + report.webhook.sent + report.webhook.failed > 0
        {
            eprintln!(
                "{} {report}",
                app.lang.pick("重大隐患通知投递：", "major hazard notices:")
            );
        }
        // HQ's monthly report, when its schedule says last month's is due and it has not gone
        // out yet (a line only then, as for the major hazards).
        if settings.notify.smtp.is_some()
            && zx_server::report_schedule::due(store, now)
                .await
                .map_err(|e| anyhow!("{}", e.message))?
                .is_some()
        {
            let clock: Arc<dyn zx_app::Clock> = Arc::new(zx_app::FixedClock(now));
            let state = super::report::report_state(app, settings.clone(), clock).await?;
            let kept = zx_server::report_schedule::send_due(&state, &settings.notify, now)
                .await
                .map_err(|e| anyhow!("{}", e.message))?;
            if let Some(kept) = kept {
                let what = match kept.outcome {
                    zx_store::SendOutcome::Sent => {
                        format!("{} sent to {}", kept.file_name, kept.recipients.join(", "))
                    }
                    zx_store::SendOutcome::Failed => format!("not sent: {}", kept.error),
                };
                eprintln!("{} {what}", app.lang.pick("月度报告：", "monthly report:"));
            }
        }
    }
    Ok(())
}
