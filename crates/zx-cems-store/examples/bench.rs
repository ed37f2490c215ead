//! Measures the minute store: appends/s (1 and 64 threads, 8 readings each), log and Parquet
//! bytes per reading for realistic data, the seal of a day of 200 stacks, and the read of a
//! stack-month from 30 daily partitions.
//!
//! `cargo run --release -p zx-cems-store --example bench [-- --keep DIR]`. With `--keep` the
//! stores are left in DIR/day and DIR/month, so `scripts/duckdb_check.py DIR/day` can compare
//! DuckDB's figures with the totals printed here. `-- --appends` prints only the 64-thread
//! append figure (twice); `-- --read DIR/month` only the reads of a kept month store;
//! `-- --judge DIR/month` only the decoding and judging of its stack-month (read-only).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use zx_cems_store::MinuteStore;
use zx_domain::cems::compliance::check_stack_columns;
use zx_domain::cems::{FactorMap, Flag, MinuteReading, Standard};
use zx_domain::parallel::map_in_parallel;

/// Factor code, typical level, diurnal swing, noise, decimals.
const FACTORS: [(&str, f64, f64, f64, u32); 10] = [
    ("a21002", 120.0, 30.0, 8.0, 1),  // NOx mg/m³
    ("a21026", 30.0, 10.0, 4.0, 2),   // SO2
    ("a34013", 5.0, 1.5, 0.6, 2),     // dust
    ("a21005", 20.0, 6.0, 3.0, 1),    // CO
    ("a21024", 12.0, 4.0, 2.0, 2),    // HCl
    ("a19001", 8.5, 1.0, 0.3, 2),     // O2 %
    ("a01012", 145.0, 10.0, 2.0, 1),  // flue temperature
    ("a01013", -120.0, 20.0, 5.0, 1), // pressure Pa
    ("a01014", 18.0, 3.0, 0.5, 2),    // humidity %
    ("furnace_temp", 1010.0, 40.0, 6.0, 1),
];

struct Noise(u64);

impl Noise {
    /// xorshift64*, uniform in [-1, 1).
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
        bits as f64 / (1_u64 << 52) as f64 - 1.0
    }
}

fn mn(stack: usize) -> String {
    format!("88888880000{stack:03}")
}

/// One stack-minute frame: 10 factors, values with 1–2 decimals following a day curve.
fn frame(
    stack: usize,
    minute: NaiveDateTime,
    noise: &mut Noise,
    factors: usize,
) -> Vec<MinuteReading> {
    let minute_of_day =
        f64::from(chrono::Timelike::hour(&minute) * 60 + chrono::Timelike::minute(&minute));
    let phase = (minute_of_day / 1440.0 * std::f64::consts::TAU).sin();
    FACTORS
        .iter()
        .take(factors)
        .map(|(code, level, swing, jitter, decimals)| {
            let value = level + swing * phase + jitter * noise.next() + stack as f64 * 0.1;
            let scale = 10_f64.powi(*decimals as i32);
            MinuteReading {
                mn: mn(stack),
                minute,
                code: (*code).to_owned(),
                value: Decimal::new((value * scale).round() as i64, *decimals),
                flag: if noise.next() > 0.995 {
                    Flag::M
                } else {
                    Flag::N
                },
            }
        })
        .collect()
}

fn start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 6, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

fn appends_per_second(threads: usize, per_thread: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Arc::new(MinuteStore::open(dir.path()).unwrap_or_else(|e| panic!("{e}")));
    let began = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let mut noise = Noise(t as u64 + 1);
                for i in 0..per_thread {
                    let batch = frame(t, start() + Duration::minutes(i as i64), &mut noise, 8);
                    store.append(&batch).unwrap_or_else(|e| panic!("{e}"));
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap_or_else(|_| panic!("thread panicked"));
    }
    (threads * per_thread) as f64 / began.elapsed().as_secs_f64()
}

/// Median, min and max of `times` runs of `f`, in ms, and `f`'s last result.
fn timed(times: usize, f: &dyn Fn() -> usize) -> (usize, f64, f64, f64) {
    let mut millis = Vec::new();
    let mut count = 0;
    for _ in 0..times {
        let began = Instant::now();
        count = f();
        millis.push(began.elapsed().as_secs_f64() * 1000.0);
    }
    millis.sort_by(f64::total_cmp);
    (count, millis[times / 2], millis[0], millis[times - 1])
}

/// Stack 1's June the way the compliance views read it: each day's partition decoded from its
/// file into columns (`read_day`, not cached) and judged (`check_stack_columns`), on 1 and 2
/// threads; then decoding alone.
fn judge_month(store: &MinuteStore, times: usize) {
    let (from, to) = (start(), start() + Duration::days(30));
    let dates: Vec<NaiveDate> = (0..30).map(|d| from.date() + Duration::days(d)).collect();
    let (standard, factors) = (Standard::gb18485_2014(), FactorMap::default());
    let read = |date: &NaiveDate| {
        store
            .read_day(&mn(1), *date, from, to)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    for threads in [1, 2] {
        let (days, mid, min, max) = timed(times, &|| {
            map_in_parallel(&dates, threads, |date| {
                read(date).map(|day| {
                    let columns = day.columns().unwrap_or_else(|e| panic!("{e}"));
                    check_stack_columns(&columns, &factors, &standard, 1)
                        .days
                        .len()
                })
            })
            .into_iter()
            .flatten()
            .sum()
        });
        println!(
            "read_day + check_stack_columns, 30 days on {threads} thread(s): {days} days judged, median {mid:.1} ms (min {min:.1}, max {max:.1})"
        );
        let (rows, mid, min, max) = timed(times, &|| {
            map_in_parallel(&dates, threads, |date| {
                read(date).map_or(0, |day| day.len())
            })
            .into_iter()
            .sum()
        });
        println!(
            "read_day alone (decode), 30 days on {threads} thread(s): {rows} readings, median {mid:.1} ms (min {min:.1}, max {max:.1})"
        );
    }
}

/// Reads stack 1's June: once cold (partitions decoded from the files), then `times` times warm
/// (decoded partitions cached), as columns and as `MinuteReading`s.
fn read_month(store: &MinuteStore, times: usize) {
    judge_month(store, times);
    let (from, to) = (start(), start() + Duration::days(30));
    let began = Instant::now();
    let cold = store
        .read_columns(&mn(1), from, to)
        .unwrap_or_else(|e| panic!("{e}"));
    let cold_ms = began.elapsed().as_secs_f64() * 1000.0;
    println!(
        "read_columns of a stack-month from 30 partitions, cold: {} readings in {cold_ms:.1} ms",
        cold.len()
    );
    let median = |f: &dyn Fn() -> usize| timed(times, f);
    let (count, mid, min, max) = median(&|| {
        store
            .read_columns(&mn(1), from, to)
            .map(|c| c.len())
            .unwrap_or_else(|e| panic!("{e}"))
    });
    println!(
        "read_columns, warm: {count} readings, median {mid:.1} ms (min {min:.1}, max {max:.1})"
    );
    let (count, mid, min, max) = median(&|| {
        store
            .read(&mn(1), from, to)
            .map(|r| r.len())
            .unwrap_or_else(|e| panic!("{e}"))
    });
    println!(
        "read (Vec<MinuteReading>), warm: {count} readings, median {mid:.1} ms (min {min:.1}, max {max:.1})"
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let keep = args
        .iter()
        .position(|a| a == "--keep")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);

    if let Some(i) = args.iter().position(|a| a == "--judge") {
        let dir = PathBuf::from(args.get(i + 1).map_or("", String::as_str));
        judge_month(
            &MinuteStore::open_read_only(&dir).unwrap_or_else(|e| panic!("{e}")),
            41,
        );
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--read") {
        let dir = PathBuf::from(args.get(i + 1).map_or("", String::as_str));
        read_month(
            &MinuteStore::open(&dir).unwrap_or_else(|e| panic!("{e}")),
            41,
        );
        return;
    }
    if args.iter().any(|a| a == "--appends") {
        for _ in 0..2 {
            println!(
                "appends/s, 64 threads, 8 readings each: {:.0}",
                appends_per_second(64, 1_000)
            );
        }
        return;
    }
    let one = appends_per_second(1, 3_000);
    println!("appends/s, 1 thread, 8 readings each: {one:.0}");
    let many = appends_per_second(64, 2_000);
    println!("appends/s, 64 threads, 8 readings each: {many:.0}");

    // A day of 200 stacks × 10 factors, appended frame by frame from 64 threads.
    let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = keep
        .clone()
        .unwrap_or_else(|| temp.path().to_owned())
        .join("day");
    let store = Arc::new(MinuteStore::open(&dir).unwrap_or_else(|e| panic!("{e}")));
    let began = Instant::now();
    let handles: Vec<_> = (0..64)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let mut noise = Noise(1000 + t as u64);
                for stack in (t..200).step_by(64) {
                    for m in 0..1440 {
                        let batch = frame(stack, start() + Duration::minutes(m), &mut noise, 10);
                        store.append(&batch).unwrap_or_else(|e| panic!("{e}"));
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap_or_else(|_| panic!("thread panicked"));
    }
    let elapsed = began.elapsed().as_secs_f64();
    let stats = store.stats().unwrap_or_else(|e| panic!("{e}"));
    println!(
        "a day of 200 stacks: {} readings in {:.1} s ({:.0} frames of 10/s); log {} bytes = {:.2} bytes/reading",
        stats.recent_readings,
        elapsed,
        200.0 * 1440.0 / elapsed,
        stats.wal_bytes,
        stats.wal_bytes as f64 / stats.recent_readings as f64
    );
    let began = Instant::now();
    let report = store.seal(start().date()).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "seal of that day: {} partitions, {} rows, {} bytes = {:.2} bytes/reading, in {:.2} s",
        report.partitions,
        report.rows_written,
        report.bytes_written,
        report.bytes_written as f64 / report.rows_written as f64,
        began.elapsed().as_secs_f64()
    );
    let stats = store.stats().unwrap_or_else(|e| panic!("{e}"));
    println!(
        "after seal: log {} bytes, archive {} bytes",
        stats.wal_bytes, stats.archive_bytes
    );

    // A month of 3 stacks, sealed into 30 daily partitions each; then read one stack-month.
    let month_dir = keep
        .clone()
        .unwrap_or_else(|| temp.path().to_owned())
        .join("month");
    let month_store = MinuteStore::open(&month_dir).unwrap_or_else(|e| panic!("{e}"));
    let mut noise = Noise(7);
    for stack in 0..3 {
        for hour in 0..30 * 24 {
            let mut batch = Vec::with_capacity(600);
            for m in 0..60 {
                batch.extend(frame(
                    stack,
                    start() + Duration::minutes(hour * 60 + m),
                    &mut noise,
                    10,
                ));
            }
            month_store.append(&batch).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let last_day = start().date() + Duration::days(29);
    let began = Instant::now();
    month_store.seal(last_day).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "seal of 3 stack-months (90 partitions): {:.2} s",
        began.elapsed().as_secs_f64()
    );
    read_month(&month_store, 11);

    // Totals to compare with DuckDB over the kept store (scripts/duckdb_check.py).
    let mut total = Decimal::ZERO;
    let mut rows = 0;
    for stack in 0..200 {
        for reading in store
            .read(&mn(stack), start(), start() + Duration::days(1))
            .unwrap_or_else(|e| panic!("{e}"))
        {
            total += reading.value;
            rows += 1;
        }
    }
    println!("archive of the day: {rows} rows, sum(value) = {total}");
    if let Some(dir) = keep {
        println!("kept in {}", dir.display());
    }
}
