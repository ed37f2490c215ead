//! Who is expected to submit, by when, and which month the cockpit opens on (issue 11, defects
//! 1 and 6), over HTTP against the demo on a fixed clock: "today" is 6 December 2026 in China,
//! the demo's figures end in October and one plant (南昌, `JX-NC-WTE`) has sent November.
//!
//! Counted by hand from the demo (`zx_demo`): 57 plants, and three parents booking monthly
//! eliminations of their own (`ZX`, `FJ`, `SC`, every month since 2024, so also November 2025);
//! `GD` books quarterly (March, June, September, December), the holding companies `JX`, `ZJ`,
//! `HN`, `GD-NY`, `GD-XNY`, `GD-SW` nothing of their own. November 2026 is thus expected from
//! 57 + 3 = 60 units, of which one has submitted.

use std::sync::Arc;

use serde_json::Value;

mod common;
use common::web::Env as Server;
use common::zx;

/// 10:00 on 6 December 2026 in Beijing.
const DECEMBER_6: &str = "2026-12-06T02:00:00Z";
/// 10:00 on 11 December 2026 in Beijing: November's deadline (the 10th) has passed.
const DECEMBER_11: &str = "2026-12-11T02:00:00Z";

/// The nine reported items of 南昌垃圾焚烧发电厂 for November 2026 (month amounts, yuan).
const NOVEMBER: &str = "entity,period,item,value,basis
JX-NC-WTE,2026-11,operating_revenue,12000000,month
JX-NC-WTE,2026-11,total_profit,3000000,month
JX-NC-WTE,2026-11,net_profit,2250000,month
JX-NC-WTE,2026-11,operating_cash_flow,4000000,month
JX-NC-WTE,2026-11,rd_expenditure,300000,month
JX-NC-WTE,2026-11,value_added,6000000,month
JX-NC-WTE,2026-11,avg_employees,120,month
JX-NC-WTE,2026-11,total_assets,900000000,month
JX-NC-WTE,2026-11,total_liabilities,510000000,month
";

async fn demo_with_november(now: &str, collection: zx_server::config::Collection) -> Server {
    let clock = zx_app::FixedClock(now.parse().unwrap());
    let server = Server::sqlite_with(Arc::new(clock), collection).await;
    let file = server.dir.path().join("jx-nc-wte-2026-11.csv");
    std::fs::write(&file, NOVEMBER).unwrap();
    zx(&server.db, &["import", file.to_str().unwrap()]);
    server
}

async fn json(server: &Server, client: &reqwest::Client, path: &str) -> Value {
    let (status, body) = server.get(client, path).await;
    assert!(status.is_success(), "{path}: {status} {body}");
    serde_json::from_str(&body).unwrap()
}

fn row<'a>(rows: &'a Value, code: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["entity"] == code)
        .unwrap_or_else(|| panic!("no row {code}"))
}

fn verdicts(rows: &Value, code: &str) -> Vec<String> {
    row(rows, code)["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cockpit_opens_on_the_latest_complete_month_and_names_the_partial_one() {
    let server = demo_with_november(DECEMBER_6, Default::default()).await;
    let hq = server.login("hq", "zengxiao-hq").await;

    let cockpit = json(&server, &hq, "/api/v1/entities/ZX/cockpit").await;
    assert_eq!(cockpit["period"], "2026-10");
    assert_eq!(cockpit["collection"]["month"], "2026-10");
    assert_eq!(cockpit["collection"]["expected"], 60);
    assert_eq!(cockpit["collection"]["complete"], true);
    let partial = &cockpit["passed_over"];
    assert_eq!(partial["month"], "2026-11");
    assert_eq!(partial["expected"], 60);
    assert_eq!(partial["done"], 1);
    assert_eq!(partial["complete"], false);
    assert_eq!(partial["done_when"], "submitted");
    let pending = partial["pending"].as_array().unwrap();
    assert_eq!(pending.len(), 59);
    assert_eq!(pending[0]["code"], "ZX", "parents before children");
    assert!(!pending.iter().any(|p| p["code"] == "JX-NC-WTE"));
    assert!(
        !pending
            .iter()
            .any(|p| p["code"] == "GD" || p["code"] == "JX")
    );
    // October's figures are there: the group's total profit is a number, not "—".
    let profit = cockpit["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "total_profit")
        .unwrap();
    assert_ne!(profit["value"], "—", "{profit}");

    // An explicit period is honoured, and marked partial.
    let november = json(&server, &hq, "/api/v1/entities/ZX/cockpit?period=2026-11").await;
    assert_eq!(november["period"], "2026-11");
    assert_eq!(november["collection"]["complete"], false);
    assert_eq!(november["collection"]["done"], 1);
    assert_eq!(november["passed_over"], Value::Null);

    // The KPI API follows the same rule, per subtree: the plant alone is complete in November,
    // its subsidiary (seven plants, no rows of its own) is not.
    let kpi = json(&server, &hq, "/api/v1/entities/JX-NC-WTE/kpi").await;
    assert_eq!(kpi["period"], "2026-11");
    let kpi = json(&server, &hq, "/api/v1/entities/JX/kpi").await;
    assert_eq!(kpi["period"], "2026-10");

    // The page says so, in one language at a time.
    let (_, page) = server.get(&hq, "/lang?to=en&next=/cockpit").await;
    drop(page);
    let (_, page) = server.get(&hq, "/cockpit").await;
    assert!(
        page.contains("2026-11: 1 of 60 units submitted — showing 2026-10"),
        "{page}"
    );
    assert!(page.contains("href=\"/cockpit?entity=ZX&amp;period=2026-11&amp;basis=ytd\""));
    assert!(!page.contains("id=\"partial-month\""));
    let (_, page) = server.get(&hq, "/lang?to=zh&next=/cockpit").await;
    drop(page);
    let (_, page) = server.get(&hq, "/cockpit").await;
    assert!(
        page.contains("2026-11：60 家单位中 1 家已报送 — 当前显示 2026-10"),
        "{page}"
    );
    let (_, page) = server.get(&hq, "/cockpit?period=2026-11").await;
    assert!(page.contains("id=\"partial-month\""), "{page}");
    assert!(page.contains("<details id=\"missing-units\">"), "{page}");
    assert!(page.contains("59 家单位尚未报送"), "{page}");
    assert!(!page.contains("id=\"collection-banner\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grid_asks_only_units_with_figures_of_their_own_and_only_after_the_deadline() {
    let server = demo_with_november(DECEMBER_6, Default::default()).await;
    let hq = server.login("hq", "zengxiao-hq").await;
    let rows = json(&server, &hq, "/api/v1/collection?year=2026").await;
    let not_expected = vec!["not_expected".to_owned(); 12];
    for holding in ["JX", "ZJ", "HN", "GD-NY", "GD-XNY", "GD-SW"] {
        assert_eq!(verdicts(&rows, holding), not_expected, "{holding}");
        assert_eq!(row(&rows, holding)["missing"], 0, "{holding}");
    }
    // GD settles quarterly: asked in the quarters' last months only.
    let (n, s) = ("not_expected", "submitted");
    assert_eq!(
        verdicts(&rows, "GD"),
        [n, n, s, n, n, s, n, n, s, n, n, "not_yet"]
    );
    // A plant: October in, November due by 10 December, December not over.
    let plant = verdicts(&rows, "FJ-JJ-WTE");
    assert_eq!(plant[9..], ["submitted", "due", "not_yet"]);
    assert_eq!(row(&rows, "FJ-JJ-WTE")["deadlines"][10], "2026-12-10");
    assert_eq!(row(&rows, "FJ-JJ-WTE")["missing"], 0);
    assert_eq!(verdicts(&rows, "JX-NC-WTE")[10], "submitted");
    assert_eq!(verdicts(&rows, "ZX")[10], "due");
    assert!(rows.as_array().unwrap().iter().all(|r| r["missing"] == 0));
    // The raw workflow states are as before.
    assert_eq!(row(&rows, "GD-NY")["months"][0], "none");

    let (_, page) = server.get(&hq, "/collect?year=2026").await;
    assert!(!page.contains("state-none"), "nothing is red on 6 December");
    let line = |code: &str| {
        page.split(&format!("data-code=\"{code}\""))
            .nth(1)
            .unwrap()
            .split("</tr>")
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(line("GD-NY").matches("state-exempt").count(), 12);
    assert!(line("FJ-JJ-WTE").contains("截止 2026-12-10"));
    assert!(page.contains("次月 10 日前报送"));

    // After the 10th, November is missing for every unit that has not sent it.
    let late = demo_with_november(DECEMBER_11, Default::default()).await;
    let hq = late.login("hq", "zengxiao-hq").await;
    let rows = json(&late, &hq, "/api/v1/collection?year=2026").await;
    assert_eq!(verdicts(&rows, "FJ-JJ-WTE")[10], "missing");
    assert_eq!(row(&rows, "FJ-JJ-WTE")["missing"], 1);
    assert_eq!(row(&rows, "ZX")["missing"], 1);
    assert_eq!(row(&rows, "GD-NY")["missing"], 0);
    assert_eq!(row(&rows, "JX-NC-WTE")["missing"], 0);
    let missing: u64 = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["missing"].as_u64().unwrap())
        .sum();
    assert_eq!(missing, 59);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_group_sets_who_must_submit_the_deadline_and_what_complete_means() {
    let collection = zx_server::config::Collection {
        due_day: 5,
        need_not_submit: vec!["ZX".into(), "FJ".into(), "SC".into()],
        must_submit: vec!["JX".into()],
        ..Default::default()
    };
    let server = demo_with_november(DECEMBER_6, collection).await;
    let hq = server.login("hq", "zengxiao-hq").await;
    let cockpit = json(&server, &hq, "/api/v1/entities/ZX/cockpit").await;
    // 57 plants and JX, which has no figures of its own: October is not complete any more.
    // JX never submits, so no month is complete: the latest month with data, partial.
    assert_eq!(cockpit["period"], "2026-11");
    assert_eq!(cockpit["collection"]["expected"], 58);
    assert_eq!(cockpit["collection"]["done"], 1);
    let rows = json(&server, &hq, "/api/v1/collection?year=2026").await;
    assert_eq!(verdicts(&rows, "ZX")[10], "not_expected");
    // Due on the 5th: on the 6th November is missing.
    assert_eq!(verdicts(&rows, "FJ-JJ-WTE")[10], "missing");
    assert_eq!(row(&rows, "FJ-JJ-WTE")["deadlines"][10], "2026-12-05");

    // Complete only when approved: nothing in the demo is, so the cockpit falls back to the
    // latest month with data, marked partial.
    let approved = zx_server::config::Collection {
        complete_when: zx_server::config::CompleteWhen::Approved,
        ..Default::default()
    };
    let server = demo_with_november(DECEMBER_6, approved).await;
    let hq = server.login("hq", "zengxiao-hq").await;
    let cockpit = json(&server, &hq, "/api/v1/entities/ZX/cockpit").await;
    assert_eq!(cockpit["period"], "2026-11");
    assert_eq!(cockpit["collection"]["done"], 0);
    assert_eq!(cockpit["collection"]["done_when"], "approved");
}
