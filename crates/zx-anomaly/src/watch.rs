//! From scores to alarms: a [`Watch`] runs one [`Detector`] on a live signal and says when an
//! anomaly starts and when it is over, so that one event makes one alarm, not one per row.
//!
//! NAB rewards a detector that marks the start of each labelled window early and forgives a few
//! false rows; an operator paged in the night forgives none. So the watch is stricter than the
//! benchmark's threshold alone:
//! - nothing about shapes or levels is said before the signal has shown a whole day
//!   (`learn_rows`): its daily rhythm and its range are not known before;
//! - a stuck sensor (the detector's stuck rule) speaks as soon as the detector's own warm-up is
//!   over, since a run of identical readings needs no rhythm to be wrong;
//! - a drifting analyser is an excursion beyond the old range confirmed by another within
//!   `excursion_rows` rows or by `persist` of the last `window` readings lying beyond that range
//!   (one excursion is a rare reading; a level that keeps moving away is a drift);
//! - a changed pattern is `persist` rows of the last `window` scoring at or above `threshold`
//!   (an isolated rare row is noise).
//!
//! An open anomaly is closed when a stuck sensor reads another value, or after `quiet_rows` rows
//! without any sign; while it is open, further signs extend it and raise nothing.

use crate::detector::{Config, Detector, Fault};

/// What the watch saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// The same reading, far longer than the signal ever repeated itself.
    Stuck,
    /// Readings moving out of the signal's range and on: an analyser drifting, or a process
    /// changing level.
    Drift,
    /// A stretch of readings unlike anything the signal has done (shape, rhythm, sequence).
    Pattern,
}

impl Finding {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Stuck => "stuck",
            Finding::Drift => "drift",
            Finding::Pattern => "pattern",
        }
    }
}

/// A change of a watched signal's state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WatchEvent {
    /// An anomaly started at the row just observed; `score` is that row's score.
    Raise { finding: Finding, score: f64 },
    /// The open anomaly is over at the row just observed.
    Clear,
}

/// The alarm policy over the detector's scores (see the module's documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct WatchConfig {
    /// The detector's configuration: NAB's, without the hold-off after an alarm (the watch's
    /// persistence rule needs every row's own score).
    pub detector: Config,
    /// Score at or above which a row counts as anomalous: NAB's standard profile's threshold.
    pub threshold: f64,
    /// Rows before shapes and levels may raise anything (a day of minutes).
    pub learn_rows: u64,
    /// Rows looked back for the persistence rule (at most 64).
    pub window: u32,
    /// Anomalous rows among the last `window` that make a changed pattern.
    pub persist: u32,
    /// Two excursions at most this many rows apart make a drift.
    pub excursion_rows: u64,
    /// Rows without any sign after which an open drift or pattern is over.
    pub quiet_rows: u64,
}

impl Default for WatchConfig {
    fn default() -> Self {
        Self {
            detector: Config {
                hold: 0,
                ..Config::default()
            },
            threshold: 0.995_551,
            learn_rows: 1440,
            window: 30,
            persist: 10,
            excursion_rows: 240,
            quiet_rows: 240,
        }
    }
}

/// One live signal's detector and the state of its alarm.
#[derive(Debug, Clone)]
pub struct Watch {
    config: WatchConfig,
    detector: Detector,
    /// Bit i set: the row i rows back scored at or above the threshold.
    recent: u64,
    /// Bit i set: the row i rows back lay beyond the signal's older range.
    outside: u64,
    last_excursion: Option<u64>,
    last_value: f64,
    open: Option<Finding>,
    quiet: u64,
}

impl Watch {
    pub fn new(config: WatchConfig) -> Self {
        let detector = Detector::new(config.detector.clone());
        Self {
            config,
            detector,
            recent: 0,
            outside: 0,
            last_excursion: None,
            last_value: f64::NAN,
            open: None,
            quiet: 0,
        }
    }

    /// The anomaly open now, if any.
    pub fn open(&self) -> Option<Finding> {
        self.open
    }

    /// Rows learned so far.
    pub fn seen(&self) -> u64 {
        self.detector.seen()
    }

    /// Bytes of state (bounded: the detector's plus a few words).
    pub fn state_bytes(&self) -> usize {
        self.detector.state_bytes() + std::mem::size_of::<Self>() - std::mem::size_of::<Detector>()
    }

    /// Scores and learns the row at `timestamp` (seconds), answering with the row's score and
    /// the change of state it makes, if any. A value that is not finite is a gap: ignored.
    pub fn observe(&mut self, timestamp: i64, value: f64) -> (f64, Option<WatchEvent>) {
        if !value.is_finite() {
            return (0.0, None);
        }
        let score = self.detector.observe(timestamp, value);
        let row = self.detector.seen();
        let window = self.config.window.clamp(1, 64);
        let mask = if window == 64 {
            u64::MAX
        } else {
            (1u64 << window) - 1
        };
        self.recent = ((self.recent << 1) | u64::from(score >= self.config.threshold)) & mask;
        self.outside = ((self.outside << 1) | u64::from(self.detector.outside())) & mask;
        let learned = row > self.config.learn_rows;
        let mut sign = None;
        match self.detector.last_fault() {
            Some(Fault::Stuck) if row > self.config.detector.warmup as u64 => {
                sign = Some(Finding::Stuck);
            }
            Some(Fault::Excursion) => {
                if learned
                    && self
                        .last_excursion
                        .is_some_and(|before| row - before <= self.config.excursion_rows)
                {
                    sign = Some(Finding::Drift);
                }
                self.last_excursion = Some(row);
            }
            _ => {}
        }
        let excursion_lately = self
            .last_excursion
            .is_some_and(|at| row - at <= u64::from(window));
        if sign.is_none()
            && learned
            && excursion_lately
            && self.outside.count_ones() >= self.config.persist
        {
            sign = Some(Finding::Drift);
        }
        if sign.is_none() && learned && self.recent.count_ones() >= self.config.persist {
            sign = Some(Finding::Pattern);
        }
        let still_stuck = value == self.last_value;
        self.last_value = value;
        let event = match (self.open, sign) {
            (None, Some(finding)) => {
                self.open = Some(finding);
                self.quiet = 0;
                Some(WatchEvent::Raise { finding, score })
            }
            (None, None) => None,
            (Some(_), Some(_)) => {
                self.quiet = 0;
                None
            }
            (Some(Finding::Stuck), None) => {
                if still_stuck {
                    None
                } else {
                    self.open = None;
                    Some(WatchEvent::Clear)
                }
            }
            (Some(_), None) => {
                self.quiet += 1;
                if self.quiet >= self.config.quiet_rows {
                    self.open = None;
                    Some(WatchEvent::Clear)
                } else {
                    None
                }
            }
        };
        (score, event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A noisy daily signal: 100 + 10·sin(day) + a fixed pseudo-random wiggle of ±3.
    fn normal(row: u64) -> f64 {
        let day = (row % 1440) as f64 / 1440.0 * std::f64::consts::TAU;
        let wiggle = ((row.wrapping_mul(2_654_435_761) >> 7) % 600) as f64 / 100.0 - 3.0;
        100.0 + 10.0 * day.sin() + wiggle
    }

    fn run(values: impl Iterator<Item = (u64, f64)>) -> Vec<(u64, WatchEvent)> {
        let mut watch = Watch::new(WatchConfig::default());
        let mut events = Vec::new();
        for (row, value) in values {
            if let (_, Some(event)) = watch.observe(row as i64 * 60, value) {
                events.push((row, event));
            }
        }
        events
    }

    #[test]
    fn a_stuck_reading_raises_once_and_clears_when_it_moves() {
        // Rows 2000..2040 repeat row 2000's value: the detector's rule needs a run of 12 repeats
        // (and twice any run before, which the wiggle keeps at 1 or 2), so row 2012 raises;
        // row 2040 reads another value and clears.
        let events = run((0..2400).map(|row| {
            let value = if (2000..2040).contains(&row) {
                normal(2000)
            } else {
                normal(row)
            };
            (row, value)
        }));
        let stuck: Vec<_> = events
            .iter()
            .filter(|(row, _)| (1990..2100).contains(row))
            .collect();
        assert!(matches!(
            stuck.first(),
            Some((
                2012,
                WatchEvent::Raise {
                    finding: Finding::Stuck,
                    ..
                }
            ))
        ));
        assert!(matches!(stuck.get(1), Some((2040, WatchEvent::Clear))));
    }

    #[test]
    fn nothing_is_raised_on_shapes_or_levels_during_the_first_day() {
        // A jump of 50 (five times the rhythm's amplitude) at row 700, inside the learning day:
        // no drift and no pattern may be raised before row 1441.
        let events = run((0..1440).map(|row| {
            let jump = if row >= 700 { 50.0 } else { 0.0 };
            (row, normal(row) + jump)
        }));
        assert!(
            events.iter().all(|(_, e)| !matches!(
                e,
                WatchEvent::Raise {
                    finding: Finding::Drift | Finding::Pattern,
                    ..
                }
            )),
            "{events:?}"
        );
    }

    #[test]
    fn a_drift_after_the_first_day_is_one_alarm() {
        // From row 3000 the reading drifts up by 0.2 per row (60 after 300 rows: far beyond the
        // range of ±13 it kept for two days). One raise, of a drift or a pattern, and no second
        // raise while it keeps drifting.
        let events = run((0..3600).map(|row| {
            let drift = if row >= 3000 {
                0.2 * (row - 3000) as f64
            } else {
                0.0
            };
            (row, normal(row) + drift)
        }));
        let raises: Vec<_> = events
            .iter()
            .filter(|(row, e)| *row >= 3000 && matches!(e, WatchEvent::Raise { .. }))
            .collect();
        assert_eq!(raises.len(), 1, "{events:?}");
        assert!(raises[0].0 < 3300, "{events:?}");
    }

    #[test]
    fn gaps_are_ignored() {
        let mut watch = Watch::new(WatchConfig::default());
        assert_eq!(watch.observe(0, f64::NAN), (0.0, None));
        assert_eq!(watch.seen(), 0);
    }
}
