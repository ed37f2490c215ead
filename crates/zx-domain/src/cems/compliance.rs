//! The compliance engine: cems.md steps 1–8, from one stack's minute readings to its verdict per
//! natural day.
//!
//! Pure and total: no IO, no clock, and no input makes it fail or panic. A reading it cannot use
//! (unknown code, invalid flag, a value so large that exact arithmetic would overflow) simply
//! does not count, as the rules say an invalid minute does not.
//!
//! The rules, exactly as `shared/reference/cems.md`:
//! - a reading is valid only with flag `N` or `S` ([`Flag::is_valid`](super::Flag::is_valid));
//! - corrected = measured × (21 − reference O₂) / (21 − O₂), the division last, with the same
//!   minute's O₂; valid only when the pollutant and the O₂ minutes are valid and O₂ < 21;
//! - an hourly average (clock hour) is the mean of the valid corrected minutes, when there are at
//!   least [`Standard::hour_min_valid_minutes`];
//! - a daily average (natural day) is the mean of the unrounded valid hourly averages, when there
//!   are at least [`Standard::day_min_valid_hours`];
//! - strictly above a limit is an exceedance, equal is not; comparisons use unrounded values;
//! - furnace temperature 5-minute means (blocks :00–:04, :05–:09, …; mean of the block's valid
//!   readings) below [`Standard::furnace_min_temperature`] are counted per day; more than
//!   [`Standard::furnace_max_low_per_day`] make a violation day.
//!
//! **Duplicates**: when the same code of the same minute occurs more than once, the reading that
//! comes last in the input wins (a re-sent minute replaces the first one, as a data logger's
//! correction does), whatever its flag.
//!
//! How it is fast: codes are resolved to a small slot index once per distinct code (not per
//! reading), readings are placed in a dense minute-of-day grid per day and slot, and the averages
//! are then sums over that grid. The only per-reading cost left is one exact decimal
//! multiplication, division and addition per pollutant minute.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Timelike};
use rust_decimal::{Decimal, RoundingStrategy};

use super::{FactorLimit, FactorMap, Flag, MinuteReading, Standard};
use crate::parallel::map_in_parallel;

/// Minutes in a natural day.
const MINUTES_PER_DAY: usize = 1440;
/// Minutes in a furnace block (cems.md step 7).
const FURNACE_BLOCK: usize = 5;

/// One clock hour of one factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HourAverage {
    /// The unrounded mean of the valid corrected minutes; `None` with fewer than the standard's
    /// minimum (45), so that an hour with too little data never looks compliant or not.
    pub average: Option<Decimal>,
    /// How many valid corrected minutes the hour had (whether or not enough for an average).
    pub valid_minutes: u32,
}

/// One factor of the standard on one natural day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorDay {
    /// Hours 00 to 23.
    pub hourly: [HourAverage; 24],
    /// The unrounded mean of the valid hourly averages; `None` with fewer than the standard's
    /// minimum valid hours (20).
    pub daily_average: Option<Decimal>,
    /// Hours with a valid average.
    pub valid_hours: u32,
    /// Hours (0–23, ascending) whose average is strictly above the 1-hour limit.
    pub hour_exceedances: Vec<u32>,
    /// The daily average is strictly above the 24-hour limit: a violation day.
    pub day_exceeded: bool,
    /// Data capture rate of the day: valid hours / 24 (cems.md step 8).
    pub capture_rate: Decimal,
}

/// A stack's verdict for one natural day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCompliance {
    /// The standard's factors that occur in the day's data (under their standard code, aliases
    /// resolved through [`FactorMap::canonical`]), whatever their flags.
    pub factors: BTreeMap<String, FactorDay>,
    /// Furnace 5-minute means below the standard's minimum temperature. A block without a valid
    /// furnace reading has no mean and is not counted.
    pub furnace_low_5min: u32,
    /// Any factor's daily average above its limit, or more low furnace blocks than allowed.
    pub violation: bool,
}

/// A stack's verdicts, by natural day; only days with at least one reading are present.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StackCompliance {
    pub days: BTreeMap<NaiveDate, DayCompliance>,
}

impl StackCompliance {
    /// Data capture rate of each factor over the days `first..=last` (cems.md step 8): valid
    /// hours / (24 × days in the period). Days without data count as hours without a valid
    /// average. Factors are those that occur on any day of the period; an empty map when `last`
    /// is before `first`.
    pub fn capture_rates(&self, first: NaiveDate, last: NaiveDate) -> BTreeMap<String, Decimal> {
        let mut valid_hours: BTreeMap<String, u64> = BTreeMap::new();
        if last < first {
            return BTreeMap::new();
        }
        for (_, day) in self.days.range(first..=last) {
            for (code, factor) in &day.factors {
                *valid_hours.entry(code.clone()).or_default() += u64::from(factor.valid_hours);
            }
        }
        let days = (last - first).num_days() + 1;
        let hours = Decimal::from(days) * Decimal::from(24);
        valid_hours
            .into_iter()
            .map(|(code, valid)| (code, Decimal::from(valid) / hours))
            .collect()
    }
}

/// One stack's readings for [`check_stacks`].
#[derive(Debug, Clone, Copy)]
pub struct StackMinutes<'a> {
    pub mn: &'a str,
    pub readings: &'a [MinuteReading],
    pub factors: &'a FactorMap,
}

/// A value as the contract prints it: rounded half away from zero to exactly 3 decimal places
/// (`212.4` → `"212.400"`). Rounding is for output only; every comparison uses the unrounded
/// value.
pub fn output_value(value: Decimal) -> String {
    let rounded = value.round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero);
    format!("{rounded:.3}")
}

/// Judges several stacks on up to `threads` threads (at least one), each stack as
/// [`check_stack`] does. Results are in the order of `stacks`.
pub fn check_stacks(
    stacks: &[StackMinutes<'_>],
    standard: &Standard,
    threads: usize,
) -> Vec<StackCompliance> {
    map_in_parallel(stacks, threads, |stack| {
        check_stack(stack.readings, stack.factors, standard)
    })
}

/// What a resolved code means for the engine.
const SLOT_OXYGEN: usize = 0;
const SLOT_FURNACE: usize = 1;
/// Pollutant slots follow: slot `FIRST_POLLUTANT + i` is `standard.factors[i]`.
const FIRST_POLLUTANT: usize = 2;
const SLOT_IGNORED: usize = usize::MAX;

const ABSENT: u8 = 0;
const INVALID: u8 = 1;
const VALID: u8 = 2;

/// One slot's minutes of one day: value and state (absent, invalid, valid) per minute of day.
struct SlotMinutes {
    values: Vec<Decimal>,
    states: Vec<u8>,
}

impl SlotMinutes {
    fn new() -> Self {
        SlotMinutes {
            values: vec![Decimal::ZERO; MINUTES_PER_DAY],
            states: vec![ABSENT; MINUTES_PER_DAY],
        }
    }
}

/// One day's grid: a [`SlotMinutes`] per slot that occurs in the day's data.
struct DayGrid {
    slots: Vec<Option<Box<SlotMinutes>>>,
}

/// Resolves codes to slots, remembering every distinct code seen so that each is resolved once.
struct Slots<'a> {
    factors: &'a FactorMap,
    standard: &'a Standard,
    /// Distinct codes seen so far; a linear scan beats hashing for the handful a stack sends.
    seen: Vec<(&'a str, usize)>,
    /// Used instead of `seen` once a stack sends unusually many distinct codes.
    many: HashMap<&'a str, usize>,
}

impl<'a> Slots<'a> {
    fn resolve(&mut self, code: &'a str) -> usize {
        if let Some((_, slot)) = self.seen.iter().find(|(seen, _)| *seen == code) {
            return *slot;
        }
        if let Some(slot) = self.many.get(code) {
            return *slot;
        }
        let slot = self.slot_of(code);
        if self.seen.len() < 32 {
            self.seen.push((code, slot));
        } else {
            self.many.insert(code, slot);
        }
        slot
    }

    /// O₂ and furnace codes are matched as sent and through the alias map; pollutants by their
    /// standard code after the alias map.
    fn slot_of(&self, code: &str) -> usize {
        let canonical = self.factors.canonical(code);
        if code == self.factors.oxygen || canonical == self.factors.oxygen {
            SLOT_OXYGEN
        } else if code == self.factors.furnace_temperature
            || canonical == self.factors.furnace_temperature
        {
            SLOT_FURNACE
        } else {
            self.standard
                .factors
                .iter()
                .position(|factor| factor.code == canonical)
                .map_or(SLOT_IGNORED, |index| FIRST_POLLUTANT + index)
        }
    }
}

/// Judges one stack (cems.md steps 1–8): `readings` are the stack's minutes in any order (their
/// `mn` is not looked at), `factors` says what its codes mean, `standard` gives limits and rules.
pub fn check_stack(
    readings: &[MinuteReading],
    factors: &FactorMap,
    standard: &Standard,
) -> StackCompliance {
    let mut slots = Slots {
        factors,
        standard,
        seen: Vec::new(),
        many: HashMap::new(),
    };
    let mut grids = Grids::new(standard);
    for reading in readings {
        let day = grids.day(reading.minute.date());
        let slot = slots.resolve(&reading.code);
        let minute = (reading.minute.time().num_seconds_from_midnight() / 60) as usize;
        grids.put(day, slot, minute, reading.value, reading.flag.is_valid());
    }
    let rules = Rules::new(standard);
    StackCompliance {
        days: grids
            .days
            .into_iter()
            .map(|(date, grid)| (date, rules.judge_day(&grid)))
            .collect(),
    }
}

/// Milliseconds in a natural day.
const DAY_MS: i64 = 86_400_000;
/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// Why columns cannot be a [`ReadingColumns`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnsError {
    #[error(
        "columns of different lengths: minute {minute}, code {code}, value {value}, flag {flag}"
    )]
    Lengths {
        minute: usize,
        code: usize,
        value: usize,
        flag: usize,
    },
    #[error("row {row}: code index {index} is not below the {codes} distinct codes")]
    Code {
        row: usize,
        index: u32,
        codes: usize,
    },
    #[error("value scale {0} is above 28, the most a decimal holds")]
    Scale(u32),
}

/// One stack's minutes as columns, the shape the minute store's Parquet archive has (minute
/// TIMESTAMP(MILLIS) local time, code dictionary, value DECIMAL(18,6), flag): the engine's
/// input without a string per reading. Row `i` is the minute `minute_ms[i]` (milliseconds since
/// 1970-01-01 00:00, local wall time), the code `codes[code[i]]`, the value `value[i]` ×
/// 10^−scale and the flag `flag[i]`. Checked once by [`ReadingColumns::new`], so the engine
/// can trust it.
#[derive(Debug, Clone, Copy)]
pub struct ReadingColumns<'a, C> {
    codes: &'a [C],
    minute_ms: &'a [i64],
    code: &'a [u32],
    value: &'a [i64],
    scale: u32,
    flag: &'a [Flag],
}

impl<'a, C: AsRef<str>> ReadingColumns<'a, C> {
    /// Columns of equal length, every code index within `codes`, a scale of at most 28.
    pub fn new(
        codes: &'a [C],
        minute_ms: &'a [i64],
        code: &'a [u32],
        value: &'a [i64],
        scale: u32,
        flag: &'a [Flag],
    ) -> Result<Self, ColumnsError> {
        let rows = minute_ms.len();
        if code.len() != rows || value.len() != rows || flag.len() != rows {
            return Err(ColumnsError::Lengths {
                minute: rows,
                code: code.len(),
                value: value.len(),
                flag: flag.len(),
            });
        }
        if let Some(row) = code.iter().position(|c| *c as usize >= codes.len()) {
            return Err(ColumnsError::Code {
                row,
                index: code[row],
                codes: codes.len(),
            });
        }
        if scale > 28 {
            return Err(ColumnsError::Scale(scale));
        }
        Ok(ReadingColumns {
            codes,
            minute_ms,
            code,
            value,
            scale,
            flag,
        })
    }

    pub fn len(&self) -> usize {
        self.minute_ms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.minute_ms.is_empty()
    }
}

/// A scaled integer as the decimal without trailing zeros (`12_500_000` at scale 6 is `12.5`),
/// the value [`check_stack`] gets from the minute store's readings, so both paths compute with
/// the same decimals.
fn decimal_of(scaled: i64, scale: u32) -> Decimal {
    let (mut mantissa, mut scale) = (scaled, scale);
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    Decimal::new(mantissa, scale)
}

/// Judges one stack from columns, exactly as [`check_stack`] judges the same rows as
/// [`MinuteReading`]s (rows in any order; of two with the same minute and code the later row
/// wins), with the days judged on up to `threads` threads. Codes are resolved once per
/// distinct code, and a value becomes a decimal only when its code is one the engine uses.
/// A row whose minute is out of the calendar's range is left out.
pub fn check_stack_columns<C: AsRef<str>>(
    columns: &ReadingColumns<'_, C>,
    factors: &FactorMap,
    standard: &Standard,
    threads: usize,
) -> StackCompliance {
    let slots = Slots {
        factors,
        standard,
        seen: Vec::new(),
        many: HashMap::new(),
    };
    let slot_of_code: Vec<usize> = columns
        .codes
        .iter()
        .map(|code| slots.slot_of(code.as_ref()))
        .collect();
    let mut grids = Grids::new(standard);
    let mut last: Option<(i64, usize)> = None;
    for row in 0..columns.len() {
        let ms = columns.minute_ms[row];
        let day_number = ms.div_euclid(DAY_MS);
        let day = match last {
            Some((number, day)) if number == day_number => day,
            _ => {
                let Some(date) = UNIX_EPOCH_DAYS_FROM_CE
                    .checked_add(day_number)
                    .and_then(|days| i32::try_from(days).ok())
                    .and_then(NaiveDate::from_num_days_from_ce_opt)
                else {
                    continue;
                };
                let day = grids.day(date);
                last = Some((day_number, day));
                day
            }
        };
        let slot = slot_of_code[columns.code[row] as usize];
        let minute = (ms.rem_euclid(DAY_MS) / 60_000) as usize;
        if slot != SLOT_IGNORED {
            let value = decimal_of(columns.value[row], columns.scale);
            grids.put(day, slot, minute, value, columns.flag[row].is_valid());
        }
    }
    let rules = Rules::new(standard);
    let judged = map_in_parallel(&grids.days, threads, |(date, grid)| {
        (*date, rules.judge_day(grid))
    });
    StackCompliance {
        days: judged.into_iter().collect(),
    }
}

/// The day grids of one stack, in order of first appearance.
struct Grids {
    slot_count: usize,
    days: Vec<(NaiveDate, DayGrid)>,
    index: HashMap<NaiveDate, usize>,
    /// The day of the previous reading: readings mostly come day by day.
    last: Option<(NaiveDate, usize)>,
}

impl Grids {
    fn new(standard: &Standard) -> Self {
        Grids {
            slot_count: FIRST_POLLUTANT + standard.factors.len(),
            days: Vec::new(),
            index: HashMap::new(),
            last: None,
        }
    }

    /// The grid of `date`, created empty the first time: a day with any reading is in the
    /// verdicts, even when none of its codes means anything to the standard.
    fn day(&mut self, date: NaiveDate) -> usize {
        if let Some((day, index)) = self.last
            && day == date
        {
            return index;
        }
        let (days, slot_count) = (&mut self.days, self.slot_count);
        let index = *self.index.entry(date).or_insert_with(|| {
            days.push((
                date,
                DayGrid {
                    slots: (0..slot_count).map(|_| None).collect(),
                },
            ));
            days.len() - 1
        });
        self.last = Some((date, index));
        index
    }

    /// Sets one minute of one slot of a day (a later reading replaces an earlier one).
    fn put(&mut self, day: usize, slot: usize, minute: usize, value: Decimal, valid: bool) {
        if slot == SLOT_IGNORED || minute >= MINUTES_PER_DAY {
            return;
        }
        let minutes =
            self.days[day].1.slots[slot].get_or_insert_with(|| Box::new(SlotMinutes::new()));
        minutes.values[minute] = value;
        minutes.states[minute] = if valid { VALID } else { INVALID };
    }
}

/// The standard's numbers, converted once.
struct Rules<'a> {
    standard: &'a Standard,
    /// 21 − reference O₂: the numerator factor of the correction.
    reference_gap: Decimal,
    twenty_one: Decimal,
    hours_per_day: Decimal,
}

impl<'a> Rules<'a> {
    fn new(standard: &'a Standard) -> Self {
        let twenty_one = Decimal::from(21);
        Rules {
            standard,
            reference_gap: twenty_one - standard.reference_o2,
            twenty_one,
            hours_per_day: Decimal::from(24),
        }
    }

    fn judge_day(&self, grid: &DayGrid) -> DayCompliance {
        // The O₂ denominator of each minute, when that minute's O₂ is valid and below 21 %.
        let mut denominators: Vec<Option<Decimal>> = vec![None; MINUTES_PER_DAY];
        if let Some(oxygen) = &grid.slots[SLOT_OXYGEN] {
            for (minute, denominator) in denominators.iter_mut().enumerate() {
                let o2 = oxygen.values[minute];
                if oxygen.states[minute] == VALID && o2 < self.twenty_one {
                    *denominator = Some(self.twenty_one - o2);
                }
            }
        }
        let mut factors = BTreeMap::new();
        let mut violation = false;
        for (index, limit) in self.standard.factors.iter().enumerate() {
            let Some(minutes) = &grid.slots[FIRST_POLLUTANT + index] else {
                continue;
            };
            let day = self.judge_factor(minutes, &denominators, limit);
            violation |= day.day_exceeded;
            factors.insert(limit.code.clone(), day);
        }
        let furnace_low_5min = grid.slots[SLOT_FURNACE]
            .as_deref()
            .map_or(0, |furnace| self.low_furnace_blocks(furnace));
        violation |= furnace_low_5min > self.standard.furnace_max_low_per_day;
        DayCompliance {
            factors,
            furnace_low_5min,
            violation,
        }
    }

    fn judge_factor(
        &self,
        minutes: &SlotMinutes,
        denominators: &[Option<Decimal>],
        limit: &FactorLimit,
    ) -> FactorDay {
        let mut hourly = [HourAverage::default(); 24];
        let mut hour_sum = Decimal::ZERO;
        let mut valid_hours = 0u32;
        let mut hour_exceedances = Vec::new();
        for (hour, slot) in hourly.iter_mut().enumerate() {
            let range = hour * 60..hour * 60 + 60;
            let mut sum = Decimal::ZERO;
            let mut count = 0u32;
            for minute in range {
                if minutes.states[minute] != VALID {
                    continue;
                }
                let Some(denominator) = denominators[minute] else {
                    continue;
                };
                // Multiply first, divide last: 175 × 10 / 7 is exactly 250.
                let corrected = minutes.values[minute]
                    .checked_mul(self.reference_gap)
                    .and_then(|product| product.checked_div(denominator));
                if let Some(next) = corrected.and_then(|c| sum.checked_add(c)) {
                    sum = next;
                    count += 1;
                }
            }
            slot.valid_minutes = count;
            if count >= self.standard.hour_min_valid_minutes && count > 0 {
                let average = sum / Decimal::from(count);
                if let Some(next) = hour_sum.checked_add(average) {
                    hour_sum = next;
                    valid_hours += 1;
                    slot.average = Some(average);
                    if limit.hourly_limit.is_some_and(|l| average > l) {
                        hour_exceedances.push(hour as u32);
                    }
                }
            }
        }
        let daily_average = (valid_hours >= self.standard.day_min_valid_hours && valid_hours > 0)
            .then(|| hour_sum / Decimal::from(valid_hours));
        let day_exceeded = match (daily_average, limit.daily_limit) {
            (Some(average), Some(limit)) => average > limit,
            _ => false,
        };
        FactorDay {
            hourly,
            daily_average,
            valid_hours,
            hour_exceedances,
            day_exceeded,
            capture_rate: Decimal::from(valid_hours) / self.hours_per_day,
        }
    }

    /// 5-minute blocks whose mean is below the minimum. `mean < min` is decided as
    /// `sum < min × count`, exactly equivalent and without a division.
    fn low_furnace_blocks(&self, furnace: &SlotMinutes) -> u32 {
        let minimum = self.standard.furnace_min_temperature;
        let mut low = 0;
        for block in 0..MINUTES_PER_DAY / FURNACE_BLOCK {
            let mut sum = Decimal::ZERO;
            let mut count = 0u32;
            for minute in block * FURNACE_BLOCK..(block + 1) * FURNACE_BLOCK {
                if furnace.states[minute] == VALID
                    && let Some(next) = sum.checked_add(furnace.values[minute])
                {
                    sum = next;
                    count += 1;
                }
            }
            if count > 0
                && minimum
                    .checked_mul(Decimal::from(count))
                    .is_some_and(|threshold| sum < threshold)
            {
                low += 1;
            }
        }
        low
    }
}
