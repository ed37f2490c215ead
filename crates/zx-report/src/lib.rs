//! The monthly quality-and-efficiency report (issue 16): one [`Report`], the cockpit's values
//! already formatted as the cockpit shows them, with its zh/en labels, written as an Excel
//! twin here and typeset as an A4 PDF by `zx-report-pdf` (typst and the CJK font: heavy, so
//! only the `zx` binary links it, not every crate and test that links the server).
//!
//! Not here: reading the store or computing anything. The caller (the server's
//! `report` module, which the CLI calls too) fills the model from the cockpit's view model, so
//! the report cannot show a number the cockpit does not.
#![forbid(unsafe_code)]

mod labels;
pub mod model;
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

/// What the PDF's template reads (`/report.json`): the report and its labels.
pub fn template_data(report: &Report) -> Result<Vec<u8>, ReportError> {
    let labels = Labels::new(report, lang_of(report));
    Ok(serde_json::to_vec(&TemplateData {
        report,
        labels: &labels,
    })?)
}

/// Typesets a report as a PDF: `zx_report_pdf::pdf`, handed to the server by the binary.
pub type PdfWriter = fn(&Report) -> Result<Vec<u8>, ReportError>;

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
