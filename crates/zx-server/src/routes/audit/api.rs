//! The audit log in the JSON API.

use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;
use utoipa::ToSchema;

use super::{AuditQuery, audit_entries};
use crate::auth::ApiUser;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;

/// One audit line.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditJson {
    pub id: i64,
    pub at: String,
    pub user: String,
    pub action: String,
    pub object: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = [AuditJson]), (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditJson>>> {
    let entries = audit_entries(&state, &user, query).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditJson {
                id: e.id,
                at: e.at.to_rfc3339(),
                user: e.user,
                action: e.action,
                object: e.object,
                old: e.old_value,
                new: e.new_value,
            })
            .collect(),
    ))
}
