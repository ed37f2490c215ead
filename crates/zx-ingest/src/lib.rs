//! Reading what subsidiaries submit: entities, monthly figures and targets, as CSV (UTF-8, UTF-16
//! or GBK) or XLSX, validated completely against the catalogue, the known entities and the
//! figures already stored, and returned as `zx-domain` values or as every problem at once, each
//! with its line or cell and a message in English and Chinese. It also writes the Excel fill-in
//! template that reads back as a data file.
//!
//! It is not for storing anything (the caller stores what [`parse`] returns and provides what is
//! already stored through [`Context`]), nor for computing indicators (that is `zx-domain`'s
//! engine), nor for presentation beyond the issue lines. No database, no async, no IO: bytes in,
//! values or issues out. It never panics on input and never uses floats for amounts (workbook
//! numbers are converted once, exactly, see [`parse`]).
//!
//! ```text
//! data.csv:17: value: "12,3x" is not a decimal number
//! data.xlsx!H5: 2026-03: "-3" is negative, but avg_employees cannot be
//! data.xlsx!Sheet2!B4: …            (when the table is not on the first sheet)
//! data.csv: file is empty
//! ```
#![forbid(unsafe_code)]

mod batch;
mod data;
mod encoding;
mod entities;
pub mod evidence;
mod fields;
mod issue;
pub mod managers;
mod measures;
pub mod minutes;
mod numbers;
pub mod practices;
pub mod references;
pub mod rnd;
pub mod safety;
pub mod safety_risks;
mod schema;
pub mod series;
mod source;
pub mod stacks;
mod targets;

pub use measures::MeasureRow;
mod template;

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;
use zx_domain::facts::SeriesRow;
use zx_domain::{Basis, Catalogue, Entity, EntityCode, Fact, FactTable, Month, Target};

pub use batch::Batch;
pub use issue::{Issue, IssueCode, MAX_ERRORS, MAX_WARNINGS, Place, Severity};
pub use template::{DATA_SHEET, INSTRUCTIONS_SHEET, TemplateError};

use issue::{Draft, Loc, Sink};
use schema::Layout;

/// What a file holds, as recognised from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `code,name,parent,kind,region,segment`: the group tree.
    Entities,
    /// `entity,period,item,value[,basis]`, or the fill-in template's wide layout.
    Data,
    /// `entity,year,indicator,target`: full-year targets.
    Targets,
    /// `entity,title,indicator,owner,start,due,status,progress`: a measures list.
    Measures,
}

impl FileKind {
    /// `entities`, `data` or `targets`, for messages and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Entities => "entities",
            FileKind::Data => "data",
            FileKind::Targets => "targets",
            FileKind::Measures => "measures",
        }
    }
}

/// One submitted file: its name (used in every issue line) and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

/// Figures already stored, so year-to-date rows can be checked against earlier months that were
/// imported before (the store implements this; tests use a map or nothing).
pub trait StoredSeries {
    /// Already-stored current values of one entity's item in one year, sorted by month.
    fn series(&self, entity: &EntityCode, item: &str, year: i32) -> Vec<(Month, Decimal, Basis)>;
}

/// A store with nothing in it, for a first import or for tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct NothingStored;

impl StoredSeries for NothingStored {
    fn series(&self, _: &EntityCode, _: &str, _: i32) -> Vec<(Month, Decimal, Basis)> {
        Vec::new()
    }
}

/// What a file is checked against.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// Items and indicators that may be submitted.
    pub catalogue: &'a Catalogue,
    /// Entities already stored, plus those from files earlier in the same command.
    pub entities: &'a [Entity],
    /// Figures already stored.
    pub stored: &'a dyn StoredSeries,
    /// User names that may own measures (`None`: not checked here).
    pub users: Option<&'a [String]>,
    /// The last month data may be submitted for (the caller passes "now"): a typo such as
    /// `2206-03` is rejected instead of stretching every table two centuries. `None`: no limit.
    pub latest_month: Option<Month>,
    /// Months closed by HQ: a figure for one of them must equal what is stored (the pre-filled
    /// template reads back as unchanged); a new or changed one is an error naming its cell.
    /// `None`: nothing is locked.
    pub locked: Option<&'a LockedMonths>,
    /// The entities the submitter may write for (their subtree); a row for any other is an
    /// error on that row, reported with every other error. `None`: any known entity.
    pub writable: Option<&'a HashSet<EntityCode>>,
}

/// The (entity, month) pairs HQ has locked, and the group tree to find a lock on an ancestor:
/// locking a subsidiary's month locks it for every unit below.
#[derive(Debug, Clone, Default)]
pub struct LockedMonths {
    locks: HashSet<(EntityCode, Month)>,
    parents: HashMap<EntityCode, EntityCode>,
}

impl LockedMonths {
    /// `locks` as recorded (on the entity that was locked); `entities` gives the parents.
    pub fn new(locks: impl IntoIterator<Item = (EntityCode, Month)>, entities: &[Entity]) -> Self {
        Self {
            locks: locks.into_iter().collect(),
            parents: entities
                .iter()
                .filter_map(|e| Some((e.code.clone(), e.parent.clone()?)))
                .collect(),
        }
    }

    /// The entity whose lock closes `month` for `entity`: itself or its nearest locked
    /// ancestor. A corrupt, cyclic tree ends the walk after as many steps as there are parents.
    pub fn locked_by(&self, entity: &EntityCode, month: Month) -> Option<&EntityCode> {
        if self.locks.is_empty() {
            return None;
        }
        let mut code = entity;
        for _ in 0..=self.parents.len() {
            if let Some((found, _)) = self.locks.get(&(code.clone(), month)) {
                return Some(found);
            }
            code = self.parents.get(code)?;
        }
        None
    }
}

/// The validated content of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    Entities(Vec<Entity>),
    Data(FactTable),
    Targets(Vec<Target>),
    Measures(Vec<MeasureRow>),
}

/// A file that passed every check: what it holds and what the clerk should still look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    pub kind: FileKind,
    pub payload: Payload,
    /// Plausibility warnings (liabilities above assets, a ratio target of 65…); not blocking.
    pub warnings: Vec<Issue>,
    /// How the file was read: `"UTF-8"`, `"GBK"`, `"UTF-16"` or `"XLSX"`.
    pub encoding: &'static str,
    /// Rows read below the header, blank rows not counted (one per item row in the wide layout).
    pub rows: usize,
}

/// A file that cannot be imported, with every reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// In file order; at most [`MAX_ERRORS`], then one [`IssueCode::TooManyErrors`].
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

impl std::fmt::Display for Rejected {
    /// One issue per line, errors then warnings.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for issue in self.errors.iter().chain(&self.warnings) {
            writeln!(f, "{issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Rejected {}

/// Reads and validates one submitted file.
///
/// - A file starting with the ZIP signature is an XLSX workbook (whatever its name): every sheet
///   with a table of the kind of the first recognised one is read, any other sheet with content
///   (except the template's instructions) is an error naming it. Number cells are `f64` in a
///   workbook; each is converted with Rust's shortest round-trip formatting and, when that has
///   more than 15 significant digits (Excel's precision), rounded to 15, then parsed as an exact
///   decimal, so `0.1 + 0.2` reads as `0.3`. A date cell where a period is expected counts when it
///   is the first of a month (Excel turns a typed `2026-03` into a date).
/// - Anything else is CSV text: UTF-8 with or without BOM, UTF-16 with a BOM, else GBK
///   (GB18030) when it decodes without error and no line speaks for UTF-8 (a UTF-8 file with a
///   line in another encoding is refused naming that line). Lines are the file's own line
///   numbers (LF, CRLF or CR).
/// - The kind comes from the header (case-insensitive, trimmed). Unknown or misspelt columns are
///   errors, so a typo cannot drop a column silently.
///
/// Every error is collected (in file order, at most [`MAX_ERRORS`]); nothing is returned as `Ok`
/// when there is any.
pub fn parse(input: Input<'_>, ctx: &Context<'_>) -> Result<ParsedFile, Rejected> {
    parse_with(input, ctx, None)
}

/// [`parse`] for one of several files of a command: an entity, figure or target that an
/// earlier file given to the same [`Batch`] has is an error on this file's row naming the
/// earlier file and line (the later file no longer wins silently).
pub fn parse_in(
    input: Input<'_>,
    ctx: &Context<'_>,
    batch: &mut Batch,
) -> Result<ParsedFile, Rejected> {
    batch.start(input.file_name);
    parse_with(input, ctx, Some(batch))
}

fn parse_with(
    input: Input<'_>,
    ctx: &Context<'_>,
    batch: Option<&mut Batch>,
) -> Result<ParsedFile, Rejected> {
    let mut sink = Sink::new(input.file_name);
    let outcome = read(input, ctx, &mut sink, batch);
    let (errors, warnings) = sink.finish();
    match outcome {
        Some((kind, payload, encoding, rows)) if errors.is_empty() => Ok(ParsedFile {
            kind,
            payload,
            warnings,
            encoding,
            rows,
        }),
        _ => Err(Rejected { errors, warnings }),
    }
}

type Outcome = (FileKind, Payload, &'static str, usize);

/// The file's tables: a workbook's sheets of the file's kind, or the decoded CSV text.
fn tables(input: Input<'_>, sink: &mut Sink) -> Option<Vec<source::Table>> {
    let bytes = input.bytes;
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        let kind = |header: &[source::Value]| schema::layout(header).map(file_kind);
        source::read_xlsx(bytes, &kind, sink)
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

fn file_kind(layout: Layout) -> FileKind {
    match layout {
        Layout::Entities => FileKind::Entities,
        Layout::DataLong | Layout::DataWide => FileKind::Data,
        Layout::Targets => FileKind::Targets,
        Layout::Measures => FileKind::Measures,
    }
}

/// Tells what a file holds from its header alone, so a command given several files can read
/// entities before the data that refers to them. The errors are those that keep the kind from
/// being known (unreadable, empty, unknown header); everything else is left to [`parse`].
pub fn sniff(input: Input<'_>) -> Result<FileKind, Vec<Issue>> {
    let mut sink = Sink::new(input.file_name);
    if let Some(table) = tables(input, &mut sink).and_then(|t| t.into_iter().next()) {
        match schema::layout(&table.header) {
            Some(layout) => return Ok(file_kind(layout)),
            None => {
                // Only the header's verdict matters here, not row-level problems met on the way.
                let mut header_sink = Sink::new(input.file_name);
                let text: Vec<String> = table.header.iter().map(source::Value::text).collect();
                header_sink.error(
                    &table.line_loc(table.header_line),
                    schema::unknown_header(&text.join(",")),
                );
                sink = header_sink;
            }
        }
    }
    Err(sink.finish().0)
}

fn read(
    input: Input<'_>,
    ctx: &Context<'_>,
    sink: &mut Sink,
    batch: Option<&mut Batch>,
) -> Option<Outcome> {
    let mut read = Vec::new();
    let mut encoding = "XLSX";
    for table in tables(input, sink)? {
        encoding = table.encoding;
        if let Some(columns) = schema::columns(&table, sink) {
            read.push((table, columns));
        }
    }
    let layout = read.first()?.1.layout;
    let rows = read.iter().map(|(table, _)| table.row_count()).sum();
    if rows == 0 {
        sink.error(
            &Loc::file(),
            Draft::new(
                IssueCode::EmptyFile,
                "file has a header but no rows",
                "文件只有表头，没有数据行",
            ),
        );
        return None;
    }
    let kind = file_kind(layout);
    let payload = match kind {
        FileKind::Entities => Payload::Entities(entities::read(&read, ctx, sink, batch)),
        FileKind::Data => Payload::Data(data::read(&read, ctx, sink, batch)),
        FileKind::Targets => Payload::Targets(targets::read(&read, ctx, sink, batch)),
        FileKind::Measures => Payload::Measures(
            read.iter()
                .flat_map(|(table, columns)| measures::read(table, columns, ctx, sink))
                .collect(),
        ),
    };
    Some((kind, payload, encoding, rows))
}

/// Writes the XLSX fill-in template for one entity and year: sheet [`DATA_SHEET`] in the wide
/// data layout (one row per reported item, a column per month of `year`, basis `month`
/// prefilled, `existing` figures of that entity and year prefilled on their basis), and sheet
/// [`INSTRUCTIONS_SHEET`] explaining how to fill it in. A returned template reads back with
/// [`parse`] as a data file.
pub fn write_template(
    catalogue: &Catalogue,
    entity: &Entity,
    year: i32,
    existing: &[Fact],
) -> Result<Vec<u8>, TemplateError> {
    template::write(catalogue, entity, year, existing)
}

/// Stored values indexed by (entity, item, year), for the YTD checks of [`parse`]: the values
/// in force as columns, each series a list of row indices (a 36-month history of 10,000
/// entities is ~110 MB this way; as owned facts keyed by strings it was over 1 GB).
pub struct StoredIndex {
    table: FactTable,
    entities: HashMap<EntityCode, u32>,
    /// (entity, item, year) → the series' rows in `table`, sorted by month.
    series: HashMap<(u32, u32, i32), Vec<u32>>,
}

impl StoredIndex {
    /// Indexes the current values (as `Store::current_facts` returns them).
    pub fn new(facts: Vec<Fact>) -> Self {
        Self::from_table(FactTable::from_facts(&facts))
    }

    /// Indexes the current values as columns (as `Store::current_fact_table` returns them).
    pub fn from_table(table: FactTable) -> Self {
        let entities = table
            .entities()
            .iter()
            .enumerate()
            .map(|(i, e)| (e.clone(), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        let mut series: HashMap<(u32, u32, i32), Vec<u32>> = HashMap::new();
        for (i, row) in table.rows().iter().enumerate() {
            series
                .entry((row.entity, row.item, row.month.year()))
                .or_default()
                .push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        let rows = table.rows();
        for list in series.values_mut() {
            list.sort_by_key(|&i| rows[i as usize].month);
        }
        Self {
            table,
            entities,
            series,
        }
    }
}

impl StoredSeries for StoredIndex {
    fn series(&self, entity: &EntityCode, item: &str, year: i32) -> Vec<SeriesRow> {
        let Some(&entity) = self.entities.get(entity) else {
            return Vec::new();
        };
        let Some(item) = self.table.items().iter().position(|i| i == item) else {
            return Vec::new();
        };
        let Some(list) = self.series.get(&(entity, item as u32, year)) else {
            return Vec::new();
        };
        let rows = self.table.rows();
        list.iter()
            .map(|&i| {
                let row = &rows[i as usize];
                (row.month, row.value, row.basis)
            })
            .collect()
    }
}
