//! `zx report --format pdf|xlsx` on the worked example (testdata/kpi-example, values worked
//! out by hand in expected.json): the PDF read back as text shows them exactly as the cockpit
//! does (万元 and % with two decimals), in Chinese; the workbook has a sheet per section.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/kpi-example");

fn run(db: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zx"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env("ZX_USER", "tester")
        .env_remove("ZX_LANG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "zx {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn example() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zx.db");
    run(&db, &["init"], None);
    let files: Vec<String> = ["entities.csv", "data.csv", "targets.csv"]
        .iter()
        .map(|f| format!("{EXAMPLE}/{f}"))
        .collect();
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    run(&db, &args, None);
    run(
        &db,
        &[
            "user",
            "add",
            "--name",
            "s1boss",
            "--role",
            "entity_manager",
            "--entity",
            "S1",
            "--password-stdin",
        ],
        Some("a-long-password\n"),
    );
    let measures = dir.path().join("measures.csv");
    std::fs::write(
        &measures,
        "entity,title,indicator,owner,start,due,status,progress\n\
         S1,压降两金,roe,s1boss,2026-01-01,2026-06-30,in_progress,40\n",
    )
    .unwrap();
    run(
        &db,
        &["measures", "import", measures.to_str().unwrap()],
        None,
    );
    (dir, db)
}

#[test]
fn the_worked_example_reads_back_as_the_cockpit_shows_it() {
    let (dir, db) = example();
    let pdf = dir.path().join("report.pdf");
    run(
        &db,
        &[
            "report",
            "--period",
            "2026-03",
            "--format",
            "pdf",
            "-o",
            pdf.to_str().unwrap(),
        ],
        None,
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdf_extract::extract_text_from_mem(&bytes).unwrap();
    // G, 2026-03 year to date, from expected.json (worked by hand):
    //   total profit 1,683,748.34 yuan = 168.374834 万元 → 168.37; target 58,161,522.67 yuan
    //   → 5,816.15 万元; time-progress target 58,161,522.67 × 3/12 = 14,540,380.6675 yuan →
    //   1,454.04 万元; attainment 0.028949523 → 2.89 %; YoY −0.632352208 → −63.24 %.
    //   asset-liability ratio 0.629164621 → 62.92 %; ROE 0.006333142 → 0.63 %;
    //   R&D intensity 0.013807468 → 1.38 %; operating cash ratio 0.159706503 → 15.97 %;
    //   labour productivity 29,851.05 yuan per person → 2.99 万元/人.
    for needle in [
        "示例集团",
        "质量效益月度报告",
        "168.37",
        "5,816.15",
        "1,454.04",
        "2.89%",
        "-63.24%",
        "62.92%",
        "0.63%",
        "1.38%",
        "15.97%",
        "2.99",
        // The rule: not met (expected.json `_rule.holds` false).
        "一增一稳四提升",
        "未达成",
        // S1's red ROE and its measure; G's red indicators have none.
        "压降两金",
        "s1boss",
        "2026-06-30",
        "40%",
        "无在办改进措施",
        // The units below.
        "福建子公司",
        "四川子公司",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} not in the report:\n{text}"
        );
    }
}

#[test]
fn the_excel_twin_has_a_sheet_per_section() {
    use calamine::{Reader, Xlsx};
    let (dir, db) = example();
    let file = dir.path().join("report.xlsx");
    run(
        &db,
        &[
            "report",
            "--period",
            "2026-03",
            "--format",
            "xlsx",
            "-o",
            file.to_str().unwrap(),
            "--lang",
            "en",
        ],
        None,
    );
    let mut book: Xlsx<_> = calamine::open_workbook(&file).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Indicators",
            "Trends",
            "Units",
            "Ranking",
            "Red indicators",
            "Collection",
            "Emissions",
            "Safety",
            "Operations",
            "Reform"
        ]
    );
    let sheet = book.worksheet_range("Indicators").unwrap();
    let cells: Vec<String> = sheet.cells().map(|(_, _, c)| c.to_string()).collect();
    // The same strings as the PDF (total profit 168.37 万元, see above).
    assert!(cells.iter().any(|c| c == "168.37"), "{cells:?}");
    assert!(cells.iter().any(|c| c == "-63.24%"), "{cells:?}");
}

#[test]
fn pdf_and_xlsx_need_an_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zx.db");
    run(&db, &["init"], None);
    let out = Command::new(env!("CARGO_BIN_EXE_zx"))
        .args(["report", "--format", "pdf", "--db"])
        .arg(&db)
        .env_remove("ZX_LANG")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("-o"));
}
