//! What a service can fail with. Messages are written for the person at the front door; a
//! wrapped cause stays the error's `source` (the CLI prints the chain, `cannot read x.csv: No
//! such file or directory`).

use std::path::PathBuf;

use thiserror::Error;
use zx_store::StoreError;

#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot remove {}", path.display())]
    Remove {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The `--db` value is empty.
    #[error("no database named: give --db a SQLite file or a postgres:// URL")]
    NoDatabase,
    /// The stored entities do not form a tree (a cycle, an unknown parent…).
    #[error("the stored group tree is inconsistent: {0}")]
    InconsistentTree(String),
    /// Refused for the person's role or a missing field (the front door words it in its language).
    #[error("{0}")]
    Refused(crate::collect::Refusal),
    /// A measures list given to the import of entities, data and targets.
    #[error("{0} is a measures list: import it with `zx measures import`")]
    MeasuresList(String),
    /// A workbook could not be written (the XLSX writer's message).
    #[error("cannot write the workbook: {0}")]
    Workbook(String),
    /// The practice library's search index could not be opened or built (its directory, the
    /// index library's message). The database is untouched.
    #[error("practice search index: {0}")]
    Search(String),
}
