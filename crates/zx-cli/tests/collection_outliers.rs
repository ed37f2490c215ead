//! Months out of line with their history on the collection grid (`zx_domain::outliers`, worked
//! by hand in `zx-domain/tests/outliers.rs`), on the demo: its two 2026 stories are flagged
//! before approval — 南充's furnace outage from March (profit turns to a loss) and 浙江's
//! unpaid fees (operating cash dries up) — and 2025, a year without stories, flags nothing.
//! In the API and on the page; and `zx import` points out what it received out of line, on the
//! hand-worked group of the domain test. Both backends.

#[macro_use]
mod common;

use serde_json::Value;

mod cli {
    use super::*;
    use common::workspace::Workspace;

    /// G → P1, P2 (as in zx-domain/tests/outliers.rs).
    const ENTITIES: &str = "code,name,parent,kind,region,segment
G,集团,,group,北京,
P1,一厂,G,plant,福建,waste-to-energy
P2,二厂,G,plant,四川,water
";

    /// Profit of 100 (P1) and 50 (P2) 元 every month from 2024-01 to 2026-02.
    fn history() -> String {
        let mut csv = String::from("entity,period,item,value,basis\n");
        for year in 2024..=2026 {
            let last = if year == 2026 { 2 } else { 12 };
            for month in 1..=last {
                csv.push_str(&format!("P1,{year}-{month:02},total_profit,100,month\n"));
                csv.push_str(&format!("P2,{year}-{month:02},total_profit,50,month\n"));
            }
        }
        csv
    }

    pub fn an_import_points_out_a_zero_too_many(ws: Workspace) {
        let files = [
            ws.write("entities.csv", ENTITIES),
            ws.write("history.csv", &history()),
            ws.write(
                "march.csv",
                "entity,period,item,value,basis\nP1,2026-03,total_profit,1000,month\nP2,2026-03,total_profit,50,month\n",
            ),
        ];
        common::zx(&ws.db(), &["init"]);
        let quiet = common::zx(&ws.db(), &["import", &files[0], &files[1]]);
        assert!(!quiet.contains('⚠'), "{quiet}");
        // P1's March: 100 expected (every year-on-year change 0), 0 … 200 would pass (its whole
        // typical size, 100); 1,000 is out, as the item keyed and as its month's profit. P2's
        // 50 is as ever. G was not in the file.
        let text = common::zx(&ws.db(), &["import", &files[2]]);
        let flagged: Vec<&str> = text.lines().filter(|l| l.starts_with('⚠')).collect();
        assert_eq!(
            flagged,
            vec![
                "⚠ P1 2026-03：利润总额 0.10 万元 偏离自身历史规律：预期约 0.01，合理范围 0.00～0.02（按同比推算）",
                "⚠ P1 2026-03：利润总额（当月） 0.10 万元 偏离自身历史规律：预期约 0.01，合理范围 0.00～0.02（按同比推算）",
            ],
            "{text}"
        );
        let json: Value = serde_json::from_str(&common::zx(
            &ws.db(),
            &["import", &files[2], "--format", "json"],
        ))
        .unwrap();
        let outliers = json["outliers"].as_array().unwrap();
        assert_eq!(outliers.len(), 2, "{json}");
        for (flag, subject) in outliers.iter().zip(["item", "indicator"]) {
            assert_eq!(flag["entity"], "P1");
            assert_eq!(flag["month"], "2026-03");
            assert_eq!(flag["code"], "total_profit");
            assert_eq!(flag["subject"], subject);
            assert_eq!(
                (
                    &flag["value"],
                    &flag["expected"],
                    &flag["low"],
                    &flag["high"]
                ),
                (&"1000".into(), &"100".into(), &"0".into(), &"200".into())
            );
            assert_eq!(flag["basis"], "year_on_year");
        }
    }

    on_both_backends!(Workspace: an_import_points_out_a_zero_too_many);
}

mod web {
    use super::*;
    use common::web::Env;
    use reqwest::StatusCode;

    async fn grid(env: &Env, client: &reqwest::Client, query: &str) -> Vec<Value> {
        let (status, body) = env
            .get(client, &format!("/api/v1/collection?{query}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// (entity, month 1–12, code, subject) of every flag.
    fn flags(rows: &[Value]) -> Vec<(String, usize, String, String)> {
        let mut out = Vec::new();
        for row in rows {
            for (month, list) in row["outliers"].as_array().unwrap().iter().enumerate() {
                for flag in list.as_array().unwrap() {
                    out.push((
                        row["entity"].as_str().unwrap().to_owned(),
                        month + 1,
                        flag["code"].as_str().unwrap().to_owned(),
                        flag["subject"].as_str().unwrap().to_owned(),
                    ));
                }
            }
        }
        out
    }

    async fn the_demo_stories_are_flagged_and_a_quiet_year_is_not(env: Env) {
        let hq = env.login("hq", "zengxiao-hq").await;
        // 2025: no story, no flag in any of the group's units.
        let quiet = grid(&env, &hq, "year=2025&entity=ZX").await;
        assert!(quiet.len() > 60, "{}", quiet.len());
        assert_eq!(flags(&quiet), Vec::new());

        let rows = grid(&env, &hq, "year=2026&entity=ZX").await;
        let all = flags(&rows);
        // 南充, March 2026: the outage month's profit, as reported and as its month's indicator.
        let nanchong: Vec<(usize, &str, &str)> = all
            .iter()
            .filter(|(e, m, _, _)| e == "SC-NC-WTE" && *m == 3)
            .map(|(_, m, c, s)| (*m, c.as_str(), s.as_str()))
            .collect();
        assert!(
            nanchong.contains(&(3, "total_profit", "item"))
                && nanchong.contains(&(3, "total_profit", "indicator")),
            "{all:?}"
        );
        let row = rows.iter().find(|r| r["entity"] == "SC-NC-WTE").unwrap();
        let march = &row["outliers"][2][0];
        // A loss where a profit was expected, the expectation read from the year before.
        assert!(march["value"].as_str().unwrap().starts_with('-'), "{march}");
        assert!(
            !march["expected"].as_str().unwrap().starts_with('-'),
            "{march}"
        );
        assert_eq!(march["basis"], "year_on_year");
        assert!(
            march["sentence"]
                .as_str()
                .unwrap()
                .contains("偏离自身历史规律"),
            "{march}"
        );
        // 浙江: its operating cash ratio in the first half.
        assert!(
            all.iter()
                .any(|(e, m, c, _)| e == "ZJ" && *m <= 6 && c == "operating_cash_ratio"),
            "{all:?}"
        );
        // Every flag of the year is one of the stories' units (南充 and 四川 above it, 浙江 and
        // its plants) or a month of a plant whose profit or productivity moved as far.
        let story = all
            .iter()
            .filter(|(e, _, _, _)| e.starts_with("ZJ") || e == "SC-NC-WTE" || e == "SC")
            .count();
        assert!(
            story * 10 >= all.len() * 9,
            "{story} of {}: {all:?}",
            all.len()
        );

        // The page lists them under the grid for HQ.
        let (status, page) = env.get(&hq, "/collect?year=2026&entity=SC").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("数据异常提示"), "{page}");
        assert!(page.contains("class=\"outlier-mark\""), "{page}");
        assert!(page.contains("南充垃圾焚烧发电厂 2026-03："), "{page}");
    }

    on_both_backends!(async Env("the collection outliers test"):
    the_demo_stories_are_flagged_and_a_quiet_year_is_not);
}
