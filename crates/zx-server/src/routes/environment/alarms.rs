//! The alarm list with acknowledgement, and the alarm rows the plant and stack pages show.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use zx_domain::Lang;
use zx_store::{Alarm, AlarmFilter, AlarmState};

use super::{service, stack_names, visible};
use crate::auth::{CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::layout::{Me, error_page, here};
use crate::state::AppState;

pub struct AlarmRow {
    pub id: i64,
    pub mn: String,
    pub stack: String,
    pub kind: String,
    pub message: String,
    pub raised: String,
    pub state: &'static str,
    pub state_text: &'static str,
    pub cleared: Option<String>,
    pub ack: Option<String>,
    pub can_ack: bool,
}

pub fn alarm_rows(
    alarms: &[Alarm],
    names: &HashMap<String, String>,
    lang: Lang,
    can_ack: bool,
) -> Vec<AlarmRow> {
    let at = |t: chrono::DateTime<Utc>| {
        zx_domain::calendar::china_time(t)
            .format("%m-%d %H:%M")
            .to_string()
    };
    alarms
        .iter()
        .map(|a| AlarmRow {
            id: a.id,
            mn: a.mn.clone(),
            stack: names.get(&a.mn).cloned().unwrap_or_else(|| a.mn.clone()),
            kind: a
                .kind
                .parse::<zx_domain::cems::alarms::AlarmKind>()
                .map_or_else(
                    |_| a.kind.clone(),
                    |k| lang.pick(k.name_zh(), k.name_en()).to_owned(),
                ),
            message: lang.pick(&a.message_zh, &a.message_en).to_owned(),
            raised: at(a.raised_at),
            state: a.state.as_str(),
            state_text: match a.state {
                AlarmState::Active => lang.pick("未确认", "active"),
                AlarmState::Acknowledged => lang.pick("已确认", "acknowledged"),
                AlarmState::Cleared => lang.pick("已消除", "cleared"),
            },
            cleared: a.cleared_at.map(at),
            ack: a.acknowledged_by.as_ref().map(|by| {
                format!(
                    "{by} · {} · {}",
                    a.acknowledged_at.map(at).unwrap_or_default(),
                    a.note.clone().unwrap_or_default()
                )
            }),
            can_ack: can_ack && a.state == AlarmState::Active,
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "alarms.html")]
struct AlarmsPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    alarms: Vec<AlarmRow>,
    states: Vec<(&'static str, &'static str, bool)>,
    message: Option<String>,
}

#[derive(Deserialize)]
pub struct AlarmsQuery {
    #[serde(default)]
    state: Option<String>,
}

pub async fn alarms_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(query): Query<AlarmsQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let service = service(&state)?;
        let (stacks, _) = visible(&state, &user, &service).await?;
        let wanted = query
            .state
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| {
                AlarmState::parse(s).ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidParameter,
                        format!("state \"{s}\": expected active, acknowledged or cleared"),
                    )
                    .zh(format!("状态：“{s}”应为 active、acknowledged 或 cleared"))
                })
            })
            .transpose()?;
        let names = stack_names(&stacks);
        let alarms: Vec<Alarm> = state
            .store
            .alarms(&AlarmFilter {
                mn: None,
                state: wanted,
                since: None,
                limit: Some(500),
            })
            .await?
            .into_iter()
            .filter(|a| names.contains_key(&a.mn))
            .collect();
        let states = AlarmState::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str(),
                    match s {
                        AlarmState::Active => lang.pick("未确认", "active"),
                        AlarmState::Acknowledged => lang.pick("已确认", "acknowledged"),
                        AlarmState::Cleared => lang.pick("已消除", "cleared"),
                    },
                    Some(*s) == wanted,
                )
            })
            .collect();
        Ok::<_, ApiError>(AlarmsPage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            alarms: alarm_rows(&alarms, &names, lang, may_acknowledge(&user)),
            states,
            message: None,
        })
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
    note: String,
    #[serde(default)]
    next: String,
}

/// Acknowledges an alarm: who, when and what was done, kept with the alarm and audited.
pub async fn acknowledge(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Form(form): Form<AckForm>,
) -> Response {
    let lang = user.lang;
    let result = async {
        user.check_csrf(Some(&form.csrf))?;
        acknowledge_alarm(&state, &user, id, &form.note).await
    }
    .await;
    match result {
        Ok(_) => {
            // Only a local path: never an open redirect.
            let next = if form.next.starts_with('/') && !form.next.starts_with("//") {
                form.next
            } else {
                "/environment/alarms".to_owned()
            };
            Redirect::to(&next).into_response()
        }
        Err(error) => error_page(Some(&user), lang, error),
    }
}

/// Viewers read alarms; every other role may acknowledge those of stacks in its scope.
pub fn may_acknowledge(user: &CurrentUser) -> bool {
    user.access.role != zx_domain::Role::Viewer
}

async fn acknowledge_alarm(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    note: &str,
) -> ApiResult<Alarm> {
    let service = service(state)?;
    let (stacks, _) = visible(state, user, &service).await?;
    let not_found = || {
        ApiError::new(ErrorCode::NotFound, format!("no alarm {id}")).zh(format!("没有报警 {id}"))
    };
    let alarm = state.store.alarm(id).await?.ok_or_else(not_found)?;
    if !stacks.iter().any(|e| e.stack.mn == alarm.mn) {
        return Err(not_found());
    }
    if !may_acknowledge(user) {
        return Err(
            ApiError::new(ErrorCode::Forbidden, "viewers cannot acknowledge alarms")
                .zh("只读用户不能确认报警"),
        );
    }
    if note.trim().is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "note: say what was done about the alarm",
        )
        .zh("处理说明：请写明对该报警采取了什么措施"));
    }
    Ok(state
        .store
        .acknowledge_alarm(id, note.trim(), &user.user.name, state.now())
        .await?)
}
