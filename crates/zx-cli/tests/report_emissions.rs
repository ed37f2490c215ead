//! `zx report` reads the stacks' minute store as the server does (it said "no stack monitoring
//! data" while the cockpit's download showed the violation days): on the demo with one day of
//! minutes over the daily NOx limit, the CLI's PDF and workbook name that violation day.

use std::path::Path;

mod common;
use common::zx;

/// The demo's first stack (`common::browser::MN`).
const MN: &str = "88888880000001";

/// A whole China day for the demo's first stack: NOx 240 mg/m³ at O₂ 13 % every minute, so
/// every hour and the day average 240 × (21 − 11) / (21 − 13) = 240 × 10 / 8 = 300 mg/m³, over
/// GB 18485's daily limit of 250 (and not over the hourly 300: equal is no exceedance). One
/// violation day.
fn seed_violation_day(db: &Path, day: chrono::NaiveDate) {
    let dir = std::path::PathBuf::from(format!("{}.cems", db.display()));
    let store = zx_cems_store::MinuteStore::open(&dir).unwrap();
    let start = day.and_hms_opt(0, 0, 0).unwrap();
    let mut readings = Vec::new();
    for m in 0..24 * 60 {
        for (code, value) in [("a21002", "240"), ("a19001", "13"), ("furnace_temp", "910")] {
            readings.push(zx_domain::cems::MinuteReading {
                mn: MN.into(),
                minute: start + chrono::TimeDelta::minutes(m),
                code: code.into(),
                value: value.parse().unwrap(),
                flag: zx_domain::cems::Flag::N,
            });
        }
    }
    store.append(&readings).unwrap();
}

#[test]
fn the_cli_report_reads_the_minute_store_as_the_server_does() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zx.db");
    let db_text = db.to_str().unwrap();
    zx(db_text, &["demo", "--lang", "en"]);
    // Two days ago in China: inside this year's table, whatever the hour (a year's first two
    // days aside, when it belongs to the year before, as the period below does too).
    let day = zx_app::china_time(chrono::Utc::now()).date() - chrono::TimeDelta::days(2);
    seed_violation_day(&db, day);
    let period = day.format("%Y-%m").to_string();
    let pdf = dir.path().join("report.pdf");
    zx(
        db_text,
        &[
            "report",
            "--period",
            &period,
            "--format",
            "pdf",
            "-o",
            pdf.to_str().unwrap(),
        ],
    );
    let text = pdf_extract::extract_text_from_mem(&std::fs::read(&pdf).unwrap()).unwrap();
    assert!(!text.contains("无在线监测数据"), "{text}");
    // The one day seeded above, at the demo's 晋江 plant (whose first furnace is MN …0001).
    assert!(text.contains("本年超标天数: 1"), "{text}");
    assert!(text.contains("晋江垃圾焚烧发电厂 1"), "{text}");
    // The demo's dozens of drills due are a table with a header, not a list.
    assert!(text.contains("计划日期 单位 演练科目 状态"), "{text}");

    // The workbook from the same content.
    use calamine::{Reader, Xlsx};
    let file = dir.path().join("report.xlsx");
    zx(
        db_text,
        &[
            "report",
            "--period",
            &period,
            "--format",
            "xlsx",
            "--lang",
            "en",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    let mut book: Xlsx<_> = calamine::open_workbook(&file).unwrap();
    let sheet = book.worksheet_range("Emissions").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert!(
        rows.contains(&vec!["晋江垃圾焚烧发电厂".to_owned(), "1".to_owned()]),
        "{rows:?}"
    );
    assert!(
        rows.contains(&vec!["Violation days this year".to_owned(), "1".to_owned()]),
        "{rows:?}"
    );
}
