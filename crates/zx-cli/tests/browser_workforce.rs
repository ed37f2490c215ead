//! The workforce page in a real browser (headless Chromium, `common::browser`), desktop and
//! phone: HQ reads 江西's units with 赣州's dispatched labour beyond the legal 10 % in red, the
//! month-by-month chart drawn, hires and exits broken down; a subsidiary manager lands on his
//! own company without sideways scrolling. The demo's figures are checked against the API's
//! JSON (the same service) and against the rule itself: a unit is red exactly when its share
//! is over 0.1.

mod common;
use common::browser::{self, DESKTOP, PHONE, Page, element, text_when};

async fn jiangxi_steps(page: &Page) {
    page.goto("/workforce?entity=JX&period=2026-10").await;
    text_when(&page.c, "h1", |t| t.contains("用工与劳动效率")).await;
    element(&page.c, "#workforce-chart svg").await;
    let seen = page
        .js(
            "const cards = [...document.querySelectorAll('#workforce-cards article.card')].map(c => c.id);
             const units = [...document.querySelectorAll('#workforce-units tbody tr')].map(tr => {
               const cells = tr.querySelectorAll('td');
               return { code: tr.dataset.code, share: cells[3].textContent.trim(),
                        red: cells[3].classList.contains('status-red') };
             });
             const rows = id => [...document.querySelectorAll('#' + id + ' tbody tr')].map(tr => tr.dataset.item);
             return { cards, units, hires: rows('workforce-hires'), exits: rows('workforce-exits'),
                      bars: document.querySelectorAll('#workforce-chart svg path').length };",
        )
        .await;
    assert_eq!(
        seen["cards"],
        serde_json::json!([
            "card-labour_productivity",
            "card-headcount_total",
            "card-dispatched_share",
            "card-open_hiring_share",
            "card-labour_cost_per_capita",
            "card-wage_per_capita",
            "card-profit_per_capita"
        ]),
        "{seen}"
    );
    assert_eq!(
        seen["hires"],
        serde_json::json!(["hires", "hires_campus", "hires_social", "hires_other"])
    );
    assert_eq!(seen["exits"].as_array().map(Vec::len), Some(7), "{seen}");
    let units = seen["units"].as_array().unwrap();
    assert_eq!(units.len(), 7, "{seen}");
    // Red exactly where the share shown is over 10 %: 赣州 alone in the demo.
    for unit in units {
        let share: f64 = unit["share"]
            .as_str()
            .unwrap()
            .split('%')
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert_eq!(unit["red"], share > 10.0, "{unit}");
        assert_eq!(unit["red"], unit["code"] == "JX-GZ-WTE", "{unit}");
    }
    if let Ok(dir) = std::env::var("ZX_SCREENSHOT_DIR") {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let png = page.c.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join("workforce.png"), png).unwrap();
    }
    // 赣州's own page: its dispatched-share card is red and says why.
    page.goto("/workforce?entity=JX-GZ-WTE&period=2026-10")
        .await;
    let flag = text_when(&page.c, "[data-testid=beyond-dispatched_share]", |t| {
        t.contains("超过法定上限")
    })
    .await;
    assert!(flag.contains('⚠'), "{flag}");
    let card = page
        .js("return document.getElementById('card-dispatched_share').className;")
        .await;
    assert!(card.as_str().unwrap().contains("status-red"), "{card}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_reads_the_workforce_story_in_a_real_browser() {
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("hq", "zh").await;
        jiangxi_steps(&page).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_sees_his_company_on_a_phone() {
    browser::run(PHONE, |page: Page| async move {
        page.sign_in("fujian", "zh").await;
        page.goto("/workforce").await;
        let title = text_when(&page.c, "h1", |t| t.contains("用工与劳动效率")).await;
        assert!(title.contains("中衡环境（福建）有限公司"), "{title}");
        element(&page.c, "#workforce-chart svg").await;
        let units = page
            .js("return document.querySelectorAll('#workforce-units tbody tr').length;")
            .await;
        assert_eq!(units, 10);
        assert!(
            !page.scrolls_sideways().await,
            "the workforce page scrolls sideways"
        );
    })
    .await;
}
