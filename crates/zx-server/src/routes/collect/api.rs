//! Submissions and the collection state in the JSON API.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zx_api::SubmissionJson;

use super::grid;
use crate::auth::ApiUser;
use crate::error::{ApiResult, ErrorBody};
use crate::scope::{entity_or_home, year_or_latest};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/submissions", tag = "collection",
    responses((status = 200, body = [SubmissionJson], description = "HQ sees all; others their own")))]
pub async fn submissions(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<SubmissionJson>>> {
    let list = state.store.submissions().await?;
    Ok(Json(
        list.into_iter()
            .filter(|s| user.access.is_hq() || s.user == user.user.name)
            .map(|s| SubmissionJson::from(&s))
            .collect(),
    ))
}

/// The collection state of one entity for each month of a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionRowJson {
    pub entity: String,
    pub name: String,
    /// `none` (not submitted), `submitted`, `approved`, `returned`, `locked`, one per month.
    pub months: Vec<String>,
    /// One per month: the workflow state once something was filed or locked, else `missing`
    /// (expected, past its deadline), `due` (expected, before its deadline), `not_yet` (the
    /// month is not over) or `not_expected` (the unit has no figures of its own to submit).
    pub verdicts: Vec<String>,
    /// One per month: the day its figures are due (`YYYY-MM-DD`).
    pub deadlines: Vec<String>,
    /// Months counted as missing (expected and past their deadline without a submission).
    pub missing: usize,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CollectionQuery {
    pub year: Option<i32>,
    /// Root of the subtree (default: the caller's home entity).
    pub entity: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/collection", tag = "collection", params(CollectionQuery),
    responses((status = 200, body = [CollectionRowJson]), (status = 403, body = ErrorBody)))]
pub async fn collection(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<CollectionQuery>,
) -> ApiResult<Json<Vec<CollectionRowJson>>> {
    let snapshot = state.snapshot().await?;
    let root = entity_or_home(
        &snapshot,
        &user,
        query.entity.as_deref(),
        "no entity in scope",
    )?;
    let year = year_or_latest(&snapshot, query.year, state.today());
    let (_, rows) = grid(&state, &user, root, year).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| CollectionRowJson {
                entity: r.code,
                name: r.name,
                months: r.cells.iter().map(|c| c.state.to_owned()).collect(),
                verdicts: r.cells.iter().map(|c| c.verdict_code.to_owned()).collect(),
                deadlines: r.cells.iter().map(|c| c.deadline.to_string()).collect(),
                missing: r.missing,
            })
            .collect(),
    ))
}
