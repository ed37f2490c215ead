//! Server-rendered pages (askama). Every page checks the same scope rules as the API.

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;
use zx_domain::Lang;
use zx_domain::format;

use crate::api::{self, CockpitQuery, entity_in_scope, parse_period};
use crate::auth::{
    self, CurrentUser, LANG_COOKIE, LOGIN_CSRF_COOKIE, PageUser, request_lang, safe_next,
};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::views::{self, Cockpit, CockpitRequest};

/// What the header shows about the signed-in user.
pub struct Me {
    pub name: String,
    pub role: &'static str,
    pub csrf: String,
    pub hq: bool,
}

impl Me {
    pub(crate) fn of(user: &CurrentUser) -> Option<Self> {
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
pub(crate) fn error_page(user: Option<&CurrentUser>, lang: Lang, error: ApiError) -> Response {
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
            login_page(lang, jar, next, Some(error.message), status)
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

#[derive(Template, WebTemplate)]
#[template(path = "cockpit.html")]
struct CockpitPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    view: Cockpit,
    ranking_json: String,
    /// Violation days per plant and month of the period's year (stack emissions).
    violations: Option<Vec<crate::emissions::pages::ViolationRow>>,
    months: Vec<String>,
}

#[derive(Deserialize)]
pub struct CockpitPageQuery {
    entity: Option<String>,
    #[serde(flatten)]
    rest: CockpitQuery,
}

pub(crate) fn here(uri: &axum::http::Uri) -> String {
    uri.path_and_query()
        .map_or("/".into(), |p| p.as_str().to_owned())
}

pub async fn cockpit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(query): Query<CockpitPageQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let tree = snapshot.engine.tree();
        let id = match query.entity.as_deref().filter(|c| !c.is_empty()) {
            Some(code) => entity_in_scope(&snapshot, &user, code)?,
            None => user.access.home(tree).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Forbidden,
                    lang.pick(
                        "您的账号未绑定可查看的单位",
                        "your account has no entity to show",
                    ),
                )
            })?,
        };
        let q = &query.rest;
        let period = parse_period(&snapshot, q.period.as_deref(), q.basis.as_deref())?;
        let measures = state.store.measures().await?;
        let view = views::cockpit(
            &snapshot.engine,
            &snapshot.targets,
            &user.access,
            CockpitRequest {
                entity: id,
                period,
                rank_by: q.rank.as_deref(),
                region: q.region.as_deref().filter(|r| !r.is_empty()),
                segment: q.segment.as_deref().filter(|s| !s.is_empty()),
                lang,
                measures: &measures,
            },
        );
        let violations =
            crate::emissions::pages::cockpit_violations(&state, &user, id, period.end.year())
                .await?;
        Ok::<_, ApiError>((view, violations))
    }
    .await;
    match result {
        Ok((view, violations)) => {
            let ranking_json = serde_json::json!({
                "title": view.cards.iter().find(|c| c.id == view.rank_by).map(|c| format!("{} ({})", c.name, c.unit)),
                "rows": view.ranking,
                "period": view.period,
                "basis": view.basis,
            })
            .to_string();
            CockpitPage {
                lang,
                me: Me::of(&user),
                here: here(&uri),
                view,
                ranking_json,
                violations,
                months: crate::emissions::pages::month_names(lang),
            }
            .into_response()
        }
        Err(error) => error_page(Some(&user), lang, error),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "explain.html")]
struct ExplainPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    title: String,
    entity: String,
    view: zx_api::ExplainJson,
}

#[derive(Deserialize)]
pub struct ExplainPageQuery {
    entity: String,
    period: Option<String>,
    basis: Option<String>,
    indicator: String,
}

pub async fn explain(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(query): Query<ExplainPageQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let id = entity_in_scope(&snapshot, &user, &query.entity)?;
        let period = parse_period(&snapshot, query.period.as_deref(), query.basis.as_deref())?;
        let catalogue = snapshot.engine.catalogue();
        let explanation = api::scoped_explanation(&snapshot, &user, id, period, &query.indicator)?;
        let index = explanation.indicator;
        let tree = snapshot.engine.tree();
        let mut view = zx_api::explain_json(&snapshot.engine, &explanation, lang);
        // For people: grouped amounts and percentage shares.
        let def = catalogue.indicator(index);
        let human = |s: &mut Option<String>| {
            if let Some(text) = s.as_mut()
                && let Ok(d) = text.parse::<zx_domain::Decimal>()
            {
                *text = format::grouped(d, 2);
            }
        };
        if let Some(v) = view.value.as_mut()
            && let Ok(d) = v.parse::<zx_domain::Decimal>()
        {
            *v = format!("{} ({})", format::human(d, def.unit), v);
        }
        for input in &mut view.inputs {
            // A range of months reads better as its ends.
            if input.months.len() > 2 {
                let last = input.months.last().cloned().unwrap_or_default();
                input.months.truncate(1);
                input.months.push(last);
            }
            human(&mut input.value);
            human(&mut input.own);
            for child in &mut input.children {
                human(&mut child.value);
                if let Some(s) = child.share.as_mut()
                    && let Ok(d) = s.parse::<zx_domain::Decimal>()
                {
                    *s = format::percent(d);
                }
            }
        }
        let entity = tree.entity(id);
        let title = format!(
            "{} — {} {} {}",
            lang.pick(&def.name_zh, &def.name_en),
            entity.name,
            period.end,
            match period.basis {
                zx_domain::Basis::Ytd => lang.pick("本年累计", "year to date"),
                zx_domain::Basis::Month => lang.pick("当月", "month"),
            }
        );
        Ok::<_, ApiError>((title, entity.code.to_string(), view))
    }
    .await;
    match result {
        Ok((title, entity, view)) => ExplainPage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            title,
            entity,
            view,
        }
        .into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

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
        let year = year
            .or_else(|| snapshot.engine.last_month().map(|m| m.year()))
            .unwrap_or(2026);
        let response = api::targets(
            State(state.clone()),
            crate::auth::ApiUser(user.clone()),
            Query(api::TargetsQuery { year: Some(year) }),
        )
        .await?;
        let catalogue = snapshot.engine.catalogue();
        let tree = snapshot.engine.tree();
        let rows = response
            .0
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
    match crate::targets::save_target(
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
            targets_page(&state, &user, &uri, Some(form.year), Some(error.message)).await
        }
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

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
    Query(query): Query<api::AuditQuery>,
) -> Response {
    let lang = user.lang;
    let filter_user = query.user.clone().unwrap_or_default();
    let filter_action = query.action.clone().unwrap_or_default();
    let filter_object = query.object.clone().unwrap_or_default();
    match api::audit(
        State(state.clone()),
        crate::auth::ApiUser(user.clone()),
        Query(query),
    )
    .await
    {
        Ok(list) => AuditPage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            entries: list
                .0
                .into_iter()
                .map(|e| AuditRow {
                    at: e.at.replace('T', " ").chars().take(19).collect(),
                    user: e.user,
                    action: e.action,
                    object: e.object,
                    old: e.old,
                    new: e.new,
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

/// The cockpit as an Excel workbook: one sheet per table, numbers as numbers.
pub async fn export(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<CockpitPageQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let code = query.entity.clone().unwrap_or_default();
        let id = if code.is_empty() {
            user.access
                .home(snapshot.engine.tree())
                .ok_or_else(|| ApiError::new(ErrorCode::Forbidden, "no entity"))?
        } else {
            entity_in_scope(&snapshot, &user, &code)?
        };
        let period = parse_period(
            &snapshot,
            query.rest.period.as_deref(),
            query.rest.basis.as_deref(),
        )?;
        let bytes = crate::export::cockpit_workbook(&snapshot, &user.access, id, period, lang)
            .map_err(ApiError::internal)?;
        let name = format!(
            "cockpit-{}-{}.xlsx",
            snapshot.engine.tree().entity(id).code,
            period.end
        );
        Ok::<_, ApiError>((name, bytes))
    }
    .await;
    match result {
        Ok((name, bytes)) => {
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
        Err(error) => error_page(Some(&user), lang, error),
    }
}
