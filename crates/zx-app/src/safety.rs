//! Production safety's records: the check of safety.md §7 over files (`zx safety check`), and
//! later over what is stored (`zx safety status`), through the one pure
//! `zx_domain::safety::check::check`.

use chrono::NaiveDate;
use zx_domain::safety::check::check;
use zx_domain::safety::{GradingBands, SafetyCheck};
use zx_ingest::Input;
use zx_ingest::safety::{KnownSafety, SafetyRejected, read_safety_files};

use crate::import::SourceFile;

/// safety.md §7 over `files` as of `as_of`: every file read and cross-checked (a drill's plan,
/// a training record's person), then the pure check. Any problem in any file and nothing is
/// computed.
pub fn check_files(
    files: &[SourceFile],
    bands: &GradingBands,
    as_of: NaiveDate,
) -> Result<SafetyCheck, SafetyRejected> {
    let inputs: Vec<Input<'_>> = files
        .iter()
        .map(|f| Input {
            file_name: &f.name,
            bytes: &f.bytes,
        })
        .collect();
    let read = read_safety_files(&inputs, &KnownSafety::default())?;
    Ok(check(&read.records, bands, as_of))
}
