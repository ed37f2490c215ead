//! `zx safety check` end to end (safety.md §7): files written here, the built `zx` binary, its
//! JSON compared to the byte with a document worked out by hand in the comments, workbooks read
//! as their CSV twins are, and bad input refused with file, line and column, no JSON. Then
//! `zx safety import` and `zx safety status` on both backends: the same document from the
//! database, an import again changing nothing, a bad file writing nothing.

#[macro_use]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ZX: &str = env!("CARGO_BIN_EXE_zx");

fn zx(args: &[&str]) -> Output {
    Command::new(ZX)
        .args(args)
        .env_remove("ZX_LANG")
        .output()
        .expect("run zx")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zx-safety-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.to_string_lossy().into_owned()
}

fn check(as_of: &str, files: &[String]) -> Output {
    let mut args = vec!["safety", "check", "--as-of", as_of, "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    zx(&args)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Hazards as of 2026-07-01 (D = L × E × C; a value on a cut-off belongs to the lower band):
/// - H1 3 × 6 × 15 = 270: 160 < 270 ≤ 320 → orange; deadline 06-30 < 07-01, rectifying → overdue;
/// - H2 0.5 × 6 × 7 = 21 → blue; closed → never overdue;
/// - H3 no scores → null, null; deadline 07-01 is the date itself → not overdue yet;
/// - H4 10 × 6 × 7 = 420 > 320 → red; H5 10 × 1 × 7 = 70 → blue (70 is the cut-off);
/// - H6 6 × 1 × 15 = 90 → yellow; H7 0.2 × 1 × 100 = 20 → blue; H8 0.1 × 0.5 × 1 = 0.05 → blue.
const HAZARDS: &str = "entity,id,found,grade,l,e,c,owner,deadline,status
P1,H1,2026-05-01,general,3,6,15,li,2026-06-30,rectifying
P1,H2,2026-05-01,general,0.5,6,7,li,2026-06-01,closed
P1,H3,2026-05-01,major,,,,wang,2026-07-01,reported
P1,H4,2026-05-01,major,10,6,7,wang,2026-12-31,assessed
P2,H5,2026-05-01,general,10,1,7,zhao,2026-12-31,awaiting_verification
P2,H6,2026-05-01,general,6,1,15,zhao,2026-12-31,rectifying
P2,H7,2026-05-01,general,0.2,1,100,zhao,2026-12-31,rectifying
P2,H8,2026-05-01,general,0.1,0.5,1,zhao,2026-12-31,rectifying
";

/// P1: a comprehensive plan from 2024, the pump's on-site plan from 2025, the pit's approved
/// mid-H1 2026 (counts from H2 2026). P2: a special plan approved mid-2026 (counts from 2027).
const PLANS: &str = "entity,plan,kind,approved
P1,general,comprehensive,2024-01-01
P1,pump,onsite,2025-01-10
P1,pit,onsite,2026-03-15
P2,flood,special,2026-03-15
";

/// The pump drilled on 30 June (H1); the comprehensive plan on 31 December 2025 with the fire
/// brigade; P2's flood plan on 2 July 2026 (after 1 July: not counted as of 1 July).
const DRILLS: &str = "entity,plan,date,joint_with
P1,pump,2026-06-30,
P1,general,2025-12-31,县消防救援大队
P2,flood,2026-07-02,
";

/// Required in 2026: E1 principal since 2024 → 12; E2 safety manager since 2026 → 32; N1 hired
/// 2026 → 24; W1–W4 special operators hired before 2026 → 8.
const PEOPLE: &str = "person,entity,role,role_since,hired
E1,P1,principal,2024-04-01,2010-01-01
E2,P1,safety_manager,2026-03-01,2019-05-01
N1,P1,staff,2026-06-15,2026-06-15
W1,P1,special_operator,2020-01-01,2020-01-01
W2,P2,special_operator,2021-01-01,2021-01-01
W3,P2,special_operator,2018-01-01,2018-01-01
W4,P2,special_operator,2022-01-01,2022-01-01
";

/// As of 2026-07-01: E1 9 + 1.5 = 10.5 (2025-12-31 is last year, 2026-07-02 after the date)
/// → short 12 − 10.5 = 1.5; E2 16 + 16.5 = 32.5 ≥ 32 → short 0; W1 2.25 → short 5.75;
/// W2 8 → short 0; N1, W3, W4 nothing → short 24, 8, 8.
const TRAINING: &str = "person,date,hours,course
E1,2025-12-31,8,年度培训
E1,2026-03-02,9,安全生产法
E1,2026-06-30,1.5,消防
E1,2026-07-02,4,应急
E2,2026-04-01,16,安全管理
E2,2026-05-01,16.5,安全管理
W1,2026-01-10,2.25,焊接安全
W2,2026-02-01,8,高处作业
";

/// As of 2026-07-01:
/// - T-1 expired 2025-01-01 → expired;
/// - T-2 expires 2026-08-30; 60 days before: 30 Aug − 30 = 31 Jul, − 30 = 1 Jul → renewal_due
///   exactly on its first day (in force: W1 is covered);
/// - T-3 issued 2023-07-01, never reviewed → review due 2026-07-01 → review_due;
/// - T-4 issued 2023-07-02 → review due 2026-07-02 → valid;
/// - T-5, W3's only certificate, expired 2024-06-01 → W3 is an automatic major hazard;
///   W4 has none at all → one too. Sorted: W3, W4.
const CERTIFICATES: &str = "person,type,number,issued,expires,last_review
W1,焊接与热切割作业,T-1,2019-01-01,2025-01-01,
W1,低压电工作业,T-2,2020-08-31,2026-08-30,2023-08-01
W2,焊接与热切割作业,T-3,2023-07-01,2029-07-01,
W2,高处作业,T-4,2023-07-02,2029-07-02,
W3,焊接与热切割作业,T-5,2018-06-01,2024-06-01,
";

const EXPECTED_2026_07_01: &str = concat!(
    r#"{"auto_hazards":[{"person":"W3","reason":"no_valid_certificate"},{"person":"W4","reason":"no_valid_certificate"}],"#,
    r#""certificates":{"T-1":"expired","T-2":"renewal_due","T-3":"review_due","T-4":"valid","T-5":"expired"},"#,
    r#""drills":{"P1":{"onsite":{"pit":{"2026-H1":"not_required","2026-H2":"due"},"pump":{"2026-H1":"done","2026-H2":"due"}},"yearly":{"2025":"done","2026":"due"}},"#,
    r#""P2":{"onsite":{},"yearly":{"2025":"not_required","2026":"not_required"}}},"#,
    r#""hazards":{"H1":{"d":"270","level":"orange","overdue":true},"H2":{"d":"21","level":"blue","overdue":false},"#,
    r#""H3":{"d":null,"level":null,"overdue":false},"H4":{"d":"420","level":"red","overdue":false},"#,
    r#""H5":{"d":"70","level":"blue","overdue":false},"H6":{"d":"90","level":"yellow","overdue":false},"#,
    r#""H7":{"d":"20","level":"blue","overdue":false},"H8":{"d":"0.05","level":"blue","overdue":false}},"#,
    r#""training":{"E1":{"done":"10.5","required":"12","short":"1.5"},"E2":{"done":"32.5","required":"32","short":"0"},"#,
    r#""N1":{"done":"0","required":"24","short":"24"},"W1":{"done":"2.25","required":"8","short":"5.75"},"#,
    r#""W2":{"done":"8","required":"8","short":"0"},"W3":{"done":"0","required":"8","short":"8"},"#,
    r#""W4":{"done":"0","required":"8","short":"8"}}}"#,
    "\n"
);

fn all_files(dir: &Path) -> Vec<String> {
    vec![
        write(dir, "hazards.csv", HAZARDS),
        write(dir, "plans.csv", PLANS),
        write(dir, "drills.csv", DRILLS),
        write(dir, "people.csv", PEOPLE),
        write(dir, "training.csv", TRAINING),
        write(dir, "certificates.csv", CERTIFICATES),
    ]
}

#[test]
fn the_contract_is_the_hand_worked_document_to_the_byte() {
    let dir = temp_dir("contract");
    let output = check("2026-07-01", &all_files(&dir));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), EXPECTED_2026_07_01);
}

#[test]
fn files_in_any_order_give_the_same_document() {
    let dir = temp_dir("order");
    let mut files = all_files(&dir);
    files.reverse();
    let output = check("2026-07-01", &files);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), EXPECTED_2026_07_01);
}

#[test]
fn half_a_year_later_missed_periods_are_overdue_and_a_late_drill_is_done() {
    // As of 2027-01-01: P1 had no comprehensive drill in 2026 → overdue, 2027 due; the pump and
    // the pit had nothing in H2 2026 → overdue, H1 2027 due. P2's flood plan (approved 2026)
    // was drilled on 2026-07-02: done wins for 2026; 2027 is owed and due.
    let dir = temp_dir("later");
    let files = vec![
        write(&dir, "plans.csv", PLANS),
        write(&dir, "drills.csv", DRILLS),
    ];
    let output = check("2027-01-01", &files);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["drills"],
        serde_json::json!({
            "P1": {
                "onsite": {
                    "pit": {"2026-H2": "overdue", "2027-H1": "due"},
                    "pump": {"2026-H2": "overdue", "2027-H1": "due"}
                },
                "yearly": {"2026": "overdue", "2027": "due"}
            },
            "P2": {"onsite": {}, "yearly": {"2026": "done", "2027": "due"}}
        })
    );
    // No other file: the other parts are empty, not missing.
    assert_eq!(json["hazards"], serde_json::json!({}));
    assert_eq!(json["training"], serde_json::json!({}));
    assert_eq!(json["certificates"], serde_json::json!({}));
    assert_eq!(json["auto_hazards"], serde_json::json!([]));
}

#[test]
fn a_drill_on_30_june_and_one_on_1_july_fall_in_different_halves() {
    // The pump's plan from 2025: drilled 1 July instead of 30 June, as of 1 July, H1 2026 ended
    // without a drill → overdue; H2 → done.
    let dir = temp_dir("halves");
    let drills = "entity,plan,date,joint_with\nP1,pump,2026-07-01,\n";
    let plans = "entity,plan,kind,approved\nP1,pump,onsite,2025-01-10\n";
    let files = vec![
        write(&dir, "plans.csv", plans),
        write(&dir, "drills.csv", drills),
    ];
    let output = check("2026-07-01", &files);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["drills"]["P1"]["onsite"]["pump"],
        serde_json::json!({"2026-H1": "overdue", "2026-H2": "done"})
    );
}

/// An XLSX twin of a CSV: a title line above the header (as offices write them), dates as date
/// cells, hours and scores as number cells.
fn workbook(rows: &[&[Cell]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "安全台账").unwrap();
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(r, c, *text).unwrap();
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n).unwrap();
                }
                Cell::Date(text) => {
                    let date = rust_xlsxwriter::ExcelDateTime::parse_from_str(text).unwrap();
                    sheet
                        .write_datetime_with_format(r, c, &date, &date_format)
                        .unwrap();
                }
                Cell::Empty => {}
            }
        }
    }
    book.save_to_buffer().unwrap()
}

enum Cell {
    Text(&'static str),
    Number(f64),
    Date(&'static str),
    Empty,
}

#[test]
fn workbooks_read_as_their_csv_twins() {
    use Cell::{Date, Empty, Number, Text};
    let dir = temp_dir("xlsx");
    let people = workbook(&[
        &[
            Text("person"),
            Text("entity"),
            Text("role"),
            Text("role_since"),
            Text("hired"),
        ],
        &[
            Text("E1"),
            Text("P1"),
            Text("principal"),
            Date("2024-04-01"),
            Date("2010-01-01"),
        ],
        &[
            Text("W1"),
            Text("P1"),
            Text("special_operator"),
            Date("2020-01-01"),
            Date("2020-01-01"),
        ],
    ]);
    // Columns in another order than the CSV's: the header decides.
    let training = workbook(&[
        &[Text("date"), Text("person"), Text("course"), Text("hours")],
        &[
            Date("2026-03-02"),
            Text("E1"),
            Text("安全生产法"),
            Number(9.0),
        ],
        &[Date("2026-06-30"), Text("E1"), Text("消防"), Number(1.5)],
        &[
            Date("2026-01-10"),
            Text("W1"),
            Text("焊接安全"),
            Number(2.25),
        ],
    ]);
    let hazards = workbook(&[
        &[
            Text("entity"),
            Text("id"),
            Text("found"),
            Text("grade"),
            Text("l"),
            Text("e"),
            Text("c"),
            Text("owner"),
            Text("deadline"),
            Text("status"),
        ],
        &[
            Text("P1"),
            Text("H1"),
            Date("2026-05-01"),
            Text("general"),
            Number(3.0),
            Number(6.0),
            Number(15.0),
            Text("li"),
            Date("2026-06-30"),
            Text("rectifying"),
        ],
        &[
            Text("P1"),
            Text("H3"),
            Date("2026-05-01"),
            Text("major"),
            Empty,
            Empty,
            Empty,
            Text("wang"),
            Date("2026-07-01"),
            Text("reported"),
        ],
    ]);
    std::fs::write(dir.join("people.xlsx"), people).unwrap();
    std::fs::write(dir.join("training.xlsx"), training).unwrap();
    std::fs::write(dir.join("hazards.xlsx"), hazards).unwrap();
    let files: Vec<String> = ["people.xlsx", "training.xlsx", "hazards.xlsx"]
        .iter()
        .map(|name| dir.join(name).to_string_lossy().into_owned())
        .collect();
    let output = check("2026-07-01", &files);
    assert!(output.status.success(), "{}", stderr(&output));
    // As in the CSV case: E1 10.5 of 12 → 1.5 short; W1 2.25 of 8 → 5.75; W1 holds no
    // certificate (no certificates file) → an automatic major hazard.
    let expected = concat!(
        r#"{"auto_hazards":[{"person":"W1","reason":"no_valid_certificate"}],"certificates":{},"drills":{},"#,
        r#""hazards":{"H1":{"d":"270","level":"orange","overdue":true},"H3":{"d":null,"level":null,"overdue":false}},"#,
        r#""training":{"E1":{"done":"10.5","required":"12","short":"1.5"},"W1":{"done":"2.25","required":"8","short":"5.75"}}}"#,
        "\n"
    );
    assert_eq!(stdout(&output), expected);
}

#[test]
fn a_bad_workbook_cell_is_named_by_its_cell() {
    use Cell::{Date, Number, Text};
    let dir = temp_dir("xlsx-bad");
    let training = workbook(&[
        &[Text("person"), Text("date"), Text("hours"), Text("course")],
        &[
            Text("E1"),
            Date("2026-03-02"),
            Number(-2.0),
            Text("安全生产法"),
        ],
    ]);
    let people = "person,entity,role,role_since,hired\nE1,P1,staff,2020-01-01,2020-01-01\n";
    std::fs::write(dir.join("training.xlsx"), training).unwrap();
    let files = [
        write(&dir, "people.csv", people),
        dir.join("training.xlsx").to_string_lossy().into_owned(),
    ];
    let output = zx(&[
        "--lang",
        "en",
        "safety",
        "check",
        "--as-of",
        "2026-07-01",
        "--format",
        "json",
        &files[0],
        &files[1],
    ]);
    assert!(!output.status.success());
    assert_eq!(stdout(&output), "");
    // Header on row 2 (below the title), the row on 3; hours in column C.
    assert!(
        stderr(&output)
            .contains("training.xlsx!C3: hours: \"-2\" is not a positive number of hours"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn bad_input_is_named_by_file_line_and_column_with_no_json() {
    let dir = temp_dir("bad");
    let hazards = "entity,id,found,grade,l,e,c,owner,deadline,status
P1,H1,2026-05-01,general,4,6,15,li,2026-06-30,rectifying
P1,H2,2026-05-01,severe,3,6,,li,2026-06-30,open
";
    let plans = "entity,plan,kind,approved
P1,pump,onsite,2025-01-10
P1,pit,onsite,2026-02-30
";
    let drills = "entity,plan,date,joint_with\nP1,pump,2026-03-01,\n";
    let files = [
        write(&dir, "hazards.csv", hazards),
        write(&dir, "plans.csv", plans),
        write(&dir, "drills.csv", drills),
    ];
    let mut args = vec![
        "--lang",
        "en",
        "safety",
        "check",
        "--as-of",
        "2026-07-01",
        "--format",
        "json",
    ];
    args.extend(files.iter().map(String::as_str));
    let output = zx(&args);
    assert!(!output.status.success());
    assert_eq!(stdout(&output), "", "no JSON on bad input");
    let err = stderr(&output);
    // Every problem of every file at once, each with file, line, column and value.
    for line in [
        "hazards.csv:2: l: \"4\" is not allowed; write one of: 10, 6, 3, 1, 0.5, 0.2, 0.1",
        "hazards.csv:3: grade: \"severe\" is not allowed; write one of: general, major",
        "hazards.csv:3: c: is empty while other LEC factors are given",
        "hazards.csv:3: status: \"open\" is not allowed",
        "plans.csv:3: approved: \"2026-02-30\" is not a date in the form YYYY-MM-DD",
    ] {
        assert!(err.contains(line), "missing {line:?} in:\n{err}");
    }
}

#[test]
fn a_header_without_rows_is_an_empty_register_and_strays_count_for_nothing() {
    // W1 is a special operator and the certificates file has no rows: no certificate at all →
    // an automatic major hazard. A training record of someone not on the staff list and a drill
    // of a plan not given count for nothing in a check (the import refuses them).
    let dir = temp_dir("empty");
    let files = [
        write(
            &dir,
            "people.csv",
            "person,entity,role,role_since,hired\nW1,P1,special_operator,2020-01-01,2020-01-01\n",
        ),
        write(
            &dir,
            "certificates.csv",
            "person,type,number,issued,expires,last_review\n",
        ),
        write(
            &dir,
            "training.csv",
            "person,date,hours,course\nX9,2026-03-01,4,安全生产法\n",
        ),
        write(
            &dir,
            "drills.csv",
            "entity,plan,date,joint_with\nP1,pmup,2026-03-01,\n",
        ),
    ];
    let output = check("2026-07-01", &files);
    assert!(output.status.success(), "{}", stderr(&output));
    // W1: hired 2020 → 8 h required, none done.
    let expected = concat!(
        r#"{"auto_hazards":[{"person":"W1","reason":"no_valid_certificate"}],"certificates":{},"drills":{},"#,
        r#""hazards":{},"training":{"W1":{"done":"0","required":"8","short":"8"}}}"#,
        "\n"
    );
    assert_eq!(stdout(&output), expected);
}

#[test]
fn codes_are_read_whatever_their_case() {
    // `Onsite` and `Major` as a spreadsheet capitalises them.
    let dir = temp_dir("case");
    let files = [
        write(
            &dir,
            "plans.csv",
            "Entity,Plan,Kind,Approved\nP1,pump,Onsite,2025-01-10\n",
        ),
        write(
            &dir,
            "hazards.csv",
            "entity,id,found,grade,l,e,c,owner,deadline,status\nP1,H1,2026-05-01,Major,,,,li,2026-06-30,Closed\n",
        ),
    ];
    let output = check("2026-07-01", &files);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // Approved 2025-01-10, never drilled; as of 1 July: H1 ended without → overdue, H2 due.
    assert_eq!(
        json["drills"]["P1"]["onsite"]["pump"],
        serde_json::json!({"2026-H1": "overdue", "2026-H2": "due"})
    );
    // Closed: not overdue although the deadline (06-30) has passed.
    assert_eq!(json["hazards"]["H1"]["overdue"], false);
}

#[test]
fn an_unknown_kind_is_refused_naming_its_header() {
    let dir = temp_dir("unknown");
    let file = write(&dir, "staff.csv", "name,department\nli,ops\n");
    let output = zx(&[
        "--lang",
        "en",
        "safety",
        "check",
        "--as-of",
        "2026-07-01",
        "--format",
        "json",
        &file,
    ]);
    assert!(!output.status.success());
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains(
            "staff.csv:1: \"name,department\" is not the header of a safety file (an unknown kind)"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn duplicates_across_files_name_the_first() {
    let dir = temp_dir("dup");
    let first = write(
        &dir,
        "a.csv",
        "person,entity,role,role_since,hired\nE1,P1,staff,2020-01-01,2020-01-01\n",
    );
    let second = write(
        &dir,
        "b.csv",
        "person,entity,role,role_since,hired\nE1,P2,staff,2020-01-01,2020-01-01\n",
    );
    let output = zx(&[
        "--lang",
        "en",
        "safety",
        "check",
        "--as-of",
        "2026-07-01",
        &first,
        &second,
    ]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("b.csv:2: person: \"E1\" is listed twice: the same person is on"),
        "{err}"
    );
    assert!(err.contains("a.csv line 2"), "{err}");
}

#[test]
fn a_bad_as_of_date_is_refused() {
    let dir = temp_dir("as-of");
    let file = write(&dir, "plans.csv", PLANS);
    let output = zx(&["safety", "check", "--as-of", "2026-02-30", &file]);
    assert!(!output.status.success());
    assert_eq!(stdout(&output), "");
    assert!(stderr(&output).contains("--as-of \"2026-02-30\""));
}

// ---------------------------------------------------------------------------------------------
// zx safety import / zx safety status

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/kpi-example");

/// A database with the example group (G > S1 > P1, P2; S2), SQLite or PostgreSQL.
struct Workspace {
    dir: tempfile::TempDir,
    postgres: Option<zx_store_postgres::TestDatabase>,
}

impl Workspace {
    fn sqlite() -> Self {
        Self::with_group(None)
    }

    fn postgres() -> Option<Self> {
        let base = zx_store_postgres::test_database_url("the zx safety test")?;
        let database = zx_store_postgres::TestDatabase::create_blocking(&base).unwrap();
        Some(Self::with_group(Some(database)))
    }

    fn with_group(postgres: Option<zx_store_postgres::TestDatabase>) -> Self {
        let ws = Self {
            dir: tempfile::tempdir().unwrap(),
            postgres,
        };
        assert!(ws.zx(&["init"]).status.success());
        let entities = format!("{EXAMPLE}/entities.csv");
        assert!(ws.zx(&["import", &entities]).status.success());
        ws
    }

    fn db(&self) -> String {
        match &self.postgres {
            Some(database) => database.url().to_owned(),
            None => self.dir.path().join("zx.db").to_string_lossy().into_owned(),
        }
    }

    fn zx(&self, args: &[&str]) -> Output {
        let mut command = Command::new(ZX);
        command
            .args(args)
            .arg("--db")
            .arg(self.db())
            .arg("--lang")
            .arg("en")
            .env("ZX_USER", "safety.officer")
            .env_remove("ZX_LANG");
        common::run(command, None)
    }

    fn status(&self, as_of: &str) -> String {
        let output = self.zx(&["safety", "status", "--as-of", as_of, "--format", "json"]);
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    }
}

fn imported_files_give_the_same_document_from_the_database(ws: Workspace) {
    let files = all_files(ws.dir.path());
    let mut args = vec!["safety", "import"];
    args.extend(files.iter().map(String::as_str));
    let output = ws.zx(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    // 4 plans + 3 drills + 7 people + 8 training records + 5 certificates = 27 created;
    // 8 hazards into the register.
    assert!(
        stdout(&output).ends_with(
            "created 27, revised 0, unchanged 0; hazards: created 8, revised 0, unchanged 0\n"
        ),
        "{}",
        stdout(&output)
    );
    assert_eq!(ws.status("2026-07-01"), EXPECTED_2026_07_01);

    // The same files again: nothing changes, nothing is duplicated.
    let output = ws.zx(&args);
    assert!(
        stdout(&output).ends_with(
            "created 0, revised 0, unchanged 27; hazards: created 0, revised 0, unchanged 8\n"
        ),
        "{}",
        stdout(&output)
    );
    assert_eq!(ws.status("2026-07-01"), EXPECTED_2026_07_01);

    // A correction: E1's 1.5 h were 3.5 h → done 9 + 3.5 = 12.5 ≥ 12, short 0; one revision,
    // audited with old and new value.
    let corrected = TRAINING.replace("E1,2026-06-30,1.5,消防", "E1,2026-06-30,3.5,消防");
    let file = write(ws.dir.path(), "training.csv", &corrected);
    let output = ws.zx(&["safety", "import", &file]);
    assert!(
        stdout(&output).contains("created 0, revised 1, unchanged 7;"),
        "{}",
        stdout(&output)
    );
    let status: serde_json::Value = serde_json::from_str(&ws.status("2026-07-01")).unwrap();
    assert_eq!(
        status["training"]["E1"],
        serde_json::json!({"done": "12.5", "required": "12", "short": "0"})
    );
    let audit = ws.zx(&["audit", "--format", "json"]);
    let audit: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    let revision = audit["audit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["action"] == "safety_training.revise")
        .expect("the revision is audited");
    assert_eq!(revision["old"], "hours=1.5");
    assert_eq!(revision["new"], "hours=3.5");
    assert_eq!(revision["user"], "safety.officer");
}

fn a_bad_file_writes_nothing(ws: Workspace) {
    // Good people, but training of someone on no staff list and a plan of an unregistered
    // entity: every problem named, nothing written.
    let dir = ws.dir.path();
    let people = write(dir, "people.csv", PEOPLE);
    let training = write(
        dir,
        "training.csv",
        "person,date,hours,course\nX1,2026-03-02,2,安全生产法\n",
    );
    let plans = write(
        dir,
        "plans.csv",
        "entity,plan,kind,approved\nP9,general,comprehensive,2024-01-01\n",
    );
    let output = ws.zx(&["safety", "import", &people, &training, &plans]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("training.csv:2: person: \"X1\" is not a person of the people files"),
        "{err}"
    );
    assert!(
        err.contains("plans.csv:2: entity: \"P9\" is not a known entity"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    // A drill of a plan neither stored nor in the files.
    let drills = write(
        dir,
        "drills.csv",
        "entity,plan,date,joint_with\nP1,pmup,2026-03-01,\n",
    );
    let output = ws.zx(&["safety", "import", &drills]);
    assert!(!output.status.success());
    assert!(
        stderr(&output)
            .contains("drills.csv:2: plan: \"pmup\" is not a plan of P1 in the plans files"),
        "{}",
        stderr(&output)
    );
    let status: serde_json::Value = serde_json::from_str(&ws.status("2026-07-01")).unwrap();
    assert_eq!(status["training"], serde_json::json!({}));
    assert_eq!(status["drills"], serde_json::json!({}));
}

fn a_later_import_may_refer_to_what_is_stored(ws: Workspace) {
    // People first, then their training alone: the stored person is known.
    let dir = ws.dir.path();
    let people = write(dir, "people.csv", PEOPLE);
    assert!(ws.zx(&["safety", "import", &people]).status.success());
    let training = write(dir, "training.csv", TRAINING);
    let output = ws.zx(&["safety", "import", &training]);
    assert!(output.status.success(), "{}", stderr(&output));
    let status: serde_json::Value = serde_json::from_str(&ws.status("2026-07-01")).unwrap();
    assert_eq!(
        status["training"]["E1"],
        serde_json::json!({"done": "10.5", "required": "12", "short": "1.5"})
    );
}

on_both_backends!(Workspace:
    imported_files_give_the_same_document_from_the_database,
    a_bad_file_writes_nothing,
    a_later_import_may_refer_to_what_is_stored,
);

/// A group's own bands (stricter: red above 200, orange above 80, yellow above 20):
/// H1 270 > 200 → red; H4 420 → red; H5 70: 20 < 70 ≤ 80 → yellow; H6 90 > 80 → orange;
/// H7 20 is the yellow cut-off itself → the band below, blue; H2 21 > 20 → yellow.
#[test]
fn a_groups_own_grading_bands_colour_the_hazards() {
    let dir = temp_dir("own-bands");
    let own = write(
        &dir,
        "grading.toml",
        r#"[lec]
bands = [
  { above = "200", grade = "extreme", level = "red" },
  { above = "80", grade = "high", level = "orange" },
  { above = "20", grade = "significant", level = "yellow" },
]
otherwise_grade = "slight"
otherwise_level = "blue"
[matrix]
bands = [{ at_least = 16, level = "red" }]
otherwise = "blue"
"#,
    );
    let hazards = write(&dir, "hazards.csv", HAZARDS);
    let output = zx(&[
        "safety",
        "check",
        "--as-of",
        "2026-07-01",
        "--format",
        "json",
        "--grading",
        &own,
        &hazards,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let document: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let level = |h: &str| {
        document["hazards"][h]["level"]
            .as_str()
            .unwrap_or("null")
            .to_owned()
    };
    assert_eq!(
        ["H1", "H2", "H4", "H5", "H6", "H7", "H8"].map(level),
        ["red", "yellow", "red", "yellow", "orange", "blue", "blue"]
    );

    // A bands file listed upside down is refused, naming the file; nothing is printed.
    let upside_down = write(
        &dir,
        "upside.toml",
        &std::fs::read_to_string(&own)
            .unwrap()
            .replace(r#"above = "200""#, r#"above = "10""#),
    );
    let output = zx(&[
        "safety",
        "check",
        "--as-of",
        "2026-07-01",
        "--format",
        "json",
        "--grading",
        &upside_down,
        &hazards,
    ]);
    assert!(!output.status.success());
    assert!(stdout(&output).is_empty());
    assert!(
        stderr(&output).contains(&format!(
            "{upside_down}: grading bands: bands must be listed from the highest cut-off down"
        )),
        "{}",
        stderr(&output)
    );
}
