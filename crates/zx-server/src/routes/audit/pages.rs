//! The audit log page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use zx_domain::{Lang, format};

use super::{AuditQuery, audit_entries};
use crate::auth::PageUser;
use crate::layout::{Me, error_page, here};
use crate::state::AppState;

/// One audit line for the page.
pub struct AuditRow {
    at: String,
    user: String,
    action: String,
    /// The stored action (`period.locked`), for filtering.
    action_code: String,
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
    /// The actions to filter by: code and name.
    actions: Vec<(&'static str, String)>,
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
    // Items and indicators by their catalogue names in the audit's objects and values, and the
    // factors of an alarm (`code=a21002`) by the national standard's names.
    let standard = zx_domain::cems::Standard::gb18485_2014();
    let names = |code: &str| {
        format::catalogue_name(&state.catalogue, code, lang).or_else(|| {
            standard
                .factors
                .iter()
                .find(|f| f.code == code)
                .map(|f| lang.pick(&f.name_zh, &f.name_en).to_owned())
        })
    };
    match audit_entries(&state, &user, query).await {
        Ok(list) => AuditPage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            entries: list
                .into_iter()
                .map(|e| {
                    let text = |t: &str| format::audit_text(t, lang, &names);
                    AuditRow {
                        at: format::china_second(e.at),
                        user: e.user,
                        action: format::audit_action_label(&e.action, lang),
                        action_code: e.action,
                        object: text(&e.object),
                        old: e.old_value.as_deref().map(text),
                        new: e.new_value.as_deref().map(text),
                    }
                })
                .collect(),
            filter_user,
            filter_action,
            actions: format::AUDIT_ACTIONS
                .iter()
                .map(|a| (*a, format::audit_action_label(a, lang)))
                .collect(),
            filter_object,
        }
        .into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}
