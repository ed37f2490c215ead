//! Check and import: files are read through `zx-ingest` with every check (entities files
//! first, so data may refer to entities of the same command; figures no later than this month
//! in China), and only when none has an error, written by one `Store::import` (one
//! transaction). `zx import`, `zx demo` and an upload take this one path.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use zx_domain::{Catalogue, Entity, EntityCode};
use zx_ingest::{Batch, Context, FileKind, Input, Issue, LockedMonths, Payload};
use zx_store::prelude::*;
use zx_store::{Changes, FileReceipt, Import, NewSubmission, StoreResult, content_sha256};

use crate::{AppError, china_month};

/// A file to check: its name as shown in messages, and its content.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl SourceFile {
    /// Reads `path`; the name is its file name (messages say `data.csv:12`, not the directory).
    pub fn read(path: &Path) -> Result<Self, AppError> {
        let bytes = std::fs::read(path).map_err(|source| AppError::Read {
            path: path.to_owned(),
            source,
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Ok(SourceFile { name, bytes })
    }
}

/// The outcome of checking a set of files, before anything is written.
pub struct Checked {
    /// What each file that passed would write, in import order.
    pub files: Vec<(NewSubmission, Changes)>,
    pub warnings: Vec<Issue>,
    /// Every error of every file; with any, nothing may be imported.
    pub errors: Vec<Issue>,
    /// The text encoding each file was read in (`UTF-8`, `GBK`, …).
    pub encodings: Vec<(String, &'static str)>,
}

/// What an import wrote, and the warnings its files had.
#[derive(Debug, Clone)]
pub struct Imported {
    pub files: Vec<ImportedFile>,
    pub warnings: Vec<Issue>,
}

/// One imported file: what it was and what its values did.
#[derive(Debug, Clone)]
pub struct ImportedFile {
    pub name: String,
    /// `entities`, `data` or `targets`.
    pub kind: &'static str,
    pub rows: usize,
    pub encoding: &'static str,
    pub receipt: FileReceipt,
}

fn kind_order(kind: FileKind) -> u8 {
    match kind {
        FileKind::Entities => 0,
        FileKind::Data | FileKind::Targets | FileKind::Measures => 1,
    }
}

/// Reads and validates every file against the store's entities and figures; entities files
/// first so data can refer to new entities. Data may be submitted up to the current month in
/// China at `now` (budgets and forecasts are not data). A measures list is refused: it has an
/// import of its own.
pub async fn check_files(
    store: &dyn Store,
    catalogue: &Catalogue,
    files: &[SourceFile],
    now: DateTime<Utc>,
) -> Result<Checked, AppError> {
    check_files_in_scope(store, catalogue, files, now, None).await
}

/// [`check_files`] for a submitter who may write only for `writable` (`None`: anyone): a row
/// for another entity is an error on that row, beside every other error. Locked months are
/// checked in both: a figure for a locked month must equal the stored one.
pub async fn check_files_in_scope(
    store: &dyn Store,
    catalogue: &Catalogue,
    files: &[SourceFile],
    now: DateTime<Utc>,
    writable: Option<&HashSet<EntityCode>>,
) -> Result<Checked, AppError> {
    let mut entities: Vec<Entity> = store.entities().await?;
    let stored = zx_ingest::StoredIndex::from_table(store.current_fact_table().await?);
    let locks = store.locked_periods().await?;
    let latest_month = china_month(now);
    // Sniff first, to order the files: entities before what refers to them.
    let mut order: Vec<(u8, usize, FileKind)> = Vec::new();
    let mut errors = Vec::new();
    for (index, file) in files.iter().enumerate() {
        match zx_ingest::sniff(Input {
            file_name: &file.name,
            bytes: &file.bytes,
        }) {
            Ok(kind) => order.push((kind_order(kind), index, kind)),
            Err(mut issues) => errors.append(&mut issues),
        }
    }
    order.sort_by_key(|&(rank, index, _)| (rank, index));
    // The same key in two files of the command is an error naming both; the keys are only
    // kept where a kind has several files (one big data file keeps nothing extra).
    let several = |kind: FileKind| order.iter().filter(|(_, _, k)| *k == kind).count() > 1;
    let tracked: Vec<bool> = order.iter().map(|&(_, _, kind)| several(kind)).collect();
    let mut batch = Batch::new();
    let mut checked = Checked {
        files: Vec::new(),
        warnings: Vec::new(),
        errors,
        encodings: Vec::new(),
    };
    for ((_, index, _), tracked) in order.into_iter().zip(tracked) {
        let SourceFile { name, bytes } = &files[index];
        // The context borrows a dyn StoredSeries (not Sync): no await while it lives. The
        // locks are indexed against the entities as they stand, new ones of this command too.
        let locked = LockedMonths::new(locks.iter().cloned(), &entities);
        let context = Context {
            catalogue,
            entities: &entities,
            stored: &stored,
            users: None,
            latest_month,
            locked: Some(&locked),
            writable,
        };
        let input = Input {
            file_name: name,
            bytes,
        };
        let parsed = if tracked {
            zx_ingest::parse_in(input, &context, &mut batch)
        } else {
            zx_ingest::parse(input, &context)
        };
        match parsed {
            Ok(parsed) => {
                checked.warnings.extend(parsed.warnings);
                checked.encodings.push((name.clone(), parsed.encoding));
                let submission = NewSubmission {
                    file_name: name.clone(),
                    sha256: content_sha256(bytes),
                    rows: parsed.rows,
                };
                let changes = match parsed.payload {
                    Payload::Entities(list) => {
                        // Indexed by code: a scan of the list per row made a 20,000-entity
                        // file quadratic.
                        let mut at_index: HashMap<EntityCode, usize> = entities
                            .iter()
                            .enumerate()
                            .map(|(i, e)| (e.code.clone(), i))
                            .collect();
                        for entity in &list {
                            match at_index.get(&entity.code) {
                                Some(&i) => entities[i] = entity.clone(),
                                None => {
                                    at_index.insert(entity.code.clone(), entities.len());
                                    entities.push(entity.clone());
                                }
                            }
                        }
                        Changes::Entities(list)
                    }
                    Payload::Data(facts) => Changes::Facts(facts),
                    Payload::Targets(targets) => Changes::Targets(targets),
                    Payload::Measures(_) => return Err(AppError::MeasuresList(name.clone())),
                };
                checked.files.push((submission, changes));
            }
            Err(rejected) => {
                checked.errors.extend(rejected.errors);
                checked.warnings.extend(rejected.warnings);
            }
        }
    }
    Ok(checked)
}

impl Checked {
    /// Whether the files may be imported: no file has an error.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Writes the checked files as `user` at `at`, in one transaction: all or nothing. Call
    /// only when [`Checked::is_ok`]: files with errors were left out of `files`.
    pub async fn import(
        self,
        store: &dyn Store,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Imported> {
        self.write(store, user, at, false).await
    }

    /// [`Checked::import`] as a submission of the collection workflow: each data file's months
    /// are recorded submitted where a value changed or nothing was submitted before
    /// ([`FactStore::submit`]); each receipt lists its months.
    pub async fn submit(
        self,
        store: &dyn Store,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Imported> {
        self.write(store, user, at, true).await
    }

    async fn write(
        self,
        store: &dyn Store,
        user: &str,
        at: DateTime<Utc>,
        record_states: bool,
    ) -> StoreResult<Imported> {
        let described: Vec<(String, &'static str, usize)> = self
            .files
            .iter()
            .map(|(s, c)| (s.file_name.clone(), c.kind(), s.rows))
            .collect();
        let import = Import {
            user: user.to_owned(),
            at,
            files: self.files,
        };
        let receipts = if record_states {
            store.submit(import).await?
        } else {
            store.import(import).await?
        };
        let files = described
            .into_iter()
            .zip(receipts)
            .map(|((name, kind, rows), receipt)| {
                let encoding = self
                    .encodings
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or("", |(_, e)| e);
                ImportedFile {
                    name,
                    kind,
                    rows,
                    encoding,
                    receipt,
                }
            })
            .collect();
        Ok(Imported {
            files,
            warnings: self.warnings,
        })
    }
}
