//! The practice library's services for the CLI and the server: importing a file, searching
//! (through an index that is a cache of the database: [`Library`]), similar practices for a red
//! card or a measure, and HQ's recommendation with the plants it tells.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use zx_domain::practices::{recommendation_recipients, segment_of};
use zx_domain::{Access, EntityTree};
use zx_ingest::safety_risks::RowFileRejected;
use zx_search::{Filter, Hit, PracticeDoc, PracticeIndex};
use zx_store::prelude::*;
use zx_store::{NewPractice, PracticeOutcome, StoredPractice};

use crate::database::DatabaseUrl;
use crate::{AppError, load_tree};

/// Where the index of a database's practices lives: `configured` (the settings' `[practices]
/// index_dir`, `--index`) when not blank, else beside the SQLite file (`zengxiao.db.practices`),
/// else, for PostgreSQL, a directory of the system's temporary directory named by a hash of the
/// URL (a cache needs no backup, and two databases do not share one). Deleting it loses nothing.
pub fn index_dir(db: &DatabaseUrl, configured: &str) -> PathBuf {
    if !configured.trim().is_empty() {
        return PathBuf::from(configured.trim());
    }
    match db.sqlite_path() {
        Some(path) => {
            let path = path.split('?').next().unwrap_or(path);
            PathBuf::from(format!("{path}.practices"))
        }
        None => {
            use sha2::{Digest, Sha256};
            let hash: String = Sha256::digest(db.as_str().as_bytes())[..8]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            std::env::temp_dir().join(format!("zengxiao-practices-{hash}"))
        }
    }
}

/// Reads a practices file (CSV or XLSX, every bad cell named) and saves it in one transaction;
/// each practice's segment is its entity's.
pub async fn import(
    store: &dyn Store,
    file_name: &str,
    bytes: &[u8],
    user: &str,
    now: DateTime<Utc>,
) -> Result<Result<Vec<PracticeOutcome>, RowFileRejected>, AppError> {
    let tree = load_tree(store).await?;
    let input = zx_ingest::Input { file_name, bytes };
    let rows = match zx_ingest::practices::read_practices(input, &tree) {
        Ok(rows) => rows,
        Err(rejected) => return Ok(Err(rejected)),
    };
    let rows = rows
        .into_iter()
        .map(|practice| NewPractice {
            segment: segment_of(&tree, &practice.entity),
            practice,
        })
        .collect();
    Ok(Ok(store.save_practices(rows, file_name, user, now).await?))
}

/// What the index holds of a stored practice.
fn doc_of(p: &StoredPractice) -> PracticeDoc {
    PracticeDoc {
        id: p.practice.code.clone(),
        title: p.practice.title.clone(),
        body: p.practice.body.clone(),
        tags: p.practice.tags.clone(),
        entity: p.practice.entity.to_string(),
        segment: p.segment.clone(),
    }
}

/// The search index of one database, kept open between searches (a server's) and brought up to
/// date from the database before each: rebuilt on disk when missing or stale, never trusted over
/// the database.
pub struct Library {
    /// `None`: in memory only (nothing written to disk).
    dir: Option<PathBuf>,
    open: Mutex<Option<Arc<PracticeIndex>>>,
}

/// A search's hits with the practices they are.
pub struct Found {
    pub hits: Vec<(Hit, StoredPractice)>,
}

impl Library {
    pub fn on_disk(dir: &Path) -> Self {
        Self {
            dir: Some(dir.to_owned()),
            open: Mutex::new(None),
        }
    }

    pub fn in_memory() -> Self {
        Self {
            dir: None,
            open: Mutex::new(None),
        }
    }

    /// The index of `practices`: the one held when it is of exactly these, else opened or
    /// rebuilt (on a blocking thread: building reads and writes files).
    async fn index(&self, practices: &[StoredPractice]) -> Result<Arc<PracticeIndex>, AppError> {
        let docs: Vec<PracticeDoc> = practices.iter().map(doc_of).collect();
        let stamp = zx_search::stamp(&docs);
        if let Ok(held) = self.open.lock()
            && let Some(index) = held.as_ref()
            && index.stamp() == stamp
        {
            return Ok(index.clone());
        }
        let dir = self.dir.clone();
        let built = tokio::task::spawn_blocking(move || match dir {
            Some(dir) => PracticeIndex::open_or_rebuild(&dir, &docs).map(|(index, _)| index),
            None => PracticeIndex::in_memory(&docs),
        })
        .await
        .map_err(|e| AppError::Search(e.to_string()))?
        .map_err(|e| AppError::Search(e.to_string()))?;
        let index = Arc::new(built);
        if let Ok(mut held) = self.open.lock() {
            *held = Some(index.clone());
        }
        Ok(index)
    }

    /// The practices matching `query`, best first, at most `limit`.
    pub async fn search(
        &self,
        store: &dyn Store,
        query: &str,
        filter: &Filter,
        limit: usize,
    ) -> Result<Found, AppError> {
        let practices = store.practices().await?;
        let index = self.index(&practices).await?;
        let hits = index
            .search(query, filter, limit)
            .map_err(|e| AppError::Search(e.to_string()))?;
        let hits = hits
            .into_iter()
            .filter_map(|hit| {
                let p = practices.iter().find(|p| p.practice.code == hit.id)?;
                Some((hit, p.clone()))
            })
            .collect();
        Ok(Found { hits })
    }
}

/// HQ recommends a practice (or withdraws it): the accounts of the plants of its segment are
/// told, each once. Returns those newly told.
pub async fn recommend(
    store: &dyn Store,
    code: &str,
    recommended: bool,
    note: &str,
    user: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    let tree: EntityTree = load_tree(store).await?;
    let practice = store
        .practices()
        .await?
        .into_iter()
        .find(|p| p.practice.code == code)
        .ok_or_else(|| zx_store::StoreError::Invalid(format!("no practice {code}")))?;
    let users = store.users().await?;
    let accounts: Vec<(String, Access)> = users
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| {
            (
                u.name,
                Access {
                    role: u.role,
                    scope: u.entity,
                },
            )
        })
        .collect();
    let recipients = recommendation_recipients(
        &tree,
        accounts.iter().map(|(n, a)| (n.as_str(), a)),
        &practice.segment,
    );
    Ok(store
        .recommend_practice(code, recommended, note, recipients, user, now)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_lives_beside_a_sqlite_file_or_where_configured() {
        let sqlite = DatabaseUrl::parse("sqlite://data/zx.db?mode=rwc").unwrap();
        assert_eq!(
            index_dir(&sqlite, ""),
            PathBuf::from("data/zx.db.practices")
        );
        assert_eq!(index_dir(&sqlite, " /srv/idx "), PathBuf::from("/srv/idx"));
        // PostgreSQL: the temporary directory, one directory per database URL.
        let a = DatabaseUrl::parse("postgres://zx@db/a").unwrap();
        let b = DatabaseUrl::parse("postgres://zx@db/b").unwrap();
        assert!(index_dir(&a, "").starts_with(std::env::temp_dir()));
        assert_ne!(index_dir(&a, ""), index_dir(&b, ""));
    }
}
