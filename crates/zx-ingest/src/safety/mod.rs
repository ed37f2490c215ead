//! The six safety file kinds of safety.md §7 — hazards, plans, drills, people, training and
//! certificates — as CSV (UTF-8, UTF-16 or GBK) or XLSX, read by the same source layer as every
//! other submitted file. A file's kind is known from its header alone (columns in any order,
//! case-insensitive; the optional columns may be left out).
//!
//! The files of one command are read together ([`read_safety_files`]), because rows refer to
//! each other: a drill names a plan of its entity, a training record a person. Every problem of
//! every file is reported at once, each naming file, line or cell, column and value, with a
//! stable snake_case code; any problem and nothing is returned.

pub mod exposure_file;
pub mod plan_file;
mod rows;

use std::collections::{BTreeSet, HashMap, HashSet};

use zx_domain::safety::{Certificate, Person, Plan, PlanKind, SafetyRecords};
use zx_domain::{Entity, EntityCode};

use crate::issue::{Draft, IssueCode, Loc, Place, Sink};
use crate::source::{self, Table, Value};
use crate::{Input, Issue};

/// What a safety file holds, from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SafetyFileKind {
    Hazards,
    Plans,
    Drills,
    People,
    Training,
    Certificates,
}

/// (column, required)
type Spec = &'static [(&'static str, bool)];

impl SafetyFileKind {
    pub const ALL: [SafetyFileKind; 6] = [
        SafetyFileKind::Hazards,
        SafetyFileKind::Plans,
        SafetyFileKind::Drills,
        SafetyFileKind::People,
        SafetyFileKind::Training,
        SafetyFileKind::Certificates,
    ];

    /// `hazards`, `plans`, …: for messages and JSON.
    pub fn code(self) -> &'static str {
        match self {
            SafetyFileKind::Hazards => "hazards",
            SafetyFileKind::Plans => "plans",
            SafetyFileKind::Drills => "drills",
            SafetyFileKind::People => "people",
            SafetyFileKind::Training => "training",
            SafetyFileKind::Certificates => "certificates",
        }
    }

    /// The header as safety.md §7 writes it (and as exports write it).
    pub fn header(self) -> &'static str {
        match self {
            SafetyFileKind::Hazards => "entity,id,found,grade,l,e,c,owner,deadline,status",
            SafetyFileKind::Plans => "entity,plan,kind,approved",
            SafetyFileKind::Drills => "entity,plan,date,joint_with",
            SafetyFileKind::People => "person,entity,role,role_since,hired",
            SafetyFileKind::Training => "person,date,hours,course",
            SafetyFileKind::Certificates => "person,type,number,issued,expires,last_review",
        }
    }

    fn columns(self) -> Spec {
        match self {
            SafetyFileKind::Hazards => &[
                ("entity", true),
                ("id", true),
                ("found", true),
                ("grade", true),
                ("l", false),
                ("e", false),
                ("c", false),
                ("owner", true),
                ("deadline", true),
                ("status", true),
            ],
            SafetyFileKind::Plans => &[
                ("entity", true),
                ("plan", true),
                ("kind", true),
                ("approved", true),
            ],
            SafetyFileKind::Drills => &[
                ("entity", true),
                ("plan", true),
                ("date", true),
                ("joint_with", false),
            ],
            SafetyFileKind::People => &[
                ("person", true),
                ("entity", true),
                ("role", true),
                ("role_since", true),
                ("hired", true),
            ],
            SafetyFileKind::Training => &[
                ("person", true),
                ("date", true),
                ("hours", true),
                ("course", true),
            ],
            SafetyFileKind::Certificates => &[
                ("person", true),
                ("type", true),
                ("number", true),
                ("issued", true),
                ("expires", true),
                ("last_review", false),
            ],
        }
    }

    /// The kind whose columns a header has: every required one, nothing else, nothing twice.
    fn of_header(cells: &[Value]) -> Option<Self> {
        let names: Vec<String> = cells
            .iter()
            .map(heading)
            .filter(|name| !name.is_empty())
            .collect();
        let unique: HashSet<&str> = names.iter().map(String::as_str).collect();
        if unique.len() != names.len() {
            return None;
        }
        Self::ALL.into_iter().find(|kind| {
            let columns = kind.columns();
            columns
                .iter()
                .all(|(name, required)| !required || unique.contains(name))
                && unique
                    .iter()
                    .all(|name| columns.iter().any(|(c, _)| c == name))
        })
    }
}

pub(super) fn heading(cell: &Value) -> String {
    cell.text()
        .trim()
        .trim_start_matches('\u{FEFF}')
        .trim()
        .to_lowercase()
}

/// What earlier imports stored, so rows of this command may refer to it. Empty for
/// `zx safety check`, which reads files only.
#[derive(Debug, Clone, Copy, Default)]
pub struct KnownSafety<'a> {
    /// Plans stored before (a drill may name one).
    pub plans: &'a [Plan],
    /// People stored before (a training record or certificate may name one).
    pub people: &'a [Person],
    /// Certificates stored before: with `writable`, a number held by someone outside it may
    /// not be rewritten.
    pub certificates: &'a [Certificate],
    /// The registered entities: when given, every entity cell must name one (an import);
    /// when `None` only the code's shape is checked (a check of files).
    pub entities: Option<&'a [Entity]>,
    /// Whether rows must name what they refer to (an import, where the database keeps them
    /// linked and a certificate's plant, and so who may see it, is its holder's): a drill a plan
    /// of its entity, a training record or certificate a person, in these files or stored.
    /// A check of files does not: a drill of a plan it was not given, a training record of a
    /// person not on its staff list count for nothing there (safety.md §7 lists the people of
    /// the people file), and certificates are graded by number alone.
    pub check_references: bool,
    /// The entities the importer may write (its subtree, on the web); `None`: any (HQ, the
    /// CLI). A row for another entity is refused on its entity cell; a person, training
    /// record or certificate whose person (in these files or stored) belongs to another, on
    /// its person cell.
    pub writable: Option<&'a BTreeSet<EntityCode>>,
}

impl KnownSafety<'_> {
    /// Whether rows of `entity` may be written.
    fn may_write(&self, entity: &EntityCode) -> bool {
        self.writable.is_none_or(|scope| scope.contains(entity))
    }
}

/// One file that was read: its name, kind, encoding and rows (blank rows not counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyFileSummary {
    pub file: String,
    pub kind: SafetyFileKind,
    pub encoding: &'static str,
    pub rows: usize,
}

/// The files of one command, read: every record, and what each file was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyFiles {
    pub records: SafetyRecords,
    pub files: Vec<SafetyFileSummary>,
}

/// Files that cannot be used, with every reason: file by file in the order given, each file's
/// issues in file order (at most [`crate::MAX_ERRORS`] a file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyRejected {
    pub errors: Vec<Issue>,
}

impl std::fmt::Display for SafetyRejected {
    /// One issue per line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for issue in &self.errors {
            writeln!(f, "{issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SafetyRejected {}

/// Tells a safety file's kind from its header alone (the errors are those that keep it from
/// being known: unreadable, empty, a header of no kind).
pub fn sniff_safety(input: Input<'_>) -> Result<SafetyFileKind, Vec<Issue>> {
    let mut sink = Sink::new(input.file_name);
    let kind = tables(input, &mut sink).and_then(|tables| {
        let table = tables.first()?;
        let kind = SafetyFileKind::of_header(&table.header);
        if kind.is_none() {
            sink.error(&table.line_loc(table.header_line), unknown_header(table));
        }
        kind
    });
    match kind {
        Some(kind) if !sink.has_errors() => Ok(kind),
        _ => Err(sink.finish().0),
    }
}

/// Reads and checks the files of one command together. Rows refer across files and to what is
/// `known`: with [`KnownSafety::check_references`], a drill names a plan of its entity, a
/// training record or certificate a person (each in these files or known). A hazard id, a plan (per entity), a person and a certificate number appear once
/// across the files.
pub fn read_safety_files(
    inputs: &[Input<'_>],
    known: &KnownSafety<'_>,
) -> Result<SafetyFiles, SafetyRejected> {
    let mut read = rows::Reader::new(known);
    let mut sinks = Vec::new();
    let mut files = Vec::new();
    for input in inputs {
        let mut sink = Sink::new(input.file_name);
        let file = read.start_file(input.file_name);
        if let Some(summary) = read_file(*input, file, &mut read, &mut sink) {
            files.push(summary);
        }
        sinks.push(sink);
    }
    // A file that could not be read at all (unknown kind, unreadable) would make every
    // reference to its rows look wrong: those are not reported on top of its own error.
    if files.len() == inputs.len() && known.check_references {
        read.cross_check(&mut sinks);
    }
    let errors: Vec<Issue> = sinks.into_iter().flat_map(|s| s.finish().0).collect();
    if errors.is_empty() {
        Ok(SafetyFiles {
            records: read.finish(),
            files,
        })
    } else {
        Err(SafetyRejected { errors })
    }
}

fn read_file(
    input: Input<'_>,
    file: usize,
    read: &mut rows::Reader<'_>,
    sink: &mut Sink,
) -> Option<SafetyFileSummary> {
    let tables = tables(input, sink)?;
    let first = tables.first()?;
    let Some(kind) = SafetyFileKind::of_header(&first.header) else {
        sink.error(&first.line_loc(first.header_line), unknown_header(first));
        return None;
    };
    // A header without rows is a register with nothing in it (no certificates at all): read
    // as such, not refused.
    let rows: usize = tables.iter().map(|t| t.row_count()).sum();
    for table in &tables {
        // Sheets after the first hold the same kind (read_xlsx saw to it); their columns may
        // be in another order.
        let index: HashMap<String, usize> = table
            .header
            .iter()
            .enumerate()
            .map(|(i, cell)| (heading(cell), i))
            .filter(|(name, _)| !name.is_empty())
            .collect();
        for row in table.rows() {
            let cells = rows::Cells {
                table,
                row: &row,
                index: &index,
            };
            read.row(kind, &cells, file, sink);
        }
    }
    Some(SafetyFileSummary {
        file: input.file_name.to_owned(),
        kind,
        encoding: first.encoding,
        rows,
    })
}

/// The file's tables: a workbook's sheets of one safety kind, or the decoded CSV text.
fn tables(input: Input<'_>, sink: &mut Sink) -> Option<Vec<Table>> {
    let bytes = input.bytes;
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        let tables = source::read_xlsx(bytes, &SafetyFileKind::of_header, sink)?;
        if tables.is_empty() && !sink.has_errors() {
            sink.error(
                &Loc::file(),
                Draft::new(
                    IssueCode::UnknownHeader,
                    format!(
                        "has no sheet with the header of a safety file; the first row must be one of: {}",
                        kinds_list()
                    ),
                    format!(
                        "没有含安全文件表头的工作表；第一行须为以下之一：{}",
                        kinds_list()
                    ),
                ),
            );
        }
        Some(tables)
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        sink.error(
            &Loc::file(),
            Draft::new(
                IssueCode::UnreadableWorkbook,
                "file is an old .xls workbook or a password-protected one; save it as .xlsx (without password) or as UTF-8 CSV",
                "是旧版 .xls 工作簿或加密的工作簿：请另存为不加密的 .xlsx 或 UTF-8 CSV 格式",
            ),
        );
        None
    } else {
        match source::decode(bytes) {
            Ok((text, encoding)) => source::read_csv(text, encoding, sink).map(|t| vec![t]),
            Err(failure) => {
                let (loc, draft) = *failure;
                sink.error(&loc, draft);
                None
            }
        }
    }
}

fn kinds_list() -> String {
    SafetyFileKind::ALL
        .iter()
        .map(|kind| format!("{} ({})", kind.header(), kind.code()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn unknown_header(table: &Table) -> Draft {
    let text: Vec<String> = table.header.iter().map(Value::text).collect();
    let list = kinds_list();
    Draft::new(
        IssueCode::UnknownHeader,
        format!("is not the header of a safety file (an unknown kind); the first line must be one of: {list}"),
        format!("不是安全文件的表头（未知的文件种类）；第一行须为以下之一：{list}"),
    )
    .value(text.join(","))
}

/// Where a record came from, for messages about it from other files.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    /// Index of the file (and its sink) in the command's list.
    pub file: usize,
    pub loc: Loc,
}

impl Origin {
    fn reference(&self, files: &[String]) -> (String, String) {
        let (en, zh) = self.loc.place.reference();
        let name = files.get(self.file).map_or("", String::as_str);
        match self.loc.place {
            Place::File => (name.to_owned(), name.to_owned()),
            _ => (format!("{name} {en}"), format!("{name} {zh}")),
        }
    }
}

/// Plans by (entity, plan), for drills.
pub(crate) type PlanKey = (EntityCode, String);
/// What a drill needs of its plan.
pub(crate) type PlanKinds = HashMap<PlanKey, PlanKind>;
