//! `zx measures`: the action list from the command line, on the kpi.md worked example.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/kpi-example");

fn zx(db: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zx"));
    command
        .args(args)
        .arg("--db")
        .arg(db)
        .env("ZX_USER", "tester")
        .env_remove("ZX_LANG");
    common::run(command, stdin)
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = zx(db, args, None);
    assert!(
        out.status.success(),
        "zx {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zx.db");
    ok(&db, &["init"]);
    let files: Vec<String> = ["entities.csv", "data.csv", "targets.csv"]
        .iter()
        .map(|f| format!("{EXAMPLE}/{f}"))
        .collect();
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    ok(&db, &args);
    for (name, entity) in [("s1boss", "S1"), ("p2boss", "P2")] {
        let out = zx(
            &db,
            &[
                "user",
                "add",
                "--name",
                name,
                "--role",
                "entity_manager",
                "--entity",
                entity,
                "--password-stdin",
            ],
            Some("a-long-password\n"),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (dir, db)
}

#[test]
fn a_bad_list_is_reported_whole_and_nothing_is_written() {
    let (dir, db) = setup();
    let bad = dir.path().join("measures.csv");
    std::fs::write(
        &bad,
        "entity,title,indicator,owner,start,due,status,progress\n\
         S1,压降两金,operating_cash_ratio,s1boss,2026-01-01,2026-06-30,in_progress,40\n\
         PX,提升入炉量,total_profit,s1boss,2026-01-01,2026-06-30,planned,0\n\
         P2,节能降耗,roe,nobody,2026-01-01,2026-06-31,late,140\n",
    )
    .unwrap();
    let out = zx(
        &db,
        &["measures", "import", bad.to_str().unwrap(), "--lang", "en"],
        None,
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in [
        "measures.csv:3: entity: \"PX\"",
        "measures.csv:4: owner: \"nobody\" is not a user name",
        "measures.csv:4: due: \"2026-06-31\" is not a date in the form YYYY-MM-DD",
        "measures.csv:4: status: \"late\" is not one of planned, in_progress, done, cancelled",
        "measures.csv:4: progress: \"140\" is not a whole number from 0 to 100",
    ] {
        assert!(stderr.contains(line), "missing {line} in\n{stderr}");
    }
    let list: Value = serde_json::from_str(&ok(
        &db,
        &[
            "measures",
            "list",
            "--as-of",
            "2026-07-01",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(
        list["measures"].as_array().unwrap().len(),
        0,
        "nothing was written"
    );
}

/// The same list imported twice is matched, not duplicated; a cell edited revises that one
/// measure, audited with old and new values; a number naming no measure, or another entity's,
/// is an error on its line and nothing is written.
#[test]
fn a_list_imported_again_is_matched_not_duplicated() {
    let (dir, db) = setup();
    let file = dir.path().join("measures.csv");
    let list = "entity,title,indicator,owner,start,due,status,progress\n\
                S1,压降两金,operating_cash_ratio,s1boss,2026-01-01,2026-06-30,in_progress,40\n\
                P2,提升入炉量,total_profit,p2boss,2026-01-15,2026-03-31,done,100\n\
                P2,节能降耗,roe,p2boss,,2026-07-01,planned,0\n";
    std::fs::write(&file, list).unwrap();
    let import = |lang: &str| {
        ok(
            &db,
            &["measures", "import", file.to_str().unwrap(), "--lang", lang],
        )
    };
    let count = || {
        let all: Value = serde_json::from_str(&ok(
            &db,
            &[
                "measures",
                "list",
                "--as-of",
                "2026-07-02",
                "--format",
                "json",
            ],
        ))
        .unwrap();
        all["measures"].as_array().unwrap().len()
    };
    assert!(import("en").contains("3 new, 0 revised, 0 unchanged"));
    assert_eq!(count(), 3);
    let out = import("zh");
    assert!(out.contains("0 项新增，0 项修订，3 项未变"), "{out}");
    assert_eq!(count(), 3);

    // One cell edited: the roe measure started (progress 0 → 25, in progress).
    std::fs::write(
        &file,
        list.replace(
            "roe,p2boss,,2026-07-01,planned,0",
            "roe,p2boss,,2026-07-01,in_progress,25",
        ),
    )
    .unwrap();
    assert!(import("en").contains("0 new, 1 revised, 2 unchanged"));
    assert_eq!(count(), 3);
    let audit: Value = serde_json::from_str(&ok(
        &db,
        &["audit", "--action", "measure.revise", "--format", "json"],
    ))
    .unwrap();
    let lines = audit["audit"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{audit}");
    assert_eq!(lines[0]["object"], "measure 3", "{audit}");
    assert_eq!(
        lines[0]["old"],
        "title=节能降耗; indicator=roe; owner=p2boss; start=; due=2026-07-01; status=planned; progress=0"
    );
    assert_eq!(
        lines[0]["new"],
        "title=节能降耗; indicator=roe; owner=p2boss; start=; due=2026-07-01; status=in_progress; progress=25"
    );

    // Numbers: 3 is P2's measure, not S1's; 9 is no measure.
    for (number, says) in [
        ("3", "measure number 3 is a measure of P2, not of S1"),
        ("9", "measure number 9 is not a stored measure"),
    ] {
        std::fs::write(
            &file,
            format!(
                "entity,title,indicator,owner,start,due,status,progress,措施编号\n\
                 P2,节能降耗,roe,p2boss,,2026-07-01,in_progress,30,\n\
                 S1,新措施,roe,s1boss,,2026-07-01,planned,0,{number}\n"
            ),
        )
        .unwrap();
        let out = zx(
            &db,
            &["measures", "import", file.to_str().unwrap(), "--lang", "en"],
            None,
        );
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("measures.csv:3: {says}")),
            "{stderr}"
        );
        assert!(stderr.contains("nothing was imported"), "{stderr}");
        assert_eq!(count(), 3);
    }
}

#[test]
fn list_overdue_completion_and_gaps() {
    let (dir, db) = setup();
    let file = dir.path().join("measures.csv");
    std::fs::write(
        &file,
        "entity,title,indicator,owner,start,due,status,progress\n\
         S1,压降两金,operating_cash_ratio,s1boss,2026-01-01,2026-06-30,in_progress,40\n\
         P2,提升入炉量,total_profit,p2boss,2026-01-15,2026-03-31,done,100\n\
         P2,节能降耗,roe,p2boss,,2026-07-01,planned,0\n\
         P2,技改项目,rd_intensity,p2boss,2026-02-01,2026-05-31,cancelled,10\n\
         G,集团研发投入提升,rd_intensity,s1boss,2026-01-01,2026-12-31,in_progress,20\n",
    )
    .unwrap();
    let out = ok(
        &db,
        &["measures", "import", file.to_str().unwrap(), "--lang", "en"],
    );
    assert!(out.contains("5 new, 0 revised, 0 unchanged"), "{out}");

    // As of 2026-07-01: the S1 measure (due 06-30, in progress) is overdue; the P2 roe measure
    // due that very day is not; done and cancelled never are.
    let list: Value = serde_json::from_str(&ok(
        &db,
        &[
            "measures",
            "list",
            "--entity",
            "S1",
            "--as-of",
            "2026-07-01",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let measures = list["measures"].as_array().unwrap();
    let shown: Vec<(i64, &str, bool)> = measures
        .iter()
        .map(|m| {
            (
                m["id"].as_i64().unwrap(),
                m["entity"].as_str().unwrap(),
                m["overdue"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (1, "S1", true),
            (2, "P2", false),
            (3, "P2", false),
            (4, "P2", false)
        ]
    );
    assert_eq!(measures[0]["title"], "压降两金");
    assert_eq!(measures[0]["owner"], "s1boss");
    assert_eq!(measures[0]["due"], "2026-06-30");
    assert_eq!(measures[0]["status"], "in_progress");
    // S1's subtree: 4 measures, 1 done, 1 cancelled → completion 1 / 3.
    assert_eq!(list["summary"]["total"], 4);
    assert_eq!(list["summary"]["done"], 1);
    assert_eq!(list["summary"]["overdue"], 1);
    assert_eq!(list["summary"]["completion_rate"], "0.333333333333");
    let all: Value = serde_json::from_str(&ok(
        &db,
        &[
            "measures",
            "list",
            "--as-of",
            "2026-07-02",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(all["summary"]["total"], 5);
    assert_eq!(
        all["summary"]["overdue"], 2,
        "the roe measure due 07-01 is overdue on 07-02"
    );

    // Gaps: every red (entity, indicator) of expected.json at 2026-03 year to date, minus those
    // with a planned or in-progress measure (S1 cash ratio, P2 roe, G R&D intensity).
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{EXAMPLE}/expected.json")).unwrap())
            .unwrap();
    let mut reds: BTreeSet<(String, String)> = BTreeSet::new();
    for (entity, indicators) in expected["2026-03"]["ytd"].as_object().unwrap() {
        for (id, fields) in indicators.as_object().unwrap() {
            if fields.get("status").and_then(Value::as_str) == Some("red") {
                reds.insert((entity.clone(), id.clone()));
            }
        }
    }
    for addressed in [
        ("S1", "operating_cash_ratio"),
        ("P2", "roe"),
        ("G", "rd_intensity"),
    ] {
        reds.remove(&(addressed.0.to_owned(), addressed.1.to_owned()));
    }
    let gaps: Value = serde_json::from_str(&ok(
        &db,
        &[
            "measures", "gaps", "--period", "2026-03", "--format", "json",
        ],
    ))
    .unwrap();
    let found: BTreeSet<(String, String)> = gaps["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["entity"].as_str().unwrap().to_owned(),
                g["indicator"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(!found.is_empty());
    assert_eq!(found, reds);
    // The done P2 profit measure does not count as action: P2 total profit stays a gap if red.
    let audit = ok(&db, &["audit", "--action", "measure.create"]);
    assert_eq!(audit.lines().count(), 5, "{audit}");
}
