//! The collection workflow: where each entity-month stands (submitted, approved, locked).

use crate::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Where an entity's month stands in the collection workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodState {
    /// Data was submitted (explicitly, or rows exist) and awaits HQ.
    Submitted,
    /// HQ approved it.
    Approved,
    /// HQ sent it back with a comment.
    Returned,
    /// Closed: any import touching it is refused.
    Locked,
}

impl PeriodState {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodState::Submitted => "submitted",
            PeriodState::Approved => "approved",
            PeriodState::Returned => "returned",
            PeriodState::Locked => "locked",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Submitted,
            Self::Approved,
            Self::Returned,
            Self::Locked,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// The recorded state of one entity-month (absent: nothing recorded, "not submitted" unless
/// data rows exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodStatus {
    pub entity: EntityCode,
    pub month: Month,
    pub state: PeriodState,
    pub comment: Option<String>,
    pub user: String,
    pub at: DateTime<Utc>,
}

/// The state of each entity-month in the collection workflow.
#[async_trait]
pub trait WorkflowStore: Send + Sync {
    // --- collection workflow ----------------------------------------------------------------
    /// Recorded states of every entity-month of a year, by entity and month.
    async fn period_statuses(&self, year: i32) -> StoreResult<Vec<PeriodStatus>>;
    /// Records a state change (audited `period.<state>` with old and new state and the comment).
    /// Any change is recorded: which transitions a role may make is the caller's rule.
    /// `Invalid` for an unknown entity.
    async fn set_period_state(&self, status: PeriodStatus) -> StoreResult<()>;
    /// Every recorded lock, as (entity locked, month): it closes the month for the units below.
    async fn locked_periods(&self) -> StoreResult<Vec<(EntityCode, Month)>>;
}

/// The state an entity-month takes when a file holding it is submitted (`None`: unchanged).
/// A new or changed value sends it (back) to `submitted` for HQ to review again; a file whose
/// values for the month are all unchanged is a resubmission only where nothing was submitted
/// or HQ returned it, so an approval survives the routine re-upload of a pre-filled template.
/// A locked month keeps its state (its values can only be unchanged).
pub fn state_after_submission(
    before: Option<PeriodState>,
    changed: bool,
    locked: bool,
) -> Option<PeriodState> {
    if locked {
        return None;
    }
    match before {
        Some(PeriodState::Submitted) => None,
        Some(PeriodState::Approved) if !changed => None,
        Some(PeriodState::Locked) => None,
        None | Some(PeriodState::Returned | PeriodState::Approved) => Some(PeriodState::Submitted),
    }
}

/// The new value of a `period.<state>` audit line: the state, then the comment if any.
pub fn describe_period_state(status: &PeriodStatus) -> String {
    match &status.comment {
        Some(comment) if !comment.is_empty() => format!("{}: {comment}", status.state.as_str()),
        _ => status.state.as_str().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approval_survives_an_unchanged_month_and_nothing_else() {
        use PeriodState::*;
        // (before, changed) → after
        let cases = [
            (None, false, Some(Submitted)),
            (None, true, Some(Submitted)),
            (Some(Returned), false, Some(Submitted)),
            (Some(Returned), true, Some(Submitted)),
            (Some(Approved), false, None),
            (Some(Approved), true, Some(Submitted)),
            (Some(Submitted), false, None),
            (Some(Submitted), true, None),
        ];
        for (before, changed, after) in cases {
            assert_eq!(
                state_after_submission(before, changed, false),
                after,
                "{before:?} changed={changed}"
            );
        }
        assert_eq!(state_after_submission(None, false, true), None);
        assert_eq!(state_after_submission(Some(Approved), false, true), None);
    }
}
