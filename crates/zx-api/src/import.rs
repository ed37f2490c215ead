//! What `zx import --format json` answers: every issue of the files (errors, or warnings of
//! files that were imported), and per imported file its receipt.

use serde::Serialize;
use utoipa::ToSchema;
use zx_ingest::Issue;

/// One issue of a file, with the place and the messages in both languages.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueJson {
    /// Stable snake_case code (`invalid_decimal`, `unknown_entity`, …).
    pub code: &'static str,
    pub severity: &'static str,
    pub file: String,
    /// `:12` (a line), `!B7` (a cell), …
    pub place: String,
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
    pub message_zh: String,
    /// The whole line as the CLI prints it.
    pub text: String,
}

impl From<&Issue> for IssueJson {
    fn from(issue: &Issue) -> Self {
        IssueJson {
            code: issue.code.as_str(),
            severity: issue.severity.as_str(),
            file: issue.file.clone(),
            place: issue.place.to_string(),
            column: issue.column.clone(),
            value: issue.value.clone(),
            message: issue.message.clone(),
            message_zh: issue.message_zh.clone(),
            text: issue.to_string(),
        }
    }
}

impl From<&zx_ingest::safety_risks::RowIssue> for IssueJson {
    fn from(issue: &zx_ingest::safety_risks::RowIssue) -> Self {
        IssueJson {
            code: issue.code,
            severity: "error",
            file: issue.file.clone(),
            place: issue.place.to_string(),
            column: issue.column.clone(),
            value: issue.value.clone(),
            message: issue.message.clone(),
            message_zh: issue.message_zh.clone(),
            text: issue.to_string(),
        }
    }
}

/// Files refused: nothing was imported.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRejectedJson {
    /// Always `false`.
    pub ok: bool,
    pub errors: Vec<IssueJson>,
    pub warnings: Vec<IssueJson>,
}

/// Files imported, in one transaction.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedJson {
    /// Always `true`.
    pub ok: bool,
    pub files: Vec<ImportedFileJson>,
    pub warnings: Vec<IssueJson>,
    /// The imported entity-months' figures far out of line with their history, for a second
    /// look before HQ approves (the data is imported all the same).
    pub outliers: Vec<crate::ImportedOutlierJson>,
}

/// One imported file: its kind, rows and what its values did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedFileJson {
    pub file: String,
    /// `entities`, `data` or `targets`.
    pub kind: &'static str,
    pub rows: usize,
    /// The submission it was recorded as.
    pub submission: i64,
    pub inserted: usize,
    pub revised: usize,
    pub unchanged: usize,
}
