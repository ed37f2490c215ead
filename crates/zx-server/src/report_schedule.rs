//! The monthly report on HQ's schedule (issue 16, item 3): when the schedule's moment has
//! passed in a month (`zx_domain::report_schedule`), the report of the month before is built as
//! an HQ analyst would download it ([`crate::report::build`], the cockpit's content), typeset,
//! e-mailed with the PDF attached through the SMTP channel, and kept (`sent_reports`: the PDF as
//! attached, who, when, to whom, the outcome; audited). A failed attempt is kept with its error
//! and tried again on the next check; a period that went out is never sent again. The server's
//! ten-minute job and `zx remind` call [`send_due`].

use chrono::{DateTime, Utc};
use zx_domain::{Access, Lang, Role};
use zx_notify::{Channels, ReportMail};
use zx_store::{NewSentReport, SendOutcome, SentReport, User};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// Who the scheduled report is sent by, in the audit log and the list.
pub const SYSTEM_USER: &str = "system";

/// An HQ analyst named `name` reading in `lang`: who `zx report` and the schedule read the group
/// as (the whole tree, nothing written).
pub fn hq_reader(name: &str, lang: Lang) -> CurrentUser {
    CurrentUser {
        user: User {
            name: name.to_owned(),
            role: Role::HqAnalyst,
            entity: None,
            disabled: false,
            email: None,
        },
        access: Access {
            role: Role::HqAnalyst,
            scope: None,
        },
        csrf: None,
        lang,
    }
}

/// The PDF of `entity`'s report for the year to date of `period` in `lang`, with its file
/// name, as the cockpit's "download PDF" gives it to HQ.
pub async fn report_pdf(
    state: &AppState,
    entity: &str,
    period: zx_domain::Month,
    lang: Lang,
) -> ApiResult<(String, String, Vec<u8>)> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let id = tree.id_of(entity).ok_or_else(|| {
        ApiError::new(
            ErrorCode::EntityNotFound,
            format!("unknown entity {entity}"),
        )
    })?;
    let name = tree.entity(id).name.clone();
    let period_text = period.to_string();
    let chosen =
        crate::scope::choose_period(state, &snapshot, id, Some(&period_text), Some("ytd")).await?;
    let user = hq_reader(SYSTEM_USER, lang);
    let report = crate::report::build(state, &user, &snapshot, id, &chosen).await?;
    let bytes = tokio::task::spawn_blocking(move || crate::report::pdf(&report))
        .await
        .map_err(ApiError::internal)??;
    Ok((name, format!("report-{entity}-{period_text}.pdf"), bytes))
}

/// The schedule and the month whose report it says is due at `now` (not sent yet), if any:
/// cheap, so a caller may ask before it builds what sending needs.
pub async fn due(
    store: &dyn zx_store::Store,
    now: DateTime<Utc>,
) -> ApiResult<Option<(zx_store::StoredSchedule, zx_domain::Month)>> {
    let Some(stored) = store.report_schedule().await? else {
        return Ok(None);
    };
    let sent: Vec<zx_domain::Month> = store
        .sent_reports()
        .await?
        .into_iter()
        .filter(|r| r.schedule == stored.id && r.outcome == SendOutcome::Sent)
        .map(|r| r.period)
        .collect();
    let period = stored.schedule.due(now, &sent);
    Ok(period.map(|p| (stored, p)))
}

/// Sends the report the schedule says is due at `now`, if any, and keeps the attempt. `None`:
/// no schedule, nothing due, or no SMTP channel (then nothing is recorded: configuring one
/// later sends the month's report on the next check).
pub async fn send_due(
    state: &AppState,
    channels: &Channels,
    now: DateTime<Utc>,
) -> ApiResult<Option<SentReport>> {
    let Some((stored, period)) = due(state.store.as_ref(), now).await? else {
        return Ok(None);
    };
    let schedule = &stored.schedule;
    if channels.smtp.is_none() {
        tracing::debug!(%period, "scheduled report due but no SMTP channel configured");
        return Ok(None);
    }
    let entity = schedule.entity.as_str();
    let mut attempt = NewSentReport {
        schedule: stored.id,
        period,
        entity: schedule.entity.clone(),
        lang: schedule.lang,
        recipients: schedule.recipients.clone(),
        file_name: format!("report-{entity}-{period}.pdf"),
        content: None,
        error: String::new(),
    };
    match report_pdf(state, entity, period, schedule.lang).await {
        Err(error) => attempt.error = format!("report not built: {}", error.message),
        Ok((name, file_name, pdf)) => {
            let mail = ReportMail {
                to: schedule.recipients.clone(),
                entity_name: name,
                period: period.to_string(),
                file_name: file_name.clone(),
                pdf,
            };
            attempt.file_name = file_name;
            match zx_notify::send_report_mail(channels, &mail).await {
                Ok(()) => attempt.content = Some(mail.pdf),
                Err(error) => attempt.error = error,
            }
        }
    }
    let kept = state
        .store
        .record_sent_report(attempt, SYSTEM_USER, now)
        .await?;
    Ok(Some(kept))
}
