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
use zx_store::{
    Attachment, MeasureChange, MeasureRefs, MeasureUpdate, Milestone, NewAttachment, NewVisit,
    Visit, check_new_visit, content_sha256, describe_attachment, describe_measure_state,
    describe_measure_update, describe_milestone, describe_milestone_object, describe_visit,
    describe_visit_object,
};
use zx_store::{EmissionStore, FactStore, MeasureStore, WorkflowStore};

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
}

/// A count as SQLite stores it.
fn sql_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[async_trait]
impl MeasureStore for LegacySqliteStore {
    // --- improvement measures ---------------------------------------------------------------

    async fn import_measures(
        &self,
        measures: Vec<NewMeasure>,
        file_name: &str,
        sha256: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>> {
        for (index, measure) in measures.iter().enumerate() {
            check_new_measure(index, measure)?;
        }
        // IMMEDIATE: nobody disables an owner or changes an entity between the checks and the
        // inserts.
        let mut tx = self.begin_write().await?;
        let refs = Self::measure_refs(&mut tx).await?;
        for (index, measure) in measures.iter().enumerate() {
            refs.check(index, measure)?;
        }
        let ids = Self::insert_measures(&mut tx, &measures, user, at).await?;
        Self::audit(
            &mut *tx,
            at,
            user,
            "measures.import",
            &describe_measures_file(file_name),
            None,
            Some(describe_measures_import(measures.len(), sha256)),
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(ids)
    }
    async fn measures(&self) -> StoreResult<Vec<Measure>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            measure_columns!(),
            " FROM measures ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        let mut measures: Vec<Measure> = rows
            .iter()
            .map(measure_from_row)
            .collect::<StoreResult<_>>()?;
        let mut co_owners: HashMap<i64, Vec<String>> = HashMap::new();
        for row in sqlx::query(
            "SELECT measure, user_name FROM measure_co_owners ORDER BY measure, user_name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?
        {
            co_owners
                .entry(row.try_get(0).map_err(db_error)?)
                .or_default()
                .push(row.try_get(1).map_err(db_error)?);
        }
        for m in &mut measures {
            if let Some(list) = co_owners.remove(&m.id) {
                m.co_owners = list;
            }
        }
        Ok(measures)
    }
    // --- notifications ----------------------------------------------------------------------

    async fn record_notifications(
        &self,
        list: Vec<NewNotification>,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<NewNotification>> {
        // IMMEDIATE: two runs at once cannot both see a notification as new.
        let mut tx = self.begin_write().await?;
        let created_at = timestamp(at);
        let mut sent = Vec::new();
        for n in list {
            let measure: Option<i64> = sqlx::query_scalar("SELECT id FROM measures WHERE id = ?")
                .bind(n.measure)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
            if measure.is_none() {
                return Err(StoreError::Invalid(format!("no measure {}", n.measure)));
            }
            let inserted = sqlx::query(
                "INSERT INTO notifications (measure, user_name, reason, created_at)
                 VALUES (?, ?, ?, ?)
                 ON CONFLICT (measure, user_name, reason) DO NOTHING",
            )
            .bind(n.measure)
            .bind(&n.user)
            .bind(n.reason.as_str())
            .bind(&created_at)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected();
            if inserted == 0 {
                continue;
            }
            Self::audit(
                &mut *tx,
                at,
                NOTIFICATION_SENDER,
                "notification.send",
                &describe_measure_object(n.measure),
                None,
                Some(describe_notification(&n)),
            )
            .await?;
            sent.push(n);
        }
        tx.commit().await.map_err(db_error)?;
        Ok(sent)
    }
    async fn notifications(&self, user: &str) -> StoreResult<Vec<Notification>> {
        let rows = sqlx::query(
            "SELECT id, measure, user_name, reason, created_at, read_at FROM notifications
             WHERE user_name = ? ORDER BY created_at DESC, id DESC",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(notification_from_row).collect()
    }
    async fn mark_notifications_read(&self, user: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE notifications SET read_at = ? WHERE user_name = ? AND read_at IS NULL",
        )
        .bind(timestamp(at))
        .bind(user)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected())
    }
    async fn create_measure(
        &self,
        measure: NewMeasure,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        check_new_measure(0, &measure)?;
        let mut tx = self.begin_write().await?;
        Self::measure_refs(&mut tx).await?.check(0, &measure)?;
        let id = Self::insert_measures(&mut tx, std::slice::from_ref(&measure), user, at)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Database("no id for the new measure".into()))?;
        tx.commit().await.map_err(db_error)?;
        Ok(id)
    }
    async fn measure(&self, id: i64) -> StoreResult<Option<Measure>> {
        let mut connection = self.pool.acquire().await.map_err(db_error)?;
        Self::load_measure(&mut connection, id).await
    }
    async fn update_measure(
        &self,
        id: i64,
        expected_revision: i64,
        change: MeasureChange,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Measure> {
        let mut tx = self.begin_write().await?;
        let Some(mut measure) = Self::load_measure(&mut tx, id).await? else {
            return Err(StoreError::Invalid(format!("no measure {id}")));
        };
        if measure.revision != expected_revision {
            return Err(StoreError::Conflict(format!(
                "measure {id} was changed by someone else (revision {} now, {expected_revision} when read): reload and try again",
                measure.revision
            )));
        }
        let applied = zx_domain::followup::apply_change(&measure, &change)
            .map_err(|e| StoreError::Invalid(format!("measure {id}: {e}")))?;
        let comment = change.comment.trim();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO measure_updates ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            UPDATE_COLUMNS.trim_start_matches("id, ")
        )))
        .bind(id)
        .bind(timestamp(at))
        .bind(user)
        .bind(comment)
        .bind(measure.status.as_str())
        .bind(applied.status.as_str())
        .bind(i64::from(measure.progress))
        .bind(i64::from(applied.progress))
        .bind(date_text(measure.due))
        .bind(date_text(applied.due))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        sqlx::query(
            "UPDATE measures SET status = ?, progress = ?, due_date = ?, revision = revision + 1
             WHERE id = ?",
        )
        .bind(applied.status.as_str())
        .bind(i64::from(applied.progress))
        .bind(date_text(applied.due))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        Self::audit(
            &mut *tx,
            at,
            user,
            "measure.update",
            &describe_measure_object(id),
            Some(describe_measure_state(
                measure.status,
                measure.progress,
                measure.due,
            )),
            Some(describe_measure_update(
                applied.status,
                applied.progress,
                applied.due,
                comment,
            )),
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        measure.status = applied.status;
        measure.progress = applied.progress;
        measure.due = applied.due;
        measure.revision += 1;
        Ok(measure)
    }
    async fn measure_updates(&self, measure: Option<i64>) -> StoreResult<Vec<MeasureUpdate>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {UPDATE_COLUMNS} FROM measure_updates WHERE ? IS NULL OR measure = ? ORDER BY id"
        )))
        .bind(measure)
        .bind(measure)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(update_from_row).collect()
    }
    async fn add_milestone(
        &self,
        measure: i64,
        title: &str,
        due: NaiveDate,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let title = title.trim();
        if title.is_empty() {
            return Err(StoreError::Invalid("a milestone needs a title".into()));
        }
        let mut tx = self.begin_write().await?;
        if Self::load_measure(&mut tx, measure).await?.is_none() {
            return Err(StoreError::Invalid(format!("no measure {measure}")));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO milestones (measure, title, due_date) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(measure)
        .bind(title)
        .bind(date_text(due))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        Self::audit(
            &mut *tx,
            at,
            user,
            "milestone.create",
            &describe_milestone_object(id),
            None,
            Some(describe_milestone(measure, title, due)),
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(id)
    }
    async fn complete_milestone(
        &self,
        milestone: i64,
        done_on: NaiveDate,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let before: Option<Option<String>> =
            sqlx::query_scalar("SELECT done_on FROM milestones WHERE id = ?")
                .bind(milestone)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
        let Some(before) = before else {
            return Err(StoreError::Invalid(format!("no milestone {milestone}")));
        };
        sqlx::query("UPDATE milestones SET done_on = ? WHERE id = ?")
            .bind(date_text(done_on))
            .bind(milestone)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        Self::audit(
            &mut *tx,
            at,
            user,
            "milestone.done",
            &describe_milestone_object(milestone),
            before,
            Some(date_text(done_on)),
        )
        .await?;
        tx.commit().await.map_err(db_error)
    }
    async fn milestones(&self, measure: Option<i64>) -> StoreResult<Vec<Milestone>> {
        let rows = sqlx::query(
            "SELECT id, measure, title, due_date, done_on FROM milestones
             WHERE ? IS NULL OR measure = ? ORDER BY due_date, id",
        )
        .bind(measure)
        .bind(measure)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(milestone_from_row).collect()
    }
    async fn add_attachment(
        &self,
        attachment: NewAttachment,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Attachment> {
        let sha256 = content_sha256(&attachment.content);
        let mut tx = self.begin_write().await?;
        if Self::load_measure(&mut tx, attachment.measure)
            .await?
            .is_none()
        {
            return Err(StoreError::Invalid(format!(
                "no measure {}",
                attachment.measure
            )));
        }
        if let Some(milestone) = attachment.milestone {
            let of: Option<i64> = sqlx::query_scalar("SELECT measure FROM milestones WHERE id = ?")
                .bind(milestone)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
            if of != Some(attachment.measure) {
                return Err(StoreError::Invalid(format!(
                    "milestone {milestone} is not one of measure {}",
                    attachment.measure
                )));
            }
        }
        sqlx::query(
            "INSERT INTO blobs (sha256, content) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&sha256)
        .bind(&attachment.content)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let size = attachment.content.len() as u64;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO attachments (measure, milestone, sha256, file_name, media_type, size,
               created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(attachment.measure)
        .bind(attachment.milestone)
        .bind(&sha256)
        .bind(&attachment.file_name)
        .bind(&attachment.media_type)
        .bind(i64::try_from(size).unwrap_or(i64::MAX))
        .bind(timestamp(at))
        .bind(user)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        let stored = Attachment {
            id,
            measure: attachment.measure,
            milestone: attachment.milestone,
            sha256,
            file_name: attachment.file_name,
            media_type: attachment.media_type,
            size,
            at: parse_timestamp(&timestamp(at))?,
            by: user.to_owned(),
        };
        Self::audit(
            &mut *tx,
            at,
            user,
            "attachment.add",
            &describe_measure_object(stored.measure),
            None,
            Some(describe_attachment(&stored)),
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(stored)
    }
    async fn attachments(&self, measure: Option<i64>) -> StoreResult<Vec<Attachment>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE ? IS NULL OR measure = ? ORDER BY id"
        )))
        .bind(measure)
        .bind(measure)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(attachment_from_row).collect()
    }
    async fn attachment_content(&self, id: i64) -> StoreResult<Option<(Attachment, Vec<u8>)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = ?"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let attachment = attachment_from_row(&row)?;
        let content: Vec<u8> = sqlx::query_scalar("SELECT content FROM blobs WHERE sha256 = ?")
            .bind(&attachment.sha256)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?
            .ok_or_else(|| StoreError::Corrupt(format!("no content {}", attachment.sha256)))?;
        Ok(Some((attachment, content)))
    }
    async fn create_visit(
        &self,
        visit: NewVisit,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<(i64, Vec<i64>)> {
        check_new_visit(&visit)?;
        let mut tx = self.begin_write().await?;
        for entity in &visit.entities {
            if !Self::entity_exists(&mut *tx, entity).await? {
                return Err(StoreError::Invalid(format!(
                    "the visit names the unknown entity {entity}"
                )));
            }
        }
        let refs = Self::measure_refs(&mut tx).await?;
        for (index, m) in visit.requirements.iter().enumerate() {
            refs.check(index, m)?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO visits (leader, start_date, end_date, participants, summary, findings,
               created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(visit.leader.trim())
        .bind(date_text(visit.start))
        .bind(date_text(visit.end))
        .bind(&visit.participants)
        .bind(&visit.summary)
        .bind(&visit.findings)
        .bind(timestamp(at))
        .bind(user)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        let mut entities: Vec<&EntityCode> = visit.entities.iter().collect();
        entities.sort();
        entities.dedup();
        for entity in entities {
            sqlx::query("INSERT INTO visit_entities (visit, entity) VALUES (?, ?)")
                .bind(id)
                .bind(entity.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        Self::audit(
            &mut *tx,
            at,
            user,
            "visit.create",
            &describe_visit_object(id),
            None,
            Some(describe_visit(&visit)),
        )
        .await?;
        let requirements: Vec<NewMeasure> = visit
            .requirements
            .iter()
            .map(|r| NewMeasure {
                visit: Some(id),
                ..r.clone()
            })
            .collect();
        let ids = Self::insert_measures(&mut tx, &requirements, user, at).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((id, ids))
    }
    async fn visits(&self) -> StoreResult<Vec<Visit>> {
        let mut connection = self.pool.acquire().await.map_err(db_error)?;
        Self::load_visits(&mut connection).await
    }
}
