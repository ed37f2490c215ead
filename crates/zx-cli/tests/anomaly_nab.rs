//! `zx anomaly nab` end to end on a tiny fixture (not the NAB corpus): every CSV below `--data`
//! scored into the same relative path below `--out`, one row per input row in the same order,
//! the timestamp and value repeated as written, scores in [0, 1], the spike scored highest; a
//! bad file refused with its name, line and column.

use std::fmt::Write as _;
use std::process::{Command, Output};

const ZX: &str = env!("CARGO_BIN_EXE_zx");

fn zx(args: &[&str]) -> Output {
    Command::new(ZX)
        .args(args)
        .env_remove("ZX_LANG")
        .output()
        .expect("run zx")
}

/// 600 five-minute rows from 2014-04-01 00:00: a sawtooth 10, 11, …, 19, 10, … with one spike
/// of 90 at row 500 (2014-04-02 17:40: 500 × 5 min = 41 h 40 min).
fn signal() -> String {
    let mut csv = String::from("timestamp,value\n");
    for i in 0..600u32 {
        let (day, minutes) = (1 + i / 288, (i % 288) * 5);
        let value = if i == 500 { 90 } else { 10 + i % 10 };
        writeln!(
            csv,
            "2014-04-{day:02} {:02}:{:02}:00,{value}",
            minutes / 60,
            minutes % 60
        )
        .unwrap();
    }
    csv
}

#[test]
fn every_file_is_scored_row_for_row_under_the_same_relative_path() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("plant")).unwrap();
    std::fs::write(data.join("plant/nox.csv"), signal()).unwrap();
    std::fs::write(
        data.join("flat.csv"),
        "timestamp,value\n2014-04-01 00:00:00,5\n",
    )
    .unwrap();
    let out = dir.path().join("out");

    let run = zx(&[
        "anomaly",
        "nab",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let scored = std::fs::read_to_string(out.join("plant/nox.csv")).unwrap();
    let lines: Vec<&str> = scored.lines().collect();
    assert_eq!(lines[0], "timestamp,value,anomaly_score");
    assert_eq!(lines.len(), 601, "a header and 600 rows");
    let input = signal();
    let mut best = (0usize, -1.0f64);
    for (i, (got, want)) in lines[1..].iter().zip(input.lines().skip(1)).enumerate() {
        let (prefix, score) = got.rsplit_once(',').unwrap();
        assert_eq!(prefix, want, "row {i} repeats the input");
        let score: f64 = score.parse().unwrap();
        assert!((0.0..=1.0).contains(&score), "row {i}: {score}");
        if score > best.1 {
            best = (i, score);
        }
    }
    assert_eq!(best.0, 500, "the spike is the highest score");
    assert_eq!(
        std::fs::read_to_string(out.join("flat.csv")).unwrap(),
        "timestamp,value,anomaly_score\n2014-04-01 00:00:00,5,0.000000\n",
        "a single row is learned, not flagged"
    );
}

#[test]
fn a_bad_value_is_named_by_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("bad.csv"),
        "timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,1,5\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = zx(&[
        "anomaly",
        "nab",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("bad.csv:3: value"), "{stderr}");
    assert!(
        !out.join("bad.csv").exists(),
        "nothing written for a bad file"
    );
}
