//! The hazard register in the JSON API: the same service functions as the pages.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use zx_domain::safety::Score;

use super::{
    HazardFilter, HazardView, ReportInput, StepInput, download, listing, read_form,
    readable_hazard, report, take_step,
};
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::routes::{CreatedJson, json_body};
use crate::state::AppState;

/// A hazard as the API gives it; codes, not labels.
#[derive(Debug, Serialize, ToSchema)]
pub struct HazardJson {
    pub id: i64,
    /// The register's own number, if it has one (an imported ledger's id).
    pub code: Option<String>,
    pub entity: String,
    pub found: String,
    pub description: String,
    pub location: String,
    /// `general|major`.
    pub grade: String,
    /// `reported|assessed|rectifying|awaiting_verification|closed`.
    pub status: String,
    /// LEC `{"l","e","c"}` or matrix `{"l","s"}` as decimal strings; null when not scored.
    pub scores: Option<serde_json::Value>,
    /// D (LEC) or R (matrix), a decimal string.
    pub danger: Option<String>,
    /// `red|orange|yellow|blue`; null when not scored.
    pub level: Option<String>,
    pub owner: String,
    pub deadline: Option<String>,
    /// Judged on today's date in China.
    pub overdue: bool,
    pub age_days: i64,
    pub rectified_by: Option<String>,
    pub verified_by: Option<String>,
    /// Responsibility, measures, funds, time limit, emergency plan (五落实).
    pub assurances: [String; 5],
    /// Name it when taking a step (optimistic locking).
    pub revision: i64,
}

/// One step of a hazard's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HazardStepJson {
    pub at: String,
    pub by: String,
    pub step: String,
    pub status_before: Option<String>,
    pub status_after: String,
    pub comment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HazardAttachmentJson {
    pub id: i64,
    pub step: Option<i64>,
    pub file_name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    pub at: String,
    pub by: String,
    pub href: String,
}

/// A hazard with its history and evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct HazardDetailJson {
    #[serde(flatten)]
    pub hazard: HazardJson,
    pub steps: Vec<HazardStepJson>,
    pub attachments: Vec<HazardAttachmentJson>,
}

fn time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn hazard_json(v: &HazardView) -> HazardJson {
    let h = &v.hazard;
    HazardJson {
        id: h.id,
        code: h.code.clone(),
        entity: h.entity.to_string(),
        found: h.found.to_string(),
        description: h.description.clone(),
        location: h.location.clone(),
        grade: h.grade.code().to_owned(),
        status: h.status.code().to_owned(),
        scores: h.scores.as_ref().map(|s| match s {
            Score::Lec(s) => serde_json::json!({
                "l": s.likelihood().to_string(),
                "e": s.exposure().to_string(),
                "c": s.consequence().to_string()
            }),
            Score::Matrix(m) => serde_json::json!({
                "l": m.likelihood().to_string(),
                "s": m.severity().to_string()
            }),
        }),
        danger: v.danger.map(|d| d.to_string()),
        level: v.level.map(|l| l.code().to_owned()),
        owner: h.owner.clone(),
        deadline: h.deadline.map(|d| d.to_string()),
        overdue: v.overdue,
        age_days: v.age_days,
        rectified_by: h.rectified_by.clone(),
        verified_by: h.verified_by.clone(),
        assurances: zx_domain::safety::hazards::Assurance::ALL
            .map(|a| h.assurances.get(a).to_owned()),
        revision: h.revision,
    }
}

/// The hazards the caller may read, filtered.
#[utoipa::path(get, path = "/api/v1/hazards", params(
    ("entity" = Option<String>, Query, description = "An entity code: its subtree (default: the caller's home)"),
    ("status" = Option<String>, Query, description = "A status code, or `open`"),
    ("grade" = Option<String>, Query, description = "`general|major`"),
    ("level" = Option<String>, Query, description = "`red|orange|yellow|blue|none`"),
    ("age" = Option<String>, Query, description = "`week|month|quarter|older`"),
    ("overdue" = Option<String>, Query, description = "Any value: overdue ones only")),
    responses((status = 200, body = [HazardJson])), tag = "safety")]
pub async fn api_hazards(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(filter): Query<HazardFilter>,
) -> ApiResult<Json<Vec<HazardJson>>> {
    let (_, views) = listing(&state, &user, &filter).await?;
    Ok(Json(views.iter().map(hazard_json).collect()))
}

/// One hazard with its history and evidence.
#[utoipa::path(get, path = "/api/v1/hazards/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = HazardDetailJson), (status = 404, body = crate::error::ErrorBody)), tag = "safety")]
pub async fn api_hazard(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<HazardDetailJson>> {
    let (h, snapshot) = readable_hazard(&state, &user, id).await?;
    let view = HazardView::of(
        h,
        snapshot.engine.tree(),
        state.today(),
        &state.safety_rules.bands,
    );
    let steps = state.store.hazard_steps(id).await?;
    let files = state.store.hazard_attachments(id).await?;
    Ok(Json(HazardDetailJson {
        hazard: hazard_json(&view),
        steps: steps
            .into_iter()
            .map(|s| HazardStepJson {
                at: time(s.at),
                by: s.by,
                step: s.step,
                status_before: s.status_before.map(|b| b.code().to_owned()),
                status_after: s.status_after.code().to_owned(),
                comment: s.comment,
            })
            .collect(),
        attachments: files
            .into_iter()
            .map(|a| HazardAttachmentJson {
                href: format!("/api/v1/hazard-attachments/{}", a.id),
                id: a.id,
                step: a.step,
                file_name: a.file_name,
                media_type: a.media_type,
                size: a.size,
                sha256: a.sha256,
                at: time(a.at),
                by: a.by,
            })
            .collect(),
    }))
}

/// Reports a hazard (photos: `POST /api/v1/hazards/{id}/attachments` after).
#[utoipa::path(post, path = "/api/v1/hazards", request_body = ReportInput,
    responses((status = 201, body = CreatedJson), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)), tag = "safety")]
pub async fn api_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<CreatedJson>)> {
    let input: ReportInput = json_body(&state, &user, request).await?;
    let h = report(&state, &user, input, Vec::new()).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id: h.id })))
}

/// Takes a step of the loop (`assess|start|rectified|verify|reject`) on the revision named.
#[utoipa::path(post, path = "/api/v1/hazards/{id}/steps", params(("id" = i64, Path)),
    request_body = StepInput,
    responses((status = 200, body = HazardJson), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    tag = "safety")]
pub async fn api_step(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    request: axum::extract::Request,
) -> ApiResult<Json<HazardJson>> {
    let input: StepInput = json_body(&state, &user, request).await?;
    let h = take_step(&state, &user, id, input, Vec::new()).await?;
    let snapshot = state.snapshot().await?;
    Ok(Json(hazard_json(&HazardView::of(
        h,
        snapshot.engine.tree(),
        state.today(),
        &state.safety_rules.bands,
    ))))
}

/// Attaches photos or documents to a hazard (multipart, each field `file`; cookie callers
/// send `csrf`). Whoever may report for its entity.
#[utoipa::path(post, path = "/api/v1/hazards/{id}/attachments", params(("id" = i64, Path)),
    responses((status = 201, body = [HazardAttachmentJson]), (status = 422, body = crate::error::ErrorBody)),
    tag = "safety")]
pub async fn api_add_attachments(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<Vec<HazardAttachmentJson>>)> {
    let form = read_form(multipart).await?;
    if user.csrf.is_some() {
        user.check_csrf(form.field("csrf").as_deref())?;
    }
    let (h, snapshot) = readable_hazard(&state, &user, id).await?;
    if !zx_domain::safety::hazards::may_report(&user.access, snapshot.engine.tree(), &h.entity) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            user.lang.pick(
                "无权为该隐患上传材料",
                "you may not add files to this hazard",
            ),
        ));
    }
    if form.files.is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidFile,
            user.lang
                .pick("请选择要上传的文件", "choose a file to upload"),
        ));
    }
    let evidence = super::judge_files(user.lang, form.files)?;
    let mut added = Vec::new();
    for file in evidence {
        let a = state
            .store
            .add_hazard_evidence(id, file, &user.user.name, state.now())
            .await?;
        added.push(HazardAttachmentJson {
            href: format!("/api/v1/hazard-attachments/{}", a.id),
            id: a.id,
            step: a.step,
            file_name: a.file_name,
            media_type: a.media_type,
            size: a.size,
            sha256: a.sha256,
            at: time(a.at),
            by: a.by,
        });
    }
    Ok((StatusCode::CREATED, Json(added)))
}

/// An attachment's content, if the caller may read its hazard.
#[utoipa::path(get, path = "/api/v1/hazard-attachments/{id}", params(("id" = i64, Path)),
    responses((status = 200, description = "The file"), (status = 404, body = crate::error::ErrorBody)), tag = "safety")]
pub async fn api_attachment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    download(&state, &user, id).await
}
