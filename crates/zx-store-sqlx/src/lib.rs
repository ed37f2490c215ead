//! What the SQLite and PostgreSQL backends share: [`SqlxBackend`], the one
//! [`zx_store::sql::Backend`] over a sqlx pool, and [`SqlxConnection`], a pooled connection or a
//! transaction of any sqlx driver as a [`zx_store::sql::Connection`].
//!
//! A backend crate supplies only a [`Driver`]: how it connects and migrates, how a write takes
//! the writer lock, how its statements take placeholders, how it binds [`Value`]s and reads
//! rows, how it writes many rows at once, and its [`Dialect`]. Everything driver-neutral —
//! opening with the schema guard, migrating, running a statement, fetching, committing — is
//! written here once.
#![forbid(unsafe_code)]

use std::marker::PhantomData;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, Database, Executor, IntoArguments, Pool, Transaction};
use zx_store::sql::{Backend, Connection, Dialect, Row, Value};
use zx_store::{SchemaVersion, StoreError, StoreResult};

/// A driver's error as the store reports it.
pub fn db_error(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

/// What one sqlx driver does its own way.
#[async_trait]
pub trait Driver: Send + Sync + 'static {
    type Db: Database;
    /// The statements whose text differs on this database.
    fn dialect() -> &'static Dialect;
    /// This backend's embedded `migrations/`.
    fn migrator() -> &'static sqlx::migrate::Migrator;
    /// A pool on the database of `url`. With `create`, a missing database is created; without,
    /// a database that does not exist (or holds no schema) is an error naming `zx init`.
    async fn connect(url: &str, create: bool) -> StoreResult<Pool<Self::Db>>;
    /// The newest migration applied to the database (`None`: none).
    async fn applied_schema(pool: &Pool<Self::Db>) -> StoreResult<Option<i64>>;
    /// Applies the migrations the database lacks.
    async fn run_migrations(pool: &Pool<Self::Db>) -> StoreResult<()>;
    /// A transaction holding the database's one writer lock (see [`Backend::write`]).
    async fn begin_write(pool: &Pool<Self::Db>) -> StoreResult<SqlxConnection<Self>>
    where
        Self: Sized;
    /// Whether results are read as the driver streams them (each driver row dropped at once)
    /// rather than fetched in one go. Measured per driver on the load of every current value
    /// (93,000 rows): PostgreSQL streams faster; SQLite's driver hands a streamed row from its
    /// worker thread to the reading task one at a time, and those switches cost 60 % more CPU.
    const STREAM_RESULTS: bool;
    /// Whether a login must take the writer lock too: a database that locks no rows
    /// (see [`Backend::write_beside_writers`]).
    const LOGINS_TAKE_WRITER_LOCK: bool;
    /// A shared statement (`?` placeholders) as this database takes it.
    fn statement(sql: &str) -> String;
    /// The bound parameters of a statement, in this database's representation.
    fn arguments(params: Vec<Value>) -> StoreResult<<Self::Db as Database>::Arguments>;
    /// How many rows a statement changed.
    fn rows_affected(result: &<Self::Db as Database>::QueryResult) -> u64;
    /// What reading a result's rows needs to know of its columns, decided once per result
    /// from its first row (PostgreSQL: each column's type).
    type Columns: Send;
    /// See [`Driver::Columns`].
    fn columns(first: &<Self::Db as Database>::Row) -> StoreResult<Self::Columns>;
    /// Reads one result row into `out` (empty), in this database's representation of values.
    fn row(
        row: &<Self::Db as Database>::Row,
        columns: &Self::Columns,
        out: &mut Row,
    ) -> StoreResult<()>;
    /// See [`Connection::insert_rows`].
    async fn insert_rows(
        conn: &mut <Self::Db as Database>::Connection,
        into: &str,
        suffix: &str,
        rows: Vec<Vec<Value>>,
    ) -> StoreResult<()>;
}

/// A pooled connection or a transaction of driver `D`.
pub enum SqlxConnection<D: Driver> {
    Pooled(PoolConnection<D::Db>),
    Transaction(Transaction<'static, D::Db>),
}

impl<D: Driver> SqlxConnection<D> {
    /// The underlying connection, for a driver's own statements.
    pub fn connection(&mut self) -> &mut <D::Db as Database>::Connection {
        match self {
            SqlxConnection::Pooled(conn) => conn,
            SqlxConnection::Transaction(tx) => tx,
        }
    }
}

/// A transaction begun with `statement` (`None`: the driver's plain `BEGIN`).
pub async fn begin<D: Driver>(
    pool: &Pool<D::Db>,
    statement: Option<&'static str>,
) -> StoreResult<SqlxConnection<D>> {
    let tx = match statement {
        None => pool.begin().await,
        Some(statement) => pool.begin_with(statement).await,
    };
    Ok(SqlxConnection::Transaction(tx.map_err(db_error)?))
}

/// Runs one statement already in `D`'s own form (placeholders and arguments) on `conn`: for a
/// driver's own statements, such as its bulk inserts.
pub async fn execute<D: Driver>(
    conn: &mut <D::Db as Database>::Connection,
    sql: String,
    args: <D::Db as Database>::Arguments,
) -> StoreResult<u64>
where
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    <D::Db as Database>::Arguments: IntoArguments<D::Db> + Send,
{
    let done = sqlx::query_with(AssertSqlSafe(sql), args)
        .execute(conn)
        .await
        .map_err(db_error)?;
    Ok(D::rows_affected(&done))
}

/// The [`Backend`] of a sqlx pool of driver `D`.
pub struct SqlxBackend<D: Driver> {
    pool: Pool<D::Db>,
    driver: PhantomData<D>,
}

impl<D: Driver> Clone for SqlxBackend<D> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            driver: PhantomData,
        }
    }
}

impl<D: Driver> std::fmt::Debug for SqlxBackend<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlxBackend")
            .field("pool", &self.pool)
            .finish()
    }
}

impl<D: Driver> SqlxBackend<D> {
    /// The pool, for a driver's own statements.
    pub fn pool(&self) -> &Pool<D::Db> {
        &self.pool
    }

    async fn schema_version_of(pool: &Pool<D::Db>) -> StoreResult<SchemaVersion> {
        Ok(SchemaVersion {
            applied: D::applied_schema(pool).await?,
            known: known_schema(D::migrator()),
        })
    }
}

fn known_schema(migrator: &sqlx::migrate::Migrator) -> i64 {
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}

#[async_trait]
impl<D: Driver> Backend for SqlxBackend<D>
where
    SqlxConnection<D>: Connection,
{
    /// Opens (creating when `create`) and brings the schema up to date; a schema migrated by a
    /// newer release is refused before the migrator writes anything. A schema of an older
    /// release is always migrated.
    async fn open(url: &str, create: bool) -> StoreResult<Self> {
        let pool = D::connect(url, create).await?;
        if let Err(e) = Self::schema_version_of(&pool).await.and_then(|v| v.check()) {
            pool.close().await;
            return Err(e);
        }
        D::run_migrations(&pool).await?;
        Ok(Self {
            pool,
            driver: PhantomData,
        })
    }

    /// Refuses (changing nothing) a database migrated by a newer release, and, like `open`
    /// without `create`, one that does not exist.
    async fn migrate(url: &str) -> StoreResult<(SchemaVersion, SchemaVersion)> {
        let pool = D::connect(url, false).await?;
        let result = async {
            let before = Self::schema_version_of(&pool).await?;
            before.check()?;
            D::run_migrations(&pool).await?;
            Ok((before, Self::schema_version_of(&pool).await?))
        }
        .await;
        pool.close().await;
        result
    }

    fn known_schema() -> i64 {
        known_schema(D::migrator())
    }

    async fn schema_version(&self) -> StoreResult<SchemaVersion> {
        Self::schema_version_of(&self.pool).await
    }

    /// Closes the pool's connections (SQLite: checkpoints the WAL).
    async fn close(&self) {
        self.pool.close().await;
    }

    async fn read(&self) -> StoreResult<Box<dyn Connection>> {
        let conn = self.pool.acquire().await.map_err(db_error)?;
        Ok(Box::new(SqlxConnection::<D>::Pooled(conn)))
    }

    async fn begin(&self) -> StoreResult<Box<dyn Connection>> {
        Ok(Box::new(begin::<D>(&self.pool, None).await?))
    }

    async fn write(&self) -> StoreResult<Box<dyn Connection>> {
        Ok(Box::new(D::begin_write(&self.pool).await?))
    }

    async fn write_beside_writers(&self) -> StoreResult<Box<dyn Connection>> {
        if D::LOGINS_TAKE_WRITER_LOCK {
            self.write().await
        } else {
            self.begin().await
        }
    }

    fn dialect(&self) -> &Dialect {
        D::dialect()
    }
}

#[async_trait]
impl<D: Driver> Connection for SqlxConnection<D>
where
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    <D::Db as Database>::Arguments: IntoArguments<D::Db> + Send,
{
    async fn execute(&mut self, sql: &str, params: Vec<Value>) -> StoreResult<u64> {
        let args = D::arguments(params)?;
        execute::<D>(self.connection(), D::statement(sql), args).await
    }

    async fn fetch_all(&mut self, sql: &str, params: Vec<Value>) -> StoreResult<Vec<Row>> {
        let mut rows = Vec::new();
        self.fetch_each(sql, params, &mut |row| {
            rows.push(std::mem::take(row));
            Ok(())
        })
        .await?;
        Ok(rows)
    }

    /// Each row is read into one reused [`Row`] and handed on; the driver's rows are streamed
    /// or fetched in one go as [`Driver::STREAM_RESULTS`] says.
    async fn fetch_each(
        &mut self,
        sql: &str,
        params: Vec<Value>,
        each: &mut (dyn for<'r> FnMut(&'r mut Row) -> StoreResult<()> + Send),
    ) -> StoreResult<()> {
        let args = D::arguments(params)?;
        let query = sqlx::query_with(AssertSqlSafe(D::statement(sql)), args);
        let mut columns = None;
        let mut out = Row::default();
        let mut read = |row: &<D::Db as Database>::Row| -> StoreResult<()> {
            let columns = match &columns {
                Some(columns) => columns,
                None => columns.insert(D::columns(row)?),
            };
            out.clear();
            D::row(row, columns, &mut out)?;
            each(&mut out)
        };
        if D::STREAM_RESULTS {
            let mut stream = query.fetch(self.connection());
            while let Some(row) = stream.try_next().await.map_err(db_error)? {
                read(&row)?;
            }
        } else {
            let rows = query.fetch_all(self.connection()).await.map_err(db_error)?;
            for row in &rows {
                read(row)?;
            }
        }
        Ok(())
    }

    async fn fetch_optional(&mut self, sql: &str, params: Vec<Value>) -> StoreResult<Option<Row>> {
        let args = D::arguments(params)?;
        let row = sqlx::query_with(AssertSqlSafe(D::statement(sql)), args)
            .fetch_optional(self.connection())
            .await
            .map_err(db_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut out = Row::default();
        D::row(&row, &D::columns(&row)?, &mut out)?;
        Ok(Some(out))
    }

    async fn insert_rows(
        &mut self,
        into: &str,
        suffix: &str,
        rows: Vec<Vec<Value>>,
    ) -> StoreResult<()> {
        D::insert_rows(self.connection(), into, suffix, rows).await
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        match *self {
            SqlxConnection::Pooled(_) => Ok(()),
            SqlxConnection::Transaction(tx) => tx.commit().await.map_err(db_error),
        }
    }
}
