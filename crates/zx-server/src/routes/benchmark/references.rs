//! External reference values (industry averages and best values, operations.md) on the web:
//! `GET /api/v1/benchmark/references`, their import by HQ (`POST /api/v1/benchmark/references/
//! import`, and the benchmark page's upload form), and what the page draws of them. Industry
//! figures are public context, so every signed-in user reads them; only HQ changes them.

use axum::Json;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use zx_api::{ImportRejectedJson, IssueJson, ReferenceJson, ReferencesImportedJson};
use zx_domain::benchmark::references::{ExternalReference, to_draw};
use zx_domain::{Lang, format};
use zx_ingest::safety_risks::RowFileRejected;

use super::BenchmarkParams;
use super::pages::BenchmarkPageQuery;
use crate::auth::{ApiUser, CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::layout::{error_page, here};
use crate::routes::read_upload;
use crate::state::AppState;

/// Which reference values to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ReferenceParams {
    /// Only this operating indicator's.
    pub indicator: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/benchmark/references", tag = "kpi", params(ReferenceParams),
    responses((status = 200, body = [ReferenceJson], description = "The values in force: the latest revision of each indicator, segment, kind and year")))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    Query(params): Query<ReferenceParams>,
) -> ApiResult<Json<Vec<ReferenceJson>>> {
    let stored = zx_app::benchmark::references(state.store.as_ref()).await?;
    Ok(Json(
        stored
            .iter()
            .filter(|r| {
                params
                    .indicator
                    .as_deref()
                    .is_none_or(|i| r.reference.indicator == i.trim())
            })
            .map(ReferenceJson::from)
            .collect(),
    ))
}

fn only_hq(user: &CurrentUser) -> ApiResult<()> {
    if user.access.is_hq() {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::Forbidden,
        "only HQ imports industry reference values",
    )
    .zh("只有总部可以导入行业参考值"))
}

/// Reads and saves an uploaded file: the outcomes, or the file's problems.
async fn import(
    state: &AppState,
    user: &CurrentUser,
    file_name: &str,
    bytes: &[u8],
) -> ApiResult<Result<ReferencesImportedJson, RowFileRejected>> {
    only_hq(user)?;
    let snapshot = state.snapshot().await?;
    let saved = zx_app::benchmark::import_references(
        state.store.as_ref(),
        snapshot.engine.catalogue(),
        file_name,
        bytes,
        &user.user.name,
        state.now(),
    )
    .await?;
    Ok(saved.map(|outcomes| ReferencesImportedJson::count(&outcomes)))
}

#[utoipa::path(post, path = "/api/v1/benchmark/references/import", tag = "kpi",
    request_body(content_type = "multipart/form-data",
        description = "a CSV or XLSX with the columns indicator,segment,kind,value,year,source, as a part named `file`"),
    responses((status = 200, body = ReferencesImportedJson),
        (status = 403, body = ErrorBody),
        (status = 422, body = ImportRejectedJson)))]
pub async fn api_import(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    mut multipart: Multipart,
) -> ApiResult<Response> {
    let form = read_upload(&mut multipart, "references.csv").await?;
    if user.csrf.is_some() {
        user.check_csrf(form.csrf.as_deref())?;
    }
    let (file_name, bytes) = form.file.ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidFile, "no part named file").zh("请选择文件")
    })?;
    Ok(match import(&state, &user, &file_name, &bytes).await? {
        Ok(counts) => Json(counts).into_response(),
        Err(rejected) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(ImportRejectedJson {
                ok: false,
                errors: rejected.issues.iter().map(IssueJson::from).collect(),
                warnings: Vec::new(),
            }),
        )
            .into_response(),
    })
}

/// `POST /benchmark/references/import` from the benchmark page: the page again (its indicator,
/// entity, period and segment come as hidden fields) with what happened.
pub async fn page_import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    mut multipart: Multipart,
) -> Response {
    let lang = user.lang;
    let form = match read_upload(&mut multipart, "references.csv").await {
        Ok(form) => form,
        Err(error) => return error_page(Some(&user), lang, error),
    };
    let field = |name: &str| form.fields.get(name).filter(|v| !v.is_empty()).cloned();
    let query = BenchmarkPageQuery {
        params: BenchmarkParams {
            indicator: field("indicator"),
            period: field("period"),
            basis: field("basis"),
            entity: field("entity"),
            segment: field("segment"),
        },
        plant: field("plant"),
    };
    let outcome = async {
        user.check_csrf(form.csrf.as_deref())?;
        let (file_name, bytes) = form.file.as_ref().ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidFile, "choose a file").zh("请选择文件")
        })?;
        import(&state, &user, file_name, bytes).await
    }
    .await;
    let note = match outcome {
        Ok(Ok(counts)) => (
            true,
            lang.pick(
                &format!(
                    "行业参考值已导入：新增 {}，修订 {}，未变 {}",
                    counts.created, counts.revised, counts.unchanged
                ),
                &format!(
                    "Reference values imported: {} created, {} revised, {} unchanged",
                    counts.created, counts.revised, counts.unchanged
                ),
            )
            .to_owned(),
            Vec::new(),
        ),
        Ok(Err(rejected)) => (
            false,
            lang.pick(
                "文件有错误，未导入任何内容：",
                "The file has errors; nothing was imported:",
            )
            .to_owned(),
            crate::views::issue_lines(&rejected.issues, lang),
        ),
        Err(error) if matches!(error.code, ErrorCode::InvalidFile | ErrorCode::Forbidden) => {
            (false, error.text_for(lang), Vec::new())
        }
        Err(error) => return error_page(Some(&user), lang, error),
    };
    let status = if note.0 {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = super::pages::render(&state, &user, here(&uri), &query, Some(note)).await;
    (status, page).into_response()
}

/// A reference value as the page lists it.
pub struct ReferenceRow {
    pub kind: String,
    pub segment: String,
    pub value: String,
    pub year: i32,
    pub source: String,
}

/// A line the chart draws: its label and its value in the chart's unit.
#[derive(serde::Serialize)]
pub struct ReferenceLine {
    pub label: String,
    pub value: String,
}

/// The references of `indicator` the page shows (the latest year of each segment and kind;
/// another segment's left out when the page is of one): the table's rows and the chart's lines.
pub fn for_page(
    stored: &[ExternalReference],
    indicator: &zx_domain::IndicatorDef,
    segment: Option<&str>,
    lang: Lang,
    shown: impl Fn(zx_domain::Decimal) -> String,
    charted: impl Fn(zx_domain::Decimal) -> String,
) -> (Vec<ReferenceRow>, Vec<ReferenceLine>) {
    let drawn = to_draw(stored, &indicator.id, segment);
    let segment_name = |r: &ExternalReference| {
        r.segment.as_deref().map_or_else(
            || lang.pick("全部板块", "all segments").to_owned(),
            |s| format::segment_label(s, lang),
        )
    };
    let rows = drawn
        .iter()
        .map(|r| ReferenceRow {
            kind: r.kind.label(lang).to_owned(),
            segment: segment_name(r),
            value: shown(r.value),
            year: r.year,
            source: r.source.clone(),
        })
        .collect();
    let lines = drawn
        .iter()
        .map(|r| ReferenceLine {
            label: match &r.segment {
                Some(_) => format!("{} {} {}", r.kind.label(lang), segment_name(r), r.year),
                None => format!("{} {}", r.kind.label(lang), r.year),
            },
            value: charted(r.value),
        })
        .collect();
    (rows, lines)
}
