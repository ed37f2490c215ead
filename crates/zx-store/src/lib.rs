//! The storage API of Zengxiao: what the CLI and the server may ask of a database.
//!
//! One trait, [`Store`], the sum of one trait per area ([`FactStore`], [`AccountStore`],
//! [`WorkflowStore`], [`MeasureStore`], [`EmissionStore`], [`ArchiveStore`]), implemented once
//! for SQL databases ([`sql::SqlStore`]) over what each backend (`zx-store-sqlite`,
//! `zx-store-postgres`) supplies, so callers never change when the backend does. The contract every backend keeps:
//! - an [`Import`] is one transaction: all of its files are written, or none;
//! - a submitted value is never overwritten: a different value for the same key becomes a new
//!   revision, the old one stays queryable ([`Store::history`]); an identical value is counted as
//!   unchanged and writes nothing but the submission record;
//! - every change lands in the audit log with who, when, old and new value;
//! - decimals are stored exactly (text or NUMERIC), never as floating point;
//! - emissions monitoring: stacks are saved by MN all or nothing and a data logger's password
//!   never reaches the audit log; alarm rule sets are opaque documents edited on a revision; a
//!   condition that persists is one open alarm (active or acknowledged) until it is cleared.
//!
//! The SQL both databases run lives in [`sql`], one file per area; this crate has no database
//! driver (the backends bind and read values). Times are passed in by the caller (the domain's
//! "pass now in").
#![forbid(unsafe_code)]

mod accounts;
pub mod archive;
mod drill_plan;
mod emissions;
mod facts;
mod hazards;
mod managers;
mod measures;
mod practices;
mod references;
mod report_schedule;
mod risks;
mod rnd;
mod safety;
pub mod sql;
mod workflow;

pub use accounts::*;
pub use archive::{Archive, ArchiveCounts};
pub use drill_plan::*;
pub use emissions::*;
pub use facts::*;
pub use hazards::*;
pub use managers::*;
pub use measures::*;
pub use practices::*;
pub use references::*;
pub use report_schedule::*;
pub use risks::*;
pub use rnd::*;
pub use safety::*;
pub use workflow::*;

use async_trait::async_trait;
use thiserror::Error;
pub use zx_domain::cems::{FactorMap, Stack};
pub use zx_domain::followup::{
    Attachment, MeasureChange, MeasureUpdate, Milestone, Visit, VisitProgress,
};
pub use zx_domain::measures::ReminderReason;
use zx_domain::{
    Access, Basis, Decimal, Entity, EntityCode, EntityKind, Fact, FactTable, Measure,
    MeasureStatus, Month, Role, Target,
};

/// What went wrong in the storage layer. File data problems are caught before (in ingest), so
/// `Database`, `Migration` and `Corrupt` are the database's own failures; `Conflict`, `Invalid`
/// and `Locked` are the caller's request being refused, with a message fit to show a user.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The request clashes with what is stored: a name already taken, a target changed by
    /// someone else since it was read (optimistic check). Reloading and retrying may succeed.
    #[error("{0}")]
    Conflict(String),
    /// The request itself is wrong, whatever is stored: an unknown user or entity, a role that
    /// needs an entity without one, an empty user name.
    #[error("{0}")]
    Invalid(String),
    /// An import touched a month that is locked for the entity or one of its ancestors (locking
    /// the group's month locks everyone's). `entity` is the entity whose data was refused, the
    /// first such pair in the import; nothing of the import is written.
    #[error("{month} is locked for {entity}: changes are refused")]
    Locked { entity: String, month: String },
    /// The database's schema was migrated by a newer release: this one does not know its
    /// tables and refuses to open it rather than misread or damage it.
    #[error(
        "this database was migrated by a newer Zengxiao (schema {found} > {known}); upgrade zx"
    )]
    SchemaTooNew { found: i64, known: i64 },
    /// An alarm that is no longer active cannot be acknowledged: it was acknowledged already
    /// (by someone else, perhaps a moment ago) or it has cleared. Reloading shows its state.
    #[error("alarm {id} is {} and cannot be acknowledged", state.as_str())]
    AlarmNotActive { id: i64, state: AlarmState },
}

/// Where a database's schema stands: the newest migration applied (`None`: none, an empty
/// database) and the newest this build knows. Schema numbers are per backend (SQLite has had
/// more migrations than PostgreSQL, which started with both in one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaVersion {
    pub applied: Option<i64>,
    pub known: i64,
}

impl SchemaVersion {
    /// [`StoreError::SchemaTooNew`] when the database is ahead of this build.
    pub fn check(self) -> StoreResult<()> {
        match self.applied {
            Some(found) if found > self.known => Err(StoreError::SchemaTooNew {
                found,
                known: self.known,
            }),
            _ => Ok(()),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Moving a whole database: export and restore.
#[async_trait]
pub trait ArchiveStore: Send + Sync {
    /// Everything durable, read in one consistent snapshot (see [`archive`]), each list in the
    /// archive's order: equal databases give equal archives, whatever the backend.
    async fn export(&self) -> StoreResult<Archive>;
    /// Writes an archive into this database, which must be empty (no submissions, entities,
    /// accounts or audit lines; otherwise `Invalid`, writing nothing): in one transaction, with
    /// the archive's ids (later writes continue after the highest), the current values rebuilt
    /// from the highest revisions. The archive is checked first ([`Archive::check`]). Adds no
    /// audit line of its own, so an export of the result equals the archive.
    async fn restore(&self, archive: &Archive) -> StoreResult<()>;
}

/// The database, whatever the backend: every area.
pub trait Store:
    FactStore
    + AccountStore
    + WorkflowStore
    + MeasureStore
    + EmissionStore
    + ArchiveStore
    + DrillStore
    + SafetyRecordStore
    + HazardStore
    + RiskStore
    + ReferenceStore
    + RndStore
    + ManagerStore
    + PracticeStore
    + ReportScheduleStore
{
}

impl<T> Store for T where
    T: FactStore
        + AccountStore
        + WorkflowStore
        + MeasureStore
        + EmissionStore
        + ArchiveStore
        + DrillStore
        + SafetyRecordStore
        + HazardStore
        + RiskStore
        + ReferenceStore
        + RndStore
        + ManagerStore
        + PracticeStore
        + ReportScheduleStore
{
}

/// Whether a `--db` value names a PostgreSQL database (else it is a SQLite file or URL).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The file path of a SQLite `--db` value (`sqlite://x.db`, `sqlite:x.db` or a bare path).
pub fn path_from_url(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// `postgres://u:secret@h/db` → `postgres://u:***@h/db`: a database URL fit for a message or
/// a log line. Anything without a password (a SQLite path) is returned as it is.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_writes_are_planned_as_one_import_after_another() {
        let target = |code: &str, value: &str| Target {
            entity: EntityCode::parse(code).unwrap(),
            year: 2026,
            indicator: "total_profit".into(),
            value: value.parse().unwrap(),
        };
        let targets = vec![
            target("G", "100.00"),
            target("P1", "5"),
            target("P2", "7"),
            target("P1", "6"),
        ];
        let mut current = std::collections::HashMap::from([
            (
                ("G".to_owned(), 2026, "total_profit".to_owned()),
                ("100".parse().unwrap(), 3),
            ),
            (
                ("P2".to_owned(), 2026, "total_profit".to_owned()),
                ("8".parse().unwrap(), 1),
            ),
        ]);
        let mut receipt = FileReceipt::default();
        let writes = plan_target_writes(&targets, &mut current, &mut receipt);
        assert_eq!(
            (receipt.inserted, receipt.revised, receipt.unchanged),
            (1, 2, 1)
        );
        let planned: Vec<(&str, i64, Option<String>, bool)> = writes
            .iter()
            .map(|w| {
                (
                    w.target.entity.as_str(),
                    w.revision,
                    w.previous.map(|v| v.to_string()),
                    w.in_force,
                )
            })
            .collect();
        assert_eq!(
            planned,
            vec![
                ("P1", 1, None, false),
                ("P2", 2, Some("8".into()), true),
                ("P1", 2, Some("5".into()), true),
            ]
        );
    }

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            redact_url("postgres://zx:hunter2@db.local:5432/zx"),
            "postgres://zx:***@db.local:5432/zx"
        );
        assert_eq!(redact_url("postgres://zx@db/zx"), "postgres://zx@db/zx");
        assert_eq!(redact_url("zengxiao.db"), "zengxiao.db");
    }
}

/// The area traits, for callers that hold a concrete store or a `dyn Store`:
/// `use zx_store::prelude::*;` brings every method into scope.
pub mod prelude {
    pub use crate::HazardStore;
    pub use crate::ManagerStore;
    pub use crate::PracticeStore;
    pub use crate::ReportScheduleStore;
    pub use crate::{
        AccountStore, ArchiveStore, DrillStore, EmissionStore, FactStore, MeasureStore,
        ReferenceStore, RiskStore, RndStore, SafetyRecordStore, Store, WorkflowStore,
    };
}
