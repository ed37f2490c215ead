//! Months out of line with their history on the collection grid (`zx_domain::outliers`, worked
//! by hand in `zx-domain/tests/outliers.rs`), on the demo: its two 2026 stories are flagged
//! before approval — 南充's furnace outage from March (profit turns to a loss) and 浙江's
//! unpaid fees (operating cash dries up) — and 2025, a year without stories, flags nothing.
//! In the API and on the page. Both backends.

#[macro_use]
mod common;

use common::web::Env;
use reqwest::StatusCode;
use serde_json::Value;

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
