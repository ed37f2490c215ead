//! Benchmarking plants against each other (对标, `shared/reference/operations.md`): the peers of
//! an indicator, their quartiles (Excel's QUARTILE.INC in exact decimals), ranks in the
//! indicator's direction with shared ranks for ties, each plant's quartile, the plants whose value
//! is unavailable kept apart, and what reaching the top quartile is worth.
//!
//! Pure: the values come from the [`Engine`]; nothing here reads a store or a clock. External
//! reference values (industry averages) never enter these quartiles: they are drawn beside them.

pub mod cost;
pub mod references;

use std::cmp::Ordering;

use rust_decimal::Decimal;
use thiserror::Error;

use crate::catalogue::{Better, IndicatorDef, segment_code};
use crate::engine::{Engine, Unavailable};
use crate::entity::EntityId;
use crate::formula::Aggregation;
use crate::period::Period;

/// The distribution of the ranked peers' values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub n: usize,
    pub min: Decimal,
    pub q1: Decimal,
    pub median: Decimal,
    pub q3: Decimal,
    pub max: Decimal,
}

/// A ranked plant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub entity: EntityId,
    pub value: Decimal,
    /// 1 = best in the indicator's direction; ties share the best rank (1, 2, 2, 4).
    pub rank: usize,
    /// 1 = the best quarter … 4 = the worst.
    pub quartile: u8,
    /// How far the value is from the top quartile's boundary (q1 when lower is better, q3 when
    /// higher is), in the indicator's unit; `None` in the top quartile.
    pub gap: Option<Decimal>,
    /// The gap times the plant's output over the basis (yuan, kWh), for indicators that are per
    /// unit of an output (`IndicatorDef::output`); `None` otherwise, in the top quartile, or when
    /// the output cannot be read.
    pub worth: Option<Decimal>,
}

/// A plant of the peer group whose value is unavailable: listed apart, never ranked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingPeer {
    pub entity: EntityId,
    pub reason: Unavailable,
}

/// An indicator benchmarked over a peer group for one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Benchmark {
    pub period: Period,
    pub better: Better,
    /// `None` when no peer has a value.
    pub stats: Option<Stats>,
    /// In rank order, ties by entity code.
    pub peers: Vec<Peer>,
    /// Sorted by entity code.
    pub missing: Vec<MissingPeer>,
}

/// A peer group that cannot be formed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BenchmarkError {
    /// `--segment` names a segment where some item of the indicator does not apply.
    #[error(
        "indicator {indicator} does not apply to segment \"{segment}\" (its segments: {})",
        applicable.join(", ")
    )]
    SegmentNotApplicable {
        indicator: String,
        segment: String,
        applicable: Vec<String>,
    },
}

/// Excel's QUARTILE.INC (numpy's default linear interpolation) of sorted values, for
/// p = `quarters` / 4: the position h = (n − 1)·p, then x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋₊₁ − x⌊h⌋).
/// Exact: h − ⌊h⌋ is 0, ¼, ½ or ¾. `None` for no values.
pub fn quartile_inc(sorted: &[Decimal], quarters: usize) -> Option<Decimal> {
    let last = sorted.len().checked_sub(1)?;
    let scaled = last * quarters.min(4);
    let (low, rest) = (scaled / 4, scaled % 4);
    let x_low = sorted[low];
    if rest == 0 {
        return Some(x_low);
    }
    let x_high = sorted[low + 1];
    let fraction = Decimal::new(rest as i64 * 25, 2);
    // x_low + f·(x_high − x_low); the difference of two values near the range's ends can
    // overflow, the weighted sum (1 − f)·x_low + f·x_high cannot.
    x_high
        .checked_sub(x_low)
        .and_then(|d| d.checked_mul(fraction))
        .and_then(|d| x_low.checked_add(d))
        .or_else(|| {
            let low_part = x_low.checked_mul(Decimal::ONE - fraction)?;
            let high_part = x_high.checked_mul(fraction)?;
            low_part.checked_add(high_part)
        })
}

/// n, min, q1, median, q3 and max of the values (any order); `None` for no values.
pub fn stats(values: &[Decimal]) -> Option<Stats> {
    let mut sorted = values.to_vec();
    sorted.sort();
    Some(Stats {
        n: sorted.len(),
        min: *sorted.first()?,
        q1: quartile_inc(&sorted, 1)?,
        median: quartile_inc(&sorted, 2)?,
        q3: quartile_inc(&sorted, 3)?,
        max: *sorted.last()?,
    })
}

/// `a` compared with `b` in the indicator's direction: `Less` when `a` is better. Without a
/// direction (refused for operating indicators at load), the highest first.
fn better_first(better: Better, a: Decimal, b: Decimal) -> Ordering {
    match better {
        Better::Higher | Better::Neither => b.cmp(&a),
        Better::Lower => a.cmp(&b),
    }
}

/// Each value's rank: 1 + the number of values strictly better, so ties share the best rank
/// and the next rank skips (1, 2, 2, 4).
pub fn ranks(values: &[Decimal], better: Better) -> Vec<usize> {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| better_first(better, *a, *b));
    values
        .iter()
        .map(|v| 1 + sorted.partition_point(|s| better_first(better, *s, *v) == Ordering::Less))
        .collect()
}

/// The quarter a value falls in, 1 the best. Higher is better: 1 if ≥ q3, 2 if ≥ median, 3 if
/// ≥ q1, else 4; lower is better: 1 if ≤ q1, 2 if ≤ median, 3 if ≤ q3, else 4.
pub fn quartile_of(value: Decimal, stats: &Stats, better: Better) -> u8 {
    match better {
        Better::Higher | Better::Neither if value >= stats.q3 => 1,
        Better::Higher | Better::Neither if value >= stats.median => 2,
        Better::Higher | Better::Neither if value >= stats.q1 => 3,
        Better::Higher | Better::Neither => 4,
        Better::Lower if value <= stats.q1 => 1,
        Better::Lower if value <= stats.median => 2,
        Better::Lower if value <= stats.q3 => 3,
        Better::Lower => 4,
    }
}

/// The peer group: the leaves under `within` (itself, if a leaf) whose segment is one where every
/// item of the indicator applies, or only those of `segment` when one is named.
pub fn peers(
    engine: &Engine,
    within: EntityId,
    def: &IndicatorDef,
    segment: Option<&str>,
) -> Result<Vec<EntityId>, BenchmarkError> {
    let tree = engine.tree();
    let applicable = engine.catalogue().indicator_segments(def);
    let fits = |leaf: EntityId| {
        let code = segment_code(&tree.entity(leaf).segment);
        applicable.as_ref().is_none_or(|list| list.contains(&code))
    };
    let leaves = tree.leaves_under(within).into_iter();
    match segment {
        None => Ok(leaves.filter(|&leaf| fits(leaf)).collect()),
        Some(named) => {
            let named = segment_code(named);
            if let Some(list) = &applicable
                && !list.contains(&named)
            {
                return Err(BenchmarkError::SegmentNotApplicable {
                    indicator: def.id.clone(),
                    segment: named,
                    applicable: list.clone(),
                });
            }
            Ok(leaves
                .filter(|&leaf| segment_code(&tree.entity(leaf).segment) == named)
                .collect())
        }
    }
}

/// Benchmarks an indicator over the peers of `within` for a period (operations.md): the values,
/// the stats of those that have one, ranks, quartiles, gaps and what they are worth.
pub fn benchmark(
    engine: &Engine,
    within: EntityId,
    def: &IndicatorDef,
    period: Period,
    segment: Option<&str>,
) -> Result<Benchmark, BenchmarkError> {
    let tree = engine.tree();
    let mut ranked: Vec<(EntityId, Decimal)> = Vec::new();
    let mut missing: Vec<MissingPeer> = Vec::new();
    for entity in peers(engine, within, def, segment)? {
        match engine.evaluate_def(def, entity, period) {
            Ok(value) => ranked.push((entity, value)),
            Err(reason) => missing.push(MissingPeer { entity, reason }),
        }
    }
    missing.sort_by(|a, b| tree.entity(a.entity).code.cmp(&tree.entity(b.entity).code));
    let values: Vec<Decimal> = ranked.iter().map(|(_, v)| *v).collect();
    let stats = stats(&values);
    let rank_of = ranks(&values, def.better);
    let mut peers: Vec<Peer> = ranked
        .iter()
        .zip(rank_of)
        .map(|(&(entity, value), rank)| {
            let quartile = stats
                .as_ref()
                .map_or(1, |s| quartile_of(value, s, def.better));
            let gap = match (quartile, &stats) {
                (2..=4, Some(s)) => match def.better {
                    Better::Lower => value.checked_sub(s.q1),
                    Better::Higher => s.q3.checked_sub(value),
                    // No direction, no gap to close.
                    Better::Neither => None,
                },
                _ => None,
            };
            let worth = match (gap, def.output, def.unit.numerator()) {
                (Some(gap), Some(output), Some(_)) => engine
                    .read(entity, output, Aggregation::Flow, period)
                    .ok()
                    .and_then(|amount| gap.checked_mul(amount)),
                _ => None,
            };
            Peer {
                entity,
                value,
                rank,
                quartile,
                gap,
                worth,
            }
        })
        .collect();
    peers.sort_by(|a, b| {
        a.rank
            .cmp(&b.rank)
            .then_with(|| tree.entity(a.entity).code.cmp(&tree.entity(b.entity).code))
    });
    Ok(Benchmark {
        period,
        better: def.better,
        stats,
        peers,
        missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn list(texts: &[&str]) -> Vec<Decimal> {
        texts.iter().map(|t| d(t)).collect()
    }

    #[test]
    fn quartiles_of_four_values_interpolate_at_quarter_positions() {
        // 10, 20, 30, 40: h = 3p. q1 at 0.75: 10 + 0.75 × 10 = 17.5; median at 1.5: 20 + 0.5 × 10
        // = 25; q3 at 2.25: 30 + 0.25 × 10 = 32.5 (Excel QUARTILE.INC gives the same).
        let s = stats(&list(&["40", "10", "30", "20"])).unwrap();
        assert_eq!(
            (s.n, s.min, s.q1, s.median, s.q3, s.max),
            (4, d("10"), d("17.5"), d("25"), d("32.5"), d("40"))
        );
    }

    #[test]
    fn quartiles_of_five_values_fall_on_order_statistics() {
        // 1, 2, 3, 4, 100: h = 4p = 1, 2, 3 exactly: q1 = 2, median = 3, q3 = 4.
        let s = stats(&list(&["3", "100", "1", "4", "2"])).unwrap();
        assert_eq!(
            (s.min, s.q1, s.median, s.q3, s.max),
            (d("1"), d("2"), d("3"), d("4"), d("100"))
        );
    }

    #[test]
    fn quartiles_of_thirteen_values() {
        // Sorted: 1 2 3 5 8 13 21 34 55 89 144 233 377 (indices 0..12). h = 12p = 3, 6, 9:
        // q1 = x3 = 5, median = x6 = 21, q3 = x9 = 89.
        let values = list(&[
            "377", "1", "233", "2", "144", "3", "89", "5", "55", "8", "34", "13", "21",
        ]);
        let s = stats(&values).unwrap();
        assert_eq!((s.q1, s.median, s.q3), (d("5"), d("21"), d("89")));
        // Without 377 (12 values): h = 11p = 2.75, 5.5, 8.25: q1 = 3 + 0.75 × (5 − 3) = 4.5,
        // median = 13 + 0.5 × (21 − 13) = 17, q3 = 55 + 0.25 × (89 − 55) = 63.5.
        let s = stats(&values[1..]).unwrap();
        assert_eq!((s.q1, s.median, s.q3), (d("4.5"), d("17"), d("63.5")));
    }

    #[test]
    fn quartiles_of_one_value_and_of_none() {
        let s = stats(&list(&["7.25"])).unwrap();
        assert_eq!((s.q1, s.median, s.q3), (d("7.25"), d("7.25"), d("7.25")));
        assert_eq!(stats(&[]), None);
        assert_eq!(quartile_inc(&[], 2), None);
    }

    #[test]
    fn quartiles_stay_exact_and_never_overflow() {
        // 0.1 + 0.25 × (0.3 − 0.1) = 0.15 exactly, no binary rounding.
        assert_eq!(quartile_inc(&list(&["0.1", "0.3"]), 1), Some(d("0.15")));
        // MAX − MIN overflows: the weighted sum 0.5 × MIN + 0.5 × MAX = 0 is taken instead.
        assert_eq!(
            quartile_inc(&[Decimal::MIN, Decimal::MAX], 2),
            Some(Decimal::ZERO)
        );
    }

    #[test]
    fn ties_share_the_best_rank() {
        // Lower is better: 5 < 7 = 7 < 9 → 1, 2, 2, 4.
        assert_eq!(
            ranks(&list(&["7", "9", "5", "7"]), Better::Lower),
            [2, 4, 1, 2]
        );
        // Higher is better: 9 > 7 = 7 > 5 → 1, 2, 2, 4.
        assert_eq!(
            ranks(&list(&["7", "9", "5", "7"]), Better::Higher),
            [2, 1, 4, 2]
        );
        assert_eq!(ranks(&list(&["3", "3", "3"]), Better::Higher), [1, 1, 1]);
    }

    #[test]
    fn a_plants_quartile_follows_the_indicators_direction() {
        // 10, 20, 30, 40: q1 17.5, median 25, q3 32.5.
        let s = stats(&list(&["10", "20", "30", "40"])).unwrap();
        let lower: Vec<u8> = list(&["10", "17.5", "20", "25", "30", "32.5", "40"])
            .into_iter()
            .map(|v| quartile_of(v, &s, Better::Lower))
            .collect();
        assert_eq!(lower, [1, 1, 2, 2, 3, 3, 4]);
        let higher: Vec<u8> = list(&["40", "32.5", "30", "25", "20", "17.5", "10"])
            .into_iter()
            .map(|v| quartile_of(v, &s, Better::Higher))
            .collect();
        assert_eq!(higher, [1, 1, 2, 2, 3, 3, 4]);
    }
}
