//! Visits in the JSON API.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::{VisitInput, create_visit, visit_rows};
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::routes::{CreatedJson, json_body};
use crate::state::AppState;

/// A visit with the state of its requirements.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitJson {
    pub id: i64,
    pub leader: String,
    pub dates: String,
    pub entities: String,
    pub summary: String,
    pub findings: String,
    pub requirements: usize,
    pub open: usize,
    pub done: usize,
    pub overdue: usize,
    /// Measure ids of the requirements the caller may see.
    pub measures: Vec<i64>,
}

#[utoipa::path(get, path = "/api/v1/visits", tag = "measures",
    responses((status = 200, body = [VisitJson])))]
pub async fn api_visits(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<VisitJson>>> {
    Ok(Json(
        visit_rows(&state, &user)
            .await?
            .into_iter()
            .map(|v| VisitJson {
                id: v.id,
                leader: v.leader,
                dates: v.dates,
                entities: v.entities,
                summary: v.summary,
                findings: v.findings,
                requirements: v.total,
                open: v.open,
                done: v.done,
                overdue: v.overdue,
                measures: v.requirements.iter().map(|r| r.id).collect(),
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/visits", tag = "measures", request_body = VisitInput,
    responses((status = 201, body = CreatedJson), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_create_visit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<CreatedJson>)> {
    let input: VisitInput = json_body(&state, &user, request).await?;
    let id = create_visit(&state, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id })))
}
