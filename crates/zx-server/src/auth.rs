//! Who is asking: session cookies for pages, bearer tokens for scripts; login, logout, CSRF.

use std::net::IpAddr;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use zx_domain::{Access, Lang};
use zx_store::{Session, User};

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "zx_session";
pub const LANG_COOKIE: &str = "zx_lang";
pub const LOGIN_CSRF_COOKIE: &str = "zx_login_csrf";

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub access: Access,
    /// The session's CSRF token; `None` for bearer-token callers (no cookies, no CSRF).
    pub csrf: Option<String>,
    pub lang: Lang,
}

impl CurrentUser {
    /// Forms and cookie-authenticated writes must echo the session's token.
    pub fn check_csrf(&self, presented: Option<&str>) -> Result<(), ApiError> {
        match (&self.csrf, presented) {
            (None, _) => Ok(()),
            (Some(expected), Some(given)) if constant_time_eq(expected, given) => Ok(()),
            _ => Err(ApiError::new(
                ErrorCode::InvalidCsrf,
                self.lang.pick(
                    "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试",
                    "the form is stale or did not come from this site (CSRF check failed); reload and try again",
                ),
            )),
        }
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The language of the request: the remembered choice, else the browser's, else Chinese.
pub fn request_lang(jar: &CookieJar, headers: &HeaderMap) -> Lang {
    if let Some(lang) = jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
        return lang;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(Lang::parse)
        .unwrap_or(Lang::Zh)
}

fn access_of(user: &User) -> Access {
    Access {
        role: user.role,
        scope: user.entity.clone(),
    }
}

/// Resolves the caller from a bearer token or the session cookie.
pub async fn authenticate(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<CurrentUser>, ApiError> {
    let jar = CookieJar::from_headers(&parts.headers);
    let lang = request_lang(&jar, &parts.headers);
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        if token.is_empty() {
            return Ok(None);
        }
        let user = state
            .store
            .user_by_token(&zx_auth::sha256_hex(token))
            .await?;
        return Ok(user.filter(|u| !u.disabled).map(|user| CurrentUser {
            access: access_of(&user),
            user,
            csrf: None,
            lang,
        }));
    }
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    let found = state
        .store
        .session(&zx_auth::sha256_hex(cookie.value()), state.now())
        .await?;
    Ok(found.map(|(session, user)| CurrentUser {
        access: access_of(&user),
        user,
        csrf: Some(session.csrf_token),
        lang,
    }))
}

/// For the JSON API: unauthenticated callers get 401 `{code, message}`.
pub struct ApiUser(pub CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match authenticate(parts, state).await? {
            Some(user) => Ok(ApiUser(user)),
            None => Err(ApiError::new(
                ErrorCode::Unauthenticated,
                "sign in, or send an API token as `Authorization: Bearer …` (zx user token)",
            )
            .zh("请先登录，或以 `Authorization: Bearer …` 发送 API 令牌（zx user token）")),
        }
    }
}

/// For pages: unauthenticated visitors are sent to the login page and back.
pub struct PageUser(pub CurrentUser);

pub struct ToLogin(String);

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to(&format!("/login?next={}", urlencode(&self.0))).into_response()
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match authenticate(parts, state).await {
            Ok(Some(user)) => Ok(PageUser(user)),
            Ok(None) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map_or("/".to_owned(), |p| p.as_str().to_owned());
                Err(ToLogin(next).into_response())
            }
            Err(error) => Err(error.into_response()),
        }
    }
}

/// Percent-encodes a query value (unreserved characters stay).
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Only same-site paths may be redirected to after login or a language switch.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Signs in: checks the rate limit, the password, creates a session and sets the cookie.
pub async fn sign_in(
    state: &AppState,
    ip: IpAddr,
    name: &str,
    password: &str,
    lang: Lang,
) -> Result<(Cookie<'static>, User), ApiError> {
    let name = name.trim();
    if !state.login_allowed(ip, name) {
        return Err(ApiError::new(
            ErrorCode::TooManyAttempts,
            lang.pick(
                "登录失败次数过多，请稍后再试",
                "too many failed sign-in attempts; try again later",
            ),
        ));
    }
    let found = state.store.user_with_hash(name).await?;
    let verified = match &found {
        Some((user, hash)) => !user.disabled && zx_auth::verify_password(password, hash),
        None => {
            // Spend the same effort for unknown names, so timing does not reveal accounts.
            let _ = zx_auth::verify_password(password, DUMMY_HASH);
            false
        }
    };
    let Some((user, _)) = found.filter(|_| verified) else {
        state.record_failed_login(ip, name);
        return Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            lang.pick("用户名或密码错误", "wrong user name or password"),
        ));
    };
    state.clear_failed_logins(ip, name);
    let id = zx_auth::new_session_id();
    let now = state.now();
    state
        .store
        .create_session(Session {
            id_hash: zx_auth::sha256_hex(&id),
            user: user.name.clone(),
            csrf_token: zx_auth::new_session_id(),
            created_at: now,
            expires_at: now + chrono::Duration::hours(i64::from(state.settings.session_hours)),
        })
        .await?;
    let cookie = Cookie::build((SESSION_COOKIE, id))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.secure_cookies)
        .path("/")
        .build();
    Ok((cookie, user))
}

/// A valid argon2 hash of a random string, verified against for unknown users.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Kx1bTFZ6aN7d4Jx0cz3Xyq0Z3vQKq8m3Xf1xUQ9v6Y";

pub async fn sign_out(state: &AppState, jar: &CookieJar) -> Result<(), ApiError> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        state
            .store
            .delete_session(&zx_auth::sha256_hex(cookie.value()))
            .await?;
    }
    Ok(())
}

/// Unused-state helper so handlers can take `State` uniformly.
pub type AppStateExtractor = State<AppState>;
