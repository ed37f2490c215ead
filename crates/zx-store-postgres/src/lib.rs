//! The PostgreSQL backend of [`zx_store::Store`]: the production database beside the embedded
//! SQLite, chosen by a `postgres://` (or `postgresql://`) URL.
//!
//! This crate supplies only what is PostgreSQL's own ([`PgDriver`], a [`zx_store_sqlx::Driver`]):
//! connecting, the migrations, the writer lock, numbered placeholders and how values are kept;
//! the statements and write paths are `zx_store::sql`'s, shared with SQLite. Same tables and the
//! same story as `zx-store-sqlite` (the shared `zx-store-tests` suite runs on both), with
//! PostgreSQL's own types: amounts are `NUMERIC` (exact, scale kept: `100.50` comes back as
//! `100.50`), times `TIMESTAMPTZ`, a month the `DATE` of its first day, flags `BOOLEAN`.
//! Queries are built at run time (`sqlx::query`), so no database is needed to build; the schema
//! lives in this crate's `migrations/` and is applied on open.
//!
//! **Concurrency.** Every write that adds an audit line (imports, workflow states, targets,
//! accounts, measures and their follow-up), and marking notifications read, first takes one
//! transaction-scoped advisory lock, [`WRITER_LOCK`], so such writes run one at a time, as
//! SQLite's `BEGIN IMMEDIATE` makes them; readers never wait (MVCC). Why one lock rather than
//! row locks or `SERIALIZABLE`:
//! - the locked-month check of an import reads `period_status` rows that a racing lock may be
//!   *inserting*: no row exists yet to `SELECT … FOR UPDATE`, while the advisory lock orders the
//!   two, so a lock and an import racing each other have one clean winner, without retries;
//! - revision numbers are read-then-written (`revision + 1`), safe only if no other import
//!   writes the same keys meanwhile;
//! - audit ids then follow commit order, so the newest audit id is a version of the whole
//!   database, which the server's snapshot cache relies on (an identity column alone hands out
//!   ids in the order transactions *start* writing, not commit);
//! - writes are monthly submissions and HQ clicks: serialising them costs nothing noticeable,
//!   and `SERIALIZABLE` would need every caller to retry whole imports.
//!
//! Sessions are the exception: a login must not wait for a large import, so creating a session
//! only locks the user's row (`FOR SHARE`) against a concurrent disable. Waits on any lock end
//! after `lock_timeout` (60 s) with an error rather than hanging a request forever.
#![forbid(unsafe_code)]

mod connection;
mod testing;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::PgConnection;
use sqlx::Postgres as Pg;
use sqlx::migrate::MigrateDatabase;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgArguments, PgQueryResult, PgRow};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use zx_store::sql::{Backend, Dialect, Row, SqlStore, Value};
use zx_store::{StoreError, StoreResult, redact_url};
use zx_store_sqlx::{Driver, SqlxBackend, SqlxConnection};

pub use testing::{TEST_DATABASE_URL_VAR, TestDatabase, test_database_url, with_database};
pub use zx_store::is_postgres_url;
use zx_store_sqlx::db_error;

/// The PostgreSQL database behind `--db postgres://…`.
pub type PgStore = SqlStore<SqlxBackend<PgDriver>>;

/// The advisory lock every audited write holds until it commits (see the crate docs). Advisory
/// locks are per database, so several Zengxiao databases on one cluster do not wait for each
/// other. The number is "zxwriter" in ASCII.
pub const WRITER_LOCK: i64 = 0x7a78_7772_6974_6572;

/// This crate's `migrations/`, embedded.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Every table, for [`erase_all_data`].
const TABLES: &str = "sent_reports, report_schedules, practice_notifications, practice_attachments, practice_recommendations, practice_revisions, practices, \
                      rnd_partners, rnd_spend, rnd_budgets, rnd_projects, manager_reminders, manager_attachments, manager_term_years, manager_terms, \
                      benchmark_references, warning_escalations, warning_alerts, natural_warnings, site_exposures, \
                      safety_risks, safety_drill_improvements, safety_drill_reports, \
                      safety_drill_reminders, safety_planned_drills, safety_certificates, \
                      safety_training, safety_people, safety_drills, safety_plans, \
                      hazard_deliveries, hazard_notifications, hazard_attachments, hazard_steps, hazards, alarms, \
                      alarm_rule_sets, stacks, attachments, blobs, milestones, \
                      measure_updates, measure_co_owners, notifications, measures, visit_entities, \
                      visits, sessions, api_tokens, users, period_status, audit_log, targets, \
                      target_revisions, fact_blocks, facts, fact_revisions, entities, submissions";

static DIALECT: Dialect = Dialect {
    in_list: "{column} = ANY(?)",
    for_share: " FOR SHARE",
    snapshot: "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
    identity_override: " OVERRIDING SYSTEM VALUE",
    continue_identity: "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                        COALESCE(MAX(id), 0) + 1, false) FROM {table}",
    contains: "strpos({column}, ?) > 0",
    reserve_ids: "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, ?)",
};

fn is_missing_database(e: &sqlx::Error) -> bool {
    // invalid_catalog_name: "database … does not exist"
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000"))
}

/// Whether the database holds a Zengxiao schema (sqlx's migrations table).
async fn has_schema(pool: &PgPool) -> StoreResult<bool> {
    sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await
        .map_err(db_error)
}

/// A pool on the database of `url`; see [`PgDriver::connect`] for `create`.
async fn connect_url(url: &str, create: bool) -> StoreResult<PgPool> {
    let shown = redact_url(url);
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Database(format!("{shown} is not a PostgreSQL URL: {e}")))?
        .application_name("zengxiao")
        .options([("lock_timeout", "60s"), ("client_min_messages", "warning")]);
    let missing = || {
        StoreError::Database(format!(
            "no Zengxiao database at {shown}: create one with `zx init --db {shown}` or `zx demo --db {shown}`"
        ))
    };
    let unreachable = |e: sqlx::Error| StoreError::Database(format!("cannot open {shown}: {e}"));
    let pool = match connect_pool(options.clone()).await {
        Ok(pool) => pool,
        Err(e) if is_missing_database(&e) => {
            if !create {
                return Err(missing());
            }
            Pg::create_database(url).await.map_err(unreachable)?;
            connect_pool(options).await.map_err(unreachable)?
        }
        Err(e) => return Err(unreachable(e)),
    };
    if !create && !has_schema(&pool).await? {
        pool.close().await;
        return Err(missing());
    }
    Ok(pool)
}

async fn connect_pool(options: PgConnectOptions) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
}

/// Empties every table (the schema stays): for `zx demo --force`, which rebuilds the demo in
/// place since a PostgreSQL database is not a file to delete. Ids restart at 1.
pub async fn erase_all_data(store: &PgStore) -> StoreResult<()> {
    let mut tx = store.backend().write().await?;
    tx.execute(&format!("TRUNCATE {TABLES} RESTART IDENTITY"), Vec::new())
        .await?;
    tx.commit().await
}

/// A new, uniquely named database on the cluster of `base_url` (which only needs to be a
/// database the role may connect to and create databases from), migrated; it is dropped when
/// the returned guard is.
pub async fn open_fresh_for_tests(base_url: &str) -> StoreResult<(PgStore, TestDatabase)> {
    let database = TestDatabase::create(base_url).await?;
    let store = PgStore::open(database.url(), true).await?;
    Ok((store, database))
}

/// PostgreSQL's [`Driver`]: numbered placeholders, native types, many rows as bound arrays.
#[derive(Debug, Clone, Copy)]
pub struct PgDriver;

#[async_trait]
impl Driver for PgDriver {
    type Db = Pg;
    /// A login locks only the user's row (`FOR SHARE`), so it never waits for an import.
    const STREAM_RESULTS: bool = true;
    const LOGINS_TAKE_WRITER_LOCK: bool = false;

    fn dialect() -> &'static Dialect {
        &DIALECT
    }

    fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    /// With `create`, a missing database is created (the role needs `CREATEDB`) and an empty
    /// one gets the schema; without, a database that does not exist or holds no Zengxiao
    /// schema is an error naming `zx init` (like a missing SQLite file).
    async fn connect(url: &str, create: bool) -> StoreResult<PgPool> {
        connect_url(url, create).await
    }

    async fn applied_schema(pool: &PgPool) -> StoreResult<Option<i64>> {
        if !has_schema(pool).await? {
            return Ok(None);
        }
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(pool)
            .await
            .map_err(db_error)
    }

    /// sqlx's migrator takes an advisory lock of its own: concurrent opens are safe.
    async fn run_migrations(pool: &PgPool) -> StoreResult<()> {
        MIGRATOR
            .run(pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// A transaction holding [`WRITER_LOCK`]: what it reads cannot be changed by another
    /// audited write before it commits. In READ COMMITTED each later statement sees every
    /// write committed before the lock was granted.
    async fn begin_write(pool: &PgPool) -> StoreResult<SqlxConnection<Self>> {
        let mut tx = zx_store_sqlx::begin::<Self>(pool, None).await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITER_LOCK)
            .execute(tx.connection())
            .await
            .map_err(db_error)?;
        Ok(tx)
    }

    fn statement(sql: &str) -> String {
        connection::numbered(sql)
    }

    fn arguments(params: Vec<Value>) -> StoreResult<PgArguments> {
        connection::arguments(params)
    }

    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
    }

    type Columns = Vec<connection::ColumnKind>;

    fn columns(first: &PgRow) -> StoreResult<Self::Columns> {
        connection::column_kinds(first)
    }

    fn row(row: &PgRow, columns: &Self::Columns, out: &mut Row) -> StoreResult<()> {
        connection::row_of(row, columns, out)
    }

    async fn insert_rows(
        conn: &mut PgConnection,
        into: &str,
        suffix: &str,
        rows: Vec<Vec<Value>>,
    ) -> StoreResult<()> {
        connection::insert_rows(conn, into, suffix, rows).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use zx_domain::Month;
    use zx_store::sql::{Row, Value};

    #[test]
    fn urls_are_rebased_and_recognised() {
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5433/postgres", "t1"),
            "postgres://u@127.0.0.1:5433/t1"
        );
        assert_eq!(
            with_database("postgresql://u:p@h/postgres?sslmode=disable", "t2"),
            "postgresql://u:p@h/t2?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:1", "t3"), "postgres://h:1/t3");
        assert!(is_postgres_url("postgresql://h/db"));
        assert!(!is_postgres_url("sqlite://zx.db"));
        assert!(!is_postgres_url("postgres.db"));
    }

    #[test]
    fn months_are_first_days() {
        let march = Month::parse("2026-03").unwrap();
        let date = zx_store::sql::month_first_day(march).unwrap();
        assert_eq!(date, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        let mut row = Row::new(vec![
            Value::Date(Some(date)),
            Value::Date(NaiveDate::from_ymd_opt(2026, 3, 2)),
        ]);
        assert_eq!(row.get::<Month>(0).unwrap(), march);
        assert!(row.get::<Month>(1).is_err());
    }
}
