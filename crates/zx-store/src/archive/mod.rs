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
//! their data-logger passwords, alarm rule sets, alarms with their lifecycle), and the safety
//! registers (format version 6: hazards with their steps, photos and notices, plans, drills,
//! people, training, certificates, standing risks, exposures, warnings and their checklists,
//! the yearly drill plans; rows of the tables [`ARCHIVED_TABLES`] describes) — all with their
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

mod check;
mod format;
mod records;
mod table_list;
mod tables;
#[cfg(test)]
mod tests;
mod values;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use format::{read_lines, write_lines};
pub use records::*;
pub use tables::{ARCHIVED_TABLES, ArchivedRow, Cell, ColumnKind, TableSpec, table_spec};
pub use values::ArchiveText;

/// The `format` of every archive header.
pub const ARCHIVE_FORMAT: &str = "zengxiao-archive";
/// The version of the archive format this build writes and the newest it reads. Version 2 added
/// measures, version 3 notifications, version 4 the follow-up of measures, version 5 stacks,
/// alarm rule sets and alarms, version 6 the rows of the tables in [`ARCHIVED_TABLES`] (the
/// safety registers); older archives (which have none) are still read.
pub const ARCHIVE_FORMAT_VERSION: u32 = 6;

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
    /// By table (in [`ARCHIVED_TABLES`]' order), then key. (Absent before format version 6.)
    #[serde(default)]
    pub table_rows: Vec<ArchivedRow>,
}

/// How many records of each kind an archive holds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
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
    /// Rows per table of [`ARCHIVED_TABLES`] that has any. (Absent before format version 6.)
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tables: BTreeMap<String, usize>,
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
            + self.tables.values().sum::<usize>()
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

    /// `(table, count)` of the tables archived row by row, in [`ARCHIVED_TABLES`]' order,
    /// every table (zero where it has no row).
    pub fn named_tables(&self) -> Vec<(&'static TableSpec, usize)> {
        ARCHIVED_TABLES
            .iter()
            .map(|t| (t, self.tables.get(t.name).copied().unwrap_or(0)))
            .collect()
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
    TableRow(ArchivedRow),
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
            tables: self
                .table_rows
                .iter()
                .fold(BTreeMap::new(), |mut counts, row| {
                    *counts.entry(row.table.name.to_owned()).or_insert(0) += 1;
                    counts
                }),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.counts().total() == 0
    }

    /// Puts every list in the archive's order (see the field docs): what the export does last,
    /// so equal databases give equal archives whatever order rows came in.
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
        self.table_rows.sort_by(ArchivedRow::archive_cmp);
    }
}
