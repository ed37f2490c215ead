//! The risk register, the four-colour map, site exposures, warnings and alerts in the JSON API.

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use zx_api::safety_risks::{
    ExposureJson, LevelCountsJson, RiskInput, RiskJson, RiskMapJson, RiskMapRowJson,
    WarningAlertJson, WarningInput, WarningsAddedJson,
};
use zx_domain::EntityKind;
use zx_domain::safety::risks::{group_map, plant_map};

use super::{risks_under, root};
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::routes::{CreatedJson, json_body};
use crate::state::AppState;

/// The paths of this resource, merged into the API's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        risks,
        save_risk,
        retire,
        risk_map,
        exposures,
        put_exposures,
        alerts,
        add_warning,
        acknowledge
    ),
    components(schemas(
        RiskJson,
        RiskInput,
        RiskMapJson,
        RiskMapRowJson,
        LevelCountsJson,
        ExposureJson,
        WarningAlertJson,
        WarningInput,
        WarningsAddedJson,
        AckInput,
        RetireInput
    ))
)]
pub struct RisksApi;

#[derive(Debug, Deserialize, IntoParams)]
pub struct RisksQuery {
    /// Root of the subtree (default: the caller's home entity).
    pub entity: Option<String>,
    /// `true`: retired risks too.
    #[serde(default)]
    pub all: bool,
}

#[utoipa::path(get, path = "/api/v1/safety/risks", tag = "safety", params(RisksQuery),
    responses((status = 200, body = [RiskJson], description = "The risks of the subtree the caller may read"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn risks(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<RisksQuery>,
) -> ApiResult<Json<Vec<RiskJson>>> {
    let (snapshot, root) = root(&state, &user, query.entity.as_deref()).await?;
    let bands = &state.safety_rules.bands;
    let list = risks_under(&state, &user, &snapshot, root, query.all).await?;
    Ok(Json(list.iter().map(|r| RiskJson::of(r, bands)).collect()))
}

#[utoipa::path(post, path = "/api/v1/safety/risks", tag = "safety", request_body = RiskInput,
    responses((status = 201, body = CreatedJson, description = "Registered or changed (`id` given)"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_risk(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: Request,
) -> ApiResult<(axum::http::StatusCode, Json<CreatedJson>)> {
    let input: RiskInput = json_body(&state, &user, request).await?;
    let id = super::save_risk(&state, &user, &input).await?;
    Ok((axum::http::StatusCode::CREATED, Json(CreatedJson { id })))
}

#[utoipa::path(get, path = "/api/v1/safety/risk-map", tag = "safety", params(RisksQuery),
    responses((status = 200, body = RiskMapJson, description = "A plant's map by area, a group's by entity"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn risk_map(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<RisksQuery>,
) -> ApiResult<Json<RiskMapJson>> {
    let (snapshot, root) = root(&state, &user, query.entity.as_deref()).await?;
    Ok(Json(map_json(&state, &user, &snapshot, root).await?))
}

/// The map of `root`: by area for a plant, by entity above it.
pub async fn map_json(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    snapshot: &zx_app::Snapshot,
    root: zx_domain::EntityId,
) -> ApiResult<RiskMapJson> {
    let tree = snapshot.engine.tree();
    let bands = &state.safety_rules.bands;
    let list = risks_under(state, user, snapshot, root, false).await?;
    let risks: Vec<_> = list.iter().map(|r| &r.risk).collect();
    let highest =
        |c: &zx_domain::safety::risks::LevelCounts| c.highest().map(|l| l.code().to_owned());
    let entity = tree.entity(root);
    if entity.kind == EntityKind::Plant {
        let rows = plant_map(risks.iter().copied(), bands);
        let mut total = zx_domain::safety::risks::LevelCounts::default();
        for r in &risks {
            total.add(r.level(bands));
        }
        return Ok(RiskMapJson {
            entity: entity.code.to_string(),
            by: "area".into(),
            rows: rows
                .iter()
                .map(|r| RiskMapRowJson {
                    key: r.area.clone(),
                    counts: (&r.counts).into(),
                    highest: highest(&r.counts),
                })
                .collect(),
            total: (&total).into(),
        });
    }
    let (rows, total) = group_map(tree, root, risks.iter().copied(), bands);
    Ok(RiskMapJson {
        entity: entity.code.to_string(),
        by: "entity".into(),
        rows: rows
            .iter()
            .map(|r| RiskMapRowJson {
                key: tree.entity(r.entity).code.to_string(),
                counts: (&r.counts).into(),
                highest: highest(&r.counts),
            })
            .collect(),
        total: (&total).into(),
    })
}

#[utoipa::path(get, path = "/api/v1/safety/exposures", tag = "safety", params(RisksQuery),
    responses((status = 200, body = [ExposureJson], description = "The sites' exposures in the subtree")))]
pub async fn exposures(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<RisksQuery>,
) -> ApiResult<Json<Vec<ExposureJson>>> {
    let (snapshot, root) = root(&state, &user, query.entity.as_deref()).await?;
    let tree = snapshot.engine.tree();
    Ok(Json(
        state
            .store
            .site_exposures()
            .await?
            .iter()
            .filter(|x| {
                tree.id(&x.entity)
                    .is_some_and(|id| tree.is_within(id, root) && user.access.can_read(tree, id))
            })
            .map(ExposureJson::from)
            .collect(),
    ))
}

#[utoipa::path(put, path = "/api/v1/safety/exposures", tag = "safety", request_body = [ExposureJson],
    responses((status = 200, body = usize, description = "How many exposures changed"),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_exposures(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: Request,
) -> ApiResult<Json<usize>> {
    let input: Vec<ExposureJson> = json_body(&state, &user, request).await?;
    Ok(Json(super::set_exposures(&state, &user, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/safety/warnings", tag = "safety",
    responses((status = 200, body = [WarningAlertJson], description = "Every alert of the plants the caller may read, newest warning first")))]
pub async fn alerts(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<WarningAlertJson>>> {
    let views = super::visible_alerts(&state, &user).await?;
    let lists = &state.safety_rules.checklists;
    Ok(Json(
        views.iter().map(|v| super::alert_json(lists, v)).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/safety/warnings", tag = "safety", request_body = WarningInput,
    responses((status = 201, body = WarningsAddedJson, description = "The warning and the alerts of the affected plants in the caller's scope"),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_warning(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: Request,
) -> ApiResult<(axum::http::StatusCode, Json<WarningsAddedJson>)> {
    let input: WarningInput = json_body(&state, &user, request).await?;
    let warning = super::warning_from_input(&input)?;
    let (warnings, alerts) = super::add_warnings(&state, &user, vec![warning], "api").await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(WarningsAddedJson { warnings, alerts }),
    ))
}

/// What the plant says it did.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AckInput {
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/safety/warning-alerts/{id}/acknowledge", tag = "safety",
    params(("id" = i64, Path, description = "The alert")), request_body = AckInput,
    responses((status = 200, body = WarningAlertJson, description = "Acknowledged"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    request: Request,
) -> ApiResult<Json<WarningAlertJson>> {
    let input: AckInput = json_body(&state, &user, request).await?;
    let view = super::acknowledge(&state, &user, id, &input.note).await?;
    Ok(Json(super::alert_json(
        &state.safety_rules.checklists,
        &view,
    )))
}

/// Why a risk is retired.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RetireInput {
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/safety/risks/{id}/retire", tag = "safety",
    params(("id" = i64, Path, description = "The risk")), request_body = RetireInput,
    responses((status = 200, body = RiskJson, description = "Retired: off the maps and the open list, in the register with `all=true`"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn retire(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    request: Request,
) -> ApiResult<Json<RiskJson>> {
    let input: RetireInput = json_body(&state, &user, request).await?;
    super::retire_risk(&state, &user, id, &input.reason).await?;
    let stored = state
        .store
        .risk(id)
        .await?
        .ok_or_else(|| ApiError::internal("the retired risk is stored"))?;
    Ok(Json(RiskJson::of(&stored, &state.safety_rules.bands)))
}
