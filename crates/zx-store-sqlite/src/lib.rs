//! The embedded SQLite backend of [`zx_store::Store`]: the default database, one file, no server.
//!
//! This crate supplies only what is SQLite's own ([`zx_store_sqlx::Driver`]): opening the file
//! (WAL journal with a busy timeout, foreign keys on, `synchronous = FULL`, so a committed
//! submission survives a power cut), the migrations, the writer lock (`BEGIN IMMEDIATE`), and how
//! values are kept: decimals, times and months as exact text, booleans as 0/1. The statements
//! and write paths are `zx_store::sql`'s, shared with PostgreSQL. Queries are built at run time
//! (`sqlx::query`), never with the compile-time macros, so no database is needed to build.
#![forbid(unsafe_code)]

mod connection;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteQueryResult, SqliteRow, SqliteSynchronous,
};
use sqlx::{Sqlite, SqliteConnection};
use zx_store::sql::{Dialect, Row, SqlStore, Value};
use zx_store::{StoreError, StoreResult};
use zx_store_sqlx::{Driver, SqlxBackend, SqlxConnection, db_error};

pub use zx_store::path_from_url;

/// The SQLite database behind the CLI's `--db PATH`.
pub type SqliteStore = SqlStore<SqlxBackend<SqliteDriver>>;

/// This crate's `migrations/`, embedded.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

static DIALECT: Dialect = Dialect {
    in_list: "{column} IN (SELECT value FROM json_each(?))",
    for_share: "",
    snapshot: "",
    identity_override: "",
    continue_identity: "",
    contains: "instr({column}, ?) > 0",
    reserve_ids: "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                  SELECT (SELECT COALESCE(MAX(id), 0) FROM {table}) + i FROM n",
};

/// The file of a `--db` value; a missing one is created only with `create`.
async fn connect_file(url: &str, create: bool) -> StoreResult<SqlitePool> {
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
    SqlitePoolOptions::new()
        .max_connections(if path == ":memory:" { 1 } else { 4 })
        .connect_with(options)
        .await
        .map_err(db_error)
}

/// SQLite's [`zx_store_sqlx::Driver`]: placeholders as written, values as exact text, many rows
/// as multi-row `VALUES`.
#[derive(Debug, Clone, Copy)]
pub struct SqliteDriver;

#[async_trait]
impl Driver for SqliteDriver {
    type Db = Sqlite;
    /// SQLite locks no rows: a login waits for the writer lock like any write.
    const STREAM_RESULTS: bool = false;
    const LOGINS_TAKE_WRITER_LOCK: bool = true;

    fn dialect() -> &'static Dialect {
        &DIALECT
    }

    fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    async fn connect(url: &str, create: bool) -> StoreResult<SqlitePool> {
        connect_file(url, create).await
    }

    async fn applied_schema(pool: &SqlitePool) -> StoreResult<Option<i64>> {
        let table: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(pool)
        .await
        .map_err(db_error)?;
        match table {
            None => Ok(None),
            Some(_) => sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
                .fetch_one(pool)
                .await
                .map_err(db_error),
        }
    }

    async fn run_migrations(pool: &SqlitePool) -> StoreResult<()> {
        MIGRATOR
            .run(pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// `BEGIN IMMEDIATE` (sqlx's plain `begin` is DEFERRED): the write lock is taken at once,
    /// so what the transaction reads cannot change before it writes.
    async fn begin_write(pool: &SqlitePool) -> StoreResult<SqlxConnection<Self>> {
        zx_store_sqlx::begin(pool, Some("BEGIN IMMEDIATE")).await
    }

    fn statement(sql: &str) -> String {
        sql.to_owned()
    }

    fn arguments(params: Vec<Value>) -> StoreResult<SqliteArguments> {
        connection::arguments(params)
    }

    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    /// SQLite is dynamically typed: each value is read by its own storage class.
    type Columns = ();

    fn columns(_first: &SqliteRow) -> StoreResult<()> {
        Ok(())
    }

    fn row(row: &SqliteRow, _columns: &(), out: &mut Row) -> StoreResult<()> {
        connection::row_of(row, out)
    }

    async fn insert_rows(
        conn: &mut SqliteConnection,
        into: &str,
        suffix: &str,
        rows: Vec<Vec<Value>>,
    ) -> StoreResult<()> {
        connection::insert_rows(conn, into, suffix, rows).await
    }
}
