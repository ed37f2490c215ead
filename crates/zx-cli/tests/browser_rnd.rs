//! The R&D portfolio page (`/rnd`, issue 14) in a real browser (headless Chromium,
//! `common::browser`): the budget-against-spend chart drawn from the page's JSON by `app.js`
//! without inline script, the one late gate and the one reconciliation flag of the demo, a
//! project's page from the late gates list, English by the switch, a subsidiary manager's
//! narrower view; on a desktop and on a phone. The harness fails the test on any CSP violation.

mod common;
use common::browser::{self, DESKTOP, PHONE, Page, element, text_when};

async fn portfolio_steps(page: &Page) {
    let c = &page.c;
    page.goto("/rnd").await;
    // Twenty projects, by stage: the counts add up.
    let total = page
        .js("return Array.from(document.querySelectorAll('#rnd-stages tbody td.num')).reduce((s, td) => s + Number(td.textContent), 0);")
        .await;
    assert_eq!(total, 20);
    let rows = page
        .js("return document.querySelectorAll('#rnd-projects tbody tr').length;")
        .await;
    assert_eq!(rows, 20);
    // The chart: ECharts' SVG with two bars per project.
    element(c, "#rnd-budget-chart svg").await;
    let bars = page
        .js("return document.querySelectorAll('#rnd-budget-chart svg path').length;")
        .await;
    assert!(bars.as_u64().unwrap_or(0) >= 40, "{bars}");
    // The flagged month, named.
    let flags = text_when(c, "#rnd-flags", |t| !t.is_empty()).await;
    assert!(
        flags.contains("JX-NC-WTE 2026-08") && flags.contains("相差 360,000.00 元"),
        "{flags}"
    );
    // The late gate, then its project.
    let late = text_when(c, "#rnd-late", |t| t.contains("RD-SC-02")).await;
    assert!(
        late.contains("中试") && late.contains("2026-09-30"),
        "{late}"
    );
    element(c, "#rnd-late tr[data-code='RD-SC-02'] a")
        .await
        .click()
        .await
        .unwrap();
    text_when(c, "#rnd-project-title", |t| {
        t.contains("垃圾焚烧电厂智慧运维平台")
    })
    .await;
    let gate = element(c, "#rnd-gates tr[data-late='true']").await;
    assert!(gate.text().await.unwrap().contains("中试"));
    assert!(
        !page.scrolls_sideways().await,
        "the project page scrolls sideways"
    );
    // English with the switch.
    page.goto("/rnd").await;
    element(c, "#lang-toggle").await.click().await.unwrap();
    text_when(c, "h1", |t| t.contains("R&D project portfolio")).await;
    element(c, "#rnd-budget-chart svg").await;
    assert!(
        !page.scrolls_sideways().await,
        "the portfolio scrolls sideways"
    );
}

async fn fujian_steps(page: &Page) {
    let c = &page.c;
    page.goto("/rnd").await;
    let rows = page
        .js("return Array.from(document.querySelectorAll('#rnd-projects tbody tr')).map(r => r.dataset.code);")
        .await;
    assert_eq!(
        rows,
        serde_json::json!(["RD-FJ-01", "RD-FJ-02", "RD-FJ-03", "RD-FJ-04"])
    );
    // Fujian's plants agree with what they reported: no flag, no late gate.
    element(c, "#rnd-no-flags").await;
    element(c, "#rnd-no-late").await;
    element(c, "#rnd-import").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rnd_portfolio_works_in_a_real_browser() {
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("hq", "zh").await;
        portfolio_steps(&page).await;
    })
    .await;
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("fujian", "zh").await;
        fujian_steps(&page).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rnd_portfolio_works_on_a_phone() {
    browser::run(PHONE, |page: Page| async move {
        page.sign_in("hq", "zh").await;
        portfolio_steps(&page).await;
    })
    .await;
}
