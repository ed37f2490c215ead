//! The monthly report (issue 16) on the web: "download PDF" and its Excel twin on the cockpit
//! (`/report.pdf`, `/report.xlsx`) and in the API (`/api/v1/entities/{code}/report`). The same
//! content as `zx report --format pdf|xlsx`: `crate::report::build` over the cockpit's view
//! model, in the caller's scope (an entity outside it answers 403, as everywhere).

pub mod api;
pub mod pages;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use zx_domain::{EntityId, Lang};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::scope::choose_period;
use crate::state::AppState;

/// What to write.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    #[default]
    Pdf,
    Xlsx,
}

/// The report's parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// `YYYY-MM`; default: the month the cockpit opens on (the latest complete one).
    pub period: Option<String>,
    /// `ytd` (default) or `month`.
    pub basis: Option<String>,
    /// `pdf` (default) or `xlsx`.
    pub format: Option<ReportFormat>,
    /// `zh` or `en`; default: the caller's language.
    pub lang: Option<String>,
}

/// The report file of entity `id` (checked against the caller's scope) and its name.
pub async fn make(
    state: &AppState,
    user: &CurrentUser,
    id: EntityId,
    query: &ReportQuery,
) -> ApiResult<(String, ReportFormat, Vec<u8>)> {
    let snapshot = state.snapshot().await?;
    let chosen = choose_period(
        state,
        &snapshot,
        id,
        query.period.as_deref(),
        query.basis.as_deref(),
    )
    .await?;
    let mut user = user.clone();
    if let Some(lang) = query.lang.as_deref().and_then(Lang::parse) {
        user.lang = lang;
    }
    let report = crate::report::build(state, &user, &snapshot, id, &chosen).await?;
    let format = query.format.unwrap_or_default();
    // Typesetting takes a CPU for a moment: off the async workers.
    let bytes = tokio::task::spawn_blocking(move || match format {
        ReportFormat::Pdf => crate::report::pdf(&report),
        ReportFormat::Xlsx => zx_report::xlsx(&report).map_err(ApiError::internal),
    })
    .await
    .map_err(ApiError::internal)??;
    let extension = match format {
        ReportFormat::Pdf => "pdf",
        ReportFormat::Xlsx => "xlsx",
    };
    let name = format!(
        "report-{}-{}.{extension}",
        snapshot.engine.tree().entity(id).code,
        chosen.period.end
    );
    Ok((name, format, bytes))
}

/// The file as a download.
pub fn download(name: &str, format: ReportFormat, bytes: Vec<u8>) -> Response {
    match format {
        ReportFormat::Xlsx => crate::layout::xlsx_download(name, bytes),
        ReportFormat::Pdf => {
            let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                .unwrap_or(HeaderValue::from_static("attachment"));
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/pdf"),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                bytes,
            )
                .into_response()
        }
    }
}
