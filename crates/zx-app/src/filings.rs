//! What has been filed for each unit-month, as `zx_domain::collection` needs it: the collection
//! workflow's recorded states (submitted, approved, returned, locked) over the rows of the
//! snapshot. Figures imported without the workflow (`zx import`) count as submitted.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use zx_domain::collection::{Filing, Filings};
use zx_domain::{Engine, EntityId, Month};
use zx_store::prelude::*;
use zx_store::{PeriodState, PeriodStatus};

use crate::AppError;

/// The filings of the years loaded, read against one snapshot's engine.
pub struct StoredFilings<'e> {
    engine: &'e Engine,
    /// The catalogue's reported items: a unit "has rows" when it has any of them.
    reported: Vec<usize>,
    states: HashMap<(EntityId, Month), PeriodState>,
}

/// Reads the recorded states of `years` (one query per year). Months outside `years` read as
/// having no recorded state: their rows alone say whether they were submitted.
pub async fn load_filings<'e>(
    store: &dyn Store,
    engine: &'e Engine,
    years: RangeInclusive<i32>,
) -> Result<StoredFilings<'e>, AppError> {
    let mut statuses = Vec::new();
    for year in years {
        statuses.extend(store.period_statuses(year).await?);
    }
    Ok(StoredFilings::new(engine, &statuses))
}

impl<'e> StoredFilings<'e> {
    /// Filings from recorded states already read (states of unknown entities are ignored).
    pub fn new(engine: &'e Engine, statuses: &[PeriodStatus]) -> Self {
        let tree = engine.tree();
        let states = statuses
            .iter()
            .filter_map(|s| Some(((tree.id(&s.entity)?, s.month), s.state)))
            .collect();
        Self {
            engine,
            reported: engine
                .catalogue()
                .reported_items()
                .map(|(i, _)| i)
                .collect(),
            states,
        }
    }

    /// The recorded state of `entity`'s `month`, if any.
    pub fn recorded(&self, entity: EntityId, month: Month) -> Option<PeriodState> {
        self.states.get(&(entity, month)).copied()
    }

    /// Whether `entity`'s month is locked, by itself or by an ancestor's lock.
    pub fn is_locked(&self, entity: EntityId, month: Month) -> bool {
        self.engine
            .tree()
            .path_to(entity)
            .into_iter()
            .any(|id| self.recorded(id, month) == Some(PeriodState::Locked))
    }
}

impl Filings for StoredFilings<'_> {
    /// A lock closes a month: with figures it counts as approved, without as not submitted.
    /// Otherwise the recorded state, or "submitted" when rows exist without one.
    fn filing(&self, entity: EntityId, month: Month) -> Filing {
        let rows = self.has_own_rows(entity, month);
        if self.is_locked(entity, month) {
            return if rows {
                Filing::Approved
            } else {
                Filing::NotSubmitted
            };
        }
        match self.recorded(entity, month) {
            Some(PeriodState::Approved) => Filing::Approved,
            Some(PeriodState::Returned) => Filing::Returned,
            Some(PeriodState::Submitted) => Filing::Submitted,
            Some(PeriodState::Locked) | None if rows => Filing::Submitted,
            Some(PeriodState::Locked) | None => Filing::NotSubmitted,
        }
    }

    fn has_own_rows(&self, entity: EntityId, month: Month) -> bool {
        let ledger = self.engine.ledger();
        self.reported
            .iter()
            .any(|&item| ledger.get(entity, item, month).is_some())
    }
}
