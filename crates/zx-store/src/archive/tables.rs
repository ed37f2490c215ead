//! Tables archived row by row from a description of their columns (format version 6 on): the
//! safety registers, and every area added after them. One [`TableSpec`] per table says what
//! each column holds; the export reads, the archive checks and the restore writes from it, so
//! a new table costs one entry in [`ARCHIVED_TABLES`], not a record type, a reader and a
//! writer of its own.
//!
//! A row is written `{"table_row":{"table":"hazards","row":{"id":1,"entity":"B1",…}}}`: integers
//! as JSON numbers, booleans as JSON booleans, decimals, dates and times as the text both
//! backends keep ([`ArchiveText`]), a NULL as `null`. Reading checks the table is known, every
//! column is there (and no other), each value is of its column's kind and only nullable columns
//! are null, so a bad line is named before anything is written.

use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use zx_domain::Decimal;

use super::ArchiveText;

/// What a column holds, as both backends store it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Int,
    Text,
    Decimal,
    Date,
    Time,
    Bool,
}

/// One column of an archived table.
#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    pub kind: ColumnKind,
    pub nullable: bool,
}

/// A column whose non-null values must be values of `target` in `table`: an archived table,
/// or `entities`, `blobs` (`sha256`) or `measures` (`id`) of the archive's own records.
#[derive(Debug)]
pub struct Ref {
    pub column: &'static str,
    pub table: &'static str,
    pub target: &'static str,
}

/// One table archived by [`ArchivedRow`]s.
#[derive(Debug)]
pub struct TableSpec {
    pub name: &'static str,
    /// In the table's order.
    pub columns: &'static [Column],
    /// The primary key's columns: the order rows are archived in, and unique.
    pub key: &'static [&'static str],
    /// Whether the database hands out `id`: a restore writes the archive's ids and later
    /// inserts continue after the highest.
    pub identity: bool,
    /// The columns that refer to another record (checked before a restore writes).
    pub refs: &'static [Ref],
    /// What the table holds, for the counts people read.
    pub label_en: &'static str,
    pub label_zh: &'static str,
}

impl TableSpec {
    fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// `col, col, …` in the table's order.
    pub fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub use super::table_list::ARCHIVED_TABLES;

/// The spec of a table archived row by row.
pub fn table_spec(name: &str) -> Option<&'static TableSpec> {
    ARCHIVED_TABLES.iter().find(|t| t.name == name)
}

/// One value of an archived row, checked against its column's kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    /// The exact text ([`ArchiveText`] of a `Decimal`), so `1.50` stays `1.50`.
    Decimal(String),
    Date(NaiveDate),
    Time(DateTime<Utc>),
    Bool(bool),
}

impl Cell {
    /// The cell of a decimal value, written as the archive writes every decimal.
    pub fn decimal(value: Decimal) -> Self {
        Cell::Decimal(value.to_text())
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            Cell::Null => serde_json::Value::Null,
            Cell::Int(n) => (*n).into(),
            Cell::Text(t) | Cell::Decimal(t) => t.clone().into(),
            Cell::Date(d) => d.to_text().into(),
            Cell::Time(t) => t.to_text().into(),
            Cell::Bool(b) => (*b).into(),
        }
    }

    fn from_json(column: &Column, value: &serde_json::Value) -> Result<Self, String> {
        use serde_json::Value as J;
        let wrong = |what: &str| format!("column {} holds {value}, not {what}", column.name);
        match (column.kind, value) {
            (_, J::Null) if column.nullable => Ok(Cell::Null),
            (_, J::Null) => Err(format!("column {} may not be null", column.name)),
            (ColumnKind::Int, J::Number(n)) => n.as_i64().map(Cell::Int).ok_or(wrong("an integer")),
            (ColumnKind::Int, _) => Err(wrong("an integer")),
            (ColumnKind::Bool, J::Bool(b)) => Ok(Cell::Bool(*b)),
            (ColumnKind::Bool, _) => Err(wrong("true or false")),
            (kind, J::String(text)) => {
                let named = |e: String| format!("column {}: {e}", column.name);
                Ok(match kind {
                    ColumnKind::Text => Cell::Text(text.clone()),
                    ColumnKind::Decimal => {
                        Decimal::from_text(text).map_err(named)?;
                        Cell::Decimal(text.clone())
                    }
                    ColumnKind::Date => Cell::Date(NaiveDate::from_text(text).map_err(named)?),
                    ColumnKind::Time => {
                        Cell::Time(DateTime::<Utc>::from_text(text).map_err(named)?)
                    }
                    ColumnKind::Int | ColumnKind::Bool => unreachable!("matched above"),
                })
            }
            (_, _) => Err(wrong("a text")),
        }
    }

    /// Orders key cells: integers by value, texts bytewise (PostgreSQL's `COLLATE "C"`).
    fn key_cmp(&self, other: &Cell) -> Ordering {
        match (self, other) {
            (Cell::Int(a), Cell::Int(b)) => a.cmp(b),
            (Cell::Text(a), Cell::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            _ => Ordering::Equal,
        }
    }
}

/// One row of a table in [`ARCHIVED_TABLES`], its cells in the table's column order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawRow")]
pub struct ArchivedRow {
    pub table: &'static TableSpec,
    pub cells: Vec<Cell>,
}

impl PartialEq for TableSpec {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for TableSpec {}

impl ArchivedRow {
    /// The cell of column `name` (which the spec has).
    pub fn cell(&self, name: &str) -> Option<&Cell> {
        self.table
            .column_index(name)
            .and_then(|i| self.cells.get(i))
    }

    /// The position of the row's table in [`ARCHIVED_TABLES`].
    pub fn table_position(&self) -> usize {
        ARCHIVED_TABLES
            .iter()
            .position(|t| t.name == self.table.name)
            .unwrap_or(usize::MAX)
    }

    /// The row's primary key, for ordering and uniqueness.
    pub fn key(&self) -> Vec<&Cell> {
        self.table
            .key
            .iter()
            .filter_map(|name| self.cell(name))
            .collect()
    }

    /// Orders rows as the archive writes them: by table, then by key.
    pub fn archive_cmp(&self, other: &ArchivedRow) -> Ordering {
        self.table_position()
            .cmp(&other.table_position())
            .then_with(|| {
                self.key()
                    .iter()
                    .zip(other.key())
                    .map(|(a, b)| a.key_cmp(b))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            })
    }

    /// `hazards 12` or `site_exposures B1/flood`, to name the row in a message.
    pub fn describe(&self) -> String {
        let key = self
            .key()
            .iter()
            .map(|c| match c {
                Cell::Int(n) => n.to_string(),
                Cell::Text(t) => t.clone(),
                other => other.to_json().to_string(),
            })
            .collect::<Vec<_>>()
            .join("/");
        format!("{} row {key}", self.table.name)
    }
}

impl Serialize for ArchivedRow {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Row<'a>(&'a ArchivedRow);
        impl Serialize for Row<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.cells.len()))?;
                for (column, cell) in self.0.table.columns.iter().zip(&self.0.cells) {
                    map.serialize_entry(column.name, &cell.to_json())?;
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("table", self.table.name)?;
        map.serialize_entry("row", &Row(self))?;
        map.end()
    }
}

/// An archived row as read, before its checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    table: String,
    row: serde_json::Map<String, serde_json::Value>,
}

/// Why a line is not a row of an archived table.
#[derive(Debug)]
pub struct RowError(String);

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<RawRow> for ArchivedRow {
    type Error = RowError;

    fn try_from(raw: RawRow) -> Result<Self, RowError> {
        let table = table_spec(&raw.table).ok_or_else(|| {
            RowError(format!(
                "unknown table \"{}\" (written by a newer zx?)",
                raw.table
            ))
        })?;
        if let Some(extra) = raw.row.keys().find(|k| table.column_index(k).is_none()) {
            return Err(RowError(format!(
                "table {} has no column \"{extra}\"",
                table.name
            )));
        }
        let cells = table
            .columns
            .iter()
            .map(|column| {
                let value = raw.row.get(column.name).ok_or_else(|| {
                    RowError(format!(
                        "a row of table {} lacks column {}",
                        table.name, column.name
                    ))
                })?;
                Cell::from_json(column, value)
                    .map_err(|e| RowError(format!("table {}: {e}", table.name)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ArchivedRow { table, cells })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> Result<ArchivedRow, String> {
        serde_json::from_str(line).map_err(|e| e.to_string())
    }

    #[test]
    fn a_row_reads_back_as_written() {
        let line = r#"{"table":"safety_training","row":{"id":7,"person":"P-1","training_date":"2026-03-01","hours":"1.50","course":"有限空间作业","revision":1,"created_at":"2026-03-01T02:00:00.000000Z","updated_at":"2026-03-01T02:00:00.000000Z"}}"#;
        let row = read(line).unwrap();
        assert_eq!(row.cell("hours"), Some(&Cell::Decimal("1.50".into())));
        assert_eq!(row.cell("id"), Some(&Cell::Int(7)));
        assert_eq!(serde_json::to_string(&row).unwrap(), line);
    }

    #[test]
    fn bad_rows_are_named() {
        let unknown = read(r#"{"table":"nope","row":{}}"#).unwrap_err();
        assert!(unknown.contains("unknown table \"nope\""), "{unknown}");
        let missing = read(r#"{"table":"warning_escalations","row":{"alert":1,"user_name":"hq"}}"#)
            .unwrap_err();
        assert!(missing.contains("lacks column escalated_at"), "{missing}");
        let extra = read(r#"{"table":"warning_escalations","row":{"alert":1,"user_name":"hq","escalated_at":"2026-03-01T02:00:00.000000Z","x":1}}"#).unwrap_err();
        assert!(extra.contains("no column \"x\""), "{extra}");
        let null = read(r#"{"table":"warning_escalations","row":{"alert":null,"user_name":"hq","escalated_at":"2026-03-01T02:00:00.000000Z"}}"#).unwrap_err();
        assert!(null.contains("column alert may not be null"), "{null}");
        let text = read(r#"{"table":"warning_escalations","row":{"alert":"1","user_name":"hq","escalated_at":"2026-03-01T02:00:00.000000Z"}}"#).unwrap_err();
        assert!(
            text.contains("column alert holds \"1\", not an integer"),
            "{text}"
        );
        let date = read(r#"{"table":"warning_escalations","row":{"alert":1,"user_name":"hq","escalated_at":"2026-03-01"}}"#).unwrap_err();
        assert!(
            date.contains("column escalated_at: time \"2026-03-01\""),
            "{date}"
        );
    }

    #[test]
    fn rows_order_by_table_then_key() {
        let row = |table: &str, key: &str| {
            read(&format!(
                r#"{{"table":"{table}","row":{{"alert":{key},"user_name":"hq","escalated_at":"2026-03-01T02:00:00.000000Z"}}}}"#
            ))
            .unwrap()
        };
        assert_eq!(
            row("warning_escalations", "2").archive_cmp(&row("warning_escalations", "10")),
            Ordering::Less
        );
        assert_eq!(
            row("warning_escalations", "2").describe(),
            "warning_escalations row 2/hq"
        );
    }

    #[test]
    fn every_key_column_exists() {
        for table in ARCHIVED_TABLES {
            for key in table.key {
                assert!(table.column_index(key).is_some(), "{} {key}", table.name);
            }
            assert_eq!(table.identity, table.key == ["id"], "{}", table.name);
        }
    }
}
