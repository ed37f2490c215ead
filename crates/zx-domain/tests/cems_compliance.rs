//! The compliance engine against hand-worked numbers, one rule of cems.md at a time. Every
//! expected value is worked out in the comment next to it, never taken from the engine. Each
//! check runs both inputs of the engine — readings (`check_stack`) and columns
//! (`check_stack_columns`, the minute store's shape) — and requires the same verdicts.
//!
//! Standard: GB 18485-2014 (reference O₂ 11 %, so corrected = measured × 10 / (21 − O₂); NOx
//! a21002 limits 300 hourly, 250 daily; 45 minutes, 20 hours; furnace 850 °C, at most 5 low).

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;
use rust_decimal::Decimal;
use zx_domain::cems::compliance::{
    ColumnsError, DayCompliance, FactorDay, ReadingColumns, StackCompliance, StackMinutes,
    check_stack, check_stack_columns, check_stacks, output_value,
};
use zx_domain::cems::{FactorMap, Flag, MinuteReading, Standard};

const MN: &str = "88888880000001";
const NOX: &str = "a21002";
const SO2: &str = "a21026";
const O2: &str = "a19001";
const FURNACE: &str = "furnace_temp";

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn at(day: u32, hour: u32, minute: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 6, day)
        .unwrap()
        .and_hms_opt(hour, minute, 0)
        .unwrap()
}

fn reading(code: &str, time: NaiveDateTime, value: &str, flag: Flag) -> MinuteReading {
    MinuteReading {
        mn: MN.to_owned(),
        minute: time,
        code: code.to_owned(),
        value: d(value),
        flag,
    }
}

/// `count` valid (flag N) minutes of hour `hour` on June `day` from minute 0: the pollutant
/// `code` at `value` and O₂ at `o2`.
fn minutes(
    out: &mut Vec<MinuteReading>,
    day: u32,
    hour: u32,
    count: u32,
    code: &str,
    value: &str,
    o2: &str,
) {
    for minute in 0..count {
        out.push(reading(code, at(day, hour, minute), value, Flag::N));
        out.push(reading(O2, at(day, hour, minute), o2, Flag::N));
    }
}

fn gb() -> Standard {
    Standard::gb18485_2014()
}

/// Readings as the columns the minute store reads: codes interned in order of first
/// appearance, minutes in milliseconds since 1970-01-01 00:00, values in millionths.
struct Columns {
    codes: Vec<String>,
    minute_ms: Vec<i64>,
    code: Vec<u32>,
    value: Vec<i64>,
    flag: Vec<Flag>,
}

fn columns_of(readings: &[MinuteReading]) -> Columns {
    let mut columns = Columns {
        codes: Vec::new(),
        minute_ms: Vec::new(),
        code: Vec::new(),
        value: Vec::new(),
        flag: Vec::new(),
    };
    for reading in readings {
        let code = match columns.codes.iter().position(|c| *c == reading.code) {
            Some(index) => index,
            None => {
                columns.codes.push(reading.code.clone());
                columns.codes.len() - 1
            }
        };
        let mut millionths = reading.value;
        millionths.rescale(6);
        assert_eq!(millionths, reading.value, "at most 6 decimals");
        columns
            .minute_ms
            .push(reading.minute.and_utc().timestamp_millis());
        columns.code.push(code as u32);
        columns
            .value
            .push(i64::try_from(millionths.mantissa()).unwrap());
        columns.flag.push(reading.flag);
    }
    columns
}

/// The engine on columns, on `threads` threads.
fn check_columns(readings: &[MinuteReading], map: &FactorMap, threads: usize) -> StackCompliance {
    let c = columns_of(readings);
    let columns =
        ReadingColumns::new(&c.codes, &c.minute_ms, &c.code, &c.value, 6, &c.flag).unwrap();
    check_stack_columns(&columns, map, &gb(), threads)
}

/// Both inputs of the engine, which must agree; the verdicts by day.
fn check_with(readings: &[MinuteReading], map: &FactorMap) -> StackCompliance {
    let result = check_stack(readings, map, &gb());
    assert_eq!(check_columns(readings, map, 1), result, "columns, 1 thread");
    assert_eq!(
        check_columns(readings, map, 2),
        result,
        "columns, 2 threads"
    );
    result
}

fn check(readings: &[MinuteReading]) -> BTreeMap<NaiveDate, DayCompliance> {
    check_with(readings, &FactorMap::default()).days
}

fn factor<'a>(days: &'a BTreeMap<NaiveDate, DayCompliance>, day: u32, code: &str) -> &'a FactorDay {
    &days[&NaiveDate::from_ymd_opt(2026, 6, day).unwrap()].factors[code]
}

fn day_of(days: &BTreeMap<NaiveDate, DayCompliance>, day: u32) -> &DayCompliance {
    &days[&NaiveDate::from_ymd_opt(2026, 6, day).unwrap()]
}

#[test]
fn o2_correction_multiplies_first_and_divides_last() {
    let mut data = Vec::new();
    // Hour 0: 200 at O₂ 13 → 200 × 10 / (21 − 13) = 2000 / 8 = 250.
    minutes(&mut data, 1, 0, 60, NOX, "200", "13");
    // Hour 1: 327 at O₂ 10.1 → 327 × 10 / 10.9 = 3270 / 10.9 = 300 exactly. Multiplying by a
    // precomputed 10 / 10.9 = 0.91743119… (rounded to 28 digits) would give
    // 300.00000000000000000000000001, an hour exceedance that is not one.
    minutes(&mut data, 1, 1, 60, NOX, "327", "10.1");
    // Hour 2: 30 minutes at 200/O₂ 13 (→ 250) and 30 at 100/O₂ 11 (→ 100 × 10 / 10 = 100):
    // (30 × 250 + 30 × 100) / 60 = 10500 / 60 = 175.
    minutes(&mut data, 1, 2, 30, NOX, "200", "13");
    for minute in 30..60 {
        data.push(reading(NOX, at(1, 2, minute), "100", Flag::N));
        data.push(reading(O2, at(1, 2, minute), "11", Flag::N));
    }
    // Hour 3: 100 at O₂ 20.9 → 1000 / 0.1 = 10000.
    minutes(&mut data, 1, 3, 60, NOX, "100", "20.9");
    let days = check(&data);
    let nox = factor(&days, 1, NOX);
    assert_eq!(nox.hourly[0].average, Some(d("250")));
    assert_eq!(nox.hourly[1].average, Some(d("300")));
    // Of hours 0–3 (250, 300, 175, 10000) only hour 3 is above 300.
    assert_eq!(nox.hour_exceedances, vec![3]);
    assert_eq!(nox.hourly[2].average, Some(d("175")));
    assert_eq!(nox.hourly[3].average, Some(d("10000")));
    assert_eq!(nox.hourly[0].valid_minutes, 60);
}

#[test]
fn an_hour_needs_45_valid_minutes_and_44_are_not_enough() {
    let mut data = Vec::new();
    // Hour 0: 45 valid minutes at 100/O₂ 11 (→ 100), the other 15 under maintenance.
    minutes(&mut data, 1, 0, 45, NOX, "100", "11");
    for minute in 45..60 {
        data.push(reading(NOX, at(1, 0, minute), "100", Flag::M));
    }
    // Hour 1: 44 valid minutes, nothing else.
    minutes(&mut data, 1, 1, 44, NOX, "100", "11");
    let days = check(&data);
    let nox = factor(&days, 1, NOX);
    assert_eq!(nox.hourly[0].valid_minutes, 45);
    assert_eq!(nox.hourly[0].average, Some(d("100")));
    assert_eq!(nox.hourly[1].valid_minutes, 44);
    assert_eq!(nox.hourly[1].average, None);
    assert_eq!(nox.hourly[2].valid_minutes, 0);
    assert_eq!(nox.valid_hours, 1);
}

#[test]
fn a_day_needs_20_valid_hours_and_19_are_not_enough() {
    let mut data = Vec::new();
    // June 1: hours 0–19 at 100 (→ 100), hours 20–23 at 300/O₂ 11 but only 30 minutes each
    // (no average, so they do not pull the mean up): 20 valid hours, daily 2000 / 20 = 100.
    for hour in 0..20 {
        minutes(&mut data, 1, hour, 60, NOX, "100", "11");
    }
    for hour in 20..24 {
        minutes(&mut data, 1, hour, 30, NOX, "300", "11");
    }
    // June 2: 19 valid hours.
    for hour in 0..19 {
        minutes(&mut data, 2, hour, 60, NOX, "100", "11");
    }
    let days = check(&data);
    let june1 = factor(&days, 1, NOX);
    assert_eq!(june1.valid_hours, 20);
    assert_eq!(june1.daily_average, Some(d("100")));
    // Capture rate 20 / 24 = 5 / 6.
    assert_eq!(june1.capture_rate, Decimal::from(5) / Decimal::from(6));
    let june2 = factor(&days, 2, NOX);
    assert_eq!(june2.valid_hours, 19);
    assert_eq!(june2.daily_average, None);
    assert!(!june2.day_exceeded);
    assert!(!day_of(&days, 2).violation);
}

#[test]
fn equal_to_a_limit_is_not_an_exceedance_just_above_is() {
    let mut data = Vec::new();
    // June 1, NOx: hour 0 at 327/O₂ 10.1 → 3270 / 10.9 = 300 = the hourly limit: not exceeded.
    // Hour 1 at 300.001/O₂ 11 → 300.001 > 300: exceeded. Hours 2–21 at 250 (→ 250).
    // Daily: (300 + 300.001 + 20 × 250) / 22 = 5600.001 / 22 = 254.5455 > 250: violation.
    minutes(&mut data, 1, 0, 60, NOX, "327", "10.1");
    minutes(&mut data, 1, 1, 60, NOX, "300.001", "11");
    for hour in 2..22 {
        minutes(&mut data, 1, hour, 60, NOX, "250", "11");
    }
    // June 2, NOx: 20 hours at 270/O₂ 10.2 → 2700 / 10.8 = 250 exactly: daily 250 = the daily
    // limit: no violation.
    for hour in 0..20 {
        minutes(&mut data, 2, hour, 60, NOX, "270", "10.2");
    }
    // June 3, NOx: 19 hours at 250 and one at 250.008: daily = 250 + 0.008 / 20 = 250.0004,
    // which prints as 250.000 but is above the limit (comparisons use unrounded values).
    for hour in 0..19 {
        minutes(&mut data, 3, hour, 60, NOX, "250", "11");
    }
    minutes(&mut data, 3, 19, 60, NOX, "250.008", "11");
    let days = check(&data);

    let june1 = factor(&days, 1, NOX);
    assert_eq!(june1.hourly[0].average, Some(d("300")));
    assert_eq!(june1.hour_exceedances, vec![1]);
    assert_eq!(june1.daily_average, Some(d("5600.001") / d("22")));
    assert!(june1.day_exceeded);
    assert!(day_of(&days, 1).violation);

    let june2 = factor(&days, 2, NOX);
    assert_eq!(june2.daily_average, Some(d("250")));
    assert!(june2.hour_exceedances.is_empty());
    assert!(!june2.day_exceeded);
    assert!(!day_of(&days, 2).violation);

    let june3 = factor(&days, 3, NOX);
    assert_eq!(june3.daily_average, Some(d("250.0004")));
    assert_eq!(output_value(d("250.0004")), "250.000");
    assert!(june3.day_exceeded);
    assert!(day_of(&days, 3).violation);
}

#[test]
fn only_n_and_s_count_every_other_flag_is_excluded() {
    for flag in [
        Flag::F,
        Flag::M,
        Flag::D,
        Flag::C,
        Flag::T,
        Flag::B,
        Flag::P,
    ] {
        let mut data = Vec::new();
        // 45 normal minutes at 100 and 15 at 1000 with the invalid flag: the 15 are left out,
        // so the average is 100 over 45 minutes, not (4500 + 15000) / 60 = 325.
        minutes(&mut data, 1, 0, 45, NOX, "100", "11");
        for minute in 45..60 {
            data.push(reading(NOX, at(1, 0, minute), "1000", flag));
            data.push(reading(O2, at(1, 0, minute), "11", Flag::N));
        }
        let days = check(&data);
        let nox = factor(&days, 1, NOX);
        assert_eq!(nox.hourly[0].valid_minutes, 45, "flag {flag}");
        assert_eq!(nox.hourly[0].average, Some(d("100")), "flag {flag}");
    }
    // S (set value) counts: 45 N at 100 and 15 S at 200 → (4500 + 3000) / 60 = 125.
    let mut data = Vec::new();
    minutes(&mut data, 1, 0, 45, NOX, "100", "11");
    for minute in 45..60 {
        data.push(reading(NOX, at(1, 0, minute), "200", Flag::S));
        data.push(reading(O2, at(1, 0, minute), "11", Flag::S));
    }
    let days = check(&data);
    let nox = factor(&days, 1, NOX);
    assert_eq!(nox.hourly[0].valid_minutes, 60);
    assert_eq!(nox.hourly[0].average, Some(d("125")));
}

#[test]
fn an_invalid_missing_or_impossible_o2_makes_the_minute_invalid() {
    let mut data = Vec::new();
    // Hour 0: 60 valid NOx minutes; O₂ valid (11) in 44 of them, and in the other 16:
    // 4 with O₂ flagged D, 4 with O₂ = 21, 4 with O₂ = 22.5, 4 with no O₂ reading at all.
    // 44 valid corrected minutes: no average.
    for minute in 0..60 {
        data.push(reading(NOX, at(1, 0, minute), "100", Flag::N));
        match minute {
            0..44 => data.push(reading(O2, at(1, 0, minute), "11", Flag::N)),
            44..48 => data.push(reading(O2, at(1, 0, minute), "11", Flag::D)),
            48..52 => data.push(reading(O2, at(1, 0, minute), "21", Flag::N)),
            52..56 => data.push(reading(O2, at(1, 0, minute), "22.5", Flag::N)),
            _ => {}
        }
    }
    // Hour 1: the same with one more valid O₂ minute: 45, average 100.
    for minute in 0..60 {
        data.push(reading(NOX, at(1, 1, minute), "100", Flag::N));
        let (o2, flag) = if minute < 45 {
            ("11", Flag::N)
        } else {
            ("21", Flag::N)
        };
        data.push(reading(O2, at(1, 1, minute), o2, flag));
    }
    let days = check(&data);
    let nox = factor(&days, 1, NOX);
    assert_eq!(nox.hourly[0].valid_minutes, 44);
    assert_eq!(nox.hourly[0].average, None);
    assert_eq!(nox.hourly[1].valid_minutes, 45);
    assert_eq!(nox.hourly[1].average, Some(d("100")));
}

/// The furnace readings of one 5-minute block starting at `hour:start` on June 1.
fn furnace_block(out: &mut Vec<MinuteReading>, hour: u32, start: u32, values: [(&str, Flag); 5]) {
    for (offset, (value, flag)) in values.into_iter().enumerate() {
        out.push(reading(
            FURNACE,
            at(1, hour, start + offset as u32),
            value,
            flag,
        ));
    }
}

#[test]
fn furnace_five_low_blocks_are_allowed_six_are_a_violation_day() {
    let n = Flag::N;
    let mut data = Vec::new();
    // Block 00:00: 849, 851, 850, 850, 850 → mean 4250 / 5 = 850, not below 850: not low.
    furnace_block(
        &mut data,
        0,
        0,
        [("849", n), ("851", n), ("850", n), ("850", n), ("850", n)],
    );
    // Blocks 00:05, 00:10, 00:15, 00:20: 849.9 each minute → mean 849.9: low (4 blocks).
    for start in [5, 10, 15, 20] {
        furnace_block(&mut data, 0, start, [("849.9", n); 5]);
    }
    // Block 00:25: 4 minutes at 900 flagged D (left out) and one valid 800 → mean 800: low (5).
    let bad = ("900", Flag::D);
    furnace_block(&mut data, 0, 25, [bad, bad, ("800", n), bad, bad]);
    // Block 00:30: nothing valid → no mean, not counted.
    furnace_block(&mut data, 0, 30, [("100", Flag::M); 5]);
    // Six: 00:33 and 00:34 re-sent at 840 (flag N) replace the M readings of those minutes
    // (last one wins), so block 00:30 = {M, M, M, 840, 840}: mean 840, low, the 6th. 00:35–00:39
    // at 900 are block 00:35 (mean 900, not low): blocks are aligned on :00, :05…; a block
    // starting at the first reading (00:33–00:37) would have mean (2 × 840 + 3 × 900) / 5 = 876
    // and not be low.
    let mut six = data.clone();
    for minute in [33, 34] {
        six.push(reading(FURNACE, at(1, 0, minute), "840", n));
    }
    for minute in 35..40 {
        six.push(reading(FURNACE, at(1, 0, minute), "900", n));
    }
    let days = check(&six);
    assert_eq!(day_of(&days, 1).furnace_low_5min, 6);
    assert!(day_of(&days, 1).violation);

    // Without those two minutes: 5 low blocks (00:05, 00:10, 00:15, 00:20, 00:25): allowed.
    let days = check(&data);
    assert_eq!(day_of(&days, 1).furnace_low_5min, 5);
    assert!(!day_of(&days, 1).violation);
    // The day has furnace data only: no factor of the standard.
    assert!(day_of(&days, 1).factors.is_empty());
}

#[test]
fn duplicates_last_one_wins_and_order_does_not_matter_otherwise() {
    let mut data = Vec::new();
    minutes(&mut data, 1, 0, 60, NOX, "100", "11");
    // Minute 00:00 re-sent at 160: (59 × 100 + 160) / 60 = 6060 / 60 = 101.
    data.push(reading(NOX, at(1, 0, 0), "160", Flag::N));
    let days = check(&data);
    assert_eq!(factor(&days, 1, NOX).hourly[0].average, Some(d("101")));
    assert_eq!(factor(&days, 1, NOX).hourly[0].valid_minutes, 60);

    // Re-sent once more, flagged C: the minute is now invalid, 59 valid at 100 → 100.
    data.push(reading(NOX, at(1, 0, 0), "160", Flag::C));
    let days = check(&data);
    assert_eq!(factor(&days, 1, NOX).hourly[0].average, Some(d("100")));
    assert_eq!(factor(&days, 1, NOX).hourly[0].valid_minutes, 59);

    // Without duplicates, reversing the input changes nothing.
    let mut plain = Vec::new();
    minutes(&mut plain, 1, 0, 50, NOX, "120", "13");
    minutes(&mut plain, 1, 5, 50, SO2, "40", "11");
    let forward = check(&plain);
    plain.reverse();
    assert_eq!(check(&plain), forward);
}

#[test]
fn factors_of_the_day_only_aliases_resolved_unknown_codes_ignored() {
    let mut map = FactorMap::default();
    map.aliases.insert("NOX".into(), NOX.into());
    map.oxygen = "O2".into();
    let mut data = Vec::new();
    for minute in 0..45 {
        // 150 at O₂ 15 → 1500 / 6 = 250.
        data.push(reading("NOX", at(1, 0, minute), "150", Flag::N));
        data.push(reading("O2", at(1, 0, minute), "15", Flag::N));
        data.push(reading("a01012", at(1, 0, minute), "120", Flag::N)); // flue temperature
    }
    // June 2 has only an unknown code: the day is there, with no factor.
    data.push(reading("a01012", at(2, 0, 0), "120", Flag::N));
    let days = check_with(&data, &map).days;
    let june1 = &days[&NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()];
    assert_eq!(june1.factors.keys().collect::<Vec<_>>(), vec![NOX]);
    assert_eq!(june1.factors[NOX].hourly[0].average, Some(d("250")));
    assert_eq!(june1.furnace_low_5min, 0);
    assert!(
        days[&NaiveDate::from_ymd_opt(2026, 6, 2).unwrap()]
            .factors
            .is_empty()
    );
}

#[test]
fn capture_rate_over_a_period_counts_missing_days_as_no_valid_hours() {
    let mut data = Vec::new();
    // June 1: 20 valid NOx hours; June 2: 12; June 3: nothing.
    for hour in 0..20 {
        minutes(&mut data, 1, hour, 45, NOX, "100", "11");
    }
    for hour in 0..12 {
        minutes(&mut data, 2, hour, 45, NOX, "100", "11");
    }
    let result = check_with(&data, &FactorMap::default());
    let june = |day| NaiveDate::from_ymd_opt(2026, 6, day).unwrap();
    // June 1–3: (20 + 12) / 72 = 4 / 9.
    let rates = result.capture_rates(june(1), june(3));
    assert_eq!(rates[NOX], Decimal::from(4) / Decimal::from(9));
    // June 2 alone: 12 / 24 = 0.5.
    assert_eq!(result.capture_rates(june(2), june(2))[NOX], d("0.5"));
    // June 2's own capture rate is the same 12 / 24.
    assert_eq!(result.days[&june(2)].factors[NOX].capture_rate, d("0.5"));
    // An inverted period has nothing.
    assert!(result.capture_rates(june(3), june(1)).is_empty());
}

#[test]
fn output_rounds_half_away_from_zero_to_three_places() {
    assert_eq!(output_value(d("212.4")), "212.400");
    assert_eq!(output_value(d("0.0005")), "0.001");
    assert_eq!(output_value(d("2.0004999")), "2.000");
    assert_eq!(output_value(d("-1.2345")), "-1.235");
    assert_eq!(output_value(Decimal::from(250)), "250.000");
    // 1000 / 3 = 333.333…
    assert_eq!(output_value(d("1000") / d("3")), "333.333");
}

#[test]
fn columns_that_do_not_line_up_are_refused_before_judging() {
    let codes = ["a21002"];
    let (ms, value, flag) = ([0_i64, 60_000], [1_i64, 2], [Flag::N, Flag::N]);
    assert_eq!(
        ReadingColumns::new(&codes, &ms, &[0], &value, 6, &flag).unwrap_err(),
        ColumnsError::Lengths {
            minute: 2,
            code: 1,
            value: 2,
            flag: 2
        }
    );
    assert_eq!(
        ReadingColumns::new(&codes, &ms, &[0, 1], &value, 6, &flag).unwrap_err(),
        ColumnsError::Code {
            row: 1,
            index: 1,
            codes: 1
        }
    );
    assert_eq!(
        ReadingColumns::new(&codes, &ms, &[0, 0], &value, 29, &flag).unwrap_err(),
        ColumnsError::Scale(29)
    );
    assert_eq!(
        ReadingColumns::new(&codes, &ms, &[0, 0], &value, 28, &flag)
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn columns_read_values_at_their_scale_and_minutes_as_local_milliseconds() {
    // 2026-06-01 08:00 is 1,780,300,800,000 ms after 1970-01-01 00:00 (20,605 days × 86,400,000
    // + 8 × 3,600,000). 45 minutes of NOx 16992 at scale 2 (169.92) with O₂ 1300 (13) →
    // 169.92 × 10 / 8 = 212.4 at 08:00, as the readings path computes it.
    let start = 20_605 * 86_400_000 + 8 * 3_600_000_i64;
    let (mut ms, mut code, mut value) = (Vec::new(), Vec::new(), Vec::new());
    for minute in 0..45 {
        for (index, scaled) in [(0, 16_992), (1, 1_300)] {
            ms.push(start + minute * 60_000);
            code.push(index);
            value.push(scaled);
        }
    }
    let flag = vec![Flag::N; ms.len()];
    let codes = [NOX, O2];
    let columns = ReadingColumns::new(&codes, &ms, &code, &value, 2, &flag).unwrap();
    let days = check_stack_columns(&columns, &FactorMap::default(), &gb(), 2).days;
    assert_eq!(factor(&days, 1, NOX).hourly[8].average, Some(d("212.4")));
    assert_eq!(factor(&days, 1, NOX).hourly[8].valid_minutes, 45);
}

fn arb_readings() -> impl Strategy<Value = Vec<MinuteReading>> {
    let codes = [NOX, SO2, O2, FURNACE, "a01012"];
    prop::collection::vec(
        (
            0u32..3,
            0u32..24,
            0u32..60,
            0usize..codes.len(),
            0i64..100_000,
            0usize..Flag::ALL.len(),
        ),
        0..400,
    )
    .prop_map(move |rows| {
        rows.into_iter()
            .map(|(day, hour, minute, code, value, flag)| MinuteReading {
                mn: MN.to_owned(),
                minute: at(1 + day, hour, minute),
                code: codes[code].to_owned(),
                value: Decimal::new(value, 2),
                flag: Flag::ALL[flag],
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn the_input_order_does_not_matter_when_there_are_no_duplicates(mut data in arb_readings(), seed in any::<u64>()) {
        // Keep the first of each (minute, code) so that "last one wins" does not apply.
        let mut seen = std::collections::HashSet::new();
        data.retain(|r| seen.insert((r.minute, r.code.clone())));
        let before = check(&data);
        // A deterministic shuffle.
        let len = data.len();
        let mut state = seed;
        for i in (1..len).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            data.swap(i, (state >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(check(&data), before);
    }

    #[test]
    fn counts_agree_with_the_45_minute_and_20_hour_rules(data in arb_readings()) {
        for day in check(&data).values() {
            for factor in day.factors.values() {
                prop_assert!(factor.valid_hours <= 24);
                prop_assert_eq!(factor.valid_hours as usize, factor.hourly.iter().filter(|h| h.average.is_some()).count());
                for hour in &factor.hourly {
                    prop_assert!(hour.valid_minutes <= 60);
                    prop_assert_eq!(hour.average.is_some(), hour.valid_minutes >= 45);
                }
                prop_assert_eq!(factor.daily_average.is_some(), factor.valid_hours >= 20);
            }
            prop_assert!(day.furnace_low_5min <= 288);
        }
    }

    #[test]
    fn columns_give_the_verdicts_of_readings_duplicates_included(data in arb_readings(), threads in 1usize..4) {
        // The same rows, in the same order (duplicates: the later wins on both paths).
        let old = check_stack(&data, &FactorMap::default(), &gb());
        prop_assert_eq!(check_columns(&data, &FactorMap::default(), threads), old);
    }

    #[test]
    fn several_stacks_on_two_threads_equal_each_stack_alone(a in arb_readings(), b in arb_readings(), c in arb_readings()) {
        let map = FactorMap::default();
        let standard = gb();
        let stacks: Vec<StackMinutes<'_>> = [&a, &b, &c]
            .into_iter()
            .map(|readings| StackMinutes { mn: MN, readings, factors: &map })
            .collect();
        let together = check_stacks(&stacks, &standard, 2);
        let alone: Vec<_> = [&a, &b, &c].into_iter().map(|r| check_stack(r, &map, &standard)).collect();
        prop_assert_eq!(together, alone);
    }
}
