//! The SQL write paths and row mappings of every backend, written once.
//!
//! A backend crate supplies only what differs between databases: a [`Backend`] (its pool, how a
//! write transaction takes the writer lock, how a statement's `?` placeholders and [`Value`]s are
//! bound, how a result row is read, how many rows go into one bulk insert) and a [`Dialect`]
//! (the few statements whose text differs). Everything else — each multi-statement transaction,
//! each plan of writes, each audit line and each row → record mapping — lives here, in one file
//! per area, as `impl … for SqlStore<B>`. A new table is a migration per backend plus its
//! statements here.
//!
//! Statements are written with `?` placeholders in SQL both databases accept (`ON CONFLICT …
//! DO UPDATE`, `RETURNING`, `TRUE`/`FALSE`, `WITH RECURSIVE`); PostgreSQL's backend numbers them.
//! Months compare as ranges (`period >= ? AND period < ?`), never through date functions, so
//! SQLite's text and PostgreSQL's `DATE` answer alike.

mod value;

mod accounts;
mod archive_io;
mod drill_plan;
mod emissions;
mod export;
mod fact_blocks;
mod facts;
mod followup;
mod hazard_import;
mod hazards;
mod import;
mod managers;
mod measure_rows;
mod measures;
mod practices;
mod references;
mod report_schedule;
mod restore;
mod risks;
mod rnd;
mod safety;
mod targets;
mod workflow;

use async_trait::async_trait;

pub use restore::DATA_TABLES;
pub use value::{FromValue, Row, Value, date_text, month_first_day, timestamp_text};

use crate::{SchemaVersion, StoreResult};

/// A connection or a transaction of a backend. Dropping a transaction without
/// [`Connection::commit`] rolls it back.
#[async_trait]
pub trait Connection: Send {
    /// Runs a statement; returns the number of rows it changed.
    async fn execute(&mut self, sql: &str, params: Vec<Value>) -> StoreResult<u64>;
    /// Runs a query; returns every row.
    async fn fetch_all(&mut self, sql: &str, params: Vec<Value>) -> StoreResult<Vec<Row>>;
    /// Runs a query and hands each row to `each` as it arrives, in one reused [`Row`]: for
    /// large results (every current value) read straight into records, with no row kept.
    async fn fetch_each(
        &mut self,
        sql: &str,
        params: Vec<Value>,
        each: &mut (dyn for<'r> FnMut(&'r mut Row) -> StoreResult<()> + Send),
    ) -> StoreResult<()>;
    /// Runs a query; returns its first row, if any.
    async fn fetch_optional(&mut self, sql: &str, params: Vec<Value>) -> StoreResult<Option<Row>>;
    /// `INSERT INTO {into} VALUES … {suffix}` for many rows at once, in as few statements as the
    /// database does best (SQLite: multi-row `VALUES`; PostgreSQL: bound arrays `UNNEST`ed).
    /// `into` is `table (col, …)`, `suffix` empty or an `ON CONFLICT …` clause. Every row has
    /// one value per column, of the same variant column by column.
    async fn insert_rows(
        &mut self,
        into: &str,
        suffix: &str,
        rows: Vec<Vec<Value>>,
    ) -> StoreResult<()>;
    /// Commits a transaction (a plain pooled connection has nothing to commit).
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// What one database engine supplies to [`SqlStore`].
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Opens (with `create`, creating) the database and brings its schema up to date; a schema
    /// migrated by a newer release is refused ([`crate::StoreError::SchemaTooNew`]) before
    /// anything is written. Without `create`, a missing database is an error naming `zx init`.
    async fn open(url: &str, create: bool) -> StoreResult<Self>
    where
        Self: Sized;
    /// `zx migrate`: applies the migrations the database lacks; the schema before and after.
    async fn migrate(url: &str) -> StoreResult<(SchemaVersion, SchemaVersion)>
    where
        Self: Sized;
    /// The newest migration this build knows.
    fn known_schema() -> i64
    where
        Self: Sized;
    /// The schema of this database.
    async fn schema_version(&self) -> StoreResult<SchemaVersion>;
    /// Closes the pool's connections.
    async fn close(&self);
    /// A pooled connection outside any transaction, for reads of one statement.
    async fn read(&self) -> StoreResult<Box<dyn Connection>>;
    /// A transaction that does not wait for writers (reads that must be consistent, logins).
    async fn begin(&self) -> StoreResult<Box<dyn Connection>>;
    /// A transaction holding the database's one writer lock (SQLite `BEGIN IMMEDIATE`,
    /// PostgreSQL a transaction-scoped advisory lock): every audited write takes it, so writers
    /// run one at a time, what a write reads cannot change before it commits, and audit ids are
    /// in commit order.
    async fn write(&self) -> StoreResult<Box<dyn Connection>>;
    /// A write that must not wait behind the writer lock (a login during a long import), where
    /// the database can lock the rows it reads instead ([`Dialect::for_share`]): PostgreSQL a
    /// plain transaction; SQLite, which locks no rows, the writer lock as [`Backend::write`].
    async fn write_beside_writers(&self) -> StoreResult<Box<dyn Connection>>;
    /// The statements whose text differs.
    fn dialect(&self) -> &Dialect;
    // During the move of the backends' code into this module: the old implementation of each
    // area not moved yet.
}

/// The fragments of SQL that differ between the databases.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    /// `column IN list` for a [`Value::TextList`] parameter, `{column}` replaced: SQLite
    /// `{column} IN (SELECT value FROM json_each(?))`, PostgreSQL `{column} = ANY(?)`.
    pub in_list: &'static str,
    /// Appended to a `SELECT` of one row that must not change until the transaction ends
    /// (PostgreSQL `FOR SHARE`; SQLite's write lock already covers it: empty).
    pub for_share: &'static str,
    /// Run first in a transaction from [`Backend::begin`] whose statements must all read one
    /// snapshot (the export): PostgreSQL `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ,
    /// READ ONLY`, since each statement of its default READ COMMITTED sees the latest commits;
    /// SQLite empty (in WAL mode a read transaction keeps the snapshot of its first read).
    pub snapshot: &'static str,
    /// Between the column list of an `INSERT` and its rows, where the rows bring their own ids
    /// (a restore): PostgreSQL ` OVERRIDING SYSTEM VALUE` (its identity columns are
    /// `GENERATED ALWAYS`); SQLite empty.
    pub identity_override: &'static str,
    /// After ids were written into a table of `{table}`, makes its later inserts continue
    /// after the highest: PostgreSQL moves the identity's sequence (which explicit ids do not
    /// advance); SQLite empty (an `INTEGER PRIMARY KEY` continues after the highest by itself).
    pub continue_identity: &'static str,
    /// `column` holds the text bound at this place as a plain substring (no `LIKE` wildcards,
    /// case-sensitive), `{column}` replaced: SQLite `instr({column}, ?) > 0`, PostgreSQL
    /// `strpos({column}, ?) > 0`.
    pub contains: &'static str,
    /// A query of `?` new ids for `{table}`'s identity column, one a row, so that rows which
    /// refer to them (and their audit lines) can go in bulk inserts: PostgreSQL draws them from
    /// the identity's sequence; SQLite, whose ids are the highest plus one, counts on from the
    /// highest (the caller holds the writer lock, so nobody takes them in between).
    pub reserve_ids: &'static str,
}

impl Dialect {
    /// `column IN (the list bound at this place)`.
    pub fn in_list(&self, column: &str) -> String {
        self.in_list.replace("{column}", column)
    }

    /// `column` contains (the text bound at this place).
    pub fn contains(&self, column: &str) -> String {
        self.contains.replace("{column}", column)
    }

    /// The query of [`Dialect::reserve_ids`] for `table`.
    pub fn reserve_ids(&self, table: &str) -> String {
        self.reserve_ids.replace("{table}", table)
    }
}

/// The [`Store`] of a SQL database: one implementation, over a [`Backend`].
#[derive(Debug, Clone)]
pub struct SqlStore<B> {
    backend: B,
}

impl<B: Backend> SqlStore<B> {
    pub fn new(backend: B) -> Self {
        Self { backend }
    }

    /// See [`Backend::open`].
    pub async fn open(url: &str, create: bool) -> StoreResult<Self> {
        Ok(Self::new(B::open(url, create).await?))
    }

    /// See [`Backend::migrate`].
    pub async fn migrate(url: &str) -> StoreResult<(SchemaVersion, SchemaVersion)> {
        B::migrate(url).await
    }

    /// The newest migration this build knows.
    pub fn known_schema() -> i64 {
        B::known_schema()
    }

    /// The schema of this database.
    pub async fn schema_version(&self) -> StoreResult<SchemaVersion> {
        self.backend.schema_version().await
    }

    /// Closes the database (SQLite: checkpoints the WAL).
    pub async fn close(self) {
        self.backend.close().await;
    }

    /// The backend, for what only it can do (migrations, closing, erasing a test database).
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Unwraps the backend.
    pub fn into_backend(self) -> B {
        self.backend
    }
}

impl<B: Backend> SqlStore<B> {
    /// Every row of a query on a pooled connection, each made a record as it is read.
    pub(crate) async fn read_all<T: Send>(
        &self,
        sql: &str,
        params: Vec<Value>,
        record: impl FnMut(&mut Row) -> StoreResult<T> + Send,
    ) -> StoreResult<Vec<T>> {
        read_all(&mut *self.backend.read().await?, sql, params, record).await
    }
}

/// The audit log's table and columns, for [`audit`] and for bulk writes of [`audit_row`]s.
pub(crate) const AUDIT_INTO: &str =
    "audit_log (at, user_name, action, object, old_value, new_value, submission_id)";

/// The values of one audit line, in [`AUDIT_INTO`]'s order; `submission_id` ties it to an
/// imported file.
#[allow(clippy::too_many_arguments)]
pub(crate) fn audit_row(
    at: chrono::DateTime<chrono::Utc>,
    user: &str,
    action: &str,
    object: String,
    old_value: Option<String>,
    new_value: Option<String>,
    submission_id: Option<i64>,
) -> Vec<Value> {
    crate::params![
        at,
        user,
        action,
        object,
        old_value,
        new_value,
        submission_id
    ]
}

/// Writes one audit line.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn audit(
    conn: &mut dyn Connection,
    at: chrono::DateTime<chrono::Utc>,
    user: &str,
    action: &str,
    object: &str,
    old_value: Option<String>,
    new_value: Option<String>,
    submission_id: Option<i64>,
) -> StoreResult<()> {
    let row = audit_row(
        at,
        user,
        action,
        object.to_owned(),
        old_value,
        new_value,
        submission_id,
    );
    conn.execute(
        &format!("INSERT INTO {AUDIT_INTO} VALUES (?, ?, ?, ?, ?, ?, ?)"),
        row,
    )
    .await?;
    Ok(())
}

/// Every row of a query on `conn`, each made a record as it is read.
pub(crate) async fn read_all<T: Send>(
    conn: &mut dyn Connection,
    sql: &str,
    params: Vec<Value>,
    mut record: impl FnMut(&mut Row) -> StoreResult<T> + Send,
) -> StoreResult<Vec<T>> {
    let mut records = Vec::new();
    conn.fetch_each(sql, params, &mut |row| {
        records.push(record(row)?);
        Ok(())
    })
    .await?;
    Ok(records)
}
