//! The readings not yet sealed into the archive: exactly what the write-ahead log holds, keyed
//! by stack, day and (time, code) so that a later reading of the same key replaces an earlier one.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use zx_domain::cems::Flag;

use crate::codec::{Entry, day_of};

/// One reading in memory; `seq` orders appends so a seal removes only what it archived.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub scaled: i64,
    pub flag: Flag,
    pub seq: u64,
}

/// A reading as the read and seal paths pass it around: (time ms, code, millionths, flag).
pub(crate) type Row = (i64, Arc<str>, i64, Flag);

type DayRows = BTreeMap<(i64, Arc<str>), Slot>;

#[derive(Default)]
pub(crate) struct Recent {
    stacks: BTreeMap<String, BTreeMap<i64, DayRows>>,
    /// Codes are few (tens); one shared allocation each.
    codes: HashSet<Arc<str>>,
    next_seq: u64,
    len: u64,
}

impl Recent {
    pub(crate) fn insert(&mut self, entry: &Entry) {
        let code = match self.codes.get(entry.code.as_str()) {
            Some(code) => Arc::clone(code),
            None => {
                let code: Arc<str> = Arc::from(entry.code.as_str());
                self.codes.insert(Arc::clone(&code));
                code
            }
        };
        let days = match self.stacks.get_mut(entry.mn.as_str()) {
            Some(days) => days,
            None => self.stacks.entry(entry.mn.clone()).or_default(),
        };
        let slot = Slot {
            scaled: entry.scaled,
            flag: entry.flag,
            seq: self.next_seq,
        };
        self.next_seq += 1;
        let previous = days
            .entry(day_of(entry.ms))
            .or_default()
            .insert((entry.ms, code), slot);
        if previous.is_none() {
            self.len += 1;
        }
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The sequence number the next insert gets: everything below it is already in memory.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Readings of `mn` with `from_ms <= time < to_ms`, sorted by (time, code).
    pub(crate) fn range(&self, mn: &str, from_ms: i64, to_ms: i64) -> Vec<Row> {
        let mut rows = Vec::new();
        let Some(days) = self.stacks.get(mn) else {
            return rows;
        };
        // The empty code sorts first: the range starts at the first reading of `from_ms`, so a
        // one-minute read (the receiver's revision check, per frame) costs a lookup, not a
        // walk over the day.
        let start = (from_ms, Arc::<str>::from(""));
        for (_, day) in days.range(day_of(from_ms)..=day_of(to_ms - 1)) {
            for ((ms, code), slot) in day.range(start.clone()..) {
                if *ms >= to_ms {
                    break;
                }
                rows.push((*ms, Arc::clone(code), slot.scaled, slot.flag));
            }
        }
        rows
    }

    /// The (stack, day) partitions with a day at or before `through_day`, each with its readings.
    pub(crate) fn sealable(&self, through_day: i64) -> Vec<(String, i64, Vec<Row>)> {
        let mut parts = Vec::new();
        for (mn, days) in &self.stacks {
            for (day, rows) in days.range(..=through_day) {
                let rows = rows
                    .iter()
                    .map(|((ms, code), slot)| (*ms, Arc::clone(code), slot.scaled, slot.flag))
                    .collect();
                parts.push((mn.clone(), *day, rows));
            }
        }
        parts
    }

    /// Forgets the readings of a sealed partition that were in memory when it was sealed
    /// (`seq < before_seq`); a reading appended since stays to be sealed next time.
    pub(crate) fn remove_sealed(&mut self, mn: &str, day: i64, before_seq: u64) {
        let Some(days) = self.stacks.get_mut(mn) else {
            return;
        };
        if let Some(rows) = days.get_mut(&day) {
            let before = rows.len();
            rows.retain(|_, slot| slot.seq >= before_seq);
            self.len -= (before - rows.len()) as u64;
            if rows.is_empty() {
                days.remove(&day);
            }
        }
        if days.is_empty() {
            self.stacks.remove(mn);
        }
    }

    /// Every reading in memory as log entries, one batch per (stack, day), for a rewritten log.
    pub(crate) fn batches(&self) -> impl Iterator<Item = Vec<Entry>> + '_ {
        self.stacks.iter().flat_map(|(mn, days)| {
            days.values().map(move |rows| {
                rows.iter()
                    .map(|((ms, code), slot)| Entry {
                        mn: mn.clone(),
                        code: code.to_string(),
                        ms: *ms,
                        scaled: slot.scaled,
                        flag: slot.flag,
                    })
                    .collect()
            })
        })
    }

    pub(crate) fn stacks(&self) -> impl Iterator<Item = &str> {
        self.stacks.keys().map(String::as_str)
    }

    pub(crate) fn days(&self, mn: &str) -> Vec<i64> {
        self.stacks
            .get(mn)
            .map(|days| days.keys().copied().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(mn: &str, code: &str, ms: i64, scaled: i64) -> Entry {
        Entry {
            mn: mn.to_owned(),
            code: code.to_owned(),
            ms,
            scaled,
            flag: Flag::N,
        }
    }

    #[test]
    fn a_range_starts_at_its_first_minute_and_ends_before_its_last() {
        let mut recent = Recent::default();
        for (ms, value) in [(60_000, 1), (120_000, 2), (180_000, 3)] {
            recent.insert(&entry("M1", "a21002", ms, value));
            recent.insert(&entry("M1", "a01012", ms, value * 10));
        }
        recent.insert(&entry("M2", "a21002", 120_000, 99));
        // One minute: both codes of 120,000 ms, sorted by code, nothing of M2.
        let rows: Vec<(i64, String, i64)> = recent
            .range("M1", 120_000, 120_001)
            .into_iter()
            .map(|(ms, code, scaled, _)| (ms, code.to_string(), scaled))
            .collect();
        assert_eq!(
            rows,
            vec![
                (120_000, "a01012".to_owned(), 20),
                (120_000, "a21002".to_owned(), 2)
            ]
        );
        // A start between minutes takes the next one; the end is exclusive.
        let times: Vec<i64> = recent
            .range("M1", 90_000, 180_000)
            .into_iter()
            .map(|row| row.0)
            .collect();
        assert_eq!(times, vec![120_000, 120_000]);
        assert!(recent.range("M1", 180_001, 240_000).is_empty());
    }
}
