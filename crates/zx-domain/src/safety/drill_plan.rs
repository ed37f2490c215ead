//! A company's yearly drill plan (年度应急演练计划) and the reminders before each planned date.
//!
//! The drill obligations of safety.md §3 say what must be drilled in a period; the yearly plan
//! says when the company means to do it: planned drills, each naming one of its plans and a date
//! (the due date). A planned drill is done when a drill of that plan is recorded: within a
//! calendar year the plan's recorded drills count for its planned drills in date order (the
//! first drill of the year for the earliest planned one, and so on), early or late, so a plan
//! drilled twice in a year fulfils its two planned drills whatever the exact days.
//!
//! Reminders: `lead_days` before the due date while nothing is recorded (due soon), and once
//! the date has passed (overdue), each (planned drill, person, reason) once — the caller
//! records them, as for measures.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};

use crate::entity::EntityCode;
use crate::notes::Lang;

/// The default number of days before a planned drill's date that its reminder goes out.
pub const DEFAULT_LEAD_DAYS: u32 = 14;

/// One drill of a company's yearly plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedDrill {
    pub id: i64,
    pub entity: EntityCode,
    /// The emergency plan to drill (its code in the plans register).
    pub plan: String,
    /// The planned date: the drill is due by it (a China date).
    pub due: NaiveDate,
    /// What is to be rehearsed (情景), free text.
    pub scenario: String,
    /// Local units planned to take part (fire brigade, hospital, township …); empty: none.
    pub joint_with: String,
    /// Why it was cancelled, once it was (it stays in the plan, counts for nothing and is
    /// reminded of no more).
    pub cancel_reason: Option<String>,
}

/// A recorded drill as the plan needs it: which entity and plan, on which day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedDrill<'a> {
    pub entity: &'a EntityCode,
    pub plan: &'a str,
    pub date: NaiveDate,
}

impl<'a> From<&'a super::Drill> for RecordedDrill<'a> {
    fn from(d: &'a super::Drill) -> Self {
        RecordedDrill {
            entity: &d.entity,
            plan: &d.plan,
            date: d.date,
        }
    }
}

/// Where a planned drill stands as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlannedState {
    /// A recorded drill counts for it (on that date).
    Done(NaiveDate),
    /// Nothing recorded, the date more than the lead time away.
    Planned,
    /// Nothing recorded, the date within the lead time (today included).
    DueSoon,
    /// Nothing recorded and the date has passed.
    Overdue,
    /// Taken out of the plan, with a reason.
    Cancelled,
}

impl PlannedState {
    /// The code used in JSON, `data-*` attributes and filters.
    pub fn code(self) -> &'static str {
        match self {
            PlannedState::Done(_) => "done",
            PlannedState::Planned => "planned",
            PlannedState::DueSoon => "due_soon",
            PlannedState::Overdue => "overdue",
            PlannedState::Cancelled => "cancelled",
        }
    }

    /// The state as people read it.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            PlannedState::Done(_) => lang.pick("已完成", "done"),
            PlannedState::Planned => lang.pick("计划中", "planned"),
            PlannedState::DueSoon => lang.pick("即将到期", "due soon"),
            PlannedState::Overdue => lang.pick("已逾期", "overdue"),
            PlannedState::Cancelled => lang.pick("已取消", "cancelled"),
        }
    }
}

/// Why a person is reminded of a planned drill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DrillReminderReason {
    DueSoon,
    Overdue,
}

impl DrillReminderReason {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            DrillReminderReason::DueSoon => "drill_due_soon",
            DrillReminderReason::Overdue => "drill_overdue",
        }
    }

    /// The stored text back; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "drill_due_soon" => Some(DrillReminderReason::DueSoon),
            "drill_overdue" => Some(DrillReminderReason::Overdue),
            _ => None,
        }
    }

    /// The reason as people read it.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            DrillReminderReason::DueSoon => lang.pick("演练即将到期", "drill due soon"),
            DrillReminderReason::Overdue => lang.pick("计划演练已逾期", "planned drill overdue"),
        }
    }
}

/// A reminder to record: planned drill, person, reason.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DrillReminder {
    pub planned: i64,
    pub user: String,
    pub reason: DrillReminderReason,
}

/// The state of each of `planned` (same order) as of `as_of`, given the drills recorded. Only
/// drills dated up to `as_of` count.
pub fn planned_states<'a>(
    planned: &[PlannedDrill],
    recorded: impl IntoIterator<Item = RecordedDrill<'a>>,
    as_of: NaiveDate,
    lead_days: u32,
) -> Vec<PlannedState> {
    // (entity, plan, year) → the recorded dates, in order.
    let mut dates: HashMap<(&str, &str, i32), Vec<NaiveDate>> = HashMap::new();
    for d in recorded {
        if d.date <= as_of {
            dates
                .entry((d.entity.as_str(), d.plan, d.date.year()))
                .or_default()
                .push(d.date);
        }
    }
    for list in dates.values_mut() {
        list.sort_unstable();
    }
    // (entity, plan, year) → the planned drills' indices, by due date then id.
    let mut groups: BTreeMap<(&str, &str, i32), Vec<usize>> = BTreeMap::new();
    let mut states = vec![PlannedState::Planned; planned.len()];
    for (i, p) in planned.iter().enumerate() {
        // A cancelled one takes no recorded drill from the others of its plan.
        if p.cancel_reason.is_some() {
            states[i] = PlannedState::Cancelled;
            continue;
        }
        groups
            .entry((p.entity.as_str(), p.plan.as_str(), p.due.year()))
            .or_default()
            .push(i);
    }
    for (key, mut indices) in groups {
        indices.sort_by_key(|&i| (planned[i].due, planned[i].id));
        let done = dates.get(&key).map_or(&[][..], Vec::as_slice);
        for (k, &i) in indices.iter().enumerate() {
            states[i] = match done.get(k) {
                Some(&date) => PlannedState::Done(date),
                None => open_state(planned[i].due, as_of, lead_days),
            };
        }
    }
    states
}

fn open_state(due: NaiveDate, as_of: NaiveDate, lead_days: u32) -> PlannedState {
    let days_left = (due - as_of).num_days();
    if days_left < 0 {
        PlannedState::Overdue
    } else if days_left <= i64::from(lead_days) {
        PlannedState::DueSoon
    } else {
        PlannedState::Planned
    }
}

/// The reminders due as of `as_of`: for a planned drill due soon, `managers(entity)`; for an
/// overdue one, the same and `escalate_to(entity)` (the managers above it). Sorted, each once.
pub fn drill_reminders<'a>(
    planned: &[PlannedDrill],
    recorded: impl IntoIterator<Item = RecordedDrill<'a>>,
    as_of: NaiveDate,
    lead_days: u32,
    mut managers: impl FnMut(&EntityCode) -> Vec<String>,
    mut escalate_to: impl FnMut(&EntityCode) -> Vec<String>,
) -> Vec<DrillReminder> {
    let states = planned_states(planned, recorded, as_of, lead_days);
    let mut out = Vec::new();
    for (p, state) in planned.iter().zip(states) {
        let (reason, users) = match state {
            PlannedState::DueSoon => (DrillReminderReason::DueSoon, managers(&p.entity)),
            PlannedState::Overdue => {
                let mut users = managers(&p.entity);
                users.extend(escalate_to(&p.entity));
                (DrillReminderReason::Overdue, users)
            }
            PlannedState::Done(_) | PlannedState::Planned | PlannedState::Cancelled => continue,
        };
        out.extend(users.into_iter().map(|user| DrillReminder {
            planned: p.id,
            user,
            reason,
        }));
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn code(text: &str) -> EntityCode {
        EntityCode::parse(text).unwrap()
    }

    fn planned(id: i64, entity: &str, plan: &str, due: &str) -> PlannedDrill {
        PlannedDrill {
            id,
            entity: code(entity),
            plan: plan.into(),
            due: date(due),
            scenario: String::new(),
            joint_with: String::new(),
            cancel_reason: None,
        }
    }

    #[test]
    fn a_planned_drill_is_due_soon_from_lead_days_before_its_date_and_overdue_after_it() {
        let plan = [planned(1, "P1", "XC-01", "2026-06-30")];
        let state = |as_of| planned_states(&plan, [], date(as_of), 14)[0];
        // 2026-06-30 − 14 days = 06-16: the first day of the reminder window.
        assert_eq!(state("2026-06-15"), PlannedState::Planned);
        assert_eq!(state("2026-06-16"), PlannedState::DueSoon);
        assert_eq!(state("2026-06-30"), PlannedState::DueSoon);
        assert_eq!(state("2026-07-01"), PlannedState::Overdue);
    }

    #[test]
    fn the_years_drills_count_for_its_planned_drills_in_date_order() {
        let p1 = code("P1");
        let plan = [
            planned(2, "P1", "XC-01", "2026-11-30"),
            planned(1, "P1", "XC-01", "2026-05-31"),
            planned(3, "P1", "ZH", "2026-09-30"),
        ];
        let drills = [
            // Late for May's planned drill, it still counts for it; one drill of last year and
            // one after as-of count for nothing.
            RecordedDrill {
                entity: &p1,
                plan: "XC-01",
                date: date("2026-06-10"),
            },
            RecordedDrill {
                entity: &p1,
                plan: "XC-01",
                date: date("2025-12-20"),
            },
            RecordedDrill {
                entity: &p1,
                plan: "XC-01",
                date: date("2026-12-01"),
            },
        ];
        let states = planned_states(&plan, drills, date("2026-11-20"), 14);
        assert_eq!(
            states,
            vec![
                // 2026-11-30 − 2026-11-20 = 10 days ≤ 14.
                PlannedState::DueSoon,
                PlannedState::Done(date("2026-06-10")),
                PlannedState::Overdue,
            ]
        );
    }

    #[test]
    fn another_entitys_drill_of_a_plan_with_the_same_code_does_not_count() {
        let p2 = code("P2");
        let plan = [planned(1, "P1", "XC-01", "2026-06-30")];
        let drills = [RecordedDrill {
            entity: &p2,
            plan: "XC-01",
            date: date("2026-06-01"),
        }];
        assert_eq!(
            planned_states(&plan, drills, date("2026-06-20"), 14),
            vec![PlannedState::DueSoon]
        );
    }

    #[test]
    fn reminders_go_to_the_managers_and_overdue_ones_above_them_each_once() {
        let plan = [
            planned(1, "P1", "XC-01", "2026-06-30"),
            planned(2, "P1", "ZH", "2026-06-01"),
            planned(3, "P1", "ZX", "2026-12-31"),
        ];
        let managers = |e: &EntityCode| vec![format!("{}-manager", e.as_str()), "both".into()];
        let above = |_: &EntityCode| vec!["sub-manager".to_owned(), "both".to_owned()];
        let got = drill_reminders(&plan, [], date("2026-06-20"), 14, managers, above);
        use DrillReminderReason::*;
        let r = |planned, user: &str, reason| DrillReminder {
            planned,
            user: user.into(),
            reason,
        };
        assert_eq!(
            got,
            vec![
                // 06-30 is 10 days away: due soon; 06-01 has passed: overdue, escalated;
                // 12-31 is 194 days away: nothing.
                r(1, "P1-manager", DueSoon),
                r(1, "both", DueSoon),
                r(2, "P1-manager", Overdue),
                r(2, "both", Overdue),
                r(2, "sub-manager", Overdue),
            ]
        );
    }

    #[test]
    fn reasons_read_back_as_stored() {
        for r in [DrillReminderReason::DueSoon, DrillReminderReason::Overdue] {
            assert_eq!(DrillReminderReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(DrillReminderReason::parse("due_soon"), None);
    }

    #[test]
    fn a_cancelled_planned_drill_takes_no_drill_and_is_reminded_of_no_more() {
        let p1 = code("P1");
        let mut cancelled = planned(1, "P1", "XC-01", "2026-05-31");
        cancelled.cancel_reason = Some("检修停炉".into());
        let plan = [cancelled, planned(2, "P1", "XC-01", "2026-11-30")];
        // The one drill of the year (06-10) counts for the 11-30 one, not the cancelled
        // 05-31 one, which would have been first in date order.
        let drill = RecordedDrill {
            entity: &p1,
            plan: "XC-01",
            date: date("2026-06-10"),
        };
        let states = planned_states(&plan, [drill], date("2026-07-01"), 14);
        assert_eq!(
            states,
            [
                PlannedState::Cancelled,
                PlannedState::Done(date("2026-06-10"))
            ]
        );
        // Past its date, nothing drilled: no overdue reminder for the cancelled one.
        let managers = |_: &EntityCode| vec!["m".to_owned()];
        let got = drill_reminders(&plan[..1], [], date("2026-07-01"), 14, managers, managers);
        assert_eq!(got, []);
    }
}
