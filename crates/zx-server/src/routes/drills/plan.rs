//! Editing a company's yearly drill plan: a planned drill moved to another date (or its
//! scenario and joint units corrected) with a reason, cancelled with a reason (kept in the
//! plan, reminded of no more), and the plan as a workbook in its import layout
//! (`zx_ingest::safety::plan_file`) out and back in. Audited in the store; nothing deleted.
//! The reminders (`reminders.drill_lead_days`) follow the edited date.

use std::collections::BTreeSet;

use axum::Form;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;
use utoipa::ToSchema;
use zx_domain::safety::drill_plan::PlannedDrill;
use zx_domain::{EntityCode, Lang, Role};
use zx_ingest::safety::plan_file::DRILL_PLAN_HEADER;
use zx_store::PlannedOutcome;

use super::DrillsQuery;
use crate::auth::{ApiUser, CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::layout::{error_page, xlsx_download};
use crate::routes::hazards::read_form;
use crate::routes::registers::import::UploadNote;
use crate::routes::registers::scoped;
use crate::routes::{CreatedJson, json_body};
use crate::state::AppState;

/// A new date, scenario or joint units for a planned drill, and why.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviseInput {
    /// `YYYY-MM-DD`.
    pub due: String,
    /// Unchanged when absent.
    #[serde(default)]
    pub scenario: Option<String>,
    /// Unchanged when absent.
    #[serde(default)]
    pub joint_with: Option<String>,
    /// Why; required when the date changes.
    #[serde(default)]
    pub reason: String,
}

/// Why a planned drill is cancelled.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CancelInput {
    pub reason: String,
}

fn invalid(lang: Lang, zh: String, en: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, lang.pick(&zh, &en).to_owned())
}

/// The planned drill `id` if the caller may edit it: outside his scope `not_found`, a viewer
/// or someone who may not submit for its entity `forbidden`, cancelled already
/// `invalid_parameter`.
async fn editable(state: &AppState, user: &CurrentUser, id: i64) -> ApiResult<PlannedDrill> {
    let lang = user.lang;
    let not_found = || {
        ApiError::new(
            ErrorCode::NotFound,
            format!(
                "{} {id}",
                lang.pick("没有这个演练计划：", "no planned drill")
            ),
        )
    };
    let planned = state
        .store
        .planned_drills()
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(not_found)?;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let entity = tree
        .id(&planned.entity)
        .filter(|e| user.access.can_read(tree, *e))
        .ok_or_else(not_found)?;
    if user.access.role == Role::Viewer || !user.access.can_submit(tree, entity) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            lang.pick(
                "无权修改该单位的演练计划（仅限本单位及上级单位的管理人员）",
                "you may not change this unit's drill plan (its managers and those above only)",
            ),
        ));
    }
    if planned.cancel_reason.is_some() {
        return Err(invalid(
            lang,
            format!("演练计划 {id} 已取消"),
            format!("planned drill {id} is cancelled"),
        ));
    }
    Ok(planned)
}

/// Moves or corrects a planned drill; a new date needs a reason.
pub async fn revise(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: &ReviseInput,
) -> ApiResult<()> {
    let lang = user.lang;
    let planned = editable(state, user, id).await?;
    let due = NaiveDate::parse_from_str(input.due.trim(), "%Y-%m-%d").map_err(|_| {
        invalid(
            lang,
            format!("计划日期：“{}”应为 YYYY-MM-DD", input.due),
            format!("due: \"{}\" is not YYYY-MM-DD", input.due),
        )
    })?;
    if due != planned.due && input.reason.trim().is_empty() {
        return Err(invalid(
            lang,
            "改期原因：请填写改期原因".into(),
            "reason: say why the date changes".into(),
        ));
    }
    let text = |given: &Option<String>, stored: &str| {
        given
            .as_deref()
            .map_or_else(|| stored.to_owned(), |t| t.trim().to_owned())
    };
    state
        .store
        .revise_planned_drill(
            id,
            due,
            text(&input.scenario, &planned.scenario),
            text(&input.joint_with, &planned.joint_with),
            input.reason.trim(),
            &user.user.name,
            state.now(),
        )
        .await?;
    Ok(())
}

/// Cancels a planned drill with a reason.
pub async fn cancel(state: &AppState, user: &CurrentUser, id: i64, reason: &str) -> ApiResult<()> {
    let lang = user.lang;
    editable(state, user, id).await?;
    if reason.trim().is_empty() {
        return Err(invalid(
            lang,
            "取消原因：请填写取消原因".into(),
            "reason: say why the drill is cancelled".into(),
        ));
    }
    state
        .store
        .cancel_planned_drill(id, reason, &user.user.name, state.now())
        .await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct ReviseForm {
    csrf: String,
    /// The page's entity, to come back to.
    #[serde(default)]
    entity: String,
    #[serde(flatten)]
    input: ReviseInput,
}

/// `POST /safety/drills/plan/{id}/revise`.
pub async fn post_revise(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Path(id): Path<i64>,
    Form(form): Form<ReviseForm>,
) -> Response {
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), user.lang, error);
    }
    let done = revise(&state, &user, id, &form.input).await;
    back(&state, &user, &uri, &form.entity, id, done).await
}

#[derive(Deserialize)]
pub struct CancelForm {
    csrf: String,
    #[serde(default)]
    entity: String,
    reason: String,
}

/// `POST /safety/drills/plan/{id}/cancel`.
pub async fn post_cancel(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Path(id): Path<i64>,
    Form(form): Form<CancelForm>,
) -> Response {
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), user.lang, error);
    }
    let done = cancel(&state, &user, id, &form.reason).await;
    back(&state, &user, &uri, &form.entity, id, done).await
}

/// To the planned drill on the page; the page with the refusal (422) when the input was
/// wrong; the error page otherwise.
async fn back(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    entity: &str,
    id: i64,
    done: ApiResult<()>,
) -> Response {
    match done {
        Ok(()) => Redirect::to(&format!(
            "/safety/drills?entity={}#planned-{id}",
            crate::auth::urlencode(entity)
        ))
        .into_response(),
        Err(error) if error.code == ErrorCode::InvalidParameter => {
            let note = UploadNote {
                ok: false,
                message: error.text_for(user.lang),
                issues: Vec::new(),
            };
            let entity = Some(entity.to_owned()).filter(|e| !e.is_empty());
            let page = super::pages::with_upload(state, user, uri, entity, note).await;
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(error) => error_page(Some(user), user.lang, error),
    }
}

/// The planned drills of the caller's subtree (or `entity`'s) as a workbook in the import
/// layout: one row each, cancelled ones with their reason, so the plan reads back unchanged.
pub fn plan_workbook(list: &[PlannedDrill]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name("drill_plan")?;
    for (c, h) in DRILL_PLAN_HEADER.split(',').enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (r, p) in list.iter().enumerate() {
        let cells = [
            p.id.to_string(),
            p.entity.to_string(),
            p.plan.clone(),
            p.due.to_string(),
            p.scenario.clone(),
            p.joint_with.clone(),
            p.cancel_reason.clone().unwrap_or_default(),
        ];
        for (c, cell) in cells.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(1 + r as u32, c as u16, cell)?;
            }
        }
    }
    sheet.set_column_width(1, 16)?;
    sheet.set_column_width(2, 20)?;
    sheet.set_column_width(4, 30)?;
    workbook.save_to_buffer()
}

/// `GET /safety/drill-plan.xlsx?entity=`.
pub async fn export(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<DrillsQuery>,
) -> Response {
    let result: ApiResult<_> = async {
        let s = scoped(&state, &user, q.entity.as_deref(), None).await?;
        let snapshot = state.snapshot().await?;
        let tree = snapshot.engine.tree();
        let root = tree
            .id_of(&s.entity)
            .ok_or_else(|| ApiError::internal("the scoped entity is in the tree"))?;
        let list: Vec<PlannedDrill> = state
            .store
            .planned_drills()
            .await?
            .into_iter()
            .filter(|p| {
                tree.id(&p.entity)
                    .is_some_and(|id| tree.is_within(id, root) && user.access.can_read(tree, id))
            })
            .collect();
        let bytes = plan_workbook(&list).map_err(ApiError::internal)?;
        Ok((format!("drill-plan-{}.xlsx", s.entity), bytes))
    }
    .await;
    match result {
        Ok((name, bytes)) => xlsx_download(&name, bytes),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

/// The entities `user` may write, or `forbidden` for a viewer or someone who may write none.
async fn writable(state: &AppState, user: &CurrentUser) -> ApiResult<BTreeSet<EntityCode>> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let set: BTreeSet<EntityCode> = tree
        .entities()
        .iter()
        .filter(|e| {
            tree.id(&e.code)
                .is_some_and(|id| user.access.can_submit(tree, id))
        })
        .map(|e| e.code.clone())
        .collect();
    if user.access.role == Role::Viewer || set.is_empty() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            user.lang.pick(
                "无权导入演练计划（查看者只能查看）",
                "you may not import a drill plan (viewers only read)",
            ),
        ));
    }
    Ok(set)
}

/// `POST /safety/drills/plan/import` (multipart: `csrf`, `entity`, one `file`): the drills
/// page with what the plan file did, or every bad cell and nothing written.
pub async fn post_import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    multipart: Multipart,
) -> Response {
    let lang = user.lang;
    let result: ApiResult<(Option<String>, UploadNote)> = async {
        let form = read_form(multipart).await?;
        user.check_csrf(form.field("csrf").as_deref())?;
        let entity = form.field("entity").filter(|e| !e.trim().is_empty());
        let scope = writable(&state, &user).await?;
        let Some((name, bytes)) = form.files.into_iter().next() else {
            return Err(ApiError::new(
                ErrorCode::InvalidFile,
                lang.pick("请选择要导入的文件", "choose a file to import"),
            ));
        };
        let outcome = zx_app::safety::import_drill_plan(
            &*state.store,
            &name,
            &bytes,
            Some(&scope),
            &user.user.name,
            state.now(),
        )
        .await?;
        let note = match outcome {
            Ok(done) => {
                let count = |o: PlannedOutcome| done.iter().filter(|(_, x)| *x == o).count();
                UploadNote {
                    ok: true,
                    message: lang
                        .pick(
                            "演练计划已导入：新增 {c} 条，修改 {r} 条，取消 {x} 条，未变 {u} 条",
                            "Drill plan imported: {c} added, {r} changed, {x} cancelled, {u} unchanged",
                        )
                        .replace("{c}", &count(PlannedOutcome::Created).to_string())
                        .replace("{r}", &count(PlannedOutcome::Revised).to_string())
                        .replace("{x}", &count(PlannedOutcome::Cancelled).to_string())
                        .replace("{u}", &count(PlannedOutcome::Unchanged).to_string()),
                    issues: Vec::new(),
                }
            }
            Err(rejected) => UploadNote {
                ok: false,
                message: lang
                    .pick(
                        "文件有错误，未导入任何内容：",
                        "The file has errors; nothing was imported:",
                    )
                    .to_owned(),
                issues: crate::views::issue_lines(&rejected.errors, lang),
            },
        };
        Ok((entity, note))
    }
    .await;
    match result {
        Ok((entity, note)) => {
            let status = if note.ok {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let page = super::pages::with_upload(&state, &user, &uri, entity, note).await;
            (status, page).into_response()
        }
        // A store refusal (an id of another plan, a cancelled drill given back without its
        // reason) names the row: shown on the page like a bad cell.
        Err(error)
            if matches!(
                error.code,
                ErrorCode::InvalidParameter | ErrorCode::InvalidFile | ErrorCode::Forbidden
            ) =>
        {
            let note = UploadNote {
                ok: false,
                message: error.text_for(lang),
                issues: Vec::new(),
            };
            let page = super::pages::with_upload(&state, &user, &uri, None, note).await;
            (error.code.status(), page).into_response()
        }
        Err(error) => error_page(Some(&user), lang, error),
    }
}

#[utoipa::path(post, path = "/api/v1/safety/drill-plan/{id}/revise", tag = "safety",
    params(("id" = i64, Path, description = "the planned drill")), request_body = ReviseInput,
    responses((status = 200, body = CreatedJson), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_revise(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    request: axum::extract::Request,
) -> ApiResult<Json<CreatedJson>> {
    let input: ReviseInput = json_body(&state, &user, request).await?;
    revise(&state, &user, id, &input).await?;
    Ok(Json(CreatedJson { id }))
}

#[utoipa::path(post, path = "/api/v1/safety/drill-plan/{id}/cancel", tag = "safety",
    params(("id" = i64, Path, description = "the planned drill")), request_body = CancelInput,
    responses((status = 200, body = CreatedJson), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_cancel(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    request: axum::extract::Request,
) -> ApiResult<Json<CreatedJson>> {
    let input: CancelInput = json_body(&state, &user, request).await?;
    cancel(&state, &user, id, &input.reason).await?;
    Ok(Json(CreatedJson { id }))
}
