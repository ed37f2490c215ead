//! The benchmark page (对标, issue 13) in a real browser (headless Chromium, `common::browser`):
//! the quartile chart drawn from the page's JSON by `app.js` without inline script, 南充 in the
//! bottom quartile of cost per tonne, the industry reference lines, the indicator switched, the
//! language switched, on a desktop and on a phone; a plant's unit-cost waterfall on its cockpit.
//! The harness fails the test on any CSP violation.

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
    // The demo's industry values drawn as labelled lines beside the quartiles.
    text_when(c, "#benchmark-chart svg", |t| {
        t.contains("行业平均 2025") && t.contains("行业先进 2025")
    })
    .await;
    text_when(c, "#reference-values", |t| t.contains("310.00 元/吨")).await;
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

/// 南充's manager opens the plant's cockpit: its unit cost as a waterfall from the segment's
/// median, each element a bar, and its red operating indicators with or without a measure.
async fn plant_steps(page: &Page) {
    let c = &page.c;
    page.goto("/cockpit").await;
    element(c, "#cost-waterfall svg").await;
    let bars = page
        .js("return document.querySelectorAll('#cost-waterfall svg path').length;")
        .await;
    // Ten bars (median, eight elements, the mix, the plant) at least, each a path.
    assert!(bars.as_u64().unwrap_or(0) >= 10, "{bars}");
    text_when(c, "#cost-elements", |t| {
        t.contains("折旧费") && t.contains("420.81")
    })
    .await;
    // Cost per tonne is red and has the demo's measure; another red one offers to add one.
    text_when(
        c,
        "#plant-benchmark tr[data-indicator='cost_per_tonne']",
        |t| t.contains("Q4") && t.contains("在办措施"),
    )
    .await;
    element(
        c,
        "#plant-benchmark [data-testid='op-new-measure-wte_load_rate']",
    )
    .await;
    assert!(
        !page.scrolls_sideways().await,
        "the cockpit scrolls sideways"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plants_unit_cost_waterfall_is_drawn_for_its_manager() {
    for size in [DESKTOP, PHONE] {
        browser::run(size, |page: Page| async move {
            page.sign_in("nanchong", "zh").await;
            plant_steps(&page).await;
        })
        .await;
    }
}
