//! The `zx` binary end to end, as a user runs it: real files, a real database per test. Every
//! test runs on SQLite (a file in a temporary directory) and, when `ZX_TEST_DATABASE_URL` is set,
//! on PostgreSQL (a database of its own, dropped afterwards) through `--db postgres://…`.

#[macro_use]
mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/kpi-example");

struct Workspace {
    dir: tempfile::TempDir,
    /// The PostgreSQL database of this test, dropped with it; `None`: a SQLite file in `dir`.
    postgres: Option<zx_store_postgres::TestDatabase>,
}

impl Workspace {
    fn sqlite() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            postgres: None,
        }
    }

    /// A new, empty PostgreSQL database, or `None` (with a notice) without a test cluster.
    fn postgres() -> Option<Self> {
        let base = zx_store_postgres::test_database_url("the CLI test")?;
        Some(Self {
            dir: tempfile::tempdir().unwrap(),
            postgres: Some(zx_store_postgres::TestDatabase::create_blocking(&base).unwrap()),
        })
    }

    fn db(&self) -> String {
        match &self.postgres {
            Some(database) => database.url().to_owned(),
            None => self.dir.path().join("zx.db").to_string_lossy().into_owned(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn zx(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_zx"))
            .args(args)
            .arg("--db")
            .arg(self.db())
            .env("ZX_USER", "tester")
            .env_remove("ZX_LANG")
            .env_remove("ZX_CATALOGUE")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.zx(args);
        assert!(
            out.status.success(),
            "zx {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn example(&self) {
        self.ok(&["init"]);
        let files: Vec<String> = ["data.csv", "targets.csv", "entities.csv"]
            .iter()
            .map(|f| format!("{EXAMPLE}/{f}"))
            .collect();
        let mut args = vec!["import"];
        args.extend(files.iter().map(String::as_str));
        self.ok(&args);
    }
}

/// Pads a decimal string to 12 places: both sides are already rounded half-even to 12 places,
/// so equal values give equal strings.
fn pad12(text: &str) -> String {
    let (int_part, frac) = text.split_once('.').unwrap_or((text, ""));
    assert!(frac.len() <= 12, "{text} has more than 12 places");
    format!("{int_part}.{frac:0<12}")
}

fn the_worked_example_through_the_cli(ws: Workspace) {
    ws.example();
    let expected: BTreeMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(format!("{EXAMPLE}/expected.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    for (basis, entities) in expected["2026-03"].as_object().unwrap() {
        for (entity, indicators) in entities.as_object().unwrap() {
            let out = ws.ok(&[
                "kpi", "--entity", entity, "--period", "2026-03", "--basis", basis, "--format",
                "json",
            ]);
            let json: Value = serde_json::from_str(&out).unwrap();
            assert_eq!(json["entity"], entity.as_str());
            assert_eq!(json["period"], "2026-03");
            assert_eq!(json["basis"], basis.as_str());
            for (name, fields) in indicators.as_object().unwrap() {
                if name == "_rule" {
                    for (key, verdict) in fields.as_object().unwrap() {
                        assert_eq!(&json["rule"][key], verdict, "{entity} {basis} rule {key}");
                        checked += 1;
                    }
                    continue;
                }
                for (field, want) in fields.as_object().unwrap() {
                    let got = &json["indicators"][name][field];
                    match want {
                        Value::String(w) if field != "status" => {
                            let g = got.as_str().unwrap_or_else(|| {
                                panic!("{entity} {basis} {name}.{field}: expected {w}, got {got}")
                            });
                            assert_eq!(pad12(g), pad12(w), "{entity} {basis} {name}.{field}");
                        }
                        other => assert_eq!(got, other, "{entity} {basis} {name}.{field}"),
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 250);
}

fn a_bad_file_is_reported_whole_and_nothing_is_written(ws: Workspace) {
    ws.example();
    let before = ws.ok(&["submissions", "--format", "json"]);
    let bad = ws.write(
        "data.csv",
        "entity,period,item,value,basis\n\
         P1,2026-04,total_profit,100,month\n\
         P1,2026-13,total_profit,100,month\n\
         PX,2026-04,total_profit,100,month\n\
         P1,2026-04,operating_revenue,\"12,3x\",month\n",
    );
    let out = ws.zx(&["import", bad.to_str().unwrap(), "--lang", "en"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("data.csv:3: period: \"2026-13\""),
        "{stderr}"
    );
    assert!(stderr.contains("data.csv:4: entity: \"PX\""), "{stderr}");
    assert!(
        stderr.contains("data.csv:5: value: \"12,3x\" is not a decimal number"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    // The good row on line 2 was not written either.
    assert_eq!(ws.ok(&["submissions", "--format", "json"]), before);
    let history = ws.ok(&[
        "history", "--entity", "P1", "--period", "2026-04", "--format", "json",
    ]);
    assert_eq!(history.trim(), "{\n  \"revisions\": []\n}");
}

/// A UTF-8 entities list with one line pasted from a GBK file used to be read whole as GBK:
/// every Chinese name became mojibake (合成电站 → 鍚堟垚鐢电珯) and the import succeeded.
fn a_utf8_file_with_a_gbk_line_is_refused_and_nothing_is_written(ws: Workspace) {
    ws.ok(&["init"]);
    let mut bytes = "code,name,parent,kind,region,segment\n\
                     G,示例集团,,group,北京,\n\
                     S1,福建子公司,G,subsidiary,福建,waste-to-energy\n"
        .as_bytes()
        .to_vec();
    // "P1,合成电站,S1,plant,福建,环保" in GBK.
    bytes.extend_from_slice(
        b"P1,\xBA\xCF\xB3\xC9\xB5\xE7\xD5\xBE,S1,plant,\xB8\xA3\xBD\xA8,\xBB\xB7\xB1\xA3\n",
    );
    let path = ws.path("entities.csv");
    std::fs::write(&path, &bytes).unwrap();
    let out = ws.zx(&["import", path.to_str().unwrap(), "--lang", "en"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Lines 1–3 are 122 bytes; "P1," is 3 more: 合 in GBK is BA CF, at offset 125.
    assert!(
        stderr.contains(
            "entities.csv:4: line is not UTF-8 (byte 0xBA at offset 125 of the file), though line 2 is UTF-8"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    let entities = ws.ok(&["entities", "--format", "json"]);
    assert!(!entities.contains("\"G\""), "{entities}");
    assert!(!entities.contains("鍚"), "{entities}");
}

/// Two files of one import giving the same figure: the later one used to win silently.
fn the_same_figure_in_two_files_of_one_import_is_an_error_naming_both(ws: Workspace) {
    ws.example();
    let before = ws.ok(&["submissions", "--format", "json"]);
    let a = ws.write(
        "data-a.csv",
        "entity,period,item,value\nP1,2026-04,total_profit,100\nP2,2026-04,total_profit,7\n",
    );
    let b = ws.write(
        "data-b.csv",
        "entity,period,item,value\nP2,2026-05,total_profit,8\nP1,2026-04,total_profit,120\n",
    );
    let out = ws.zx(&[
        "import",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--lang",
        "en",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "data-b.csv:3: P1 2026-04 total_profit is also given in data-a.csv:2: one import takes each figure from one file only; remove one of the two"
        ),
        "{stderr}"
    );
    assert_eq!(ws.ok(&["submissions", "--format", "json"]), before);
}

fn a_correction_is_a_revision_and_history_keeps_both(ws: Workspace) {
    ws.example();
    let fix = ws.write(
        "fix.csv",
        "entity,period,item,value\nS2,2026-03,total_profit,-100000.00\n",
    );
    let out = ws.ok(&["import", fix.to_str().unwrap(), "--lang", "en"]);
    assert!(out.contains("0 new, 1 revised, 0 unchanged"), "{out}");
    let json: Value = serde_json::from_str(&ws.ok(&[
        "history",
        "--entity",
        "S2",
        "--period",
        "2026-03",
        "--item",
        "total_profit",
        "--format",
        "json",
    ]))
    .unwrap();
    let revisions = json["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0]["value"], "-198506.13");
    assert_eq!(revisions[0]["current"], false);
    assert_eq!(revisions[1]["value"], "-100000");
    assert_eq!(revisions[1]["current"], true);
    assert_eq!(revisions[1]["user"], "tester");
    assert_eq!(revisions[1]["file"], "fix.csv");
    let audit = ws.ok(&["audit", "--action", "fact.revise"]);
    assert!(
        audit.contains(
            "tester fact.revise S2 2026-03 total_profit: -198506.13 (month) → -100000 (month)"
        ),
        "{audit}"
    );
}

fn the_template_round_trips(ws: Workspace) {
    ws.example();
    let template = ws.path("s2-2026.xlsx");
    ws.ok(&[
        "template",
        "--entity",
        "S2",
        "--year",
        "2026",
        "-o",
        template.to_str().unwrap(),
    ]);
    // Prefilled with S2's 2026 values: importing it back changes nothing.
    let out = ws.ok(&["import", template.to_str().unwrap(), "--lang", "en"]);
    assert!(out.contains("0 new, 0 revised, 27 unchanged"), "{out}");
}

fn report_and_explain_render(ws: Workspace) {
    ws.example();
    let report = ws.ok(&[
        "report", "--period", "2026-03", "--depth", "2", "--lang", "en",
    ]);
    for needle in [
        "G 示例集团",
        "  S1 福建子公司",
        "    P1 晋江垃圾发电厂",
        "one grows, one stable, four improve",
    ] {
        assert!(report.contains(needle), "{needle} missing in\n{report}");
    }
    let report_zh = ws.ok(&["report", "--period", "2026-03"]);
    assert!(report_zh.contains("一增一稳四提升"), "{report_zh}");
    assert!(report_zh.contains("资产负债率"), "{report_zh}");
    assert!(
        !report_zh.contains("P1 晋江"),
        "depth 1 shows children only:\n{report_zh}"
    );
    let explain = ws.ok(&[
        "explain",
        "--entity",
        "G",
        "--period",
        "2026-03",
        "--indicator",
        "total_profit",
        "--format",
        "json",
    ]);
    let json: Value = serde_json::from_str(&explain).unwrap();
    assert_eq!(json["value"], "1683748.34");
    assert_eq!(json["inputs"][0]["own"], "-48931.32");
    assert_eq!(json["inputs"][0]["children"][0]["entity"], "S1");
    assert_eq!(json["inputs"][0]["children"][0]["value"], "1579205.92");
}

fn unknown_codes_and_missing_databases_say_so(ws: Workspace) {
    let out = ws.zx(&["kpi", "--entity", "G", "--period", "2026-03"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("zx init --db"));
    ws.example();
    let out = ws.zx(&["kpi", "--entity", "NOPE", "--period", "2026-03"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"NOPE\" is not a known entity code"));
    let out = ws.zx(&["kpi", "--entity", "G", "--period", "2026-3x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--period: \"2026-3x\""));
}

fn missing_data_is_null_with_a_note_naming_who_is_late(ws: Workspace) {
    ws.example();
    // April 2026: only P2 reports its profit; everything else is missing.
    let april = ws.write(
        "april.csv",
        "entity,period,item,value\nP2,2026-04,total_profit,5\n",
    );
    ws.ok(&["import", april.to_str().unwrap()]);
    let json: Value = serde_json::from_str(&ws.ok(&[
        "kpi", "--entity", "G", "--period", "2026-04", "--format", "json", "--lang", "en",
    ]))
    .unwrap();
    let profit = &json["indicators"]["total_profit"];
    assert_eq!(profit["value"], Value::Null);
    assert_eq!(profit["status"], "none");
    assert_eq!(
        profit["note"],
        "missing data: P1, S2 have not reported total_profit for 2026-04"
    );
}

fn cockpit_report_snapshot(ws: Workspace) {
    ws.example();
    let report = ws.ok(&[
        "report", "--period", "2026-03", "--depth", "2", "--lang", "en",
    ]);
    insta::assert_snapshot!("report_2026_03_en", report);
    let report = ws.ok(&[
        "report", "--period", "2026-03", "--depth", "2", "--basis", "month",
    ]);
    insta::assert_snapshot!("report_2026_03_month_zh", report);
}

fn kpi_json_snapshot(ws: Workspace) {
    ws.example();
    let json = ws.ok(&[
        "kpi", "--entity", "S1", "--period", "2026-03", "--format", "json", "--lang", "en",
    ]);
    insta::assert_snapshot!("kpi_s1_2026_03", json);
}

fn a_group_adds_its_own_indicator_through_the_catalogue(ws: Workspace) {
    ws.example();
    let builtin = ws.ok(&["catalogue"]);
    let custom = format!(
        "{builtin}\n[[indicator]]\nid = \"profit_margin\"\nname_zh = \"营业收入利润率\"\nname_en = \"Operating profit margin\"\nformula = \"flow(total_profit) / flow(operating_revenue)\"\nkind = \"rate\"\nunit = \"ratio\"\nbetter = \"higher\"\naccrues = false\n"
    );
    let path = ws.write("group.toml", &custom);
    let json: Value = serde_json::from_str(&ws.ok(&[
        "kpi",
        "--entity",
        "G",
        "--period",
        "2026-03",
        "--format",
        "json",
        "--catalogue",
        path.to_str().unwrap(),
    ]))
    .unwrap();
    // G, 2026 Q1: total profit 1,683,748.34 over revenue 48,941,287.88 (the example's rows,
    // summed by hand), rounded half-even to 12 places.
    let margin = &json["indicators"]["profit_margin"];
    assert_eq!(margin["value"], "0.034403433439", "{margin}");
    // A typo in a formula is refused at load, naming the indicator and the column.
    let broken = ws.write(
        "broken.toml",
        &custom.replace(
            "flow(total_profit) / flow(operating_revenue)",
            "flow(total_proft) / flow(operating_revenue)",
        ),
    );
    let out = ws.zx(&[
        "kpi",
        "--entity",
        "G",
        "--period",
        "2026-03",
        "--catalogue",
        broken.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("indicator profit_margin: formula \"flow(total_proft) / flow(operating_revenue)\": column 6: unknown item \"total_proft\""),
        "{stderr}"
    );
}

fn the_demo_is_rebuilt_only_over_its_own_data(ws: Workspace) {
    let submissions = |ws: &Workspace| -> Vec<Value> {
        let json: Value =
            serde_json::from_str(&ws.ok(&["submissions", "--format", "json"])).unwrap();
        json["submissions"].as_array().unwrap().clone()
    };
    ws.ok(&["demo", "--lang", "en"]);
    // Only the demo's data: built again without --force (a file replaced, a database emptied).
    ws.ok(&["demo", "--lang", "en"]);
    let demo = submissions(&ws);
    assert_eq!(demo.len(), 3);
    assert_eq!(demo[0]["id"], 3);
    let fix = ws.write(
        "fix.csv",
        "entity,period,item,value\nZX,2026-06,total_profit,1\n",
    );
    ws.ok(&["import", fix.to_str().unwrap()]);
    let out = ws.zx(&["demo", "--lang", "en"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("already holds data that is not the demo's; pass --force"),
        "{stderr}"
    );
    assert_eq!(submissions(&ws).len(), 4, "a refused demo changes nothing");
    ws.ok(&["demo", "--force", "--lang", "en"]);
    let rebuilt = submissions(&ws);
    assert_eq!(rebuilt.len(), 3);
    assert!(rebuilt.iter().all(|s| s["user"] == "demo"));
}

/// A chain of 20,000 entities, each the parent of the next: the import and every command that
/// builds the tree stay linear (a chain of 8,000 made each take 14 s; 20,000 over 3 minutes),
/// and nothing recurses deep enough to overflow the stack. The leaf's profit reaches the top
/// through all 19,999 parents. Timings are in BENCHMARKS.md, not asserted here.
fn a_chain_20000_deep_imports_and_reports(ws: Workspace) {
    ws.ok(&["init"]);
    let mut entities = String::from("code,name,parent,kind\nC0,链首,,group\n");
    for i in 1..20_000 {
        let kind = if i == 19_999 { "plant" } else { "subsidiary" };
        entities.push_str(&format!("C{i},单位{i},C{},{kind}\n", i - 1));
    }
    let entities = ws.write("chain.csv", &entities);
    let data = ws.write(
        "leaf.csv",
        "entity,period,item,value\nC19999,2026-01,total_profit,123.45\n",
    );
    let out = ws.ok(&["import", entities.to_str().unwrap(), data.to_str().unwrap()]);
    assert!(out.contains("20000"), "{out}");
    for top in ["C0", "C10000"] {
        let json: Value = serde_json::from_str(&ws.ok(&[
            "kpi", "--entity", top, "--period", "2026-01", "--format", "json",
        ]))
        .unwrap();
        assert_eq!(
            json["indicators"]["total_profit"]["value"], "123.45",
            "{top}"
        );
    }
    let report = ws.ok(&["report", "--period", "2026-01", "--lang", "en"]);
    assert!(report.contains("C1 单位1"), "{report}");
    let tree = ws.ok(&["entities"]);
    assert_eq!(tree.lines().filter(|l| l.contains("单位")).count(), 19_999);
}

// One `#[test]` per test above and backend: `sqlite::name` always, `postgres::name` on the
// cluster of `ZX_TEST_DATABASE_URL` (without it, a notice and a pass).
on_both_backends!(
    Workspace:
    the_worked_example_through_the_cli,
    a_bad_file_is_reported_whole_and_nothing_is_written,
    a_utf8_file_with_a_gbk_line_is_refused_and_nothing_is_written,
    the_same_figure_in_two_files_of_one_import_is_an_error_naming_both,
    a_correction_is_a_revision_and_history_keeps_both,
    the_template_round_trips,
    report_and_explain_render,
    unknown_codes_and_missing_databases_say_so,
    missing_data_is_null_with_a_note_naming_who_is_late,
    cockpit_report_snapshot,
    kpi_json_snapshot,
    a_group_adds_its_own_indicator_through_the_catalogue,
    the_demo_is_rebuilt_only_over_its_own_data,
    a_chain_20000_deep_imports_and_reports,
);
