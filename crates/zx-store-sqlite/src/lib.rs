//! The embedded SQLite backend of [`zx_store::Store`]: the default database, one file, no server.
//!
//! This crate supplies only what is SQLite's own ([`zx_store::sql::Backend`]): opening the file
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
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use zx_store::sql::{Backend, Connection, Dialect, SqlStore};
use zx_store::{SchemaVersion, StoreError, StoreResult};

use connection::SqliteConn;
pub use zx_store::path_from_url;

/// The SQLite database behind the CLI's `--db PATH`.
pub type SqliteStore = SqlStore<Sqlite>;

/// This crate's `migrations/`, embedded.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// What is SQLite's own: the pool of one database file.
#[derive(Debug, Clone)]
pub struct Sqlite {
    pool: SqlitePool,
}

const DIALECT: Dialect = Dialect {
    in_list: "{column} IN (SELECT value FROM json_each(?))",
    for_share: "",
    snapshot: "",
    identity_override: "",
    continue_identity: "",
    contains: "instr({column}, ?) > 0",
    reserve_ids: "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                  SELECT (SELECT COALESCE(MAX(id), 0) FROM {table}) + i FROM n",
};

fn db_error(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

impl Sqlite {
    async fn schema_version_of(pool: &SqlitePool) -> StoreResult<SchemaVersion> {
        let table: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(pool)
        .await
        .map_err(db_error)?;
        let applied = match table {
            None => None,
            Some(_) => sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
                .fetch_one(pool)
                .await
                .map_err(db_error)?,
        };
        Ok(SchemaVersion {
            applied,
            known: Self::known_schema(),
        })
    }

    async fn connect(url: &str, create: bool) -> StoreResult<SqlitePool> {
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
}

#[async_trait]
impl Backend for Sqlite {
    /// Opens (creating when `create`) the database file and brings its schema up to date. A
    /// database migrated by a newer release is refused ([`StoreError::SchemaTooNew`]) before
    /// anything is written to it.
    async fn open(url: &str, create: bool) -> StoreResult<Self> {
        let pool = Self::connect(url, create).await?;
        Self::schema_version_of(&pool).await?.check()?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(Self { pool })
    }

    async fn migrate(url: &str) -> StoreResult<(SchemaVersion, SchemaVersion)> {
        let pool = Self::connect(url, false).await?;
        let before = Self::schema_version_of(&pool).await?;
        before.check()?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        let after = Self::schema_version_of(&pool).await?;
        pool.close().await;
        Ok((before, after))
    }

    fn known_schema() -> i64 {
        MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
    }

    async fn schema_version(&self) -> StoreResult<SchemaVersion> {
        Self::schema_version_of(&self.pool).await
    }

    /// Closes the pool, checkpointing the WAL.
    async fn close(&self) {
        self.pool.close().await;
    }

    async fn read(&self) -> StoreResult<Box<dyn Connection>> {
        let conn = self.pool.acquire().await.map_err(db_error)?;
        Ok(Box::new(SqliteConn::Pooled(conn)))
    }

    async fn begin(&self) -> StoreResult<Box<dyn Connection>> {
        let tx = self.pool.begin().await.map_err(db_error)?;
        Ok(Box::new(SqliteConn::Transaction(tx)))
    }

    /// `BEGIN IMMEDIATE` (sqlx's plain `begin` is DEFERRED): the write lock is taken at once,
    /// so what the transaction reads cannot change before it writes.
    async fn write(&self) -> StoreResult<Box<dyn Connection>> {
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        Ok(Box::new(SqliteConn::Transaction(tx)))
    }

    async fn write_beside_writers(&self) -> StoreResult<Box<dyn Connection>> {
        self.write().await
    }

    fn dialect(&self) -> &Dialect {
        &DIALECT
    }
}
