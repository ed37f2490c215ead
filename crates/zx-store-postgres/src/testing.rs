//! Fresh databases for tests: one uniquely named database per test, dropped afterwards.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor};
use zx_store::{StoreError, StoreResult, redact_url};

use crate::db_error;

/// The variable naming the PostgreSQL cluster the tests may use (`postgres://user@host:port/db`;
/// the role needs `CREATEDB`). Unset: PostgreSQL tests are skipped.
pub const TEST_DATABASE_URL_VAR: &str = "ZX_TEST_DATABASE_URL";

/// [`TEST_DATABASE_URL_VAR`]'s value, or `None` when it is unset or empty, after a notice
/// naming `what` is skipped (once per test binary; written past the test harness's capture, so
/// a plain `cargo test` shows it).
pub fn test_database_url(what: &str) -> Option<String> {
    static NOTICE: std::sync::Once = std::sync::Once::new();
    match std::env::var(TEST_DATABASE_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            NOTICE.call_once(|| {
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "note: {TEST_DATABASE_URL_VAR} is not set: {what} skipped on PostgreSQL"
                );
            });
            None
        }
    }
}

/// A uniquely named database created for one test; dropped (`WITH (FORCE)`, so open
/// connections do not keep it) when this guard is dropped, also when the test panics.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
    admin: PgConnectOptions,
}

impl TestDatabase {
    /// Creates the database on the cluster of `base_url`, connecting to `base_url`'s database.
    pub async fn create(base_url: &str) -> StoreResult<Self> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let admin = PgConnectOptions::from_str(base_url).map_err(|e| {
            StoreError::Database(format!(
                "{} is not a PostgreSQL URL: {e}",
                redact_url(base_url)
            ))
        })?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "zx_test_{}_{}_{nanos:09}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut conn = admin.connect().await.map_err(db_error)?;
        conn.execute(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .await
            .map_err(db_error)?;
        conn.close().await.map_err(db_error)?;
        Ok(Self {
            url: with_database(base_url, &name),
            name,
            admin,
        })
    }

    /// [`TestDatabase::create`] for synchronous tests (runs on a runtime of its own).
    pub fn create_blocking(base_url: &str) -> StoreResult<Self> {
        let base_url = base_url.to_owned();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| StoreError::Database(e.to_string()))?
                .block_on(Self::create(&base_url))
        })
        .join()
        .unwrap_or_else(|_| {
            Err(StoreError::Database(
                "creating a test database panicked".into(),
            ))
        })
    }

    /// The URL of the new database.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let name = std::mem::take(&mut self.name);
        // Drop is synchronous and may run inside the test's runtime: a thread of its own with a
        // runtime of its own does the async work.
        let dropped = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut conn = admin.connect().await.map_err(|e| e.to_string())?;
                conn.execute(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .await
                .map_err(|e| format!("{name}: {e}"))?;
                conn.close().await.map_err(|e| e.to_string())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: test database not dropped: {e}"),
            Err(_) => eprintln!("warning: dropping a test database panicked"),
        }
    }
}

/// `base_url` with its database replaced by `database` (user, host, port and query kept).
pub fn with_database(base_url: &str, database: &str) -> String {
    let (head, query) = match base_url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (base_url, None),
    };
    let authority = head.find("://").map_or(0, |i| i + 3);
    let path = head[authority..]
        .find('/')
        .map_or(head.len(), |i| authority + i);
    match query {
        Some(query) => format!("{}/{database}?{query}", &head[..path]),
        None => format!("{}/{database}", &head[..path]),
    }
}
