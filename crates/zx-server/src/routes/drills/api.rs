//! Plans, drills and the yearly drill plan in the JSON API.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::{
    DrillInput, DrillsQuery, ImprovementMeasureInput, PlannedDrillInput, add_planned,
    improvement_to_measure, record_drill, view,
};
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::routes::{CreatedJson, json_body};
use crate::state::AppState;

/// One obligation in one period (safety.md §3).
#[derive(Debug, Serialize, ToSchema)]
pub struct ObligationJson {
    pub entity: String,
    /// `yearly`, or the on-site plan's code.
    pub obligation: String,
    /// `2026` or `2026-H1`.
    pub period: String,
    /// `done`, `due`, `overdue` or `not_required`.
    pub status: String,
    /// The period's last day when `due`.
    pub due_by: Option<String>,
}

/// One recorded drill.
#[derive(Debug, Serialize, ToSchema)]
pub struct DrillJson {
    pub entity: String,
    pub plan: String,
    pub date: String,
    pub joint_with: Option<String>,
}

/// One planned drill of a company's yearly plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlannedDrillJson {
    pub id: i64,
    pub entity: String,
    pub plan: String,
    pub due: String,
    pub scenario: String,
    pub joint_with: String,
    /// `planned`, `due_soon`, `overdue`, `done` or `cancelled`.
    pub state: String,
    /// The date of the drill that counted for it.
    pub done_on: Option<String>,
    /// Why it was cancelled (state `cancelled`).
    pub cancel_reason: Option<String>,
}

/// A drill's report and its improvements.
#[derive(Debug, Serialize, ToSchema)]
pub struct DrillReportJson {
    pub id: i64,
    pub entity: String,
    pub plan: String,
    pub date: String,
    pub scenario: String,
    pub participants: String,
    pub evaluation: String,
    pub joint_with: Option<String>,
    pub improvements: Vec<ImprovementJson>,
}

/// An improvement found in a drill; `measure` once it became one.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImprovementJson {
    pub id: i64,
    pub text: String,
    pub measure: Option<i64>,
}

/// The drill registers of a subtree as of a date.
#[derive(Debug, Serialize, ToSchema)]
pub struct DrillsJson {
    pub entity: String,
    pub as_of: String,
    pub obligations: Vec<ObligationJson>,
    pub drills: Vec<DrillJson>,
    pub planned: Vec<PlannedDrillJson>,
    pub reports: Vec<DrillReportJson>,
}

fn some(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

#[utoipa::path(get, path = "/api/v1/safety/drills", tag = "safety",
    params(("entity" = Option<String>, Query, description = "subtree root (default: the caller's)"),
           ("as_of" = Option<String>, Query, description = "YYYY-MM-DD (default: today in China)")),
    responses((status = 200, body = DrillsJson), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn drills(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<DrillsQuery>,
) -> ApiResult<Json<DrillsJson>> {
    let v = view(&state, &user, &q).await?;
    Ok(Json(DrillsJson {
        entity: v.entity,
        as_of: v.as_of.to_string(),
        obligations: v
            .obligations
            .into_iter()
            .map(|o| ObligationJson {
                entity: o.entity,
                obligation: o.obligation,
                period: o.period,
                status: o.status.to_owned(),
                due_by: some(o.due_by),
            })
            .collect(),
        drills: v
            .drills
            .into_iter()
            .map(|d| DrillJson {
                entity: d.entity,
                plan: d.plan,
                date: d.date,
                joint_with: some(d.joint_with),
            })
            .collect(),
        planned: v
            .planned
            .into_iter()
            .map(|p| PlannedDrillJson {
                id: p.id,
                entity: p.entity,
                plan: p.plan,
                due: p.due,
                scenario: p.scenario,
                joint_with: p.joint_with,
                state: p.state.to_owned(),
                done_on: some(p.done_on),
                cancel_reason: some(p.cancel_reason),
            })
            .collect(),
        reports: v
            .reports
            .into_iter()
            .map(|r| DrillReportJson {
                id: r.id,
                entity: r.entity,
                plan: r.plan,
                date: r.date,
                scenario: r.scenario,
                participants: r.participants,
                evaluation: r.evaluation,
                joint_with: some(r.joint_with),
                improvements: r
                    .improvements
                    .into_iter()
                    .map(|i| ImprovementJson {
                        id: i.id,
                        text: i.text,
                        measure: i.measure,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/safety/drills", tag = "safety", request_body = DrillInput,
    responses((status = 201, body = CreatedJson), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn post_drill(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<CreatedJson>)> {
    let input: DrillInput = json_body(&state, &user, request).await?;
    let id = record_drill(&state, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id })))
}

#[utoipa::path(post, path = "/api/v1/safety/drill-improvements/{id}/measure", tag = "safety",
    params(("id" = i64, Path, description = "the improvement")),
    request_body = ImprovementMeasureInput,
    responses((status = 201, body = CreatedJson), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn post_improvement_measure(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    axum::extract::Path(id): axum::extract::Path<i64>,
    request: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<CreatedJson>)> {
    let input: ImprovementMeasureInput = json_body(&state, &user, request).await?;
    let measure = improvement_to_measure(&state, &user, id, &input).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id: measure })))
}

#[utoipa::path(post, path = "/api/v1/safety/drill-plan", tag = "safety",
    request_body = PlannedDrillInput,
    responses((status = 201, body = CreatedJson), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn post_planned(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<CreatedJson>)> {
    let input: PlannedDrillInput = json_body(&state, &user, request).await?;
    let id = add_planned(&state, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id })))
}
