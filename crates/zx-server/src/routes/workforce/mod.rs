//! Workforce movement and labour productivity (能进能出, 减员增效): `/workforce` (one page per
//! entity: headcount against plan, dispatched labour against its legal 10 %, hires by channel,
//! exits by reason, labour cost and value added per person against last year and the target,
//! each unit below) and `GET /api/v1/workforce`, both from `zx_app::workforce::report`, the
//! service behind `zx workforce`. Scope as everywhere: the entity asked about must lie in the
//! caller's subtree (default the caller's home); its units are the children the caller may read.

pub mod api;
pub mod pages;

use axum::Router;
use axum::routing::get;
use serde::Deserialize;
use utoipa::IntoParams;
use zx_app::workforce::WorkforceReport;
use zx_domain::EntityId;

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::scope::{choose_period, entity_or_home};
use crate::state::{AppState, Snapshot};

/// The routes of this resource, merged into the route table.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workforce", get(pages::workforce))
        .route("/api/v1/workforce", get(api::workforce))
}

/// Which entity and month.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct WorkforceParams {
    /// An entity's code (one in the caller's scope); default: the caller's home entity.
    pub entity: Option<String>,
    /// `YYYY-MM`, year to date at that month; default: the cockpit's month for the entity.
    pub period: Option<String>,
}

/// The report a request asks for, inside the caller's scope, with the entity it is about.
pub async fn ask(
    state: &AppState,
    snapshot: &Snapshot,
    user: &CurrentUser,
    params: &WorkforceParams,
) -> ApiResult<(EntityId, WorkforceReport)> {
    let entity = entity_or_home(
        snapshot,
        user,
        params.entity.as_deref(),
        user.lang.pick(
            "您的账号未绑定可查看的单位",
            "your account has no entity to show",
        ),
    )?;
    let chosen = choose_period(state, snapshot, entity, params.period.as_deref(), None).await?;
    let engine = &snapshot.engine;
    let mut report =
        zx_app::workforce::report(engine, &snapshot.targets, entity, chosen.period.end);
    report
        .units
        .retain(|unit| user.access.can_read(engine.tree(), unit.entity));
    Ok((entity, report))
}
