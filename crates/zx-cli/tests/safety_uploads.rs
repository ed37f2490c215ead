//! The safety registers uploaded on the web and through the API, on the demo (built around
//! today in China): the plant's exported registers read back unchanged, a row of another unit
//! refused naming it, a bad row refusing the whole upload, a viewer refused, HQ writing any
//! unit. Both backends.

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::Value;

#[macro_use]
mod common;
use common::web::{Env, hidden};
use common::zx;

fn token(env: &Env, name: &str) -> String {
    zx(&env.db, &["user", "token", "--name", name])
        .trim()
        .to_owned()
}

/// A signed-in browser session and its CSRF token.
async fn session(env: &Env, name: &str) -> (reqwest::Client, String) {
    let client = env.login(name, &format!("zengxiao-{name}")).await;
    let csrf = hidden(&env.get(&client, "/safety/people").await.1, "csrf");
    (client, csrf)
}

fn form(files: Vec<(&str, Vec<u8>)>) -> reqwest::multipart::Form {
    files
        .into_iter()
        .fold(reqwest::multipart::Form::new(), |form, (name, bytes)| {
            form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
            )
        })
}

/// Uploads on the page (back to `back`): the status and the page.
async fn upload_page(
    env: &Env,
    who: &(reqwest::Client, String),
    back: &str,
    files: Vec<(&str, Vec<u8>)>,
) -> (StatusCode, String) {
    let form = form(files)
        .text("csrf", who.1.clone())
        .text("back", back.to_owned())
        .text("entity", String::new());
    let response = who
        .0
        .post(format!("{}/safety/registers/import", env.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Uploads through the API with a bearer token.
async fn upload_api(env: &Env, token: &str, files: Vec<(&str, Vec<u8>)>) -> (StatusCode, Value) {
    let response = Env::client()
        .post(format!("{}/api/v1/safety/records/import", env.base))
        .bearer_auth(token)
        .multipart(form(files))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn get_json(env: &Env, token: &str, path: &str) -> Value {
    let response = Env::client()
        .get(format!("{}{path}", env.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

/// `person`'s (required, done, short) hours on the people API.
async fn hours(env: &Env, token: &str, person: &str) -> (String, String, String) {
    let doc = get_json(env, token, "/api/v1/safety/people").await;
    let p = doc["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["person"] == person)
        .unwrap_or_else(|| panic!("{person} in {doc}"))
        .clone();
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    (text(&p["required"]), text(&p["done"]), text(&p["short"]))
}

async fn export(env: &Env, who: &(reqwest::Client, String), kind: &str) -> Vec<u8> {
    let response = who
        .0
        .get(format!("{}/safety/registers/{kind}.xlsx", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{kind}");
    response.bytes().await.unwrap().to_vec()
}

/// The message of the page's upload result.
fn message(page: &str) -> String {
    let start = page
        .find("id=\"upload-message\">")
        .expect("an upload message")
        + 20;
    page[start..].split("</p>").next().unwrap().to_owned()
}

async fn the_exported_registers_read_back_unchanged_and_a_new_row_counts(env: Env) {
    let manager = session(&env, "nanchong").await;
    let nanchong = token(&env, "nanchong");
    let mut files = Vec::new();
    for kind in ["plans", "drills", "people", "training", "certificates"] {
        files.push((format!("{kind}.xlsx"), export(&env, &manager, kind).await));
    }
    let files_ref = || {
        files
            .iter()
            .map(|(n, b)| (n.as_str(), b.clone()))
            .collect::<Vec<_>>()
    };
    // The plant's registers (zx-demo: 4 plans, 4 drills, 6 people, 10 training records, 3
    // certificates = 27 rows) read back: nothing created or revised.
    let (status, page) = upload_page(&env, &manager, "drills", files_ref()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let done = message(&page);
    assert!(done.contains("新增 0 条，修订 0 条，未变 27 条"), "{done}");
    // On the people page too, through the API as well: the same 27 unchanged.
    let (status, doc) = upload_api(&env, &nanchong, files_ref()).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(
        (&doc["created"], &doc["revised"], &doc["unchanged"]),
        (&Value::from(0), &Value::from(0), &Value::from(27))
    );
    assert_eq!(doc["files"].as_array().unwrap().len(), 5);
    assert_eq!(doc["files"][3]["kind"], "training");
    assert_eq!(doc["files"][3]["rows"], 10);

    // A new training record of the safety manager new in his role: 32 h required, 16 + 4 = 20
    // done before; 20 + 2.5 = 22.5 done after, 32 − 22.5 = 9.5 short.
    assert_eq!(
        hours(&env, &nanchong, "高卫东").await,
        ("32".into(), "20".into(), "12".into())
    );
    let today = zx_domain::calendar::china_today(Utc::now());
    let csv = format!("person,date,hours,course\n高卫东,{today},2.5,有限空间作业安全\n");
    let (status, page) =
        upload_page(&env, &manager, "people", vec![("培训.csv", csv.into())]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(message(&page).contains("新增 1 条"), "{}", message(&page));
    assert!(
        page.contains("id=\"people-summary\""),
        "back on the people page"
    );
    assert_eq!(
        hours(&env, &nanchong, "高卫东").await,
        ("32".into(), "22.5".into(), "9.5".into())
    );
    // The register exported again holds it: 10 + 1 = 11 records, and reads back unchanged.
    let training = export(&env, &manager, "training").await;
    let (status, doc) = upload_api(&env, &nanchong, vec![("training.xlsx", training)]).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(
        (&doc["created"], &doc["unchanged"]),
        (&Value::from(0), &Value::from(11))
    );
    // Each upload is audited once by its uploader (the four above).
    let lines = env
        .store
        .audit_log(&zx_store::AuditFilter {
            user: Some("nanchong".into()),
            action: Some("safety.import".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(lines.len(), 4, "{lines:?}");
}

async fn a_row_of_another_unit_is_refused_naming_it_and_nothing_is_written(env: Env) {
    let manager = session(&env, "nanchong").await;
    let nanchong = token(&env, "nanchong");
    let today = zx_domain::calendar::china_today(Utc::now());
    // Line 2 his plant's, line 3 a Fujian plant's: refused on line 3's entity cell, and his
    // own new person is not written either.
    let people = "person,entity,role,role_since,hired\n\
                  王新,SC-NC-WTE,staff,2026-01-05,2026-01-05\n\
                  李外,FJ-JJ-WTE,staff,2026-01-05,2026-01-05\n";
    let (status, doc) = upload_api(&env, &nanchong, vec![("people.csv", people.into())]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{doc}");
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{doc}");
    assert_eq!(errors[0]["code"], "outside_scope");
    assert_eq!(errors[0]["file"], "people.csv");
    assert_eq!(errors[0]["place"], ":3");
    assert_eq!(errors[0]["column"], "entity");
    assert_eq!(errors[0]["value"], "FJ-JJ-WTE");
    // On the page: the line in Chinese, with file, line and value.
    let (status, page) = upload_page(
        &env,
        &manager,
        "people",
        vec![("people.csv", people.into())],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let issues = page
        .split("id=\"upload-issues\">")
        .nth(1)
        .expect("the issues listed")
        .split("</ul>")
        .next()
        .unwrap()
        .to_owned();
    assert!(
        issues.contains("people.csv")
            && issues.contains("FJ-JJ-WTE")
            && issues.contains("不在您的权限范围内"),
        "{issues}"
    );
    // A training record of a Fujian person (stored by the demo) is refused on its person cell.
    let fujian_person = get_json(
        &env,
        &token(&env, "hq"),
        "/api/v1/safety/people?entity=FJ-JJ-WTE",
    )
    .await["people"][0]["person"]
        .as_str()
        .unwrap()
        .to_owned();
    let training = format!("person,date,hours,course\n{fujian_person},{today},2,消防\n");
    let (status, doc) = upload_api(&env, &nanchong, vec![("training.csv", training.into())]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{doc}");
    assert_eq!(doc["errors"][0]["code"], "outside_scope");
    assert_eq!(doc["errors"][0]["column"], "person");
    assert_eq!(doc["errors"][0]["value"], fujian_person.as_str());
    // Nothing of it was written.
    let doc = get_json(&env, &nanchong, "/api/v1/safety/people").await;
    assert!(
        doc["people"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["person"] != "王新"),
        "{doc}"
    );
}

async fn one_bad_row_refuses_every_file_of_the_upload(env: Env) {
    let nanchong = token(&env, "nanchong");
    let today = zx_domain::calendar::china_today(Utc::now());
    // A new person (good) and two training records: one good, one of hours 0 (line 3).
    let people =
        "person,entity,role,role_since,hired\n王新,SC-NC-WTE,staff,2026-01-05,2026-01-05\n";
    let training =
        format!("person,date,hours,course\n王新,{today},8,新员工三级教育\n高卫东,{today},0,消防\n");
    let (status, doc) = upload_api(
        &env,
        &nanchong,
        vec![
            ("people.csv", people.into()),
            ("training.csv", training.into()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{doc}");
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{doc}");
    assert_eq!(
        (
            &errors[0]["file"],
            &errors[0]["place"],
            &errors[0]["column"],
            &errors[0]["value"]
        ),
        (
            &Value::from("training.csv"),
            &Value::from(":3"),
            &Value::from("hours"),
            &Value::from("0")
        )
    );
    // Neither the person nor the good training record was written: 高卫东 still 20 h done.
    let doc = get_json(&env, &nanchong, "/api/v1/safety/people").await;
    assert!(
        doc["people"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["person"] != "王新")
    );
    assert_eq!(
        hours(&env, &nanchong, "高卫东").await,
        ("32".into(), "20".into(), "12".into())
    );
}

async fn a_viewer_may_not_upload_and_hq_may_upload_any_unit(env: Env) {
    let people = "person,entity,role,role_since,hired\n\
                  王新,SC-NC-WTE,staff,2026-01-05,2026-01-05\n\
                  李外,FJ-JJ-WTE,staff,2026-01-05,2026-01-05\n";
    let files = || vec![("people.csv", people.as_bytes().to_vec())];
    // The viewer of Sichuan: no form on the pages, the post and the API refused.
    let viewer = session(&env, "sichuan").await;
    let (_, page) = env.get(&viewer.0, "/safety/drills?entity=SC-NC-WTE").await;
    assert!(!page.contains("id=\"upload-form\""));
    let (status, _) = upload_page(&env, &viewer, "drills", files()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, doc) = upload_api(&env, &token(&env, "sichuan"), files()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{doc}");
    assert_eq!(doc["code"], "forbidden");
    // The plant manager sees the form on both pages.
    let manager = session(&env, "nanchong").await;
    for path in ["/safety/drills", "/safety/people"] {
        let (_, page) = env.get(&manager.0, path).await;
        assert!(page.contains("id=\"upload-form\""), "{path}");
    }
    // The endpoint is in the OpenAPI document.
    let (_, doc) = env.get(&manager.0, "/api/openapi.json").await;
    let doc: Value = serde_json::from_str(&doc).unwrap();
    assert!(doc["paths"]["/api/v1/safety/records/import"]["post"].is_object());
    // HQ writes both plants' rows.
    let (status, doc) = upload_api(&env, &token(&env, "hq"), files()).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["created"], 2);
    let doc = get_json(
        &env,
        &token(&env, "hq"),
        "/api/v1/safety/people?entity=FJ-JJ-WTE",
    )
    .await;
    assert!(
        doc["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["person"] == "李外")
    );
}

on_both_backends!(
    async Env("the safety uploads test"):
    the_exported_registers_read_back_unchanged_and_a_new_row_counts,
    a_row_of_another_unit_is_refused_naming_it_and_nothing_is_written,
    one_bad_row_refuses_every_file_of_the_upload,
    a_viewer_may_not_upload_and_hq_may_upload_any_unit,
);
