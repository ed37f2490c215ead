//! Crash safety: a `zx import` killed with SIGKILL in the middle of writing leaves the database
//! exactly as it was before the import — on SQLite always, on PostgreSQL when
//! `ZX_TEST_DATABASE_URL` is set.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::zx;

const ITEMS: [&str; 9] = [
    "operating_revenue",
    "total_profit",
    "net_profit",
    "operating_cash_flow",
    "rd_expenditure",
    "value_added",
    "avg_employees",
    "total_assets",
    "total_liabilities",
];

const PLANTS: usize = 2000;

/// `entities.csv` (a group and [`PLANTS`] plants) and a `data.csv` of 180,000 rows for them.
fn write_files(dir: &Path) -> (PathBuf, PathBuf) {
    let mut entities = String::from("code,name,parent,kind,region,segment\nG,集团,,group,北京,\n");
    for p in 0..PLANTS {
        entities.push_str(&format!("P{p},厂{p},G,plant,福建,water\n"));
    }
    let entities_path = dir.join("entities.csv");
    std::fs::write(&entities_path, entities).unwrap();
    let data_path = dir.join("data.csv");
    let mut data = std::io::BufWriter::new(std::fs::File::create(&data_path).unwrap());
    writeln!(data, "entity,period,item,value").unwrap();
    for p in 0..PLANTS {
        for month in 1..=10 {
            for (i, item) in ITEMS.iter().enumerate() {
                writeln!(
                    data,
                    "P{p},2026-{month:02},{item},{}.{:02}",
                    1000 + p * 7 + i,
                    month
                )
                .unwrap();
            }
        }
    }
    data.flush().unwrap();
    (entities_path, data_path)
}

fn start_import(db: &str, data: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_zx"))
        .args(["import", data.to_str().unwrap(), "--db", db])
        .env("ZX_USER", "tester")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// After the kill: the database holds exactly what it held before, and takes the import.
fn check_untouched_then_import(db: &str, dir: &Path, data: &Path, before: &str) {
    assert_eq!(zx(db, &["submissions", "--format", "json"]), before);
    let history = zx(db, &["history", "--entity", "P0", "--format", "json"]);
    assert_eq!(history.trim(), "{\n  \"revisions\": []\n}");
    let after = dir.join("after.jsonl");
    zx(db, &["export", "-o", after.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(&after).unwrap(),
        std::fs::read_to_string(dir.join("before.jsonl")).unwrap(),
        "an export after the killed import differs from the one before it"
    );
    let out = zx(db, &["import", data.to_str().unwrap(), "--lang", "en"]);
    assert!(
        out.contains(&format!("{} new", PLANTS * 10 * ITEMS.len())),
        "{out}"
    );
}

#[cfg(unix)]
#[test]
fn a_killed_import_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("zx.db");
    let db = db_path.to_str().unwrap();
    let (entities, data) = write_files(dir.path());
    zx(db, &["init"]);
    zx(db, &["import", entities.to_str().unwrap()]);
    let before = zx(db, &["submissions", "--format", "json"]);
    let before_archive = dir.path().join("before.jsonl");
    zx(db, &["export", "-o", before_archive.to_str().unwrap()]);

    // Start the big import and kill it once it is writing: the WAL grows during the transaction.
    let mut child = start_import(db, &data);
    let wal = dir.path().join("zx.db-wal");
    let started = Instant::now();
    let mut killed_while_writing = false;
    while started.elapsed() < Duration::from_secs(120) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 2 * 1024 * 1024 {
            child.kill().unwrap(); // SIGKILL on Unix
            killed_while_writing = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.wait();
    assert!(
        killed_while_writing,
        "the import finished before it could be killed; make the file bigger"
    );
    check_untouched_then_import(db, dir.path(), &data, &before);
}

/// PostgreSQL: the import's transaction is found on the server — the session holding the
/// backend's writer lock (`pg_locks`), its last statement an insert of fact rows
/// (`pg_stat_activity`) — and the client is killed then. The server notices the dropped
/// connection and rolls the transaction back; the test waits for that session to end.
#[cfg(unix)]
#[test]
fn a_killed_import_leaves_nothing_behind_on_postgres() {
    use sqlx::{ConnectOptions, Connection, Row};

    let Some(base) = zx_store_postgres::test_database_url("the crash test") else {
        return;
    };
    let database = zx_store_postgres::TestDatabase::create_blocking(&base).unwrap();
    let db = database.url();
    let dir = tempfile::tempdir().unwrap();
    let (entities, data) = write_files(dir.path());
    zx(db, &["init"]);
    zx(db, &["import", entities.to_str().unwrap()]);
    let before = zx(db, &["submissions", "--format", "json"]);
    let before_archive = dir.path().join("before.jsonl");
    zx(db, &["export", "-o", before_archive.to_str().unwrap()]);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut monitor = runtime
        .block_on(
            db.parse::<sqlx::postgres::PgConnectOptions>()
                .unwrap()
                .connect(),
        )
        .unwrap();
    // A bigint advisory key shows in pg_locks as two 32-bit halves, objsubid 1.
    let key = zx_store_postgres::WRITER_LOCK;
    let (high, low) = (key >> 32, key & 0xffff_ffff);
    let writer = |monitor: &mut sqlx::PgConnection| -> Option<(i32, String)> {
        runtime
            .block_on(
                sqlx::query(
                    "SELECT a.pid, a.query FROM pg_locks l
                     JOIN pg_stat_activity a ON a.pid = l.pid
                     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                       AND l.classid::bigint = $1 AND l.objid::bigint = $2
                       AND l.database = (SELECT oid FROM pg_database
                                         WHERE datname = current_database())
                       AND a.xact_start IS NOT NULL",
                )
                .bind(high)
                .bind(low)
                .fetch_optional(monitor),
            )
            .unwrap()
            .map(|row| (row.get(0), row.get(1)))
    };

    let mut child = start_import(db, &data);
    let started = Instant::now();
    let mut killed = None;
    while started.elapsed() < Duration::from_secs(300) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if let Some((pid, query)) = writer(&mut monitor) {
            let query = query.trim_start();
            if query.starts_with("INSERT INTO fact_revisions")
                || query.starts_with("INSERT INTO facts")
            {
                child.kill().unwrap(); // SIGKILL on Unix
                killed = Some(pid);
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.wait();
    let Some(pid) = killed else {
        panic!("the import finished before it was seen writing; make the file bigger");
    };
    // The server ends the session (rolling back) once it finds the client gone.
    let waited = Instant::now();
    loop {
        let alive: bool = runtime
            .block_on(
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)")
                    .bind(pid)
                    .fetch_one(&mut monitor),
            )
            .unwrap();
        if !alive {
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "the killed import's session {pid} is still there"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    runtime.block_on(monitor.close()).unwrap();
    check_untouched_then_import(db, dir.path(), &data, &before);
}
