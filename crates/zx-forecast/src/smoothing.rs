//! Exponential smoothing with a damped trend and a seasonal state (additive Holt–Winters,
//! ETS(A,Ad,A)), fitted by a small grid search on one-step errors, and sample paths drawn by
//! re-using the fitted model's own errors (a residual bootstrap): the spread of the paths is the
//! spread the series has shown, not an assumed normal.
//!
//! Why additive: profits cross zero, so a multiplicative model cannot hold them; a seasonal
//! amplitude that grows with the level is followed by the seasonal state's updates.

/// Months in a season.
pub const SEASON: usize = 12;

/// Fewer observations than this and the series is not forecast (no honest spread to be had).
pub const MIN_OBSERVATIONS: usize = 4;

/// A fitted model: its smoothing weights, its state after the last observation and its
/// one-step errors (the residuals paths are drawn from).
#[derive(Debug, Clone)]
pub struct Fitted {
    pub alpha: f64,
    pub beta: f64,
    pub gamma: f64,
    pub phi: f64,
    seasonal: bool,
    level: f64,
    trend: f64,
    /// Seasonal state by position `t % SEASON`.
    seasons: [f64; SEASON],
    /// Index of the next time step (the first forecast month).
    next: usize,
    /// One-step errors, one per observation; those before `usable` belong to the start-up.
    pub residuals: Vec<f64>,
    pub usable: usize,
}

#[derive(Debug, Clone, Copy)]
struct Weights {
    alpha: f64,
    beta: f64,
    gamma: f64,
    phi: f64,
}

const ALPHAS: [f64; 6] = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7];
const BETAS: [f64; 4] = [0.0, 0.02, 0.1, 0.2];
const GAMMAS: [f64; 4] = [0.0, 0.05, 0.15, 0.3];
// The undamped trend first: an exact line is then fitted with zero error and kept.
const PHIS: [f64; 3] = [1.0, 0.98, 0.9];

/// Fits the model to a complete series (no gaps); `None` below [`MIN_OBSERVATIONS`].
/// With two full years or more a flow has seasons (a company's year has its calendar: the
/// Spring Festival, the year-end close); a balance (`seasons_must_pay`) keeps them only when
/// the better fit pays for the eleven extra states (Akaike's criterion on the same months), so
/// a balance without a season is not given one made of noise.
pub fn fit(values: &[f64], seasons_must_pay: bool) -> Option<Fitted> {
    if values.len() < MIN_OBSERVATIONS || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let burn = if values.len() >= 2 * SEASON {
        SEASON
    } else {
        2
    };
    let (plain_sse, plain) = fit_with(values, false, burn);
    if values.len() < 2 * SEASON {
        return Some(plain);
    }
    let (seasonal_sse, seasonal) = fit_with(values, true, burn);
    if !seasons_must_pay {
        return Some(seasonal);
    }
    let n = (values.len() - burn) as f64;
    let aic = |sse: f64, states: f64| n * (sse / n).max(f64::MIN_POSITIVE).ln() + 2.0 * states;
    // Level, trend and four weights; the seasonal model adds eleven free seasons and gamma.
    if aic(seasonal_sse, 18.0) < aic(plain_sse, 6.0) {
        Some(seasonal)
    } else {
        Some(plain)
    }
}

fn fit_with(values: &[f64], seasonal: bool, burn: usize) -> (f64, Fitted) {
    let start = initial_state(values, seasonal);
    let mut best: Option<(f64, Fitted)> = None;
    for &phi in &PHIS {
        for &alpha in &ALPHAS {
            for &beta in BETAS.iter().filter(|b| **b <= alpha) {
                let gammas: &[f64] = if seasonal { &GAMMAS } else { &[0.0] };
                for &gamma in gammas {
                    let w = Weights {
                        alpha,
                        beta,
                        gamma,
                        phi,
                    };
                    let fitted = run(values, w, &start, seasonal, burn);
                    let sse: f64 = fitted.residuals[burn..].iter().map(|e| e * e).sum();
                    if best.as_ref().is_none_or(|(b, _)| sse < *b) {
                        best = Some((sse, fitted));
                    }
                }
            }
        }
    }
    // The grids are never empty.
    best.unwrap_or_else(|| unreachable!("at least one weight combination"))
}

struct Start {
    level: f64,
    trend: f64,
    seasons: [f64; SEASON],
}

/// The trend from the full years' means (least squares over them), the level on that line
/// just before the first month, the seasons as the years' mean deviation from the line. An
/// exact line or an exact seasonal pattern is reproduced without error from the first month on.
fn initial_state(values: &[f64], seasonal: bool) -> Start {
    if seasonal {
        let years = values.len() / SEASON;
        let means: Vec<f64> = (0..years)
            .map(|y| values[y * SEASON..(y + 1) * SEASON].iter().sum::<f64>() / SEASON as f64)
            .collect();
        let centre_year = (years as f64 - 1.0) / 2.0;
        let grand = means.iter().sum::<f64>() / years as f64;
        let spread: f64 = (0..years).map(|y| (y as f64 - centre_year).powi(2)).sum();
        let slope: f64 = means
            .iter()
            .enumerate()
            .map(|(y, m)| (y as f64 - centre_year) * (m - grand))
            .sum::<f64>()
            / spread;
        let trend = slope / SEASON as f64;
        // The years' mean sits at the middle month of the years used.
        let centre = (years * SEASON) as f64 / 2.0 - 0.5;
        let line = |t: usize| grand + trend * (t as f64 - centre);
        let mut seasons = [0.0; SEASON];
        for (i, season) in seasons.iter_mut().enumerate() {
            *season = (0..years)
                .map(|y| values[i + y * SEASON] - line(i + y * SEASON))
                .sum::<f64>()
                / years as f64;
        }
        Start {
            level: line(0) - trend,
            trend,
            seasons,
        }
    } else {
        let span = values.len().min(MIN_OBSERVATIONS);
        let trend = (values[span - 1] - values[0]) / (span - 1) as f64;
        Start {
            level: values[0] - trend,
            trend,
            seasons: [0.0; SEASON],
        }
    }
}

fn run(values: &[f64], w: Weights, start: &Start, seasonal: bool, burn: usize) -> Fitted {
    let (mut level, mut trend, mut seasons) = (start.level, start.trend, start.seasons);
    let mut residuals = Vec::with_capacity(values.len());
    for (t, &y) in values.iter().enumerate() {
        let season = if seasonal { seasons[t % SEASON] } else { 0.0 };
        let error = y - (level + w.phi * trend + season);
        let new_level = level + w.phi * trend + w.alpha * error;
        trend = w.phi * trend + w.beta * error;
        if seasonal {
            seasons[t % SEASON] = season + w.gamma * error;
        }
        level = new_level;
        residuals.push(error);
    }
    Fitted {
        alpha: w.alpha,
        beta: w.beta,
        gamma: w.gamma,
        phi: w.phi,
        seasonal,
        level,
        trend,
        seasons,
        next: values.len(),
        residuals,
        usable: burn.min(values.len()),
    }
}

impl Fitted {
    /// The errors paths are drawn from (after the start-up).
    pub fn usable_residuals(&self) -> &[f64] {
        &self.residuals[self.usable..]
    }

    /// Walks the model `errors.len()` months ahead, feeding each month's error into the state
    /// as the model says it propagates; writes the simulated values into `out`.
    pub fn simulate(&self, errors: &[f64], out: &mut [f64]) {
        let (mut level, mut trend, mut seasons) = (self.level, self.trend, self.seasons);
        for (h, (&error, slot)) in errors.iter().zip(out.iter_mut()).enumerate() {
            let t = self.next + h;
            let season = if self.seasonal {
                seasons[t % SEASON]
            } else {
                0.0
            };
            *slot = level + self.phi * trend + season + error;
            let new_level = level + self.phi * trend + self.alpha * error;
            trend = self.phi * trend + self.beta * error;
            if self.seasonal {
                seasons[t % SEASON] = season + self.gamma * error;
            }
            level = new_level;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_line_is_fitted_without_error_and_continued() {
        // y_t = 100 + 5 t: the next three months are 100 + 5·30 = 250, 255, 260.
        let values: Vec<f64> = (0..30).map(|t| 100.0 + 5.0 * t as f64).collect();
        let fitted = fit(&values, false).expect("30 months fit");
        assert!(fitted.usable_residuals().iter().all(|e| e.abs() < 1e-9));
        let mut out = [0.0; 3];
        fitted.simulate(&[0.0; 3], &mut out);
        for (got, want) in out.iter().zip([250.0, 255.0, 260.0]) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
    }

    #[test]
    fn an_exact_season_is_repeated() {
        // A pattern of twelve months repeated three times: month 37 is the pattern's 1st again.
        let pattern = [
            5.0, 3.0, 8.0, 9.0, 10.0, 12.0, 15.0, 14.0, 11.0, 9.0, 8.0, 20.0,
        ];
        let values: Vec<f64> = (0..36).map(|t| pattern[t % 12]).collect();
        let fitted = fit(&values, false).expect("36 months fit");
        let mut out = [0.0; 12];
        fitted.simulate(&[0.0; 12], &mut out);
        for (got, want) in out.iter().zip(pattern) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
    }

    #[test]
    fn too_short_or_broken_series_are_not_fitted() {
        assert!(fit(&[1.0, 2.0, 3.0], false).is_none());
        assert!(fit(&[1.0, 2.0, f64::NAN, 3.0, 4.0], false).is_none());
        // Four months: a trend without seasons; 1, 2, 3, 4 continues with 5.
        let fitted = fit(&[1.0, 2.0, 3.0, 4.0], true).expect("four months fit");
        let mut out = [0.0; 1];
        fitted.simulate(&[0.0], &mut out);
        assert!((out[0] - 5.0).abs() < 1e-9);
    }
}
