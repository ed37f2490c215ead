//! Year-end forecasts (issue 15, item 2): `GET /api/v1/forecast` (the JSON of `zx forecast
//! --format json` over the entities the caller may read) and `GET /api/v1/forecast/will-miss`.
//! The cockpit shows the same forecasts on its cards (`crate::views`).

pub mod api;

use serde::Deserialize;
use utoipa::IntoParams;
use zx_domain::{Access, Engine, EntityId, Lang, Month, TargetBook, format};

use crate::views::MissLine;

/// Which indicator, as of which month.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ForecastParams {
    /// Indicator id, e.g. `total_profit`.
    pub indicator: String,
    /// `YYYY-MM`, the last month used; default: the cockpit's month for the caller's home.
    pub period: Option<String>,
}

/// As of which month.
#[derive(Debug, Deserialize, IntoParams)]
pub struct WillMissParams {
    /// `YYYY-MM`; default: the cockpit's month for the caller's home.
    pub period: Option<String>,
    /// The subtree to look in (default: the caller's home).
    pub entity: Option<String>,
}

/// The card indicators of `within`'s subtree (those `access` may read) whose targets the year
/// will probably miss, for machines.
pub fn will_miss_json(
    engine: &Engine,
    targets: &TargetBook,
    access: &Access,
    within: EntityId,
    month: Month,
) -> Vec<zx_api::WillMissJson> {
    let tree = engine.tree();
    zx_app::forecast::will_miss(engine, targets, within, month)
        .into_iter()
        .filter(|m| access.can_read(tree, m.entity))
        .map(|m| zx_api::WillMissJson {
            entity: tree.entity(m.entity).code.to_string(),
            indicator: m.indicator.id.clone(),
            target: m.target.to_string(),
            year_end: m.forecast.year_end.to_string(),
            low: m.forecast.low.to_string(),
            high: m.forecast.high.to_string(),
            p_target_met: m
                .forecast
                .p_target_met
                .map_or_else(String::new, |p| p.to_string()),
        })
        .collect()
}

/// The same list for people: names, values in the display unit, odds in percent.
pub fn will_miss_lines(
    engine: &Engine,
    targets: &TargetBook,
    access: &Access,
    within: EntityId,
    month: Month,
    lang: Lang,
) -> Vec<MissLine> {
    let tree = engine.tree();
    zx_app::forecast::will_miss(engine, targets, within, month)
        .into_iter()
        .filter(|m| access.can_read(tree, m.entity))
        .map(|m| {
            let e = tree.entity(m.entity);
            let unit = m.indicator.unit;
            MissLine {
                entity_code: e.code.to_string(),
                entity: e.name.clone(),
                indicator_id: m.indicator.id.clone(),
                indicator: lang
                    .pick(&m.indicator.name_zh, &m.indicator.name_en)
                    .to_owned(),
                target: format::show_value(m.target, unit),
                year_end: format::show_value(m.forecast.year_end, unit),
                interval: format!(
                    "{} – {}",
                    format::show_value(m.forecast.low, unit),
                    format::show_value(m.forecast.high, unit)
                ),
                odds: m
                    .forecast
                    .p_target_met
                    .map_or_else(|| "—".to_owned(), odds_text),
            }
        })
        .collect()
}

/// Odds for people: 0.07 → `7%` (the paths give no more precision than that).
pub fn odds_text(p: zx_domain::Decimal) -> String {
    format!(
        "{}%",
        (p * zx_domain::Decimal::ONE_HUNDRED)
            .round_dp(0)
            .normalize()
    )
}
