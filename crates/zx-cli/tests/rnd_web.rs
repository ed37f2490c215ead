//! The R&D portfolio over HTTP on the demo: twenty projects, one late gate (RD-SC-02's pilot,
//! planned 2026-09-30), one flagged entity-month (JX-NC-WTE 2026-08: RD-JX-01 booked 360,000
//! yuan more than the plant reported) shown on the collection grid and in HQ's approval; scope
//! (Fujian's manager reads and writes Fujian's projects only, a viewer writes nothing); the
//! register out to Excel and back unchanged, a correction made a revision, bad cells named. On
//! SQLite and, with `ZX_TEST_DATABASE_URL`, PostgreSQL.

use reqwest::StatusCode;
use serde_json::Value;

#[macro_use]
mod common;
use common::web::{Env, hidden};

async fn json(env: &Env, client: &reqwest::Client, path: &str) -> Value {
    let (status, body) = env.get(client, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn upload(
    env: &Env,
    client: &reqwest::Client,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, String) {
    let csrf = hidden(&env.get(client, "/rnd").await.1, "csrf");
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let response = client
        .post(format!("{}/rnd/import", env.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

fn codes(projects: &Value) -> Vec<String> {
    projects
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_portfolio_flags_one_month_and_one_late_gate_within_scope(env: Env) {
    let hq = env.login("hq", "zengxiao-hq").await;
    let projects = json(&env, &hq, "/api/v1/rnd/projects").await;
    assert_eq!(codes(&projects).len(), 20);
    let late: Vec<&Value> = projects
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["late_gate"].is_null())
        .collect();
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(late[0]["code"], "RD-SC-02");
    assert_eq!(late[0]["late_gate"]["stage"], "pilot");
    assert_eq!(late[0]["late_gate"]["planned"], "2026-09-30");
    // Days late: today in China minus 2026-09-30.
    let today = zx_domain::calendar::china_today(chrono::Utc::now());
    let planned = chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap();
    assert_eq!(
        late[0]["late_gate"]["days_late"],
        (today - planned).num_days()
    );

    // 16 plants × January–October 2026; one differs, by the 360,000 yuan RD-JX-01 added.
    let rows = json(&env, &hq, "/api/v1/rnd/reconciliation").await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 160);
    let flagged: Vec<&Value> = rows.iter().filter(|r| r["flagged"] == true).collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["entity"], "JX-NC-WTE");
    assert_eq!(flagged[0]["month"], "2026-08");
    assert_eq!(flagged[0]["difference"], "360000");
    assert_eq!(flagged[0]["verdict"], "differs");

    // The collection grid names it on the cell and below the grid.
    let (status, grid) = env.get(&hq, "/collect?year=2026").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(grid.matches("rnd-flag-mark").count(), 1, "{grid}");
    assert!(grid.contains("JX-NC-WTE 2026-08：研发项目支出"), "{grid}");
    assert!(grid.contains("相差 360,000.00 元"), "{grid}");
    // And the collection API, on the row's August.
    let rows = json(&env, &hq, "/api/v1/collection?year=2026&entity=JX").await;
    let jx = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["entity"] == "JX-NC-WTE")
        .unwrap();
    assert!(
        jx["rnd_flags"][7]
            .as_str()
            .unwrap()
            .contains("相差 360,000.00 元"),
        "{jx}"
    );
    assert!(jx["rnd_flags"][6].is_null());
    // The portfolio page too, with the late gate.
    let page = env.get(&hq, "/rnd").await.1;
    assert!(page.contains("id=\"rnd-flags\""), "{page}");
    assert!(page.contains("data-code=\"RD-SC-02\""), "{page}");

    // HQ approves the month: allowed, never silent.
    let csrf = hidden(&env.get(&hq, "/collect?year=2026").await.1, "csrf");
    let response = hq
        .post(format!("{}/collect/state", env.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("entity", "JX-NC-WTE"),
            ("month", "2026-08"),
            ("state", "approved"),
            ("comment", "同意"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let (_, shown) = env.get(&hq, &location).await;
    assert!(
        shown.contains("注意：JX-NC-WTE 2026-08：研发项目支出"),
        "{shown}"
    );
    let audit = json(&env, &hq, "/api/v1/audit?object=JX-NC-WTE").await;
    assert!(
        audit.as_array().unwrap().iter().any(|a| a["new"]
            .as_str()
            .unwrap_or("")
            .contains("相差 360,000.00 元")),
        "{audit}"
    );

    // Through the API too: the approval's audit comment carries the flag.
    let response = hq
        .post(format!("{}/api/v1/collection/state", env.base))
        .header("x-csrf-token", csrf.as_str())
        .json(&serde_json::json!({
            "entity": "JX-NC-WTE", "month": "2026-08", "state": "approved", "comment": "复核"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let audit = json(&env, &hq, "/api/v1/audit?object=JX-NC-WTE").await;
    assert!(
        audit.as_array().unwrap().iter().any(|a| a["new"]
            .as_str()
            .unwrap_or("")
            .starts_with("approved: 复核 [JX-NC-WTE 2026-08：研发项目支出")),
        "{audit}"
    );

    // Fujian's manager: Fujian's four projects, nobody else's, and no flag of Jiangxi's.
    let fujian = env.login("fujian", "zengxiao-fujian").await;
    let mine = json(&env, &fujian, "/api/v1/rnd/projects").await;
    assert_eq!(
        codes(&mine),
        ["RD-FJ-01", "RD-FJ-02", "RD-FJ-03", "RD-FJ-04"]
    );
    let (status, body) = env.get(&fujian, "/api/v1/rnd/projects/RD-SC-01").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(!body.contains("SCR"), "{body}");
    let (status, page) = env.get(&fujian, "/rnd/projects/RD-SC-01").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!page.contains("SCR低温脱硝"), "{page}");
    let (status, page) = env.get(&fujian, "/rnd/projects/RD-FJ-01").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("垃圾焚烧飞灰螯合稳定化与资源化利用技术"));
    let theirs = json(&env, &fujian, "/api/v1/rnd/reconciliation").await;
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["entity"].as_str().unwrap().starts_with("FJ-")),
        "{theirs}"
    );
    let grid = env.get(&fujian, "/collect?year=2026").await.1;
    assert!(!grid.contains("rnd-flag-mark"), "{grid}");

    // 南充's plant manager has no project at his plant.
    let nanchong = env.login("nanchong", "zengxiao-nanchong").await;
    assert_eq!(
        json(&env, &nanchong, "/api/v1/rnd/projects").await,
        Value::Array(vec![])
    );
    // Sichuan's viewer reads Sichuan's four and writes nothing.
    let sichuan = env.login("sichuan", "zengxiao-sichuan").await;
    assert_eq!(
        codes(&json(&env, &sichuan, "/api/v1/rnd/projects").await),
        ["RD-SC-01", "RD-SC-02", "RD-SC-03", "RD-SC-04"]
    );
    let (status, _) = upload(
        &env,
        &sichuan,
        "spend.csv",
        b"project,month,amount\nRD-SC-01,2026-03,1\n".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn the_register_goes_out_and_back_and_a_correction_is_a_revision(env: Env) {
    let fujian = env.login("fujian", "zengxiao-fujian").await;
    let response = fujian
        .get(format!("{}/rnd/register.xlsx", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap().to_vec();
    // Fujian's register read back: 4 projects, 4 budgets (2026), 4 × 10 months of spend and
    // 2 + 1 + 2 + 1 partners = 54 rows, none changed.
    let (status, page) = upload(&env, &fujian, "rnd-register.xlsx", bytes).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("已导入：新增 0，修订 0，未变 54"), "{page}");

    // Another subsidiary's project and a bad month are named cell by cell; nothing written.
    let bad = "项目编号,月份,支出（元）\nRD-SC-01,2026-03,1\nRD-FJ-04,2026-3x,5\n";
    let (_, page) = upload(&env, &fujian, "spend.csv", bad.as_bytes().to_vec()).await;
    assert!(
        page.contains("spend.csv:2: project: “RD-SC-01” 不在您负责的单位范围内"),
        "{page}"
    );
    assert!(page.contains("spend.csv:3: month: “2026-3x”"), "{page}");

    // March's spend of RD-FJ-04 (厦门水务's only project) corrected to 1 yuan: revision 2, and
    // the plant's March now differs from its reported R&D by far more than 10,000 yuan.
    let fix = "项目编号,月份,支出（元）\nRD-FJ-04,2026-03,1.00\n";
    let (_, page) = upload(&env, &fujian, "fix.csv", fix.as_bytes().to_vec()).await;
    assert!(page.contains("已导入：新增 0，修订 1，未变 0"), "{page}");
    let project = json(&env, &fujian, "/api/v1/rnd/projects/RD-FJ-04").await;
    let march = project["spend"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["month"] == "2026-03")
        .unwrap()
        .clone();
    assert_eq!(march["amount"], "1");
    assert_eq!(march["revision"], 2);
    let rows = json(&env, &fujian, "/api/v1/rnd/reconciliation").await;
    let flagged: Vec<(String, String)> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["flagged"] == true)
        .map(|r| {
            (
                r["entity"].as_str().unwrap().to_owned(),
                r["month"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(flagged, [("FJ-XM-WAT".to_owned(), "2026-03".to_owned())]);
    let hq = env.login("hq", "zengxiao-hq").await;
    let audit = json(&env, &hq, "/api/v1/audit?object=rnd_spend").await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["object"] == "rnd_spend RD-FJ-04 2026-03"
                && a["new"] == "1"
                && a["user"] == "fujian"),
        "{audit}"
    );
}

on_both_backends!(async Env("rnd"):
    the_portfolio_flags_one_month_and_one_late_gate_within_scope,
    the_register_goes_out_and_back_and_a_correction_is_a_revision,
);
