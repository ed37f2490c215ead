//! Invariants of the safety rules on random dates, records and hours (safety.md §3–§5).

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use zx_domain::safety::CertificateState;
use zx_domain::safety::certificates::Certificate;
use zx_domain::safety::drills::{DrillPeriod, ObligationStatus, period_status};
use zx_domain::safety::training::{Person, PersonRole, TrainingRecord, training_status};
use zx_domain::{Decimal, EntityCode};

fn day(offset: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Days::new(offset)
}

proptest! {
    /// Exactly one state applies, and it is the first of safety.md's list that does.
    #[test]
    fn a_certificate_is_in_the_first_state_that_applies(
        issued in 0u64..2000,
        life in 1u64..2500,
        review in proptest::option::of(0u64..2500),
        as_of in 0u64..5000,
    ) {
        let c = Certificate {
            person: "W1".into(),
            kind: "电工作业".into(),
            number: "T".into(),
            issued: day(issued),
            expires: day(issued + life),
            last_review: review.map(|r| day(issued + r)),
        };
        let d = day(as_of);
        let expected = if d > c.expires {
            CertificateState::Expired
        } else if c.expires - chrono::Duration::days(60) <= d {
            CertificateState::RenewalDue
        } else if d >= c.review_due_on() {
            CertificateState::ReviewDue
        } else {
            CertificateState::Valid
        };
        prop_assert_eq!(c.state(d), expected);
        prop_assert_eq!(c.state(d).in_force(), d <= c.expires);
    }

    /// Done + short covers the requirement, short is never negative, and done counts only the
    /// year's records up to the date, in exact hours.
    #[test]
    fn short_is_what_is_missing_and_never_negative(
        hours in proptest::collection::vec((0u64..900, 1i64..2000), 0..12),
        as_of in 365u64..1200,
        role in 0usize..4,
    ) {
        let person = Person {
            person: "E1".into(),
            entity: EntityCode::parse("P1").unwrap(),
            role: PersonRole::ALL[role],
            role_since: day(100),
            hired: day(50),
        };
        let records: Vec<TrainingRecord> = hours
            .iter()
            .map(|(offset, tenths)| TrainingRecord {
                person: "E1".into(),
                date: day(*offset + 300),
                hours: Decimal::new(*tenths, 1),
                course: "安全".into(),
            })
            .collect();
        let d = day(as_of);
        let status = training_status(&person, &records, d);
        let expected_done: Decimal = records
            .iter()
            .filter(|r| r.date <= d && chrono::Datelike::year(&r.date) == chrono::Datelike::year(&d))
            .map(|r| r.hours)
            .sum();
        prop_assert_eq!(status.done, expected_done);
        prop_assert!(status.short >= Decimal::ZERO);
        prop_assert!(status.done + status.short >= status.required);
        prop_assert!(status.short == Decimal::ZERO || status.done + status.short == status.required);
    }

    /// A period is done exactly when a drill up to the date falls in it; otherwise it is owed
    /// exactly when a plan was approved before it began.
    #[test]
    fn a_period_is_done_owed_or_not_required(
        approvals in proptest::collection::vec(0u64..2500, 0..3),
        drills in proptest::collection::vec(0u64..2500, 0..4),
        as_of in 0u64..2500,
        half in any::<bool>(),
        back in 0u64..2,
    ) {
        let d = day(as_of);
        let mut period = if half { DrillPeriod::half_of(d) } else { DrillPeriod::year_of(d) };
        for _ in 0..back {
            period = period.previous();
        }
        let approvals: Vec<NaiveDate> = approvals.into_iter().map(day).collect();
        let drills: Vec<NaiveDate> = drills.into_iter().map(day).collect();
        let (first, last) = period.bounds().unwrap();
        let status = period_status(period, d, &approvals, &drills);
        let done = drills.iter().any(|x| *x <= d && first <= *x && *x <= last);
        let owed = approvals.iter().any(|a| *a < first);
        let expected = if done {
            ObligationStatus::Done
        } else if !owed {
            ObligationStatus::NotRequired
        } else if d <= last {
            ObligationStatus::Due { due_by: last }
        } else {
            ObligationStatus::Overdue
        };
        prop_assert_eq!(status, expected);
    }
}
