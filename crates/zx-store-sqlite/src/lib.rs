//! The embedded SQLite backend of [`zx_store::Store`]: the default database, one file, no server.
//!
//! WAL journal with a busy timeout, foreign keys on, `synchronous = FULL` (a committed submission
//! survives a power cut). Decimals are kept as exact text. Queries are built at run time
//! (`sqlx::query`), never with the compile-time macros, so no database is needed to build.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use zx_domain::{Basis, Decimal, Entity, EntityCode, EntityKind, Fact, Month, Target};
use zx_store::{
    AuditEntry, AuditFilter, Changes, FactRevision, FileReceipt, HistoryFilter, Import, Store,
    StoreError, StoreResult, Submission,
};

/// Rows per multi-row INSERT: well under SQLite's bound-parameter limit.
const BATCH: usize = 400;

fn db_error(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_timestamp(text: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp \"{text}\": {e}")))
}

fn parse_decimal(text: &str) -> StoreResult<Decimal> {
    Decimal::from_str(text).map_err(|_| StoreError::Corrupt(format!("decimal \"{text}\"")))
}

fn parse_code(text: &str) -> StoreResult<EntityCode> {
    EntityCode::parse(text).map_err(|e| StoreError::Corrupt(format!("entity code \"{text}\": {e}")))
}

fn parse_month(text: &str) -> StoreResult<Month> {
    Month::parse(text).map_err(|e| StoreError::Corrupt(format!("period \"{text}\": {e}")))
}

fn parse_basis(text: &str) -> StoreResult<Basis> {
    Basis::parse(text).ok_or_else(|| StoreError::Corrupt(format!("basis \"{text}\"")))
}

/// How an entity is shown in the audit log.
fn describe_entity(e: &Entity) -> String {
    format!(
        "name={}; parent={}; kind={}; region={}; segment={}",
        e.name,
        e.parent.as_ref().map_or("", |p| p.as_str()),
        e.kind,
        e.region,
        e.segment
    )
}

/// A fact to write: the fact, its revision number, the previous value (for the audit log).
type FactWrite<'a> = (&'a Fact, i64, Option<(Decimal, Basis)>);

/// The SQLite database behind the CLI's `--db PATH`.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

/// Strips `sqlite://` / `sqlite:` so both a path and a URL name the same file.
pub fn path_from_url(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

impl SqliteStore {
    /// Opens (creating when `create`) the database file and brings its schema up to date.
    pub async fn open(url: &str, create: bool) -> StoreResult<Self> {
        let path = path_from_url(url);
        if !create && path != ":memory:" && !Path::new(path).exists() {
            return Err(StoreError::Database(format!(
                "no database at {path}: create one with `zx init --db {path}` or `zx demo --db {path}`"
            )));
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(if path == ":memory:" { 1 } else { 4 })
            .connect_with(options)
            .await
            .map_err(db_error)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(Self { pool })
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }

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
                let old = old.map(|(v, b)| format!("{v} ({b})"));
                row.push_bind(at.clone())
                    .push_bind(import.user.clone())
                    .push_bind("fact.revise")
                    .push_bind(format!("{} {} {}", fact.entity, fact.month, fact.item))
                    .push_bind(old)
                    .push_bind(format!("{} ({})", fact.value, fact.basis))
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
        let at = timestamp(import.at);
        let mut receipt = FileReceipt {
            submission_id,
            ..FileReceipt::default()
        };
        for target in targets {
            let row = sqlx::query(
                "SELECT value, revision FROM targets WHERE entity = ? AND year = ? AND indicator = ?",
            )
            .bind(target.entity.as_str())
            .bind(target.year)
            .bind(&target.indicator)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db_error)?;
            let previous = match row {
                None => None,
                Some(row) => {
                    let value: String = row.try_get(0).map_err(db_error)?;
                    let revision: i64 = row.try_get(1).map_err(db_error)?;
                    Some((parse_decimal(&value)?, revision))
                }
            };
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
            sqlx::query(
                "INSERT INTO target_revisions (entity, year, indicator, revision, value, submission_id)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(target.entity.as_str())
            .bind(target.year)
            .bind(&target.indicator)
            .bind(revision)
            .bind(target.value.to_string())
            .bind(submission_id)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
            sqlx::query(
                "INSERT INTO targets (entity, year, indicator, value, revision, submission_id)
                 VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (entity, year, indicator) DO UPDATE SET value = excluded.value,
                   revision = excluded.revision, submission_id = excluded.submission_id",
            )
            .bind(target.entity.as_str())
            .bind(target.year)
            .bind(&target.indicator)
            .bind(target.value.to_string())
            .bind(revision)
            .bind(submission_id)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
            sqlx::query(
                "INSERT INTO audit_log (at, user_name, action, object, old_value, new_value, submission_id)
                 VALUES (?, ?, 'target.set', ?, ?, ?, ?)",
            )
            .bind(&at)
            .bind(&import.user)
            .bind(format!(
                "target {} {} {}",
                target.entity, target.year, target.indicator
            ))
            .bind(previous.map(|(v, _)| v.to_string()))
            .bind(target.value.to_string())
            .bind(submission_id)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
        }
        Ok(receipt)
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

#[async_trait]
impl Store for SqliteStore {
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
        let mut tx = self.pool.begin().await.map_err(db_error)?;
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
            .bind(format!(
                "rows={}; new={}; revised={}; unchanged={}; sha256={}",
                submission.rows,
                receipt.inserted,
                receipt.revised,
                receipt.unchanged,
                submission.sha256
            ))
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
}
