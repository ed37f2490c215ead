//! What every page shares: the signed-in user in the header ([`Me`]), the current address for
//! the language switch ([`here`]), errors shown as pages with their status ([`error_page`]),
//! workbook downloads and the display of times. The templates (`templates/`) extend
//! `base.html`, which reads `lang`, `me` and `here` from every page struct.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use zx_domain::Lang;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorCode};

/// What the header shows about the signed-in user.
pub struct Me {
    pub name: String,
    pub role: &'static str,
    pub csrf: String,
    pub hq: bool,
}

impl Me {
    pub fn of(user: &CurrentUser) -> Option<Self> {
        Some(Self {
            name: user.user.name.clone(),
            role: user.user.role.as_str(),
            csrf: user.csrf.clone().unwrap_or_default(),
            hq: user.access.is_hq(),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    code: &'static str,
    message: String,
}

/// An API error shown as a page, with the right status.
pub fn error_page(user: Option<&CurrentUser>, lang: Lang, error: ApiError) -> Response {
    let status = error.code.status();
    let page = ErrorPage {
        lang,
        me: user.and_then(Me::of),
        here: "/cockpit".into(),
        code: error.code.as_str(),
        message: error.message,
    };
    (status, page).into_response()
}

/// Any address no route answers. Under `/api/` the answer stays a JSON error (`not_found`);
/// a page gets the app's own page, with the menu when signed in and a link home, instead of
/// the browser's bare 404.
pub async fn not_found(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    request: axum::extract::Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let path = parts.uri.path().to_owned();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::new(ErrorCode::NotFound, format!("no such address: {path}"))
            .into_response();
    }
    let user = crate::auth::authenticate(&parts, &state)
        .await
        .ok()
        .flatten();
    let lang = user.as_ref().map_or_else(
        || {
            let jar = axum_extra::extract::CookieJar::from_headers(&parts.headers);
            crate::auth::request_lang(&jar, &parts.headers)
        },
        |u| u.lang,
    );
    let message = format!(
        "{}{path}",
        lang.pick("没有这个页面：", "There is no such page: ")
    );
    error_page(
        user.as_ref(),
        lang,
        ApiError::new(ErrorCode::NotFound, message),
    )
}

/// The path and query of the request, for the language switch to come back to.
pub fn here(uri: &axum::http::Uri) -> String {
    uri.path_and_query()
        .map_or("/".into(), |p| p.as_str().to_owned())
}

/// An XLSX workbook as a download named `name`.
pub fn xlsx_download(name: &str, bytes: Vec<u8>) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// An instant as the group reads it: China time to the minute.
pub fn china_time(at: chrono::DateTime<chrono::Utc>) -> String {
    zx_domain::calendar::china_time(at)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
