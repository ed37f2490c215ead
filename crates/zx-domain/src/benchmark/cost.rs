//! The cost-per-unit waterfall of a plant against its segment's median (operations.md, issue 13):
//! from the median plant's unit cost, one step per cost element (the plant's cost of that element
//! per unit of output minus the peers' median of it), to the plant's own unit cost.
//!
//! Medians do not add up: the median of the totals is not the sum of the elements' medians. The
//! difference is its own step (`mix`) instead of being hidden in an element, so every bar is a
//! number someone can check and the bars still end exactly at the plant's value.

use rust_decimal::Decimal;
use thiserror::Error;

use super::{benchmark, quartile_inc};
use crate::catalogue::{IndicatorDef, segment_code};
use crate::engine::{Engine, Unavailable};
use crate::entity::EntityId;
use crate::formula::Aggregation;
use crate::period::Period;

/// One cost element of the waterfall, per unit of output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostStep {
    /// The element's item index in the catalogue (`cost_fuel` …).
    pub item: usize,
    pub plant: Decimal,
    /// The median over the peers that reported the element; `None` when none did.
    pub median: Option<Decimal>,
    /// `plant − median` (the median taken as zero when no peer reported the element).
    pub gap: Decimal,
}

/// A plant's unit cost, element by element, against its segment's median.
#[derive(Debug, Clone)]
pub struct CostWaterfall<'c> {
    /// The segment's unit-cost indicator (`cost_per_tonne`, `cost_per_m3`, `cost_per_mwh`).
    pub indicator: &'c IndicatorDef,
    pub segment: String,
    /// The median of the indicator over the segment's ranked plants: where the bars start.
    pub median_total: Decimal,
    /// How many plants that median is over.
    pub peers: usize,
    pub steps: Vec<CostStep>,
    /// `plant_total − median_total − Σ gap`: the medians of the parts not adding up to the
    /// median of the whole.
    pub mix: Decimal,
    /// The plant's unit cost: where the bars end.
    pub plant_total: Decimal,
}

/// Why a plant has no waterfall.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WaterfallError {
    #[error("the plant's segment \"{0}\" has no unit-cost indicator with cost elements")]
    NoCostIndicator(String),
    #[error("the plant has no unit cost for the period")]
    NoUnitCost(Unavailable),
    #[error("the plant did not report its cost by element ({})", .0.join(", "))]
    NoBreakdown(Vec<String>),
    #[error("the figures overflow")]
    Overflow,
}

/// The unit-cost indicator of a segment: an operating indicator of it, per unit of an output,
/// that reads a flow of an item split into parts (the cost elements). With the item's index.
pub fn cost_indicator<'c>(
    catalogue: &'c crate::Catalogue,
    segment: &str,
) -> Option<(&'c IndicatorDef, usize)> {
    let segment = segment_code(segment);
    catalogue.operating_indicators().iter().find_map(|def| {
        def.output?;
        let applies = catalogue
            .indicator_segments(def)
            .is_none_or(|list| list.contains(&segment));
        let whole = def.formula.inputs().into_iter().find_map(|(agg, item)| {
            (agg == Aggregation::Flow && catalogue.parts_of(item).next().is_some()).then_some(item)
        })?;
        applies.then_some((def, whole))
    })
}

/// The waterfall of `plant` for `period`, its peers being the plants of its segment under
/// `within`.
pub fn cost_waterfall<'e>(
    engine: &'e Engine,
    within: EntityId,
    plant: EntityId,
    period: Period,
) -> Result<CostWaterfall<'e>, WaterfallError> {
    let catalogue = engine.catalogue();
    let segment = segment_code(&engine.tree().entity(plant).segment);
    let (def, whole) = cost_indicator(catalogue, &segment)
        .ok_or_else(|| WaterfallError::NoCostIndicator(segment.clone()))?;
    let output = def
        .output
        .ok_or_else(|| WaterfallError::NoCostIndicator(segment.clone()))?;
    let plant_total = engine
        .evaluate_def(def, plant, period)
        .map_err(WaterfallError::NoUnitCost)?;
    let peers = benchmark(engine, within, def, period, Some(&segment))
        .map_err(|_| WaterfallError::NoCostIndicator(segment.clone()))?;
    let stats = peers
        .stats
        .ok_or(WaterfallError::NoUnitCost(Unavailable::NoUnits))?;
    let per_unit = |entity: EntityId, item: usize| -> Option<Decimal> {
        let amount = engine.read(entity, item, Aggregation::Flow, period).ok()?;
        let units = engine
            .read(entity, output, Aggregation::Flow, period)
            .ok()?;
        amount.checked_div(units)
    };
    let elements: Vec<(usize, &str)> = catalogue
        .parts_of(whole)
        .map(|(index, item)| (index, item.code.as_str()))
        .collect();
    let unreported: Vec<String> = elements
        .iter()
        .filter(|(item, _)| per_unit(plant, *item).is_none())
        .map(|(_, code)| (*code).to_owned())
        .collect();
    if unreported.len() == elements.len() {
        return Err(WaterfallError::NoBreakdown(unreported));
    }
    let mut steps = Vec::with_capacity(elements.len());
    for &(item, _) in &elements {
        let mut values: Vec<Decimal> = peers
            .peers
            .iter()
            .filter_map(|p| per_unit(p.entity, item))
            .collect();
        values.sort();
        let median = quartile_inc(&values, 2);
        let plant_value = per_unit(plant, item).unwrap_or(Decimal::ZERO);
        let gap = plant_value
            .checked_sub(median.unwrap_or(Decimal::ZERO))
            .ok_or(WaterfallError::Overflow)?;
        steps.push(CostStep {
            item,
            plant: plant_value,
            median,
            gap,
        });
    }
    let gaps = steps
        .iter()
        .try_fold(Decimal::ZERO, |sum, s| sum.checked_add(s.gap))
        .ok_or(WaterfallError::Overflow)?;
    let mix = plant_total
        .checked_sub(stats.median)
        .and_then(|d| d.checked_sub(gaps))
        .ok_or(WaterfallError::Overflow)?;
    Ok(CostWaterfall {
        indicator: def,
        segment,
        median_total: stats.median,
        peers: stats.n,
        steps,
        mix,
        plant_total,
    })
}
