//! Hidden hazards (隐患, safety.md §2): their grade, the states of the closed loop and when one is
//! overdue. The loop's transition rules are built on these.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use thiserror::Error;

/// The regulator's two grades: a major hazard (重大事故隐患) goes to HQ the day it is graded and is
/// verified above the plant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HazardGrade {
    /// 一般隐患
    General,
    /// 重大隐患
    Major,
}

/// Where a hazard is in its closed loop. Rejection at verification is not a state: it sends the
/// hazard back to `Rectifying` with a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HazardStatus {
    Reported,
    Assessed,
    Rectifying,
    AwaitingVerification,
    /// 销号
    Closed,
}

/// A code that is not a grade or a status, named with the allowed codes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field} = {value} is not allowed; allowed: {allowed}")]
pub struct UnknownCode {
    pub field: &'static str,
    pub value: String,
    pub allowed: &'static str,
}

impl HazardGrade {
    pub const ALL: [HazardGrade; 2] = [HazardGrade::General, HazardGrade::Major];

    pub fn code(self) -> &'static str {
        match self {
            HazardGrade::General => "general",
            HazardGrade::Major => "major",
        }
    }
}

impl HazardStatus {
    pub const ALL: [HazardStatus; 5] = [
        HazardStatus::Reported,
        HazardStatus::Assessed,
        HazardStatus::Rectifying,
        HazardStatus::AwaitingVerification,
        HazardStatus::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            HazardStatus::Reported => "reported",
            HazardStatus::Assessed => "assessed",
            HazardStatus::Rectifying => "rectifying",
            HazardStatus::AwaitingVerification => "awaiting_verification",
            HazardStatus::Closed => "closed",
        }
    }

    /// Open means still someone's work: everything before closing.
    pub fn is_open(self) -> bool {
        self != HazardStatus::Closed
    }
}

impl fmt::Display for HazardGrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for HazardStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for HazardGrade {
    type Err = UnknownCode;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        HazardGrade::ALL
            .into_iter()
            .find(|g| g.code() == text.trim())
            .ok_or_else(|| UnknownCode {
                field: "grade",
                value: text.to_owned(),
                allowed: "general, major",
            })
    }
}

impl FromStr for HazardStatus {
    type Err = UnknownCode;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        HazardStatus::ALL
            .into_iter()
            .find(|s| s.code() == text.trim())
            .ok_or_else(|| UnknownCode {
                field: "status",
                value: text.to_owned(),
                allowed: "reported, assessed, rectifying, awaiting_verification, closed",
            })
    }
}

/// Overdue (safety.md §2): not closed and the deadline, a date in China, is before `as_of`. On
/// the deadline itself a hazard is not overdue yet; one without a deadline never is.
pub fn is_overdue(status: HazardStatus, deadline: Option<NaiveDate>, as_of: NaiveDate) -> bool {
    status.is_open() && deadline.is_some_and(|deadline| deadline < as_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn overdue_is_the_day_after_the_deadline_while_open() {
        let deadline = Some(date("2026-06-30"));
        assert!(!is_overdue(
            HazardStatus::Rectifying,
            deadline,
            date("2026-06-30")
        ));
        assert!(is_overdue(
            HazardStatus::Rectifying,
            deadline,
            date("2026-07-01")
        ));
        assert!(is_overdue(
            HazardStatus::AwaitingVerification,
            deadline,
            date("2026-07-01")
        ));
        assert!(is_overdue(
            HazardStatus::Reported,
            deadline,
            date("2027-01-01")
        ));
        assert!(!is_overdue(
            HazardStatus::Closed,
            deadline,
            date("2026-07-01")
        ));
        assert!(!is_overdue(
            HazardStatus::Rectifying,
            None,
            date("2030-01-01")
        ));
    }

    #[test]
    fn codes_read_back() {
        for status in HazardStatus::ALL {
            assert_eq!(status.code().parse::<HazardStatus>().unwrap(), status);
        }
        for grade in HazardGrade::ALL {
            assert_eq!(grade.code().parse::<HazardGrade>().unwrap(), grade);
        }
        let err = "rejected".parse::<HazardStatus>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "status = rejected is not allowed; allowed: reported, assessed, rectifying, awaiting_verification, closed"
        );
        assert!("Major ".parse::<HazardGrade>().is_err());
    }
}
