//! The storage API of Zengxiao: what the CLI and the server may ask of a database.
//!
//! One trait, [`Store`], implemented once per backend (`zx-store-sqlite` now; PostgreSQL next),
//! so callers never change when the backend does. The contract every backend keeps:
//! - an [`Import`] is one transaction: all of its files are written, or none;
//! - a submitted value is never overwritten: a different value for the same key becomes a new
//!   revision, the old one stays queryable ([`Store::history`]); an identical value is counted as
//!   unchanged and writes nothing but the submission record;
//! - every change lands in the audit log with who, when, old and new value;
//! - decimals are stored exactly (text or NUMERIC), never as floating point.
//!
//! This crate holds no SQL. Times are passed in by the caller (the domain's "pass now in").
#![forbid(unsafe_code)]

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;
use zx_domain::{Basis, Decimal, Entity, EntityCode, Fact, Month, Target};

/// What went wrong in the storage layer. Data problems are caught before (in ingest), so these
/// are mostly the database's own failures.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Conflict(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// One submitted file: what it was and who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubmission {
    pub file_name: String,
    /// Hex SHA-256 of the file's bytes, to recognise a re-sent file.
    pub sha256: String,
    pub rows: usize,
}

/// The validated content of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    Entities(Vec<Entity>),
    Facts(Vec<Fact>),
    Targets(Vec<Target>),
}

impl Changes {
    pub fn kind(&self) -> &'static str {
        match self {
            Changes::Entities(_) => "entities",
            Changes::Facts(_) => "data",
            Changes::Targets(_) => "targets",
        }
    }
}

/// Files imported together in one transaction.
#[derive(Debug, Clone)]
pub struct Import {
    pub user: String,
    pub at: DateTime<Utc>,
    pub files: Vec<(NewSubmission, Changes)>,
}

/// What one file did to the database.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileReceipt {
    pub submission_id: i64,
    /// Keys that had no value before.
    pub inserted: usize,
    /// Keys whose value changed: a new revision.
    pub revised: usize,
    /// Keys resubmitted with the same value.
    pub unchanged: usize,
}

/// A recorded submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub sha256: String,
    pub user: String,
    pub at: DateTime<Utc>,
    pub rows: usize,
    pub inserted: usize,
    pub revised: usize,
    pub unchanged: usize,
}

/// One revision of a submitted value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactRevision {
    pub entity: EntityCode,
    pub month: Month,
    pub item: String,
    pub revision: i64,
    pub value: Decimal,
    pub basis: Basis,
    pub submission_id: i64,
    pub file_name: String,
    pub user: String,
    pub at: DateTime<Utc>,
    /// Whether this is the value in force.
    pub current: bool,
}

/// Which revisions to list.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    pub entity: Option<EntityCode>,
    pub month: Option<Month>,
    pub item: Option<String>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user: String,
    /// `entity.create`, `entity.update`, `fact.revise`, `target.set`, `import`…
    pub action: String,
    /// What was changed: `P1 2026-03 total_profit`, `entity P1`…
    pub object: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub submission_id: Option<i64>,
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user: Option<String>,
    pub action: Option<String>,
    /// Substring of the object.
    pub object: Option<String>,
    pub limit: Option<usize>,
}

/// The database, whatever the backend.
#[async_trait]
pub trait Store: Send + Sync {
    /// All entities, in no particular order.
    async fn entities(&self) -> StoreResult<Vec<Entity>>;
    /// The value in force for every (entity, month, item).
    async fn current_facts(&self) -> StoreResult<Vec<Fact>>;
    /// The target in force for every (entity, year, indicator).
    async fn targets(&self) -> StoreResult<Vec<Target>>;
    /// Writes all files of the import in one transaction: all or nothing.
    async fn import(&self, import: Import) -> StoreResult<Vec<FileReceipt>>;
    /// Every revision matching the filter, oldest first per key.
    async fn history(&self, filter: &HistoryFilter) -> StoreResult<Vec<FactRevision>>;
    /// Submissions, newest first.
    async fn submissions(&self) -> StoreResult<Vec<Submission>>;
    /// Audit entries matching the filter, newest first.
    async fn audit_log(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>>;
}
