//! The collection page: the monitor grid, uploads with every validation error shown, HQ's
//! review form and the fill-in template.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zx_app::import::SourceFile;
use zx_domain::{EntityCode, Lang};

use super::{ConfirmLock, GridRow, IssueRow, Outcome, check_and_import, grid, review, state_label};
use crate::auth::{CurrentUser, PageUser};
use crate::error::{ApiError, ErrorCode};
use crate::layout::{Me, error_page, here, xlsx_download};
use crate::routes::read_upload;
use crate::scope::{entity_in_scope, entity_or_home, year_or_latest};
use crate::state::AppState;
use zx_app::collect::Reviewed;

#[derive(Template, WebTemplate)]
#[template(path = "collect.html")]
struct CollectPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    csrf: String,
    year: i32,
    root: String,
    months: Vec<String>,
    rows: Vec<GridRow>,
    /// Whether any cell has a figure out of line with its history.
    has_outliers: bool,
    hq: bool,
    can_submit: bool,
    entities: Vec<(String, String)>,
    file_name: String,
    issues: Vec<IssueRow>,
    result: Option<String>,
    error_count: usize,
    confirm_lock: Option<ConfirmLock>,
    /// Day of the following month by which a month's figures are due.
    due_day: u32,
    /// The manager register's counts for the month being collected, beside what was reported.
    register: Vec<crate::routes::managers::pages::RegisterNote>,
}

#[derive(Deserialize)]
pub struct CollectQuery {
    year: Option<i32>,
    entity: Option<String>,
    message: Option<String>,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    year: Option<i32>,
    root: Option<&str>,
    outcome: Outcome,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let tree = snapshot.engine.tree();
        let root_id = entity_or_home(
            &snapshot,
            user,
            root,
            user.lang.pick(
                "您的账号未绑定可查看的单位",
                "your account has no entity to show",
            ),
        )?;
        let year = year_or_latest(&snapshot, year, state.today());
        let (months, rows) = grid(state, user, root_id, year).await?;
        let register =
            crate::routes::managers::pages::register_notes(state, user, &snapshot, root_id, year)
                .await?;
        let entities = rows
            .iter()
            .map(|r| (r.code.clone(), r.name.clone()))
            .collect();
        Ok::<_, ApiError>((
            year,
            tree.entity(root_id).code.to_string(),
            months,
            rows,
            entities,
            register,
        ))
    }
    .await;
    match result {
        Ok((year, root, months, rows, entities, register)) => CollectPage {
            lang,
            me: Me::of(user),
            here: here(uri),
            csrf: user.csrf.clone().unwrap_or_default(),
            year,
            root,
            months,
            has_outliers: rows
                .iter()
                .any(|r| r.cells.iter().any(|c| !c.outliers.is_empty())),
            rows,
            hq: user.access.is_hq(),
            can_submit: user.access.role != zx_domain::Role::Viewer,
            entities,
            file_name: outcome.file_name,
            issues: outcome.issues,
            result: outcome.result,
            error_count: outcome.error_count,
            confirm_lock: outcome.confirm_lock,
            due_day: state.collection_policy().due_day,
            register,
        }
        .into_response(),
        Err(error) => error_page(Some(user), lang, error),
    }
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(query): Query<CollectQuery>,
) -> Response {
    let outcome = Outcome {
        file_name: String::new(),
        issues: Vec::new(),
        result: query.message,
        error_count: 0,
        confirm_lock: None,
    };
    render(
        &state,
        &user,
        &uri,
        query.year,
        query.entity.as_deref(),
        outcome,
    )
    .await
}

/// Validates an uploaded file and, when it is clean and the user asked to submit, imports it
/// in one transaction and marks its entity-months as submitted.
pub async fn upload(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    mut multipart: Multipart,
) -> Response {
    let lang = user.lang;
    let form = match read_upload(&mut multipart, "upload.csv").await {
        Ok(form) => form,
        Err(error) => return error_page(Some(&user), lang, error),
    };
    let (csrf, file) = (form.csrf, form.file);
    let submit = form.fields.get("action").is_none_or(|a| a != "check");
    if let Err(error) = user.check_csrf(csrf.as_deref()) {
        return error_page(Some(&user), lang, error);
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return error_page(
            Some(&user),
            lang,
            ApiError::new(
                ErrorCode::InvalidFile,
                lang.pick("请选择要上传的文件", "choose a file to upload"),
            ),
        );
    };
    let file = SourceFile {
        name: file_name.clone(),
        bytes,
    };
    let outcome = match check_and_import(&state, &user, file, submit).await {
        Ok(outcome) => outcome,
        Err(error) => Outcome {
            file_name: file_name.clone(),
            issues: vec![IssueRow {
                place: String::new(),
                column: String::new(),
                value: String::new(),
                message: error.text_for(lang),
                severity: "error",
            }],
            result: None,
            error_count: 1,
            confirm_lock: None,
        },
    };
    render(&state, &user, &uri, None, None, outcome).await
}

#[derive(Deserialize)]
pub struct StateForm {
    csrf: String,
    entity: String,
    month: String,
    state: String,
    comment: Option<String>,
    /// `on` (the confirm checkbox): lock although units below have not submitted.
    force: Option<String>,
}

/// HQ reviews a month: approve, return with a comment, lock, or reopen (back to submitted). A
/// lock over units that have not submitted shows them and asks for confirmation first.
pub async fn set_state(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Form(form): Form<StateForm>,
) -> Response {
    let lang = user.lang;
    let result = async {
        user.check_csrf(Some(&form.csrf))?;
        let reviewed = review(
            &state,
            &user,
            &form.entity,
            &form.month,
            &form.state,
            form.comment.clone(),
            form.force.as_deref().is_some_and(|f| !f.is_empty()),
        )
        .await?;
        // The approval went through; its message names the R&D flag the comment now carries.
        let flag = match (
            &reviewed,
            form.state.as_str(),
            EntityCode::parse(&form.entity),
        ) {
            ((month, Reviewed::Done), "approved", Ok(entity)) => {
                super::rnd_flag(&state, &user, &entity, *month).await?
            }
            _ => None,
        };
        Ok::<_, ApiError>((reviewed, flag.map(|r| r.sentence(lang))))
    }
    .await;
    match result {
        Ok(((month, Reviewed::Done), flag)) => Redirect::to(&format!(
            "/collect?year={}&message={}",
            month.year(),
            crate::auth::urlencode(&format!(
                "{} {} {}{}",
                form.entity,
                form.month,
                state_label(&form.state, lang),
                flag.map_or(String::new(), |f| format!(
                    "{}{f}",
                    lang.pick("。注意：", ". Note: ")
                ))
            ))
        ))
        .into_response(),
        Ok(((month, Reviewed::NeedsConfirmation { missing }), _)) => {
            let outcome = Outcome {
                file_name: String::new(),
                issues: Vec::new(),
                result: None,
                error_count: 0,
                confirm_lock: Some(ConfirmLock {
                    entity: form.entity.clone(),
                    month: month.to_string(),
                    comment: form.comment.clone().unwrap_or_default(),
                    missing: missing
                        .into_iter()
                        .map(|(code, name)| (code.to_string(), name))
                        .collect(),
                }),
            };
            render(&state, &user, &uri, Some(month.year()), None, outcome).await
        }
        Err(error) => error_page(Some(&user), lang, error),
    }
}

#[derive(Deserialize)]
pub struct TemplateQuery {
    entity: String,
    year: i32,
}

/// The fill-in template of an entity in the user's scope.
pub async fn template(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<TemplateQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let id = entity_in_scope(&snapshot, &user, &query.entity)?;
        let entity = snapshot.engine.tree().entity(id).clone();
        let existing: Vec<zx_domain::Fact> = state
            .store
            .current_facts()
            .await?
            .into_iter()
            .filter(|f| f.entity == entity.code && f.month.year() == query.year)
            .collect();
        let bytes = zx_ingest::write_template(&state.catalogue, &entity, query.year, &existing)
            .map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.to_string()))?;
        Ok::<_, ApiError>((
            format!("template-{}-{}.xlsx", entity.code, query.year),
            bytes,
        ))
    }
    .await;
    match result {
        Ok((name, bytes)) => xlsx_download(&name, bytes),
        Err(error) => error_page(Some(&user), lang, error),
    }
}
