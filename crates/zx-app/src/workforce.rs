//! The workforce story (能进能出 and 减员增效) of an entity: the domain's movement figures with
//! the workforce indicators of the entity and of each unit below it, for `zx workforce`,
//! `/workforce` and `GET /api/v1/workforce`.

use zx_domain::workforce::WorkforceStory;
use zx_domain::{Basis, Engine, EntityId, KpiReport, Month, Period, TargetBook};

/// What the page, the API and the CLI show for an entity and month.
pub struct WorkforceReport {
    pub story: WorkforceStory,
    /// The entity's indicators year to date, targets (the headcount plan) included.
    pub kpi: KpiReport,
    /// The same for each unit directly below the entity, in the tree's order.
    pub units: Vec<KpiReport>,
}

/// The workforce report of `entity`, year to date at `month`.
pub fn report(
    engine: &Engine,
    targets: &TargetBook,
    entity: EntityId,
    month: Month,
) -> WorkforceReport {
    let period = Period::new(month, Basis::Ytd);
    WorkforceReport {
        story: engine.workforce(entity, month),
        kpi: engine.kpi(entity, period, targets),
        units: engine
            .tree()
            .children(entity)
            .iter()
            .map(|&unit| engine.kpi(unit, period, targets))
            .collect(),
    }
}
