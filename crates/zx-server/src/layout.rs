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
    /// An English detail without Chinese text, shown to experts on a Chinese page.
    detail: Option<String>,
}

/// An API error shown as a page, with the right status.
pub fn error_page(user: Option<&CurrentUser>, lang: Lang, error: ApiError) -> Response {
    let status = error.code.status();
    let page = ErrorPage {
        lang,
        me: user.and_then(Me::of),
        here: "/cockpit".into(),
        code: error.code.as_str(),
        // An English-only detail goes below the title, set apart for experts.
        message: match error.detail_for(lang) {
            Some(_) => error.code.title(lang).to_owned(),
            None => error.text_for(lang),
        },
        detail: error.detail_for(lang),
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

/// An instant as the group reads it: China time to the minute (the page states the zone once,
/// `format::china_zone`).
pub fn china_time(at: chrono::DateTime<chrono::Utc>) -> String {
    zx_domain::format::china_minute(at)
}

/// A message as HTML, its snake_case codes (`total_profit`: what a file must contain, listed by
/// an upload's issues) set apart in `<code>` as literal values rather than words of the sentence.
/// Everything is escaped; render with `|safe`.
pub fn code_spans(text: &str) -> String {
    fn escape(out: &mut String, text: &str) {
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
    }
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while !rest.is_empty() {
        let start = rest.find(is_word).unwrap_or(rest.len());
        escape(&mut out, &rest[..start]);
        rest = &rest[start..];
        let end = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
        let word = &rest[..end];
        let code = word.contains('_')
            && word.starts_with(|c: char| c.is_ascii_lowercase())
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if code {
            out.push_str("<code>");
            out.push_str(word);
            out.push_str("</code>");
        } else {
            escape(&mut out, word);
        }
        rest = &rest[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_in_a_message_are_set_apart_and_the_rest_escaped() {
        assert_eq!(
            code_spans("“x<y” 不是填报项目（可填项目：operating_revenue, total_profit）"),
            "“x&lt;y” 不是填报项目（可填项目：<code>operating_revenue</code>, <code>total_profit</code>）"
        );
        assert_eq!(
            code_spans("value: \"12,3x\" & more"),
            "value: &quot;12,3x&quot; &amp; more"
        );
    }
}
