//! The minute store's story: what is appended is read back exactly (sorted, latest wins), before
//! and after sealing into Parquet, after reopening, after a torn log and after a killed process.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use proptest::prelude::*;
use rust_decimal::Decimal;
use zx_cems_store::{CemsStoreError, MinuteStore};
use zx_domain::cems::{Flag, MinuteReading};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, d).unwrap_or_default()
}

fn at(d: u32, hour: u32, minute: u32) -> NaiveDateTime {
    day(d).and_hms_opt(hour, minute, 0).unwrap_or_default()
}

fn reading(mn: &str, minute: NaiveDateTime, code: &str, value: &str, flag: Flag) -> MinuteReading {
    MinuteReading {
        mn: mn.into(),
        minute,
        code: code.into(),
        value: value.parse().unwrap_or_default(),
        flag,
    }
}

fn open(dir: &Path) -> MinuteStore {
    match MinuteStore::open(dir) {
        Ok(store) => store,
        Err(error) => panic!("open {}: {error}", dir.display()),
    }
}

fn read_all(store: &MinuteStore, mn: &str) -> Vec<MinuteReading> {
    match store.read(mn, at(1, 0, 0), at(30, 0, 0)) {
        Ok(readings) => readings,
        Err(error) => panic!("read {mn}: {error}"),
    }
}

fn wal_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("wal"))
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// What the store must return: per (mn, minute, code) the last appended value, normalized.
type Model = BTreeMap<(String, NaiveDateTime, String), (Decimal, Flag)>;

fn expected(model: &Model, mn: &str) -> Vec<MinuteReading> {
    model
        .iter()
        .filter(|((m, _, _), _)| m == mn)
        .map(|((m, minute, code), (value, flag))| MinuteReading {
            mn: m.clone(),
            minute: *minute,
            code: code.clone(),
            value: value.normalize(),
            flag: *flag,
        })
        .collect()
}

fn arb_reading() -> impl Strategy<Value = MinuteReading> {
    (
        prop::sample::select(vec!["MNA1", "MNB2"]),
        0_i64..3 * 1440,
        prop::sample::select(vec!["a21002", "a21026", "a19001", "furnace_temp"]),
        -10_000_000_i64..10_000_000,
        0_u32..=6,
        prop::sample::select(Flag::ALL.to_vec()),
    )
        .prop_map(|(mn, minute, code, mantissa, scale, flag)| MinuteReading {
            mn: mn.into(),
            minute: at(1, 0, 0) + Duration::minutes(minute),
            code: code.into(),
            value: Decimal::new(mantissa, scale),
            flag,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any readings in any order and batching read back sorted by (minute, code) with the last
    /// appended of each key; the same after sealing the first two days and after reopening.
    #[test]
    fn appended_readings_read_back_sorted_latest_wins(
        batches in prop::collection::vec(prop::collection::vec(arb_reading(), 1..12), 1..20),
        seal_through in 0_u32..3,
    ) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut model = Model::new();
        {
            let store = open(dir.path());
            for batch in &batches {
                store.append(batch).map_err(|e| TestCaseError::fail(e.to_string()))?;
                for r in batch {
                    model.insert((r.mn.clone(), r.minute, r.code.clone()), (r.value, r.flag));
                }
            }
            for mn in ["MNA1", "MNB2"] {
                prop_assert_eq!(read_all(&store, mn), expected(&model, mn));
            }
            store.seal(day(1 + seal_through)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            for mn in ["MNA1", "MNB2"] {
                prop_assert_eq!(read_all(&store, mn), expected(&model, mn));
            }
            // A second round of the same batches after the seal: late data for sealed days.
            for batch in batches.iter().rev().take(3) {
                store.append(batch).map_err(|e| TestCaseError::fail(e.to_string()))?;
                for r in batch {
                    model.insert((r.mn.clone(), r.minute, r.code.clone()), (r.value, r.flag));
                }
            }
        }
        let store = open(dir.path());
        for mn in ["MNA1", "MNB2"] {
            prop_assert_eq!(read_all(&store, mn), expected(&model, mn));
        }
        store.seal(day(3)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let stats = store.stats().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(stats.recent_readings, 0);
        prop_assert_eq!(stats.archived_readings, model.len() as u64);
        for mn in ["MNA1", "MNB2"] {
            prop_assert_eq!(read_all(&store, mn), expected(&model, mn));
        }
    }
}

#[test]
fn read_is_half_open_and_per_stack() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = open(dir.path());
    let batch = vec![
        reading("MN1", at(1, 8, 0), "a21002", "10.5", Flag::N),
        reading("MN1", at(1, 8, 1), "a21002", "11", Flag::N),
        reading("MN1", at(1, 8, 2), "a21002", "12", Flag::N),
        reading("MN2", at(1, 8, 1), "a21002", "99", Flag::N),
    ];
    store.append(&batch).unwrap_or_else(|e| panic!("{e}"));
    // [08:01, 08:02) holds exactly MN1's 08:01 reading.
    let got = store
        .read("MN1", at(1, 8, 1), at(1, 8, 2))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got, vec![batch[1].clone()]);
    assert!(
        store
            .read("MN1", at(1, 8, 2), at(1, 8, 1))
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty()
    );
    assert!(matches!(
        store.read("../etc", at(1, 0, 0), at(2, 0, 0)),
        Err(CemsStoreError::InvalidMn(_))
    ));
}

#[test]
fn late_data_for_a_sealed_day_merges_into_its_partition() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = open(dir.path());
    store
        .append(&[
            reading("MN1", at(1, 8, 0), "a21002", "10", Flag::N),
            reading("MN1", at(1, 8, 1), "a21002", "20", Flag::N),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
    let first = store.seal(day(1)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            first.partitions,
            first.merged_partitions,
            first.rows_written
        ),
        (1, 0, 2)
    );
    // Read once so the partition is decoded and cached: the next seal must not leave it stale.
    assert_eq!(read_all(&store, "MN1").len(), 2);
    // A logger resends 08:01 corrected and sends 08:02 late.
    store
        .append(&[
            reading("MN1", at(1, 8, 1), "a21002", "21", Flag::M),
            reading("MN1", at(1, 8, 2), "a21002", "30", Flag::N),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
    let second = store.seal(day(1)).unwrap_or_else(|e| panic!("{e}"));
    // 2 archived + 2 late − 1 replaced = 3 rows in the merged partition.
    assert_eq!(
        (
            second.partitions,
            second.merged_partitions,
            second.rows_written
        ),
        (1, 1, 3)
    );
    assert_eq!(second.readings_sealed, 2);
    let want = vec![
        reading("MN1", at(1, 8, 0), "a21002", "10", Flag::N),
        reading("MN1", at(1, 8, 1), "a21002", "21", Flag::M),
        reading("MN1", at(1, 8, 2), "a21002", "30", Flag::N),
    ];
    assert_eq!(read_all(&store, "MN1"), want);
    assert!(
        dir.path()
            .join("archive/mn=MN1/date=2026-06-01/minutes.parquet")
            .is_file()
    );
    drop(store);
    let store = open(dir.path());
    assert_eq!(read_all(&store, "MN1"), want);
    assert_eq!(store.stacks(), vec!["MN1".to_owned()]);
    assert_eq!(store.days("MN1"), vec![day(1)]);
    let stats = store.stats().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            stats.recent_readings,
            stats.archived_readings,
            stats.partitions
        ),
        (0, 3, 1)
    );
}

#[test]
fn values_are_exact_and_seven_decimals_are_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = open(dir.path());
    let fine = vec![
        reading("MN1", at(1, 0, 0), "a", "0.000001", Flag::N),
        reading("MN1", at(1, 0, 0), "b", "-999999999999.999999", Flag::N),
        reading("MN1", at(1, 0, 0), "c", "12.50", Flag::N),
    ];
    store.append(&fine).unwrap_or_else(|e| panic!("{e}"));
    let bad = vec![
        reading("MN1", at(1, 0, 1), "a", "1", Flag::N),
        reading("MN1", at(1, 0, 1), "a21002", "1.2345678", Flag::N),
    ];
    match store.append(&bad) {
        Err(CemsStoreError::TooManyDecimals {
            mn,
            minute,
            code,
            value,
        }) => {
            assert_eq!(
                (mn.as_str(), minute, code.as_str()),
                ("MN1", at(1, 0, 1), "a21002")
            );
            assert_eq!(value.to_string(), "1.2345678");
        }
        other => panic!("expected TooManyDecimals, got {other:?}"),
    }
    let too_big = [reading("MN1", at(1, 0, 2), "a", "1000000000000", Flag::N)];
    assert!(matches!(
        store.append(&too_big),
        Err(CemsStoreError::ValueOutOfRange { .. })
    ));
    store.seal(day(1)).unwrap_or_else(|e| panic!("{e}"));
    // The refused batch left nothing; 12.50 reads back as 12.5 (numerically equal).
    let got: Vec<String> = read_all(&store, "MN1")
        .iter()
        .map(|r| format!("{} {} {}", r.minute.format("%H:%M"), r.code, r.value))
        .collect();
    assert_eq!(
        got,
        vec![
            "00:00 a 0.000001",
            "00:00 b -999999999999.999999",
            "00:00 c 12.5"
        ]
    );
}

/// Ten single-reading appends, so the log holds ten records; returns the log's size after nine.
fn ten_appends(dir: &Path) -> u64 {
    let store = open(dir);
    let mut after_nine = 0;
    for i in 0..10 {
        let r = reading("MN1", at(1, 0, i), "a21002", &format!("{i}.5"), Flag::N);
        store.append(&[r]).unwrap_or_else(|e| panic!("{e}"));
        if i == 8 {
            after_nine = store.stats().map(|s| s.wal_bytes).unwrap_or_default();
        }
    }
    after_nine
}

#[test]
fn a_torn_log_tail_keeps_the_intact_prefix() {
    let probe = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let after_nine = ten_appends(probe.path());
    let full = std::fs::metadata(&wal_files(probe.path())[0])
        .map(|m| m.len())
        .unwrap_or_default();
    assert!(full > after_nine && after_nine > 0);
    // Cutting 1..=len(last record) bytes loses exactly the last append.
    for cut in [1, 2, 7, 8, 9, full - after_nine] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        ten_appends(dir.path());
        let wal = &wal_files(dir.path())[0];
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(wal)
            .unwrap_or_else(|e| panic!("{e}"));
        file.set_len(full - cut).unwrap_or_else(|e| panic!("{e}"));
        drop(file);
        let store = open(dir.path());
        let minutes: Vec<u32> = read_all(&store, "MN1")
            .iter()
            .map(|r| r.minute.format("%M").to_string().parse().unwrap_or(99))
            .collect();
        assert_eq!(minutes, (0..9).collect::<Vec<_>>(), "cut {cut}");
        // The log was cut back to the good prefix, and appending continues after it.
        store
            .append(&[reading("MN1", at(1, 0, 30), "a21002", "1", Flag::N)])
            .unwrap_or_else(|e| panic!("{e}"));
        drop(store);
        assert_eq!(read_all(&open(dir.path()), "MN1").len(), 10, "cut {cut}");
    }
    // Garbage after the last record (a write that reached the disk half-way, then zeroes or noise).
    for garbage in [
        vec![0_u8; 3],
        vec![0_u8; 64],
        vec![0xff; 12],
        b"\x05\0\0\0garbage".to_vec(),
    ] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        ten_appends(dir.path());
        let wal = &wal_files(dir.path())[0];
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(wal)
            .unwrap_or_else(|e| panic!("{e}"));
        file.write_all(&garbage).unwrap_or_else(|e| panic!("{e}"));
        drop(file);
        assert_eq!(read_all(&open(dir.path()), "MN1").len(), 10);
        assert_eq!(
            std::fs::metadata(wal).map(|m| m.len()).unwrap_or_default(),
            full
        );
    }
}

#[test]
fn concurrent_appends_are_all_stored() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Arc::new(open(dir.path()));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for i in 0..100 {
                    let mn = format!("MN{t}");
                    let batch: Vec<MinuteReading> = (0..8)
                        .map(|c| {
                            reading(
                                &mn,
                                at(1, 0, 0) + Duration::minutes(i),
                                &format!("c{c}"),
                                "1.25",
                                Flag::N,
                            )
                        })
                        .collect();
                    store.append(&batch).unwrap_or_else(|e| panic!("{e}"));
                }
            })
        })
        .collect();
    for thread in threads {
        thread
            .join()
            .unwrap_or_else(|_| panic!("append thread panicked"));
    }
    // 8 threads × 100 minutes × 8 codes, each key distinct.
    assert_eq!(
        store.stats().map(|s| s.recent_readings).unwrap_or_default(),
        6_400
    );
    drop(store);
    let store = open(dir.path());
    for t in 0..8 {
        assert_eq!(read_all(&store, &format!("MN{t}")).len(), 800);
    }
}

const CRASH_ENV: &str = "ZX_CRASH_CHILD";

fn crash_batch(i: u32) -> Vec<MinuteReading> {
    (0..8)
        .map(|c| {
            reading(
                "CRASH01",
                at(1, 0, 0) + Duration::minutes(i64::from(i)),
                &format!("a2100{c}"),
                &format!("{i}.{c}"),
                Flag::N,
            )
        })
        .collect()
}

/// The child half of the crash test: appends until killed, saying "acked N" after each append
/// returned. Does nothing unless started by the parent.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CRASH_ENV) else {
        return;
    };
    let store = open(Path::new(&dir));
    let stdout = std::io::stdout();
    for i in 0.. {
        store
            .append(&crash_batch(i))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut out = stdout.lock();
        let _ = writeln!(out, "acked {i}");
        let _ = out.flush();
    }
}

#[test]
fn a_killed_process_loses_no_acknowledged_reading() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "crash_child",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CRASH_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut last_acked = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap_or_default();
        if let Some(n) = line
            .strip_prefix("acked ")
            .and_then(|n| n.trim().parse::<u32>().ok())
        {
            last_acked = Some(n);
            if n >= 300 {
                break;
            }
        }
    }
    child.kill().unwrap_or_else(|e| panic!("{e}"));
    let _ = child.wait();
    let last = last_acked.unwrap_or_else(|| panic!("the child acknowledged nothing"));
    let store = open(dir.path());
    let stored = store
        .read("CRASH01", at(1, 0, 0), at(3, 0, 0))
        .unwrap_or_else(|e| panic!("{e}"));
    // Every acknowledged batch is there, whole; the one in flight may or may not be.
    for i in 0..=last {
        let want = crash_batch(i);
        let got: Vec<&MinuteReading> = stored
            .iter()
            .filter(|r| r.minute == want[0].minute)
            .collect();
        assert_eq!(got.len(), 8, "batch {i} of {last} acknowledged");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.value, w.value);
        }
    }
    // The child went on appending between our last read line and the kill; whatever it stored
    // is whole batches.
    assert!(stored.len() as u32 >= (last + 1) * 8);
    assert_eq!(stored.len() % 8, 0, "an append is all or nothing");
}

#[test]
fn a_second_writer_is_locked_out_until_the_first_is_dropped() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let first = open(dir.path());
    match MinuteStore::open(dir.path()) {
        Err(CemsStoreError::Locked { dir: locked }) => {
            assert_eq!(locked, dir.path());
            let message = CemsStoreError::Locked { dir: locked }.to_string();
            assert!(message.contains("another process"), "{message}");
            assert!(message.contains("zx serve"), "{message}");
        }
        Err(error) => panic!("expected Locked, got {error}"),
        Ok(_) => panic!("a second writer opened a locked store"),
    }
    // A reader is not a writer: it opens beside the first.
    let reader = MinuteStore::open_read_only(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(reader.is_read_only() && !first.is_read_only());
    drop(first);
    let second = open(dir.path());
    second
        .append(&[reading("MN1", at(1, 8, 0), "a21002", "1", Flag::N)])
        .unwrap_or_else(|e| panic!("{e}"));
}

const LOCK_ENV: &str = "ZX_LOCK_CHILD";

/// The child half of the cross-process lock test: opens the store, says so, and waits to be
/// killed. Does nothing unless started by the parent.
#[test]
fn lock_child() {
    let Ok(dir) = std::env::var(LOCK_ENV) else {
        return;
    };
    let _store = open(Path::new(&dir));
    println!("opened");
    std::thread::sleep(std::time::Duration::from_secs(60));
}

#[test]
fn another_process_holding_the_store_locks_it_out_until_it_dies() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "lock_child",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(LOCK_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let opened = BufReader::new(stdout)
        .lines()
        // libtest's "test lock_child ... " precedes it on the same line.
        .any(|line| line.is_ok_and(|l| l.trim_end().ends_with("opened")));
    assert!(opened, "the child did not open the store");
    let locked = MinuteStore::open(dir.path());
    // The lock must not outlive a killed (crashed) holder.
    child.kill().unwrap_or_else(|e| panic!("{e}"));
    let _ = child.wait();
    assert!(
        matches!(locked, Err(CemsStoreError::Locked { .. })),
        "open beside a live writer in another process must fail with Locked"
    );
    drop(open(dir.path()));
}

/// Every file under `dir` with its bytes, to show a read-only open changed nothing.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(path) = todo.pop() {
        if path.is_dir() {
            let entries = std::fs::read_dir(&path).unwrap_or_else(|e| panic!("{e}"));
            todo.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
        } else {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
            files.insert(path, bytes);
        }
    }
    files
}

fn open_read_only(dir: &Path) -> MinuteStore {
    MinuteStore::open_read_only(dir).unwrap_or_else(|e| panic!("open read-only: {e}"))
}

#[test]
fn a_read_only_store_sees_the_log_and_the_archive_beside_a_live_writer() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let writer = open(dir.path());
    let sealed_day = vec![
        reading("MN1", at(1, 8, 0), "a21002", "10", Flag::N),
        reading("MN1", at(1, 8, 1), "a21002", "20.5", Flag::M),
    ];
    let log_day = vec![
        reading("MN1", at(2, 8, 0), "a21002", "30", Flag::N),
        reading("MN2", at(2, 8, 0), "a21026", "4.25", Flag::D),
    ];
    writer.append(&sealed_day).unwrap_or_else(|e| panic!("{e}"));
    writer.seal(day(1)).unwrap_or_else(|e| panic!("{e}"));
    writer.append(&log_day).unwrap_or_else(|e| panic!("{e}"));
    // Late data for the sealed day, still only in the log.
    let late = reading("MN1", at(1, 8, 2), "a21002", "40", Flag::N);
    writer
        .append(std::slice::from_ref(&late))
        .unwrap_or_else(|e| panic!("{e}"));

    let reader = open_read_only(dir.path());
    // MN1: the two archived day-1 readings, the late day-1 one and the day-2 one, by minute.
    let want_mn1 = vec![
        sealed_day[0].clone(),
        sealed_day[1].clone(),
        late.clone(),
        log_day[0].clone(),
    ];
    assert_eq!(read_all(&reader, "MN1"), want_mn1);
    assert_eq!(read_all(&reader, "MN2"), vec![log_day[1].clone()]);
    assert_eq!(reader.stacks(), vec!["MN1".to_owned(), "MN2".to_owned()]);
    assert_eq!(reader.days("MN1"), vec![day(1), day(2)]);
    let stats = reader.stats().unwrap_or_else(|e| panic!("{e}"));
    // In memory: late + 2 of day 2 = 3; archived: the 2 sealed.
    assert_eq!((stats.recent_readings, stats.archived_readings), (3, 2));

    // The reader's log is what was stored when it opened: a later append is not in it...
    writer
        .append(&[reading("MN1", at(2, 9, 0), "a21002", "50", Flag::N)])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read_all(&reader, "MN1").len(), 4);
    // ...and a seal by the writer moves nothing out from under it.
    writer.seal(day(2)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read_all(&reader, "MN1"), want_mn1);
    // A new reader sees everything, all of it archived now.
    let fresh = open_read_only(dir.path());
    assert_eq!(read_all(&fresh, "MN1").len(), 5);
    assert_eq!(read_all(&fresh, "MN2"), vec![log_day[1].clone()]);
}

#[test]
fn a_read_only_store_refuses_append_and_seal_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    ten_appends(dir.path());
    let before = snapshot(dir.path());
    let reader = open_read_only(dir.path());
    let appended = reader.append(&[reading("MN1", at(1, 9, 0), "a21002", "1", Flag::N)]);
    match appended {
        Err(CemsStoreError::ReadOnly { dir: named }) => assert_eq!(named, dir.path()),
        other => panic!("append on a read-only store: expected ReadOnly, got {other:?}"),
    }
    // Even an empty append is refused: the caller has the wrong kind of store.
    assert!(matches!(
        reader.append(&[]),
        Err(CemsStoreError::ReadOnly { .. })
    ));
    assert!(matches!(
        reader.seal(day(1)),
        Err(CemsStoreError::ReadOnly { .. })
    ));
    assert_eq!(read_all(&reader, "MN1").len(), 10);
    drop(reader);
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_read_only_open_of_a_torn_log_reads_the_prefix_and_changes_no_byte() {
    let probe = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let after_nine = ten_appends(probe.path());
    let full = std::fs::metadata(&wal_files(probe.path())[0])
        .map(|m| m.len())
        .unwrap_or_default();
    // A torn last record (cut 3 bytes into it), and garbage after ten whole records.
    for (cut, garbage, want) in [
        (3, Vec::new(), 9),
        (full - after_nine - 1, Vec::new(), 9),
        (0, b"\x05\0\0\0garbage".to_vec(), 10),
    ] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        ten_appends(dir.path());
        let wal = &wal_files(dir.path())[0];
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(wal)
            .unwrap_or_else(|e| panic!("{e}"));
        file.set_len(full - cut).unwrap_or_else(|e| panic!("{e}"));
        std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0)).unwrap_or_else(|e| panic!("{e}"));
        file.write_all(&garbage).unwrap_or_else(|e| panic!("{e}"));
        drop(file);
        let before = snapshot(dir.path());
        let reader = open_read_only(dir.path());
        // The minutes appended were 00:00..00:09 in order; the torn one is the last.
        let minutes: Vec<u32> = read_all(&reader, "MN1")
            .iter()
            .map(|r| r.minute.format("%M").to_string().parse().unwrap_or(99))
            .collect();
        assert_eq!(minutes, (0..want).collect::<Vec<_>>(), "cut {cut}");
        drop(reader);
        assert_eq!(snapshot(dir.path()), before, "cut {cut}: a file changed");
    }
}

#[test]
fn a_read_only_open_of_a_missing_store_names_what_is_missing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let missing = dir.path().join("no-such-store");
    match MinuteStore::open_read_only(&missing) {
        Err(error @ CemsStoreError::Io { .. }) => {
            let message = error.to_string();
            assert!(message.contains("no-such-store"), "{message}");
        }
        Err(error) => panic!("expected an Io error naming the directory, got {error}"),
        Ok(_) => panic!("opened a missing store"),
    }
    assert!(!missing.exists(), "a read-only open created the directory");
    // A directory that is not a store (no wal/): named too, and left empty.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap_or_else(|e| panic!("{e}"));
    match MinuteStore::open_read_only(&empty) {
        Err(CemsStoreError::Io { path, .. }) => assert_eq!(path, empty.join("wal")),
        Err(error) => panic!("expected an Io error naming wal/, got {error}"),
        Ok(_) => panic!("opened a directory that is not a store"),
    }
    assert_eq!(snapshot(&empty).len(), 0);
}

/// Readers opening again and again while a writer appends late data and seals it (each seal
/// rewrites the log and removes the old segment): every open succeeds and sees every reading
/// acknowledged before it began, whether it found it in the log or the archive.
#[test]
fn read_only_opens_during_seals_see_every_acknowledged_reading() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let writer = Arc::new(open(dir.path()));
    let acked = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let rounds = 40;
    let writing = {
        let (writer, acked, done) = (Arc::clone(&writer), Arc::clone(&acked), Arc::clone(&done));
        std::thread::spawn(move || {
            for i in 0..rounds {
                // Minute i of day 1, and of day 2 (which stays in the log).
                let batch = [
                    reading(
                        "MN1",
                        at(1, 0, 0) + Duration::minutes(i),
                        "a21002",
                        "1",
                        Flag::N,
                    ),
                    reading(
                        "MN1",
                        at(2, 0, 0) + Duration::minutes(i),
                        "a21002",
                        "2",
                        Flag::N,
                    ),
                ];
                writer.append(&batch).unwrap_or_else(|e| panic!("{e}"));
                acked.store(i as usize + 1, Ordering::SeqCst);
                writer.seal(day(1)).unwrap_or_else(|e| panic!("{e}"));
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    let mut opens = 0;
    while !done.load(Ordering::SeqCst) || opens == 0 {
        let floor = acked.load(Ordering::SeqCst);
        let reader = open_read_only(dir.path());
        let got = read_all(&reader, "MN1");
        // Each acknowledged round i stored day-1 minute i and day-2 minute i.
        for i in 0..floor as i64 {
            for d in [1, 2] {
                let minute = at(d, 0, 0) + Duration::minutes(i);
                assert!(
                    got.iter().any(|r| r.minute == minute),
                    "open {opens}: {minute} acknowledged before the open but not seen"
                );
            }
        }
        opens += 1;
    }
    writing
        .join()
        .unwrap_or_else(|_| panic!("the writer panicked"));
    let last = open_read_only(dir.path());
    // 40 rounds × 2 readings, distinct minutes.
    assert_eq!(read_all(&last, "MN1").len(), 80);
}

#[test]
fn a_sealed_day_has_a_fingerprint_that_late_data_changes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .append(&[reading("MN1", at(1, 8, 0), "a21002", "200", Flag::N)])
        .unwrap();
    // In the log only: no fingerprint; no data at all: none either.
    assert_eq!(store.sealed_fingerprint("MN1", day(1)), None);
    assert_eq!(store.sealed_fingerprint("MN1", day(2)), None);
    store.seal(day(1)).unwrap();
    let first = store.sealed_fingerprint("MN1", day(1)).expect("sealed");
    assert_eq!(store.sealed_fingerprint("MN1", day(1)), Some(first));
    // Late data: back in the log (no fingerprint), then sealed into a bigger partition.
    store
        .append(&[reading("MN1", at(1, 9, 0), "a21002", "210", Flag::N)])
        .unwrap();
    assert_eq!(store.sealed_fingerprint("MN1", day(1)), None);
    store.seal(day(1)).unwrap();
    let second = store
        .sealed_fingerprint("MN1", day(1))
        .expect("sealed again");
    assert_ne!(second, first);
    assert!(second.0 > first.0, "{first:?} -> {second:?}");
}
