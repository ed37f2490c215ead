//! `zx cems check` end to end: a minute CSV written here, the built `zx` binary, its JSON
//! contract checked to the byte, the standard chosen by id or file, and a bad CSV refused with
//! the file, line, column and value named. Expected numbers are worked out in the comments.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const ZX: &str = env!("CARGO_BIN_EXE_zx");
const MN1: &str = "88888880000001";
const MN2: &str = "88888880000002";

fn zx(args: &[&str]) -> Output {
    Command::new(ZX)
        .args(args)
        .env_remove("ZX_LANG")
        .output()
        .expect("run zx")
}

fn row(csv: &mut String, mn: &str, hour: u32, minute: u32, code: &str, value: &str, flag: &str) {
    writeln!(
        csv,
        "2026-06-01T{hour:02}:{minute:02},{mn},{code},{value},{flag}"
    )
    .unwrap();
}

/// `count` minutes of `hour` from :00 with NOx at `value` and O₂ at `o2`, both flag N.
fn nox_hour(csv: &mut String, mn: &str, hour: u32, count: u32, value: &str, o2: &str) {
    for minute in 0..count {
        row(csv, mn, hour, minute, "a21002", value, "N");
        row(csv, mn, hour, minute, "a19001", o2, "N");
    }
}

/// Stack 1 on 2026-06-01:
/// - 08: 45 minutes NOx 169.92 at O₂ 13 → 169.92 × 10 / 8 = 212.4 → "212.400";
/// - 09: 45 minutes NOx 327 at O₂ 10.1 → 3270 / 10.9 = 300 exactly: the limit, not exceeded;
/// - 10: 45 minutes NOx 301 at O₂ 11 → 301 > 300: hour exceedance "10";
/// - 11: 44 minutes → no average (null);
/// - one SO₂ minute flagged M at 12:00: SO₂ is in the day's data, with no valid hour;
/// - furnace: blocks 13:00, 13:05, … 13:25 at 849 °C → 6 low 5-minute means > 5: violation.
///   valid_hours 3 < 20: no daily average.
fn stack1(csv: &mut String) {
    nox_hour(csv, MN1, 8, 45, "169.92", "13");
    nox_hour(csv, MN1, 9, 45, "327", "10.1");
    nox_hour(csv, MN1, 10, 45, "301", "11");
    nox_hour(csv, MN1, 11, 44, "100", "11");
    row(csv, MN1, 12, 0, "a21026", "50", "M");
    for minute in 0..30 {
        row(csv, MN1, 13, minute, "furnace_temp", "849", "N");
    }
}

/// Stack 2 on 2026-06-01: hours 00–19 with 45 minutes of NOx 270 at O₂ 10.2 → 2700 / 10.8 =
/// 250 each; daily (20 × 250) / 20 = 250 = the daily limit: not exceeded, no violation.
fn stack2(csv: &mut String) {
    for hour in 0..20 {
        nox_hour(csv, MN2, hour, 45, "270", "10.2");
    }
}

fn write_csv(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("time,mn,code,value,flag\n{body}")).unwrap();
    path.to_string_lossy().into_owned()
}

fn hourly(values: &[(&str, &str)]) -> String {
    // The 24 hours in order, null unless given.
    let mut out = String::from("{");
    for hour in 0..24 {
        let key = format!("{hour:02}");
        let value = values
            .iter()
            .find(|(h, _)| *h == key)
            .map_or("null".to_owned(), |(_, v)| format!("\"{v}\""));
        if hour > 0 {
            out.push(',');
        }
        write!(out, "\"{key}\":{value}").unwrap();
    }
    out.push('}');
    out
}

#[test]
fn json_is_the_contract_to_the_byte() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::new();
    stack1(&mut body);
    let input = write_csv(dir.path(), "minutes.csv", &body);
    let output = zx(&["cems", "check", "--input", &input, "--format", "json"]);
    assert!(output.status.success(), "{output:?}");
    let nox_hours = hourly(&[("08", "212.400"), ("09", "300.000"), ("10", "301.000")]);
    let so2_hours = hourly(&[]);
    let expected = format!(
        concat!(
            r#"{{"stacks":{{"88888880000001":{{"days":{{"2026-06-01":{{"factors":{{"#,
            r#""a21002":{{"daily_avg":null,"day_exceeded":false,"hour_exceedances":["10"],"hourly":{nox},"valid_hours":3}},"#,
            r#""a21026":{{"daily_avg":null,"day_exceeded":false,"hour_exceedances":[],"hourly":{so2},"valid_hours":0}}"#,
            r#"}},"furnace_low_5min":6,"violation":true}}}}}}}}}}"#,
            "\n"
        ),
        nox = nox_hours,
        so2 = so2_hours,
    );
    assert_eq!(String::from_utf8(output.stdout).unwrap(), expected);
}

#[test]
fn two_stacks_are_judged_separately_and_the_standard_can_be_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::new();
    // Interleave the stacks' rows: grouping is by MN, not by position in the file.
    stack2(&mut body);
    stack1(&mut body);
    let input = write_csv(dir.path(), "minutes.csv", &body);
    let output = zx(&[
        "cems",
        "check",
        "--input",
        &input,
        "--standard",
        "gb18485-2014",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{output:?}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let day2 = &json["stacks"][MN2]["days"]["2026-06-01"];
    assert_eq!(day2["factors"]["a21002"]["daily_avg"], "250.000");
    assert_eq!(day2["factors"]["a21002"]["valid_hours"], 20);
    assert_eq!(day2["factors"]["a21002"]["day_exceeded"], false);
    assert_eq!(day2["factors"]["a21002"]["hourly"]["19"], "250.000");
    assert_eq!(day2["factors"]["a21002"]["hourly"]["20"], Value::Null);
    assert_eq!(day2["furnace_low_5min"], 0);
    assert_eq!(day2["violation"], false);
    assert_eq!(json["stacks"][MN1]["days"]["2026-06-01"]["violation"], true);

    // A local standard with NOx limits 200 (hourly) and 240 (daily): hour 08 (212.4) and every
    // hour of stack 2 (250) are above 200, and stack 2's daily 250 > 240 is a violation day.
    let local = include_str!("../../zx-domain/standards/gb18485-2014.toml")
        .replace("id = \"gb18485-2014\"", "id = \"local-strict\"")
        .replace(
            "hourly_limit = \"300\"\ndaily_limit = \"250\"",
            "hourly_limit = \"200\"\ndaily_limit = \"240\"",
        );
    let standard = dir.path().join("local.toml");
    std::fs::write(&standard, local).unwrap();
    let output = zx(&[
        "cems",
        "check",
        "--input",
        &input,
        "--standard",
        standard.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{output:?}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let nox1 = &json["stacks"][MN1]["days"]["2026-06-01"]["factors"]["a21002"];
    assert_eq!(
        nox1["hour_exceedances"],
        serde_json::json!(["08", "09", "10"])
    );
    let day2 = &json["stacks"][MN2]["days"]["2026-06-01"];
    assert_eq!(day2["factors"]["a21002"]["day_exceeded"], true);
    assert_eq!(day2["violation"], true);
    assert_eq!(
        day2["factors"]["a21002"]["hour_exceedances"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
}

#[test]
fn text_is_a_table_per_stack_day_in_the_chosen_language() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::new();
    stack1(&mut body);
    let input = write_csv(dir.path(), "minutes.csv", &body);
    let output = zx(&["--lang", "en", "cems", "check", "--input", &input]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("stack 88888880000001  day 2026-06-01  VIOLATION DAY"),
        "{text}"
    );
    assert!(text.contains("a21002 NOx (as NO₂)"), "{text}");
    // Hour 10 is above the limit and marked.
    assert!(text.contains("301.000*"), "{text}");
    assert!(
        text.contains("furnace 5-minute means below 850 ℃: 6 (allowed 5)"),
        "{text}"
    );

    let output = zx(&["cems", "check", "--input", &input]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("违规日"), "{text}");
    assert!(text.contains("氮氧化物"), "{text}");
}

#[test]
fn a_bad_csv_is_refused_naming_file_line_column_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_csv(
        dir.path(),
        "bad.csv",
        "2026-06-01T08:00,88888880000001,a21002,212.4,N\n\
         2026-06-01T08:01,88888880000001,a21002,21x.4,N\n",
    );
    let output = zx(&["cems", "check", "--input", &input, "--format", "json"]);
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("bad.csv: line 3, column value: \"21x.4\" is not a decimal number"),
        "{stderr}"
    );

    let output = zx(&["cems", "check", "--input", &input, "--standard", "gb0"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("unknown standard \"gb0\""), "{stderr}");
}

/// A minute store in `dir` holding stack 1's 2026-06-01 (sealed into the Parquet archive) and,
/// on 2026-06-02 (still in the write-ahead log), stack 2's minutes under stack 1's MN.
fn stored(dir: &Path) -> String {
    let mut body = String::new();
    stack1(&mut body);
    let mut june2 = String::new();
    stack2(&mut june2);
    body.push_str(
        &june2
            .replace("2026-06-01T", "2026-06-02T")
            .replace(MN2, MN1),
    );
    let csv = format!("time,mn,code,value,flag\n{body}");
    let readings = zx_ingest::minutes::read_minutes("minutes.csv", csv.as_bytes()).unwrap();
    let store_dir = dir.join("zx.db.cems");
    let store = zx_cems_store::MinuteStore::open(&store_dir).unwrap();
    store.append(&readings).unwrap();
    store
        .seal(chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap())
        .unwrap();
    store_dir.to_string_lossy().into_owned()
}

/// `zx cems check --mn` of a range, and `zx cems export` of it checked from the CSV: stdout
/// of both, which must be the same bytes.
fn both_ways(dir: &Path, store: &str, range: [&str; 2], format: &[&str]) -> String {
    let csv = dir.join("export.csv");
    let export = zx(&[
        "cems",
        "export",
        "--dir",
        store,
        "--mn",
        MN1,
        "--from",
        range[0],
        "--to",
        range[1],
        "-o",
        csv.to_str().unwrap(),
    ]);
    assert!(export.status.success(), "{export:?}");
    let mut args = vec!["cems", "check", "--input", csv.to_str().unwrap()];
    args.extend(format);
    let from_csv = zx(&args);
    assert!(from_csv.status.success(), "{from_csv:?}");
    let mut args = vec![
        "cems", "check", "--dir", store, "--mn", MN1, "--from", range[0], "--to", range[1],
    ];
    args.extend(format);
    let direct = zx(&args);
    assert!(direct.status.success(), "{direct:?}");
    let direct = String::from_utf8(direct.stdout).unwrap();
    assert_eq!(direct, String::from_utf8(from_csv.stdout).unwrap());
    direct
}

#[test]
fn stored_minutes_are_judged_as_their_export_is_to_the_byte() {
    let dir = tempfile::tempdir().unwrap();
    let store = stored(dir.path());
    let json = both_ways(
        dir.path(),
        &store,
        ["2026-06-01", "2026-06-02"],
        &["--format", "json"],
    );
    let json: Value = serde_json::from_str(&json).unwrap();
    let days = &json["stacks"][MN1]["days"];
    // June 1 from the archive: as `json_is_the_contract_to_the_byte` worked it out.
    let nox = &days["2026-06-01"]["factors"]["a21002"];
    assert_eq!(nox["hourly"]["08"], "212.400");
    assert_eq!(nox["hour_exceedances"], serde_json::json!(["10"]));
    assert_eq!(days["2026-06-01"]["furnace_low_5min"], 6);
    assert_eq!(days["2026-06-01"]["violation"], true);
    // June 2 from memory: 20 hours of 2700 / 10.8 = 250, the daily limit, not above it.
    assert_eq!(
        days["2026-06-02"]["factors"]["a21002"]["daily_avg"],
        "250.000"
    );
    assert_eq!(days["2026-06-02"]["violation"], false);

    // The tables too, and a range of minutes: 09:00 to 10:00 holds hour 09 alone (300.000).
    let text = both_ways(
        dir.path(),
        &store,
        ["2026-06-01", "2026-06-02"],
        &["--lang", "en"],
    );
    assert!(text.contains("VIOLATION DAY"), "{text}");
    let json = both_ways(
        dir.path(),
        &store,
        ["2026-06-01T09:00", "2026-06-01T10:00"],
        &["--format", "json"],
    );
    let json: Value = serde_json::from_str(&json).unwrap();
    let nox = &json["stacks"][MN1]["days"]["2026-06-01"]["factors"]["a21002"];
    assert_eq!(nox["hourly"]["09"], "300.000");
    assert_eq!(nox["hourly"]["08"], Value::Null);
    assert_eq!(nox["valid_hours"], 1);

    // A range without minutes: no stack, as a CSV without rows.
    let json = both_ways(
        dir.path(),
        &store,
        ["2026-07-01", "2026-07-02"],
        &["--format", "json"],
    );
    assert_eq!(json, "{\"stacks\":{}}\n");

    // --mn needs --from and --to; --input and --mn exclude each other.
    let output = zx(&[
        "cems",
        "check",
        "--dir",
        &store,
        "--mn",
        MN1,
        "--from",
        "2026-06-01",
    ]);
    assert!(!output.status.success());
    let output = zx(&[
        "cems",
        "check",
        "--input",
        "x.csv",
        "--mn",
        MN1,
        "--from",
        "2026-06-01",
        "--to",
        "2026-06-01",
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}
