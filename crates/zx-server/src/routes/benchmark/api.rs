//! `GET /api/v1/benchmark`: exactly the JSON of `zx benchmark --format json`, over the plants
//! of the caller's scope.

use axum::Json;
use axum::extract::{Query, State};
use zx_api::BenchmarkJson;

use super::{BenchmarkParams, ask};
use crate::auth::ApiUser;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/benchmark", tag = "kpi", params(BenchmarkParams),
    responses((status = 200, body = BenchmarkJson, description = "Exactly the JSON of `zx benchmark --format json`"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn benchmark(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(params): Query<BenchmarkParams>,
) -> ApiResult<Json<BenchmarkJson>> {
    let snapshot = state.snapshot().await?;
    let asked = ask(&state, &snapshot, &user, &params).await?;
    let answer = &asked.answer;
    Ok(Json(zx_api::benchmark_json(
        &snapshot.engine,
        answer.indicator,
        &answer.result,
    )))
}

/// Which plant's cost breakdown, for which period.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct CostParams {
    /// A plant's code (one in the caller's scope).
    pub entity: String,
    /// `YYYY-MM`; default: the cockpit's month for the plant.
    pub period: Option<String>,
    /// `ytd` (default) or `month`.
    pub basis: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/benchmark/cost-breakdown", tag = "kpi", params(CostParams),
    responses((status = 200, body = zx_api::CostBreakdownJson, description = "The plant's unit cost by cost element against its segment's median in the group"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cost_breakdown(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(params): Query<CostParams>,
) -> ApiResult<Json<zx_api::CostBreakdownJson>> {
    use crate::error::{ApiError, ErrorCode};
    let snapshot = state.snapshot().await?;
    let plant = crate::scope::entity_or_home(
        &snapshot,
        &user,
        Some(params.entity.as_str()),
        "no entity in scope",
    )?;
    let chosen = crate::scope::choose_period(
        &state,
        &snapshot,
        plant,
        params.period.as_deref(),
        params.basis.as_deref(),
    )
    .await?;
    let engine = &snapshot.engine;
    let waterfall =
        zx_app::benchmark::cost_breakdown(engine, plant, chosen.period).map_err(|e| {
            ApiError::new(ErrorCode::InvalidParameter, e.to_string())
                .zh("该厂站本期没有按成本要素填报的单位成本")
        })?;
    Ok(Json(zx_api::cost_breakdown_json(
        engine,
        plant,
        chosen.period,
        &waterfall,
    )))
}
