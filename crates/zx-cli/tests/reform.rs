//! Reform (reform.md) end to end: the five indicators and pay follows results in `zx kpi
//! --format json` on a small group imported from files and worked by hand, and the demo's
//! cockpit showing the reform group and the rule over HTTP. Both backends.

#[macro_use]
mod common;

use serde_json::Value;

/// The CLI on a group imported from CSV files.
mod cli {
    use super::*;

    use common::workspace::Workspace;

    fn kpi(ws: &Workspace, entity: &str, basis: &str) -> Value {
        let out = common::zx(
            &ws.db(),
            &[
                "kpi", "--entity", entity, "--period", "2026-03", "--basis", basis, "--format",
                "json",
            ],
        );
        serde_json::from_str(&out).unwrap()
    }

    const ENTITIES: &str = "code,name,parent,kind,region,segment
G,示例集团,,group,北京,
S1,一公司,G,subsidiary,福建,
S2,二公司,G,subsidiary,四川,
P1,一厂,S1,plant,福建,waste-to-energy
P2,二厂,S1,plant,福建,water
P3,三厂,S2,plant,四川,solar
";

    /// The group of `zx-domain/tests/reform.rs` as files: month amounts of the first quarters
    /// of 2025 and 2026, P1 filing its flows year to date, G an elimination in March.
    fn data() -> String {
        // (entity, year, ytd, flows [(item, month amounts)], month rows [(item, values)])
        type Rows = [(&'static str, [i64; 3]); 6];
        type Stocks = [(&'static str, [i64; 3]); 3];
        let quarters: [(&str, i32, bool, Rows, Stocks); 6] = [
            (
                "P1",
                2026,
                true,
                [
                    ("operating_revenue", [1000, 1000, 1000]),
                    ("total_profit", [100, 120, 80]),
                    ("labour_cost", [130, 130, 140]),
                    ("wage_total", [100, 100, 100]),
                    ("exits_market", [0, 1, 0]),
                    ("managers_adjusted", [0, 0, 1]),
                ],
                [
                    ("avg_employees", [50, 50, 50]),
                    ("managers_end", [5, 5, 5]),
                    ("managers_contracted_end", [4, 4, 5]),
                ],
            ),
            (
                "P2",
                2026,
                false,
                [
                    ("operating_revenue", [500, 500, 500]),
                    ("total_profit", [50, 50, 50]),
                    ("labour_cost", [70, 70, 70]),
                    ("wage_total", [45, 45, 45]),
                    ("exits_market", [1, 0, 0]),
                    ("managers_adjusted", [0, 0, 0]),
                ],
                [
                    ("avg_employees", [30, 30, 30]),
                    ("managers_end", [3, 3, 3]),
                    ("managers_contracted_end", [2, 2, 2]),
                ],
            ),
            (
                "P3",
                2026,
                false,
                [
                    ("operating_revenue", [600, 600, 600]),
                    ("total_profit", [60, 60, 60]),
                    ("labour_cost", [90, 90, 90]),
                    ("wage_total", [60, 60, 60]),
                    ("exits_market", [0, 0, 0]),
                    ("managers_adjusted", [0, 1, 0]),
                ],
                [
                    ("avg_employees", [20, 20, 20]),
                    ("managers_end", [2, 2, 2]),
                    ("managers_contracted_end", [2, 2, 2]),
                ],
            ),
            (
                "P1",
                2025,
                true,
                [
                    ("operating_revenue", [900; 3]),
                    ("total_profit", [100; 3]),
                    ("labour_cost", [120; 3]),
                    ("wage_total", [90; 3]),
                    ("exits_market", [0; 3]),
                    ("managers_adjusted", [0; 3]),
                ],
                [
                    ("avg_employees", [50; 3]),
                    ("managers_end", [5; 3]),
                    ("managers_contracted_end", [3; 3]),
                ],
            ),
            (
                "P2",
                2025,
                false,
                [
                    ("operating_revenue", [500; 3]),
                    ("total_profit", [60; 3]),
                    ("labour_cost", [65; 3]),
                    ("wage_total", [48; 3]),
                    ("exits_market", [0; 3]),
                    ("managers_adjusted", [0; 3]),
                ],
                [
                    ("avg_employees", [30; 3]),
                    ("managers_end", [3; 3]),
                    ("managers_contracted_end", [1; 3]),
                ],
            ),
            (
                "P3",
                2025,
                false,
                [
                    ("operating_revenue", [550; 3]),
                    ("total_profit", [50; 3]),
                    ("labour_cost", [85; 3]),
                    ("wage_total", [55; 3]),
                    ("exits_market", [0; 3]),
                    ("managers_adjusted", [0; 3]),
                ],
                [
                    ("avg_employees", [20; 3]),
                    ("managers_end", [2; 3]),
                    ("managers_contracted_end", [2; 3]),
                ],
            ),
        ];
        let mut csv = String::from("entity,period,item,value,basis\n");
        for (entity, year, ytd, flows, stocks) in quarters {
            for (item, amounts) in flows {
                let mut sum = 0;
                for (m, amount) in (1..=3).zip(amounts) {
                    sum += amount;
                    let (value, basis) = if ytd { (sum, "ytd") } else { (amount, "month") };
                    csv.push_str(&format!("{entity},{year}-0{m},{item},{value},{basis}\n"));
                }
            }
            for (item, values) in stocks {
                for (m, value) in (1..=3).zip(values) {
                    csv.push_str(&format!("{entity},{year}-0{m},{item},{value},month\n"));
                }
            }
        }
        for year in [2025, 2026] {
            csv.push_str(&format!("G,{year}-03,operating_revenue,-300,month\n"));
            csv.push_str(&format!("G,{year}-03,total_profit,-30,month\n"));
        }
        csv
    }

    const TARGETS: &str = "entity,year,indicator,target
G,2026,contract_coverage,1
G,2026,market_exit_rate,0.03
";

    pub fn the_reform_indicators_and_the_pay_rule_in_the_json(ws: Workspace) {
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
        let g = kpi(&ws, "G", "ytd");
        let indicator = |id: &str, field: &str| g["indicators"][id][field].clone();
        // Worked in zx-domain/tests/reform.rs: profit 600 / labour cost 880; 880 / revenue
        // 6000; 2 market exits / 100 people; 2 adjusted / 10 managers; 9 of 10 contracted.
        assert_eq!(
            indicator("labour_cost_profit_rate", "value"),
            "0.681818181818"
        );
        assert_eq!(
            indicator("personnel_expense_rate", "value"),
            "0.146666666667"
        );
        assert_eq!(indicator("market_exit_rate", "value"), "0.02");
        assert_eq!(indicator("manager_adjustment_rate", "value"), "0.2");
        assert_eq!(indicator("contract_coverage", "value"), "0.9");
        // YoY of rates: the difference. 15/22 − 20/27 = −35/594; 0.9 − 0.6.
        assert_eq!(
            indicator("labour_cost_profit_rate", "yoy"),
            "-0.058922558923"
        );
        assert_eq!(indicator("contract_coverage", "yoy"), "0.3");
        assert_eq!(indicator("contract_coverage", "last_year"), "0.6");
        // Coverage against 100 %: at the edge of the 10 % band, yellow. The exit rate has a
        // target (pro-rated 0.03 × 3/12) but no direction: no status, and the note says so.
        assert_eq!(indicator("contract_coverage", "status"), "yellow");
        assert_eq!(indicator("market_exit_rate", "expected"), "0.0075");
        assert_eq!(indicator("market_exit_rate", "status"), "none");
        let note = indicator("market_exit_rate", "note");
        assert!(note.as_str().unwrap().contains("不评价"), "{note}");
        // Pay follows results, year to date: profit 600 → 600 did not grow; wages 579 → 615,
        // +36/579: fails.
        assert_eq!(
            g["rules"],
            serde_json::json!({"wage_linkage": {
                "wage_growth": "0.062176165803", "profit_growth": "0", "holds": false
            }})
        );
        // Beside the year's rule, which keeps its six verdicts.
        assert_eq!(g["rule"]["details"].as_object().unwrap().len(), 6);
        // S2 (P3): profit +0.2, wages +15/165: holds. On the month basis the rule is still
        // year to date.
        assert_eq!(
            kpi(&ws, "S2", "month")["rules"]["wage_linkage"],
            serde_json::json!({
                "wage_growth": "0.090909090909", "profit_growth": "0.2", "holds": true
            })
        );
        // P2: profit −1/6, wages −0.0625: holds; S1: profit −0.0625, wages +21/414: fails.
        assert_eq!(
            kpi(&ws, "P2", "ytd")["rules"]["wage_linkage"]["holds"],
            true
        );
        let s1 = kpi(&ws, "S1", "ytd");
        assert_eq!(
            s1["rules"]["wage_linkage"],
            serde_json::json!({
                "wage_growth": "0.050724637681", "profit_growth": "-0.0625", "holds": false
            })
        );
        // The table says it in a sentence.
        let table = common::zx(
            &ws.db(),
            &[
                "kpi", "--entity", "G", "--period", "2026-03", "--lang", "en",
            ],
        );
        assert!(
            table.contains("Pay follows results (year to date): Total wages +6.22% YoY, Total profit +0.00% YoY → does not hold (wages grew while profit did not)"),
            "{table}"
        );
        // 2025 has no year before it: null, not an error.
        let first = common::zx(
            &ws.db(),
            &[
                "kpi", "--entity", "G", "--period", "2025-03", "--format", "json",
            ],
        );
        let first: Value = serde_json::from_str(&first).unwrap();
        assert_eq!(
            first["rules"]["wage_linkage"],
            serde_json::json!({"wage_growth": null, "profit_growth": null, "holds": null})
        );
    }

    on_both_backends!(Workspace: the_reform_indicators_and_the_pay_rule_in_the_json);
}

/// The demo's cockpit over HTTP.
mod web {
    use super::*;
    use common::web::Env;

    async fn json(server: &Env, client: &reqwest::Client, path: &str) -> Value {
        let (status, body) = server.get(client, path).await;
        assert!(status.is_success(), "{path}: {status} {body}");
        serde_json::from_str(&body).unwrap()
    }

    pub async fn the_cockpit_shows_the_reform_group_and_pay_follows_results(server: Env) {
        let hq = server.login("hq", "zengxiao-hq").await;
        // 四川, 2026-10: profit down with 南充's outage, wages up: the rule fails.
        let sc = json(&server, &hq, "/api/v1/entities/SC/cockpit?period=2026-10").await;
        let ids = |cards: &Value| -> Vec<String> {
            cards
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(
            ids(&sc["reform_cards"]),
            [
                "labour_cost_profit_rate",
                "personnel_expense_rate",
                "market_exit_rate",
                "manager_adjustment_rate",
                "contract_coverage"
            ]
        );
        // The six stay the six; the reform group is apart.
        assert_eq!(
            ids(&sc["cards"]),
            [
                "total_profit",
                "asset_liability_ratio",
                "roe",
                "rd_intensity",
                "labour_productivity",
                "operating_cash_ratio"
            ]
        );
        let card = |id: &str| {
            sc["reform_cards"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == id)
                .unwrap()
                .clone()
        };
        assert_eq!(card("market_exit_rate")["status"], "none");
        assert_ne!(card("market_exit_rate")["value"], "—");
        assert_eq!(sc["wage_linkage"]["holds"], false);
        // The API's rule is the CLI's (`zx kpi --format json`).
        let api = json(&server, &hq, "/api/v1/entities/SC/kpi?period=2026-10").await;
        let cli: Value = serde_json::from_str(&common::zx(
            &server.db,
            &[
                "kpi", "--entity", "SC", "--period", "2026-10", "--format", "json",
            ],
        ))
        .unwrap();
        assert_eq!(api["rules"], cli["rules"]);
        assert_eq!(api["rules"]["wage_linkage"]["holds"], false);
        assert!(
            api["rules"]["wage_linkage"]["profit_growth"]
                .as_str()
                .unwrap()
                .starts_with('-')
        );
        assert_eq!(
            api["indicators"]["contract_coverage"],
            cli["indicators"]["contract_coverage"]
        );

        // The page: the rule beside 一增一稳四提升, the reform cards after it, in Chinese.
        let (status, page) = server
            .get(&hq, "/cockpit?entity=SC&period=2026-10&basis=ytd")
            .await;
        assert!(status.is_success(), "{status}");
        let rule = page.find("id=\"rule\"").unwrap();
        let linkage = page.find("id=\"wage-linkage\"").unwrap();
        let reform = page.find("id=\"reform\"").unwrap();
        assert!(rule < linkage && linkage < reform);
        assert!(page.contains("data-holds=\"false\""), "the rule fails");
        assert!(page.contains("工资效益联动"));
        assert!(page.contains("未达成（利润未增长，工资却增长）"));
        assert!(page.contains("三项制度改革"));
        assert!(page[reform..].contains("id=\"card-market_exit_rate\""));
        assert!(page.contains("class=\"card status-none\" id=\"card-market_exit_rate\""));
        assert!(!page[..reform].contains("card-contract_coverage"));
        // The group holds, and its coverage target (100 %) shows a status.
        let (_, page) = server
            .get(&hq, "/cockpit?entity=ZX&period=2026-10&basis=ytd")
            .await;
        assert!(page.contains("data-holds=\"true\""));
        assert!(page.contains("class=\"card status-green\" id=\"card-contract_coverage\""));
        // In English (the language switch remembers it in a cookie).
        server.get(&hq, "/lang?to=en").await;
        let (_, page) = server
            .get(&hq, "/cockpit?entity=SC&period=2026-10&basis=ytd")
            .await;
        assert!(page.contains("Pay follows results"), "{page}");
        assert!(page.contains("does not hold (wages grew while profit did not)"));
        assert!(page.contains("Reform: managers up and down, staff in and out, pay up and down"));
    }

    on_both_backends!(async Env("the reform web test"):
        the_cockpit_shows_the_reform_group_and_pay_follows_results);
}
