//! DrillStore over SQL: drills recorded with their reports and improvements, companies' yearly
//! drill plans and the reminders sent about them.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::measures::{insert_measures, measure_refs};
use super::{Backend, Row, SqlStore, audit};
use crate::{
    DrillImprovement, DrillReport, NewDrillReport, NewMeasure, check_new_drill_report,
    check_new_measure, describe_drill, describe_drill_object, describe_drill_report,
    describe_drill_report_object, describe_improvement_object, describe_measure_object,
};
use crate::{
    DrillNotification, DrillReminder, DrillReminderReason, DrillStore, NOTIFICATION_SENDER,
    NewPlannedDrill, PlannedDrill, StoreError, StoreResult, check_new_planned_drill,
    describe_drill_reminder, describe_planned_drill, describe_planned_drill_object, params,
};

const PLANNED_COLUMNS: &str = "id, entity, plan, due, scenario, joint_with";

fn planned_from_row(row: &mut Row) -> StoreResult<PlannedDrill> {
    Ok(PlannedDrill {
        id: row.get(0)?,
        entity: row.get(1)?,
        plan: row.get(2)?,
        due: row.get(3)?,
        scenario: row.get(4)?,
        joint_with: row.get(5)?,
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
            let known = tx
                .fetch_optional("SELECT 1 FROM entities WHERE code = ?", params![&d.entity])
                .await?;
            if known.is_none() {
                return Err(StoreError::Invalid(format!(
                    "planned drill {}: unknown entity {}",
                    i + 1,
                    d.entity
                )));
            }
            let mut row = tx
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
                &mut *tx,
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
            ids.push(id);
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
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.backend.write().await?;
        let sql = format!("SELECT {PLANNED_COLUMNS} FROM safety_planned_drills WHERE id = ?");
        let Some(mut row) = tx.fetch_optional(&sql, params![id]).await? else {
            return Err(StoreError::Invalid(format!("no planned drill {id}")));
        };
        let old = planned_from_row(&mut row)?;
        let new = NewPlannedDrill {
            entity: old.entity.clone(),
            plan: old.plan.clone(),
            due,
            scenario,
            joint_with,
        };
        check_new_planned_drill(0, &new)?;
        if (old.due, &old.scenario, &old.joint_with) == (new.due, &new.scenario, &new.joint_with) {
            return Ok(());
        }
        tx.execute(
            "UPDATE safety_planned_drills SET due = ?, scenario = ?, joint_with = ?,
             revision = revision + 1 WHERE id = ?",
            params![new.due, &new.scenario, &new.joint_with, id],
        )
        .await?;
        let describe = |d: NaiveDate, s: &str, j: &str| {
            describe_planned_drill(&old.entity, &old.plan, d, s, j)
        };
        audit(
            &mut *tx,
            at,
            user,
            "drill_plan.revise",
            &describe_planned_drill_object(id),
            Some(describe(old.due, &old.scenario, &old.joint_with)),
            Some(describe(new.due, &new.scenario, &new.joint_with)),
            None,
        )
        .await?;
        tx.commit().await
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
            let known = tx
                .fetch_optional(
                    "SELECT 1 FROM safety_planned_drills WHERE id = ?",
                    params![r.planned],
                )
                .await?;
            if known.is_none() {
                return Err(StoreError::Invalid(format!(
                    "no planned drill {}",
                    r.planned
                )));
            }
            let inserted = tx
                .execute(
                    "INSERT INTO safety_drill_reminders (planned, user_name, reason, created_at)
                     VALUES (?, ?, ?, ?)
                     ON CONFLICT (planned, user_name, reason) DO NOTHING",
                    params![r.planned, &r.user, r.reason.as_str(), at],
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
