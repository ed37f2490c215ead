//! The visits page and its form.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zx_domain::Lang;

use super::{VisitInput, VisitRow, create_visit, visit_rows};
use crate::auth::{CurrentUser, PageUser};
use crate::error::{ApiResult, ErrorCode};
use crate::layout::{Me, error_page, here};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "visits.html")]
struct VisitsPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    visits: Vec<VisitRow>,
    message: Option<String>,
}

async fn visits_page(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    message: Option<String>,
) -> ApiResult<Response> {
    Ok(VisitsPage {
        lang: user.lang,
        me: Me::of(user),
        here: here(uri),
        visits: visit_rows(state, user).await?,
        message,
    }
    .into_response())
}

pub async fn visits(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
) -> Response {
    match visits_page(&state, &user, &uri, None).await {
        Ok(page) => page,
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

#[derive(Deserialize)]
pub struct VisitForm {
    csrf: String,
    #[serde(flatten)]
    input: VisitInput,
}

pub async fn post_visit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Form(form): Form<VisitForm>,
) -> Response {
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), user.lang, error);
    }
    match create_visit(&state, &user, &form.input).await {
        Ok(id) => Redirect::to(&format!("/visits#visit-{id}")).into_response(),
        Err(error) if error.code == ErrorCode::InvalidParameter => {
            match visits_page(&state, &user, &uri, Some(error.text_for(user.lang))).await {
                Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                Err(error) => error_page(Some(&user), user.lang, error),
            }
        }
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}
