//! Signing in and out, and the language switch.

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;
use zx_domain::Lang;

use crate::auth::{self, LANG_COOKIE, LOGIN_CSRF_COOKIE, PageUser, request_lang, safe_next};
use crate::layout::{Me, error_page};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    csrf: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_page(
    lang: Lang,
    jar: CookieJar,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    // Double-submit token for the login form: the session does not exist yet.
    let (jar, csrf) = match jar.get(LOGIN_CSRF_COOKIE) {
        Some(c) => (jar.clone(), c.value().to_owned()),
        None => {
            let token = zx_auth::new_session_id();
            let cookie = Cookie::build((LOGIN_CSRF_COOKIE, token.clone()))
                .http_only(true)
                .same_site(SameSite::Strict)
                .path("/")
                .build();
            (jar.add(cookie), token)
        }
    };
    let page = LoginPage {
        lang,
        me: None,
        here: format!("/login?next={}", auth::urlencode(&next)),
        csrf,
        next,
        error,
    };
    (status, jar, page).into_response()
}

pub async fn login_form(
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Response {
    let lang = request_lang(&jar, &headers);
    login_page(
        lang,
        jar,
        safe_next(query.next.as_deref()),
        None,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    connect: ConnectInfo<SocketAddr>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = request_lang(&jar, &headers);
    let next = safe_next(form.next.as_deref());
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned());
    if expected.as_deref() != Some(form.csrf.as_str()) {
        let message = lang.pick(
            "表单已过期，请重新登录",
            "the form expired; please sign in again",
        );
        return login_page(lang, jar, next, Some(message.into()), StatusCode::FORBIDDEN);
    }
    match auth::sign_in(&state, connect.0.ip(), &form.name, &form.password, lang).await {
        Ok((cookie, user)) => {
            tracing::info!(user = %user.name, "signed in");
            (
                jar.add(cookie).remove(Cookie::from(LOGIN_CSRF_COOKIE)),
                Redirect::to(&next),
            )
                .into_response()
        }
        Err(error) => {
            let status = error.code.status();
            login_page(lang, jar, next, Some(error.text_for(lang)), status)
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), user.lang, error);
    }
    if let Err(error) = auth::sign_out(&state, &jar).await {
        return error_page(Some(&user), user.lang, error);
    }
    (
        jar.remove(Cookie::from(auth::SESSION_COOKIE)),
        Redirect::to("/login"),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct LangQuery {
    to: String,
    next: Option<String>,
}

/// Switches the language and remembers it.
pub async fn switch_lang(jar: CookieJar, Query(query): Query<LangQuery>) -> Response {
    let lang = Lang::parse(&query.to).unwrap_or_default();
    let value = match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    };
    let cookie = Cookie::build((LANG_COOKIE, value))
        .path("/")
        .same_site(SameSite::Lax)
        .permanent()
        .build();
    (
        jar.add(cookie),
        Redirect::to(&safe_next(query.next.as_deref())),
    )
        .into_response()
}
