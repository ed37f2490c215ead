//! The manager term register over HTTP on the demo (SQLite, and PostgreSQL when a URL is set):
//! who reads which terms, who sees ratings and pay (admin and HQ HR only), who may change the
//! register, and the register's counts proposed for the month's data and taken in.
//!
//! The demo's register (`zx_demo::demo_managers`, around today in China): three terms per
//! subsidiary (总经理, 副总经理, 财务总监), 福建's 副总经理 demoted on the 15th of last month with
//! a successor from the 16th, 福建's 财务总监 ending on today's day of next month.

use chrono::{Datelike, Months, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[macro_use]
mod common;
use common::web::{Env, hidden};

async fn session(env: &Env, name: &str) -> (reqwest::Client, String) {
    let client = env.login(name, &format!("zengxiao-{name}")).await;
    let csrf = hidden(&env.get(&client, "/managers").await.1, "csrf");
    (client, csrf)
}

async fn get_json(env: &Env, who: &reqwest::Client, path: &str) -> (StatusCode, Value) {
    let response = who.get(format!("{}{path}", env.base)).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post(
    env: &Env,
    who: &(reqwest::Client, String),
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = who
        .0
        .post(format!("{}{path}", env.base))
        .header("x-csrf-token", &who.1)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn entities(register: &Value) -> Vec<String> {
    let mut list: Vec<String> = register["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["entity"].as_str().unwrap().to_owned())
        .collect();
    list.dedup();
    list
}

/// Any rating or pay anywhere in the register.
fn confidential_fields(register: &Value) -> usize {
    register["terms"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["years"].as_array().unwrap())
        .filter(|y| y.get("rating").is_some() || y.get("pay").is_some())
        .count()
}

async fn pay_and_ratings_are_for_hq_hr_and_admin_only(env: Env) {
    let (status, hr) = get_json(
        &env,
        &env.login("hr", "zengxiao-hr").await,
        "/api/v1/managers",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{hr}");
    assert_eq!(hr["confidential"], true);
    // Six subsidiaries × 3 terms + 福建's successor = 19 terms.
    assert_eq!(hr["terms"].as_array().unwrap().len(), 19);
    let demoted = hr["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["outcome"]["kind"] == "demoted")
        .unwrap();
    assert_eq!(demoted["entity"], "FJ");
    assert_eq!(demoted["years"][0]["rating"], "incompetent");
    // 520,000 yuan, exact (the demo writes 520000.00).
    assert_eq!(demoted["years"][0]["pay"], "520000");
    // One term ends next month, within the 60 days: 福建's 财务总监.
    assert_eq!(hr["terms_ending"].as_array().unwrap().len(), 1);
    let admin = env.login("admin", "zengxiao-admin").await;
    let (_, admin_view) = get_json(&env, &admin, "/api/v1/managers").await;
    assert_eq!(admin_view["confidential"], true);
    assert!(confidential_fields(&admin_view) > 0);

    // The HQ analyst reads every term but no rating or pay, and no rating due.
    let hq = env.login("hq", "zengxiao-hq").await;
    let (_, analyst) = get_json(&env, &hq, "/api/v1/managers").await;
    assert_eq!(analyst["confidential"], false);
    assert_eq!(analyst["terms"].as_array().unwrap().len(), 19);
    assert_eq!(confidential_fields(&analyst), 0);
    assert_eq!(analyst["ratings_due"], json!([]));
    // The page neither: no pay figure, no rating word in the register.
    let (_, page) = env.get(&hq, "/managers").await;
    assert!(page.contains("id=\"confidential-note\""));
    assert!(
        !page.contains("520000") && !page.contains("不称职"),
        "pay or rating shown to hq"
    );
    let (_, page) = env
        .get(&env.login("hr", "zengxiao-hr").await, "/managers")
        .await;
    assert!(page.contains("520000") && page.contains("不称职"));

    // 福建's manager: 福建's four terms only, nothing confidential; 四川's are out of scope.
    let fujian = env.login("fujian", "zengxiao-fujian").await;
    let (_, own) = get_json(&env, &fujian, "/api/v1/managers").await;
    assert_eq!(entities(&own), ["FJ"]);
    assert_eq!(own["terms"].as_array().unwrap().len(), 4);
    assert_eq!(confidential_fields(&own), 0);
    let (status, _) = get_json(&env, &fujian, "/api/v1/managers?entity=SC").await;
    assert!(
        status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
        "{status}"
    );
    // A person of another subsidiary is not found for them.
    let sc_person = analyst["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["entity"] == "SC")
        .unwrap()["person_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = env
        .get(&fujian, &format!("/managers/person/{sc_person}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // 四川's viewer: 四川's three.
    let sichuan = env.login("sichuan", "zengxiao-sichuan").await;
    let (_, viewer) = get_json(&env, &sichuan, "/api/v1/managers").await;
    assert_eq!(entities(&viewer), ["SC"]);
    assert_eq!(confidential_fields(&viewer), 0);
}

async fn only_hq_hr_and_admin_change_the_register(env: Env) {
    let term = json!({"person_id": "ZX9001", "person_name": "郑一", "entity": "FJ",
        "position": "副总经理", "start": "2026-12-01", "end": "2029-11-30",
        "years": [{"year": 2026, "target": "", "result": "", "pay": "43000.50"}]});
    for name in ["fujian", "hq", "sichuan"] {
        let who = session(&env, name).await;
        let (status, body) = post(&env, &who, "/api/v1/managers", term.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
    }
    let hr = session(&env, "hr").await;
    let (status, created) = post(&env, &hr, "/api/v1/managers", term.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (_, register) = get_json(&env, &hr.0, "/api/v1/managers?entity=FJ").await;
    let saved = register["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap();
    assert_eq!(saved["years"][0]["pay"], "43000.50");
    // A term that ends before it starts is refused, naming why.
    let mut bad = term.clone();
    bad["end"] = json!("2025-01-01");
    let (status, body) = post(&env, &hr, "/api/v1/managers", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("before it starts"),
        "{body}"
    );
}

async fn the_registers_counts_are_proposed_and_taken_into_the_month(env: Env) {
    let today = zx_domain::calendar::china_today(Utc::now());
    let last = today.checked_sub_months(Months::new(1)).unwrap();
    let month = format!("{}-{:02}", last.year(), last.month());
    let hr = env.login("hr", "zengxiao-hr").await;
    let path = format!("/api/v1/managers/proposal?entity=FJ&month={month}");
    let (status, proposal) = get_json(&env, &hr, &path).await;
    assert_eq!(status, StatusCode::OK, "{proposal}");
    // At last month's end: 总经理, the successor (from the 16th) and 财务总监 in term = 3; the
    // 副总经理 demoted on the 15th is out and adjusted = 1; all three contracted = 3.
    assert_eq!(
        (
            &proposal["managers_end"],
            &proposal["managers_adjusted"],
            &proposal["managers_contracted_end"]
        ),
        (&json!(3), &json!(1), &json!(3))
    );
    // 福建 reports none of its own: nothing to flag yet.
    assert!(
        proposal["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["disagrees"] == false)
    );
    // A plant keeps no register.
    let (status, _) = get_json(
        &env,
        &hr,
        &format!("/api/v1/managers/proposal?entity=FJ-JJ-WTE&month={month}"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // 福建's manager takes the register's counts in: a submission like any other.
    let fujian = session(&env, "fujian").await;
    let (status, taken) = post(
        &env,
        &fujian,
        "/api/v1/managers/proposal",
        json!({"entity": "FJ", "month": month}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{taken}");
    let (_, after) = get_json(&env, &hr, &path).await;
    let reported: Vec<&str> = after["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reported"].as_str().unwrap())
        .collect();
    assert_eq!(reported, ["3", "1", "3"]);
    // The audit log shows HQ's analyst the year lines without rating or pay.
    let hq = env.login("hq", "zengxiao-hq").await;
    let (_, log) = get_json(&env, &hq, "/api/v1/audit?action=manager_year.set&limit=50").await;
    let lines = log.as_array().expect("audit lines");
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|l| {
        l["new"]
            .as_str()
            .unwrap()
            .starts_with("rating=***; pay=***; ")
    }));
    // 四川's viewer may not submit 福建's month.
    let sichuan = session(&env, "sichuan").await;
    let (status, _) = post(
        &env,
        &sichuan,
        "/api/v1/managers/proposal",
        json!({"entity": "FJ", "month": month}),
    )
    .await;
    assert_ne!(status, StatusCode::CREATED);
}

on_both_backends!(
    async Env("the managers web test"):
    pay_and_ratings_are_for_hq_hr_and_admin_only,
    only_hq_hr_and_admin_change_the_register,
    the_registers_counts_are_proposed_and_taken_into_the_month,
);
