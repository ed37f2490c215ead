//! Turning bytes into a table of cells: encoding detection, CSV splitting, workbook reading.
//!
//! Everything after this module works on [`Table`] and does not care whether the file was a CSV
//! in GBK or the second sheet of a workbook; the table knows how to name a cell's [`Place`].

use std::borrow::Cow;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, Reader, Xlsx};
use rust_decimal::Decimal;

pub(crate) use crate::encoding::decode;
use crate::encoding::{line_ends, line_of};
use crate::issue::{Draft, IssueCode, Loc, Place, Sink};
use crate::numbers::{NumberError, decimal_from_f64};

/// One cell as read, before it is interpreted for its column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Empty,
    /// Trimmed, never empty.
    Text(String),
    /// A workbook number cell, converted once; `text` is how to show it. `percent`: the cell is
    /// formatted as a percentage, so `value` 0.5 shows as `50%` (the text is then `50%`).
    Number {
        value: Result<Decimal, NumberError>,
        text: String,
        percent: bool,
    },
    /// A workbook date cell; `time` says whether it has a time of day.
    Date {
        year: i32,
        month: u32,
        day: u32,
        time: bool,
    },
    /// A boolean, an error value (`#DIV/0!`) or a duration: never valid in any column.
    Other(String),
}

impl Value {
    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, Value::Empty)
    }

    /// The cell as a clerk would see it, for messages and for text columns.
    pub(crate) fn text(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(text) | Value::Other(text) | Value::Number { text, .. } => text.clone(),
            Value::Date {
                year, month, day, ..
            } => format!("{year:04}-{month:02}-{day:02}"),
        }
    }

    fn from_text(text: &str) -> Self {
        let text = text.trim();
        if text.is_empty() {
            Value::Empty
        } else {
            Value::Text(text.to_owned())
        }
    }
}

/// A data row: the physical line (CSV) or sheet row number (workbook), both 1-based.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub line: usize,
    pub cells: Vec<Value>,
}

impl Row {
    /// The cell under header column `index` (a short line has empty cells at its end).
    pub(crate) fn cell(&self, index: usize) -> &Value {
        self.cells.get(index).unwrap_or(&Value::Empty)
    }
}

/// Whether a table came from a CSV or which sheet of a workbook.
#[derive(Debug, Clone)]
enum Origin {
    Csv,
    /// `sheet` is empty for the workbook's first sheet; `columns` are the absolute column
    /// numbers (0-based) of the table's columns; `order` is the sheet's index, so issues sort
    /// sheet by sheet.
    Sheet {
        sheet: String,
        columns: Vec<u32>,
        order: usize,
    },
}

/// The header and rows of the file's table, with what is needed to name places in it.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    origin: Origin,
    pub header_line: usize,
    pub header: Vec<Value>,
    rows: Rows,
    pub encoding: &'static str,
}

/// A table's data rows. A workbook's are its cells as read (a sheet is at most
/// [`MAX_SHEET_CELLS`]); a CSV's are the decoded text and where each row starts in it, its
/// cells read again from the text when the rows are walked: three million rows held as owned
/// cells took 1.3 GB, their starts take 48 MB.
#[derive(Debug, Clone)]
enum Rows {
    Cells(Vec<Row>),
    Csv(CsvRows),
}

#[derive(Debug, Clone)]
struct CsvRows {
    /// The decoded text; rows are read from `text[skip..]` (past a byte order mark).
    text: String,
    skip: usize,
    delimiter: u8,
    /// Each data row's physical line and the byte offset of its record, blank rows left out.
    starts: Vec<(usize, u64)>,
}

impl CsvRows {
    fn body(&self) -> &[u8] {
        self.text.as_bytes().get(self.skip..).unwrap_or_default()
    }

    /// A reader of the records from byte `offset` of the body on: the first read split the
    /// text into records, so reading again from a record's start gives the same records.
    fn reader_at(&self, offset: u64) -> csv::Reader<&[u8]> {
        let body = self.body();
        let at = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(body.len());
        reader(self.delimiter, &body[at..])
    }
}

/// The CSV reader every pass over a text uses.
fn reader(delimiter: u8, bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes)
}

fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|field| field.trim().is_empty())
}

/// The rows of a [`Table`] in order: borrowed from a workbook's cells, built from a CSV
/// record at a time.
pub(crate) struct RowIter<'t> {
    inner: RowSource<'t>,
}

enum RowSource<'t> {
    Cells(std::slice::Iter<'t, Row>),
    Csv {
        reader: csv::Reader<&'t [u8]>,
        starts: std::slice::Iter<'t, (usize, u64)>,
        record: csv::StringRecord,
    },
}

impl<'t> Iterator for RowIter<'t> {
    type Item = Cow<'t, Row>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            RowSource::Cells(rows) => rows.next().map(Cow::Borrowed),
            RowSource::Csv {
                reader,
                starts,
                record,
            } => {
                let &(line, _) = starts.next()?;
                // Blank records were skipped when the rows were found; skip them again. The
                // text read without error the first time, so it does again.
                while reader.read_record(record).ok()? {
                    if !is_blank(record) {
                        let cells = record.iter().map(Value::from_text).collect();
                        return Some(Cow::Owned(Row { line, cells }));
                    }
                }
                None
            }
        }
    }
}

impl Table {
    /// The data rows, in order.
    pub(crate) fn rows(&self) -> RowIter<'_> {
        let inner = match &self.rows {
            Rows::Cells(rows) => RowSource::Cells(rows.iter()),
            Rows::Csv(csv) => RowSource::Csv {
                reader: csv.reader_at(csv.starts.first().map_or(u64::MAX, |s| s.1)),
                starts: csv.starts.iter(),
                record: csv::StringRecord::new(),
            },
        };
        RowIter { inner }
    }

    /// How many data rows the table has.
    pub(crate) fn row_count(&self) -> usize {
        match &self.rows {
            Rows::Cells(rows) => rows.len(),
            Rows::Csv(csv) => csv.starts.len(),
        }
    }

    /// The line (CSV) or sheet row (workbook) of the data row at `index` (as [`Self::rows`]
    /// counts them).
    pub(crate) fn line_of(&self, index: usize) -> usize {
        match &self.rows {
            Rows::Cells(rows) => rows.get(index).map_or(0, |r| r.line),
            Rows::Csv(csv) => csv.starts.get(index).map_or(0, |s| s.0),
        }
    }

    /// The cell under header column `column` of the data row at `index`: what a message about
    /// a figure shows, read again from the text for a CSV.
    pub(crate) fn cell_at(&self, index: usize, column: usize) -> Value {
        match &self.rows {
            Rows::Cells(rows) => rows
                .get(index)
                .map_or(Value::Empty, |r| r.cell(column).clone()),
            Rows::Csv(csv) => {
                let Some(&(_, offset)) = csv.starts.get(index) else {
                    return Value::Empty;
                };
                let mut record = csv::StringRecord::new();
                match csv.reader_at(offset).read_record(&mut record) {
                    Ok(true) => record.get(column).map_or(Value::Empty, Value::from_text),
                    _ => Value::Empty,
                }
            }
        }
    }

    /// The place of the cell in header column `index` of line/row `line`.
    pub(crate) fn loc(&self, line: usize, index: usize) -> Loc {
        match &self.origin {
            Origin::Csv => Loc {
                place: Place::Line(line),
                key: (0, line, index),
            },
            Origin::Sheet {
                sheet,
                columns,
                order,
            } => {
                let column = columns
                    .get(index)
                    .copied()
                    .unwrap_or_else(|| columns.last().map_or(0, |c| c + 1));
                Loc {
                    place: Place::Cell {
                        sheet: sheet.clone(),
                        cell: format!("{}{line}", column_letters(column)),
                    },
                    key: (*order, line, column as usize),
                }
            }
        }
    }

    /// The place of a whole line (CSV) or of its first cell (workbook).
    pub(crate) fn line_loc(&self, line: usize) -> Loc {
        match &self.origin {
            Origin::Csv => Loc {
                place: Place::Line(line),
                key: (0, line, 0),
            },
            Origin::Sheet { .. } => self.loc(line, 0),
        }
    }
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
pub(crate) fn column_letters(column: u32) -> String {
    let mut n = u64::from(column) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

fn empty_file() -> Draft {
    Draft::new(IssueCode::EmptyFile, "file is empty", "文件为空")
}

/// Physical line numbers of byte offsets.
///
/// The csv crate's own `Position::line()` counts from where the previous record ended, so it is
/// wrong after blank lines, after CRLF line ends and with CR-only ones; its byte offset is right
/// up to the blank line ends before the record, which are skipped here.
struct LineIndex<'t> {
    text: &'t [u8],
    ends: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    fn new(text: &'t str) -> Self {
        let text = text.as_bytes();
        Self {
            text,
            ends: line_ends(text),
        }
    }

    /// The 1-based line of the first byte at or after `offset` that is not a line end.
    fn line_at(&self, offset: u64) -> usize {
        let mut start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        line_of(&self.ends, start)
    }
}

/// Splits decoded CSV text into a table; the header is the first non-blank line.
///
/// Lines are the file's physical line numbers; a row that is entirely blank (`,,,,` as Excel
/// leaves them) is skipped. The delimiter is a comma, or a tab when the header line has tabs and
/// no comma (Excel's "Unicode text" export).
pub(crate) fn read_csv(text: String, encoding: &'static str, sink: &mut Sink) -> Option<Table> {
    let skip = if text.starts_with('\u{FEFF}') {
        '\u{FEFF}'.len_utf8()
    } else {
        0
    };
    let body = &text[skip..];
    let first_line = body
        .split(['\r', '\n'])
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = reader(delimiter, body.as_bytes());
    let lines = LineIndex::new(body);
    let mut header: Option<(usize, Vec<Value>)> = None;
    // Only where each row starts is kept: its cells are read again when the rows are walked.
    let mut starts = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                let loc = match error.position() {
                    Some(p) => {
                        let line = lines.line_at(p.byte());
                        Loc {
                            place: Place::Line(line),
                            key: (0, line, 0),
                        }
                    }
                    None => Loc::file(),
                };
                sink.error(
                    &loc,
                    Draft::new(
                        IssueCode::UnreadableCsv,
                        format!("file cannot be read as CSV from here on ({error})"),
                        format!("无法按 CSV 格式读取（{error}）"),
                    ),
                );
                return None;
            }
        }
        let offset = record.position().map_or(0, |p| p.byte());
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        if is_blank(&record) {
            continue;
        }
        match &header {
            None => header = Some((line, record.iter().map(Value::from_text).collect())),
            Some((_, names)) => {
                let width = names.len();
                let fields = record.len();
                if fields > width && record.iter().skip(width).any(|f| !f.trim().is_empty()) {
                    sink.error(
                        &Loc {
                            place: Place::Line(line),
                            key: (0, line, width),
                        },
                        Draft::new(
                            IssueCode::WrongFieldCount,
                            format!(
                                "line has {fields} fields but the header has {width} columns (a comma inside a number or name must be quoted)"
                            ),
                            format!(
                                "本行有 {fields} 个字段，但表头只有 {width} 列（数字或名称中含逗号时须加英文双引号）"
                            ),
                        ),
                    );
                } else if fields < width {
                    // A short line would read its missing fields as blanks and clear stored
                    // values (an entity's region, say) as a revision nobody typed.
                    sink.error(
                        &Loc {
                            place: Place::Line(line),
                            key: (0, line, fields),
                        },
                        Draft::new(
                            IssueCode::WrongFieldCount,
                            format!(
                                "line has {fields} fields but the header has {width} columns: a field is missing (leave a blank field between commas, e.g. \"a,,c\")"
                            ),
                            format!(
                                "本行只有 {fields} 个字段，但表头有 {width} 列：缺少字段（空值也须保留逗号，如 \"a,,c\"）"
                            ),
                        ),
                    );
                }
                starts.push((line, offset));
            }
        }
    }
    drop(reader);
    let Some((header_line, header)) = header else {
        sink.error(&Loc::file(), empty_file());
        return None;
    };
    Some(Table {
        origin: Origin::Csv,
        header_line,
        header,
        rows: Rows::Csv(CsvRows {
            text,
            skip,
            delimiter,
            starts,
        }),
        encoding,
    })
}

/// A workbook cell as a [`Value`]; `percent` says its number format shows a percentage.
fn convert(cell: &Data, percent: bool) -> Value {
    let number = |value: Result<Decimal, NumberError>, typed: String| {
        let text = match (&value, percent) {
            (Ok(d), true) => d
                .checked_mul(Decimal::ONE_HUNDRED)
                .map_or_else(|| typed.clone(), |p| format!("{}%", p.normalize())),
            (Ok(d), false) => d.normalize().to_string(),
            (Err(_), _) => typed,
        };
        Value::Number {
            value,
            text,
            percent,
        }
    };
    match cell {
        Data::Empty => Value::Empty,
        Data::String(text) => Value::from_text(text),
        Data::Int(n) => number(Ok(Decimal::from(*n)), n.to_string()),
        Data::Float(f) => number(decimal_from_f64(*f), f.to_string()),
        Data::Bool(b) => Value::Other(if *b { "TRUE" } else { "FALSE" }.to_owned()),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (year, month, day, hour, minute, second, milli) = dt.to_ymd_hms_milli();
            Value::Date {
                year: i32::from(year),
                month: u32::from(month),
                day: u32::from(day),
                time: hour != 0 || minute != 0 || second != 0 || milli != 0,
            }
        }
        Data::DateTime(dt) => Value::Other(dt.as_f64().to_string()),
        Data::DateTimeIso(text) => iso_date(text).unwrap_or_else(|| Value::from_text(text)),
        Data::DurationIso(text) => Value::Other(text.clone()),
        Data::Error(error) => Value::Other(error.to_string()),
    }
}

/// `2026-03-01` or `2026-03-01T00:00:00` (how some writers store date cells).
fn iso_date(text: &str) -> Option<Value> {
    let (date, time) = match text.split_once('T') {
        Some((d, t)) => (d, t),
        None => (text, ""),
    };
    let mut parts = date.split('-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    let time = time.trim_start_matches(['0', ':', '.']);
    Some(Value::Date {
        year,
        month,
        day,
        time: !time.is_empty(),
    })
}

fn unreadable_workbook(detail: &str) -> Draft {
    Draft::new(
        IssueCode::UnreadableWorkbook,
        format!(
            "file cannot be read as an Excel workbook ({detail}); save it again as .xlsx or as UTF-8 CSV"
        ),
        format!("无法作为 Excel 工作簿读取（{detail}）：请重新另存为 .xlsx 或 UTF-8 CSV 格式"),
    )
}

/// What a ZIP file that is not a workbook is, from the names of its entries (a .docx, an .ods,
/// a zipped folder), so the clerk is told what they sent rather than "empty".
fn not_a_workbook(bytes: &[u8]) -> Draft {
    let names = zip_entry_names(bytes);
    let has = |prefix: &str| names.iter().any(|n| n.starts_with(prefix));
    if has("xl/") {
        return Draft::new(
            IssueCode::UnreadableWorkbook,
            "file is an incomplete workbook: it has no xl/workbook.xml, the part that lists its sheets; save it again from Excel, or as UTF-8 CSV",
            "文件是不完整的工作簿：缺少列出各工作表的 xl/workbook.xml 部分；请在 Excel 中重新保存，或另存为 UTF-8 CSV 格式",
        );
    }
    let (en, zh) = if has("word/") {
        (
            "a Word document (.docx)".to_owned(),
            "Word 文档（.docx）".to_owned(),
        )
    } else if has("ppt/") {
        (
            "a PowerPoint file (.pptx)".to_owned(),
            "PowerPoint 文件（.pptx）".to_owned(),
        )
    } else if names.iter().any(|n| n == "content.xml")
        && bytes.windows(11).any(|w| w == b"spreadsheet")
    {
        (
            "an OpenDocument spreadsheet (.ods)".to_owned(),
            "OpenDocument 表格（.ods）".to_owned(),
        )
    } else {
        let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
        let more = if names.len() > 3 { ", …" } else { "" };
        let list = format!("{}{more}", shown.join(", "));
        (
            format!("a ZIP archive of other files ({list})"),
            format!("包含其他文件的 ZIP 压缩包（{list}）"),
        )
    };
    Draft::new(
        IssueCode::UnreadableWorkbook,
        format!(
            "file is {en}, not an Excel workbook (it has no xl/workbook.xml): save the table as .xlsx or as UTF-8 CSV"
        ),
        format!(
            "文件是{zh}，不是 Excel 工作簿（缺少 xl/workbook.xml）：请将表格另存为 .xlsx 或 UTF-8 CSV 格式"
        ),
    )
}

/// A workbook whose ZIP structure is broken: usually cut short by a download or a copy.
fn damaged_workbook(detail: &str) -> Draft {
    Draft::new(
        IssueCode::UnreadableWorkbook,
        format!(
            "file is a damaged or incomplete workbook ({detail}): a download or copy cut short leaves it so; copy or download it again, or save it again from Excel"
        ),
        format!(
            "文件是损坏或不完整的工作簿（{detail}）：下载或复制中断会造成这种情况；请重新复制或下载，或在 Excel 中重新保存"
        ),
    )
}

/// The names in a ZIP file's central directory (at most 100), read straight from the bytes:
/// only to describe a file that is not a workbook.
fn zip_entry_names(bytes: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    let mut at = 0;
    while names.len() < 100 {
        let Some(found) = bytes
            .get(at..)
            .and_then(|rest| rest.windows(4).position(|w| w == b"PK\x01\x02"))
        else {
            break;
        };
        let header = at + found;
        let field = |offset: usize| {
            bytes
                .get(header + offset..header + offset + 2)
                .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
        };
        let Some(length) = field(28) else { break };
        let Some(name) = bytes.get(header + 46..header + 46 + length) else {
            break;
        };
        names.push(String::from_utf8_lossy(name).into_owned());
        at = header + 46 + length;
    }
    names
}

/// Whether a number format shows a percentage: a `%` outside quoted text and not escaped.
fn is_percent_format(code: &str) -> bool {
    let mut quoted = false;
    let mut escaped = false;
    for c in code.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '%' if !quoted => return true,
            _ => {}
        }
    }
    false
}

/// A sheet's rows as (1-based row number, absolute columns, cells), blank rows dropped.
type SheetRows = (Vec<u32>, Vec<(usize, Vec<Value>)>);

/// The most cells a sheet's table may span: rows with data times the columns between the first
/// and the last used one. A year of monthly data for a thousand units in the wide template is
/// about 1,000 × 90 rows of 15 columns (1.4 M); a cell typed by mistake at XFD1048576 makes a
/// sheet span 17 billion, which calamine's dense range would try to allocate (512 GB).
pub(crate) const MAX_SHEET_CELLS: u64 = 5_000_000;

/// Reads a sheet's used cells one by one (calamine's streaming reader: nothing is allocated for
/// the empty space between them) and lays the rows with data out densely between the first and
/// the last used column, refusing a sheet whose table would span more than [`MAX_SHEET_CELLS`]
/// before it is built. `None` for a chart sheet or a sheet without data.
fn sheet_rows<RS: std::io::Read + std::io::Seek>(
    workbook: &mut Xlsx<RS>,
    sheet: &str,
    shown_sheet: &str,
    order: usize,
) -> Result<Option<SheetRows>, Box<(Loc, Draft)>> {
    let unreadable =
        |e: calamine::XlsxError| Box::new((Loc::file(), unreadable_workbook(&e.to_string())));
    let mut reader = match workbook.worksheet_cells_reader(sheet) {
        Ok(reader) => reader,
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    // Percent cells (`0%`, `0.00%`) hold 0.5 for 50 %: their kind is in the cell's style.
    let percent: Vec<bool> = reader
        .styles()
        .iter()
        .map(|style| {
            style
                .number_format
                .as_ref()
                .is_some_and(|f| is_percent_format(&f.format_code))
        })
        .collect();
    let mut by_row: std::collections::BTreeMap<u32, Vec<(u32, Value)>> = Default::default();
    let (mut first_column, mut last_column) = (u32::MAX, 0u32);
    while let Some((cell, style)) = reader.next_cell_with_style_id().map_err(unreadable)? {
        let is_percent = percent.get(style).copied().unwrap_or(false);
        let value = convert(&Data::from(cell.get_value().clone()), is_percent);
        if value.is_empty() {
            continue;
        }
        let (row, column) = cell.get_position();
        first_column = first_column.min(column);
        last_column = last_column.max(column);
        by_row.entry(row).or_default().push((column, value));
        let width = u64::from(last_column - first_column) + 1;
        if (by_row.len() as u64).saturating_mul(width) > MAX_SHEET_CELLS {
            let place = Place::Cell {
                sheet: shown_sheet.to_owned(),
                cell: format!("{}{}", column_letters(column), u64::from(row) + 1),
            };
            return Err(Box::new((
                Loc {
                    place,
                    key: (order, row as usize + 1, column as usize),
                },
                sheet_too_large(sheet, by_row.len(), width),
            )));
        }
    }
    if by_row.is_empty() {
        return Ok(None);
    }
    let width = (last_column - first_column) as usize + 1;
    let columns: Vec<u32> = (first_column..=last_column).collect();
    let rows = by_row
        .into_iter()
        .map(|(row, cells)| {
            let mut dense = vec![Value::Empty; width];
            for (column, value) in cells {
                dense[(column - first_column) as usize] = value;
            }
            (row as usize + 1, dense)
        })
        .collect();
    Ok(Some((columns, rows)))
}

fn sheet_too_large(sheet: &str, rows: usize, width: u64) -> Draft {
    Draft::new(
        IssueCode::SheetTooLarge,
        format!(
            "sheet \"{sheet}\" spans {rows} rows × {width} columns, more than the {MAX_SHEET_CELLS} cells a data sheet may have: a value far to the right or below the table (this cell) is usually a stray entry; delete it, or split the file"
        ),
        format!(
            "工作表“{sheet}”的数据区域达到 {rows} 行 × {width} 列，超过数据表允许的 {MAX_SHEET_CELLS} 个单元格：表格右侧或下方远处（此单元格）通常是误填的内容，请删除，或拆分文件"
        ),
    )
}

/// The error for a sheet with content that is not a table of the file's kind: every sheet is
/// read, so that rows on a second sheet are never left out unseen.
fn unexpected_sheet(name: &str, hidden: bool, header: &str, first: &str) -> Draft {
    let shown: String = if header.chars().count() > 80 {
        header.chars().take(80).chain("…".chars()).collect()
    } else {
        header.to_owned()
    };
    let (hidden_en, hidden_zh) = if hidden {
        (" (hidden)", "（隐藏）")
    } else {
        ("", "")
    };
    Draft::new(
        IssueCode::UnexpectedSheet,
        format!(
            "sheet \"{name}\"{hidden_en} is not a table like the one on sheet \"{first}\" (its first row is \"{shown}\"): every sheet of a workbook is read, so that no rows are left out unseen; delete the sheet or move it to a file of its own, or give its table the same header"
        ),
        format!(
            "工作表“{name}”{hidden_zh}不是与工作表“{first}”同类的表格（首行为“{shown}”）：工作簿的每张工作表都会被读取，以免遗漏数据；请删除该工作表或移到单独的文件中，或为其表格加上相同的表头"
        ),
    )
}

/// The error for a hidden sheet that holds a table of the file's kind.
fn hidden_table(name: &str) -> Draft {
    Draft::new(
        IssueCode::UnexpectedSheet,
        format!(
            "sheet \"{name}\" is hidden but holds a table: its rows would be imported without anyone seeing them; unhide the sheet to check it, or delete it"
        ),
        format!(
            "工作表“{name}”已隐藏，但其中有数据表：其中的行会在无人查看的情况下被导入；请取消隐藏后检查，或删除该工作表"
        ),
    )
}

/// How many non-blank rows above the header a sheet may have: a title line or two (an office's
/// sheet says what it is before its table), not a whole page.
const TITLE_ROWS: usize = 3;

/// Reads every sheet of a workbook that holds a table of the file's kind, in sheet order.
///
/// A sheet's header is its first non-blank row, or one of the next [`TITLE_ROWS`] when the rows
/// above it are titles. `kind_of` says what a header is; the first sheet with a recognised
/// header decides the file's kind. Every other sheet with content must hold a table of the same
/// kind (it is read too: a second data sheet is data) or be the fill-in template's
/// instructions sheet ([`crate::INSTRUCTIONS_SHEET`]); any other sheet, hidden or not, before or
/// after, is an [`IssueCode::UnexpectedSheet`] error naming it, and so is a hidden sheet with a
/// table of the file's kind (its rows would be imported unseen). Empty sheets and chart sheets
/// are ignored.
///
/// Calamine parses untrusted ZIP and XML; should it ever panic, the panic is caught and the file
/// reported as unreadable rather than taking the caller down.
pub(crate) fn read_xlsx<K: PartialEq>(
    bytes: &[u8],
    kind_of: &dyn Fn(&[Value]) -> Option<K>,
    sink: &mut Sink,
) -> Option<Vec<Table>> {
    let result = catch_unwind(AssertUnwindSafe(|| read_xlsx_inner(bytes, kind_of)));
    match result {
        Ok(Ok((tables, problems))) => {
            for (loc, draft) in problems {
                sink.error(&loc, draft);
            }
            Some(tables)
        }
        Ok(Err(failure)) => {
            let (loc, draft) = *failure;
            sink.error(&loc, draft);
            None
        }
        Err(_) => {
            sink.error(&Loc::file(), unreadable_workbook("the reader failed"));
            None
        }
    }
}

type Sheets = (Vec<Table>, Vec<(Loc, Draft)>);

fn read_xlsx_inner<K: PartialEq>(
    bytes: &[u8],
    kind_of: &dyn Fn(&[Value]) -> Option<K>,
) -> Result<Sheets, Box<(Loc, Draft)>> {
    let mut workbook: Xlsx<_> = match Xlsx::new(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(calamine::XlsxError::Zip(e)) => {
            return Err(Box::new((Loc::file(), damaged_workbook(&e.to_string()))));
        }
        // Whatever calamine trips over in a ZIP without the workbook part (a .docx's document
        // read as if it were one), the clerk needs to hear what the file is.
        Err(_)
            if !zip_entry_names(bytes)
                .iter()
                .any(|n| n == "xl/workbook.xml") =>
        {
            return Err(Box::new((Loc::file(), not_a_workbook(bytes))));
        }
        Err(e) => {
            return Err(Box::new((Loc::file(), unreadable_workbook(&e.to_string()))));
        }
    };
    // A ZIP without xl/workbook.xml (a .docx, a zipped folder) opens with no sheet at all.
    let sheets = workbook.sheets_metadata().to_vec();
    if sheets.is_empty() {
        return Err(Box::new((Loc::file(), not_a_workbook(bytes))));
    }
    // Each sheet with content: its table (header found), its name and whether it is hidden.
    let mut found: Vec<(Table, String, bool)> = Vec::new();
    for (index, meta) in sheets.iter().enumerate() {
        let name = &meta.name;
        let shown = if index == 0 { "" } else { name.as_str() };
        let Some((columns, mut rows)) = sheet_rows(&mut workbook, name, shown, index)? else {
            continue;
        };
        if rows.is_empty() {
            continue;
        }
        let at = rows
            .iter()
            .take(TITLE_ROWS + 1)
            .position(|(_, cells)| kind_of(cells).is_some())
            .unwrap_or(0);
        let (header_line, header) = rows.remove(at);
        rows.drain(..at);
        let table = Table {
            origin: Origin::Sheet {
                sheet: shown.to_owned(),
                columns,
                order: index,
            },
            header_line,
            header,
            rows: Rows::Cells(
                rows.into_iter()
                    .map(|(line, cells)| Row { line, cells })
                    .collect(),
            ),
            encoding: "XLSX",
        };
        let hidden = meta.visible != calamine::SheetVisible::Visible;
        found.push((table, name.clone(), hidden));
    }
    let Some(first) = found
        .iter()
        .position(|(t, _, _)| kind_of(&t.header).is_some())
    else {
        // Nothing recognised: the first sheet's first row is what the clerk must fix.
        return match found.first() {
            None => Err(Box::new((Loc::file(), empty_file()))),
            Some((table, _, _)) => {
                let text: Vec<String> = table.header.iter().map(Value::text).collect();
                Err(Box::new((
                    table.line_loc(table.header_line),
                    crate::schema::unknown_header(&text.join(",")),
                )))
            }
        };
    };
    let kind = kind_of(&found[first].0.header);
    let first_name = found[first].1.clone();
    let mut tables = Vec::new();
    let mut problems = Vec::new();
    for (mut table, name, hidden) in found {
        if hidden && kind_of(&table.header) == kind {
            // Rows nobody sees on screen would be imported unseen: the clerk decides.
            problems.push((table.line_loc(table.header_line), hidden_table(&name)));
        } else if kind_of(&table.header) == kind {
            // With one table its sheet goes unsaid (`data.xlsx!B3`); with several, each is named.
            if let Origin::Sheet { sheet, .. } = &mut table.origin {
                sheet.clone_from(&name);
            }
            tables.push(table);
        } else if name.trim() != crate::INSTRUCTIONS_SHEET {
            let text: Vec<String> = table.header.iter().map(Value::text).collect();
            problems.push((
                table.line_loc(table.header_line),
                unexpected_sheet(&name, hidden, &text.join(","), &first_name),
            ));
        }
    }
    if let [only] = tables.as_mut_slice()
        && let Origin::Sheet { sheet, order, .. } = &mut only.origin
        && *order == 0
    {
        sheet.clear();
    }
    Ok((tables, problems))
}

#[cfg(test)]
mod tests;
