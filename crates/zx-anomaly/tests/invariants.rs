//! The detector's promises: causal, bounded, scores in [0, 1], and the faults the product cares
//! about (a spike, a level shift, a stuck sensor, a drift) scored above everything normal.

use proptest::prelude::*;
use zx_anomaly::{Config, Detector};

/// Five-minute rows.
const STEP: i64 = 300;
/// Rows per day at five minutes.
const DAY: usize = 288;

/// A deterministic noise source (a 64-bit LCG), so the series are the same on every run.
struct Noise(u64);

impl Noise {
    /// Uniform in [-1, 1).
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

/// A NOx-like signal: level 100, a daily rhythm of ±20, noise of ±3, for `days` days.
fn daily(days: usize, seed: u64) -> Vec<f64> {
    let mut noise = Noise(seed);
    (0..days * DAY)
        .map(|i| {
            let phase = (i % DAY) as f64 / DAY as f64 * std::f64::consts::TAU;
            100.0 + 20.0 * phase.sin() + 3.0 * noise.next()
        })
        .collect()
}

fn scores(values: &[f64]) -> Vec<f64> {
    let mut d = Detector::new(Config::default());
    values
        .iter()
        .enumerate()
        .map(|(i, v)| d.observe(i as i64 * STEP, *v))
        .collect()
}

/// The highest score in rows `from..to`.
fn max_in(s: &[f64], from: usize, to: usize) -> f64 {
    s[from..to].iter().copied().fold(0.0, f64::max)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn appending_rows_never_changes_earlier_scores(
        values in prop::collection::vec(-1e6f64..1e6, 1..600),
        more in prop::collection::vec(-1e6f64..1e6, 1..300),
    ) {
        let before = scores(&values);
        let mut longer = values.clone();
        longer.extend(&more);
        let after = scores(&longer);
        prop_assert_eq!(&before[..], &after[..values.len()]);
    }

    #[test]
    fn every_score_lies_in_zero_one(
        values in prop::collection::vec(prop_oneof![
            -1e300f64..1e300, -1.0f64..1.0, Just(0.0), Just(f64::NAN), Just(f64::INFINITY)
        ], 1..500),
    ) {
        for s in scores(&values) {
            prop_assert!((0.0..=1.0).contains(&s), "score {}", s);
        }
    }
}

#[test]
fn the_state_does_not_grow_with_the_stream() {
    let mut d = Detector::new(Config::default());
    let at_start = d.state_bytes();
    let mut noise = Noise(7);
    // 200,000 rows of noise with jumps: enough to fill and churn every prototype store.
    for i in 0..200_000 {
        let jump = if (i / 5_000) % 2 == 0 { 0.0 } else { 50.0 };
        d.observe(i * STEP, jump + noise.next() * 10.0);
        if i == 1_000 {
            assert_eq!(d.state_bytes(), at_start);
        }
    }
    assert_eq!(d.state_bytes(), at_start);
    assert_eq!(d.seen(), 200_000);
}

#[test]
fn a_spike_scores_above_every_normal_row() {
    let mut v = daily(10, 1);
    let at = 8 * DAY + 100;
    v[at] += 60.0; // three times the daily swing
    let s = scores(&v);
    let normal = max_in(&s, 2 * DAY, at);
    assert!(s[at] > normal, "spike {} vs normal {normal}", s[at]);
    assert!(s[at] >= 0.99, "spike {}", s[at]);
}

#[test]
fn a_level_shift_is_flagged_within_the_hour() {
    let mut v = daily(10, 2);
    let at = 8 * DAY;
    v[at..].iter_mut().for_each(|x| *x += 40.0);
    let s = scores(&v);
    let normal = max_in(&s, 2 * DAY, at);
    let shifted = max_in(&s, at, at + 12);
    assert!(shifted > normal, "shift {shifted} vs normal {normal}");
}

#[test]
fn a_stuck_sensor_is_flagged_within_two_hours() {
    let mut v = daily(10, 3);
    let at = 8 * DAY + 50;
    let stuck = v[at];
    v[at..].iter_mut().for_each(|x| *x = stuck);
    let s = scores(&v);
    let normal = max_in(&s, 2 * DAY, at);
    let flat = max_in(&s, at, at + 24);
    assert!(flat > normal, "stuck {flat} vs normal {normal}");
}

#[test]
fn a_drifting_analyser_is_flagged_before_the_day_is_out() {
    let mut v = daily(12, 4);
    let at = 9 * DAY;
    // The reading creeps up by 0.25 a row: +72 over a day, three times the daily swing.
    for (k, x) in v[at..].iter_mut().enumerate() {
        *x += 0.25 * k as f64;
    }
    let s = scores(&v);
    let normal = max_in(&s, 2 * DAY, at);
    let drifting = max_in(&s, at, at + DAY);
    assert!(drifting > normal, "drift {drifting} vs normal {normal}");
}
