//! The practice library in the JSON API: search (`{"hits": [...]}`, the CLI's shape), the list,
//! one practice, HQ's import and recommendation.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use zx_api::{
    ImportRejectedJson, IssueJson, PracticeHitJson, PracticeHitsJson, PracticeJson,
    PracticesImportedJson, RecommendInput, RecommendedJson,
};
use zx_search::Filter;

use super::only_hq;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::routes::{json_body, read_upload};
use crate::state::AppState;

/// The paths of this resource, merged into the API's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(search, list, one, import, recommend),
    components(schemas(
        PracticeHitJson,
        PracticeHitsJson,
        PracticeJson,
        PracticesImportedJson,
        RecommendInput,
        RecommendedJson
    ))
)]
pub struct PracticesApi;

/// What to search for.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Words in Chinese (or any language the practices are written in).
    pub query: String,
    /// Only practices of this segment (`waste-to-energy`, `water`, `solar`, `wind`).
    pub segment: Option<String>,
    /// At most this many hits (default 10, at most 100).
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/practices/search", tag = "practices", params(SearchParams),
    responses((status = 200, body = PracticeHitsJson, description = "The practices matching the query, best first (BM25), each with a snippet of its text, matches in <mark>; `zx practices search --format json` prints the same"),
        (status = 401, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    Query(params): Query<SearchParams>,
) -> ApiResult<Json<PracticeHitsJson>> {
    let filter = Filter {
        segment: params
            .segment
            .filter(|s| !s.trim().is_empty())
            .map(|s| zx_domain::catalogue::segment_code(&s)),
        exclude: None,
    };
    let limit = params.limit.unwrap_or(10).min(100);
    let found = state
        .practices
        .search(state.store.as_ref(), &params.query, &filter, limit)
        .await?;
    Ok(Json(PracticeHitsJson::of(
        found.hits.iter().map(|(h, _)| h),
    )))
}

#[utoipa::path(get, path = "/api/v1/practices", tag = "practices",
    responses((status = 200, body = [PracticeJson], description = "Every practice (its latest revision and HQ's recommendation), by id"),
        (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
) -> ApiResult<Json<Vec<PracticeJson>>> {
    let list = state.store.practices().await?;
    Ok(Json(list.iter().map(PracticeJson::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/practices/{code}", tag = "practices",
    params(("code" = String, Path, description = "The practice's id")),
    responses((status = 200, body = PracticeJson),
        (status = 404, body = ErrorBody, description = "No such practice")))]
pub async fn one(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<PracticeJson>> {
    Ok(Json(PracticeJson::from(&super::find(&state, &code).await?)))
}

#[utoipa::path(post, path = "/api/v1/practices/import", tag = "practices",
    request_body(content_type = "multipart/form-data",
        description = "a CSV or XLSX with the columns id,title,body,entity,tags (tags separated by `;`; optional result_amount, result_quantity, result_unit, result_note), as a part named `file`"),
    responses((status = 200, body = PracticesImportedJson),
        (status = 403, body = ErrorBody, description = "Not HQ"),
        (status = 422, body = ImportRejectedJson, description = "Every bad cell named; nothing written")))]
pub async fn import(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    mut multipart: Multipart,
) -> ApiResult<Response> {
    only_hq(
        &user,
        "only HQ imports practices",
        "只有总部可以导入经验做法",
    )?;
    let form = read_upload(&mut multipart, "practices.csv").await?;
    if user.csrf.is_some() {
        user.check_csrf(form.csrf.as_deref())?;
    }
    let (file_name, bytes) = form.file.ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidFile, "no part named file").zh("请选择文件")
    })?;
    let saved = zx_app::practices::import(
        state.store.as_ref(),
        &file_name,
        &bytes,
        &user.user.name,
        state.now(),
    )
    .await?;
    Ok(match saved {
        Ok(outcomes) => Json(PracticesImportedJson::count(&outcomes)).into_response(),
        Err(rejected) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(ImportRejectedJson {
                ok: false,
                errors: rejected.issues.iter().map(IssueJson::from).collect(),
                warnings: Vec::new(),
            }),
        )
            .into_response(),
    })
}

#[utoipa::path(post, path = "/api/v1/practices/{code}/recommend", tag = "practices",
    params(("code" = String, Path, description = "The practice's id")),
    request_body = RecommendInput,
    responses((status = 200, body = RecommendedJson, description = "The decision recorded; when recommending, the accounts of the plants of the practice's segment told (each once)"),
        (status = 403, body = ErrorBody, description = "Not HQ"),
        (status = 404, body = ErrorBody, description = "No such practice")))]
pub async fn recommend(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    request: axum::extract::Request,
) -> ApiResult<Json<RecommendedJson>> {
    only_hq(
        &user,
        "only HQ recommends practices",
        "只有总部可以推荐经验做法",
    )?;
    let input: RecommendInput = json_body(&state, &user, request).await?;
    super::find(&state, &code).await?;
    let told = super::recommend(&state, &user, &code, input.recommended, &input.note).await?;
    Ok(Json(RecommendedJson {
        recommended: input.recommended,
        told,
    }))
}
