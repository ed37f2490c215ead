//! Targets in the JSON API.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{TargetJson, save_target, targets_in_scope};
use crate::auth::ApiUser;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct TargetsQuery {
    pub year: Option<i32>,
}

#[utoipa::path(get, path = "/api/v1/targets", tag = "targets", params(TargetsQuery),
    responses((status = 200, body = [TargetJson])))]
pub async fn targets(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<TargetsQuery>,
) -> ApiResult<Json<Vec<TargetJson>>> {
    Ok(Json(targets_in_scope(&state, &user, query.year).await?))
}

#[utoipa::path(put, path = "/api/v1/targets", tag = "targets", request_body = TargetJson,
    responses((status = 200, body = TargetJson), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put_target(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: axum::http::HeaderMap,
    Json(body): Json<TargetJson>,
) -> ApiResult<Json<TargetJson>> {
    let csrf = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    user.check_csrf(csrf)?;
    let saved = save_target(
        &state,
        &user,
        &body.entity,
        body.year,
        &body.indicator,
        &body.value,
        body.revision,
    )
    .await?;
    Ok(Json(saved))
}
