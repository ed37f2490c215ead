//! Facts and targets: imports of files, revisions, submissions and the audit log.

use crate::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

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
    /// Figures as columns ([`FactTable`], 32 bytes a figure): a 10,000-entity group's
    /// 3 million figures as owned [`Fact`]s held ~430 MB through the import.
    Facts(FactTable),
    Targets(Vec<Target>),
}

impl Changes {
    /// A data file's figures given as [`Fact`]s.
    pub fn facts(facts: Vec<Fact>) -> Self {
        Changes::Facts(FactTable::from_facts(&facts))
    }

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
    /// For a data file imported by [`FactStore::submit`]: what happened to each entity-month
    /// it holds, in (entity, month) order. Empty otherwise.
    pub months: Vec<MonthReceipt>,
}

/// What one submitted file did to one entity-month: its values and its workflow state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthReceipt {
    pub entity: EntityCode,
    pub month: Month,
    pub inserted: usize,
    pub revised: usize,
    pub unchanged: usize,
    /// The recorded state before the import (`None`: nothing recorded).
    pub before: Option<PeriodState>,
    /// The state after it: `submitted` when a value is new or changed or the month was not
    /// submitted or returned before; otherwise the state before (an approval stays).
    pub after: Option<PeriodState>,
    /// Whether the month is locked for the entity or an ancestor (its values were all unchanged).
    pub locked: bool,
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

/// A target with the revision it is at, for optimistic edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRecord {
    pub target: Target,
    pub revision: i64,
}

/// Submitted figures and targets: imported in one transaction, revised, never overwritten.
#[async_trait]
pub trait FactStore: Send + Sync {
    /// All entities, in no particular order.
    async fn entities(&self) -> StoreResult<Vec<Entity>>;
    /// The value in force for every (entity, month, item).
    async fn current_facts(&self) -> StoreResult<Vec<Fact>>;
    /// The values in force as columns ([`FactTable`]): what a report loads.
    async fn current_fact_table(&self) -> StoreResult<FactTable>;
    /// The target in force for every (entity, year, indicator).
    async fn targets(&self) -> StoreResult<Vec<Target>>;
    /// Writes all files of the import in one transaction: all or nothing. A new or changed
    /// value for an (entity, month) whose month is locked for the entity or any ancestor fails
    /// the whole import with [`StoreError::Locked`] (an unchanged one is counted unchanged);
    /// the check and the writes are one transaction, so a lock and an import racing each other
    /// have one clean winner.
    async fn import(&self, import: Import) -> StoreResult<Vec<FileReceipt>>;
    /// [`FactStore::import`] as a submission of the collection workflow: in the same
    /// transaction, each entity-month of a data file is recorded `submitted`
    /// ([`state_after_submission`]) with a `period.submitted` audit line naming the
    /// submission, and each file's receipt lists its months ([`FileReceipt::months`]).
    async fn submit(&self, import: Import) -> StoreResult<Vec<FileReceipt>>;
    /// Every revision matching the filter, oldest first per key.
    async fn history(&self, filter: &HistoryFilter) -> StoreResult<Vec<FactRevision>>;
    /// Submissions, newest first.
    async fn submissions(&self) -> StoreResult<Vec<Submission>>;
    /// Audit entries matching the filter, newest first.
    async fn audit_log(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>>;

    // --- targets, one at a time -------------------------------------------------------------
    /// Targets in force with their revision numbers.
    async fn target_records(&self) -> StoreResult<Vec<TargetRecord>>;
    /// Sets one target if it is still at `expected_revision` (`None`: must not exist yet);
    /// otherwise `Conflict`. Returns the new revision (the current one, writing nothing, when
    /// the value is unchanged). Audited like imported targets (`target.set`, old and new value),
    /// without a submission. `Invalid` for an unknown entity.
    async fn set_target(
        &self,
        target: Target,
        expected_revision: Option<i64>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64>;
}

/// How an entity is shown in the audit log (`entity.create` / `entity.update`).
pub fn describe_entity(e: &Entity) -> String {
    format!(
        "name={}; parent={}; kind={}; region={}; segment={}",
        e.name,
        e.parent.as_ref().map_or("", |p| p.as_str()),
        e.kind,
        e.region,
        e.segment
    )
}

/// The audit object of a target: `target P1 2026 total_profit`.
pub fn describe_target(target: &Target) -> String {
    format!(
        "target {} {} {}",
        target.entity, target.year, target.indicator
    )
}

/// The audit object of a fact: `P1 2026-03 total_profit`.
pub fn describe_fact_key(fact: &Fact) -> String {
    format!("{} {} {}", fact.entity, fact.month, fact.item)
}

/// A fact's value as the audit log shows it: `98.25 (month)`.
pub fn describe_fact_value(value: Decimal, basis: Basis) -> String {
    format!("{value} ({basis})")
}

/// The new value of an `import` audit line.
pub fn describe_import(submission: &NewSubmission, receipt: &FileReceipt) -> String {
    format!(
        "rows={}; new={}; revised={}; unchanged={}; sha256={}",
        submission.rows, receipt.inserted, receipt.revised, receipt.unchanged, submission.sha256
    )
}

/// The key of a target in force: (entity, year, indicator).
pub type TargetKey = (String, i32, String);

/// One target an import writes: its new revision, the value it replaces (for the audit log),
/// and whether it is the last write of its key in the import (the one left in force).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetWrite<'a> {
    pub target: &'a Target,
    pub revision: i64,
    pub previous: Option<Decimal>,
    pub in_force: bool,
}

/// What importing `targets` writes, given the targets in force (`current`, value and revision
/// by key, updated as it goes): a new key is revision 1 (`inserted`), a changed value the next
/// revision (`revised`), an equal value (`1000.00` = `1000`) nothing (`unchanged`), counted into
/// `receipt`. A key listed twice is handled as two imports one after the other. Backends then
/// write the result in batches, in this order.
pub fn plan_target_writes<'a>(
    targets: &'a [Target],
    current: &mut std::collections::HashMap<TargetKey, (Decimal, i64)>,
    receipt: &mut FileReceipt,
) -> Vec<TargetWrite<'a>> {
    let mut writes: Vec<TargetWrite<'a>> = Vec::new();
    let mut last: std::collections::HashMap<TargetKey, usize> = std::collections::HashMap::new();
    for target in targets {
        let key = (
            target.entity.as_str().to_owned(),
            target.year,
            target.indicator.clone(),
        );
        let previous = current.get(&key).copied();
        let revision = match previous {
            Some((value, _)) if value == target.value => {
                receipt.unchanged += 1;
                continue;
            }
            Some((_, revision)) => {
                receipt.revised += 1;
                revision + 1
            }
            None => {
                receipt.inserted += 1;
                1
            }
        };
        current.insert(key.clone(), (target.value, revision));
        if let Some(earlier) = last.insert(key, writes.len()) {
            writes[earlier].in_force = false;
        }
        writes.push(TargetWrite {
            target,
            revision,
            previous: previous.map(|(value, _)| value),
            in_force: true,
        });
    }
    writes
}
