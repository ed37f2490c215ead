//! `GET /api/v1/entities/{code}/report`: the monthly report as a PDF or workbook; HQ's
//! monthly schedule (`/api/v1/reports/schedule`) and the reports it sent (`/api/v1/reports/sent`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use zx_api::{ScheduleInput, ScheduleJson, SentReportJson};

use super::{ReportQuery, download, make};
use crate::auth::ApiUser;
use crate::error::{ApiResult, ErrorBody};
use crate::routes::json_body;
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

/// The schedule's paths, merged into the API's OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(schedule, set_schedule, sent, sent_file),
    components(schemas(ScheduleJson, ScheduleInput, SentReportJson))
)]
pub struct ReportScheduleApi;

#[utoipa::path(get, path = "/api/v1/reports/schedule", tag = "kpi",
    responses((status = 200, body = Option<ScheduleJson>, description = "HQ's monthly report schedule (null when none was set)"),
        (status = 403, body = ErrorBody)))]
pub async fn schedule(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Option<ScheduleJson>>> {
    super::only_hq(&user)?;
    let stored = state.store.report_schedule().await?;
    Ok(Json(stored.as_ref().map(ScheduleJson::from)))
}

#[utoipa::path(put, path = "/api/v1/reports/schedule", tag = "kpi", request_body = ScheduleInput,
    responses((status = 200, body = ScheduleJson, description = "The schedule as set (audited `report_schedule.set` with the old and new settings)"),
        (status = 422, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_schedule(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: axum::extract::Request,
) -> ApiResult<Json<ScheduleJson>> {
    super::only_hq(&user)?;
    let input: ScheduleInput = json_body(&state, &user, request).await?;
    let stored = super::save_schedule(&state, &user, input).await?;
    Ok(Json(ScheduleJson::from(&stored)))
}

#[utoipa::path(get, path = "/api/v1/reports/sent", tag = "kpi",
    responses((status = 200, body = Vec<SentReportJson>, description = "Every scheduled report sent or tried, newest first"),
        (status = 403, body = ErrorBody)))]
pub async fn sent(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<SentReportJson>>> {
    super::only_hq(&user)?;
    let list = state.store.sent_reports().await?;
    Ok(Json(list.iter().map(SentReportJson::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/reports/sent/{id}", tag = "kpi", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", description = "A sent report's PDF, byte for byte as attached"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn sent_file(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (kept, bytes) = super::sent_pdf(&state, &user, id).await?;
    Ok(download(&kept.file_name, super::ReportFormat::Pdf, bytes))
}
