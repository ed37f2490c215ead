//! Production safety's records: the check of safety.md §7 over files (`zx safety check`), the
//! import of the same files into the database (`zx safety import`) and the same check over what
//! is stored (`zx safety status`), all through the one pure `zx_domain::safety::check::check`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use zx_domain::EntityCode;
use zx_domain::safety::check::{check, check_scored_hazard};
use zx_domain::safety::natural::Checklists;
use zx_domain::safety::{GradingBands, SafetyCheck};
use zx_ingest::Input;
use zx_ingest::safety::plan_file::read_drill_plan;
use zx_ingest::safety::{KnownSafety, SafetyFileSummary, SafetyRejected, read_safety_files};
use zx_store::{
    NewPlannedDrill, PlannedDrillRow, PlannedOutcome, SafetyImportSummary, SafetySource, Store,
    content_sha256,
};

use crate::AppError;
use crate::import::SourceFile;

fn inputs(files: &[SourceFile]) -> Vec<Input<'_>> {
    files
        .iter()
        .map(|f| Input {
            file_name: &f.name,
            bytes: &f.bytes,
        })
        .collect()
}

/// safety.md §7 over `files` as of `as_of`: every file read and cross-checked (a drill's plan,
/// a training record's person), then the pure check. Any problem in any file and nothing is
/// computed.
pub fn check_files(
    files: &[SourceFile],
    bands: &GradingBands,
    as_of: NaiveDate,
) -> Result<SafetyCheck, SafetyRejected> {
    let read = read_safety_files(&inputs(files), &KnownSafety::default())?;
    Ok(check(&read.records, bands, as_of))
}

/// What a safety import did: every file read and written, or every problem and nothing written.
#[derive(Debug)]
pub enum SafetyImport {
    Imported {
        files: Vec<SafetyFileSummary>,
        summary: SafetyImportSummary,
    },
    Rejected(SafetyRejected),
}

/// Reads `files` against what is stored (entities must be registered; a drill may name a stored
/// plan, a training record or certificate a stored person) and writes them in one transaction,
/// hazards into the hazard register, every change audited by `user` at `at`.
pub async fn import_files(
    store: &dyn Store,
    files: &[SourceFile],
    user: &str,
    at: DateTime<Utc>,
) -> Result<SafetyImport, AppError> {
    import_files_within(store, files, None, user, at).await
}

/// [`import_files`] for someone who may write only the entities of `writable` (a plant's or
/// subsidiary's manager on the web; `None`: anything, HQ): a row of another entity, or of a
/// person or certificate of one, refuses the whole import, named by file, row, column and
/// value like every other bad cell.
pub async fn import_files_within(
    store: &dyn Store,
    files: &[SourceFile],
    writable: Option<&BTreeSet<EntityCode>>,
    user: &str,
    at: DateTime<Utc>,
) -> Result<SafetyImport, AppError> {
    let entities = store.entities().await?;
    let stored = store.safety_records().await?;
    let known = KnownSafety {
        plans: &stored.plans,
        people: &stored.people,
        certificates: &stored.certificates,
        entities: Some(&entities),
        check_references: true,
        writable,
    };
    let read = match read_safety_files(&inputs(files), &known) {
        Ok(read) => read,
        Err(rejected) => return Ok(SafetyImport::Rejected(rejected)),
    };
    let sources: Vec<SafetySource> = read
        .files
        .iter()
        .zip(files)
        .map(|(summary, file)| SafetySource {
            file: summary.file.clone(),
            kind: summary.kind.code().to_owned(),
            sha256: content_sha256(&file.bytes),
        })
        .collect();
    let summary = store
        .import_safety_records(&read.records, &sources, user, at)
        .await?;
    Ok(SafetyImport::Imported {
        files: read.files,
        summary,
    })
}

/// safety.md §7 over what is stored, as of `as_of`: the same document as [`check_files`] of the
/// files that were imported. Hazards come from the register, keyed by their ledger number (the
/// file's `id`), or by the register's own number when reported on the web.
pub async fn stored_status(
    store: &dyn Store,
    bands: &GradingBands,
    as_of: NaiveDate,
) -> Result<SafetyCheck, AppError> {
    let records = store.safety_records().await?;
    let mut result = check(&records, bands, as_of);
    for hazard in store.hazards().await? {
        let key = hazard.code.clone().unwrap_or_else(|| hazard.id.to_string());
        let graded = check_scored_hazard(
            hazard.scores.as_ref(),
            hazard.status,
            hazard.deadline,
            bands,
            as_of,
        );
        result.hazards.insert(key, graded);
    }
    Ok(result)
}

/// Reads a yearly drill plan file (`zx_ingest::safety::plan_file`, the layout its export
/// writes) against what is stored and saves it in one transaction: new rows added, changed
/// ones revised (reason: the file), rows with a cancel reason cancelled. `writable`: the
/// entities the importer may write (`None`: any). The file's problems, or what each row did.
pub async fn import_drill_plan(
    store: &dyn Store,
    file_name: &str,
    bytes: &[u8],
    writable: Option<&BTreeSet<EntityCode>>,
    user: &str,
    at: DateTime<Utc>,
) -> Result<Result<Vec<(i64, PlannedOutcome)>, SafetyRejected>, AppError> {
    let entities = store.entities().await?;
    let stored = store.safety_records().await?;
    let known = KnownSafety {
        plans: &stored.plans,
        entities: Some(&entities),
        writable,
        ..KnownSafety::default()
    };
    let rows = match read_drill_plan(Input { file_name, bytes }, &known) {
        Ok(rows) => rows,
        Err(rejected) => return Ok(Err(rejected)),
    };
    let rows = rows
        .into_iter()
        .map(|r| PlannedDrillRow {
            id: r.id,
            drill: NewPlannedDrill {
                entity: r.entity,
                plan: r.plan,
                due: r.due,
                scenario: r.scenario,
                joint_with: r.joint_with,
            },
            cancel_reason: r.cancel_reason,
        })
        .collect();
    Ok(Ok(store
        .save_planned_drills(rows, file_name, user, at)
        .await?))
}

/// The group's safety configuration: the grading bands (LEC and risk-matrix levels) and the
/// natural-hazard checklists with their acknowledgement hours. safety.md's defaults unless a
/// group gives its own files, read once when the server or a command starts so a bad file stops
/// it at once, named, instead of grading wrongly later.
#[derive(Debug, Clone, Default)]
pub struct SafetyRules {
    pub bands: GradingBands,
    pub checklists: Checklists,
}

/// Why a safety configuration file cannot be used: the file and what is wrong in it.
#[derive(Debug, thiserror::Error)]
pub enum SafetyRulesError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl SafetyRules {
    /// The shipped defaults, replaced by whichever of the two files is given.
    pub fn load(
        grading: Option<&Path>,
        checklists: Option<&Path>,
    ) -> Result<Self, SafetyRulesError> {
        fn read(path: &Path) -> Result<String, SafetyRulesError> {
            std::fs::read_to_string(path).map_err(|source| SafetyRulesError::Read {
                path: path.to_owned(),
                source,
            })
        }
        let invalid = |path: &Path, message: String| SafetyRulesError::Invalid {
            path: path.to_owned(),
            message,
        };
        let mut rules = SafetyRules::default();
        if let Some(path) = grading {
            rules.bands =
                GradingBands::from_toml(&read(path)?).map_err(|e| invalid(path, e.to_string()))?;
        }
        if let Some(path) = checklists {
            rules.checklists =
                Checklists::from_toml(&read(path)?).map_err(|e| invalid(path, e.to_string()))?;
        }
        Ok(rules)
    }
}
