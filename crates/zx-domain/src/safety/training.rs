//! People and their yearly safety-training hours (safety.md §4; 《生产经营单位安全培训规定》).
//!
//! The requirement depends on the role held in the calendar year and on whether the role or
//! the job started in that year; what is done is the hours of the person's training records in
//! that year up to "today" (passed in). Hours are exact decimals (1.5 h).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::EntityCode;
use crate::notes::Lang;

/// A person's safety role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PersonRole {
    /// 主要负责人.
    Principal,
    /// 安全管理人员.
    SafetyManager,
    /// Everyone else.
    Staff,
    /// 特种作业人员: also needs a valid certificate (safety.md §5).
    SpecialOperator,
}

impl PersonRole {
    pub const ALL: [PersonRole; 4] = [
        PersonRole::Principal,
        PersonRole::SafetyManager,
        PersonRole::Staff,
        PersonRole::SpecialOperator,
    ];

    /// The code in files, the database and the API.
    pub fn code(self) -> &'static str {
        match self {
            PersonRole::Principal => "principal",
            PersonRole::SafetyManager => "safety_manager",
            PersonRole::Staff => "staff",
            PersonRole::SpecialOperator => "special_operator",
        }
    }

    /// The code, as written in a file (exact, lower case).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.code() == text)
    }

    /// What people read.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            PersonRole::Principal => lang.pick("主要负责人", "principal"),
            PersonRole::SafetyManager => lang.pick("安全管理人员", "safety manager"),
            PersonRole::Staff => lang.pick("从业人员", "staff"),
            PersonRole::SpecialOperator => lang.pick("特种作业人员", "special operator"),
        }
    }

    /// Principals and safety managers: 32 h the year the role starts, 12 h later.
    pub fn is_manager(self) -> bool {
        matches!(self, PersonRole::Principal | PersonRole::SafetyManager)
    }
}

/// One person of a plant's staff list. `person` is the group's own identifier (a staff number),
/// unique across the group; `role_since` is when the current role started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub person: String,
    pub entity: EntityCode,
    pub role: PersonRole,
    pub role_since: NaiveDate,
    pub hired: NaiveDate,
}

/// Hours of one training course attended by one person on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingRecord {
    pub person: String,
    pub date: NaiveDate,
    pub hours: Decimal,
    pub course: String,
}

/// Hours a principal or safety manager needs the year the role starts.
pub const MANAGER_FIRST_YEAR_HOURS: u32 = 32;
/// … and in later years.
pub const MANAGER_LATER_YEAR_HOURS: u32 = 12;
/// Hours anyone else needs the year they are hired.
pub const NEW_EMPLOYEE_HOURS: u32 = 24;
/// Hours staff and special operators need in later years.
pub const STAFF_LATER_YEAR_HOURS: u32 = 8;

/// The hours `person` must have in calendar `year` (safety.md §4's table):
/// - a principal or safety manager: 32 in the year of `role_since`, 12 in later years;
/// - anyone else (and a manager before the role started): 24 in the year of `hired`, 8 in
///   later years, nothing in a year before being hired.
pub fn required_hours(person: &Person, year: i32) -> Decimal {
    let hours = if person.role.is_manager() && person.role_since.year() == year {
        MANAGER_FIRST_YEAR_HOURS
    } else if person.role.is_manager() && person.role_since.year() < year {
        MANAGER_LATER_YEAR_HOURS
    } else if person.hired.year() == year {
        NEW_EMPLOYEE_HOURS
    } else if person.hired.year() < year {
        STAFF_LATER_YEAR_HOURS
    } else {
        0
    };
    Decimal::from(hours)
}

/// A person's hours in the calendar year of a date, up to that date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrainingStatus {
    pub required: Decimal,
    pub done: Decimal,
    /// `required − done`, at least 0.
    pub short: Decimal,
}

impl TrainingStatus {
    /// Short of hours as of the date.
    pub fn is_short(&self) -> bool {
        self.short > Decimal::ZERO
    }
}

/// `person`'s requirement and hours in `as_of`'s year: the hours of `records` (of any people;
/// only the person's count) dated in that year and not after `as_of`.
pub fn training_status<'a>(
    person: &Person,
    records: impl IntoIterator<Item = &'a TrainingRecord>,
    as_of: NaiveDate,
) -> TrainingStatus {
    let done = records
        .into_iter()
        .filter(|r| r.person == person.person && r.date.year() == as_of.year() && r.date <= as_of)
        .map(|r| r.hours)
        .sum();
    status(required_hours(person, as_of.year()), done)
}

fn status(required: Decimal, done: Decimal) -> TrainingStatus {
    TrainingStatus {
        required,
        done,
        short: (required - done).max(Decimal::ZERO),
    }
}

/// Every person's status as of `as_of`, by person (records indexed once, not scanned per person).
pub fn training_by_person(
    people: &[Person],
    records: &[TrainingRecord],
    as_of: NaiveDate,
) -> BTreeMap<String, TrainingStatus> {
    let mut done: HashMap<&str, Decimal> = HashMap::new();
    for record in records
        .iter()
        .filter(|r| r.date.year() == as_of.year() && r.date <= as_of)
    {
        *done.entry(record.person.as_str()).or_default() += record.hours;
    }
    people
        .iter()
        .map(|person| {
            let hours = done
                .get(person.person.as_str())
                .copied()
                .unwrap_or_default();
            (
                person.person.clone(),
                status(required_hours(person, as_of.year()), hours),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn person(role: PersonRole, role_since: &str, hired: &str) -> Person {
        Person {
            person: "E001".into(),
            entity: EntityCode::parse("P1").unwrap(),
            role,
            role_since: date(role_since),
            hired: date(hired),
        }
    }

    fn record(on: &str, hours: &str) -> TrainingRecord {
        TrainingRecord {
            person: "E001".into(),
            date: date(on),
            hours: dec(hours),
            course: "安全生产法".into(),
        }
    }

    #[test]
    fn a_manager_needs_32_hours_the_year_the_role_starts_and_12_later() {
        let manager = person(PersonRole::SafetyManager, "2026-03-01", "2019-05-01");
        assert_eq!(required_hours(&manager, 2026), dec("32"));
        assert_eq!(required_hours(&manager, 2027), dec("12"));
        // Before the role started the manager was staff hired in 2019: 8 h.
        assert_eq!(required_hours(&manager, 2025), dec("8"));
        // A principal hired and appointed the same year: the role's 32 h, not a new hire's 24.
        let principal = person(PersonRole::Principal, "2026-01-05", "2026-01-05");
        assert_eq!(required_hours(&principal, 2026), dec("32"));
    }

    #[test]
    fn a_new_hire_needs_24_hours_and_staff_8_in_later_years() {
        // Hired 2026-11-20: 24 h in 2026 even with six weeks left; 8 h from 2027.
        let staff = person(PersonRole::Staff, "2026-11-20", "2026-11-20");
        assert_eq!(required_hours(&staff, 2026), dec("24"));
        assert_eq!(required_hours(&staff, 2027), dec("8"));
        assert_eq!(required_hours(&staff, 2025), dec("0"));
        let operator = person(PersonRole::SpecialOperator, "2020-01-01", "2020-01-01");
        assert_eq!(required_hours(&operator, 2026), dec("8"));
        // A new hire as of 2026-12-06 with nothing done is 24 h short.
        let status = training_status(&staff, &[], date("2026-12-06"));
        assert_eq!((status.done, status.short), (dec("0"), dec("24")));
    }

    #[test]
    fn done_counts_this_years_records_up_to_the_date_with_decimals() {
        // A manager in the role since 2024 needs 12 h in 2026. Records: 2025-12-31 8 h (last
        // year), 2026-03-02 9 h, 2026-06-30 1.5 h, 2026-07-01 4 h (after the date).
        // Done = 9 + 1.5 = 10.5; short = 12 − 10.5 = 1.5 (safety.md §7's example).
        let manager = person(PersonRole::Principal, "2024-04-01", "2010-01-01");
        let records = [
            record("2025-12-31", "8"),
            record("2026-03-02", "9"),
            record("2026-06-30", "1.5"),
            record("2026-07-01", "4"),
        ];
        let status = training_status(&manager, &records, date("2026-06-30"));
        assert_eq!(status.required, dec("12"));
        assert_eq!(status.done, dec("10.5"));
        assert_eq!(status.short, dec("1.5"));
        assert!(status.is_short());
        // A day later the 4 h count: 14.5 done, short 0 (never negative).
        let status = training_status(&manager, &records, date("2026-07-01"));
        assert_eq!((status.done, status.short), (dec("14.5"), dec("0")));
        assert!(!status.is_short());
    }

    #[test]
    fn every_person_is_listed_and_other_peoples_hours_do_not_count() {
        let first = person(PersonRole::Staff, "2020-01-01", "2020-01-01");
        let second = Person {
            person: "E002".into(),
            ..first.clone()
        };
        let mut theirs = record("2026-02-01", "5.25");
        theirs.person = "E002".into();
        let all = training_by_person(
            &[first, second],
            &[record("2026-02-01", "2.5"), theirs],
            date("2026-12-31"),
        );
        // E001: 8 − 2.5 = 5.5 short; E002: 8 − 5.25 = 2.75 short.
        assert_eq!(all["E001"].short, dec("5.5"));
        assert_eq!(all["E002"].short, dec("2.75"));
    }

    #[test]
    fn roles_read_back() {
        for role in PersonRole::ALL {
            assert_eq!(PersonRole::parse(role.code()), Some(role));
        }
        assert_eq!(PersonRole::parse("manager"), None);
    }
}
