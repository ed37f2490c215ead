//! Yearly drill plans: planned drills are added all or nothing and audited, corrected by
//! revision with old and new values, and their reminders are recorded once.

use zx_store::{DrillReminder, DrillReminderReason, NewPlannedDrill, Store, StoreError};

use crate::measures::{at, audit_lines, code, date, setup};

pub(crate) fn planned(entity: &str, plan: &str, due: &str) -> NewPlannedDrill {
    NewPlannedDrill {
        entity: code(entity),
        plan: plan.into(),
        due: date(due),
        scenario: "垃圾坑有限空间中毒窒息".into(),
        joint_with: String::new(),
    }
}

/// Planned drills come back as written, in entity and date order; a list with an unknown
/// entity writes nothing; a correction is a revision with old and new in the audit log, and an
/// unchanged one writes nothing.
pub async fn planned_drills_are_added_all_or_nothing_and_revised_with_an_audit_trail(
    store: &dyn Store,
) {
    setup(store).await;
    let mut joint = planned("P1", "P1-ZX-HZ", "2026-11-20");
    joint.joint_with = "晋江消防救援大队".into();
    let ids = store
        .add_planned_drills(
            vec![
                planned("P2", "P2-XC-01", "2026-06-30"),
                joint,
                planned("P1", "P1-XC-01", "2026-06-15"),
            ],
            "fujian",
            at(2, 9),
        )
        .await
        .unwrap();
    assert_eq!(ids, vec![1, 2, 3]);
    let before = audit_lines(store).await.len();
    let refused = store
        .add_planned_drills(
            vec![
                planned("P1", "P1-XC-02", "2026-12-31"),
                planned("NOPE", "X", "2026-12-31"),
            ],
            "fujian",
            at(3, 9),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, StoreError::Invalid(m) if m == "planned drill 2: unknown entity NOPE"),
        "{refused:?}"
    );
    assert_eq!(audit_lines(store).await.len(), before);
    let list: Vec<(i64, String, String, String)> = store
        .planned_drills()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.entity.to_string(), p.due.to_string(), p.joint_with))
        .collect();
    assert_eq!(
        list,
        vec![
            (3, "P1".into(), "2026-06-15".into(), String::new()),
            (
                2,
                "P1".into(),
                "2026-11-20".into(),
                "晋江消防救援大队".into()
            ),
            (1, "P2".into(), "2026-06-30".into(), String::new()),
        ]
    );

    store
        .revise_planned_drill(
            3,
            date("2026-06-25"),
            "垃圾坑有限空间中毒窒息".into(),
            "晋江市医院".into(),
            "6 月中旬停炉检修，改期",
            "fujian",
            at(4, 9),
        )
        .await
        .unwrap();
    // The same values again: nothing written.
    store
        .revise_planned_drill(
            3,
            date("2026-06-25"),
            "垃圾坑有限空间中毒窒息".into(),
            "晋江市医院".into(),
            "again",
            "fujian",
            at(5, 9),
        )
        .await
        .unwrap();
    let lines = audit_lines(store).await;
    assert_eq!(lines.len(), before + 1);
    let e = &lines[0];
    assert_eq!(
        (
            e.user.as_str(),
            e.action.as_str(),
            e.object.as_str(),
            e.old_value.as_deref(),
            e.new_value.as_deref(),
            e.at,
        ),
        (
            "fujian",
            "drill_plan.revise",
            "planned drill 3",
            Some(
                "entity=P1; plan=P1-XC-01; due=2026-06-15; scenario=垃圾坑有限空间中毒窒息; joint_with="
            ),
            Some(
                "entity=P1; plan=P1-XC-01; due=2026-06-25; scenario=垃圾坑有限空间中毒窒息; joint_with=晋江市医院; reason=6 月中旬停炉检修，改期"
            ),
            at(4, 9),
        )
    );
    assert!(matches!(
        store
            .revise_planned_drill(99, date("2026-06-25"), String::new(), String::new(), "x", "fujian", at(5, 9))
            .await,
        Err(StoreError::Invalid(m)) if m == "no planned drill 99"
    ));
}

/// A (planned drill, user, reason) reminder is recorded once, audited by `system`; an unknown
/// planned drill refuses the whole list.
pub async fn drill_reminders_are_recorded_once_and_audited(store: &dyn Store) {
    setup(store).await;
    store
        .add_planned_drills(
            vec![planned("P1", "P1-XC-01", "2026-04-20")],
            "fujian",
            at(2, 9),
        )
        .await
        .unwrap();
    let r = |user: &str, reason| DrillReminder {
        planned: 1,
        user: user.into(),
        reason,
    };
    let first = vec![r("fujian", DrillReminderReason::DueSoon)];
    assert_eq!(
        store
            .record_drill_reminders(first.clone(), at(10, 1))
            .await
            .unwrap(),
        first
    );
    let before = audit_lines(store).await.len();
    let sent = store
        .record_drill_reminders(
            vec![
                r("fujian", DrillReminderReason::DueSoon),
                r("fujian", DrillReminderReason::Overdue),
            ],
            at(21, 1),
        )
        .await
        .unwrap();
    assert_eq!(sent, vec![r("fujian", DrillReminderReason::Overdue)]);
    let lines = audit_lines(store).await;
    assert_eq!(lines.len(), before + 1);
    assert_eq!(
        (
            lines[0].user.as_str(),
            lines[0].action.as_str(),
            lines[0].object.as_str(),
            lines[0].new_value.as_deref()
        ),
        (
            "system",
            "drill_reminder.send",
            "planned drill 1",
            Some("to=fujian; reason=drill_overdue")
        )
    );
    let mine: Vec<(DrillReminderReason, bool)> = store
        .drill_notifications("fujian")
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.reason, n.read_at.is_some()))
        .collect();
    assert_eq!(
        mine,
        vec![
            (DrillReminderReason::Overdue, false),
            (DrillReminderReason::DueSoon, false)
        ]
    );
    assert!(matches!(
        store
            .record_drill_reminders(
                vec![DrillReminder {
                    planned: 7,
                    user: "fujian".into(),
                    reason: DrillReminderReason::DueSoon
                }],
                at(22, 1)
            )
            .await,
        Err(StoreError::Invalid(m)) if m == "no planned drill 7"
    ));
}

/// The reminder service on a fixed clock: nothing 15 days before a planned date (lead time 14),
/// P1's manager from 14 days before, once; once the date has passed, the manager again
/// (overdue) and nobody above P1 with a manager account (G has none); a drill recorded for the
/// plan ends the reminders. The China date decides: 16:00 UTC on 06-15 is 06-16 in China.
pub async fn drill_reminders_go_out_lead_days_before_the_date_and_once(store: &dyn Store) {
    use chrono::{TimeZone, Utc};
    use zx_domain::safety::Drill;

    setup(store).await;
    store
        .add_planned_drills(
            vec![planned("P1", "P1-XC-01", "2026-06-30")],
            "fujian",
            at(2, 9),
        )
        .await
        .unwrap();
    let now = |m: u32, d: u32, h: u32| Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap();
    let run = async |drills: &[Drill], at| {
        zx_notify::run_drill_reminders(store, drills, at, 14, false)
            .await
            .unwrap()
    };
    let due_soon = DrillReminder {
        planned: 1,
        user: "fujian".into(),
        reason: DrillReminderReason::DueSoon,
    };
    // 06-15 15:59 UTC is 06-15 23:59 in China: 15 days before 06-30.
    assert!(run(&[], now(6, 15, 15)).await.is_empty());
    // 06-15 16:00 UTC is 06-16 in China: 14 days before.
    let dry = zx_notify::run_drill_reminders(store, &[], now(6, 15, 16), 14, true)
        .await
        .unwrap();
    assert_eq!(dry, vec![due_soon.clone()]);
    assert_eq!(run(&[], now(6, 15, 16)).await, vec![due_soon.clone()]);
    assert!(run(&[], now(6, 20, 1)).await.is_empty());
    // 07-01 in China: overdue.
    assert_eq!(
        run(&[], now(7, 1, 1)).await,
        vec![DrillReminder {
            reason: DrillReminderReason::Overdue,
            ..due_soon.clone()
        }]
    );
    // A second planned drill, drilled in time: no reminder for it.
    store
        .add_planned_drills(
            vec![planned("P1", "P1-ZH", "2026-07-10")],
            "fujian",
            at(3, 9),
        )
        .await
        .unwrap();
    let drilled = [Drill {
        entity: code("P1"),
        plan: "P1-ZH".into(),
        date: date("2026-07-02"),
        joint_with: None,
    }];
    assert!(run(&drilled, now(7, 5, 1)).await.is_empty());
}

/// A drill recorded with its report writes the drill (the obligations count it), the report and
/// its improvements in one transaction; an unknown plan or the same drill again writes nothing;
/// an improvement becomes a measure once, linked and audited.
pub async fn a_drill_is_recorded_with_its_report_and_an_improvement_becomes_a_measure(
    store: &dyn Store,
) {
    use zx_domain::safety::{Drill, Plan, PlanKind, SafetyRecords};
    use zx_store::{NewDrillReport, SafetySource};

    setup(store).await;
    store
        .import_safety_records(
            &SafetyRecords {
                plans: vec![Plan {
                    entity: code("P1"),
                    plan: "P1-ZX-HZ".into(),
                    kind: PlanKind::Special,
                    approved: date("2025-03-15"),
                }],
                ..SafetyRecords::default()
            },
            &[SafetySource {
                file: "plans.csv".into(),
                kind: "plans".into(),
                sha256: "ab".repeat(32),
            }],
            "fujian",
            at(2, 9),
        )
        .await
        .unwrap();
    let report = |plan: &str| NewDrillReport {
        drill: Drill {
            entity: code("P1"),
            plan: plan.into(),
            date: date("2026-04-10"),
            joint_with: Some("晋江消防救援大队".into()),
        },
        scenario: "垃圾池火灾".into(),
        participants: "运行部 12 人".into(),
        evaluation: "响应及时，通讯不畅".into(),
        improvements: vec![
            "对讲机频道统一".into(),
            " ".into(),
            "增设消防通道标识".into(),
        ],
    };
    let before = audit_lines(store).await.len();
    let refused = store
        .record_drill(report("P1-XC-09"), "fujian", at(10, 9))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, StoreError::Invalid(m) if m == "P1 has no plan \"P1-XC-09\" in its register"),
        "{refused:?}"
    );
    assert_eq!(audit_lines(store).await.len(), before);

    let id = store
        .record_drill(report("P1-ZX-HZ"), "fujian", at(10, 9))
        .await
        .unwrap();
    let drills = store.safety_records().await.unwrap().drills;
    assert_eq!(drills, vec![report("P1-ZX-HZ").drill]);
    // The drill, the report and two improvements (the blank one left out): four lines.
    let lines = audit_lines(store).await;
    assert_eq!(lines.len(), before + 4);
    let actions: Vec<&str> = lines[..4].iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "drill_improvement.create",
            "drill_improvement.create",
            "drill_report.create",
            "safety_drill.create"
        ]
    );
    assert_eq!(
        lines[2].new_value.as_deref(),
        Some(
            "entity=P1; plan=P1-ZX-HZ; date=2026-04-10; scenario=垃圾池火灾; participants=运行部 12 人; evaluation=响应及时，通讯不畅"
        )
    );
    let again = store
        .record_drill(report("P1-ZX-HZ"), "fujian", at(11, 9))
        .await
        .unwrap_err();
    assert!(
        matches!(&again, StoreError::Invalid(m) if m == "a drill of P1 plan \"P1-ZX-HZ\" on 2026-04-10 is recorded already"),
        "{again:?}"
    );
    let reports = store.drill_reports().await.unwrap();
    assert_eq!(
        (
            reports.len(),
            reports[0].id,
            reports[0].recorded_by.as_str()
        ),
        (1, id, "fujian")
    );
    let improvements = store.drill_improvements().await.unwrap();
    let texts: Vec<(&str, Option<i64>)> = improvements
        .iter()
        .map(|i| (i.text.as_str(), i.measure))
        .collect();
    assert_eq!(
        texts,
        vec![("对讲机频道统一", None), ("增设消防通道标识", None)]
    );

    let measure = store
        .improvement_to_measure(
            improvements[0].id,
            crate::measures::new_measure("P1", "演练改进：对讲机频道统一", "fujian", "2026-05-31"),
            "fujian",
            at(12, 9),
        )
        .await
        .unwrap();
    let m = store.measure(measure).await.unwrap().unwrap();
    assert_eq!(
        (m.entity.as_str(), m.title.as_str(), m.owner.as_str()),
        ("P1", "演练改进：对讲机频道统一", "fujian")
    );
    assert_eq!(
        store.drill_improvements().await.unwrap()[0].measure,
        Some(measure)
    );
    let lines = audit_lines(store).await;
    assert_eq!(
        (
            lines[0].action.as_str(),
            lines[0].object.as_str(),
            lines[0].new_value.clone()
        ),
        (
            "drill_improvement.measure",
            format!("drill improvement {}", improvements[0].id).as_str(),
            Some(format!("measure {measure}"))
        )
    );
    assert_eq!(lines[1].action, "measure.create");
    let twice = store
        .improvement_to_measure(
            improvements[0].id,
            crate::measures::new_measure("P1", "再来一次", "fujian", "2026-05-31"),
            "fujian",
            at(12, 10),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&twice, StoreError::Invalid(m) if m.ends_with(&format!("is measure {measure} already"))),
        "{twice:?}"
    );
}
