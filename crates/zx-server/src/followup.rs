//! Following measures up in the web and the API: one measure's page (updates with comments,
//! milestones, evidence), creating a measure (from a red indicator), inspection visits, and
//! the user's notifications.
//!
//! Scope rules, as for the cockpit: a user sees a measure when they may read its entity; they
//! may change it when they may submit for its entity (HQ anywhere, an entity manager in their
//! subtree) or answer for it (owner or co-owner). Evidence downloads go through the same check
//! as the measure they belong to. The service functions here are shared by pages and API.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, extract::FromRequest};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

use zx_domain::followup::{Attachment, MeasureChange, may_change, may_see, visit_progress};
use zx_domain::measures::china_date;
use zx_domain::{EntityCode, Lang, Measure, MeasureStatus};
use zx_ingest::evidence::{MAX_EVIDENCE_BYTES, check_evidence};
use zx_store::{NewAttachment, NewMeasure, NewVisit};

use crate::auth::{ApiUser, CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::pages::{Me, error_page, here};
use crate::state::{AppState, Snapshot};

// --- scope ------------------------------------------------------------------------------------

fn not_found(lang: Lang, what: &str, id: i64) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("{} {what} {id}", lang.pick("没有", "no")),
    )
}

/// The measure and the snapshot its scope was judged on, if the user may see it; `not_found`
/// otherwise (a measure outside one's scope is not revealed). The rules are the domain's
/// (`zx_domain::followup::may_see` / `may_change`).
async fn readable_measure(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> ApiResult<(Measure, Arc<Snapshot>)> {
    let snapshot = state.snapshot().await?;
    match state.store.measure(id).await? {
        Some(m) if may_see(&user.access, snapshot.engine.tree(), &m) => Ok((m, snapshot)),
        _ => Err(not_found(user.lang, "measure", id)),
    }
}

fn can_edit(snapshot: &Snapshot, user: &CurrentUser, m: &Measure) -> bool {
    may_change(&user.access, snapshot.engine.tree(), &user.user.name, m)
}

async fn editable_measure(state: &AppState, user: &CurrentUser, id: i64) -> ApiResult<Measure> {
    let (m, snapshot) = readable_measure(state, user, id).await?;
    if can_edit(&snapshot, user, &m) {
        Ok(m)
    } else {
        Err(ApiError::new(
            ErrorCode::Forbidden,
            user.lang.pick(
                "无权修改该措施（仅限本单位及下级单位的管理人员、责任人）",
                "you may not change this measure (managers of its unit or above, its owners)",
            ),
        ))
    }
}

fn parse_date(field: &str, text: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("{field}: \"{text}\" is not a date (YYYY-MM-DD)"),
        )
    })
}

fn optional_date(field: &str, text: Option<&str>) -> ApiResult<Option<NaiveDate>> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| parse_date(field, t))
        .transpose()
}

// --- services ---------------------------------------------------------------------------------

/// A measure to create, as a form or JSON gives it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MeasureInput {
    pub entity: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Indicator id (`roe`…); empty for none.
    #[serde(default)]
    pub indicator: Option<String>,
    #[serde(default)]
    pub expected_effect: String,
    /// User name.
    pub owner: String,
    /// Co-owners' user names, comma-separated in forms.
    #[serde(default)]
    pub co_owners: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub start: Option<String>,
    /// `YYYY-MM-DD`.
    pub due: String,
}

async fn create_measure(
    state: &AppState,
    user: &CurrentUser,
    input: MeasureInput,
) -> ApiResult<i64> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let entity = crate::api::entity_in_scope(&snapshot, user, input.entity.trim())?;
    if !user.access.can_submit(tree, entity) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            user.lang.pick(
                "无权为该单位建立措施",
                "you may not add measures for this unit",
            ),
        ));
    }
    let indicator = input
        .indicator
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty());
    if let Some(id) = &indicator
        && snapshot.engine.catalogue().indicator_index(id).is_none()
    {
        return Err(ApiError::new(
            ErrorCode::IndicatorNotFound,
            format!("indicator: no indicator \"{id}\""),
        ));
    }
    let co_owners = input
        .co_owners
        .unwrap_or_default()
        .split([',', '，', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    let measure = NewMeasure {
        entity: tree.entity(entity).code.clone(),
        title: input.title.trim().to_owned(),
        indicator,
        owner: input.owner.trim().to_owned(),
        start: optional_date("start", input.start.as_deref())?,
        due: parse_date("due", &input.due)?,
        status: MeasureStatus::Planned,
        progress: 0,
        description: input.description.trim().to_owned(),
        expected_effect: input.expected_effect.trim().to_owned(),
        co_owners,
        visit: None,
    };
    if let Some(start) = measure.start
        && measure.due < start
    {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("due: {} is before the start date {start}", measure.due),
        ));
    }
    Ok(state
        .store
        .create_measure(measure, &user.user.name, Utc::now())
        .await?)
}

/// An update of a measure, as a form or JSON gives it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateInput {
    /// The revision the change was made on (from the page or `GET /api/v1/measures/{id}`).
    pub revision: i64,
    /// `planned|in_progress|done|cancelled`; empty: unchanged.
    #[serde(default)]
    pub status: Option<String>,
    /// 0–100; empty: unchanged.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub progress: Option<u8>,
    /// New deadline `YYYY-MM-DD`; empty: unchanged. Needs a comment.
    #[serde(default)]
    pub due: Option<String>,
    /// The comment; the reason when cancelling or moving the deadline.
    #[serde(default)]
    pub comment: String,
}

/// Forms send `progress=` for an untouched field.
fn empty_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(u8),
        Text(String),
    }
    match Option::<Either>::deserialize(d)? {
        None => Ok(None),
        Some(Either::Number(n)) => Ok(Some(n)),
        Some(Either::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(Either::Text(t)) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("progress: \"{t}\" is not 0–100"))),
    }
}

async fn update_measure(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: UpdateInput,
) -> ApiResult<Measure> {
    let measure = editable_measure(state, user, id).await?;
    let status = match input
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(text) => Some(MeasureStatus::parse(text).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("status: \"{text}\" is not planned, in_progress, done or cancelled"),
            )
        })?),
        None => None,
    };
    let due = optional_date("due", input.due.as_deref())?.filter(|d| *d != measure.due);
    let change = MeasureChange {
        status: status.filter(|s| *s != measure.status),
        progress: input.progress.filter(|p| *p != measure.progress),
        due,
        comment: input.comment,
    };
    Ok(state
        .store
        .update_measure(id, input.revision, change, &user.user.name, Utc::now())
        .await?)
}

async fn add_evidence(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    milestone: Option<i64>,
    file_name: String,
    content: Vec<u8>,
) -> ApiResult<Attachment> {
    editable_measure(state, user, id).await?;
    let media_type = check_evidence(&file_name, &content, MAX_EVIDENCE_BYTES).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidFile,
            user.lang.pick(&e.message_zh(), &e.to_string()),
        )
    })?;
    Ok(state
        .store
        .add_attachment(
            NewAttachment {
                measure: id,
                milestone,
                file_name,
                media_type: media_type.to_owned(),
                content,
            },
            &user.user.name,
            Utc::now(),
        )
        .await?)
}

/// A milestone as a form or JSON gives it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MilestoneInput {
    pub title: String,
    /// `YYYY-MM-DD`.
    pub due: String,
}

async fn add_milestone(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: &MilestoneInput,
) -> ApiResult<i64> {
    editable_measure(state, user, id).await?;
    let due = parse_date("due", &input.due)?;
    Ok(state
        .store
        .add_milestone(id, &input.title, due, &user.user.name, Utc::now())
        .await?)
}

/// Marks a milestone of measure `id` reached today (China date).
async fn complete_milestone(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    milestone: i64,
) -> ApiResult<()> {
    editable_measure(state, user, id).await?;
    let of_measure = state
        .store
        .milestones(Some(id))
        .await?
        .iter()
        .any(|m| m.id == milestone);
    if !of_measure {
        return Err(not_found(user.lang, "milestone", milestone));
    }
    let now = Utc::now();
    Ok(state
        .store
        .complete_milestone(milestone, china_date(now), &user.user.name, now)
        .await?)
}

/// Reads a multipart upload: the file, the CSRF token and an optional milestone id.
struct Upload {
    csrf: Option<String>,
    milestone: Option<i64>,
    file: Option<(String, Vec<u8>)>,
}

async fn read_upload(mut multipart: Multipart) -> ApiResult<Upload> {
    let mut upload = Upload {
        csrf: None,
        milestone: None,
        file: None,
    };
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(ErrorCode::InvalidFile, e.body_text())
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "csrf" => upload.csrf = Some(field.text().await.map_err(bad)?),
            "milestone" => {
                let text = field.text().await.map_err(bad)?;
                let text = text.trim();
                upload.milestone = if text.is_empty() {
                    None
                } else {
                    Some(text.parse().map_err(|_| {
                        ApiError::new(
                            ErrorCode::InvalidParameter,
                            format!("milestone: \"{text}\" is not a milestone id"),
                        )
                    })?)
                };
            }
            "file" => {
                let name = field.file_name().unwrap_or("evidence").to_owned();
                upload.file = Some((name, field.bytes().await.map_err(bad)?.to_vec()));
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// An attachment's bytes with its content type, as a download (never rendered inline: a file
/// is evidence to keep, and `nosniff` stops a browser second-guessing the type).
async fn download(state: &AppState, user: &CurrentUser, id: i64) -> ApiResult<Response> {
    let Some((attachment, content)) = state.store.attachment_content(id).await? else {
        return Err(not_found(user.lang, "attachment", id));
    };
    readable_measure(state, user, attachment.measure)
        .await
        .map_err(|_| not_found(user.lang, "attachment", id))?;
    let disposition = format!(
        "attachment; filename=\"evidence-{id}\"; filename*=UTF-8''{}",
        crate::auth::urlencode(&attachment.file_name)
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(&attachment.media_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        content,
    )
        .into_response())
}

// --- pages ------------------------------------------------------------------------------------

pub struct UpdateRow {
    pub at: String,
    pub by: String,
    pub comment: String,
    pub change: String,
}

pub struct MilestoneRow {
    pub id: i64,
    pub title: String,
    pub due: String,
    pub done_on: String,
    pub overdue: bool,
}

pub struct AttachmentRow {
    pub id: i64,
    pub file_name: String,
    pub media_type: String,
    pub size: String,
    pub at: String,
    pub by: String,
    pub milestone: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "measure.html")]
struct MeasurePage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    id: i64,
    title: String,
    entity: String,
    entity_name: String,
    indicator: String,
    description: String,
    expected_effect: String,
    owner: String,
    co_owners: String,
    start: String,
    due: String,
    status: String,
    status_code: String,
    progress: u8,
    overdue: bool,
    revision: i64,
    visit: Option<i64>,
    editable: bool,
    updates: Vec<UpdateRow>,
    milestones: Vec<MilestoneRow>,
    attachments: Vec<AttachmentRow>,
    message: Option<String>,
    /// The comment of a refused update, put back in the form.
    draft: String,
    max_mb: usize,
}

fn china_time(at: chrono::DateTime<Utc>) -> String {
    at.with_timezone(&zx_domain::measures::china_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn human_size(size: u64) -> String {
    if size >= 1024 * 1024 {
        format!("{:.1} MB", size as f64 / (1024.0 * 1024.0))
    } else if size >= 1024 {
        format!("{} KB", size.div_ceil(1024))
    } else {
        format!("{size} B")
    }
}

async fn measure_page(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    id: i64,
    message: Option<String>,
    draft: String,
) -> ApiResult<Response> {
    let lang = user.lang;
    let (m, snapshot) = readable_measure(state, user, id).await?;
    let editable = can_edit(&snapshot, user, &m);
    let tree = snapshot.engine.tree();
    let catalogue = snapshot.engine.catalogue();
    let today = china_date(Utc::now());
    let status_name = |s: MeasureStatus| lang.pick(s.name_zh(), s.as_str()).to_owned();
    let updates = state
        .store
        .measure_updates(Some(id))
        .await?
        .into_iter()
        .rev()
        .map(|u| {
            let mut change = Vec::new();
            if u.status_before != u.status_after {
                change.push(format!(
                    "{} → {}",
                    status_name(u.status_before),
                    status_name(u.status_after)
                ));
            }
            if u.progress_before != u.progress_after {
                change.push(format!("{}% → {}%", u.progress_before, u.progress_after));
            }
            if u.due_before != u.due_after {
                change.push(format!(
                    "{} {} → {}",
                    lang.pick("时限", "due"),
                    u.due_before,
                    u.due_after
                ));
            }
            UpdateRow {
                at: china_time(u.at),
                by: u.by,
                comment: u.comment,
                change: change.join("；"),
            }
        })
        .collect();
    let milestones_list = state.store.milestones(Some(id)).await?;
    let milestone_title = |mid: i64| {
        milestones_list
            .iter()
            .find(|x| x.id == mid)
            .map_or(String::new(), |x| x.title.clone())
    };
    let attachments = state
        .store
        .attachments(Some(id))
        .await?
        .into_iter()
        .map(|a| AttachmentRow {
            id: a.id,
            file_name: a.file_name,
            media_type: a.media_type,
            size: human_size(a.size),
            at: china_time(a.at),
            by: a.by,
            milestone: a.milestone.map(milestone_title).unwrap_or_default(),
        })
        .collect();
    let milestones = milestones_list
        .iter()
        .map(|x| MilestoneRow {
            id: x.id,
            title: x.title.clone(),
            due: x.due.to_string(),
            done_on: x.done_on.map(|d| d.to_string()).unwrap_or_default(),
            overdue: x.is_overdue(today),
        })
        .collect();
    Ok(MeasurePage {
        lang,
        me: Me::of(user),
        here: here(uri),
        id,
        title: m.title.clone(),
        entity: m.entity.to_string(),
        entity_name: tree
            .id(&m.entity)
            .map_or(String::new(), |e| tree.entity(e).name.clone()),
        indicator: m
            .indicator
            .as_deref()
            .and_then(|i| catalogue.indicator_index(i))
            .map_or("—".to_owned(), |i| {
                lang.pick(
                    &catalogue.indicator(i).name_zh,
                    &catalogue.indicator(i).name_en,
                )
                .to_owned()
            }),
        description: m.description.clone(),
        expected_effect: m.expected_effect.clone(),
        owner: m.owner.clone(),
        co_owners: m.co_owners.join("、"),
        start: m.start.map(|d| d.to_string()).unwrap_or_default(),
        due: m.due.to_string(),
        status: status_name(m.status),
        status_code: m.status.as_str().to_owned(),
        progress: m.progress,
        overdue: m.is_overdue(today),
        revision: m.revision,
        visit: m.visit,
        editable: editable && m.status != MeasureStatus::Cancelled,
        updates,
        milestones,
        attachments,
        message,
        draft,
        max_mb: MAX_EVIDENCE_BYTES / (1024 * 1024),
    }
    .into_response())
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Path(id): Path<i64>,
) -> Response {
    match measure_page(&state, &user, &uri, id, None, String::new()).await {
        Ok(page) => page,
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

/// The update form (no `serde(flatten)`: urlencoded numbers only parse in a plain struct).
#[derive(Deserialize)]
pub struct UpdateForm {
    csrf: String,
    revision: i64,
    #[serde(default)]
    status: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    progress: Option<u8>,
    #[serde(default)]
    due: Option<String>,
    #[serde(default)]
    comment: String,
}

pub async fn post_update(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Path(id): Path<i64>,
    Form(form): Form<UpdateForm>,
) -> Response {
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), user.lang, error);
    }
    let draft = form.comment.clone();
    let input = UpdateInput {
        revision: form.revision,
        status: form.status,
        progress: form.progress,
        due: form.due,
        comment: form.comment,
    };
    match update_measure(&state, &user, id, input).await {
        Ok(_) => Redirect::to(&format!("/measures/{id}")).into_response(),
        // A refused change shows the page as it now is, the reason, and the comment typed (the
        // other fields show the current values: after a conflict they are what to decide on).
        Err(error)
            if matches!(
                error.code,
                ErrorCode::Conflict | ErrorCode::InvalidParameter
            ) =>
        {
            match measure_page(&state, &user, &uri, id, Some(error.message), draft).await {
                Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                Err(error) => error_page(Some(&user), user.lang, error),
            }
        }
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

#[derive(Deserialize)]
pub struct MilestoneForm {
    csrf: String,
    title: String,
    due: String,
}

pub async fn post_milestone(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Form(form): Form<MilestoneForm>,
) -> Response {
    let result = async {
        user.check_csrf(Some(&form.csrf))?;
        let input = MilestoneInput {
            title: form.title,
            due: form.due,
        };
        add_milestone(&state, &user, id, &input).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/measures/{id}")).into_response(),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

#[derive(Deserialize)]
pub struct MilestoneDoneForm {
    csrf: String,
    milestone: i64,
}

pub async fn post_milestone_done(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Form(form): Form<MilestoneDoneForm>,
) -> Response {
    let result = async {
        user.check_csrf(Some(&form.csrf))?;
        complete_milestone(&state, &user, id, form.milestone).await
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/measures/{id}")).into_response(),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

pub async fn post_evidence(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let result = async {
        let upload = read_upload(multipart).await?;
        user.check_csrf(upload.csrf.as_deref())?;
        let Some((name, bytes)) = upload.file.filter(|(_, b)| !b.is_empty()) else {
            return Err(ApiError::new(
                ErrorCode::InvalidFile,
                user.lang
                    .pick("请选择要上传的文件", "choose a file to upload"),
            ));
        };
        add_evidence(&state, &user, id, upload.milestone, name, bytes).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/measures/{id}")).into_response(),
        Err(error) if error.code == ErrorCode::InvalidFile => {
            match measure_page(&state, &user, &uri, id, Some(error.message), String::new()).await {
                Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                Err(error) => error_page(Some(&user), user.lang, error),
            }
        }
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

pub async fn get_attachment(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Response {
    match download(&state, &user, id).await {
        Ok(response) => response,
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

// --- creating a measure -----------------------------------------------------------------------

pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "measure_new.html")]
struct NewMeasurePage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    entities: Vec<Choice>,
    indicators: Vec<Choice>,
    owners: Vec<Choice>,
    entity: String,
    indicator: String,
    message: Option<String>,
}

#[derive(Deserialize)]
pub struct NewMeasureQuery {
    entity: Option<String>,
    indicator: Option<String>,
}

async fn new_measure_page(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    entity: String,
    indicator: String,
    message: Option<String>,
) -> ApiResult<Response> {
    let lang = user.lang;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let mut entities = Vec::new();
    for root in tree.roots() {
        for id in tree.subtree(root) {
            if user.access.can_submit(tree, id) {
                let e = tree.entity(id);
                entities.push(Choice {
                    value: e.code.to_string(),
                    label: format!("{} {}", e.code, e.name),
                });
            }
        }
    }
    if entities.is_empty() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            lang.pick("无权建立措施", "you may not add measures"),
        ));
    }
    let catalogue = snapshot.engine.catalogue();
    let indicators = (0..catalogue.indicators().len())
        .map(|i| {
            let def = catalogue.indicator(i);
            Choice {
                value: def.id.clone(),
                label: lang.pick(&def.name_zh, &def.name_en).to_owned(),
            }
        })
        .collect();
    let owners = state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| Choice {
            label: match &u.entity {
                Some(e) => format!("{} ({e})", u.name),
                None => u.name.clone(),
            },
            value: u.name,
        })
        .collect();
    Ok(NewMeasurePage {
        lang,
        me: Me::of(user),
        here: here(uri),
        entities,
        indicators,
        owners,
        entity,
        indicator,
        message,
    }
    .into_response())
}

pub async fn new_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(q): Query<NewMeasureQuery>,
) -> Response {
    match new_measure_page(
        &state,
        &user,
        &uri,
        q.entity.unwrap_or_default(),
        q.indicator.unwrap_or_default(),
        None,
    )
    .await
    {
        Ok(page) => page,
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

#[derive(Deserialize)]
pub struct NewMeasureForm {
    csrf: String,
    #[serde(flatten)]
    input: MeasureInput,
}

pub async fn post_new(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Form(form): Form<NewMeasureForm>,
) -> Response {
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), user.lang, error);
    }
    let entity = form.input.entity.clone();
    let indicator = form.input.indicator.clone().unwrap_or_default();
    match create_measure(&state, &user, form.input).await {
        Ok(id) => Redirect::to(&format!("/measures/{id}")).into_response(),
        Err(error) if error.code != ErrorCode::Internal && error.code != ErrorCode::Forbidden => {
            match new_measure_page(&state, &user, &uri, entity, indicator, Some(error.message))
                .await
            {
                Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                Err(error) => error_page(Some(&user), user.lang, error),
            }
        }
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

// --- visits -----------------------------------------------------------------------------------

pub struct VisitRow {
    pub id: i64,
    pub leader: String,
    pub dates: String,
    pub entities: String,
    pub participants: String,
    pub summary: String,
    pub findings: String,
    pub total: usize,
    pub open: usize,
    pub done: usize,
    pub overdue: usize,
    pub requirements: Vec<RequirementRow>,
}

pub struct RequirementRow {
    pub id: i64,
    pub entity: String,
    pub title: String,
    pub owner: String,
    pub due: String,
    pub status: String,
    pub overdue: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "visits.html")]
struct VisitsPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    visits: Vec<VisitRow>,
    message: Option<String>,
}

/// Visits with at least one visited entity in the user's scope; requirements the user may see.
async fn visit_rows(state: &AppState, user: &CurrentUser) -> ApiResult<Vec<VisitRow>> {
    let lang = user.lang;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let readable = |code: &EntityCode| {
        tree.id(code)
            .is_some_and(|id| user.access.can_read(tree, id))
    };
    let measures: Vec<Measure> = state
        .store
        .measures()
        .await?
        .into_iter()
        .filter(|m| m.visit.is_some() && readable(&m.entity))
        .collect();
    let today = china_date(Utc::now());
    let name = |code: &EntityCode| {
        tree.id(code)
            .map_or(code.to_string(), |id| tree.entity(id).name.clone())
    };
    Ok(state
        .store
        .visits()
        .await?
        .into_iter()
        .filter(|v| v.entities.iter().any(readable))
        .map(|v| {
            let progress = visit_progress(v.id, &measures, today);
            VisitRow {
                id: v.id,
                leader: v.leader,
                dates: if v.start == v.end {
                    v.start.to_string()
                } else {
                    format!("{} – {}", v.start, v.end)
                },
                entities: v.entities.iter().map(name).collect::<Vec<_>>().join("、"),
                participants: v.participants,
                summary: v.summary,
                findings: v.findings,
                total: progress.total,
                open: progress.open,
                done: progress.done,
                overdue: progress.overdue,
                requirements: measures
                    .iter()
                    .filter(|m| m.visit == Some(v.id))
                    .map(|m| RequirementRow {
                        id: m.id,
                        entity: name(&m.entity),
                        title: m.title.clone(),
                        owner: m.owner.clone(),
                        due: m.due.to_string(),
                        status: lang.pick(m.status.name_zh(), m.status.as_str()).to_owned(),
                        overdue: m.is_overdue(today),
                    })
                    .collect(),
            }
        })
        .collect())
}

async fn visits_page(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    message: Option<String>,
) -> ApiResult<Response> {
    Ok(VisitsPage {
        lang: user.lang,
        me: Me::of(user),
        here: here(uri),
        visits: visit_rows(state, user).await?,
        message,
    }
    .into_response())
}

pub async fn visits(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
) -> Response {
    match visits_page(&state, &user, &uri, None).await {
        Ok(page) => page,
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

/// A visit as the form gives it: requirements one per line, `ENTITY | OWNER | YYYY-MM-DD | text`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VisitInput {
    pub leader: String,
    pub start: String,
    pub end: String,
    /// Entity codes visited, comma-separated.
    pub entities: String,
    #[serde(default)]
    pub participants: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub findings: String,
    /// One requirement per line: `ENTITY | OWNER | YYYY-MM-DD | requirement`.
    #[serde(default)]
    pub requirements: String,
}

fn parse_visit(input: &VisitInput) -> ApiResult<NewVisit> {
    let invalid = |m: String| ApiError::new(ErrorCode::InvalidParameter, m);
    let code = |text: &str| {
        EntityCode::parse(text.trim())
            .map_err(|e| invalid(format!("entity \"{}\": {e}", text.trim())))
    };
    let entities = input
        .entities
        .split([',', '，', ' ', '、'])
        .filter(|t| !t.trim().is_empty())
        .map(code)
        .collect::<ApiResult<Vec<_>>>()?;
    let mut requirements = Vec::new();
    for (index, line) in input.requirements.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.splitn(4, ['|', '｜']).map(str::trim).collect();
        let [entity, owner, due, title] = parts[..] else {
            return Err(invalid(format!(
                "requirements, line {}: \"{line}\" is not ENTITY | OWNER | YYYY-MM-DD | requirement",
                index + 1
            )));
        };
        requirements.push(NewMeasure::basic(
            code(entity)?,
            title.to_owned(),
            None,
            owner.to_owned(),
            parse_date(&format!("requirements, line {}: due", index + 1), due)?,
        ));
    }
    Ok(NewVisit {
        leader: input.leader.trim().to_owned(),
        start: parse_date("start", &input.start)?,
        end: parse_date("end", &input.end)?,
        entities,
        participants: input.participants.trim().to_owned(),
        summary: input.summary.trim().to_owned(),
        findings: input.findings.trim().to_owned(),
        requirements,
    })
}

async fn create_visit(state: &AppState, user: &CurrentUser, input: &VisitInput) -> ApiResult<i64> {
    if !user.access.is_hq() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            user.lang
                .pick("仅总部可以登记调研检查", "only HQ records visits"),
        ));
    }
    let visit = parse_visit(input)?;
    let (id, _) = state
        .store
        .create_visit(visit, &user.user.name, Utc::now())
        .await?;
    Ok(id)
}

#[derive(Deserialize)]
pub struct VisitForm {
    csrf: String,
    #[serde(flatten)]
    input: VisitInput,
}

pub async fn post_visit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Form(form): Form<VisitForm>,
) -> Response {
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), user.lang, error);
    }
    match create_visit(&state, &user, &form.input).await {
        Ok(id) => Redirect::to(&format!("/visits#visit-{id}")).into_response(),
        Err(error) if error.code == ErrorCode::InvalidParameter => {
            match visits_page(&state, &user, &uri, Some(error.message)).await {
                Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                Err(error) => error_page(Some(&user), user.lang, error),
            }
        }
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

// --- notifications ----------------------------------------------------------------------------

pub struct NotificationRow {
    pub measure: i64,
    pub title: String,
    pub reason: String,
    pub at: String,
    pub unread: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    rows: Vec<NotificationRow>,
}

/// The user's notifications; opening the page marks them read.
pub async fn notifications(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
) -> Response {
    let lang = user.lang;
    let result = async {
        let list = state.store.notifications(&user.user.name).await?;
        let measures = state.store.measures().await?;
        let rows = list
            .iter()
            .map(|n| NotificationRow {
                measure: n.measure,
                title: measures
                    .iter()
                    .find(|m| m.id == n.measure)
                    .map_or(String::new(), |m| m.title.clone()),
                reason: match n.reason {
                    zx_store::ReminderReason::DueSoon => lang.pick("即将到期", "due soon"),
                    zx_store::ReminderReason::Overdue => lang.pick("已逾期", "overdue"),
                    zx_store::ReminderReason::Escalated => {
                        lang.pick("逾期升级（下级单位）", "escalated (unit below)")
                    }
                }
                .to_owned(),
                at: china_time(n.created_at),
                unread: n.read_at.is_none(),
            })
            .collect();
        state
            .store
            .mark_notifications_read(&user.user.name, Utc::now())
            .await?;
        Ok::<_, ApiError>(rows)
    }
    .await;
    match result {
        Ok(rows) => NotificationsPage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            rows,
        }
        .into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

// --- API --------------------------------------------------------------------------------------

/// A measure with its follow-up, as the API gives it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureDetailJson {
    pub id: i64,
    pub entity: String,
    pub title: String,
    pub description: String,
    pub indicator: Option<String>,
    pub expected_effect: String,
    pub owner: String,
    pub co_owners: Vec<String>,
    pub start: Option<String>,
    pub due: String,
    /// `planned|in_progress|done|cancelled`.
    pub status: String,
    pub progress: u8,
    /// Judged on today's date in China.
    pub overdue: bool,
    /// Name it in an update (optimistic locking).
    pub revision: i64,
    pub visit: Option<i64>,
    pub updates: Vec<UpdateJson>,
    pub milestones: Vec<MilestoneJson>,
    pub attachments: Vec<AttachmentJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpdateJson {
    pub at: String,
    pub by: String,
    pub comment: String,
    pub status: [String; 2],
    pub progress: [u8; 2],
    pub due: [String; 2],
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneJson {
    pub id: i64,
    pub title: String,
    pub due: String,
    pub done_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentJson {
    pub id: i64,
    pub milestone: Option<i64>,
    pub file_name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    pub at: String,
    pub by: String,
    /// Where to download it.
    pub href: String,
}

fn attachment_json(a: Attachment) -> AttachmentJson {
    AttachmentJson {
        href: format!("/api/v1/attachments/{}", a.id),
        id: a.id,
        milestone: a.milestone,
        file_name: a.file_name,
        media_type: a.media_type,
        size: a.size,
        sha256: a.sha256,
        at: a.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        by: a.by,
    }
}

async fn detail_json(state: &AppState, m: Measure) -> ApiResult<MeasureDetailJson> {
    let id = m.id;
    let updates = state.store.measure_updates(Some(id)).await?;
    let milestones = state.store.milestones(Some(id)).await?;
    let attachments = state.store.attachments(Some(id)).await?;
    Ok(MeasureDetailJson {
        overdue: m.is_overdue(china_date(Utc::now())),
        id,
        entity: m.entity.to_string(),
        title: m.title,
        description: m.description,
        indicator: m.indicator,
        expected_effect: m.expected_effect,
        owner: m.owner,
        co_owners: m.co_owners,
        start: m.start.map(|d| d.to_string()),
        due: m.due.to_string(),
        status: m.status.as_str().to_owned(),
        progress: m.progress,
        revision: m.revision,
        visit: m.visit,
        updates: updates
            .into_iter()
            .map(|u| UpdateJson {
                at: u.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                by: u.by,
                comment: u.comment,
                status: [
                    u.status_before.as_str().to_owned(),
                    u.status_after.as_str().to_owned(),
                ],
                progress: [u.progress_before, u.progress_after],
                due: [u.due_before.to_string(), u.due_after.to_string()],
            })
            .collect(),
        milestones: milestones
            .into_iter()
            .map(|x| MilestoneJson {
                id: x.id,
                title: x.title,
                due: x.due.to_string(),
                done_on: x.done_on.map(|d| d.to_string()),
            })
            .collect(),
        attachments: attachments.into_iter().map(attachment_json).collect(),
    })
}

/// A JSON request body from a caller who passed the CSRF check (cookie sessions send the token
/// as `x-csrf-token`; bearer tokens need none), with malformed JSON as `invalid_parameter`.
async fn json_body<T: serde::de::DeserializeOwned>(
    state: &AppState,
    user: &CurrentUser,
    request: axum::extract::Request,
) -> ApiResult<T> {
    user.check_csrf(
        request
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok()),
    )?;
    let Json(input) = Json::<T>::from_request(request, state)
        .await
        .map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.body_text()))?;
    Ok(input)
}

/// The id of what was created.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedJson {
    pub id: i64,
}

#[utoipa::path(get, path = "/api/v1/measures/{id}", tag = "measures", params(("id" = i64, Path)),
    responses((status = 200, body = MeasureDetailJson), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_measure(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<MeasureDetailJson>> {
    let (m, _) = readable_measure(&state, &user, id).await?;
    Ok(Json(detail_json(&state, m).await?))
}

#[utoipa::path(post, path = "/api/v1/measures", tag = "measures", request_body = MeasureInput,
    responses((status = 201, body = CreatedJson), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_create_measure(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<CreatedJson>)> {
    let input: MeasureInput = json_body(&state, &user, request).await?;
    let id = create_measure(&state, &user, input).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id })))
}

#[utoipa::path(post, path = "/api/v1/measures/{id}/updates", tag = "measures", params(("id" = i64, Path)),
    request_body = UpdateInput,
    responses((status = 200, body = MeasureDetailJson), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_update_measure(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    request: axum::extract::Request,
) -> ApiResult<Json<MeasureDetailJson>> {
    let input: UpdateInput = json_body(&state, &user, request).await?;
    let m = update_measure(&state, &user, id, input).await?;
    Ok(Json(detail_json(&state, m).await?))
}

#[utoipa::path(post, path = "/api/v1/measures/{id}/attachments", tag = "measures", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "`file` (PDF, image, Word, Excel, PowerPoint; judged by content), optional `milestone`"),
    responses((status = 201, body = AttachmentJson), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_add_attachment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<AttachmentJson>)> {
    let upload = read_upload(multipart).await?;
    user.check_csrf(upload.csrf.as_deref())?;
    let Some((name, bytes)) = upload.file else {
        return Err(ApiError::new(ErrorCode::InvalidFile, "no `file` part"));
    };
    let attachment = add_evidence(&state, &user, id, upload.milestone, name, bytes).await?;
    Ok((StatusCode::CREATED, Json(attachment_json(attachment))))
}

#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "measures", params(("id" = i64, Path)),
    responses((status = 200, description = "The file, with its content type"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_attachment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    download(&state, &user, id).await
}

/// A visit with the state of its requirements.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitJson {
    pub id: i64,
    pub leader: String,
    pub dates: String,
    pub entities: String,
    pub summary: String,
    pub findings: String,
    pub requirements: usize,
    pub open: usize,
    pub done: usize,
    pub overdue: usize,
    /// Measure ids of the requirements the caller may see.
    pub measures: Vec<i64>,
}

#[utoipa::path(get, path = "/api/v1/visits", tag = "measures",
    responses((status = 200, body = [VisitJson])))]
pub async fn api_visits(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<VisitJson>>> {
    Ok(Json(
        visit_rows(&state, &user)
            .await?
            .into_iter()
            .map(|v| VisitJson {
                id: v.id,
                leader: v.leader,
                dates: v.dates,
                entities: v.entities,
                summary: v.summary,
                findings: v.findings,
                requirements: v.total,
                open: v.open,
                done: v.done,
                overdue: v.overdue,
                measures: v.requirements.iter().map(|r| r.id).collect(),
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/visits", tag = "measures", request_body = VisitInput,
    responses((status = 201, body = CreatedJson), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_create_visit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    request: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<CreatedJson>)> {
    let input: VisitInput = json_body(&state, &user, request).await?;
    let id = create_visit(&state, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id })))
}

#[utoipa::path(post, path = "/api/v1/measures/{id}/milestones", tag = "measures", params(("id" = i64, Path)),
    request_body = MilestoneInput,
    responses((status = 201, body = CreatedJson), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_add_milestone(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    request: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<CreatedJson>)> {
    let input: MilestoneInput = json_body(&state, &user, request).await?;
    let milestone = add_milestone(&state, &user, id, &input).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id: milestone })))
}

#[utoipa::path(post, path = "/api/v1/measures/{id}/milestones/{milestone}/done", tag = "measures",
    params(("id" = i64, Path), ("milestone" = i64, Path)),
    responses((status = 200, body = MeasureDetailJson), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_complete_milestone(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, milestone)): Path<(i64, i64)>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Json<MeasureDetailJson>> {
    user.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    complete_milestone(&state, &user, id, milestone).await?;
    let (m, _) = readable_measure(&state, &user, id).await?;
    Ok(Json(detail_json(&state, m).await?))
}
