//! Workforce movement end to end: `zx workforce --format json` on the group of
//! `zx-domain/tests/workforce.rs` imported from files and worked by hand (hires by channel,
//! exits by reason, market exits against their reasons, people and money against last year,
//! headcount against its plan, the dispatched share against the legal 10 %), a breakdown that
//! does not add up refused by name with nothing written; and `GET /api/v1/workforce` on the
//! demo within scope. Both backends.

#[macro_use]
mod common;

use serde_json::{Value, json};

mod cli {
    use super::*;

    use common::workspace::Workspace;

    fn workforce(ws: &Workspace, entity: &str) -> Value {
        let out = common::zx(
            &ws.db(),
            &[
                "workforce",
                "--entity",
                entity,
                "--period",
                "2026-03",
                "--format",
                "json",
            ],
        );
        serde_json::from_str(&out).unwrap()
    }

    const ENTITIES: &str = "code,name,parent,kind,region,segment
G,示例集团,,group,北京,
P1,一厂,G,plant,福建,waste-to-energy
P2,二厂,G,plant,四川,water
";

    /// The headcount plan: 165 for the group (170 at March's end is over it), 115 for P1.
    const TARGETS: &str = "entity,year,indicator,target
G,2026,headcount_total,165
P1,2026,headcount_total,115
";

    /// Month amounts of the first quarters (as in zx-domain/tests/workforce.rs).
    fn data() -> String {
        let rows: &[(&str, i32, &str, [i64; 3])] = &[
            ("P1", 2026, "hires", [3, 1, 2]),
            ("P1", 2026, "hires_campus", [1, 0, 2]),
            ("P1", 2026, "hires_social", [2, 0, 0]),
            ("P1", 2026, "hires_other", [0, 1, 0]),
            ("P1", 2026, "exits", [2, 1, 0]),
            ("P1", 2026, "exits_contract_end", [1, 0, 0]),
            ("P1", 2026, "exits_dismissed", [0, 1, 0]),
            ("P1", 2026, "exits_resigned", [1, 0, 0]),
            ("P1", 2026, "exits_retired", [0, 0, 0]),
            ("P1", 2026, "exits_internal_retirement", [0, 0, 0]),
            ("P1", 2026, "exits_other", [0, 0, 0]),
            ("P1", 2026, "exits_market", [1, 1, 0]),
            ("P1", 2026, "employees_end", [100, 100, 102]),
            ("P1", 2026, "dispatched_end", [8, 8, 9]),
            ("P1", 2026, "avg_employees", [100, 100, 101]),
            ("P1", 2026, "labour_cost", [150, 150, 160]),
            ("P1", 2026, "wage_total", [100, 100, 110]),
            ("P1", 2026, "value_added", [400, 400, 420]),
            ("P1", 2026, "total_profit", [50, 50, 60]),
            ("P2", 2026, "hires", [1, 0, 0]),
            ("P2", 2026, "hires_campus", [0, 0, 0]),
            ("P2", 2026, "hires_social", [0, 0, 0]),
            ("P2", 2026, "hires_other", [1, 0, 0]),
            ("P2", 2026, "exits", [0, 0, 1]),
            ("P2", 2026, "exits_contract_end", [0, 0, 0]),
            ("P2", 2026, "exits_dismissed", [0, 0, 0]),
            ("P2", 2026, "exits_resigned", [0, 0, 1]),
            ("P2", 2026, "exits_retired", [0, 0, 0]),
            ("P2", 2026, "exits_internal_retirement", [0, 0, 0]),
            ("P2", 2026, "exits_other", [0, 0, 0]),
            ("P2", 2026, "exits_market", [0, 0, 1]),
            ("P2", 2026, "employees_end", [50, 50, 49]),
            ("P2", 2026, "dispatched_end", [10, 10, 10]),
            ("P2", 2026, "avg_employees", [50, 50, 50]),
            ("P2", 2026, "labour_cost", [70, 70, 70]),
            ("P2", 2026, "wage_total", [45, 45, 45]),
            ("P2", 2026, "value_added", [150, 150, 150]),
            ("P2", 2026, "total_profit", [20, 20, 20]),
            ("P1", 2025, "hires", [1, 1, 1]),
            ("P1", 2025, "exits", [0, 0, 1]),
            ("P1", 2025, "exits_market", [0, 0, 0]),
            ("P1", 2025, "employees_end", [105; 3]),
            ("P1", 2025, "dispatched_end", [10; 3]),
            ("P1", 2025, "avg_employees", [105; 3]),
            ("P1", 2025, "labour_cost", [140; 3]),
            ("P1", 2025, "wage_total", [95; 3]),
            ("P1", 2025, "value_added", [380; 3]),
            ("P1", 2025, "total_profit", [45; 3]),
            ("P2", 2025, "hires", [0; 3]),
            ("P2", 2025, "exits", [0; 3]),
            ("P2", 2025, "exits_market", [0; 3]),
            ("P2", 2025, "employees_end", [52; 3]),
            ("P2", 2025, "dispatched_end", [12; 3]),
            ("P2", 2025, "avg_employees", [52; 3]),
            ("P2", 2025, "labour_cost", [65; 3]),
            ("P2", 2025, "wage_total", [45; 3]),
            ("P2", 2025, "value_added", [140; 3]),
            ("P2", 2025, "total_profit", [25; 3]),
        ];
        let mut csv = String::from("entity,period,item,value,basis\n");
        for (entity, year, item, values) in rows {
            for (m, value) in (1..=3).zip(values) {
                csv.push_str(&format!("{entity},{year}-0{m},{item},{value},month\n"));
            }
        }
        csv
    }

    fn setup(ws: &Workspace) {
        let files = [
            ws.write("entities.csv", ENTITIES),
            ws.write("data.csv", &data()),
            ws.write("targets.csv", TARGETS),
        ];
        common::zx(&ws.db(), &["init"]);
        common::zx(
            &ws.db(),
            &[
                "import",
                files[0].as_str(),
                files[1].as_str(),
                files[2].as_str(),
            ],
        );
    }

    pub fn the_workforce_story_in_the_json(ws: Workspace) {
        setup(&ws);
        let g = workforce(&ws, "G");
        assert_eq!(g["period"], "2026-03");
        assert_eq!(g["basis"], "ytd");
        // Hires 6 + 1 = 7 (last year 3): campus 3, social 2, other 1 + 1.
        assert_eq!(g["hires"]["total"]["this"], "7");
        assert_eq!(g["hires"]["total"]["last"], "3");
        let parts = |b: &str| -> Vec<(String, Value)> {
            g[b]["parts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p["item"].as_str().unwrap().to_owned(), p["this"].clone()))
                .collect()
        };
        assert_eq!(
            parts("hires"),
            vec![
                ("hires_campus".to_owned(), json!("3")),
                ("hires_social".to_owned(), json!("2")),
                ("hires_other".to_owned(), json!("2")),
            ]
        );
        assert_eq!(g["hires"]["unexplained"], "0");
        // Exits 3 + 1 = 4: contract end 1, dismissed 1, resigned 1 + 1, the rest 0.
        assert_eq!(g["exits"]["total"]["this"], "4");
        let reasons: Vec<Value> = parts("exits").into_iter().map(|(_, v)| v).collect();
        assert_eq!(
            reasons,
            vec![
                json!("1"),
                json!("1"),
                json!("2"),
                json!("0"),
                json!("0"),
                json!("0")
            ]
        );
        // Market exits reported 2 + 1 = 3 against contract end 1 + dismissed 1 = 2.
        assert_eq!(
            g["market_exits"],
            json!({"reported": "3", "by_reason": "2", "disagrees": true})
        );
        // People: the months' summed headcount 150, 150, 151 averages 150.333…; March's end
        // 151 employees and 19 dispatched (last year 157 and 22).
        let people: Vec<(Value, Value, Value)> = g["people"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["item"].clone(), p["this"].clone(), p["last"].clone()))
            .collect();
        assert_eq!(
            people,
            vec![
                (
                    json!("avg_employees"),
                    json!("150.333333333333"),
                    json!("157")
                ),
                (json!("employees_end"), json!("151"), json!("157")),
                (json!("dispatched_end"), json!("19"), json!("22")),
            ]
        );
        // Money year to date: labour 460 + 210, wages 310 + 135, value added 1220 + 450,
        // profit 160 + 60.
        let money: Vec<(Value, Value)> = g["money"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["this"].clone(), p["last"].clone()))
            .collect();
        assert_eq!(
            money,
            vec![
                (json!("670"), json!("615")),
                (json!("445"), json!("420")),
                (json!("1670"), json!("1560")),
                (json!("220"), json!("210")),
            ]
        );
        // 用工总量 151 + 19 = 170 against a plan of 165: red (the plan is a cap, no band).
        let headcount = &g["indicators"]["headcount_total"];
        assert_eq!(headcount["value"], "170");
        assert_eq!(headcount["target"], "165");
        assert_eq!(headcount["status"], "red");
        // 19 / 170 = 0.111764705882… over the legal 10 %.
        let share = &g["indicators"]["dispatched_share"];
        assert_eq!(share["value"], "0.111764705882");
        assert_eq!(share["limit"]["value"], "0.1");
        assert_eq!(share["limit"]["beyond"], true);
        assert!(
            share["note"]
                .as_str()
                .unwrap()
                .contains("超过法定上限 10.00%"),
            "{share}"
        );
        // Per capita, annualised × 12 / 3: labour 2010 / 451 × 4 = 17.827050997783…; profit
        // 660 / 451 × 4 = 5.853658536585….
        assert_eq!(
            g["indicators"]["labour_cost_per_capita"]["annualised"],
            "17.827050997783"
        );
        assert_eq!(
            g["indicators"]["profit_per_capita"]["annualised"],
            "5.853658536585"
        );
        // Labour productivity is shown too: 1670 × 3 / 451 × 4 = 20040 / 451 = 44.434589800443…
        assert_eq!(
            g["indicators"]["labour_productivity"]["annualised"],
            "44.434589800443"
        );
        // The units: P1 at 9 / 111 within the limit, 111 against its plan of 115 green; P2 at
        // 10 / 59 over it.
        let units = g["units"].as_array().unwrap();
        assert_eq!(units.len(), 2);
        assert_eq!(units[0]["entity"], "P1");
        assert_eq!(
            units[0]["indicators"]["dispatched_share"]["value"],
            "0.081081081081"
        );
        assert_eq!(
            units[0]["indicators"]["dispatched_share"]["limit"]["beyond"],
            false
        );
        assert_eq!(units[0]["indicators"]["headcount_total"]["status"], "green");
        assert_eq!(
            units[1]["indicators"]["dispatched_share"]["value"],
            "0.169491525424"
        );
        assert_eq!(
            units[1]["indicators"]["dispatched_share"]["limit"]["beyond"],
            true
        );
        // The months for the chart: March hired 2, lost 1, ended with 151 and 19.
        assert_eq!(
            g["months"][2],
            json!({"month": "2026-03", "hires": "2", "exits": "1", "employees_end": "151", "dispatched_end": "19"})
        );
    }

    pub fn a_breakdown_that_does_not_add_up_is_refused(ws: Workspace) {
        setup(&ws);
        // April: 3 hired, but the channels say 1 + 1 + 0.
        let bad = ws.write(
            "april.csv",
            "entity,period,item,value,basis
P1,2026-04,hires,3,month
P1,2026-04,hires_campus,1,month
P1,2026-04,hires_social,1,month
P1,2026-04,hires_other,0,month
P1,2026-04,employees_end,104,month
",
        );
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_zx"));
        command.args(["import", bad.as_str(), "--db", ws.db().as_str()]);
        let output = common::run(command, None);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(
                "april.csv:2: value: \"3\" hires 3.00 of P1 for 2026-04 is not the sum of its parts given: hires_campus 1.00 + hires_social 1.00 + hires_other 0.00 = 2.00 (difference 1.00)"
            ),
            "{stderr}"
        );
        assert!(stderr.contains("不等于所填各构成项之和"), "{stderr}");
        // Nothing written: April's employees are not there either.
        let out = common::zx(
            &ws.db(),
            &[
                "workforce",
                "--entity",
                "P1",
                "--period",
                "2026-04",
                "--format",
                "json",
            ],
        );
        let p1: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(p1["months"][3]["employees_end"], Value::Null);
    }

    on_both_backends!(Workspace:
        the_workforce_story_in_the_json,
        a_breakdown_that_does_not_add_up_is_refused,
    );
}

mod web {
    use super::*;
    use common::web::Env;
    use reqwest::StatusCode;

    async fn the_api_within_scope(env: Env) {
        let hq = env.login("hq", "zengxiao-hq").await;
        let (status, body) = env
            .get(&hq, "/api/v1/workforce?entity=JX&period=2026-10")
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let jx: Value = serde_json::from_str(&body).unwrap();
        // 江西's seven plants; only 赣州 leans on dispatched labour beyond 10 %.
        let beyond: Vec<&str> = jx["units"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["indicators"]["dispatched_share"]["limit"]["beyond"] == true)
            .map(|u| u["entity"].as_str().unwrap())
            .collect();
        assert_eq!(beyond, vec!["JX-GZ-WTE"]);
        assert_eq!(jx["units"].as_array().unwrap().len(), 7);
        // Every demo plant gives its channels and reasons: nothing unexplained.
        assert_eq!(jx["hires"]["unexplained"], "0");
        assert_eq!(jx["exits"]["unexplained"], "0");
        assert_eq!(jx["market_exits"]["disagrees"], false);
        // 福建's manager reads 福建 by default, and not 四川.
        let fujian = env.login("fujian", "zengxiao-fujian").await;
        let (status, body) = env.get(&fujian, "/api/v1/workforce?period=2026-10").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let own: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(own["entity"], "FJ");
        let (status, _) = env
            .get(&fujian, "/api/v1/workforce?entity=SC&period=2026-10")
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, page) = env.get(&fujian, "/workforce?period=2026-10").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("用工与劳动效率"), "{page}");
    }

    on_both_backends!(async Env("the workforce web test"): the_api_within_scope);
}
