//! Moving and keeping a database: `zx export` / `zx restore` across backends, `zx migrate`, and
//! the refusal to open a schema newer than this build — the real binary, real databases.
//!
//! The round trip runs SQLite → PostgreSQL → SQLite when `ZX_TEST_DATABASE_URL` is set, and
//! SQLite → SQLite (with a notice) otherwise. Its archives are compared byte for byte: nothing
//! is normalised, since an archive holds no export time and no backend name, and lists records
//! in a fixed order.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{TimeZone, Utc};
use zx_domain::{EntityCode, Month, Target};
use zx_store::prelude::*;
use zx_store::{PeriodState, PeriodStatus};
use zx_store_postgres::{TestDatabase, test_database_url};
use zx_store_sqlite::SqliteStore;

fn run(dir: &Path, db: &str, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zx"));
    command
        .current_dir(dir)
        .args(args)
        .arg("--db")
        .arg(db)
        .env("ZX_USER", "tester")
        .env_remove("ZX_LANG")
        .env_remove("ZX_CATALOGUE")
        .env_remove("ZX_LISTEN");
    common::run(command, Some(stdin))
}

fn ok(dir: &Path, db: &str, args: &[&str]) -> String {
    ok_with(dir, db, args, "")
}

fn ok_with(dir: &Path, db: &str, args: &[&str], stdin: &str) -> String {
    let out = run(dir, db, args, stdin);
    assert!(
        out.status.success(),
        "zx {args:?} --db {db} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn failed(dir: &Path, db: &str, args: &[&str]) -> String {
    let out = run(dir, db, args, "");
    assert!(
        !out.status.success(),
        "zx {args:?} --db {db} should have failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The archive's text, gunzipped if needed.
fn archive_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .unwrap();
        text
    } else {
        String::from_utf8(bytes).unwrap()
    }
}

/// What the application shows of a database, to compare three of them.
fn views(dir: &Path, db: &str) -> Vec<String> {
    [
        &[
            "kpi", "--entity", "ZX", "--period", "2026-10", "--format", "json",
        ][..],
        &[
            "kpi", "--entity", "FJ", "--period", "2026-06", "--basis", "month", "--format", "json",
        ],
        &[
            "report", "--period", "2026-06", "--depth", "2", "--lang", "en",
        ],
        &["history", "--entity", "FJ-JJ-WTE", "--format", "json"],
        &["submissions", "--format", "json"],
        &["audit", "--limit", "100000", "--format", "json"],
        &["user", "list", "--format", "json"],
        &["entities", "--format", "json"],
        &[
            "safety",
            "status",
            "--as-of",
            "2026-12-06",
            "--format",
            "json",
        ],
    ]
    .iter()
    .map(|args| ok(dir, db, args))
    .collect()
}

#[test]
fn a_database_moves_between_backends_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = d.join("a.db").to_string_lossy().into_owned();

    // A: the demo, a correction (a second revision), accounts, a token, a target edited on the
    // web, a locked month.
    ok(d, &a, &["demo"]);
    std::fs::write(
        d.join("fix.csv"),
        "entity,period,item,value,basis\nFJ-JJ-WTE,2026-06,total_profit,31600123.450,ytd\n",
    )
    .unwrap();
    let out = ok(d, &a, &["import", "fix.csv", "--lang", "en"]);
    assert!(out.contains("0 new, 1 revised, 0 unchanged"), "{out}");
    ok_with(
        d,
        &a,
        &[
            "user",
            "add",
            "--name",
            "auditor",
            "--role",
            "viewer",
            "--entity",
            "FJ",
            "--password-stdin",
        ],
        "a long enough passphrase\n",
    );
    let token = ok(d, &a, &["user", "token", "--name", "auditor"])
        .trim()
        .to_owned();
    ok(d, &a, &["user", "token", "--name", "hq"]);
    ok(d, &a, &["user", "disable", "--name", "sichuan"]);
    runtime().block_on(async {
        let store = SqliteStore::open(&a, false).await.unwrap();
        let code = EntityCode::parse("FJ").unwrap();
        let record = store
            .target_records()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.target.entity == code && r.target.indicator == "total_profit")
            .unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 30, 0).unwrap();
        store
            .set_target(
                Target {
                    value: "88880000.50".parse().unwrap(),
                    ..record.target
                },
                Some(record.revision),
                "hq",
                at,
            )
            .await
            .unwrap();
        store
            .set_period_state(PeriodStatus {
                entity: EntityCode::parse("ZX").unwrap(),
                month: Month::parse("2026-05").unwrap(),
                state: PeriodState::Locked,
                comment: Some("五月关账".into()),
                user: "hq".into(),
                at,
            })
            .await
            .unwrap();
        store.close().await;
    });
    let before = views(d, &a);

    // A → B (PostgreSQL, or a second SQLite file without a test cluster) → C (SQLite).
    let postgres = test_database_url("the export/restore round trip");
    let database = postgres.map(|base| TestDatabase::create_blocking(&base).unwrap());
    let b = match &database {
        Some(database) => database.url().to_owned(),
        None => {
            // Past the test harness's capture, so a plain `cargo test` shows it.
            let _ = writeln!(
                std::io::stderr(),
                "note: ZX_TEST_DATABASE_URL is not set: the PostgreSQL leg of the export/restore \
                 round trip was skipped (SQLite → SQLite → SQLite instead)"
            );
            d.join("b.db").to_string_lossy().into_owned()
        }
    };
    let c = d.join("c.db").to_string_lossy().into_owned();
    let out = ok(d, &a, &["export", "-o", "a.jsonl", "--lang", "en"]);
    assert!(out.contains("exported"), "{out}");
    let restored = ok(d, &b, &["restore", "a.jsonl", "--lang", "en"]);
    assert!(
        restored.contains("archive of zx 0.1.0, format 6"),
        "{restored}"
    );
    ok(d, &b, &["export", "-o", "b.jsonl.gz"]);
    ok(d, &c, &["restore", "b.jsonl.gz"]);
    ok(d, &c, &["export", "-o", "c.jsonl"]);

    // Three archives, byte for byte the same (the middle one compressed).
    let a_text = archive_text(&d.join("a.jsonl"));
    assert_eq!(
        std::fs::read(d.join("b.jsonl.gz")).unwrap()[..2],
        [0x1f, 0x8b]
    );
    assert_eq!(archive_text(&d.join("b.jsonl.gz")), a_text);
    assert_eq!(archive_text(&d.join("c.jsonl")), a_text);
    // And what they hold: the counts, the correction, the hashes, the lock.
    let header: serde_json::Value = serde_json::from_str(a_text.lines().next().unwrap()).unwrap();
    assert_eq!(header["format"], "zengxiao-archive");
    assert_eq!(header["counts"]["submissions"], 4);
    assert_eq!(header["counts"]["entities"], 69);
    assert_eq!(
        header["counts"]["users"], 7,
        "the six demo accounts (hr since issue 14) and one added"
    );
    assert_eq!(header["counts"]["api_tokens"], 2);
    // The lock, and FJ-JJ-WTE's June sent back to "submitted" by the corrected value.
    assert_eq!(header["counts"]["period_statuses"], 2);
    assert!(
        a_text.contains(r#""revision":2,"value":"31600123.45","basis":"ytd","submission_id":4}"#)
    );
    assert!(a_text.contains(r#""value":"88880000.50","submission_id":null,"user":"hq","at":"2026-11-02T09:30:00.000000Z"}"#));
    assert!(a_text.contains(r#""state":"locked","comment":"五月关账""#));
    assert!(a_text.contains("$argon2id$"));
    // The safety registers (format 6), with the evidence photos their hazards carry.
    let tables = &header["counts"]["tables"];
    for table in [
        "hazards",
        "hazard_steps",
        "safety_plans",
        "safety_drills",
        "safety_people",
        "safety_training",
        "safety_certificates",
        "safety_risks",
        "site_exposures",
        "natural_warnings",
        "warning_alerts",
        "safety_planned_drills",
    ] {
        assert!(tables[table].as_u64().unwrap_or(0) > 0, "{table}: {tables}");
    }
    assert!(a_text.contains(r#"{"table_row":{"table":"hazards","row":{"id":1,"#));

    // What the application shows is the same on all three databases.
    assert_eq!(views(d, &b), before);
    assert_eq!(views(d, &c), before);
    let kpi: serde_json::Value = serde_json::from_str(&before[0]).unwrap();
    assert_eq!(kpi["entity"], "ZX");
    assert_eq!(kpi["period"], "2026-10");

    // The accounts work on the copy: the password, the token; the lock still refuses imports.
    runtime().block_on(async {
        let store = SqliteStore::open(&c, false).await.unwrap();
        let (user, hash) = store.user_with_hash("auditor").await.unwrap().unwrap();
        assert_eq!(user.entity, Some(EntityCode::parse("FJ").unwrap()));
        assert!(zx_auth::verify_password("a long enough passphrase", &hash));
        let by_token = store
            .user_by_token(&zx_auth::sha256_hex(&token))
            .await
            .unwrap();
        assert_eq!(by_token.map(|u| u.name), Some("auditor".into()));
        store.close().await;
    });
    std::fs::write(
        d.join("may.csv"),
        "entity,period,item,value,basis\nFJ-JJ-WTE,2026-05,total_profit,1,month\n",
    )
    .unwrap();
    let refused = failed(d, &c, &["import", "may.csv", "--lang", "en"]);
    assert!(
        refused.contains("may.csv:2: value: \"1\" changes total_profit of FJ-JJ-WTE for 2026-05, a month locked (ZX)"),
        "{refused}"
    );
}

#[test]
fn restore_takes_only_an_empty_database_and_a_whole_archive() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = d.join("a.db").to_string_lossy().into_owned();
    ok(d, &a, &["demo"]);
    ok(d, &a, &["export", "-o", "a.jsonl"]);

    // Into a database with data: refused, nothing written.
    let error = failed(d, &a, &["restore", "a.jsonl", "--lang", "en"]);
    assert!(
        error.contains(
            "restore failed, nothing was written: the database is not empty (its submissions table has rows)"
        ),
        "{error}"
    );
    // An existing archive is not overwritten without --force.
    let error = failed(d, &a, &["export", "-o", "a.jsonl"]);
    assert!(
        error.contains("a.jsonl already exists: pass --force"),
        "{error}"
    );
    ok(d, &a, &["export", "-o", "a.jsonl", "--force"]);

    // A truncated archive: refused before any database is created.
    let text = std::fs::read_to_string(d.join("a.jsonl")).unwrap();
    let cut: String = text.lines().take(1000).map(|l| format!("{l}\n")).collect();
    std::fs::write(d.join("cut.jsonl"), cut).unwrap();
    let fresh = d.join("fresh.db");
    let error = failed(d, fresh.to_str().unwrap(), &["restore", "cut.jsonl"]);
    // 17,895 financial revisions and the operating data of 57 plants over 34 months (2024-01 to
    // 2026-10): 30 waste-to-energy × 14 items + 13 water × 12 + 14 solar and wind × 13, i.e.
    // 34 × (420 + 156 + 182) = 25,772; the eight reform items of every plant, 57 × 34 × 8 =
    // 15,504; the eleven workforce items of every plant, 57 × 34 × 11 = 21,318; 80,489 in all.
    // The first 1,000 lines are the header, 3 submissions, 69 entities and 927 revisions.
    assert!(
        error.contains("the archive is incomplete: its header announces 80489 fact revisions, the file holds 927"),
        "{error}"
    );
    assert!(!fresh.exists());
    // Not an archive at all.
    let error = failed(d, fresh.to_str().unwrap(), &["restore", "fix.csv"]);
    assert!(error.contains("cannot read fix.csv"), "{error}");
    std::fs::write(d.join("data.csv"), "entity,period\n").unwrap();
    let error = failed(d, fresh.to_str().unwrap(), &["restore", "data.csv"]);
    assert!(error.contains("not a Zengxiao archive"), "{error}");
}

/// A database created with only the first SQLite migration, as the first release left it.
fn first_release_sqlite(path: &Path) {
    runtime().block_on(async {
        let pool = sqlx::sqlite::SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true),
        )
        .await
        .unwrap();
        let migrations: PathBuf = [
            env!("CARGO_MANIFEST_DIR"),
            "..",
            "zx-store-sqlite",
            "migrations",
        ]
        .iter()
        .collect();
        sqlx::migrate::Migrator::new(migrations)
            .await
            .unwrap()
            .run_to(1, &pool)
            .await
            .unwrap();
        pool.close().await;
    });
}

const FUTURE_MIGRATION: &str = "INSERT INTO _sqlx_migrations
    (version, description, success, checksum, execution_time)
    VALUES (99, 'from a newer release', TRUE, X'00', 0)";

/// `zx kpi` and `zx serve` both refuse a database of a newer release, naming the versions.
fn newer_schema_is_refused(dir: &Path, db: &str, known: i64) {
    let message =
        format!("this database was migrated by a newer Zengxiao (schema 99 > {known}); upgrade zx");
    let error = failed(dir, db, &["entities"]);
    assert!(error.contains(&message), "{error}");
    let error = failed(dir, db, &["migrate"]);
    assert!(error.contains(&message), "{error}");
    // The server does not start (it would otherwise listen and print its address).
    let out = run(dir, db, &["serve", "--listen", "127.0.0.1:0"], "");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&message), "{stderr}");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("http://"),
        "the server started"
    );
}

#[test]
fn migrate_on_sqlite_and_a_newer_schema_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let path = d.join("old.db");
    first_release_sqlite(&path);
    let db = path.to_string_lossy().into_owned();
    // The newest migration, whichever issue added it last.
    let known = zx_store_sqlite::SqliteStore::known_schema();
    let out = ok(d, &db, &["migrate", "--lang", "en"]);
    assert_eq!(
        out.trim(),
        format!("{db}: schema 1 → {known} (this zx knows up to {known})")
    );
    let out = ok(d, &db, &["migrate", "--lang", "en"]);
    assert_eq!(out.trim(), format!("{db}: schema {known} — up to date"));
    let missing = d.join("missing.db");
    let error = failed(d, missing.to_str().unwrap(), &["migrate"]);
    assert!(error.contains("zx init --db"), "{error}");

    runtime().block_on(async {
        let pool = sqlx::sqlite::SqlitePool::connect(&format!("sqlite://{db}"))
            .await
            .unwrap();
        sqlx::query(FUTURE_MIGRATION).execute(&pool).await.unwrap();
        pool.close().await;
    });
    newer_schema_is_refused(d, &db, known);
}

#[test]
fn migrate_on_postgres_and_a_newer_schema_refused() {
    let Some(base) = test_database_url("the zx migrate test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let database = TestDatabase::create_blocking(&base).unwrap();
    let db = database.url().to_owned();
    ok(d, &db, &["init"]);
    let known = zx_store_postgres::PgStore::known_schema();
    let out = ok(d, &db, &["migrate", "--lang", "en"]);
    assert_eq!(out.trim(), format!("{db}: schema {known} — up to date"));
    runtime().block_on(async {
        use sqlx::{ConnectOptions, Connection, Executor};
        let mut conn = db
            .parse::<sqlx::postgres::PgConnectOptions>()
            .unwrap()
            .connect()
            .await
            .unwrap();
        conn.execute(sqlx::AssertSqlSafe(
            FUTURE_MIGRATION.replace("X'00'", "'\\x00'::bytea"),
        ))
        .await
        .unwrap();
        conn.close().await.unwrap();
    });
    newer_schema_is_refused(d, &db, known);
}
