//! Issue 11, defects 5 and 10a–10b in a real browser (headless Chromium, `common::browser`):
//! targets typed in the cockpit's units with a confirmation for a unit slip, the region filter
//! on the cards and the export, owners who can act and co-owners edited after creation.

use calamine::{Data, Reader, Xlsx};
use fantoccini::{Client, Locator};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

mod common;
use common::browser::{self, DESKTOP, PHONE, Page, element, text_when};
use common::zx;

/// FJ's labour productivity target in force for 2026, from `zx kpi --format json` (元/人).
fn fj_productivity_target(db: &str) -> String {
    let kpi: Value = serde_json::from_str(&zx(
        db,
        &[
            "kpi", "--entity", "FJ", "--period", "2026-10", "--format", "json",
        ],
    ))
    .unwrap();
    kpi["indicators"]["labour_productivity"]["target"]
        .as_str()
        .unwrap()
        .to_owned()
}

const ROW: &str = "tr[data-target='FJ/labour_productivity']";

async fn type_target(c: &Client, value: &str) {
    let field = element(c, &format!("{ROW} input[name=value]")).await;
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
    element(c, &format!("{ROW} button[type=submit]"))
        .await
        .click()
        .await
        .unwrap();
}

async fn target_steps(page: &Page) {
    let c = &page.c;
    let db = page.db.to_str().unwrap();
    page.goto("/targets?year=2026").await;
    // The unit beside the field is the cockpit's; the field shows the target in it.
    let unit = element(c, &format!("{ROW} .unit"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(unit, "万元/人");
    // 113.56 万元/人, about FJ's 2025 actual (107.22): saved at once as 1,135,600 元/人.
    type_target(c, "113.56").await;
    text_when(c, "#flash", |t| t.contains("113.56 万元/人")).await;
    assert_eq!(fj_productivity_target(db), "1135600");
    // 1135600 typed in the 万元/人 field: a warning, and nothing saved until confirmed.
    type_target(c, "1135600").await;
    let warning = text_when(c, "#confirm-target", |t| t.contains("107.22")).await;
    assert!(warning.contains("万元/人"), "{warning}");
    assert_eq!(fj_productivity_target(db), "1135600");
    element(c, "#confirm-target button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    text_when(c, "#flash", |t| t.contains("1135600 万元/人")).await;
    assert_eq!(fj_productivity_target(db), "11356000000");
}

/// `12,345.67` → 12345.67
fn number(text: &str) -> Decimal {
    text.replace(',', "").trim().parse().unwrap()
}

async fn filter_steps(page: &Page) {
    let c = &page.c;
    page.goto("/cockpit?entity=ZX&period=2026-10").await;
    let card = "[data-testid='value-total_profit']";
    let group = element(c, card).await.text().await.unwrap();
    // Choose 福建 in the region filter and show.
    page.js(
        "const s = document.querySelector('select[name=region]'); s.value = '福建'; \
         s.form.submit(); return true;",
    )
    .await;
    let subtotal = text_when(c, "#subtotal", |t| t.contains("福建")).await;
    assert!(subtotal.contains("10"), "{subtotal}");
    let filtered = element(c, card).await.text().await.unwrap();
    assert_ne!(filtered, group, "the card shows the region, not the group");
    // The export of the same view, fetched by the browser with its session.
    let bytes = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             fetch(document.getElementById('export').href) \
               .then(r => r.arrayBuffer()).then(b => done(Array.from(new Uint8Array(b))));",
            vec![],
        )
        .await
        .unwrap();
    let bytes: Vec<u8> = bytes
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap() as u8)
        .collect();
    let mut workbook = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheets = workbook.worksheets();
    let Some(Data::Float(profit)) = sheets[0].1.get_value((3, 2)) else {
        panic!("no total profit in the export");
    };
    let exported = Decimal::try_from(*profit)
        .unwrap()
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(number(&filtered), exported);
}

async fn owner_steps(page: &Page) {
    let c = &page.c;
    let db = page.db.to_str().unwrap();
    page.goto("/measures/new?entity=SC-NC-WTE").await;
    let offered = || async {
        let owners = page
            .js(
                "return Array.from(document.querySelectorAll('#new-owner option'))\
                 .filter(o => !o.disabled).map(o => o.value);",
            )
            .await;
        owners
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap().to_owned())
            .collect::<Vec<String>>()
    };
    // For a Sichuan plant: HQ accounts, not the Sichuan viewer, not Fujian's manager.
    let owners = offered().await;
    assert!(owners.contains(&"hq".to_owned()), "{owners:?}");
    assert!(
        !owners.contains(&"sichuan".to_owned()),
        "a viewer is offered: {owners:?}"
    );
    assert!(!owners.contains(&"fujian".to_owned()), "{owners:?}");
    // Another unit chosen: Fujian's manager is offered for a Fujian plant.
    page.js(
        "const s = document.getElementById('new-entity'); s.value = 'FJ-JJ-WTE'; \
         s.dispatchEvent(new Event('change')); return true;",
    )
    .await;
    let owners = offered().await;
    assert!(owners.contains(&"fujian".to_owned()), "{owners:?}");
    assert!(!owners.contains(&"sichuan".to_owned()), "{owners:?}");
    // Measure 3 (四川公司降本增效, owner hq, no co-owners): add admin as co-owner.
    page.goto("/measures/3").await;
    let field = element(c, "#co-owners").await;
    field.clear().await.unwrap();
    field.send_keys("admin").await.unwrap();
    element(c, "#co-owners-submit").await.click().await.unwrap();
    text_when(c, "#measure-facts", |t| t.contains("admin")).await;
    let audit: Value = serde_json::from_str(&zx(
        db,
        &["audit", "--action", "measure.co_owners", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(audit["audit"][0]["object"], "measure 3");
    assert_eq!(audit["audit"][0]["new"], "co_owners=admin");
    assert!(
        c.find(Locator::Css("#co-owners-form")).await.is_ok(),
        "the form stays for further changes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_filter_and_owners_work_in_a_real_browser() {
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("hq", "zh").await;
        target_steps(&page).await;
        filter_steps(&page).await;
        owner_steps(&page).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_slip_is_caught_on_a_phone() {
    browser::run(PHONE, |page: Page| async move {
        page.sign_in("hq", "zh").await;
        target_steps(&page).await;
    })
    .await;
}
