//! Crash safety: a `zx import` killed with SIGKILL in the middle of writing leaves the database
//! exactly as it was before the import.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn zx(db: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_zx"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env("ZX_USER", "tester")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "zx {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

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

#[cfg(unix)]
#[test]
fn a_killed_import_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zx.db");
    let plants = 2000;
    let mut entities = String::from("code,name,parent,kind,region,segment\nG,集团,,group,北京,\n");
    for p in 0..plants {
        entities.push_str(&format!("P{p},厂{p},G,plant,福建,water\n"));
    }
    std::fs::write(dir.path().join("entities.csv"), entities).unwrap();
    let data_path = dir.path().join("data.csv");
    let mut data = std::io::BufWriter::new(std::fs::File::create(&data_path).unwrap());
    writeln!(data, "entity,period,item,value").unwrap();
    for p in 0..plants {
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
    drop(data);
    zx(&db, &["init"]);
    zx(
        &db,
        &["import", dir.path().join("entities.csv").to_str().unwrap()],
    );
    let before = zx(&db, &["submissions", "--format", "json"]);

    // Start the big import and kill it once it is writing: the WAL grows during the transaction.
    let mut child = Command::new(env!("CARGO_BIN_EXE_zx"))
        .args([
            "import",
            data_path.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
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

    // The database opens, holds exactly what it held before, and takes the import afterwards.
    assert_eq!(zx(&db, &["submissions", "--format", "json"]), before);
    let history = zx(&db, &["history", "--entity", "P0", "--format", "json"]);
    assert_eq!(history.trim(), "{\n  \"revisions\": []\n}");
    let out = zx(
        &db,
        &["import", data_path.to_str().unwrap(), "--lang", "en"],
    );
    assert!(
        out.contains(&format!("{} new", plants * 10 * ITEMS.len())),
        "{out}"
    );
}
