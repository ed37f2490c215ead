//! DrillStore over SQL: drills recorded with their reports and improvements, companies' yearly
//! drill plans and the reminders sent about them.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::measures::{insert_measures, measure_refs};
use super::{Backend, Connection, Row, SqlStore, audit};
use crate::{
    DrillImprovement, DrillReport, NewDrillReport, NewMeasure, check_new_drill_report,
    check_new_measure, describe_drill, describe_drill_object, describe_drill_report,
    describe_drill_report_object, describe_improvement_object, describe_measure_object,
};
use crate::{
    DrillNotification, DrillReminder, DrillReminderReason, DrillStore, NOTIFICATION_SENDER,
    NewPlannedDrill, PlannedDrill, PlannedDrillRow, PlannedOutcome, StoreError, StoreResult,
    check_new_planned_drill, describe_drill_reminder, describe_planned_drill,
    describe_planned_drill_object, params,
};

const PLANNED_COLUMNS: &str = "id, entity, plan, due, scenario, joint_with, cancel_reason";

fn planned_from_row(row: &mut Row) -> StoreResult<PlannedDrill> {
    Ok(PlannedDrill {
        id: row.get(0)?,
        entity: row.get(1)?,
        plan: row.get(2)?,
        due: row.get(3)?,
        scenario: row.get(4)?,
        joint_with: row.get(5)?,
        cancel_reason: row.get(6)?,
    })
}

fn reminder_from_row(row: &mut Row) -> StoreResult<DrillNotification> {
    let reason: String = row.get(3)?;
    Ok(DrillNotification {
        id: row.get(0)?,
        planned: row.get(1)?,
        user: row.get(2)?,
        reason: DrillReminderReason::parse(&reason)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown drill reminder {reason:?}")))?,
        created_at: row.get(4)?,
        read_at: row.get(5)?,
    })
}

const REPORT_COLUMNS: &str = "id, entity, plan, drill_date, scenario, participants, evaluation, \
                              created_by, created_at";

fn report_from_row(row: &mut Row) -> StoreResult<DrillReport> {
    Ok(DrillReport {
        id: row.get(0)?,
        entity: row.get(1)?,
        plan: row.get(2)?,
        date: row.get(3)?,
        scenario: row.get(4)?,
        participants: row.get(5)?,
        evaluation: row.get(6)?,
        recorded_by: row.get(7)?,
        recorded_at: row.get(8)?,
    })
}

fn improvement_from_row(row: &mut Row) -> StoreResult<DrillImprovement> {
    Ok(DrillImprovement {
        id: row.get(0)?,
        report: row.get(1)?,
        text: row.get(2)?,
        measure: row.get(3)?,
    })
}

#[async_trait]
impl<B: Backend> DrillStore for SqlStore<B> {
    async fn record_drill(
        &self,
        report: NewDrillReport,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        check_new_drill_report(&report)?;
        let d = &report.drill;
        let mut tx = self.backend.write().await?;
        let plan = tx
            .fetch_optional(
                "SELECT 1 FROM safety_plans WHERE entity = ? AND plan = ?",
                params![&d.entity, &d.plan],
            )
            .await?;
        if plan.is_none() {
            return Err(StoreError::Invalid(format!(
                "{} has no plan \"{}\" in its register",
                d.entity, d.plan
            )));
        }
        let recorded = tx
            .fetch_optional(
                "SELECT 1 FROM safety_drills WHERE entity = ? AND plan = ? AND drill_date = ?",
                params![&d.entity, &d.plan, d.date],
            )
            .await?;
        if recorded.is_some() {
            return Err(StoreError::Invalid(format!(
                "a drill of {} plan \"{}\" on {} is recorded already",
                d.entity, d.plan, d.date
            )));
        }
        tx.execute(
            "INSERT INTO safety_drills (entity, plan, drill_date, joint_with, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?)",
            params![&d.entity, &d.plan, d.date, d.joint_with.as_deref(), at, at],
        )
        .await?;
        audit(
            &mut *tx,
            at,
            user,
            "safety_drill.create",
            &describe_drill_object(d),
            None,
            Some(describe_drill(d)),
            None,
        )
        .await?;
        let mut row = tx
            .fetch_optional(
                "INSERT INTO safety_drill_reports
                 (entity, plan, drill_date, scenario, participants, evaluation, created_by, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                params![
                    &d.entity,
                    &d.plan,
                    d.date,
                    &report.scenario,
                    &report.participants,
                    &report.evaluation,
                    user,
                    at
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Database("INSERT … RETURNING id gave no row".into()))?;
        let id: i64 = row.get(0)?;
        audit(
            &mut *tx,
            at,
            user,
            "drill_report.create",
            &describe_drill_report_object(id),
            None,
            Some(describe_drill_report(&report)),
            None,
        )
        .await?;
        for text in report
            .improvements
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
        {
            let mut row = tx
                .fetch_optional(
                    "INSERT INTO safety_drill_improvements (report, text, created_at)
                     VALUES (?, ?, ?) RETURNING id",
                    params![id, text, at],
                )
                .await?
                .ok_or_else(|| StoreError::Database("INSERT … RETURNING id gave no row".into()))?;
            let improvement: i64 = row.get(0)?;
            audit(
                &mut *tx,
                at,
                user,
                "drill_improvement.create",
                &describe_improvement_object(improvement),
                None,
                Some(format!("report={id}; text={text}")),
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn drill_reports(&self) -> StoreResult<Vec<DrillReport>> {
        self.read_all(
            &format!(
                "SELECT {REPORT_COLUMNS} FROM safety_drill_reports ORDER BY drill_date DESC, id DESC"
            ),
            params![],
            report_from_row,
        )
        .await
    }

    async fn drill_improvements(&self) -> StoreResult<Vec<DrillImprovement>> {
        self.read_all(
            "SELECT id, report, text, measure FROM safety_drill_improvements ORDER BY report, id",
            params![],
            improvement_from_row,
        )
        .await
    }

    async fn improvement_to_measure(
        &self,
        improvement: i64,
        measure: NewMeasure,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        check_new_measure(0, &measure)?;
        let mut tx = self.backend.write().await?;
        let Some(mut row) = tx
            .fetch_optional(
                "SELECT id, report, text, measure FROM safety_drill_improvements WHERE id = ?",
                params![improvement],
            )
            .await?
        else {
            return Err(StoreError::Invalid(format!(
                "no drill improvement {improvement}"
            )));
        };
        let found = improvement_from_row(&mut row)?;
        if let Some(existing) = found.measure {
            return Err(StoreError::Invalid(format!(
                "drill improvement {improvement} is measure {existing} already"
            )));
        }
        measure_refs(&mut *tx).await?.check(0, &measure)?;
        let dialect = self.backend.dialect();
        let id = insert_measures(&mut *tx, dialect, std::slice::from_ref(&measure), user, at)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Database("no id for the new measure".into()))?;
        tx.execute(
            "UPDATE safety_drill_improvements SET measure = ? WHERE id = ?",
            params![id, improvement],
        )
        .await?;
        audit(
            &mut *tx,
            at,
            user,
            "drill_improvement.measure",
            &describe_improvement_object(improvement),
            None,
            Some(describe_measure_object(id)),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn add_planned_drills(
        &self,
        list: Vec<NewPlannedDrill>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>> {
        for (i, d) in list.iter().enumerate() {
            check_new_planned_drill(i, d)?;
        }
        let mut tx = self.backend.write().await?;
        let mut ids = Vec::with_capacity(list.len());
        for (i, d) in list.iter().enumerate() {
            ids.push(insert_planned(&mut *tx, i, d, user, at).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn revise_planned_drill(
        &self,
        id: i64,
        due: NaiveDate,
        scenario: String,
        joint_with: String,
        reason: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.backend.write().await?;
        let old = load_planned(&mut *tx, id).await?;
        let new = NewPlannedDrill {
            entity: old.entity.clone(),
            plan: old.plan.clone(),
            due,
            scenario,
            joint_with,
        };
        if revise_in(&mut *tx, &old, &new, reason, user, at).await? {
            tx.commit().await?;
        }
        Ok(())
    }

    async fn cancel_planned_drill(
        &self,
        id: i64,
        reason: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.backend.write().await?;
        let old = load_planned(&mut *tx, id).await?;
        cancel_in(&mut *tx, &old, reason, user, at).await?;
        tx.commit().await
    }

    async fn save_planned_drills(
        &self,
        rows: Vec<PlannedDrillRow>,
        source: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, PlannedOutcome)>> {
        let at_row = |i: usize, e: StoreError| match e {
            StoreError::Invalid(m) => StoreError::Invalid(format!("planned drill {}: {m}", i + 1)),
            other => other,
        };
        for (i, r) in rows.iter().enumerate() {
            check_new_planned_drill(i, &r.drill)?;
        }
        let reason = format!("imported from {source}");
        let mut tx = self.backend.write().await?;
        let mut seen = std::collections::HashSet::new();
        let mut outcomes = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let Some(id) = r.id else {
                let id = insert_planned(&mut *tx, i, &r.drill, user, at).await?;
                if let Some(why) = &r.cancel_reason {
                    let new = load_planned(&mut *tx, id).await?;
                    cancel_in(&mut *tx, &new, why, user, at)
                        .await
                        .map_err(|e| at_row(i, e))?;
                }
                outcomes.push((id, PlannedOutcome::Created));
                continue;
            };
            if !seen.insert(id) {
                return Err(at_row(
                    i,
                    StoreError::Invalid(format!("id {id} is listed twice")),
                ));
            }
            let old = load_planned(&mut *tx, id).await.map_err(|e| at_row(i, e))?;
            if (&old.entity, old.plan.as_str()) != (&r.drill.entity, r.drill.plan.trim()) {
                return Err(at_row(
                    i,
                    StoreError::Invalid(format!(
                        "id {id} is {}/{}'s planned drill, not {}/{}",
                        old.entity, old.plan, r.drill.entity, r.drill.plan
                    )),
                ));
            }
            let outcome = match (&old.cancel_reason, &r.cancel_reason) {
                // Cancelled before: the row reads back as it is, or is refused.
                (Some(_), Some(_)) => PlannedOutcome::Unchanged,
                (Some(_), None) => {
                    return Err(at_row(
                        i,
                        StoreError::Invalid(format!(
                            "id {id} was cancelled; a cancelled drill stays cancelled (plan a new one)"
                        )),
                    ));
                }
                (None, cancel) => {
                    let revised = revise_in(&mut *tx, &old, &r.drill, &reason, user, at)
                        .await
                        .map_err(|e| at_row(i, e))?;
                    if let Some(why) = cancel {
                        let now = load_planned(&mut *tx, id).await?;
                        cancel_in(&mut *tx, &now, why, user, at)
                            .await
                            .map_err(|e| at_row(i, e))?;
                        PlannedOutcome::Cancelled
                    } else if revised {
                        PlannedOutcome::Revised
                    } else {
                        PlannedOutcome::Unchanged
                    }
                }
            };
            outcomes.push((id, outcome));
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn planned_drills(&self) -> StoreResult<Vec<PlannedDrill>> {
        self.read_all(
            &format!(
                "SELECT {PLANNED_COLUMNS} FROM safety_planned_drills ORDER BY entity, due, id"
            ),
            params![],
            planned_from_row,
        )
        .await
    }

    async fn record_drill_reminders(
        &self,
        list: Vec<DrillReminder>,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<DrillReminder>> {
        // The writer lock: two runs at once cannot both see a reminder as new.
        let mut tx = self.backend.write().await?;
        let mut sent = Vec::new();
        for r in list {
            let planned = load_planned(&mut *tx, r.planned).await?;
            if planned.cancel_reason.is_some() {
                continue;
            }
            // Once per planned date: a drill moved to a new date is reminded of again.
            let inserted = tx
                .execute(
                    "INSERT INTO safety_drill_reminders
                     (planned, user_name, reason, due, created_at)
                     VALUES (?, ?, ?, ?, ?)
                     ON CONFLICT (planned, user_name, reason, due) DO NOTHING",
                    params![r.planned, &r.user, r.reason.as_str(), planned.due, at],
                )
                .await?;
            if inserted == 0 {
                continue;
            }
            audit(
                &mut *tx,
                at,
                NOTIFICATION_SENDER,
                "drill_reminder.send",
                &describe_planned_drill_object(r.planned),
                None,
                Some(describe_drill_reminder(&r)),
                None,
            )
            .await?;
            sent.push(r);
        }
        tx.commit().await?;
        Ok(sent)
    }

    async fn drill_notifications(&self, user: &str) -> StoreResult<Vec<DrillNotification>> {
        self.read_all(
            "SELECT id, planned, user_name, reason, created_at, read_at
             FROM safety_drill_reminders WHERE user_name = ? ORDER BY created_at DESC, id DESC",
            params![user],
            reminder_from_row,
        )
        .await
    }
}

/// A planned drill by id, in the caller's transaction; `Invalid` when there is none.
async fn load_planned(conn: &mut dyn Connection, id: i64) -> StoreResult<PlannedDrill> {
    let sql = format!("SELECT {PLANNED_COLUMNS} FROM safety_planned_drills WHERE id = ?");
    let Some(mut row) = conn.fetch_optional(&sql, params![id]).await? else {
        return Err(StoreError::Invalid(format!("no planned drill {id}")));
    };
    planned_from_row(&mut row)
}

/// Adds one planned drill (`drill_plan.create`); `index` names its row.
async fn insert_planned(
    conn: &mut dyn Connection,
    index: usize,
    d: &NewPlannedDrill,
    user: &str,
    at: DateTime<Utc>,
) -> StoreResult<i64> {
    let known = conn
        .fetch_optional("SELECT 1 FROM entities WHERE code = ?", params![&d.entity])
        .await?;
    if known.is_none() {
        return Err(StoreError::Invalid(format!(
            "planned drill {}: unknown entity {}",
            index + 1,
            d.entity
        )));
    }
    let mut row = conn
        .fetch_optional(
            "INSERT INTO safety_planned_drills
             (entity, plan, due, scenario, joint_with, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            params![
                &d.entity,
                d.plan.trim(),
                d.due,
                &d.scenario,
                &d.joint_with,
                user,
                at
            ],
        )
        .await?
        .ok_or_else(|| StoreError::Database("INSERT … RETURNING id gave no row".into()))?;
    let id: i64 = row.get(0)?;
    audit(
        conn,
        at,
        user,
        "drill_plan.create",
        &describe_planned_drill_object(id),
        None,
        Some(describe_planned_drill(
            &d.entity,
            d.plan.trim(),
            d.due,
            &d.scenario,
            &d.joint_with,
        )),
        None,
    )
    .await?;
    Ok(id)
}

/// Revises `old` to `new`'s date, scenario and joint units (`drill_plan.revise`, the reason at
/// the end of the new value). `false`: nothing differed, nothing written.
async fn revise_in(
    conn: &mut dyn Connection,
    old: &PlannedDrill,
    new: &NewPlannedDrill,
    reason: &str,
    user: &str,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    check_new_planned_drill(0, new)?;
    if (old.due, old.scenario.as_str(), old.joint_with.as_str())
        == (new.due, new.scenario.as_str(), new.joint_with.as_str())
    {
        return Ok(false);
    }
    let id = old.id;
    if old.cancel_reason.is_some() {
        return Err(StoreError::Invalid(format!(
            "planned drill {id} is cancelled"
        )));
    }
    let reason = reason.trim();
    if old.due != new.due && reason.is_empty() {
        return Err(StoreError::Invalid(format!(
            "planned drill {id}: a new date needs a reason"
        )));
    }
    conn.execute(
        "UPDATE safety_planned_drills SET due = ?, scenario = ?, joint_with = ?,
         revision = revision + 1 WHERE id = ?",
        params![new.due, &new.scenario, &new.joint_with, id],
    )
    .await?;
    let describe =
        |d: NaiveDate, s: &str, j: &str| describe_planned_drill(&old.entity, &old.plan, d, s, j);
    let mut after = describe(new.due, &new.scenario, &new.joint_with);
    if !reason.is_empty() {
        after.push_str(&format!("; reason={reason}"));
    }
    audit(
        conn,
        at,
        user,
        "drill_plan.revise",
        &describe_planned_drill_object(id),
        Some(describe(old.due, &old.scenario, &old.joint_with)),
        Some(after),
        None,
    )
    .await?;
    Ok(true)
}

/// Cancels `old` (`drill_plan.cancel`); a blank reason or a cancelled one is `Invalid`.
async fn cancel_in(
    conn: &mut dyn Connection,
    old: &PlannedDrill,
    reason: &str,
    user: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let id = old.id;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::Invalid(format!(
            "planned drill {id}: cancelling it needs a reason"
        )));
    }
    if old.cancel_reason.is_some() {
        return Err(StoreError::Invalid(format!(
            "planned drill {id} is cancelled already"
        )));
    }
    if reason.chars().count() > crate::MAX_PLAN_TEXT {
        return Err(StoreError::Invalid(format!(
            "planned drill {id}: the reason is longer than {} characters",
            crate::MAX_PLAN_TEXT
        )));
    }
    conn.execute(
        "UPDATE safety_planned_drills SET cancel_reason = ?, cancelled_by = ?, cancelled_at = ?,
         revision = revision + 1 WHERE id = ?",
        params![reason, user, at, id],
    )
    .await?;
    audit(
        conn,
        at,
        user,
        "drill_plan.cancel",
        &describe_planned_drill_object(id),
        Some(describe_planned_drill(
            &old.entity,
            &old.plan,
            old.due,
            &old.scenario,
            &old.joint_with,
        )),
        Some(format!("cancelled; reason={reason}")),
        None,
    )
    .await
}
