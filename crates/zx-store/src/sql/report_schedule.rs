//! The report schedule over SQL: one row in `report_schedules` (HQ's), every attempt in
//! `sent_reports`, the PDFs in `blobs`. Every write takes the writer lock and audits in the same
//! transaction. A period is kept as `YYYY-MM` text on both backends: it names the report, it is
//! only compared for equality, and the archive moves it as it is.

use async_trait::async_trait;
use chrono::{DateTime, NaiveTime, Utc};
use zx_domain::report_schedule::parse_recipients;
use zx_domain::{Lang, Month};

use super::measures::insert_returning;
use super::{Backend, Connection, Row, SqlStore, audit};
use crate::{
    EntityCode, NewSentReport, ReportSchedule, ReportScheduleStore, SCHEDULE_OBJECT, SendOutcome,
    SentReport, StoreError, StoreResult, StoredSchedule, check_schedule, content_sha256,
    describe_schedule, describe_sent_object, params, time_text,
};

const SCHEDULE_COLUMNS: &str =
    "id, day, at_time, recipients, entity, lang, enabled, updated_by, updated_at";

fn lang_of(text: &str) -> StoreResult<Lang> {
    match text {
        "zh" => Ok(Lang::Zh),
        "en" => Ok(Lang::En),
        other => Err(StoreError::Corrupt(format!("report language \"{other}\""))),
    }
}

fn schedule_from_row(row: &mut Row) -> StoreResult<StoredSchedule> {
    let id = row.get(0)?;
    let day: i64 = row.get(1)?;
    let time: String = row.get(2)?;
    let recipients: String = row.get(3)?;
    let entity: EntityCode = row.get(4)?;
    let lang: String = row.get(5)?;
    let enabled = row.get(6)?;
    Ok(StoredSchedule {
        id,
        schedule: ReportSchedule {
            day: u32::try_from(day).map_err(|_| StoreError::Corrupt(format!("day {day}")))?,
            time: NaiveTime::parse_from_str(&time, "%H:%M")
                .map_err(|_| StoreError::Corrupt(format!("report time \"{time}\"")))?,
            recipients: parse_recipients(&recipients),
            entity,
            lang: lang_of(&lang)?,
            enabled,
        },
        updated_by: row.get(7)?,
        updated_at: row.get(8)?,
    })
}

const SENT_COLUMNS: &str = "id, schedule, period, entity, lang, recipients, sha256, file_name, \
     size, outcome, error, sent_by, sent_at";

fn sent_from_row(row: &mut Row) -> StoreResult<SentReport> {
    let id = row.get(0)?;
    let schedule = row.get(1)?;
    let period: String = row.get(2)?;
    let entity = row.get(3)?;
    let lang: String = row.get(4)?;
    let recipients: String = row.get(5)?;
    let outcome: String = row.get(9)?;
    Ok(SentReport {
        id,
        schedule,
        period: Month::parse(&period)
            .map_err(|_| StoreError::Corrupt(format!("report period \"{period}\"")))?,
        entity,
        lang: lang_of(&lang)?,
        recipients: parse_recipients(&recipients),
        sha256: row.get(6)?,
        file_name: row.get(7)?,
        size: row.get(8)?,
        outcome: SendOutcome::parse(&outcome)
            .ok_or_else(|| StoreError::Corrupt(format!("report outcome \"{outcome}\"")))?,
        error: row.get(10)?,
        by: row.get(11)?,
        at: row.get(12)?,
    })
}

async fn current(conn: &mut dyn Connection) -> StoreResult<Option<StoredSchedule>> {
    let sql = format!("SELECT {SCHEDULE_COLUMNS} FROM report_schedules ORDER BY id LIMIT 1");
    match conn.fetch_optional(&sql, params![]).await? {
        Some(mut row) => Ok(Some(schedule_from_row(&mut row)?)),
        None => Ok(None),
    }
}

#[async_trait]
impl<B: Backend> ReportScheduleStore for SqlStore<B> {
    async fn report_schedule(&self) -> StoreResult<Option<StoredSchedule>> {
        current(&mut *self.backend.read().await?).await
    }

    async fn set_report_schedule(
        &self,
        schedule: &ReportSchedule,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<StoredSchedule> {
        check_schedule(schedule)?;
        let mut tx = self.backend.write().await?;
        if tx
            .fetch_optional(
                "SELECT code FROM entities WHERE code = ?",
                params![&schedule.entity],
            )
            .await?
            .is_none()
        {
            return Err(StoreError::Invalid(format!(
                "entity: unknown entity {}",
                schedule.entity
            )));
        }
        let before = current(&mut *tx).await?;
        let new_text = describe_schedule(schedule);
        let old_text = before.as_ref().map(|b| describe_schedule(&b.schedule));
        if old_text.as_deref() == Some(new_text.as_str())
            && let Some(stored) = before
        {
            return Ok(stored);
        }
        let values = params![
            i64::from(schedule.day),
            time_text(schedule.time),
            schedule.recipients.join("\n"),
            &schedule.entity,
            schedule.lang.pick("zh", "en"),
            schedule.enabled,
            user,
            at
        ];
        let id = match &before {
            Some(stored) => {
                let mut values = values;
                values.push(stored.id.into());
                tx.execute(
                    "UPDATE report_schedules SET day = ?, at_time = ?, recipients = ?, \
                     entity = ?, lang = ?, enabled = ?, updated_by = ?, updated_at = ? \
                     WHERE id = ?",
                    values,
                )
                .await?;
                stored.id
            }
            None => insert_returning(
                &mut *tx,
                "INSERT INTO report_schedules (day, at_time, recipients, entity, lang, enabled, \
                 updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                values,
            )
            .await?
            .get(0)?,
        };
        audit(
            &mut *tx,
            at,
            user,
            "report_schedule.set",
            SCHEDULE_OBJECT,
            old_text,
            Some(new_text),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(StoredSchedule {
            id,
            schedule: ReportSchedule {
                time: NaiveTime::parse_from_str(&time_text(schedule.time), "%H:%M")
                    .unwrap_or(schedule.time),
                ..schedule.clone()
            },
            updated_by: user.to_owned(),
            updated_at: at,
        })
    }

    async fn record_sent_report(
        &self,
        report: NewSentReport,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<SentReport> {
        let outcome = report.outcome();
        let period = report.period.to_string();
        let mut tx = self.backend.write().await?;
        if outcome == SendOutcome::Sent
            && tx
                .fetch_optional(
                    "SELECT id FROM sent_reports WHERE schedule = ? AND period = ? \
                     AND outcome = 'sent'",
                    params![report.schedule, &period],
                )
                .await?
                .is_some()
        {
            return Err(StoreError::Conflict(format!(
                "the report of {period} was already sent for schedule {}",
                report.schedule
            )));
        }
        let (sha256, size) = match &report.content {
            Some(content) => {
                let sha256 = content_sha256(content);
                tx.execute(
                    "INSERT INTO blobs (sha256, content) VALUES (?, ?) \
                     ON CONFLICT (sha256) DO NOTHING",
                    params![&sha256, content.as_slice()],
                )
                .await?;
                (Some(sha256), content.len() as u64)
            }
            None => (None, 0),
        };
        let recipients = report.recipients.join("\n");
        let mut row = insert_returning(
            &mut *tx,
            "INSERT INTO sent_reports (schedule, period, entity, lang, recipients, sha256, \
             file_name, size, outcome, error, sent_by, sent_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            params![
                report.schedule,
                &period,
                &report.entity,
                report.lang.pick("zh", "en"),
                &recipients,
                sha256.clone(),
                &report.file_name,
                i64::try_from(size).unwrap_or(i64::MAX),
                outcome.as_str(),
                &report.error,
                user,
                at
            ],
        )
        .await?;
        let id: i64 = row.get(0)?;
        let (action, detail) = match outcome {
            SendOutcome::Sent => (
                "report.sent",
                format!(
                    "to={}; file={}; sha256={}; size={size}",
                    report.recipients.join(", "),
                    report.file_name,
                    sha256.as_deref().unwrap_or_default()
                ),
            ),
            SendOutcome::Failed => (
                "report.send_failed",
                format!(
                    "to={}; error={}",
                    report.recipients.join(", "),
                    report.error
                ),
            ),
        };
        audit(
            &mut *tx,
            at,
            user,
            action,
            &describe_sent_object(report.period, &report.entity),
            None,
            Some(detail),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(SentReport {
            id,
            schedule: report.schedule,
            period: report.period,
            entity: report.entity,
            lang: report.lang,
            recipients: report.recipients,
            sha256,
            file_name: report.file_name,
            size,
            outcome,
            error: report.error,
            by: user.to_owned(),
            at,
        })
    }

    async fn sent_reports(&self) -> StoreResult<Vec<SentReport>> {
        self.read_all(
            &format!("SELECT {SENT_COLUMNS} FROM sent_reports ORDER BY sent_at DESC, id DESC"),
            params![],
            sent_from_row,
        )
        .await
    }

    async fn sent_report_content(&self, id: i64) -> StoreResult<Option<(SentReport, Vec<u8>)>> {
        let mut conn = self.backend.read().await?;
        let sql = format!("SELECT {SENT_COLUMNS} FROM sent_reports WHERE id = ?");
        let Some(mut row) = conn.fetch_optional(&sql, params![id]).await? else {
            return Ok(None);
        };
        let report = sent_from_row(&mut row)?;
        let Some(sha256) = report.sha256.clone() else {
            return Ok(None);
        };
        let content: Vec<u8> = conn
            .fetch_optional(
                "SELECT content FROM blobs WHERE sha256 = ?",
                params![&sha256],
            )
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("no content {sha256}")))?
            .get(0)?;
        Ok(Some((report, content)))
    }
}
