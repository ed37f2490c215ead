//! The one-line reports of `zx bench rollup` and `zx bench cems`, read by `bench/*.sh` beside
//! DuckDB's (`bench/rollup_duckdb.py`, `bench/cems_duckdb.py`): times in seconds and a checksum
//! both sides compute.

use std::collections::BTreeMap;

use serde::Serialize;

/// `zx bench rollup`.
#[derive(Debug, Serialize)]
pub struct RollupBenchJson {
    /// Always `zengxiao`.
    pub tool: &'static str,
    pub version: &'static str,
    /// `debug` or `release`.
    pub profile: &'static str,
    pub entities: usize,
    pub months: usize,
    pub threads: usize,
    pub rows_in: usize,
    /// Indicator values that could be computed.
    pub results: usize,
    pub data_notes: usize,
    /// `synthetic`, or the database (password masked).
    pub source: String,
    pub generate_s: Option<f64>,
    pub load_s: Option<f64>,
    pub best_s: f64,
    pub median_s: f64,
    pub phases_best_s: RollupPhasesJson,
    /// The root's value of each indicator at the last month, exact (`null`: unavailable).
    pub checksum: BTreeMap<String, Option<String>>,
}

/// The phases of the best roll-up run.
#[derive(Debug, Serialize)]
pub struct RollupPhasesJson {
    pub ledger: f64,
    pub consolidate: f64,
    pub evaluate: f64,
}

/// `zx bench cems`.
#[derive(Debug, Serialize)]
pub struct CemsBenchJson {
    /// Always `zengxiao`.
    pub tool: &'static str,
    pub version: &'static str,
    /// `debug` or `release`.
    pub profile: &'static str,
    pub stacks: usize,
    pub days: usize,
    pub threads: usize,
    pub readings: usize,
    pub generate_s: f64,
    pub best_s: f64,
    pub median_s: f64,
    pub runs_s: Vec<f64>,
    pub readings_per_s: f64,
    pub checksum: CemsChecksumJson,
}

/// What DuckDB can compute too: counts of valid hours and days, the sum of all daily averages,
/// and the first stack's first day in full.
#[derive(Debug, Serialize)]
pub struct CemsChecksumJson {
    pub valid_hours: u64,
    pub valid_days: u64,
    /// Rounded to 9 places.
    pub daily_avg_sum: String,
    pub violation_days: u64,
    pub hour_exceedances: u64,
    /// By `"MN DAY CODE"`.
    pub sample: BTreeMap<String, CemsSampleJson>,
}

/// One factor of the sampled stack-day; averages rounded to 9 places.
#[derive(Debug, Serialize)]
pub struct CemsSampleJson {
    pub daily_avg: Option<String>,
    pub hour_00: Option<String>,
    pub valid_hours: u32,
}
