//! The JSON API under `/api/v1`: everything the pages show, for scripts. Same scope rules as
//! the pages: an entity outside the caller's subtree answers 403 and no data.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use zx_api::{ExplainJson, KpiJson};
use zx_domain::{Basis, EntityId, Month, Period};
use zx_store::AuditFilter;

use crate::auth::{ApiUser, CurrentUser};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::state::{AppState, Snapshot};
use crate::views::{self, Cockpit, CockpitRequest};

/// Period selection shared by the KPI endpoints.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// `YYYY-MM`; default: the latest month with data.
    pub period: Option<String>,
    /// `ytd` (default) or `month`.
    pub basis: Option<String>,
}

/// Cockpit options.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CockpitQuery {
    pub period: Option<String>,
    pub basis: Option<String>,
    /// Indicator id to rank the children on.
    pub rank: Option<String>,
    pub region: Option<String>,
    pub segment: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExplainQuery {
    pub period: Option<String>,
    pub basis: Option<String>,
    /// Indicator id, e.g. `roe`.
    pub indicator: String,
}

/// The entity, checked against the caller's scope: unknown → 404, outside → 403.
pub fn entity_in_scope(snapshot: &Snapshot, user: &CurrentUser, code: &str) -> ApiResult<EntityId> {
    let tree = snapshot.engine.tree();
    let Some(id) = tree.id_of(code) else {
        return Err(ApiError::new(
            ErrorCode::EntityNotFound,
            format!(
                "{} \"{code}\"",
                user.lang.pick("没有这个单位编码：", "no entity with code")
            ),
        ));
    };
    if !user.access.can_read(tree, id) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "{} \"{code}\"",
                user.lang.pick(
                    "无权查看该单位（不在您的管辖范围内）：",
                    "outside your scope: entity"
                )
            ),
        ));
    }
    Ok(id)
}

/// Parses `period`/`basis`, defaulting to the latest month with data, year to date.
pub fn parse_period(
    snapshot: &Snapshot,
    period: Option<&str>,
    basis: Option<&str>,
) -> ApiResult<Period> {
    let basis = match basis {
        None | Some("") => Basis::Ytd,
        Some(text) => Basis::parse(text).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("basis: \"{text}\" is not ytd or month"),
            )
        })?,
    };
    let month = match period {
        Some(text) if !text.is_empty() => Month::parse(text).map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("period: \"{text}\" {e}"),
            )
        })?,
        _ => snapshot.engine.last_month().ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidParameter, "no data yet: give a period")
        })?,
    };
    Ok(Period::new(month, basis))
}

/// The explanation of an indicator, showing only the children the user may see (a defence in
/// depth: a user who may read an entity may read its subtree anyway).
pub fn scoped_explanation(
    snapshot: &Snapshot,
    user: &CurrentUser,
    id: EntityId,
    period: Period,
    indicator: &str,
) -> ApiResult<zx_domain::Explanation> {
    let index = snapshot
        .engine
        .catalogue()
        .indicator_index(indicator)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::IndicatorNotFound,
                format!("no indicator \"{indicator}\" in the catalogue"),
            )
        })?;
    let mut explanation = snapshot.engine.explain(id, period, index);
    let tree = snapshot.engine.tree();
    for input in &mut explanation.inputs {
        input
            .children
            .retain(|(child, _)| user.access.can_read(tree, *child));
    }
    Ok(explanation)
}

/// An entity in a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityJson {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    pub kind: &'static str,
    pub region: String,
    pub segment: String,
    pub depth: usize,
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeJson {
    pub name: String,
    pub role: &'static str,
    pub entity: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = MeJson), (status = 401, body = ErrorBody)))]
pub async fn me(ApiUser(user): ApiUser) -> Json<MeJson> {
    Json(MeJson {
        name: user.user.name.clone(),
        role: user.user.role.as_str(),
        entity: user.user.entity.as_ref().map(|e| e.to_string()),
    })
}

#[utoipa::path(get, path = "/api/v1/entities", tag = "entities",
    responses((status = 200, body = [EntityJson]), (status = 401, body = ErrorBody)))]
pub async fn entities(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<EntityJson>>> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let mut list = Vec::new();
    for root in tree.roots() {
        for id in tree.subtree(root) {
            if !user.access.can_read(tree, id) {
                continue;
            }
            let e = tree.entity(id);
            list.push(EntityJson {
                code: e.code.to_string(),
                name: e.name.clone(),
                parent: e.parent.as_ref().map(|p| p.to_string()),
                kind: e.kind.as_str(),
                region: e.region.clone(),
                segment: e.segment.clone(),
                depth: tree.depth(id),
            });
        }
    }
    Ok(Json(list))
}

#[utoipa::path(get, path = "/api/v1/entities/{code}/kpi", tag = "kpi", params(("code" = String, Path), PeriodQuery),
    responses((status = 200, body = KpiJson, description = "Exactly the JSON of `zx kpi --format json`"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn kpi(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> ApiResult<Json<KpiJson>> {
    let snapshot = state.snapshot().await?;
    let id = entity_in_scope(&snapshot, &user, &code)?;
    let period = parse_period(&snapshot, query.period.as_deref(), query.basis.as_deref())?;
    let report = snapshot.engine.kpi(id, period, &snapshot.targets);
    Ok(Json(zx_api::kpi_json(&snapshot.engine, &report, user.lang)))
}

#[utoipa::path(get, path = "/api/v1/entities/{code}/explain", tag = "kpi", params(("code" = String, Path), ExplainQuery),
    responses((status = 200, body = ExplainJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn explain(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    Query(query): Query<ExplainQuery>,
) -> ApiResult<Json<ExplainJson>> {
    let snapshot = state.snapshot().await?;
    let id = entity_in_scope(&snapshot, &user, &code)?;
    let period = parse_period(&snapshot, query.period.as_deref(), query.basis.as_deref())?;
    let explanation = scoped_explanation(&snapshot, &user, id, period, &query.indicator)?;
    Ok(Json(zx_api::explain_json(
        &snapshot.engine,
        &explanation,
        user.lang,
    )))
}

#[utoipa::path(get, path = "/api/v1/entities/{code}/cockpit", tag = "kpi", params(("code" = String, Path), CockpitQuery),
    responses((status = 200, body = Cockpit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn cockpit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    Query(query): Query<CockpitQuery>,
) -> ApiResult<Json<Cockpit>> {
    let snapshot = state.snapshot().await?;
    let id = entity_in_scope(&snapshot, &user, &code)?;
    let period = parse_period(&snapshot, query.period.as_deref(), query.basis.as_deref())?;
    let measures = state.store.measures().await?;
    Ok(Json(views::cockpit(
        &snapshot.engine,
        &snapshot.targets,
        &user.access,
        CockpitRequest {
            entity: id,
            period,
            rank_by: query.rank.as_deref(),
            region: query.region.as_deref().filter(|r| !r.is_empty()),
            segment: query.segment.as_deref().filter(|s| !s.is_empty()),
            lang: user.lang,
            measures: &measures,
        },
    )))
}

/// One audit line.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditJson {
    pub id: i64,
    pub at: String,
    pub user: String,
    pub action: String,
    pub object: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    pub user: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = [AuditJson]), (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditJson>>> {
    if !user.access.is_hq() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "the audit log is for HQ roles",
        ));
    }
    let entries = state
        .store
        .audit_log(&AuditFilter {
            user: query.user.filter(|s| !s.is_empty()),
            action: query.action.filter(|s| !s.is_empty()),
            object: query.object.filter(|s| !s.is_empty()),
            limit: Some(query.limit.unwrap_or(200).min(5000)),
        })
        .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditJson {
                id: e.id,
                at: e.at.to_rfc3339(),
                user: e.user,
                action: e.action,
                object: e.object,
                old: e.old_value,
                new: e.new_value,
            })
            .collect(),
    ))
}

/// One target in force.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TargetJson {
    pub entity: String,
    pub year: i32,
    pub indicator: String,
    /// Decimal string; ratios as fractions.
    pub value: String,
    /// For optimistic edits: send it back unchanged with `PUT`.
    pub revision: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TargetsQuery {
    pub year: Option<i32>,
}

#[utoipa::path(get, path = "/api/v1/targets", tag = "targets", params(TargetsQuery),
    responses((status = 200, body = [TargetJson])))]
pub async fn targets(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<TargetsQuery>,
) -> ApiResult<Json<Vec<TargetJson>>> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let mut list: Vec<TargetJson> = state
        .store
        .target_records()
        .await?
        .into_iter()
        .filter(|r| query.year.is_none_or(|y| r.target.year == y))
        .filter(|r| {
            tree.id(&r.target.entity)
                .is_some_and(|id| user.access.can_read(tree, id))
        })
        .map(|r| TargetJson {
            entity: r.target.entity.to_string(),
            year: r.target.year,
            indicator: r.target.indicator,
            value: zx_domain::format::exact(r.target.value),
            revision: Some(r.revision),
        })
        .collect();
    list.sort_by(|a, b| (&a.entity, a.year, &a.indicator).cmp(&(&b.entity, b.year, &b.indicator)));
    Ok(Json(list))
}

#[utoipa::path(put, path = "/api/v1/targets", tag = "targets", request_body = TargetJson,
    responses((status = 200, body = TargetJson), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put_target(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: axum::http::HeaderMap,
    Json(body): Json<TargetJson>,
) -> ApiResult<Json<TargetJson>> {
    let csrf = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    user.check_csrf(csrf)?;
    let saved = crate::targets::save_target(
        &state,
        &user,
        &body.entity,
        body.year,
        &body.indicator,
        &body.value,
        body.revision,
    )
    .await?;
    Ok(Json(saved))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Zengxiao API",
        description = "One benefit and five rates, consolidated through the group tree. Errors are {code, message} with stable codes."
    ),
    paths(
        me,
        entities,
        kpi,
        explain,
        cockpit,
        audit,
        targets,
        put_target,
        submissions,
        collection,
        measures,
        gaps,
        crate::followup::api_measure,
        crate::followup::api_create_measure,
        crate::followup::api_update_measure,
        crate::followup::api_add_attachment,
        crate::followup::api_add_milestone,
        crate::followup::api_complete_milestone,
        crate::followup::api_attachment,
        crate::followup::api_visits,
        crate::followup::api_create_visit,
        crate::emissions::pages::minutes_json
    ),
    components(schemas(
        ErrorBody,
        crate::followup::MeasureDetailJson,
        crate::followup::MeasureInput,
        crate::followup::UpdateInput,
        crate::followup::MilestoneInput,
        crate::followup::AttachmentJson,
        crate::followup::VisitJson,
        crate::followup::VisitInput,
        crate::followup::CreatedJson,
        crate::emissions::pages::ChartData,
        crate::emissions::pages::ChartFactor,
        MeJson,
        EntityJson,
        AuditJson,
        TargetJson,
        SubmissionJson,
        CollectionRowJson,
        GapJson
    ))
)]
pub struct ApiDoc;

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// One recorded submission (an imported file).
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionJson {
    pub id: i64,
    pub kind: String,
    pub file: String,
    pub sha256: String,
    pub user: String,
    pub at: String,
    pub rows: usize,
    pub inserted: usize,
    pub revised: usize,
    pub unchanged: usize,
}

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
            .map(|s| SubmissionJson {
                id: s.id,
                kind: s.kind,
                file: s.file_name,
                sha256: s.sha256,
                user: s.user,
                at: s.at.to_rfc3339(),
                rows: s.rows,
                inserted: s.inserted,
                revised: s.revised,
                unchanged: s.unchanged,
            })
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
    let root = match query.entity.as_deref().filter(|e| !e.is_empty()) {
        Some(code) => entity_in_scope(&snapshot, &user, code)?,
        None => user
            .access
            .home(snapshot.engine.tree())
            .ok_or_else(|| ApiError::new(ErrorCode::Forbidden, "no entity in scope"))?,
    };
    let year = query
        .year
        .or_else(|| snapshot.engine.last_month().map(|m| m.year()))
        .unwrap_or(2026);
    let (_, rows) = crate::collect::grid(&state, &user, root, year).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| CollectionRowJson {
                entity: r.code,
                name: r.name,
                months: r.cells.into_iter().map(|c| c.state.to_owned()).collect(),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MeasuresQuery {
    /// Root of the subtree (default: the caller's home entity).
    pub entity: Option<String>,
    /// `YYYY-MM-DD`, the date overdue is judged on (default: today in China).
    pub as_of: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/measures", tag = "measures", params(MeasuresQuery),
    responses((status = 200, body = zx_api::MeasuresJson, description = "The JSON of `zx measures list --format json`"),
        (status = 403, body = ErrorBody)))]
pub async fn measures(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<MeasuresQuery>,
) -> ApiResult<Json<zx_api::MeasuresJson>> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let root = match query.entity.as_deref().filter(|e| !e.is_empty()) {
        Some(code) => entity_in_scope(&snapshot, &user, code)?,
        None => user
            .access
            .home(tree)
            .ok_or_else(|| ApiError::new(ErrorCode::Forbidden, "no entity in scope"))?,
    };
    let as_of = match query.as_of.as_deref().filter(|d| !d.is_empty()) {
        Some(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("as_of: \"{text}\" is not YYYY-MM-DD"),
            )
        })?,
        None => zx_domain::measures::china_date(chrono::Utc::now()),
    };
    let list: Vec<zx_domain::Measure> = state
        .store
        .measures()
        .await?
        .into_iter()
        .filter(|m| {
            tree.id(&m.entity)
                .is_some_and(|id| tree.is_within(id, root) && user.access.can_read(tree, id))
        })
        .collect();
    Ok(Json(zx_api::measures_json(&list, as_of)))
}

/// A red indicator without an open measure.
#[derive(Debug, Serialize, ToSchema)]
pub struct GapJson {
    pub entity: String,
    pub indicator: String,
}

#[utoipa::path(get, path = "/api/v1/measures/gaps", tag = "measures", params(PeriodQuery),
    responses((status = 200, body = [GapJson], description = "Red indicators without a planned or in-progress measure, in the caller's scope")))]
pub async fn gaps(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<PeriodQuery>,
) -> ApiResult<Json<Vec<GapJson>>> {
    let snapshot = state.snapshot().await?;
    let period = parse_period(&snapshot, query.period.as_deref(), query.basis.as_deref())?;
    let measures = state.store.measures().await?;
    let tree = snapshot.engine.tree();
    let catalogue = snapshot.engine.catalogue();
    Ok(Json(
        zx_domain::measures::gaps(&snapshot.engine, &snapshot.targets, period, &measures)
            .into_iter()
            .filter(|g| user.access.can_read(tree, g.entity))
            .map(|g| GapJson {
                entity: tree.entity(g.entity).code.to_string(),
                indicator: catalogue.indicator(g.indicator).id.clone(),
            })
            .collect(),
    ))
}
