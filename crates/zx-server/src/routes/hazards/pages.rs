//! The hazard register's pages: the list with its filters, the report form (with photos),
//! one hazard with its history, evidence and the loop's actions. Every form calls the service
//! functions of `super`, as the API does.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use zx_domain::Lang;
use zx_domain::format::hazard_status_label;
use zx_domain::safety::RiskLevel;
use zx_domain::safety::hazards::{AgeBand, Assurance, HazardStatus, step_label};
use zx_ingest::evidence::MAX_EVIDENCE_BYTES;

use super::{
    HazardFilter, HazardView, MultipartForm, ReportInput, ScoreInput, StepInput, download, listing,
    possible_steps, read_form, readable_hazard, report, take_step,
};
use crate::auth::{CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::layout::{Me, china_time, error_page, here};
use crate::state::AppState;

/// A hazard as a row of the list.
pub struct HazardRow {
    pub id: i64,
    pub number: String,
    pub entity: String,
    pub entity_name: String,
    pub description: String,
    pub found: String,
    pub age_days: i64,
    pub grade: &'static str,
    pub grade_code: &'static str,
    pub level: &'static str,
    pub level_code: &'static str,
    pub danger: String,
    pub owner: String,
    pub deadline: String,
    pub overdue: bool,
    pub status: &'static str,
}

pub fn row(v: &HazardView, lang: Lang) -> HazardRow {
    let h = &v.hazard;
    HazardRow {
        id: h.id,
        number: h.number(),
        entity: h.entity.to_string(),
        entity_name: v.entity_name.clone(),
        description: v.title(lang),
        found: h.found.to_string(),
        age_days: v.age_days,
        grade: v.grade_label(lang),
        grade_code: h.grade.code(),
        level: v.level_label(lang),
        level_code: v.level_code(),
        danger: v.danger.map_or(String::new(), |d| d.to_string()),
        owner: h.owner.clone(),
        deadline: h.deadline.map_or(String::new(), |d| d.to_string()),
        overdue: v.overdue,
        status: v.status_label(lang),
    }
}

/// (code, label) pairs for a filter's select box.
pub type Choice = (&'static str, &'static str);

#[derive(Template, WebTemplate)]
#[template(path = "hazards.html")]
struct HazardsPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    entity: String,
    rows: Vec<HazardRow>,
    statuses: Vec<Choice>,
    levels: Vec<Choice>,
    ages: Vec<Choice>,
    filter_status: String,
    filter_grade: String,
    filter_level: String,
    filter_age: String,
    filter_overdue: bool,
    can_report: bool,
    /// What an import did, or why it was refused.
    message: Option<String>,
}

fn level_choices(lang: Lang) -> Vec<Choice> {
    let mut levels: Vec<Choice> = RiskLevel::ALL
        .into_iter()
        .map(|l| (l.code(), zx_domain::format::risk_level_label(l, lang)))
        .collect();
    levels.push(("none", lang.pick("未评分", "not scored")));
    levels
}

pub async fn list(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(q): Query<HazardFilter>,
) -> Response {
    let lang = user.lang;
    match listing(&state, &user, &q).await {
        Ok((entity, views)) => list_page(&user, &uri, &q, entity, &views).into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

fn list_page(
    user: &CurrentUser,
    uri: &axum::http::Uri,
    q: &HazardFilter,
    entity: String,
    views: &[HazardView],
) -> HazardsPage {
    let lang = user.lang;
    let mut statuses: Vec<Choice> = vec![("open", lang.pick("未销号", "open"))];
    statuses.extend(
        HazardStatus::ALL
            .into_iter()
            .map(|s| (s.code(), hazard_status_label(s, lang))),
    );
    HazardsPage {
        lang,
        me: Me::of(user),
        here: here(uri),
        rows: views.iter().map(|v| row(v, lang)).collect(),
        can_report: user.access.role != zx_domain::Role::Viewer,
        entity,
        statuses,
        levels: level_choices(lang),
        ages: AgeBand::ALL
            .into_iter()
            .map(|a| (a.as_str(), a.label(lang)))
            .collect(),
        filter_status: q.status.clone().unwrap_or_default(),
        filter_grade: q.grade.clone().unwrap_or_default(),
        filter_level: q.level.clone().unwrap_or_default(),
        filter_age: q.age.clone().unwrap_or_default(),
        filter_overdue: q.overdue.as_ref().is_some_and(|o| !o.is_empty()),
        message: None,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "hazard_new.html")]
struct NewHazardPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    /// (code, name) of the entities the user may report for.
    entities: Vec<(String, String)>,
    entity: String,
    today: String,
    message: Option<String>,
    description: String,
    location: String,
    max_mb: usize,
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    entity: Option<String>,
}

async fn new_page(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    entity: String,
    message: Option<String>,
    draft: (String, String),
) -> ApiResult<Response> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let entities = tree
        .entities()
        .iter()
        .filter(|e| zx_domain::safety::hazards::may_report(&user.access, tree, &e.code))
        .map(|e| (e.code.to_string(), e.name.clone()))
        .collect::<Vec<_>>();
    if entities.is_empty() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            user.lang.pick("无权上报隐患", "you may not report hazards"),
        ));
    }
    Ok(NewHazardPage {
        lang: user.lang,
        me: Me::of(user),
        here: here(uri),
        entities,
        entity,
        today: state.today().to_string(),
        message,
        description: draft.0,
        location: draft.1,
        max_mb: MAX_EVIDENCE_BYTES / (1024 * 1024),
    }
    .into_response())
}

pub async fn new(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(q): Query<NewQuery>,
) -> Response {
    let entity = q.entity.unwrap_or_default();
    match new_page(&state, &user, &uri, entity, None, Default::default()).await {
        Ok(page) => page,
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

fn scores_of(form: &MultipartForm) -> ScoreInput {
    ScoreInput {
        l: form.field("l"),
        e: form.field("e"),
        c: form.field("c"),
        ls_l: form.field("ls_l"),
        ls_s: form.field("ls_s"),
    }
}

/// The report form (multipart: photos ride along): to the new hazard's page, or back to the
/// form with the reason and what was typed.
pub async fn post_report(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    multipart: Multipart,
) -> Response {
    let form = match read_form(multipart).await {
        Ok(form) => form,
        Err(error) => return error_page(Some(&user), user.lang, error),
    };
    if let Err(error) = user.check_csrf(form.field("csrf").as_deref()) {
        return error_page(Some(&user), user.lang, error);
    }
    let input = ReportInput {
        entity: form.field("entity").unwrap_or_default(),
        found: form.field("found").unwrap_or_default(),
        description: form.field("description").unwrap_or_default(),
        location: form.field("location").unwrap_or_default(),
        grade: form.field("grade").unwrap_or_default(),
        scores: scores_of(&form),
    };
    let draft = (input.description.clone(), input.location.clone());
    let entity = input.entity.clone();
    match report(&state, &user, input, form.files).await {
        Ok(h) => Redirect::to(&format!("/safety/hazards/{}", h.id)).into_response(),
        Err(error)
            if matches!(
                error.code,
                ErrorCode::InvalidParameter | ErrorCode::InvalidFile
            ) =>
        {
            let reason = Some(error.text_for(user.lang));
            match new_page(&state, &user, &uri, entity, reason, draft).await {
                Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                Err(error) => error_page(Some(&user), user.lang, error),
            }
        }
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

pub struct StepRow {
    pub at: String,
    pub by: String,
    pub step: String,
    pub change: String,
    pub comment: String,
}

pub struct FileRow {
    pub id: i64,
    pub file_name: String,
    pub media_type: String,
    pub at: String,
    pub by: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "hazard.html")]
struct HazardPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    h: HazardRow,
    location: String,
    status_code: &'static str,
    revision: i64,
    scores: String,
    /// (label, text) of the five assurances.
    assurances: Vec<(&'static str, String)>,
    /// The assurances' current texts, for the assess form: responsibility, measures, funds,
    /// timeline, plan.
    assure: [String; 5],
    /// The LEC scores' L, E, C as the form preselects them (empty when not so scored; a
    /// hazard scored on the risk matrix keeps its matrix scores only through the API).
    lec: [String; 3],
    rectified_by: String,
    verified_by: String,
    steps: Vec<StepRow>,
    files: Vec<FileRow>,
    actions: Vec<&'static str>,
    /// Accounts that may be named owner.
    owners: Vec<String>,
    message: Option<String>,
    max_mb: usize,
}

async fn hazard_page(
    state: &AppState,
    user: &CurrentUser,
    uri: &axum::http::Uri,
    id: i64,
    message: Option<String>,
) -> ApiResult<Response> {
    let lang = user.lang;
    let (h, snapshot) = readable_hazard(state, user, id).await?;
    let tree = snapshot.engine.tree();
    let actions = possible_steps(&h, user, tree);
    let owners = if actions.contains(&"assess") {
        state
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| {
                let access = zx_domain::Access {
                    role: u.role,
                    scope: u.entity.clone(),
                };
                !u.disabled && zx_domain::safety::hazards::may_report(&access, tree, &h.entity)
            })
            .map(|u| u.name)
            .collect()
    } else {
        Vec::new()
    };
    let status_name = |s: Option<HazardStatus>| {
        s.map_or("—".to_owned(), |s| hazard_status_label(s, lang).into())
    };
    let steps = state
        .store
        .hazard_steps(id)
        .await?
        .into_iter()
        .rev()
        .map(|s| StepRow {
            at: china_time(s.at),
            by: s.by,
            step: step_label(&s.step, lang).to_owned(),
            change: format!(
                "{} → {}",
                status_name(s.status_before),
                status_name(Some(s.status_after))
            ),
            comment: s.comment,
        })
        .collect();
    let files = super::attachments(state, id)
        .await?
        .into_iter()
        .map(|a| FileRow {
            id: a.id,
            file_name: a.file_name,
            media_type: a.media_type,
            at: china_time(a.at),
            by: a.by,
        })
        .collect();
    let scores = match &h.scores {
        Some(zx_domain::safety::Score::Lec(s)) => format!(
            "LEC: L={} E={} C={}",
            s.likelihood(),
            s.exposure(),
            s.consequence()
        ),
        Some(zx_domain::safety::Score::Matrix(m)) => {
            format!("LS: L={} S={}", m.likelihood(), m.severity())
        }
        None => String::new(),
    };
    let assurances = Assurance::ALL
        .into_iter()
        .map(|a| (a.label(lang), h.assurances.get(a).to_owned()))
        .collect();
    let assure = Assurance::ALL.map(|a| h.assurances.get(a).to_owned());
    let lec = match &h.scores {
        Some(zx_domain::safety::Score::Lec(s)) => [
            s.likelihood().to_string(),
            s.exposure().to_string(),
            s.consequence().to_string(),
        ],
        _ => Default::default(),
    };
    let view = HazardView::of(h.clone(), tree, state.today(), &state.safety_rules.bands);
    Ok(HazardPage {
        lang,
        me: Me::of(user),
        here: here(uri),
        h: row(&view, lang),
        location: h.location.clone(),
        status_code: h.status.code(),
        revision: h.revision,
        scores,
        assurances,
        assure,
        lec,
        rectified_by: h.rectified_by.clone().unwrap_or_default(),
        verified_by: h.verified_by.clone().unwrap_or_default(),
        steps,
        files,
        actions,
        owners,
        message,
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
    match hazard_page(&state, &user, &uri, id, None).await {
        Ok(page) => page,
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

/// A step's form (multipart: the rectification's photos ride along): back to the hazard, or
/// its page as it now is with the refusal in the user's language.
pub async fn post_step(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let form = match read_form(multipart).await {
        Ok(form) => form,
        Err(error) => return error_page(Some(&user), user.lang, error),
    };
    if let Err(error) = user.check_csrf(form.field("csrf").as_deref()) {
        return error_page(Some(&user), user.lang, error);
    }
    let input = StepInput {
        revision: form
            .field("revision")
            .and_then(|r| r.trim().parse().ok())
            .unwrap_or_default(),
        step: form.field("step").unwrap_or_default(),
        grade: form.field("grade"),
        owner: form.field("owner"),
        deadline: form.field("deadline"),
        responsibility: form.field("responsibility"),
        measures: form.field("measures"),
        funds: form.field("funds"),
        timeline: form.field("timeline"),
        plan: form.field("plan"),
        scores: scores_of(&form),
        reason: form.field("reason"),
        comment: form.field("comment").unwrap_or_default(),
    };
    match take_step(&state, &user, id, input, form.files).await {
        Ok(_) => Redirect::to(&format!("/safety/hazards/{id}")).into_response(),
        Err(error)
            if matches!(
                error.code,
                ErrorCode::Conflict | ErrorCode::InvalidParameter | ErrorCode::InvalidFile
            ) =>
        {
            let reason = Some(error.text_for(user.lang));
            match hazard_page(&state, &user, &uri, id, reason).await {
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

/// The list as filtered, as a workbook in the hazards file's layout.
pub async fn export(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<HazardFilter>,
) -> Response {
    let result = async {
        let (entity, views) = listing(&state, &user, &q).await?;
        let bytes = super::export::hazards_workbook(&views).map_err(ApiError::internal)?;
        Ok::<_, ApiError>((format!("hazards-{entity}-{}.xlsx", state.today()), bytes))
    }
    .await;
    match result {
        Ok((name, bytes)) => crate::layout::xlsx_download(&name, bytes),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

/// The import form: the list again with what the file did, or the reasons it was refused.
pub async fn post_import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    multipart: Multipart,
) -> Response {
    let lang = user.lang;
    let result = async {
        let form = read_form(multipart).await?;
        user.check_csrf(form.field("csrf").as_deref())?;
        let Some((name, bytes)) = form.files.into_iter().next() else {
            return Err(ApiError::new(
                ErrorCode::InvalidFile,
                lang.pick("请选择要导入的文件", "choose a file to import"),
            ));
        };
        super::import_file(&state, &user, &name, &bytes).await
    }
    .await;
    let message = match result {
        Ok(done) => lang
            .pick(
                "导入完成：新增 {c} 条，修订 {r} 条，未变 {u} 条",
                "Imported: {c} created, {r} revised, {u} unchanged",
            )
            .replace("{c}", &done.created.to_string())
            .replace("{r}", &done.revised.to_string())
            .replace("{u}", &done.unchanged.to_string()),
        Err(error)
            if matches!(
                error.code,
                ErrorCode::InvalidFile | ErrorCode::InvalidParameter | ErrorCode::Forbidden
            ) =>
        {
            error.text_for(lang)
        }
        Err(error) => return error_page(Some(&user), lang, error),
    };
    let filter = HazardFilter::default();
    match listing(&state, &user, &filter).await {
        Ok((entity, views)) => {
            let mut page = list_page(&user, &uri, &filter, entity, &views);
            page.message = Some(message);
            page.into_response()
        }
        Err(error) => error_page(Some(&user), lang, error),
    }
}
