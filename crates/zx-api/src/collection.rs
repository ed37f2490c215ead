//! How far the collection of a month is for an entity's subtree (`zx_domain::collection`): the
//! cockpit says which month it shows and whether that month is complete.

use serde::Serialize;
use utoipa::ToSchema;
use zx_domain::EntityTree;
use zx_domain::collection::{CompleteWhen, MonthProgress, Policy};

/// A unit expected to submit a month that has not (yet).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PendingUnitJson {
    pub code: String,
    pub name: String,
}

/// One month's collection for an entity's subtree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthProgressJson {
    /// `YYYY-MM`.
    pub month: String,
    /// Units expected to submit the month (leaves, and parents that book rows of their own).
    pub expected: usize,
    /// Expected units that submitted (or were approved, when the group asks approval).
    pub done: usize,
    /// Every expected unit is done.
    pub complete: bool,
    /// What counts as done: `submitted` or `approved` (the group's `complete_when`).
    pub done_when: &'static str,
    /// The expected units not done yet, parents before children.
    pub pending: Vec<PendingUnitJson>,
}

impl MonthProgressJson {
    pub fn new(tree: &EntityTree, policy: &Policy, progress: &MonthProgress) -> Self {
        Self {
            month: progress.month.to_string(),
            expected: progress.expected.len(),
            done: progress.done(),
            complete: progress.is_complete(),
            done_when: match policy.complete_when {
                CompleteWhen::Submitted => "submitted",
                CompleteWhen::Approved => "approved",
            },
            pending: progress
                .pending
                .iter()
                .map(|&id| {
                    let entity = tree.entity(id);
                    PendingUnitJson {
                        code: entity.code.to_string(),
                        name: entity.name.clone(),
                    }
                })
                .collect(),
        }
    }
}
