//! Year-end forecasts (issue 15, item 2): an indicator's December year-to-date value with an
//! 80 % interval and the probability that its full-year target is met, from the months so far
//! and the history before them.
//!
//! The indicator is never extrapolated as a ratio: every item its formula reads (numerators,
//! denominators, balances) is forecast month by month with exponential smoothing with a damped
//! trend and a seasonal state ([`smoothing`]; a flow's centre combined with last year's same
//! months by their inverse one-step errors), many sample paths of the months left are drawn
//! by re-using the models' own one-step errors — the same past month for every item of a path,
//! so items that move together (assets and liabilities, profit and revenue) keep moving
//! together — and the formula is read over each path's year ([`year`]). The median path is the
//! forecast, the 10th and 90th percentiles the interval, the share of paths on the right side
//! of the target the odds. `backtest` measures all this on generated groups with known
//! futures against the two naive forecasts.
//!
//! Not here: reading the database, consolidation (the caller passes each item's consolidated
//! months, from `zx_domain::Engine::total`), rendering. Statistics run in f64 (an estimate,
//! not an amount); what leaves the crate is a `Decimal` rounded to six significant digits.
#![forbid(unsafe_code)]

pub mod backtest;
pub mod rng;
pub mod smoothing;
pub mod year;

use rust_decimal::Decimal;
use thiserror::Error;
use zx_domain::Month;
use zx_domain::catalogue::Better;
use zx_domain::formula::Expr;

use crate::rng::SplitMix64;
use crate::year::YearMonths;

/// The interval's coverage: the 10th to the 90th percentile of the paths.
pub const LEVEL: f64 = 0.8;

/// Sample paths drawn per forecast: the odds move by at most 0.001 per path, and the
/// percentiles settle well within the rounding shown.
pub const DEFAULT_PATHS: usize = 1000;

/// The one-step errors are widened by this factor before they are re-used: a model chosen from
/// a grid to fit the past explains the past better than it will explain the future. A round
/// allowance, not a fitted one; the backtest (BENCHMARKS.md) measures the coverage it gives.
pub const ERROR_WIDENING: f64 = 1.25;

/// One item's consolidated monthly values, the last one being the month forecast from.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemHistory {
    /// The catalogue's item index (what the formula names).
    pub item: usize,
    /// A balance (stock item): its seasons must earn their place ([`smoothing::fit`]).
    pub stock: bool,
    /// Oldest first; `None` where the item is missing. Only the run without gaps that ends at
    /// the last month is used.
    pub values: Vec<Option<f64>>,
}

/// What is forecast: the formula, the month the data reaches, each item's history, the
/// target and which direction meets it.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    pub formula: &'a Expr,
    /// The last month with data: its year is forecast to December.
    pub month: Month,
    pub history: &'a [ItemHistory],
    pub target: Option<Decimal>,
    pub better: Better,
    pub seed: u64,
    pub paths: usize,
}

/// The forecast, rounded for people and machines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearEnd {
    pub year_end: Decimal,
    pub low: Decimal,
    pub high: Decimal,
    /// The interval's coverage (0.8).
    pub level: Decimal,
    /// The share of paths meeting the target (≥ for higher-is-better, ≤ for lower);
    /// `None` without a target or for an indicator without a direction.
    pub p_target_met: Option<Decimal>,
}

/// The forecast in f64, before rounding (backtests score this).
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub median: f64,
    pub low: f64,
    pub high: f64,
    pub p_target_met: Option<f64>,
}

/// Why there is no forecast.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NotForecast {
    #[error("the formula reads item {0}, whose history was not given")]
    NoHistory(usize),
    #[error("fewer than {min} months without a gap up to {month}", min = smoothing::MIN_OBSERVATIONS)]
    TooShort { month: Month },
    #[error("the indicator cannot be computed on most paths (a zero denominator, negative equity)")]
    NotComputable,
}

/// The year-end forecast of `question`, rounded.
pub fn forecast(question: &Question<'_>) -> Result<YearEnd, NotForecast> {
    let estimate = estimate(question)?;
    let round = |x: f64| -> Result<Decimal, NotForecast> {
        Decimal::from_f64_retain(x)
            .and_then(|d| d.round_sf(6))
            .map(|d| d.normalize())
            .ok_or(NotForecast::NotComputable)
    };
    Ok(YearEnd {
        year_end: round(estimate.median)?,
        low: round(estimate.low)?,
        high: round(estimate.high)?,
        level: Decimal::new(8, 1),
        p_target_met: match estimate.p_target_met {
            Some(p) => Some(round((p * 100.0).round() / 100.0)?),
            None => None,
        },
    })
}

/// The year-end forecast of `question` in f64.
pub fn estimate(question: &Question<'_>) -> Result<Estimate, NotForecast> {
    let observed = question.month.month() as usize;
    let horizon = 12 - observed;
    let inputs = question.formula.inputs();
    let mut items: Vec<usize> = inputs.iter().map(|(_, item)| *item).collect();
    items.dedup();
    items.sort_unstable();
    items.dedup();
    // The common window: the longest run without gaps ending at the month, for every item.
    let mut series: Vec<&ItemHistory> = Vec::with_capacity(items.len());
    for item in &items {
        let history = question
            .history
            .iter()
            .find(|h| h.item == *item)
            .ok_or(NotForecast::NoHistory(*item))?;
        series.push(history);
    }
    let window = series
        .iter()
        .map(|h| h.values.iter().rev().take_while(|v| v.is_some()).count())
        .min()
        .unwrap_or(0);
    if window < observed.max(smoothing::MIN_OBSERVATIONS) {
        return Err(NotForecast::TooShort {
            month: question.month,
        });
    }
    let windows: Vec<Vec<f64>> = series
        .iter()
        .map(|h| {
            h.values[h.values.len() - window..]
                .iter()
                .flatten()
                .copied()
                .collect()
        })
        .collect();
    // This year's known months: index 0 December before (NaN when outside the window).
    let known: Vec<YearMonths> = windows
        .iter()
        .map(|w| {
            let mut months = [f64::NAN; 13];
            for (j, slot) in months.iter_mut().enumerate().take(observed + 1) {
                if let Some(back) = (observed - j).checked_add(1).filter(|b| *b <= w.len()) {
                    *slot = w[w.len() - back];
                }
            }
            months
        })
        .collect();
    let days = year::days_in_year(question.month.year());
    let value_of = |months: &[YearMonths]| {
        year::evaluate(question.formula, days, &|item| {
            items.iter().position(|i| *i == item).map(|k| months[k])
        })
    };
    let mut values: Vec<f64> = Vec::with_capacity(question.paths.max(1));
    if horizon == 0 {
        values.push(value_of(&known).ok_or(NotForecast::NotComputable)?);
    } else {
        // A series that stays positive (revenue, assets, headcount) grows and swings in
        // proportion: it is modelled in logarithms, so its seasons and errors scale with it.
        let logged: Vec<bool> = windows.iter().map(|w| w.iter().all(|v| *v > 0.0)).collect();
        let models: Vec<smoothing::Fitted> = windows
            .iter()
            .zip(&logged)
            .zip(&series)
            .map(|((w, log), history)| {
                if *log {
                    smoothing::fit(&w.iter().map(|v| v.ln()).collect::<Vec<_>>(), history.stock)
                } else {
                    smoothing::fit(w, history.stock)
                }
            })
            .collect::<Option<_>>()
            .ok_or(NotForecast::TooShort {
                month: question.month,
            })?;
        let usable = models
            .iter()
            .map(|m| m.usable_residuals().len())
            .min()
            .unwrap_or(0);
        // A flow's centre is a combination of the model's months and last year's same months,
        // weighted by how well each has forecast this series one step ahead (inverse mean
        // squared errors over the same months; last year's month as a forecast of this one's).
        // Two forecasts that err differently beat either (BENCHMARKS.md); a series the model
        // fits exactly keeps the model's future exactly.
        let shifts: Vec<Vec<f64>> = models
            .iter()
            .enumerate()
            .map(|(k, model)| {
                let w = &windows[k];
                let from = model.usable.max(smoothing::SEASON);
                if series[k].stock || w.len() < observed + smoothing::SEASON || from >= w.len() {
                    return vec![0.0; horizon];
                }
                let mut centre = vec![0.0; horizon];
                model.simulate(&vec![0.0; horizon], &mut centre);
                let mut model_sq = 0.0;
                let mut naive_sq = 0.0;
                for t in from..w.len() {
                    let e = model.residuals[t];
                    // A model in logarithms erred by y (1 − e^−e) in the series' own units.
                    let e = if logged[k] {
                        w[t] * (1.0 - (-e).exp())
                    } else {
                        e
                    };
                    model_sq += e * e;
                    naive_sq += (w[t] - w[t - smoothing::SEASON]).powi(2);
                }
                if logged[k] {
                    centre.iter_mut().for_each(|v| *v = v.exp());
                }
                let total = model_sq + naive_sq;
                let weight = if total > 0.0 { model_sq / total } else { 0.0 };
                let last_year = &w[w.len() - observed - smoothing::SEASON..w.len() - observed];
                (0..horizon)
                    .map(|h| weight * (last_year[observed + h] - centre[h]))
                    .collect()
            })
            .collect();
        let mut rng = SplitMix64::new(question.seed);
        let mut errors = vec![0.0; horizon];
        let mut picks: Vec<Option<usize>> = vec![None; horizon];
        let mut path = known.clone();
        let mut simulated = vec![0.0; horizon];
        let paths = question.paths.max(1);
        for _ in 0..paths {
            // One past month per step for every item: their errors keep their correlation.
            for pick in picks.iter_mut() {
                *pick = (usable > 0).then(|| rng.below(usable));
            }
            for (k, model) in models.iter().enumerate() {
                let own = model.usable_residuals();
                for (error, pick) in errors.iter_mut().zip(&picks) {
                    *error = pick.map_or(0.0, |p| own[own.len() - usable + p] * ERROR_WIDENING);
                }
                model.simulate(&errors, &mut simulated);
                if logged[k] {
                    simulated.iter_mut().for_each(|v| *v = v.exp());
                }
                for (v, shift) in simulated.iter_mut().zip(&shifts[k]) {
                    *v += shift;
                }
                path[k][observed + 1..].copy_from_slice(&simulated);
            }
            if let Some(v) = value_of(&path) {
                values.push(v);
            }
        }
        // Most paths without a value: the indicator itself is not to be had.
        if values.len() * 2 < paths {
            return Err(NotForecast::NotComputable);
        }
    }
    values.sort_by(f64::total_cmp);
    let p_target_met = question.target.and_then(|target| {
        use rust_decimal::prelude::ToPrimitive;
        let target = target.to_f64()?;
        let met = match question.better {
            Better::Higher => values.iter().filter(|v| **v >= target).count(),
            Better::Lower => values.iter().filter(|v| **v <= target).count(),
            Better::Neither => return None,
        };
        Some(met as f64 / values.len() as f64)
    });
    let tail = (1.0 - LEVEL) / 2.0;
    Ok(Estimate {
        median: quantile(&values, 0.5),
        low: quantile(&values, tail),
        high: quantile(&values, 1.0 - tail),
        p_target_met,
    })
}

/// The q-quantile of sorted values, interpolating between neighbours.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.len() == 1 {
        return sorted[0];
    }
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let fraction = position - below as f64;
    sorted[below] + (sorted[above] - sorted[below]) * fraction
}
