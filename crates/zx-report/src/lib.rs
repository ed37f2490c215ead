//! The monthly quality-and-efficiency report (issue 16): a typeset A4 PDF and its Excel twin,
//! both from one [`Report`], the cockpit's values already formatted as the cockpit shows them.
//!
//! Typesetting happens in-process with the `typst` crates (no external program) over the
//! template `report.typ`; the only font is the vendored Noto Sans SC (OFL 1.1), which typst
//! embeds as a subset, so the Chinese text stays searchable and the file small.
//!
//! Not here: reading the store or computing anything. The caller (the server's
//! `report` module, which the CLI calls too) fills the model from the cockpit's view model, so
//! the report cannot show a number the cockpit does not.
#![forbid(unsafe_code)]

mod labels;
pub mod model;
mod typeset;
mod xlsx;

use serde::Serialize;
use zx_domain::Lang;

pub use labels::Labels;
pub use model::*;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the report could not be typeset: {0}")]
    Typeset(String),
    #[error("the report's data could not be prepared: {0}")]
    Data(#[from] serde_json::Error),
    #[error("the workbook could not be written: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
}

#[derive(Serialize)]
struct TemplateData<'a> {
    report: &'a Report,
    labels: &'a Labels,
}

fn lang_of(report: &Report) -> Lang {
    Lang::parse(&report.lang).unwrap_or_default()
}

/// The report as an A4 PDF.
pub fn pdf(report: &Report) -> Result<Vec<u8>, ReportError> {
    let labels = Labels::new(report, lang_of(report));
    let data = serde_json::to_vec(&TemplateData {
        report,
        labels: &labels,
    })?;
    typeset::pdf(data)
}

/// The same report as one workbook, a sheet per section.
pub fn xlsx(report: &Report) -> Result<Vec<u8>, ReportError> {
    let lang = lang_of(report);
    let labels = Labels::new(report, lang);
    xlsx::workbook(report, &labels, lang == Lang::Zh)
}

/// A traffic light in words, for the workbook (the PDF draws it).
fn status_label(status: &str, zh: bool) -> &'static str {
    match (status, zh) {
        ("green", true) => "绿",
        ("amber", true) => "黄",
        ("red", true) => "红",
        ("green", false) => "green",
        ("amber", false) => "amber",
        ("red", false) => "red",
        _ => "—",
    }
}
