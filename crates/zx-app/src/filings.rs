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
    /// For each month locked somewhere: whether each entity is locked, by itself or an
    /// ancestor, computed top-down once (walking up per entity was quadratic on deep chains).
    locked: HashMap<Month, Vec<bool>>,
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
        let states: HashMap<(EntityId, Month), PeriodState> = statuses
            .iter()
            .filter_map(|s| Some(((tree.id(&s.entity)?, s.month), s.state)))
            .collect();
        let mut locked: HashMap<Month, Vec<bool>> = HashMap::new();
        for (&(_, month), &state) in &states {
            if state == PeriodState::Locked && !locked.contains_key(&month) {
                let mut below_lock = vec![false; tree.len()];
                // Parents before children: the post-order reversed.
                for &id in tree.post_order().iter().rev() {
                    below_lock[id] = states.get(&(id, month)) == Some(&PeriodState::Locked)
                        || tree.parent(id).is_some_and(|p| below_lock[p]);
                }
                locked.insert(month, below_lock);
            }
        }
        Self {
            locked,
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
        self.locked
            .get(&month)
            .is_some_and(|below_lock| below_lock.get(entity) == Some(&true))
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

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use zx_domain::{Catalogue, Decimal, Entity, EntityCode, EntityKind, EntityTree, Ledger};

    use super::*;

    fn m(text: &str) -> Month {
        Month::parse(text).unwrap()
    }

    /// G ─┬─ P1, P2; P1 reported total profit in July, August, September and October.
    fn engine() -> Engine {
        let entity = |code: &str, parent: Option<&str>| Entity {
            code: EntityCode::parse(code).unwrap(),
            name: code.to_owned(),
            parent: parent.map(|p| EntityCode::parse(p).unwrap()),
            kind: EntityKind::Plant,
            region: String::new(),
            segment: String::new(),
        };
        let tree = EntityTree::build(vec![
            entity("G", None),
            entity("P1", Some("G")),
            entity("P2", Some("G")),
        ])
        .unwrap();
        let catalogue = Catalogue::builtin().unwrap();
        let profit = catalogue.item_index("total_profit").unwrap();
        let mut ledger = Ledger::new(&tree, &catalogue, m("2026-07"), 4);
        let p1 = tree.id_of("P1").unwrap();
        for month in ["2026-07", "2026-08", "2026-09", "2026-10"] {
            ledger.set(p1, profit, m(month), Decimal::from(100));
        }
        Engine::new(tree, catalogue, ledger)
    }

    fn status(entity: &str, month: &str, state: PeriodState) -> PeriodStatus {
        PeriodStatus {
            entity: EntityCode::parse(entity).unwrap(),
            month: m(month),
            state,
            comment: None,
            user: "hq".into(),
            at: Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap(),
        }
    }

    #[test]
    fn rows_count_as_submitted_and_a_lock_closes_a_month_as_approved_or_not_submitted() {
        let engine = engine();
        let statuses = [
            status("P1", "2026-07", PeriodState::Approved),
            status("G", "2026-08", PeriodState::Locked),
            status("P1", "2026-09", PeriodState::Returned),
        ];
        let filings = StoredFilings::new(&engine, &statuses);
        let tree = engine.tree();
        let (g, p1, p2) = (
            tree.id_of("G").unwrap(),
            tree.id_of("P1").unwrap(),
            tree.id_of("P2").unwrap(),
        );
        let of = |id, month| filings.filing(id, m(month));
        assert_eq!(of(p1, "2026-07"), Filing::Approved);
        assert_eq!(of(p2, "2026-07"), Filing::NotSubmitted);
        // G's lock covers both plants: P1 had figures, P2 none.
        assert_eq!(of(p1, "2026-08"), Filing::Approved);
        assert_eq!(of(p2, "2026-08"), Filing::NotSubmitted);
        assert!(filings.is_locked(p2, m("2026-08")));
        assert_eq!(of(p1, "2026-09"), Filing::Returned);
        // Imported without the workflow (`zx import`): the rows say submitted.
        assert_eq!(of(p1, "2026-10"), Filing::Submitted);
        assert!(filings.has_own_rows(p1, m("2026-10")));
        assert!(
            !filings.has_own_rows(g, m("2026-10")),
            "G's totals are not its own"
        );
        assert!(!filings.has_own_rows(p1, m("2026-11")), "beyond the ledger");
    }
}
