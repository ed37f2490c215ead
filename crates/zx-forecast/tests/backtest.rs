//! The fast backtest: a few generated groups (their futures known), every card indicator cut at
//! every month from January to November. The full figures are BENCHMARKS.md's
//! (`cargo run -p zx-forecast --example backtest`).

use zx_domain::Catalogue;
use zx_domain::catalogue::IndicatorFamily;
use zx_forecast::backtest;

#[test]
fn forecasts_beat_the_naive_ones_and_their_intervals_are_honest() {
    let catalogue = Catalogue::builtin().expect("the built-in catalogue loads");
    let indicators: Vec<_> = catalogue
        .indicators_of(IndicatorFamily::Kpi)
        .map(|(_, def)| def)
        .collect();
    let (scores, all) = backtest::run(&catalogue, &indicators, 3, 101, 200);
    // 3 groups × 6 entities × 6 indicators × 11 cuts, less any outcome of exactly zero.
    assert!(all.forecasts > 1100, "{} forecasts", all.forecasts);
    assert!(
        all.median_ape < all.median_ape_ytd,
        "model {} vs YTD × 12/m {}",
        all.median_ape,
        all.median_ape_ytd
    );
    let profit = &scores[0];
    assert_eq!(indicators[0].id, "total_profit");
    assert!(profit.median_ape < profit.median_ape_ytd.min(profit.median_ape_last_year));
    assert!(
        (0.7..=0.9).contains(&all.coverage),
        "80 % intervals held {} of outcomes",
        all.coverage
    );
}
