//! `GET /api/v1/entities/{code}/report`: the monthly report as a PDF or workbook.

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::{ReportQuery, download, make};
use crate::auth::ApiUser;
use crate::error::{ApiResult, ErrorBody};
use crate::scope::entity_in_scope;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/entities/{code}/report", tag = "kpi",
    params(("code" = String, Path), ReportQuery),
    responses(
        (status = 200, content_type = "application/pdf", description = "The typeset monthly report (A4 PDF), or with `format=xlsx` its workbook, a sheet per section; the same as `zx report --format pdf|xlsx`"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    Query(query): Query<ReportQuery>,
) -> ApiResult<Response> {
    let snapshot = state.snapshot().await?;
    let id = entity_in_scope(&snapshot, &user, &code)?;
    drop(snapshot);
    let (name, format, bytes) = make(&state, &user, id, &query).await?;
    Ok(download(&name, format, bytes))
}
