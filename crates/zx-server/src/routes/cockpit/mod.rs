//! The cockpit (indicators of an entity and its children, ranking, trend, verdicts), the
//! explanation of one indicator, and their parameters, shared by the pages and the API.
//! `crate::views` builds the view model; this is where a request becomes its arguments.

pub mod api;
pub mod pages;

use serde::Deserialize;
use utoipa::IntoParams;
use zx_api::MonthProgressJson;
use zx_domain::EntityId;

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::scope::ChosenPeriod;
use crate::state::AppState;
use crate::views::{self, Cockpit, CockpitRequest};

/// Period selection shared by the KPI endpoints.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// `YYYY-MM`; default: the latest month complete for the entity's subtree (every expected
    /// unit submitted), else the latest month with data.
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

/// The cockpit of entity `id` (already checked against the caller's scope) for the period
/// chosen (`scope::choose_period`), with how complete that month's collection is.
pub async fn cockpit_view(
    state: &AppState,
    user: &CurrentUser,
    snapshot: &crate::state::Snapshot,
    id: EntityId,
    chosen: &ChosenPeriod,
    query: &CockpitQuery,
) -> ApiResult<Cockpit> {
    let measures = state.store.measures().await?;
    let tree = snapshot.engine.tree();
    let period = chosen.period;
    let mut view = views::cockpit(
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
    );
    // The group's cockpit lists what the year will probably miss (HQ's view of its units).
    if tree.parent(id).is_none() && view.subtotal.is_none() {
        view.will_miss = crate::routes::forecast::will_miss_lines(
            &snapshot.engine,
            &snapshot.targets,
            &user.access,
            id,
            period.end,
            user.lang,
        );
    }
    let policy = state.collection_policy();
    view.collection = Some(MonthProgressJson::new(tree, &policy, &chosen.shown));
    view.passed_over = chosen
        .passed_over
        .as_ref()
        .map(|p| MonthProgressJson::new(tree, &policy, p));
    Ok(view)
}
