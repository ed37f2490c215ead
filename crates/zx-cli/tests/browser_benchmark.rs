//! The benchmark page (对标, issue 13) in a real browser (headless Chromium, `common::browser`):
//! the quartile chart drawn from the page's JSON by `app.js` without inline script, 南充 in the
//! bottom quartile of cost per tonne, the indicator switched, the language switched, on a
//! desktop and on a phone. The harness fails the test on any CSP violation.

use fantoccini::Locator;

mod common;
use common::browser::{self, DESKTOP, PHONE, Page, element, text_when};

async fn benchmark_steps(page: &Page) {
    let c = &page.c;
    // From the navigation, as a user would get there.
    page.goto("/cockpit?entity=ZX&period=2026-10").await;
    element(c, "#to-benchmark").await.click().await.unwrap();
    text_when(c, "#benchmark-title", |t| t.contains("吨垃圾运营成本")).await;
    // The chart is drawn (ECharts renders SVG inside the chart's element), with a point per plant.
    element(c, "#benchmark-chart svg").await;
    let points = page
        .js("return document.querySelectorAll('#benchmark-chart svg path').length;")
        .await;
    assert!(points.as_u64().unwrap_or(0) >= 30, "{points}");
    // 南充 is ranked last, marked as the bottom quartile.
    let row = element(c, "#benchmark-ranking tr[data-code='SC-NC-WTE']").await;
    assert_eq!(
        row.attr("data-quartile").await.unwrap().as_deref(),
        Some("4")
    );
    let text = row.text().await.unwrap();
    assert!(
        text.contains("南充") && text.contains("后四分之一"),
        "{text}"
    );
    let last = page
        .js("const r = document.querySelectorAll('#benchmark-ranking tbody tr'); return r[r.length - 1].dataset.code;")
        .await;
    assert_eq!(last, "SC-NC-WTE");
    // Switching the indicator submits the form: on-grid power per tonne, higher is better.
    page.js("const s = document.getElementById('indicator'); s.value = 'on_grid_per_tonne'; s.dispatchEvent(new Event('change')); return true;")
        .await;
    text_when(c, "#benchmark-title", |t| {
        t.contains("吨垃圾上网电量") && t.contains("越高越好")
    })
    .await;
    element(c, "#benchmark-chart svg").await;
    assert!(
        c.find(Locator::Css("#benchmark-ranking tbody tr"))
            .await
            .is_ok()
    );
    // The rank month by month of the plant followed.
    element(c, "#rank-months td").await;
    element(c, "#rank-line svg").await;
    // English with the switch.
    element(c, "#lang-toggle").await.click().await.unwrap();
    text_when(c, "#benchmark-title", |t| {
        t.contains("Benchmark") && t.contains("higher is better")
    })
    .await;
    element(c, "#benchmark-chart svg").await;
    assert!(!page.scrolls_sideways().await, "the page scrolls sideways");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benchmark_page_draws_the_quartiles_in_a_real_browser() {
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("hq", "zh").await;
        benchmark_steps(&page).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benchmark_page_works_on_a_phone() {
    browser::run(PHONE, |page: Page| async move {
        page.sign_in("hq", "zh").await;
        benchmark_steps(&page).await;
    })
    .await;
}
