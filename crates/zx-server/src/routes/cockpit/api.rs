//! Entities, indicators, explanations and the cockpit in the JSON API. Same scope rules as the
//! pages: an entity outside the caller's subtree answers 403 and no data.

use axum::Json;
use axum::extract::{Path, Query, State};
use zx_api::{EntityJson, ExplainJson, KpiJson};

use super::{CockpitQuery, ExplainQuery, PeriodQuery, cockpit_view};
use crate::auth::ApiUser;
use crate::error::{ApiResult, ErrorBody};
use crate::scope::{choose_period, entity_in_scope, parse_period, scoped_explanation};
use crate::state::AppState;
use crate::views::Cockpit;

#[utoipa::path(get, path = "/api/v1/entities", tag = "entities",
    responses((status = 200, body = [EntityJson]), (status = 401, body = ErrorBody)))]
pub async fn entities(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<EntityJson>>> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let mut list = Vec::new();
    for root in tree.roots() {
        for id in tree.subtree(root) {
            if !user.access.can_read(tree, id) {
                continue;
            }
            list.push(EntityJson::new(tree, id));
        }
    }
    Ok(Json(list))
}

#[utoipa::path(get, path = "/api/v1/entities/{code}/kpi", tag = "kpi", params(("code" = String, Path), PeriodQuery),
    responses((status = 200, body = KpiJson, description = "Exactly the JSON of `zx kpi --format json`"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn kpi(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> ApiResult<Json<KpiJson>> {
    let snapshot = state.snapshot().await?;
    let id = entity_in_scope(&snapshot, &user, &code)?;
    let period = parse_period(
        &state,
        &snapshot,
        id,
        query.period.as_deref(),
        query.basis.as_deref(),
    )
    .await?;
    let report = snapshot.engine.kpi(id, period, &snapshot.targets);
    Ok(Json(zx_api::kpi_json(&snapshot.engine, &report, user.lang)))
}

#[utoipa::path(get, path = "/api/v1/entities/{code}/explain", tag = "kpi", params(("code" = String, Path), ExplainQuery),
    responses((status = 200, body = ExplainJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn explain(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    Query(query): Query<ExplainQuery>,
) -> ApiResult<Json<ExplainJson>> {
    let snapshot = state.snapshot().await?;
    let id = entity_in_scope(&snapshot, &user, &code)?;
    let period = parse_period(
        &state,
        &snapshot,
        id,
        query.period.as_deref(),
        query.basis.as_deref(),
    )
    .await?;
    let explanation = scoped_explanation(&snapshot, &user, id, period, &query.indicator)?;
    Ok(Json(zx_api::explain_json(
        &snapshot.engine,
        &explanation,
        user.lang,
    )))
}

#[utoipa::path(get, path = "/api/v1/entities/{code}/cockpit", tag = "kpi", params(("code" = String, Path), CockpitQuery),
    responses((status = 200, body = Cockpit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn cockpit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    Query(query): Query<CockpitQuery>,
) -> ApiResult<Json<Cockpit>> {
    let snapshot = state.snapshot().await?;
    let id = entity_in_scope(&snapshot, &user, &code)?;
    let chosen = choose_period(
        &state,
        &snapshot,
        id,
        query.period.as_deref(),
        query.basis.as_deref(),
    )
    .await?;
    Ok(Json(
        cockpit_view(&state, &user, &snapshot, id, &chosen, &query).await?,
    ))
}
