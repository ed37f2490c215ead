//! One measure's follow-up, shared by its pages and its API: the scope rules for seeing and
//! changing a measure, creating one (from a red indicator), updates with comments, milestones,
//! evidence upload and download.
//!
//! Scope rules, as for the cockpit: a user sees a measure when they may read its entity; they
//! may change it when they may submit for its entity (HQ anywhere, an entity manager in their
//! subtree) or answer for it (owner or co-owner). Evidence downloads go through the same check
//! as the measure they belong to.

pub mod api;
pub mod pages;

use axum::extract::Multipart;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

use zx_domain::calendar::china_today;
use zx_domain::followup::{Attachment, MeasureChange, may_answer_for, may_change, may_see};
use zx_domain::{Access, EntityCode, EntityTree, Lang, Measure, MeasureStatus};
use zx_ingest::evidence::{MAX_EVIDENCE_BYTES, check_evidence};
use zx_store::{NewAttachment, NewMeasure};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::scope::entity_in_scope;
use crate::state::{AppState, Snapshot};

// --- scope ------------------------------------------------------------------------------------

pub fn not_found(lang: Lang, what: &str, id: i64) -> ApiError {
    let what_zh = match what {
        "measure" => "措施",
        "milestone" => "里程碑",
        "attachment" => "附件",
        other => other,
    };
    ApiError::new(
        ErrorCode::NotFound,
        format!(
            "{} {} {id}",
            lang.pick("没有", "no"),
            lang.pick(what_zh, what)
        ),
    )
}

/// The measure and the snapshot its scope was judged on, if the user may see it; `not_found`
/// otherwise (a measure outside one's scope is not revealed). The rules are the domain's
/// (`zx_domain::followup::may_see` / `may_change`).
pub async fn readable_measure(
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

pub fn can_edit(snapshot: &Snapshot, user: &CurrentUser, m: &Measure) -> bool {
    may_change(&user.access, snapshot.engine.tree(), &user.user.name, m)
}

pub async fn editable_measure(state: &AppState, user: &CurrentUser, id: i64) -> ApiResult<Measure> {
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

/// The enabled accounts that may be named owner or co-owner of a measure of `entity`
/// ([`may_answer_for`]: they could update it once named).
pub fn answerable(users: &[zx_store::User], tree: &EntityTree, entity: &EntityCode) -> Vec<String> {
    users
        .iter()
        .filter(|u| !u.disabled && may_answer_for(&account_access(u), tree, entity))
        .map(|u| u.name.clone())
        .collect()
}

fn account_access(user: &zx_store::User) -> Access {
    Access {
        role: user.role,
        scope: user.entity.clone(),
    }
}

/// Refuses, naming the field and the account, an owner or co-owner who could not update a
/// measure of `entity` once named: unknown, disabled, only viewing or bound to another subtree.
pub async fn check_answerable(
    state: &AppState,
    lang: Lang,
    tree: &EntityTree,
    entity: &EntityCode,
    field: &str,
    names: &[String],
) -> ApiResult<()> {
    let users = state.store.users().await?;
    for name in names {
        let refusal = match users.iter().find(|u| u.name == *name) {
            None => Some(match lang {
                Lang::Zh => format!("没有名为“{name}”的账号"),
                Lang::En => format!("there is no account named \"{name}\""),
            }),
            Some(u) if u.disabled => Some(match lang {
                Lang::Zh => format!("账号 {name} 已停用"),
                Lang::En => format!("the account {name} is disabled"),
            }),
            Some(u) if !may_answer_for(&account_access(u), tree, entity) => Some(match lang {
                Lang::Zh => format!(
                    "账号 {name} 无权更新 {entity} 的措施（只读或不在其范围内），不能担任责任人"
                ),
                Lang::En => format!(
                    "the account {name} may not update measures of {entity} (read-only or outside its scope), so it cannot be an owner"
                ),
            }),
            Some(_) => None,
        };
        if let Some(reason) = refusal {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                format!("{field}: {reason}"),
            ));
        }
    }
    Ok(())
}

/// Co-owners as a form or JSON gives them: comma-, space- or 、-separated user names.
pub fn split_names(text: &str) -> Vec<String> {
    text.split([',', '，', ' ', '、'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// New co-owners of a measure, as JSON gives them.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CoOwnersInput {
    /// The revision the change was made on.
    pub revision: i64,
    /// User names; an empty list removes every co-owner.
    pub co_owners: Vec<String>,
}

/// Replaces a measure's co-owners (whoever may change the measure), each checked with
/// [`check_answerable`]; audited with the old and new lists by the store.
pub async fn set_co_owners(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    revision: i64,
    co_owners: &str,
) -> ApiResult<Measure> {
    let measure = editable_measure(state, user, id).await?;
    let names = split_names(co_owners);
    let snapshot = state.snapshot().await?;
    check_answerable(
        state,
        user.lang,
        snapshot.engine.tree(),
        &measure.entity,
        "co_owners",
        &names,
    )
    .await?;
    Ok(state
        .store
        .set_co_owners(id, revision, names, &user.user.name, state.now())
        .await?)
}

pub fn parse_date(field: &str, text: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("{field}: \"{text}\" is not a date (YYYY-MM-DD)"),
        )
        .zh(format!(
            "{}：“{text}”不是日期（YYYY-MM-DD）",
            match field {
                "due" => "完成时限",
                "start" => "开始日期",
                "end" => "结束日期",
                other => other,
            }
        ))
    })
}

pub fn optional_date(field: &str, text: Option<&str>) -> ApiResult<Option<NaiveDate>> {
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

pub async fn create_measure(
    state: &AppState,
    user: &CurrentUser,
    input: MeasureInput,
) -> ApiResult<i64> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let entity = entity_in_scope(&snapshot, user, input.entity.trim())?;
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
        && snapshot.engine.catalogue().find_indicator(id).is_none()
    {
        return Err(ApiError::new(
            ErrorCode::IndicatorNotFound,
            format!("indicator: no indicator \"{id}\""),
        )
        .zh(format!("指标：没有指标“{id}”")));
    }
    let co_owners = split_names(&input.co_owners.unwrap_or_default());
    let code = &tree.entity(entity).code;
    let owner = input.owner.trim().to_owned();
    check_answerable(state, user.lang, tree, code, "owner", &[owner]).await?;
    check_answerable(state, user.lang, tree, code, "co_owners", &co_owners).await?;
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
        )
        .zh(format!("完成时限：{} 早于开始日期 {start}", measure.due)));
    }
    Ok(state
        .store
        .create_measure(measure, &user.user.name, state.now())
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
pub fn empty_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
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

pub async fn update_measure(
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
            .zh(format!("状态：“{text}”应为计划中、推进中、已完成或已取消"))
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
        .update_measure(id, input.revision, change, &user.user.name, state.now())
        .await?)
}

pub async fn add_evidence(
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
            state.now(),
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

pub async fn add_milestone(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: &MilestoneInput,
) -> ApiResult<i64> {
    editable_measure(state, user, id).await?;
    let due = parse_date("due", &input.due)?;
    Ok(state
        .store
        .add_milestone(id, &input.title, due, &user.user.name, state.now())
        .await?)
}

/// Marks a milestone of measure `id` reached today (China date).
pub async fn complete_milestone(
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
    let now = state.now();
    Ok(state
        .store
        .complete_milestone(milestone, china_today(now), &user.user.name, now)
        .await?)
}

/// Reads a multipart upload: the file, the CSRF token and an optional milestone id.
pub struct Upload {
    pub csrf: Option<String>,
    pub milestone: Option<i64>,
    pub file: Option<(String, Vec<u8>)>,
}

pub async fn read_upload(mut multipart: Multipart) -> ApiResult<Upload> {
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
                        .zh(format!("里程碑：“{text}”不是里程碑编号"))
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
pub async fn download(state: &AppState, user: &CurrentUser, id: i64) -> ApiResult<Response> {
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
