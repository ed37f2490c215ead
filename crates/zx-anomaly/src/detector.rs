//! The detector: trajectory memories (prototypes) at two time scales that say how new the recent
//! shape is, a per-signal surprise that turns that novelty into a score, and a hold-off after each
//! alarm so that one event raises one alarm.

use crate::surprise::Surprise;

/// Lengths of the trajectory's segments, newest first, at time scale 1: the feature vector is the
/// mean of each segment, so it sees the last value sharply and older rows more coarsely.
const SEGMENTS: [usize; 6] = [1, 1, 2, 4, 8, 16];
/// Time scales of the channels (segment lengths multiplied by these).
const SCALES: [usize; 2] = [1, 4];
/// Rows of raw history kept: the longest channel's span.
const HISTORY: usize = 32 * 4;
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
    /// Score at or above which a row counts as an alarm for the hold-off.
    pub fire: f64,
    /// Rows after an alarm during which scores are damped (one event, one alarm).
    pub hold: usize,
    /// Weight of the deviation from the daily rhythm in the shape (0: ignore the time of day).
    pub rhythm: f64,
    /// Learning rate of the daily rhythm, per visit of a phase.
    pub rhythm_rate: f64,
    /// Channels used (1: the fine time scale only; 2: also the coarse one).
    pub channels: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            warmup: 150,
            vigilance: 0.13,
            prototypes: 32,
            memory: 1000.0,
            fire: 0.995,
            hold: 150,
            rhythm: 0.5,
            rhythm_rate: 0.1,
            channels: 2,
        }
    }
}

#[derive(Debug, Clone)]
struct Prototype {
    centre: [f64; DIM],
    count: f64,
    last_used: u64,
}

/// One time scale: its prototypes and the surprise of its novelties.
#[derive(Debug, Clone)]
struct Channel {
    scale: usize,
    prototypes: Vec<Prototype>,
    surprise: Surprise,
}

impl Channel {
    /// Distance to the nearest prototype (max-norm); moves it towards the shape when it matches,
    /// otherwise stores the shape as a new prototype (replacing the least used one when full).
    fn match_and_learn(&mut self, f: &[f64; DIM], config: &Config, now: u64) -> f64 {
        let mut best = f64::INFINITY;
        let mut best_i = usize::MAX;
        for (i, p) in self.prototypes.iter().enumerate() {
            let d = p
                .centre
                .iter()
                .zip(f)
                .fold(0.0_f64, |d, (c, x)| d.max((c - x).abs()));
            if d < best {
                best = d;
                best_i = i;
            }
        }
        if best <= config.vigilance && best_i != usize::MAX {
            let p = &mut self.prototypes[best_i];
            p.count += 1.0;
            let rate = 1.0 / p.count.min(50.0);
            for (c, x) in p.centre.iter_mut().zip(f) {
                *c += (x - *c) * rate;
            }
            p.last_used = now;
        } else {
            let fresh = Prototype {
                centre: *f,
                count: 1.0,
                last_used: now,
            };
            if self.prototypes.len() < config.prototypes.max(1) {
                self.prototypes.push(fresh);
            } else if let Some(victim) = self.prototypes.iter_mut().min_by(|a, b| {
                let wa = a.count.ln_1p() - (now - a.last_used) as f64 / 1000.0;
                let wb = b.count.ln_1p() - (now - b.last_used) as f64 / 1000.0;
                wa.total_cmp(&wb)
            }) {
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
    min: f64,
    max: f64,
    channels: Vec<Channel>,
    hold_left: usize,
    /// Typical value at each phase of the day and how many visits taught it.
    profile: [f64; PHASES],
    visits: [u32; PHASES],
}

impl Detector {
    pub fn new(config: Config) -> Self {
        let channels = SCALES
            .iter()
            .take(config.channels.clamp(1, SCALES.len()))
            .map(|&scale| Channel {
                scale,
                prototypes: Vec::with_capacity(config.prototypes.max(1)),
                surprise: Surprise::new(config.memory),
            })
            .collect();
        Self {
            config,
            seen: 0,
            ring: [0.0; HISTORY],
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            channels,
            hold_left: 0,
            profile: [0.0; PHASES],
            visits: [0; PHASES],
        }
    }

    /// Rows seen so far.
    pub fn seen(&self) -> u64 {
        self.seen
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
    }

    /// Scores the row at `timestamp` (seconds) with `value`, then learns it. A value that is not
    /// finite scores 0 and is not learned (a gap, not a reading).
    pub fn observe(&mut self, timestamp: i64, value: f64) -> f64 {
        if !value.is_finite() {
            return 0.0;
        }
        let slot = (self.seen % HISTORY as u64) as usize;
        self.ring[slot] = value;
        self.seen += 1;
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
            let mut feature = self.feature(self.channels[c].scale, lo, range);
            feature[DIM - 1] = rhythm;
            let channel = &mut self.channels[c];
            let novelty =
                channel.match_and_learn(&feature, &self.config, self.seen) / self.config.vigilance;
            score = score.max(channel.surprise.score_and_learn(novelty));
        }
        if (self.seen as usize) <= self.config.warmup {
            return 0.0;
        }
        if self.hold_left > 0 {
            self.hold_left -= 1;
            score *= 0.5;
        } else if score >= self.config.fire {
            self.hold_left = self.config.hold;
        }
        score.clamp(0.0, 1.0)
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
        self.ring[(at % HISTORY as u64) as usize]
    }

    /// Segment means of the recent history at a time scale, scaled to the range seen before.
    fn feature(&self, scale: usize, lo: f64, range: f64) -> [f64; DIM] {
        let mut f = [0.0; DIM];
        let mut back = 0u64;
        for (k, len) in SEGMENTS.iter().enumerate() {
            let len = len * scale;
            let mut sum = 0.0;
            for _ in 0..len {
                sum += self.back(back);
                back += 1;
            }
            f[k] = (sum / len as f64 - lo) / range;
        }
        f
    }
}
