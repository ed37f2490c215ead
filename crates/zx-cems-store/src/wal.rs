//! The write-ahead log: numbered segment files under `dir/wal/`, each a sequence of records
//! `[payload length u32 LE][CRC32 of payload u32 LE][payload]`. One record holds one `append`
//! call's readings, so a call is replayed whole or not at all.
//!
//! A payload is `varint count` then per reading a header byte (bits 0–3 the flag's index in
//! `Flag::ALL`, bit 4 "same MN as the previous reading", bit 5 "same time"), the MN (unless the
//! same), the time as a zigzag varint delta from the previous reading's (unless the same), the code,
//! and the value as `varint(zigzag(mantissa) << 3 | scale)` with trailing zeros stripped (12.5 is
//! `125, 1`: two bytes). MNs and codes are interned per segment: a string is `varint(id << 1)` once
//! known, or `varint(len << 1 | 1)` and its bytes the first time, which gives it the next id. A
//! segment therefore only makes sense read from its start, which replay always does.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zx_domain::cems::Flag;

use crate::CemsStoreError;
use crate::codec::{
    Entry, MAX_SCALED, SCALE, flag_index, from_millis, get_varint, put_varint, strip_zeros,
    unzigzag, zigzag,
};

const HEADER: usize = 8;
const SAME_MN: u8 = 0x10;
const SAME_TIME: u8 = 0x20;

/// Appends one record holding `entries` to `out`, interning strings in `dict`.
pub(crate) fn encode_record(out: &mut Vec<u8>, dict: &mut HashMap<String, u32>, entries: &[Entry]) {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER]);
    put_varint(out, entries.len() as u128);
    let mut previous: Option<(&str, i64)> = None;
    for entry in entries {
        let same_mn = previous.is_some_and(|(mn, _)| mn == entry.mn);
        let same_time = previous.is_some_and(|(_, ms)| ms == entry.ms);
        let mut header = flag_index(entry.flag);
        if same_mn {
            header |= SAME_MN;
        }
        if same_time {
            header |= SAME_TIME;
        }
        out.push(header);
        if !same_mn {
            put_str(out, dict, &entry.mn);
        }
        if !same_time {
            let base = previous.map_or(0, |(_, ms)| ms);
            put_varint(out, u128::from(zigzag(entry.ms - base)));
        }
        put_str(out, dict, &entry.code);
        let (mantissa, scale) = strip_zeros(entry.scaled);
        put_varint(out, (u128::from(zigzag(mantissa)) << 3) | u128::from(scale));
        previous = Some((&entry.mn, entry.ms));
    }
    let payload = &out[start + HEADER..];
    let len = payload.len() as u32;
    let crc = crc32fast::hash(payload);
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, dict: &mut HashMap<String, u32>, text: &str) {
    if let Some(id) = dict.get(text) {
        put_varint(out, u128::from(*id) << 1);
    } else {
        let id = dict.len() as u32;
        dict.insert(text.to_owned(), id);
        put_varint(out, ((text.len() as u128) << 1) | 1);
        out.extend_from_slice(text.as_bytes());
    }
}

/// Decodes one record's payload; `None` if it is not a well-formed record of this segment.
fn decode_payload(payload: &[u8], dict: &mut Vec<String>, out: &mut Vec<Entry>) -> Option<()> {
    let mut pos = 0;
    let count = usize::try_from(get_varint(payload, &mut pos)?).ok()?;
    // Each reading takes at least 3 bytes; a larger count is garbage, not a reason to allocate.
    if count > payload.len() {
        return None;
    }
    out.reserve(count);
    let mut previous: Option<(usize, i64)> = None;
    for _ in 0..count {
        let header = *payload.get(pos)?;
        pos += 1;
        let flag = *Flag::ALL.get(usize::from(header & 0x0f))?;
        let mn = if header & SAME_MN != 0 {
            previous?.0
        } else {
            get_str(payload, &mut pos, dict)?
        };
        let ms = if header & SAME_TIME != 0 {
            previous?.1
        } else {
            let delta = unzigzag(u64::try_from(get_varint(payload, &mut pos)?).ok()?);
            previous.map_or(0, |(_, ms)| ms).checked_add(delta)?
        };
        from_millis(ms)?;
        let code = get_str(payload, &mut pos, dict)?;
        let packed = get_varint(payload, &mut pos)?;
        let scale = (packed & 0x7) as u32;
        let mantissa = unzigzag(u64::try_from(packed >> 3).ok()?);
        if scale > SCALE {
            return None;
        }
        let scaled = mantissa.checked_mul(10_i64.pow(SCALE - scale))?;
        if scaled.unsigned_abs() > MAX_SCALED as u64 {
            return None;
        }
        out.push(Entry {
            mn: dict[mn].clone(),
            code: dict[code].clone(),
            ms,
            scaled,
            flag,
        });
        previous = Some((mn, ms));
    }
    (pos == payload.len()).then_some(())
}

fn get_str(payload: &[u8], pos: &mut usize, dict: &mut Vec<String>) -> Option<usize> {
    let tag = get_varint(payload, pos)?;
    let value = usize::try_from(tag >> 1).ok()?;
    if tag & 1 == 0 {
        return (value < dict.len()).then_some(value);
    }
    let bytes = payload.get(*pos..pos.checked_add(value)?)?;
    *pos += value;
    dict.push(std::str::from_utf8(bytes).ok()?.to_owned());
    Some(dict.len() - 1)
}

/// The segment appends go to.
pub(crate) struct Segment {
    pub number: u64,
    pub path: PathBuf,
    file: Arc<File>,
    dict: HashMap<String, u32>,
    buffer: Vec<u8>,
    /// A write or sync failed: what the file holds past the last good record is unknown, so the
    /// next write goes to a fresh segment.
    pub broken: bool,
}

impl Segment {
    /// Creates segment `number` (empty, fresh dictionary) and makes its name durable.
    pub(crate) fn create(wal_dir: &Path, number: u64) -> Result<Segment, CemsStoreError> {
        let path = segment_path(wal_dir, number);
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(|e| CemsStoreError::io("create", &path, e))?;
        sync_dir(wal_dir)?;
        Ok(Segment {
            number,
            path,
            file: Arc::new(file),
            dict: HashMap::new(),
            buffer: Vec::new(),
            broken: false,
        })
    }

    /// Writes one record per batch, without waiting for the disk: the caller syncs the handle
    /// from [`Segment::file`] after letting go of the segment, so other writers are not held up.
    pub(crate) fn write(&mut self, batches: &[Vec<Entry>]) -> io::Result<()> {
        self.buffer.clear();
        for batch in batches {
            encode_record(&mut self.buffer, &mut self.dict, batch);
        }
        (&*self.file).write_all(&self.buffer)
    }

    pub(crate) fn file(&self) -> Arc<File> {
        Arc::clone(&self.file)
    }
}

pub(crate) fn segment_path(wal_dir: &Path, number: u64) -> PathBuf {
    wal_dir.join(format!("{number:020}.wal"))
}

/// The segment files of `wal_dir`, oldest first.
pub(crate) fn list_segments(wal_dir: &Path) -> Result<Vec<(u64, PathBuf)>, CemsStoreError> {
    let mut segments = Vec::new();
    let entries = fs::read_dir(wal_dir).map_err(|e| CemsStoreError::io("list", wal_dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| CemsStoreError::io("list", wal_dir, e))?;
        let name = entry.file_name();
        let Some(number) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".wal"))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        segments.push((number, entry.path()));
    }
    segments.sort();
    Ok(segments)
}

/// Replays every segment in order, handing each record's readings to `apply`, truncates a torn
/// or corrupt tail, and returns the segment to append to (the last one, or a new first one).
pub(crate) fn replay(
    wal_dir: &Path,
    mut apply: impl FnMut(&[Entry]),
) -> Result<Segment, CemsStoreError> {
    let segments = list_segments(wal_dir)?;
    let mut last: Option<(u64, PathBuf, Vec<String>)> = None;
    let mut entries = Vec::new();
    for (number, path) in segments {
        let bytes = fs::read(&path).map_err(|e| CemsStoreError::io("read", &path, e))?;
        let (dict, records, pos) = read_segment(&bytes, &mut entries, &mut apply);
        if pos < bytes.len() {
            tracing::warn!(
                segment = %path.display(),
                kept_records = records,
                kept_bytes = pos,
                dropped_bytes = bytes.len() - pos,
                "write-ahead log: torn or corrupt tail truncated (a crash during a write); the records before it are kept"
            );
            let file = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| CemsStoreError::io("open", &path, e))?;
            file.set_len(pos as u64)
                .and_then(|()| file.sync_all())
                .map_err(|e| CemsStoreError::io("truncate", &path, e))?;
        }
        last = Some((number, path, dict));
    }
    match last {
        None => Segment::create(wal_dir, 1),
        Some((number, path, dict)) => {
            let file = OpenOptions::new()
                .append(true)
                .open(&path)
                .map_err(|e| CemsStoreError::io("open", &path, e))?;
            let dict = dict
                .into_iter()
                .enumerate()
                .map(|(id, text)| (text, id as u32))
                .collect();
            Ok(Segment {
                number,
                path,
                file: Arc::new(file),
                dict,
                buffer: Vec::new(),
                broken: false,
            })
        }
    }
}

/// Hands each whole, intact record of a segment's `bytes` to `apply`, in order, stopping at the
/// first that is not; returns the segment's string dictionary, the records read and the length
/// of that good prefix.
fn read_segment(
    bytes: &[u8],
    entries: &mut Vec<Entry>,
    apply: &mut impl FnMut(&[Entry]),
) -> (Vec<String>, u64, usize) {
    let mut dict = Vec::new();
    let mut pos = 0;
    let mut records = 0_u64;
    while pos < bytes.len() {
        entries.clear();
        let Some(next) = read_record(bytes, pos, &mut dict, entries) else {
            break;
        };
        apply(entries);
        records += 1;
        pos = next;
    }
    (dict, records, pos)
}

/// How a read-only pass over the log ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Pass {
    /// Every listed segment was read.
    Complete,
    /// This listed segment was gone when read: a concurrent seal removed it, having first
    /// archived its readings and rewritten the rest into a newer segment. List again.
    Vanished(PathBuf),
}

/// Reads every segment of `wal_dir` in order, as [`replay`] does, but changes nothing: a bad
/// record ends its segment's reading (in the last segment it is most likely a write in flight
/// from a live writer) and the file is left as it is.
pub(crate) fn read_only_pass(
    wal_dir: &Path,
    apply: impl FnMut(&[Entry]),
) -> Result<Pass, CemsStoreError> {
    read_listed(list_segments(wal_dir)?, apply)
}

fn read_listed(
    segments: Vec<(u64, PathBuf)>,
    mut apply: impl FnMut(&[Entry]),
) -> Result<Pass, CemsStoreError> {
    let count = segments.len();
    let mut entries = Vec::new();
    for (i, (_, path)) in segments.into_iter().enumerate() {
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Ok(Pass::Vanished(path));
            }
            Err(error) => return Err(CemsStoreError::io("read", &path, error)),
        };
        let (_, records, pos) = read_segment(&bytes, &mut entries, &mut apply);
        if pos < bytes.len() {
            if i + 1 == count {
                tracing::debug!(segment = %path.display(), kept_records = records, ignored_bytes = bytes.len() - pos, "write-ahead log read read-only: the tail is not a whole record (a write in flight or a torn write); ignored");
            } else {
                tracing::warn!(segment = %path.display(), kept_records = records, ignored_bytes = bytes.len() - pos, "write-ahead log read read-only: torn or corrupt tail in an older segment; ignored, the records before it are kept");
            }
        }
    }
    Ok(Pass::Complete)
}

/// The record at `pos`: its readings appended to `entries` and the offset after it, or `None`
/// when the bytes from `pos` are not a whole record with a good CRC.
fn read_record(
    bytes: &[u8],
    pos: usize,
    dict: &mut Vec<String>,
    entries: &mut Vec<Entry>,
) -> Option<usize> {
    let header = bytes.get(pos..pos.checked_add(HEADER)?)?;
    let len = u32::from_le_bytes(header[0..4].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(header[4..8].try_into().ok()?);
    let start = pos + HEADER;
    let payload = bytes.get(start..start.checked_add(len)?)?;
    if crc32fast::hash(payload) != crc {
        return None;
    }
    let dict_len = dict.len();
    if decode_payload(payload, dict, entries).is_none() {
        dict.truncate(dict_len);
        return None;
    }
    Some(start + len)
}

/// Makes the names in `dir` durable (a created, renamed or removed file).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), CemsStoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| CemsStoreError::io("sync directory", dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(mn: &str, ms: i64, code: &str, scaled: i64, flag: Flag) -> Entry {
        Entry {
            mn: mn.into(),
            code: code.into(),
            ms,
            scaled,
            flag,
        }
    }

    #[test]
    fn a_listed_segment_gone_when_read_asks_for_a_new_listing_and_reads_change_nothing() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        let mut dict = HashMap::new();
        encode_record(
            &mut out,
            &mut dict,
            &[entry("MN1", 0, "a21002", 1, Flag::N)],
        );
        let whole = out.len();
        encode_record(
            &mut out,
            &mut dict,
            &[entry("MN1", 60_000, "a21002", 2, Flag::N)],
        );
        // The second record torn: its last byte never reached the disk.
        out.pop();
        let first = segment_path(dir.path(), 1);
        fs::write(&first, &out).unwrap_or_else(|e| panic!("{e}"));
        let gone = segment_path(dir.path(), 2);
        let mut seen = 0;
        let pass = read_listed(vec![(1, first.clone()), (2, gone.clone())], |entries| {
            seen += entries.len()
        });
        assert_eq!(pass.ok(), Some(Pass::Vanished(gone)));
        // Segment 1 was read up to the torn record (one reading) and left as it was.
        assert_eq!(seen, 1);
        assert_eq!(fs::read(&first).ok(), Some(out.clone()));
        let mut seen = 0;
        let pass = read_only_pass(dir.path(), |entries| seen += entries.len());
        assert_eq!(pass.ok(), Some(Pass::Complete));
        assert_eq!(seen, 1);
        assert!(whole < out.len());
    }

    #[test]
    fn records_round_trip_and_are_compact() {
        let minute = 1_780_300_800_000; // 2026-06-01T08:00 as naive milliseconds
        let batch: Vec<Entry> = (0..8)
            .map(|i| {
                entry(
                    "MN0001",
                    minute,
                    &format!("a2100{i}"),
                    12_500_001 + i,
                    Flag::N,
                )
            })
            .collect();
        let mut dict = HashMap::new();
        let mut out = Vec::new();
        encode_record(&mut out, &mut dict, &batch);
        let first = out.len();
        encode_record(&mut out, &mut dict, &batch);
        let second = out.len() - first;
        // Second record, strings known: 8 header + 1 count + first reading (1 header + 1 MN id +
        // 6 time + 1 code + 4 value: 12.500001 is 25_000_002 << 3, 28 bits) + 7 × (1 header + 1 code + 4 value) = 64 bytes.
        assert_eq!(second, 64);
        let mut back = Vec::new();
        let mut names = Vec::new();
        let next = read_record(&out, 0, &mut names, &mut back);
        assert_eq!(next, Some(first));
        assert_eq!(
            read_record(&out, first, &mut names, &mut back),
            Some(out.len())
        );
        assert_eq!(back.len(), 16);
        assert_eq!(back[3].code, "a21003");
        assert_eq!(back[3].scaled, 12_500_004);
        assert_eq!(back[15].ms, minute);
        // A flipped payload byte fails the CRC.
        out[first + 9] ^= 1;
        assert_eq!(read_record(&out, first, &mut names, &mut back), None);
    }
}
