//! The receiver's data-quality side: which re-sent minutes revise a stored value, and the
//! per-stack count and latest events that the stack page and `/environment` show.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use zx_cems_store::{CemsStoreError, MinuteStore};
use zx_domain::cems::MinuteReading;
use zx_domain::cems::quality::{QualityEvent, QualityKind};

use super::Emissions;

/// The `revised` events of readings about to be appended: those whose (MN, minute, code) is
/// stored already, or comes earlier in the same batch, with another value or flag. The same
/// value sent again is no event.
pub(super) fn revisions(
    minutes: &MinuteStore,
    frames: &[(DateTime<Utc>, &[MinuteReading])],
) -> Result<Vec<QualityEvent>, CemsStoreError> {
    let mut events = Vec::new();
    let mut batch: HashMap<(&str, NaiveDateTime, &str), &MinuteReading> = HashMap::new();
    for (received_at, readings) in frames {
        for chunk in readings.chunk_by(|a, b| a.mn == b.mn && a.minute == b.minute) {
            let first = &chunk[0];
            let stored = minutes.read(
                &first.mn,
                first.minute,
                first.minute + TimeDelta::milliseconds(1),
            )?;
            for reading in chunk {
                let key = (reading.mn.as_str(), reading.minute, reading.code.as_str());
                let earlier = batch
                    .insert(key, reading)
                    .or_else(|| stored.iter().find(|old| old.code == reading.code));
                let Some(old) = earlier else {
                    continue;
                };
                if old.value != reading.value || old.flag != reading.flag {
                    events.push(QualityEvent {
                        received_at: *received_at,
                        mn: reading.mn.clone(),
                        minute: reading.minute,
                        key: format!("{}-Avg", reading.code),
                        kind: QualityKind::Revised,
                        values: vec![
                            format!("{} {}", old.value, old.flag),
                            format!("{} {}", reading.value, reading.flag),
                        ],
                    });
                }
            }
        }
    }
    Ok(events)
}

/// How many data-quality events each stack has, and its latest few, for the pages.
#[derive(Debug, Default)]
pub struct QualityIndex {
    by_mn: HashMap<String, (u64, VecDeque<QualityEvent>)>,
}

/// The latest events kept in memory per stack (all are in `quality.jsonl`).
const RECENT_QUALITY_EVENTS: usize = 50;

impl QualityIndex {
    pub(super) fn add(&mut self, events: Vec<QualityEvent>) {
        for event in events {
            let (count, recent) = self.by_mn.entry(event.mn.clone()).or_default();
            *count += 1;
            if recent.len() == RECENT_QUALITY_EVENTS {
                recent.pop_front();
            }
            recent.push_back(event);
        }
    }
}

impl Emissions {
    /// The number of data-quality events of `mn` and its latest ones, newest first.
    pub fn quality_events(&self, mn: &str) -> (u64, Vec<QualityEvent>) {
        self.quality
            .lock()
            .ok()
            .and_then(|index| {
                index
                    .by_mn
                    .get(mn)
                    .map(|(count, recent)| (*count, recent.iter().rev().cloned().collect()))
            })
            .unwrap_or_default()
    }

    /// The number of data-quality events per stack.
    pub fn quality_counts(&self) -> HashMap<String, u64> {
        self.quality
            .lock()
            .map(|index| {
                index
                    .by_mn
                    .iter()
                    .map(|(mn, (count, _))| (mn.clone(), *count))
                    .collect()
            })
            .unwrap_or_default()
    }
}
