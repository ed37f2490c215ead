//! Every response carries the browser security headers, and no page needs an inline script
//! (the Content-Security-Policy allows none): read from real responses of every page kind.

use reqwest::StatusCode;

mod common;
use common::web::Env;

/// One of each kind: the sign-in form (signed out), every page of the menu, forms, a stack,
/// a workbook, a script, the API and the app's 404.
const PATHS: [&str; 19] = [
    "/cockpit",
    "/cockpit?entity=FJ&region=福建",
    "/explain?entity=ZX&indicator=roe",
    "/collect",
    "/targets",
    "/measures",
    "/measures/new",
    "/visits",
    "/rnd",
    "/rnd/projects/RD-FJ-01",
    "/notifications",
    "/audit",
    "/reports/schedule",
    "/environment",
    "/environment/stacks",
    "/collect/template.xlsx?entity=FJ-JJ-WTE&year=2026",
    "/static/page.js",
    "/api/v1/me",
    "/no-such-page",
];

fn assert_headers(path: &str, headers: &reqwest::header::HeaderMap) {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{path}: no {name}"))
            .to_owned()
    };
    let policy = get("content-security-policy");
    assert!(policy.contains("default-src 'self'"), "{path}: {policy}");
    let scripts = policy
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .unwrap_or_else(|| panic!("{path}: no script-src in {policy}"));
    assert!(!scripts.contains("unsafe-inline"), "{path}: {policy}");
    assert!(
        policy.contains("frame-ancestors 'none'"),
        "{path}: {policy}"
    );
    assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
    assert_eq!(get("referrer-policy"), "same-origin", "{path}");
    assert_eq!(get("x-frame-options"), "DENY", "{path}");
    assert!(
        headers.get("strict-transport-security").is_none(),
        "{path}: HSTS without HTTPS"
    );
}

/// A `<script>` without `src`, or an `on…=` handler attribute: what the policy would block.
fn inline_script(page: &str) -> Option<String> {
    let lower = page.to_ascii_lowercase();
    for (at, _) in lower.match_indices("<script") {
        let tag = &lower[at..lower[at..].find('>').map_or(lower.len(), |end| at + end)];
        if !tag.contains(" src=") {
            return Some(page[at..(at + 120).min(page.len())].to_owned());
        }
    }
    for handler in [
        " onclick=",
        " onchange=",
        " onsubmit=",
        " onload=",
        " oninput=",
    ] {
        if let Some(at) = lower.find(handler) {
            return Some(page[at..(at + 80).min(page.len())].to_owned());
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers_and_no_page_an_inline_script() {
    let server = Env::sqlite().await;
    let signed_out = Env::client();
    let response = signed_out
        .get(format!("{}/login", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_headers("/login", response.headers());
    let page = response.text().await.unwrap();
    assert_eq!(inline_script(&page), None, "/login");

    let hq = server.login("hq", "zengxiao-hq").await;
    let stack = "/environment/stacks/88888880000001";
    for path in PATHS.iter().copied().chain([stack]) {
        let response = hq
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let expected = if path == "/no-such-page" {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        assert_eq!(status, expected, "{path}");
        assert_headers(path, response.headers());
        let is_html = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        if is_html {
            let page = response.text().await.unwrap();
            assert_eq!(inline_script(&page), None, "{path}");
        }
    }
}
