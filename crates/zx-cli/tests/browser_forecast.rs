//! The cockpit's year-end projections in a real browser (headless Chromium,
//! `common::browser`): each card shows where the year is heading, its 80 % interval and the
//! odds of meeting the target; the group's cockpit lists the targets the year will probably
//! miss, each line linking to its unit; no CSP violation; a phone does not scroll sideways.

mod common;
use common::browser::{self, DESKTOP, PHONE, Page, text_when};

async fn projection_steps(page: &Page, english: bool) {
    page.goto("/cockpit?entity=ZX&period=2026-06&basis=ytd")
        .await;
    let label = if english {
        "Year-end forecast"
    } else {
        "年末预测"
    };
    let projection = text_when(&page.c, "[data-testid=projection-total_profit]", |t| {
        t.contains(label)
    })
    .await;
    // "年末预测 52,345.67（80% 区间 51,000.00 – 53,500.00） · 达标概率 64%": a value, an
    // interval, odds in percent.
    assert!(
        projection.contains(if english {
            "80 % interval"
        } else {
            "80% 区间"
        }),
        "{projection}"
    );
    assert!(
        projection.contains('–') && projection.contains('%'),
        "{projection}"
    );
    let shown = page
        .js(
            "const cards = [...document.querySelectorAll('section.cards article.card')];
             const miss = document.getElementById('will-miss');
             const rows = miss ? [...miss.querySelectorAll('tbody tr')] : [];
             const odds = rows.map(r => parseFloat(r.querySelector('td:last-child').textContent));
             return {
               cards: cards.length,
               projected: cards.filter(c => c.querySelector('.projection')).length,
               miss_visible: !!miss && miss.getBoundingClientRect().height > 0,
               rows: rows.length,
               odds,
               links: rows.every(r => r.querySelector('a').getAttribute('href').startsWith('/cockpit?entity=')),
             };",
        )
        .await;
    assert_eq!(shown["cards"], 6, "{shown}");
    assert_eq!(
        shown["projected"], 6,
        "every card has its projection: {shown}"
    );
    assert_eq!(shown["miss_visible"], true, "{shown}");
    assert!(shown["rows"].as_u64().unwrap() > 0, "{shown}");
    let odds: Vec<f64> = shown["odds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(odds.iter().all(|p| *p < 33.0), "{shown}");
    assert!(
        odds.windows(2).all(|w| w[0] <= w[1]),
        "lowest odds first: {shown}"
    );
    assert_eq!(shown["links"], true, "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cockpit_shows_projections_and_what_will_be_missed_in_a_real_browser() {
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("hq", "zh").await;
        projection_steps(&page, false).await;
    })
    .await;
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("hq", "en").await;
        projection_steps(&page, true).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_projections_fit_a_phone() {
    browser::run(PHONE, |page: Page| async move {
        page.sign_in("hq", "zh").await;
        projection_steps(&page, false).await;
        assert!(
            !page.scrolls_sideways().await,
            "the cockpit scrolls sideways"
        );
    })
    .await;
}
