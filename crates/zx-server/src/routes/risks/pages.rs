//! The risk register page: the four-colour map of the chosen entity (by area for a plant, by
//! plant above it), the register's table, a form to register a risk, and the register as a
//! workbook out and in (the same layout, so a circulated sheet reads back).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;
use zx_api::safety_risks::{RiskInput, ScoreJson};
use zx_domain::Lang;
use zx_domain::safety::RiskLevel;
use zx_domain::safety::risks::{ControlLevel, RiskCategory};
use zx_ingest::safety_risks::RISK_HEADINGS;
use zx_store::{StoredRisk, score_code};

use super::{level_label, risks_under, root};
use crate::auth::{CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::layout::{Me, error_page, here, xlsx_download};
use crate::routes::read_upload;
use crate::state::AppState;

pub struct RiskRowView {
    pub id: i64,
    pub entity: String,
    pub entity_name: String,
    pub area: String,
    pub activity: String,
    pub category: &'static str,
    pub hazard: String,
    pub score: String,
    pub value: String,
    pub level: &'static str,
    pub level_text: &'static str,
    pub controls: String,
    pub control_level: &'static str,
    pub owner: String,
}

pub struct MapRowView {
    pub key: String,
    pub href: Option<String>,
    /// (colour code, count) in red, orange, yellow, blue order.
    pub cells: Vec<(&'static str, usize)>,
    pub highest: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "risks.html")]
struct RisksPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    entity: String,
    entity_name: String,
    by_area: bool,
    levels: Vec<(&'static str, &'static str)>,
    map: Vec<MapRowView>,
    total: Vec<(&'static str, usize)>,
    rows: Vec<RiskRowView>,
    /// Retired risks: off the map and the list above, kept in the register.
    retired: Vec<RiskRowView>,
    can_write: bool,
    categories: Vec<(&'static str, &'static str)>,
    control_levels: Vec<(&'static str, &'static str)>,
    message: Option<String>,
    issues: Vec<String>,
}

#[derive(Deserialize)]
pub struct RisksQuery {
    #[serde(default)]
    entity: Option<String>,
}

fn row_view(
    r: &StoredRisk,
    name: &str,
    bands: &zx_domain::safety::GradingBands,
    lang: Lang,
) -> RiskRowView {
    let level = r.risk.level(bands);
    let value = match r.risk.score {
        zx_domain::safety::Score::Lec(s) => s.danger().to_string(),
        zx_domain::safety::Score::Matrix(s) => s.risk().to_string(),
    };
    RiskRowView {
        id: r.id,
        entity: r.risk.entity.to_string(),
        entity_name: name.to_owned(),
        area: r.risk.area.clone(),
        activity: r.risk.activity.clone(),
        category: r.risk.category.label(lang),
        hazard: r.risk.hazard.clone(),
        score: score_code(&r.risk.score),
        value,
        level: level.code(),
        level_text: level_label(level, lang),
        controls: r.risk.controls.clone(),
        control_level: r.risk.control_level.label(lang),
        owner: r.risk.owner.clone(),
    }
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    entity: Option<&str>,
    here: String,
    message: Option<String>,
    issues: Vec<String>,
) -> ApiResult<RisksPage> {
    let lang = user.lang;
    let (snapshot, root_id) = root(state, user, entity).await?;
    let tree = snapshot.engine.tree();
    let (list, retired): (Vec<_>, Vec<_>) = risks_under(state, user, &snapshot, root_id, true)
        .await?
        .into_iter()
        .partition(|r| r.active);
    let map = super::api::map_json(state, user, &snapshot, root_id).await?;
    let cells = |c: &zx_api::safety_risks::LevelCountsJson| {
        vec![
            ("red", c.red),
            ("orange", c.orange),
            ("yellow", c.yellow),
            ("blue", c.blue),
        ]
    };
    let by_area = map.by == "area";
    let name_of = |code: &zx_domain::EntityCode| {
        tree.id(code)
            .map_or_else(|| code.to_string(), |id| tree.entity(id).name.clone())
    };
    let root_entity = tree.entity(root_id);
    Ok(RisksPage {
        lang,
        me: Me::of(user),
        here,
        entity: root_entity.code.to_string(),
        entity_name: root_entity.name.clone(),
        by_area,
        levels: RiskLevel::ALL
            .iter()
            .map(|l| (l.code(), level_label(*l, lang)))
            .collect(),
        map: map
            .rows
            .iter()
            .map(|r| MapRowView {
                key: if by_area {
                    r.key.clone()
                } else {
                    tree.id_of(&r.key)
                        .map_or(r.key.clone(), |id| tree.entity(id).name.clone())
                },
                href: (!by_area).then(|| format!("/safety/risks?entity={}", r.key)),
                cells: cells(&r.counts),
                highest: match r.highest.as_deref() {
                    Some("red") => "red",
                    Some("orange") => "orange",
                    Some("yellow") => "yellow",
                    Some("blue") => "blue",
                    _ => "none",
                },
            })
            .collect(),
        total: cells(&map.total),
        rows: list
            .iter()
            .map(|r| row_view(r, &name_of(&r.risk.entity), &state.safety_rules.bands, lang))
            .collect(),
        retired: retired
            .iter()
            .map(|r| row_view(r, &name_of(&r.risk.entity), &state.safety_rules.bands, lang))
            .collect(),
        can_write: user.access.role != zx_domain::Role::Viewer
            && user.access.can_submit(tree, root_id),
        categories: RiskCategory::ALL
            .iter()
            .map(|c| (c.as_str(), c.label(lang)))
            .collect(),
        control_levels: ControlLevel::ALL
            .iter()
            .map(|c| (c.as_str(), c.label(lang)))
            .collect(),
        message,
        issues,
    })
}

/// `GET /safety/risks?entity=`: the map and the register.
pub async fn register(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(query): Query<RisksQuery>,
) -> Response {
    match render(
        &state,
        &user,
        query.entity.as_deref(),
        here(&uri),
        None,
        Vec::new(),
    )
    .await
    {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

#[derive(Deserialize)]
pub struct RiskForm {
    csrf: String,
    entity: String,
    area: String,
    activity: String,
    category: String,
    hazard: String,
    method: String,
    l: String,
    #[serde(default)]
    e: String,
    #[serde(default)]
    c: String,
    #[serde(default)]
    s: String,
    controls: String,
    control_level: String,
    owner: String,
}

/// `POST /safety/risks`: registers a risk from the form.
pub async fn create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<RiskForm>,
) -> Response {
    let result = async {
        user.check_csrf(Some(&form.csrf))?;
        let some = |t: &str| Some(t.to_owned()).filter(|t| !t.trim().is_empty());
        let input = RiskInput {
            id: None,
            entity: form.entity.clone(),
            area: form.area,
            activity: form.activity,
            category: form.category,
            hazard: form.hazard,
            score: ScoreJson {
                method: form.method,
                l: form.l,
                e: some(&form.e),
                c: some(&form.c),
                s: some(&form.s),
                value: String::new(),
            },
            controls: form.controls,
            control_level: form.control_level,
            owner: form.owner,
        };
        super::save_risk(&state, &user, &input).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/safety/risks?entity={}", form.entity)).into_response(),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

/// `GET /safety/risks.xlsx?entity=`: the register as a workbook in the import's layout.
pub async fn export(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<RisksQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let (snapshot, root_id) = root(&state, &user, query.entity.as_deref()).await?;
        let tree = snapshot.engine.tree();
        // Retired risks too, marked in the state column: the register keeps its history.
        let list = risks_under(&state, &user, &snapshot, root_id, true).await?;
        let root_entity = tree.entity(root_id);
        let title = format!(
            "{} {}",
            root_entity.name,
            lang.pick("安全风险分级管控清单", "risk register")
        );
        let bytes = risks_workbook(&list, tree, &title, &state.safety_rules.bands, lang)
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("workbook: {e}")))?;
        Ok::<_, ApiError>((format!("risks-{}.xlsx", root_entity.code), bytes))
    }
    .await;
    match result {
        Ok((name, bytes)) => xlsx_download(&name, bytes),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

/// The register as offices circulate it: a title line, then the headings `zx-ingest` reads
/// (`RISK_HEADINGS`), the factors as text so 0.5 stays 0.5.
pub fn risks_workbook(
    list: &[StoredRisk],
    tree: &zx_domain::EntityTree,
    title: &str,
    bands: &zx_domain::safety::GradingBands,
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name(lang.pick("风险清单", "Risks"))?;
    sheet.write_string_with_format(0, 0, title, &bold)?;
    for (c, (_, zh)) in RISK_HEADINGS.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *zh, &bold)?;
    }
    for (i, r) in list.iter().enumerate() {
        let row = 3 + i as u32;
        let risk = &r.risk;
        let (l, e, c, s, value) = match risk.score {
            zx_domain::safety::Score::Lec(x) => (
                x.likelihood().to_string(),
                x.exposure().to_string(),
                x.consequence().to_string(),
                String::new(),
                x.danger().to_string(),
            ),
            zx_domain::safety::Score::Matrix(x) => (
                x.likelihood().to_string(),
                String::new(),
                String::new(),
                x.severity().to_string(),
                x.risk().to_string(),
            ),
        };
        let name = tree
            .id(&risk.entity)
            .map_or_else(String::new, |id| tree.entity(id).name.clone());
        let cells = [
            r.id.to_string(),
            risk.entity.to_string(),
            name,
            risk.area.clone(),
            risk.activity.clone(),
            risk.category.label(Lang::Zh).to_owned(),
            risk.hazard.clone(),
            l,
            e,
            c,
            s,
            value,
            level_label(risk.level(bands), Lang::Zh).to_owned(),
            risk.controls.clone(),
            risk.control_level.label(Lang::Zh).to_owned(),
            risk.owner.clone(),
            if r.active { "在用" } else { "已停用" }.to_owned(),
        ];
        for (col, text) in cells.iter().enumerate() {
            if !text.is_empty() {
                sheet.write_string(row, col as u16, text)?;
            }
        }
    }
    sheet.set_column_width(3, 16)?;
    sheet.set_column_width(6, 24)?;
    sheet.set_column_width(13, 40)?;
    workbook.save_to_buffer()
}

/// `POST /safety/risks/import`: a register workbook (or CSV) read back, all or nothing; the
/// page shows every bad cell.
pub async fn import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    mut multipart: Multipart,
) -> Response {
    let lang = user.lang;
    let result = async {
        let form = read_upload(&mut multipart, "risks.xlsx").await?;
        user.check_csrf(form.csrf.as_deref())?;
        super::refuse_viewer(&user)?;
        let entity = form.fields.get("entity").cloned();
        let (file_name, bytes) = form.file.ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidFile, "choose a file").zh("请选择文件")
        })?;
        let snapshot = state.snapshot().await?;
        let tree = snapshot.engine.tree();
        let writable = |code: &zx_domain::EntityCode| {
            tree.id(code)
                .is_some_and(|id| user.access.can_submit(tree, id))
        };
        let outcome = zx_app::risks::import_risks(
            &*state.store,
            tree,
            &writable,
            &file_name,
            &bytes,
            &user.user.name,
            state.now(),
        )
        .await
        .map_err(ApiError::from)?;
        let (message, issues) = match outcome {
            Ok(saved) => (
                format!("{} {}", saved.len(), lang.pick("行已导入", "rows imported")),
                Vec::new(),
            ),
            Err(rejected) => (
                lang.pick(
                    "文件有错误，未导入任何内容：",
                    "The file has errors; nothing was imported:",
                )
                .to_owned(),
                crate::views::issue_lines(&rejected.issues, lang),
            ),
        };
        render(
            &state,
            &user,
            entity.as_deref(),
            format!("/safety/risks?entity={}", entity.as_deref().unwrap_or("")),
            Some(message),
            issues,
        )
        .await
    }
    .await;
    match result {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

#[derive(Deserialize)]
pub struct RetireForm {
    csrf: String,
    reason: String,
    /// The page's entity, to come back to.
    #[serde(default)]
    entity: String,
}

/// `POST /safety/risks/{id}/retire`: retires a risk with its reason; the register again, or
/// with the refusal in the banner.
pub async fn retire(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(form): Form<RetireForm>,
) -> Response {
    let lang = user.lang;
    if let Err(error) = user.check_csrf(Some(&form.csrf)) {
        return error_page(Some(&user), lang, error);
    }
    let back = format!(
        "/safety/risks?entity={}",
        crate::auth::urlencode(&form.entity)
    );
    match super::retire_risk(&state, &user, id, &form.reason).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(error) if error.code == ErrorCode::InvalidParameter => {
            let entity = Some(form.entity.as_str()).filter(|e| !e.is_empty());
            match render(
                &state,
                &user,
                entity,
                here(&uri),
                Some(error.text_for(lang)),
                Vec::new(),
            )
            .await
            {
                Ok(page) => (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                Err(error) => error_page(Some(&user), lang, error),
            }
        }
        Err(error) => error_page(Some(&user), lang, error),
    }
}
