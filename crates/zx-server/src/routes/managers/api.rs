//! The manager term register in the JSON API.

use axum::Json;
use axum::extract::{Query, Request, State};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use zx_api::{
    ManagerRegisterJson, ManagerTermInput, ManagerTermJson, OutcomeJson, ProposalInput,
    RatingDueJson, RegisterCheckJson, RegisterProposalJson, TermYearJson,
};
use zx_domain::managers::{DEFAULT_TERM_LEAD_DAYS, RatingDeadline};

use super::{parse_date, parse_month, proposal as proposal_of, row_of, terms_under};
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::routes::{CreatedJson, json_body};
use crate::state::AppState;

/// The paths of this resource, merged into the API's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(register, save, proposal, take_proposal),
    components(schemas(
        ManagerRegisterJson,
        ManagerTermJson,
        ManagerTermInput,
        TermYearJson,
        OutcomeJson,
        RatingDueJson,
        RegisterProposalJson,
        RegisterCheckJson,
        ProposalInput
    ))
)]
pub struct ManagersApi;

#[derive(Debug, Deserialize, IntoParams)]
pub struct RegisterQuery {
    /// Root of the subtree (default: the caller's home entity).
    pub entity: Option<String>,
    /// The date to judge terms ending and ratings due on (default: today in China).
    pub as_of: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/managers", tag = "managers", params(RegisterQuery),
    responses((status = 200, body = ManagerRegisterJson,
        description = "The terms of the subtree the caller may read; ratings and pay for admin and HQ HR only"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<RegisterQuery>,
) -> ApiResult<Json<ManagerRegisterJson>> {
    let snapshot = state.snapshot().await?;
    let root = crate::scope::entity_or_home(
        &snapshot,
        &user,
        query.entity.as_deref(),
        "no entity in scope",
    )?;
    let as_of = match query.as_of.as_deref() {
        Some(text) => parse_date(text, "as_of")?,
        None => state.today(),
    };
    let terms = terms_under(&state, &user, &snapshot, root).await?;
    Ok(Json(ManagerRegisterJson::new(
        &terms,
        as_of,
        DEFAULT_TERM_LEAD_DAYS,
        RatingDeadline::default(),
        user.access.sees_personnel_confidential(),
    )))
}

#[utoipa::path(post, path = "/api/v1/managers", tag = "managers", request_body = ManagerTermInput,
    responses((status = 201, body = CreatedJson, description = "Added, or corrected (`id` given)"),
        (status = 403, body = ErrorBody, description = "Not admin or HQ HR"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: Request,
) -> ApiResult<(axum::http::StatusCode, Json<CreatedJson>)> {
    let input: ManagerTermInput = json_body(&state, &user, request).await?;
    zx_app::managers::check_keeper(&user.access)?;
    let snapshot = state.snapshot().await?;
    if let Some(id) = input.id {
        super::stored_term(&state, &user, &snapshot, id).await?;
    }
    let row = row_of(&snapshot, &user, &input)?;
    let (id, _) = zx_app::managers::save_term(
        &*state.store,
        &user.access,
        row,
        &user.user.name,
        state.now(),
    )
    .await?;
    Ok((axum::http::StatusCode::CREATED, Json(CreatedJson { id })))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ProposalQuery {
    pub entity: String,
    /// `YYYY-MM`.
    pub month: String,
}

#[utoipa::path(get, path = "/api/v1/managers/proposal", tag = "managers", params(ProposalQuery),
    responses((status = 200, body = RegisterProposalJson,
        description = "The register's counts for the entity-month against its reported data"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "Unknown entity, or one that keeps no register")))]
pub async fn proposal(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<ProposalQuery>,
) -> ApiResult<Json<RegisterProposalJson>> {
    let month = parse_month(&query.month)?;
    let snapshot = state.snapshot().await?;
    let id = crate::scope::entity_in_scope(&snapshot, &user, &query.entity)?;
    let (counts, checks) = proposal_of(&state, &snapshot, id, month)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("{} keeps no manager register", query.entity),
            )
            .zh(format!("{} 没有经理层任期台账", query.entity))
        })?;
    Ok(Json(RegisterProposalJson::new(
        &query.entity,
        &month.to_string(),
        counts,
        &checks,
    )))
}

#[utoipa::path(post, path = "/api/v1/managers/proposal", tag = "managers", request_body = ProposalInput,
    responses((status = 201, body = CreatedJson,
        description = "The register's counts submitted as the month's data (`id`: the submission)"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn take_proposal(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: Request,
) -> ApiResult<(axum::http::StatusCode, Json<CreatedJson>)> {
    let input: ProposalInput = json_body(&state, &user, request).await?;
    let id = super::take(&state, &user, &input.entity, &input.month).await?;
    Ok((axum::http::StatusCode::CREATED, Json(CreatedJson { id })))
}
