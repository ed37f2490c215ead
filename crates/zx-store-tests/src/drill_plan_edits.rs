//! Editing a yearly drill plan: a new date needs a reason, a cancelled drill stays in the plan
//! with its reason and is reminded of no more, a drill moved to a new date is reminded of again
//! before it, and a plan file saved back is one transaction, all or nothing.

use zx_store::{
    DrillReminder, DrillReminderReason, PlannedDrillRow, PlannedOutcome, Store, StoreError,
};

use crate::drill_plan::planned;
use crate::measures::{at, audit_lines, date, setup};

fn reminder(reason: DrillReminderReason) -> DrillReminder {
    DrillReminder {
        planned: 1,
        user: "fujian".into(),
        reason,
    }
}

pub async fn a_planned_drill_moves_with_a_reason_and_is_cancelled_with_one(store: &dyn Store) {
    setup(store).await;
    store
        .add_planned_drills(
            vec![
                planned("P1", "P1-XC-01", "2026-04-20"),
                planned("P1", "P1-XC-01", "2026-10-20"),
            ],
            "fujian",
            at(2, 9),
        )
        .await
        .unwrap();
    let due_soon = vec![reminder(DrillReminderReason::DueSoon)];
    assert_eq!(
        store
            .record_drill_reminders(due_soon.clone(), at(10, 1))
            .await
            .unwrap(),
        due_soon
    );
    // A new date without a reason: refused, nothing written.
    let scenario = "垃圾坑有限空间中毒窒息".to_owned();
    let refused = store
        .revise_planned_drill(
            1,
            date("2026-05-20"),
            scenario.clone(),
            String::new(),
            " ",
            "fujian",
            at(11, 1),
        )
        .await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(m)) if m == "planned drill 1: a new date needs a reason"),
        "{refused:?}"
    );
    store
        .revise_planned_drill(
            1,
            date("2026-05-20"),
            scenario.clone(),
            String::new(),
            "锅炉检修",
            "fujian",
            at(11, 1),
        )
        .await
        .unwrap();
    // Moved to 05-20: its due-soon reminder for the new date goes out again, once.
    assert_eq!(
        store
            .record_drill_reminders(due_soon.clone(), at(12, 1))
            .await
            .unwrap(),
        due_soon
    );
    assert_eq!(
        store
            .record_drill_reminders(due_soon.clone(), at(13, 1))
            .await
            .unwrap(),
        vec![]
    );
    // Cancelled with a reason: in the plan still, no reminder any more, not again.
    assert!(
        store
            .cancel_planned_drill(1, "", "fujian", at(14, 1))
            .await
            .is_err()
    );
    store
        .cancel_planned_drill(1, "与 10 月演练合并", "fujian", at(14, 1))
        .await
        .unwrap();
    let overdue = vec![reminder(DrillReminderReason::Overdue)];
    assert_eq!(
        store
            .record_drill_reminders(overdue, at(25, 1))
            .await
            .unwrap(),
        vec![]
    );
    assert!(
        store
            .cancel_planned_drill(1, "again", "fujian", at(15, 1))
            .await
            .is_err()
    );
    assert!(
        store
            .revise_planned_drill(
                1,
                date("2026-05-21"),
                scenario,
                String::new(),
                "x",
                "fujian",
                at(15, 1)
            )
            .await
            .is_err()
    );
    let list = store.planned_drills().await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].cancel_reason.as_deref(), Some("与 10 月演练合并"));
    assert_eq!(list[0].due, date("2026-05-20"));
    let lines = audit_lines(store).await;
    assert_eq!(
        (lines[0].action.as_str(), lines[0].new_value.as_deref()),
        (
            "drill_plan.cancel",
            Some("cancelled; reason=与 10 月演练合并")
        )
    );
}

pub async fn a_drill_plan_file_is_saved_all_or_nothing(store: &dyn Store) {
    setup(store).await;
    store
        .add_planned_drills(
            vec![
                planned("P1", "P1-XC-01", "2026-04-20"),
                planned("P1", "P1-XC-01", "2026-10-20"),
            ],
            "fujian",
            at(2, 9),
        )
        .await
        .unwrap();
    let row = |id: Option<i64>, due: &str, cancel: Option<&str>| PlannedDrillRow {
        id,
        drill: planned("P1", "P1-XC-01", due),
        cancel_reason: cancel.map(str::to_owned),
    };
    let before = audit_lines(store).await.len();
    // Row 3 names drill 1 again: nothing of rows 1 and 2 is written.
    let refused = store
        .save_planned_drills(
            vec![
                row(None, "2026-12-01", None),
                row(Some(1), "2026-04-25", None),
                row(Some(1), "2026-04-25", None),
            ],
            "plan.xlsx",
            "fujian",
            at(3, 9),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, StoreError::Invalid(m) if m == "planned drill 3: id 1 is listed twice"),
        "{refused:?}"
    );
    assert_eq!(audit_lines(store).await.len(), before);
    assert_eq!(store.planned_drills().await.unwrap().len(), 2);
    // Row 1 new, row 2 moved (reason: the file), row 3 cancelled.
    let saved = store
        .save_planned_drills(
            vec![
                row(None, "2026-12-01", None),
                row(Some(1), "2026-04-25", None),
                row(Some(2), "2026-10-20", Some("并入 12 月联合演练")),
            ],
            "plan.xlsx",
            "fujian",
            at(3, 9),
        )
        .await
        .unwrap();
    // (PostgreSQL's identity moved on with the refused insert: the new id is only new.)
    let created = saved[0].0;
    assert!(created > 2);
    assert_eq!(
        saved,
        vec![
            (created, PlannedOutcome::Created),
            (1, PlannedOutcome::Revised),
            (2, PlannedOutcome::Cancelled)
        ]
    );
    let lines = audit_lines(store).await;
    assert!(
        lines[1]
            .new_value
            .as_deref()
            .unwrap()
            .ends_with("; reason=imported from plan.xlsx")
    );
    // The same file read back: nothing changes; dropping the cancel reason is refused.
    let again = store
        .save_planned_drills(
            vec![
                row(Some(created), "2026-12-01", None),
                row(Some(1), "2026-04-25", None),
                row(Some(2), "2026-10-20", Some("并入 12 月联合演练")),
            ],
            "plan.xlsx",
            "fujian",
            at(4, 9),
        )
        .await
        .unwrap();
    assert!(again.iter().all(|(_, o)| *o == PlannedOutcome::Unchanged));
    assert!(
        store
            .save_planned_drills(
                vec![row(Some(2), "2026-10-20", None)],
                "plan.xlsx",
                "fujian",
                at(4, 9)
            )
            .await
            .is_err()
    );
}
