//! The audit log page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use zx_domain::Lang;

use super::{AuditQuery, audit_entries};
use crate::auth::PageUser;
use crate::layout::{Me, error_page, here};
use crate::state::AppState;

/// One audit line for the page.
pub struct AuditRow {
    at: String,
    user: String,
    action: String,
    object: String,
    old: Option<String>,
    new: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    entries: Vec<AuditRow>,
    filter_user: String,
    filter_action: String,
    filter_object: String,
}

pub async fn audit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(query): Query<AuditQuery>,
) -> Response {
    let lang = user.lang;
    let filter_user = query.user.clone().unwrap_or_default();
    let filter_action = query.action.clone().unwrap_or_default();
    let filter_object = query.object.clone().unwrap_or_default();
    match audit_entries(&state, &user, query).await {
        Ok(list) => AuditPage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            entries: list
                .into_iter()
                .map(|e| AuditRow {
                    at: e
                        .at
                        .to_rfc3339()
                        .replace('T', " ")
                        .chars()
                        .take(19)
                        .collect(),
                    user: e.user,
                    action: e.action,
                    object: e.object,
                    old: e.old_value,
                    new: e.new_value,
                })
                .collect(),
            filter_user,
            filter_action,
            filter_object,
        }
        .into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}
