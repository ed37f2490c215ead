//! The targets page: the targets in force, and for HQ a form to change one.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zx_domain::{Lang, format};

use super::{TargetWrite, display_with_unit, parse_display_value, targets_in_scope};
use crate::auth::{self, CurrentUser, PageUser};
use crate::error::{ApiError, ErrorCode};
use crate::layout::{Me, error_page, here};
use crate::scope::year_or_latest;
use crate::state::AppState;

/// One target row on the page, its value in the unit the cockpit shows.
pub struct TargetRow {
    entity: String,
    entity_name: String,
    indicator: String,
    indicator_name: String,
    /// Exact, in `unit`: `113.56` for 1,135,600 元/人.
    value: String,
    /// 万元, 万元/人, % (`format::unit_label`).
    unit: String,
    revision: i64,
}

/// A typed target that looks like a unit slip, waiting for a deliberate second submit.
pub struct PendingTarget {
    entity: String,
    indicator: String,
    /// As typed, in the display unit.
    value: String,
    revision: i64,
    warning: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "targets.html")]
struct TargetsPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    year: i32,
    rows: Vec<TargetRow>,
    editable: bool,
    csrf: String,
    notice: Notice,
}

/// What the page says above the table after a save.
#[derive(Default)]
pub struct Notice {
    /// What was saved.
    saved: Option<String>,
    /// Why nothing was saved (not a number, a stale revision).
    refused: Option<String>,
    /// A unit slip to confirm.
    pending: Option<PendingTarget>,
}

#[derive(Deserialize)]
pub struct TargetsPageQuery {
    year: Option<i32>,
    saved: Option<String>,
}

async fn targets_page(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    year: Option<i32>,
    notice: Notice,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let year = year_or_latest(&snapshot, year, state.today());
        let targets = targets_in_scope(state, user, Some(year)).await?;
        let catalogue = snapshot.engine.catalogue();
        let tree = snapshot.engine.tree();
        let rows = targets
            .into_iter()
            .map(|t| {
                let unit = catalogue
                    .indicator_index(&t.indicator)
                    .map(|i| catalogue.indicator(i).unit);
                let shown = |value: &str| match (unit, value.parse::<zx_domain::Decimal>()) {
                    (Some(unit), Ok(v)) => format::exact(format::to_display_unit(v, unit)),
                    _ => value.to_owned(),
                };
                TargetRow {
                    entity_name: tree
                        .id_of(&t.entity)
                        .map_or(String::new(), |id| tree.entity(id).name.clone()),
                    indicator_name: catalogue.indicator_index(&t.indicator).map_or(
                        t.indicator.clone(),
                        |i| {
                            lang.pick(
                                &catalogue.indicator(i).name_zh,
                                &catalogue.indicator(i).name_en,
                            )
                            .to_owned()
                        },
                    ),
                    value: shown(&t.value),
                    unit: unit.map_or(String::new(), |u| format::unit_label(u, lang).to_owned()),
                    entity: t.entity,
                    indicator: t.indicator,
                    revision: t.revision.unwrap_or(0),
                }
            })
            .collect();
        Ok::<_, ApiError>((year, rows))
    }
    .await;
    match result {
        Ok((year, rows)) => TargetsPage {
            lang,
            me: Me::of(user),
            here: here(uri),
            year,
            rows,
            editable: user.access.is_hq(),
            csrf: user.csrf.clone().unwrap_or_default(),
            notice,
        }
        .into_response(),
        Err(error) => error_page(Some(user), lang, error),
    }
}

pub async fn targets(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(query): Query<TargetsPageQuery>,
) -> Response {
    let saved = query
        .saved
        .map(|what| format!("{} {what}", user.lang.pick("已保存", "saved")));
    let notice = Notice {
        saved,
        ..Notice::default()
    };
    targets_page(&state, &user, &uri, query.year, notice).await
}

#[derive(Deserialize)]
pub struct TargetForm {
    csrf: String,
    entity: String,
    year: i32,
    indicator: String,
    /// In the unit the page shows beside the field (万元, 万元/人, %).
    value: String,
    revision: Option<i64>,
    /// Set by the second submit after a unit-slip warning.
    confirm: Option<String>,
}

/// Saves a target typed in the display unit. One that looks like a unit slip comes back to the
/// page with the warning and the typed value, saved only by a deliberate second submit.
pub async fn save_target(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Form(form): Form<TargetForm>,
) -> Response {
    let lang = user.lang;
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), lang, error);
    }
    let revision = form.revision.filter(|r| *r > 0);
    let Some(def) = state
        .catalogue
        .indicator_index(&form.indicator)
        .map(|i| state.catalogue.indicator(i))
    else {
        return error_page(
            Some(&user),
            lang,
            ApiError::new(
                ErrorCode::IndicatorNotFound,
                format!("no indicator \"{}\" in the catalogue", form.indicator),
            ),
        );
    };
    let unit = def.unit;
    let value = match parse_display_value(&form.value, unit, lang) {
        Ok(value) => value,
        Err(error) => {
            let notice = Notice {
                refused: Some(error.message),
                ..Notice::default()
            };
            return targets_page(&state, &user, &uri, Some(form.year), notice).await;
        }
    };
    let write = TargetWrite {
        entity: &form.entity,
        year: form.year,
        indicator: &form.indicator,
        value,
        revision,
        confirmed: form.confirm.is_some_and(|c| !c.is_empty()),
    };
    match super::save_target(&state, &user, write).await {
        Ok(saved) => Redirect::to(&format!(
            "/targets?year={}&saved={}",
            form.year,
            auth::urlencode(&format!(
                "{} {} = {}",
                saved.entity,
                lang.pick(&def.name_zh, &def.name_en),
                display_with_unit(value, unit, lang)
            ))
        ))
        .into_response(),
        Err(error) if error.code == ErrorCode::Conflict => {
            let notice = Notice {
                refused: Some(error.text_for(user.lang)),
                ..Notice::default()
            };
            targets_page(&state, &user, &uri, Some(form.year), notice).await
        }
        Err(error) if error.code == ErrorCode::TargetNeedsConfirmation => {
            let pending = PendingTarget {
                entity: form.entity.clone(),
                indicator: form.indicator.clone(),
                value: form.value.trim().to_owned(),
                revision: revision.unwrap_or(0),
                warning: error.message,
            };
            let notice = Notice {
                pending: Some(pending),
                ..Notice::default()
            };
            targets_page(&state, &user, &uri, Some(form.year), notice).await
        }
        Err(error) => error_page(Some(&user), lang, error),
    }
}
