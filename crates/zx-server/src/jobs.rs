//! Background jobs of the server: the daily reminder run, and the monthly report on HQ's
//! schedule checked every ten minutes ([`spawn_report_schedule`]).
//!
//! Once a day at `reminders.daily_at` China time the server does what `zx remind` does (records
//! the in-app notifications that are due, each once) and then delivers the newly recorded ones
//! through `notify` (e-mail, chat webhook). Doing it in the server means a deployment needs no
//! cron entry and the channel settings live in one place. Recording is idempotent, so a
//! restart, a second server or a manual `zx remind` the same day never sends anything twice.

use std::sync::Arc;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use zx_app::Clock;
use zx_domain::calendar::{china_offset, china_today};
use zx_notify::{Channels, DeliveryReport};
use zx_store::Store;

use crate::config::{Reminders, Settings};

/// The first instant after `now` at which it is `daily_at` in China (UTC+8). Strictly after, so
/// a run that ends within the same second does not start again.
pub fn next_run(now: DateTime<Utc>, daily_at: NaiveTime) -> DateTime<Utc> {
    let china = china_offset();
    let mut at = (china_today(now).and_time(daily_at)
        - TimeDelta::seconds(i64::from(china.local_minus_utc())))
    .and_utc();
    if at <= now {
        at += TimeDelta::days(1);
    }
    at
}

/// Starts the reminder job unless `reminders.enabled` is off (then `None`). It stops, between
/// runs or in the middle of one, when `stop` turns `true` or its sender is dropped: graceful
/// shutdown does not wait for the next morning. "Now" is `clock`'s.
pub fn spawn_reminders(
    store: Arc<dyn Store>,
    settings: &Settings,
    clock: Arc<dyn Clock>,
    stop: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    let reminders = settings.reminders.clone();
    if !reminders.enabled {
        tracing::info!("daily reminder job disabled (reminders.enabled = false)");
        return None;
    }
    let daily_at = match reminders.daily_time() {
        Ok(time) => time,
        Err(e) => {
            // `Settings::load` refuses this; only settings built in code get here.
            tracing::error!(error = %e, "daily reminder job not started");
            return None;
        }
    };
    let channels = settings.notify.clone();
    Some(tokio::spawn(reminder_loop(
        store, reminders, daily_at, channels, clock, stop,
    )))
}

async fn reminder_loop(
    store: Arc<dyn Store>,
    reminders: Reminders,
    daily_at: NaiveTime,
    channels: Channels,
    clock: Arc<dyn Clock>,
    mut stop: watch::Receiver<bool>,
) {
    tracing::info!(
        daily_at = %daily_at,
        grace_days = reminders.grace_days,
        email = channels.smtp.is_some(),
        webhook = channels.webhook.is_some(),
        "daily reminder job started (China time)"
    );
    if reminders.run_on_start
        && !run_unless_stopped(&*store, &reminders, &channels, &*clock, &mut stop).await
    {
        return;
    }
    let mut at = next_run(clock.now(), daily_at);
    loop {
        if *stop.borrow() {
            return;
        }
        // Warnings are acknowledged within hours, not days: between the daily runs the job
        // wakes every `ESCALATION_CHECK` to escalate the alerts whose time is up.
        let now = clock.now();
        tracing::debug!(next = %at, "next reminder run");
        let wait = (at - now)
            .to_std()
            .unwrap_or_default()
            .min(ESCALATION_CHECK);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        let now = clock.now();
        if now >= at {
            if !run_unless_stopped(&*store, &reminders, &channels, &*clock, &mut stop).await {
                return;
            }
            at = next_run(clock.now(), daily_at);
        } else {
            tokio::select! {
                () = ten_minute_checks(&*store, &channels, now) => {}
                _ = stop.changed() => return,
            }
        }
    }
}

/// What runs every ten minutes: warnings not acknowledged in time escalated, and hazards
/// graded major sent to HQ by e-mail and chat the day they are graded.
pub async fn ten_minute_checks(store: &dyn Store, channels: &Channels, now: DateTime<Utc>) {
    escalate_warnings(store, channels, now).await;
    deliver_major_hazards(store, channels, now).await;
}

/// Sends HQ's major-hazard notices not sent yet (the in-app notice is already there); logs,
/// fails nothing (an undelivered notice is tried again on the next check, for 24 hours).
pub async fn deliver_major_hazards(store: &dyn Store, channels: &Channels, now: DateTime<Utc>) {
    match zx_notify::deliver_major_hazards(store, channels, now).await {
        Ok(report) => {
            if report.email.sent + report.email.failed + report.webhook.sent + report.webhook.failed
                > 0
            {
                log_report(&report);
            }
        }
        Err(e) => tracing::error!(error = %e, "major hazard notices not delivered"),
    }
}

/// Starts the scheduled report's check: at start, then every [`ESCALATION_CHECK`], the report
/// the schedule says is due is sent and kept (`crate::report_schedule::send_due`; a failure is
/// kept and tried again at the next check). Its own loop, beside the reminders', because it
/// builds the report from the state's cockpit (and runs whether reminders are enabled or not).
/// Stops when `stop` turns `true` or its sender is dropped.
pub fn spawn_report_schedule(
    state: crate::state::AppState,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if *stop.borrow() {
                return;
            }
            tokio::select! {
                () = send_scheduled_report(&state, state.now()) => {}
                _ = stop.changed() => return,
            }
            tokio::select! {
                () = tokio::time::sleep(ESCALATION_CHECK) => {}
                _ = stop.changed() => return,
            }
        }
    })
}

/// One check of the report schedule at `now`; logs, fails nothing.
pub async fn send_scheduled_report(state: &crate::state::AppState, now: DateTime<Utc>) {
    match crate::report_schedule::send_due(state, &state.settings.notify, now).await {
        Ok(Some(kept)) if kept.outcome == zx_store::SendOutcome::Sent => tracing::info!(
            period = %kept.period,
            entity = %kept.entity,
            to = kept.recipients.len(),
            "scheduled report sent and kept"
        ),
        Ok(Some(kept)) => tracing::warn!(
            period = %kept.period,
            error = %kept.error,
            "scheduled report not sent; tried again at the next check"
        ),
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e.message, "scheduled report check failed"),
    }
}

/// How often the job looks for warnings not acknowledged in time.
pub const ESCALATION_CHECK: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Records the escalations of warnings not acknowledged in time and delivers the new ones;
/// logs, fails nothing (the next check tries again; each escalation is recorded once).
pub async fn escalate_warnings(store: &dyn Store, channels: &Channels, now: DateTime<Utc>) {
    let sent = match zx_notify::run_warning_escalations(store, now, false).await {
        Ok(sent) => sent,
        Err(e) => {
            tracing::error!(error = %e, "warning escalation failed");
            return;
        }
    };
    if sent.is_empty() {
        return;
    }
    tracing::info!(recorded = sent.len(), "warning escalations recorded");
    match zx_notify::deliver_escalations(store, channels, &sent).await {
        Ok(report) => log_report(&report),
        Err(e) => tracing::error!(error = %e, "escalations recorded but not delivered"),
    }
}

/// One run, abandoned if the server stops meanwhile; `false` when it was stopped. What was
/// recorded stays recorded; an interrupted delivery is logged, not retried (the in-app
/// notification is there).
async fn run_unless_stopped(
    store: &dyn Store,
    reminders: &Reminders,
    channels: &Channels,
    clock: &dyn Clock,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    tokio::select! {
        () = run_once(store, reminders, channels, clock.now()) => true,
        _ = stop.changed() => {
            tracing::warn!("shutdown interrupted the reminder run");
            false
        }
    }
}

/// Records the reminders due at `now` and delivers the new ones; logs everything, fails nothing
/// (tomorrow's run tries again: a reminder is recorded only once, so an outage never duplicates).
pub async fn run_once(
    store: &dyn Store,
    reminders: &Reminders,
    channels: &Channels,
    now: DateTime<Utc>,
) {
    run_drill_reminders(store, reminders.drill_lead_days, channels, now).await;
    run_manager_reminders(store, channels, now).await;
    match zx_app::auto_hazards::raise_auto_hazards(store, now).await {
        Ok(ids) => tracing::info!(raised = ids.len(), "automatic major hazards raised"),
        Err(e) => tracing::error!(error = %e, "automatic major hazards not raised"),
    }
    let sent = match zx_notify::run_reminders(store, now, reminders.grace_days, false).await {
        Ok(sent) => sent,
        Err(e) => {
            tracing::error!(error = %e, "reminder run failed");
            return;
        }
    };
    tracing::info!(recorded = sent.len(), "reminders recorded");
    ten_minute_checks(store, channels, now).await;
    if sent.is_empty() || !channels.any() {
        return;
    }
    match zx_notify::deliver_recorded(store, channels, &sent).await {
        Ok(report) => log_report(&report),
        Err(e) => tracing::error!(error = %e, "reminders recorded but not delivered"),
    }
}

/// The yearly drill plans' reminders, recorded and delivered as `zx remind` does; logs, fails
/// nothing.
async fn run_drill_reminders(
    store: &dyn Store,
    lead_days: u32,
    channels: &Channels,
    now: DateTime<Utc>,
) {
    let drills = match store.safety_records().await {
        Ok(records) => records.drills,
        Err(e) => {
            tracing::error!(error = %e, "drill reminder run failed");
            return;
        }
    };
    let sent = match zx_notify::run_drill_reminders(store, &drills, now, lead_days, false).await {
        Ok(sent) => sent,
        Err(e) => {
            tracing::error!(error = %e, "drill reminder run failed");
            return;
        }
    };
    tracing::info!(recorded = sent.len(), "drill reminders recorded");
    if sent.is_empty() || !channels.any() {
        return;
    }
    match zx_notify::deliver_drill_reminders(store, channels, &sent).await {
        Ok(report) => log_report(&report),
        Err(e) => tracing::error!(error = %e, "drill reminders recorded but not delivered"),
    }
}

/// The manager register's reminders (terms ending, ratings due), recorded and delivered as
/// `zx remind` does; logs, fails nothing.
async fn run_manager_reminders(store: &dyn Store, channels: &Channels, now: DateTime<Utc>) {
    let lead = zx_domain::managers::DEFAULT_TERM_LEAD_DAYS;
    let sent = match zx_notify::run_manager_reminders(store, now, lead, false).await {
        Ok(sent) => sent,
        Err(e) => {
            tracing::error!(error = %e, "manager reminder run failed");
            return;
        }
    };
    tracing::info!(recorded = sent.len(), "manager reminders recorded");
    if sent.is_empty() || !channels.any() {
        return;
    }
    match zx_notify::deliver_manager_reminders(store, channels, &sent).await {
        Ok(report) => log_report(&report),
        Err(e) => tracing::error!(error = %e, "manager reminders recorded but not delivered"),
    }
}

fn log_report(report: &DeliveryReport) {
    for (channel, r) in [("email", &report.email), ("webhook", &report.webhook)] {
        if !r.configured {
            continue;
        }
        tracing::info!(
            channel,
            sent = r.sent,
            failed = r.failed,
            without_address = r.skipped,
            "reminders delivered"
        );
        for error in &r.errors {
            tracing::warn!(channel, error = %error, "reminder delivery failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn at(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn the_next_run_is_the_next_china_morning() {
        // 08:30 China = 00:30 UTC.
        assert_eq!(
            next_run(utc("2026-11-27T00:00:00Z"), at(8, 30)),
            utc("2026-11-27T00:30:00Z")
        );
        // Just past it: tomorrow.
        assert_eq!(
            next_run(utc("2026-11-27T00:30:00Z"), at(8, 30)),
            utc("2026-11-28T00:30:00Z")
        );
        assert_eq!(
            next_run(utc("2026-11-27T12:00:00Z"), at(8, 30)),
            utc("2026-11-28T00:30:00Z")
        );
    }

    #[test]
    fn china_and_utc_dates_differ_between_16_and_24_utc() {
        // 2026-11-27T17:00Z is already 2026-11-28 01:00 in China: the run is that same China
        // morning (2026-11-28 08:30 +08), not the one after.
        assert_eq!(
            next_run(utc("2026-11-27T17:00:00Z"), at(8, 30)),
            utc("2026-11-28T00:30:00Z")
        );
        // A late hour in China is the previous UTC day: 23:00 +08 = 15:00Z.
        assert_eq!(
            next_run(utc("2026-11-27T14:59:59Z"), at(23, 0)),
            utc("2026-11-27T15:00:00Z")
        );
        assert_eq!(
            next_run(utc("2026-11-27T15:00:00Z"), at(23, 0)),
            utc("2026-11-28T15:00:00Z")
        );
        // 00:00 China = 16:00Z the day before.
        assert_eq!(
            next_run(utc("2026-11-27T16:00:01Z"), at(0, 0)),
            utc("2026-11-28T16:00:00Z")
        );
        // Across a month and a year end.
        assert_eq!(
            next_run(utc("2026-12-31T20:00:00+00:00"), at(8, 30)),
            utc("2027-01-01T00:30:00Z")
        );
    }

    #[test]
    fn the_next_run_is_always_within_a_day() {
        let mut now = utc("2026-03-01T00:00:00Z");
        for _ in 0..(24 * 4) {
            for time in [at(0, 0), at(8, 30), at(15, 59), at(16, 0), at(23, 59)] {
                let next = next_run(now, time);
                assert!(
                    next > now && next - now <= TimeDelta::days(1),
                    "{now} {time}"
                );
                let china = next + TimeDelta::hours(8);
                assert_eq!(china.time(), time, "{now} {time}");
            }
            now += TimeDelta::minutes(15);
        }
    }
}
