//! The monthly report on the web (issue 16): the cockpit's "download PDF" gives a PDF whose
//! text shows the cockpit's own values for that entity and month; the API answers the same in
//! the caller's scope only. SQLite (the demo served in-process).

use reqwest::StatusCode;
use serde_json::Value;

#[macro_use]
mod common;
use common::web::Env;

async fn bytes(env: &Env, client: &reqwest::Client, path: &str) -> (StatusCode, String, Vec<u8>) {
    let response = client
        .get(format!("{}{path}", env.base))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cockpits_download_shows_the_cockpits_values_in_scope() {
    // What `zx`'s main does: only the binary (and this test) links the typesetter.
    zx_server::report::set_pdf_writer(zx_report_pdf::pdf);
    let env = Env::sqlite().await;
    let hq = env.login("hq", "zengxiao-hq").await;
    // The cockpit page links to the report of the entity and month it shows.
    let (_, page) = env.get(&hq, "/cockpit?entity=FJ&period=2026-10").await;
    assert!(
        page.contains("href=\"/report.pdf?entity=FJ&amp;period=2026-10&amp;basis=ytd\""),
        "no download link on the cockpit"
    );
    let (status, kind, pdf) = bytes(&env, &hq, "/report.pdf?entity=FJ&period=2026-10").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/pdf");
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    // Every card's value and YoY exactly as the cockpit's JSON gives them for people.
    let (_, json) = env
        .get(&hq, "/api/v1/entities/FJ/cockpit?period=2026-10")
        .await;
    let cockpit: Value = serde_json::from_str(&json).unwrap();
    let cards = cockpit["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 6);
    for card in cards {
        for field in ["name", "value", "yoy", "target"] {
            let shown = card[field].as_str().unwrap();
            assert!(text.contains(shown), "{field} {shown} not in the PDF");
        }
    }
    assert!(text.contains(cockpit["entity"]["name"].as_str().unwrap()));

    // The Excel twin through the API, and the scope: a Sichuan viewer may not have Fujian's.
    let (status, _, xlsx) = bytes(
        &env,
        &hq,
        "/api/v1/entities/FJ/report?period=2026-10&format=xlsx&lang=en",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(xlsx.starts_with(b"PK"));
    let sichuan = env.login("sichuan", "zengxiao-sichuan").await;
    let (status, _, _) = bytes(&env, &sichuan, "/api/v1/entities/FJ/report?period=2026-10").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = bytes(&env, &sichuan, "/api/v1/entities/SC/report?period=2026-10").await;
    assert_eq!(status, StatusCode::OK);
    // Documented in the OpenAPI document generated from the code.
    let doc: Value = serde_json::from_str(&env.get(&hq, "/api/openapi.json").await.1).unwrap();
    assert!(doc["paths"]["/api/v1/entities/{code}/report"]["get"].is_object());
}
