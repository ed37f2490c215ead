//! "Now", passed in. The binary makes one [`SystemClock`] in `main` and hands it down; a test
//! makes a [`FixedClock`]. Nothing below reads the wall clock itself, so every date rule (the
//! latest month data may be submitted for, overdue measures, the day a stack's minutes belong
//! to) can be tested at any instant, such as the turn of a month in China.

use std::fmt::Debug;

use chrono::{DateTime, NaiveDate, Utc};
use zx_domain::Month;
pub use zx_domain::calendar::{china_month, china_offset, china_time, china_today};

/// Where "now" comes from.
pub trait Clock: Debug + Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in China ([`china_today`] of [`Clock::now`]).
    fn today(&self) -> NaiveDate {
        china_today(self.now())
    }

    /// This month in China ([`china_month`] of [`Clock::now`]).
    fn this_month(&self) -> Option<Month> {
        china_month(self.now())
    }
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always reads the same instant: for tests, and for a command told when "now"
/// is (`zx remind --now`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_chinas_date_at_the_utc_day_boundary() {
        // 16:30 UTC on the 30th of November is half past midnight on the 1st of December in
        // Beijing: a new day and a new month there.
        let clock = FixedClock("2026-11-30T16:30:00Z".parse().unwrap());
        assert_eq!(clock.today().to_string(), "2026-12-01");
        assert_eq!(clock.this_month().unwrap().to_string(), "2026-12");
        let before = FixedClock("2026-11-30T15:59:59Z".parse().unwrap());
        assert_eq!(before.today().to_string(), "2026-11-30");
        assert_eq!(before.this_month().unwrap().to_string(), "2026-11");
    }

    #[test]
    fn the_system_clock_moves() {
        let first = SystemClock.now();
        assert!(SystemClock.now() >= first);
    }
}
