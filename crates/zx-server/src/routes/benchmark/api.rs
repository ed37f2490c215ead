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
