//! Scope guards and request parameters every resource shares: the entity a request names,
//! checked against the caller's subtree, and the period it asks for.
//!
//! Every handler that touches an entity goes through [`entity_in_scope`] (or filters with
//! `Access::can_read`); row-level security is the domain's (`zx_domain::access`), applied here
//! before anything is read, never in templates.

use chrono::{Datelike, NaiveDate};
use zx_app::load_filings;
use zx_domain::collection::MonthProgress;
use zx_domain::{Basis, EntityId, Month, Period};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::{AppState, Snapshot};

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

/// The entity a request names (checked by [`entity_in_scope`]) or, when it names none, the
/// caller's home entity; a caller without one is refused with `message`.
pub fn entity_or_home(
    snapshot: &Snapshot,
    user: &CurrentUser,
    code: Option<&str>,
    message: &str,
) -> ApiResult<EntityId> {
    match code.filter(|c| !c.is_empty()) {
        Some(code) => entity_in_scope(snapshot, user, code),
        None => user
            .access
            .home(snapshot.engine.tree())
            .ok_or_else(|| ApiError::new(ErrorCode::Forbidden, message.to_owned())),
    }
}

/// The period a request asks for and how complete its month's collection is.
pub struct ChosenPeriod {
    pub period: Period,
    /// The collection of the month shown, for the entity's subtree.
    pub shown: MonthProgress,
    /// Without an explicit period: the later month with data that was passed over because it
    /// is partial (the latest month with any data).
    pub passed_over: Option<MonthProgress>,
}

/// Parses `period`/`basis` (default: year to date). An explicit period is always honoured;
/// without one, the latest month complete for `root`'s subtree (every expected unit submitted,
/// `zx_domain::collection`): one plant's early upload does not blank everyone's cockpit. With
/// no complete month at all, the latest month with data.
pub async fn choose_period(
    state: &AppState,
    snapshot: &Snapshot,
    root: EntityId,
    period: Option<&str>,
    basis: Option<&str>,
) -> ApiResult<ChosenPeriod> {
    let basis = match basis {
        None | Some("") => Basis::Ytd,
        Some(text) => Basis::parse(text).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("basis: \"{text}\" is not ytd or month"),
            )
        })?,
    };
    let engine = &snapshot.engine;
    let tree = engine.tree();
    let policy = state.collection_policy();
    if let Some(text) = period.filter(|t| !t.is_empty()) {
        let month = Month::parse(text).map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("period: \"{text}\" {e}"),
            )
        })?;
        let filings = load_filings(&*state.store, engine, month.year()..=month.year()).await?;
        return Ok(ChosenPeriod {
            period: Period::new(month, basis),
            shown: policy.progress(tree, &filings, root, month),
            passed_over: None,
        });
    }
    let last = engine
        .last_month()
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidParameter, "no data yet: give a period"))?;
    let first = engine.ledger().first_month();
    // The states of this year and the last settle nearly every request; older years are read
    // only when no month of those two is complete.
    let recent = first.max(Month::new(last.year() - 1, 1).unwrap_or(first));
    let filings = load_filings(&*state.store, engine, recent.year()..=last.year()).await?;
    let mut month = policy.latest_complete(tree, &filings, root, recent, last);
    let filings = if month.is_none() && first < recent {
        let all = load_filings(&*state.store, engine, first.year()..=last.year()).await?;
        month = policy.latest_complete(tree, &all, root, first, last);
        all
    } else {
        filings
    };
    let month = month.unwrap_or(last);
    Ok(ChosenPeriod {
        period: Period::new(month, basis),
        shown: policy.progress(tree, &filings, root, month),
        passed_over: (month != last).then(|| policy.progress(tree, &filings, root, last)),
    })
}

/// The period of [`choose_period`], for requests that do not show the collection.
pub async fn parse_period(
    state: &AppState,
    snapshot: &Snapshot,
    root: EntityId,
    period: Option<&str>,
    basis: Option<&str>,
) -> ApiResult<Period> {
    Ok(choose_period(state, snapshot, root, period, basis)
        .await?
        .period)
}

/// The year a request asks for, or else the year of the latest month with data, or else this
/// year in China (a database without data yet), the year of `today`.
pub fn year_or_latest(snapshot: &Snapshot, year: Option<i32>, today: NaiveDate) -> i32 {
    year.or_else(|| snapshot.engine.last_month().map(|m| m.year()))
        .unwrap_or_else(|| today.year())
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
