//! Months, bases and reporting periods.
//!
//! Everything a subsidiary submits is keyed by a calendar month; an indicator is asked for a
//! [`Period`]: a month plus a [`Basis`] saying whether it covers that month alone or the year to date.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// A calendar month, the unit of every submitted figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u8,
}

/// Why a text is not a `YYYY-MM` month.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MonthError {
    #[error("is not a month in the form YYYY-MM")]
    Format,
    #[error("month must be 01 to 12")]
    MonthOutOfRange,
    #[error("year must be between 1900 and 2999")]
    YearOutOfRange,
}

impl Month {
    /// Builds a month, refusing values a calendar does not have.
    pub fn new(year: i32, month: u32) -> Result<Self, MonthError> {
        if !(1900..=2999).contains(&year) {
            return Err(MonthError::YearOutOfRange);
        }
        if !(1..=12).contains(&month) {
            return Err(MonthError::MonthOutOfRange);
        }
        Ok(Self {
            year,
            month: month as u8,
        })
    }

    /// Parses exactly `YYYY-MM` (leading/trailing blanks allowed), as clerks type it.
    pub fn parse(text: &str) -> Result<Self, MonthError> {
        let text = text.trim();
        let (y, m) = text.split_once('-').ok_or(MonthError::Format)?;
        if y.len() != 4 || m.is_empty() || m.len() > 2 {
            return Err(MonthError::Format);
        }
        if !y.bytes().all(|b| b.is_ascii_digit()) || !m.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MonthError::Format);
        }
        let year: i32 = y.parse().map_err(|_| MonthError::Format)?;
        let month: u32 = m.parse().map_err(|_| MonthError::Format)?;
        Self::new(year, month)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// Month of the year, 1 to 12.
    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    /// A dense, ordered number for array indexing: consecutive months differ by one.
    pub fn ordinal(self) -> i32 {
        self.year * 12 + i32::from(self.month) - 1
    }

    /// Inverse of [`Month::ordinal`]; `None` outside the supported years.
    pub fn from_ordinal(ordinal: i32) -> Option<Self> {
        Self::new(ordinal.div_euclid(12), (ordinal.rem_euclid(12) + 1) as u32).ok()
    }

    /// The month `count` months later (earlier when negative); `None` outside the supported years.
    pub fn offset(self, count: i32) -> Option<Self> {
        Self::from_ordinal(self.ordinal() + count)
    }

    pub fn previous(self) -> Option<Self> {
        self.offset(-1)
    }

    /// The same month one year earlier, for year-on-year comparison.
    pub fn year_before(self) -> Option<Self> {
        self.offset(-12)
    }

    /// January of this month's year.
    pub fn january(self) -> Self {
        Self {
            year: self.year,
            month: 1,
        }
    }

    /// Calendar days in the month (Gregorian leap years: 2024-02 has 29, 2100-02 has 28).
    pub fn days(self) -> u32 {
        match self.month {
            4 | 6 | 9 | 11 => 30,
            2 if self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0) => 29,
            2 => 28,
            _ => 31,
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = MonthError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Whether a figure or a period covers one month or the year to date. No `Default`: periods
/// default to `ytd` but submitted rows to `month`, so each caller says which it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// Months 1..m of the year: how Chinese financial statements are filled and how targets run.
    Ytd,
    /// Month m alone.
    Month,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Ytd => "ytd",
            Basis::Month => "month",
        }
    }

    /// Parses `ytd` or `month` (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "ytd" => Some(Basis::Ytd),
            "month" => Some(Basis::Month),
            _ => None,
        }
    }
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The span an indicator is computed over: ending at `end`, year to date or the month alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    pub end: Month,
    pub basis: Basis,
}

impl Period {
    pub fn new(end: Month, basis: Basis) -> Self {
        Self { end, basis }
    }

    /// First month covered.
    pub fn start(self) -> Month {
        match self.basis {
            Basis::Ytd => self.end.january(),
            Basis::Month => self.end,
        }
    }

    /// Number of months covered (1..=12).
    pub fn month_count(self) -> u32 {
        match self.basis {
            Basis::Ytd => self.end.month(),
            Basis::Month => 1,
        }
    }

    /// Calendar days covered: the month's days, or 1 January to the month's last day (the
    /// `days` of indicator formulas: a load rate divides by capacity × days).
    pub fn days(self) -> u32 {
        self.months().map(Month::days).sum()
    }

    /// The months covered, in order.
    pub fn months(self) -> impl Iterator<Item = Month> {
        let start = self.start().ordinal();
        (start..=self.end.ordinal()).filter_map(Month::from_ordinal)
    }

    /// The balance date before the period starts: December of last year for `ytd`, the previous
    /// month for `month`.
    pub fn opening(self) -> Option<Month> {
        self.start().previous()
    }

    /// The same period one year earlier.
    pub fn year_before(self) -> Option<Self> {
        Some(Self {
            end: self.end.year_before()?,
            basis: self.basis,
        })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.end, self.basis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_months() {
        assert_eq!(Month::parse("2026-03").unwrap().to_string(), "2026-03");
        assert_eq!(Month::parse(" 2026-3 ").unwrap().to_string(), "2026-03");
        assert_eq!(Month::parse("2026-13"), Err(MonthError::MonthOutOfRange));
        assert_eq!(Month::parse("2026-00"), Err(MonthError::MonthOutOfRange));
        assert_eq!(Month::parse("2026/03"), Err(MonthError::Format));
        assert_eq!(Month::parse("26-03"), Err(MonthError::Format));
        assert_eq!(Month::parse("2026-03-01"), Err(MonthError::Format));
        assert_eq!(Month::parse("１９９９-01"), Err(MonthError::Format));
        assert_eq!(Month::parse(""), Err(MonthError::Format));
    }

    #[test]
    fn periods_cover_the_right_months() {
        let march = Month::parse("2026-03").unwrap();
        let ytd = Period::new(march, Basis::Ytd);
        let names: Vec<String> = ytd.months().map(|m| m.to_string()).collect();
        assert_eq!(names, ["2026-01", "2026-02", "2026-03"]);
        assert_eq!(ytd.opening().unwrap().to_string(), "2025-12");
        let month = Period::new(march, Basis::Month);
        assert_eq!(month.month_count(), 1);
        assert_eq!(month.opening().unwrap().to_string(), "2026-02");
        assert_eq!(ytd.year_before().unwrap().end.to_string(), "2025-03");
        let january = Month::parse("2026-01").unwrap();
        assert_eq!(january.previous().unwrap().to_string(), "2025-12");
    }

    #[test]
    fn a_period_counts_its_calendar_days() {
        let period = |text: &str, basis| Period::new(Month::parse(text).unwrap(), basis);
        // operations.md: 2026-03 YTD = 31 + 28 + 31 = 90; 2024-03 YTD = 31 + 29 + 31 = 91.
        assert_eq!(period("2026-03", Basis::Ytd).days(), 90);
        assert_eq!(period("2024-03", Basis::Ytd).days(), 91);
        assert_eq!(period("2024-02", Basis::Month).days(), 29);
        assert_eq!(period("2100-02", Basis::Month).days(), 28);
        assert_eq!(period("2000-02", Basis::Month).days(), 29);
        assert_eq!(period("2026-04", Basis::Month).days(), 30);
        assert_eq!(period("2026-12", Basis::Ytd).days(), 365);
        assert_eq!(period("2024-12", Basis::Ytd).days(), 366);
    }
}
