//! The minute-data store for stack emissions (issue 6): every CEMS minute reading the HJ 212
//! receiver accepts, kept for a year on one machine and readable by other engines.
//!
//! Two tiers. Recent readings live in memory and in a write-ahead log (`dir/wal/`): `append`
//! returns only once its readings are on disk (fdatasync), and concurrent appends share one sync
//! (group commit), so the receiver may acknowledge a frame as soon as `append` returns. `seal`
//! moves whole days into an Apache Parquet archive partitioned by stack and day
//! (`dir/archive/mn=<MN>/date=<YYYY-MM-DD>/minutes.parquet`), which DuckDB, DataFusion and Spark
//! read as a Hive-partitioned table; then the log is rewritten without those days.
//!
//! Values are exact: a value is stored as an integer of millionths (DECIMAL(18,6)); one with more
//! than 6 decimal places, or too large, is refused at `append`, never rounded. Values are returned
//! normalized (`12.50` is read back as `12.5`), the same before and after archiving.
//!
//! Not here: averaging and compliance (the domain's compliance engine), the protocol (zx-hj212),
//! and any clock: the caller decides which days to seal.
//!
//! One writer owns a store directory: [`MinuteStore::open`] holds an exclusive lock on
//! `dir/LOCK` for the store's life, so a second writer (another `zx serve`, a tool) is refused at
//! once with [`CemsStoreError::Locked`] rather than truncating and rewriting the log under the
//! first. Tools that only read while a server writes (`zx cems export`) use
//! [`MinuteStore::open_read_only`], which takes no lock and changes no file.

mod archive;
mod codec;
mod columns;
mod error;
mod recent;
mod sidecar;
mod wal;

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::mem;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError, RwLock};

use chrono::{NaiveDate, NaiveDateTime};
use zx_domain::cems::{Flag, MinuteReading};

pub use columns::{DayReadings, MinuteColumns};
pub use error::CemsStoreError;
pub use sidecar::{
    DayVerdicts, FRAMES_DIR, FrameLog, QUALITY_FILE, QualityLog, VERDICTS_FILE, stable_hash,
};

use codec::{DAY_MS, Entry, check_mn, date_of_day, day_number, day_of, from_millis, to_millis};
use columns::{DayColumns, PartitionCache, time_of_day};
use recent::Recent;
use wal::Segment;

/// What a [`MinuteStore::seal`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SealReport {
    /// Partitions (stack, day) written.
    pub partitions: usize,
    /// Of those, how many merged with a partition already archived (late or resent data).
    pub merged_partitions: usize,
    /// Readings moved out of memory and the log.
    pub readings_sealed: u64,
    /// Rows in the written partitions after merging.
    pub rows_written: u64,
    /// Bytes of the written partition files.
    pub bytes_written: u64,
}

/// Sizes and counts, for the UI and the benchmark (bytes per reading).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Bytes of the write-ahead log segments.
    pub wal_bytes: u64,
    /// Bytes of the Parquet partition files.
    pub archive_bytes: u64,
    pub partitions: u64,
    /// Readings in memory and the log, not yet sealed.
    pub recent_readings: u64,
    /// Rows in the archive.
    pub archived_readings: u64,
}

#[derive(Debug, Clone, Copy)]
struct PartitionInfo {
    bytes: u64,
    /// Known after a seal; read from the file's footer on demand otherwise.
    rows: Option<u64>,
}

type GroupOutcome = Result<(), (PathBuf, Arc<io::Error>)>;

/// How many groups may be waiting for the disk at once. One: measured with 64 threads on this
/// 2-core machine (`bench --appends`), 1 gave 22–38k appends/s, 2 gave 16–24k, 4 gave 13–19k and
/// 8 gave 17k: concurrent fdatasyncs of one file do overlap, but they split the waiting callers
/// into smaller groups, which costs more than the overlap gains. Kept as a knob because on a
/// disk with deep parallel flushes (NVMe) more may pay; answering in log order keeps any value
/// correct.
const MAX_SYNCS: usize = 1;

/// The appends that share one log write and sync.
#[derive(Default)]
struct Group {
    outcome: OnceLock<GroupOutcome>,
}

struct Queue {
    /// Validated batches waiting for a leader, in arrival order.
    pending: Vec<Vec<Entry>>,
    /// The group `pending` belongs to.
    group: Arc<Group>,
    /// Leaders between taking a group and finishing its sync.
    leaders: usize,
    /// The ticket (log order) of the next group to be answered: groups are answered in log
    /// order, so no group is acknowledged while an earlier one in its segment may still fail.
    next_to_answer: u64,
    /// Synced groups waiting for earlier ones: ticket → (group, segment number, outcome).
    synced: BTreeMap<u64, (Arc<Group>, u64, GroupOutcome)>,
    /// A segment in which a write or a sync failed: replay stops at its first bad record, so
    /// no later group written to it is acknowledged either.
    failed_segment: Option<u64>,
}

/// The segment being appended to and the ticket of the next group written to it.
struct Log {
    segment: Segment,
    next_ticket: u64,
}

/// How many times a read-only open lists the log again when a concurrent seal removed a listed
/// segment before it could be read. A seal removes segments once per call, right after writing
/// the new one, so a second listing normally succeeds; five allows for seals in quick succession.
const READ_ONLY_ATTEMPTS: u32 = 5;

/// The lock file a writer holds (`dir/LOCK`).
const LOCK_FILE: &str = "LOCK";

/// The minute store of one directory. `Send + Sync`: share it behind an `Arc`.
pub struct MinuteStore {
    dir: PathBuf,
    /// The writer's lock on `dir/LOCK`, held (and released) with this handle; `None` when
    /// read-only.
    _lock: Option<File>,
    wal_dir: PathBuf,
    archive_dir: PathBuf,
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Held by the one writing the log (a group's leader, or a seal rewriting it); memory is
    /// updated under it too, so with it held memory and the log agree. Never taken while
    /// `queue` is held. `None` when read-only.
    log: Option<Mutex<Log>>,
    /// `Queue::failed_segment` for writers, who must not take `queue` under `log`.
    failed_segment: AtomicU64,
    recent: RwLock<Recent>,
    partitions: Mutex<BTreeMap<(String, NaiveDate), PartitionInfo>>,
    sealing: Mutex<()>,
    cache: Mutex<PartitionCache>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl MinuteStore {
    /// Opens (creating if missing) the store in `dir` for writing, replaying the write-ahead log
    /// into memory. A torn last record (a crash during a write) is logged and cut off; the
    /// records before it are kept.
    ///
    /// Takes an exclusive advisory lock on `dir/LOCK`, held until the store is dropped (the
    /// system releases it if the process dies): while it is held, another `open` of the
    /// directory, from this process or another, fails at once with [`CemsStoreError::Locked`].
    pub fn open(dir: &Path) -> Result<MinuteStore, CemsStoreError> {
        let wal_dir = dir.join("wal");
        let archive_dir = dir.join("archive");
        for path in [dir, &wal_dir, &archive_dir] {
            if !path.is_dir() {
                fs::create_dir_all(path)
                    .map_err(|e| CemsStoreError::io("create directory", path, e))?;
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    wal::sync_dir(parent)?;
                }
            }
        }
        // Before the log is read: replay may truncate it, which only its one writer may do.
        let lock = take_lock(dir)?;
        let mut recent = Recent::default();
        let segment = wal::replay(&wal_dir, |entries| {
            for entry in entries {
                recent.insert(entry);
            }
        })?;
        let partitions = scan_partitions(&archive_dir)?;
        tracing::info!(
            dir = %dir.display(),
            recent_readings = recent.len(),
            partitions = partitions.len(),
            "minute store opened"
        );
        let log = Log {
            segment,
            next_ticket: 0,
        };
        Ok(MinuteStore::assemble(
            dir,
            Some(lock),
            Some(log),
            recent,
            partitions,
        ))
    }

    /// Opens the store in `dir` for reading only, beside a writer that may be running (a
    /// `zx serve`): takes no lock and modifies, creates or truncates no file. The log's readings
    /// are loaded into memory as [`MinuteStore::open`] does, except that a torn or partly written
    /// last record (a write in flight) is skipped, not cut off; the archive is read from disk
    /// when asked.
    ///
    /// It sees every reading acknowledged before the call began. The log is read once, here, so
    /// later appends are not seen; a partition is read from disk when first asked for, so one
    /// that a later seal rewrote may show what was merged into it (where memory holds the same
    /// minute and code, memory wins, as in `read`).
    /// A segment removed by a concurrent seal between listing and reading means the log is
    /// listed and read again (up to 5 times, then an error). `append` and `seal` fail with
    /// [`CemsStoreError::ReadOnly`]. A missing `dir`, `dir/wal` or `dir/archive` is an error
    /// naming it.
    pub fn open_read_only(dir: &Path) -> Result<MinuteStore, CemsStoreError> {
        let wal_dir = dir.join("wal");
        let archive_dir = dir.join("archive");
        for path in [dir, &wal_dir, &archive_dir] {
            match fs::metadata(path) {
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    let error = io::Error::new(io::ErrorKind::NotADirectory, "not a directory");
                    return Err(CemsStoreError::io("open store read-only", path, error));
                }
                Err(error) => return Err(CemsStoreError::io("open store read-only", path, error)),
            }
        }
        // The log before the archive: a seal archives a day before removing it from the log,
        // so whatever leaves the log after it was read is in a partition found below.
        let recent = read_log(&wal_dir)?;
        let partitions = scan_partitions(&archive_dir)?;
        tracing::info!(
            dir = %dir.display(),
            recent_readings = recent.len(),
            partitions = partitions.len(),
            "minute store opened read-only"
        );
        Ok(MinuteStore::assemble(dir, None, None, recent, partitions))
    }

    fn assemble(
        dir: &Path,
        lock: Option<File>,
        log: Option<Log>,
        recent: Recent,
        partitions: BTreeMap<(String, NaiveDate), PartitionInfo>,
    ) -> MinuteStore {
        MinuteStore {
            dir: dir.to_path_buf(),
            _lock: lock,
            wal_dir: dir.join("wal"),
            archive_dir: dir.join("archive"),
            queue: Mutex::new(Queue {
                pending: Vec::new(),
                group: Arc::new(Group::default()),
                leaders: 0,
                next_to_answer: 0,
                synced: BTreeMap::new(),
                failed_segment: None,
            }),
            wake: Condvar::new(),
            log: log.map(Mutex::new),
            failed_segment: AtomicU64::new(u64::MAX),
            recent: RwLock::new(recent),
            partitions: Mutex::new(partitions),
            sealing: Mutex::new(()),
            cache: Mutex::new(PartitionCache::default()),
        }
    }

    /// The verdicts kept for sealed days in this directory ([`DayVerdicts`]); on a read-only
    /// store they are kept in memory only.
    pub fn day_verdicts(&self) -> DayVerdicts {
        DayVerdicts::open(&self.dir, !self.is_read_only())
    }

    /// The log of frames without minute data in this directory ([`FrameLog`]).
    pub fn frame_log(&self) -> FrameLog {
        FrameLog::new(&self.dir)
    }

    /// The data-quality log of this directory ([`QualityLog`]).
    pub fn quality_log(&self) -> QualityLog {
        QualityLog::new(&self.dir)
    }

    /// Whether this store was opened with [`MinuteStore::open_read_only`].
    pub fn is_read_only(&self) -> bool {
        self.log.is_none()
    }

    /// The writer's log, or why there is none.
    fn writer_log(&self) -> Result<&Mutex<Log>, CemsStoreError> {
        self.log.as_ref().ok_or_else(|| CemsStoreError::ReadOnly {
            dir: self.dir.clone(),
        })
    }

    /// Whether `reading` can be stored exactly (`append` refuses the whole call otherwise): an
    /// MN fit for a directory, a code of 1–255 bytes, whole milliseconds, and a value with at
    /// most 6 decimal places below 10^12. The receiver asks before appending, so one such value
    /// is left out of its minute instead of failing the frame.
    pub fn check_reading(reading: &MinuteReading) -> Result<(), CemsStoreError> {
        Entry::check(reading).map(|_| ())
    }

    /// Stores `readings` durably: when this returns `Ok`, they are in the log on disk and will be
    /// found after a crash. The whole call is one log record, so after a crash either all of its
    /// readings are found or none. A reading of an (MN, minute, code) already stored replaces it.
    ///
    /// Concurrent callers share a log write and sync (group commit): a caller that finds its
    /// batch queued and no sync in flight (`MAX_SYNCS`, measured best at one) writes everything
    /// queued and syncs it for all; the others wait. Readings are visible to `read` once written,
    /// a moment before they are durable; an append that fails may still have stored its readings.
    ///
    /// On a read-only store it fails with [`CemsStoreError::ReadOnly`].
    pub fn append(&self, readings: &[MinuteReading]) -> Result<(), CemsStoreError> {
        let log = self.writer_log()?;
        if readings.is_empty() {
            return Ok(());
        }
        let entries = readings
            .iter()
            .map(Entry::check)
            .collect::<Result<Vec<_>, _>>()?;
        let mut queue = lock(&self.queue);
        queue.pending.push(entries);
        let group = Arc::clone(&queue.group);
        loop {
            if let Some(outcome) = group.outcome.get() {
                return outcome
                    .clone()
                    .map_err(|(path, source)| CemsStoreError::Wal { path, source });
            }
            if queue.leaders < MAX_SYNCS && Arc::ptr_eq(&queue.group, &group) {
                queue.leaders += 1;
                let batches = mem::take(&mut queue.pending);
                queue.group = Arc::new(Group::default());
                drop(queue);
                self.lead(log, Arc::clone(&group), &batches);
                queue = lock(&self.queue);
                continue;
            }
            queue = self
                .wake
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Writes a group's batches to the log and into memory, then syncs them.
    fn lead(&self, log: &Mutex<Log>, group: Arc<Group>, batches: &[Vec<Entry>]) {
        let mut leader = Leader {
            store: self,
            group: Some(group),
            ticket: None,
        };
        let written = {
            let mut log = lock(log);
            let failed = self.failed_segment.load(Ordering::Acquire);
            if log.segment.broken || failed == log.segment.number {
                match Segment::create(&self.wal_dir, log.segment.number + 1) {
                    Ok(next) => {
                        tracing::warn!(segment = %next.path.display(), "write-ahead log: a write failed before; continuing in a new segment");
                        log.segment = next;
                    }
                    Err(error) => {
                        let source = Arc::new(io::Error::other(error.to_string()));
                        leader.answer(Err((self.wal_dir.clone(), source)));
                        return;
                    }
                }
            }
            let ticket = log.next_ticket;
            log.next_ticket += 1;
            leader.ticket = Some((ticket, log.segment.number));
            let path = log.segment.path.clone();
            match log.segment.write(batches) {
                Ok(()) => {
                    let mut recent = self.recent.write().unwrap_or_else(PoisonError::into_inner);
                    for batch in batches {
                        for entry in batch {
                            recent.insert(entry);
                        }
                    }
                    Ok((log.segment.file(), path))
                }
                Err(error) => {
                    log.segment.broken = true;
                    Err((path, Arc::new(error)))
                }
            }
        };
        let outcome = written
            .and_then(|(file, path)| file.sync_data().map_err(|error| (path, Arc::new(error))));
        if let Err((path, error)) = &outcome {
            tracing::error!(segment = %path.display(), %error, "write-ahead log write or sync failed; the appends of this group are not acknowledged");
        }
        leader.answer(outcome);
    }

    /// The readings of stack `mn` with `from <= minute < to`, sorted by (minute, code), from the
    /// archive and memory; of two readings with the same minute and code the later appended wins.
    pub fn read(
        &self,
        mn: &str,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<MinuteReading>, CemsStoreError> {
        Ok(self.read_columns(mn, from, to)?.to_readings())
    }

    /// What [`MinuteStore::read`] returns, as columns: no string per reading, so a stack-month
    /// (432,000 readings) is a few milliseconds to gather and cheap to aggregate.
    pub fn read_columns(
        &self,
        mn: &str,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<MinuteColumns, CemsStoreError> {
        check_mn(mn)?;
        let mut out = MinuteColumns::new(mn);
        let (from_ms, to_ms) = (to_millis(from), to_millis(to));
        if from_ms >= to_ms {
            return Ok(out);
        }
        // Memory first: a seal removes readings from memory only after their partition is
        // durable (and out of the cache), so what leaves memory after this snapshot is in the
        // partitions read below.
        let memory = self
            .recent
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .range(mn, from_ms, to_ms);
        let (Some(first), Some(last)) =
            (date_of_day(day_of(from_ms)), date_of_day(day_of(to_ms - 1)))
        else {
            return Ok(out);
        };
        let dates: Vec<NaiveDate> = lock(&self.partitions)
            .range((mn.to_owned(), first)..=(mn.to_owned(), last))
            .map(|((_, date), _)| *date)
            .collect();
        let mut days = Vec::with_capacity(dates.len());
        for date in dates {
            if let Some(day) = self.day_columns(mn, date)? {
                days.push(day);
            }
        }
        out.reserve(memory.len() + days.iter().map(|day| day.ms.len()).sum::<usize>());
        let mut memory = memory.into_iter().peekable();
        for day in days {
            let ids: Vec<u32> = day.codes.iter().map(|code| out.code_id(code)).collect();
            let day_start = day_number(day.date) * DAY_MS;
            let start = day.ms.partition_point(|ms| *ms < from_ms);
            let end = day.ms.partition_point(|ms| *ms < to_ms);
            for i in start..end {
                let (ms, code) = (day.ms[i], &day.codes[day.code[i] as usize]);
                // Memory rows before this one go first; one with the same key replaces it.
                while let Some(row) = memory.next_if(|row| (row.0, &row.1) < (ms, code)) {
                    out.push_row(row);
                }
                if let Some(row) = memory.next_if(|row| (row.0, &row.1) == (ms, code)) {
                    out.push_row(row);
                    continue;
                }
                let minute = day.date.and_time(time_of_day(ms - day_start));
                out.push(minute, ids[day.code[i] as usize], day.value[i], day.flag[i]);
            }
        }
        for row in memory {
            out.push_row(row);
        }
        Ok(out)
    }

    /// The readings of stack `mn` on `date` with `from <= minute < to`, for the compliance
    /// engine (`None` when there are none): what [`MinuteStore::read`] gives for that day, in
    /// no particular order. A sealed day is decoded straight into columns (no sort, no string
    /// per reading, not kept in the cache of [`MinuteStore::read`]); a day with readings in
    /// memory is merged as `read` does. Safe to call for several days at once from several
    /// threads: that is how a stack-month's partitions are decoded in parallel.
    pub fn read_day(
        &self,
        mn: &str,
        date: NaiveDate,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Option<DayReadings>, CemsStoreError> {
        check_mn(mn)?;
        let day_start = day_number(date) * DAY_MS;
        let from_ms = to_millis(from).max(day_start);
        let to_ms = to_millis(to).min(day_start + DAY_MS);
        if from_ms >= to_ms {
            return Ok(None);
        }
        // Memory first, as in `read_columns`: what a seal moves out of memory after this is in
        // the partition read below.
        let in_memory = !self
            .recent
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .range(mn, from_ms, to_ms)
            .is_empty();
        let day = if in_memory {
            let (Some(from), Some(to)) = (from_millis(from_ms), from_millis(to_ms)) else {
                return Ok(None);
            };
            DayReadings::of_merged(date, self.read_columns(mn, from, to)?)
        } else if !lock(&self.partitions).contains_key(&(mn.to_owned(), date)) {
            return Ok(None);
        } else if let Some(cached) = lock(&self.cache).days.get(&(mn.to_owned(), date)).cloned() {
            DayReadings::of_cached(&cached, from_ms, to_ms)
        } else {
            let path = archive::partition_dir(&self.archive_dir, mn, date).join(archive::FILE_NAME);
            match archive::read_partition(&path) {
                Ok(columns) => DayReadings::of_partition(date, columns, from_ms, to_ms),
                Err(CemsStoreError::Io { source, .. })
                    if source.kind() == io::ErrorKind::NotFound =>
                {
                    return Ok(None);
                }
                Err(error) => return Err(error),
            }
        };
        Ok((!day.is_empty()).then_some(day))
    }

    /// A partition's rows in (minute, code) order, from the cache or the file; `None` if the
    /// file is gone.
    fn day_columns(
        &self,
        mn: &str,
        date: NaiveDate,
    ) -> Result<Option<Arc<DayColumns>>, CemsStoreError> {
        let key = (mn.to_owned(), date);
        let generation = {
            let cache = lock(&self.cache);
            if let Some(day) = cache.days.get(&key) {
                return Ok(Some(Arc::clone(day)));
            }
            cache.generation
        };
        let path = archive::partition_dir(&self.archive_dir, mn, date).join(archive::FILE_NAME);
        let columns = match archive::read_partition(&path) {
            Ok(columns) => columns,
            Err(CemsStoreError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                return Ok(None);
            }
            Err(error) => return Err(error),
        };
        let day = Arc::new(DayColumns::sorted(date, columns));
        let mut cache = lock(&self.cache);
        // A seal that rewrote any partition meanwhile may have made this copy stale.
        if cache.generation == generation {
            cache.insert(key, Arc::clone(&day));
        }
        Ok(Some(day))
    }

    /// Moves every day up to and including `through` from memory into the archive: each (stack,
    /// day) is merged with its partition if one exists (late data, a logger resending history)
    /// and written atomically; only then are those readings dropped from memory and the log
    /// rewritten without them. A crash at any point loses nothing: the log still holds what is
    /// not yet durable in the archive, and sealing again gives the same partitions.
    ///
    /// On a read-only store it fails with [`CemsStoreError::ReadOnly`].
    pub fn seal(&self, through: NaiveDate) -> Result<SealReport, CemsStoreError> {
        let log_mutex = self.writer_log()?;
        let _one_seal_at_a_time = lock(&self.sealing);
        let (parts, before_seq) = {
            let recent = self.recent.read().unwrap_or_else(PoisonError::into_inner);
            (recent.sealable(day_number(through)), recent.next_seq())
        };
        let mut report = SealReport::default();
        if parts.is_empty() {
            return Ok(report);
        }
        for (mn, day, rows) in &parts {
            let Some(date) = date_of_day(*day) else {
                continue;
            };
            let dir = archive::partition_dir(&self.archive_dir, mn, date);
            let path = dir.join(archive::FILE_NAME);
            let merged = path.is_file();
            let rows = if merged {
                let columns = archive::read_partition(&path)?;
                let mut by_key: BTreeMap<(Arc<str>, i64), (i64, Flag)> = BTreeMap::new();
                for i in 0..columns.len() {
                    by_key.insert(
                        (
                            Arc::clone(&columns.codes[columns.code[i] as usize]),
                            columns.ms[i],
                        ),
                        (columns.value[i], columns.flag[i]),
                    );
                }
                for (ms, code, scaled, flag) in rows {
                    by_key.insert((Arc::clone(code), *ms), (*scaled, *flag));
                }
                by_key
                    .into_iter()
                    .map(|((code, ms), (scaled, flag))| (ms, code, scaled, flag))
                    .collect()
            } else {
                let mut rows = rows.clone();
                rows.sort_unstable_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
                rows
            };
            archive::create_dirs(&self.archive_dir, &dir)?;
            let bytes = archive::write_partition(&dir, &rows)?;
            lock(&self.cache).invalidate(&(mn.clone(), date));
            lock(&self.partitions).insert(
                (mn.clone(), date),
                PartitionInfo {
                    bytes,
                    rows: Some(rows.len() as u64),
                },
            );
            report.partitions += 1;
            report.merged_partitions += usize::from(merged);
            report.rows_written += rows.len() as u64;
            report.bytes_written += bytes;
        }
        // The partitions are durable: drop their readings from memory and rewrite the log,
        // holding the log so no append slips between the two.
        let mut log = lock(log_mutex);
        let mut recent = self.recent.write().unwrap_or_else(PoisonError::into_inner);
        let before = recent.len();
        for (mn, day, _) in &parts {
            recent.remove_sealed(mn, *day, before_seq);
        }
        report.readings_sealed = before - recent.len();
        let mut next = Segment::create(&self.wal_dir, log.segment.number + 1)?;
        let next_path = next.path.clone();
        let wal_error = |e| CemsStoreError::io("write", &next_path, e);
        for batch in recent.batches() {
            next.write(std::slice::from_ref(&batch))
                .map_err(wal_error)?;
        }
        next.file().sync_data().map_err(wal_error)?;
        drop(recent);
        let new_number = next.number;
        log.segment = next;
        drop(log);
        for (number, path) in wal::list_segments(&self.wal_dir)? {
            if number < new_number {
                fs::remove_file(&path).map_err(|e| CemsStoreError::io("remove", &path, e))?;
            }
        }
        wal::sync_dir(&self.wal_dir)?;
        tracing::info!(through = %through, partitions = report.partitions, readings = report.readings_sealed, "minute store sealed");
        Ok(report)
    }

    /// The MNs with any reading, in memory or archived, sorted.
    pub fn stacks(&self) -> Vec<String> {
        let mut stacks: Vec<String> = lock(&self.partitions)
            .keys()
            .map(|(mn, _)| mn.clone())
            .collect();
        stacks.extend(
            self.recent
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .stacks()
                .map(str::to_owned),
        );
        stacks.sort();
        stacks.dedup();
        stacks
    }

    /// The days of stack `mn` with any reading, in memory or archived, sorted.
    pub fn days(&self, mn: &str) -> Vec<NaiveDate> {
        let mut days: Vec<NaiveDate> = lock(&self.partitions)
            .keys()
            .filter(|(stack, _)| stack == mn)
            .map(|(_, date)| *date)
            .collect();
        days.extend(
            self.recent
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .days(mn)
                .into_iter()
                .filter_map(date_of_day),
        );
        days.sort();
        days.dedup();
        days
    }

    /// What identifies a day's stored minutes, changing whenever they change: `None` while any
    /// of them is only in the log (not sealed yet) or the day has no partition, else the
    /// partition file's size and modification time (ns since the epoch). A caller may keep
    /// what it derived from a sealed day (a verdict) under it, across restarts, and knows it
    /// stale when late data rewrote the partition. Take it before reading the day.
    pub fn sealed_fingerprint(&self, mn: &str, day: NaiveDate) -> Option<(u64, u128)> {
        let in_log = self
            .recent
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .days(mn)
            .contains(&day_number(day));
        if in_log || !lock(&self.partitions).contains_key(&(mn.to_owned(), day)) {
            return None;
        }
        let path = archive::partition_dir(&self.archive_dir, mn, day).join(archive::FILE_NAME);
        let meta = fs::metadata(path).ok()?;
        let modified = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        Some((meta.len(), modified.as_nanos()))
    }

    /// Bytes on disk and readings held. The first call after opening reads each partition's
    /// footer for its row count (about 50 µs a partition); later calls use what it learnt.
    pub fn stats(&self) -> Result<StoreStats, CemsStoreError> {
        let mut stats = StoreStats::default();
        for (_, path) in wal::list_segments(&self.wal_dir)? {
            stats.wal_bytes += match fs::metadata(&path) {
                Ok(meta) => meta.len(),
                // Removed by a seal since the listing (this store's, or a writer's beside a
                // read-only store): its readings are counted in the newer segment or archive.
                Err(error) if error.kind() == io::ErrorKind::NotFound => 0,
                Err(error) => return Err(CemsStoreError::io("stat", &path, error)),
            };
        }
        stats.recent_readings = self
            .recent
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        let mut partitions = lock(&self.partitions);
        for ((mn, date), info) in partitions.iter_mut() {
            let rows = match info.rows {
                Some(rows) => rows,
                None => {
                    let path = archive::partition_dir(&self.archive_dir, mn, *date)
                        .join(archive::FILE_NAME);
                    let rows = archive::count_rows(&path)?;
                    info.rows = Some(rows);
                    rows
                }
            };
            stats.partitions += 1;
            stats.archive_bytes += info.bytes;
            stats.archived_readings += rows;
        }
        Ok(stats)
    }
}

/// Takes the writer's exclusive lock on `dir/LOCK` (creating the file, never truncating it).
fn take_lock(dir: &Path) -> Result<File, CemsStoreError> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| CemsStoreError::io("open lock file", &path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(CemsStoreError::Locked {
            dir: dir.to_path_buf(),
        }),
        Err(TryLockError::Error(error)) => Err(CemsStoreError::io("lock", &path, error)),
    }
}

/// The partitions on disk, row counts unknown until asked.
fn scan_partitions(
    archive_dir: &Path,
) -> Result<BTreeMap<(String, NaiveDate), PartitionInfo>, CemsStoreError> {
    Ok(archive::scan(archive_dir)?
        .into_iter()
        .map(|(mn, date, bytes)| ((mn, date), PartitionInfo { bytes, rows: None }))
        .collect())
}

/// The log's readings, read without changing it; listed again when a concurrent seal removed a
/// segment between listing and reading (each pass starts from nothing, so no reading is taken
/// from a half-read listing).
fn read_log(wal_dir: &Path) -> Result<Recent, CemsStoreError> {
    let mut vanished = wal_dir.to_path_buf();
    for attempt in 1..=READ_ONLY_ATTEMPTS {
        let mut recent = Recent::default();
        let pass = wal::read_only_pass(wal_dir, |entries| {
            for entry in entries {
                recent.insert(entry);
            }
        })?;
        match pass {
            wal::Pass::Complete => return Ok(recent),
            wal::Pass::Vanished(path) => {
                tracing::debug!(segment = %path.display(), attempt, "write-ahead log segment removed by a concurrent seal while read; listing again");
                vanished = path;
                std::thread::sleep(std::time::Duration::from_millis(10 * u64::from(attempt)));
            }
        }
    }
    let error = io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "removed by a concurrent seal before it could be read, {READ_ONLY_ATTEMPTS} times in a row; try again"
        ),
    );
    Err(CemsStoreError::io("read", vanished, error))
}

/// A group's leader: answers its group, in log order, also if it panicked on the way.
struct Leader<'a> {
    store: &'a MinuteStore,
    group: Option<Arc<Group>>,
    /// (ticket, segment number) once the group was given its place in the log.
    ticket: Option<(u64, u64)>,
}

impl Leader<'_> {
    fn answer(&mut self, outcome: GroupOutcome) {
        let Some(group) = self.group.take() else {
            return;
        };
        let store = self.store;
        let mut queue = lock(&store.queue);
        queue.leaders -= 1;
        match self.ticket {
            // Never written: nothing later can depend on it.
            None => {
                let _ = group.outcome.set(outcome);
            }
            Some((ticket, segment)) => {
                queue.synced.insert(ticket, (group, segment, outcome));
                loop {
                    let next = queue.next_to_answer;
                    let Some((group, segment, outcome)) = queue.synced.remove(&next) else {
                        break;
                    };
                    let outcome = match outcome {
                        Err(error) => {
                            queue.failed_segment = Some(segment);
                            store.failed_segment.store(segment, Ordering::Release);
                            Err(error)
                        }
                        Ok(()) if queue.failed_segment == Some(segment) => Err((
                            store.wal_dir.clone(),
                            Arc::new(io::Error::other(
                                "an earlier write to this log segment failed",
                            )),
                        )),
                        Ok(()) => Ok(()),
                    };
                    let _ = group.outcome.set(outcome);
                    queue.next_to_answer += 1;
                }
            }
        }
        drop(queue);
        store.wake.notify_all();
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        if self.group.is_some() {
            let panicked = io::Error::other("the log writer panicked");
            self.answer(Err((self.store.wal_dir.clone(), Arc::new(panicked))));
        }
    }
}
