//! The collection loop in a real browser, as a plant's manager and HQ go through it: the
//! manager downloads the pre-filled template, checks it, submits it; HQ approves October and
//! locks November for Fujian although nine plants and Fujian's own figures are not in (asked first, then
//! confirmed; the grid marks them "locked, not submitted"); the manager re-uploads the
//! template after the lock (accepted as unchanged, October still approved) and a changed
//! locked value is reported by "check only" with its cell.
//!
//! Run with `ZX_BROWSER_TESTS=1 cargo test -p zx-cli --test browser_collect`.

mod common;

use std::sync::Arc;

use common::browser::{DESKTOP, PHONE, Page, element, run_with_clock, text_when};

/// 10:00 on 6 December 2026 in China: November may be submitted.
fn december() -> Arc<dyn zx_app::Clock> {
    Arc::new(zx_app::FixedClock("2026-12-06T02:00:00Z".parse().unwrap()))
}

/// Downloads FJ-JJ-WTE's template through the page's own form (with the session's cookie).
async fn download_template(page: &Page, dir: &std::path::Path) -> std::path::PathBuf {
    page.goto("/collect?year=2026").await;
    let bytes = page
        .js(
            "const form = document.querySelector('form[action=\"/collect/template.xlsx\"]');
             form.querySelector('[name=entity]').value = 'FJ-JJ-WTE';
             const query = new URLSearchParams(new FormData(form)).toString();
             return fetch(form.action + '?' + query)
               .then(r => r.arrayBuffer())
               .then(b => Array.from(new Uint8Array(b)));",
        )
        .await;
    let bytes: Vec<u8> = bytes
        .as_array()
        .expect("the template's bytes")
        .iter()
        .map(|b| b.as_u64().unwrap() as u8)
        .collect();
    assert!(bytes.starts_with(b"PK"), "an XLSX workbook");
    let path = dir.join("template-FJ-JJ-WTE-2026.xlsx");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Chooses `file` and presses `button` (`#upload-check` or `#upload-submit`); returns the
/// result line.
async fn send(page: &Page, file: &std::path::Path, button: &str) -> String {
    page.goto("/collect?year=2026").await;
    element(&page.c, "#upload-file")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    element(&page.c, button).await.click().await.unwrap();
    text_when(&page.c, "#upload-result", |t| !t.is_empty()).await
}

/// HQ's review form: entity, month, action; returns once the next page is there.
async fn review(page: &Page, entity: &str, month: &str, state: &str) {
    page.goto("/collect?year=2026").await;
    page.js(&format!(
        "const f = document.getElementById('review-form');
         f.querySelector('[name=entity]').value = '{entity}';
         f.querySelector('[name=month]').value = '{month}';
         f.querySelector('[name=state]').value = '{state}';
         f.querySelector('button[type=submit]').click();
         return true;"
    ))
    .await;
}

/// The class and text of FJ-JJ-WTE's (or another row's) cell for month `index` (0 = January).
async fn cell(page: &Page, entity: &str, index: usize) -> (String, String) {
    let found = page
        .js(&format!(
            "const td = document.querySelectorAll('#monitor tr[data-code=\"{entity}\"] td.state')[{index}];
             return [td.className, td.querySelector('.cell-label').textContent.trim()];"
        ))
        .await;
    (
        found[0].as_str().unwrap().to_owned(),
        found[1].as_str().unwrap().to_owned(),
    )
}

async fn sign_out(page: &Page) {
    page.c.delete_all_cookies().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_is_submitted_approved_locked_and_resubmitted_as_users_do_it() {
    run_with_clock(DESKTOP, december(), |page| async move {
        let dir = tempfile::tempdir().unwrap();

        // The manager: template, check only, submit; then November for one plant.
        page.sign_in("fujian", "zh").await;
        let template = download_template(&page, dir.path()).await;
        let checked = send(&page, &template, "#upload-check").await;
        assert!(checked.starts_with("检查通过"), "{checked}");
        let submitted = send(&page, &template, "#upload-submit").await;
        assert!(submitted.starts_with("已提交"), "{submitted}");
        let november = dir.path().join("november.csv");
        std::fs::write(
            &november,
            "entity,period,item,value,basis\nFJ-JJ-WTE,2026-11,total_profit,5,month\n",
        )
        .unwrap();
        let result = send(&page, &november, "#upload-submit").await;
        assert!(result.contains("2026-11: 1 新增，已报送，待审核"), "{result}");
        sign_out(&page).await;

        // HQ approves October, then locks November for Fujian: asked first.
        page.sign_in("hq", "zh").await;
        review(&page, "FJ-JJ-WTE", "2026-10", "approved").await;
        text_when(&page.c, "#upload-result", |t| t.contains("已审核")).await;
        review(&page, "FJ", "2026-11", "locked").await;
        let asked = text_when(&page.c, "#confirm-lock", |t| t.contains("FJ-NA-WTE")).await;
        assert!(asked.contains("10 个单位未报送"), "{asked}");
        assert!(!asked.contains("FJ-JJ-WTE"), "{asked}");
        page.goto("/collect?year=2026&entity=FJ").await;
        let (class, label) = cell(&page, "FJ-NA-WTE", 10).await;
        assert!(class.ends_with("state-due"), "not locked yet: {class}");
        assert_eq!(label, "截止 2026-12-10");
        review(&page, "FJ", "2026-11", "locked").await;
        element(&page.c, "#lock-force").await.click().await.unwrap();
        element(&page.c, "#lock-confirm").await.click().await.unwrap();
        text_when(&page.c, "#upload-result", |t| t.contains("已锁定")).await;
        page.goto("/collect?year=2026&entity=FJ").await;
        let (class, label) = cell(&page, "FJ-NA-WTE", 10).await;
        assert!(class.contains("state-locked-missing"), "{class}");
        assert_eq!(label, "锁定·未报");
        let (class, label) = cell(&page, "FJ-JJ-WTE", 10).await;
        assert!(class.ends_with("state-locked"), "{class}");
        assert_eq!(label, "已锁定");
        sign_out(&page).await;

        // The manager re-uploads the pre-filled template (now with locked November): unchanged.
        page.sign_in("fujian", "zh").await;
        let template = download_template(&page, dir.path()).await;
        let checked = send(&page, &template, "#upload-check").await;
        assert!(checked.starts_with("检查通过"), "{checked}");
        let submitted = send(&page, &template, "#upload-submit").await;
        assert!(submitted.contains("2026-10: "), "{submitted}");
        assert!(submitted.contains("保持已审核"), "{submitted}");
        assert!(submitted.contains("2026-11: 1 未变，已锁定，保持不变"), "{submitted}");
        page.goto("/collect?year=2026&entity=FJ").await;
        let (class, label) = cell(&page, "FJ-JJ-WTE", 9).await;
        assert!(class.ends_with("state-approved"), "October still approved: {class}");
        assert_eq!(label, "已审核");

        // A changed November value: "check only" names the cell, the stored value, the lock.
        let changed = dir.path().join("changed.csv");
        std::fs::write(
            &changed,
            "entity,period,item,value,basis\nFJ-JJ-WTE,2026-11,total_profit,6,month\n",
        )
        .unwrap();
        send(&page, &changed, "#upload-check").await;
        let error = text_when(&page.c, "#upload-errors tbody", |t| t.contains("已锁定")).await;
        assert!(error.contains("已存数值为 5 (month)"), "{error}");
        let cells = page
            .js("return Array.from(document.querySelectorAll('#upload-errors tbody tr.error td')).map(td => td.textContent.trim());")
            .await;
        assert_eq!(cells[0], "2", "line");
        assert_eq!(cells[1], "value", "column");
        assert_eq!(cells[2], "6", "value");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_lock_question_fits_and_can_be_answered() {
    run_with_clock(PHONE, december(), |page| async move {
        page.sign_in("hq", "en").await;
        review(&page, "FJ", "2026-11", "locked").await;
        let asked = text_when(&page.c, "#confirm-lock", |t| t.contains("FJ-NA-WTE")).await;
        assert!(asked.contains("11 not submitted:"), "{asked}");
        assert!(!page.scrolls_sideways().await, "the question fits 390 px");
        element(&page.c, "#lock-force").await.click().await.unwrap();
        element(&page.c, "#lock-confirm")
            .await
            .click()
            .await
            .unwrap();
        text_when(&page.c, "#upload-result", |t| t.contains("locked")).await;
        page.goto("/collect?year=2026&entity=FJ").await;
        let (class, label) = cell(&page, "FJ-NA-WTE", 10).await;
        assert!(class.contains("state-locked-missing"), "{class}");
        assert_eq!(label, "locked, not submitted");
    })
    .await;
}
