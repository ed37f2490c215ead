//! Emergency plans and their drill obligations (safety.md §3; Art. 33 of the emergency-plan
//! regulation, 2019).
//!
//! An entity that holds plans owes, in each calendar year, one drill of a comprehensive or a
//! special plan, and, in each half year, one drill of each on-site disposal plan. A plan counts
//! from the first period that begins after its approval, so a plan approved in March owes
//! nothing for that half year or that year. Only drills dated up to "today" count; "today" is
//! passed in.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::EntityCode;
use crate::notes::Lang;

/// The three kinds of emergency plan (GB/T 29639-2020).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlanKind {
    /// 综合应急预案.
    Comprehensive,
    /// 专项应急预案.
    Special,
    /// 现场处置方案.
    Onsite,
}

impl PlanKind {
    pub const ALL: [PlanKind; 3] = [PlanKind::Comprehensive, PlanKind::Special, PlanKind::Onsite];

    /// The code in files, the database and the API.
    pub fn code(self) -> &'static str {
        match self {
            PlanKind::Comprehensive => "comprehensive",
            PlanKind::Special => "special",
            PlanKind::Onsite => "onsite",
        }
    }

    /// The code, as written in a file (exact, lower case).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == text)
    }

    /// What people read.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            PlanKind::Comprehensive => lang.pick("综合应急预案", "comprehensive plan"),
            PlanKind::Special => lang.pick("专项应急预案", "special plan"),
            PlanKind::Onsite => lang.pick("现场处置方案", "on-site disposal plan"),
        }
    }

    /// Whether a drill of this kind meets the yearly obligation (comprehensive or special).
    pub fn counts_yearly(self) -> bool {
        matches!(self, PlanKind::Comprehensive | PlanKind::Special)
    }
}

/// An approved emergency plan of an entity; `plan` is the entity's own name or number for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub entity: EntityCode,
    pub plan: String,
    pub kind: PlanKind,
    pub approved: NaiveDate,
}

/// A drill of one plan. `joint_with` names the local units it was held with (fire brigade,
/// hospital, township…): it counts as any drill and is reported separately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drill {
    pub entity: EntityCode,
    pub plan: String,
    pub date: NaiveDate,
    pub joint_with: Option<String>,
}

impl Drill {
    /// Held together with local units.
    pub fn is_joint(&self) -> bool {
        self.joint_with.is_some()
    }
}

/// A period an obligation is counted in: a calendar year, or a half year (H1 = January–June,
/// H2 = July–December). Ordered in time within each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DrillPeriod {
    Year(i32),
    /// `second`: July–December.
    Half {
        year: i32,
        second: bool,
    },
}

impl DrillPeriod {
    /// The calendar year of `date`.
    pub fn year_of(date: NaiveDate) -> Self {
        DrillPeriod::Year(date.year())
    }

    /// The half year of `date`.
    pub fn half_of(date: NaiveDate) -> Self {
        DrillPeriod::Half {
            year: date.year(),
            second: date.month() > 6,
        }
    }

    /// The period just before (the year before, or the half before).
    pub fn previous(self) -> Self {
        match self {
            DrillPeriod::Year(year) => DrillPeriod::Year(year - 1),
            DrillPeriod::Half { year, second: true } => DrillPeriod::Half {
                year,
                second: false,
            },
            DrillPeriod::Half {
                year,
                second: false,
            } => DrillPeriod::Half {
                year: year - 1,
                second: true,
            },
        }
    }

    /// (first day, last day), both included. `None` only for years chrono cannot represent.
    pub fn bounds(self) -> Option<(NaiveDate, NaiveDate)> {
        let (year, first, last) = match self {
            DrillPeriod::Year(year) => (year, (1, 1), (12, 31)),
            DrillPeriod::Half {
                year,
                second: false,
            } => (year, (1, 1), (6, 30)),
            DrillPeriod::Half { year, second: true } => (year, (7, 1), (12, 31)),
        };
        Some((
            NaiveDate::from_ymd_opt(year, first.0, first.1)?,
            NaiveDate::from_ymd_opt(year, last.0, last.1)?,
        ))
    }

    /// Whether `date` falls in the period.
    pub fn contains(self, date: NaiveDate) -> bool {
        match self {
            DrillPeriod::Year(_) => Self::year_of(date) == self,
            DrillPeriod::Half { .. } => Self::half_of(date) == self,
        }
    }

    /// `2026` or `2026-H1`, as the check contract and the API write it.
    pub fn key(self) -> String {
        match self {
            DrillPeriod::Year(year) => year.to_string(),
            DrillPeriod::Half { year, second } => {
                format!("{year}-H{}", if second { 2 } else { 1 })
            }
        }
    }
}

/// Where an obligation stands in one period, as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObligationStatus {
    /// A drill that counts falls in the period.
    Done,
    /// The period is today's (or later), nothing yet; `due_by` is its last day.
    Due { due_by: NaiveDate },
    /// A period already over without a drill.
    Overdue,
    /// Nothing done and no plan of the kind was approved before the period began.
    NotRequired,
}

impl ObligationStatus {
    /// `done`, `due`, `overdue` or `not_required`.
    pub fn code(self) -> &'static str {
        match self {
            ObligationStatus::Done => "done",
            ObligationStatus::Due { .. } => "due",
            ObligationStatus::Overdue => "overdue",
            ObligationStatus::NotRequired => "not_required",
        }
    }

    /// What people read.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ObligationStatus::Done => lang.pick("已演练", "done"),
            ObligationStatus::Due { .. } => lang.pick("待演练", "due"),
            ObligationStatus::Overdue => lang.pick("逾期未演练", "overdue"),
            ObligationStatus::NotRequired => lang.pick("无需演练", "not required"),
        }
    }
}

/// The status of one obligation in `period` as of `as_of` (safety.md §3): `done` when a drill
/// dated in the period and not after `as_of` counts (done wins); else `not_required` when no
/// plan it concerns was approved before the period's first day; else `due` when the period has
/// not ended by `as_of`, `overdue` when it has.
///
/// `approvals`: the approval dates of the plans the obligation concerns; `drills`: the dates of
/// the drills that count for it.
pub fn period_status(
    period: DrillPeriod,
    as_of: NaiveDate,
    approvals: &[NaiveDate],
    drills: &[NaiveDate],
) -> ObligationStatus {
    if drills
        .iter()
        .any(|date| *date <= as_of && period.contains(*date))
    {
        return ObligationStatus::Done;
    }
    let Some((first, last)) = period.bounds() else {
        return ObligationStatus::NotRequired;
    };
    if !approvals.iter().any(|approved| *approved < first) {
        ObligationStatus::NotRequired
    } else if as_of <= last {
        ObligationStatus::Due { due_by: last }
    } else {
        ObligationStatus::Overdue
    }
}

/// An entity's obligations as of a date: the period before today's and today's, in that order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityDrills {
    /// The year before and this year: a comprehensive or special plan drilled.
    pub yearly: [(DrillPeriod, ObligationStatus); 2],
    /// Per on-site plan (by its name): the half before and this half.
    pub onsite: BTreeMap<String, [(DrillPeriod, ObligationStatus); 2]>,
    /// The drills held with local units this year up to `as_of`, in date order.
    pub joint: Vec<Drill>,
}

impl EntityDrills {
    /// Whether any shown period is overdue.
    pub fn any_overdue(&self) -> bool {
        self.all_statuses()
            .any(|status| status == ObligationStatus::Overdue)
    }

    /// Whether any shown period is due.
    pub fn any_due(&self) -> bool {
        self.all_statuses()
            .any(|status| matches!(status, ObligationStatus::Due { .. }))
    }

    fn all_statuses(&self) -> impl Iterator<Item = ObligationStatus> + '_ {
        self.yearly
            .iter()
            .chain(self.onsite.values().flatten())
            .map(|(_, status)| *status)
    }
}

/// The drill obligations of every entity that holds a plan, as of `as_of`. A drill counts for
/// the plan it names (entity and plan); one naming no plan in `plans` counts for nothing (the
/// file readers refuse such a row, naming it).
pub fn drill_obligations(
    plans: &[Plan],
    drills: &[Drill],
    as_of: NaiveDate,
) -> BTreeMap<EntityCode, EntityDrills> {
    let kind_of: BTreeMap<(&EntityCode, &str), PlanKind> = plans
        .iter()
        .map(|p| ((&p.entity, p.plan.as_str()), p.kind))
        .collect();
    let mut entities: BTreeMap<&EntityCode, Vec<&Plan>> = BTreeMap::new();
    for plan in plans {
        entities.entry(&plan.entity).or_default().push(plan);
    }
    let this_year = DrillPeriod::year_of(as_of);
    let this_half = DrillPeriod::half_of(as_of);
    let pair = |period: DrillPeriod, approvals: &[NaiveDate], dates: &[NaiveDate]| {
        [
            (
                period.previous(),
                period_status(period.previous(), as_of, approvals, dates),
            ),
            (period, period_status(period, as_of, approvals, dates)),
        ]
    };
    entities
        .into_iter()
        .map(|(entity, held)| {
            let own: Vec<&Drill> = drills
                .iter()
                .filter(|d| &d.entity == entity && kind_of.contains_key(&(entity, d.plan.as_str())))
                .collect();
            let yearly_approvals: Vec<NaiveDate> = held
                .iter()
                .filter(|p| p.kind.counts_yearly())
                .map(|p| p.approved)
                .collect();
            let yearly_dates: Vec<NaiveDate> = own
                .iter()
                .filter(|d| {
                    kind_of
                        .get(&(entity, d.plan.as_str()))
                        .is_some_and(|kind| kind.counts_yearly())
                })
                .map(|d| d.date)
                .collect();
            let mut onsite = BTreeMap::new();
            for plan in held.iter().filter(|p| p.kind == PlanKind::Onsite) {
                let dates: Vec<NaiveDate> = own
                    .iter()
                    .filter(|d| d.plan == plan.plan)
                    .map(|d| d.date)
                    .collect();
                onsite.insert(plan.plan.clone(), pair(this_half, &[plan.approved], &dates));
            }
            let mut joint: Vec<Drill> = own
                .iter()
                .filter(|d| d.is_joint() && d.date <= as_of && this_year.contains(d.date))
                .map(|d| (*d).clone())
                .collect();
            joint.sort_by(|a, b| (a.date, &a.plan).cmp(&(b.date, &b.plan)));
            let status = EntityDrills {
                yearly: pair(this_year, &yearly_approvals, &yearly_dates),
                onsite,
                joint,
            };
            (entity.clone(), status)
        })
        .collect()
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

    fn plan(name: &str, kind: PlanKind, approved: &str) -> Plan {
        Plan {
            entity: code("P1"),
            plan: name.into(),
            kind,
            approved: date(approved),
        }
    }

    fn drill(name: &str, on: &str, joint_with: Option<&str>) -> Drill {
        Drill {
            entity: code("P1"),
            plan: name.into(),
            date: date(on),
            joint_with: joint_with.map(str::to_owned),
        }
    }

    fn h(year: i32, half: u8) -> DrillPeriod {
        DrillPeriod::Half {
            year,
            second: half == 2,
        }
    }

    fn due(by: &str) -> ObligationStatus {
        ObligationStatus::Due { due_by: date(by) }
    }

    use ObligationStatus::{Done, NotRequired, Overdue};

    fn obligations(plans: &[Plan], drills: &[Drill], as_of: &str) -> EntityDrills {
        drill_obligations(plans, drills, date(as_of))
            .remove(&code("P1"))
            .unwrap()
    }

    #[test]
    fn a_drill_on_30_june_is_the_first_half_and_one_on_1_july_the_second() {
        // On-site plan approved 2025-01-10, so both halves of 2026 owe a drill.
        let plans = [plan("pump", PlanKind::Onsite, "2025-01-10")];
        // Drilled 30 June: H1 done; as of 1 July H2 has nothing yet, due by 31 December.
        let june = obligations(&plans, &[drill("pump", "2026-06-30", None)], "2026-07-01");
        assert_eq!(
            june.onsite["pump"],
            [(h(2026, 1), Done), (h(2026, 2), due("2026-12-31"))]
        );
        // Drilled 1 July instead: H1 ended with nothing (overdue), H2 done.
        let july = obligations(&plans, &[drill("pump", "2026-07-01", None)], "2026-07-01");
        assert_eq!(
            july.onsite["pump"],
            [(h(2026, 1), Overdue), (h(2026, 2), Done)]
        );
        // As of 30 June the 1 July drill has not happened: H1 due by 30 June, H2 2025 missed.
        let before = obligations(&plans, &[drill("pump", "2026-07-01", None)], "2026-06-30");
        assert_eq!(
            before.onsite["pump"],
            [(h(2025, 2), Overdue), (h(2026, 1), due("2026-06-30"))]
        );
    }

    #[test]
    fn a_drill_on_31_december_counts_for_that_year_only() {
        let plans = [plan("general", PlanKind::Comprehensive, "2024-05-01")];
        let drills = [drill("general", "2025-12-31", None)];
        // As of 2026-01-01: 2025 done, 2026 due by 2026-12-31.
        let status = obligations(&plans, &drills, "2026-01-01");
        assert_eq!(
            status.yearly,
            [
                (DrillPeriod::Year(2025), Done),
                (DrillPeriod::Year(2026), due("2026-12-31"))
            ]
        );
        // As of 2027-01-01: 2026 had nothing → overdue; 2027 due.
        let status = obligations(&plans, &drills, "2027-01-01");
        assert_eq!(
            status.yearly,
            [
                (DrillPeriod::Year(2026), Overdue),
                (DrillPeriod::Year(2027), due("2027-12-31"))
            ]
        );
    }

    #[test]
    fn a_plan_approved_mid_period_counts_from_the_next_period() {
        // Special plan and on-site plan approved 2026-03-15.
        let plans = [
            plan("flood", PlanKind::Special, "2026-03-15"),
            plan("leak", PlanKind::Onsite, "2026-03-15"),
        ];
        // As of 2026-08-01: 2025 and 2026 not required (approved during 2026: counts from
        // 2027); H1 2026 not required (approved during it), H2 2026 due by 31 December.
        let status = obligations(&plans, &[], "2026-08-01");
        assert_eq!(
            status.yearly,
            [
                (DrillPeriod::Year(2025), NotRequired),
                (DrillPeriod::Year(2026), NotRequired)
            ]
        );
        assert_eq!(
            status.onsite["leak"],
            [(h(2026, 1), NotRequired), (h(2026, 2), due("2026-12-31"))]
        );
        // As of 2027-01-10: 2026 still not required, 2027 due; H2 2026 missed, H1 2027 due.
        let status = obligations(&plans, &[], "2027-01-10");
        assert_eq!(
            status.yearly,
            [
                (DrillPeriod::Year(2026), NotRequired),
                (DrillPeriod::Year(2027), due("2027-12-31"))
            ]
        );
        assert_eq!(
            status.onsite["leak"],
            [(h(2026, 2), Overdue), (h(2027, 1), due("2027-06-30"))]
        );
    }

    #[test]
    fn a_plan_approved_on_a_periods_first_day_counts_from_the_next() {
        // Approved 1 July: not "before the period began", so H2 2026 owes nothing.
        let plans = [plan("leak", PlanKind::Onsite, "2026-07-01")];
        let status = obligations(&plans, &[], "2026-09-01");
        assert_eq!(
            status.onsite["leak"],
            [(h(2026, 1), NotRequired), (h(2026, 2), NotRequired)]
        );
        // Approved 30 June: H2 2026 is owed.
        let plans = [plan("leak", PlanKind::Onsite, "2026-06-30")];
        let status = obligations(&plans, &[], "2026-09-01");
        assert_eq!(status.onsite["leak"][1], (h(2026, 2), due("2026-12-31")));
    }

    #[test]
    fn done_wins_and_only_drills_up_to_the_date_count() {
        // Approved mid-H1 (not required) but drilled anyway on 2026-05-01: done.
        let plans = [plan("leak", PlanKind::Onsite, "2026-03-15")];
        let status = obligations(&plans, &[drill("leak", "2026-05-01", None)], "2026-05-20");
        assert_eq!(status.onsite["leak"][1], (h(2026, 1), Done));
        // The same drill seen from 2026-04-30: not yet held, H1 not required.
        let status = obligations(&plans, &[drill("leak", "2026-05-01", None)], "2026-04-30");
        assert_eq!(status.onsite["leak"][1], (h(2026, 1), NotRequired));
    }

    #[test]
    fn yearly_needs_a_comprehensive_or_special_drill_and_each_onsite_plan_its_own() {
        let plans = [
            plan("general", PlanKind::Comprehensive, "2024-01-01"),
            plan("fire", PlanKind::Special, "2024-01-01"),
            plan("pump", PlanKind::Onsite, "2024-01-01"),
            plan("pit", PlanKind::Onsite, "2024-01-01"),
        ];
        // A special-plan drill meets 2026's yearly obligation; the pump drill does not meet
        // the pit's half-year obligation, nor the yearly one.
        let drills = [
            drill("fire", "2026-02-10", Some("县消防救援大队")),
            drill("pump", "2026-03-01", None),
            drill("pump", "2025-03-01", None),
        ];
        let status = obligations(&plans, &drills, "2026-04-01");
        assert_eq!(
            status.yearly,
            [
                (DrillPeriod::Year(2025), Overdue),
                (DrillPeriod::Year(2026), Done)
            ]
        );
        assert_eq!(
            status.onsite["pump"],
            [(h(2025, 2), Overdue), (h(2026, 1), Done)]
        );
        assert_eq!(
            status.onsite["pit"],
            [(h(2025, 2), Overdue), (h(2026, 1), due("2026-06-30"))]
        );
        // The joint drill counts as any drill and is listed separately.
        assert_eq!(status.joint, vec![drills[0].clone()]);
        assert!(status.any_overdue() && status.any_due());
    }

    #[test]
    fn entities_without_plans_are_not_listed_and_drills_of_unknown_plans_count_for_nothing() {
        let plans = [plan("pump", PlanKind::Onsite, "2024-01-01")];
        let drills = [drill("pmup", "2026-03-01", None)];
        let all = drill_obligations(&plans, &drills, date("2026-04-01"));
        assert_eq!(all.len(), 1);
        assert_eq!(
            all[&code("P1")].onsite["pump"][1],
            (h(2026, 1), due("2026-06-30"))
        );
    }

    #[test]
    fn period_keys_are_the_contracts() {
        assert_eq!(DrillPeriod::Year(2026).key(), "2026");
        assert_eq!(h(2026, 1).key(), "2026-H1");
        assert_eq!(h(2026, 2).key(), "2026-H2");
        assert_eq!(h(2026, 1).previous(), h(2025, 2));
        for kind in PlanKind::ALL {
            assert_eq!(PlanKind::parse(kind.code()), Some(kind));
        }
        assert_eq!(PlanKind::parse("Onsite"), None);
    }
}
