//! The areas of the store not moved to `zx_store::sql` yet.
//!
//! Temporary: what the areas still here share is removed with this file once every area has
//! moved, so unused helpers are allowed meanwhile.
#![allow(dead_code, unused_imports)]

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use zx_domain::{
    Basis, Decimal, Entity, EntityCode, EntityKind, Fact, Measure, MeasureStatus, Month, Role,
    Target,
};
use zx_store::archive::{
    ArchivedAttachment, ArchivedAuditEntry, ArchivedBlob, ArchivedCoOwner, ArchivedEntity,
    ArchivedFactRevision, ArchivedMeasure, ArchivedMeasureUpdate, ArchivedMilestone,
    ArchivedNotification, ArchivedPeriodStatus, ArchivedSubmission, ArchivedTargetRevision,
    ArchivedToken, ArchivedUser, ArchivedVisit,
};
use zx_store::{Alarm, AlarmFilter, ImportSummary, NewAlarm, RuleSetDoc, Stack, StoredStack};
use zx_store::{
    Archive, AuditEntry, AuditFilter, Changes, FactRevision, FileReceipt, HistoryFilter, Import,
    NOTIFICATION_SENDER, NewMeasure, NewNotification, Notification, PeriodState, PeriodStatus,
    StoreError, StoreResult, Submission, TargetKey, TargetRecord, User, check_new_measure,
    describe_entity, describe_fact_key, describe_fact_value, describe_import, describe_measure,
    describe_measure_object, describe_measures_file, describe_measures_import,
    describe_notification, describe_period_state, describe_target, plan_target_writes,
    stored_measure_status, stored_reminder_reason,
};
use zx_store::{ArchiveStore, EmissionStore, FactStore, MeasureStore, WorkflowStore};
use zx_store::{
    Attachment, MeasureChange, MeasureRefs, MeasureUpdate, Milestone, NewAttachment, NewVisit,
    Visit, check_new_visit, content_sha256, describe_attachment, describe_measure_state,
    describe_measure_update, describe_milestone, describe_milestone_object, describe_visit,
    describe_visit_object,
};

/// This crate's `migrations/`, embedded.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Every table holding data (sessions included): a database to restore into must have none.
const DATA_TABLES: [&str; 23] = [
    "submissions",
    "entities",
    "fact_revisions",
    "facts",
    "target_revisions",
    "targets",
    "users",
    "api_tokens",
    "sessions",
    "period_status",
    "audit_log",
    "measures",
    "notifications",
    "visits",
    "visit_entities",
    "measure_co_owners",
    "measure_updates",
    "milestones",
    "blobs",
    "attachments",
    "stacks",
    "alarm_rule_sets",
    "alarms",
];

/// Rows per multi-row INSERT: well under SQLite's bound-parameter limit.
pub(crate) const BATCH: usize = 400;

pub(crate) fn db_error(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_timestamp(text: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp \"{text}\": {e}")))
}

pub(crate) fn parse_decimal(text: &str) -> StoreResult<Decimal> {
    Decimal::from_str(text).map_err(|_| StoreError::Corrupt(format!("decimal \"{text}\"")))
}

pub(crate) fn parse_code(text: &str) -> StoreResult<EntityCode> {
    EntityCode::parse(text).map_err(|e| StoreError::Corrupt(format!("entity code \"{text}\": {e}")))
}

fn parse_month(text: &str) -> StoreResult<Month> {
    Month::parse(text).map_err(|e| StoreError::Corrupt(format!("period \"{text}\": {e}")))
}

fn parse_basis(text: &str) -> StoreResult<Basis> {
    Basis::parse(text).ok_or_else(|| StoreError::Corrupt(format!("basis \"{text}\"")))
}

/// A date as stored: `YYYY-MM-DD`.
fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn parse_date(text: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("date \"{text}\": {e}")))
}

fn parse_measure_status(text: &str) -> StoreResult<MeasureStatus> {
    stored_measure_status(text)
        .ok_or_else(|| StoreError::Corrupt(format!("measure status \"{text}\"")))
}

fn parse_progress(n: i64) -> StoreResult<u8> {
    u8::try_from(n)
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(|| StoreError::Corrupt(format!("measure progress {n}")))
}

/// The columns of a [`Measure`], in the order [`measure_from_row`] reads them.
macro_rules! measure_columns {
    () => {
        "id, entity, title, indicator, owner, start_date, due_date, status, progress, \
         description, expected_effect, visit, revision"
    };
}

/// Reads a [`Measure`] from the first columns of `row` (see `measure_columns!`).
fn measure_from_row(row: &SqliteRow) -> StoreResult<Measure> {
    let entity: String = row.try_get(1).map_err(db_error)?;
    let start: Option<String> = row.try_get(5).map_err(db_error)?;
    let due: String = row.try_get(6).map_err(db_error)?;
    let status: String = row.try_get(7).map_err(db_error)?;
    Ok(Measure {
        id: row.try_get(0).map_err(db_error)?,
        entity: parse_code(&entity)?,
        title: row.try_get(2).map_err(db_error)?,
        indicator: row.try_get(3).map_err(db_error)?,
        owner: row.try_get(4).map_err(db_error)?,
        start: start.as_deref().map(parse_date).transpose()?,
        due: parse_date(&due)?,
        status: parse_measure_status(&status)?,
        progress: parse_progress(row.try_get(8).map_err(db_error)?)?,
        description: row.try_get(9).map_err(db_error)?,
        expected_effect: row.try_get(10).map_err(db_error)?,
        co_owners: Vec::new(),
        visit: row.try_get(11).map_err(db_error)?,
        revision: row.try_get(12).map_err(db_error)?,
    })
}

/// Reads a [`MeasureUpdate`] from `UPDATE_COLUMNS`.
fn update_from_row(row: &SqliteRow) -> StoreResult<MeasureUpdate> {
    let at: String = row.try_get(2).map_err(db_error)?;
    let status_before: String = row.try_get(5).map_err(db_error)?;
    let status_after: String = row.try_get(6).map_err(db_error)?;
    let due_before: String = row.try_get(9).map_err(db_error)?;
    let due_after: String = row.try_get(10).map_err(db_error)?;
    Ok(MeasureUpdate {
        id: row.try_get(0).map_err(db_error)?,
        measure: row.try_get(1).map_err(db_error)?,
        at: parse_timestamp(&at)?,
        by: row.try_get(3).map_err(db_error)?,
        comment: row.try_get(4).map_err(db_error)?,
        status_before: parse_measure_status(&status_before)?,
        status_after: parse_measure_status(&status_after)?,
        progress_before: parse_progress(row.try_get(7).map_err(db_error)?)?,
        progress_after: parse_progress(row.try_get(8).map_err(db_error)?)?,
        due_before: parse_date(&due_before)?,
        due_after: parse_date(&due_after)?,
    })
}

const UPDATE_COLUMNS: &str = "id, measure, created_at, created_by, comment, status_before, \
     status_after, progress_before, progress_after, due_before, due_after";

/// Reads a [`Milestone`] from `id, measure, title, due_date, done_on`.
fn milestone_from_row(row: &SqliteRow) -> StoreResult<Milestone> {
    let due: String = row.try_get(3).map_err(db_error)?;
    let done_on: Option<String> = row.try_get(4).map_err(db_error)?;
    Ok(Milestone {
        id: row.try_get(0).map_err(db_error)?,
        measure: row.try_get(1).map_err(db_error)?,
        title: row.try_get(2).map_err(db_error)?,
        due: parse_date(&due)?,
        done_on: done_on.as_deref().map(parse_date).transpose()?,
    })
}

const ATTACHMENT_COLUMNS: &str =
    "id, measure, milestone, sha256, file_name, media_type, size, created_at, created_by";

/// Reads an [`Attachment`] from `ATTACHMENT_COLUMNS`.
fn attachment_from_row(row: &SqliteRow) -> StoreResult<Attachment> {
    let at: String = row.try_get(7).map_err(db_error)?;
    let size: i64 = row.try_get(6).map_err(db_error)?;
    Ok(Attachment {
        id: row.try_get(0).map_err(db_error)?,
        measure: row.try_get(1).map_err(db_error)?,
        milestone: row.try_get(2).map_err(db_error)?,
        sha256: row.try_get(3).map_err(db_error)?,
        file_name: row.try_get(4).map_err(db_error)?,
        media_type: row.try_get(5).map_err(db_error)?,
        size: u64::try_from(size).map_err(|_| StoreError::Corrupt(format!("size {size}")))?,
        at: parse_timestamp(&at)?,
        by: row.try_get(8).map_err(db_error)?,
    })
}

/// Reads a [`Notification`] from `id, measure, user_name, reason, created_at, read_at`.
fn notification_from_row(row: &SqliteRow) -> StoreResult<Notification> {
    let reason: String = row.try_get(3).map_err(db_error)?;
    let created_at: String = row.try_get(4).map_err(db_error)?;
    let read_at: Option<String> = row.try_get(5).map_err(db_error)?;
    Ok(Notification {
        id: row.try_get(0).map_err(db_error)?,
        measure: row.try_get(1).map_err(db_error)?,
        user: row.try_get(2).map_err(db_error)?,
        reason: stored_reminder_reason(&reason)
            .ok_or_else(|| StoreError::Corrupt(format!("notification reason \"{reason}\"")))?,
        created_at: parse_timestamp(&created_at)?,
        read_at: read_at.as_deref().map(parse_timestamp).transpose()?,
    })
}

/// A fact to write: the fact, its revision number, the previous value (for the audit log).
type FactWrite<'a> = (&'a Fact, i64, Option<(Decimal, Basis)>);

/// The columns of a [`User`], in the order [`user_from_row`] reads them (a macro, so queries
/// stay `&'static str` through `concat!`).
macro_rules! user_columns {
    () => {
        "name, role, entity, disabled, email"
    };
}

/// Reads a [`User`] from `row`, its columns starting at `first` (see `user_columns!`).
fn user_from_row(row: &SqliteRow, first: usize) -> StoreResult<User> {
    let role: String = row.try_get(first + 1).map_err(db_error)?;
    let entity: Option<String> = row.try_get(first + 2).map_err(db_error)?;
    let disabled: i64 = row.try_get(first + 3).map_err(db_error)?;
    Ok(User {
        name: row.try_get(first).map_err(db_error)?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role \"{role}\"")))?,
        entity: entity.as_deref().map(parse_code).transpose()?,
        disabled: disabled != 0,
        email: row.try_get(first + 4).map_err(db_error)?,
    })
}

/// The SQLite database behind the CLI's `--db PATH`.
#[derive(Debug, Clone)]
pub struct LegacySqliteStore {
    pub(crate) pool: SqlitePool,
}

impl LegacySqliteStore {
    async fn import_entities(
        tx: &mut Transaction<'_, Sqlite>,
        import: &Import,
        submission_id: i64,
        entities: &[Entity],
    ) -> StoreResult<FileReceipt> {
        let at = timestamp(import.at);
        let existing: HashMap<String, Entity> = Self::load_entities(&mut **tx)
            .await?
            .into_iter()
            .map(|e| (e.code.as_str().to_owned(), e))
            .collect();
        let mut receipt = FileReceipt {
            submission_id,
            ..FileReceipt::default()
        };
        for entity in entities {
            let old = existing.get(entity.code.as_str());
            if old == Some(entity) {
                receipt.unchanged += 1;
                continue;
            }
            sqlx::query(
                "INSERT INTO entities (code, name, parent, kind, region, segment, submission_id)
                 VALUES (?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent = excluded.parent,
                   kind = excluded.kind, region = excluded.region, segment = excluded.segment,
                   submission_id = excluded.submission_id",
            )
            .bind(entity.code.as_str())
            .bind(&entity.name)
            .bind(entity.parent.as_ref().map(|p| p.as_str().to_owned()))
            .bind(entity.kind.as_str())
            .bind(&entity.region)
            .bind(&entity.segment)
            .bind(submission_id)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
            let (action, old_value) = match old {
                None => {
                    receipt.inserted += 1;
                    ("entity.create", None)
                }
                Some(old) => {
                    receipt.revised += 1;
                    ("entity.update", Some(describe_entity(old)))
                }
            };
            sqlx::query(
                "INSERT INTO audit_log (at, user_name, action, object, old_value, new_value, submission_id)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&at)
            .bind(&import.user)
            .bind(action)
            .bind(format!("entity {}", entity.code))
            .bind(old_value)
            .bind(describe_entity(entity))
            .bind(submission_id)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
        }
        Ok(receipt)
    }

    async fn import_facts(
        tx: &mut Transaction<'_, Sqlite>,
        import: &Import,
        submission_id: i64,
        facts: &[Fact],
    ) -> StoreResult<FileReceipt> {
        Self::refuse_locked(tx, facts).await?;
        // Current values of every entity the file touches, to tell new, revised and unchanged.
        let mut current: HashMap<(String, String, String), (Decimal, Basis, i64)> = HashMap::new();
        let mut entities: Vec<&str> = facts.iter().map(|f| f.entity.as_str()).collect();
        entities.sort_unstable();
        entities.dedup();
        for entity in entities {
            let rows = sqlx::query(
                "SELECT period, item, value, basis, revision FROM facts WHERE entity = ?",
            )
            .bind(entity)
            .fetch_all(&mut **tx)
            .await
            .map_err(db_error)?;
            for row in rows {
                let period: String = row.try_get(0).map_err(db_error)?;
                let item: String = row.try_get(1).map_err(db_error)?;
                let value: String = row.try_get(2).map_err(db_error)?;
                let basis: String = row.try_get(3).map_err(db_error)?;
                let revision: i64 = row.try_get(4).map_err(db_error)?;
                current.insert(
                    (entity.to_owned(), period, item),
                    (parse_decimal(&value)?, parse_basis(&basis)?, revision),
                );
            }
        }
        let mut receipt = FileReceipt {
            submission_id,
            ..FileReceipt::default()
        };
        let mut writes: Vec<FactWrite<'_>> = Vec::new();
        for fact in facts {
            let key = (
                fact.entity.as_str().to_owned(),
                fact.month.to_string(),
                fact.item.clone(),
            );
            match current.get(&key) {
                None => {
                    receipt.inserted += 1;
                    writes.push((fact, 1, None));
                }
                Some((value, basis, _)) if *value == fact.value && *basis == fact.basis => {
                    receipt.unchanged += 1;
                }
                Some((value, basis, revision)) => {
                    receipt.revised += 1;
                    writes.push((fact, revision + 1, Some((*value, *basis))));
                }
            }
        }
        for chunk in writes.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO fact_revisions (entity, period, item, revision, value, basis, submission_id) ",
            );
            insert.push_values(chunk, |mut row, (fact, revision, _)| {
                row.push_bind(fact.entity.as_str().to_owned())
                    .push_bind(fact.month.to_string())
                    .push_bind(fact.item.clone())
                    .push_bind(*revision)
                    .push_bind(fact.value.to_string())
                    .push_bind(fact.basis.as_str())
                    .push_bind(submission_id);
            });
            insert.build().execute(&mut **tx).await.map_err(db_error)?;
            let mut upsert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO facts (entity, period, item, value, basis, revision, submission_id) ",
            );
            upsert.push_values(chunk, |mut row, (fact, revision, _)| {
                row.push_bind(fact.entity.as_str().to_owned())
                    .push_bind(fact.month.to_string())
                    .push_bind(fact.item.clone())
                    .push_bind(fact.value.to_string())
                    .push_bind(fact.basis.as_str())
                    .push_bind(*revision)
                    .push_bind(submission_id);
            });
            upsert.push(
                " ON CONFLICT (entity, period, item) DO UPDATE SET value = excluded.value,
                  basis = excluded.basis, revision = excluded.revision,
                  submission_id = excluded.submission_id",
            );
            upsert.build().execute(&mut **tx).await.map_err(db_error)?;
        }
        // Corrections are what auditors look for: one line per changed value, old and new.
        let at = timestamp(import.at);
        let revised: Vec<_> = writes.iter().filter(|(_, _, old)| old.is_some()).collect();
        for chunk in revised.chunks(BATCH) {
            let mut audit = QueryBuilder::<Sqlite>::new(
                "INSERT INTO audit_log (at, user_name, action, object, old_value, new_value, submission_id) ",
            );
            audit.push_values(chunk, |mut row, (fact, _, old)| {
                let old = old.map(|(v, b)| describe_fact_value(v, b));
                row.push_bind(at.clone())
                    .push_bind(import.user.clone())
                    .push_bind("fact.revise")
                    .push_bind(describe_fact_key(fact))
                    .push_bind(old)
                    .push_bind(describe_fact_value(fact.value, fact.basis))
                    .push_bind(submission_id);
            });
            audit.build().execute(&mut **tx).await.map_err(db_error)?;
        }
        Ok(receipt)
    }

    async fn import_targets(
        tx: &mut Transaction<'_, Sqlite>,
        import: &Import,
        submission_id: i64,
        targets: &[Target],
    ) -> StoreResult<FileReceipt> {
        // Targets in force of every entity the file touches, read in a few queries.
        let mut entities: Vec<&str> = targets.iter().map(|t| t.entity.as_str()).collect();
        entities.sort_unstable();
        entities.dedup();
        let mut current: HashMap<TargetKey, (Decimal, i64)> = HashMap::new();
        for chunk in entities.chunks(BATCH) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "SELECT entity, year, indicator, value, revision FROM targets WHERE entity IN (",
            );
            let mut list = query.separated(", ");
            for entity in chunk {
                list.push_bind((*entity).to_owned());
            }
            query.push(")");
            for row in query.build().fetch_all(&mut **tx).await.map_err(db_error)? {
                let value: String = row.try_get(3).map_err(db_error)?;
                current.insert(
                    (
                        row.try_get(0).map_err(db_error)?,
                        row.try_get(1).map_err(db_error)?,
                        row.try_get(2).map_err(db_error)?,
                    ),
                    (parse_decimal(&value)?, row.try_get(4).map_err(db_error)?),
                );
            }
        }
        let mut receipt = FileReceipt {
            submission_id,
            ..FileReceipt::default()
        };
        let writes = plan_target_writes(targets, &mut current, &mut receipt);
        let at = timestamp(import.at);
        for chunk in writes.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO target_revisions
                   (entity, year, indicator, revision, value, submission_id, user_name, at) ",
            );
            insert.push_values(chunk, |mut row, w| {
                row.push_bind(w.target.entity.as_str().to_owned())
                    .push_bind(w.target.year)
                    .push_bind(w.target.indicator.clone())
                    .push_bind(w.revision)
                    .push_bind(w.target.value.to_string())
                    .push_bind(submission_id)
                    .push_bind(import.user.clone())
                    .push_bind(at.clone());
            });
            insert.build().execute(&mut **tx).await.map_err(db_error)?;
            let in_force: Vec<_> = chunk.iter().filter(|w| w.in_force).collect();
            if !in_force.is_empty() {
                let mut upsert = QueryBuilder::<Sqlite>::new(
                    "INSERT INTO targets (entity, year, indicator, value, revision, submission_id) ",
                );
                upsert.push_values(in_force, |mut row, w| {
                    row.push_bind(w.target.entity.as_str().to_owned())
                        .push_bind(w.target.year)
                        .push_bind(w.target.indicator.clone())
                        .push_bind(w.target.value.to_string())
                        .push_bind(w.revision)
                        .push_bind(submission_id);
                });
                upsert.push(
                    " ON CONFLICT (entity, year, indicator) DO UPDATE SET value = excluded.value,
                      revision = excluded.revision, submission_id = excluded.submission_id",
                );
                upsert.build().execute(&mut **tx).await.map_err(db_error)?;
            }
            let mut audit = QueryBuilder::<Sqlite>::new(
                "INSERT INTO audit_log (at, user_name, action, object, old_value, new_value, submission_id) ",
            );
            audit.push_values(chunk, |mut row, w| {
                row.push_bind(at.clone())
                    .push_bind(import.user.clone())
                    .push_bind("target.set")
                    .push_bind(describe_target(w.target))
                    .push_bind(w.previous.map(|v| v.to_string()))
                    .push_bind(w.target.value.to_string())
                    .push_bind(submission_id);
            });
            audit.build().execute(&mut **tx).await.map_err(db_error)?;
        }
        Ok(receipt)
    }

    /// A write transaction that takes SQLite's write lock at once (`BEGIN IMMEDIATE`; sqlx's
    /// plain `begin` is DEFERRED), so what it reads cannot change before it writes.
    pub(crate) async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)
    }

    /// Fails with [`StoreError::Locked`] when any fact's month is locked for its entity or one
    /// of its ancestors. Runs inside the import's transaction, after its write lock is taken.
    async fn refuse_locked(tx: &mut Transaction<'_, Sqlite>, facts: &[Fact]) -> StoreResult<()> {
        let any_lock: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM period_status WHERE state = 'locked' LIMIT 1")
                .fetch_optional(&mut **tx)
                .await
                .map_err(db_error)?;
        if any_lock.is_none() {
            return Ok(());
        }
        let mut entities: Vec<&str> = facts.iter().map(|f| f.entity.as_str()).collect();
        entities.sort_unstable();
        entities.dedup();
        // (entity, month) pairs locked on the entity itself or on any ancestor. UNION (not
        // UNION ALL) ends the recursion even on a corrupt, cyclic tree.
        let mut locked: HashSet<(String, String)> = HashSet::new();
        for chunk in entities.chunks(BATCH) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "WITH RECURSIVE chain (start, code) AS (
                   SELECT code, code FROM entities WHERE code IN (",
            );
            let mut list = query.separated(", ");
            for entity in chunk {
                list.push_bind((*entity).to_owned());
            }
            query.push(
                ")
                   UNION
                   SELECT chain.start, e.parent FROM chain JOIN entities e ON e.code = chain.code
                   WHERE e.parent IS NOT NULL
                 )
                 SELECT DISTINCT chain.start, p.period
                 FROM chain JOIN period_status p ON p.entity = chain.code
                 WHERE p.state = 'locked'",
            );
            let rows = query.build().fetch_all(&mut **tx).await.map_err(db_error)?;
            for row in rows {
                locked.insert((
                    row.try_get(0).map_err(db_error)?,
                    row.try_get(1).map_err(db_error)?,
                ));
            }
        }
        if locked.is_empty() {
            return Ok(());
        }
        for fact in facts {
            let key = (fact.entity.as_str().to_owned(), fact.month.to_string());
            if locked.contains(&key) {
                return Err(StoreError::Locked {
                    entity: key.0,
                    month: key.1,
                });
            }
        }
        Ok(())
    }

    /// One audit line not tied to a submission (accounts, workflow, targets edited directly).
    pub(crate) async fn audit<'e, E>(
        executor: E,
        at: DateTime<Utc>,
        user: &str,
        action: &str,
        object: &str,
        old_value: Option<String>,
        new_value: Option<String>,
    ) -> StoreResult<()>
    where
        E: sqlx::Executor<'e, Database = Sqlite>,
    {
        sqlx::query(
            "INSERT INTO audit_log (at, user_name, action, object, old_value, new_value, submission_id)
             VALUES (?, ?, ?, ?, ?, ?, NULL)",
        )
        .bind(timestamp(at))
        .bind(user)
        .bind(action)
        .bind(object)
        .bind(old_value)
        .bind(new_value)
        .execute(executor)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn entity_exists<'e, E>(executor: E, code: &EntityCode) -> StoreResult<bool>
    where
        E: sqlx::Executor<'e, Database = Sqlite>,
    {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM entities WHERE code = ?")
            .bind(code.as_str())
            .fetch_optional(executor)
            .await
            .map_err(db_error)?;
        Ok(found.is_some())
    }

    async fn load_entities<'e, E>(executor: E) -> StoreResult<Vec<Entity>>
    where
        E: sqlx::Executor<'e, Database = Sqlite>,
    {
        let rows = sqlx::query("SELECT code, name, parent, kind, region, segment FROM entities")
            .fetch_all(executor)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|row| {
                let code: String = row.try_get(0).map_err(db_error)?;
                let parent: Option<String> = row.try_get(2).map_err(db_error)?;
                let kind: String = row.try_get(3).map_err(db_error)?;
                Ok(Entity {
                    code: parse_code(&code)?,
                    name: row.try_get(1).map_err(db_error)?,
                    parent: parent.as_deref().map(parse_code).transpose()?,
                    kind: EntityKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("entity kind \"{kind}\"")))?,
                    region: row.try_get(4).map_err(db_error)?,
                    segment: row.try_get(5).map_err(db_error)?,
                })
            })
            .collect()
    }
}

/// Export and restore (see [`zx_store::archive`]).
impl LegacySqliteStore {
    /// What new measures are checked against (entities, accounts), read once in the writing
    /// transaction.
    async fn measure_refs(tx: &mut Transaction<'_, Sqlite>) -> StoreResult<MeasureRefs> {
        let entities = sqlx::query_scalar("SELECT code FROM entities")
            .fetch_all(&mut **tx)
            .await
            .map_err(db_error)?
            .into_iter()
            .collect();
        let users = sqlx::query_as::<_, (String, i64)>("SELECT name, disabled FROM users")
            .fetch_all(&mut **tx)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(|(name, disabled)| (name, disabled != 0))
            .collect();
        Ok(MeasureRefs { entities, users })
    }

    /// Inserts checked measures with their co-owners and `measure.create` audit lines, in
    /// list order; returns their ids.
    ///
    /// Ids are assigned here (after the highest, as SQLite would) so that rows, co-owners and
    /// audit lines go in multi-row INSERTs: the caller holds the write lock (`BEGIN
    /// IMMEDIATE`), so nobody takes them in between. One statement per row made a
    /// 20,000-measure list take seconds.
    async fn insert_measures(
        tx: &mut Transaction<'_, Sqlite>,
        measures: &[NewMeasure],
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>> {
        let first: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM measures")
            .fetch_one(&mut **tx)
            .await
            .map_err(db_error)?;
        let ids: Vec<i64> = (first..).take(measures.len()).collect();
        let created_at = timestamp(at);
        let rows: Vec<(i64, &NewMeasure)> = ids.iter().copied().zip(measures).collect();
        for chunk in rows.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO measures (id, entity, title, indicator, owner, start_date, due_date,
                   status, progress, created_at, created_by, description, expected_effect, visit) ",
            );
            insert.push_values(chunk, |mut row, (id, m)| {
                row.push_bind(*id)
                    .push_bind(m.entity.as_str().to_owned())
                    .push_bind(m.title.clone())
                    .push_bind(m.indicator.clone())
                    .push_bind(m.owner.clone())
                    .push_bind(m.start.map(date_text))
                    .push_bind(date_text(m.due))
                    .push_bind(m.status.as_str())
                    .push_bind(i64::from(m.progress))
                    .push_bind(created_at.clone())
                    .push_bind(user.to_owned())
                    .push_bind(m.description.clone())
                    .push_bind(m.expected_effect.clone())
                    .push_bind(m.visit);
            });
            insert.build().execute(&mut **tx).await.map_err(db_error)?;
        }
        let co_owners: Vec<(i64, &str)> = rows
            .iter()
            .flat_map(|(id, m)| {
                let mut names: Vec<&str> = m.co_owners.iter().map(String::as_str).collect();
                names.sort_unstable();
                names.dedup();
                names.into_iter().map(move |name| (*id, name))
            })
            .collect();
        for chunk in co_owners.chunks(BATCH) {
            let mut insert =
                QueryBuilder::<Sqlite>::new("INSERT INTO measure_co_owners (measure, user_name) ");
            insert.push_values(chunk, |mut row, (id, name)| {
                row.push_bind(*id).push_bind(name.to_string());
            });
            insert.build().execute(&mut **tx).await.map_err(db_error)?;
        }
        for chunk in rows.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO audit_log (at, user_name, action, object, old_value, new_value,
                   submission_id) ",
            );
            insert.push_values(chunk, |mut row, (id, m)| {
                row.push_bind(created_at.clone())
                    .push_bind(user.to_owned())
                    .push_bind("measure.create")
                    .push_bind(describe_measure_object(*id))
                    .push_bind(None::<String>)
                    .push_bind(describe_measure(m))
                    .push_bind(None::<i64>);
            });
            insert.build().execute(&mut **tx).await.map_err(db_error)?;
        }
        Ok(ids)
    }

    async fn load_measure(
        executor: &mut sqlx::SqliteConnection,
        id: i64,
    ) -> StoreResult<Option<Measure>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            measure_columns!(),
            " FROM measures WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&mut *executor)
        .await
        .map_err(db_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut measure = measure_from_row(&row)?;
        measure.co_owners = sqlx::query_scalar(
            "SELECT user_name FROM measure_co_owners WHERE measure = ? ORDER BY user_name",
        )
        .bind(id)
        .fetch_all(&mut *executor)
        .await
        .map_err(db_error)?;
        Ok(Some(measure))
    }

    async fn load_visits(tx: &mut sqlx::SqliteConnection) -> StoreResult<Vec<Visit>> {
        let rows = sqlx::query(
            "SELECT id, leader, start_date, end_date, participants, summary, findings,
                    created_at, created_by
             FROM visits ORDER BY start_date DESC, id DESC",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        let mut entities: HashMap<i64, Vec<EntityCode>> = HashMap::new();
        for row in sqlx::query("SELECT visit, entity FROM visit_entities ORDER BY visit, entity")
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?
        {
            let code: String = row.try_get(1).map_err(db_error)?;
            entities
                .entry(row.try_get(0).map_err(db_error)?)
                .or_default()
                .push(parse_code(&code)?);
        }
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get(0).map_err(db_error)?;
                let start: String = row.try_get(2).map_err(db_error)?;
                let end: String = row.try_get(3).map_err(db_error)?;
                let at: String = row.try_get(7).map_err(db_error)?;
                Ok(Visit {
                    id,
                    leader: row.try_get(1).map_err(db_error)?,
                    start: parse_date(&start)?,
                    end: parse_date(&end)?,
                    entities: entities.remove(&id).unwrap_or_default(),
                    participants: row.try_get(4).map_err(db_error)?,
                    summary: row.try_get(5).map_err(db_error)?,
                    findings: row.try_get(6).map_err(db_error)?,
                    at: parse_timestamp(&at)?,
                    by: row.try_get(8).map_err(db_error)?,
                })
            })
            .collect()
    }

    async fn export_archive(&self) -> StoreResult<Archive> {
        // One read transaction: in WAL mode every SELECT in it sees the same snapshot.
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let count = |row: &SqliteRow, i: usize| -> StoreResult<u64> {
            let n: i64 = row.try_get(i).map_err(db_error)?;
            u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative count {n}")))
        };
        let mut archive = Archive::default();
        for row in sqlx::query(
            "SELECT id, kind, file_name, sha256, user_name, submitted_at, row_count, inserted,
                    revised, unchanged FROM submissions",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?
        {
            let at: String = row.try_get(5).map_err(db_error)?;
            archive.submissions.push(ArchivedSubmission {
                id: row.try_get(0).map_err(db_error)?,
                kind: row.try_get(1).map_err(db_error)?,
                file_name: row.try_get(2).map_err(db_error)?,
                sha256: row.try_get(3).map_err(db_error)?,
                user: row.try_get(4).map_err(db_error)?,
                at: parse_timestamp(&at)?,
                rows: count(&row, 6)?,
                inserted: count(&row, 7)?,
                revised: count(&row, 8)?,
                unchanged: count(&row, 9)?,
            });
        }
        for row in sqlx::query(
            "SELECT code, name, parent, kind, region, segment, submission_id FROM entities",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?
        {
            let code: String = row.try_get(0).map_err(db_error)?;
            let parent: Option<String> = row.try_get(2).map_err(db_error)?;
            let kind: String = row.try_get(3).map_err(db_error)?;
            archive.entities.push(ArchivedEntity {
                code: parse_code(&code)?,
                name: row.try_get(1).map_err(db_error)?,
                parent: parent.as_deref().map(parse_code).transpose()?,
                kind: EntityKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("entity kind \"{kind}\"")))?,
                region: row.try_get(4).map_err(db_error)?,
                segment: row.try_get(5).map_err(db_error)?,
                submission_id: row.try_get(6).map_err(db_error)?,
            });
        }
        for row in sqlx::query(
            "SELECT id, entity, period, item, revision, value, basis, submission_id
             FROM fact_revisions",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?
        {
            let entity: String = row.try_get(1).map_err(db_error)?;
            let period: String = row.try_get(2).map_err(db_error)?;
            let value: String = row.try_get(5).map_err(db_error)?;
            let basis: String = row.try_get(6).map_err(db_error)?;
            archive.fact_revisions.push(ArchivedFactRevision {
                id: row.try_get(0).map_err(db_error)?,
                entity: parse_code(&entity)?,
                month: parse_month(&period)?,
                item: row.try_get(3).map_err(db_error)?,
                revision: row.try_get(4).map_err(db_error)?,
                value: parse_decimal(&value)?,
                basis: parse_basis(&basis)?,
                submission_id: row.try_get(7).map_err(db_error)?,
            });
        }
        for row in sqlx::query(
            "SELECT id, entity, year, indicator, revision, value, submission_id, user_name, at
             FROM target_revisions",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?
        {
            let entity: String = row.try_get(1).map_err(db_error)?;
            let value: String = row.try_get(5).map_err(db_error)?;
            let at: String = row.try_get(8).map_err(db_error)?;
            archive.target_revisions.push(ArchivedTargetRevision {
                id: row.try_get(0).map_err(db_error)?,
                entity: parse_code(&entity)?,
                year: row.try_get(2).map_err(db_error)?,
                indicator: row.try_get(3).map_err(db_error)?,
                revision: row.try_get(4).map_err(db_error)?,
                value: parse_decimal(&value)?,
                submission_id: row.try_get(6).map_err(db_error)?,
                user: row.try_get(7).map_err(db_error)?,
                at: parse_timestamp(&at)?,
            });
        }
        for row in sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            ", password_hash, created_at FROM users"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?
        {
            let user = user_from_row(&row, 0)?;
            let created_at: String = row.try_get(6).map_err(db_error)?;
            archive.users.push(ArchivedUser {
                name: user.name,
                role: user.role,
                entity: user.entity,
                password_hash: row.try_get(5).map_err(db_error)?,
                disabled: user.disabled,
                created_at: parse_timestamp(&created_at)?,
                email: user.email,
            });
        }
        for row in sqlx::query("SELECT token_hash, user_name, created_at, revoked FROM api_tokens")
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?
        {
            let created_at: String = row.try_get(2).map_err(db_error)?;
            let revoked: i64 = row.try_get(3).map_err(db_error)?;
            archive.api_tokens.push(ArchivedToken {
                token_hash: row.try_get(0).map_err(db_error)?,
                user: row.try_get(1).map_err(db_error)?,
                created_at: parse_timestamp(&created_at)?,
                revoked: revoked != 0,
            });
        }
        for row in
            sqlx::query("SELECT entity, period, state, comment, user_name, at FROM period_status")
                .fetch_all(&mut *tx)
                .await
                .map_err(db_error)?
        {
            let entity: String = row.try_get(0).map_err(db_error)?;
            let period: String = row.try_get(1).map_err(db_error)?;
            let state: String = row.try_get(2).map_err(db_error)?;
            let at: String = row.try_get(5).map_err(db_error)?;
            archive.period_statuses.push(ArchivedPeriodStatus {
                entity: parse_code(&entity)?,
                month: parse_month(&period)?,
                state: PeriodState::parse(&state)
                    .ok_or_else(|| StoreError::Corrupt(format!("period state \"{state}\"")))?,
                comment: row.try_get(3).map_err(db_error)?,
                user: row.try_get(4).map_err(db_error)?,
                at: parse_timestamp(&at)?,
            });
        }
        for row in sqlx::query(
            "SELECT id, at, user_name, action, object, old_value, new_value, submission_id
             FROM audit_log",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?
        {
            let at: String = row.try_get(1).map_err(db_error)?;
            archive.audit_log.push(ArchivedAuditEntry {
                id: row.try_get(0).map_err(db_error)?,
                at: parse_timestamp(&at)?,
                user: row.try_get(2).map_err(db_error)?,
                action: row.try_get(3).map_err(db_error)?,
                object: row.try_get(4).map_err(db_error)?,
                old_value: row.try_get(5).map_err(db_error)?,
                new_value: row.try_get(6).map_err(db_error)?,
                submission_id: row.try_get(7).map_err(db_error)?,
            });
        }
        for row in sqlx::query(concat!(
            "SELECT ",
            measure_columns!(),
            ", created_at, created_by FROM measures"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?
        {
            let m = measure_from_row(&row)?;
            let created_at: String = row.try_get(13).map_err(db_error)?;
            archive.measures.push(ArchivedMeasure {
                id: m.id,
                entity: m.entity,
                title: m.title,
                indicator: m.indicator,
                owner: m.owner,
                start: m.start,
                due: m.due,
                status: m.status,
                progress: m.progress,
                created_at: parse_timestamp(&created_at)?,
                created_by: row.try_get(14).map_err(db_error)?,
                description: m.description,
                expected_effect: m.expected_effect,
                visit: m.visit,
                revision: m.revision,
            });
        }
        for row in sqlx::query(
            "SELECT id, measure, user_name, reason, created_at, read_at FROM notifications",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?
        {
            let n = notification_from_row(&row)?;
            archive.notifications.push(ArchivedNotification {
                id: n.id,
                measure: n.measure,
                user: n.user,
                reason: n.reason,
                created_at: n.created_at,
                read_at: n.read_at,
            });
        }
        for visit in Self::load_visits(&mut tx).await? {
            archive.visits.push(ArchivedVisit {
                id: visit.id,
                leader: visit.leader,
                start: visit.start,
                end: visit.end,
                entities: visit
                    .entities
                    .iter()
                    .map(|e| e.as_str().to_owned())
                    .collect(),
                participants: visit.participants,
                summary: visit.summary,
                findings: visit.findings,
                created_at: visit.at,
                created_by: visit.by,
            });
        }
        for row in sqlx::query("SELECT measure, user_name FROM measure_co_owners")
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?
        {
            archive.co_owners.push(ArchivedCoOwner {
                measure: row.try_get(0).map_err(db_error)?,
                user: row.try_get(1).map_err(db_error)?,
            });
        }
        for row in sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {UPDATE_COLUMNS} FROM measure_updates"
        )))
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?
        {
            let u = update_from_row(&row)?;
            archive.measure_updates.push(ArchivedMeasureUpdate {
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
            });
        }
        for row in sqlx::query("SELECT id, measure, title, due_date, done_on FROM milestones")
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?
        {
            let m = milestone_from_row(&row)?;
            archive.milestones.push(ArchivedMilestone {
                id: m.id,
                measure: m.measure,
                title: m.title,
                due: m.due,
                done_on: m.done_on,
            });
        }
        for row in sqlx::query("SELECT sha256, content FROM blobs")
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?
        {
            archive.blobs.push(ArchivedBlob {
                sha256: row.try_get(0).map_err(db_error)?,
                content: row.try_get(1).map_err(db_error)?,
            });
        }
        for row in sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments"
        )))
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?
        {
            let a = attachment_from_row(&row)?;
            archive.attachments.push(ArchivedAttachment {
                id: a.id,
                measure: a.measure,
                milestone: a.milestone,
                sha256: a.sha256,
                file_name: a.file_name,
                media_type: a.media_type,
                size: a.size,
                created_at: a.at,
                created_by: a.by,
            });
        }
        crate::emissions::export_emissions(&mut tx, &mut archive).await?;
        tx.commit().await.map_err(db_error)?;
        archive.sort();
        Ok(archive)
    }

    async fn restore_archive(&self, archive: &Archive) -> StoreResult<()> {
        archive.check()?;
        let mut tx = self.begin_write().await?;
        for table in DATA_TABLES {
            let found: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT 1 FROM {table} LIMIT 1"
            )))
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
            if found.is_some() {
                return Err(StoreError::Invalid(format!(
                    "the database is not empty (its {table} table has rows): restore only into a new database"
                )));
            }
        }
        for chunk in archive.submissions.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO submissions (id, kind, file_name, sha256, user_name, submitted_at,
                   row_count, inserted, revised, unchanged) ",
            );
            insert.push_values(chunk, |mut row, s| {
                row.push_bind(s.id)
                    .push_bind(s.kind.clone())
                    .push_bind(s.file_name.clone())
                    .push_bind(s.sha256.clone())
                    .push_bind(s.user.clone())
                    .push_bind(timestamp(s.at))
                    .push_bind(sql_count(s.rows))
                    .push_bind(sql_count(s.inserted))
                    .push_bind(sql_count(s.revised))
                    .push_bind(sql_count(s.unchanged));
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.entities.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO entities (code, name, parent, kind, region, segment, submission_id) ",
            );
            insert.push_values(chunk, |mut row, e| {
                row.push_bind(e.code.as_str().to_owned())
                    .push_bind(e.name.clone())
                    .push_bind(e.parent.as_ref().map(|p| p.as_str().to_owned()))
                    .push_bind(e.kind.as_str())
                    .push_bind(e.region.clone())
                    .push_bind(e.segment.clone())
                    .push_bind(e.submission_id);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.fact_revisions.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO fact_revisions
                   (id, entity, period, item, revision, value, basis, submission_id) ",
            );
            insert.push_values(chunk, |mut row, r| {
                row.push_bind(r.id)
                    .push_bind(r.entity.as_str().to_owned())
                    .push_bind(r.month.to_string())
                    .push_bind(r.item.clone())
                    .push_bind(r.revision)
                    .push_bind(r.value.to_string())
                    .push_bind(r.basis.as_str())
                    .push_bind(r.submission_id);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.target_revisions.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO target_revisions
                   (id, entity, year, indicator, revision, value, submission_id, user_name, at) ",
            );
            insert.push_values(chunk, |mut row, r| {
                row.push_bind(r.id)
                    .push_bind(r.entity.as_str().to_owned())
                    .push_bind(r.year)
                    .push_bind(r.indicator.clone())
                    .push_bind(r.revision)
                    .push_bind(r.value.to_string())
                    .push_bind(r.submission_id)
                    .push_bind(r.user.clone())
                    .push_bind(timestamp(r.at));
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        // The values in force are the highest revisions (imports and edits only ever add one).
        sqlx::query(
            "INSERT INTO facts (entity, period, item, value, basis, revision, submission_id)
             SELECT r.entity, r.period, r.item, r.value, r.basis, r.revision, r.submission_id
             FROM fact_revisions r
             JOIN (SELECT entity, period, item, MAX(revision) AS revision FROM fact_revisions
                   GROUP BY entity, period, item) m USING (entity, period, item, revision)",
        )
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        sqlx::query(
            "INSERT INTO targets (entity, year, indicator, value, revision, submission_id)
             SELECT r.entity, r.year, r.indicator, r.value, r.revision, r.submission_id
             FROM target_revisions r
             JOIN (SELECT entity, year, indicator, MAX(revision) AS revision FROM target_revisions
                   GROUP BY entity, year, indicator) m USING (entity, year, indicator, revision)",
        )
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        for chunk in archive.users.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO users (name, role, entity, password_hash, disabled, created_at, email) ",
            );
            insert.push_values(chunk, |mut row, u| {
                row.push_bind(u.name.clone())
                    .push_bind(u.role.as_str())
                    .push_bind(u.entity.as_ref().map(|e| e.as_str().to_owned()))
                    .push_bind(u.password_hash.clone())
                    .push_bind(i64::from(u.disabled))
                    .push_bind(timestamp(u.created_at))
                    .push_bind(u.email.clone());
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.api_tokens.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO api_tokens (token_hash, user_name, created_at, revoked) ",
            );
            insert.push_values(chunk, |mut row, t| {
                row.push_bind(t.token_hash.clone())
                    .push_bind(t.user.clone())
                    .push_bind(timestamp(t.created_at))
                    .push_bind(i64::from(t.revoked));
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.period_statuses.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO period_status (entity, period, state, comment, user_name, at) ",
            );
            insert.push_values(chunk, |mut row, p| {
                row.push_bind(p.entity.as_str().to_owned())
                    .push_bind(p.month.to_string())
                    .push_bind(p.state.as_str())
                    .push_bind(p.comment.clone())
                    .push_bind(p.user.clone())
                    .push_bind(timestamp(p.at));
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.audit_log.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO audit_log
                   (id, at, user_name, action, object, old_value, new_value, submission_id) ",
            );
            insert.push_values(chunk, |mut row, a| {
                row.push_bind(a.id)
                    .push_bind(timestamp(a.at))
                    .push_bind(a.user.clone())
                    .push_bind(a.action.clone())
                    .push_bind(a.object.clone())
                    .push_bind(a.old_value.clone())
                    .push_bind(a.new_value.clone())
                    .push_bind(a.submission_id);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for v in &archive.visits {
            sqlx::query(
                "INSERT INTO visits (id, leader, start_date, end_date, participants, summary,
                   findings, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(v.id)
            .bind(&v.leader)
            .bind(date_text(v.start))
            .bind(date_text(v.end))
            .bind(&v.participants)
            .bind(&v.summary)
            .bind(&v.findings)
            .bind(timestamp(v.created_at))
            .bind(&v.created_by)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
            for entity in &v.entities {
                sqlx::query("INSERT INTO visit_entities (visit, entity) VALUES (?, ?)")
                    .bind(v.id)
                    .bind(entity)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
            }
        }
        for chunk in archive.measures.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO measures (id, entity, title, indicator, owner, start_date, due_date,
                   status, progress, created_at, created_by, description, expected_effect, visit,
                   revision) ",
            );
            insert.push_values(chunk, |mut row, m| {
                row.push_bind(m.id)
                    .push_bind(m.entity.as_str().to_owned())
                    .push_bind(m.title.clone())
                    .push_bind(m.indicator.clone())
                    .push_bind(m.owner.clone())
                    .push_bind(m.start.map(date_text))
                    .push_bind(date_text(m.due))
                    .push_bind(m.status.as_str())
                    .push_bind(i64::from(m.progress))
                    .push_bind(timestamp(m.created_at))
                    .push_bind(m.created_by.clone())
                    .push_bind(m.description.clone())
                    .push_bind(m.expected_effect.clone())
                    .push_bind(m.visit)
                    .push_bind(m.revision);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.notifications.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO notifications (id, measure, user_name, reason, created_at, read_at) ",
            );
            insert.push_values(chunk, |mut row, n| {
                row.push_bind(n.id)
                    .push_bind(n.measure)
                    .push_bind(n.user.clone())
                    .push_bind(n.reason.as_str())
                    .push_bind(timestamp(n.created_at))
                    .push_bind(n.read_at.map(timestamp));
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for c in &archive.co_owners {
            sqlx::query("INSERT INTO measure_co_owners (measure, user_name) VALUES (?, ?)")
                .bind(c.measure)
                .bind(&c.user)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        for u in &archive.measure_updates {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO measure_updates ({UPDATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            )))
            .bind(u.id)
            .bind(u.measure)
            .bind(timestamp(u.at))
            .bind(&u.by)
            .bind(&u.comment)
            .bind(u.status_before.as_str())
            .bind(u.status_after.as_str())
            .bind(i64::from(u.progress_before))
            .bind(i64::from(u.progress_after))
            .bind(date_text(u.due_before))
            .bind(date_text(u.due_after))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        for m in &archive.milestones {
            sqlx::query(
                "INSERT INTO milestones (id, measure, title, due_date, done_on) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(m.id)
            .bind(m.measure)
            .bind(&m.title)
            .bind(date_text(m.due))
            .bind(m.done_on.map(date_text))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        for b in &archive.blobs {
            sqlx::query("INSERT INTO blobs (sha256, content) VALUES (?, ?)")
                .bind(&b.sha256)
                .bind(&b.content)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        for a in &archive.attachments {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO attachments ({ATTACHMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            )))
            .bind(a.id)
            .bind(a.measure)
            .bind(a.milestone)
            .bind(&a.sha256)
            .bind(&a.file_name)
            .bind(&a.media_type)
            .bind(i64::try_from(a.size).unwrap_or(i64::MAX))
            .bind(timestamp(a.created_at))
            .bind(&a.created_by)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        crate::emissions::restore_emissions(&mut tx, archive).await?;
        // An INTEGER PRIMARY KEY continues after the highest id by itself: nothing to reset.
        tx.commit().await.map_err(db_error)
    }
}

/// A count as SQLite stores it.
fn sql_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[async_trait]
impl FactStore for LegacySqliteStore {
    async fn entities(&self) -> StoreResult<Vec<Entity>> {
        Self::load_entities(&self.pool).await
    }
    async fn current_facts(&self) -> StoreResult<Vec<Fact>> {
        let rows = sqlx::query("SELECT entity, period, item, value, basis FROM facts")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|row| {
                let entity: String = row.try_get(0).map_err(db_error)?;
                let period: String = row.try_get(1).map_err(db_error)?;
                let value: String = row.try_get(3).map_err(db_error)?;
                let basis: String = row.try_get(4).map_err(db_error)?;
                Ok(Fact {
                    entity: parse_code(&entity)?,
                    month: parse_month(&period)?,
                    item: row.try_get(2).map_err(db_error)?,
                    value: parse_decimal(&value)?,
                    basis: parse_basis(&basis)?,
                })
            })
            .collect()
    }
    async fn targets(&self) -> StoreResult<Vec<Target>> {
        let rows = sqlx::query("SELECT entity, year, indicator, value FROM targets")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|row| {
                let entity: String = row.try_get(0).map_err(db_error)?;
                let value: String = row.try_get(3).map_err(db_error)?;
                Ok(Target {
                    entity: parse_code(&entity)?,
                    year: row.try_get(1).map_err(db_error)?,
                    indicator: row.try_get(2).map_err(db_error)?,
                    value: parse_decimal(&value)?,
                })
            })
            .collect()
    }
    async fn import(&self, import: Import) -> StoreResult<Vec<FileReceipt>> {
        // IMMEDIATE: the write lock is taken before the locked-month check reads anything.
        let mut tx = self.begin_write().await?;
        let at = timestamp(import.at);
        let mut receipts = Vec::with_capacity(import.files.len());
        for (submission, changes) in &import.files {
            let submission_id: i64 = sqlx::query(
                "INSERT INTO submissions (kind, file_name, sha256, user_name, submitted_at, row_count)
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(changes.kind())
            .bind(&submission.file_name)
            .bind(&submission.sha256)
            .bind(&import.user)
            .bind(&at)
            .bind(submission.rows as i64)
            .fetch_one(&mut *tx)
            .await
            .and_then(|row| row.try_get(0))
            .map_err(db_error)?;
            let receipt = match changes {
                Changes::Entities(list) => {
                    Self::import_entities(&mut tx, &import, submission_id, list).await?
                }
                Changes::Facts(list) => {
                    Self::import_facts(&mut tx, &import, submission_id, list).await?
                }
                Changes::Targets(list) => {
                    Self::import_targets(&mut tx, &import, submission_id, list).await?
                }
            };
            sqlx::query(
                "UPDATE submissions SET inserted = ?, revised = ?, unchanged = ? WHERE id = ?",
            )
            .bind(receipt.inserted as i64)
            .bind(receipt.revised as i64)
            .bind(receipt.unchanged as i64)
            .bind(submission_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
            sqlx::query(
                "INSERT INTO audit_log (at, user_name, action, object, old_value, new_value, submission_id)
                 VALUES (?, ?, 'import', ?, NULL, ?, ?)",
            )
            .bind(&at)
            .bind(&import.user)
            .bind(format!("{} {}", changes.kind(), submission.file_name))
            .bind(describe_import(submission, &receipt))
            .bind(submission_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
            receipts.push(receipt);
        }
        tx.commit().await.map_err(db_error)?;
        Ok(receipts)
    }
    async fn history(&self, filter: &HistoryFilter) -> StoreResult<Vec<FactRevision>> {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT r.entity, r.period, r.item, r.revision, r.value, r.basis, r.submission_id,
                    s.file_name, s.user_name, s.submitted_at,
                    (f.revision IS NOT NULL AND f.revision = r.revision) AS current
             FROM fact_revisions r
             JOIN submissions s ON s.id = r.submission_id
             LEFT JOIN facts f ON f.entity = r.entity AND f.period = r.period AND f.item = r.item
             WHERE 1 = 1",
        );
        if let Some(entity) = &filter.entity {
            query
                .push(" AND r.entity = ")
                .push_bind(entity.as_str().to_owned());
        }
        if let Some(month) = &filter.month {
            query.push(" AND r.period = ").push_bind(month.to_string());
        }
        if let Some(item) = &filter.item {
            query.push(" AND r.item = ").push_bind(item.clone());
        }
        query.push(" ORDER BY r.entity, r.period, r.item, r.revision");
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|row| {
                let entity: String = row.try_get(0).map_err(db_error)?;
                let period: String = row.try_get(1).map_err(db_error)?;
                let value: String = row.try_get(4).map_err(db_error)?;
                let basis: String = row.try_get(5).map_err(db_error)?;
                let at: String = row.try_get(9).map_err(db_error)?;
                Ok(FactRevision {
                    entity: parse_code(&entity)?,
                    month: parse_month(&period)?,
                    item: row.try_get(2).map_err(db_error)?,
                    revision: row.try_get(3).map_err(db_error)?,
                    value: parse_decimal(&value)?,
                    basis: parse_basis(&basis)?,
                    submission_id: row.try_get(6).map_err(db_error)?,
                    file_name: row.try_get(7).map_err(db_error)?,
                    user: row.try_get(8).map_err(db_error)?,
                    at: parse_timestamp(&at)?,
                    current: row.try_get(10).map_err(db_error)?,
                })
            })
            .collect()
    }
    async fn submissions(&self) -> StoreResult<Vec<Submission>> {
        let rows = sqlx::query(
            "SELECT id, kind, file_name, sha256, user_name, submitted_at, row_count, inserted,
                    revised, unchanged
             FROM submissions ORDER BY id DESC",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.into_iter()
            .map(|row| {
                let at: String = row.try_get(5).map_err(db_error)?;
                let count = |i: usize| -> StoreResult<usize> {
                    let n: i64 = row.try_get(i).map_err(db_error)?;
                    Ok(n.max(0) as usize)
                };
                Ok(Submission {
                    id: row.try_get(0).map_err(db_error)?,
                    kind: row.try_get(1).map_err(db_error)?,
                    file_name: row.try_get(2).map_err(db_error)?,
                    sha256: row.try_get(3).map_err(db_error)?,
                    user: row.try_get(4).map_err(db_error)?,
                    at: parse_timestamp(&at)?,
                    rows: count(6)?,
                    inserted: count(7)?,
                    revised: count(8)?,
                    unchanged: count(9)?,
                })
            })
            .collect()
    }
    async fn audit_log(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT id, at, user_name, action, object, old_value, new_value, submission_id
             FROM audit_log WHERE 1 = 1",
        );
        if let Some(user) = &filter.user {
            query.push(" AND user_name = ").push_bind(user.clone());
        }
        if let Some(action) = &filter.action {
            query.push(" AND action = ").push_bind(action.clone());
        }
        if let Some(object) = &filter.object {
            query
                .push(" AND instr(object, ")
                .push_bind(object.clone())
                .push(") > 0");
        }
        query.push(" ORDER BY id DESC");
        if let Some(limit) = filter.limit {
            query.push(" LIMIT ").push_bind(limit as i64);
        }
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|row| {
                let at: String = row.try_get(1).map_err(db_error)?;
                Ok(AuditEntry {
                    id: row.try_get(0).map_err(db_error)?,
                    at: parse_timestamp(&at)?,
                    user: row.try_get(2).map_err(db_error)?,
                    action: row.try_get(3).map_err(db_error)?,
                    object: row.try_get(4).map_err(db_error)?,
                    old_value: row.try_get(5).map_err(db_error)?,
                    new_value: row.try_get(6).map_err(db_error)?,
                    submission_id: row.try_get(7).map_err(db_error)?,
                })
            })
            .collect()
    }
    // --- targets, one at a time -------------------------------------------------------------

    async fn target_records(&self) -> StoreResult<Vec<TargetRecord>> {
        let rows = sqlx::query(
            "SELECT entity, year, indicator, value, revision FROM targets
             ORDER BY entity, year, indicator",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.into_iter()
            .map(|row| {
                let entity: String = row.try_get(0).map_err(db_error)?;
                let value: String = row.try_get(3).map_err(db_error)?;
                Ok(TargetRecord {
                    target: Target {
                        entity: parse_code(&entity)?,
                        year: row.try_get(1).map_err(db_error)?,
                        indicator: row.try_get(2).map_err(db_error)?,
                        value: parse_decimal(&value)?,
                    },
                    revision: row.try_get(4).map_err(db_error)?,
                })
            })
            .collect()
    }
    async fn set_target(
        &self,
        target: Target,
        expected_revision: Option<i64>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        if !Self::entity_exists(&mut *tx, &target.entity).await? {
            return Err(StoreError::Invalid(format!(
                "unknown entity {}",
                target.entity
            )));
        }
        let row = sqlx::query(
            "SELECT value, revision FROM targets WHERE entity = ? AND year = ? AND indicator = ?",
        )
        .bind(target.entity.as_str())
        .bind(target.year)
        .bind(&target.indicator)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let current = match row {
            None => None,
            Some(row) => {
                let value: String = row.try_get(0).map_err(db_error)?;
                let revision: i64 = row.try_get(1).map_err(db_error)?;
                Some((parse_decimal(&value)?, revision))
            }
        };
        let object = describe_target(&target);
        match (current, expected_revision) {
            (Some((_, revision)), expected) if Some(revision) != expected => {
                return Err(StoreError::Conflict(format!(
                    "{object} was changed by someone else (revision {revision}); reload and try again"
                )));
            }
            (None, Some(expected)) => {
                return Err(StoreError::Conflict(format!(
                    "{object} does not exist (expected revision {expected}); reload and try again"
                )));
            }
            (Some((value, revision)), _) if value == target.value => return Ok(revision),
            _ => {}
        }
        let revision = current.map_or(1, |(_, revision)| revision + 1);
        sqlx::query(
            "INSERT INTO target_revisions
               (entity, year, indicator, revision, value, submission_id, user_name, at)
             VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
        )
        .bind(target.entity.as_str())
        .bind(target.year)
        .bind(&target.indicator)
        .bind(revision)
        .bind(target.value.to_string())
        .bind(user)
        .bind(timestamp(at))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        sqlx::query(
            "INSERT INTO targets (entity, year, indicator, value, revision, submission_id)
             VALUES (?, ?, ?, ?, ?, NULL)
             ON CONFLICT (entity, year, indicator) DO UPDATE SET value = excluded.value,
               revision = excluded.revision, submission_id = NULL",
        )
        .bind(target.entity.as_str())
        .bind(target.year)
        .bind(&target.indicator)
        .bind(target.value.to_string())
        .bind(revision)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        Self::audit(
            &mut *tx,
            at,
            user,
            "target.set",
            &object,
            current.map(|(value, _)| value.to_string()),
            Some(target.value.to_string()),
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(revision)
    }
}

#[async_trait]
impl WorkflowStore for LegacySqliteStore {
    // --- collection workflow ----------------------------------------------------------------

    async fn period_statuses(&self, year: i32) -> StoreResult<Vec<PeriodStatus>> {
        let rows = sqlx::query(
            "SELECT entity, period, state, comment, user_name, at FROM period_status
             WHERE substr(period, 1, 5) = ? ORDER BY entity, period",
        )
        .bind(format!("{year:04}-"))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.into_iter()
            .map(|row| {
                let entity: String = row.try_get(0).map_err(db_error)?;
                let period: String = row.try_get(1).map_err(db_error)?;
                let state: String = row.try_get(2).map_err(db_error)?;
                let at: String = row.try_get(5).map_err(db_error)?;
                Ok(PeriodStatus {
                    entity: parse_code(&entity)?,
                    month: parse_month(&period)?,
                    state: PeriodState::parse(&state)
                        .ok_or_else(|| StoreError::Corrupt(format!("period state \"{state}\"")))?,
                    comment: row.try_get(3).map_err(db_error)?,
                    user: row.try_get(4).map_err(db_error)?,
                    at: parse_timestamp(&at)?,
                })
            })
            .collect()
    }
    async fn set_period_state(&self, status: PeriodStatus) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        if !Self::entity_exists(&mut *tx, &status.entity).await? {
            return Err(StoreError::Invalid(format!(
                "unknown entity {}",
                status.entity
            )));
        }
        let period = status.month.to_string();
        let old: Option<String> =
            sqlx::query_scalar("SELECT state FROM period_status WHERE entity = ? AND period = ?")
                .bind(status.entity.as_str())
                .bind(&period)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
        sqlx::query(
            "INSERT INTO period_status (entity, period, state, comment, user_name, at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (entity, period) DO UPDATE SET state = excluded.state,
               comment = excluded.comment, user_name = excluded.user_name, at = excluded.at",
        )
        .bind(status.entity.as_str())
        .bind(&period)
        .bind(status.state.as_str())
        .bind(&status.comment)
        .bind(&status.user)
        .bind(timestamp(status.at))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let new_value = describe_period_state(&status);
        Self::audit(
            &mut *tx,
            status.at,
            &status.user,
            &format!("period.{}", status.state.as_str()),
            &format!("period {} {period}", status.entity),
            old,
            Some(new_value),
        )
        .await?;
        tx.commit().await.map_err(db_error)
    }
}

#[async_trait]
impl ArchiveStore for LegacySqliteStore {
    // --- moving a database ------------------------------------------------------------------

    async fn export(&self) -> StoreResult<Archive> {
        self.export_archive().await
    }
    async fn restore(&self, archive: &Archive) -> StoreResult<()> {
        self.restore_archive(archive).await
    }
}

#[async_trait]
impl EmissionStore for LegacySqliteStore {
    async fn stacks(&self) -> StoreResult<Vec<StoredStack>> {
        self.load_stacks().await
    }
    async fn stack(&self, mn: &str) -> StoreResult<Option<StoredStack>> {
        self.load_stack(mn).await
    }
    async fn save_stacks(
        &self,
        stacks: Vec<Stack>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<ImportSummary> {
        self.write_stacks(stacks, user, at).await
    }
    async fn retire_stack(&self, mn: &str, user: &str, at: DateTime<Utc>) -> StoreResult<()> {
        self.retire(mn, user, at).await
    }
    async fn alarm_rule_set(&self, scope: &str) -> StoreResult<Option<RuleSetDoc>> {
        self.load_rule_set(scope).await
    }
    async fn alarm_rule_sets(&self) -> StoreResult<Vec<RuleSetDoc>> {
        self.load_rule_sets().await
    }
    async fn put_alarm_rule_set(
        &self,
        scope: &str,
        body: &str,
        expected_revision: Option<i64>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        self.write_rule_set(scope, body, expected_revision, user, at)
            .await
    }
    async fn raise_alarm(&self, alarm: NewAlarm) -> StoreResult<i64> {
        self.write_alarm(alarm).await
    }
    async fn acknowledge_alarm(
        &self,
        id: i64,
        note: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Alarm> {
        self.acknowledge(id, note, user, at).await
    }
    async fn clear_alarm(&self, id: i64, at: DateTime<Utc>) -> StoreResult<bool> {
        self.clear(id, at).await
    }
    async fn clear_open_alarm(
        &self,
        mn: &str,
        kind: &str,
        code: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        self.clear_open(mn, kind, code, at).await
    }
    async fn alarms(&self, filter: &AlarmFilter) -> StoreResult<Vec<Alarm>> {
        self.load_alarms(filter).await
    }
    async fn alarm(&self, id: i64) -> StoreResult<Option<Alarm>> {
        self.load_alarm(id).await
    }
}
