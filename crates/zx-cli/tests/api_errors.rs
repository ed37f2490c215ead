//! Every `/api/` error is the JSON error body `{"code", "message"}` with a code of the table in
//! docs/api.md — also what the framework refuses before a handler runs — and who may write is
//! decided before the body is read.

use reqwest::StatusCode;
use serde_json::Value;

mod common;
use common::web::{Env, hidden};

async fn error_of(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{status} {content_type}: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    let message = body["message"].as_str().unwrap_or_default().to_owned();
    assert!(!message.is_empty(), "{text}");
    (status, body["code"].as_str().unwrap().to_owned(), message)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_error_is_the_json_error_body() {
    let server = Env::sqlite().await;
    let hq = server.login("hq", "zengxiao-hq").await;
    let csrf = hidden(&server.get(&hq, "/targets").await.1, "csrf");
    let url = |path: &str| format!("{}{path}", server.base);

    // A body that is not JSON.
    let response = hq
        .put(url("/api/v1/targets"))
        .header("x-csrf-token", &csrf)
        .header("content-type", "application/json")
        .body("{\"entity\": ")
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_parameter")
    );

    // JSON of the wrong shape.
    let response = hq
        .put(url("/api/v1/targets"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"entity": 5}))
        .send()
        .await
        .unwrap();
    let (status, code, message) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_parameter")
    );
    assert!(message.contains("entity"), "{message}");

    // An unknown route, a wrong method, a malformed query.
    let (status, code, _) =
        error_of(hq.get(url("/api/v1/no-such-thing")).send().await.unwrap()).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let (status, code, _) = error_of(hq.delete(url("/api/v1/targets")).send().await.unwrap()).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    let (status, code, message) = error_of(
        hq.get(url("/api/v1/targets?year=abc"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_parameter")
    );
    assert!(message.contains("year"), "{message}");

    // A body over the limit (axum's default of 2 MB for JSON writes).
    let big = format!("{{\"entity\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let response = hq
        .post(url("/api/v1/measures"))
        .header("x-csrf-token", &csrf)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );

    // A viewer is told 403 before the body is read: a malformed body changes nothing.
    let sichuan = server.login("sichuan", "zengxiao-sichuan").await;
    let viewer_csrf = hidden(&server.get(&sichuan, "/targets").await.1, "csrf");
    let response = sichuan
        .put(url("/api/v1/targets"))
        .header("x-csrf-token", &viewer_csrf)
        .header("content-type", "application/json")
        .body("not json at all")
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
}
