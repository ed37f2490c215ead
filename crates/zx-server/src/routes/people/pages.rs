//! The people, training and certificates page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use zx_domain::Lang;

use super::{CertificateRow, PersonRow, UncertifiedRow, view};
use crate::auth::PageUser;
use crate::layout::{Me, error_page, here};
use crate::routes::drills::DrillsQuery;
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
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(q): Query<DrillsQuery>,
) -> Response {
    match view(&state, &user, &q).await {
        Ok(v) => PeoplePage {
            lang: user.lang,
            me: Me::of(&user),
            here: here(&uri),
            short: v.short(),
            to_renew: v.to_renew(),
            entity: v.entity,
            entity_name: v.entity_name,
            as_of: v.as_of.to_string(),
            people: v.people,
            certificates: v.certificates,
            uncertified: v.uncertified,
        }
        .into_response(),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}
