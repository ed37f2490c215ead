//! Submissions and the collection state in the JSON API.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zx_api::SubmissionJson;

use super::{grid, review};
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::routes::json_body;
use crate::scope::{entity_or_home, year_or_latest};
use crate::state::AppState;
use zx_app::collect::Reviewed;

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
    /// One per month: the R&D reconciliation's flag (its projects' spend differs from the
    /// reported `rd_expenditure` beyond the tolerance, in the caller's language) or null.
    pub rnd_flags: Vec<Option<String>>,
    /// One list per month: the figures far out of line with the entity's own history (its
    /// reported items, and the six indicators of its consolidated month), for a look before
    /// approving.
    pub outliers: Vec<Vec<zx_api::OutlierJson>>,
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
                rnd_flags: r.cells.iter().map(|c| c.rnd_flag.clone()).collect(),
                outliers: r
                    .cells
                    .iter()
                    .map(|c| c.outliers.iter().map(|o| o.json.clone()).collect())
                    .collect(),
            })
            .collect(),
    ))
}

/// HQ's review of one month, as the page's form sends it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PeriodStateInput {
    pub entity: String,
    /// `YYYY-MM`.
    pub month: String,
    /// `approved`, `returned` (needs a comment), `locked` (with the units below) or
    /// `submitted` (reopen).
    pub state: String,
    pub comment: Option<String>,
    /// Lock although units below have not submitted the month (audited with their names).
    #[serde(default)]
    pub force: bool,
}

/// The state recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodStateJson {
    pub entity: String,
    pub month: String,
    pub state: String,
}

#[utoipa::path(post, path = "/api/v1/collection/state", tag = "collection",
    request_body = PeriodStateInput,
    responses((status = 200, body = PeriodStateJson), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "units_not_submitted: the lock needs force"),
        (status = 422, body = ErrorBody)))]
pub async fn set_state(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: axum::extract::Request,
) -> ApiResult<Json<PeriodStateJson>> {
    let input: PeriodStateInput = json_body(&state, &user, request).await?;
    let (month, reviewed) = review(
        &state,
        &user,
        &input.entity,
        &input.month,
        &input.state,
        input.comment,
        input.force,
    )
    .await?;
    match reviewed {
        Reviewed::Done => Ok(Json(PeriodStateJson {
            entity: input.entity,
            month: month.to_string(),
            state: input.state,
        })),
        Reviewed::NeedsConfirmation { missing } => {
            let names: Vec<String> = missing.iter().map(|(c, n)| format!("{c} {n}")).collect();
            let lang = user.lang;
            Err(ApiError::new(
                ErrorCode::UnitsNotSubmitted,
                format!(
                    "{} {month}: {} {}: {}; {}",
                    input.entity,
                    missing.len(),
                    lang.pick("个单位未报送", "units have not submitted"),
                    names.join(lang.pick("、", ", ")),
                    lang.pick(
                        "确认锁定请发送 force: true",
                        "send force: true to lock anyway"
                    )
                ),
            ))
        }
    }
}
