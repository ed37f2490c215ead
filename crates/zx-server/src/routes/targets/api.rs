//! Targets in the JSON API.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{TargetJson, TargetWrite, parse_stored_value, save_target, targets_in_scope};
use crate::auth::ApiUser;
use crate::error::{ApiResult, ErrorBody};
use crate::routes::json_body;
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
    responses((status = 200, body = TargetJson, description = "Saved; `warning` when the value looks like a unit slip"),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`conflict` (stale revision) or `target_needs_confirmation` (sent with `confirm: false`)")))]
pub async fn put_target(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: axum::extract::Request,
) -> ApiResult<Json<TargetJson>> {
    let body: TargetJson = json_body(&state, &user, request).await?;
    let value = parse_stored_value(&body.value, user.lang)?;
    let saved = save_target(
        &state,
        &user,
        TargetWrite {
            entity: &body.entity,
            year: body.year,
            indicator: &body.indicator,
            value,
            revision: body.revision,
            // Machines keep the contract they had: saved, with the warning in the answer.
            confirmed: body.confirm.unwrap_or(true),
        },
    )
    .await?;
    Ok(Json(saved))
}
