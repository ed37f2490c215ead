//! How surprising a raw novelty is for *this* signal: the share of its own past novelties that
//! were at least as large (a decayed, binned conformal p-value), so that one corpus-wide threshold
//! means the same for a noisy signal and a quiet one.

/// Number of histogram bins (bin 0 holds zero novelty; the rest are log-spaced).
const BINS: usize = 96;
/// Novelties below this are put in bin 0.
const LOW: f64 = 1e-3;
/// Novelties above this share the last bin.
const HIGH: f64 = 1e3;

/// A decayed histogram of past raw novelties, in fixed memory.
#[derive(Debug, Clone)]
pub struct Surprise {
    counts: [f64; BINS],
    total: f64,
    /// Weight a new sample gets; grows by 1/(1-decay) a step so old samples fade (lazy decay).
    weight: f64,
    growth: f64,
    /// The largest novelty seen so far, decayed the same way (to grade brand-new extremes).
    max_seen: f64,
    max_decay: f64,
}

impl Surprise {
    /// `memory` is the number of rows after which an old novelty weighs 1/e of a new one.
    pub fn new(memory: f64) -> Self {
        let memory = memory.max(1.0);
        Self {
            counts: [0.0; BINS],
            total: 0.0,
            weight: 1.0,
            growth: 1.0 / (1.0 - 1.0 / memory),
            max_seen: 0.0,
            max_decay: 1.0 - 1.0 / memory,
        }
    }

    fn bin(e: f64) -> usize {
        if e.is_nan() || e <= LOW {
            return 0;
        }
        let span = (HIGH / LOW).ln();
        let pos = (e / LOW).ln() / span * (BINS - 2) as f64;
        1 + (pos.max(0.0) as usize).min(BINS - 2)
    }

    fn learn(&mut self, e: f64) {
        let b = Self::bin(e);
        self.max_seen = (self.max_seen * self.max_decay).max(e);
        self.counts[b] += self.weight;
        self.total += self.weight;
        self.weight *= self.growth;
        if self.weight > 1e200 {
            let k = 1.0 / self.weight;
            self.counts.iter_mut().for_each(|c| *c *= k);
            self.total *= k;
            self.weight = 1.0;
        }
    }

    /// The surprise of `e` against the past (in [0, 1), higher = rarer), then remembers `e`.
    pub fn score_and_learn(&mut self, e: f64) -> f64 {
        let b = Self::bin(e);
        // Whichever side of the histogram is shorter to add up.
        let tail: f64 = if b < BINS / 2 {
            (self.total - self.counts[..b].iter().sum::<f64>()).max(0.0)
        } else {
            self.counts[b..].iter().sum()
        };
        // In units of the newest sample's weight: p = (as large or larger + 1) / (all + 1).
        let p = (tail / self.weight + 1.0) / (self.total / self.weight + 1.0);
        let mut s = 1.0 - p;
        if b > 0 && e > self.max_seen && self.max_seen > 0.0 {
            // A novelty beyond every remembered one: grade by how far beyond, within the top step.
            let beyond = (e / self.max_seen).ln().min(4.0) / 4.0;
            s += p * 0.5 * beyond;
        }
        self.learn(e);
        s.clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Remembers novelties 1, 2, 4 and 8 with (practically) no forgetting.
    fn seen_four() -> Surprise {
        let mut s = Surprise::new(1e12);
        for e in [1.0, 2.0, 4.0, 8.0] {
            s.score_and_learn(e);
        }
        s
    }

    #[test]
    fn the_score_is_one_minus_the_share_at_least_as_large() {
        // 5 lies below 8 only (bins are 15 % wide, 5/4 and 8/5 are wider): one of four is at
        // least as large, p = (1 + 1) / (4 + 1) = 0.4, score 0.6.
        assert!((seen_four().score_and_learn(5.0) - 0.6).abs() < 1e-9);
    }

    #[test]
    fn a_novelty_beyond_all_gets_the_top_step_and_a_bonus_for_how_far() {
        // None of four is as large as 16: p = 1 / 5 = 0.2, score 0.8, plus
        // p × 0.5 × ln(16 / 8) / 4 = 0.2 × 0.5 × 0.693147 / 4 = 0.017329.
        let s = seen_four().score_and_learn(16.0);
        assert!((s - 0.817_329).abs() < 1e-6, "{s}");
    }

    #[test]
    fn old_novelties_fade() {
        // Memory 10: each older row weighs 0.9 of the next. After 8 and then 200 zeros, in units
        // of the next row's weight the 201 rows weigh 0.9 + 0.9² + … + 0.9²⁰¹ = 9 (to 1e-9) and
        // the 8 only 0.9²⁰¹ ≈ 6e-10, so a novelty of 1 has p = (0 + 1) / (9 + 1) = 0.1
        // (without fading it would be (1 + 1) / (201 + 1) = 0.0099). The remembered maximum has
        // faded too (8 × 0.9²⁰⁰ ≈ 6e-9), so 1 is far beyond it: the bonus p × 0.5 × min(ln(1 /
        // 6e-9), 4) / 4 = 0.05 leaves 1 - score = 0.1 - 0.05 = 0.05.
        let mut s = Surprise::new(10.0);
        s.score_and_learn(8.0);
        for _ in 0..200 {
            s.score_and_learn(0.0);
        }
        let rest = 1.0 - s.score_and_learn(1.0);
        assert!((rest - 0.05).abs() < 1e-6, "{rest}");
    }
}
