//! Forecasts whose answers are known by hand: series with an exact trend or an exact season,
//! whose future is therefore certain, must be forecast exactly (a zero-width interval), and
//! the odds must respect each indicator's direction.

use rust_decimal::Decimal;
use zx_domain::catalogue::Better;
use zx_domain::{Catalogue, IndicatorDef, Month};
use zx_forecast::{ItemHistory, NotForecast, Question, YearEnd, forecast};

fn catalogue() -> Catalogue {
    Catalogue::builtin().expect("the built-in catalogue loads")
}

fn def<'c>(catalogue: &'c Catalogue, id: &str) -> &'c IndicatorDef {
    catalogue.find_indicator(id).expect("a built-in indicator")
}

fn item(catalogue: &Catalogue, code: &str) -> usize {
    catalogue.item_index(code).expect("a built-in item")
}

fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

/// Months t = 0 (January 2024) to the cut, each `f(t)`.
fn history(item: usize, stock: bool, months: usize, f: impl Fn(usize) -> f64) -> ItemHistory {
    ItemHistory {
        item,
        stock,
        values: (0..months).map(|t| Some(f(t))).collect(),
    }
}

fn ask(
    def: &IndicatorDef,
    month: &str,
    history: &[ItemHistory],
    target: Option<&str>,
) -> Result<YearEnd, NotForecast> {
    forecast(&Question {
        formula: &def.formula,
        month: Month::parse(month).expect("a month"),
        history,
        target: target.map(dec),
        better: def.better,
        seed: 7,
        paths: 200,
    })
}

#[test]
fn a_profit_on_an_exact_line_through_zero_is_forecast_exactly() {
    let c = catalogue();
    let profit = def(&c, "total_profit");
    // y_t = −50 + 5 t from January 2024 (t = 0) to June 2026 (t = 29): it crosses zero, so it
    // is modelled as it is. 2026 is t = 24..35: 12 × (−50) + 5 × (24 + … + 35) = −600 + 5 × 354
    // = 1170.
    let h = [history(item(&c, "total_profit"), false, 30, |t| {
        -50.0 + 5.0 * t as f64
    })];
    let f = ask(profit, "2026-06", &h, Some("1170")).expect("a forecast");
    assert_eq!(f.year_end, dec("1170"));
    assert_eq!((f.low, f.high), (dec("1170"), dec("1170")));
    assert_eq!(f.level, dec("0.8"));
    // Higher is better: exactly the target is met; a cent more is missed on every path.
    assert_eq!(f.p_target_met, Some(dec("1")));
    let f = ask(profit, "2026-06", &h, Some("1170.01")).expect("a forecast");
    assert_eq!(f.p_target_met, Some(dec("0")));
    let f = ask(profit, "2026-06", &h, None).expect("a forecast");
    assert_eq!(f.p_target_met, None);
}

#[test]
fn a_revenue_growing_by_one_percent_a_month_is_forecast_exactly() {
    let c = catalogue();
    let profit = def(&c, "total_profit");
    // y_t = 100 × 1.01^t, positive, so modelled in logarithms where it is a line. 2026:
    // 100 × 1.01^24 × (1.01^12 − 1) / 0.01 = 100 × 1.2697346 × 12.682503 = 1610.3414 → 1610.34
    // at six significant digits.
    let h = [history(item(&c, "total_profit"), false, 27, |t| {
        100.0 * 1.01f64.powi(t as i32)
    })];
    let f = ask(profit, "2026-03", &h, Some("1700")).expect("a forecast");
    assert_eq!(f.year_end, dec("1610.34"));
    assert_eq!((f.low, f.high), (dec("1610.34"), dec("1610.34")));
    assert_eq!(f.p_target_met, Some(dec("0")));
}

#[test]
fn an_exact_season_gives_the_ratio_of_the_years_sums() {
    let c = catalogue();
    let rd = def(&c, "rd_intensity");
    // Revenue and R&D repeat the same twelve months every year; R&D is back-loaded. The year's
    // ratio is 40 / 1300 = 0.030769230… → 0.0307692, whatever month the data reaches.
    let revenue = [
        90.0, 60.0, 100.0, 100.0, 110.0, 120.0, 130.0, 120.0, 110.0, 100.0, 100.0, 160.0,
    ];
    let spend = [1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0, 4.0, 4.0, 12.0];
    for cut in 1..=12usize {
        let months = 24 + cut;
        let h = [
            history(item(&c, "operating_revenue"), false, months, |t| {
                revenue[t % 12]
            }),
            history(item(&c, "rd_expenditure"), false, months, |t| spend[t % 12]),
        ];
        let month = format!("2026-{cut:02}");
        let f = ask(rd, &month, &h, Some("0.03")).expect("a forecast");
        assert_eq!(f.year_end, dec("0.0307692"), "cut at {month}");
        assert_eq!((f.low, f.high), (f.year_end, f.year_end), "cut at {month}");
        assert_eq!(f.p_target_met, Some(dec("1")), "cut at {month}");
    }
}

#[test]
fn a_lower_is_better_ratio_is_met_below_its_target() {
    let c = catalogue();
    let debt = def(&c, "asset_liability_ratio");
    assert_eq!(debt.better, Better::Lower);
    // Assets 1000 × 1.01^t, liabilities 500 × 1.02^t (balances, modelled in logarithms). At
    // December 2026 (t = 35): 500 × 1.02^35 / (1000 × 1.01^35) = 999.9448 / 1416.6028
    // = 0.7058752 → 0.705875.
    let h = [
        history(item(&c, "total_assets"), true, 33, |t| {
            1000.0 * 1.01f64.powi(t as i32)
        }),
        history(item(&c, "total_liabilities"), true, 33, |t| {
            500.0 * 1.02f64.powi(t as i32)
        }),
    ];
    let f = ask(debt, "2026-09", &h, Some("0.71")).expect("a forecast");
    assert_eq!(f.year_end, dec("0.705875"));
    // 0.705875 ≤ 0.71: met; against 0.70 it is above the target, missed.
    assert_eq!(f.p_target_met, Some(dec("1")));
    let f = ask(debt, "2026-09", &h, Some("0.70")).expect("a forecast");
    assert_eq!(f.p_target_met, Some(dec("0")));
}

#[test]
fn december_is_the_year_itself() {
    let c = catalogue();
    let profit = def(&c, "total_profit");
    // Cut at December 2026: the year is known, 2026 being t = 24..35 of y_t = t² / 10 + noise
    // that nothing forecasts; the value is the sum itself.
    let wobble = [
        3.0, -2.0, 5.0, 0.0, -4.0, 1.0, 2.0, -1.0, 6.0, -3.0, 0.0, 4.0,
    ];
    let h = [history(item(&c, "total_profit"), false, 36, |t| {
        100.0 + wobble[(t * 7) % 12]
    })];
    // Twelve months of 100 plus one each of the wobbles (7 is prime to 12): 1200 + 11 = 1211.
    let f = ask(profit, "2026-12", &h, Some("1200")).expect("a forecast");
    assert_eq!(
        (f.year_end, f.low, f.high),
        (dec("1211"), dec("1211"), dec("1211"))
    );
    assert_eq!(f.p_target_met, Some(dec("1")));
}

#[test]
fn what_cannot_be_forecast_says_why() {
    let c = catalogue();
    let rd = def(&c, "rd_intensity");
    let revenue = item(&c, "operating_revenue");
    // R&D's history is missing.
    let h = [history(revenue, false, 30, |_| 100.0)];
    assert_eq!(
        ask(rd, "2026-06", &h, None),
        Err(NotForecast::NoHistory(item(&c, "rd_expenditure")))
    );
    // Three months without a gap before the cut: too short.
    let mut short = history(item(&c, "total_profit"), false, 30, |_| 10.0);
    short.values[26] = None;
    assert!(matches!(
        ask(def(&c, "total_profit"), "2026-06", &[short], None),
        Err(NotForecast::TooShort { .. })
    ));
    // Revenue of zero every month: the ratio has no value on any path.
    let h = [
        history(revenue, false, 30, |_| 0.0),
        history(item(&c, "rd_expenditure"), false, 30, |_| 1.0),
    ];
    assert_eq!(
        ask(rd, "2026-06", &h, None),
        Err(NotForecast::NotComputable)
    );
}

#[test]
fn noisy_series_get_an_interval_around_the_forecast_and_the_same_one_each_time() {
    let c = catalogue();
    let profit = def(&c, "total_profit");
    // A season, a trend and a deterministic wobble that no model explains.
    let h = [history(item(&c, "total_profit"), false, 30, |t| {
        100.0
            + 2.0 * t as f64
            + 20.0 * ((t % 12) as f64 - 5.5).abs()
            + 15.0 * ((t * 37 % 11) as f64 - 5.0)
    })];
    let a = ask(profit, "2026-06", &h, Some("2500")).expect("a forecast");
    let b = ask(profit, "2026-06", &h, Some("2500")).expect("a forecast");
    assert_eq!(a, b);
    assert!(a.low < a.year_end && a.year_end < a.high, "{a:?}");
    let p = a.p_target_met.expect("a target");
    assert!(p >= Decimal::ZERO && p <= Decimal::ONE);
}
