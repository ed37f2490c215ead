//! The plans-and-drills page, its form for the yearly drill plan and its Excel export.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zx_domain::Lang;

use super::{
    DrillInput, DrillRow, DrillsQuery, DrillsView, ImprovementMeasureInput, ObligationRow,
    PlannedDrillInput, PlannedRow, ReportRow, add_planned, drills_workbook, improvement_to_measure,
    record_drill, view,
};
use crate::auth::{CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::layout::{Me, error_page, here, xlsx_download};
use crate::routes::registers::import::UploadNote;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "drills.html")]
struct DrillsPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    entity: String,
    entity_name: String,
    as_of: String,
    lead_days: u32,
    obligations: Vec<ObligationRow>,
    drills: Vec<DrillRow>,
    planned: Vec<PlannedRow>,
    reports: Vec<ReportRow>,
    writable_plans: Vec<(String, String, String)>,
    today: String,
    overdue: usize,
    joint: usize,
    message: Option<String>,
    /// Whether the registers' upload form is shown (not to viewers).
    can_upload: bool,
    /// The page the upload comes back to.
    back: &'static str,
    upload: Option<UploadNote>,
}

fn render(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    v: DrillsView,
    message: Option<String>,
    upload: Option<UploadNote>,
) -> Response {
    DrillsPage {
        lang: user.lang,
        me: Me::of(user),
        here: here(uri),
        entity: v.entity,
        entity_name: v.entity_name,
        as_of: v.as_of.to_string(),
        lead_days: v.lead_days,
        overdue: v
            .obligations
            .iter()
            .filter(|o| o.status == "overdue")
            .count(),
        joint: v.drills.iter().filter(|d| !d.joint_with.is_empty()).count(),
        obligations: v.obligations,
        drills: v.drills,
        planned: v.planned,
        reports: v.reports,
        writable_plans: v.writable_plans,
        today: state.today().to_string(),
        message,
        can_upload: user.access.role != zx_domain::Role::Viewer,
        back: "drills",
        upload,
    }
    .into_response()
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(q): Query<DrillsQuery>,
) -> Response {
    match view(&state, &user, &q).await {
        Ok(v) => render(&state, &user, &uri, v, None, None),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
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
    match view(state, user, &q).await {
        Ok(v) => render(state, user, uri, v, None, Some(upload)),
        Err(error) => error_page(Some(user), user.lang, error),
    }
}

#[derive(Deserialize)]
pub struct PlannedForm {
    csrf: String,
    #[serde(flatten)]
    input: PlannedDrillInput,
}

pub async fn post_planned(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Form(form): Form<PlannedForm>,
) -> Response {
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), user.lang, error);
    }
    let entity = form.input.entity.clone();
    let done = add_planned(&state, &user, &form.input).await;
    after_post(
        &state,
        &user,
        &uri,
        &entity,
        done.map(|id| format!("planned-{id}")),
    )
    .await
}

/// Back to the page at `anchor` after a form's success; the page again with the message after a
/// refusal of the input; the error page otherwise.
async fn after_post(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    entity: &str,
    done: ApiResult<String>,
) -> Response {
    match done {
        Ok(anchor) => Redirect::to(&format!(
            "/safety/drills?entity={}#{anchor}",
            crate::auth::urlencode(entity)
        ))
        .into_response(),
        Err(error) if error.code == ErrorCode::InvalidParameter => {
            let q = DrillsQuery {
                entity: Some(entity.to_owned()),
                as_of: None,
            };
            let text = error.text_for(user.lang);
            match view(state, user, &q).await {
                Ok(v) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    render(state, user, uri, v, Some(text), None),
                )
                    .into_response(),
                Err(error) => error_page(Some(user), user.lang, error),
            }
        }
        Err(error) => error_page(Some(user), user.lang, error),
    }
}

#[derive(Deserialize)]
pub struct DrillForm {
    csrf: String,
    #[serde(flatten)]
    input: DrillInput,
}

pub async fn post_drill(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Form(form): Form<DrillForm>,
) -> Response {
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), user.lang, error);
    }
    let done = record_drill(&state, &user, &form.input).await;
    let entity = form.input.entity.clone();
    after_post(
        &state,
        &user,
        &uri,
        &entity,
        done.map(|id| format!("report-{id}")),
    )
    .await
}

#[derive(Deserialize)]
pub struct ImprovementForm {
    csrf: String,
    /// The page's entity, to come back to.
    entity: String,
    #[serde(flatten)]
    input: ImprovementMeasureInput,
}

pub async fn post_improvement_measure(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(form): Form<ImprovementForm>,
) -> Response {
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), user.lang, error);
    }
    let done = improvement_to_measure(&state, &user, id, &form.input).await;
    let anchor = done.map(|_| format!("improvement-{id}"));
    after_post(&state, &user, &uri, &form.entity, anchor).await
}

/// The registers as an Excel workbook.
pub async fn export(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<DrillsQuery>,
) -> Response {
    let lang = user.lang;
    let result: ApiResult<_> = async {
        let v = view(&state, &user, &q).await?;
        let bytes = drills_workbook(&v, lang).map_err(ApiError::internal)?;
        Ok((format!("drills-{}-{}.xlsx", v.entity, v.as_of), bytes))
    }
    .await;
    match result {
        Ok((name, bytes)) => xlsx_download(&name, bytes),
        Err(error) => error_page(Some(&user), lang, error),
    }
}
