//! The benchmark page (对标): an operating indicator over the plants of an entity — the quartile
//! box with every plant as a point, the ranking with each plant's gap to the top quartile and
//! what closing it is worth, the plants without a value apart, and one plant's rank month by
//! month. The chart is drawn by `assets/app.js` from JSON in a data attribute (no inline script).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use zx_domain::benchmark::Benchmark;
use zx_domain::catalogue::{Better, IndicatorDef, Unit, segment_code};
use zx_domain::{Decimal, Engine, Lang, Month, Period, format, notes};

use super::references::{ReferenceLine, ReferenceRow};
use super::{BenchmarkParams, Place, answer_at, ask};
use crate::auth::PageUser;
use crate::error::ApiError;
use crate::layout::{Me, error_page, here};
use crate::state::AppState;

/// An option of a selector: its value and what people read.
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// A ranked plant as the table shows it.
pub struct RankRow {
    pub rank: usize,
    pub code: String,
    pub name: String,
    pub value: String,
    pub quartile: u8,
    pub gap: String,
    pub worth: String,
}

/// A plant without a value, and why.
pub struct MissingRow {
    pub code: String,
    pub name: String,
    pub reason: String,
}

/// One month of the chosen plant's rank: `None` when it was not ranked that month.
pub struct RankCell {
    pub month: String,
    pub rank: Option<Place>,
}

/// What `app.js` draws: values in the unit shown (percent for ratios).
#[derive(Serialize)]
struct ChartJson {
    title: String,
    unit: String,
    /// min, q1, median, q3, max.
    stats: Option<[String; 5]>,
    points: Vec<PointJson>,
    /// Industry averages and best values, drawn as lines.
    references: Vec<ReferenceLine>,
}

#[derive(Serialize)]
struct PointJson {
    code: String,
    name: String,
    value: String,
    quartile: u8,
}

#[derive(Serialize)]
struct TrendJson {
    months: Vec<String>,
    ranks: Vec<Option<usize>>,
    n: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "benchmark.html")]
struct BenchmarkPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    indicators: Vec<Choice>,
    segments: Vec<Choice>,
    indicator: String,
    title: String,
    unit: String,
    better: String,
    entity_code: String,
    entity_name: String,
    period: String,
    basis: &'static str,
    segment: String,
    /// n, min, q1, median, q3, max as shown.
    stats: Option<Vec<(String, String)>>,
    rows: Vec<RankRow>,
    missing: Vec<MissingRow>,
    chart_json: String,
    plants: Vec<Choice>,
    plant: String,
    trend: Vec<RankCell>,
    trend_json: String,
    /// Industry reference values shown beside the quartiles (never in them).
    references: Vec<ReferenceRow>,
    /// HQ may import reference values.
    can_import: bool,
    /// What an upload did: whether it went in, the message, the file's problems.
    note: Option<(bool, String, Vec<String>)>,
}

#[derive(Deserialize, Default)]
pub struct BenchmarkPageQuery {
    #[serde(flatten)]
    pub params: BenchmarkParams,
    /// The plant whose rank is followed month by month.
    pub plant: Option<String>,
}

/// A value in the indicator's unit for people, with the unit.
fn shown(value: Decimal, unit: Unit, lang: Lang) -> String {
    match unit {
        Unit::Ratio => format::percent(value),
        _ => format!(
            "{} {}",
            format::human(value, unit),
            format::unit_label(unit, lang)
        ),
    }
}

/// What reaching the top quartile is worth: yuan in 万元, energy in MWh.
fn worth(value: Decimal, unit: Unit, lang: Lang) -> String {
    match unit.numerator() {
        Some(Unit::Kwh) => format!("{} MWh", format::grouped(value / Decimal::from(1000), 2)),
        _ => format::show_worth(value, unit, lang),
    }
}

/// The value drawn on the chart: in percent for ratios, as stored otherwise.
fn charted(value: Decimal, unit: Unit) -> String {
    let value = match unit {
        Unit::Ratio => value * Decimal::ONE_HUNDRED,
        _ => value,
    };
    format::exact(value.round_dp(4))
}

fn name_of(def: &IndicatorDef, lang: Lang) -> String {
    lang.pick(&def.name_zh, &def.name_en).to_owned()
}

/// The rank of `plant` in each month of the period's year up to the period, on its basis.
fn rank_trend(
    snapshot: &crate::state::Snapshot,
    user: &crate::auth::CurrentUser,
    within: zx_domain::EntityId,
    params: &BenchmarkParams,
    period: Period,
    plant: zx_domain::EntityId,
) -> Vec<(Month, Option<Place>)> {
    (1..=period.end.month())
        .filter_map(|m| Month::new(period.end.year(), m).ok())
        .map(|month| {
            let at = Period::new(month, period.basis);
            let rank = answer_at(snapshot, user, within, params, at)
                .ok()
                .and_then(|a| {
                    let n = a.result.peers.len();
                    a.result
                        .peers
                        .iter()
                        .find(|p| p.entity == plant)
                        .map(|p| (p.rank, n, p.quartile))
                });
            (month, rank)
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(query): Query<BenchmarkPageQuery>,
) -> Response {
    render(&state, &user, here(&uri), &query, None).await
}

/// The page for `query`, with what an upload did when there was one.
pub async fn render(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    here: String,
    query: &BenchmarkPageQuery,
    note: Option<(bool, String, Vec<String>)>,
) -> Response {
    let lang = user.lang;
    let (state, user) = (state.clone(), user);
    let result = async {
        let snapshot = state.snapshot().await?;
        let asked = ask(&state, &snapshot, user, &query.params).await?;
        let engine: &Engine = &snapshot.engine;
        let tree = engine.tree();
        let catalogue = engine.catalogue();
        let def = asked.answer.indicator;
        let result: &Benchmark = &asked.answer.result;
        let unit = def.unit;
        let entity = tree.entity(asked.within);
        let indicators = catalogue
            .operating_indicators()
            .iter()
            .map(|d| Choice {
                value: d.id.clone(),
                label: format!(
                    "{} ({})",
                    name_of(d, lang),
                    format::unit_label(d.unit, lang)
                ),
            })
            .collect();
        let segments = catalogue
            .indicator_segments(def)
            .unwrap_or_default()
            .into_iter()
            .map(|s| Choice {
                label: format::segment_label(&s, lang),
                value: s,
            })
            .collect();
        let code = |id| tree.entity(id).code.to_string();
        let name = |id| tree.entity(id).name.clone();
        let rows: Vec<RankRow> = result
            .peers
            .iter()
            .map(|p| RankRow {
                rank: p.rank,
                code: code(p.entity),
                name: name(p.entity),
                value: shown(p.value, unit, lang),
                quartile: p.quartile,
                gap: p.gap.map_or("—".into(), |g| shown(g, unit, lang)),
                worth: p.worth.map_or("—".into(), |w| worth(w, unit, lang)),
            })
            .collect();
        let missing = result
            .missing
            .iter()
            .map(|m| MissingRow {
                code: code(m.entity),
                name: name(m.entity),
                reason: notes::unavailable(&m.reason, lang),
            })
            .collect();
        let stats = result.stats.as_ref().map(|s| {
            vec![
                ("n".to_owned(), s.n.to_string()),
                (
                    lang.pick("最小值", "min").to_owned(),
                    shown(s.min, unit, lang),
                ),
                ("Q1".to_owned(), shown(s.q1, unit, lang)),
                (
                    lang.pick("中位数", "median").to_owned(),
                    shown(s.median, unit, lang),
                ),
                ("Q3".to_owned(), shown(s.q3, unit, lang)),
                (
                    lang.pick("最大值", "max").to_owned(),
                    shown(s.max, unit, lang),
                ),
            ]
        });
        let unit_text = format::unit_label(unit, lang).to_owned();
        let title = name_of(def, lang);
        let stored: Vec<_> = zx_app::benchmark::references(state.store.as_ref())
            .await?
            .into_iter()
            .map(|r| r.reference)
            .collect();
        let segment = query.params.segment.as_deref().filter(|s| !s.is_empty());
        let (references, reference_lines) = super::references::for_page(
            &stored,
            def,
            segment,
            lang,
            |v| shown(v, unit, lang),
            |v| charted(v, unit),
        );
        let chart = ChartJson {
            title: format!("{title} ({unit_text})"),
            unit: unit_text.clone(),
            stats: result
                .stats
                .as_ref()
                .map(|s| [s.min, s.q1, s.median, s.q3, s.max].map(|v| charted(v, unit))),
            points: result
                .peers
                .iter()
                .map(|p| PointJson {
                    code: code(p.entity),
                    name: name(p.entity),
                    value: charted(p.value, unit),
                    quartile: p.quartile,
                })
                .collect(),
            references: reference_lines,
        };
        // The plant followed month by month: the one asked for (if a peer), else the last ranked.
        let peer_ids: Vec<_> = result
            .peers
            .iter()
            .map(|p| p.entity)
            .chain(result.missing.iter().map(|m| m.entity))
            .collect();
        let plant = query
            .plant
            .as_deref()
            .and_then(|c| tree.id_of(c))
            .filter(|id| peer_ids.contains(id))
            .or_else(|| result.peers.last().map(|p| p.entity));
        let mut plants: Vec<Choice> = peer_ids
            .iter()
            .map(|&id| Choice {
                value: code(id),
                label: format!("{} {}", name(id), code(id)),
            })
            .collect();
        plants.sort_by(|a, b| a.value.cmp(&b.value));
        let months = crate::routes::environment::month_names(lang);
        let trend: Vec<RankCell> = plant
            .map(|id| {
                rank_trend(
                    &snapshot,
                    user,
                    asked.within,
                    &query.params,
                    asked.period,
                    id,
                )
            })
            .unwrap_or_default()
            .into_iter()
            .map(|(month, rank)| RankCell {
                month: months[month.month() as usize - 1].clone(),
                rank,
            })
            .collect();
        let trend_json = serde_json::json!(TrendJson {
            months: trend.iter().map(|c| c.month.clone()).collect(),
            ranks: trend.iter().map(|c| c.rank.map(|r| r.0)).collect(),
            n: trend
                .iter()
                .filter_map(|c| c.rank.map(|r| r.1))
                .max()
                .unwrap_or(0),
        })
        .to_string();
        Ok::<_, ApiError>(BenchmarkPage {
            lang,
            me: Me::of(user),
            here,
            indicators,
            segments,
            indicator: def.id.clone(),
            title,
            unit: unit_text,
            better: match def.better {
                Better::Lower => lang.pick("越低越好", "lower is better"),
                Better::Higher => lang.pick("越高越好", "higher is better"),
                Better::Neither => lang.pick("不分高低", "neither higher nor lower is better"),
            }
            .to_owned(),
            entity_code: entity.code.to_string(),
            entity_name: entity.name.clone(),
            period: asked.period.end.to_string(),
            basis: asked.period.basis.as_str(),
            segment: query
                .params
                .segment
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(segment_code)
                .unwrap_or_default(),
            stats,
            rows,
            missing,
            chart_json: serde_json::to_string(&chart).unwrap_or_default(),
            plants,
            plant: plant.map(code).unwrap_or_default(),
            trend,
            trend_json,
            references,
            can_import: user.access.is_hq(),
            note,
        })
    }
    .await;
    match result {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(user), lang, error),
    }
}
