//! The targets page: the targets in force, and for HQ a form to change one.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zx_domain::Lang;

use super::targets_in_scope;
use crate::auth::{self, CurrentUser, PageUser};
use crate::error::{ApiError, ErrorCode};
use crate::layout::{Me, error_page, here};
use crate::scope::year_or_latest;
use crate::state::AppState;

/// One target row on the page.
pub struct TargetRow {
    entity: String,
    entity_name: String,
    indicator: String,
    indicator_name: String,
    value: String,
    revision: i64,
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
    message: Option<String>,
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
    message: Option<String>,
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
            .map(|t| TargetRow {
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
                entity: t.entity,
                indicator: t.indicator,
                value: t.value,
                revision: t.revision.unwrap_or(0),
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
            message,
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
    let message = query
        .saved
        .map(|what| format!("{} {what}", user.lang.pick("已保存", "saved")));
    targets_page(&state, &user, &uri, query.year, message).await
}

#[derive(Deserialize)]
pub struct TargetForm {
    csrf: String,
    entity: String,
    year: i32,
    indicator: String,
    value: String,
    revision: Option<i64>,
}

pub async fn save_target(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Form(form): Form<TargetForm>,
) -> Response {
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), user.lang, error);
    }
    let revision = form.revision.filter(|r| *r > 0);
    match super::save_target(
        &state,
        &user,
        &form.entity,
        form.year,
        &form.indicator,
        &form.value,
        revision,
    )
    .await
    {
        Ok(saved) => Redirect::to(&format!(
            "/targets?year={}&saved={}",
            form.year,
            auth::urlencode(&format!(
                "{} {} = {}",
                saved.entity, saved.indicator, saved.value
            ))
        ))
        .into_response(),
        Err(error) if error.code == ErrorCode::Conflict => {
            targets_page(
                &state,
                &user,
                &uri,
                Some(form.year),
                Some(error.text_for(user.lang)),
            )
            .await
        }
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}
