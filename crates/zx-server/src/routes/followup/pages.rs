//! One measure's page (updates, milestones, evidence) and its forms, and the page creating a
//! measure. Every form calls the service functions of `super`, as the API does.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use zx_domain::{Lang, MeasureStatus, format};
use zx_ingest::evidence::MAX_EVIDENCE_BYTES;

use super::{
    MeasureInput, MilestoneInput, UpdateInput, add_evidence, add_milestone, can_edit,
    complete_milestone, create_measure, download, empty_as_none, read_upload, readable_measure,
    update_measure,
};
use crate::auth::{CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::layout::{Me, china_time, error_page, here};
use crate::state::AppState;

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
    /// The co-owners as the edit field takes them: `a, b`.
    co_owners_input: String,
    /// Accounts that may be named co-owner (they could update the measure).
    co_owner_choices: Vec<String>,
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
    /// Practices of plants of the measure's segment like it ("plants of your segment did this").
    similar: Vec<crate::routes::practices::Link>,
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
    let co_owner_choices = if editable {
        super::answerable(&state.store.users().await?, tree, &m.entity)
    } else {
        Vec::new()
    };
    let catalogue = snapshot.engine.catalogue();
    let today = state.today();
    let status_name = |s: MeasureStatus| format::measure_status_label(s.as_str(), lang);
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
                change: change.join(lang.pick("；", "; ")),
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
    let words = format!(
        "{} {}",
        m.title,
        m.indicator
            .as_deref()
            .and_then(|i| catalogue.find_indicator(i))
            .map_or("", |d| d.name_zh.as_str())
    );
    let segment = crate::routes::practices::plant_segment(&snapshot, m.entity.as_str());
    let similar = crate::routes::practices::similar(state, &words, segment, None, 3).await;
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
            .and_then(|i| catalogue.find_indicator(i))
            .map_or("—".to_owned(), |def| {
                lang.pick(&def.name_zh, &def.name_en).to_owned()
            }),
        description: m.description.clone(),
        expected_effect: m.expected_effect.clone(),
        owner: m.owner.clone(),
        co_owners: m.co_owners.join(lang.pick("、", ", ")),
        co_owners_input: m.co_owners.join(", "),
        co_owner_choices,
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
        similar,
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
    let result = update_measure(&state, &user, id, input).await;
    after_change(&state, &user, &uri, id, result, draft).await
}

/// After a change of measure `id`: back to its page; or, refused as a conflict or bad input,
/// the page as it now is with the reason in the user's language and the comment typed (the
/// other fields show the current values: after a conflict they are what to decide on).
async fn after_change<T>(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    id: i64,
    result: ApiResult<T>,
    draft: String,
) -> Response {
    match result {
        Ok(_) => Redirect::to(&format!("/measures/{id}")).into_response(),
        Err(error)
            if matches!(
                error.code,
                ErrorCode::Conflict | ErrorCode::InvalidParameter
            ) =>
        {
            let reason = Some(error.text_for(user.lang));
            match measure_page(state, user, uri, id, reason, draft).await {
                Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                Err(error) => error_page(Some(user), user.lang, error),
            }
        }
        Err(error) => error_page(Some(user), user.lang, error),
    }
}

#[derive(Deserialize)]
pub struct CoOwnersForm {
    csrf: String,
    revision: i64,
    #[serde(default)]
    co_owners: String,
}

/// Replaces the co-owners (audited with the old and new list); a refusal shows the page with
/// the reason.
pub async fn post_co_owners(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Path(id): Path<i64>,
    Form(form): Form<CoOwnersForm>,
) -> Response {
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), user.lang, error);
    }
    let result = super::set_co_owners(&state, &user, id, form.revision, &form.co_owners).await;
    after_change(&state, &user, &uri, id, result, String::new()).await
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
            match measure_page(
                &state,
                &user,
                &uri,
                id,
                Some(error.text_for(user.lang)),
                String::new(),
            )
            .await
            {
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
    /// For a unit: the accounts that may be named its measures' owner, space-separated (the
    /// page hides the other owners when the unit is chosen). Empty otherwise.
    pub owners: String,
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
    // Only accounts that could update a measure of the unit once named owner.
    let users = state.store.users().await?;
    let mut entities = Vec::new();
    for root in tree.roots() {
        for id in tree.subtree(root) {
            if user.access.can_submit(tree, id) {
                let e = tree.entity(id);
                entities.push(Choice {
                    value: e.code.to_string(),
                    label: format!("{} {}", e.code, e.name),
                    owners: super::answerable(&users, tree, &e.code).join(" "),
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
                owners: String::new(),
            }
        })
        .collect();
    let eligible: std::collections::HashSet<&str> =
        entities.iter().flat_map(|e| e.owners.split(' ')).collect();
    let owners: Vec<Choice> = users
        .into_iter()
        .filter(|u| eligible.contains(u.name.as_str()))
        .map(|u| Choice {
            label: match &u.entity {
                Some(e) => format!("{} ({e})", u.name),
                None => u.name.clone(),
            },
            value: u.name,
            owners: String::new(),
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
            match new_measure_page(
                &state,
                &user,
                &uri,
                entity,
                indicator,
                Some(error.text_for(user.lang)),
            )
            .await
            {
                Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                Err(error) => error_page(Some(&user), user.lang, error),
            }
        }
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}
