//! What is wrong with a submitted file, where, in English and Chinese.

use std::fmt;

/// Most errors reported for one file; past this the clerk gets a [`IssueCode::TooManyErrors`] line.
pub const MAX_ERRORS: usize = 100;
/// Most warnings reported for one file, for the same reason.
pub const MAX_WARNINGS: usize = 100;
/// Issues kept in memory before sorting; a file with more is hopeless and only counted.
const MAX_KEPT: usize = 20_000;

/// Where in a file an issue is, so a clerk can find it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Place {
    /// The file as a whole (empty, unreadable, too many errors).
    File,
    /// A CSV line as the file's own physical line number: the header is line 1, and a quoted
    /// field spanning lines counts all its lines.
    Line(usize),
    /// A workbook cell such as `B17`. `sheet` is empty when the cell is on the workbook's first
    /// sheet (the usual case, shown as `data.xlsx!B17`); otherwise it names the sheet, shown as
    /// `data.xlsx!Sheet2!B17`.
    Cell { sheet: String, cell: String },
}

impl Place {
    /// "line 5" / "cell H5": how other messages refer to this place.
    pub(crate) fn reference(&self) -> (String, String) {
        match self {
            Place::File => ("the file".into(), "文件".into()),
            Place::Line(line) => (format!("line {line}"), format!("第 {line} 行")),
            Place::Cell { sheet, cell } if sheet.is_empty() => {
                (format!("cell {cell}"), format!("单元格 {cell}"))
            }
            Place::Cell { sheet, cell } => (
                format!("cell {sheet}!{cell}"),
                format!("单元格 {sheet}!{cell}"),
            ),
        }
    }
}

impl fmt::Display for Place {
    /// The suffix after the file name: ``, `:17`, `!B17` or `!Sheet2!B17`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::File => Ok(()),
            Place::Line(line) => write!(f, ":{line}"),
            Place::Cell { sheet, cell } if sheet.is_empty() => write!(f, "!{cell}"),
            Place::Cell { sheet, cell } => write!(f, "!{sheet}!{cell}"),
        }
    }
}

/// Whether an issue blocks the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The file is rejected.
    Error,
    /// The file is imported; the clerk should check the figure.
    Warning,
}

impl Severity {
    /// `error` or `warning`, for machine-readable output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The class of an issue, stable across releases so scripts and the CLI's JSON can rely on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueCode {
    /// No bytes, no header, or a header and no rows (or a template with nothing filled in).
    EmptyFile,
    /// Neither UTF-8, UTF-16 with a BOM nor GBK, or a UTF-8 file with a line in another
    /// encoding (named with its line and byte).
    UnreadableEncoding,
    /// ZIP magic but not a workbook calamine can read, or an old binary `.xls`.
    UnreadableWorkbook,
    /// A workbook sheet whose used cells span more than a data sheet ever needs (a stray cell
    /// at XFD1048576): refused before anything that size is allocated.
    SheetTooLarge,
    /// A workbook sheet with content that is not a table of the file's kind (nor the fill-in
    /// template's instructions): every sheet is read, so no rows are left out unseen.
    UnexpectedSheet,
    /// The CSV text itself cannot be split into records.
    UnreadableCsv,
    /// The header is none of the accepted ones.
    UnknownHeader,
    /// The header lacks a required column.
    MissingColumn,
    /// The header has a column the file kind does not know (a typo must not pass silently).
    UnknownColumn,
    /// The header names a column twice.
    DuplicateColumn,
    /// A line has more filled fields than the header has columns.
    WrongFieldCount,
    /// A required cell is blank.
    EmptyValue,
    /// Not an exact decimal number.
    InvalidDecimal,
    /// Not a `YYYY-MM` month.
    InvalidPeriod,
    /// Neither `month` nor `ytd`.
    InvalidBasis,
    /// An entity code that is not imported.
    UnknownEntity,
    /// An item code the catalogue does not have.
    UnknownItem,
    /// A derived item (computed from others, such as `net_assets`) submitted directly.
    DerivedItem,
    /// An indicator id the catalogue does not have.
    UnknownIndicator,
    /// A year that is not an integer from 1900 to 2999.
    InvalidYear,
    /// The same entity, period and item (or target) twice in one file, or in two files of one
    /// import.
    DuplicateRow,
    /// A negative value for an item that cannot be negative (headcount).
    NegativeValue,
    /// A year-to-date series that cannot be de-cumulated into monthly amounts.
    InvalidCumulative,
    /// Not a valid entity code.
    InvalidEntityCode,
    /// Not an entity kind.
    InvalidKind,
    /// The same entity code twice in one entities file.
    DuplicateCode,
    /// A parent that is neither in the file nor already imported.
    UnknownParent,
    /// An entity that would be its own ancestor.
    Cycle,
    /// Parts given with their whole for an entity-month (cost elements and operating_cost) that
    /// do not add up to it.
    PartsDoNotAddUp,
    /// Warning: liabilities above assets for an entity-month.
    LiabilitiesExceedAssets,
    /// Warning: a negative asset or liability balance.
    NegativeBalance,
    /// Warning: a plant reports an item of other segments (tonnes of waste from a water plant).
    ItemOutsideSegment,
    /// Warning: a ratio target above 1 written without `%` (65 meant as 65%?).
    RateLooksLikePercent,
    /// More than [`MAX_ERRORS`] errors; the rest are not listed.
    TooManyErrors,
    /// More than [`MAX_WARNINGS`] warnings; the rest are not listed.
    TooManyWarnings,
    /// A date that is not `YYYY-MM-DD`, or a due date before the start.
    InvalidDate,
    /// A measure status other than planned, in_progress, done, cancelled.
    InvalidStatus,
    /// Progress outside 0–100.
    InvalidProgress,
    /// A measure number (the export's `措施编号`) that is not a whole number from 1.
    InvalidMeasureNumber,
    /// An owner who is not a user.
    UnknownUser,
    /// A new or changed figure for a month HQ has locked (an unchanged one is accepted).
    LockedPeriod,
    /// A row for an entity the submitter may not write for.
    OutsideScope,
    // Safety files (safety.md §7).
    /// An LEC factor outside the method's values, or only some of L, E and C given.
    InvalidScore,
    /// A hazard grade other than general or major.
    InvalidGrade,
    /// A natural hazard, exposure level or season not among the allowed ones.
    InvalidExposure,
    /// A plan kind other than comprehensive, special or onsite.
    InvalidPlanKind,
    /// A person's role other than principal, safety_manager, staff or special_operator.
    InvalidRole,
    /// Training hours that are not a positive decimal.
    InvalidHours,
    /// A drill naming no plan of its entity.
    UnknownPlan,
    /// A training record or certificate naming no person of the staff list.
    UnknownPerson,
    // The R&D register.
    UnknownProject,
    InvalidProject,
    InvalidFieldKind,
    InvalidPartnerKind,
    InvalidCount,
}

impl IssueCode {
    /// Stable snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            IssueCode::EmptyFile => "empty_file",
            IssueCode::UnreadableEncoding => "unreadable_encoding",
            IssueCode::UnreadableWorkbook => "unreadable_workbook",
            IssueCode::SheetTooLarge => "sheet_too_large",
            IssueCode::UnexpectedSheet => "unexpected_sheet",
            IssueCode::UnreadableCsv => "unreadable_csv",
            IssueCode::UnknownHeader => "unknown_header",
            IssueCode::MissingColumn => "missing_column",
            IssueCode::UnknownColumn => "unknown_column",
            IssueCode::DuplicateColumn => "duplicate_column",
            IssueCode::WrongFieldCount => "wrong_field_count",
            IssueCode::EmptyValue => "empty_value",
            IssueCode::InvalidDecimal => "invalid_decimal",
            IssueCode::InvalidPeriod => "invalid_period",
            IssueCode::InvalidBasis => "invalid_basis",
            IssueCode::UnknownEntity => "unknown_entity",
            IssueCode::UnknownItem => "unknown_item",
            IssueCode::DerivedItem => "derived_item",
            IssueCode::UnknownIndicator => "unknown_indicator",
            IssueCode::InvalidYear => "invalid_year",
            IssueCode::DuplicateRow => "duplicate_row",
            IssueCode::NegativeValue => "negative_value",
            IssueCode::InvalidCumulative => "invalid_cumulative",
            IssueCode::InvalidEntityCode => "invalid_entity_code",
            IssueCode::InvalidKind => "invalid_kind",
            IssueCode::DuplicateCode => "duplicate_code",
            IssueCode::UnknownParent => "unknown_parent",
            IssueCode::Cycle => "cycle",
            IssueCode::PartsDoNotAddUp => "parts_do_not_add_up",
            IssueCode::LiabilitiesExceedAssets => "liabilities_exceed_assets",
            IssueCode::NegativeBalance => "negative_balance",
            IssueCode::ItemOutsideSegment => "item_outside_segment",
            IssueCode::RateLooksLikePercent => "rate_looks_like_percent",
            IssueCode::TooManyErrors => "too_many_errors",
            IssueCode::TooManyWarnings => "too_many_warnings",
            IssueCode::InvalidDate => "invalid_date",
            IssueCode::InvalidStatus => "invalid_status",
            IssueCode::InvalidProgress => "invalid_progress",
            IssueCode::InvalidMeasureNumber => "invalid_measure_number",
            IssueCode::UnknownUser => "unknown_user",
            IssueCode::LockedPeriod => "locked_period",
            IssueCode::OutsideScope => "outside_scope",
            IssueCode::InvalidExposure => "invalid_exposure",
            IssueCode::InvalidScore => "invalid_score",
            IssueCode::InvalidGrade => "invalid_grade",
            IssueCode::InvalidPlanKind => "invalid_plan_kind",
            IssueCode::InvalidRole => "invalid_role",
            IssueCode::InvalidHours => "invalid_hours",
            IssueCode::UnknownPlan => "unknown_plan",
            IssueCode::UnknownPerson => "unknown_person",
            IssueCode::UnknownProject => "unknown_project",
            IssueCode::InvalidProject => "invalid_project",
            IssueCode::InvalidFieldKind => "invalid_field_kind",
            IssueCode::InvalidPartnerKind => "invalid_partner_kind",
            IssueCode::InvalidCount => "invalid_count",
        }
    }
}

impl fmt::Display for IssueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in a submitted file, precise enough for a clerk to fix it.
///
/// `Display` renders `{file}{place}: {column}: "{value}" {message}`, leaving out the column and
/// value parts when absent: `data.csv:17: value: "12,3x" is not a decimal number`,
/// `data.xlsx!D3: …`, `data.csv: file is empty`. [`Issue::to_string_zh`] is the same line with
/// the Chinese message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub code: IssueCode,
    pub severity: Severity,
    /// The file name as given in [`crate::Input::file_name`].
    pub file: String,
    pub place: Place,
    /// The header name of the column at fault (`value`, `2026-03`), when one is.
    pub column: Option<String>,
    /// The offending text as found in the file, when there is one.
    pub value: Option<String>,
    /// English message, completing the sentence started by the value.
    pub message: String,
    /// Chinese message for the subsidiary's clerk.
    pub message_zh: String,
}

impl Issue {
    fn render(&self, message: &str, quotes: (&str, &str)) -> String {
        let mut out = format!("{}{}: ", self.file, self.place);
        if let Some(column) = &self.column {
            out.push_str(column);
            out.push_str(": ");
        }
        if let Some(value) = &self.value {
            out.push_str(quotes.0);
            out.push_str(value);
            out.push_str(quotes.1);
            out.push(' ');
        }
        out.push_str(message);
        out
    }

    /// The line as [`Display`](fmt::Display) renders it, with the Chinese message.
    pub fn to_string_zh(&self) -> String {
        self.render(&self.message_zh, ("“", "”"))
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(&self.message, ("\"", "\"")))
    }
}

/// Where an issue sorts: file-level first, then by sheet (a CSV is one), row and column.
pub(crate) type SortKey = (usize, usize, usize);

/// A place in the file together with its sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Loc {
    pub place: Place,
    pub key: SortKey,
}

impl Loc {
    pub(crate) fn file() -> Self {
        Self {
            place: Place::File,
            key: (0, 0, 0),
        }
    }
}

/// An issue under construction.
#[derive(Debug)]
pub(crate) struct Draft {
    pub code: IssueCode,
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
    pub message_zh: String,
}

impl Draft {
    pub(crate) fn new(code: IssueCode, message: impl Into<String>, zh: impl Into<String>) -> Self {
        Self {
            code,
            column: None,
            value: None,
            message: message.into(),
            message_zh: zh.into(),
        }
    }

    pub(crate) fn column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    pub(crate) fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }
}

/// Collects every issue of one file, then sorts them into file order and applies the limits.
pub(crate) struct Sink {
    file: String,
    errors: Vec<(SortKey, Issue)>,
    warnings: Vec<(SortKey, Issue)>,
    errors_seen: usize,
    warnings_seen: usize,
}

impl Sink {
    pub(crate) fn new(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            errors: Vec::new(),
            warnings: Vec::new(),
            errors_seen: 0,
            warnings_seen: 0,
        }
    }

    fn issue(&self, severity: Severity, loc: &Loc, draft: Draft) -> Issue {
        Issue {
            code: draft.code,
            severity,
            file: self.file.clone(),
            place: loc.place.clone(),
            column: draft.column,
            value: draft.value,
            message: draft.message,
            message_zh: draft.message_zh,
        }
    }

    pub(crate) fn error(&mut self, loc: &Loc, draft: Draft) {
        self.errors_seen += 1;
        if self.errors.len() < MAX_KEPT {
            let issue = self.issue(Severity::Error, loc, draft);
            self.errors.push((loc.key, issue));
        }
    }

    pub(crate) fn warning(&mut self, loc: &Loc, draft: Draft) {
        self.warnings_seen += 1;
        if self.warnings.len() < MAX_KEPT {
            let issue = self.issue(Severity::Warning, loc, draft);
            self.warnings.push((loc.key, issue));
        }
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.errors_seen > 0
    }

    /// Errors and warnings in file order, each list cut at its limit with a closing line saying so.
    pub(crate) fn finish(self) -> (Vec<Issue>, Vec<Issue>) {
        let file = self.file.clone();
        let errors = Self::limit(
            &file,
            self.errors,
            self.errors_seen,
            MAX_ERRORS,
            Severity::Error,
        );
        let warnings = Self::limit(
            &file,
            self.warnings,
            self.warnings_seen,
            MAX_WARNINGS,
            Severity::Warning,
        );
        (errors, warnings)
    }

    fn limit(
        file: &str,
        mut list: Vec<(SortKey, Issue)>,
        seen: usize,
        max: usize,
        severity: Severity,
    ) -> Vec<Issue> {
        list.sort_by_key(|(key, _)| *key);
        let mut out: Vec<Issue> = list.into_iter().take(max).map(|(_, i)| i).collect();
        if seen > max {
            let (code, what, what_zh) = match severity {
                Severity::Error => (IssueCode::TooManyErrors, "errors", "错误"),
                Severity::Warning => (IssueCode::TooManyWarnings, "warnings", "警告"),
            };
            out.push(Issue {
                code,
                severity,
                file: file.to_owned(),
                place: Place::File,
                column: None,
                value: None,
                message: format!(
                    "{seen} {what} in all; only the first {max} are listed: fix these and check the file again"
                ),
                message_zh: format!(
                    "共 {seen} 条{what_zh}，仅列出前 {max} 条：请先修改这些问题后重新检查文件"
                ),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(place: Place, column: Option<&str>, value: Option<&str>) -> Issue {
        Issue {
            code: IssueCode::InvalidDecimal,
            severity: Severity::Error,
            file: "data.csv".into(),
            place,
            column: column.map(str::to_owned),
            value: value.map(str::to_owned),
            message: "is not a decimal number".into(),
            message_zh: "不是有效的数字".into(),
        }
    }

    #[test]
    fn renders_each_part_only_when_present() {
        let full = issue(Place::Line(17), Some("value"), Some("12,3x"));
        assert_eq!(
            full.to_string(),
            "data.csv:17: value: \"12,3x\" is not a decimal number"
        );
        assert_eq!(
            full.to_string_zh(),
            "data.csv:17: value: “12,3x” 不是有效的数字"
        );
        let mut bare = issue(Place::File, None, None);
        bare.message = "file is empty".into();
        assert_eq!(bare.to_string(), "data.csv: file is empty");
        let cell = issue(
            Place::Cell {
                sheet: String::new(),
                cell: "B17".into(),
            },
            None,
            Some("x"),
        );
        assert_eq!(
            cell.to_string(),
            "data.csv!B17: \"x\" is not a decimal number"
        );
        let other = Place::Cell {
            sheet: "Sheet2".into(),
            cell: "B17".into(),
        };
        assert_eq!(other.to_string(), "!Sheet2!B17");
        assert_eq!(other.reference().0, "cell Sheet2!B17");
    }

    #[test]
    fn sorts_into_file_order_and_truncates() {
        let mut sink = Sink::new("data.csv");
        for line in (2..=150).rev() {
            sink.error(
                &Loc {
                    place: Place::Line(line),
                    key: (0, line, 0),
                },
                Draft::new(IssueCode::EmptyValue, "must not be empty", "不能为空"),
            );
        }
        let (errors, warnings) = sink.finish();
        assert!(warnings.is_empty());
        assert_eq!(errors.len(), MAX_ERRORS + 1);
        assert_eq!(errors[0].place, Place::Line(2));
        assert_eq!(errors[99].place, Place::Line(101));
        assert_eq!(errors[100].code, IssueCode::TooManyErrors);
        assert_eq!(
            errors[100].to_string(),
            "data.csv: 149 errors in all; only the first 100 are listed: fix these and check the file again"
        );
    }
}
