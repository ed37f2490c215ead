//! One measure's follow-up in the JSON API: the same service functions as the pages.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use zx_domain::Measure;
use zx_domain::followup::Attachment;

use super::{
    CoOwnersInput, MeasureInput, MilestoneInput, UpdateInput, add_evidence, add_milestone,
    complete_milestone, create_measure, download, read_upload, readable_measure, update_measure,
};
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::routes::{CreatedJson, json_body};
use crate::state::AppState;

/// A measure with its follow-up, as the API gives it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureDetailJson {
    pub id: i64,
    pub entity: String,
    pub title: String,
    pub description: String,
    pub indicator: Option<String>,
    pub expected_effect: String,
    pub owner: String,
    pub co_owners: Vec<String>,
    pub start: Option<String>,
    pub due: String,
    /// `planned|in_progress|done|cancelled`.
    pub status: String,
    pub progress: u8,
    /// Judged on today's date in China.
    pub overdue: bool,
    /// Name it in an update (optimistic locking).
    pub revision: i64,
    pub visit: Option<i64>,
    pub updates: Vec<UpdateJson>,
    pub milestones: Vec<MilestoneJson>,
    pub attachments: Vec<AttachmentJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpdateJson {
    pub at: String,
    pub by: String,
    pub comment: String,
    pub status: [String; 2],
    pub progress: [u8; 2],
    pub due: [String; 2],
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneJson {
    pub id: i64,
    pub title: String,
    pub due: String,
    pub done_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentJson {
    pub id: i64,
    pub milestone: Option<i64>,
    pub file_name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    pub at: String,
    pub by: String,
    /// Where to download it.
    pub href: String,
}

fn attachment_json(a: Attachment) -> AttachmentJson {
    AttachmentJson {
        href: format!("/api/v1/attachments/{}", a.id),
        id: a.id,
        milestone: a.milestone,
        file_name: a.file_name,
        media_type: a.media_type,
        size: a.size,
        sha256: a.sha256,
        at: a.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        by: a.by,
    }
}

async fn detail_json(state: &AppState, m: Measure) -> ApiResult<MeasureDetailJson> {
    let id = m.id;
    let updates = state.store.measure_updates(Some(id)).await?;
    let milestones = state.store.milestones(Some(id)).await?;
    let attachments = state.store.attachments(Some(id)).await?;
    Ok(MeasureDetailJson {
        overdue: m.is_overdue(state.today()),
        id,
        entity: m.entity.to_string(),
        title: m.title,
        description: m.description,
        indicator: m.indicator,
        expected_effect: m.expected_effect,
        owner: m.owner,
        co_owners: m.co_owners,
        start: m.start.map(|d| d.to_string()),
        due: m.due.to_string(),
        status: m.status.as_str().to_owned(),
        progress: m.progress,
        revision: m.revision,
        visit: m.visit,
        updates: updates
            .into_iter()
            .map(|u| UpdateJson {
                at: u.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                by: u.by,
                comment: u.comment,
                status: [
                    u.status_before.as_str().to_owned(),
                    u.status_after.as_str().to_owned(),
                ],
                progress: [u.progress_before, u.progress_after],
                due: [u.due_before.to_string(), u.due_after.to_string()],
            })
            .collect(),
        milestones: milestones
            .into_iter()
            .map(|x| MilestoneJson {
                id: x.id,
                title: x.title,
                due: x.due.to_string(),
                done_on: x.done_on.map(|d| d.to_string()),
            })
            .collect(),
        attachments: attachments.into_iter().map(attachment_json).collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/measures/{id}", tag = "measures", params(("id" = i64, Path)),
    responses((status = 200, body = MeasureDetailJson), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_measure(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<MeasureDetailJson>> {
    let (m, _) = readable_measure(&state, &user, id).await?;
    Ok(Json(detail_json(&state, m).await?))
}

#[utoipa::path(post, path = "/api/v1/measures", tag = "measures", request_body = MeasureInput,
    responses((status = 201, body = CreatedJson), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_create_measure(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<CreatedJson>)> {
    let input: MeasureInput = json_body(&state, &user, request).await?;
    let id = create_measure(&state, &user, input).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id })))
}

#[utoipa::path(post, path = "/api/v1/measures/{id}/updates", tag = "measures", params(("id" = i64, Path)),
    request_body = UpdateInput,
    responses((status = 200, body = MeasureDetailJson), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_update_measure(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    request: axum::extract::Request,
) -> ApiResult<Json<MeasureDetailJson>> {
    let input: UpdateInput = json_body(&state, &user, request).await?;
    let m = update_measure(&state, &user, id, input).await?;
    Ok(Json(detail_json(&state, m).await?))
}

#[utoipa::path(post, path = "/api/v1/measures/{id}/co_owners", tag = "measures", params(("id" = i64, Path)),
    request_body = CoOwnersInput,
    responses((status = 200, body = MeasureDetailJson), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody, description = "an account that could not update the measure")))]
pub async fn api_set_co_owners(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    request: axum::extract::Request,
) -> ApiResult<Json<MeasureDetailJson>> {
    let input: CoOwnersInput = json_body(&state, &user, request).await?;
    let m = super::set_co_owners(
        &state,
        &user,
        id,
        input.revision,
        &input.co_owners.join(","),
    )
    .await?;
    Ok(Json(detail_json(&state, m).await?))
}

#[utoipa::path(post, path = "/api/v1/measures/{id}/attachments", tag = "measures", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "`file` (PDF, image, Word, Excel, PowerPoint; judged by content), optional `milestone`"),
    responses((status = 201, body = AttachmentJson), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_add_attachment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<AttachmentJson>)> {
    let upload = read_upload(multipart).await?;
    user.check_csrf(upload.csrf.as_deref())?;
    let Some((name, bytes)) = upload.file else {
        return Err(ApiError::new(ErrorCode::InvalidFile, "no `file` part"));
    };
    let attachment = add_evidence(&state, &user, id, upload.milestone, name, bytes).await?;
    Ok((StatusCode::CREATED, Json(attachment_json(attachment))))
}

#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "measures", params(("id" = i64, Path)),
    responses((status = 200, description = "The file, with its content type"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_attachment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    download(&state, &user, id).await
}

#[utoipa::path(post, path = "/api/v1/measures/{id}/milestones", tag = "measures", params(("id" = i64, Path)),
    request_body = MilestoneInput,
    responses((status = 201, body = CreatedJson), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_add_milestone(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    request: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<CreatedJson>)> {
    let input: MilestoneInput = json_body(&state, &user, request).await?;
    let milestone = add_milestone(&state, &user, id, &input).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id: milestone })))
}

#[utoipa::path(post, path = "/api/v1/measures/{id}/milestones/{milestone}/done", tag = "measures",
    params(("id" = i64, Path), ("milestone" = i64, Path)),
    responses((status = 200, body = MeasureDetailJson), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_complete_milestone(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, milestone)): Path<(i64, i64)>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Json<MeasureDetailJson>> {
    user.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    complete_milestone(&state, &user, id, milestone).await?;
    let (m, _) = readable_measure(&state, &user, id).await?;
    Ok(Json(detail_json(&state, m).await?))
}
