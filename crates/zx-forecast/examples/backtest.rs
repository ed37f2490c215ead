//! The forecast backtest of BENCHMARKS.md:
//! `cargo run -p zx-forecast --example backtest -- [GROUPS] [SEED] [PATHS]`
//! (defaults 40 groups of five plants and their sum, seed 1, 1000 paths), cut at every month
//! from January to November, every indicator of the KPI card and the reform group that the
//! generator's items allow.

use zx_domain::Catalogue;
use zx_domain::catalogue::IndicatorFamily;
use zx_forecast::backtest;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let groups = args.first().copied().unwrap_or(40);
    let seed = args.get(1).copied().unwrap_or(1);
    let paths = args.get(2).copied().unwrap_or(1000) as usize;
    let Ok(catalogue) = Catalogue::builtin() else {
        eprintln!("the built-in catalogue does not load");
        std::process::exit(1);
    };
    let indicators: Vec<_> = catalogue
        .indicators_of(IndicatorFamily::Kpi)
        .map(|(_, def)| def)
        .collect();
    let started = std::time::Instant::now();
    let (scores, all) = backtest::run(&catalogue, &indicators, groups, seed, paths);
    println!("{groups} groups × 6 entities, seed {seed}, {paths} paths, cut at months 1–11");
    println!(
        "| indicator | forecasts | MdAPE model | MdAPE YTD×12/m | MdAPE YTD+last year's rest | 80 % coverage |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let row = |name: &str, s: &backtest::Score| {
        println!(
            "| {name} | {} | {:.2} % | {:.2} % | {:.2} % | {:.1} % |",
            s.forecasts,
            100.0 * s.median_ape,
            100.0 * s.median_ape_ytd,
            100.0 * s.median_ape_last_year,
            100.0 * s.coverage
        );
    };
    for (def, score) in indicators.iter().zip(&scores) {
        row(&def.id, score);
    }
    row("all", &all);
    eprintln!("{:.1} s", started.elapsed().as_secs_f64());
}
