//! Following a measure up: its updates (with comments), milestones, evidence, and the
//! inspection visits whose requirements become measures.
//!
//! The rules here are the ones a supervisor relies on when reading the history later: every
//! change leaves an update with who, when and the before/after values; cancelling a measure or
//! moving its deadline needs a reason; a done measure is at 100 %.

use chrono::{DateTime, NaiveDate, Utc};

use crate::access::{Access, Role};
use crate::entity::{EntityCode, EntityTree};
use crate::measures::{Measure, MeasureStatus};

/// May this user see the measure? When they may read its entity's figures.
pub fn may_see(access: &Access, tree: &EntityTree, measure: &Measure) -> bool {
    tree.id(&measure.entity)
        .is_some_and(|e| access.can_read(tree, e))
}

/// May this user change the measure (update, milestones, evidence)? Whoever may submit data for
/// its entity (HQ anywhere, an entity manager in their subtree), and its owner and co-owners
/// unless they only view — as long as they may see it at all.
pub fn may_change(access: &Access, tree: &EntityTree, user: &str, measure: &Measure) -> bool {
    let Some(entity) = tree.id(&measure.entity) else {
        return false;
    };
    access.can_read(tree, entity)
        && (access.can_submit(tree, entity)
            || (access.role != Role::Viewer && measure.is_responsible(user)))
}

/// May this account be named owner or co-owner of a measure of `entity`? Only if, once named,
/// [`may_change`] lets it update the measure: an owner who cannot report progress (a viewer,
/// or an account bound to another subtree) would leave the measure without anyone to act.
pub fn may_answer_for(access: &Access, tree: &EntityTree, entity: &EntityCode) -> bool {
    tree.id(entity).is_some_and(|id| {
        access.can_read(tree, id) && (access.can_submit(tree, id) || access.role != Role::Viewer)
    })
}

/// What a user changes on a measure in one go; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeasureChange {
    pub status: Option<MeasureStatus>,
    /// 0–100.
    pub progress: Option<u8>,
    pub due: Option<NaiveDate>,
    /// The comment of the update; the reason when cancelling or moving the deadline.
    pub comment: String,
}

/// Why a change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error("progress {0} is above 100")]
    ProgressAbove100(u8),
    #[error("cancelling a measure needs a reason")]
    CancelWithoutReason,
    #[error("moving the deadline from {from} to {to} needs a reason")]
    DeadlineMoveWithoutReason { from: NaiveDate, to: NaiveDate },
    #[error("the new deadline {due} is before the start date {start}")]
    DueBeforeStart { due: NaiveDate, start: NaiveDate },
    #[error("nothing to record: no change and no comment")]
    Empty,
    #[error("a cancelled measure cannot change; create a new one")]
    Cancelled,
}

/// The measure's fields after a change: the values an update records as "after".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub status: MeasureStatus,
    pub progress: u8,
    pub due: NaiveDate,
}

/// Checks `change` against `measure` and says what the measure becomes.
///
/// Marking a measure done sets its progress to 100 (a closed measure at 60 % reads as a
/// contradiction in the list); progress above 0 on a planned measure starts it.
pub fn apply_change(measure: &Measure, change: &MeasureChange) -> Result<Applied, ChangeError> {
    let comment = change.comment.trim();
    if measure.status == MeasureStatus::Cancelled {
        return Err(ChangeError::Cancelled);
    }
    if let Some(progress) = change.progress
        && progress > 100
    {
        return Err(ChangeError::ProgressAbove100(progress));
    }
    let mut status = change.status.unwrap_or(measure.status);
    let mut progress = change.progress.unwrap_or(measure.progress);
    let due = change.due.unwrap_or(measure.due);
    if status == MeasureStatus::Cancelled && measure.status != status && comment.is_empty() {
        return Err(ChangeError::CancelWithoutReason);
    }
    if due != measure.due && comment.is_empty() {
        return Err(ChangeError::DeadlineMoveWithoutReason {
            from: measure.due,
            to: due,
        });
    }
    if let Some(start) = measure.start
        && due < start
    {
        return Err(ChangeError::DueBeforeStart { due, start });
    }
    if status == MeasureStatus::Done {
        progress = 100;
    } else if status == MeasureStatus::Planned && progress > 0 && change.status.is_none() {
        status = MeasureStatus::InProgress;
    }
    let applied = Applied {
        status,
        progress,
        due,
    };
    let unchanged = applied
        == Applied {
            status: measure.status,
            progress: measure.progress,
            due: measure.due,
        };
    if unchanged && comment.is_empty() {
        return Err(ChangeError::Empty);
    }
    Ok(applied)
}

/// One recorded update of a measure: a comment and, if anything moved, before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureUpdate {
    pub id: i64,
    pub measure: i64,
    pub at: DateTime<Utc>,
    pub by: String,
    pub comment: String,
    pub status_before: MeasureStatus,
    pub status_after: MeasureStatus,
    pub progress_before: u8,
    pub progress_after: u8,
    pub due_before: NaiveDate,
    pub due_after: NaiveDate,
}

/// An intermediate step of a measure with its own date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub id: i64,
    pub measure: i64,
    pub title: String,
    pub due: NaiveDate,
    /// The day it was reached; `None`: still open.
    pub done_on: Option<NaiveDate>,
}

impl Milestone {
    pub fn is_overdue(&self, as_of: NaiveDate) -> bool {
        self.done_on.is_none() && self.due < as_of
    }
}

/// A piece of evidence attached to a measure (or one of its milestones). The content lives
/// once per SHA-256, however many times it is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub measure: i64,
    pub milestone: Option<i64>,
    pub sha256: String,
    pub file_name: String,
    /// Judged from the content, not the name.
    pub media_type: String,
    pub size: u64,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// An inspection or research visit by a leader (领导调研/检查), whose requirements are followed
/// up as measures (their `visit` names it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub id: i64,
    pub leader: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The entities visited, sorted.
    pub entities: Vec<EntityCode>,
    pub participants: String,
    pub summary: String,
    /// What the visit found (problems, observations), free text.
    pub findings: String,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// How a visit's requirements stand on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VisitProgress {
    pub total: usize,
    pub open: usize,
    pub done: usize,
    pub overdue: usize,
}

/// Counts the requirements (measures with `visit == Some(visit)`) of a visit as of a date;
/// cancelled requirements count in the total only.
pub fn visit_progress<'a>(
    visit: i64,
    measures: impl IntoIterator<Item = &'a Measure>,
    as_of: NaiveDate,
) -> VisitProgress {
    let mut progress = VisitProgress::default();
    for m in measures.into_iter().filter(|m| m.visit == Some(visit)) {
        progress.total += 1;
        if m.status.is_open() {
            progress.open += 1;
        }
        if m.status == MeasureStatus::Done {
            progress.done += 1;
        }
        if m.is_overdue(as_of) {
            progress.overdue += 1;
        }
    }
    progress
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn measure(status: MeasureStatus, progress: u8) -> Measure {
        Measure {
            id: 7,
            entity: EntityCode::parse("P1").unwrap(),
            title: "降低厂用电率".into(),
            indicator: None,
            owner: "fujian".into(),
            start: Some(date("2026-03-01")),
            due: date("2026-09-30"),
            status,
            progress,
            description: String::new(),
            expected_effect: String::new(),
            co_owners: vec!["li".into()],
            visit: None,
            revision: 1,
        }
    }

    fn change(
        status: Option<MeasureStatus>,
        progress: Option<u8>,
        due: Option<&str>,
    ) -> MeasureChange {
        MeasureChange {
            status,
            progress,
            due: due.map(date),
            comment: String::new(),
        }
    }

    #[test]
    fn cancelling_and_moving_the_deadline_need_a_reason() {
        let m = measure(MeasureStatus::InProgress, 40);
        assert_eq!(
            apply_change(&m, &change(Some(MeasureStatus::Cancelled), None, None)),
            Err(ChangeError::CancelWithoutReason)
        );
        assert_eq!(
            apply_change(&m, &change(None, None, Some("2026-12-31"))),
            Err(ChangeError::DeadlineMoveWithoutReason {
                from: date("2026-09-30"),
                to: date("2026-12-31")
            })
        );
        let with_reason = MeasureChange {
            comment: "  设备到货推迟  ".into(),
            ..change(None, None, Some("2026-12-31"))
        };
        assert_eq!(
            apply_change(&m, &with_reason),
            Ok(Applied {
                status: MeasureStatus::InProgress,
                progress: 40,
                due: date("2026-12-31")
            })
        );
        // Whitespace is no reason.
        let blank = MeasureChange {
            comment: "   ".into(),
            ..change(Some(MeasureStatus::Cancelled), None, None)
        };
        assert_eq!(
            apply_change(&m, &blank),
            Err(ChangeError::CancelWithoutReason)
        );
    }

    #[test]
    fn done_means_100_and_progress_starts_a_planned_measure() {
        let planned = measure(MeasureStatus::Planned, 0);
        assert_eq!(
            apply_change(&planned, &change(None, Some(20), None))
                .unwrap()
                .status,
            MeasureStatus::InProgress
        );
        let closed = apply_change(&planned, &change(Some(MeasureStatus::Done), None, None));
        assert_eq!(
            closed,
            Ok(Applied {
                status: MeasureStatus::Done,
                progress: 100,
                due: date("2026-09-30")
            })
        );
        // Explicitly planned with progress stays planned (the user said so).
        assert_eq!(
            apply_change(
                &planned,
                &change(Some(MeasureStatus::Planned), Some(10), None)
            )
            .unwrap()
            .status,
            MeasureStatus::Planned
        );
    }

    #[test]
    fn refusals() {
        let m = measure(MeasureStatus::InProgress, 40);
        assert_eq!(
            apply_change(&m, &change(None, Some(101), None)),
            Err(ChangeError::ProgressAbove100(101))
        );
        assert_eq!(
            apply_change(&m, &change(None, Some(40), None)),
            Err(ChangeError::Empty)
        );
        let early = MeasureChange {
            comment: "提前".into(),
            ..change(None, None, Some("2026-02-28"))
        };
        assert_eq!(
            apply_change(&m, &early),
            Err(ChangeError::DueBeforeStart {
                due: date("2026-02-28"),
                start: date("2026-03-01")
            })
        );
        let cancelled = measure(MeasureStatus::Cancelled, 40);
        let comment_only = MeasureChange {
            comment: "还能改吗".into(),
            ..MeasureChange::default()
        };
        assert_eq!(
            apply_change(&cancelled, &comment_only),
            Err(ChangeError::Cancelled)
        );
        // A comment alone is an update.
        assert!(apply_change(&m, &comment_only).is_ok());
    }

    #[test]
    fn plan_year_and_responsibility() {
        let m = measure(MeasureStatus::Planned, 0);
        assert_eq!(m.plan_year(), 2026);
        let no_start = Measure {
            start: None,
            due: date("2027-01-15"),
            ..m.clone()
        };
        assert_eq!(no_start.plan_year(), 2027);
        assert!(m.is_responsible("fujian") && m.is_responsible("li"));
        assert!(!m.is_responsible("sichuan"));
    }

    /// G with subsidiaries S1 (plant P1) and S2: the tree the access tests judge on.
    fn group_tree() -> EntityTree {
        use crate::entity::{Entity, EntityKind};
        let entity = |code: &str, parent: Option<&str>| Entity {
            code: EntityCode::parse(code).unwrap(),
            name: code.into(),
            parent: parent.map(|p| EntityCode::parse(p).unwrap()),
            kind: EntityKind::Company,
            region: String::new(),
            segment: String::new(),
        };
        EntityTree::build(vec![
            entity("G", None),
            entity("S1", Some("G")),
            entity("P1", Some("S1")),
            entity("S2", Some("G")),
        ])
        .unwrap()
    }

    fn access(role: Role, scope: Option<&str>) -> Access {
        Access {
            role,
            scope: scope.map(|s| EntityCode::parse(s).unwrap()),
        }
    }

    #[test]
    fn who_may_see_and_change_a_measure() {
        let tree = group_tree();
        // On P1, owned by fujian with co-owner li.
        let m = measure(MeasureStatus::InProgress, 10);
        let cases = [
            (access(Role::HqAnalyst, None), "hq", true, true),
            (
                access(Role::EntityManager, Some("S1")),
                "someone",
                true,
                true,
            ),
            (
                access(Role::EntityManager, Some("S2")),
                "sichuan",
                false,
                false,
            ),
            // Responsible but bound elsewhere: cannot even see it.
            (access(Role::EntityManager, Some("S2")), "li", false, false),
            (access(Role::Viewer, Some("S1")), "viewer", true, false),
            // A viewer named as co-owner still only views.
            (access(Role::Viewer, Some("P1")), "li", true, false),
        ];
        for (access, user, see, change) in cases {
            assert_eq!(
                (
                    may_see(&access, &tree, &m),
                    may_change(&access, &tree, user, &m)
                ),
                (see, change),
                "{:?} {user}",
                access.role
            );
        }
        // The owner (a manager of P1 itself) changes it too.
        assert!(may_change(
            &access(Role::EntityManager, Some("P1")),
            &tree,
            "fujian",
            &m
        ));
    }

    #[test]
    fn only_accounts_that_may_change_a_measure_may_answer_for_it() {
        let tree = group_tree();
        // On P1.
        let m = measure(MeasureStatus::InProgress, 0);
        for (access, name, answers) in [
            (access(Role::HqAnalyst, None), "hq", true),
            (access(Role::Admin, None), "admin", true),
            (access(Role::EntityManager, Some("S1")), "fujian", true),
            (access(Role::EntityManager, Some("P1")), "plant", true),
            // Bound to another subtree, or only viewing: would be stuck as owner.
            (access(Role::EntityManager, Some("S2")), "sichuan", false),
            (access(Role::Viewer, Some("S1")), "viewer", false),
        ] {
            assert_eq!(may_answer_for(&access, &tree, &m.entity), answers, "{name}");
            // The same answer as may_change once the account is named owner.
            let named = Measure {
                owner: name.to_owned(),
                ..m.clone()
            };
            assert_eq!(may_change(&access, &tree, name, &named), answers, "{name}");
        }
    }

    #[test]
    fn visit_progress_counts_requirements_only() {
        let on = |status, due: &str, visit| Measure {
            due: date(due),
            visit,
            ..measure(status, 0)
        };
        let list = [
            on(MeasureStatus::InProgress, "2026-06-30", Some(1)), // open, overdue
            on(MeasureStatus::Planned, "2026-12-31", Some(1)),    // open
            on(MeasureStatus::Done, "2026-05-31", Some(1)),       // done
            on(MeasureStatus::Cancelled, "2026-05-31", Some(1)),  // total only
            on(MeasureStatus::InProgress, "2026-01-31", Some(2)), // another visit
            on(MeasureStatus::InProgress, "2026-01-31", None),    // not a requirement
        ];
        assert_eq!(
            visit_progress(1, &list, date("2026-07-01")),
            VisitProgress {
                total: 4,
                open: 2,
                done: 1,
                overdue: 1
            }
        );
    }
}
