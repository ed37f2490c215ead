//! Backtests on generated groups whose futures are known: each plant's months are drawn from a
//! model unlike the forecaster's own (multiplicative seasons with a Spring Festival dip and a
//! December peak, compound growth, level shifts, back-loaded R&D, balances that compound),
//! the group is their sum (consolidation: a ratio from the summed items), and every indicator
//! of every entity is forecast from every month-end of the last year (January to November)
//! and scored against what then happened: the median absolute percentage error against the
//! two naive forecasts (year to date × 12 / m; year to date + last year's rest) and how often
//! the 80 % interval held the outcome.

use zx_domain::Catalogue;
use zx_domain::Month;
use zx_domain::catalogue::{IndicatorDef, ItemKind};

use crate::rng::SplitMix64;
use crate::year::{self, YearMonths};
use crate::{ItemHistory, Question, estimate};

/// Years of history before the year forecast.
pub const HISTORY_YEARS: usize = 3;
/// The year forecast.
pub const YEAR: i32 = 2026;

/// One generated entity: each item's months from December of the first history year's
/// previous year to December of [`YEAR`] (1 + 12 × (HISTORY_YEARS + 1) values).
#[derive(Debug, Clone)]
pub struct Entity {
    pub name: String,
    pub items: Vec<(usize, Vec<f64>)>,
}

const MONTHS: usize = 1 + 12 * (HISTORY_YEARS + 1);

/// A group of `plants` plants and their sum.
pub fn generate_group(catalogue: &Catalogue, seed: u64, plants: usize) -> Vec<Entity> {
    let mut rng = SplitMix64::new(seed);
    let mut out: Vec<Entity> = (0..plants)
        .map(|p| generate_plant(catalogue, &mut rng, format!("G{seed}-P{p}")))
        .collect();
    let mut group = Entity {
        name: format!("G{seed}"),
        items: out[0]
            .items
            .iter()
            .map(|(i, _)| (*i, vec![0.0; MONTHS]))
            .collect(),
    };
    for plant in &out {
        for ((_, sum), (_, values)) in group.items.iter_mut().zip(&plant.items) {
            for (s, v) in sum.iter_mut().zip(values) {
                *s += v;
            }
        }
    }
    out.push(group);
    out
}

fn uniform(rng: &mut SplitMix64, low: f64, high: f64) -> f64 {
    low + (high - low) * rng.unit()
}

fn generate_plant(catalogue: &Catalogue, rng: &mut SplitMix64, name: String) -> Entity {
    let base = uniform(rng, 2e7, 2e8);
    let growth = uniform(rng, -0.05, 0.15);
    let (amplitude, phase) = (uniform(rng, 0.0, 0.25), uniform(rng, 0.0, 12.0));
    let (festival, december) = (uniform(rng, 0.0, 0.25), uniform(rng, 0.0, 0.3));
    let noise = uniform(rng, 0.02, 0.10);
    let shift_at = if rng.unit() < 0.3 {
        rng.below(MONTHS)
    } else {
        MONTHS
    };
    let shift = uniform(rng, -0.15, 0.15);
    let margin = uniform(rng, 0.08, 0.2);
    let fixed = base * margin * uniform(rng, 0.3, 0.8);
    let cash_ratio = uniform(rng, 0.05, 0.2);
    let rd_share = uniform(rng, 0.01, 0.04);
    let va_share = uniform(rng, 0.25, 0.45);
    let mut employees = uniform(rng, 200.0, 2000.0).round();
    let mut assets = base * uniform(rng, 15.0, 40.0);
    let mut debt_ratio = uniform(rng, 0.4, 0.75);
    let debt_drift = uniform(rng, -0.002, 0.002);
    let mut series: Vec<[f64; 10]> = Vec::with_capacity(MONTHS);
    for t in 0..MONTHS {
        // t = 0 is December before the first year.
        let month = (t + 11) % 12 + 1;
        let season = 1.0
            + amplitude * (std::f64::consts::TAU * (month as f64 + phase) / 12.0).sin()
            - if month == 2 { festival } else { 0.0 }
            + if month == 12 { december } else { 0.0 };
        let level = base
            * (1.0 + growth).powf(t as f64 / 12.0)
            * if t >= shift_at { 1.0 + shift } else { 1.0 };
        let revenue = level * season * (1.0 + noise * rng.normal());
        let profit = margin * revenue - fixed * (1.0 + 0.01 * t as f64 / 12.0)
            + 0.3 * noise * base * rng.normal();
        let net = 0.75 * profit + 0.02 * base * rng.normal();
        let cash = cash_ratio * revenue * (1.0 + if month == 12 { 0.8 } else { 0.0 })
            + 0.15 * cash_ratio * base * rng.normal();
        let rd_load = if month == 12 {
            3.0
        } else if month >= 10 {
            1.4
        } else {
            0.8
        };
        let rd = rd_share * revenue * rd_load * (1.0 + 0.2 * rng.normal()).max(0.0);
        let value_added = va_share * revenue * (1.0 + 0.05 * rng.normal());
        employees = (employees * (1.0 + growth / 24.0) + 3.0 * rng.normal())
            .round()
            .max(10.0);
        assets = assets * (1.0 + growth / 12.0 + 0.004 * rng.normal()) + 0.5 * net;
        debt_ratio = (debt_ratio + debt_drift + 0.003 * rng.normal()).clamp(0.2, 0.95);
        let liabilities = debt_ratio * assets;
        series.push([
            revenue,
            profit,
            net,
            cash,
            rd,
            value_added,
            employees,
            assets,
            liabilities,
            assets - liabilities,
        ]);
    }
    let codes = [
        "operating_revenue",
        "total_profit",
        "net_profit",
        "operating_cash_flow",
        "rd_expenditure",
        "value_added",
        "avg_employees",
        "total_assets",
        "total_liabilities",
        "net_assets",
    ];
    let items = codes
        .iter()
        .enumerate()
        .filter_map(|(k, code)| {
            let item = catalogue.item_index(code)?;
            Some((item, series.iter().map(|row| row[k]).collect()))
        })
        .collect();
    Entity { name, items }
}

/// How the naive forecasts fill the months left of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naive {
    /// Year to date × 12 / m: every month left is the year's mean so far (a balance stays
    /// where it is).
    YearToDate,
    /// Year to date + last year's rest: the months left are last year's (a balance moves as
    /// it did last year from this month to December).
    LastYearsRest,
}

fn year_months(values: &[f64], year_offset: usize) -> YearMonths {
    let mut out = [0.0; 13];
    out.copy_from_slice(&values[12 * year_offset..12 * year_offset + 13]);
    out
}

/// The naive forecast of one item's year, from its first `observed` months.
pub fn naive_months(
    kind: ItemKind,
    this: &YearMonths,
    last: &YearMonths,
    observed: usize,
    naive: Naive,
) -> YearMonths {
    let mut out = *this;
    let stock = kind == ItemKind::Stock;
    let mean = this[1..=observed].iter().sum::<f64>() / observed as f64;
    for j in observed + 1..=12 {
        out[j] = match (naive, stock) {
            (Naive::YearToDate, false) => mean,
            (Naive::YearToDate, true) => this[observed],
            (Naive::LastYearsRest, false) => last[j],
            (Naive::LastYearsRest, true) => this[observed] + last[j] - last[observed],
        };
    }
    out
}

/// The scores of one indicator (or all together).
#[derive(Debug, Clone, Default)]
pub struct Score {
    pub forecasts: usize,
    pub median_ape: f64,
    pub median_ape_ytd: f64,
    pub median_ape_last_year: f64,
    /// Share of forecasts whose 80 % interval held the outcome.
    pub coverage: f64,
}

struct Tally {
    ours: Vec<f64>,
    ytd: Vec<f64>,
    last: Vec<f64>,
    covered: usize,
    count: usize,
}

impl Tally {
    fn new() -> Self {
        Self {
            ours: vec![],
            ytd: vec![],
            last: vec![],
            covered: 0,
            count: 0,
        }
    }
    fn score(mut self) -> Score {
        Score {
            forecasts: self.count,
            median_ape: median(&mut self.ours),
            median_ape_ytd: median(&mut self.ytd),
            median_ape_last_year: median(&mut self.last),
            coverage: if self.count == 0 {
                0.0
            } else {
                self.covered as f64 / self.count as f64
            },
        }
    }
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Backtests every indicator of `indicators` over `groups` generated groups (seeds `seed`,
/// `seed + 1`, …), cut at every month from January to November. Returns one score per
/// indicator (in order) and the overall one.
pub fn run(
    catalogue: &Catalogue,
    indicators: &[&IndicatorDef],
    groups: u64,
    seed: u64,
    paths: usize,
) -> (Vec<Score>, Score) {
    let mut tallies: Vec<Tally> = indicators.iter().map(|_| Tally::new()).collect();
    let mut all = Tally::new();
    let days = year::days_in_year(YEAR);
    for g in 0..groups {
        for (e, entity) in generate_group(catalogue, seed + g, 5).iter().enumerate() {
            for (k, def) in indicators.iter().enumerate() {
                let actual_months = |item: usize| -> Option<YearMonths> {
                    let (_, v) = entity.items.iter().find(|(i, _)| *i == item)?;
                    Some(year_months(v, HISTORY_YEARS))
                };
                let Some(actual) = year::evaluate(&def.formula, days, &actual_months) else {
                    continue;
                };
                for observed in 1..=11usize {
                    let cut = 12 * HISTORY_YEARS + observed + 1;
                    let history: Vec<ItemHistory> = entity
                        .items
                        .iter()
                        .map(|(item, v)| ItemHistory {
                            item: *item,
                            stock: catalogue.item(*item).kind == ItemKind::Stock,
                            values: v[..cut].iter().map(|x| Some(*x)).collect(),
                        })
                        .collect();
                    let month = Month::new(YEAR, observed as u32)
                        .unwrap_or_else(|_| unreachable!("1..=11 is a month"));
                    let question = Question {
                        formula: &def.formula,
                        month,
                        history: &history,
                        target: None,
                        better: def.better,
                        seed: crate::rng::stable_seed(&[&entity.name, &def.id]) ^ observed as u64,
                        paths,
                    };
                    let Ok(ours) = estimate(&question) else {
                        continue;
                    };
                    let naive = |how: Naive| {
                        year::evaluate(&def.formula, days, &|item| {
                            let (_, v) = entity.items.iter().find(|(i, _)| *i == item)?;
                            let this = year_months(v, HISTORY_YEARS);
                            let last = year_months(v, HISTORY_YEARS - 1);
                            Some(naive_months(
                                catalogue.item(item).kind,
                                &this,
                                &last,
                                observed,
                                how,
                            ))
                        })
                    };
                    let (Some(ytd), Some(last)) =
                        (naive(Naive::YearToDate), naive(Naive::LastYearsRest))
                    else {
                        continue;
                    };
                    if actual == 0.0 {
                        continue;
                    }
                    let ape = |f: f64| (f - actual).abs() / actual.abs();
                    let covered = ours.low <= actual && actual <= ours.high;
                    for tally in [&mut tallies[k], &mut all] {
                        tally.ours.push(ape(ours.median));
                        tally.ytd.push(ape(ytd));
                        tally.last.push(ape(last));
                        tally.covered += usize::from(covered);
                        tally.count += 1;
                    }
                }
            }
            let _ = e;
        }
    }
    (tallies.into_iter().map(Tally::score).collect(), all.score())
}
