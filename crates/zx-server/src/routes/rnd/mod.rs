//! The R&D project portfolio: `/rnd` (views by stage and field, budget against spend, late
//! gates, the reconciliation with reported R&D expenditure, the register as a workbook out and
//! in), a project's page, and the JSON API. Scope as everywhere: a project is seen when its
//! entity is (`Access::can_read`), written when the caller may submit its entity's data; one
//! outside the caller's scope is `not_found`, never its content.
//!
//! [`flags`] is what the collection grid shows: the entity-months whose projects' spend differs
//! from the reported `rd_expenditure` by more than the tolerance.

pub mod api;
pub mod pages;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use zx_app::Snapshot;
use zx_app::rnd::Portfolio;
use zx_domain::rnd::Reconciliation;
use zx_domain::{EntityCode, Month};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// The routes of this resource, merged into the route table.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rnd", get(pages::portfolio))
        .route("/rnd/register.xlsx", get(pages::export))
        .route("/rnd/import", post(pages::import))
        .route("/rnd/projects/{code}", get(pages::project))
        .route("/api/v1/rnd/projects", get(api::projects))
        .route("/api/v1/rnd/projects/{code}", get(api::project))
        .route("/api/v1/rnd/reconciliation", get(api::reconciliation))
}

/// The register as the caller may see it, with the snapshot it was read against.
pub async fn portfolio(
    state: &AppState,
    user: &CurrentUser,
) -> ApiResult<(Arc<Snapshot>, Portfolio)> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let visible = |code: &EntityCode| {
        tree.id(code)
            .is_some_and(|id| user.access.can_read(tree, id))
    };
    let portfolio = zx_app::rnd::load(&*state.store, &visible).await?;
    Ok((snapshot, portfolio))
}

/// One project the caller may see: `not_found` otherwise, whether it exists or not.
pub async fn project(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
) -> ApiResult<(Arc<Snapshot>, Portfolio)> {
    let (snapshot, mut portfolio) = portfolio(state, user).await?;
    if portfolio.project(code).is_none() {
        return Err(
            ApiError::new(ErrorCode::NotFound, format!("no R&D project {code}"))
                .zh(format!("没有研发项目 {code}")),
        );
    }
    portfolio.projects.retain(|p| p.project.code == code);
    portfolio.budgets.retain(|b| b.project == code);
    portfolio.spend.retain(|s| s.project == code);
    portfolio.partners.retain(|p| p.project == code);
    Ok((snapshot, portfolio))
}

/// The reconciliation of the portfolio's entities through the latest month with data, with
/// the tolerance of `[rnd]`.
pub fn reconciliation(
    state: &AppState,
    snapshot: &Snapshot,
    portfolio: &Portfolio,
) -> Vec<Reconciliation> {
    let fallback =
        zx_app::china_month(state.now()).unwrap_or_else(|| snapshot.engine.ledger().first_month());
    let through = zx_app::rnd::through_month(snapshot, fallback);
    zx_app::rnd::reconcile(
        snapshot,
        &portfolio.spend_lines(),
        through,
        state.settings.rnd.tolerance(),
    )
}

/// The flagged entity-months of the caller's scope, for the collection grid and HQ's review.
pub async fn flags(
    state: &AppState,
    user: &CurrentUser,
) -> ApiResult<BTreeMap<(EntityCode, Month), Reconciliation>> {
    let (snapshot, portfolio) = portfolio(state, user).await?;
    Ok(reconciliation(state, &snapshot, &portfolio)
        .into_iter()
        .filter(Reconciliation::flagged)
        .map(|r| ((r.entity.clone(), r.month), r))
        .collect())
}

/// The entities whose register the caller may write: `None` for HQ (all), else the entities
/// where it may submit data; a viewer none.
pub fn writable(
    user: &CurrentUser,
    snapshot: &Snapshot,
) -> ApiResult<Option<BTreeSet<EntityCode>>> {
    if user.access.role == zx_domain::Role::Viewer {
        return Err(
            ApiError::new(ErrorCode::Forbidden, "viewers cannot change anything")
                .zh("查看者不能修改数据"),
        );
    }
    if user.access.is_hq() {
        return Ok(None);
    }
    let tree = snapshot.engine.tree();
    Ok(Some(
        tree.entities()
            .iter()
            .filter(|e| {
                tree.id(&e.code)
                    .is_some_and(|id| user.access.can_submit(tree, id))
            })
            .map(|e| e.code.clone())
            .collect(),
    ))
}
