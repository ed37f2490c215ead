//! The practice library over HTTP on the demo: the search API answers what `zx practices search`
//! prints; HQ recommends a practice and the waste-to-energy plants' accounts are told (in the
//! demo only `nanchong` is bound to such a plant), once; only HQ imports and recommends; a bad
//! file is refused cell by cell. On SQLite and, with `ZX_TEST_DATABASE_URL`, PostgreSQL.

use reqwest::StatusCode;
use serde_json::{Value, json};

#[macro_use]
mod common;
use common::web::{Env, hidden};
use common::zx;

async fn get_json(env: &Env, client: &reqwest::Client, path: &str) -> Value {
    let (status, body) = env.get(client, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn recommend(
    env: &Env,
    client: &reqwest::Client,
    code: &str,
    body: Value,
) -> (StatusCode, Value) {
    let csrf = hidden(&env.get(client, "/practices").await.1, "csrf");
    let response = client
        .post(format!("{}/api/v1/practices/{code}/recommend", env.base))
        .header("x-csrf-token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn upload(
    env: &Env,
    client: &reqwest::Client,
    name: &str,
    text: &str,
) -> (StatusCode, Value) {
    let csrf = hidden(&env.get(client, "/practices").await.1, "csrf");
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name.to_owned()),
    );
    let response = client
        .post(format!("{}/api/v1/practices/import", env.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn the_search_api_answers_what_the_cli_prints(env: Env) {
    let plant = env.login("nanchong", "zengxiao-nanchong").await;
    let api = get_json(
        &env,
        &plant,
        "/api/v1/practices/search?query=%E9%A3%9E%E7%81%B0",
    )
    .await;
    assert_eq!(api["hits"][0]["id"], "JY-WTE-01");
    let cli: Value = serde_json::from_str(&zx(
        &env.db,
        &["practices", "search", "--query", "飞灰", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(api, cli);
    // A segment filter: 清洗 among the solar plants' practices only.
    let solar = get_json(
        &env,
        &plant,
        "/api/v1/practices/search?query=%E6%B8%85%E6%B4%97&segment=solar",
    )
    .await;
    let ids: Vec<&str> = solar["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids[0], "JY-PV-01");
    assert!(ids.iter().all(|id| id.starts_with("JY-PV-")), "{ids:?}");
    // The list: forty practices, the demo's recommended one marked.
    let list = get_json(&env, &plant, "/api/v1/practices").await;
    assert_eq!(list.as_array().unwrap().len(), 40);
    let one = get_json(&env, &plant, "/api/v1/practices/JY-WTE-01").await;
    assert_eq!(one["recommended"], true);
    assert_eq!(one["recommended_by"], "hq");
    assert_eq!(one["result_amount"], "860000");
    assert_eq!(one["segment"], "waste-to-energy");
    let (status, _) = env.get(&plant, "/api/v1/practices/NOPE").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // In the OpenAPI document.
    let doc = get_json(&env, &plant, "/api/openapi.json").await;
    for path in ["/api/v1/practices/search", "/api/v1/practices/{code}"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    assert!(doc["paths"]["/api/v1/practices/{code}/recommend"]["post"].is_object());
}

async fn a_measure_shows_what_plants_of_its_segment_did(env: Env) {
    let plant = env.login("nanchong", "zengxiao-nanchong").await;
    let measures = get_json(&env, &plant, "/api/v1/measures?entity=SC-NC-WTE").await;
    let id = measures["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            m["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("吨垃圾处理成本压降"))
        })
        .map(|m| m["id"].as_i64().unwrap())
        .unwrap();
    let (_, page) = env.get(&plant, &format!("/measures/{id}")).await;
    let section = page
        .split("id=\"measure-practices\"")
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .unwrap_or_else(|| panic!("no practices on measure {id}"));
    // Its words (药剂, 吨垃圾运营成本) are the chelating practice's tags; only waste-to-energy
    // practices are offered to a waste-to-energy plant.
    assert!(section.contains("/practices/JY-WTE-01"), "{section}");
    let links = section.matches("/practices/").count();
    assert_eq!(
        links,
        section.matches("/practices/JY-WTE-").count(),
        "{section}"
    );
}

async fn hq_recommends_and_the_plants_of_the_segment_are_told_once(env: Env) {
    let plant = env.login("nanchong", "zengxiao-nanchong").await;
    // The demo's recommendation reached nanchong (SC-NC-WTE is a waste-to-energy plant).
    let (_, page) = env.get(&plant, "/notifications").await;
    assert!(page.contains("id=\"practice-notifications\""), "{page}");
    assert!(page.contains("飞灰螯合剂配比优化"));
    // Only HQ recommends.
    let (status, _) = recommend(&env, &plant, "JY-WTE-02", json!({"recommended": true})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let hq = env.login("hq", "zengxiao-hq").await;
    let (status, body) = recommend(
        &env,
        &hq,
        "JY-WTE-02",
        json!({"recommended": true, "note": "夏季前推广"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Of the demo's accounts only nanchong is bound to a waste-to-energy plant (fujian and
    // sichuan to subsidiaries, hq, admin and hr to none).
    assert_eq!(body, json!({"recommended": true, "told": ["nanchong"]}));
    // Again: nothing new, nobody told twice.
    let (_, body) = recommend(&env, &hq, "JY-WTE-02", json!({"recommended": true})).await;
    assert_eq!(body["told"], json!([]));
    // A solar practice reaches no demo account.
    let (_, body) = recommend(&env, &hq, "JY-PV-01", json!({"recommended": true})).await;
    assert_eq!(body["told"], json!([]));
    let (_, page) = env.get(&plant, "/notifications").await;
    assert!(page.contains("凝汽器胶球在线清洗系统恢复"));
    let audit = get_json(&env, &hq, "/api/v1/audit?object=practice%20JY-WTE-02").await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "practice.recommend" && a["user"] == "hq"),
        "{audit}"
    );
}

async fn only_hq_imports_and_a_bad_file_is_named_cell_by_cell(env: Env) {
    let file = "id,title,body,entity,tags\n\
                JY-NEW-01,焚烧炉二次风喷嘴改造,二次风喷嘴改为切圆布置,SC-NC-WTE,燃烧\n";
    let plant = env.login("nanchong", "zengxiao-nanchong").await;
    let (status, _) = upload(&env, &plant, "new.csv", file).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let hq = env.login("hq", "zengxiao-hq").await;
    let (status, body) = upload(&env, &hq, "new.csv", file).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"created": 1, "revised": 0, "unchanged": 0}));
    let hits = get_json(
        &env,
        &hq,
        "/api/v1/practices/search?query=%E4%BA%8C%E6%AC%A1%E9%A3%8E%E5%96%B7%E5%98%B4",
    )
    .await;
    assert_eq!(hits["hits"][0]["id"], "JY-NEW-01");

    let (status, body) = upload(
        &env,
        &hq,
        "bad.csv",
        "id,title,body,entity,tags,result_amount\nJY-BAD-01,标题,正文,NOPE,,一百万\n",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = body["errors"].as_array().unwrap();
    let named: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e["code"].as_str().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(
        named,
        [
            ("unknown_entity", "entity"),
            ("invalid_number", "result_amount")
        ]
    );
    let list = get_json(&env, &hq, "/api/v1/practices").await;
    assert_eq!(list.as_array().unwrap().len(), 41);
}

async fn post_file(
    env: &Env,
    client: &reqwest::Client,
    code: &str,
    name: &str,
    content: Vec<u8>,
) -> (StatusCode, String) {
    let (_, page) = env.get(client, &format!("/practices/{code}")).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", hidden(&page, "csrf"))
        .part(
            "file",
            reqwest::multipart::Part::bytes(content).file_name(name.to_owned()),
        );
    let response = client
        .post(format!("{}/practices/{code}/files", env.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn a_file_is_attached_by_the_plant_and_judged_by_its_content(env: Env) {
    let pdf = zx_demo::demo_evidence_pdf("chelating trial");
    // SC-NC-WTE's manager attaches to SC-NC-WTE's practice (JY-WTE-04); a redirect back.
    let plant = env.login("nanchong", "zengxiao-nanchong").await;
    let (status, _) = post_file(&env, &plant, "JY-WTE-04", "小试报告.pdf", pdf.clone()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = env.get(&plant, "/practices/JY-WTE-04").await;
    assert!(page.contains("小试报告.pdf"), "{page}");
    let href = page
        .split("href=\"/practices/files/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let response = plant
        .get(format!("{}/practices/files/{href}", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.bytes().await.unwrap().to_vec(), pdf);
    // Not another plant's practice (JY-WTE-01 is FJ-JJ-WTE's), and not a file that lies.
    let (status, _) = post_file(&env, &plant, "JY-WTE-01", "报告.pdf", pdf).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = post_file(
        &env,
        &plant,
        "JY-WTE-04",
        "假.pdf",
        b"MZ not a pdf".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

on_both_backends!(async Env("practices"):
    a_measure_shows_what_plants_of_its_segment_did,
    a_file_is_attached_by_the_plant_and_judged_by_its_content,
    the_search_api_answers_what_the_cli_prints,
    hq_recommends_and_the_plants_of_the_segment_are_told_once,
    only_hq_imports_and_a_bad_file_is_named_cell_by_cell,
);
