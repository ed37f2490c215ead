//! A stack's stored minutes judged day by day: what the server's compliance pages and reports
//! and `zx cems check --mn` both ask of the minute store and the compliance engine.
//!
//! Each natural day is read ([`MinuteStore::read_day`]: a sealed day is one Parquet partition,
//! decoded straight into columns) and judged ([`check_stack_columns`]) on its own, the days
//! spread over threads, so a stack-month's 30 partitions are decoded and judged on every core.
//! The verdicts are those of [`zx_domain::cems::compliance::check_stack`] on the same minutes
//! read back as [`zx_domain::cems::MinuteReading`]s (tested below).

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use zx_cems_store::{CemsStoreError, MinuteStore};
use zx_domain::cems::compliance::{DayCompliance, check_stack_columns};
use zx_domain::cems::{FactorMap, Standard};
use zx_domain::parallel::map_in_parallel;

/// The verdicts of stack `mn` for its minutes with `from <= minute < to`, by natural day (only
/// days with readings), judged on up to `threads` threads. The first error met, in day order,
/// is returned.
pub fn judge_stored_days(
    minutes: &MinuteStore,
    mn: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
    factors: &FactorMap,
    standard: &Standard,
    threads: usize,
) -> Result<BTreeMap<NaiveDate, DayCompliance>, CemsStoreError> {
    let mut dates = Vec::new();
    if from < to {
        let last = (to - TimeDelta::milliseconds(1)).date();
        let mut date = from.date();
        while date <= last {
            dates.push(date);
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
    }
    let judged = map_in_parallel(&dates, threads, |date| {
        let Some(day) = minutes.read_day(mn, *date, from, to)? else {
            return Ok(None);
        };
        let verdicts = check_stack_columns(&day.columns()?, factors, standard, 1);
        Ok(verdicts.days.into_iter().next())
    });
    let mut days = BTreeMap::new();
    for day in judged {
        if let Some((date, verdict)) = day? {
            days.insert(date, verdict);
        }
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use zx_domain::Decimal;
    use zx_domain::cems::compliance::check_stack;
    use zx_domain::cems::{Flag, MinuteReading};

    use super::*;

    const MN: &str = "88888880000001";

    fn at(day: u32, hour: u32, minute: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 6, day)
            .unwrap()
            .and_hms_opt(hour, minute, 0)
            .unwrap()
    }

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn reading(minute: NaiveDateTime, code: &str, value: &str, flag: Flag) -> MinuteReading {
        MinuteReading {
            mn: MN.to_owned(),
            minute,
            code: code.to_owned(),
            value: d(value),
            flag,
        }
    }

    /// June 1, sealed: hours 00–20, 45 minutes each of NOx 200 at O₂ 13 → 200 × 10 / 8 = 250;
    /// hour 21, 45 minutes of NOx 320 at O₂ 11 → 320 as measured; at 23:00 a NOx minute
    /// flagged D and an unknown code (in the data, in no average). June 2, in memory: hour 08,
    /// 45 minutes of NOx 169.92 at O₂ 13 → 212.4; and June 1 00:00 resent with NOx 120 (memory
    /// wins over the partition) → 120 × 10 / 8 = 150.
    fn month(store: &MinuteStore) {
        let mut day1 = Vec::new();
        for hour in 0..22 {
            let (nox, o2) = if hour < 21 {
                ("200", "13")
            } else {
                ("320", "11")
            };
            for minute in 0..45 {
                day1.push(reading(at(1, hour, minute), "a21002", nox, Flag::N));
                day1.push(reading(at(1, hour, minute), "a19001", o2, Flag::N));
            }
        }
        day1.push(reading(at(1, 23, 0), "a21002", "999", Flag::D));
        day1.push(reading(at(1, 23, 0), "a01012", "150.5", Flag::N));
        store.append(&day1).unwrap();
        store.seal(at(1, 0, 0).date()).unwrap();
        let mut day2 = Vec::new();
        for minute in 0..45 {
            day2.push(reading(at(2, 8, minute), "a21002", "169.92", Flag::N));
            day2.push(reading(at(2, 8, minute), "a19001", "13", Flag::N));
        }
        day2.push(reading(at(1, 0, 0), "a21002", "120", Flag::N));
        store.append(&day2).unwrap();
    }

    /// The days judged from columns, after checking they equal the old path's (`read`, then
    /// `check_stack`) on the same store and range.
    fn judged(
        store: &MinuteStore,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> BTreeMap<NaiveDate, DayCompliance> {
        let (standard, factors) = (Standard::gb18485_2014(), FactorMap::default());
        let days = judge_stored_days(store, MN, from, to, &factors, &standard, 2).unwrap();
        let one = judge_stored_days(store, MN, from, to, &factors, &standard, 1).unwrap();
        let old = check_stack(&store.read(MN, from, to).unwrap(), &factors, &standard);
        assert_eq!(days, old.days, "{from} to {to}");
        assert_eq!(one, days);
        days
    }

    #[test]
    fn stored_days_are_judged_as_the_readings_read_back_are() {
        let dir = tempfile::tempdir().unwrap();
        let store = MinuteStore::open(dir.path()).unwrap();
        month(&store);
        // Minute bounds cut the edge days as `read` does: June 1 21:00 to June 2 08:10. Read
        // from a fresh read-only store first: June 1's partition decoded from its file, June 2
        // from memory; then again with the partition cached by `read`.
        let (from, to) = (at(1, 21, 0), at(2, 8, 10));
        let cold = MinuteStore::open_read_only(dir.path()).unwrap();
        for days in [judged(&cold, from, to), judged(&cold, from, to)] {
            assert_eq!(
                days[&from.date()].factors["a21002"].hourly[21].valid_minutes,
                45
            );
            assert_eq!(
                days[&to.date()].factors["a21002"].hourly[8].valid_minutes,
                10
            );
        }
        // Whole days, June 1 with its resent minute in memory.
        let days = judged(&store, at(1, 0, 0), at(3, 0, 0));
        let june1 = &days[&at(1, 0, 0).date()].factors["a21002"];
        // Hour 00: 44 minutes of 250 and one of 150 → 11150 / 45 = 247.777…
        assert_eq!(
            june1.hourly[0].average.unwrap().round_dp(6),
            d("247.777778")
        );
        // 22 valid hours: (247.777… + 20 × 250 + 320) / 22 = 5567.777… / 22 = 253.0808…,
        // above the daily limit 250.
        assert_eq!(june1.valid_hours, 22);
        assert_eq!(june1.daily_average.unwrap().round_dp(6), d("253.080808"));
        assert!(june1.day_exceeded);
        let june2 = &days[&at(2, 0, 0).date()].factors["a21002"];
        assert_eq!(june2.hourly[8].average, Some(d("212.4")));
        assert_eq!(june2.daily_average, None);
        // Both days sealed, read cold from their files: the same verdicts.
        store.seal(at(2, 0, 0).date()).unwrap();
        let sealed = MinuteStore::open_read_only(dir.path()).unwrap();
        assert_eq!(judged(&sealed, at(1, 0, 0), at(3, 0, 0)), days);
        // No readings, or an empty range: no days.
        assert!(judged(&store, at(5, 0, 0), at(7, 0, 0)).is_empty());
        assert!(judged(&store, to, from).is_empty());
    }
}
