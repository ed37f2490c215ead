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
use zx_store::{
    Attachment, MeasureChange, MeasureRefs, MeasureUpdate, Milestone, NewAttachment, NewVisit,
    Visit, check_new_visit, content_sha256, describe_attachment, describe_measure_state,
    describe_measure_update, describe_milestone, describe_milestone_object, describe_visit,
    describe_visit_object,
};
use zx_store::{EmissionStore, FactStore, MeasureStore, WorkflowStore};

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
}

/// A count as PostgreSQL stores it (`BIGINT`).
fn sql_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[async_trait]
impl MeasureStore for LegacyPgStore {
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
        // The writer lock: nobody disables an owner between the checks and the inserts (and
        // audit ids follow commit order).
        let mut tx = self.begin_write().await?;
        let refs = Self::measure_refs(&mut tx).await?;
        for (index, measure) in measures.iter().enumerate() {
            refs.check(index, measure)?;
        }
        let ids = Self::insert_measures(&mut tx, &measures, user, at).await?;
        Self::audit(
            &mut tx,
            at,
            user,
            "measures.import",
            &describe_measures_file(file_name),
            None,
            Some(describe_measures_import(measures.len(), sha256)),
            None,
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
                .entry(get(&row, 0)?)
                .or_default()
                .push(get(&row, 1)?);
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
        // The writer lock: two runs at once cannot both see a notification as new (and audit
        // ids follow commit order).
        let mut tx = self.begin_write().await?;
        let mut sent = Vec::new();
        for n in list {
            let measure: Option<i64> = sqlx::query_scalar("SELECT id FROM measures WHERE id = $1")
                .bind(n.measure)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
            if measure.is_none() {
                return Err(StoreError::Invalid(format!("no measure {}", n.measure)));
            }
            let inserted = sqlx::query(
                "INSERT INTO notifications (measure, user_name, reason, created_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (measure, user_name, reason) DO NOTHING",
            )
            .bind(n.measure)
            .bind(&n.user)
            .bind(n.reason.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected();
            if inserted == 0 {
                continue;
            }
            Self::audit(
                &mut tx,
                at,
                NOTIFICATION_SENDER,
                "notification.send",
                &describe_measure_object(n.measure),
                None,
                Some(describe_notification(&n)),
                None,
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
             WHERE user_name = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(notification_from_row).collect()
    }
    async fn mark_notifications_read(&self, user: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        // A write like the others: after the writer lock (SQLite's single writer, likewise).
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_name = $2 AND read_at IS NULL",
        )
        .bind(at)
        .bind(user)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(done.rows_affected())
    }
    // --- following measures up --------------------------------------------------------------

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
        // One connection, and one snapshot for the measure and its co-owners.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(db_error)?;
        let measure = Self::load_measure(&mut tx, id).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(measure)
    }
    async fn update_measure(
        &self,
        id: i64,
        expected_revision: i64,
        change: MeasureChange,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Measure> {
        // The writer lock before reading the revision: no other update slips in between.
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
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO measure_updates ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            UPDATE_COLUMNS.trim_start_matches("id, ")
        )))
        .bind(id)
        .bind(at)
        .bind(user)
        .bind(comment)
        .bind(measure.status.as_str())
        .bind(applied.status.as_str())
        .bind(i16::from(measure.progress))
        .bind(i16::from(applied.progress))
        .bind(measure.due)
        .bind(applied.due)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        sqlx::query(
            "UPDATE measures SET status = $1, progress = $2, due_date = $3, revision = revision + 1
             WHERE id = $4",
        )
        .bind(applied.status.as_str())
        .bind(i16::from(applied.progress))
        .bind(applied.due)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        Self::audit(
            &mut tx,
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
            None,
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
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {UPDATE_COLUMNS} FROM measure_updates
             WHERE $1::bigint IS NULL OR measure = $1 ORDER BY id"
        )))
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
            "INSERT INTO milestones (measure, title, due_date) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(measure)
        .bind(title)
        .bind(due)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        Self::audit(
            &mut tx,
            at,
            user,
            "milestone.create",
            &describe_milestone_object(id),
            None,
            Some(describe_milestone(measure, title, due)),
            None,
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
        let before: Option<Option<NaiveDate>> =
            sqlx::query_scalar("SELECT done_on FROM milestones WHERE id = $1")
                .bind(milestone)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
        let Some(before) = before else {
            return Err(StoreError::Invalid(format!("no milestone {milestone}")));
        };
        sqlx::query("UPDATE milestones SET done_on = $1 WHERE id = $2")
            .bind(done_on)
            .bind(milestone)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        Self::audit(
            &mut tx,
            at,
            user,
            "milestone.done",
            &describe_milestone_object(milestone),
            before.map(date_text),
            Some(date_text(done_on)),
            None,
        )
        .await?;
        tx.commit().await.map_err(db_error)
    }
    async fn milestones(&self, measure: Option<i64>) -> StoreResult<Vec<Milestone>> {
        let rows = sqlx::query(
            "SELECT id, measure, title, due_date, done_on FROM milestones
             WHERE $1::bigint IS NULL OR measure = $1 ORDER BY due_date, id",
        )
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
            let of: Option<i64> =
                sqlx::query_scalar("SELECT measure FROM milestones WHERE id = $1")
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
            "INSERT INTO blobs (sha256, content) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&sha256)
        .bind(&attachment.content)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let size = attachment.content.len() as u64;
        // RETURNING created_at: the time as it reads back (microseconds), not as given.
        let row = sqlx::query(
            "INSERT INTO attachments (measure, milestone, sha256, file_name, media_type, size,
               created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             RETURNING id, created_at",
        )
        .bind(attachment.measure)
        .bind(attachment.milestone)
        .bind(&sha256)
        .bind(&attachment.file_name)
        .bind(&attachment.media_type)
        .bind(sql_count(size))
        .bind(at)
        .bind(user)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        let stored = Attachment {
            id: get(&row, 0)?,
            measure: attachment.measure,
            milestone: attachment.milestone,
            sha256,
            file_name: attachment.file_name,
            media_type: attachment.media_type,
            size,
            at: get(&row, 1)?,
            by: user.to_owned(),
        };
        Self::audit(
            &mut tx,
            at,
            user,
            "attachment.add",
            &describe_measure_object(stored.measure),
            None,
            Some(describe_attachment(&stored)),
            None,
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(stored)
    }
    async fn attachments(&self, measure: Option<i64>) -> StoreResult<Vec<Attachment>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments
             WHERE $1::bigint IS NULL OR measure = $1 ORDER BY id"
        )))
        .bind(measure)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(attachment_from_row).collect()
    }
    async fn attachment_content(&self, id: i64) -> StoreResult<Option<(Attachment, Vec<u8>)>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let attachment = attachment_from_row(&row)?;
        let content: Vec<u8> = sqlx::query_scalar("SELECT content FROM blobs WHERE sha256 = $1")
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
            if !Self::entity_exists(&mut tx, entity).await? {
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
               created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(visit.leader.trim())
        .bind(visit.start)
        .bind(visit.end)
        .bind(&visit.participants)
        .bind(&visit.summary)
        .bind(&visit.findings)
        .bind(at)
        .bind(user)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        let mut entities: Vec<&EntityCode> = visit.entities.iter().collect();
        entities.sort();
        entities.dedup();
        for entity in entities {
            sqlx::query("INSERT INTO visit_entities (visit, entity) VALUES ($1, $2)")
                .bind(id)
                .bind(entity.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        Self::audit(
            &mut tx,
            at,
            user,
            "visit.create",
            &describe_visit_object(id),
            None,
            Some(describe_visit(&visit)),
            None,
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
        // One snapshot for the visits and their entities.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(db_error)?;
        let visits = Self::load_visits(&mut tx).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(visits)
    }
}
