//! Drills as the web records them (the drill with its scenario, participants, evaluation and the
//! improvements found, each of which may become a measure), the yearly drill plans of companies
//! (年度应急演练计划) and the reminders sent about them.
//!
//! A planned drill is written once and corrected by revision (a new date, scenario or joint
//! units, with the old values in the audit line); nothing is deleted. Reminders are recorded
//! once per (planned drill, person, reason), so the daily job and `zx remind` never repeat one.

use crate::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
pub use zx_domain::safety::drill_plan::{DrillReminder, DrillReminderReason, PlannedDrill};

/// A drill to add to a company's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlannedDrill {
    pub entity: EntityCode,
    pub plan: String,
    pub due: NaiveDate,
    pub scenario: String,
    pub joint_with: String,
}

/// A row of a drill plan file: a planned drill to add (no id) or an existing one as the file
/// has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedDrillRow {
    pub id: Option<i64>,
    pub drill: NewPlannedDrill,
    /// Given: the drill is (to be) cancelled for this reason.
    pub cancel_reason: Option<String>,
}

/// What saving a drill plan row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlannedOutcome {
    Created,
    Revised,
    Cancelled,
    Unchanged,
}

/// A recorded reminder about a planned drill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillNotification {
    pub id: i64,
    pub planned: i64,
    pub user: String,
    pub reason: DrillReminderReason,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A drill recorded on the web or through the API: the drill itself (what the obligations
/// count, in the records area's `safety_drills`) and its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDrillReport {
    pub drill: zx_domain::safety::Drill,
    /// What was rehearsed (情景).
    pub scenario: String,
    /// Who took part, free text.
    pub participants: String,
    /// The evaluation (评估) of the drill.
    pub evaluation: String,
    /// The improvements found, one each; empty ones are left out.
    pub improvements: Vec<String>,
}

/// A drill's report as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillReport {
    pub id: i64,
    pub entity: EntityCode,
    pub plan: String,
    pub date: NaiveDate,
    pub scenario: String,
    pub participants: String,
    pub evaluation: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// An improvement found in a drill, and the measure it became, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillImprovement {
    pub id: i64,
    pub report: i64,
    pub text: String,
    pub measure: Option<i64>,
}

/// Drills recorded with their reports, yearly drill plans and their reminders.
#[async_trait]
pub trait DrillStore: Send + Sync {
    /// Records a drill with its report and improvements in one transaction: the drill in the
    /// records area's table (`safety_drill.create`, as its import writes it), the report
    /// (`drill_report.create`) and one `drill_improvement.create` line per improvement. The
    /// entity's plan must be registered and the drill not recorded yet (same plan and date):
    /// otherwise `Invalid`, writing nothing. Returns the report's id.
    async fn record_drill(
        &self,
        report: NewDrillReport,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64>;
    /// Every drill report, newest drill first.
    async fn drill_reports(&self) -> StoreResult<Vec<DrillReport>>;
    /// The improvements of every report, by report and id.
    async fn drill_improvements(&self) -> StoreResult<Vec<DrillImprovement>>;
    /// Makes an improvement a measure: creates `measure` (the checks and audit line of
    /// `create_measure`) and links it to the improvement (`drill_improvement.measure`), in one
    /// transaction. An unknown improvement, or one that is a measure already, is `Invalid`.
    /// Returns the measure's id.
    async fn improvement_to_measure(
        &self,
        improvement: i64,
        measure: NewMeasure,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64>;
    /// Adds planned drills in one transaction (all or nothing); returns their ids in order.
    /// One `drill_plan.create` audit line each (new value [`describe_planned_drill`]). An
    /// unknown entity, an empty plan code or a text over [`MAX_PLAN_TEXT`] characters is
    /// `Invalid` naming the row (from 1), and nothing is written.
    async fn add_planned_drills(
        &self,
        list: Vec<NewPlannedDrill>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>>;
    /// Corrects a planned drill (same entity and plan): its date, scenario and joint units.
    /// `drill_plan.revise` audit line with the old and new values, the new one ending in
    /// `; reason=…`; an unknown or cancelled one is `Invalid`, and so is a new date without a
    /// reason; nothing changes (and nothing is audited) when the values are equal.
    #[allow(clippy::too_many_arguments)]
    async fn revise_planned_drill(
        &self,
        id: i64,
        due: NaiveDate,
        scenario: String,
        joint_with: String,
        reason: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Cancels a planned drill with a reason (`drill_plan.cancel`, new value
    /// `cancelled; reason=…`): it stays in the plan, counts for nothing and is reminded of no
    /// more. An unknown or cancelled one, or a blank reason, is `Invalid`.
    async fn cancel_planned_drill(
        &self,
        id: i64,
        reason: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Saves a drill plan read from a file, in one transaction (all or nothing): a row without
    /// id is added, a row with the id of a planned drill of the same entity and plan revises
    /// it (reason `imported from SOURCE`) when its date, scenario or joint units differ and
    /// cancels it when it gives a cancel reason, otherwise leaves it. `Invalid` naming the row
    /// (from 1) for what [`DrillStore::add_planned_drills`] refuses, an unknown id, one of
    /// another entity or plan, an id twice, or a cancelled drill given without its reason.
    async fn save_planned_drills(
        &self,
        rows: Vec<PlannedDrillRow>,
        source: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, PlannedOutcome)>>;
    /// Every planned drill, by entity, date and id.
    async fn planned_drills(&self) -> StoreResult<Vec<PlannedDrill>>;
    /// Records the reminders not recorded yet and returns those, in the order given: one
    /// transaction under the writer lock, one `drill_reminder.send` audit line each, by
    /// [`NOTIFICATION_SENDER`]. An unknown planned drill is `Invalid`, writing nothing.
    async fn record_drill_reminders(
        &self,
        list: Vec<DrillReminder>,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<DrillReminder>>;
    /// A user's drill reminders, newest first.
    async fn drill_notifications(&self, user: &str) -> StoreResult<Vec<DrillNotification>>;
}

/// The longest scenario or joint-units text a planned drill keeps, in characters.
pub const MAX_PLAN_TEXT: usize = 500;

/// What [`DrillStore::add_planned_drills`] refuses before looking at the database.
/// `index` is the row's place in the list (from 0).
pub fn check_new_planned_drill(index: usize, d: &NewPlannedDrill) -> StoreResult<()> {
    let row = index + 1;
    if d.plan.trim().is_empty() {
        return Err(StoreError::Invalid(format!(
            "planned drill {row}: the plan is empty"
        )));
    }
    for (field, text) in [
        ("plan", &d.plan),
        ("scenario", &d.scenario),
        ("joint_with", &d.joint_with),
    ] {
        if text.chars().count() > MAX_PLAN_TEXT {
            return Err(StoreError::Invalid(format!(
                "planned drill {row}: {field} is longer than {MAX_PLAN_TEXT} characters"
            )));
        }
    }
    Ok(())
}

/// The audit object of a drill report: `drill report 7`.
pub fn describe_drill_report_object(id: i64) -> String {
    format!("drill report {id}")
}

/// A drill report as the audit log shows it:
/// `entity=…; plan=…; date=YYYY-MM-DD; scenario=…; participants=…; evaluation=…`.
pub fn describe_drill_report(r: &NewDrillReport) -> String {
    format!(
        "entity={}; plan={}; date={}; scenario={}; participants={}; evaluation={}",
        r.drill.entity,
        r.drill.plan,
        r.drill.date.format("%Y-%m-%d"),
        r.scenario,
        r.participants,
        r.evaluation
    )
}

/// The audit object of an improvement: `drill improvement 7`.
pub fn describe_improvement_object(id: i64) -> String {
    format!("drill improvement {id}")
}

/// What [`DrillStore::record_drill`] refuses before looking at the database: an empty plan,
/// texts over [`MAX_PLAN_TEXT`] characters (improvements each), joint units given as blank.
pub fn check_new_drill_report(r: &NewDrillReport) -> StoreResult<()> {
    if r.drill.plan.trim().is_empty() {
        return Err(StoreError::Invalid("the drill names no plan".into()));
    }
    let joint = r.drill.joint_with.as_deref().unwrap_or_default();
    for (field, text) in [
        ("scenario", r.scenario.as_str()),
        ("participants", r.participants.as_str()),
        ("evaluation", r.evaluation.as_str()),
        ("joint_with", joint),
    ]
    .into_iter()
    .chain(r.improvements.iter().map(|i| ("improvement", i.as_str())))
    {
        if text.chars().count() > MAX_PLAN_TEXT {
            return Err(StoreError::Invalid(format!(
                "{field} is longer than {MAX_PLAN_TEXT} characters"
            )));
        }
    }
    Ok(())
}

/// The audit object of a planned drill: `planned drill 7`.
pub fn describe_planned_drill_object(id: i64) -> String {
    format!("planned drill {id}")
}

/// A planned drill as the audit log shows it:
/// `entity=…; plan=…; due=YYYY-MM-DD; scenario=…; joint_with=…`.
pub fn describe_planned_drill(
    entity: &EntityCode,
    plan: &str,
    due: NaiveDate,
    scenario: &str,
    joint_with: &str,
) -> String {
    format!(
        "entity={entity}; plan={plan}; due={}; scenario={scenario}; joint_with={joint_with}",
        due.format("%Y-%m-%d")
    )
}

/// The new value of a `drill_reminder.send` audit line: `to=USER; reason=REASON`.
pub fn describe_drill_reminder(r: &DrillReminder) -> String {
    format!("to={}; reason={}", r.user, r.reason.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_plan_and_overlong_texts_are_refused_naming_the_row() {
        let d = NewPlannedDrill {
            entity: EntityCode::parse("P1").unwrap(),
            plan: " ".into(),
            due: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            scenario: String::new(),
            joint_with: String::new(),
        };
        let message = |r: StoreResult<()>| r.unwrap_err().to_string();
        assert_eq!(
            message(check_new_planned_drill(2, &d)),
            "planned drill 3: the plan is empty"
        );
        let long = NewPlannedDrill {
            plan: "XC-01".into(),
            scenario: "火".repeat(501),
            ..d
        };
        assert_eq!(
            message(check_new_planned_drill(0, &long)),
            "planned drill 1: scenario is longer than 500 characters"
        );
        assert!(
            check_new_planned_drill(
                0,
                &NewPlannedDrill {
                    scenario: "火".repeat(500),
                    ..long
                }
            )
            .is_ok()
        );
    }
}
