//! A natural-hazard warning acknowledged in a real browser: Fujian's manager opens the warnings
//! page, sees the demo's orange typhoon warning for 晋江 with its checklist, acknowledges it with
//! a note, and the page shows who acknowledged it; the risk map renders. Runs under the
//! production CSP (any violation fails the test).

mod common;
use common::browser::{self, DESKTOP, Page, element, text_when};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plant_acknowledges_a_typhoon_warning_in_a_real_browser() {
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("fujian", "zh").await;
        page.goto("/safety/warnings").await;
        // The demo's first alert is 晋江's (the plants in tree order).
        let alert = "#alert-1";
        let title = text_when(&page.c, &format!("{alert} strong"), |t| !t.is_empty()).await;
        assert!(
            title.contains("橙色预警") && title.contains("台风"),
            "{title}"
        );
        let items = page
            .js("return document.querySelectorAll('#alert-1 ol.checklist li').length;")
            .await;
        // Orange: blue's 2 + yellow's 2 + orange's 2 items.
        assert_eq!(items, serde_json::json!(6));
        element(&page.c, &format!("{alert} input[name=note]"))
            .await
            .send_keys("已加固围挡，排水畅通")
            .await
            .unwrap();
        element(&page.c, &format!("{alert} button[type=submit]"))
            .await
            .click()
            .await
            .unwrap();
        let ack = text_when(&page.c, &format!("{alert} .ack"), |t| t.contains("fujian")).await;
        assert!(
            ack.contains("已确认") && ack.contains("已加固围挡"),
            "{ack}"
        );
        // The four-colour map of the plant renders with its red pit.
        page.goto("/safety/risks?entity=FJ-JJ-WTE").await;
        let red = text_when(&page.c, "#risk-map tr[data-highest=red] td", |t| {
            !t.is_empty()
        })
        .await;
        assert_eq!(red, "渗滤液池");
    })
    .await;
}
