//! Readings as columns: what a read gathers before (or instead of) making one
//! [`MinuteReading`] per row, and the decoded partitions a read keeps for the next one.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use zx_domain::cems::compliance::ReadingColumns;
use zx_domain::cems::{Flag, MinuteReading};

use crate::CemsStoreError;
use crate::archive::Columns;
use crate::codec::{DAY_MS, SCALE, date_of_day, day_of, from_scaled, to_millis};
use crate::recent::Row;

/// A stack's readings over a time range, sorted by (minute, code), one vector per field.
/// Row `i` is `(minute[i], codes[code[i]], value(i), flag[i])`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MinuteColumns {
    pub mn: String,
    /// The distinct codes, in order of first appearance.
    pub codes: Vec<String>,
    pub minute: Vec<NaiveDateTime>,
    /// Index into `codes`.
    pub code: Vec<u32>,
    /// Values in millionths (the archive's DECIMAL(18,6) integer); see [`MinuteColumns::value`].
    pub value_millionths: Vec<i64>,
    pub flag: Vec<Flag>,
}

impl MinuteColumns {
    pub(crate) fn new(mn: &str) -> MinuteColumns {
        MinuteColumns {
            mn: mn.to_owned(),
            ..MinuteColumns::default()
        }
    }

    pub fn len(&self) -> usize {
        self.minute.len()
    }

    pub fn is_empty(&self) -> bool {
        self.minute.is_empty()
    }

    /// Row `i`'s value as a decimal without trailing zeros.
    pub fn value(&self, i: usize) -> Decimal {
        from_scaled(self.value_millionths[i])
    }

    /// One [`MinuteReading`] per row.
    pub fn to_readings(&self) -> Vec<MinuteReading> {
        (0..self.len())
            .map(|i| MinuteReading {
                mn: self.mn.clone(),
                minute: self.minute[i],
                code: self.codes[self.code[i] as usize].clone(),
                value: self.value(i),
                flag: self.flag[i],
            })
            .collect()
    }

    pub(crate) fn reserve(&mut self, rows: usize) {
        self.minute.reserve(rows);
        self.code.reserve(rows);
        self.value_millionths.reserve(rows);
        self.flag.reserve(rows);
    }

    /// The index of `code` in `codes`, adding it if new (codes are few: a linear search).
    pub(crate) fn code_id(&mut self, code: &str) -> u32 {
        match self.codes.iter().position(|known| known == code) {
            Some(id) => id as u32,
            None => {
                self.codes.push(code.to_owned());
                (self.codes.len() - 1) as u32
            }
        }
    }

    pub(crate) fn push(&mut self, minute: NaiveDateTime, code: u32, scaled: i64, flag: Flag) {
        self.minute.push(minute);
        self.code.push(code);
        self.value_millionths.push(scaled);
        self.flag.push(flag);
    }

    pub(crate) fn push_row(&mut self, (ms, code, scaled, flag): Row) {
        let code = self.code_id(&code);
        self.push(minute_of(ms), code, scaled, flag);
    }
}

/// One stack-day's readings as the archive holds them, in no particular order, each (minute,
/// code) once: what [`MinuteStore::read_day`](crate::MinuteStore::read_day) returns for the
/// compliance engine ([`DayReadings::columns`]), without a sort or a string per reading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayReadings {
    pub date: NaiveDate,
    /// The distinct codes; `code[i]` indexes it.
    pub codes: Vec<Arc<str>>,
    /// Milliseconds since 1970-01-01 00:00, local wall time (the archive's `minute`).
    pub minute_ms: Vec<i64>,
    pub code: Vec<u32>,
    /// Values in millionths (the archive's DECIMAL(18,6) integer).
    pub value_millionths: Vec<i64>,
    pub flag: Vec<Flag>,
}

impl DayReadings {
    pub fn len(&self) -> usize {
        self.minute_ms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.minute_ms.is_empty()
    }

    /// The readings as the compliance engine's input.
    pub fn columns(&self) -> Result<ReadingColumns<'_, Arc<str>>, CemsStoreError> {
        ReadingColumns::new(
            &self.codes,
            &self.minute_ms,
            &self.code,
            &self.value_millionths,
            SCALE,
            &self.flag,
        )
        .map_err(|source| CemsStoreError::Columns {
            date: self.date,
            source,
        })
    }

    /// The rows of `columns` (a partition in any order) with `from_ms <= minute < to_ms`.
    pub(crate) fn of_partition(
        date: NaiveDate,
        columns: Columns,
        from_ms: i64,
        to_ms: i64,
    ) -> DayReadings {
        let inside = |ms: i64| from_ms <= ms && ms < to_ms;
        if columns.ms.iter().all(|ms| inside(*ms)) {
            return DayReadings {
                date,
                codes: columns.codes,
                minute_ms: columns.ms,
                code: columns.code,
                value_millionths: columns.value,
                flag: columns.flag,
            };
        }
        let mut day = DayReadings {
            date,
            codes: columns.codes,
            ..DayReadings::default()
        };
        for i in (0..columns.ms.len()).filter(|i| inside(columns.ms[*i])) {
            day.minute_ms.push(columns.ms[i]);
            day.code.push(columns.code[i]);
            day.value_millionths.push(columns.value[i]);
            day.flag.push(columns.flag[i]);
        }
        day
    }

    /// A cached partition's rows with `from_ms <= minute < to_ms`.
    pub(crate) fn of_cached(day: &DayColumns, from_ms: i64, to_ms: i64) -> DayReadings {
        let start = day.ms.partition_point(|ms| *ms < from_ms);
        let end = day.ms.partition_point(|ms| *ms < to_ms).max(start);
        DayReadings {
            date: day.date,
            codes: day.codes.clone(),
            minute_ms: day.ms[start..end].to_vec(),
            code: day.code[start..end].to_vec(),
            value_millionths: day.value[start..end].to_vec(),
            flag: day.flag[start..end].to_vec(),
        }
    }

    /// What [`MinuteStore::read_columns`](crate::MinuteStore::read_columns) merged from a
    /// partition and memory.
    pub(crate) fn of_merged(date: NaiveDate, merged: MinuteColumns) -> DayReadings {
        DayReadings {
            date,
            codes: merged
                .codes
                .iter()
                .map(|code| Arc::from(code.as_str()))
                .collect(),
            minute_ms: merged
                .minute
                .iter()
                .map(|minute| to_millis(*minute))
                .collect(),
            code: merged.code,
            value_millionths: merged.value_millionths,
            flag: merged.flag,
        }
    }
}

/// Milliseconds (validated at append or read from a partition of a known day) as a time.
fn minute_of(ms: i64) -> NaiveDateTime {
    let date = date_of_day(day_of(ms)).unwrap_or_default();
    date.and_time(time_of_day(ms.rem_euclid(DAY_MS)))
}

pub(crate) fn time_of_day(ms_of_day: i64) -> NaiveTime {
    let ms = ms_of_day as u32;
    NaiveTime::from_num_seconds_from_midnight_opt(ms / 1000, ms % 1000 * 1_000_000)
        .unwrap_or_default()
}

/// A decoded partition in (minute, code) order, as reads want it (the file is in (code, minute)
/// order, as compression wants it).
pub(crate) struct DayColumns {
    pub date: NaiveDate,
    pub ms: Vec<i64>,
    pub code: Vec<u32>,
    pub codes: Vec<Arc<str>>,
    pub value: Vec<i64>,
    pub flag: Vec<Flag>,
}

impl DayColumns {
    pub(crate) fn sorted(date: NaiveDate, columns: Columns) -> DayColumns {
        let mut rank_of = vec![0_u32; columns.codes.len()];
        let mut ranks: Vec<u32> = (0..columns.codes.len() as u32).collect();
        ranks.sort_by(|a, b| columns.codes[*a as usize].cmp(&columns.codes[*b as usize]));
        for (rank, code) in ranks.iter().enumerate() {
            rank_of[*code as usize] = rank as u32;
        }
        let mut order: Vec<(i64, u32, u32)> = (0..columns.len())
            .map(|i| (columns.ms[i], rank_of[columns.code[i] as usize], i as u32))
            .collect();
        order.sort_unstable();
        DayColumns {
            date,
            ms: order.iter().map(|o| o.0).collect(),
            code: order.iter().map(|o| columns.code[o.2 as usize]).collect(),
            value: order.iter().map(|o| columns.value[o.2 as usize]).collect(),
            flag: order.iter().map(|o| columns.flag[o.2 as usize]).collect(),
            codes: columns.codes,
        }
    }
}

/// Most recently loaded partitions, so a stack-month read twice decodes its files once.
/// At 14,400 rows a partition, about 21 bytes a row: 512 partitions ≈ 150 MB at most.
#[derive(Default)]
pub(crate) struct PartitionCache {
    pub days: HashMap<(String, NaiveDate), Arc<DayColumns>>,
    order: VecDeque<(String, NaiveDate)>,
    /// Bumped whenever a partition is rewritten; a copy read before that is not cached.
    pub generation: u64,
}

const CACHED_PARTITIONS: usize = 512;

impl PartitionCache {
    pub(crate) fn insert(&mut self, key: (String, NaiveDate), day: Arc<DayColumns>) {
        if self.days.insert(key.clone(), day).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > CACHED_PARTITIONS {
            if let Some(old) = self.order.pop_front() {
                self.days.remove(&old);
            }
        }
    }

    pub(crate) fn invalidate(&mut self, key: &(String, NaiveDate)) {
        self.generation += 1;
        if self.days.remove(key).is_some() {
            self.order.retain(|k| k != key);
        }
    }
}
