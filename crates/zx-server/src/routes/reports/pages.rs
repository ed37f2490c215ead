//! `/report.pdf` and `/report.xlsx`: the cockpit's "download PDF" (and Excel) links;
//! `/reports/schedule`: HQ's monthly schedule and the reports it sent, each downloadable.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use zx_domain::Lang;

use super::{ReportFormat, ReportQuery, download, make};
use crate::auth::{CurrentUser, PageUser};
use crate::error::ApiResult;
use crate::layout::{Me, china_time, error_page, here};
use crate::scope::entity_or_home;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct ReportPageQuery {
    entity: Option<String>,
    period: Option<String>,
    basis: Option<String>,
    lang: Option<String>,
}

async fn file(
    state: AppState,
    user: crate::auth::CurrentUser,
    query: ReportPageQuery,
    format: ReportFormat,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let id = entity_or_home(
            &snapshot,
            &user,
            query.entity.as_deref(),
            lang.pick(
                "您的账号未绑定可查看的单位",
                "your account has no entity to show",
            ),
        )?;
        let request = ReportQuery {
            period: query.period,
            basis: query.basis,
            format: Some(format),
            lang: query.lang,
        };
        make(&state, &user, id, &request).await
    }
    .await;
    match result {
        Ok((name, format, bytes)) => download(&name, format, bytes),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

pub async fn pdf(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<ReportPageQuery>,
) -> Response {
    file(state, user, query, ReportFormat::Pdf).await
}

pub async fn xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<ReportPageQuery>,
) -> Response {
    file(state, user, query, ReportFormat::Xlsx).await
}

// --- `/reports/schedule`: HQ's monthly schedule and the reports it kept -------------------------

/// One kept attempt as the list shows it.
pub struct SentRow {
    pub id: i64,
    pub period: String,
    pub entity_name: String,
    pub at: String,
    pub recipients: String,
    pub sent: bool,
    pub outcome: &'static str,
    pub size: String,
    pub file_name: String,
    pub error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "report_schedule.html")]
struct SchedulePage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    /// The form's values: the stored schedule, or what was typed when it was refused.
    day: String,
    time: String,
    recipients: String,
    entity: String,
    report_lang: String,
    enabled: bool,
    /// (code, name) of the entities whose report may be scheduled: the group and the units
    /// right below it.
    entities: Vec<(String, String)>,
    /// Who changed it last, and when (China time).
    updated: Option<(String, String)>,
    /// What the save did: (ok, text).
    message: Option<(bool, String)>,
    rows: Vec<SentRow>,
}

/// The form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct ScheduleForm {
    pub csrf: Option<String>,
    pub day: String,
    pub time: String,
    pub recipients: String,
    pub entity: Option<String>,
    pub lang: Option<String>,
    /// A checkbox: present when ticked.
    pub enabled: Option<String>,
}

async fn schedule_page(
    state: &AppState,
    user: &CurrentUser,
    here: String,
    typed: Option<&ScheduleForm>,
    message: Option<(bool, String)>,
) -> ApiResult<SchedulePage> {
    super::only_hq(user)?;
    let lang = user.lang;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let mut entities = Vec::new();
    for root in tree.roots() {
        entities.push((
            tree.entity(root).code.to_string(),
            tree.entity(root).name.clone(),
        ));
        for child in tree.children(root) {
            let e = tree.entity(*child);
            entities.push((e.code.to_string(), e.name.clone()));
        }
    }
    let name_of = |code: &str| {
        tree.id_of(code)
            .map_or_else(|| code.to_owned(), |id| tree.entity(id).name.clone())
    };
    let stored = state.store.report_schedule().await?;
    let (day, time, recipients, entity, report_lang, enabled) = match (typed, &stored) {
        (Some(form), _) => (
            form.day.clone(),
            form.time.clone(),
            form.recipients.clone(),
            form.entity.clone().unwrap_or_default(),
            form.lang.clone().unwrap_or_else(|| "zh".into()),
            form.enabled.is_some(),
        ),
        (None, Some(s)) => (
            s.schedule.day.to_string(),
            zx_store::time_text(s.schedule.time),
            s.schedule.recipients.join("\n"),
            s.schedule.entity.to_string(),
            s.schedule.lang.pick("zh", "en").to_owned(),
            s.schedule.enabled,
        ),
        (None, None) => (
            "5".into(),
            "09:00".into(),
            String::new(),
            entities.first().map(|e| e.0.clone()).unwrap_or_default(),
            "zh".into(),
            false,
        ),
    };
    let rows = state
        .store
        .sent_reports()
        .await?
        .into_iter()
        .map(|r| SentRow {
            id: r.id,
            period: r.period.to_string(),
            entity_name: name_of(r.entity.as_str()),
            at: china_time(r.at),
            recipients: r.recipients.join(", "),
            sent: r.outcome == zx_store::SendOutcome::Sent,
            outcome: match r.outcome {
                zx_store::SendOutcome::Sent => lang.pick("已发送", "sent"),
                zx_store::SendOutcome::Failed => lang.pick("发送失败", "failed"),
            },
            size: format!("{} KB", r.size.div_ceil(1024)),
            file_name: r.file_name,
            error: r.error,
        })
        .collect();
    Ok(SchedulePage {
        lang,
        me: Me::of(user),
        here,
        day,
        time,
        recipients,
        entity,
        report_lang,
        enabled,
        entities,
        updated: stored.map(|s| (s.updated_by, china_time(s.updated_at))),
        message,
        rows,
    })
}

pub async fn schedule(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
) -> Response {
    match schedule_page(&state, &user, here(&uri), None, None).await {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

/// `POST /reports/schedule` (HQ): saves and shows the page again with what happened; a refused
/// schedule keeps what was typed beside the reason.
pub async fn save(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<ScheduleForm>,
) -> Response {
    let lang = user.lang;
    if let Err(error) = super::only_hq(&user).and_then(|()| user.check_csrf(form.csrf.as_deref())) {
        return error_page(Some(&user), lang, error);
    }
    let input = zx_api::ScheduleInput {
        day: form.day.trim().parse().unwrap_or(0),
        time: form.time.clone(),
        recipients: vec![form.recipients.clone()],
        entity: form.entity.clone(),
        lang: form.lang.clone(),
        enabled: form.enabled.is_some(),
    };
    let (typed, message) = match super::save_schedule(&state, &user, input).await {
        Ok(_) => (
            None,
            (
                true,
                lang.pick("发送计划已保存", "Schedule saved").to_owned(),
            ),
        ),
        Err(error) => (Some(&form), (false, error.text_for(lang))),
    };
    let here = "/reports/schedule".to_owned();
    match schedule_page(&state, &user, here, typed, Some(message)).await {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

/// `GET /reports/sent/{id}`: a kept report's PDF exactly as it was attached (HQ).
pub async fn sent_file(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Response {
    match super::sent_pdf(&state, &user, id).await {
        Ok((kept, bytes)) => download(&kept.file_name, ReportFormat::Pdf, bytes),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}
