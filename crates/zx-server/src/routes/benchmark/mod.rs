//! Benchmarking plants against each other (对标, operations.md) on the web: the benchmark page,
//! `GET /api/v1/benchmark` and a plant's operating indicators against its peers. All of them
//! call `zx_app::benchmark::run`, the service behind `zx benchmark`, over the caller's scope:
//! the peers are the plants under the entity asked about (default the caller's home), which
//! must lie in the caller's subtree.

pub mod api;
pub mod pages;
pub mod references;

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
    /// The plant's segment code: its peers'.
    pub segment: String,
    pub name: String,
    /// The value for people, with its unit; "—" when it has none.
    pub value: String,
    /// Rank, number ranked and quartile; `None` when the plant has no value.
    pub rank: Option<Place>,
    /// Why there is no value.
    pub note: String,
    /// The plant's open measures on this indicator.
    pub open_measures: usize,
    /// In the bottom quartile (red) with no open measure addressing it.
    pub gap: bool,
}

/// The group a plant belongs to: the root of its tree, whose plants of its segment are its peers.
pub fn group_of(tree: &zx_domain::EntityTree, plant: EntityId) -> EntityId {
    tree.path_to(plant).first().copied().unwrap_or(plant)
}

/// A plant's operating indicators (those of its segment) against its peers: the plants of its
/// segment in the whole group, whatever the caller's scope (only the plant's own rank and
/// quartile are shown, never another plant's value). A bottom-quartile indicator is red, like a
/// KPI card, and says whether a measure addresses it. Also the entity the page's links compare
/// within: the group when the caller may read it, else the caller's home.
pub fn standings(
    snapshot: &Snapshot,
    user: &CurrentUser,
    plant: EntityId,
    period: Period,
    measures: &[zx_domain::Measure],
) -> (EntityId, Vec<Standing>) {
    let engine = &snapshot.engine;
    let tree = engine.tree();
    let lang = user.lang;
    let group = group_of(tree, plant);
    let link_within = if user.access.can_read(tree, group) {
        group
    } else {
        user.access.home(tree).unwrap_or(plant)
    };
    let plant_code = &tree.entity(plant).code;
    let segment = &tree.entity(plant).segment;
    let list = indicators_of_segment(engine.catalogue(), segment)
        .into_iter()
        .filter_map(|def| {
            // Its own segment's plants: a waste-to-energy plant's cost per MWh is not compared
            // with a wind farm's.
            let params = BenchmarkParams {
                indicator: Some(def.id.clone()),
                segment: Some(segment_code(segment)),
                ..Default::default()
            };
            let answer = answer_at(snapshot, user, group, &params, period).ok()?;
            let result = &answer.result;
            let peer = result.peers.iter().find(|p| p.entity == plant);
            let note = result
                .missing
                .iter()
                .find(|m| m.entity == plant)
                .map(|m| zx_domain::notes::unavailable(&m.reason, lang))
                .unwrap_or_default();
            let open_measures = measures
                .iter()
                .filter(|m| {
                    m.status.is_open()
                        && m.entity == *plant_code
                        && m.indicator.as_deref() == Some(def.id.as_str())
                })
                .count();
            let red = peer.is_some_and(|p| p.quartile == 4);
            Some(Standing {
                indicator: def.id.clone(),
                segment: segment_code(segment),
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
                open_measures,
                gap: red && open_measures == 0,
            })
        })
        .collect();
    (link_within, list)
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
/// group's plants of its segment (only the quartiles of the caller's own plants are shown).
pub struct PlantQuartiles {
    /// Indicator id and name with unit.
    pub columns: Vec<(String, String)>,
    pub rows: Vec<QuartileRow>,
    /// The entity whose plants are the peers (the group).
    pub within: String,
    /// The entity the benchmark page's links compare within: the group when the caller may
    /// read it, else the subsidiary.
    pub link: String,
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
    let within = group_of(tree, entity);
    let plants = tree.leaves_under(entity);
    let mut columns = Vec::new();
    let mut placed: Vec<Vec<Option<(String, u8)>>> = Vec::new();
    // Each plant among the group's plants of its own segment: one benchmark per indicator and
    // segment present.
    let segments: Vec<String> = {
        let mut list: Vec<String> = plants
            .iter()
            .map(|&p| segment_code(&tree.entity(p).segment))
            .collect();
        list.sort();
        list.dedup();
        list
    };
    for id in MAIN_INDICATORS {
        let answers: Vec<(String, BenchmarkAnswer<'_>)> = segments
            .iter()
            .filter_map(|segment| {
                let params = BenchmarkParams {
                    indicator: Some(id.to_owned()),
                    segment: Some(segment.clone()),
                    ..Default::default()
                };
                let answer = answer_at(snapshot, user, within, &params, period).ok()?;
                Some((segment.clone(), answer))
            })
            .collect();
        let Some(def) = answers.first().map(|(_, a)| a.indicator) else {
            continue;
        };
        let column: Vec<Option<(String, u8)>> = plants
            .iter()
            .map(|&plant| {
                let segment = segment_code(&tree.entity(plant).segment);
                let (_, answer) = answers.iter().find(|(s, _)| *s == segment)?;
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
        link: tree
            .entity(if user.access.can_read(tree, within) {
                within
            } else {
                entity
            })
            .code
            .to_string(),
    })
}

/// One cost element as the plant's page shows it.
pub struct CostRow {
    pub item: String,
    pub name: String,
    pub plant: String,
    pub median: String,
    pub gap: String,
    /// The plant spends more per unit than the median plant on it.
    pub above: bool,
}

/// A plant's cost-per-unit waterfall against its segment's median, for its cockpit.
pub struct CostView {
    pub title: String,
    pub unit: String,
    pub median: String,
    pub plant: String,
    pub mix: String,
    pub peers: usize,
    pub rows: Vec<CostRow>,
    /// What `app.js` draws: start, steps and end in the indicator's unit.
    pub chart_json: String,
}

/// The waterfall of a plant's unit cost for its cockpit; `None` when it has none (a segment
/// without cost elements, no unit cost, or its cost not split into elements).
pub fn cost_view(
    snapshot: &Snapshot,
    lang: zx_domain::Lang,
    plant: EntityId,
    period: Period,
) -> Option<CostView> {
    use zx_domain::format::{exact, human, unit_label};
    let engine = &snapshot.engine;
    let catalogue = engine.catalogue();
    let waterfall = zx_app::benchmark::cost_breakdown(engine, plant, period).ok()?;
    let def = waterfall.indicator;
    let unit = unit_label(def.unit, lang).to_owned();
    let show = |v: zx_domain::Decimal| human(v, def.unit);
    let signed = |v: zx_domain::Decimal| {
        if v.is_sign_positive() && !v.is_zero() {
            format!("+{}", show(v))
        } else {
            show(v)
        }
    };
    let shown_steps: Vec<_> = waterfall
        .steps
        .iter()
        .filter(|s| s.median.is_some() || !s.plant.is_zero())
        .collect();
    let item_name = |index: usize| {
        let item = catalogue.item(index);
        lang.pick(&item.name_zh, &item.name_en).to_owned()
    };
    let rows = shown_steps
        .iter()
        .map(|s| CostRow {
            item: catalogue.item(s.item).code.clone(),
            name: item_name(s.item),
            plant: show(s.plant),
            median: s.median.map_or("—".into(), show),
            gap: signed(s.gap),
            above: s.gap.is_sign_positive() && !s.gap.is_zero(),
        })
        .collect();
    let mix_label = lang.pick("中位数口径差异", "medians do not add up");
    let chart = serde_json::json!({
        "unit": unit,
        "start": {"label": lang.pick("板块中位数", "segment median"), "value": exact(waterfall.median_total.round_dp(4))},
        "steps": shown_steps.iter().map(|s| serde_json::json!({
            "label": item_name(s.item),
            "value": exact(s.gap.round_dp(4)),
        })).chain(std::iter::once(serde_json::json!({
            "label": mix_label,
            "value": exact(waterfall.mix.round_dp(4)),
        }))).collect::<Vec<_>>(),
        "end": {"label": lang.pick("本厂", "this plant"), "value": exact(waterfall.plant_total.round_dp(4))},
    });
    Some(CostView {
        title: format!("{} ({unit})", lang.pick(&def.name_zh, &def.name_en)),
        median: show(waterfall.median_total),
        plant: show(waterfall.plant_total),
        mix: signed(waterfall.mix),
        peers: waterfall.peers,
        rows,
        chart_json: chart.to_string(),
        unit,
    })
}
