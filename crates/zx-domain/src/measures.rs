//! Improvement measures (清单化管理): what is done about a target, by whom, by when.
//!
//! Overdue is derived, never stored: a measure is overdue on a date when it is neither done nor
//! cancelled and its due date has passed. Dates are calendar dates in the group's time zone
//! (China Standard Time, UTC+8, no daylight saving): [`china_today`] turns an instant into one.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::calendar::china_today;
use crate::engine::Engine;
use crate::entity::{EntityCode, EntityId};
use crate::kpi::{Status, TargetBook};
use crate::period::Period;

/// Where a measure stands. `overdue` is not a status: see [`Measure::is_overdue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeasureStatus {
    Planned,
    InProgress,
    Done,
    Cancelled,
}

impl MeasureStatus {
    pub const ALL: [MeasureStatus; 4] = [
        MeasureStatus::Planned,
        MeasureStatus::InProgress,
        MeasureStatus::Done,
        MeasureStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeasureStatus::Planned => "planned",
            MeasureStatus::InProgress => "in_progress",
            MeasureStatus::Done => "done",
            MeasureStatus::Cancelled => "cancelled",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            MeasureStatus::Planned => "计划中",
            MeasureStatus::InProgress => "推进中",
            MeasureStatus::Done => "已完成",
            MeasureStatus::Cancelled => "已取消",
        }
    }

    /// `planned|in_progress|done|cancelled`, or the names people read (`推进中`, `in progress`,
    /// as `format::measure_status_label` writes them in an exported list).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL.into_iter().find(|s| {
            s.as_str().eq_ignore_ascii_case(text)
                || s.as_str().replace('_', " ").eq_ignore_ascii_case(text)
                || s.name_zh() == text
        })
    }

    /// Still to be acted on.
    pub fn is_open(self) -> bool {
        matches!(self, MeasureStatus::Planned | MeasureStatus::InProgress)
    }
}

impl fmt::Display for MeasureStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One listed measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    pub id: i64,
    pub entity: EntityCode,
    pub title: String,
    /// The indicator it serves, e.g. `roe`; `None` for a measure not tied to one.
    pub indicator: Option<String>,
    /// The responsible user's name.
    pub owner: String,
    pub start: Option<NaiveDate>,
    pub due: NaiveDate,
    pub status: MeasureStatus,
    /// 0–100.
    pub progress: u8,
    /// What is to be done, in a sentence or two.
    pub description: String,
    /// The effect hoped for, as people write it ("+3 M yuan total profit", "−2 pp debt ratio").
    pub expected_effect: String,
    /// Other responsible users (besides the owner), by name, sorted.
    pub co_owners: Vec<String>,
    /// The inspection visit whose requirement this measure is, if any.
    pub visit: Option<i64>,
    /// Bumped by every change: an edit names the revision it was made on (optimistic locking).
    pub revision: i64,
}

impl Measure {
    /// The improvement plan a measure belongs to: its entity's plan for the year it starts
    /// (or, without a start date, the year it is due).
    pub fn plan_year(&self) -> i32 {
        use chrono::Datelike;
        self.start.unwrap_or(self.due).year()
    }

    /// Whether `user` answers for this measure (owner or co-owner).
    pub fn is_responsible(&self, user: &str) -> bool {
        self.owner == user || self.co_owners.iter().any(|c| c == user)
    }

    /// Overdue on `as_of`: still open and due before that date (due today is not overdue).
    pub fn is_overdue(&self, as_of: NaiveDate) -> bool {
        self.status.is_open() && self.due < as_of
    }
}

/// Why a reminder is sent about a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReminderReason {
    /// Open and due within the next 7 days (today included): to the owner.
    DueSoon,
    /// Open and past its due date: to the owner.
    Overdue,
    /// Overdue by more than the grace period: to the managers of the superior entity.
    Escalated,
}

impl ReminderReason {
    pub const ALL: [ReminderReason; 3] = [
        ReminderReason::DueSoon,
        ReminderReason::Overdue,
        ReminderReason::Escalated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReminderReason::DueSoon => "due_soon",
            ReminderReason::Overdue => "overdue",
            ReminderReason::Escalated => "escalated",
        }
    }

    /// Exactly `due_soon|overdue|escalated`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

impl fmt::Display for ReminderReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reminder to send: about a measure, to a user, for a reason.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reminder {
    pub measure: i64,
    pub user: String,
    pub reason: ReminderReason,
}

/// Days before the due date a measure counts as due soon.
pub const DUE_SOON_DAYS: i64 = 7;

/// The default grace period before an overdue measure is escalated, in days.
pub const DEFAULT_GRACE_DAYS: u32 = 7;

/// The reminders due at `now` (judged on [`china_today`]`(now)`): `due_soon` to the owner and
/// co-owners of an open measure due within [`DUE_SOON_DAYS`] (today included), `overdue` to them
/// when an open measure is past its due date, and `escalated` to each of `escalate_to(measure)` (the enabled
/// managers of the superior entity) once it is overdue by more than `grace_days`
/// (`due + grace < today`). Sorted by measure id, then user, then reason; no duplicates.
pub fn reminders<'a, F>(
    measures: impl IntoIterator<Item = &'a Measure>,
    now: DateTime<Utc>,
    grace_days: u32,
    mut escalate_to: F,
) -> Vec<Reminder>
where
    F: FnMut(&Measure) -> Vec<String>,
{
    let today = china_today(now);
    let mut out = Vec::new();
    for m in measures {
        if !m.status.is_open() {
            continue;
        }
        let days_left = (m.due - today).num_days();
        let push = |out: &mut Vec<Reminder>, user: &str, reason| {
            out.push(Reminder {
                measure: m.id,
                user: user.to_owned(),
                reason,
            })
        };
        // The owner and the co-owners answer for the measure alike.
        let responsible = std::iter::once(&m.owner).chain(&m.co_owners);
        if (0..=DUE_SOON_DAYS).contains(&days_left) {
            for user in responsible {
                push(&mut out, user, ReminderReason::DueSoon);
            }
        } else if days_left < 0 {
            for user in responsible {
                push(&mut out, user, ReminderReason::Overdue);
            }
            if -days_left > i64::from(grace_days) {
                for user in escalate_to(m) {
                    push(&mut out, &user, ReminderReason::Escalated);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Counts for a list of measures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub total: usize,
    pub done: usize,
    pub cancelled: usize,
    pub overdue: usize,
    /// done / (total − cancelled); `None` when nothing is left to count.
    pub completion_rate: Option<Decimal>,
}

/// Totals of a list as of a date.
pub fn summarise<'a>(measures: impl IntoIterator<Item = &'a Measure>, as_of: NaiveDate) -> Summary {
    let mut summary = Summary {
        total: 0,
        done: 0,
        cancelled: 0,
        overdue: 0,
        completion_rate: None,
    };
    for m in measures {
        summary.total += 1;
        match m.status {
            MeasureStatus::Done => summary.done += 1,
            MeasureStatus::Cancelled => summary.cancelled += 1,
            _ => {}
        }
        if m.is_overdue(as_of) {
            summary.overdue += 1;
        }
    }
    let counted = summary.total - summary.cancelled;
    if counted > 0 {
        summary.completion_rate =
            Decimal::from(summary.done as u64).checked_div(Decimal::from(counted as u64));
    }
    summary
}

/// A red indicator with no open measure addressing it: a gap without action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub entity: EntityId,
    pub indicator: usize,
}

/// Every (entity, indicator) that is red for the period and has no planned or in-progress
/// measure for that indicator on that entity.
pub fn gaps(
    engine: &Engine,
    targets: &TargetBook,
    period: Period,
    measures: &[Measure],
) -> Vec<Gap> {
    let tree = engine.tree();
    let mut out = Vec::new();
    for root in tree.roots() {
        for entity in tree.subtree(root) {
            let report = engine.kpi(entity, period, targets);
            let code = &tree.entity(entity).code;
            for result in &report.indicators {
                let red = result
                    .assessment
                    .as_ref()
                    .is_some_and(|a| a.status == Status::Red);
                if !red {
                    continue;
                }
                let id = &engine.catalogue().indicator(result.indicator).id;
                let addressed = measures.iter().any(|m| {
                    m.status.is_open() && &m.entity == code && m.indicator.as_deref() == Some(id)
                });
                if !addressed {
                    out.push(Gap {
                        entity,
                        indicator: result.indicator,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn measure(status: MeasureStatus, due: &str) -> Measure {
        Measure {
            id: 1,
            entity: EntityCode::parse("P1").unwrap(),
            title: "降低厂用电率".into(),
            indicator: Some("total_profit".into()),
            owner: "fujian".into(),
            start: None,
            due: date(due),
            status,
            progress: 50,
            description: String::new(),
            expected_effect: String::new(),
            co_owners: Vec::new(),
            visit: None,
            revision: 1,
        }
    }

    #[test]
    fn overdue_is_derived_from_the_date_in_china() {
        let m = measure(MeasureStatus::InProgress, "2026-06-30");
        assert!(
            !m.is_overdue(date("2026-06-30")),
            "due today is not overdue"
        );
        assert!(m.is_overdue(date("2026-07-01")));
        assert!(!measure(MeasureStatus::Done, "2026-06-30").is_overdue(date("2026-07-01")));
        assert!(!measure(MeasureStatus::Cancelled, "2026-06-30").is_overdue(date("2026-07-01")));
        // 2026-06-30 16:30 UTC is already 2026-07-01 00:30 in Beijing: overdue there.
        let late_evening_utc = Utc.with_ymd_and_hms(2026, 6, 30, 16, 30, 0).unwrap();
        assert_eq!(china_today(late_evening_utc), date("2026-07-01"));
        assert!(m.is_overdue(china_today(late_evening_utc)));
        let afternoon_utc = Utc.with_ymd_and_hms(2026, 6, 30, 15, 59, 59).unwrap();
        assert_eq!(china_today(afternoon_utc), date("2026-06-30"));
        assert!(!m.is_overdue(china_today(afternoon_utc)));
    }

    #[test]
    fn completion_rate_leaves_cancelled_measures_out() {
        let list = [
            measure(MeasureStatus::Done, "2026-03-31"),
            measure(MeasureStatus::Done, "2026-04-30"),
            measure(MeasureStatus::InProgress, "2026-05-31"),
            measure(MeasureStatus::Planned, "2026-12-31"),
            measure(MeasureStatus::Cancelled, "2026-01-31"),
        ];
        let s = summarise(&list, date("2026-06-15"));
        assert_eq!((s.total, s.done, s.cancelled, s.overdue), (5, 2, 1, 1));
        assert_eq!(s.completion_rate, Some(Decimal::new(5, 1)));
        let all_cancelled = [measure(MeasureStatus::Cancelled, "2026-01-31")];
        assert_eq!(
            summarise(&all_cancelled, date("2026-06-15")).completion_rate,
            None
        );
        assert_eq!(
            MeasureStatus::parse("推进中"),
            Some(MeasureStatus::InProgress)
        );
        assert_eq!(
            MeasureStatus::parse("IN_PROGRESS"),
            Some(MeasureStatus::InProgress)
        );
        assert_eq!(MeasureStatus::parse("overdue"), None);
    }

    #[test]
    fn reminders_go_to_owners_then_up_after_the_grace_period() {
        let m = |id: i64, status, due: &str| Measure {
            id,
            owner: format!("owner{id}"),
            ..measure(status, due)
        };
        let list = [
            m(1, MeasureStatus::InProgress, "2026-07-08"), // 7 days left: due soon
            m(2, MeasureStatus::Planned, "2026-07-09"),    // 8 days left: nothing
            m(3, MeasureStatus::Planned, "2026-07-01"),    // due today: due soon
            m(4, MeasureStatus::InProgress, "2026-06-30"), // 1 day late: overdue only
            m(5, MeasureStatus::InProgress, "2026-06-24"), // 7 days late: not yet escalated
            m(6, MeasureStatus::Planned, "2026-06-23"),    // 8 days late: escalated
            m(7, MeasureStatus::Done, "2026-06-01"),
            m(8, MeasureStatus::Cancelled, "2026-07-02"),
        ];
        // 2026-06-30 17:00 UTC is 2026-07-01 01:00 in Beijing.
        let now = Utc.with_ymd_and_hms(2026, 6, 30, 17, 0, 0).unwrap();
        let mut asked = Vec::new();
        let out = reminders(&list, now, DEFAULT_GRACE_DAYS, |m| {
            asked.push(m.id);
            vec!["zboss".into(), "aboss".into(), "aboss".into()]
        });
        assert_eq!(asked, vec![6]);
        let got: Vec<(i64, &str, &str)> = out
            .iter()
            .map(|r| (r.measure, r.user.as_str(), r.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "owner1", "due_soon"),
                (3, "owner3", "due_soon"),
                (4, "owner4", "overdue"),
                (5, "owner5", "overdue"),
                (6, "aboss", "escalated"),
                (6, "owner6", "overdue"),
                (6, "zboss", "escalated"),
            ]
        );
        // A shorter grace period escalates measure 5 too; none escalates nothing.
        let out = reminders(&list, now, 6, |_| vec!["boss".into()]);
        assert_eq!(
            out.iter()
                .filter(|r| r.reason == ReminderReason::Escalated)
                .map(|r| r.measure)
                .collect::<Vec<_>>(),
            vec![5, 6]
        );
        assert!(
            reminders(&list, now, 7, |_| Vec::new())
                .iter()
                .all(|r| r.reason != ReminderReason::Escalated)
        );
        assert_eq!(
            ReminderReason::parse("escalated"),
            Some(ReminderReason::Escalated)
        );
        assert_eq!(ReminderReason::parse("late"), None);
    }

    #[test]
    fn co_owners_are_reminded_like_the_owner() {
        let shared = Measure {
            co_owners: vec!["li".into(), "wang".into()],
            ..measure(MeasureStatus::InProgress, "2026-07-03")
        };
        let late = Measure {
            id: 2,
            co_owners: vec!["li".into()],
            ..measure(MeasureStatus::Planned, "2026-06-01")
        };
        // 2026-07-01 in China: the first is due in 2 days, the second 30 days late.
        let now = Utc.with_ymd_and_hms(2026, 6, 30, 17, 0, 0).unwrap();
        let got: Vec<(i64, String, &str)> =
            reminders(&[shared, late], now, DEFAULT_GRACE_DAYS, |_| {
                vec!["boss".into()]
            })
            .into_iter()
            .map(|r| (r.measure, r.user, r.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "fujian".into(), "due_soon"),
                (1, "li".into(), "due_soon"),
                (1, "wang".into(), "due_soon"),
                (2, "boss".into(), "escalated"),
                (2, "fujian".into(), "overdue"),
                (2, "li".into(), "overdue"),
            ]
        );
    }
}
