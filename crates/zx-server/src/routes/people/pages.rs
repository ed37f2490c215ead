//! The people, training and certificates page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use zx_domain::{Lang, Role};

use super::{CertificateRow, PersonRow, UncertifiedRow, view};
use crate::auth::{CurrentUser, PageUser};
use crate::layout::{Me, error_page, here};
use crate::routes::drills::DrillsQuery;
use crate::routes::registers::import::UploadNote;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "people.html")]
struct PeoplePage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    entity: String,
    entity_name: String,
    as_of: String,
    short: usize,
    to_renew: usize,
    people: Vec<PersonRow>,
    certificates: Vec<CertificateRow>,
    uncertified: Vec<UncertifiedRow>,
    /// Whether the registers' upload form is shown (not to viewers).
    can_upload: bool,
    /// The page the upload comes back to.
    back: &'static str,
    upload: Option<UploadNote>,
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(q): Query<DrillsQuery>,
) -> Response {
    render(&state, &user, &uri, &q, None).await
}

/// The page again after an upload of registers, with what it did.
pub async fn with_upload(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    entity: Option<String>,
    upload: UploadNote,
) -> Response {
    let q = DrillsQuery {
        entity,
        as_of: None,
    };
    render(state, user, uri, &q, Some(upload)).await
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    q: &DrillsQuery,
    upload: Option<UploadNote>,
) -> Response {
    match view(state, user, q).await {
        Ok(v) => PeoplePage {
            lang: user.lang,
            me: Me::of(user),
            here: here(uri),
            short: v.short(),
            to_renew: v.to_renew(),
            entity: v.entity,
            entity_name: v.entity_name,
            as_of: v.as_of.to_string(),
            people: v.people,
            certificates: v.certificates,
            uncertified: v.uncertified,
            can_upload: user.access.role != Role::Viewer,
            back: "people",
            upload,
        }
        .into_response(),
        Err(error) => error_page(Some(user), user.lang, error),
    }
}
