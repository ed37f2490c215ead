//! The areas of the store not moved to `zx_store::sql` yet.
//!
//! Temporary: what the areas still here share is removed with this file once every area has
//! moved, so unused helpers are allowed meanwhile.
#![allow(dead_code, unused_imports)]

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgRow};
use sqlx::{AssertSqlSafe, Executor, Postgres, QueryBuilder, Row};
use sqlx::{PgConnection, Transaction};
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

/// Tables whose id is an identity column: after a restore their sequences continue after the
/// highest restored id.
const IDENTITY_TABLES: [&str; 12] = [
    "submissions",
    "fact_revisions",
    "target_revisions",
    "audit_log",
    "measures",
    "notifications",
    "visits",
    "measure_updates",
    "milestones",
    "attachments",
    "stacks",
    "alarms",
];

/// Every table holding data (sessions included), in the SQLite backend's order: a database to
/// restore into must have none.
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

/// The advisory lock every audited write holds until it commits (see the crate docs). Advisory
/// locks are per database, so several Zengxiao databases on one cluster do not wait for each
/// other. The number is "zxwriter" in ASCII.
pub(crate) const WRITER_LOCK: i64 = 0x7a78_7772_6974_6572;

/// Rows per multi-row INSERT: 7 parameters a row stays far below PostgreSQL's 65 535.
pub(crate) const BATCH: usize = 1000;

/// Rows per INSERT … SELECT FROM UNNEST(arrays): a handful of parameters whatever the count.
const ARRAY_BATCH: usize = 20_000;

/// Every table, for [`LegacyPgStore::erase_all_data`].
pub(crate) const TABLES: &str = "alarms, alarm_rule_sets, stacks, attachments, blobs, milestones, measure_updates, measure_co_owners, \
                      notifications, measures, visit_entities, visits, sessions, api_tokens, \
                      users, period_status, audit_log, targets, target_revisions, facts, \
                      fact_revisions, entities, submissions";

pub(crate) fn db_error(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

fn month_date(month: Month) -> StoreResult<NaiveDate> {
    NaiveDate::from_ymd_opt(month.year(), month.month(), 1)
        .ok_or_else(|| StoreError::Invalid(format!("month {month} has no calendar date")))
}

fn date_month(date: NaiveDate) -> StoreResult<Month> {
    if date.day() != 1 {
        return Err(StoreError::Corrupt(format!("period {date} is not a month")));
    }
    Month::new(date.year(), date.month())
        .map_err(|e| StoreError::Corrupt(format!("period {date}: {e}")))
}

pub(crate) fn parse_code(text: &str) -> StoreResult<EntityCode> {
    EntityCode::parse(text).map_err(|e| StoreError::Corrupt(format!("entity code \"{text}\": {e}")))
}

fn parse_basis(text: &str) -> StoreResult<Basis> {
    Basis::parse(text).ok_or_else(|| StoreError::Corrupt(format!("basis \"{text}\"")))
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) fn get<'r, T>(row: &'r PgRow, index: usize) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(index).map_err(db_error)
}

fn parse_measure_status(text: &str) -> StoreResult<MeasureStatus> {
    stored_measure_status(text)
        .ok_or_else(|| StoreError::Corrupt(format!("measure status \"{text}\"")))
}

fn parse_progress(n: i16) -> StoreResult<u8> {
    u8::try_from(n)
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(|| StoreError::Corrupt(format!("measure progress {n}")))
}

/// Reads a [`Notification`] from `id, measure, user_name, reason, created_at, read_at`.
fn notification_from_row(row: &PgRow) -> StoreResult<Notification> {
    let reason: String = get(row, 3)?;
    Ok(Notification {
        id: get(row, 0)?,
        measure: get(row, 1)?,
        user: get(row, 2)?,
        reason: stored_reminder_reason(&reason)
            .ok_or_else(|| StoreError::Corrupt(format!("notification reason \"{reason}\"")))?,
        created_at: get(row, 4)?,
        read_at: get(row, 5)?,
    })
}

/// The columns of a [`Measure`], in the order [`measure_from_row`] reads them.
macro_rules! measure_columns {
    () => {
        "id, entity, title, indicator, owner, start_date, due_date, status, progress, \
         description, expected_effect, visit, revision"
    };
}

/// Reads a [`Measure`] from the first columns of `row` (see `measure_columns!`).
fn measure_from_row(row: &PgRow) -> StoreResult<Measure> {
    let entity: String = get(row, 1)?;
    let status: String = get(row, 7)?;
    Ok(Measure {
        id: get(row, 0)?,
        entity: parse_code(&entity)?,
        title: get(row, 2)?,
        indicator: get(row, 3)?,
        owner: get(row, 4)?,
        start: get(row, 5)?,
        due: get(row, 6)?,
        status: parse_measure_status(&status)?,
        progress: parse_progress(get(row, 8)?)?,
        description: get(row, 9)?,
        expected_effect: get(row, 10)?,
        co_owners: Vec::new(),
        visit: get(row, 11)?,
        revision: get(row, 12)?,
    })
}

/// The columns of a [`MeasureUpdate`], in the order [`update_from_row`] reads them.
const UPDATE_COLUMNS: &str = "id, measure, created_at, created_by, comment, status_before, \
     status_after, progress_before, progress_after, due_before, due_after";

/// Reads a [`MeasureUpdate`] from `UPDATE_COLUMNS`.
fn update_from_row(row: &PgRow) -> StoreResult<MeasureUpdate> {
    let status_before: String = get(row, 5)?;
    let status_after: String = get(row, 6)?;
    Ok(MeasureUpdate {
        id: get(row, 0)?,
        measure: get(row, 1)?,
        at: get(row, 2)?,
        by: get(row, 3)?,
        comment: get(row, 4)?,
        status_before: parse_measure_status(&status_before)?,
        status_after: parse_measure_status(&status_after)?,
        progress_before: parse_progress(get(row, 7)?)?,
        progress_after: parse_progress(get(row, 8)?)?,
        due_before: get(row, 9)?,
        due_after: get(row, 10)?,
    })
}

/// Reads a [`Milestone`] from `id, measure, title, due_date, done_on`.
fn milestone_from_row(row: &PgRow) -> StoreResult<Milestone> {
    Ok(Milestone {
        id: get(row, 0)?,
        measure: get(row, 1)?,
        title: get(row, 2)?,
        due: get(row, 3)?,
        done_on: get(row, 4)?,
    })
}

/// The columns of an [`Attachment`], in the order [`attachment_from_row`] reads them.
const ATTACHMENT_COLUMNS: &str =
    "id, measure, milestone, sha256, file_name, media_type, size, created_at, created_by";

/// Reads an [`Attachment`] from `ATTACHMENT_COLUMNS`.
fn attachment_from_row(row: &PgRow) -> StoreResult<Attachment> {
    let size: i64 = get(row, 6)?;
    Ok(Attachment {
        id: get(row, 0)?,
        measure: get(row, 1)?,
        milestone: get(row, 2)?,
        sha256: get(row, 3)?,
        file_name: get(row, 4)?,
        media_type: get(row, 5)?,
        size: u64::try_from(size).map_err(|_| StoreError::Corrupt(format!("size {size}")))?,
        at: get(row, 7)?,
        by: get(row, 8)?,
    })
}

/// A date as the audit log shows it: `YYYY-MM-DD` (as the SQLite backend stores it).
fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A fact to write: the fact, its month's date, its revision number, the previous value (for
/// the audit log).
type FactWrite<'a> = (&'a Fact, NaiveDate, i64, Option<(Decimal, Basis)>);

/// The columns of a [`User`], in the order [`user_from_row`] reads them (a macro, so queries
/// stay `&'static str` through `concat!`).
macro_rules! user_columns {
    () => {
        "u.name, u.role, u.entity, u.disabled, u.email"
    };
}

/// Reads a [`User`] from `row`, its columns starting at `first` (see `user_columns!`).
fn user_from_row(row: &PgRow, first: usize) -> StoreResult<User> {
    let role: String = get(row, first + 1)?;
    let entity: Option<String> = get(row, first + 2)?;
    Ok(User {
        name: get(row, first)?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role \"{role}\"")))?,
        entity: entity.as_deref().map(parse_code).transpose()?,
        disabled: get(row, first + 3)?,
        email: get(row, first + 4)?,
    })
}

/// The PostgreSQL database behind `--db postgres://…`.
#[derive(Debug, Clone)]
pub struct LegacyPgStore {
    pub(crate) pool: PgPool,
}

impl LegacyPgStore {
    /// A transaction holding [`WRITER_LOCK`]: what it reads cannot be changed by another audited
    /// write before it commits. In READ COMMITTED each later statement sees every write
    /// committed before the lock was granted.
    pub(crate) async fn begin_write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITER_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        Ok(tx)
    }

    async fn import_entities(
        tx: &mut PgConnection,
        import: &Import,
        submission_id: i64,
        entities: &[Entity],
    ) -> StoreResult<FileReceipt> {
        let existing: HashMap<String, Entity> = Self::load_entities(&mut *tx)
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
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent = excluded.parent,
                   kind = excluded.kind, region = excluded.region, segment = excluded.segment,
                   submission_id = excluded.submission_id",
            )
            .bind(entity.code.as_str())
            .bind(&entity.name)
            .bind(entity.parent.as_ref().map(|p| p.as_str()))
            .bind(entity.kind.as_str())
            .bind(&entity.region)
            .bind(&entity.segment)
            .bind(submission_id)
            .execute(&mut *tx)
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
            Self::audit(
                &mut *tx,
                import.at,
                &import.user,
                action,
                &format!("entity {}", entity.code),
                old_value,
                Some(describe_entity(entity)),
                Some(submission_id),
            )
            .await?;
        }
        Ok(receipt)
    }

    async fn import_facts(
        tx: &mut PgConnection,
        import: &Import,
        submission_id: i64,
        facts: &[Fact],
    ) -> StoreResult<FileReceipt> {
        Self::refuse_locked(&mut *tx, facts).await?;
        // Current values of every entity the file touches, to tell new, revised and unchanged.
        let mut entities: Vec<String> =
            facts.iter().map(|f| f.entity.as_str().to_owned()).collect();
        entities.sort_unstable();
        entities.dedup();
        let rows = sqlx::query(
            "SELECT entity, period, item, value, basis, revision FROM facts
             WHERE entity = ANY($1)",
        )
        .bind(&entities)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        let mut current: HashMap<(String, NaiveDate, String), (Decimal, Basis, i64)> =
            HashMap::with_capacity(rows.len());
        for row in rows {
            let basis: String = get(&row, 4)?;
            current.insert(
                (get(&row, 0)?, get(&row, 1)?, get(&row, 2)?),
                (get(&row, 3)?, parse_basis(&basis)?, get(&row, 5)?),
            );
        }
        let mut receipt = FileReceipt {
            submission_id,
            ..FileReceipt::default()
        };
        let mut writes: Vec<FactWrite<'_>> = Vec::new();
        for fact in facts {
            let period = month_date(fact.month)?;
            let key = (fact.entity.as_str().to_owned(), period, fact.item.clone());
            match current.get(&key) {
                None => {
                    receipt.inserted += 1;
                    writes.push((fact, period, 1, None));
                }
                // Decimal equality: 1000.00 equals 1000, so a re-sent value is unchanged.
                Some((value, basis, _)) if *value == fact.value && *basis == fact.basis => {
                    receipt.unchanged += 1;
                }
                Some((value, basis, revision)) => {
                    receipt.revised += 1;
                    writes.push((fact, period, revision + 1, Some((*value, *basis))));
                }
            }
        }
        // Columns bound as arrays and unnested by the server: one short statement per chunk
        // rather than a VALUES list of thousands of parameters to build and parse.
        for chunk in writes.chunks(ARRAY_BATCH) {
            let entities: Vec<&str> = chunk.iter().map(|w| w.0.entity.as_str()).collect();
            let periods: Vec<NaiveDate> = chunk.iter().map(|w| w.1).collect();
            let items: Vec<&str> = chunk.iter().map(|w| w.0.item.as_str()).collect();
            let revisions: Vec<i64> = chunk.iter().map(|w| w.2).collect();
            let values: Vec<Decimal> = chunk.iter().map(|w| w.0.value).collect();
            let bases: Vec<&str> = chunk.iter().map(|w| w.0.basis.as_str()).collect();
            sqlx::query(
                "INSERT INTO fact_revisions (entity, period, item, revision, value, basis, submission_id)
                 SELECT entity, period, item, revision, value, basis, $7
                 FROM UNNEST($1::text[], $2::date[], $3::text[], $4::bigint[], $5::numeric[], $6::text[])
                   AS t (entity, period, item, revision, value, basis)",
            )
            .bind(&entities)
            .bind(&periods)
            .bind(&items)
            .bind(&revisions)
            .bind(&values)
            .bind(&bases)
            .bind(submission_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
            sqlx::query(
                "INSERT INTO facts (entity, period, item, value, basis, revision, submission_id)
                 SELECT entity, period, item, value, basis, revision, $7
                 FROM UNNEST($1::text[], $2::date[], $3::text[], $4::bigint[], $5::numeric[], $6::text[])
                   AS t (entity, period, item, revision, value, basis)
                 ON CONFLICT (entity, period, item) DO UPDATE SET value = excluded.value,
                   basis = excluded.basis, revision = excluded.revision,
                   submission_id = excluded.submission_id",
            )
            .bind(&entities)
            .bind(&periods)
            .bind(&items)
            .bind(&revisions)
            .bind(&values)
            .bind(&bases)
            .bind(submission_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        // Corrections are what auditors look for: one line per changed value, old and new.
        let revised: Vec<_> = writes.iter().filter(|w| w.3.is_some()).collect();
        for chunk in revised.chunks(BATCH) {
            let mut audit = QueryBuilder::<Postgres>::new(
                "INSERT INTO audit_log (at, user_name, action, object, old_value, new_value, submission_id) ",
            );
            audit.push_values(chunk, |mut row, (fact, _, _, old)| {
                row.push_bind(import.at)
                    .push_bind(import.user.clone())
                    .push_bind("fact.revise")
                    .push_bind(describe_fact_key(fact))
                    .push_bind(old.map(|(v, b)| describe_fact_value(v, b)))
                    .push_bind(describe_fact_value(fact.value, fact.basis))
                    .push_bind(submission_id);
            });
            audit.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        Ok(receipt)
    }

    async fn import_targets(
        tx: &mut PgConnection,
        import: &Import,
        submission_id: i64,
        targets: &[Target],
    ) -> StoreResult<FileReceipt> {
        // Targets in force of every entity the file touches, in one query.
        let mut entities: Vec<String> = targets
            .iter()
            .map(|t| t.entity.as_str().to_owned())
            .collect();
        entities.sort_unstable();
        entities.dedup();
        let rows = sqlx::query(
            "SELECT entity, year, indicator, value, revision FROM targets WHERE entity = ANY($1)",
        )
        .bind(&entities)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        let mut current: HashMap<TargetKey, (Decimal, i64)> = HashMap::with_capacity(rows.len());
        for row in rows {
            current.insert(
                (get(&row, 0)?, get(&row, 1)?, get(&row, 2)?),
                (get(&row, 3)?, get(&row, 4)?),
            );
        }
        let mut receipt = FileReceipt {
            submission_id,
            ..FileReceipt::default()
        };
        let writes = plan_target_writes(targets, &mut current, &mut receipt);
        for chunk in writes.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO target_revisions
                   (entity, year, indicator, revision, value, submission_id, user_name, at) ",
            );
            insert.push_values(chunk, |mut row, w| {
                row.push_bind(w.target.entity.as_str().to_owned())
                    .push_bind(w.target.year)
                    .push_bind(w.target.indicator.clone())
                    .push_bind(w.revision)
                    .push_bind(w.target.value)
                    .push_bind(submission_id)
                    .push_bind(import.user.clone())
                    .push_bind(import.at);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
            // One row per key: PostgreSQL refuses an upsert touching a row twice.
            let in_force: Vec<_> = chunk.iter().filter(|w| w.in_force).collect();
            if !in_force.is_empty() {
                let mut upsert = QueryBuilder::<Postgres>::new(
                    "INSERT INTO targets (entity, year, indicator, value, revision, submission_id) ",
                );
                upsert.push_values(in_force, |mut row, w| {
                    row.push_bind(w.target.entity.as_str().to_owned())
                        .push_bind(w.target.year)
                        .push_bind(w.target.indicator.clone())
                        .push_bind(w.target.value)
                        .push_bind(w.revision)
                        .push_bind(submission_id);
                });
                upsert.push(
                    " ON CONFLICT (entity, year, indicator) DO UPDATE SET value = excluded.value,
                      revision = excluded.revision, submission_id = excluded.submission_id",
                );
                upsert.build().execute(&mut *tx).await.map_err(db_error)?;
            }
            let mut audit = QueryBuilder::<Postgres>::new(
                "INSERT INTO audit_log (at, user_name, action, object, old_value, new_value, submission_id) ",
            );
            audit.push_values(chunk, |mut row, w| {
                row.push_bind(import.at)
                    .push_bind(import.user.clone())
                    .push_bind("target.set")
                    .push_bind(describe_target(w.target))
                    .push_bind(w.previous.map(|v| v.to_string()))
                    .push_bind(w.target.value.to_string())
                    .push_bind(submission_id);
            });
            audit.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        Ok(receipt)
    }

    /// The value and revision of a target in force.
    async fn current_target(
        tx: &mut PgConnection,
        target: &Target,
    ) -> StoreResult<Option<(Decimal, i64)>> {
        let row = sqlx::query(
            "SELECT value, revision FROM targets WHERE entity = $1 AND year = $2 AND indicator = $3",
        )
        .bind(target.entity.as_str())
        .bind(target.year)
        .bind(&target.indicator)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        row.map(|row| Ok((get(&row, 0)?, get(&row, 1)?)))
            .transpose()
    }

    /// Writes a target's new revision and makes it the one in force.
    async fn write_target(
        tx: &mut PgConnection,
        target: &Target,
        revision: i64,
        submission_id: Option<i64>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO target_revisions
               (entity, year, indicator, revision, value, submission_id, user_name, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(target.entity.as_str())
        .bind(target.year)
        .bind(&target.indicator)
        .bind(revision)
        .bind(target.value)
        .bind(submission_id)
        .bind(user)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        sqlx::query(
            "INSERT INTO targets (entity, year, indicator, value, revision, submission_id)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (entity, year, indicator) DO UPDATE SET value = excluded.value,
               revision = excluded.revision, submission_id = excluded.submission_id",
        )
        .bind(target.entity.as_str())
        .bind(target.year)
        .bind(&target.indicator)
        .bind(target.value)
        .bind(revision)
        .bind(submission_id)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    /// Fails with [`StoreError::Locked`] when any fact's month is locked for its entity or one
    /// of its ancestors. Runs inside the import's transaction, after [`WRITER_LOCK`] is taken,
    /// so no lock can be recorded between this check and the import's commit.
    async fn refuse_locked(tx: &mut PgConnection, facts: &[Fact]) -> StoreResult<()> {
        let any_lock: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM period_status WHERE state = 'locked')",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        if !any_lock {
            return Ok(());
        }
        let mut entities: Vec<String> =
            facts.iter().map(|f| f.entity.as_str().to_owned()).collect();
        entities.sort_unstable();
        entities.dedup();
        // (entity, month) pairs locked on the entity itself or on any ancestor. UNION (not
        // UNION ALL) ends the recursion even on a corrupt, cyclic tree.
        let rows = sqlx::query(
            "WITH RECURSIVE chain (start, code) AS (
               SELECT code, code FROM entities WHERE code = ANY($1)
               UNION
               SELECT chain.start, e.parent FROM chain JOIN entities e ON e.code = chain.code
               WHERE e.parent IS NOT NULL
             )
             SELECT DISTINCT chain.start, p.period
             FROM chain JOIN period_status p ON p.entity = chain.code
             WHERE p.state = 'locked'",
        )
        .bind(&entities)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        let mut locked: HashSet<(String, NaiveDate)> = HashSet::with_capacity(rows.len());
        for row in rows {
            locked.insert((get(&row, 0)?, get(&row, 1)?));
        }
        for fact in facts {
            let key = (fact.entity.as_str().to_owned(), month_date(fact.month)?);
            if locked.contains(&key) {
                return Err(StoreError::Locked {
                    entity: key.0,
                    month: fact.month.to_string(),
                });
            }
        }
        Ok(())
    }

    /// One audit line.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn audit(
        tx: &mut PgConnection,
        at: DateTime<Utc>,
        user: &str,
        action: &str,
        object: &str,
        old_value: Option<String>,
        new_value: Option<String>,
        submission_id: Option<i64>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, user_name, action, object, old_value, new_value, submission_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(at)
        .bind(user)
        .bind(action)
        .bind(object)
        .bind(old_value)
        .bind(new_value)
        .bind(submission_id)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn entity_exists(tx: &mut PgConnection, code: &EntityCode) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM entities WHERE code = $1)")
            .bind(code.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)
    }

    async fn load_entities<'e, E>(executor: E) -> StoreResult<Vec<Entity>>
    where
        E: Executor<'e, Database = Postgres>,
    {
        let rows = sqlx::query("SELECT code, name, parent, kind, region, segment FROM entities")
            .fetch_all(executor)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|row| {
                let code: String = get(&row, 0)?;
                let parent: Option<String> = get(&row, 2)?;
                let kind: String = get(&row, 3)?;
                Ok(Entity {
                    code: parse_code(&code)?,
                    name: get(&row, 1)?,
                    parent: parent.as_deref().map(parse_code).transpose()?,
                    kind: EntityKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("entity kind \"{kind}\"")))?,
                    region: get(&row, 4)?,
                    segment: get(&row, 5)?,
                })
            })
            .collect()
    }
}

/// Export and restore (see [`zx_store::archive`]).
impl LegacyPgStore {
    /// What new measures are checked against (entities, accounts), read once in the writing
    /// transaction.
    async fn measure_refs(tx: &mut PgConnection) -> StoreResult<MeasureRefs> {
        let entities = sqlx::query_scalar("SELECT code FROM entities")
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?
            .into_iter()
            .collect();
        let users = sqlx::query_as::<_, (String, bool)>("SELECT name, disabled FROM users")
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?
            .into_iter()
            .collect();
        Ok(MeasureRefs { entities, users })
    }

    /// Inserts checked measures with their co-owners and `measure.create` audit lines, in
    /// list order; returns their ids.
    ///
    /// The ids are drawn from the identity's sequence first (sorted, so they follow the list)
    /// so that rows, co-owners and audit lines go in multi-row INSERTs: one round trip per
    /// statement made a 20,000-measure list take many seconds.
    async fn insert_measures(
        tx: &mut PgConnection,
        measures: &[NewMeasure],
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>> {
        let count = i64::try_from(measures.len()).unwrap_or(i64::MAX);
        let mut ids: Vec<i64> = sqlx::query_scalar(
            "SELECT nextval(pg_get_serial_sequence('measures', 'id'))
             FROM generate_series(1, $1)",
        )
        .bind(count)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        ids.sort_unstable();
        let rows: Vec<(i64, &NewMeasure)> = ids.iter().copied().zip(measures).collect();
        for chunk in rows.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO measures (id, entity, title, indicator, owner, start_date, due_date,
                   status, progress, created_at, created_by, description, expected_effect, visit)
                 OVERRIDING SYSTEM VALUE ",
            );
            insert.push_values(chunk, |mut row, (id, m)| {
                row.push_bind(*id)
                    .push_bind(m.entity.as_str().to_owned())
                    .push_bind(m.title.clone())
                    .push_bind(m.indicator.clone())
                    .push_bind(m.owner.clone())
                    .push_bind(m.start)
                    .push_bind(m.due)
                    .push_bind(m.status.as_str())
                    .push_bind(i16::from(m.progress))
                    .push_bind(at)
                    .push_bind(user.to_owned())
                    .push_bind(m.description.clone())
                    .push_bind(m.expected_effect.clone())
                    .push_bind(m.visit);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
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
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO measure_co_owners (measure, user_name) ",
            );
            insert.push_values(chunk, |mut row, (id, name)| {
                row.push_bind(*id).push_bind(name.to_string());
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in rows.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO audit_log (at, user_name, action, object, old_value, new_value,
                   submission_id) ",
            );
            insert.push_values(chunk, |mut row, (id, m)| {
                row.push_bind(at)
                    .push_bind(user.to_owned())
                    .push_bind("measure.create")
                    .push_bind(describe_measure_object(*id))
                    .push_bind(None::<String>)
                    .push_bind(describe_measure(m))
                    .push_bind(None::<i64>);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        Ok(ids)
    }

    /// One measure with its co-owners.
    async fn load_measure(tx: &mut PgConnection, id: i64) -> StoreResult<Option<Measure>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            measure_columns!(),
            " FROM measures WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut measure = measure_from_row(&row)?;
        measure.co_owners = sqlx::query_scalar(
            "SELECT user_name FROM measure_co_owners WHERE measure = $1 ORDER BY user_name",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        Ok(Some(measure))
    }

    /// Every visit with its entities, newest start first (then highest id first).
    async fn load_visits(tx: &mut PgConnection) -> StoreResult<Vec<Visit>> {
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
            let code: String = get(&row, 1)?;
            entities
                .entry(get(&row, 0)?)
                .or_default()
                .push(parse_code(&code)?);
        }
        rows.iter()
            .map(|row| {
                let id: i64 = get(row, 0)?;
                Ok(Visit {
                    id,
                    leader: get(row, 1)?,
                    start: get(row, 2)?,
                    end: get(row, 3)?,
                    entities: entities.remove(&id).unwrap_or_default(),
                    participants: get(row, 4)?,
                    summary: get(row, 5)?,
                    findings: get(row, 6)?,
                    at: get(row, 7)?,
                    by: get(row, 8)?,
                })
            })
            .collect()
    }

    async fn export_archive(&self) -> StoreResult<Archive> {
        // One snapshot for every table, even while imports commit.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(db_error)?;
        let count = |row: &PgRow, i: usize| -> StoreResult<u64> {
            let n: i64 = get(row, i)?;
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
            archive.submissions.push(ArchivedSubmission {
                id: get(&row, 0)?,
                kind: get(&row, 1)?,
                file_name: get(&row, 2)?,
                sha256: get(&row, 3)?,
                user: get(&row, 4)?,
                at: get(&row, 5)?,
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
            let code: String = get(&row, 0)?;
            let parent: Option<String> = get(&row, 2)?;
            let kind: String = get(&row, 3)?;
            archive.entities.push(ArchivedEntity {
                code: parse_code(&code)?,
                name: get(&row, 1)?,
                parent: parent.as_deref().map(parse_code).transpose()?,
                kind: EntityKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("entity kind \"{kind}\"")))?,
                region: get(&row, 4)?,
                segment: get(&row, 5)?,
                submission_id: get(&row, 6)?,
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
            let entity: String = get(&row, 1)?;
            let basis: String = get(&row, 6)?;
            archive.fact_revisions.push(ArchivedFactRevision {
                id: get(&row, 0)?,
                entity: parse_code(&entity)?,
                month: date_month(get(&row, 2)?)?,
                item: get(&row, 3)?,
                revision: get(&row, 4)?,
                value: get(&row, 5)?,
                basis: parse_basis(&basis)?,
                submission_id: get(&row, 7)?,
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
            let entity: String = get(&row, 1)?;
            archive.target_revisions.push(ArchivedTargetRevision {
                id: get(&row, 0)?,
                entity: parse_code(&entity)?,
                year: get(&row, 2)?,
                indicator: get(&row, 3)?,
                revision: get(&row, 4)?,
                value: get(&row, 5)?,
                submission_id: get(&row, 6)?,
                user: get(&row, 7)?,
                at: get(&row, 8)?,
            });
        }
        for row in sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            ", u.password_hash, u.created_at FROM users u"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?
        {
            let user = user_from_row(&row, 0)?;
            archive.users.push(ArchivedUser {
                name: user.name,
                role: user.role,
                entity: user.entity,
                password_hash: get(&row, 5)?,
                disabled: user.disabled,
                created_at: get(&row, 6)?,
                email: user.email,
            });
        }
        for row in sqlx::query("SELECT token_hash, user_name, created_at, revoked FROM api_tokens")
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?
        {
            archive.api_tokens.push(ArchivedToken {
                token_hash: get(&row, 0)?,
                user: get(&row, 1)?,
                created_at: get(&row, 2)?,
                revoked: get(&row, 3)?,
            });
        }
        for row in
            sqlx::query("SELECT entity, period, state, comment, user_name, at FROM period_status")
                .fetch_all(&mut *tx)
                .await
                .map_err(db_error)?
        {
            let entity: String = get(&row, 0)?;
            let state: String = get(&row, 2)?;
            archive.period_statuses.push(ArchivedPeriodStatus {
                entity: parse_code(&entity)?,
                month: date_month(get(&row, 1)?)?,
                state: PeriodState::parse(&state)
                    .ok_or_else(|| StoreError::Corrupt(format!("period state \"{state}\"")))?,
                comment: get(&row, 3)?,
                user: get(&row, 4)?,
                at: get(&row, 5)?,
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
            archive.audit_log.push(ArchivedAuditEntry {
                id: get(&row, 0)?,
                at: get(&row, 1)?,
                user: get(&row, 2)?,
                action: get(&row, 3)?,
                object: get(&row, 4)?,
                old_value: get(&row, 5)?,
                new_value: get(&row, 6)?,
                submission_id: get(&row, 7)?,
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
                created_at: get(&row, 13)?,
                created_by: get(&row, 14)?,
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
                measure: get(&row, 0)?,
                user: get(&row, 1)?,
            });
        }
        for row in sqlx::query(AssertSqlSafe(format!(
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
                sha256: get(&row, 0)?,
                content: get(&row, 1)?,
            });
        }
        for row in sqlx::query(AssertSqlSafe(format!(
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
        // Months become dates before anything is written (a month without a date is refused).
        let fact_periods = archive
            .fact_revisions
            .iter()
            .map(|r| month_date(r.month))
            .collect::<StoreResult<Vec<_>>>()?;
        let status_periods = archive
            .period_statuses
            .iter()
            .map(|p| month_date(p.month))
            .collect::<StoreResult<Vec<_>>>()?;
        let mut tx = self.begin_write().await?;
        // In the SQLite backend's order, so both name the same table first.
        for table in DATA_TABLES {
            let found: bool = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT EXISTS (SELECT 1 FROM {table})"
            )))
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?;
            if found {
                return Err(StoreError::Invalid(format!(
                    "the database is not empty (its {table} table has rows): restore only into a new database"
                )));
            }
        }
        for chunk in archive.submissions.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO submissions (id, kind, file_name, sha256, user_name, submitted_at,
                   row_count, inserted, revised, unchanged) OVERRIDING SYSTEM VALUE ",
            );
            insert.push_values(chunk, |mut row, s| {
                row.push_bind(s.id)
                    .push_bind(s.kind.clone())
                    .push_bind(s.file_name.clone())
                    .push_bind(s.sha256.clone())
                    .push_bind(s.user.clone())
                    .push_bind(s.at)
                    .push_bind(sql_count(s.rows))
                    .push_bind(sql_count(s.inserted))
                    .push_bind(sql_count(s.revised))
                    .push_bind(sql_count(s.unchanged));
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.entities.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
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
        let revisions: Vec<_> = archive.fact_revisions.iter().zip(fact_periods).collect();
        for chunk in revisions.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO fact_revisions
                   (id, entity, period, item, revision, value, basis, submission_id)
                 OVERRIDING SYSTEM VALUE ",
            );
            insert.push_values(chunk, |mut row, (r, period)| {
                row.push_bind(r.id)
                    .push_bind(r.entity.as_str().to_owned())
                    .push_bind(*period)
                    .push_bind(r.item.clone())
                    .push_bind(r.revision)
                    .push_bind(r.value)
                    .push_bind(r.basis.as_str())
                    .push_bind(r.submission_id);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.target_revisions.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO target_revisions
                   (id, entity, year, indicator, revision, value, submission_id, user_name, at)
                 OVERRIDING SYSTEM VALUE ",
            );
            insert.push_values(chunk, |mut row, r| {
                row.push_bind(r.id)
                    .push_bind(r.entity.as_str().to_owned())
                    .push_bind(r.year)
                    .push_bind(r.indicator.clone())
                    .push_bind(r.revision)
                    .push_bind(r.value)
                    .push_bind(r.submission_id)
                    .push_bind(r.user.clone())
                    .push_bind(r.at);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        // The values in force are the highest revisions (imports and edits only ever add one).
        sqlx::query(
            "INSERT INTO facts (entity, period, item, value, basis, revision, submission_id)
             SELECT DISTINCT ON (entity, period, item)
                    entity, period, item, value, basis, revision, submission_id
             FROM fact_revisions ORDER BY entity, period, item, revision DESC",
        )
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        sqlx::query(
            "INSERT INTO targets (entity, year, indicator, value, revision, submission_id)
             SELECT DISTINCT ON (entity, year, indicator)
                    entity, year, indicator, value, revision, submission_id
             FROM target_revisions ORDER BY entity, year, indicator, revision DESC",
        )
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        for chunk in archive.users.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO users (name, role, entity, password_hash, disabled, created_at, email) ",
            );
            insert.push_values(chunk, |mut row, u| {
                row.push_bind(u.name.clone())
                    .push_bind(u.role.as_str())
                    .push_bind(u.entity.as_ref().map(|e| e.as_str().to_owned()))
                    .push_bind(u.password_hash.clone())
                    .push_bind(u.disabled)
                    .push_bind(u.created_at)
                    .push_bind(u.email.clone());
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.api_tokens.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO api_tokens (token_hash, user_name, created_at, revoked) ",
            );
            insert.push_values(chunk, |mut row, t| {
                row.push_bind(t.token_hash.clone())
                    .push_bind(t.user.clone())
                    .push_bind(t.created_at)
                    .push_bind(t.revoked);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        let statuses: Vec<_> = archive.period_statuses.iter().zip(status_periods).collect();
        for chunk in statuses.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO period_status (entity, period, state, comment, user_name, at) ",
            );
            insert.push_values(chunk, |mut row, (p, period)| {
                row.push_bind(p.entity.as_str().to_owned())
                    .push_bind(*period)
                    .push_bind(p.state.as_str())
                    .push_bind(p.comment.clone())
                    .push_bind(p.user.clone())
                    .push_bind(p.at);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.audit_log.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO audit_log
                   (id, at, user_name, action, object, old_value, new_value, submission_id)
                 OVERRIDING SYSTEM VALUE ",
            );
            insert.push_values(chunk, |mut row, a| {
                row.push_bind(a.id)
                    .push_bind(a.at)
                    .push_bind(a.user.clone())
                    .push_bind(a.action.clone())
                    .push_bind(a.object.clone())
                    .push_bind(a.old_value.clone())
                    .push_bind(a.new_value.clone())
                    .push_bind(a.submission_id);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        // Visits before measures: a requirement names its visit.
        for chunk in archive.visits.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO visits (id, leader, start_date, end_date, participants, summary,
                   findings, created_at, created_by)
                 OVERRIDING SYSTEM VALUE ",
            );
            insert.push_values(chunk, |mut row, v| {
                row.push_bind(v.id)
                    .push_bind(v.leader.clone())
                    .push_bind(v.start)
                    .push_bind(v.end)
                    .push_bind(v.participants.clone())
                    .push_bind(v.summary.clone())
                    .push_bind(v.findings.clone())
                    .push_bind(v.created_at)
                    .push_bind(v.created_by.clone());
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        let visit_entities: Vec<(i64, &str)> = archive
            .visits
            .iter()
            .flat_map(|v| v.entities.iter().map(move |e| (v.id, e.as_str())))
            .collect();
        for chunk in visit_entities.chunks(BATCH) {
            let mut insert =
                QueryBuilder::<Postgres>::new("INSERT INTO visit_entities (visit, entity) ");
            insert.push_values(chunk, |mut row, (visit, entity)| {
                row.push_bind(*visit).push_bind(entity.to_string());
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.measures.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO measures (id, entity, title, indicator, owner, start_date, due_date,
                   status, progress, created_at, created_by, description, expected_effect, visit,
                   revision)
                 OVERRIDING SYSTEM VALUE ",
            );
            insert.push_values(chunk, |mut row, m| {
                row.push_bind(m.id)
                    .push_bind(m.entity.as_str().to_owned())
                    .push_bind(m.title.clone())
                    .push_bind(m.indicator.clone())
                    .push_bind(m.owner.clone())
                    .push_bind(m.start)
                    .push_bind(m.due)
                    .push_bind(m.status.as_str())
                    .push_bind(i16::from(m.progress))
                    .push_bind(m.created_at)
                    .push_bind(m.created_by.clone())
                    .push_bind(m.description.clone())
                    .push_bind(m.expected_effect.clone())
                    .push_bind(m.visit)
                    .push_bind(m.revision);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.notifications.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO notifications (id, measure, user_name, reason, created_at, read_at)
                 OVERRIDING SYSTEM VALUE ",
            );
            insert.push_values(chunk, |mut row, n| {
                row.push_bind(n.id)
                    .push_bind(n.measure)
                    .push_bind(n.user.clone())
                    .push_bind(n.reason.as_str())
                    .push_bind(n.created_at)
                    .push_bind(n.read_at);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        // The follow-up of measures, after them (and milestones before their attachments).
        for chunk in archive.co_owners.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO measure_co_owners (measure, user_name) ",
            );
            insert.push_values(chunk, |mut row, c| {
                row.push_bind(c.measure).push_bind(c.user.clone());
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.measure_updates.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(format!(
                "INSERT INTO measure_updates ({UPDATE_COLUMNS}) OVERRIDING SYSTEM VALUE "
            ));
            insert.push_values(chunk, |mut row, u| {
                row.push_bind(u.id)
                    .push_bind(u.measure)
                    .push_bind(u.at)
                    .push_bind(u.by.clone())
                    .push_bind(u.comment.clone())
                    .push_bind(u.status_before.as_str())
                    .push_bind(u.status_after.as_str())
                    .push_bind(i16::from(u.progress_before))
                    .push_bind(i16::from(u.progress_after))
                    .push_bind(u.due_before)
                    .push_bind(u.due_after);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        for chunk in archive.milestones.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO milestones (id, measure, title, due_date, done_on)
                 OVERRIDING SYSTEM VALUE ",
            );
            insert.push_values(chunk, |mut row, m| {
                row.push_bind(m.id)
                    .push_bind(m.measure)
                    .push_bind(m.title.clone())
                    .push_bind(m.due)
                    .push_bind(m.done_on);
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        // One statement per file: evidence may be large, a batch of it too large for a message.
        for b in &archive.blobs {
            sqlx::query("INSERT INTO blobs (sha256, content) VALUES ($1, $2)")
                .bind(&b.sha256)
                .bind(&b.content)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        for chunk in archive.attachments.chunks(BATCH) {
            let mut insert = QueryBuilder::<Postgres>::new(format!(
                "INSERT INTO attachments ({ATTACHMENT_COLUMNS}) OVERRIDING SYSTEM VALUE "
            ));
            insert.push_values(chunk, |mut row, a| {
                row.push_bind(a.id)
                    .push_bind(a.measure)
                    .push_bind(a.milestone)
                    .push_bind(a.sha256.clone())
                    .push_bind(a.file_name.clone())
                    .push_bind(a.media_type.clone())
                    .push_bind(sql_count(a.size))
                    .push_bind(a.created_at)
                    .push_bind(a.created_by.clone());
            });
            insert.build().execute(&mut *tx).await.map_err(db_error)?;
        }
        crate::emissions::restore_emissions(&mut tx, archive).await?;
        // Explicit ids do not move an identity's sequence: new rows continue after the highest.
        for table in IDENTITY_TABLES {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                               COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            )))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)
    }
}

/// A count as PostgreSQL stores it (`BIGINT`).
fn sql_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[async_trait]
impl FactStore for LegacyPgStore {
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
                let entity: String = get(&row, 0)?;
                let basis: String = get(&row, 4)?;
                Ok(Fact {
                    entity: parse_code(&entity)?,
                    month: date_month(get(&row, 1)?)?,
                    item: get(&row, 2)?,
                    value: get(&row, 3)?,
                    basis: parse_basis(&basis)?,
                })
            })
            .collect()
    }
    async fn targets(&self) -> StoreResult<Vec<Target>> {
        Ok(self
            .target_records()
            .await?
            .into_iter()
            .map(|r| r.target)
            .collect())
    }
    async fn import(&self, import: Import) -> StoreResult<Vec<FileReceipt>> {
        // The writer lock is taken before the locked-month check reads anything.
        let mut tx = self.begin_write().await?;
        let mut receipts = Vec::with_capacity(import.files.len());
        for (submission, changes) in &import.files {
            let submission_id: i64 = sqlx::query_scalar(
                "INSERT INTO submissions (kind, file_name, sha256, user_name, submitted_at, row_count)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(changes.kind())
            .bind(&submission.file_name)
            .bind(&submission.sha256)
            .bind(&import.user)
            .bind(import.at)
            .bind(count(submission.rows))
            .fetch_one(&mut *tx)
            .await
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
                "UPDATE submissions SET inserted = $1, revised = $2, unchanged = $3 WHERE id = $4",
            )
            .bind(count(receipt.inserted))
            .bind(count(receipt.revised))
            .bind(count(receipt.unchanged))
            .bind(submission_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
            Self::audit(
                &mut tx,
                import.at,
                &import.user,
                "import",
                &format!("{} {}", changes.kind(), submission.file_name),
                None,
                Some(describe_import(submission, &receipt)),
                Some(submission_id),
            )
            .await?;
            receipts.push(receipt);
        }
        tx.commit().await.map_err(db_error)?;
        Ok(receipts)
    }
    async fn history(&self, filter: &HistoryFilter) -> StoreResult<Vec<FactRevision>> {
        let mut query = QueryBuilder::<Postgres>::new(
            "SELECT r.entity, r.period, r.item, r.revision, r.value, r.basis, r.submission_id,
                    s.file_name, s.user_name, s.submitted_at,
                    (f.revision IS NOT NULL AND f.revision = r.revision) AS current
             FROM fact_revisions r
             JOIN submissions s ON s.id = r.submission_id
             LEFT JOIN facts f ON f.entity = r.entity AND f.period = r.period AND f.item = r.item
             WHERE TRUE",
        );
        if let Some(entity) = &filter.entity {
            query
                .push(" AND r.entity = ")
                .push_bind(entity.as_str().to_owned());
        }
        if let Some(month) = filter.month {
            query.push(" AND r.period = ").push_bind(month_date(month)?);
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
                let entity: String = get(&row, 0)?;
                let basis: String = get(&row, 5)?;
                Ok(FactRevision {
                    entity: parse_code(&entity)?,
                    month: date_month(get(&row, 1)?)?,
                    item: get(&row, 2)?,
                    revision: get(&row, 3)?,
                    value: get(&row, 4)?,
                    basis: parse_basis(&basis)?,
                    submission_id: get(&row, 6)?,
                    file_name: get(&row, 7)?,
                    user: get(&row, 8)?,
                    at: get(&row, 9)?,
                    current: get(&row, 10)?,
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
                let count = |i: usize| -> StoreResult<usize> {
                    let n: i64 = get(&row, i)?;
                    Ok(usize::try_from(n.max(0)).unwrap_or(usize::MAX))
                };
                Ok(Submission {
                    id: get(&row, 0)?,
                    kind: get(&row, 1)?,
                    file_name: get(&row, 2)?,
                    sha256: get(&row, 3)?,
                    user: get(&row, 4)?,
                    at: get(&row, 5)?,
                    rows: count(6)?,
                    inserted: count(7)?,
                    revised: count(8)?,
                    unchanged: count(9)?,
                })
            })
            .collect()
    }
    async fn audit_log(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
        let mut query = QueryBuilder::<Postgres>::new(
            "SELECT id, at, user_name, action, object, old_value, new_value, submission_id
             FROM audit_log WHERE TRUE",
        );
        if let Some(user) = &filter.user {
            query.push(" AND user_name = ").push_bind(user.clone());
        }
        if let Some(action) = &filter.action {
            query.push(" AND action = ").push_bind(action.clone());
        }
        if let Some(object) = &filter.object {
            // A plain substring, like SQLite's instr(): no LIKE wildcards to escape.
            query
                .push(" AND strpos(object, ")
                .push_bind(object.clone())
                .push(") > 0");
        }
        query.push(" ORDER BY id DESC");
        if let Some(limit) = filter.limit {
            query.push(" LIMIT ").push_bind(count(limit));
        }
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|row| {
                Ok(AuditEntry {
                    id: get(&row, 0)?,
                    at: get(&row, 1)?,
                    user: get(&row, 2)?,
                    action: get(&row, 3)?,
                    object: get(&row, 4)?,
                    old_value: get(&row, 5)?,
                    new_value: get(&row, 6)?,
                    submission_id: get(&row, 7)?,
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
                let entity: String = get(&row, 0)?;
                Ok(TargetRecord {
                    target: Target {
                        entity: parse_code(&entity)?,
                        year: get(&row, 1)?,
                        indicator: get(&row, 2)?,
                        value: get(&row, 3)?,
                    },
                    revision: get(&row, 4)?,
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
        if !Self::entity_exists(&mut tx, &target.entity).await? {
            return Err(StoreError::Invalid(format!(
                "unknown entity {}",
                target.entity
            )));
        }
        let current = Self::current_target(&mut tx, &target).await?;
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
        Self::write_target(&mut tx, &target, revision, None, user, at).await?;
        Self::audit(
            &mut tx,
            at,
            user,
            "target.set",
            &object,
            current.map(|(value, _)| value.to_string()),
            Some(target.value.to_string()),
            None,
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(revision)
    }
}

#[async_trait]
impl WorkflowStore for LegacyPgStore {
    // --- collection workflow ----------------------------------------------------------------

    async fn period_statuses(&self, year: i32) -> StoreResult<Vec<PeriodStatus>> {
        let (Some(from), Some(until)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            year.checked_add(1)
                .and_then(|next| NaiveDate::from_ymd_opt(next, 1, 1)),
        ) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT entity, period, state, comment, user_name, at FROM period_status
             WHERE period >= $1 AND period < $2 ORDER BY entity, period",
        )
        .bind(from)
        .bind(until)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.into_iter()
            .map(|row| {
                let entity: String = get(&row, 0)?;
                let state: String = get(&row, 2)?;
                Ok(PeriodStatus {
                    entity: parse_code(&entity)?,
                    month: date_month(get(&row, 1)?)?,
                    state: PeriodState::parse(&state)
                        .ok_or_else(|| StoreError::Corrupt(format!("period state \"{state}\"")))?,
                    comment: get(&row, 3)?,
                    user: get(&row, 4)?,
                    at: get(&row, 5)?,
                })
            })
            .collect()
    }
    async fn set_period_state(&self, status: PeriodStatus) -> StoreResult<()> {
        // The writer lock orders this against every import: a lock recorded here is seen by
        // the locked-month check of any import that commits after it.
        let mut tx = self.begin_write().await?;
        if !Self::entity_exists(&mut tx, &status.entity).await? {
            return Err(StoreError::Invalid(format!(
                "unknown entity {}",
                status.entity
            )));
        }
        let period = month_date(status.month)?;
        let old: Option<String> =
            sqlx::query_scalar("SELECT state FROM period_status WHERE entity = $1 AND period = $2")
                .bind(status.entity.as_str())
                .bind(period)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
        sqlx::query(
            "INSERT INTO period_status (entity, period, state, comment, user_name, at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (entity, period) DO UPDATE SET state = excluded.state,
               comment = excluded.comment, user_name = excluded.user_name, at = excluded.at",
        )
        .bind(status.entity.as_str())
        .bind(period)
        .bind(status.state.as_str())
        .bind(&status.comment)
        .bind(&status.user)
        .bind(status.at)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        Self::audit(
            &mut tx,
            status.at,
            &status.user,
            &format!("period.{}", status.state.as_str()),
            &format!("period {} {}", status.entity, status.month),
            old,
            Some(describe_period_state(&status)),
            None,
        )
        .await?;
        tx.commit().await.map_err(db_error)
    }
}

#[async_trait]
impl ArchiveStore for LegacyPgStore {
    // --- moving a database ------------------------------------------------------------------

    async fn export(&self) -> StoreResult<Archive> {
        self.export_archive().await
    }
    async fn restore(&self, archive: &Archive) -> StoreResult<()> {
        self.restore_archive(archive).await
    }
}

#[async_trait]
impl EmissionStore for LegacyPgStore {
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
