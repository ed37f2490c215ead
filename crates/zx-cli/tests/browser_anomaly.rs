//! The anomaly detector's alarms as people see them, in a real browser (headless Chromium,
//! `common::browser`): an `anomaly` alarm of the demo's first stack's NOx yesterday 00:30–01:10
//! (China time) is a shaded band on that factor's minute chart, a bar on the plant's timeline
//! of the last seven days, and a row of the alarm history named 智能检测异常 — under the
//! production Content-Security-Policy, on a desktop and on a phone.

mod common;
use common::browser::{self, DESKTOP, MN, PHONE, Page, element, text_when, yesterday};
use zx_store::prelude::*;

/// Records the alarm the way the server's alarm task does (raise, then clear).
async fn record_anomaly(page: &Page) {
    let store = zx_store_sqlite::SqliteStore::open(page.db.to_str().unwrap(), false)
        .await
        .unwrap();
    let at = |h: u32, m: u32| {
        zx_server::emissions::china_to_utc(yesterday().and_hms_opt(h, m, 0).unwrap())
    };
    store
        .raise_alarm(zx_store::NewAlarm {
            mn: MN.to_owned(),
            kind: "anomaly".to_owned(),
            code: Some("a21002".to_owned()),
            raised_at: at(0, 30),
            value: Some("401.2".parse().unwrap()),
            limit: None,
            message_zh: format!("{MN} 氮氧化物读数持续偏离以往范围，疑似分析仪漂移"),
            message_en: format!("{MN} NOx keeps moving beyond its usual range"),
        })
        .await
        .unwrap();
    store
        .clear_open_alarm(MN, "anomaly", Some("a21002"), at(1, 10))
        .await
        .unwrap();
}

async fn steps(page: &Page) {
    record_anomaly(page).await;
    page.goto(&format!("/environment/stacks/{MN}?date={}", yesterday()))
        .await;
    element(&page.c, "#chart-a21002 svg").await;
    let seen = page
        .js("const el = document.getElementById('chart-a21002');
             return { bands: el.dataset.anomalies,
                      legend: el.textContent.includes('智能检测异常'),
                      other: document.getElementById('chart-a21026').dataset.anomalies };")
        .await;
    assert_eq!(seen["bands"], "1", "{seen}");
    assert_eq!(seen["legend"], true, "{seen}");
    assert_eq!(seen["other"], "0", "{seen}");

    page.goto("/environment/plants/FJ-JJ-WTE").await;
    element(&page.c, "#anomaly-timeline svg").await;
    let timeline = page
        .js("const el = document.getElementById('anomaly-timeline');
             const t = JSON.parse(el.dataset.timeline);
             return { bands: el.dataset.bands, rows: t.rows.map(r => r.label),
                      band: t.rows[0].bands[0],
                      rects: el.querySelectorAll('svg path').length };")
        .await;
    assert_eq!(timeline["bands"], "1", "{timeline}");
    assert_eq!(timeline["rows"], serde_json::json!(["1号炉 氮氧化物"]));
    let day = yesterday();
    assert_eq!(timeline["band"]["from"], format!("{day} 00:30"));
    assert_eq!(timeline["band"]["to"], format!("{day} 01:10"));
    assert_eq!(timeline["band"]["open"], false);
    // Cleared, so in the alarm history rather than the plant's open alarms.
    page.goto("/environment/alarms?state=cleared").await;
    let kind = text_when(&page.c, "#alarms", |t| t.contains("智能检测异常")).await;
    assert!(kind.contains("分析仪漂移"), "{kind}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anomaly_is_a_band_on_the_stack_and_a_bar_on_the_plant() {
    browser::run(DESKTOP, |page: Page| async move {
        page.sign_in("hq", "zh").await;
        steps(&page).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plant_timeline_fits_a_phone() {
    browser::run(PHONE, |page: Page| async move {
        page.sign_in("hq", "zh").await;
        steps(&page).await;
        assert!(
            !page.scrolls_sideways().await,
            "the plant page scrolls sideways"
        );
    })
    .await;
}
