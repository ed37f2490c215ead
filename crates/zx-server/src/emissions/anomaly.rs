//! The anomaly detector on every stack's factors: one `zx_anomaly::Watch` per stack and factor,
//! fed the valid minutes as they are stored, its findings turned into `anomaly` alarms that go
//! through the same task as the rule alarms (recorded, sent, acknowledged, cleared).
//!
//! Only readings flagged `N` are learned: maintenance, calibration and fault minutes are not the
//! process (a calibration gas would read as an anomaly every time), and `S` (a set value) is
//! constant by design. Times are China wall-clock minutes, so the daily rhythm the detector
//! learns is the plant's own day.

use std::collections::HashMap;

use rust_decimal::prelude::ToPrimitive;
use zx_anomaly::{Finding, Watch, WatchConfig, WatchEvent};
use zx_domain::cems::alarms::AlarmEvent;
use zx_domain::cems::alarms::anomaly::{self, AnomalyFinding};
use zx_domain::cems::{Flag, MinuteReading};

use super::StackEntry;

/// Days of stored minutes (today and the days before) a stack's watches learn from when the
/// server starts: a whole day must have been seen before shapes and levels raise anything
/// (`WatchConfig::learn_rows`), so a restart late in the day still speaks on the next one.
pub const REPLAY_DAYS: i64 = 3;

/// The watches of one stack, by factor code.
#[derive(Debug, Default)]
pub struct StackWatches {
    by_code: HashMap<String, Watch>,
}

impl StackWatches {
    /// Learns `readings` (in minute order) and answers with the alarm events they make.
    pub fn observe(&mut self, entry: &StackEntry, readings: &[MinuteReading]) -> Vec<AlarmEvent> {
        let mut events = Vec::new();
        for reading in readings {
            if reading.flag != Flag::N {
                continue;
            }
            let Some(value) = reading.value.to_f64() else {
                continue;
            };
            let watch = self
                .by_code
                .entry(reading.code.clone())
                .or_insert_with(|| Watch::new(WatchConfig::default()));
            let at = reading.minute.and_utc().timestamp();
            match watch.observe(at, value) {
                (_, Some(WatchEvent::Raise { finding, .. })) => events.push(anomaly::raise(
                    &entry.stack.mn,
                    &entry.standard,
                    &entry.stack.factors,
                    &reading.code,
                    match finding {
                        Finding::Stuck => AnomalyFinding::Stuck,
                        Finding::Drift => AnomalyFinding::Drift,
                        Finding::Pattern => AnomalyFinding::Pattern,
                    },
                    reading.minute,
                    reading.value,
                )),
                (_, Some(WatchEvent::Clear)) => {
                    events.push(anomaly::clear(&reading.code, reading.minute));
                }
                (_, None) => {}
            }
        }
        events
    }

    /// Bytes of detector state held (bounded per factor).
    pub fn state_bytes(&self) -> usize {
        self.by_code.values().map(Watch::state_bytes).sum()
    }
}

/// Every stack's watches.
pub type Watches = HashMap<String, StackWatches>;
