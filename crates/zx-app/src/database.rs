//! The `--db` value, parsed once: which backend, where the SQLite file is, and what can be done
//! to the database as a whole (open, migrate, erase), whatever the backend. Nothing else looks
//! at a URL's scheme.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zx_store::prelude::*;
use zx_store::{
    SchemaVersion, StoreError, StoreResult, is_postgres_url, path_from_url, redact_url,
};
use zx_store_postgres::PgStore;
use zx_store_sqlite::SqliteStore;

use crate::AppError;

/// Which backend a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    /// A file: a path, `sqlite://PATH` or `sqlite:PATH` (the default backend).
    Sqlite,
    /// A server: `postgres://` or `postgresql://`.
    Postgres,
}

/// A database named by `--db` (or the server's settings). `Display` and `Debug` mask a
/// PostgreSQL password, so the value can go into any message or log line.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    kind: DatabaseKind,
}

impl DatabaseUrl {
    /// `postgres://…` or `postgresql://…` is PostgreSQL; anything else names a SQLite file.
    pub fn parse(text: &str) -> Result<Self, AppError> {
        if text.trim().is_empty() {
            return Err(AppError::NoDatabase);
        }
        let kind = if is_postgres_url(text) {
            DatabaseKind::Postgres
        } else {
            DatabaseKind::Sqlite
        };
        Ok(DatabaseUrl {
            url: text.to_owned(),
            kind,
        })
    }

    pub fn kind(&self) -> DatabaseKind {
        self.kind
    }

    /// The value as given, password included: for connecting, never for showing.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The SQLite file (`sqlite://x.db` → `x.db`); `None` for PostgreSQL.
    pub fn sqlite_path(&self) -> Option<&str> {
        match self.kind {
            DatabaseKind::Sqlite => Some(path_from_url(&self.url)),
            DatabaseKind::Postgres => None,
        }
    }

    /// The database as a person names it: the SQLite file, or the PostgreSQL URL with its
    /// password masked.
    pub fn location(&self) -> String {
        match self.sqlite_path() {
            Some(path) => path.to_owned(),
            None => redact_url(&self.url),
        }
    }

    /// Opens the database with the backend its URL names. `create`: make it (the file, or the
    /// PostgreSQL database and schema) when missing; otherwise a missing one is an error naming
    /// `zx init`. An older schema is migrated; a newer one refused.
    pub async fn open(&self, create: bool) -> StoreResult<Arc<dyn Store>> {
        Ok(match self.kind {
            DatabaseKind::Sqlite => Arc::new(SqliteStore::open(&self.url, create).await?),
            DatabaseKind::Postgres => Arc::new(PgStore::open(&self.url, create).await?),
        })
    }

    /// Brings an existing database's schema up to date: the version before and after.
    pub async fn migrate(&self) -> StoreResult<(SchemaVersion, SchemaVersion)> {
        match self.kind {
            DatabaseKind::Sqlite => SqliteStore::migrate(&self.url).await,
            DatabaseKind::Postgres => PgStore::migrate(&self.url).await,
        }
    }

    /// Whether nothing stored would be touched by building into this database: a SQLite file
    /// that does not exist yet, or a PostgreSQL database (created if missing) without entities.
    pub async fn is_fresh(&self) -> StoreResult<bool> {
        match self.sqlite_path() {
            Some(path) => Ok(!Path::new(path).exists()),
            None => Ok(self.open(true).await?.entities().await?.is_empty()),
        }
    }

    /// Empties the database so it can be built anew, after `may_erase` has looked at what it
    /// holds and agreed (its error is returned, and nothing is erased). A SQLite file is
    /// closed (its WAL checkpointed) and deleted with its `-wal` and `-shm` files, to be made
    /// anew by the next `open(true)`; a missing one is left missing without asking. A
    /// PostgreSQL database is not a file: it is created if missing, otherwise every table is
    /// emptied in place (the schema stays, ids restart at 1).
    pub async fn erase<E>(
        &self,
        may_erase: impl AsyncFnOnce(&dyn Store) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<AppError>,
    {
        match self.sqlite_path() {
            Some(path) => {
                if !Path::new(path).exists() {
                    return Ok(());
                }
                let store = SqliteStore::open(&self.url, false)
                    .await
                    .map_err(|e| E::from(e.into()))?;
                let agreed = may_erase(&store).await;
                // Closed before its files are removed.
                store.close().await;
                agreed?;
                remove_sqlite_files(path).map_err(E::from)
            }
            None => {
                let store = PgStore::open(&self.url, true)
                    .await
                    .map_err(|e| E::from(e.into()))?;
                let agreed = may_erase(&store).await;
                let erased = match agreed {
                    Ok(()) => zx_store_postgres::erase_all_data(&store).await,
                    Err(refused) => {
                        store.close().await;
                        return Err(refused);
                    }
                };
                store.close().await;
                erased.map_err(|e: StoreError| E::from(e.into()))
            }
        }
    }

    /// The minute store's directory for this database: `configured` (the settings'
    /// `[emissions] dir`) when not blank, else beside the SQLite file (`zengxiao.db.cems`),
    /// else `zengxiao-cems` for PostgreSQL.
    pub fn minute_store_dir(&self, configured: &str) -> PathBuf {
        if !configured.trim().is_empty() {
            return PathBuf::from(configured.trim());
        }
        match self.sqlite_path() {
            // A URL's query (`?mode=rwc`) is not part of the file name.
            Some(path) => {
                let path = path.split('?').next().unwrap_or(path);
                PathBuf::from(format!("{path}.cems"))
            }
            None => PathBuf::from("zengxiao-cems"),
        }
    }
}

fn remove_sqlite_files(path: &str) -> Result<(), AppError> {
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{path}{suffix}"));
        if file.exists() {
            std::fs::remove_file(&file).map_err(|source| AppError::Remove {
                path: file.clone(),
                source,
            })?;
        }
    }
    Ok(())
}

impl fmt::Display for DatabaseUrl {
    /// The URL with a PostgreSQL password masked (`postgres://zx:***@db/zx`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_url(&self.url))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseUrl")
            .field("url", &redact_url(&self.url))
            .field("kind", &self.kind)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> DatabaseUrl {
        DatabaseUrl::parse(text).unwrap()
    }

    #[test]
    fn the_scheme_chooses_the_backend() {
        assert_eq!(url("zengxiao.db").kind(), DatabaseKind::Sqlite);
        assert_eq!(url("sqlite://data/zx.db").kind(), DatabaseKind::Sqlite);
        assert_eq!(url("sqlite:zx.db").kind(), DatabaseKind::Sqlite);
        assert_eq!(url("postgres://zx@db/zx").kind(), DatabaseKind::Postgres);
        assert_eq!(url("postgresql://zx@db/zx").kind(), DatabaseKind::Postgres);
        assert!(matches!(
            DatabaseUrl::parse("  "),
            Err(AppError::NoDatabase)
        ));
    }

    #[test]
    fn a_sqlite_url_names_its_file() {
        assert_eq!(url("zengxiao.db").sqlite_path(), Some("zengxiao.db"));
        assert_eq!(url("sqlite://data/zx.db").sqlite_path(), Some("data/zx.db"));
        assert_eq!(url("sqlite:zx.db").sqlite_path(), Some("zx.db"));
        assert_eq!(url("postgres://zx@db/zx").sqlite_path(), None);
        assert_eq!(url("sqlite://data/zx.db").location(), "data/zx.db");
    }

    #[test]
    fn a_password_is_never_shown() {
        let db = url("postgres://zx:hunter2@db.local:5432/zx");
        assert_eq!(db.to_string(), "postgres://zx:***@db.local:5432/zx");
        assert_eq!(db.location(), "postgres://zx:***@db.local:5432/zx");
        assert!(!format!("{db:?}").contains("hunter2"));
        assert_eq!(db.as_str(), "postgres://zx:hunter2@db.local:5432/zx");
        assert_eq!(url("sqlite://zx.db").to_string(), "sqlite://zx.db");
    }

    #[test]
    fn the_minute_store_lives_beside_the_database_unless_configured() {
        assert_eq!(
            url("data/zx.db").minute_store_dir(""),
            PathBuf::from("data/zx.db.cems")
        );
        assert_eq!(
            url("sqlite://zx.db?mode=rwc").minute_store_dir("  "),
            PathBuf::from("zx.db.cems")
        );
        assert_eq!(
            url("sqlite:///var/lib/zx.db?mode=rwc").minute_store_dir(""),
            PathBuf::from("/var/lib/zx.db.cems")
        );
        assert_eq!(
            url("sqlite:data/zx.db").minute_store_dir(""),
            PathBuf::from("data/zx.db.cems")
        );
        assert_eq!(
            url("postgres://zx@db/zx").minute_store_dir(""),
            PathBuf::from("zengxiao-cems")
        );
        assert_eq!(
            url("zx.db").minute_store_dir(" /var/lib/zx/cems "),
            PathBuf::from("/var/lib/zx/cems")
        );
    }

    #[tokio::test]
    async fn a_sqlite_file_is_opened_migrated_and_erased() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zx.db");
        let db = url(&format!("sqlite://{}", path.display()));
        assert!(db.is_fresh().await.unwrap());
        assert!(
            db.open(false).await.is_err(),
            "a missing file is not created"
        );
        let store = db.open(true).await.unwrap();
        drop(store);
        assert!(!db.is_fresh().await.unwrap());
        let (before, after) = db.migrate().await.unwrap();
        assert_eq!(before, after, "a new database is up to date");
        // Refused: nothing is removed.
        let refused: Result<(), AppError> = db
            .erase(async |_: &dyn Store| Err(AppError::NoDatabase))
            .await;
        assert!(refused.is_err());
        assert!(path.exists());
        let erased: Result<(), AppError> = db.erase(async |_: &dyn Store| Ok(())).await;
        erased.unwrap();
        assert!(!path.exists());
        assert!(db.is_fresh().await.unwrap());
    }
}
