//! Safety risks and natural hazards: the risk register with its four-colour map, site exposures,
//! official warnings and the plants' alerts with their acknowledgement. The service functions the
//! pages (`pages.rs`, `warnings.rs`) and the API (`api.rs`) both call; scope by
//! `zx_domain::access` as everywhere: a plant manager registers risks and acknowledges alerts
//! within the subtree, HQ sees all, a viewer only reads; an alert or risk outside the caller's
//! scope is `not_found`.
//!
//! `/safety`'s "active warnings" section is [`active_warnings`] rendered by
//! `templates/safety_warnings.html` (see [`ActiveWarnings`]).

pub mod api;
pub mod pages;
pub mod warnings;

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use zx_api::safety_risks::{
    ChecklistItemJson, ExposureJson, RiskInput, ScoreJson, WarningAlertJson,
};
use zx_app::risks::AlertView;
use zx_domain::safety::natural::{Checklists, parse_warning_time};
use zx_domain::safety::risks::{ControlLevel, Risk, RiskCategory};
use zx_domain::safety::{LecScore, MatrixScore, Score};
use zx_domain::{EntityCode, EntityId, Lang, Role};
use zx_store::{
    Exposure, NaturalHazard, NewWarning, RiskRow, Season, SiteExposure, StoredRisk, WarningLevel,
};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::scope::entity_in_scope;
use crate::state::AppState;

/// The routes of this resource, merged into the route table.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/safety/risks", get(pages::register).post(pages::create))
        .route("/safety/risks.xlsx", get(pages::export))
        .route("/safety/risks/import", post(pages::import))
        .route("/safety/risks/{id}/retire", post(pages::retire))
        .route(
            "/safety/warnings",
            get(warnings::page).post(warnings::create),
        )
        .route("/safety/warnings/import", post(warnings::import))
        .route("/safety/alerts/{id}/ack", post(warnings::acknowledge))
        .route("/safety/exposures", post(warnings::set_exposure))
        .route("/safety/exposures.xlsx", get(warnings::export_exposures))
        .route("/safety/exposures/import", post(warnings::import_exposures))
        .route("/api/v1/safety/risks", get(api::risks).post(api::save_risk))
        .route("/api/v1/safety/risks/{id}/retire", post(api::retire))
        .route("/api/v1/safety/risk-map", get(api::risk_map))
        .route(
            "/api/v1/safety/exposures",
            get(api::exposures).put(api::put_exposures),
        )
        .route(
            "/api/v1/safety/warnings",
            get(api::alerts).post(api::add_warning),
        )
        .route(
            "/api/v1/safety/warning-alerts/{id}/acknowledge",
            post(api::acknowledge),
        )
}

fn invalid(en: impl Into<String>, zh: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, en).zh(zh)
}

fn refuse_viewer(user: &CurrentUser) -> ApiResult<()> {
    if user.access.role == Role::Viewer {
        return Err(
            ApiError::new(ErrorCode::Forbidden, "viewers cannot change anything")
                .zh("查看者不能修改数据"),
        );
    }
    Ok(())
}

/// The entity a request names, or the caller's home, checked for scope.
pub async fn root(
    state: &AppState,
    user: &CurrentUser,
    entity: Option<&str>,
) -> ApiResult<(std::sync::Arc<zx_app::Snapshot>, EntityId)> {
    let snapshot = state.snapshot().await?;
    let id = crate::scope::entity_or_home(&snapshot, user, entity, "no entity in scope")?;
    Ok((snapshot, id))
}

/// The risks of `root`'s subtree the caller may read, active ones unless `all`.
pub async fn risks_under(
    state: &AppState,
    user: &CurrentUser,
    snapshot: &zx_app::Snapshot,
    root: EntityId,
    all: bool,
) -> ApiResult<Vec<StoredRisk>> {
    let tree = snapshot.engine.tree();
    Ok(state
        .store
        .risks()
        .await?
        .into_iter()
        .filter(|r| all || r.active)
        .filter(|r| {
            tree.id(&r.risk.entity)
                .is_some_and(|id| tree.is_within(id, root) && user.access.can_read(tree, id))
        })
        .collect())
}

/// A risk from typed input: every field checked, named when wrong.
pub fn risk_from_input(input: &RiskInput) -> ApiResult<Risk> {
    let entity = EntityCode::parse(&input.entity).map_err(|_| {
        invalid(
            format!("entity \"{}\" is not an entity code", input.entity),
            format!("单位“{}”不是有效的单位编码", input.entity),
        )
    })?;
    let category = RiskCategory::parse(&input.category).ok_or_else(|| {
        invalid(
            format!("category \"{}\" is not a risk category", input.category),
            format!("类别“{}”不是风险类别", input.category),
        )
    })?;
    let control_level = ControlLevel::parse(&input.control_level).ok_or_else(|| {
        invalid(
            format!(
                "control_level \"{}\": expected company, plant or team",
                input.control_level
            ),
            format!("管控层级“{}”应为公司级、厂级或班组级", input.control_level),
        )
    })?;
    let risk = Risk {
        entity,
        area: input.area.trim().to_owned(),
        activity: input.activity.trim().to_owned(),
        category,
        hazard: input.hazard.trim().to_owned(),
        score: score_from_input(&input.score)?,
        controls: input.controls.trim().to_owned(),
        control_level,
        owner: input.owner.trim().to_owned(),
    };
    risk.check().map_err(|e| {
        invalid(
            e.to_string(),
            format!("{}不能为空", field_zh(&e.to_string())),
        )
    })?;
    Ok(risk)
}

fn field_zh(message: &str) -> &'static str {
    match message.split(' ').next().unwrap_or("") {
        "area" => "区域/部位",
        "activity" => "作业活动",
        "hazard" => "危险因素",
        "controls" => "管控措施",
        _ => "责任人",
    }
}

fn score_from_input(score: &ScoreJson) -> ApiResult<Score> {
    let decimal = |field: &str, text: Option<&String>| -> ApiResult<Decimal> {
        let text = text.map(|t| t.trim()).unwrap_or_default();
        text.parse::<Decimal>().map_err(|_| {
            invalid(
                format!("{field} \"{text}\" is not a number"),
                format!("{field}“{text}”不是数字"),
            )
        })
    };
    let bad = |e: zx_domain::safety::ScoreError| invalid(e.to_string(), format!("评分：{e}"));
    match score.method.as_str() {
        "lec" => Ok(Score::Lec(
            LecScore::new(
                decimal("L", Some(&score.l))?,
                decimal("E", score.e.as_ref())?,
                decimal("C", score.c.as_ref())?,
            )
            .map_err(bad)?,
        )),
        "matrix" => {
            let small = |field: &str, text: Option<&String>| -> ApiResult<u8> {
                let text = text.map(|t| t.trim()).unwrap_or_default();
                text.parse::<u8>().map_err(|_| {
                    invalid(
                        format!("{field} \"{text}\" is not 1, 2, 3, 4 or 5"),
                        format!("{field}“{text}”应为 1 至 5 的整数"),
                    )
                })
            };
            Ok(Score::Matrix(
                MatrixScore::new(small("L", Some(&score.l))?, small("S", score.s.as_ref())?)
                    .map_err(bad)?,
            ))
        }
        other => Err(invalid(
            format!("score.method \"{other}\": expected lec or matrix"),
            format!("评价方法“{other}”应为 lec 或 matrix"),
        )),
    }
}

/// Records sites' exposures to natural hazards (each replaces that site's exposure to that
/// hazard); returns how many changed. A viewer, or a site the caller may not submit for,
/// `forbidden`; an unknown hazard, exposure or season `invalid_parameter`.
pub async fn set_exposures(
    state: &AppState,
    user: &CurrentUser,
    input: &[ExposureJson],
) -> ApiResult<usize> {
    refuse_viewer(user)?;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let mut list = Vec::with_capacity(input.len());
    for x in input {
        let id = entity_in_scope(&snapshot, user, x.entity.trim())?;
        if !user.access.can_submit(tree, id) {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("you may not set exposures for {}", x.entity),
            )
            .zh(format!("您不能设置 {} 的灾害暴露", x.entity)));
        }
        let bad = |field: &str, value: &str| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("{field} \"{value}\" is not allowed"),
            )
            .zh(format!("{field}“{value}”无效"))
        };
        list.push(SiteExposure {
            entity: tree.entity(id).code.clone(),
            hazard: NaturalHazard::parse(&x.hazard).ok_or_else(|| bad("hazard", &x.hazard))?,
            exposure: Exposure::parse(&x.exposure).ok_or_else(|| bad("exposure", &x.exposure))?,
            season: match x.season.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(s) => Some(Season::parse(s).ok_or_else(|| bad("season", s))?),
            },
        });
    }
    Ok(state
        .store
        .set_site_exposures(list, &user.user.name, state.now())
        .await?)
}

/// Retires a standing risk (the work or the place is gone) with a reason: it leaves the maps
/// and the open list and stays in the register and its export as retired. Outside the caller's
/// scope `not_found`; a viewer or someone who may not write its entity `forbidden`; a blank
/// reason or a risk retired already `invalid_parameter`.
pub async fn retire_risk(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    reason: &str,
) -> ApiResult<StoredRisk> {
    let not_found =
        || ApiError::new(ErrorCode::NotFound, format!("no risk {id}")).zh(format!("没有风险 {id}"));
    let stored = state.store.risk(id).await?.ok_or_else(not_found)?;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let entity = tree
        .id(&stored.risk.entity)
        .filter(|e| user.access.can_read(tree, *e))
        .ok_or_else(not_found)?;
    refuse_viewer(user)?;
    if !user.access.can_submit(tree, entity) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("you may not retire risks of {}", stored.risk.entity),
        )
        .zh(format!("您不能停用 {} 的风险", stored.risk.entity)));
    }
    if reason.trim().is_empty() {
        return Err(invalid(
            "reason: say why the risk is retired",
            "停用原因：请填写停用原因",
        ));
    }
    if !stored.active {
        return Err(invalid(
            format!("risk {id} is retired already"),
            format!("风险 {id} 已停用"),
        ));
    }
    state
        .store
        .retire_risk(id, reason, &user.user.name, state.now())
        .await?;
    Ok(stored)
}

/// Registers or changes one risk; the caller must be able to write its entity.
pub async fn save_risk(state: &AppState, user: &CurrentUser, input: &RiskInput) -> ApiResult<i64> {
    refuse_viewer(user)?;
    let risk = risk_from_input(input)?;
    let snapshot = state.snapshot().await?;
    let id = entity_in_scope(&snapshot, user, risk.entity.as_str())?;
    if !user.access.can_submit(snapshot.engine.tree(), id) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("you may not register risks for {}", risk.entity),
        )
        .zh(format!("您不能为 {} 登记风险", risk.entity)));
    }
    if let Some(number) = input.id {
        let stored = state.store.risk(number).await?;
        if stored.is_none_or(|s| s.risk.entity != risk.entity) {
            return Err(
                ApiError::new(ErrorCode::NotFound, format!("no risk {number}"))
                    .zh(format!("没有风险 {number}")),
            );
        }
    }
    let saved = state
        .store
        .save_risks(
            vec![RiskRow { id: input.id, risk }],
            &user.user.name,
            state.now(),
        )
        .await?;
    Ok(saved.first().map_or(0, |(id, _)| *id))
}

/// A warning from what a form or the API sent.
pub fn warning_from_input(input: &zx_api::safety_risks::WarningInput) -> ApiResult<NewWarning> {
    let hazard = NaturalHazard::parse(&input.hazard).ok_or_else(|| {
        invalid(
            format!("hazard \"{}\" is not a natural hazard", input.hazard),
            format!("灾种“{}”不是自然灾害类型", input.hazard),
        )
    })?;
    let level = WarningLevel::parse(&input.level).ok_or_else(|| {
        invalid(
            format!(
                "level \"{}\": expected blue, yellow, orange or red",
                input.level
            ),
            format!("预警级别“{}”应为蓝色、黄色、橙色或红色", input.level),
        )
    })?;
    let time = |field: &str, text: &str, end: bool| {
        parse_warning_time(text, end).ok_or_else(|| {
            invalid(
                format!("{field} \"{text}\" is not a time: YYYY-MM-DD HH:MM or YYYY-MM-DD"),
                format!("{field}“{text}”不是时间：应为 YYYY-MM-DD HH:MM 或 YYYY-MM-DD"),
            )
        })
    };
    let warning = NewWarning {
        region: input.region.trim().to_owned(),
        hazard,
        level,
        from: time("from", &input.from, false)?,
        to: time("to", &input.to, true)?,
    };
    warning.check().map_err(|e| {
        invalid(
            e.to_string(),
            match e {
                zx_domain::safety::natural::WarningError::EmptyRegion => "地区不能为空",
                zx_domain::safety::natural::WarningError::EndsBeforeStart { .. } => {
                    "预警结束时间须晚于开始时间"
                }
            },
        )
    })?;
    Ok(warning)
}

/// Records warnings; the alerts go to the affected plants the caller may write (HQ: every
/// plant of the region). Returns the warnings' ids and how many alerts were raised.
pub async fn add_warnings(
    state: &AppState,
    user: &CurrentUser,
    warnings: Vec<NewWarning>,
    source: &str,
) -> ApiResult<(Vec<i64>, usize)> {
    refuse_viewer(user)?;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let exposures = state.store.site_exposures().await?;
    let mut planned = zx_app::risks::plan_alerts(
        tree,
        &exposures,
        &state.safety_rules.checklists,
        warnings,
        state.now(),
    );
    for (_, alerts) in &mut planned {
        alerts.retain(|a| {
            tree.id(&a.entity)
                .is_some_and(|id| user.access.can_submit(tree, id))
        });
    }
    let count = planned.iter().map(|(_, a)| a.len()).sum();
    let ids = state
        .store
        .add_warnings(planned, source, &user.user.name, state.now())
        .await?;
    Ok((ids, count))
}

/// The alerts of the plants the caller may read, newest warning first.
pub async fn visible_alerts(state: &AppState, user: &CurrentUser) -> ApiResult<Vec<AlertView>> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let keep = |code: &EntityCode| {
        tree.id(code)
            .is_some_and(|id| user.access.can_read(tree, id))
    };
    Ok(zx_app::risks::alerts(&*state.store, &keep).await?)
}

/// The checklist of an alert's warning, both languages.
pub fn checklist_json(checklists: &Checklists, view: &AlertView) -> Vec<ChecklistItemJson> {
    let w = &view.warning.warning;
    checklists
        .items(w.hazard, w.level)
        .into_iter()
        .map(|i| ChecklistItemJson {
            zh: i.zh.clone(),
            en: i.en.clone(),
        })
        .collect()
}

pub fn alert_json(checklists: &Checklists, view: &AlertView) -> WarningAlertJson {
    WarningAlertJson::of(
        &view.alert,
        &view.warning,
        &view.escalated_to,
        checklist_json(checklists, view),
    )
}

/// The plant acknowledges its alert. Outside the caller's scope: `not_found`; a viewer, or a
/// manager above whose subtree it is not: `forbidden`.
pub async fn acknowledge(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    note: &str,
) -> ApiResult<AlertView> {
    let not_found = || {
        ApiError::new(ErrorCode::NotFound, format!("no warning alert {id}"))
            .zh(format!("没有预警通知 {id}"))
    };
    let views = visible_alerts(state, user).await?;
    let view = views
        .into_iter()
        .find(|v| v.alert.id == id)
        .ok_or_else(not_found)?;
    refuse_viewer(user)?;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    if !tree
        .id(&view.alert.entity)
        .is_some_and(|e| user.access.can_submit(tree, e))
    {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("you may not acknowledge for {}", view.alert.entity),
        )
        .zh(format!("您不能代 {} 确认", view.alert.entity)));
    }
    let alert = state
        .store
        .acknowledge_warning_alert(id, note, &user.user.name, state.now())
        .await?;
    Ok(AlertView { alert, ..view })
}

/// One alert as the "active warnings" section shows it.
pub struct ActiveWarning {
    pub id: i64,
    pub entity: String,
    pub entity_name: String,
    /// `红色预警 · 台风 · 福建`.
    pub title: String,
    pub level: &'static str,
    pub window: String,
    pub acknowledge_by: String,
    pub late: bool,
    pub acknowledged: Option<String>,
    pub escalated_to: String,
    pub checklist: Vec<String>,
    pub can_ack: bool,
}

/// The "active warnings" section of `/safety` (and of `/safety/warnings`): the alerts of the
/// plants in the caller's scope whose warning is in force or that are not acknowledged yet.
///
/// To plug it into `/safety` (`routes::safety::pages::SafetyPage`): add a field
/// `active: crate::routes::risks::ActiveWarnings`, fill it with
/// `crate::routes::risks::active_warnings(&state, &user, entity).await?` (`entity`: the page's
/// `?entity=`, `None` for the whole scope), and replace the placeholder
/// `<section id="safety-warnings">…</section>` of `safety.html` with
/// `{% include "safety_warnings.html" %}` (the partial reads `lang`, `me`, `here`, `active`).
pub struct ActiveWarnings {
    pub alerts: Vec<ActiveWarning>,
}

/// The active warnings for `user` at the state's clock, under `entity` when given.
pub async fn active_warnings(
    state: &AppState,
    user: &CurrentUser,
    entity: Option<&str>,
) -> ApiResult<ActiveWarnings> {
    let lang = user.lang;
    let now = state.now();
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let root = match entity {
        Some(code) => Some(entity_in_scope(&snapshot, user, code)?),
        None => None,
    };
    let views: Vec<AlertView> = visible_alerts(state, user)
        .await?
        .into_iter()
        .filter(|v| {
            root.is_none_or(|r| {
                tree.id(&v.alert.entity)
                    .is_some_and(|e| tree.is_within(e, r))
            })
        })
        .collect();
    let at = |t: DateTime<Utc>| {
        zx_domain::calendar::china_time(t)
            .format("%m-%d %H:%M")
            .to_string()
    };
    let lists = &state.safety_rules.checklists;
    let alerts = views
        .iter()
        .filter(|v| v.is_active(now))
        .map(|v| {
            let w = &v.warning.warning;
            let entity = tree.id(&v.alert.entity);
            ActiveWarning {
                id: v.alert.id,
                entity: v.alert.entity.to_string(),
                entity_name: entity.map_or_else(
                    || v.alert.entity.to_string(),
                    |id| tree.entity(id).name.clone(),
                ),
                title: format!(
                    "{} · {} · {}",
                    w.level.label(lang),
                    w.hazard.label(lang),
                    w.region
                ),
                level: w.level.as_str(),
                window: format!("{} – {}", at(w.from), at(w.to)),
                acknowledge_by: at(v.alert.acknowledge_by),
                late: v.is_late(now),
                acknowledged: v.alert.acknowledged_by.as_ref().map(|by| {
                    format!(
                        "{by} · {} · {}",
                        v.alert.acknowledged_at.map(at).unwrap_or_default(),
                        v.alert.note.clone().unwrap_or_default()
                    )
                }),
                escalated_to: v.escalated_to.join(", "),
                checklist: lists
                    .items(w.hazard, w.level)
                    .into_iter()
                    .map(|i| i.text(lang).to_owned())
                    .collect(),
                can_ack: user.access.role != Role::Viewer
                    && entity.is_some_and(|id| user.access.can_submit(tree, id)),
            }
        })
        .collect();
    Ok(ActiveWarnings { alerts })
}

/// Labels of a risk level's colour.
pub fn level_label(level: zx_domain::safety::RiskLevel, lang: Lang) -> &'static str {
    zx_domain::format::risk_level_label(level, lang)
}
