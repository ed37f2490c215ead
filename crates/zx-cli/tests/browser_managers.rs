//! The manager term register in a real browser (headless Chromium, `common::browser`): HQ HR
//! sees the demo's term ending next month, the rating due and the pay; 福建's manager sees 福建's
//! terms without pay or rating and takes the register's counts into last month's data with the
//! page's button, after which the check table shows them reported. On a phone too, under the
//! production Content-Security-Policy.

mod common;
use common::browser::{self, DESKTOP, PHONE, Page, element, text_when};

async fn hr_reads_the_register(page: &Page) {
    page.goto("/managers").await;
    let ending = page
        .js("return document.querySelectorAll('#terms-ending li').length;")
        .await;
    assert_eq!(ending, serde_json::json!(1));
    // The last subsidiary's 总经理 has no rating for last year: due once 31 March has passed.
    let today = zx_domain::calendar::china_today(chrono::Utc::now());
    let due = page
        .js("return document.querySelectorAll('#ratings-due li').length;")
        .await;
    let expected = if chrono::Datelike::month(&today) > 3 {
        1
    } else {
        0
    };
    assert_eq!(due, serde_json::json!(expected));
    let pay = page
        .js("return document.querySelector('#managers td.confidential').textContent;")
        .await;
    // The first term is 福建's 财务总监 (ending next month): rated both years, paid 480,000 in
    // the last.
    assert!(pay.as_str().unwrap().contains("称职 480000"), "{pay}");
}

async fn a_manager_takes_the_registers_counts(page: &Page) {
    let c = &page.c;
    page.goto("/managers").await;
    let confidential = page
        .js("return document.querySelectorAll('#managers td.confidential').length;")
        .await;
    assert_eq!(confidential, serde_json::json!(0));
    element(c, "form.take-proposal button")
        .await
        .click()
        .await
        .unwrap();
    text_when(c, "#flash", |t| t.contains("已采用台账数报送")).await;
    let reported = page
        .js(
            "return [...document.querySelectorAll(\"#register-checks tr[data-entity='FJ']\")]\
             .map(r => r.cells[3].textContent.trim());",
        )
        .await;
    // At last month's end: 3 in term, 1 demoted, 3 under contract.
    assert_eq!(reported, serde_json::json!(["3", "1", "3"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_hr_and_a_manager_use_the_register_in_a_real_browser() {
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("hr", "zh").await;
        hr_reads_the_register(&page).await;
    })
    .await;
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("fujian", "zh").await;
        a_manager_takes_the_registers_counts(&page).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_works_on_a_phone() {
    browser::run(PHONE, |page: Page| async move {
        page.sign_in("fujian", "zh").await;
        a_manager_takes_the_registers_counts(&page).await;
    })
    .await;
}
