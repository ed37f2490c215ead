//! The anomaly detector in the product: two days of the simulated fleet's minutes (the demo's
//! first two stacks, `zx_hj212::Fleet`), stored before the server starts, are learned by the
//! stacks' watches at start; the planted faults become `anomaly` alarms, nothing else does, and
//! the stack's chart data carries the band.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use serde_json::Value;
use zx_store::{AlarmFilter, AlarmState};

#[macro_use]
mod common;
use common::web::Env;

/// The demo's first two stacks: the fleet's stack 0 (drifting NOx) and stack 1 (stuck SO₂).
const DRIFTING: &str = "88888880000001";
const STUCK: &str = "88888880000002";

/// The chart data's factor `code`.
fn factor<'a>(chart: &'a Value, code: &str) -> &'a Value {
    chart["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap()
}

fn at(day: u32, hour: u32, minute: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, day)
        .and_then(|d| d.and_hms_opt(hour, minute, 0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_planted_faults_become_anomaly_alarms_and_bands() {
    // 2,880 minutes from 30 November 00:00 (China time), 2 stacks.
    let start = at(30, 0, 0);
    let fleet =
        zx_hj212::Fleet::new(2026, 2, 2880, start, zx_demo::DEMO_MN_BASE, "123456").unwrap();
    let mut readings = Vec::new();
    for minute in 0..fleet.minutes() {
        for stack in 0..fleet.stacks() {
            for value in fleet.values(stack, minute) {
                readings.push(zx_domain::cems::MinuteReading {
                    mn: fleet.mn(stack),
                    minute: fleet.data_time(minute),
                    code: value.code.to_owned(),
                    value: value.text.parse().unwrap(),
                    flag: value.flag,
                });
            }
        }
    }
    // Now: 1 December 23:59:30 China time, so the replay covers both days.
    let now =
        zx_server::emissions::china_to_utc(at(30, 0, 0) + TimeDelta::seconds(2 * 86_400 - 30));
    let env = Env::sqlite_with_minutes(Arc::new(zx_app::FixedClock(now)), &readings).await;

    let anomalies = || async {
        env.store
            .alarms(&AlarmFilter::default())
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.kind == "anomaly")
            .collect::<Vec<_>>()
    };
    // The replay's events are recorded asynchronously.
    for _ in 0..100 {
        let list = anomalies().await;
        if list.len() >= 2 && list.iter().any(|a| a.state == AlarmState::Cleared) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut list = anomalies().await;
    list.sort_by_key(|a| a.raised_at);
    let signals: Vec<(&str, Option<&str>)> = list
        .iter()
        .map(|a| (a.mn.as_str(), a.code.as_deref()))
        .collect();
    // Exactly the two planted faults: none of the other 14 signals raises anything.
    assert_eq!(
        signals,
        vec![(STUCK, Some("a21026")), (DRIFTING, Some("a21002"))],
        "{list:#?}"
    );

    // The stuck SO₂: the fleet repeats minute 960's value (16:00) until 999. The detector's rule
    // needs 12 repeats after the first reading (and twice any earlier run): 16:12. Minute 1000
    // (16:40) reads another value: cleared.
    let stuck = &list[0];
    assert_eq!(
        zx_app::china_time(stuck.raised_at),
        at(30, 16, 12),
        "{stuck:?}"
    );
    assert_eq!(stuck.state, AlarmState::Cleared);
    assert_eq!(
        stuck.cleared_at.map(zx_app::china_time),
        Some(at(30, 16, 40))
    );
    assert!(
        stuck.message_zh.contains("传感器卡滞"),
        "{}",
        stuck.message_zh
    );
    assert_eq!(stuck.limit, None);

    // The drift: NOx climbs 260 mg/m³ over 1,920 minutes from the start. Shapes and levels say
    // nothing during the first day (1,440 minutes), so it is raised on 1 December, while the
    // analyser is still climbing (before minute 1,920 = 1 December 08:00). Once it stops moving
    // (at the top from 08:00), four hours (240 rows) without a new sign close it.
    let drift = &list[1];
    let raised = zx_app::china_time(drift.raised_at);
    assert!(
        raised >= at(30, 0, 0) + TimeDelta::minutes(1441)
            && raised < at(30, 0, 0) + TimeDelta::minutes(1920),
        "{drift:?}"
    );
    assert!(drift.message_zh.contains("漂移"), "{}", drift.message_zh);
    assert_eq!(drift.state, AlarmState::Cleared);
    let cleared = drift.cleared_at.map(zx_app::china_time).unwrap();
    assert!(
        cleared >= raised + TimeDelta::minutes(240)
            && cleared >= at(30, 0, 0) + TimeDelta::minutes(1920 + 240),
        "{drift:?}"
    );

    let hq = env.login("hq", "zengxiao-hq").await;
    // The stack's chart data of 30 November: the SO₂ chart has the band 16:12–16:40.
    let (status, body) = env
        .get(
            &hq,
            &format!("/api/v1/stacks/{STUCK}/minutes?date=2026-11-30"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let chart: Value = serde_json::from_str(&body).unwrap();
    let so2 = factor(&chart, "a21026");
    assert_eq!(so2["anomalies"].as_array().unwrap().len(), 1, "{so2}");
    assert_eq!(so2["anomalies"][0]["from"], "16:12");
    assert_eq!(so2["anomalies"][0]["to"], "16:40");
    assert_eq!(so2["anomalies"][0]["open"], false);
    let nox = factor(&chart, "a21002");
    assert_eq!(nox["anomalies"].as_array().unwrap().len(), 0);
    // The drifting stack's NOx on 1 December: from its raise to its clear.
    let (_, body) = env
        .get(
            &hq,
            &format!("/api/v1/stacks/{DRIFTING}/minutes?date=2026-12-01"),
        )
        .await;
    let chart: Value = serde_json::from_str(&body).unwrap();
    let nox = factor(&chart, "a21002");
    assert_eq!(nox["anomalies"][0]["open"], false, "{nox}");
    assert_eq!(
        nox["anomalies"][0]["from"],
        raised.format("%H:%M").to_string()
    );
    assert_eq!(
        nox["anomalies"][0]["to"],
        cleared.format("%H:%M").to_string()
    );
}
