//! The practice library (`/practices`, issue 15) in a real browser (headless Chromium,
//! `common::browser`): a plant manager searches 飞灰 and finds the chelating practice first with
//! the word highlighted, opens it (HQ's recommendation shown, similar practices of the
//! segment), sees practices on the cockpit; HQ recommends another; on a desktop and on a phone.
//! The harness fails the test on any CSP violation.

mod common;
use common::browser::{self, DESKTOP, PHONE, Page, element, text_when};

async fn search_steps(page: &Page) {
    let c = &page.c;
    page.goto("/practices").await;
    element(c, "#practice-q")
        .await
        .send_keys("飞灰")
        .await
        .unwrap();
    element(c, "#practice-search button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    text_when(c, "#practice-count", |t| !t.is_empty()).await;
    let first = page
        .js("const li = document.querySelector('#practice-hits li'); return [li.dataset.id, li.querySelector('.practice-title mark').textContent, li.querySelector('.snippet mark').textContent];")
        .await;
    assert_eq!(first, serde_json::json!(["JY-WTE-01", "飞灰", "飞灰"]));
    assert!(
        !page.scrolls_sideways().await,
        "the practice library scrolls sideways"
    );
    element(c, "#practice-hits li .practice-title")
        .await
        .click()
        .await
        .unwrap();
    text_when(c, "#practice-title", |t| t == "飞灰螯合剂配比优化").await;
    let recommended = text_when(c, "#practice-recommended", |t| !t.is_empty()).await;
    assert!(recommended.contains("总部推荐"), "{recommended}");
    let results = text_when(c, "#practice-results", |t| !t.is_empty()).await;
    // 860,000 yuan a year = 86.00 万元.
    assert!(results.contains("年效益 86.00 万元"), "{results}");
    // Similar practices of the segment: waste-to-energy ones only.
    let similar = page
        .js("return Array.from(document.querySelectorAll('#practice-similar a')).map(a => a.getAttribute('href'));")
        .await;
    let similar: Vec<String> = serde_json::from_value(similar).unwrap();
    assert!(!similar.is_empty());
    assert!(
        similar.iter().all(|h| h.starts_with("/practices/JY-WTE-")),
        "{similar:?}"
    );
    assert!(
        !page.scrolls_sideways().await,
        "a practice's page scrolls sideways"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_practice_library_works_in_a_real_browser() {
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("nanchong", "zh").await;
        search_steps(&page).await;
        // The plant's cockpit links practices beside its red or bottom-quartile indicators.
        page.goto("/cockpit").await;
        let links = page
            .js("return Array.from(document.querySelectorAll('.similar a')).map(a => a.getAttribute('href'));")
            .await;
        let links: Vec<String> = serde_json::from_value(links).unwrap();
        assert!(!links.is_empty());
        assert!(
            links.iter().all(|h| h.starts_with("/practices/JY-WTE-")),
            "{links:?}"
        );
    })
    .await;
    browser::run(DESKTOP, |page: Page| async move {
        let c = &page.c;
        page.sign_in("hq", "zh").await;
        page.goto("/practices/JY-WTE-02").await;
        element(c, "#practice-recommend input[name=note]")
            .await
            .send_keys("夏季前推广")
            .await
            .unwrap();
        element(c, "#practice-recommend button")
            .await
            .click()
            .await
            .unwrap();
        let shown = text_when(c, "#practice-recommended", |t| t.contains("夏季前推广")).await;
        assert!(shown.contains("hq"), "{shown}");
        page.goto("/practices").await;
        element(c, "#practice-import").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_practice_library_works_on_a_phone() {
    browser::run(PHONE, |page: Page| async move {
        page.sign_in("nanchong", "zh").await;
        search_steps(&page).await;
    })
    .await;
}
