//! The Parquet archive: `archive/mn=<MN>/date=<YYYY-MM-DD>/minutes.parquet`, Hive-partitioned so
//! DuckDB, DataFusion and Spark read the stack and the day from the path.
//!
//! Columns (all REQUIRED): `minute` INT64 TIMESTAMP(MILLIS, isAdjustedToUTC=false) (local wall
//! time), `code` BYTE_ARRAY STRING (dictionary), `value` INT64 DECIMAL(18,6), `flag` BYTE_ARRAY
//! STRING (one letter, dictionary). Rows are sorted by (code, minute): each factor's minutes are
//! then a run of equal codes and steadily rising times, which the dictionary, delta encoding and
//! zstd shrink to a few bytes a reading.

use std::collections::HashMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::column::reader::ColumnReader;
use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;
use zx_domain::cems::Flag;

use crate::CemsStoreError;
use crate::recent::Row;
use crate::wal::sync_dir;

pub(crate) const FILE_NAME: &str = "minutes.parquet";

const SCHEMA: &str = "
message minutes {
  required int64 minute (TIMESTAMP(MILLIS,false));
  required binary code (STRING);
  required int64 value (DECIMAL(18,6));
  required binary flag (STRING);
}";

pub(crate) fn partition_dir(archive: &Path, mn: &str, date: NaiveDate) -> PathBuf {
    archive
        .join(format!("mn={mn}"))
        .join(format!("date={}", date.format("%Y-%m-%d")))
}

/// A partition's rows as columns; `code` indexes `codes`.
#[derive(Default)]
pub(crate) struct Columns {
    pub ms: Vec<i64>,
    pub code: Vec<u32>,
    pub codes: Vec<Arc<str>>,
    pub value: Vec<i64>,
    pub flag: Vec<Flag>,
}

impl Columns {
    pub(crate) fn len(&self) -> usize {
        self.ms.len()
    }
}

/// Reads a partition written by [`write_partition`] (or any file with the same four columns).
pub(crate) fn read_partition(path: &Path) -> Result<Columns, CemsStoreError> {
    let bad = |detail: String| CemsStoreError::BadPartition {
        path: path.to_owned(),
        detail,
    };
    let pq = |e| CemsStoreError::parquet(path, e);
    let file = File::open(path).map_err(|e| CemsStoreError::io("open", path, e))?;
    let reader = SerializedFileReader::new(file).map_err(pq)?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let index = |name: &str| {
        (0..schema.num_columns())
            .find(|i| schema.column(*i).name() == name)
            .ok_or_else(|| bad(format!("no column {name:?}")))
    };
    let (minute_col, code_col, value_col, flag_col) = (
        index("minute")?,
        index("code")?,
        index("value")?,
        index("flag")?,
    );
    if schema.column(value_col).type_scale() != 6 {
        return Err(bad(format!(
            "column value has scale {}, expected DECIMAL(18,6)",
            schema.column(value_col).type_scale()
        )));
    }
    let mut columns = Columns::default();
    let mut codes: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut bytes = Vec::new();
    for group in 0..reader.num_row_groups() {
        let row_group = reader.get_row_group(group).map_err(pq)?;
        let rows = usize::try_from(row_group.metadata().num_rows())
            .map_err(|_| bad("negative row count".into()))?;
        let read_i64 = |col: usize, out: &mut Vec<i64>| -> Result<(), CemsStoreError> {
            let before = out.len();
            match row_group.get_column_reader(col).map_err(pq)? {
                ColumnReader::Int64ColumnReader(mut reader) => {
                    reader.read_records(rows, None, None, out).map_err(pq)?;
                }
                _ => return Err(bad(format!("column {col} is not INT64"))),
            }
            if out.len() - before != rows {
                return Err(bad(format!(
                    "column {col} has {} of {rows} rows",
                    out.len() - before
                )));
            }
            Ok(())
        };
        let read_bytes = |col: usize, out: &mut Vec<ByteArray>| -> Result<(), CemsStoreError> {
            out.clear();
            match row_group.get_column_reader(col).map_err(pq)? {
                ColumnReader::ByteArrayColumnReader(mut reader) => {
                    reader.read_records(rows, None, None, out).map_err(pq)?;
                }
                _ => return Err(bad(format!("column {col} is not BYTE_ARRAY"))),
            }
            if out.len() != rows {
                return Err(bad(format!(
                    "column {col} has {} of {rows} rows",
                    out.len()
                )));
            }
            Ok(())
        };
        read_i64(minute_col, &mut columns.ms)?;
        read_i64(value_col, &mut columns.value)?;
        if let Some(value) = columns
            .value
            .iter()
            .find(|v| v.unsigned_abs() > crate::codec::MAX_SCALED as u64)
        {
            return Err(bad(format!("value {value} exceeds DECIMAL(18,6)")));
        }
        read_bytes(code_col, &mut bytes)?;
        let mut last: Option<(&[u8], u32)> = None;
        for code in &bytes {
            let data = code.data();
            let id = match last {
                Some((text, id)) if text == data => id,
                _ => match codes.get(data) {
                    Some(id) => *id,
                    None => {
                        let text = std::str::from_utf8(data)
                            .map_err(|_| bad("a code is not UTF-8".into()))?;
                        let id = columns.codes.len() as u32;
                        columns.codes.push(Arc::from(text));
                        codes.insert(data.to_vec(), id);
                        id
                    }
                },
            };
            last = Some((data, id));
            columns.code.push(id);
        }
        read_bytes(flag_col, &mut bytes)?;
        for flag in &bytes {
            let parsed = match flag.data() {
                [byte] => Flag::from_byte(*byte),
                _ => None,
            };
            columns.flag.push(parsed.ok_or_else(|| {
                bad(format!(
                    "flag {:?} is not an HJ 212 flag",
                    String::from_utf8_lossy(flag.data())
                ))
            })?);
        }
    }
    Ok(columns)
}

fn properties() -> Result<WriterProperties, parquet::errors::ParquetError> {
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .set_created_by(format!(
            "zengxiao zx-cems-store {}",
            env!("CARGO_PKG_VERSION")
        ))
        .set_column_dictionary_enabled(ColumnPath::from("minute"), false)
        .set_column_encoding(ColumnPath::from("minute"), Encoding::DELTA_BINARY_PACKED)
        .set_column_dictionary_enabled(ColumnPath::from("value"), false)
        .set_column_encoding(ColumnPath::from("value"), Encoding::DELTA_BINARY_PACKED)
        .build())
}

/// Writes `rows` (sorted by code, then time) as the partition in `dir`, atomically: a temporary
/// file is written and synced, renamed over `minutes.parquet`, and the directory synced, so a
/// crash leaves either the old file or the new one. Returns the file's size.
pub(crate) fn write_partition(dir: &Path, rows: &[Row]) -> Result<u64, CemsStoreError> {
    let path = dir.join(FILE_NAME);
    let temp = dir.join(format!("{FILE_NAME}.tmp"));
    let pq = |e| CemsStoreError::parquet(&temp, e);
    let file = File::create(&temp).map_err(|e| CemsStoreError::io("create", &temp, e))?;
    let schema = Arc::new(parse_message_type(SCHEMA).map_err(pq)?);
    let mut writer = SerializedFileWriter::new(&file, schema, Arc::new(properties().map_err(pq)?))
        .map_err(pq)?;
    let mut group = writer.next_row_group().map_err(pq)?;
    let flags: Vec<ByteArray> = Flag::ALL
        .iter()
        .map(|f| ByteArray::from(f.as_str()))
        .collect();
    let mut column = 0;
    while let Some(mut col) = group.next_column().map_err(pq)? {
        match column {
            0 => {
                let values: Vec<i64> = rows.iter().map(|r| r.0).collect();
                col.typed::<Int64Type>()
                    .write_batch(&values, None, None)
                    .map_err(pq)?;
            }
            1 => {
                let mut last: Option<(&str, ByteArray)> = None;
                let mut values = Vec::with_capacity(rows.len());
                for row in rows {
                    let code = match &last {
                        Some((text, bytes)) if *text == &*row.1 => bytes.clone(),
                        _ => ByteArray::from(&*row.1),
                    };
                    values.push(code.clone());
                    last = Some((&row.1, code));
                }
                col.typed::<ByteArrayType>()
                    .write_batch(&values, None, None)
                    .map_err(pq)?;
            }
            2 => {
                let values: Vec<i64> = rows.iter().map(|r| r.2).collect();
                col.typed::<Int64Type>()
                    .write_batch(&values, None, None)
                    .map_err(pq)?;
            }
            _ => {
                let values: Vec<ByteArray> = rows
                    .iter()
                    .map(|r| flags[usize::from(crate::codec::flag_index(r.3))].clone())
                    .collect();
                col.typed::<ByteArrayType>()
                    .write_batch(&values, None, None)
                    .map_err(pq)?;
            }
        }
        col.close().map_err(pq)?;
        column += 1;
    }
    group.close().map_err(pq)?;
    writer.close().map_err(pq)?;
    file.sync_all()
        .map_err(|e| CemsStoreError::io("sync", &temp, e))?;
    let size = file
        .metadata()
        .map_err(|e| CemsStoreError::io("stat", &temp, e))?
        .len();
    drop(file);
    fs::rename(&temp, &path).map_err(|e| CemsStoreError::io("rename", &temp, e))?;
    sync_dir(dir)?;
    Ok(size)
}

/// Creates `dir` and its missing parents up to `root`, syncing each parent that got a new entry
/// so the partition's path survives a crash.
pub(crate) fn create_dirs(root: &Path, dir: &Path) -> Result<(), CemsStoreError> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent()
        && parent != root
        && parent.starts_with(root)
    {
        create_dirs(root, parent)?;
    }
    fs::create_dir_all(dir).map_err(|e| CemsStoreError::io("create directory", dir, e))?;
    if let Some(parent) = dir.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

/// The partitions present on disk: (MN, date) → file size.
pub(crate) fn scan(archive: &Path) -> Result<Vec<(String, NaiveDate, u64)>, CemsStoreError> {
    let mut found = Vec::new();
    let list = |dir: &Path| fs::read_dir(dir).map_err(|e| CemsStoreError::io("list", dir, e));
    for stack in list(archive)? {
        let stack = stack.map_err(|e| CemsStoreError::io("list", archive, e))?;
        let Some(mn) = stack
            .file_name()
            .to_str()
            .and_then(|n| n.strip_prefix("mn="))
            .map(str::to_owned)
        else {
            continue;
        };
        if crate::codec::check_mn(&mn).is_err() || !stack.path().is_dir() {
            continue;
        }
        for day in list(&stack.path())? {
            let day = day.map_err(|e| CemsStoreError::io("list", stack.path(), e))?;
            let Some(date) = day
                .file_name()
                .to_str()
                .and_then(|n| n.strip_prefix("date="))
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            else {
                continue;
            };
            let file = day.path().join(FILE_NAME);
            if let Ok(meta) = fs::metadata(&file) {
                found.push((mn.clone(), date, meta.len()));
            }
        }
    }
    Ok(found)
}

/// Rows of a partition, from its footer only.
pub(crate) fn count_rows(path: &Path) -> Result<u64, CemsStoreError> {
    let file = File::open(path).map_err(|e| CemsStoreError::io("open", path, e))?;
    let reader = SerializedFileReader::new(file).map_err(|e| CemsStoreError::parquet(path, e))?;
    Ok(u64::try_from(reader.metadata().file_metadata().num_rows()).unwrap_or(0))
}
