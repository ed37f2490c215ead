//! The stack register page (`/environment/stacks`): the list, and for HQ a form to register or
//! change a stack and an upload of a stack file.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zx_domain::Lang;
use zx_domain::cems::{DEFAULT_FURNACE_CODE, OXYGEN_CODE};
use zx_ingest::stacks::{DEFAULT_STANDARD, STACK_CSV_HEADER};

use super::{
    Outcome, STACKS_PATH, StackForm, StackRow, form_of, hq_only, import_file, rows_and_plants,
    save_one,
};
use crate::auth::{CurrentUser, PageUser};
use crate::error::ErrorCode;
use crate::layout::{Me, error_page, here};
use crate::routes::read_upload;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "stacks.html")]
struct StacksPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    csrf: String,
    hq: bool,
    rows: Vec<StackRow>,
    /// Plants and companies a stack may belong to: (code, name).
    plants: Vec<(String, String)>,
    form: StackForm,
    /// Whether the form's MN is registered already (the password may be left blank).
    editing: bool,
    /// What was saved (a success line).
    result: Option<String>,
    /// Why the form or file was refused.
    error: Option<String>,
    /// A refused file's problems, one line each.
    issues: Vec<String>,
    header: &'static str,
}

#[derive(Deserialize)]
pub struct StacksQuery {
    /// `?edit=MN`: the form filled with that stack.
    #[serde(default)]
    edit: Option<String>,
    /// `?saved=MN&outcome=created|updated|unchanged`: after a save (post/redirect/get).
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    status: StatusCode,
    outcome: Outcome,
) -> Response {
    let lang = user.lang;
    let (rows, plants) = match rows_and_plants(state, user).await {
        Ok(found) => found,
        Err(error) => return error_page(Some(user), lang, error),
    };
    let form = outcome.form.unwrap_or_else(|| StackForm {
        standard: DEFAULT_STANDARD.to_owned(),
        oxygen_code: OXYGEN_CODE.to_owned(),
        furnace_code: DEFAULT_FURNACE_CODE.to_owned(),
        ..StackForm::default()
    });
    let editing = rows.iter().any(|r| r.mn == form.mn.trim());
    let page = StacksPage {
        lang,
        me: Me::of(user),
        here: here(uri),
        csrf: user.csrf.clone().unwrap_or_default(),
        hq: user.access.is_hq(),
        rows,
        plants,
        form: StackForm {
            password: String::new(),
            ..form
        },
        editing,
        result: outcome.result,
        error: outcome.error,
        issues: outcome.issues,
        header: STACK_CSV_HEADER,
    };
    (status, page).into_response()
}

/// The list; for HQ the forms (filled with `?edit=MN`'s stack).
pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(query): Query<StacksQuery>,
) -> Response {
    let lang = user.lang;
    let mut outcome = Outcome::default();
    if let Some(mn) = query.edit.as_deref().filter(|m| !m.is_empty())
        && user.access.is_hq()
    {
        match state.store.stack(mn).await {
            Ok(Some(s)) => outcome.form = Some(form_of(&s.stack)),
            Ok(None) => {
                outcome.error = Some(format!("{} {mn}", lang.pick("未登记排放口", "no stack")))
            }
            Err(error) => return error_page(Some(&user), lang, error.into()),
        }
    }
    if let Some(mn) = query.saved.as_deref() {
        let what = match query.outcome.as_deref() {
            Some("created") => lang.pick("已登记", "registered"),
            Some("updated") => lang.pick("已更新", "updated"),
            _ => lang.pick("无变化", "unchanged"),
        };
        // Only an MN is echoed (letters and digits), never free text from the query.
        if zx_domain::cems::check_mn(mn).is_ok() {
            outcome.result = Some(format!("{} {mn}: {what}", lang.pick("排放口", "stack")));
        }
    }
    render(&state, &user, &uri, StatusCode::OK, outcome).await
}

/// Registers or changes one stack from the form: HQ only, CSRF checked. A refused stack is shown
/// on the page with the reason (nothing stored); a saved one is received at once.
pub async fn post_stack(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Form(form): Form<StackForm>,
) -> Response {
    let lang = user.lang;
    if let Err(error) = user
        .check_csrf(Some(&form.csrf))
        .and_then(|()| hq_only(&user))
    {
        return error_page(Some(&user), lang, error);
    }
    match save_one(&state, &user, &form).await {
        Ok((mn, summary)) => {
            let outcome = if summary.created > 0 {
                "created"
            } else if summary.updated > 0 {
                "updated"
            } else {
                "unchanged"
            };
            Redirect::to(&format!("{STACKS_PATH}?saved={mn}&outcome={outcome}")).into_response()
        }
        Err(error) if error.code == ErrorCode::Internal => error_page(Some(&user), lang, error),
        Err(error) => {
            let outcome = Outcome {
                form: Some(form),
                error: Some(error.text_for(lang)),
                ..Outcome::default()
            };
            render(
                &state,
                &user,
                &uri,
                StatusCode::UNPROCESSABLE_ENTITY,
                outcome,
            )
            .await
        }
    }
}

/// Imports a stack file (CSV or XLSX, the columns of `zx stack import`): HQ only, CSRF checked,
/// all or nothing; every problem of a refused file is listed.
pub async fn upload(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    mut multipart: Multipart,
) -> Response {
    let lang = user.lang;
    let form = match read_upload(&mut multipart, "stacks.csv").await {
        Ok(form) => form,
        Err(error) => return error_page(Some(&user), lang, error),
    };
    let (csrf, file) = (form.csrf, form.file);
    if let Err(error) = user
        .check_csrf(csrf.as_deref())
        .and_then(|()| hq_only(&user))
    {
        return error_page(Some(&user), lang, error);
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let outcome = Outcome {
            error: Some(
                lang.pick("请选择要上传的文件", "choose a file to upload")
                    .to_owned(),
            ),
            ..Outcome::default()
        };
        return render(
            &state,
            &user,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            outcome,
        )
        .await;
    };
    let (status, outcome) = match import_file(&state, &user, &file_name, &bytes).await {
        Ok(outcome) => outcome,
        Err(error) if error.code == ErrorCode::Internal => {
            return error_page(Some(&user), lang, error);
        }
        Err(error) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Outcome {
                error: Some(format!(
                    "{file_name}: {}: {}",
                    error.text_for(lang),
                    lang.pick("未写入任何数据", "nothing was imported")
                )),
                ..Outcome::default()
            },
        ),
    };
    render(&state, &user, &uri, status, outcome).await
}
