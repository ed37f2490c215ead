//! Targets: the list in force (filtered by the caller's scope) and editing one (HQ only),
//! shared by the page and the API.

pub mod api;
pub mod pages;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zx_domain::{Decimal, EntityCode, Target};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

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

/// Validates and stores one target with an optimistic revision check.
pub async fn save_target(
    state: &AppState,
    user: &CurrentUser,
    entity: &str,
    year: i32,
    indicator: &str,
    value: &str,
    revision: Option<i64>,
) -> ApiResult<TargetJson> {
    let lang = user.lang;
    if !user.access.is_hq() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            lang.pick("只有总部可以修改目标", "only HQ roles may edit targets"),
        ));
    }
    let snapshot = state.snapshot().await?;
    let code = EntityCode::parse(entity)
        .ok()
        .filter(|c| snapshot.engine.tree().id(c).is_some())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::EntityNotFound,
                format!("no entity with code \"{entity}\""),
            )
            .zh(format!("没有单位编码“{entity}”"))
        })?;
    if !(1900..=2999).contains(&year) {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("year: {year} is not between 1900 and 2999"),
        )
        .zh(format!("年度：{year} 不在 1900 至 2999 之间")));
    }
    if state.catalogue.indicator_index(indicator).is_none() {
        return Err(ApiError::new(
            ErrorCode::IndicatorNotFound,
            format!("no indicator \"{indicator}\" in the catalogue"),
        )
        .zh(format!("指标目录中没有指标“{indicator}”")));
    }
    let text = value.trim();
    let parsed = match text.strip_suffix('%') {
        Some(percent) => percent
            .trim()
            .parse::<Decimal>()
            .map(|p| p / Decimal::ONE_HUNDRED),
        None => text.parse::<Decimal>(),
    }
    .map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!(
                "value: \"{text}\" {}",
                lang.pick("不是有效的数字", "is not a decimal number")
            ),
        )
    })?;
    let new_revision = state
        .store
        .set_target(
            Target {
                entity: code.clone(),
                year,
                indicator: indicator.to_owned(),
                value: parsed,
            },
            revision,
            &user.user.name,
            state.now(),
        )
        .await?;
    Ok(TargetJson {
        entity: code.to_string(),
        year,
        indicator: indicator.to_owned(),
        value: zx_domain::format::exact(parsed),
        revision: Some(new_revision),
    })
}

/// The targets in force that the caller may read, of `year` or of every year, sorted by
/// entity, year and indicator.
pub async fn targets_in_scope(
    state: &AppState,
    user: &CurrentUser,
    year: Option<i32>,
) -> ApiResult<Vec<TargetJson>> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let mut list: Vec<TargetJson> = state
        .store
        .target_records()
        .await?
        .into_iter()
        .filter(|r| year.is_none_or(|y| r.target.year == y))
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
    Ok(list)
}
