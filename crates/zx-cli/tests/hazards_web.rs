//! The hazard register over HTTP on the demo (SQLite, and PostgreSQL when a URL is set): the
//! closed loop through the JSON API with every refusal the loop has, scope for each role, the
//! overview's counts and the register's workbook in the hazards file's layout.

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[macro_use]
mod common;
use common::web::{Env, hidden};

/// A signed-in client and its CSRF token.
async fn session(env: &Env, name: &str) -> (reqwest::Client, String) {
    let client = env.login(name, &format!("zengxiao-{name}")).await;
    let csrf = hidden(&env.get(&client, "/safety/hazards").await.1, "csrf");
    (client, csrf)
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

async fn get_json(env: &Env, who: &reqwest::Client, path: &str) -> (StatusCode, Value) {
    let response = who.get(format!("{}{path}", env.base)).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn assurances(plan: &str) -> Value {
    json!({"responsibility": "厂长", "measures": "更换护栏", "funds": "2.5万元",
           "timeline": "12月20日前", "plan": plan})
}

async fn the_loop_runs_through_the_api_with_its_refusals(env: Env) {
    let nanchong = session(&env, "nanchong").await;
    let hq = session(&env, "hq").await;
    let (status, created) = post(
        &env,
        &nanchong,
        "/api/v1/hazards",
        json!({"entity": "SC-NC-WTE", "found": "2026-11-02", "description": "渗滤液池护栏松动",
               "location": "渗滤液池", "grade": "major", "l": "6", "e": "3", "c": "15"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/v1/hazards/{id}");
    let (_, h) = get_json(&env, &nanchong.0, &path).await;
    // D = 6 × 3 × 15 = 270: 160 < 270 ≤ 320, orange (safety.md §1).
    assert_eq!(
        (&h["status"], &h["danger"], &h["level"], &h["revision"]),
        (
            &json!("reported"),
            &json!("270"),
            &json!("orange"),
            &json!(1)
        )
    );
    // L = 4 is not an LEC value: refused naming the field and the allowed values.
    let (status, bad) = post(
        &env,
        &nanchong,
        "/api/v1/hazards",
        json!({"entity": "SC-NC-WTE", "found": "2026-11-02", "description": "x",
               "grade": "general", "l": "4", "e": "3", "c": "15"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad["message"]
            .as_str()
            .unwrap()
            .contains("10, 6, 3, 1, 0.5, 0.2, 0.1"),
        "{bad}"
    );

    // Scope: the Sichuan viewer reads but may not report; Fujian's manager does not see it.
    let sichuan = session(&env, "sichuan").await;
    assert_eq!(get_json(&env, &sichuan.0, &path).await.0, StatusCode::OK);
    let (status, _) = post(
        &env,
        &sichuan,
        "/api/v1/hazards",
        json!({"entity": "SC-NC-WTE", "found": "2026-11-02", "description": "x", "grade": "general"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let fujian = session(&env, "fujian").await;
    assert_eq!(
        get_json(&env, &fujian.0, &path).await.0,
        StatusCode::NOT_FOUND
    );

    let steps = format!("{path}/steps");
    let step = |revision: i64, step: &str, extra: Value| {
        let mut body = json!({"revision": revision, "step": step});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        body
    };
    let mut assess = json!({"grade": "major", "owner": "nanchong", "deadline": "2026-11-30"});
    assess
        .as_object_mut()
        .unwrap()
        .extend(assurances("").as_object().unwrap().clone());
    let (status, _) = post(&env, &nanchong, &steps, step(1, "assess", assess.clone())).await;
    assert_eq!(status, StatusCode::OK);
    // Four assurances of five: a major hazard may not start rectifying.
    let (status, refused) = post(&env, &nanchong, &steps, step(2, "start", json!({}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["message"].as_str().unwrap().contains("plan"),
        "{refused}"
    );
    assess
        .as_object_mut()
        .unwrap()
        .extend(assurances("现场处置方案").as_object().unwrap().clone());
    assert_eq!(
        post(&env, &nanchong, &steps, step(2, "assess", assess))
            .await
            .0,
        StatusCode::OK
    );
    // A stale revision is a conflict.
    assert_eq!(
        post(&env, &nanchong, &steps, step(2, "start", json!({})))
            .await
            .0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        post(&env, &nanchong, &steps, step(3, "start", json!({})))
            .await
            .0,
        StatusCode::OK
    );
    let (status, done) = post(
        &env,
        &nanchong,
        &steps,
        step(4, "rectified", json!({"comment": "护栏已更换"})),
    )
    .await;
    assert_eq!(
        (status, &done["status"]),
        (StatusCode::OK, &json!("awaiting_verification"))
    );
    // The plant may not verify its own major hazard (it rectified it, and it is the plant).
    assert_eq!(
        post(&env, &nanchong, &steps, step(5, "verify", json!({})))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A viewer may not act at all; a rejection needs a reason.
    assert_eq!(
        post(&env, &sichuan, &steps, step(5, "verify", json!({})))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(&env, &hq, &steps, step(5, "reject", json!({"reason": " "})))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, back) = post(
        &env,
        &hq,
        &steps,
        step(5, "reject", json!({"reason": "护栏未固定"})),
    )
    .await;
    assert_eq!(
        (status, &back["status"]),
        (StatusCode::OK, &json!("rectifying"))
    );
    assert_eq!(
        post(&env, &nanchong, &steps, step(6, "rectified", json!({})))
            .await
            .0,
        StatusCode::OK
    );
    let (status, closed) = post(
        &env,
        &hq,
        &steps,
        step(7, "verify", json!({"comment": "验收合格"})),
    )
    .await;
    assert_eq!(
        (status, &closed["status"], &closed["verified_by"]),
        (StatusCode::OK, &json!("closed"), &json!("hq"))
    );
    let (_, detail) = get_json(&env, &hq.0, &path).await;
    let history: Vec<&str> = detail["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        [
            "report",
            "assess",
            "assess",
            "start",
            "rectified",
            "reject",
            "rectified",
            "verify"
        ]
    );
    // HQ was told the day it was graded major: the notice is on HQ's overview.
    let (_, page) = env.get(&hq.0, "/safety").await;
    assert!(
        page.contains(&format!("href=\"/safety/hazards/{id}\">#{id}")),
        "{page}"
    );
    // And among HQ's notifications; the plant's manager was not notified.
    let (_, page) = env.get(&hq.0, "/notifications").await;
    assert!(page.contains("id=\"hazard-notifications\""), "{page}");
    assert!(
        page.contains(&format!("href=\"/safety/hazards/{id}\"")),
        "{page}"
    );
    let (_, page) = env.get(&nanchong.0, "/notifications").await;
    assert!(!page.contains("hazard-notifications"), "{page}");
}

/// The number in `<… id="{id}">N<` of a page.
fn count_in(page: &str, id: &str) -> usize {
    let start = page.find(&format!("id=\"{id}\">")).expect(id) + id.len() + 6;
    page[start..].split('<').next().unwrap().parse().unwrap()
}

async fn the_overview_counts_and_the_workbook_reads_as_the_hazards_file(env: Env) {
    let nanchong = session(&env, "nanchong").await;
    // The demo's own hazards stay: what this test adds is counted on top of them.
    let (_, before) = env.get(&nanchong.0, "/safety").await;
    let (open_before, major_before) = (
        count_in(&before, "open-count"),
        count_in(&before, "major-count"),
    );
    let (_, red_before) = get_json(&env, &nanchong.0, "/api/v1/hazards?level=red").await;
    let red_before = red_before.as_array().unwrap().len();
    for (found, grade, lec) in [
        ("2026-11-02", "general", ["0.5", "6", "7"]),
        ("2026-06-01", "major", ["10", "6", "40"]),
    ] {
        let (status, _) = post(
            &env,
            &nanchong,
            "/api/v1/hazards",
            json!({"entity": "SC-NC-WTE", "found": found, "description": format!("隐患 {found}"),
                   "grade": grade, "l": lec[0], "e": lec[1], "c": lec[2]}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    // 0.5 × 6 × 7 = 21: blue (20 < 21 ≤ 70); 10 × 6 × 40 = 2400: red (> 320).
    let (_, list) = get_json(&env, &nanchong.0, "/api/v1/hazards?status=open").await;
    let levels: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["description"].as_str().unwrap().starts_with("隐患 2026"))
        .map(|h| (h["danger"].as_str().unwrap(), h["level"].as_str().unwrap()))
        .collect();
    assert_eq!(levels, [("21", "blue"), ("2400", "red")]);
    let (_, red) = get_json(&env, &nanchong.0, "/api/v1/hazards?level=red").await;
    assert_eq!(red.as_array().unwrap().len(), red_before + 1);
    let (status, page) = env.get(&nanchong.0, "/safety").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(count_in(&page, "open-count"), open_before + 2, "{page}");
    assert_eq!(count_in(&page, "major-count"), major_before + 1, "{page}");

    let bytes = nanchong
        .0
        .get(format!("{}/safety/hazards.xlsx?entity=SC-NC-WTE", env.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("hazards").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    assert_eq!(
        rows[0],
        [
            "entity", "id", "found", "grade", "l", "e", "c", "owner", "deadline", "status"
        ]
    );
    // The hazard reported on the web: unassessed, so no owner or deadline yet.
    let mine = rows
        .iter()
        .find(|r| r[2] == "2026-11-02" && r[1].starts_with('#'))
        .expect("the hazard reported on 2026-11-02");
    assert_eq!(&mine[2..7], ["2026-11-02", "general", "0.5", "6", "7"]);
    assert_eq!(&mine[7..10], ["", "", "reported"]);
}

async fn import(env: &Env, who: &(reqwest::Client, String), name: &str, bytes: Vec<u8>) -> String {
    let form = reqwest::multipart::Form::new()
        .text("csrf", who.1.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    let response = who
        .0
        .post(format!("{}/safety/hazards/import", env.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let page = response.text().await.unwrap();
    let start = page.find("id=\"flash\">").expect("a message") + 11;
    page[start..].split("</p>").next().unwrap().to_owned()
}

async fn a_register_imports_and_its_export_reads_back_unchanged(env: Env) {
    let nanchong = session(&env, "nanchong").await;
    let header = "entity,id,found,grade,l,e,c,owner,deadline,status\n";
    let csv = format!(
        "{header}SC-NC-WTE,H-1,2026-10-01,general,0.5,6,7,nanchong,2026-10-31,rectifying\n\
         SC-NC-WTE,H-2,2026-10-02,major,,,,nanchong,2026-12-31,assessed\n"
    );
    let done = import(&env, &nanchong, "台账.csv", csv.into_bytes()).await;
    assert!(
        done.contains("新增 2 条") || done.contains("2 created"),
        "{done}"
    );
    let bytes = nanchong
        .0
        .get(format!("{}/safety/hazards.xlsx", env.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let again = import(&env, &nanchong, "hazards.xlsx", bytes).await;
    assert!(
        // The plant's whole register (the demo's hazards, reported ones without an owner yet,
        // and these two) reads back: nothing created, nothing revised.
        again.contains("新增 0 条，修订 0 条，未变"),
        "{again}"
    );
    // L = 4 is refused naming the file, the line and the column; nothing is written.
    let bad =
        format!("{header}SC-NC-WTE,H-3,2026-10-01,general,4,6,7,nanchong,2026-10-31,reported\n");
    let refused = import(&env, &nanchong, "bad.csv", bad.into_bytes()).await;
    assert!(
        refused.contains("bad.csv") && refused.contains('2'),
        "{refused}"
    );
    // Another subsidiary's plant: refused.
    let other =
        format!("{header}FJ-JJ-WTE,H-4,2026-10-01,general,,,,nanchong,2026-10-31,reported\n");
    let refused = import(&env, &nanchong, "other.csv", other.into_bytes()).await;
    assert!(refused.contains("FJ-JJ-WTE"), "{refused}");
    // Nothing of either refused file was written: the register is as exported.
    let (_, list) = get_json(&env, &nanchong.0, "/api/v1/hazards").await;
    let numbers: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["code"].as_str())
        .filter(|n| ["H-1", "H-2", "H-3", "H-4"].contains(n))
        .collect();
    assert_eq!(numbers, ["H-2", "H-1"], "{numbers:?}");
}

on_both_backends!(
    async Env("the hazards web test"):
    the_loop_runs_through_the_api_with_its_refusals,
    the_overview_counts_and_the_workbook_reads_as_the_hazards_file,
    a_register_imports_and_its_export_reads_back_unchanged,
);
