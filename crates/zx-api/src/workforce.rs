//! `zx workforce --format json` and `GET /api/v1/workforce`: an entity's workforce year to date
//! (hires by channel, exits by reason, people, labour cost and value added against last year,
//! headcount against plan, the dispatched share against its legal limit, per-capita figures)
//! and the same indicators for each unit below it.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;
use zx_domain::format::unit_label;
use zx_domain::workforce::{Breakdown, Figure, WorkforceStory, shown_indicators};
use zx_domain::{Engine, KpiReport, Lang};

use crate::{IndicatorJson, exact, indicator_json};

/// One item year to date and over the same months of last year (decimal strings; `null` when
/// not available).
#[derive(Debug, Serialize, ToSchema)]
pub struct FigureJson {
    pub item: String,
    pub name: String,
    pub unit: String,
    pub this: Option<String>,
    pub last: Option<String>,
}

/// A flow and its parts (hires by channel, exits by reason).
#[derive(Debug, Serialize, ToSchema)]
pub struct BreakdownJson {
    pub total: FigureJson,
    pub parts: Vec<FigureJson>,
    /// The total less the parts given (`null`: no part given); not zero means some people
    /// have no channel or reason.
    pub unexplained: Option<String>,
}

/// Market-based exits as reported against the reasons that make them (contract ended and not
/// renewed, dismissed).
#[derive(Debug, Serialize, ToSchema)]
pub struct MarketExitsJson {
    pub reported: Option<String>,
    pub by_reason: Option<String>,
    pub disagrees: bool,
}

/// One month of the year: the month's hires and exits, the month-end people.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkforceMonthJson {
    pub month: String,
    pub hires: Option<String>,
    pub exits: Option<String>,
    pub employees_end: Option<String>,
    pub dispatched_end: Option<String>,
}

/// A unit below the entity with the same indicators.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkforceUnitJson {
    pub entity: String,
    pub name: String,
    pub indicators: BTreeMap<String, IndicatorJson>,
}

/// The whole workforce story of an entity, year to date.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkforceJson {
    pub entity: String,
    pub name: String,
    pub period: String,
    pub basis: &'static str,
    /// Labour productivity and the workforce indicators (`headcount_total`'s target is the
    /// headcount plan; `dispatched_share` carries its legal `limit`).
    pub indicators: BTreeMap<String, IndicatorJson>,
    pub people: Vec<FigureJson>,
    pub money: Vec<FigureJson>,
    pub hires: Option<BreakdownJson>,
    pub exits: Option<BreakdownJson>,
    pub market_exits: MarketExitsJson,
    pub months: Vec<WorkforceMonthJson>,
    pub units: Vec<WorkforceUnitJson>,
}

fn figure_json(engine: &Engine, figure: &Figure, lang: Lang) -> FigureJson {
    let item = engine.catalogue().item(figure.item);
    FigureJson {
        item: item.code.clone(),
        name: lang.pick(&item.name_zh, &item.name_en).to_owned(),
        unit: unit_label(item.unit, lang).to_owned(),
        this: figure.this.map(exact),
        last: figure.last.map(exact),
    }
}

fn breakdown_json(engine: &Engine, breakdown: &Breakdown, lang: Lang) -> BreakdownJson {
    BreakdownJson {
        total: figure_json(engine, &breakdown.whole, lang),
        parts: breakdown
            .parts
            .iter()
            .map(|part| figure_json(engine, part, lang))
            .collect(),
        unexplained: breakdown.unexplained.map(exact),
    }
}

fn shown_json(engine: &Engine, report: &KpiReport, lang: Lang) -> BTreeMap<String, IndicatorJson> {
    let shown = shown_indicators(engine.catalogue());
    report
        .indicators
        .iter()
        .filter(|result| shown.contains(&result.indicator))
        .map(|result| {
            (
                engine.catalogue().indicator(result.indicator).id.clone(),
                indicator_json(engine, result, lang),
            )
        })
        .collect()
}

/// The JSON of a workforce report (the story, the entity's indicators, its units').
pub fn workforce_json(
    engine: &Engine,
    story: &WorkforceStory,
    kpi: &KpiReport,
    units: &[KpiReport],
    lang: Lang,
) -> WorkforceJson {
    let entity = engine.tree().entity(story.entity);
    WorkforceJson {
        entity: entity.code.to_string(),
        name: entity.name.clone(),
        period: story.period.end.to_string(),
        basis: story.period.basis.as_str(),
        indicators: shown_json(engine, kpi, lang),
        people: story
            .people
            .iter()
            .map(|f| figure_json(engine, f, lang))
            .collect(),
        money: story
            .money
            .iter()
            .map(|f| figure_json(engine, f, lang))
            .collect(),
        hires: story
            .hires
            .as_ref()
            .map(|b| breakdown_json(engine, b, lang)),
        exits: story
            .exits
            .as_ref()
            .map(|b| breakdown_json(engine, b, lang)),
        market_exits: MarketExitsJson {
            reported: story.market.reported.map(exact),
            by_reason: story.market.by_reason.map(exact),
            disagrees: story.market.disagrees(),
        },
        months: story
            .months
            .iter()
            .map(|m| WorkforceMonthJson {
                month: m.month.to_string(),
                hires: m.hires.map(exact),
                exits: m.exits.map(exact),
                employees_end: m.employees_end.map(exact),
                dispatched_end: m.dispatched_end.map(exact),
            })
            .collect(),
        units: units
            .iter()
            .map(|unit| {
                let e = engine.tree().entity(unit.entity);
                WorkforceUnitJson {
                    entity: e.code.to_string(),
                    name: e.name.clone(),
                    indicators: shown_json(engine, unit, lang),
                }
            })
            .collect(),
    }
}
