//! How far the collection of a month is for an entity's subtree (`zx_domain::collection`): the
//! cockpit says which month it shows and whether that month is complete.

use serde::Serialize;
use utoipa::ToSchema;
use zx_domain::collection::{CompleteWhen, MonthProgress, Policy};
use zx_domain::outliers::{MonthFlag, Subject};
use zx_domain::{Catalogue, EntityTree, Lang};

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

/// A figure of an entity-month far out of line with the entity's own history
/// (`zx_domain::outliers`): on the collection grid and after `zx import`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutlierJson {
    /// The item's or indicator's code.
    pub code: String,
    /// `item` (as the unit reported it) or `indicator` (its consolidated month).
    pub subject: String,
    /// Exact decimals in the stored unit (元, fractions for ratios).
    pub value: String,
    pub expected: String,
    /// The range that would have passed.
    pub low: String,
    pub high: String,
    /// `year_on_year` or `month_on_month`: what the expectation was read from.
    pub basis: String,
    /// In the caller's language.
    pub sentence: String,
}

/// The JSON of one flag.
pub fn outlier_json(flag: &MonthFlag, catalogue: &Catalogue, lang: Lang) -> OutlierJson {
    OutlierJson {
        code: flag.code(catalogue).to_owned(),
        subject: match flag.subject {
            Subject::Item(_) => "item",
            Subject::Indicator(_) => "indicator",
        }
        .to_owned(),
        value: flag.out.value.normalize().to_string(),
        expected: flag.out.expected.normalize().to_string(),
        low: flag.out.low.normalize().to_string(),
        high: flag.out.high.normalize().to_string(),
        basis: flag.out.basis.as_str().to_owned(),
        sentence: flag.sentence(catalogue, lang),
    }
}

/// A flag of an imported entity-month (`zx import --format json`'s `outliers`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportedOutlierJson {
    pub entity: String,
    /// `YYYY-MM`.
    pub month: String,
    #[serde(flatten)]
    pub flag: OutlierJson,
}
