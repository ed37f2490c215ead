//! The windowed-Gaussian reference (NAB's "windowed Gaussian" baseline, re-implemented): the score
//! is how far into its own normal tail the value sits, given the mean and spread of the last
//! `window` values. Kept as the yardstick the detector is compared against in BENCHMARKS.md.

/// A window of the last values with running sums (bounded memory: the window).
#[derive(Debug, Clone)]
pub struct WindowedGaussian {
    window: Vec<f64>,
    at: usize,
    filled: usize,
    sum: f64,
    sum_sq: f64,
}

impl WindowedGaussian {
    /// NAB's baseline uses a window of 6,400 rows.
    pub const NAB_WINDOW: usize = 6400;

    pub fn new(window: usize) -> Self {
        Self {
            window: vec![0.0; window.max(2)],
            at: 0,
            filled: 0,
            sum: 0.0,
            sum_sq: 0.0,
        }
    }

    /// Scores `value` against the window before it, then adds it (non-finite values score 0).
    pub fn observe(&mut self, value: f64) -> f64 {
        if !value.is_finite() {
            return 0.0;
        }
        let score = if self.filled >= 2 {
            let n = self.filled as f64;
            let mean = self.sum / n;
            let var = (self.sum_sq / n - mean * mean).max(0.0);
            let sd = var.sqrt();
            if sd > 0.0 {
                // Two-sided: 1 - P(|Z| >= |z|) = erf(|z| / sqrt 2).
                1.0 - erfc((value - mean).abs() / sd / std::f64::consts::SQRT_2)
            } else if value == mean {
                0.0
            } else {
                1.0
            }
        } else {
            0.0
        };
        if self.filled == self.window.len() {
            let old = self.window[self.at];
            self.sum -= old;
            self.sum_sq -= old * old;
        } else {
            self.filled += 1;
        }
        self.window[self.at] = value;
        self.sum += value;
        self.sum_sq += value * value;
        self.at = (self.at + 1) % self.window.len();
        score.clamp(0.0, 1.0)
    }
}

/// The complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfc_matches_tabulated_values() {
        // erfc(0) = 1, erfc(1) = 0.157299207, erfc(2) = 0.004677735 (tables).
        assert!((erfc(0.0) - 1.0).abs() < 1e-6);
        assert!((erfc(1.0) - 0.157_299_207).abs() < 1e-6);
        assert!((erfc(2.0) - 0.004_677_735).abs() < 1e-6);
    }

    #[test]
    fn a_value_two_spreads_out_scores_erf_of_root_two() {
        let mut g = WindowedGaussian::new(4);
        // Window 0, 2, 0, 2: mean 1, population spread 1.
        for v in [0.0, 2.0, 0.0, 2.0] {
            g.observe(v);
        }
        // |3 - 1| / 1 = 2 spreads: erf(2 / sqrt 2) = 1 - erfc(1.41421) = 1 - 0.0455003 = 0.9545.
        assert!((g.observe(3.0) - 0.954_500).abs() < 1e-5);
    }
}
