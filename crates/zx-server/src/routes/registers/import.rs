//! Uploading the safety registers (plans, drills, people, training, certificates and hazards
//! files, CSV or the registers' own workbooks) on the drills and people pages and through the
//! API: the same service as `zx safety import` (`zx_app::safety::import_files_within`), one
//! transaction, all or nothing, audited. A manager writes only the entities of his subtree (a
//! row of another is refused on its cell, with everything else wrong in the files), HQ
//! anything, a viewer nothing.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use zx_api::{ImportRejectedJson, IssueJson, SafetyImportedFileJson, SafetyImportedJson};
use zx_app::import::SourceFile;
use zx_app::safety::{SafetyImport, import_files_within};
use zx_domain::{EntityCode, Lang, Role};

use crate::auth::{ApiUser, CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::layout::error_page;
use crate::routes::hazards::read_form;
use crate::state::AppState;

/// At most this many files in one upload (one of each kind).
pub const MAX_UPLOAD_FILES: usize = 6;

/// What an upload did, as the page shows it.
pub struct UploadNote {
    pub ok: bool,
    pub message: String,
    /// Every bad cell, one a line (file, row, column, value and why).
    pub issues: Vec<String>,
}

/// Reads and imports `files` for `user`: `Forbidden` for a viewer or someone who may write no
/// entity, `InvalidFile` for no file or too many; otherwise what the service did.
pub async fn import(
    state: &AppState,
    user: &CurrentUser,
    files: Vec<(String, Vec<u8>)>,
) -> ApiResult<SafetyImport> {
    let lang = user.lang;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let writable: BTreeSet<EntityCode> = tree
        .entities()
        .iter()
        .filter(|e| {
            tree.id(&e.code)
                .is_some_and(|id| user.access.can_submit(tree, id))
        })
        .map(|e| e.code.clone())
        .collect();
    if user.access.role == Role::Viewer || writable.is_empty() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            lang.pick(
                "无权导入安全台账（查看者只能查看）",
                "you may not import safety registers (viewers only read)",
            ),
        ));
    }
    if files.is_empty() || files.len() > MAX_UPLOAD_FILES {
        return Err(ApiError::new(
            ErrorCode::InvalidFile,
            lang.pick(
                "请选择 1 至 6 个台账文件",
                "choose between 1 and 6 register files",
            ),
        ));
    }
    let files: Vec<SourceFile> = files
        .into_iter()
        .map(|(name, bytes)| SourceFile { name, bytes })
        .collect();
    Ok(import_files_within(
        &*state.store,
        &files,
        Some(&writable),
        &user.user.name,
        state.now(),
    )
    .await?)
}

/// The page's words for what an import did.
pub fn note(outcome: &SafetyImport, lang: Lang) -> UploadNote {
    match outcome {
        SafetyImport::Imported { files, summary } => {
            let files: Vec<String> = files
                .iter()
                .map(|f| format!("{} ({} {})", f.file, f.rows, lang.pick("行", "rows")))
                .collect();
            UploadNote {
                ok: true,
                message: lang
                    .pick(
                        "已导入 {f}：新增 {c} 条，修订 {r} 条，未变 {u} 条；隐患新增 {hc} 条，修订 {hr} 条，未变 {hu} 条",
                        "Imported {f}: {c} created, {r} revised, {u} unchanged; hazards {hc} created, {hr} revised, {hu} unchanged",
                    )
                    .replace("{f}", &files.join(", "))
                    .replace("{c}", &summary.created.to_string())
                    .replace("{r}", &summary.revised.to_string())
                    .replace("{u}", &summary.unchanged.to_string())
                    .replace("{hc}", &summary.hazards.created.to_string())
                    .replace("{hr}", &summary.hazards.revised.to_string())
                    .replace("{hu}", &summary.hazards.unchanged.to_string()),
                issues: Vec::new(),
            }
        }
        SafetyImport::Rejected(rejected) => UploadNote {
            ok: false,
            message: lang
                .pick(
                    "文件有错误，未导入任何内容：",
                    "The files have errors; nothing was imported:",
                )
                .to_owned(),
            issues: crate::views::issue_lines(&rejected.errors, lang),
        },
    }
}

/// `POST /safety/registers/import` (multipart: `csrf`, `back` = `drills` | `people`,
/// `entity`, the files as `file`): the page it came from again, with what the upload did.
pub async fn post_import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    multipart: Multipart,
) -> Response {
    let lang = user.lang;
    let form = match read_form(multipart).await {
        Ok(form) => form,
        Err(error) => return error_page(Some(&user), lang, error),
    };
    if let Err(error) = user.check_csrf(form.field("csrf").as_deref()) {
        return error_page(Some(&user), lang, error);
    }
    let entity = form.field("entity").filter(|e| !e.trim().is_empty());
    let back = form.field("back").unwrap_or_default();
    let (status, upload) = match import(&state, &user, form.files).await {
        Ok(outcome) => {
            let note = note(&outcome, lang);
            let status = if note.ok {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            (status, note)
        }
        Err(error) if matches!(error.code, ErrorCode::InvalidFile | ErrorCode::Forbidden) => (
            error.code.status(),
            UploadNote {
                ok: false,
                message: error.text_for(lang),
                issues: Vec::new(),
            },
        ),
        Err(error) => return error_page(Some(&user), lang, error),
    };
    let page = if back == "people" {
        crate::routes::people::pages::with_upload(&state, &user, &uri, entity, upload).await
    } else {
        crate::routes::drills::pages::with_upload(&state, &user, &uri, entity, upload).await
    };
    (status, page).into_response()
}

/// Imports safety register files (multipart, each field `file`; cookie callers send `csrf`):
/// the files read and the counts, or every bad cell and nothing written.
#[utoipa::path(post, path = "/api/v1/safety/records/import", tag = "safety",
    request_body(content_type = "multipart/form-data",
        description = "the files (CSV or XLSX, safety.md §7's headers), each as a part named `file`; up to 6"),
    responses((status = 200, body = SafetyImportedJson),
        (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = ImportRejectedJson)))]
pub async fn api_import(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    multipart: Multipart,
) -> ApiResult<Response> {
    let form = read_form(multipart).await?;
    if user.csrf.is_some() {
        user.check_csrf(form.field("csrf").as_deref())?;
    }
    Ok(match import(&state, &user, form.files).await? {
        SafetyImport::Imported { files, summary } => Json(SafetyImportedJson {
            ok: true,
            files: files
                .iter()
                .map(|f| SafetyImportedFileJson {
                    file: f.file.clone(),
                    kind: f.kind.code(),
                    rows: f.rows,
                })
                .collect(),
            created: summary.created,
            revised: summary.revised,
            unchanged: summary.unchanged,
            hazards_created: summary.hazards.created,
            hazards_revised: summary.hazards.revised,
            hazards_unchanged: summary.hazards.unchanged,
        })
        .into_response(),
        SafetyImport::Rejected(rejected) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(ImportRejectedJson {
                ok: false,
                errors: rejected.errors.iter().map(IssueJson::from).collect(),
                warnings: Vec::new(),
            }),
        )
            .into_response(),
    })
}
