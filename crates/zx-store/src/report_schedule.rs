//! The monthly report's schedule and the reports it sent (issue 16, item 3). One schedule per
//! database (HQ's); every change is audited with the old and new setting. Every attempt to send
//! is kept: a report that went out with its PDF exactly as attached (in `blobs`), a failed one
//! with its error. A schedule sends a period's report once: a second `sent` record for the same
//! schedule and period is refused (a unique index on both backends).

use crate::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveTime, Utc};
pub use zx_domain::report_schedule::ReportSchedule;
use zx_domain::{Lang, Month};

/// The schedule as stored, with who changed it last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSchedule {
    pub id: i64,
    pub schedule: ReportSchedule,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// Whether an attempt went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    Sent,
    Failed,
}

impl SendOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            SendOutcome::Sent => "sent",
            SendOutcome::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "sent" => Some(SendOutcome::Sent),
            "failed" => Some(SendOutcome::Failed),
            _ => None,
        }
    }
}

/// One attempt to send a scheduled report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentReport {
    pub id: i64,
    pub schedule: i64,
    pub period: Month,
    pub entity: EntityCode,
    pub lang: Lang,
    pub recipients: Vec<String>,
    /// The PDF as attached (`None` for a failed attempt: nothing went out).
    pub sha256: Option<String>,
    pub file_name: String,
    pub size: u64,
    pub outcome: SendOutcome,
    /// Why it failed (empty when sent).
    pub error: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// An attempt to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSentReport {
    pub schedule: i64,
    pub period: Month,
    pub entity: EntityCode,
    pub lang: Lang,
    pub recipients: Vec<String>,
    pub file_name: String,
    /// The PDF sent; `None` for a failed attempt.
    pub content: Option<Vec<u8>>,
    pub error: String,
}

impl NewSentReport {
    pub fn outcome(&self) -> SendOutcome {
        if self.content.is_some() {
            SendOutcome::Sent
        } else {
            SendOutcome::Failed
        }
    }
}

/// `HH:MM`, the stored and shown form of the time (China time).
pub fn time_text(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// The audited form of a schedule: every setting, so the audit's old and new value show what
/// changed.
pub fn describe_schedule(s: &ReportSchedule) -> String {
    format!(
        "day={}; time={}; entity={}; lang={}; enabled={}; recipients={}",
        s.day,
        time_text(s.time),
        s.entity,
        s.lang.pick("zh", "en"),
        if s.enabled { "yes" } else { "no" },
        s.recipients.join(", ")
    )
}

/// The `object` of the schedule's audit lines.
pub const SCHEDULE_OBJECT: &str = "report schedule";

/// The `object` of a sent report's audit line: `report 2026-11 of G`.
pub fn describe_sent_object(period: Month, entity: &EntityCode) -> String {
    format!("report {period} of {entity}")
}

/// What [`ReportScheduleStore::set_report_schedule`] refuses before any SQL: the schedule's
/// first problem, its field named.
pub fn check_schedule(s: &ReportSchedule) -> StoreResult<()> {
    match s.problems().first() {
        Some(problem) => Err(StoreError::Invalid(format!(
            "{}: {}",
            problem.field(),
            problem.text(Lang::En)
        ))),
        None => Ok(()),
    }
}

#[async_trait]
pub trait ReportScheduleStore: Send + Sync {
    /// The schedule, if HQ ever set one.
    async fn report_schedule(&self) -> StoreResult<Option<StoredSchedule>>;
    /// Sets the schedule (`report_schedule.set`, old and new value). The same settings as
    /// stored write nothing. What [`check_schedule`] refuses, or an unknown entity, is
    /// `Invalid`.
    async fn set_report_schedule(
        &self,
        schedule: &ReportSchedule,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<StoredSchedule>;
    /// Records an attempt (`report.sent` with the PDF's SHA-256, or `report.send_failed` with
    /// the error). A second `sent` for the same schedule and period is `Conflict`, writing
    /// nothing.
    async fn record_sent_report(
        &self,
        report: NewSentReport,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<SentReport>;
    /// Every attempt, newest first.
    async fn sent_reports(&self) -> StoreResult<Vec<SentReport>>;
    /// A sent report and its PDF (`None`: no such id, or a failed attempt).
    async fn sent_report_content(&self, id: i64) -> StoreResult<Option<(SentReport, Vec<u8>)>>;
}
