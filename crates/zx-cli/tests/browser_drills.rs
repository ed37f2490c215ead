//! A joint drill recorded in a real browser (headless Chromium, `common::browser`): the plant
//! manager of 南充 records a drill of the on-site plan the demo left undrilled, held with the
//! city hospital, with two improvements; the page shows it as a joint drill, the obligation of
//! today's half done, and one improvement made a measure. On a phone too, under the production
//! Content-Security-Policy (no inline script or style).

use fantoccini::Locator;

mod common;
use common::browser::{self, DESKTOP, PHONE, Page, element, text_when};

async fn record_joint_drill(page: &Page) {
    let c = &page.c;
    page.goto("/safety/drills").await;
    // The demo left SC-NC-WTE-XC-02 undrilled: today's half is due.
    let row = "#obligations tr[data-obligation='SC-NC-WTE-XC-02']";
    let before = page
        .js(&format!(
            "return [...document.querySelectorAll(\"{row}\")].map(r => r.dataset.status);"
        ))
        .await;
    assert_eq!(before, serde_json::json!(["overdue", "due"]));
    element(c, "#record-drill summary")
        .await
        .click()
        .await
        .unwrap();
    element(c, "#drill-plan-code option[value='SC-NC-WTE-XC-02']")
        .await
        .click()
        .await
        .unwrap();
    // A date input takes the keys of the locale's order; set it to its own maximum (today).
    page.js("const d = document.getElementById('drill-date'); d.value = d.max; return true;")
        .await;
    for (id, text) in [
        ("#drill-scenario", "氨水罐泄漏"),
        ("#drill-participants", "运行二值 9 人"),
        ("#drill-joint", "南充市人民医院"),
        ("#drill-evaluation", "处置得当，洗消器材不足"),
    ] {
        element(c, id).await.send_keys(text).await.unwrap();
    }
    element(c, "#drill-improvements")
        .await
        .send_keys("补充洗消器材\n修订氨区疏散路线")
        .await
        .unwrap();
    element(c, "#drill-submit").await.click().await.unwrap();
    // Back on the page at the report: a joint drill, its improvements listed.
    let heading = text_when(c, "section.drill-report h3", |t| {
        t.contains("南充市人民医院")
    })
    .await;
    assert!(heading.contains("SC-NC-WTE-XC-02"), "{heading}");
    let after = page
        .js(&format!(
            "return [...document.querySelectorAll(\"{row}\")].map(r => r.dataset.status);"
        ))
        .await;
    assert_eq!(after, serde_json::json!(["overdue", "done"]));
    let joint = page
        .js("return [...document.querySelectorAll('#drills tr.joint')].map(r => r.innerText).join('|');")
        .await;
    assert!(
        joint.as_str().unwrap().contains("南充市人民医院"),
        "{joint}"
    );
    // The first improvement becomes a measure owned by the plant manager.
    let form = "section.drill-report li form.improvement-measure";
    element(c, &format!("{form} input[name=owner]"))
        .await
        .send_keys("nanchong")
        .await
        .unwrap();
    page.js(&format!(
        "document.querySelector(\"{form} input[name=due]\").value = '2027-01-31'; return true;"
    ))
    .await;
    element(c, &format!("{form} button[type=submit]"))
        .await
        .click()
        .await
        .unwrap();
    let item = text_when(c, "section.drill-report li", |t| t.contains("→")).await;
    assert!(item.contains("补充洗消器材"), "{item}");
    let link = c
        .find(Locator::Css(
            "section.drill-report li a[href^='/measures/']",
        ))
        .await
        .unwrap();
    link.click().await.unwrap();
    text_when(c, "h1", |t| t.contains("演练改进：补充洗消器材")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plant_manager_records_a_joint_drill_in_a_real_browser() {
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("nanchong", "zh").await;
        record_joint_drill(&page).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joint_drill_is_recorded_on_a_phone() {
    browser::run(PHONE, |page: Page| async move {
        page.sign_in("nanchong", "zh").await;
        record_joint_drill(&page).await;
    })
    .await;
}
