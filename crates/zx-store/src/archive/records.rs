//! One record type per table of the archive, and how each is made from what the store reads.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use zx_domain::cems::FactorMap;
use zx_domain::measures::ReminderReason;
use zx_domain::{Basis, Decimal, EntityCode, EntityKind, MeasureStatus, Month, Role};

use super::values::{base64_bytes, optional_text, text};
use crate::{
    AlarmState, Attachment, Measure, MeasureUpdate, Milestone, Notification, PeriodState, User,
    Visit,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedSubmission {
    pub id: i64,
    /// `entities`, `data` or `targets`.
    pub kind: String,
    pub file_name: String,
    pub sha256: String,
    pub user: String,
    #[serde(with = "text")]
    pub at: DateTime<Utc>,
    pub rows: u64,
    pub inserted: u64,
    pub revised: u64,
    pub unchanged: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedEntity {
    #[serde(with = "text")]
    pub code: EntityCode,
    pub name: String,
    #[serde(with = "optional_text")]
    pub parent: Option<EntityCode>,
    #[serde(with = "text")]
    pub kind: EntityKind,
    pub region: String,
    pub segment: String,
    /// The submission that last changed the entity.
    pub submission_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedFactRevision {
    pub id: i64,
    #[serde(with = "text")]
    pub entity: EntityCode,
    #[serde(with = "text")]
    pub month: Month,
    pub item: String,
    pub revision: i64,
    #[serde(with = "text")]
    pub value: Decimal,
    #[serde(with = "text")]
    pub basis: Basis,
    pub submission_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedTargetRevision {
    pub id: i64,
    #[serde(with = "text")]
    pub entity: EntityCode,
    pub year: i32,
    pub indicator: String,
    pub revision: i64,
    #[serde(with = "text")]
    pub value: Decimal,
    /// `None`: set directly (the web form), not from a file.
    pub submission_id: Option<i64>,
    pub user: String,
    #[serde(with = "text")]
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedUser {
    pub name: String,
    #[serde(with = "text")]
    pub role: Role,
    #[serde(with = "optional_text")]
    pub entity: Option<EntityCode>,
    /// Argon2 PHC string, as stored: the password itself was never stored.
    pub password_hash: String,
    pub disabled: bool,
    #[serde(with = "text")]
    pub created_at: DateTime<Utc>,
    /// (Absent before format version 4, and when the user has none.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedToken {
    /// SHA-256 of the token, as stored: the token itself was never stored.
    pub token_hash: String,
    pub user: String,
    #[serde(with = "text")]
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedPeriodStatus {
    #[serde(with = "text")]
    pub entity: EntityCode,
    #[serde(with = "text")]
    pub month: Month,
    #[serde(with = "text")]
    pub state: PeriodState,
    pub comment: Option<String>,
    pub user: String,
    #[serde(with = "text")]
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedAuditEntry {
    pub id: i64,
    #[serde(with = "text")]
    pub at: DateTime<Utc>,
    pub user: String,
    pub action: String,
    pub object: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub submission_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedMeasure {
    pub id: i64,
    #[serde(with = "text")]
    pub entity: EntityCode,
    pub title: String,
    pub indicator: Option<String>,
    pub owner: String,
    #[serde(with = "optional_text")]
    pub start: Option<NaiveDate>,
    #[serde(with = "text")]
    pub due: NaiveDate,
    #[serde(with = "text")]
    pub status: MeasureStatus,
    pub progress: u8,
    #[serde(with = "text")]
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// (This and the rest: absent before format version 4.)
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub expected_effect: String,
    #[serde(default)]
    pub visit: Option<i64>,
    #[serde(default = "first_revision")]
    pub revision: i64,
}

fn first_revision() -> i64 {
    1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedVisit {
    pub id: i64,
    pub leader: String,
    #[serde(with = "text")]
    pub start: NaiveDate,
    #[serde(with = "text")]
    pub end: NaiveDate,
    /// Codes of the entities visited, sorted.
    pub entities: Vec<String>,
    pub participants: String,
    pub summary: String,
    pub findings: String,
    #[serde(with = "text")]
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedCoOwner {
    pub measure: i64,
    pub user: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedMeasureUpdate {
    pub id: i64,
    pub measure: i64,
    #[serde(with = "text")]
    pub at: DateTime<Utc>,
    pub by: String,
    pub comment: String,
    #[serde(with = "text")]
    pub status_before: MeasureStatus,
    #[serde(with = "text")]
    pub status_after: MeasureStatus,
    pub progress_before: u8,
    pub progress_after: u8,
    #[serde(with = "text")]
    pub due_before: NaiveDate,
    #[serde(with = "text")]
    pub due_after: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedMilestone {
    pub id: i64,
    pub measure: i64,
    pub title: String,
    #[serde(with = "text")]
    pub due: NaiveDate,
    #[serde(with = "optional_text")]
    pub done_on: Option<NaiveDate>,
}

/// Evidence content, once per SHA-256; `content` is base64 in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedBlob {
    pub sha256: String,
    #[serde(with = "base64_bytes")]
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedAttachment {
    pub id: i64,
    pub measure: i64,
    pub milestone: Option<i64>,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: u64,
    #[serde(with = "text")]
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// A registered stack. The password is the data logger's shared secret, kept as entered (the
/// receiver compares it with what each frame carries), so an archive must be guarded like the
/// database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedStack {
    pub id: i64,
    pub mn: String,
    #[serde(with = "text")]
    pub entity: EntityCode,
    pub name: String,
    pub password: String,
    pub standard: String,
    pub factors: FactorMap,
    pub active: bool,
    pub revision: i64,
    #[serde(with = "text")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "text")]
    pub updated_at: DateTime<Utc>,
}

/// An alarm rule set: an opaque TOML document per scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedRuleSet {
    pub scope: String,
    pub body: String,
    pub revision: i64,
    pub updated_by: String,
    #[serde(with = "text")]
    pub updated_at: DateTime<Utc>,
}

/// An alarm with its lifecycle; value and limit as exact decimal text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedAlarm {
    pub id: i64,
    pub mn: String,
    pub kind: String,
    pub code: Option<String>,
    #[serde(with = "text")]
    pub raised_at: DateTime<Utc>,
    #[serde(with = "optional_text")]
    pub value: Option<Decimal>,
    #[serde(with = "optional_text")]
    pub limit: Option<Decimal>,
    pub message_zh: String,
    pub message_en: String,
    #[serde(with = "text")]
    pub state: AlarmState,
    pub acknowledged_by: Option<String>,
    #[serde(with = "optional_text")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    #[serde(with = "optional_text")]
    pub cleared_at: Option<DateTime<Utc>>,
}

/// A stored stack as the archive holds it (both backends export through this).
impl From<crate::AuditEntry> for ArchivedAuditEntry {
    fn from(e: crate::AuditEntry) -> Self {
        Self {
            id: e.id,
            at: e.at,
            user: e.user,
            action: e.action,
            object: e.object,
            old_value: e.old_value,
            new_value: e.new_value,
            submission_id: e.submission_id,
        }
    }
}

impl From<crate::PeriodStatus> for ArchivedPeriodStatus {
    fn from(p: crate::PeriodStatus) -> Self {
        Self {
            entity: p.entity,
            month: p.month,
            state: p.state,
            comment: p.comment,
            user: p.user,
            at: p.at,
        }
    }
}

impl From<crate::StoredStack> for ArchivedStack {
    fn from(s: crate::StoredStack) -> Self {
        ArchivedStack {
            id: s.id,
            mn: s.stack.mn,
            entity: s.stack.entity,
            name: s.stack.name,
            password: s.stack.password,
            standard: s.stack.standard,
            factors: s.stack.factors,
            active: s.active,
            revision: s.revision,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

impl From<crate::RuleSetDoc> for ArchivedRuleSet {
    fn from(r: crate::RuleSetDoc) -> Self {
        ArchivedRuleSet {
            scope: r.scope,
            body: r.body,
            revision: r.revision,
            updated_by: r.updated_by,
            updated_at: r.updated_at,
        }
    }
}

impl From<crate::Alarm> for ArchivedAlarm {
    fn from(a: crate::Alarm) -> Self {
        ArchivedAlarm {
            id: a.id,
            mn: a.mn,
            kind: a.kind,
            code: a.code,
            raised_at: a.raised_at,
            value: a.value,
            limit: a.limit,
            message_zh: a.message_zh,
            message_en: a.message_en,
            state: a.state,
            acknowledged_by: a.acknowledged_by,
            acknowledged_at: a.acknowledged_at,
            note: a.note,
            cleared_at: a.cleared_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedNotification {
    pub id: i64,
    pub measure: i64,
    pub user: String,
    #[serde(with = "text")]
    pub reason: ReminderReason,
    #[serde(with = "text")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "optional_text")]
    pub read_at: Option<DateTime<Utc>>,
}

/// A user as the archive holds it: the account with its password hash and creation time, which
/// [`User`] leaves out.
impl From<(User, String, DateTime<Utc>)> for ArchivedUser {
    fn from((u, password_hash, created_at): (User, String, DateTime<Utc>)) -> Self {
        ArchivedUser {
            name: u.name,
            role: u.role,
            entity: u.entity,
            password_hash,
            disabled: u.disabled,
            created_at,
            email: u.email,
        }
    }
}

/// A measure as the archive holds it: with when and by whom it was created, which [`Measure`]
/// leaves out. Its co-owners are records of their own ([`ArchivedCoOwner`]).
impl From<(Measure, DateTime<Utc>, String)> for ArchivedMeasure {
    fn from((m, created_at, created_by): (Measure, DateTime<Utc>, String)) -> Self {
        ArchivedMeasure {
            id: m.id,
            entity: m.entity,
            title: m.title,
            indicator: m.indicator,
            owner: m.owner,
            start: m.start,
            due: m.due,
            status: m.status,
            progress: m.progress,
            created_at,
            created_by,
            description: m.description,
            expected_effect: m.expected_effect,
            visit: m.visit,
            revision: m.revision,
        }
    }
}

impl From<Notification> for ArchivedNotification {
    fn from(n: Notification) -> Self {
        ArchivedNotification {
            id: n.id,
            measure: n.measure,
            user: n.user,
            reason: n.reason,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

impl From<Visit> for ArchivedVisit {
    fn from(v: Visit) -> Self {
        ArchivedVisit {
            id: v.id,
            leader: v.leader,
            start: v.start,
            end: v.end,
            entities: v.entities.iter().map(|e| e.as_str().to_owned()).collect(),
            participants: v.participants,
            summary: v.summary,
            findings: v.findings,
            created_at: v.at,
            created_by: v.by,
        }
    }
}

impl From<MeasureUpdate> for ArchivedMeasureUpdate {
    fn from(u: MeasureUpdate) -> Self {
        ArchivedMeasureUpdate {
            id: u.id,
            measure: u.measure,
            at: u.at,
            by: u.by,
            comment: u.comment,
            status_before: u.status_before,
            status_after: u.status_after,
            progress_before: u.progress_before,
            progress_after: u.progress_after,
            due_before: u.due_before,
            due_after: u.due_after,
        }
    }
}

impl From<Milestone> for ArchivedMilestone {
    fn from(m: Milestone) -> Self {
        ArchivedMilestone {
            id: m.id,
            measure: m.measure,
            title: m.title,
            due: m.due,
            done_on: m.done_on,
        }
    }
}

impl From<Attachment> for ArchivedAttachment {
    fn from(a: Attachment) -> Self {
        ArchivedAttachment {
            id: a.id,
            measure: a.measure,
            milestone: a.milestone,
            sha256: a.sha256,
            file_name: a.file_name,
            media_type: a.media_type,
            size: a.size,
            created_at: a.at,
            created_by: a.by,
        }
    }
}
