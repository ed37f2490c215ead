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
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{NaiveDate, Timelike};
use rust_decimal::{Decimal, RoundingStrategy};

use super::{FactorLimit, FactorMap, MinuteReading, Standard};

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
    let threads = threads.clamp(1, stacks.len().max(1));
    if threads == 1 {
        return stacks
            .iter()
            .map(|stack| check_stack(stack.readings, stack.factors, standard))
            .collect();
    }
    // Stacks are handed out one at a time so that a large stack does not leave a core idle.
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<StackCompliance>>> = Mutex::new(vec![None; stacks.len()]);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(stack) = stacks.get(index) else {
                        break;
                    };
                    let result = check_stack(stack.readings, stack.factors, standard);
                    // A poisoned lock only means another worker panicked; its slot stays None.
                    let mut guard = results.lock().unwrap_or_else(|e| e.into_inner());
                    guard[index] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect()
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
    let slot_count = FIRST_POLLUTANT + standard.factors.len();
    let mut slots = Slots {
        factors,
        standard,
        seen: Vec::new(),
        many: HashMap::new(),
    };
    let mut grids: Vec<(NaiveDate, DayGrid)> = Vec::new();
    let mut day_index: HashMap<NaiveDate, usize> = HashMap::new();
    let mut last_day: Option<(NaiveDate, usize)> = None;

    for reading in readings {
        let date = reading.minute.date();
        let grid_index = match last_day {
            Some((day, index)) if day == date => index,
            _ => {
                let index = *day_index.entry(date).or_insert_with(|| {
                    grids.push((
                        date,
                        DayGrid {
                            slots: (0..slot_count).map(|_| None).collect(),
                        },
                    ));
                    grids.len() - 1
                });
                last_day = Some((date, index));
                index
            }
        };
        let slot = slots.resolve(&reading.code);
        if slot == SLOT_IGNORED {
            // The day still has data (it appears in the verdicts), the code means nothing here.
            continue;
        }
        let minute = (reading.minute.time().num_seconds_from_midnight() / 60) as usize;
        let minutes =
            grids[grid_index].1.slots[slot].get_or_insert_with(|| Box::new(SlotMinutes::new()));
        minutes.values[minute] = reading.value;
        minutes.states[minute] = if reading.flag.is_valid() {
            VALID
        } else {
            INVALID
        };
    }

    let rules = Rules::new(standard);
    StackCompliance {
        days: grids
            .into_iter()
            .map(|(date, grid)| (date, rules.judge_day(&grid)))
            .collect(),
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
