//! Editing targets (HQ only), shared by the page and the API.

use chrono::Utc;
use zx_domain::{Decimal, EntityCode, Target};

use crate::api::TargetJson;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

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
        })?;
    if !(1900..=2999).contains(&year) {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("year: {year} is not between 1900 and 2999"),
        ));
    }
    if state.catalogue.indicator_index(indicator).is_none() {
        return Err(ApiError::new(
            ErrorCode::IndicatorNotFound,
            format!("no indicator \"{indicator}\" in the catalogue"),
        ));
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
            Utc::now(),
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
