//! `zx benchmark` end to end (operations.md's contract) on a small group worked by hand: plant
//! operating data imported as a plant sends it, cost elements refused when they do not add up,
//! and the JSON compared whole. On SQLite, and on PostgreSQL with `ZX_TEST_DATABASE_URL`.

#[macro_use]
mod common;

use std::process::{Command, Output};

use serde_json::{Value, json};

struct Workspace {
    dir: tempfile::TempDir,
    postgres: Option<zx_store_postgres::TestDatabase>,
}

impl Workspace {
    fn sqlite() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            postgres: None,
        }
    }

    fn postgres() -> Option<Self> {
        let base = zx_store_postgres::test_database_url("the benchmark test")?;
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

    fn import(&self, name: &str, text: &str) -> Output {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        self.zx(&["import", path.to_str().unwrap()])
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["benchmark"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--format", "json"]);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// G → S1 (A, B, C, W), S2 (D, E, F, H). W treats water; the others burn waste.
    fn group(&self) {
        self.ok(&["init"]);
        let entities = "code,name,parent,kind,region,segment\n\
            G,集团,,group,北京,\n\
            S1,一公司,G,subsidiary,福建,\n\
            S2,二公司,G,subsidiary,四川,\n\
            A,A 厂,S1,plant,福建,waste-to-energy\n\
            B,B 厂,S1,plant,福建,waste-to-energy\n\
            C,C 厂,S1,plant,福建,waste-to-energy\n\
            W,W 水厂,S1,plant,福建,water\n\
            D,D 厂,S2,plant,四川,waste-to-energy\n\
            E,E 厂,S2,plant,四川,垃圾焚烧发电\n\
            F,F 厂,S2,plant,四川,waste-to-energy\n\
            H,H 厂,S2,plant,四川,waste-to-energy\n";
        let out = self.import("entities.csv", entities);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // January and February 2026, month basis unless said. E sends year-to-date figures
        // (800 and 1,600 t; 96,000 and 192,000 yuan: 800 t and 96,000 yuan each month).
        // F burnt nothing. A's February cost is split into elements that add up:
        // 50,000 + 40,000 + 20,000 = 110,000.
        let data = "entity,period,item,value,basis\n\
            A,2026-01,waste_incinerated_t,1000,month\n\
            A,2026-02,waste_incinerated_t,1000,month\n\
            A,2026-01,operating_cost,100000,month\n\
            A,2026-02,operating_cost,110000,month\n\
            A,2026-02,cost_fuel,50000,month\n\
            A,2026-02,cost_labour,40000,month\n\
            A,2026-02,cost_maintenance,20000,month\n\
            B,2026-01,waste_incinerated_t,2000,month\n\
            B,2026-02,waste_incinerated_t,2000,month\n\
            B,2026-01,operating_cost,180000,month\n\
            B,2026-02,operating_cost,180000,month\n\
            C,2026-01,waste_incinerated_t,500,month\n\
            C,2026-02,waste_incinerated_t,500,month\n\
            C,2026-01,operating_cost,60000,month\n\
            C,2026-02,operating_cost,65000,month\n\
            W,2026-01,water_treated_m3,300000,month\n\
            W,2026-02,water_treated_m3,280000,month\n\
            W,2026-01,operating_cost,60000,month\n\
            W,2026-02,operating_cost,56000,month\n\
            D,2026-01,waste_incinerated_t,1500,month\n\
            D,2026-02,waste_incinerated_t,1500,month\n\
            D,2026-01,operating_cost,150000,month\n\
            D,2026-02,operating_cost,150000,month\n\
            E,2026-01,waste_incinerated_t,800,ytd\n\
            E,2026-02,waste_incinerated_t,1600,ytd\n\
            E,2026-01,operating_cost,96000,ytd\n\
            E,2026-02,operating_cost,192000,ytd\n\
            F,2026-01,waste_incinerated_t,0,month\n\
            F,2026-02,waste_incinerated_t,0,month\n\
            F,2026-01,operating_cost,50000,month\n\
            F,2026-02,operating_cost,50000,month\n\
            H,2026-01,waste_incinerated_t,1000,month\n\
            H,2026-02,waste_incinerated_t,1000,month\n\
            H,2026-01,operating_cost,105000,month\n\
            H,2026-02,operating_cost,105000,month\n";
        let out = self.import("data.csv", data);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn cost_per_tonne_year_to_date_as_operations_md_says(ws: Workspace) {
    ws.group();
    let json = ws.json(&["--period", "2026-02", "--indicator", "cost_per_tonne"]);
    // YTD cost per tonne: A 210,000 / 2,000 = 105; B 360,000 / 4,000 = 90; C 125,000 / 1,000 =
    // 125; D 300,000 / 3,000 = 100; E 192,000 / 1,600 = 120; H 210,000 / 2,000 = 105; F 100,000
    // / 0 has no value. W is water: no peer. Sorted 90, 100, 105, 105, 120, 125 (n = 6, h = 5p):
    // q1 at 1.25 = 100 + 0.25 × 5 = 101.25; median at 2.5 = 105 + 0.5 × 0 = 105; q3 at 3.75 =
    // 105 + 0.75 × 15 = 116.25. Lower is better: ranks 1, 2, 3, 3, 5, 6 (A and H tie, by
    // code); quartiles B, D ≤ q1 → 1; A, H ≤ median → 2; E, C > q3 → 4.
    assert_eq!(
        json,
        json!({
            "indicator": "cost_per_tonne", "period": "2026-02", "basis": "ytd", "better": "lower",
            "stats": {"n": 6, "min": "90", "q1": "101.25", "median": "105", "q3": "116.25", "max": "125"},
            "peers": [
                {"entity": "B", "value": "90", "rank": 1, "quartile": 1},
                {"entity": "D", "value": "100", "rank": 2, "quartile": 1},
                {"entity": "A", "value": "105", "rank": 3, "quartile": 2},
                {"entity": "H", "value": "105", "rank": 3, "quartile": 2},
                {"entity": "E", "value": "120", "rank": 5, "quartile": 4},
                {"entity": "C", "value": "125", "rank": 6, "quartile": 4}
            ],
            "missing": ["F"]
        })
    );
    // The keys in the contract's order, nothing more.
    let text = ws.ok(&[
        "benchmark",
        "--period",
        "2026-02",
        "--indicator",
        "cost_per_tonne",
        "--format",
        "json",
    ]);
    let order: Vec<usize> = [
        "\"indicator\"",
        "\"period\"",
        "\"basis\"",
        "\"better\"",
        "\"stats\"",
        "\"peers\"",
        "\"missing\"",
    ]
    .iter()
    .map(|key| text.find(key).unwrap())
    .collect();
    assert!(order.is_sorted(), "{text}");
}

fn the_month_basis_the_entity_and_the_segment_narrow_the_question(ws: Workspace) {
    ws.group();
    // February alone: A 110, B 90, C 130, D 100, E 1,600 − 800 = 800 t and 96,000 yuan: 120,
    // H 105. Sorted 90, 100, 105, 110, 120, 130: q1 = 100 + 0.25 × 5 = 101.25, median = 105 +
    // 0.5 × 5 = 107.5, q3 = 110 + 0.75 × 10 = 117.5.
    let json = ws.json(&[
        "--period",
        "2026-02",
        "--basis",
        "month",
        "--indicator",
        "cost_per_tonne",
    ]);
    assert_eq!(
        json["stats"],
        json!({"n": 6, "min": "90", "q1": "101.25", "median": "107.5", "q3": "117.5", "max": "130"})
    );
    assert_eq!(json["basis"], "month");
    // Only S2's plants, YTD: D 100, H 105, E 120 (n = 3, h = 2p): q1 = 100 + 0.5 × 5 = 102.5,
    // median = 105, q3 = 105 + 0.5 × 15 = 112.5; F missing.
    let json = ws.json(&[
        "--period",
        "2026-02",
        "--indicator",
        "cost_per_tonne",
        "--entity",
        "S2",
    ]);
    assert_eq!(
        json["stats"],
        json!({"n": 3, "min": "100", "q1": "102.5", "median": "105", "q3": "112.5", "max": "120"})
    );
    assert_eq!(json["missing"], json!(["F"]));
    // The water plant on its own indicator: 116,000 / 580,000 m³ = 0.2 yuan/m³.
    let json = ws.json(&["--period", "2026-02", "--indicator", "cost_per_m3"]);
    assert_eq!(
        json["peers"],
        json!([{"entity": "W", "value": "0.2", "rank": 1, "quartile": 1}])
    );
    // A water plant is no peer on cost per tonne: refused, saying which segments are.
    let out = ws.zx(&[
        "benchmark",
        "--period",
        "2026-02",
        "--indicator",
        "cost_per_tonne",
        "--segment",
        "water",
        "--format",
        "json",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "--segment: indicator cost_per_tonne does not apply to segment \"water\" (its segments: waste-to-energy)"
        ),
        "{stderr}"
    );
    let out = ws.zx(&[
        "benchmark",
        "--period",
        "2026-02",
        "--indicator",
        "cost_per_tone",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"cost_per_tone\" is not an indicator"));
}

fn the_text_says_what_reaching_the_top_quartile_is_worth(ws: Workspace) {
    ws.group();
    let out = ws.ok(&[
        "--lang",
        "en",
        "benchmark",
        "--period",
        "2026-02",
        "--indicator",
        "cost_per_tonne",
    ]);
    // q1 = 101.25 yuan/t. E: (120 − 101.25) × 1,600 t = 30,000 yuan = 3.00 (10k yuan); C:
    // 23.75 × 1,000 = 23,750 = 2.38; A: 3.75 × 2,000 = 7,500 = 0.75.
    for line in [
        "n = 6  min 90.00  q1 101.25  median 105.00  q3 116.25  max 125.00",
        "18.75",
        "3.00 10k yuan",
        "2.38 10k yuan",
        "0.75 10k yuan",
        "not ranked F F 厂: zero denominator: flow(waste_incinerated_t) = 0",
    ] {
        assert!(out.contains(line), "{line} not in\n{out}");
    }
    assert!(
        out.starts_with("Operating cost per tonne (yuan/t)  集团 (G)  2026-02 year to date"),
        "{out}"
    );
}

fn the_groups_tonnes_are_complete_without_the_water_plant(ws: Workspace) {
    ws.group();
    // W never reports tonnes, yet the group's are complete. YTD to February: S1 A 2,000 +
    // B 4,000 + C 1,000 = 7,000 t; S2 D 3,000 + E 1,600 + F 0 + H 2,000 = 6,600 t; 13,600 t.
    // Costs: S1 210,000 + 360,000 + 125,000 + W's 116,000 = 811,000; S2 300,000 + 192,000 +
    // 100,000 + 210,000 = 802,000; 1,613,000. 1,613,000 / 13,600 = 118.602941176470588…,
    // 118.602941176471 to 12 places.
    let out = ws.ok(&[
        "explain",
        "--entity",
        "G",
        "--period",
        "2026-02",
        "--indicator",
        "cost_per_tonne",
        "--format",
        "json",
    ]);
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["value"], "118.602941176471");
    assert_eq!(json["inputs"][0]["call"], "flow(operating_cost)");
    assert_eq!(json["inputs"][0]["value"], "1613000");
    assert_eq!(json["inputs"][1]["call"], "flow(waste_incinerated_t)");
    assert_eq!(json["inputs"][1]["value"], "13600");
    let children: Vec<(String, String)> = json["inputs"][1]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["entity"].as_str().unwrap().to_owned(),
                c["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        children,
        [("S1".into(), "7000".into()), ("S2".into(), "6600".into())]
    );
    // The water plant's own cost per tonne has no value: zero tonnes, not missing ones.
    let out = ws.ok(&[
        "--lang",
        "en",
        "explain",
        "--entity",
        "W",
        "--period",
        "2026-02",
        "--indicator",
        "cost_per_tonne",
        "--format",
        "json",
    ]);
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["value"], Value::Null);
    assert_eq!(
        json["note"],
        "zero denominator: flow(waste_incinerated_t) = 0"
    );
}

fn cost_elements_that_do_not_add_up_are_refused_and_nothing_is_written(ws: Workspace) {
    ws.group();
    // B's February elements: 100,000 + 70,000 = 170,000, but its operating_cost is 180,000.
    let out = ws.import(
        "split.csv",
        "entity,period,item,value,basis\n\
         B,2026-02,operating_cost,180000,month\n\
         B,2026-02,cost_fuel,100000,month\n\
         B,2026-02,cost_labour,70000,month\n\
         D,2026-02,waste_incinerated_t,1400,month\n",
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "split.csv:2: value: \"180000\" operating_cost 180,000.00 of B for 2026-02 is not the sum of its parts given: cost_fuel 100,000.00 + cost_labour 70,000.00 = 170,000.00 (difference 10,000.00)"
        ),
        "{stderr}"
    );
    // All or nothing: D's corrected tonnes were not written either (still 3,000 t YTD: 100).
    let json = ws.json(&["--period", "2026-02", "--indicator", "cost_per_tonne"]);
    assert_eq!(
        json["peers"][1],
        json!({"entity": "D", "value": "100", "rank": 2, "quartile": 1})
    );
}

fn reference_values_are_imported_listed_and_never_ranked(ws: Workspace) {
    ws.group();
    let path = ws.dir.path().join("行业参考值.csv");
    std::fs::write(
        &path,
        "指标,板块,类型,参考值,年份,来源\n\
         cost_per_tonne,,行业平均,98.5,2025,协会年鉴\n\
         cost_per_m3,水务,行业先进,0.18,2025,协会年鉴\n",
    )
    .unwrap();
    let out = ws.ok(&["references", "import", path.to_str().unwrap()]);
    assert!(out.contains("新增 2 条，修订 0 条，未变 0 条"), "{out}");
    let listed: Value = serde_json::from_str(&ws.ok(&[
        "references",
        "list",
        "--indicator",
        "cost_per_tonne",
        "--format",
        "json",
    ]))
    .unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["value"], "98.5");
    assert_eq!(listed[0]["segment"], Value::Null);
    assert_eq!(listed[0]["source"], "协会年鉴");
    assert_eq!(listed[0]["recorded_by"], "tester");
    // 98.5 is below every plant but never among them: the quartiles of the six stay
    // q1 101.25, median 105 (the YTD figures worked out above), n = 6.
    let json = ws.json(&["--period", "2026-02", "--indicator", "cost_per_tonne"]);
    assert_eq!(json["stats"]["n"], 6);
    assert_eq!(json["stats"]["q1"], "101.25");
    assert_eq!(json["stats"]["min"], "90");
    // A bad file names its cell and writes nothing.
    std::fs::write(
        &path,
        "indicator,segment,kind,value,year,source\ncost_per_tonne,,average,97,2025,x\ncost_per_tonne,water,average,1,2025,x\n",
    )
    .unwrap();
    let out = ws.zx(&[
        "--lang",
        "en",
        "references",
        "import",
        path.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("行业参考值.csv:3: segment: \"water\" cost_per_tonne does not apply to segment \"water\" (its segments: waste-to-energy)"),
        "{stderr}"
    );
    let listed: Value =
        serde_json::from_str(&ws.ok(&["references", "list", "--format", "json"])).unwrap();
    assert_eq!(listed[1]["value"], "98.5", "{listed}");
}

on_both_backends!(
    Workspace:
    reference_values_are_imported_listed_and_never_ranked,
    cost_per_tonne_year_to_date_as_operations_md_says,
    the_month_basis_the_entity_and_the_segment_narrow_the_question,
    the_text_says_what_reaching_the_top_quartile_is_worth,
    the_groups_tonnes_are_complete_without_the_water_plant,
    cost_elements_that_do_not_add_up_are_refused_and_nothing_is_written,
);
