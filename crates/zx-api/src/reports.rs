//! The monthly report's schedule and the reports it sent (issue 16, item 3):
//! `GET/PUT /api/v1/reports/schedule`, `GET /api/v1/reports/sent`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zx_store::{SentReport, StoredSchedule, time_text};

/// The schedule in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleJson {
    /// Day of the month, 1–31 (a shorter month sends on its last day).
    pub day: u32,
    /// `HH:MM`, China time (UTC+8).
    pub time: String,
    pub recipients: Vec<String>,
    /// The entity whose report is sent (code).
    pub entity: String,
    /// `zh` or `en`.
    pub lang: String,
    pub enabled: bool,
    pub updated_by: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

impl From<&StoredSchedule> for ScheduleJson {
    fn from(s: &StoredSchedule) -> Self {
        let x = &s.schedule;
        Self {
            day: x.day,
            time: time_text(x.time),
            recipients: x.recipients.clone(),
            entity: x.entity.to_string(),
            lang: x.lang.pick("zh", "en").to_owned(),
            enabled: x.enabled,
            updated_by: s.updated_by.clone(),
            updated_at: s.updated_at.to_rfc3339(),
        }
    }
}

/// A schedule to set (HQ).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ScheduleInput {
    pub day: u32,
    /// `HH:MM`, China time.
    pub time: String,
    pub recipients: Vec<String>,
    /// Default: the group (the tree's root).
    #[serde(default)]
    pub entity: Option<String>,
    /// `zh` (default) or `en`.
    #[serde(default)]
    pub lang: Option<String>,
    pub enabled: bool,
}

/// One attempt to send a scheduled report.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentReportJson {
    pub id: i64,
    /// The report's month, `YYYY-MM` (year to date).
    pub period: String,
    pub entity: String,
    pub lang: String,
    pub recipients: Vec<String>,
    /// `sent` or `failed` (a failed one is tried again at the next check).
    pub outcome: String,
    /// Why it failed; empty when sent.
    pub error: String,
    pub file_name: String,
    /// Bytes of the PDF as attached (0 when failed).
    pub size: u64,
    /// SHA-256 of the PDF as attached.
    pub sha256: Option<String>,
    /// Where the PDF is kept (sent ones only).
    pub download: Option<String>,
    pub by: String,
    /// RFC 3339, UTC.
    pub at: String,
}

impl From<&SentReport> for SentReportJson {
    fn from(r: &SentReport) -> Self {
        Self {
            id: r.id,
            period: r.period.to_string(),
            entity: r.entity.to_string(),
            lang: r.lang.pick("zh", "en").to_owned(),
            recipients: r.recipients.clone(),
            outcome: r.outcome.as_str().to_owned(),
            error: r.error.clone(),
            file_name: r.file_name.clone(),
            size: r.size,
            sha256: r.sha256.clone(),
            download: r
                .sha256
                .as_ref()
                .map(|_| format!("/api/v1/reports/sent/{}", r.id)),
            by: r.by.clone(),
            at: r.at.to_rfc3339(),
        }
    }
}
