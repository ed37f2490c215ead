//! The R&D portfolio in the JSON API: the projects the caller may read, one project, and the
//! reconciliation of their spend with the reported R&D expenditure.

use axum::Json;
use axum::extract::{Path, State};
use utoipa::OpenApi;
use zx_api::rnd::{
    RndBudgetJson, RndGateJson, RndLateGateJson, RndPartnerJson, RndProjectJson,
    RndReconciliationJson, RndResultsJson, RndSpendJson,
};
use zx_app::rnd::Portfolio;

use crate::auth::ApiUser;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;

/// The paths of this resource, merged into the API's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(projects, project, reconciliation),
    components(schemas(
        RndProjectJson,
        RndGateJson,
        RndResultsJson,
        RndBudgetJson,
        RndSpendJson,
        RndPartnerJson,
        RndLateGateJson,
        RndReconciliationJson
    ))
)]
pub struct RndApi;

/// Every project of `portfolio` as JSON, late gates judged on `today`.
pub fn projects_json(portfolio: &Portfolio, today: chrono::NaiveDate) -> Vec<RndProjectJson> {
    let lines = portfolio.budget_lines();
    let late = portfolio.late_gates(today);
    portfolio
        .projects
        .iter()
        .map(|p| {
            let gate = late
                .iter()
                .find(|(l, _)| l.project.code == p.project.code)
                .map(|(_, g)| *g);
            RndProjectJson::new(
                p,
                &lines,
                &portfolio.spend,
                &portfolio.partners,
                gate.as_ref(),
            )
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/rnd/projects", tag = "rnd",
    responses((status = 200, body = [RndProjectJson], description = "The R&D projects of the entities the caller may read, with budgets against spend, spend, partners and the late gate (today in China)"),
        (status = 401, body = ErrorBody)))]
pub async fn projects(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<RndProjectJson>>> {
    let (_, portfolio) = super::portfolio(&state, &user).await?;
    Ok(Json(projects_json(&portfolio, state.today())))
}

#[utoipa::path(get, path = "/api/v1/rnd/projects/{code}", tag = "rnd",
    params(("code" = String, Path, description = "The project's code")),
    responses((status = 200, body = RndProjectJson, description = "One project"),
        (status = 404, body = ErrorBody, description = "No such project, or one outside the caller's scope")))]
pub async fn project(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<RndProjectJson>> {
    let (_, portfolio) = super::project(&state, &user, &code).await?;
    let mut list = projects_json(&portfolio, state.today());
    // `project` left exactly this one.
    Ok(Json(list.remove(0)))
}

#[utoipa::path(get, path = "/api/v1/rnd/reconciliation", tag = "rnd",
    responses((status = 200, body = [RndReconciliationJson], description = "Per entity and month (from each entity's first spend month through the latest month with data), the projects' spend against the entity's own reported rd_expenditure; `flagged` over max(5 % of reported, 10,000 yuan)"),
        (status = 401, body = ErrorBody)))]
pub async fn reconciliation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<RndReconciliationJson>>> {
    let (snapshot, portfolio) = super::portfolio(&state, &user).await?;
    let rows = super::reconciliation(&state, &snapshot, &portfolio);
    Ok(Json(rows.iter().map(RndReconciliationJson::from).collect()))
}
