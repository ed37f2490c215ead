//! Special-operation certificates (特种作业操作证, safety.md §5) and the major hazard of a
//! special operator working without one in force.
//!
//! A certificate is valid six years from issue (its `expires` date is recorded as printed),
//! reviewed (复审) every three years, and renewed from 60 days before it expires.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, Months, NaiveDate};

use crate::notes::Lang;
use crate::safety::training::{Person, PersonRole};

/// Renewal is applied for from this many days before expiry.
pub const RENEWAL_WINDOW_DAYS: u64 = 60;
/// A review is due this many years after issue or the last review.
pub const REVIEW_INTERVAL_YEARS: u32 = 3;

/// One special-operation certificate of a person; `kind` is its operation type (electrician,
/// welding, work at height…) as printed, `number` its number, unique across the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub person: String,
    pub kind: String,
    pub number: String,
    pub issued: NaiveDate,
    pub expires: NaiveDate,
    pub last_review: Option<NaiveDate>,
}

/// Where a certificate stands on a date; the first that applies, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CertificateState {
    /// After its expiry date.
    Expired,
    /// From 60 days before expiry to the expiry date, both included.
    RenewalDue,
    /// Three years or more since issue or the last review, and not expired.
    ReviewDue,
    Valid,
}

impl CertificateState {
    /// `expired`, `renewal_due`, `review_due` or `valid`.
    pub fn code(self) -> &'static str {
        match self {
            CertificateState::Expired => "expired",
            CertificateState::RenewalDue => "renewal_due",
            CertificateState::ReviewDue => "review_due",
            CertificateState::Valid => "valid",
        }
    }

    /// What people read.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            CertificateState::Expired => lang.pick("已过期", "expired"),
            CertificateState::RenewalDue => lang.pick("待换证", "renewal due"),
            CertificateState::ReviewDue => lang.pick("待复审", "review due"),
            CertificateState::Valid => lang.pick("有效", "valid"),
        }
    }

    /// Whether the operator may still work with it (every state but `expired`).
    pub fn in_force(self) -> bool {
        self != CertificateState::Expired
    }
}

impl Certificate {
    /// The first day renewal is due: `expires − 60 days`.
    pub fn renewal_from(&self) -> NaiveDate {
        self.expires
            .checked_sub_days(Days::new(RENEWAL_WINDOW_DAYS))
            .unwrap_or(NaiveDate::MIN)
    }

    /// The day a review falls due: three years after the last review, or after issue when never
    /// reviewed (29 February + 3 years is 28 February).
    pub fn review_due_on(&self) -> NaiveDate {
        self.last_review
            .unwrap_or(self.issued)
            .checked_add_months(Months::new(12 * REVIEW_INTERVAL_YEARS))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The state on `as_of` (safety.md §5).
    pub fn state(&self, as_of: NaiveDate) -> CertificateState {
        if as_of > self.expires {
            CertificateState::Expired
        } else if self.renewal_from() <= as_of {
            CertificateState::RenewalDue
        } else if as_of >= self.review_due_on() {
            CertificateState::ReviewDue
        } else {
            CertificateState::Valid
        }
    }
}

/// Why a major hazard was raised automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AutoHazardReason {
    /// A special operator none of whose certificates is in force (工贸企业重大事故隐患判定标准).
    NoValidCertificate,
}

impl AutoHazardReason {
    /// `no_valid_certificate`.
    pub fn code(self) -> &'static str {
        match self {
            AutoHazardReason::NoValidCertificate => "no_valid_certificate",
        }
    }

    /// What people read.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            AutoHazardReason::NoValidCertificate => lang.pick(
                "特种作业人员无有效操作证",
                "special operator without a valid certificate",
            ),
        }
    }
}

/// A major hazard the rules raise on their own, naming the person.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AutoHazard {
    pub person: String,
    pub reason: AutoHazardReason,
}

/// The special operators among `people` none of whose `certificates` is in force on `as_of`
/// (all expired, or none at all), one hazard per person, sorted by person.
pub fn uncertified_operators(
    people: &[Person],
    certificates: &[Certificate],
    as_of: NaiveDate,
) -> Vec<AutoHazard> {
    let certified: BTreeSet<&str> = certificates
        .iter()
        .filter(|c| c.state(as_of).in_force())
        .map(|c| c.person.as_str())
        .collect();
    let operators: BTreeSet<&str> = people
        .iter()
        .filter(|p| p.role == PersonRole::SpecialOperator)
        .map(|p| p.person.as_str())
        .collect();
    operators
        .difference(&certified)
        .map(|person| AutoHazard {
            person: (*person).to_owned(),
            reason: AutoHazardReason::NoValidCertificate,
        })
        .collect()
}

/// Every certificate's state on `as_of`, by number.
pub fn certificate_states(
    certificates: &[Certificate],
    as_of: NaiveDate,
) -> BTreeMap<String, CertificateState> {
    certificates
        .iter()
        .map(|c| (c.number.clone(), c.state(as_of)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EntityCode;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn certificate(person: &str, number: &str, issued: &str, expires: &str) -> Certificate {
        Certificate {
            person: person.into(),
            kind: "焊接与热切割作业".into(),
            number: number.into(),
            issued: date(issued),
            expires: date(expires),
            last_review: None,
        }
    }

    use CertificateState::{Expired, RenewalDue, ReviewDue, Valid};

    #[test]
    fn renewal_is_due_from_exactly_60_days_before_expiry() {
        // Expires 2026-12-31; 60 days before: 31 Dec − 30 = 1 Dec, − 30 = 1 Nov.
        let mut c = certificate("E1", "T1", "2020-12-31", "2026-12-31");
        c.last_review = Some(date("2024-06-01")); // next review 2027-06-01: not in the way
        assert_eq!(c.renewal_from(), date("2026-11-01"));
        assert_eq!(c.state(date("2026-10-31")), Valid);
        assert_eq!(c.state(date("2026-11-01")), RenewalDue);
        assert_eq!(c.state(date("2026-12-31")), RenewalDue);
        assert_eq!(c.state(date("2027-01-01")), Expired);
    }

    #[test]
    fn review_is_due_three_years_after_issue_or_the_last_review() {
        // Issued 2023-03-01, never reviewed: due on 2026-03-01.
        let mut c = certificate("E1", "T1", "2023-03-01", "2029-03-01");
        assert_eq!(c.state(date("2026-02-28")), Valid);
        assert_eq!(c.state(date("2026-03-01")), ReviewDue);
        // Reviewed on 2026-02-20: next due 2029-02-20, but renewal (from 2028-12-31: 2029-03-01
        // − 60 days = 1 Mar − 28 (Feb) = 1 Feb, − 31 (Jan) = 1 Jan, − 1 = 31 Dec) comes first.
        c.last_review = Some(date("2026-02-20"));
        assert_eq!(c.state(date("2026-03-01")), Valid);
        assert_eq!(c.renewal_from(), date("2028-12-31"));
        assert_eq!(c.state(date("2028-12-30")), Valid);
        assert_eq!(c.state(date("2028-12-31")), RenewalDue);
        // 29 February + 3 years is 28 February.
        let leap = certificate("E1", "T2", "2024-02-29", "2030-02-28");
        assert_eq!(leap.review_due_on(), date("2027-02-28"));
    }

    #[test]
    fn an_operator_without_a_certificate_in_force_is_a_major_hazard_once() {
        let person = |id: &str, role| Person {
            person: id.into(),
            entity: EntityCode::parse("P1").unwrap(),
            role,
            role_since: date("2020-01-01"),
            hired: date("2020-01-01"),
        };
        let people = [
            person("W3", PersonRole::SpecialOperator), // no certificate at all
            person("W1", PersonRole::SpecialOperator), // one expired, one renewal due
            person("W2", PersonRole::SpecialOperator), // expired only
            person("S1", PersonRole::Staff),           // not an operator
        ];
        let certificates = [
            certificate("W1", "A", "2019-01-01", "2025-01-01"),
            certificate("W1", "B", "2020-08-01", "2026-08-01"),
            certificate("W2", "C", "2019-01-01", "2025-01-01"),
            certificate("W2", "D", "2019-01-01", "2025-01-01"),
        ];
        // As of 2026-07-01: B is renewal due (from 2026-06-02), still in force.
        let hazards = uncertified_operators(&people, &certificates, date("2026-07-01"));
        let persons: Vec<&str> = hazards.iter().map(|h| h.person.as_str()).collect();
        assert_eq!(persons, ["W2", "W3"]);
        assert!(
            hazards
                .iter()
                .all(|h| h.reason.code() == "no_valid_certificate")
        );
        // On 2026-08-02 B has expired too.
        let hazards = uncertified_operators(&people, &certificates, date("2026-08-02"));
        assert_eq!(hazards.len(), 3);
    }
}
