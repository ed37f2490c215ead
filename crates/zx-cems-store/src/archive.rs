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
use parquet::column::page::Page;
use parquet::column::reader::ColumnReader;
use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, RowGroupReader, SerializedFileReader};
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
        if let Some((dictionary, indices)) =
            dictionary_column(&*row_group, code_col, rows).map_err(bad)?
        {
            // Interned on first use, so codes keep their order of first appearance.
            let mut ids: Vec<Option<u32>> = vec![None; dictionary.len()];
            for index in indices {
                let index = index as usize;
                let id = match ids[index] {
                    Some(id) => id,
                    None => {
                        let text = &dictionary[index];
                        let id = match codes.get(text.as_slice()) {
                            Some(id) => *id,
                            None => {
                                let code = std::str::from_utf8(text)
                                    .map_err(|_| bad("a code is not UTF-8".into()))?;
                                let id = columns.codes.len() as u32;
                                columns.codes.push(Arc::from(code));
                                codes.insert(text.clone(), id);
                                id
                            }
                        };
                        ids[index] = Some(id);
                        id
                    }
                };
                columns.code.push(id);
            }
        } else {
            read_bytes(code_col, &mut bytes)?;
            intern_codes(&bytes, &mut codes, &mut columns).map_err(bad)?;
        }
        if let Some((dictionary, indices)) =
            dictionary_column(&*row_group, flag_col, rows).map_err(bad)?
        {
            let flags: Vec<Option<Flag>> = dictionary.iter().map(|text| flag_of(text)).collect();
            for index in indices {
                let text = &dictionary[index as usize];
                columns
                    .flag
                    .push(flags[index as usize].ok_or_else(|| bad(not_a_flag(text)))?);
            }
        } else {
            read_bytes(flag_col, &mut bytes)?;
            for flag in &bytes {
                columns
                    .flag
                    .push(flag_of(flag.data()).ok_or_else(|| bad(not_a_flag(flag.data())))?);
            }
        }
    }
    Ok(columns)
}

fn flag_of(text: &[u8]) -> Option<Flag> {
    match text {
        [byte] => Flag::from_byte(*byte),
        _ => None,
    }
}

fn not_a_flag(text: &[u8]) -> String {
    format!(
        "flag {:?} is not an HJ 212 flag",
        String::from_utf8_lossy(text)
    )
}

/// Each row's code as an index into `columns.codes`, adding codes not seen before.
fn intern_codes(
    bytes: &[ByteArray],
    codes: &mut HashMap<Vec<u8>, u32>,
    columns: &mut Columns,
) -> Result<(), String> {
    let mut last: Option<(&[u8], u32)> = None;
    for code in bytes {
        let data = code.data();
        let id = match last {
            Some((text, id)) if text == data => id,
            _ => match codes.get(data) {
                Some(id) => *id,
                None => {
                    let text =
                        std::str::from_utf8(data).map_err(|_| "a code is not UTF-8".to_owned())?;
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
    Ok(())
}

/// A column's dictionary entries and each row's index into them.
type DictionaryColumn = (Vec<Vec<u8>>, Vec<u32>);

/// A dictionary-encoded BYTE_ARRAY column (how [`write_partition`] writes `code` and `flag`):
/// the dictionary and each row's index into it, read from the pages. The reader's own decoding
/// makes a reference-counted `ByteArray` per row, which was a quarter of the time a stack-month
/// took to decode and judge. `Ok(None)` when a page is not dictionary-encoded (a file another
/// tool wrote): the caller then reads the values.
fn dictionary_column(
    row_group: &dyn RowGroupReader,
    col: usize,
    rows: usize,
) -> Result<Option<DictionaryColumn>, String> {
    let mut pages = row_group
        .get_column_page_reader(col)
        .map_err(|e| e.to_string())?;
    let mut dictionary = None;
    let mut indices = Vec::with_capacity(rows);
    while let Some(page) = pages.get_next_page().map_err(|e| e.to_string())? {
        let (values, count, encoding) = match &page {
            Page::DictionaryPage {
                buf,
                num_values,
                encoding,
                ..
            } => {
                if !matches!(encoding, Encoding::PLAIN | Encoding::PLAIN_DICTIONARY) {
                    return Ok(None);
                }
                dictionary = Some(plain_byte_arrays(buf, *num_values as usize)?);
                continue;
            }
            Page::DataPage {
                buf,
                num_values,
                encoding,
                ..
            } => (&buf[..], *num_values, *encoding),
            Page::DataPageV2 {
                buf,
                num_values,
                encoding,
                def_levels_byte_len,
                rep_levels_byte_len,
                ..
            } => {
                let levels = *def_levels_byte_len as usize + *rep_levels_byte_len as usize;
                let values = buf
                    .get(levels..)
                    .ok_or("a data page shorter than its levels")?;
                (values, *num_values, *encoding)
            }
        };
        if !matches!(
            encoding,
            Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY
        ) {
            return Ok(None);
        }
        hybrid_indices(values, count as usize, &mut indices)?;
    }
    let Some(dictionary) = dictionary else {
        return Ok(None);
    };
    if indices.len() != rows {
        return Err(format!("column {col} has {} of {rows} rows", indices.len()));
    }
    if let Some(index) = indices.iter().find(|i| **i as usize >= dictionary.len()) {
        return Err(format!(
            "column {col}: dictionary index {index} of {} entries",
            dictionary.len()
        ));
    }
    Ok(Some((dictionary, indices)))
}

/// PLAIN byte arrays: a 4-byte little-endian length, then the bytes, `count` times.
fn plain_byte_arrays(mut data: &[u8], count: usize) -> Result<Vec<Vec<u8>>, String> {
    let mut values = Vec::with_capacity(count);
    for _ in 0..count {
        let (length, rest) = data.split_at_checked(4).ok_or("a truncated dictionary")?;
        let length = u32::from_le_bytes([length[0], length[1], length[2], length[3]]) as usize;
        let (value, rest) = rest
            .split_at_checked(length)
            .ok_or("a truncated dictionary")?;
        values.push(value.to_vec());
        data = rest;
    }
    Ok(values)
}

/// `count` dictionary indices of a data page: a bit width byte, then the RLE / bit-packed
/// hybrid (Parquet's encodings spec): runs of one repeated value, or groups of 8 values of
/// `bit width` bits each, least significant bit first.
fn hybrid_indices(data: &[u8], count: usize, out: &mut Vec<u32>) -> Result<(), String> {
    const TRUNCATED: &str = "a truncated dictionary-encoded page";
    let (&width, mut rest) = data.split_first().ok_or(TRUNCATED)?;
    if width > 32 {
        return Err(format!("dictionary indices of {width} bits"));
    }
    let width = usize::from(width);
    let target = out.len() + count;
    while out.len() < target {
        let mut header = 0_u64;
        let mut shift = 0;
        loop {
            let (&byte, next) = rest.split_first().ok_or(TRUNCATED)?;
            rest = next;
            header |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 35 {
                return Err("a run header longer than 5 bytes".into());
            }
        }
        let wanted = target - out.len();
        if header & 1 == 0 {
            let bytes = width.div_ceil(8);
            let (raw, next) = rest.split_at_checked(bytes).ok_or(TRUNCATED)?;
            rest = next;
            let value = raw
                .iter()
                .rev()
                .fold(0_u32, |value, byte| (value << 8) | u32::from(*byte));
            let run = usize::try_from(header >> 1).unwrap_or(usize::MAX);
            out.extend(std::iter::repeat_n(value, run.min(wanted)));
        } else {
            let groups = usize::try_from(header >> 1).map_err(|_| TRUNCATED)?;
            let (packed, next) = rest.split_at_checked(groups * width).ok_or(TRUNCATED)?;
            rest = next;
            let mask = (1_u64 << width) - 1;
            for k in 0..(groups * 8).min(wanted) {
                let bit = k * width;
                let word = (0..5).fold(0_u64, |word, j| {
                    word | packed
                        .get(bit / 8 + j)
                        .map_or(0, |b| u64::from(*b) << (8 * j))
                });
                out.push(((word >> (bit % 8)) & mask) as u32);
            }
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's example: 8 values 0..7 of 3 bits bit-packed are 0x88 0xC6 0xFA; before them an
    /// RLE run of five 4s (header 5 << 1 = 10, then the value in one byte).
    #[test]
    fn hybrid_runs_and_bit_packed_groups_decode_as_the_spec_says() {
        let mut out = Vec::new();
        hybrid_indices(&[3, 10, 4, 3, 0x88, 0xC6, 0xFA], 13, &mut out).unwrap();
        assert_eq!(out, [4, 4, 4, 4, 4, 0, 1, 2, 3, 4, 5, 6, 7]);
        // Padding in the last group is not taken: 10 values, not 13.
        let mut out = Vec::new();
        hybrid_indices(&[3, 10, 4, 3, 0x88, 0xC6, 0xFA], 10, &mut out).unwrap();
        assert_eq!(out, [4, 4, 4, 4, 4, 0, 1, 2, 3, 4]);
        // A group cut short is an error, never a panic.
        assert!(hybrid_indices(&[3, 3, 0x88], 8, &mut Vec::new()).is_err());
        assert!(hybrid_indices(&[], 1, &mut Vec::new()).is_err());
        assert!(hybrid_indices(&[33, 2, 0], 1, &mut Vec::new()).is_err());
    }

    /// Codes in long runs (RLE) and flags changing every row (bit-packed): the partition read
    /// from its pages gives back every row as written.
    #[test]
    fn codes_and_flags_read_from_the_dictionary_pages_are_the_rows_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut rows: Vec<Row> = Vec::new();
        for code in ["a19001", "a21002", "a21026", "furnace_temp"] {
            let code: Arc<str> = Arc::from(code);
            for minute in 0..1440_i64 {
                let flag = Flag::ALL[(minute % 9) as usize];
                rows.push((minute * 60_000, Arc::clone(&code), minute * 1_000 - 7, flag));
            }
        }
        write_partition(dir.path(), &rows).unwrap();
        let path = dir.path().join(FILE_NAME);
        let columns = read_partition(&path).unwrap();
        assert_eq!(columns.len(), rows.len());
        for (i, (ms, code, value, flag)) in rows.iter().enumerate() {
            assert_eq!(columns.ms[i], *ms, "row {i}");
            assert_eq!(
                &*columns.codes[columns.code[i] as usize], &**code,
                "row {i}"
            );
            assert_eq!(columns.value[i], *value, "row {i}");
            assert_eq!(columns.flag[i], *flag, "row {i}");
        }
        // Both columns were read from their dictionaries (not the reader's values).
        let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        let group = reader.get_row_group(0).unwrap();
        let (codes, _) = dictionary_column(&*group, 1, rows.len()).unwrap().unwrap();
        assert_eq!(codes.len(), 4);
        let (flags, indices) = dictionary_column(&*group, 3, rows.len()).unwrap().unwrap();
        assert_eq!(flags.len(), 9);
        assert_eq!(indices.len(), rows.len());
    }
}
