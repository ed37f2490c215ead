//! What the emissions pages say about a stack now, and violation days counted per month and
//! per plant: pure functions of verdicts, times and counts the caller passes in.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};

use super::compliance::DayCompliance;
use crate::Lang;

/// A stack is offline when its newest minute is older than this.
pub const OFFLINE_AFTER_MINUTES: i64 = 10;

/// What a tile or a row says about a stack now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackStatus {
    Ok,
    Alarm,
    Violation,
    Offline,
}

impl StackStatus {
    /// Offline beats everything (nothing is known); then an exceedance today (an hour over its
    /// limit, or the day a violation); then open alarms. `latest` is the newest minute and `now`
    /// the time in China; `today` the verdict of today so far.
    pub fn of(
        latest: Option<NaiveDateTime>,
        now: NaiveDateTime,
        today: Option<&DayCompliance>,
        open_alarms: usize,
    ) -> Self {
        let online = latest.is_some_and(|at| now - at <= TimeDelta::minutes(OFFLINE_AFTER_MINUTES));
        let exceeded = DayVerdict::of(today).exceeded();
        if !online {
            StackStatus::Offline
        } else if exceeded {
            StackStatus::Violation
        } else if open_alarms > 0 {
            StackStatus::Alarm
        } else {
            StackStatus::Ok
        }
    }

    /// The stable name (CSS class of the pages).
    pub fn as_str(self) -> &'static str {
        match self {
            StackStatus::Ok => "ok",
            StackStatus::Alarm => "alarm",
            StackStatus::Violation => "violation",
            StackStatus::Offline => "offline",
        }
    }

    pub fn text(self, lang: Lang) -> &'static str {
        match self {
            StackStatus::Ok => lang.pick("正常", "normal"),
            StackStatus::Alarm => lang.pick("报警", "alarm"),
            StackStatus::Violation => lang.pick("今日超标", "exceeding today"),
            StackStatus::Offline => lang.pick("离线", "offline"),
        }
    }
}

/// What a day's verdict card says about a stack's day. The same reading of the verdict decides
/// [`StackStatus::of`]'s "exceeding today", so a header that says so never sits above a card
/// that says "compliant": an hour over its limit is shown as such, apart from a violation day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayVerdict {
    /// No reading that day.
    NoData,
    /// Readings, no hour over its limit, not a violation day (so far).
    Compliant,
    /// An hourly mean over its 1-hour limit, but (so far) not a violation day.
    HoursExceeded,
    /// A violation day: a daily mean over its limit, or the furnace too often too cold.
    Violation,
}

impl DayVerdict {
    pub fn of(day: Option<&DayCompliance>) -> Self {
        match day {
            None => DayVerdict::NoData,
            Some(day) if day.violation => DayVerdict::Violation,
            Some(day) if day.factors.values().any(|f| !f.hour_exceedances.is_empty()) => {
                DayVerdict::HoursExceeded
            }
            Some(_) => DayVerdict::Compliant,
        }
    }

    /// Whether anything went over a limit that day.
    pub fn exceeded(self) -> bool {
        matches!(self, DayVerdict::HoursExceeded | DayVerdict::Violation)
    }

    /// The card's colour (CSS class `status-…` of the pages).
    pub fn colour(self) -> &'static str {
        match self {
            DayVerdict::NoData => "none",
            DayVerdict::Compliant => "green",
            DayVerdict::HoursExceeded | DayVerdict::Violation => "red",
        }
    }

    pub fn text(self, lang: Lang) -> &'static str {
        match self {
            DayVerdict::NoData => lang.pick("当日无数据", "No data this day"),
            DayVerdict::Compliant => lang.pick("未超标", "Compliant"),
            DayVerdict::HoursExceeded => lang.pick("小时均值超标", "Hourly limit exceeded"),
            DayVerdict::Violation => lang.pick("超标排放日", "Violation day"),
        }
    }
}

/// Violation days of one stack per month of `year`, from its days and whether each was a
/// violation day; days of other years and after `today` are not counted.
pub fn violation_days_by_month(
    days: impl IntoIterator<Item = (NaiveDate, bool)>,
    year: i32,
    today: NaiveDate,
) -> [u32; 12] {
    let mut months = [0u32; 12];
    for (day, violation) in days {
        if day.year() == year && day <= today && violation {
            months[day.month0() as usize] += 1;
        }
    }
    months
}

/// Violation days per plant and month: a day counts once per stack (two furnaces over the limit
/// on the same day are two violations, as the regulator counts outlets). `stacks` gives each
/// stack's plant and months; plants come out in order of their key.
pub fn violation_days_by_plant<K: Ord>(
    stacks: impl IntoIterator<Item = (K, [u32; 12])>,
) -> BTreeMap<K, [u32; 12]> {
    let mut plants: BTreeMap<K, [u32; 12]> = BTreeMap::new();
    for (plant, months) in stacks {
        let row = plants.entry(plant).or_insert([0; 12]);
        for (total, days) in row.iter_mut().zip(months) {
            *total += days;
        }
    }
    plants
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 6, 1)
            .unwrap()
            .and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap())
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn a_stack_silent_for_more_than_ten_minutes_is_offline_whatever_else() {
        let now = at(12, 0);
        assert_eq!(StackStatus::of(None, now, None, 3), StackStatus::Offline);
        assert_eq!(
            StackStatus::of(Some(at(11, 49)), now, None, 0),
            StackStatus::Offline
        );
        assert_eq!(
            StackStatus::of(Some(at(11, 50)), now, None, 0),
            StackStatus::Ok
        );
        assert_eq!(
            StackStatus::of(Some(at(11, 59)), now, None, 2),
            StackStatus::Alarm
        );
    }

    #[test]
    fn an_exceedance_today_beats_open_alarms() {
        let today = DayCompliance {
            factors: BTreeMap::new(),
            furnace_low_5min: 0,
            violation: true,
        };
        assert_eq!(
            StackStatus::of(Some(at(11, 59)), at(12, 0), Some(&today), 2),
            StackStatus::Violation
        );
        assert_eq!(
            StackStatus::of(None, at(12, 0), Some(&today), 0),
            StackStatus::Offline
        );
    }

    #[test]
    fn an_hour_over_its_limit_is_exceeded_on_the_card_as_in_the_status() {
        use crate::Decimal;
        use crate::cems::compliance::{FactorDay, HourAverage};
        let factor = |hour_exceedances: Vec<u32>| FactorDay {
            hourly: [HourAverage::default(); 24],
            daily_average: None,
            valid_hours: 1,
            hour_exceedances,
            day_exceeded: false,
            capture_rate: Decimal::ZERO,
        };
        let nox = factor(vec![3]);
        let today = DayCompliance {
            factors: BTreeMap::from([("a21002".to_owned(), nox)]),
            furnace_low_5min: 0,
            violation: false,
        };
        let card = DayVerdict::of(Some(&today));
        assert_eq!(card, DayVerdict::HoursExceeded);
        assert_eq!(card.colour(), "red");
        assert_eq!(card.text(Lang::Zh), "小时均值超标");
        assert_eq!(
            StackStatus::of(Some(at(11, 59)), at(12, 0), Some(&today), 0),
            StackStatus::Violation
        );
        let quiet = DayCompliance {
            factors: BTreeMap::from([("a21002".to_owned(), factor(Vec::new()))]),
            furnace_low_5min: 0,
            violation: false,
        };
        assert_eq!(DayVerdict::of(Some(&quiet)), DayVerdict::Compliant);
        assert_eq!(DayVerdict::of(None), DayVerdict::NoData);
        assert_eq!(
            StackStatus::of(Some(at(11, 59)), at(12, 0), Some(&quiet), 0),
            StackStatus::Ok
        );
    }

    #[test]
    fn violation_days_count_only_the_year_up_to_today() {
        let days = [
            (day(1, 3), true),
            (day(1, 4), true),
            (day(1, 5), false),
            (day(3, 1), true),
            (day(7, 1), true), // after today
            (NaiveDate::from_ymd_opt(2025, 1, 3).unwrap(), true),
        ];
        let months = violation_days_by_month(days, 2026, day(6, 30));
        assert_eq!(months[0], 2);
        assert_eq!(months[2], 1);
        assert_eq!(months.iter().sum::<u32>(), 3);
    }

    #[test]
    fn a_plant_counts_each_stack_s_violation_days() {
        let mut a = [0; 12];
        a[0] = 2;
        let mut b = [0; 12];
        b[0] = 1;
        b[5] = 4;
        let plants = violation_days_by_plant([("P1", a), ("P2", b), ("P1", b)]);
        assert_eq!(plants["P1"][0], 3);
        assert_eq!(plants["P1"][5], 4);
        assert_eq!(plants["P2"].iter().sum::<u32>(), 5);
        assert_eq!(plants.keys().copied().collect::<Vec<_>>(), ["P1", "P2"]);
    }
}
