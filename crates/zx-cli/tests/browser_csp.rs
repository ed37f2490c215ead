//! The browser harness fails a test on any Content-Security-Policy violation: a page that runs
//! an inline script (which `script-src 'self'` refuses) is caught and listed, a clean page is not.

use std::sync::Arc;

use serde_json::json;

mod common;
use common::browser::{self, DESKTOP, Page, describe_violations};

#[test]
fn violations_are_listed_one_per_line() {
    assert_eq!(describe_violations(&[]), None);
    let report = describe_violations(&[json!({
        "page": "/measures",
        "directive": "script-src-elem",
        "blocked": "inline",
        "source": ":0",
        "sample": "alert(1)",
    })])
    .unwrap();
    assert_eq!(
        report,
        "1 Content-Security-Policy violation(s) in the browser:\n  /measures: script-src-elem blocked inline at :0 alert(1)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_script_is_a_recorded_violation() {
    let violations = browser::violations_of(
        DESKTOP,
        Arc::new(zx_app::SystemClock),
        |page: Page| async move {
            page.sign_in("hq", "en").await;
            // A clean page first: nothing recorded.
            let clean = page
                .js("return sessionStorage.getItem('zx-csp-violations');")
                .await;
            assert_eq!(clean, serde_json::Value::Null, "{clean}");
            // An inline script and an inline event handler, as a page template might add them.
            page.js(
                "const s = document.createElement('script');
                 s.textContent = 'window.ran = true;';
                 document.body.appendChild(s);
                 document.body.insertAdjacentHTML('beforeend', '<img src=\"/static/none.png\" onerror=\"window.ran2 = true\">');
                 return true;",
            )
            .await;
            assert_eq!(page.js("return window.ran === true;").await, json!(false));
            page.goto("/measures").await;
        },
    )
    .await;
    let Some(violations) = violations else {
        return; // no browser here: skipped with a notice
    };
    let report = describe_violations(&violations).expect("the inline script is a violation");
    assert!(report.contains("script-src"), "{report}");
    assert!(report.contains("inline"), "{report}");
    // The script element and the event handler attribute, each named by its directive.
    assert!(
        report.contains("script-src-elem blocked inline"),
        "{report}"
    );
    assert!(
        report.contains("script-src-attr blocked inline"),
        "{report}"
    );
}
