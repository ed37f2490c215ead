//! The measures list and the gaps (red indicators without a measure) in the JSON API.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa::IntoParams;
use zx_api::GapJson;

use super::as_of_date;
use crate::auth::ApiUser;
use crate::error::{ApiResult, ErrorBody};
use crate::routes::cockpit::PeriodQuery;
use crate::scope::{entity_or_home, parse_period};
use crate::state::AppState;

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
    let root = entity_or_home(
        &snapshot,
        &user,
        query.entity.as_deref(),
        "no entity in scope",
    )?;
    let as_of = as_of_date(query.as_of.as_deref(), state.today())?;
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

#[utoipa::path(get, path = "/api/v1/measures/gaps", tag = "measures", params(PeriodQuery),
    responses((status = 200, body = [GapJson], description = "Red indicators without a planned or in-progress measure, in the caller's scope")))]
pub async fn gaps(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<PeriodQuery>,
) -> ApiResult<Json<Vec<GapJson>>> {
    let snapshot = state.snapshot().await?;
    let Some(home) = user.access.home(snapshot.engine.tree()) else {
        return Ok(Json(Vec::new()));
    };
    let period = parse_period(
        &state,
        &snapshot,
        home,
        query.period.as_deref(),
        query.basis.as_deref(),
    )
    .await?;
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
