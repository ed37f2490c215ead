//! The monthly report's schedule (`/reports/schedule`, issue 16) in a real browser (headless
//! Chromium, `common::browser`): HQ sets the day, time and recipients, is told what is wrong
//! with a bad address (what was typed kept), sees the reports kept and downloads one byte for
//! byte; on a phone too; a plant manager can neither see nor edit it. The harness fails the
//! test on any CSP violation.

mod common;
use common::browser::{self, DESKTOP, PHONE, Page, element, text_when};
use zx_store::prelude::*;

/// Clears a field and types `text` into it, as a person would.
async fn type_into(page: &Page, css: &str, text: &str) {
    let field = element(&page.c, css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn hq_sets_the_schedule(page: Page) {
    let c = &page.c;
    page.sign_in("hq", "zh").await;
    page.goto("/cockpit").await;
    element(c, "a[href='/reports/schedule']")
        .await
        .click()
        .await
        .unwrap();
    text_when(c, "#sent-none", |t| t.contains("尚未发送")).await;
    type_into(&page, "#schedule-day", "10").await;
    // A time field's keyboard entry differs between locales: set it as its picker would.
    page.js("document.querySelector('#schedule-time').value = '09:30'; return null;")
        .await;
    type_into(&page, "#schedule-recipients", "boss@example").await;
    element(c, "#schedule-enabled").await.click().await.unwrap();
    element(c, "#schedule-save").await.click().await.unwrap();
    let refused = text_when(c, "#schedule-message", |t| !t.is_empty()).await;
    assert!(
        refused.contains("“boss@example”不是电子邮件地址"),
        "{refused}"
    );
    // What was typed is still there to correct.
    let kept = page
        .js("return [document.querySelector('#schedule-day').value, document.querySelector('#schedule-recipients').value, document.querySelector('#schedule-enabled').checked];")
        .await;
    assert_eq!(kept, serde_json::json!(["10", "boss@example", true]));
    type_into(
        &page,
        "#schedule-recipients",
        "boss@example.com，office@example.com",
    )
    .await;
    element(c, "#schedule-save").await.click().await.unwrap();
    text_when(c, "#schedule-message", |t| t == "发送计划已保存").await;
    let updated = text_when(c, "#schedule-updated", |t| !t.is_empty()).await;
    assert!(updated.contains("hq"), "{updated}");
    let store = zx_store_sqlite::SqliteStore::open(page.db.to_str().unwrap(), false)
        .await
        .unwrap();
    let stored = store.report_schedule().await.unwrap().unwrap();
    assert_eq!(stored.schedule.day, 10);
    assert_eq!(zx_store::time_text(stored.schedule.time), "09:30");
    assert_eq!(
        stored.schedule.recipients,
        ["boss@example.com", "office@example.com"]
    );
    assert!(stored.schedule.enabled);

    // A report the schedule sent (as the server's check records it), then the list.
    let pdf = b"%PDF-1.7 as it was attached".to_vec();
    let kept = store
        .record_sent_report(
            zx_store::NewSentReport {
                schedule: stored.id,
                period: zx_domain::Month::parse("2026-10").unwrap(),
                entity: stored.schedule.entity.clone(),
                lang: zx_domain::Lang::Zh,
                recipients: stored.schedule.recipients.clone(),
                file_name: "report-ZX-2026-10.pdf".into(),
                content: Some(pdf.clone()),
                error: String::new(),
            },
            "system",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    page.goto("/reports/schedule").await;
    let row = browser::row_when(c, "#sent-reports tbody tr", |cells, _| {
        cells.first().is_some_and(|p| p == "2026-10")
    })
    .await;
    assert!(row.iter().any(|cell| cell == "已发送"), "{row:?}");
    let link = page
        .js("return document.querySelector('#sent-reports a.sent-download').getAttribute('href');")
        .await;
    assert_eq!(link, format!("/reports/sent/{}", kept.id));
    let bytes = page
        .c
        .execute_async(
            "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => done(Array.from(new Uint8Array(b))));",
            vec![serde_json::json!(format!("/reports/sent/{}", kept.id))],
        )
        .await
        .unwrap();
    let bytes: Vec<u8> = serde_json::from_value(bytes).unwrap();
    assert_eq!(bytes, pdf, "the kept PDF byte for byte");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_sets_the_report_schedule_and_sees_the_reports_kept() {
    browser::run(DESKTOP, hq_sets_the_schedule).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schedule_fits_a_phone_and_a_plant_manager_cannot_edit_it() {
    browser::run(PHONE, |page: Page| async move {
        page.sign_in("hq", "en").await;
        page.goto("/reports/schedule").await;
        element(&page.c, "#schedule-form").await;
        assert!(
            !page.scrolls_sideways().await,
            "the schedule page scrolls sideways on a phone"
        );
    })
    .await;
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("nanchong", "zh").await;
        page.goto("/cockpit").await;
        let link = page
            .js("return document.querySelector(\"a[href='/reports/schedule']\") !== null;")
            .await;
        assert_eq!(
            link,
            serde_json::json!(false),
            "a menu link for a plant manager"
        );
        page.goto("/reports/schedule").await;
        let form = page
            .js("return document.querySelector('#schedule-form') !== null;")
            .await;
        assert_eq!(form, serde_json::json!(false));
        let body = page.js("return document.body.innerText;").await;
        assert!(
            body.as_str()
                .unwrap()
                .contains("只有总部可以设置报告发送计划"),
            "{body}"
        );
    })
    .await;
}
