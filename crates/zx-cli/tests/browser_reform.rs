//! The cockpit's reform group and pay follows results in a real browser (headless Chromium,
//! `common::browser`), on a desktop and a phone: shown beside 一增一稳四提升, the two rates
//! without a direction uncoloured, no CSP violation, no sideways scrolling on a phone.

mod common;
use common::browser::{self, DESKTOP, PHONE, Page, text_when};

async fn reform_steps(page: &Page) {
    page.goto("/cockpit?entity=SC&period=2026-10&basis=ytd")
        .await;
    // 四川: profit down, wages up.
    let rule = text_when(&page.c, "#wage-linkage h2", |t| t.contains("工资效益联动")).await;
    assert!(rule.contains("未达成（利润未增长，工资却增长）"), "{rule}");
    let shown = page
        .js(
            "const r = document.getElementById('reform');
             const box = r.getBoundingClientRect();
             const cards = [...r.querySelectorAll('article.card')];
             const top = el => el.getBoundingClientRect().top;
             return {
               visible: box.height > 0 && getComputedStyle(r).display !== 'none',
               cards: cards.map(c => c.id),
               after_rule: top(document.getElementById('wage-linkage')) > top(document.getElementById('rule')),
               exit_border: getComputedStyle(document.getElementById('card-market_exit_rate')).borderTopColor,
               neutral_border: getComputedStyle(document.getElementById('card-manager_adjustment_rate')).borderTopColor,
               red_border: getComputedStyle(document.getElementById('card-total_profit')).borderTopColor,
               profit_red: document.getElementById('card-total_profit').classList.contains('status-red'),
             };",
        )
        .await;
    assert_eq!(shown["visible"], true, "{shown}");
    assert_eq!(shown["after_rule"], true, "{shown}");
    assert_eq!(
        shown["cards"],
        serde_json::json!([
            "card-labour_cost_profit_rate",
            "card-personnel_expense_rate",
            "card-market_exit_rate",
            "card-manager_adjustment_rate",
            "card-contract_coverage"
        ])
    );
    // Both rates without a direction keep the plain border (no traffic light), unlike 四川's
    // red total profit.
    assert_eq!(shown["exit_border"], shown["neutral_border"], "{shown}");
    assert_eq!(shown["profit_red"], true, "{shown}");
    assert_ne!(shown["exit_border"], shown["red_border"], "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reform_group_shows_in_a_real_browser() {
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("hq", "zh").await;
        reform_steps(&page).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reform_group_fits_a_phone() {
    browser::run(PHONE, |page: Page| async move {
        page.sign_in("sichuan", "zh").await;
        reform_steps(&page).await;
        assert!(
            !page.scrolls_sideways().await,
            "the cockpit scrolls sideways"
        );
    })
    .await;
}
