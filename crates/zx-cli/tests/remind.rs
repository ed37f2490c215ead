//! `zx remind`: notifications about measures on the kpi.md worked example — to the owner when due
//! soon or overdue, to the enabled managers of the superior entity after the grace period, each
//! once (re-runs send nothing new), judged on the China date; `--dry-run` records nothing.
//! On SQLite always, and on PostgreSQL when ZX_TEST_DATABASE_URL is set.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use zx_store_postgres::{TestDatabase, test_database_url};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/kpi-example");

/// 2026-06-30T17:00:00Z: already 2026-07-01 in China.
const NOW: &str = "2026-07-01T01:00:00+08:00";
const A_DAY_LATER: &str = "2026-07-02T01:00:00+08:00";

fn zx(dir: &Path, db: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zx"));
    command
        .current_dir(dir)
        .args(args)
        .arg("--db")
        .arg(db)
        .env("ZX_USER", "tester")
        .env_remove("ZX_LANG")
        .env_remove("ZX_CATALOGUE");
    common::run(command, stdin)
}

fn ok(dir: &Path, db: &str, args: &[&str], stdin: Option<&str>) -> String {
    let out = zx(dir, db, args, stdin);
    assert!(
        out.status.success(),
        "zx {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn remind(dir: &Path, db: &str, now: &str, extra: &[&str]) -> Value {
    let mut args = vec!["remind", "--now", now, "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(dir, db, &args, None)).unwrap()
}

fn sent(list: &[(i64, &str, &str)]) -> Value {
    let items: Vec<Value> = list
        .iter()
        .map(|(measure, to, reason)| json!({"measure": measure, "to": to, "reason": reason}))
        .collect();
    json!({ "notifications": items, "warning_escalations": [], "drill_reminders": [],
            "manager_reminders": [], "auto_hazards": [] })
}

/// The example group; p2boss owns the measures (manages P2), s1boss and s1gone (disabled)
/// manage S1 (P2's parent), gboss manages G (P2's grandparent); six measures on P2.
fn setup(dir: &Path, db: &str) {
    ok(dir, db, &["init"], None);
    let files: Vec<String> = ["entities.csv", "data.csv", "targets.csv"]
        .iter()
        .map(|f| format!("{EXAMPLE}/{f}"))
        .collect();
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    ok(dir, db, &args, None);
    for (name, entity) in [
        ("p2boss", "P2"),
        ("s1boss", "S1"),
        ("s1gone", "S1"),
        ("gboss", "G"),
    ] {
        ok(
            dir,
            db,
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
    }
    ok(dir, db, &["user", "disable", "--name", "s1gone"], None);
    let list = dir.join("measures.csv");
    std::fs::write(
        &list,
        "entity,title,indicator,owner,start,due,status,progress\n\
         P2,七天后到期,total_profit,p2boss,,2026-07-08,in_progress,40\n\
         P2,八天后到期,total_profit,p2boss,,2026-07-09,planned,0\n\
         P2,昨天到期,total_profit,p2boss,,2026-06-30,in_progress,60\n\
         P2,逾期八天,total_profit,p2boss,,2026-06-23,in_progress,20\n\
         P2,逾期七天,total_profit,p2boss,,2026-06-24,planned,0\n\
         P2,早已完成,total_profit,p2boss,,2026-06-01,done,100\n",
    )
    .unwrap();
    ok(
        dir,
        db,
        &["measures", "import", list.to_str().unwrap()],
        None,
    );
}

fn the_story(dir: &Path, db: &str) {
    setup(dir, db);
    // Judged on 2026-07-01 (China), not 2026-06-30 (UTC): measure 3 is overdue, measure 1 due
    // in 7 days; measure 4 is 8 days late, past the 7-day grace: escalated to the enabled S1
    // manager only (not the disabled one, not G's).
    let expected = sent(&[
        (1, "p2boss", "due_soon"),
        (3, "p2boss", "overdue"),
        (4, "p2boss", "overdue"),
        (4, "s1boss", "escalated"),
        (5, "p2boss", "overdue"),
    ]);
    // A dry run lists them and records nothing: it says the same again, and a real run sends them.
    assert_eq!(remind(dir, db, NOW, &["--dry-run"]), expected);
    assert_eq!(remind(dir, db, NOW, &["--dry-run"]), expected);
    assert_eq!(remind(dir, db, NOW, &[]), expected);
    // Sent once: a re-run (real or dry) sends nothing.
    assert_eq!(remind(dir, db, NOW, &[]), sent(&[]));
    assert_eq!(remind(dir, db, NOW, &["--dry-run"]), sent(&[]));
    // A longer grace period escalates nothing more.
    assert_eq!(remind(dir, db, NOW, &["--grace-days", "30"]), sent(&[]));

    // A day later: measure 2 is due in 7 days, measure 5 is 8 days late and escalated (once).
    let later = sent(&[(2, "p2boss", "due_soon"), (5, "s1boss", "escalated")]);
    assert_eq!(remind(dir, db, A_DAY_LATER, &["--dry-run"]), later);
    assert_eq!(remind(dir, db, A_DAY_LATER, &[]), later);
    assert_eq!(remind(dir, db, A_DAY_LATER, &[]), sent(&[]));

    // Each sending is in the audit log, by the reminder job.
    let audit: Value = serde_json::from_str(&ok(
        dir,
        db,
        &[
            "audit",
            "--by",
            "system",
            "--action",
            "notification.send",
            "--format",
            "json",
        ],
        None,
    ))
    .unwrap();
    let text = audit.to_string();
    assert_eq!(text.matches("notification.send").count(), 7, "{text}");
    assert!(text.contains("to=s1boss; reason=escalated"), "{text}");
    assert!(
        !text.contains("s1gone") && !text.contains("gboss"),
        "{text}"
    );

    // The text format says how many.
    let out = ok(
        dir,
        db,
        &["remind", "--now", A_DAY_LATER, "--lang", "en"],
        None,
    );
    assert_eq!(out.trim(), "0 notifications sent");
}

#[test]
fn reminders_on_sqlite_are_sent_once_and_escalated_after_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zx.db");
    the_story(dir.path(), db.to_str().unwrap());
}

#[test]
fn reminders_on_postgres_are_sent_once_and_escalated_after_the_grace_period() {
    let Some(base) = test_database_url("the zx remind test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::create_blocking(&base).unwrap();
    the_story(dir.path(), database.url());
}
