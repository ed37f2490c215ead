//! What the store keeps beside the minutes for the one who reads them: whether a sealed
//! stack-day was a violation day ([`DayVerdicts`], `dir/violations.tsv`), and the frames that
//! carry no minute data, as sent ([`FrameLog`], `dir/frames/YYYY-MM-DD.log`). Both formats are
//! defined here, in the crate that owns the directory.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use chrono::NaiveDate;
use zx_domain::cems::quality::QualityEvent;

/// The verdict file (`mn, day, size, mtime ns, config, 0|1` per line, later lines win).
pub const VERDICTS_FILE: &str = "violations.tsv";
/// The directory of the frame log.
pub const FRAMES_DIR: &str = "frames";
/// The data-quality log (one JSON [`QualityEvent`] per line).
pub const QUALITY_FILE: &str = "quality.jsonl";

/// A sealed day's fingerprint (`MinuteStore::sealed_fingerprint`), the caller's judging
/// configuration and whether the day was a violation day.
type Index = HashMap<(String, NaiveDate), ((u64, u128), u64, bool)>;

/// Whether each sealed stack-day was a violation day, kept across restarts under the day's
/// fingerprint and a key of what the verdict also depends on (the caller's configuration: for
/// the server, a [`stable_hash`] of the stack's standard and factor map). A cache: a missing or
/// damaged file is an empty or partial index, a failed write costs a judgement after the next
/// restart, nothing else. A read-only store's verdicts are kept in memory only.
pub struct DayVerdicts {
    path: PathBuf,
    writable: bool,
    index: Mutex<Index>,
}

impl DayVerdicts {
    pub(crate) fn open(dir: &Path, writable: bool) -> DayVerdicts {
        let path = dir.join(VERDICTS_FILE);
        let text = fs::read_to_string(&path).unwrap_or_default();
        let mut index = HashMap::new();
        for line in text.lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            let [mn, day, size, modified, config, violation] = fields[..] else {
                continue;
            };
            let (Ok(day), Ok(size), Ok(modified), Ok(config)) = (
                NaiveDate::parse_from_str(day, "%Y-%m-%d"),
                size.parse::<u64>(),
                modified.parse::<u128>(),
                config.parse::<u64>(),
            ) else {
                continue;
            };
            index.insert(
                (mn.to_owned(), day),
                ((size, modified), config, violation == "1"),
            );
        }
        DayVerdicts {
            path,
            writable,
            index: Mutex::new(index),
        }
    }

    /// The verdict kept for the day, if it was kept under this fingerprint and configuration.
    pub fn get(
        &self,
        mn: &str,
        day: NaiveDate,
        fingerprint: (u64, u128),
        config: u64,
    ) -> Option<bool> {
        let index = self.index.lock().unwrap_or_else(PoisonError::into_inner);
        match index.get(&(mn.to_owned(), day)) {
            Some(&(known, known_config, violation))
                if known == fingerprint && known_config == config =>
            {
                Some(violation)
            }
            _ => None,
        }
    }

    /// Keeps a verdict (in memory at once; appended to the file on a writable store).
    pub fn put(
        &self,
        mn: &str,
        day: NaiveDate,
        fingerprint: (u64, u128),
        config: u64,
        violation: bool,
    ) -> io::Result<()> {
        let mut index = self.index.lock().unwrap_or_else(PoisonError::into_inner);
        index.insert((mn.to_owned(), day), (fingerprint, config, violation));
        if !self.writable {
            return Ok(());
        }
        let line = format!(
            "{mn}\t{day}\t{}\t{}\t{config}\t{}\n",
            fingerprint.0,
            fingerprint.1,
            u8::from(violation)
        );
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut file| file.write_all(line.as_bytes()))
    }

    /// Where the verdicts are kept (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Frames without minute data (hourly, daily, real-time), kept as sent, one file per day:
/// `received (RFC 3339) \t peer \t MN \t data segment` per line.
pub struct FrameLog {
    dir: PathBuf,
    writing: Mutex<()>,
}

impl FrameLog {
    pub(crate) fn new(dir: &Path) -> FrameLog {
        FrameLog {
            dir: dir.join(FRAMES_DIR),
            writing: Mutex::new(()),
        }
    }

    /// Appends one line to the log of `day` and syncs it: when this returns `Ok`, it is on disk.
    /// Blocking (a file write and an fdatasync).
    pub fn append(&self, day: NaiveDate, line: &str) -> io::Result<()> {
        let _writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        fs::create_dir_all(&self.dir)?;
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{day}.log")))?;
        file.write_all(line.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_data()
    }
}

/// The data-quality events of the receiver (`dir/quality.jsonl`): values of accepted frames that
/// were not stored as sent (conflicting, unreadable, beyond the archive's precision) and minutes
/// resent with another value. Appended and synced before the frame is acknowledged, so an event
/// is never lost; if storing the frame then fails, the logger resends it and the event may be
/// written twice.
pub struct QualityLog {
    path: PathBuf,
    writing: Mutex<()>,
}

impl QualityLog {
    pub(crate) fn new(dir: &Path) -> QualityLog {
        QualityLog {
            path: dir.join(QUALITY_FILE),
            writing: Mutex::new(()),
        }
    }

    /// Appends `events` in one write and syncs them. Blocking.
    pub fn append(&self, events: &[QualityEvent]) -> io::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        for event in events {
            text.push_str(&serde_json::to_string(event).map_err(io::Error::other)?);
            text.push('\n');
        }
        let _writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        file.write_all(text.as_bytes())?;
        file.sync_data()
    }

    /// Every event kept, oldest first; a missing file is none, a damaged line (a torn write)
    /// is skipped. Blocking.
    pub fn read_all(&self) -> io::Result<Vec<QualityEvent>> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(error),
        };
        Ok(text
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect())
    }

    /// Where the events are kept (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A 64-bit FNV-1a hash of `bytes`: the same for the same bytes on every platform, Rust version
/// and run (unlike `std`'s `DefaultHasher`), so a key kept in a file stays valid.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    #[test]
    fn a_verdict_is_found_after_reopening_under_the_same_fingerprint_and_config_only() {
        let dir = tempfile::tempdir().unwrap();
        let verdicts = DayVerdicts::open(dir.path(), true);
        verdicts.put("MN1", day(), (10, 20), 7, true).unwrap();
        verdicts.put("MN2", day(), (11, 21), 7, false).unwrap();
        let reopened = DayVerdicts::open(dir.path(), true);
        assert_eq!(reopened.get("MN1", day(), (10, 20), 7), Some(true));
        assert_eq!(reopened.get("MN2", day(), (11, 21), 7), Some(false));
        assert_eq!(reopened.get("MN1", day(), (10, 21), 7), None, "late data");
        assert_eq!(
            reopened.get("MN1", day(), (10, 20), 8),
            None,
            "a new standard"
        );
    }

    #[test]
    fn a_read_only_store_keeps_verdicts_in_memory_only() {
        let dir = tempfile::tempdir().unwrap();
        let verdicts = DayVerdicts::open(dir.path(), false);
        verdicts.put("MN1", day(), (1, 2), 3, true).unwrap();
        assert_eq!(verdicts.get("MN1", day(), (1, 2), 3), Some(true));
        assert!(!dir.path().join(VERDICTS_FILE).exists());
    }

    #[test]
    fn frames_are_appended_per_day() {
        let dir = tempfile::tempdir().unwrap();
        let log = FrameLog::new(dir.path());
        log.append(day(), "a").unwrap();
        log.append(day(), "b").unwrap();
        let text = fs::read_to_string(dir.path().join("frames/2026-06-01.log")).unwrap();
        assert_eq!(text, "a\nb\n");
    }

    #[test]
    fn quality_events_are_kept_across_reopening_and_a_torn_line_is_skipped() {
        use zx_domain::cems::quality::QualityKind;
        let dir = tempfile::tempdir().unwrap();
        let event = QualityEvent {
            received_at: chrono::DateTime::from_timestamp(1_780_272_000, 0).unwrap(),
            mn: "W_01".to_owned(),
            minute: day().and_hms_opt(8, 14, 0).unwrap(),
            key: "w00000-Avg".to_owned(),
            kind: QualityKind::ConflictingValues,
            values: vec!["66.09".to_owned(), "19796346.00".to_owned()],
        };
        QualityLog::new(dir.path())
            .append(std::slice::from_ref(&event))
            .unwrap();
        let path = dir.path().join(QUALITY_FILE);
        let mut text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(r#""kind":"conflicting_values""#), "{text}");
        text.push_str("{\"received_at\":");
        fs::write(&path, text).unwrap();
        assert_eq!(QualityLog::new(dir.path()).read_all().unwrap(), vec![event]);
    }

    #[test]
    fn the_stable_hash_is_fnv_1a() {
        assert_eq!(stable_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
