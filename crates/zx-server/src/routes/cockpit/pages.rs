//! The cockpit page, the explanation page and the cockpit as an Excel workbook.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use zx_domain::Lang;
use zx_domain::catalogue::Unit;
use zx_domain::format;

use super::{CockpitQuery, cockpit_view};
use crate::auth::PageUser;
use crate::error::ApiError;
use crate::layout::{Me, error_page, here, xlsx_download};
use crate::routes::environment::{ViolationRow, cockpit_violations, month_names};
use crate::scope::{
    choose_period, entity_in_scope, entity_or_home, parse_period, scoped_explanation,
};
use crate::state::AppState;
use crate::views::Cockpit;

#[derive(Template, WebTemplate)]
#[template(path = "cockpit.html")]
struct CockpitPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    view: Cockpit,
    ranking_json: String,
    /// Violation days per plant and month of the period's year (stack emissions).
    violations: Option<Vec<ViolationRow>>,
    months: Vec<String>,
    /// The month shown is partial: not every expected unit has reported it.
    partial: bool,
    /// The safety panel of the entity shown (`routes::safety`).
    safety: Option<crate::routes::safety::SafetyOverview>,
    /// A plant's operating indicators against its peers, and the entity whose plants those are.
    standings: Vec<crate::routes::benchmark::Standing>,
    /// A plant's unit cost by element against its segment's median.
    cost: Option<crate::routes::benchmark::CostView>,
    peers_within: String,
    /// A subsidiary's plants × the main operating indicators, with their quartiles.
    quartiles: Option<crate::routes::benchmark::PlantQuartiles>,
    /// The practices like each red card's (and bottom-quartile operating) indicator.
    similar: Vec<(String, Vec<crate::routes::practices::Link>)>,
}

#[derive(Deserialize)]
pub struct CockpitPageQuery {
    entity: Option<String>,
    #[serde(flatten)]
    rest: CockpitQuery,
}

pub async fn cockpit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(query): Query<CockpitPageQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let id = entity_or_home(
            &snapshot,
            &user,
            query.entity.as_deref(),
            lang.pick(
                "您的账号未绑定可查看的单位",
                "your account has no entity to show",
            ),
        )?;
        let q = &query.rest;
        let chosen = choose_period(
            &state,
            &snapshot,
            id,
            q.period.as_deref(),
            q.basis.as_deref(),
        )
        .await?;
        let view = cockpit_view(&state, &user, &snapshot, id, &chosen, q).await?;
        let violations = cockpit_violations(&state, &user, id, chosen.period.end.year()).await?;
        let code = snapshot.engine.tree().entity(id).code.to_string();
        let safety = crate::routes::safety::overview(&state, &user, Some(&code))
            .await
            .ok();
        let tree = snapshot.engine.tree();
        let (within, standings) = if tree.is_leaf(id) {
            let measures = state.store.measures().await?;
            crate::routes::benchmark::standings(&snapshot, &user, id, chosen.period, &measures)
        } else {
            (id, Vec::new())
        };
        // A subsidiary (not the group, whose plants are the benchmark page's) shows its plants.
        let quartiles = (!tree.is_leaf(id) && tree.parent(id).is_some())
            .then(|| crate::routes::benchmark::plant_quartiles(&snapshot, &user, id, chosen.period))
            .flatten();
        let cost = tree
            .is_leaf(id)
            .then(|| crate::routes::benchmark::cost_view(&snapshot, lang, id, chosen.period))
            .flatten();
        let within = snapshot.engine.tree().entity(within).code.to_string();
        let reds = view
            .cards
            .iter()
            .filter(|c| c.status == "red")
            .map(|c| c.id.clone())
            .chain(
                standings
                    .iter()
                    .filter(|s| s.rank.is_some_and(|(_, _, q)| q == 4))
                    .map(|s| s.indicator.clone()),
            )
            .collect();
        let similar =
            crate::routes::practices::for_indicators(&state, &snapshot, &code, reds).await;
        Ok::<_, ApiError>((
            view,
            (
                violations,
                safety,
                (standings, within, quartiles, cost),
                similar,
            ),
        ))
    }
    .await;
    match result {
        Ok((view, (violations, safety, (standings, peers_within, quartiles, cost), similar))) => {
            let ranking_json = serde_json::json!({
                "title": view.cards.iter().find(|c| c.id == view.rank_by).map(|c| format!("{} ({})", c.name, c.unit)),
                "rows": view.ranking,
                "period": view.period,
                "basis": view.basis,
            })
            .to_string();
            CockpitPage {
                lang,
                me: Me::of(&user),
                here: here(&uri),
                partial: view.collection.as_ref().is_some_and(|c| !c.complete),
                view,
                ranking_json,
                violations,
                months: month_names(lang),
                safety,
                standings,
                cost,
                peers_within,
                quartiles,
                similar,
            }
            .into_response()
        }
        Err(error) => error_page(Some(&user), lang, error),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "explain.html")]
struct ExplainPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    title: String,
    entity: String,
    view: zx_api::ExplainJson,
    /// The formula with item names, and each input's name (the codes stay for experts).
    formula: String,
    input_names: Vec<String>,
    /// A unit without units below: its inputs are its own reported rows.
    leaf: bool,
}

#[derive(Deserialize)]
pub struct ExplainPageQuery {
    entity: String,
    period: Option<String>,
    basis: Option<String>,
    indicator: String,
}

pub async fn explain(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(query): Query<ExplainPageQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let id = entity_in_scope(&snapshot, &user, &query.entity)?;
        let period = parse_period(
            &state,
            &snapshot,
            id,
            query.period.as_deref(),
            query.basis.as_deref(),
        )
        .await?;
        let catalogue = snapshot.engine.catalogue();
        let explanation = scoped_explanation(&snapshot, &user, id, period, &query.indicator)?;
        let index = explanation.indicator;
        let tree = snapshot.engine.tree();
        let mut view = zx_api::explain_json(&snapshot.engine, &explanation, lang);
        // For people, in the cockpit's units (万元, 万元/人, %, 人) with the unit stated.
        let def = catalogue.indicator(index);
        let in_unit = |s: &mut Option<String>, unit: Unit| {
            if let Some(text) = s.as_mut()
                && let Ok(d) = text.parse::<zx_domain::Decimal>()
            {
                *text = format!(
                    "{} {}",
                    format::show_value(d, unit),
                    format::unit_label(unit, lang)
                );
            }
        };
        in_unit(&mut view.value, def.unit);
        let leaf = tree.is_leaf(id);
        for (input, read) in view.inputs.iter_mut().zip(&explanation.inputs) {
            let unit = catalogue.item(read.item).unit;
            // A range of months reads better as its ends.
            if input.months.len() > 2 {
                let last = input.months.last().cloned().unwrap_or_default();
                input.months.truncate(1);
                input.months.push(last);
            }
            in_unit(&mut input.value, unit);
            in_unit(&mut input.own, unit);
            // A plant has no units below: its table shows what it reported itself.
            if leaf && input.own.is_none() {
                input.own = input.value.clone();
            }
            for child in &mut input.children {
                in_unit(&mut child.value, unit);
                if let Some(s) = child.share.as_mut()
                    && let Ok(d) = s.parse::<zx_domain::Decimal>()
                {
                    *s = format::percent(d);
                }
            }
        }
        let formula = format::formula_label(&def.formula, catalogue, period.basis, lang);
        let input_names = explanation
            .inputs
            .iter()
            .map(|input| {
                format::input_label(
                    input.aggregation,
                    catalogue.item(input.item),
                    period.basis,
                    lang,
                )
            })
            .collect();
        let entity = tree.entity(id);
        let title = format!(
            "{} — {} {} {}",
            lang.pick(&def.name_zh, &def.name_en),
            entity.name,
            period.end,
            format::basis_label(period, lang)
        );
        let names = (formula, input_names);
        Ok::<_, ApiError>((title, entity.code.to_string(), view, names, leaf))
    }
    .await;
    match result {
        Ok((title, entity, view, (formula, input_names), leaf)) => ExplainPage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            title,
            entity,
            view,
            formula,
            input_names,
            leaf,
        }
        .into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

/// The cockpit as an Excel workbook: one sheet per table, numbers as numbers.
pub async fn export(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<CockpitPageQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let id = entity_or_home(
            &snapshot,
            &user,
            query.entity.as_deref(),
            user.lang.pick(
                "您的账号未绑定可查看的单位",
                "your account has no entity to show",
            ),
        )?;
        let period = parse_period(
            &state,
            &snapshot,
            id,
            query.rest.period.as_deref(),
            query.rest.basis.as_deref(),
        )
        .await?;
        let filter = crate::views::Filter {
            region: query.rest.region.as_deref().filter(|r| !r.is_empty()),
            segment: query.rest.segment.as_deref().filter(|s| !s.is_empty()),
        };
        let bytes =
            crate::export::cockpit_workbook(&snapshot, &user.access, id, period, filter, lang)
                .map_err(ApiError::internal)?;
        let name = format!(
            "cockpit-{}-{}.xlsx",
            snapshot.engine.tree().entity(id).code,
            period.end
        );
        Ok::<_, ApiError>((name, bytes))
    }
    .await;
    match result {
        Ok((name, bytes)) => xlsx_download(&name, bytes),
        Err(error) => error_page(Some(&user), lang, error),
    }
}
