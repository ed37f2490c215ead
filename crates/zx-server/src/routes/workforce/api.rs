//! `GET /api/v1/workforce`: exactly the JSON of `zx workforce --format json`, for an entity in
//! the caller's scope.

use axum::Json;
use axum::extract::{Query, State};
use utoipa::OpenApi;
use zx_api::{
    BreakdownJson, FigureJson, MarketExitsJson, WorkforceJson, WorkforceMonthJson,
    WorkforceUnitJson,
};

use super::{WorkforceParams, ask};
use crate::auth::ApiUser;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;

/// The paths of this resource, merged into the API's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(workforce),
    components(schemas(
        WorkforceJson,
        FigureJson,
        BreakdownJson,
        MarketExitsJson,
        WorkforceMonthJson,
        WorkforceUnitJson,
        zx_api::IndicatorJson,
        zx_api::LimitJson
    ))
)]
pub struct WorkforceApi;

#[utoipa::path(get, path = "/api/v1/workforce", tag = "kpi", params(WorkforceParams),
    responses((status = 200, body = WorkforceJson, description = "Exactly the JSON of `zx workforce --format json`: hires by channel, exits by reason, people and money against last year, headcount against plan, the dispatched share against its legal limit, per-capita figures, and each unit below"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn workforce(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(params): Query<WorkforceParams>,
) -> ApiResult<Json<WorkforceJson>> {
    let snapshot = state.snapshot().await?;
    let (_, report) = ask(&state, &snapshot, &user, &params).await?;
    Ok(Json(zx_api::workforce_json(
        &snapshot.engine,
        &report.story,
        &report.kpi,
        &report.units,
        user.lang,
    )))
}
