//! The natural-hazard warnings page: the active warnings of the plants in scope with their
//! checklists and acknowledgement, every alert recorded, the sites' exposures, and the form and
//! CSV upload (`region,hazard,level,from,to`) to enter official warnings.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zx_api::safety_risks::WarningInput;
use zx_domain::Lang;
use zx_domain::safety::natural::{NaturalHazard, WarningLevel};

use super::{ActiveWarnings, active_warnings};
use crate::auth::{CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::layout::{Me, error_page};
use crate::routes::read_upload;
use crate::state::AppState;

pub struct ExposureView {
    pub code: String,
    pub entity: String,
    pub hazard_code: &'static str,
    pub hazard: &'static str,
    pub exposure: &'static str,
    pub season: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "warnings.html")]
struct WarningsPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    active: ActiveWarnings,
    exposures: Vec<ExposureView>,
    hazards: Vec<(&'static str, &'static str)>,
    levels: Vec<(&'static str, &'static str)>,
    exposure_levels: Vec<(&'static str, &'static str)>,
    can_enter: bool,
    message: Option<String>,
    issues: Vec<String>,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    message: Option<String>,
    issues: Vec<String>,
) -> ApiResult<WarningsPage> {
    let lang = user.lang;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let exposures = state
        .store
        .site_exposures()
        .await?
        .into_iter()
        .filter_map(|x| {
            let id = tree.id(&x.entity)?;
            user.access.can_read(tree, id).then(|| ExposureView {
                code: x.entity.to_string(),
                entity: tree.entity(id).name.clone(),
                hazard_code: x.hazard.as_str(),
                hazard: x.hazard.label(lang),
                exposure: x.exposure.label(lang),
                season: x.season.map_or_else(
                    || lang.pick("全年", "all year").to_owned(),
                    |s| s.label(lang),
                ),
            })
        })
        .collect();
    Ok(WarningsPage {
        lang,
        me: Me::of(user),
        here: "/safety/warnings".into(),
        active: active_warnings(state, user, None).await?,
        exposures,
        hazards: NaturalHazard::ALL
            .iter()
            .map(|h| (h.as_str(), h.label(lang)))
            .collect(),
        levels: WarningLevel::ALL
            .iter()
            .map(|l| (l.as_str(), l.label(lang)))
            .collect(),
        exposure_levels: zx_domain::safety::natural::Exposure::ALL
            .iter()
            .map(|x| (x.as_str(), x.label(lang)))
            .collect(),
        can_enter: user.access.role != zx_domain::Role::Viewer,
        message,
        issues,
    })
}

/// `GET /safety/warnings`.
pub async fn page(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    match render(&state, &user, None, Vec::new()).await {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

#[derive(Deserialize)]
pub struct WarningForm {
    csrf: String,
    region: String,
    hazard: String,
    level: String,
    from: String,
    to: String,
}

/// `POST /safety/warnings`: one warning from the form.
pub async fn create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<WarningForm>,
) -> Response {
    let lang = user.lang;
    let result = async {
        user.check_csrf(Some(&form.csrf))?;
        let warning = super::warning_from_input(&WarningInput {
            region: form.region,
            hazard: form.hazard,
            level: form.level,
            // A browser's datetime-local field sends `2026-08-01T08:00`.
            from: form.from,
            to: form.to,
        })?;
        let (_, alerts) = super::add_warnings(&state, &user, vec![warning], "form").await?;
        render(
            &state,
            &user,
            Some(format!(
                "{} {alerts}",
                lang.pick(
                    "预警已登记，通知厂站数：",
                    "Warning recorded; plants alerted:"
                )
            )),
            Vec::new(),
        )
        .await
    }
    .await;
    match result {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

/// `POST /safety/warnings/import`: a CSV (or workbook) of warnings, all or nothing.
pub async fn import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    mut multipart: Multipart,
) -> Response {
    let lang = user.lang;
    let result = async {
        let form = read_upload(&mut multipart, "warnings.csv").await?;
        user.check_csrf(form.csrf.as_deref())?;
        super::refuse_viewer(&user)?;
        let (file_name, bytes) = form.file.ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidFile, "choose a file").zh("请选择文件")
        })?;
        let read = zx_ingest::safety_risks::read_warnings(zx_ingest::Input {
            file_name: &file_name,
            bytes: &bytes,
        });
        let (message, issues) = match read {
            Ok(warnings) => {
                let count = warnings.len();
                let (_, alerts) = super::add_warnings(&state, &user, warnings, &file_name).await?;
                (
                    format!(
                        "{count} {} {alerts}",
                        lang.pick(
                            "条预警已导入，通知厂站数：",
                            "warnings imported; plants alerted:"
                        )
                    ),
                    Vec::new(),
                )
            }
            Err(rejected) => (
                lang.pick(
                    "文件有错误，未导入任何内容：",
                    "The file has errors; nothing was imported:",
                )
                .to_owned(),
                crate::views::issue_lines(&rejected.issues, lang),
            ),
        };
        render(&state, &user, Some(message), issues).await
    }
    .await;
    match result {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

#[derive(Deserialize)]
pub struct AckForm {
    csrf: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    next: String,
}

/// `POST /safety/alerts/{id}/ack`: the plant acknowledges a warning and its checklist.
pub async fn acknowledge(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Form(form): Form<AckForm>,
) -> Response {
    let result = async {
        user.check_csrf(Some(&form.csrf))?;
        super::acknowledge(&state, &user, id, &form.note).await
    }
    .await;
    match result {
        Ok(_) => {
            // Only a local path: never an open redirect.
            let next = if form.next.starts_with('/') && !form.next.starts_with("//") {
                form.next
            } else {
                "/safety/warnings".to_owned()
            };
            Redirect::to(&next).into_response()
        }
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

#[derive(Deserialize)]
pub struct ExposureForm {
    csrf: String,
    entity: String,
    hazard: String,
    exposure: String,
    #[serde(default)]
    season: String,
}

/// `POST /safety/exposures`: one site's exposure to one hazard, with its season (`5-9`; empty:
/// all year); the page again, with the refusal when the input is wrong.
pub async fn set_exposure(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<ExposureForm>,
) -> Response {
    let lang = user.lang;
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), lang, error);
    }
    let input = zx_api::safety_risks::ExposureJson {
        entity: form.entity,
        hazard: form.hazard,
        exposure: form.exposure,
        season: Some(form.season),
    };
    match super::set_exposures(&state, &user, &[input]).await {
        Ok(_) => Redirect::to("/safety/warnings#exposures").into_response(),
        Err(error) if error.code == ErrorCode::InvalidParameter => {
            match render(&state, &user, Some(error.text_for(lang)), Vec::new()).await {
                Ok(page) => (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                Err(error) => error_page(Some(&user), lang, error),
            }
        }
        Err(error) => error_page(Some(&user), lang, error),
    }
}

/// `GET /safety/exposures.xlsx`: the sites' exposures the caller may read, in the layout the
/// import reads (`entity,hazard,exposure,season`, codes as the API's).
pub async fn export_exposures(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let result: ApiResult<Vec<u8>> = async {
        let snapshot = state.snapshot().await?;
        let tree = snapshot.engine.tree();
        let list: Vec<_> = state
            .store
            .site_exposures()
            .await?
            .into_iter()
            .filter(|x| {
                tree.id(&x.entity)
                    .is_some_and(|id| user.access.can_read(tree, id))
            })
            .collect();
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let sheet = workbook.add_worksheet();
        let write = |e: rust_xlsxwriter::XlsxError| ApiError::internal(e);
        sheet.set_name("exposures").map_err(write)?;
        let header = zx_ingest::safety::exposure_file::EXPOSURE_HEADER;
        for (c, h) in header.split(',').enumerate() {
            sheet
                .write_string_with_format(0, c as u16, h, &bold)
                .map_err(write)?;
        }
        for (r, x) in list.iter().enumerate() {
            let season = x.season.map(|s| s.code()).unwrap_or_default();
            let cells = [
                x.entity.as_str(),
                x.hazard.as_str(),
                x.exposure.as_str(),
                &season,
            ];
            for (c, cell) in cells.iter().enumerate() {
                if !cell.is_empty() {
                    sheet
                        .write_string(1 + r as u32, c as u16, *cell)
                        .map_err(write)?;
                }
            }
        }
        workbook.save_to_buffer().map_err(write)
    }
    .await;
    match result {
        Ok(bytes) => crate::layout::xlsx_download("exposures.xlsx", bytes),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

/// `POST /safety/exposures/import`: an exposures workbook or CSV, all or nothing, the rows of
/// the caller's subtree only.
pub async fn import_exposures(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    mut multipart: Multipart,
) -> Response {
    let lang = user.lang;
    let result = async {
        let form = read_upload(&mut multipart, "exposures.csv").await?;
        user.check_csrf(form.csrf.as_deref())?;
        super::refuse_viewer(&user)?;
        let (file_name, bytes) = form.file.ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidFile, "choose a file").zh("请选择文件")
        })?;
        let snapshot = state.snapshot().await?;
        let tree = snapshot.engine.tree();
        let writable: std::collections::BTreeSet<zx_domain::EntityCode> = tree
            .entities()
            .iter()
            .filter(|e| {
                tree.id(&e.code)
                    .is_some_and(|id| user.access.can_submit(tree, id))
            })
            .map(|e| e.code.clone())
            .collect();
        let outcome = zx_app::risks::import_exposures(
            &*state.store,
            &file_name,
            &bytes,
            Some(&writable),
            &user.user.name,
            state.now(),
        )
        .await?;
        let (message, issues) = match outcome {
            Ok(changed) => (
                format!(
                    "{}{changed}",
                    lang.pick(
                        "灾害暴露已导入，变更条数：",
                        "Exposures imported; changed: "
                    )
                ),
                Vec::new(),
            ),
            Err(rejected) => (
                lang.pick(
                    "文件有错误，未导入任何内容：",
                    "The file has errors; nothing was imported:",
                )
                .to_owned(),
                crate::views::issue_lines(&rejected.errors, lang),
            ),
        };
        render(&state, &user, Some(message), issues).await
    }
    .await;
    match result {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}
