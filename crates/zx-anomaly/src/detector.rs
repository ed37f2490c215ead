//! The detector: trajectory memories (prototypes) at three time scales that say how new the recent
//! shape is, a per-signal surprise that turns that novelty into a score, a contextual detector
//! beside them (bursts of never-seen level sequences), fault rules for a stuck sensor and an
//! excursion, and a hold-off after each alarm so that one event raises one alarm.

use crate::context::Context;
use crate::surprise::Surprise;

/// Lengths of the trajectory's segments, newest first, at time scale 1: the feature vector is the
/// mean of each segment, so it sees the last value sharply and older rows more coarsely.
const SEGMENTS: [usize; 6] = [1, 1, 2, 4, 8, 16];
/// Time scales of the channels (segment lengths multiplied by these).
const SCALES: [usize; 3] = [1, 4, 16];
/// Rows of raw history kept: a power of two above the longest channel's span (32 × 16 rows).
const HISTORY: usize = 1024;
/// Segment sums are recomputed from the history this often, so rounding cannot build up.
const RESUM_EVERY: u64 = 1024;
/// Trajectory segments plus one dimension for the deviation from the daily rhythm.
const DIM: usize = SEGMENTS.len() + 1;
/// Phases of the day the rhythm is learned in (half hours).
const PHASES: usize = 48;

/// The one configuration used for every signal (NAB: one configuration for all 58 files).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Rows learned before any score above zero.
    pub warmup: usize,
    /// Distance (in units of the signal's range) within which a shape matches a prototype.
    pub vigilance: f64,
    /// Prototypes kept per channel (bounded memory).
    pub prototypes: usize,
    /// Rows after which an old novelty weighs 1/e of a new one in the surprise histogram.
    pub memory: f64,
    /// Levels the contextual detector quantises the range seen so far into.
    pub levels: f64,
    /// Weight of the contextual novelty in the score (0: not used); above 1 so that a run of
    /// wholly new contexts reaches the top score while a single new row does not.
    pub context: f64,
    /// Rate of the running mean of contextual novelty.
    pub context_rate: f64,
    /// Score at or above which a row counts as an alarm for the hold-off.
    pub fire: f64,
    /// Rows after an alarm during which scores are damped (one event, one alarm).
    pub hold: usize,
    /// Weight of the deviation from the daily rhythm in the shape (0: ignore the time of day).
    pub rhythm: f64,
    /// Learning rate of the daily rhythm, per visit of a phase.
    pub rhythm_rate: f64,
    /// Channels used, finest time scale first (1 to 3).
    pub channels: usize,
    /// A run of identical readings this many times longer than any run before (and at least
    /// `stuck_min` rows) is a stuck sensor (0: no such rule).
    pub stuck_factor: f64,
    /// The shortest run of identical readings called stuck.
    pub stuck_min: u32,
    /// A reading this far (in units of the range) beyond the range of the rows before the last
    /// `lag` rows is an excursion, the mark of a drifting analyser (0: no such rule).
    pub excursion: f64,
    /// Rows by which that envelope lags the newest row (at most 1,000).
    pub lag: u64,
    /// Rows the envelope must span before the excursion rule speaks.
    pub envelope_rows: u64,
    /// Score given to a row where a stuck sensor or an excursion is first seen.
    pub fault_score: f64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            warmup: 150,
            vigilance: 0.14,
            prototypes: 48,
            memory: 1000.0,
            levels: 32.0,
            context: 1.2,
            context_rate: 0.5,
            fire: 0.995,
            hold: 200,
            rhythm: 0.5,
            rhythm_rate: 0.1,
            channels: 3,
            stuck_factor: 2.0,
            stuck_min: 12,
            excursion: 0.04,
            lag: 220,
            envelope_rows: 20,
            fault_score: 0.999,
        }
    }
}

/// Which explicit fault rule a row tripped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A run of identical readings far longer than any before: a stuck sensor.
    Stuck,
    /// A reading well outside the range the signal kept until some hours ago: a drifting
    /// analyser, or a real change of level.
    Excursion,
}

#[derive(Debug, Clone)]
struct Prototype {
    centre: [f64; DIM],
    count: f64,
    /// How much it is worth keeping: ln(1 + count) + last use / 1000 (the least is replaced, so
    /// rarely and long unused shapes go first); kept up to date so replacing costs no logarithms.
    keep: f64,
}

impl Prototype {
    fn new(centre: [f64; DIM], now: u64) -> Self {
        Self {
            centre,
            count: 1.0,
            keep: std::f64::consts::LN_2 + now as f64 / 1000.0,
        }
    }
}

/// One time scale: its prototypes and the surprise of its novelties.
#[derive(Debug, Clone)]
struct Channel {
    prototypes: Vec<Prototype>,
    surprise: Surprise,
}

impl Channel {
    /// Distance to the nearest prototype (max-norm); moves it towards the shape when it matches,
    /// otherwise stores the shape as a new prototype (replacing the least used one when full).
    fn match_and_learn(&mut self, f: &[f64; DIM], config: &Config, now: u64) -> f64 {
        let mut best = f64::INFINITY;
        let mut best_i = usize::MAX;
        'prototypes: for (i, p) in self.prototypes.iter().enumerate() {
            let mut d: f64 = 0.0;
            for (c, x) in p.centre.iter().zip(f) {
                d = d.max((c - x).abs());
                if d >= best {
                    continue 'prototypes;
                }
            }
            best = d;
            best_i = i;
        }
        if best <= config.vigilance && best_i != usize::MAX {
            let p = &mut self.prototypes[best_i];
            p.count += 1.0;
            let rate = 1.0 / p.count.min(50.0);
            for (c, x) in p.centre.iter_mut().zip(f) {
                *c += (x - *c) * rate;
            }
            p.keep = p.count.ln_1p() + now as f64 / 1000.0;
        } else {
            let fresh = Prototype::new(*f, now);
            if self.prototypes.len() < config.prototypes.max(1) {
                self.prototypes.push(fresh);
            } else if let Some(victim) = self
                .prototypes
                .iter_mut()
                .min_by(|a, b| a.keep.total_cmp(&b.keep))
            {
                *victim = fresh;
            }
        }
        if best.is_finite() { best } else { 0.0 }
    }
}

/// The streaming detector of one signal. Its memory is fixed at construction.
#[derive(Debug, Clone)]
pub struct Detector {
    config: Config,
    seen: u64,
    ring: [f64; HISTORY],
    /// The first value: it stands in for rows before the stream began.
    first: f64,
    /// Running sum of each channel's segments over the rows they cover so far.
    sums: [[f64; SEGMENTS.len()]; SCALES.len()],
    min: f64,
    max: f64,
    channels: Vec<Channel>,
    hold_left: usize,
    context: Context,
    /// Running mean of the contextual novelty (a burst of new contexts, not a single one).
    ctx_avg: f64,
    /// The current run of identical readings and the longest one before it.
    run: u32,
    longest_run: u32,
    /// Range of the rows up to `lag` rows ago (the settled envelope an excursion leaves).
    lagged_min: f64,
    lagged_max: f64,
    /// Whether the current stuck run / excursion has already been reported.
    stuck_reported: bool,
    excursion_reported: bool,
    /// Faults (stuck runs and excursions) reported so far.
    faults: u64,
    /// The fault the newest row raised, if any.
    last_fault: Option<Fault>,
    /// Whether the newest row lay beyond the range kept until `lag` rows ago.
    outside: bool,
    /// Typical value at each phase of the day and how many visits taught it.
    profile: [f64; PHASES],
    visits: [u32; PHASES],
}

impl Detector {
    pub fn new(config: Config) -> Self {
        let channels = SCALES
            .iter()
            .take(config.channels.clamp(1, SCALES.len()))
            .map(|_| Channel {
                prototypes: Vec::with_capacity(config.prototypes.max(1)),
                surprise: Surprise::new(config.memory),
            })
            .collect();
        let context = Context::new(config.levels);
        Self {
            config,
            seen: 0,
            ring: [0.0; HISTORY],
            first: 0.0,
            sums: [[0.0; SEGMENTS.len()]; SCALES.len()],
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            channels,
            hold_left: 0,
            context,
            ctx_avg: 0.0,
            run: 0,
            longest_run: 0,
            lagged_min: f64::INFINITY,
            lagged_max: f64::NEG_INFINITY,
            stuck_reported: false,
            excursion_reported: false,
            faults: 0,
            last_fault: None,
            outside: false,
            profile: [0.0; PHASES],
            visits: [0; PHASES],
        }
    }

    /// Rows seen so far.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// Faults (a stuck sensor, an excursion) reported so far, one per fault.
    pub fn faults(&self) -> u64 {
        self.faults
    }

    /// The fault rule the newest row tripped (once per fault, like the score's fault mark).
    pub fn last_fault(&self) -> Option<Fault> {
        self.last_fault
    }

    /// Whether the newest reading lay beyond the range the signal kept until `lag` rows ago
    /// (widened by each reported excursion): a level still moving away stays outside.
    pub fn outside(&self) -> bool {
        self.outside
    }

    /// Bytes of state this detector holds (fixed once the prototype stores are full).
    pub fn state_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self
                .channels
                .iter()
                .map(|c| {
                    std::mem::size_of::<Channel>()
                        + c.prototypes.capacity() * std::mem::size_of::<Prototype>()
                })
                .sum::<usize>()
            + self.context.bytes()
    }

    /// Scores the row at `timestamp` (seconds) with `value`, then learns it. A value that is not
    /// finite scores 0 and is not learned (a gap, not a reading).
    pub fn observe(&mut self, timestamp: i64, value: f64) -> f64 {
        if !value.is_finite() {
            return 0.0;
        }
        let slot = (self.seen as usize) & (HISTORY - 1);
        self.ring[slot] = value;
        if self.seen == 0 {
            self.first = value;
        }
        self.seen += 1;
        self.slide_sums();
        let (lo, hi) = if self.min.is_finite() {
            (self.min, self.max)
        } else {
            (value, value)
        };
        let range = (hi - lo).max(1e-9 * (1.0 + hi.abs().max(lo.abs())));
        let rhythm = self.rhythm_deviation(timestamp, value, range);
        self.min = self.min.min(value);
        self.max = self.max.max(value);

        let mut score: f64 = 0.0;
        for c in 0..self.channels.len() {
            let mut feature = self.feature(c, lo, range);
            feature[DIM - 1] = rhythm;
            let channel = &mut self.channels[c];
            let novelty =
                channel.match_and_learn(&feature, &self.config, self.seen) / self.config.vigilance;
            let s = channel.surprise.score_and_learn(novelty);
            score = score.max(s);
        }
        if self.config.context > 0.0 {
            let n = self.context.novelty_and_learn(value, lo, range);
            self.ctx_avg += self.config.context_rate * (n - self.ctx_avg);
            score = score.max(self.config.context * self.ctx_avg);
        }
        let fault = self.fault(value);
        if (self.seen as usize) <= self.config.warmup {
            return 0.0;
        }
        if self.hold_left > 0 {
            self.hold_left -= 1;
            score *= 0.5;
        } else if score >= self.config.fire {
            self.hold_left = self.config.hold;
        }
        if fault {
            // A fault rule reports once per fault, so it is not held off by a shape alarm.
            score = score.max(self.config.fault_score);
            self.hold_left = self.config.hold;
        }
        score.clamp(0.0, 1.0)
    }

    /// The explicit fault rules, beside the learned shapes: a stuck sensor (a run of identical
    /// readings far longer than any before) and an excursion (a reading well outside the range
    /// the signal kept until a day ago, as a drifting analyser produces). True on the first row
    /// of each; the rules re-arm when the run ends or the reading returns within the range.
    fn fault(&mut self, value: f64) -> bool {
        let mut fault = false;
        self.last_fault = None;
        if self.seen >= 2 && self.back(1) == value {
            self.run += 1;
        } else {
            self.longest_run = self.longest_run.max(self.run);
            self.run = 0;
            self.stuck_reported = false;
        }
        if self.config.stuck_factor > 0.0
            && !self.stuck_reported
            && self.run >= self.config.stuck_min
            && f64::from(self.run) > self.config.stuck_factor * f64::from(self.longest_run.max(1))
        {
            self.stuck_reported = true;
            fault = true;
            self.last_fault = Some(Fault::Stuck);
        }
        let lag = self.config.lag.clamp(1, HISTORY as u64 - 1);
        if self.seen > lag {
            let old = self.row(self.seen - 1 - lag);
            self.lagged_min = self.lagged_min.min(old);
            self.lagged_max = self.lagged_max.max(old);
            let range = self.lagged_max - self.lagged_min;
            let beyond = (value - self.lagged_max).max(self.lagged_min - value);
            self.outside = beyond > 0.0 && range > 0.0;
            if beyond <= 0.0 {
                self.excursion_reported = false;
            } else if self.config.excursion > 0.0
                && range > 0.0
                && self.seen > lag + self.config.envelope_rows
                && !self.excursion_reported
                && beyond > self.config.excursion * range
            {
                self.excursion_reported = true;
                fault = true;
                self.last_fault = self.last_fault.or(Some(Fault::Excursion));
                // The envelope takes the reported reading in: hovering at the new level is the
                // same fault, only a reading further out is a new one.
                self.lagged_min = self.lagged_min.min(value);
                self.lagged_max = self.lagged_max.max(value);
            }
        }
        self.faults += u64::from(fault);
        fault
    }

    /// How far the last four rows sit from what this phase of the day usually shows (scaled by
    /// the range and the rhythm's weight; 0 until the phase has been seen twice), then learns it.
    fn rhythm_deviation(&mut self, timestamp: i64, value: f64, range: f64) -> f64 {
        let phase = (timestamp.rem_euclid(86_400) / (86_400 / PHASES as i64)) as usize % PHASES;
        let mut deviation = 0.0;
        if self.visits[phase] >= 2 && self.seen >= 4 {
            let recent = (0..4).map(|back| self.back(back)).sum::<f64>() / 4.0;
            deviation = self.config.rhythm * (recent - self.profile[phase]) / range;
        }
        if self.visits[phase] == 0 {
            self.profile[phase] = value;
        } else {
            self.profile[phase] += self.config.rhythm_rate * (value - self.profile[phase]);
        }
        self.visits[phase] = self.visits[phase].saturating_add(1);
        deviation
    }

    /// The value `back` rows before the newest (the oldest kept one when the stream is shorter).
    fn back(&self, back: u64) -> f64 {
        let newest = self.seen - 1;
        let at = newest - back.min(newest).min(HISTORY as u64 - 1);
        self.ring[(at as usize) & (HISTORY - 1)]
    }

    /// The value of row `row` (which must be within the history).
    fn row(&self, row: u64) -> f64 {
        self.ring[(row as usize) & (HISTORY - 1)]
    }

    /// Moves every segment window one row on (the newest row has just been stored): each sum
    /// gains the row entering its window and loses the one leaving it; exact resum now and then.
    fn slide_sums(&mut self) {
        let newest = self.seen - 1;
        let resum = newest.is_multiple_of(RESUM_EVERY);
        for (c, scale) in SCALES.iter().enumerate() {
            let mut start = 0u64;
            for (k, len) in SEGMENTS.iter().enumerate() {
                let len = (len * scale) as u64;
                if resum {
                    let from = newest.saturating_sub(start + len - 1);
                    let to = newest.checked_sub(start);
                    self.sums[c][k] = match to {
                        Some(to) => (from..=to).map(|r| self.row(r)).sum(),
                        None => 0.0,
                    };
                } else {
                    if newest >= start {
                        self.sums[c][k] += self.row(newest - start);
                    }
                    if newest >= start + len {
                        self.sums[c][k] -= self.row(newest - start - len);
                    }
                }
                start += len;
            }
        }
    }

    /// Segment means of the recent history at a channel's time scale, scaled to the range seen
    /// before this row (rows before the stream began count as its first value).
    fn feature(&self, channel: usize, lo: f64, range: f64) -> [f64; DIM] {
        let mut f = [0.0; DIM];
        let mut start = 0u64;
        let scale = SCALES[channel];
        for (k, len) in SEGMENTS.iter().enumerate() {
            let len = (len * scale) as u64;
            let present = self.seen.saturating_sub(start).min(len);
            let sum = self.sums[channel][k] + (len - present) as f64 * self.first;
            f[k] = (sum / len as f64 - lo) / range;
            start += len;
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hovering_at_a_reported_excursion_is_the_same_fault() {
        let config = Config {
            lag: 4,
            envelope_rows: 0,
            excursion: 0.1,
            stuck_factor: 0.0,
            ..Config::default()
        };
        let mut d = Detector::new(config);
        // Rows 0..7 alternate 0 and 10. Row 8 sees rows 0..4 as its envelope: 0..10, range 10.
        // 12 is 2 beyond it, more than 0.1 × 10: fault 1, and the envelope widens to 0..12.
        // Row 9 (10) is back within; row 10 (12) is not beyond 0..12: no new fault (without the
        // widening its envelope, rows 0..6, would still end at 10 and 12 would fault again).
        // Row 11 (13.5) is 1.5 beyond 0..12, more than 0.1 × 12 = 1.2: fault 2.
        let rows = [
            0.0, 10.0, 0.0, 10.0, 0.0, 10.0, 0.0, 10.0, 12.0, 10.0, 12.0, 13.5,
        ];
        let mut faults = Vec::new();
        for (i, v) in rows.iter().enumerate() {
            d.observe(i as i64 * 300, *v);
            faults.push(d.faults());
        }
        assert_eq!(faults, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2]);
    }
}
