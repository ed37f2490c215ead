//! Year-end forecasts as a service (issue 15, item 2): each item an indicator reads is taken
//! from the consolidated engine month by month (a parent's from its consolidated totals, so a
//! ratio is forecast from consolidated numerator and denominator, never averaged), cut at the
//! month asked, and handed to `zx_forecast`. `zx forecast`, `GET /api/v1/forecast` and the
//! cockpit's cards and "will miss" list all call this.

use rust_decimal::prelude::ToPrimitive;
use thiserror::Error;
use zx_domain::catalogue::{Better, IndicatorFamily, ItemKind};
use zx_domain::{Decimal, Engine, EntityId, IndicatorDef, Month, TargetBook};
use zx_forecast::{DEFAULT_PATHS, ItemHistory, NotForecast, Question, YearEnd, rng::stable_seed};

/// Months of history read before the month forecast from (five years are plenty for a
/// seasonal model and keep the cockpit's many forecasts fast).
const HISTORY_MONTHS: i32 = 60;

/// One entity's forecast of one indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityForecast {
    pub entity: EntityId,
    /// The full-year target in force, if any.
    pub target: Option<Decimal>,
    pub forecast: Result<YearEnd, NotForecast>,
}

/// A question the front door could not put as asked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ForecastRefused {
    #[error("--indicator: \"{id}\" is not an indicator of the catalogue (known: {})", known.join(", "))]
    UnknownIndicator { id: String, known: Vec<String> },
}

/// The indicator `id` of the catalogue (the card's, the reform group's or an operating one).
pub fn find<'e>(engine: &'e Engine, id: &str) -> Result<&'e IndicatorDef, ForecastRefused> {
    let catalogue = engine.catalogue();
    catalogue
        .find_indicator(id.trim())
        .ok_or_else(|| ForecastRefused::UnknownIndicator {
            id: id.to_owned(),
            known: catalogue
                .indicators()
                .iter()
                .chain(catalogue.operating_indicators())
                .map(|d| d.id.clone())
                .collect(),
        })
}

/// The forecast of `def` for `entity` from the data up to `month` (later months are ignored:
/// a forecast "as of June" stays what it was in June).
pub fn year_end(
    engine: &Engine,
    targets: &TargetBook,
    def: &IndicatorDef,
    entity: EntityId,
    month: Month,
) -> EntityForecast {
    let code = &engine.tree().entity(entity).code;
    let target = targets.get(code, month.year(), &def.id);
    let first = month
        .offset(-HISTORY_MONTHS)
        .filter(|m| *m > engine.ledger().first_month())
        .unwrap_or_else(|| engine.ledger().first_month());
    let mut history: Vec<ItemHistory> = Vec::new();
    for (_, item) in def.formula.inputs() {
        if history.iter().any(|h| h.item == item) {
            continue;
        }
        let values = (first.ordinal()..=month.ordinal())
            .filter_map(Month::from_ordinal)
            .map(|m| engine.total(entity, item, m).and_then(|d| d.to_f64()))
            .collect();
        history.push(ItemHistory {
            item,
            stock: engine.catalogue().item(item).kind == ItemKind::Stock,
            values,
        });
    }
    let question = Question {
        formula: &def.formula,
        month,
        history: &history,
        target,
        better: def.better,
        seed: stable_seed(&[code.as_str(), &def.id, &month.to_string()]),
        paths: DEFAULT_PATHS,
    };
    EntityForecast {
        entity,
        target,
        forecast: zx_forecast::forecast(&question),
    }
}

/// The forecast of `def` for every entity of the tree, in the tree's code order.
pub fn every_entity(
    engine: &Engine,
    targets: &TargetBook,
    def: &IndicatorDef,
    month: Month,
) -> Vec<EntityForecast> {
    let tree = engine.tree();
    let mut ids: Vec<EntityId> = (0..tree.len()).collect();
    ids.sort_by(|a, b| tree.entity(*a).code.cmp(&tree.entity(*b).code));
    ids.into_iter()
        .map(|id| year_end(engine, targets, def, id, month))
        .collect()
}

/// Odds below this put an indicator on the "will miss" list: the target is more likely
/// missed than met by two to one.
pub fn miss_threshold() -> Decimal {
    Decimal::new(33, 2)
}

/// An indicator of an entity whose target the year will probably miss.
#[derive(Debug, Clone)]
pub struct Miss<'e> {
    pub entity: EntityId,
    pub indicator: &'e IndicatorDef,
    pub target: Decimal,
    pub forecast: YearEnd,
}

/// Every card indicator (一利五率) of every entity in `within`'s subtree with a target and a
/// direction whose odds of being met are below [`miss_threshold`], lowest odds first.
pub fn will_miss<'e>(
    engine: &'e Engine,
    targets: &TargetBook,
    within: EntityId,
    month: Month,
) -> Vec<Miss<'e>> {
    let tree = engine.tree();
    let mut out = Vec::new();
    for entity in tree.subtree(within) {
        for (_, def) in engine.catalogue().indicators_of(IndicatorFamily::Kpi) {
            if def.better == Better::Neither
                || targets
                    .get(&tree.entity(entity).code, month.year(), &def.id)
                    .is_none()
            {
                continue;
            }
            let found = year_end(engine, targets, def, entity, month);
            if let (Some(target), Ok(forecast)) = (found.target, found.forecast)
                && forecast.p_target_met.is_some_and(|p| p < miss_threshold())
            {
                out.push(Miss {
                    entity,
                    indicator: def,
                    target,
                    forecast,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        a.forecast
            .p_target_met
            .cmp(&b.forecast.p_target_met)
            .then_with(|| tree.entity(a.entity).code.cmp(&tree.entity(b.entity).code))
            .then_with(|| a.indicator.id.cmp(&b.indicator.id))
    });
    out
}
