//! Targets: the list in force (filtered by the caller's scope) and editing one (HQ only),
//! shared by the page and the API.

pub mod api;
pub mod pages;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zx_domain::catalogue::Unit;
use zx_domain::kpi::{TARGET_SLIP_FACTOR, TargetReference, target_slip};
use zx_domain::{Basis, Decimal, EntityCode, EntityId, Lang, Month, Period, Target, format};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::{AppState, Snapshot};

/// One target in force.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TargetJson {
    pub entity: String,
    pub year: i32,
    pub indicator: String,
    /// Decimal string in the stored unit: 元, 元/人, persons; ratios as fractions (a trailing
    /// `%` is accepted on `PUT`: `"65%"` is 0.65).
    pub value: String,
    /// For optimistic edits: send it back unchanged with `PUT`.
    pub revision: Option<i64>,
    /// Optional on `PUT`. A value 10 times or more away from last year's actual (or, without
    /// one, from the target in force) looks like a unit slip: with `false` it is not saved and
    /// the answer is `target_needs_confirmation`; absent or `true` saves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<bool>,
    /// In the answer to `PUT`: why the value saved looks like a unit slip, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// One target to write, its value already in the stored unit.
pub struct TargetWrite<'a> {
    pub entity: &'a str,
    pub year: i32,
    pub indicator: &'a str,
    pub value: Decimal,
    pub revision: Option<i64>,
    /// Saved even when it looks like a unit slip (the warning still comes back).
    pub confirmed: bool,
}

/// A decimal as typed: spaces and thousands separators ignored.
fn parse_typed(text: &str, field: &str, lang: Lang) -> ApiResult<Decimal> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' '))
        .collect();
    cleaned.parse::<Decimal>().map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!(
                "{field}: \"{}\" {}",
                text.trim(),
                lang.pick("不是有效的数字", "is not a decimal number")
            ),
        )
    })
}

/// A value in the stored unit, as the API takes it: ratios as fractions or with `%`.
pub fn parse_stored_value(text: &str, lang: Lang) -> ApiResult<Decimal> {
    match text.trim().strip_suffix('%') {
        Some(percent) => Ok(parse_typed(percent, "value", lang)? / Decimal::ONE_HUNDRED),
        None => parse_typed(text, "value", lang),
    }
}

/// A value typed in the unit the cockpit shows (`format::unit_label`: 万元, 万元/人, %), in the
/// stored unit: 113.56 万元/人 → 1135600.
pub fn parse_display_value(text: &str, unit: Unit, lang: Lang) -> ApiResult<Decimal> {
    let text = text.trim();
    let number = match unit {
        Unit::Ratio => text.strip_suffix('%').unwrap_or(text),
        _ => text,
    };
    let shown = parse_typed(number, "value", lang)?;
    format::from_display_unit(shown, unit).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!(
                "value: \"{text}\" {}",
                lang.pick("超出可计算范围", "is beyond the computable range")
            ),
        )
    })
}

/// A stored value as people read and type it, exact, with its unit: `113.56 万元/人`.
pub fn display_with_unit(value: Decimal, unit: Unit, lang: Lang) -> String {
    format!(
        "{} {}",
        format::exact(format::to_display_unit(value, unit)),
        format::unit_label(unit, lang)
    )
}

/// Validates and stores one target with an optimistic revision check. A value that looks like
/// a unit slip ([`zx_domain::kpi::target_slip`]) is saved only when confirmed; either way the
/// answer carries the warning.
pub async fn save_target(
    state: &AppState,
    user: &CurrentUser,
    write: TargetWrite<'_>,
) -> ApiResult<TargetJson> {
    let TargetWrite {
        entity,
        year,
        indicator,
        value,
        revision,
        confirmed,
    } = write;
    let lang = user.lang;
    if !user.access.is_hq() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            lang.pick("只有总部可以修改目标", "only HQ roles may edit targets"),
        ));
    }
    let snapshot = state.snapshot().await?;
    let engine = &snapshot.engine;
    let (code, id) = EntityCode::parse(entity)
        .ok()
        .and_then(|c| engine.tree().id(&c).map(|id| (c, id)))
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
    let Some(index) = state.catalogue.indicator_index(indicator) else {
        return Err(ApiError::new(
            ErrorCode::IndicatorNotFound,
            format!("no indicator \"{indicator}\" in the catalogue"),
        )
        .zh(format!("指标目录中没有指标“{indicator}”")));
    };
    let warning = slip_warning(&snapshot, id, &code, year, index, value, lang);
    if let Some(warning) = &warning
        && !confirmed
    {
        return Err(ApiError::new(
            ErrorCode::TargetNeedsConfirmation,
            warning.clone(),
        ));
    }
    let new_revision = state
        .store
        .set_target(
            Target {
                entity: code.clone(),
                year,
                indicator: indicator.to_owned(),
                value,
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
        value: format::exact(value),
        revision: Some(new_revision),
        confirm: None,
        warning,
    })
}

/// Why a new target looks like a unit slip, compared with the indicator's actual of December
/// of the year before (year to date) or else the target in force; `None` when it does not.
fn slip_warning(
    snapshot: &Snapshot,
    id: EntityId,
    code: &EntityCode,
    year: i32,
    index: usize,
    value: Decimal,
    lang: Lang,
) -> Option<String> {
    let engine = &snapshot.engine;
    let def = engine.catalogue().indicator(index);
    let last_year_actual = Month::new(year - 1, 12).ok().and_then(|december| {
        engine
            .evaluate(id, Period::new(december, Basis::Ytd), index)
            .ok()
    });
    let in_force = snapshot.targets.get(code, year, &def.id);
    let reference = target_slip(value, last_year_actual, in_force)?;
    let (what_zh, what_en) = match reference {
        TargetReference::LastYearActual(_) => ("上年实际", "last year's actual"),
        TargetReference::InForce(_) => ("现行目标", "the target in force"),
    };
    let typed = display_with_unit(value, def.unit, lang);
    let base = display_with_unit(reference.value(), def.unit, lang);
    Some(match lang {
        Lang::Zh => format!(
            "{} 目标 {typed} 与{what_zh} {base} 相差 {TARGET_SLIP_FACTOR} 倍以上，请检查单位（{}）后确认",
            def.name_zh,
            format::unit_label(def.unit, lang)
        ),
        Lang::En => format!(
            "{}: the target {typed} is {TARGET_SLIP_FACTOR} times or more away from {what_en} {base}; check the unit ({}) and confirm",
            def.name_en,
            format::unit_label(def.unit, lang)
        ),
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
            value: format::exact(r.target.value),
            revision: Some(r.revision),
            confirm: None,
            warning: None,
        })
        .collect();
    list.sort_by(|a, b| (&a.entity, a.year, &a.indicator).cmp(&(&b.entity, b.year, &b.indicator)));
    Ok(list)
}
