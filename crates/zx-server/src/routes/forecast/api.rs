//! The forecasts in the JSON API; the same scope rules as the cockpit: only entities the
//! caller may read are answered.

use axum::Json;
use axum::extract::{Query, State};
use zx_api::{ForecastsJson, WillMissJson};
use zx_domain::Month;

use super::{ForecastParams, WillMissParams, will_miss_json};
use crate::auth::{ApiUser, CurrentUser};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::scope::{choose_period, entity_or_home};
use crate::state::{AppState, Snapshot};

/// The month asked for, or the cockpit's month for `root`.
async fn month_of(
    state: &AppState,
    snapshot: &Snapshot,
    root: zx_domain::EntityId,
    period: Option<&str>,
) -> ApiResult<Month> {
    Ok(choose_period(state, snapshot, root, period, None)
        .await?
        .period
        .end)
}

fn home(
    snapshot: &Snapshot,
    user: &CurrentUser,
    code: Option<&str>,
) -> ApiResult<zx_domain::EntityId> {
    entity_or_home(snapshot, user, code, "no entity in scope")
}

#[utoipa::path(get, path = "/api/v1/forecast", tag = "kpi", params(ForecastParams),
    responses((status = 200, body = ForecastsJson, description = "The JSON of `zx forecast --format json`, over the entities the caller may read"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn forecast(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(params): Query<ForecastParams>,
) -> ApiResult<Json<ForecastsJson>> {
    let snapshot = state.snapshot().await?;
    let engine = &snapshot.engine;
    let def = zx_app::forecast::find(engine, &params.indicator)
        .map_err(|e| ApiError::new(ErrorCode::IndicatorNotFound, e.to_string()))?;
    let root = home(&snapshot, &user, None)?;
    let month = month_of(&state, &snapshot, root, params.period.as_deref()).await?;
    let tree = engine.tree();
    let list: Vec<_> = zx_app::forecast::every_entity(engine, &snapshot.targets, def, month)
        .into_iter()
        .filter(|f| user.access.can_read(tree, f.entity))
        .collect();
    Ok(Json(zx_api::forecasts_json(list.iter().map(|f| {
        (tree.entity(f.entity).code.to_string(), &f.forecast)
    }))))
}

#[utoipa::path(get, path = "/api/v1/forecast/will-miss", tag = "kpi", params(WillMissParams),
    responses((status = 200, body = [WillMissJson], description = "Card indicators whose year-end target is probably missed (odds below 0.33), lowest odds first"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn will_miss(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(params): Query<WillMissParams>,
) -> ApiResult<Json<Vec<WillMissJson>>> {
    let snapshot = state.snapshot().await?;
    let within = home(&snapshot, &user, params.entity.as_deref())?;
    let month = month_of(&state, &snapshot, within, params.period.as_deref()).await?;
    Ok(Json(will_miss_json(
        &snapshot.engine,
        &snapshot.targets,
        &user.access,
        within,
        month,
    )))
}
