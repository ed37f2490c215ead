//! Scope guards and request parameters every resource shares: the entity a request names,
//! checked against the caller's subtree, and the period it asks for.
//!
//! Every handler that touches an entity goes through [`entity_in_scope`] (or filters with
//! `Access::can_read`); row-level security is the domain's (`zx_domain::access`), applied here
//! before anything is read, never in templates.

use chrono::{Datelike, NaiveDate};
use zx_domain::{Basis, EntityId, Month, Period};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::Snapshot;

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
            .zh(format!(
                "口径：“{text}”应为 ytd（本年累计）或 month（当月）"
            ))
        })?,
    };
    let month = match period {
        Some(text) if !text.is_empty() => Month::parse(text).map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("period: \"{text}\" {e}"),
            )
            .zh(format!("期间：“{text}”不是有效的月份（YYYY-MM）"))
        })?,
        _ => snapshot.engine.last_month().ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidParameter, "no data yet: give a period")
                .zh("尚无数据：请指定期间")
        })?,
    };
    Ok(Period::new(month, basis))
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
            .zh(format!("指标目录中没有指标“{indicator}”"))
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
