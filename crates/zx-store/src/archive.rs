//! The archive: everything durable in a Zengxiao database, backend-neutral, for
//! [`Store::export`](crate::Store::export) and [`Store::restore`](crate::Store::restore) — moving
//! a database between SQLite and PostgreSQL, or keeping a copy outside of either.
//!
//! What is in it: submissions (ids, counts, times), entities, every fact revision and every
//! target revision (the current values are the highest revisions, so they are rebuilt on
//! restore, not stored twice), accounts with their password hashes and disabled flag, API token
//! hashes with their revoked flag, period states, the audit log, improvement measures (format
//! version 2) and the notifications sent about them (format version 3), and their follow-up
//! (format version 4: co-owners, updates, milestones, evidence content and attachments,
//! inspection visits, e-mail addresses), and emissions monitoring (format version 5: stacks with
//! their data-logger passwords, alarm rule sets, alarms with their lifecycle) — all with their
//! ids. Evidence content is base64.
//! Sessions are not archived: they are ephemeral, and a restored database starts without any.
//!
//! Values are text where a backend might otherwise change them: decimals as their exact decimal
//! text with the places they were submitted with (`100.50`), times as RFC 3339 UTC with
//! microseconds (`2026-04-10T09:00:00.000000Z`, what both backends keep), months as `YYYY-MM`,
//! dates as `YYYY-MM-DD`.
//! Every record is checked when read (codes, months, decimals, roles, states), and
//! [`Archive::check`] checks the references between them, before a backend writes anything.
//!
//! The file format ([`write_lines`], [`read_lines`]) is JSON Lines: a header line
//! ([`ArchiveHeader`]: format name and version, the version of the tool that wrote it, the number
//! of records of each kind), then one record per line, each an object with one key naming its
//! kind (`{"fact_revision":{…}}`). Records are written in a fixed order (by id, or by key where
//! there is no id), so two databases holding the same data give byte-identical archives.

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use zx_domain::cems::FactorMap;
use zx_domain::measures::ReminderReason;
use zx_domain::{Basis, Decimal, EntityCode, EntityKind, MeasureStatus, Month, Role};

use crate::{AlarmState, PeriodState, StoreError, StoreResult};

/// The `format` of every archive header.
pub const ARCHIVE_FORMAT: &str = "zengxiao-archive";
/// The version of the archive format this build writes and the newest it reads. Version 2 added
/// measures, version 3 notifications, version 4 the follow-up of measures, version 5 stacks,
/// alarm rule sets and alarms; older archives (which have none) are still read.
pub const ARCHIVE_FORMAT_VERSION: u32 = 5;

/// Everything durable in a database. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Archive {
    /// By id.
    pub submissions: Vec<ArchivedSubmission>,
    /// By code.
    pub entities: Vec<ArchivedEntity>,
    /// By id.
    pub fact_revisions: Vec<ArchivedFactRevision>,
    /// By id.
    pub target_revisions: Vec<ArchivedTargetRevision>,
    /// By name.
    pub users: Vec<ArchivedUser>,
    /// By token hash.
    pub api_tokens: Vec<ArchivedToken>,
    /// By entity, then month.
    pub period_statuses: Vec<ArchivedPeriodStatus>,
    /// By id.
    pub audit_log: Vec<ArchivedAuditEntry>,
    /// By id. (Absent from format version 1.)
    #[serde(default)]
    pub measures: Vec<ArchivedMeasure>,
    /// By id. (Absent from format versions 1 and 2.)
    #[serde(default)]
    pub notifications: Vec<ArchivedNotification>,
    /// By id. (This and the rest: absent before format version 4.)
    #[serde(default)]
    pub visits: Vec<ArchivedVisit>,
    /// By measure, then user.
    #[serde(default)]
    pub co_owners: Vec<ArchivedCoOwner>,
    /// By id.
    #[serde(default)]
    pub measure_updates: Vec<ArchivedMeasureUpdate>,
    /// By id.
    #[serde(default)]
    pub milestones: Vec<ArchivedMilestone>,
    /// By SHA-256.
    #[serde(default)]
    pub blobs: Vec<ArchivedBlob>,
    /// By id.
    #[serde(default)]
    pub attachments: Vec<ArchivedAttachment>,
    /// By id. (This and the rest: absent before format version 5.)
    #[serde(default)]
    pub stacks: Vec<ArchivedStack>,
    /// By scope.
    #[serde(default)]
    pub alarm_rule_sets: Vec<ArchivedRuleSet>,
    /// By id.
    #[serde(default)]
    pub alarms: Vec<ArchivedAlarm>,
}

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

mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("content is not base64: {e}")))
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

/// How many records of each kind an archive holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveCounts {
    pub submissions: usize,
    pub entities: usize,
    pub fact_revisions: usize,
    pub target_revisions: usize,
    pub users: usize,
    pub api_tokens: usize,
    pub period_statuses: usize,
    pub audit_log: usize,
    /// (Absent from format version 1.)
    #[serde(default)]
    pub measures: usize,
    /// (Absent from format versions 1 and 2.)
    #[serde(default)]
    pub notifications: usize,
    /// (This and the rest: absent before format version 4.)
    #[serde(default)]
    pub visits: usize,
    #[serde(default)]
    pub co_owners: usize,
    #[serde(default)]
    pub measure_updates: usize,
    #[serde(default)]
    pub milestones: usize,
    #[serde(default)]
    pub blobs: usize,
    #[serde(default)]
    pub attachments: usize,
    /// (This and the rest: absent before format version 5.)
    #[serde(default)]
    pub stacks: usize,
    #[serde(default)]
    pub alarm_rule_sets: usize,
    #[serde(default)]
    pub alarms: usize,
}

impl ArchiveCounts {
    pub fn total(&self) -> usize {
        self.submissions
            + self.entities
            + self.fact_revisions
            + self.target_revisions
            + self.users
            + self.api_tokens
            + self.period_statuses
            + self.audit_log
            + self.measures
            + self.notifications
            + self.visits
            + self.co_owners
            + self.measure_updates
            + self.milestones
            + self.blobs
            + self.attachments
            + self.stacks
            + self.alarm_rule_sets
            + self.alarms
    }

    /// `(name, count)` pairs in file order, for printing.
    pub fn named(&self) -> [(&'static str, usize); 16] {
        [
            ("submissions", self.submissions),
            ("entities", self.entities),
            ("fact revisions", self.fact_revisions),
            ("target revisions", self.target_revisions),
            ("users", self.users),
            ("API tokens", self.api_tokens),
            ("period states", self.period_statuses),
            ("audit entries", self.audit_log),
            ("measures", self.measures),
            ("notifications", self.notifications),
            ("visits", self.visits),
            ("co-owners", self.co_owners),
            ("measure updates", self.measure_updates),
            ("milestones", self.milestones),
            ("evidence files", self.blobs),
            ("attachments", self.attachments),
        ]
    }

    /// `(name, count)` pairs of emissions monitoring (format version 5), in file order after
    /// [`ArchiveCounts::named`].
    pub fn named_emissions(&self) -> [(&'static str, usize); 3] {
        [
            ("stacks", self.stacks),
            ("alarm rule sets", self.alarm_rule_sets),
            ("alarms", self.alarms),
        ]
    }
}

/// The first line of an archive file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveHeader {
    /// Always [`ARCHIVE_FORMAT`].
    pub format: String,
    /// [`ARCHIVE_FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// The version of the `zx` that wrote the file.
    pub tool_version: String,
    pub counts: ArchiveCounts,
}

/// One line of an archive file after the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ArchiveRecord {
    Submission(ArchivedSubmission),
    Entity(ArchivedEntity),
    FactRevision(ArchivedFactRevision),
    TargetRevision(ArchivedTargetRevision),
    User(ArchivedUser),
    ApiToken(ArchivedToken),
    PeriodStatus(ArchivedPeriodStatus),
    AuditEntry(ArchivedAuditEntry),
    Measure(ArchivedMeasure),
    Notification(ArchivedNotification),
    Visit(ArchivedVisit),
    CoOwner(ArchivedCoOwner),
    MeasureUpdate(ArchivedMeasureUpdate),
    Milestone(ArchivedMilestone),
    Blob(ArchivedBlob),
    Attachment(ArchivedAttachment),
    Stack(ArchivedStack),
    AlarmRuleSet(ArchivedRuleSet),
    Alarm(ArchivedAlarm),
}

/// What went wrong reading or writing an archive file.
#[derive(Debug, Error)]
pub enum ArchiveFileError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
    #[error("not a Zengxiao archive: {0}")]
    NotAnArchive(String),
    #[error(
        "archive format version {found} is newer than this zx reads ({known}); upgrade zx (the archive was written by zx {tool})"
    )]
    TooNew {
        found: u32,
        known: u32,
        tool: String,
    },
    #[error(
        "the archive is incomplete: its header announces {expected} {what}, the file holds {found}"
    )]
    Incomplete {
        what: &'static str,
        expected: usize,
        found: usize,
    },
}

impl Archive {
    pub fn counts(&self) -> ArchiveCounts {
        ArchiveCounts {
            submissions: self.submissions.len(),
            entities: self.entities.len(),
            fact_revisions: self.fact_revisions.len(),
            target_revisions: self.target_revisions.len(),
            users: self.users.len(),
            api_tokens: self.api_tokens.len(),
            period_statuses: self.period_statuses.len(),
            audit_log: self.audit_log.len(),
            measures: self.measures.len(),
            notifications: self.notifications.len(),
            visits: self.visits.len(),
            co_owners: self.co_owners.len(),
            measure_updates: self.measure_updates.len(),
            milestones: self.milestones.len(),
            blobs: self.blobs.len(),
            attachments: self.attachments.len(),
            stacks: self.stacks.len(),
            alarm_rule_sets: self.alarm_rule_sets.len(),
            alarms: self.alarms.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.counts().total() == 0
    }

    /// Puts every list in the archive's order (see the field docs): what backends call at the
    /// end of an export, so equal databases give equal archives whatever order rows came in.
    pub fn sort(&mut self) {
        self.submissions.sort_by_key(|s| s.id);
        self.entities.sort_by(|a, b| a.code.cmp(&b.code));
        self.fact_revisions.sort_by_key(|r| r.id);
        self.target_revisions.sort_by_key(|r| r.id);
        self.users.sort_by(|a, b| a.name.cmp(&b.name));
        self.api_tokens
            .sort_by(|a, b| a.token_hash.cmp(&b.token_hash));
        self.period_statuses
            .sort_by(|a, b| (&a.entity, a.month).cmp(&(&b.entity, b.month)));
        self.audit_log.sort_by_key(|e| e.id);
        self.measures.sort_by_key(|m| m.id);
        self.notifications.sort_by_key(|n| n.id);
        self.visits.sort_by_key(|v| v.id);
        self.co_owners
            .sort_by(|a, b| (a.measure, &a.user).cmp(&(b.measure, &b.user)));
        self.measure_updates.sort_by_key(|u| u.id);
        self.milestones.sort_by_key(|m| m.id);
        self.blobs.sort_by(|a, b| a.sha256.cmp(&b.sha256));
        self.attachments.sort_by_key(|a| a.id);
        self.stacks.sort_by_key(|s| s.id);
        self.alarm_rule_sets.sort_by(|a, b| a.scope.cmp(&b.scope));
        self.alarms.sort_by_key(|a| a.id);
    }

    /// What [`Store::restore`](crate::Store::restore) checks before writing anything: ids and
    /// keys are unique, every reference (to a submission, an entity, a user) points at a record
    /// of the archive, revisions start at 1, counts are not negative, submission kinds are known.
    /// Each problem is `Invalid`, naming the record.
    pub fn check(&self) -> StoreResult<()> {
        fn invalid(message: String) -> StoreError {
            StoreError::Invalid(format!("the archive is inconsistent: {message}"))
        }
        fn unique<K: std::hash::Hash + Eq>(
            seen: &mut HashSet<K>,
            key: K,
            what: impl FnOnce() -> String,
        ) -> StoreResult<()> {
            if seen.insert(key) {
                Ok(())
            } else {
                Err(invalid(format!("{} appears twice", what())))
            }
        }

        let mut submissions = HashSet::new();
        for s in &self.submissions {
            unique(&mut submissions, s.id, || format!("submission {}", s.id))?;
            if !matches!(s.kind.as_str(), "entities" | "data" | "targets") {
                return Err(invalid(format!(
                    "submission {} has the unknown kind \"{}\"",
                    s.id, s.kind
                )));
            }
        }
        let submission = |id: Option<i64>, what: &dyn Fn() -> String| match id {
            Some(id) if !submissions.contains(&id) => Err(invalid(format!(
                "{} refers to submission {id}, which is not in the archive",
                what()
            ))),
            _ => Ok(()),
        };
        let mut entities = HashSet::new();
        for e in &self.entities {
            unique(&mut entities, &e.code, || format!("entity {}", e.code))?;
            submission(e.submission_id, &|| format!("entity {}", e.code))?;
        }
        let entity = |code: &EntityCode, what: &dyn Fn() -> String| {
            if entities.contains(code) {
                Ok(())
            } else {
                Err(invalid(format!(
                    "{} refers to entity {code}, which is not in the archive",
                    what()
                )))
            }
        };
        let mut ids = HashSet::new();
        let mut keys = HashSet::new();
        for r in &self.fact_revisions {
            let what = || {
                format!(
                    "fact revision {} ({} {} {} revision {})",
                    r.id, r.entity, r.month, r.item, r.revision
                )
            };
            unique(&mut ids, r.id, what)?;
            unique(
                &mut keys,
                (&r.entity, r.month, r.item.as_str(), r.revision),
                what,
            )?;
            if r.revision < 1 {
                return Err(invalid(format!("{} is below 1", what())));
            }
            entity(&r.entity, &what)?;
            submission(Some(r.submission_id), &what)?;
        }
        let mut ids = HashSet::new();
        let mut keys = HashSet::new();
        for r in &self.target_revisions {
            let what = || {
                format!(
                    "target revision {} ({} {} {} revision {})",
                    r.id, r.entity, r.year, r.indicator, r.revision
                )
            };
            unique(&mut ids, r.id, what)?;
            unique(
                &mut keys,
                (&r.entity, r.year, r.indicator.as_str(), r.revision),
                what,
            )?;
            if r.revision < 1 {
                return Err(invalid(format!("{} is below 1", what())));
            }
            entity(&r.entity, &what)?;
            submission(r.submission_id, &what)?;
        }
        let mut users = HashSet::new();
        for u in &self.users {
            unique(&mut users, u.name.as_str(), || format!("user {}", u.name))?;
            if let Some(code) = &u.entity {
                entity(code, &|| format!("user {}", u.name))?;
            }
        }
        let mut tokens = HashSet::new();
        for t in &self.api_tokens {
            unique(&mut tokens, t.token_hash.as_str(), || {
                format!("an API token of {}", t.user)
            })?;
            if !users.contains(t.user.as_str()) {
                return Err(invalid(format!(
                    "an API token belongs to user {}, who is not in the archive",
                    t.user
                )));
            }
        }
        let mut periods = HashSet::new();
        for p in &self.period_statuses {
            let what = || format!("the state of {} {}", p.entity, p.month);
            unique(&mut periods, (&p.entity, p.month), what)?;
            entity(&p.entity, &what)?;
        }
        let mut ids = HashSet::new();
        for a in &self.audit_log {
            let what = || format!("audit entry {}", a.id);
            unique(&mut ids, a.id, what)?;
            submission(a.submission_id, &what)?;
        }
        let mut ids = HashSet::new();
        for m in &self.measures {
            let what = || format!("measure {}", m.id);
            unique(&mut ids, m.id, what)?;
            entity(&m.entity, &what)?;
            if !users.contains(m.owner.as_str()) {
                return Err(invalid(format!(
                    "measure {} is owned by user {}, who is not in the archive",
                    m.id, m.owner
                )));
            }
            if m.progress > 100 {
                return Err(invalid(format!(
                    "measure {} has progress {}, above 100",
                    m.id, m.progress
                )));
            }
            if m.revision < 1 {
                return Err(invalid(format!("measure {} has revision below 1", m.id)));
            }
            if let Some(visit) = m.visit
                && !self.visits.iter().any(|v| v.id == visit)
            {
                return Err(invalid(format!(
                    "measure {} refers to visit {visit}, which is not in the archive",
                    m.id
                )));
            }
        }
        let mut visit_ids = HashSet::new();
        for v in &self.visits {
            let what = || format!("visit {}", v.id);
            unique(&mut visit_ids, v.id, what)?;
            for code in &v.entities {
                let code =
                    EntityCode::from_text(code).map_err(|e| invalid(format!("{}: {e}", what())))?;
                entity(&code, &what)?;
            }
        }
        let measure = |id: i64, what: &dyn Fn() -> String| {
            if ids.contains(&id) {
                Ok(())
            } else {
                Err(invalid(format!(
                    "{} refers to measure {id}, which is not in the archive",
                    what()
                )))
            }
        };
        let user = |name: &str, what: &dyn Fn() -> String| {
            if users.contains(name) {
                Ok(())
            } else {
                Err(invalid(format!(
                    "{} names user {name}, who is not in the archive",
                    what()
                )))
            }
        };
        let mut pairs = HashSet::new();
        for c in &self.co_owners {
            let what = || format!("co-owner {} of measure {}", c.user, c.measure);
            unique(&mut pairs, (c.measure, c.user.as_str()), what)?;
            measure(c.measure, &what)?;
            user(&c.user, &what)?;
        }
        let mut update_ids = HashSet::new();
        for u in &self.measure_updates {
            let what = || format!("measure update {}", u.id);
            unique(&mut update_ids, u.id, what)?;
            measure(u.measure, &what)?;
        }
        let mut milestone_ids = HashSet::new();
        for m in &self.milestones {
            let what = || format!("milestone {}", m.id);
            unique(&mut milestone_ids, m.id, what)?;
            measure(m.measure, &what)?;
        }
        let mut blobs = HashSet::new();
        for b in &self.blobs {
            let what = || format!("evidence file {}", b.sha256);
            unique(&mut blobs, b.sha256.as_str(), what)?;
            if crate::content_sha256(&b.content) != b.sha256 {
                return Err(invalid(format!("{}: its content has another hash", what())));
            }
        }
        let mut attachment_ids = HashSet::new();
        for a in &self.attachments {
            let what = || format!("attachment {}", a.id);
            unique(&mut attachment_ids, a.id, what)?;
            measure(a.measure, &what)?;
            if let Some(milestone) = a.milestone
                && !self
                    .milestones
                    .iter()
                    .any(|m| m.id == milestone && m.measure == a.measure)
            {
                return Err(invalid(format!(
                    "{} refers to milestone {milestone}, not one of measure {}",
                    what(),
                    a.measure
                )));
            }
            if !blobs.contains(a.sha256.as_str()) {
                return Err(invalid(format!(
                    "{} refers to content {}, which is not in the archive",
                    what(),
                    a.sha256
                )));
            }
        }
        let mut ids = HashSet::new();
        let mut keys = HashSet::new();
        for n in &self.notifications {
            let what = || format!("notification {}", n.id);
            unique(&mut ids, n.id, what)?;
            unique(&mut keys, (n.measure, n.user.as_str(), n.reason), || {
                format!(
                    "the {} notification of measure {} to {}",
                    n.reason, n.measure, n.user
                )
            })?;
            if !self.measures.iter().any(|m| m.id == n.measure) {
                return Err(invalid(format!(
                    "notification {} refers to measure {}, which is not in the archive",
                    n.id, n.measure
                )));
            }
        }
        self.check_emissions(&entities)
    }

    /// [`Archive::check`] for stacks, rule sets and alarms.
    fn check_emissions(&self, entities: &HashSet<&EntityCode>) -> StoreResult<()> {
        fn invalid(message: String) -> StoreError {
            StoreError::Invalid(format!("the archive is inconsistent: {message}"))
        }
        let mut ids = HashSet::new();
        let mut mns = HashSet::new();
        for s in &self.stacks {
            let what = || format!("stack {} ({})", s.id, s.mn);
            if !ids.insert(s.id) || !mns.insert(s.mn.as_str()) {
                return Err(invalid(format!("{} appears twice", what())));
            }
            zx_domain::cems::check_mn(&s.mn).map_err(|e| invalid(format!("{}: {e}", what())))?;
            if !entities.contains(&s.entity) {
                return Err(invalid(format!(
                    "{} refers to entity {}, which is not in the archive",
                    what(),
                    s.entity
                )));
            }
            if s.revision < 1 {
                return Err(invalid(format!("{} has revision below 1", what())));
            }
        }
        let stack = |mn: &str, what: &dyn Fn() -> String| {
            if mns.contains(mn) {
                Ok(())
            } else {
                Err(invalid(format!(
                    "{} refers to stack {mn}, which is not in the archive",
                    what()
                )))
            }
        };
        let mut scopes = HashSet::new();
        for r in &self.alarm_rule_sets {
            let what = || format!("alarm rule set {}", r.scope);
            if !scopes.insert(r.scope.as_str()) {
                return Err(invalid(format!("{} appears twice", what())));
            }
            match crate::check_rule_scope(&r.scope) {
                Err(e) => return Err(invalid(e.to_string())),
                Ok(crate::RuleScope::Stack(mn)) => stack(mn, &what)?,
                Ok(crate::RuleScope::Segment(_)) => {}
            }
            if r.revision < 1 {
                return Err(invalid(format!("{} has revision below 1", what())));
            }
        }
        let mut ids = HashSet::new();
        let mut open = HashSet::new();
        for a in &self.alarms {
            let what = || format!("alarm {}", a.id);
            if !ids.insert(a.id) {
                return Err(invalid(format!("{} appears twice", what())));
            }
            stack(&a.mn, &what)?;
            let acknowledged = a.acknowledged_by.is_some();
            let consistent = acknowledged == a.acknowledged_at.is_some()
                && (a.note.is_none() || acknowledged)
                && match a.state {
                    AlarmState::Active => !acknowledged && a.cleared_at.is_none(),
                    AlarmState::Acknowledged => acknowledged && a.cleared_at.is_none(),
                    AlarmState::Cleared => a.cleared_at.is_some(),
                };
            if !consistent {
                return Err(invalid(format!(
                    "{} is {} but its acknowledgement and clearing times do not say so",
                    what(),
                    a.state.as_str()
                )));
            }
            if a.state.is_open()
                && !open.insert((a.mn.as_str(), a.kind.as_str(), a.code.as_deref()))
            {
                return Err(invalid(format!(
                    "{} is a second open alarm of stack {} {} {}",
                    what(),
                    a.mn,
                    a.kind,
                    a.code.as_deref().unwrap_or("")
                )));
            }
        }
        Ok(())
    }
}

/// Writes `archive` as JSON Lines (see the module documentation) into `out`; `progress` is
/// called after each record. The caller flushes (and finishes a compressor).
pub fn write_lines(
    archive: &Archive,
    tool_version: &str,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(),
) -> Result<(), ArchiveFileError> {
    fn line<T: Serialize>(out: &mut dyn Write, value: &T) -> Result<(), ArchiveFileError> {
        serde_json::to_writer(&mut *out, value).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
        Ok(())
    }
    let header = ArchiveHeader {
        format: ARCHIVE_FORMAT.to_owned(),
        format_version: ARCHIVE_FORMAT_VERSION,
        tool_version: tool_version.to_owned(),
        counts: archive.counts(),
    };
    line(out, &header)?;
    // Borrowing twins of the records, so nothing is cloned to be written.
    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Record<'a> {
        Submission(&'a ArchivedSubmission),
        Entity(&'a ArchivedEntity),
        FactRevision(&'a ArchivedFactRevision),
        TargetRevision(&'a ArchivedTargetRevision),
        User(&'a ArchivedUser),
        ApiToken(&'a ArchivedToken),
        PeriodStatus(&'a ArchivedPeriodStatus),
        AuditEntry(&'a ArchivedAuditEntry),
        Measure(&'a ArchivedMeasure),
        Notification(&'a ArchivedNotification),
        Visit(&'a ArchivedVisit),
        CoOwner(&'a ArchivedCoOwner),
        MeasureUpdate(&'a ArchivedMeasureUpdate),
        Milestone(&'a ArchivedMilestone),
        Blob(&'a ArchivedBlob),
        Attachment(&'a ArchivedAttachment),
        Stack(&'a ArchivedStack),
        AlarmRuleSet(&'a ArchivedRuleSet),
        Alarm(&'a ArchivedAlarm),
    }
    let records = archive
        .submissions
        .iter()
        .map(Record::Submission)
        .chain(archive.entities.iter().map(Record::Entity))
        .chain(archive.fact_revisions.iter().map(Record::FactRevision))
        .chain(archive.target_revisions.iter().map(Record::TargetRevision))
        .chain(archive.users.iter().map(Record::User))
        .chain(archive.api_tokens.iter().map(Record::ApiToken))
        .chain(archive.period_statuses.iter().map(Record::PeriodStatus))
        .chain(archive.audit_log.iter().map(Record::AuditEntry))
        .chain(archive.measures.iter().map(Record::Measure))
        .chain(archive.notifications.iter().map(Record::Notification))
        .chain(archive.visits.iter().map(Record::Visit))
        .chain(archive.co_owners.iter().map(Record::CoOwner))
        .chain(archive.measure_updates.iter().map(Record::MeasureUpdate))
        .chain(archive.milestones.iter().map(Record::Milestone))
        .chain(archive.blobs.iter().map(Record::Blob))
        .chain(archive.attachments.iter().map(Record::Attachment))
        .chain(archive.stacks.iter().map(Record::Stack))
        .chain(archive.alarm_rule_sets.iter().map(Record::AlarmRuleSet))
        .chain(archive.alarms.iter().map(Record::Alarm));
    for record in records {
        line(out, &record)?;
        progress();
    }
    Ok(())
}

/// Reads an archive written by [`write_lines`]. `on_header` sees the header first (to size a
/// progress bar); `progress` is called after each record. Records may come in any order; blank
/// lines are skipped. A header of a newer format version, an unknown field or record kind, an
/// invalid value (code, month, decimal, time…) or fewer or more records than the header
/// announces are errors naming the line.
pub fn read_lines(
    input: &mut dyn BufRead,
    on_header: &mut dyn FnMut(&ArchiveHeader),
    progress: &mut dyn FnMut(),
) -> Result<(ArchiveHeader, Archive), ArchiveFileError> {
    let mut header: Option<ArchiveHeader> = None;
    let mut archive = Archive::default();
    let mut buffer = String::new();
    let mut number = 0usize;
    loop {
        buffer.clear();
        if input.read_line(&mut buffer)? == 0 {
            break;
        }
        number += 1;
        let text = buffer.trim();
        if text.is_empty() {
            continue;
        }
        if header.is_none() {
            let value: serde_json::Value = serde_json::from_str(text).map_err(|_| {
                ArchiveFileError::NotAnArchive("the first line is not a JSON object".into())
            })?;
            if value.get("format").and_then(|f| f.as_str()) != Some(ARCHIVE_FORMAT) {
                return Err(ArchiveFileError::NotAnArchive(format!(
                    "the first line has no \"format\": \"{ARCHIVE_FORMAT}\""
                )));
            }
            let found = value.get("format_version").and_then(|v| v.as_u64());
            if let Some(found) = found
                && found > u64::from(ARCHIVE_FORMAT_VERSION)
            {
                return Err(ArchiveFileError::TooNew {
                    found: u32::try_from(found).unwrap_or(u32::MAX),
                    known: ARCHIVE_FORMAT_VERSION,
                    tool: value
                        .get("tool_version")
                        .and_then(|t| t.as_str())
                        .unwrap_or("?")
                        .to_owned(),
                });
            }
            let parsed: ArchiveHeader =
                serde_json::from_value(value).map_err(|e| ArchiveFileError::Line {
                    line: number,
                    message: format!("header: {e}"),
                })?;
            on_header(&parsed);
            header = Some(parsed);
            continue;
        }
        let record: ArchiveRecord =
            serde_json::from_str(text).map_err(|e| ArchiveFileError::Line {
                line: number,
                message: e.to_string(),
            })?;
        match record {
            ArchiveRecord::Submission(r) => archive.submissions.push(r),
            ArchiveRecord::Entity(r) => archive.entities.push(r),
            ArchiveRecord::FactRevision(r) => archive.fact_revisions.push(r),
            ArchiveRecord::TargetRevision(r) => archive.target_revisions.push(r),
            ArchiveRecord::User(r) => archive.users.push(r),
            ArchiveRecord::ApiToken(r) => archive.api_tokens.push(r),
            ArchiveRecord::PeriodStatus(r) => archive.period_statuses.push(r),
            ArchiveRecord::AuditEntry(r) => archive.audit_log.push(r),
            ArchiveRecord::Measure(r) => archive.measures.push(r),
            ArchiveRecord::Notification(r) => archive.notifications.push(r),
            ArchiveRecord::Visit(r) => archive.visits.push(r),
            ArchiveRecord::CoOwner(r) => archive.co_owners.push(r),
            ArchiveRecord::MeasureUpdate(r) => archive.measure_updates.push(r),
            ArchiveRecord::Milestone(r) => archive.milestones.push(r),
            ArchiveRecord::Blob(r) => archive.blobs.push(r),
            ArchiveRecord::Attachment(r) => archive.attachments.push(r),
            ArchiveRecord::Stack(r) => archive.stacks.push(r),
            ArchiveRecord::AlarmRuleSet(r) => archive.alarm_rule_sets.push(r),
            ArchiveRecord::Alarm(r) => archive.alarms.push(r),
        }
        progress();
    }
    let Some(header) = header else {
        return Err(ArchiveFileError::NotAnArchive("the file is empty".into()));
    };
    let found = archive.counts();
    let expected_counts = header
        .counts
        .named()
        .into_iter()
        .chain(header.counts.named_emissions());
    let found_counts = found.named().into_iter().chain(found.named_emissions());
    for ((what, expected), (_, found)) in expected_counts.zip(found_counts) {
        if expected != found {
            return Err(ArchiveFileError::Incomplete {
                what,
                expected,
                found,
            });
        }
    }
    Ok((header, archive))
}

/// How a value is written in an archive, and read back with every check: the same text both
/// backends store or produce.
pub trait ArchiveText: Sized {
    fn to_text(&self) -> String;
    fn from_text(text: &str) -> Result<Self, String>;
}

impl ArchiveText for EntityCode {
    fn to_text(&self) -> String {
        self.as_str().to_owned()
    }
    fn from_text(text: &str) -> Result<Self, String> {
        let code = EntityCode::parse(text).map_err(|e| format!("entity code \"{text}\": {e}"))?;
        if code.as_str() != text {
            return Err(format!("entity code \"{text}\" has surrounding spaces"));
        }
        Ok(code)
    }
}

impl ArchiveText for Month {
    fn to_text(&self) -> String {
        self.to_string()
    }
    fn from_text(text: &str) -> Result<Self, String> {
        Month::parse(text).map_err(|e| format!("month \"{text}\": {e}"))
    }
}

impl ArchiveText for Decimal {
    fn to_text(&self) -> String {
        // PostgreSQL's NUMERIC has no negative zero: write every zero without a sign, so both
        // backends give the same text.
        let mut value = *self;
        if value.is_zero() {
            value.set_sign_positive(true);
        }
        value.to_string()
    }
    /// Exact: the text must be what [`ArchiveText::to_text`] gives for the value it parses to,
    /// so a value that would be rounded (more than 28 digits) or written oddly is refused.
    fn from_text(text: &str) -> Result<Self, String> {
        let value = Decimal::from_str(text).map_err(|e| format!("decimal \"{text}\": {e}"))?;
        if value.to_text() != text {
            return Err(format!(
                "decimal \"{text}\" is not written exactly as {} (no exponent, no '+', no rounding)",
                value.to_text()
            ));
        }
        Ok(value)
    }
}

impl ArchiveText for DateTime<Utc> {
    fn to_text(&self) -> String {
        self.to_rfc3339_opts(SecondsFormat::Micros, true)
    }
    fn from_text(text: &str) -> Result<Self, String> {
        let at = DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("time \"{text}\": {e}"))?;
        if at.timestamp_subsec_nanos() % 1000 != 0 {
            return Err(format!(
                "time \"{text}\" is more precise than a microsecond, which no backend keeps"
            ));
        }
        Ok(at)
    }
}

impl ArchiveText for NaiveDate {
    fn to_text(&self) -> String {
        self.format("%Y-%m-%d").to_string()
    }
    fn from_text(text: &str) -> Result<Self, String> {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|e| format!("date \"{text}\": {e}"))?;
        if date.to_text() != text {
            return Err(format!("date \"{text}\" is not written as YYYY-MM-DD"));
        }
        Ok(date)
    }
}

/// Exactly the stored name (`due_soon`).
impl ArchiveText for ReminderReason {
    fn to_text(&self) -> String {
        self.as_str().to_owned()
    }
    fn from_text(text: &str) -> Result<Self, String> {
        ReminderReason::parse(text)
            .ok_or_else(|| format!("notification reason \"{text}\" is not known"))
    }
}

/// Exactly the stored name (`in_progress`), not the looser forms a list file may use.
impl ArchiveText for MeasureStatus {
    fn to_text(&self) -> String {
        self.as_str().to_owned()
    }
    fn from_text(text: &str) -> Result<Self, String> {
        MeasureStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("measure status \"{text}\" is not known"))
    }
}

macro_rules! text_via_str {
    ($($type:ty => $what:literal),* $(,)?) => {
        $(
            impl ArchiveText for $type {
                fn to_text(&self) -> String {
                    self.as_str().to_owned()
                }
                fn from_text(text: &str) -> Result<Self, String> {
                    <$type>::parse(text).ok_or_else(|| format!("{} \"{text}\" is not known", $what))
                }
            }
        )*
    };
}

text_via_str!(
    Basis => "basis",
    Role => "role",
    EntityKind => "entity kind",
    PeriodState => "period state",
    AlarmState => "alarm state",
);

/// `#[serde(with = "text")]`: a value as its [`ArchiveText`].
mod text {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use super::ArchiveText;

    pub fn serialize<T: ArchiveText, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_text())
    }

    pub fn deserialize<'de, T: ArchiveText, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        T::from_text(&text).map_err(D::Error::custom)
    }
}

/// `#[serde(with = "optional_text")]`: `null` or a value as its [`ArchiveText`].
mod optional_text {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use super::ArchiveText;

    pub fn serialize<T: ArchiveText, S: Serializer>(
        value: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => s.serialize_str(&value.to_text()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: ArchiveText, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<std::borrow::Cow<'de, str>>::deserialize(d)?
            .map(|text| T::from_text(&text).map_err(D::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

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
            r#"{"format":"zengxiao-archive","format_version":5,"tool_version":"9.9.9","counts":{"submissions":1,"entities":1,"fact_revisions":1,"target_revisions":1,"users":1,"api_tokens":1,"period_statuses":1,"audit_log":1,"measures":1,"notifications":1,"visits":0,"co_owners":0,"measure_updates":0,"milestones":0,"blobs":1,"attachments":1,"stacks":0,"alarm_rule_sets":0,"alarms":0}}"#
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
        let newer = text.replacen("\"format_version\":5", "\"format_version\":6", 1);
        assert_eq!(
            read(&newer).unwrap_err().to_string(),
            "archive format version 6 is newer than this zx reads (5); upgrade zx (the archive was written by zx 9.9.9)"
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
}
