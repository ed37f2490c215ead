//! The group's calendar: China Standard Time, UTC+8 all year (no daylight saving since 1991).
//!
//! "Today", "this month" and the wall-clock time are always China's, whatever the machine's time
//! zone: a figure submitted at 00:30 on the 1st in Beijing is for the new month, although it is
//! still the previous day in UTC. Each is one pure function of an instant passed in (the caller
//! holds the clock), defined here once for the CLI, the server and the domain's own rules.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Utc};

use crate::period::Month;

/// The group's time zone: China Standard Time, UTC+8.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is valid"))
}

/// The calendar date in China at `now`.
pub fn china_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&china_offset()).date_naive()
}

/// The month in China at `now`: the last month figures may be submitted for. `None` for a
/// clock outside the years a [`Month`] has (1900–2999).
pub fn china_month(now: DateTime<Utc>) -> Option<Month> {
    let today = china_today(now);
    Month::new(today.year(), today.month()).ok()
}

/// The wall-clock time in China at `now` (HJ 212 `DataTime` is stamped in it).
pub fn china_time(now: DateTime<Utc>) -> NaiveDateTime {
    now.with_timezone(&china_offset()).naive_local()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_day_and_month_turn_at_16_00_utc() {
        let before = at("2026-11-30T15:59:59Z");
        assert_eq!(china_today(before).to_string(), "2026-11-30");
        assert_eq!(china_month(before).unwrap().to_string(), "2026-11");
        let after = at("2026-11-30T16:30:00Z");
        assert_eq!(china_today(after).to_string(), "2026-12-01");
        assert_eq!(china_month(after).unwrap().to_string(), "2026-12");
        assert_eq!(
            china_time(after).format("%Y-%m-%d %H:%M").to_string(),
            "2026-12-01 00:30"
        );
    }

    #[test]
    fn the_new_year_begins_in_china_first() {
        let new_year = at("2026-12-31T16:00:00Z");
        assert_eq!(china_month(new_year).unwrap().to_string(), "2027-01");
    }
}
