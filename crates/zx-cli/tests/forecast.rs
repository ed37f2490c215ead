//! Year-end forecasts end to end on the demo, both backends: `zx forecast --format json` keeps
//! the contract (every entity, `level` 0.8, an interval around the value, odds only with a
//! target), the API answers the same for HQ and only a plant's own line for its manager, a
//! December cut is the engine's own year (the forecast reads consolidated numerator and
//! denominator, not children's ratios), and the cockpit shows projections and a "will miss"
//! list.

#[macro_use]
mod common;

use rust_decimal::Decimal;
use serde_json::Value;

use common::web::Env;

async fn json(server: &Env, client: &reqwest::Client, path: &str) -> Value {
    let (status, body) = server.get(client, path).await;
    assert!(status.is_success(), "{path}: {status} {body}");
    serde_json::from_str(&body).unwrap()
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not a decimal string"))
        .parse()
        .unwrap()
}

pub async fn forecasts_keep_the_contract_and_the_scope(server: Env) {
    let out = common::zx(
        &server.db,
        &[
            "forecast",
            "--period",
            "2026-06",
            "--indicator",
            "total_profit",
            "--format",
            "json",
        ],
    );
    let cli: Value = serde_json::from_str(&out).unwrap();
    let forecasts = cli["forecasts"].as_object().unwrap();
    let entities = json(
        &server,
        &server.login("hq", "zengxiao-hq").await,
        "/api/v1/entities",
    )
    .await;
    // Every entity of the demo has a line.
    assert_eq!(forecasts.len(), entities.as_array().unwrap().len());
    for (code, f) in forecasts {
        let keys: Vec<&String> = f.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["high", "level", "low", "p_target_met", "year_end"],
            "{code}"
        );
        assert_eq!(f["level"], "0.8");
        let (low, mid, high) = (dec(&f["low"]), dec(&f["year_end"]), dec(&f["high"]));
        assert!(low <= mid && mid <= high, "{code}: {low} {mid} {high}");
        // The demo sets every entity's 2026 profit target: odds are a probability.
        let p = dec(&f["p_target_met"]);
        assert!(p >= Decimal::ZERO && p <= Decimal::ONE, "{code}: {p}");
    }
    let hq = server.login("hq", "zengxiao-hq").await;
    let api = json(
        &server,
        &hq,
        "/api/v1/forecast?indicator=total_profit&period=2026-06",
    )
    .await;
    assert_eq!(api, cli, "the API answers what the CLI prints");
    // A plant manager sees the plant's own line only.
    let nanchong = server.login("nanchong", "zengxiao-nanchong").await;
    let own = json(
        &server,
        &nanchong,
        "/api/v1/forecast?indicator=total_profit&period=2026-06",
    )
    .await;
    let codes: Vec<&String> = own["forecasts"].as_object().unwrap().keys().collect();
    assert_eq!(codes, ["SC-NC-WTE"]);
    assert_eq!(own["forecasts"]["SC-NC-WTE"], cli["forecasts"]["SC-NC-WTE"]);
    let (status, _) = server
        .get(&hq, "/api/v1/forecast?indicator=no_such&period=2026-06")
        .await;
    assert_eq!(status.as_u16(), 404);
}

pub async fn a_december_cut_is_the_engines_own_year(server: Env) {
    let hq = server.login("hq", "zengxiao-hq").await;
    // Cut at 2025-12 the year is known: the forecast is the KPI itself, to six significant
    // digits, with a zero-width interval; the demo has no 2025 targets, so no odds.
    let out = common::zx(
        &server.db,
        &[
            "forecast",
            "--period",
            "2025-12",
            "--indicator",
            "roe",
            "--format",
            "json",
        ],
    );
    let cli: Value = serde_json::from_str(&out).unwrap();
    for (code, f) in cli["forecasts"].as_object().unwrap() {
        let kpi = json(
            &server,
            &hq,
            &format!("/api/v1/entities/{code}/kpi?period=2025-12"),
        )
        .await;
        let value = dec(&kpi["indicators"]["roe"]["value"]);
        let year_end = dec(&f["year_end"]);
        // Six significant digits of a value near 0.1 are within 1e-6 of it.
        assert!(
            (year_end - value).abs() <= Decimal::new(1, 6) * value.abs().max(Decimal::ONE),
            "{code}: forecast {year_end}, kpi {value}"
        );
        assert_eq!(f["low"], f["year_end"], "{code}");
        assert_eq!(f["high"], f["year_end"], "{code}");
        assert_eq!(f["p_target_met"], Value::Null, "{code}");
    }
}

pub async fn the_cockpit_shows_projections_and_what_will_be_missed(server: Env) {
    let hq = server.login("hq", "zengxiao-hq").await;
    let cockpit = json(&server, &hq, "/api/v1/entities/ZX/cockpit?period=2026-06").await;
    let profit = &cockpit["cards"][0];
    assert_eq!(profit["id"], "total_profit");
    let projection = &profit["projection"];
    assert!(projection["year_end"].as_str().is_some(), "{profit}");
    let misses = json(&server, &hq, "/api/v1/forecast/will-miss?period=2026-06").await;
    let misses = misses.as_array().unwrap();
    assert!(!misses.is_empty(), "the demo misses some targets");
    let odds: Vec<Decimal> = misses.iter().map(|m| dec(&m["p_target_met"])).collect();
    assert!(odds.windows(2).all(|w| w[0] <= w[1]), "lowest odds first");
    assert!(odds.iter().all(|p| *p < Decimal::new(33, 2)));
    // The same list on the group's cockpit page, in Chinese first.
    assert_eq!(cockpit["will_miss"].as_array().unwrap().len(), misses.len());
    let (_, page) = server.get(&hq, "/cockpit?entity=ZX&period=2026-06").await;
    assert!(page.contains("id=\"will-miss\""));
    assert!(page.contains("预计完不成的年度目标"));
    assert!(page.contains("data-testid=\"projection-total_profit\""));
    assert!(page.contains("年末预测"));
    server.get(&hq, "/lang?to=en").await;
    let (_, page) = server.get(&hq, "/cockpit?entity=ZX&period=2026-06").await;
    assert!(page.contains("Targets the year will probably miss"));
    assert!(page.contains("Year-end forecast"));
}

on_both_backends!(async Env("the forecast test"):
    forecasts_keep_the_contract_and_the_scope,
    a_december_cut_is_the_engines_own_year,
    the_cockpit_shows_projections_and_what_will_be_missed);
