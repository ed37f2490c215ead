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

// --- the monthly schedule (HQ) ----------------------------------------------------------------

/// `forbidden` unless the caller is HQ (admin, HQ analyst): the schedule and the kept reports
/// are HQ's.
pub fn only_hq(user: &CurrentUser) -> ApiResult<()> {
    if user.access.is_hq() {
        Ok(())
    } else {
        Err(ApiError::new(
            crate::error::ErrorCode::Forbidden,
            "only HQ sets the report schedule and reads the reports sent",
        )
        .zh("只有总部可以设置报告发送计划、查看已发送报告"))
    }
}

/// A schedule as typed in a form or a JSON body, checked: the time `HH:MM`, the entity known
/// (default: the group), the language (default Chinese), the domain's checks
/// (`ReportSchedule::problems`) in the caller's language.
pub fn parse_schedule(
    snapshot: &crate::state::Snapshot,
    user: &CurrentUser,
    input: zx_api::ScheduleInput,
) -> ApiResult<zx_domain::report_schedule::ReportSchedule> {
    use crate::error::ErrorCode;
    let lang = user.lang;
    let time = chrono::NaiveTime::parse_from_str(input.time.trim(), "%H:%M").map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("time: \"{}\" is not HH:MM", input.time),
        )
        .zh(format!("时间“{}”应为 时:分，如 09:00", input.time))
    })?;
    let tree = snapshot.engine.tree();
    let entity = match input.entity.as_deref().map(str::trim) {
        Some(code) if !code.is_empty() => tree.id_of(code).ok_or_else(|| {
            ApiError::new(ErrorCode::EntityNotFound, format!("unknown entity {code}"))
                .zh(format!("没有单位 {code}"))
        })?,
        _ => *tree.roots().first().ok_or_else(|| {
            ApiError::new(ErrorCode::EntityNotFound, "no entities yet").zh("尚无单位")
        })?,
    };
    let report_lang = match input.lang.as_deref().map(str::trim) {
        None | Some("") => Lang::Zh,
        Some(text) => Lang::parse(text).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("lang: \"{text}\" is not zh or en"),
            )
            .zh(format!("语言“{text}”应为 zh 或 en"))
        })?,
    };
    let recipients = input
        .recipients
        .iter()
        .flat_map(|r| zx_domain::report_schedule::parse_recipients(r))
        .collect::<Vec<_>>();
    let mut unique: Vec<String> = Vec::new();
    for r in recipients {
        if !unique.iter().any(|u| u.eq_ignore_ascii_case(&r)) {
            unique.push(r);
        }
    }
    let schedule = zx_domain::report_schedule::ReportSchedule {
        day: input.day,
        time,
        recipients: unique,
        entity: tree.entity(entity).code.clone(),
        lang: report_lang,
        enabled: input.enabled,
    };
    if let Some(problem) = schedule.problems().first() {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("{}: {}", problem.field(), problem.text(Lang::En)),
        )
        .zh(problem.text(lang)));
    }
    Ok(schedule)
}

/// Sets the schedule (HQ), audited by the store with the old and new settings.
pub async fn save_schedule(
    state: &AppState,
    user: &CurrentUser,
    input: zx_api::ScheduleInput,
) -> ApiResult<zx_store::StoredSchedule> {
    only_hq(user)?;
    let snapshot = state.snapshot().await?;
    let schedule = parse_schedule(&snapshot, user, input)?;
    Ok(state
        .store
        .set_report_schedule(&schedule, &user.user.name, state.now())
        .await?)
}

/// A kept report and its PDF exactly as sent (HQ); `not_found` for an unknown id or a failed
/// attempt.
pub async fn sent_pdf(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> ApiResult<(zx_store::SentReport, Vec<u8>)> {
    only_hq(user)?;
    state.store.sent_report_content(id).await?.ok_or_else(|| {
        ApiError::new(
            crate::error::ErrorCode::NotFound,
            format!("no sent report {id}"),
        )
        .zh(format!("没有已发送报告 {id}"))
    })
}
