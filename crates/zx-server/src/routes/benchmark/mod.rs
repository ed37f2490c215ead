//! Benchmarking plants against each other (对标, operations.md) on the web: the benchmark page,
//! `GET /api/v1/benchmark` and a plant's operating indicators against its peers. All of them
//! call `zx_app::benchmark::run`, the service behind `zx benchmark`, over the caller's scope:
//! the peers are the plants under the entity asked about (default the caller's home), which
//! must lie in the caller's subtree.

pub mod api;
pub mod pages;

use serde::Deserialize;
use utoipa::IntoParams;
use zx_app::benchmark::{BenchmarkAnswer, BenchmarkQuery, BenchmarkRefused, run};
use zx_domain::catalogue::{IndicatorDef, segment_code};
use zx_domain::{EntityId, Period};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::scope::{choose_period, entity_or_home};
use crate::state::{AppState, Snapshot};

/// The indicator a benchmark shows when none is asked for.
pub const DEFAULT_INDICATOR: &str = "cost_per_tonne";

/// What a benchmark request asks (the options of `zx benchmark`).
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct BenchmarkParams {
    /// An operating indicator id, e.g. `cost_per_tonne` (the default).
    pub indicator: Option<String>,
    /// `YYYY-MM`; default: the cockpit's month for the entity.
    pub period: Option<String>,
    /// `ytd` (default) or `month`.
    pub basis: Option<String>,
    /// The entity whose plants are compared; default: the caller's home entity.
    pub entity: Option<String>,
    /// Only the plants of this segment (one where the indicator applies).
    pub segment: Option<String>,
}

/// A benchmark computed for a request, with the entity and the period it was computed for.
pub struct Asked<'e> {
    pub within: EntityId,
    pub period: Period,
    pub answer: BenchmarkAnswer<'e>,
}

/// The benchmark a request asks for, inside the caller's scope: an entity outside it is 403, an
/// unknown one 404, an unknown indicator 404, a segment where it does not apply 422.
pub async fn ask<'e>(
    state: &AppState,
    snapshot: &'e Snapshot,
    user: &CurrentUser,
    params: &BenchmarkParams,
) -> ApiResult<Asked<'e>> {
    let within = entity_or_home(
        snapshot,
        user,
        params.entity.as_deref(),
        user.lang.pick(
            "您的账号未绑定可查看的单位",
            "your account has no entity to show",
        ),
    )?;
    let chosen = choose_period(
        state,
        snapshot,
        within,
        params.period.as_deref(),
        params.basis.as_deref(),
    )
    .await?;
    let answer = answer_at(snapshot, user, within, params, chosen.period)?;
    Ok(Asked {
        within,
        period: chosen.period,
        answer,
    })
}

/// The benchmark of `params` over the plants under `within` (already in scope) for `period`.
pub fn answer_at<'e>(
    snapshot: &'e Snapshot,
    user: &CurrentUser,
    within: EntityId,
    params: &BenchmarkParams,
    period: Period,
) -> ApiResult<BenchmarkAnswer<'e>> {
    let engine = &snapshot.engine;
    let code = engine.tree().entity(within).code.to_string();
    let indicator = params
        .indicator
        .as_deref()
        .filter(|i| !i.is_empty())
        .unwrap_or(DEFAULT_INDICATOR);
    run(
        engine,
        BenchmarkQuery {
            indicator,
            period,
            entity: Some(&code),
            segment: params.segment.as_deref().filter(|s| !s.is_empty()),
        },
    )
    .map_err(|refused| refused_error(refused, user))
}

fn refused_error(refused: BenchmarkRefused, user: &CurrentUser) -> ApiError {
    let text = refused.to_string();
    match refused {
        BenchmarkRefused::UnknownIndicator { id, .. } => ApiError::new(
            ErrorCode::IndicatorNotFound,
            text.replacen("--indicator: ", "indicator: ", 1),
        )
        .zh(format!("“{id}”不是经营指标")),
        BenchmarkRefused::UnknownEntity(code) => ApiError::new(
            ErrorCode::EntityNotFound,
            format!(
                "{} \"{code}\"",
                user.lang.pick("没有这个单位编码：", "no entity with code")
            ),
        ),
        BenchmarkRefused::Segment(_) => ApiError::new(
            ErrorCode::InvalidParameter,
            text.replacen("--segment: ", "segment: ", 1),
        )
        .zh("该指标不适用于所选板块"),
        BenchmarkRefused::NoEntities | BenchmarkRefused::SeveralGroups(_) => {
            ApiError::new(ErrorCode::InvalidParameter, text)
        }
    }
}

/// The operating indicators that apply to a plant of `segment` (every item of the indicator
/// reported by that segment).
pub fn indicators_of_segment<'c>(
    catalogue: &'c zx_domain::Catalogue,
    segment: &str,
) -> Vec<&'c IndicatorDef> {
    let segment = segment_code(segment);
    catalogue
        .operating_indicators()
        .iter()
        .filter(|def| {
            catalogue
                .indicator_segments(def)
                .is_some_and(|list| list.contains(&segment))
        })
        .collect()
}

/// A plant's place among its peers: its rank, the number ranked and its quartile.
pub type Place = (usize, usize, u8);

/// Where a plant stands on one operating indicator among its peers.
pub struct Standing {
    pub indicator: String,
    pub name: String,
    /// The value for people, with its unit; "—" when it has none.
    pub value: String,
    /// Rank, number ranked and quartile; `None` when the plant has no value.
    pub rank: Option<Place>,
    /// Why there is no value.
    pub note: String,
}

/// A plant's operating indicators (those of its segment) against its peers: the plants under
/// the caller's home entity (the widest scope the caller sees), for `period`.
pub fn standings(
    snapshot: &Snapshot,
    user: &CurrentUser,
    plant: EntityId,
    period: Period,
) -> (EntityId, Vec<Standing>) {
    let engine = &snapshot.engine;
    let tree = engine.tree();
    let lang = user.lang;
    let within = user.access.home(tree).unwrap_or(plant);
    let segment = &tree.entity(plant).segment;
    let list = indicators_of_segment(engine.catalogue(), segment)
        .into_iter()
        .filter_map(|def| {
            let params = BenchmarkParams {
                indicator: Some(def.id.clone()),
                ..Default::default()
            };
            let answer = answer_at(snapshot, user, within, &params, period).ok()?;
            let result = &answer.result;
            let peer = result.peers.iter().find(|p| p.entity == plant);
            let note = result
                .missing
                .iter()
                .find(|m| m.entity == plant)
                .map(|m| zx_domain::notes::unavailable(&m.reason, lang))
                .unwrap_or_default();
            Some(Standing {
                indicator: def.id.clone(),
                name: format!(
                    "{} ({})",
                    lang.pick(&def.name_zh, &def.name_en),
                    zx_domain::format::unit_label(def.unit, lang)
                ),
                value: peer.map_or("—".into(), |p| {
                    zx_domain::format::human(p.value, def.unit)
                }),
                rank: peer.map(|p| (p.rank, result.peers.len(), p.quartile)),
                note,
            })
        })
        .collect();
    (within, list)
}

/// The indicators a subsidiary's cockpit shows per plant: a unit cost and an efficiency of each
/// segment.
pub const MAIN_INDICATORS: [&str; 6] = [
    "cost_per_tonne",
    "on_grid_per_tonne",
    "cost_per_m3",
    "power_per_m3",
    "utilisation_hours",
    "cost_per_mwh",
];

/// A plant's row of [`PlantQuartiles`]: per column, its value for people and its quartile.
pub struct QuartileRow {
    pub code: String,
    pub name: String,
    pub cells: Vec<Option<(String, u8)>>,
}

/// The plants under an entity × the main operating indicators, each plant placed among the
/// plants under the caller's home.
pub struct PlantQuartiles {
    /// Indicator id and name with unit.
    pub columns: Vec<(String, String)>,
    pub rows: Vec<QuartileRow>,
    /// The entity whose plants are the peers.
    pub within: String,
}

/// The quartiles of the plants under `entity` (a subsidiary) on [`MAIN_INDICATORS`]; `None`
/// when no plant under it has a value on any of them.
pub fn plant_quartiles(
    snapshot: &Snapshot,
    user: &CurrentUser,
    entity: EntityId,
    period: Period,
) -> Option<PlantQuartiles> {
    let engine = &snapshot.engine;
    let tree = engine.tree();
    let lang = user.lang;
    let within = user.access.home(tree).unwrap_or(entity);
    let plants = tree.leaves_under(entity);
    let mut columns = Vec::new();
    let mut placed: Vec<Vec<Option<(String, u8)>>> = Vec::new();
    for id in MAIN_INDICATORS {
        let params = BenchmarkParams {
            indicator: Some(id.to_owned()),
            ..Default::default()
        };
        let Ok(answer) = answer_at(snapshot, user, within, &params, period) else {
            continue;
        };
        let def = answer.indicator;
        let column: Vec<Option<(String, u8)>> = plants
            .iter()
            .map(|&plant| {
                let peer = answer.result.peers.iter().find(|p| p.entity == plant)?;
                Some((
                    zx_domain::format::human(peer.value, def.unit),
                    peer.quartile,
                ))
            })
            .collect();
        if column.iter().any(Option::is_some) {
            columns.push((
                def.id.clone(),
                format!(
                    "{} ({})",
                    lang.pick(&def.name_zh, &def.name_en),
                    zx_domain::format::unit_label(def.unit, lang)
                ),
            ));
            placed.push(column);
        }
    }
    if columns.is_empty() {
        return None;
    }
    let rows = plants
        .iter()
        .enumerate()
        .map(|(i, &plant)| QuartileRow {
            code: tree.entity(plant).code.to_string(),
            name: tree.entity(plant).name.clone(),
            cells: placed.iter().map(|column| column[i].clone()).collect(),
        })
        .filter(|row| row.cells.iter().any(Option::is_some))
        .collect();
    Some(PlantQuartiles {
        columns,
        rows,
        within: tree.entity(within).code.to_string(),
    })
}
