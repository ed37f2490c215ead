//! The audit log in the JSON API: the entries of `zx audit --format json` (`zx_api::AuditEntryJson`),
//! answered as a bare list.

use axum::Json;
use axum::extract::{Query, State};
use zx_api::AuditEntryJson;

use super::{AuditQuery, audit_entries};
use crate::auth::ApiUser;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = [AuditEntryJson]), (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEntryJson>>> {
    let entries = audit_entries(&state, &user, query).await?;
    Ok(Json(entries.iter().map(AuditEntryJson::from).collect()))
}
