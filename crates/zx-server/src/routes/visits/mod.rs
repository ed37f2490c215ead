//! Inspection visits (调研检查): the visits a user may see with the state of their
//! requirements, and recording one (HQ). Shared by the page and the API.

pub mod api;
pub mod pages;

use serde::Deserialize;
use utoipa::ToSchema;

use zx_domain::followup::visit_progress;
use zx_domain::{EntityCode, Measure, format};
use zx_store::{NewMeasure, NewVisit};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::routes::followup::parse_date;
use crate::state::AppState;

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

/// Visits with at least one visited entity in the user's scope; requirements the user may see.
pub async fn visit_rows(state: &AppState, user: &CurrentUser) -> ApiResult<Vec<VisitRow>> {
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
    let today = state.today();
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
                entities: v
                    .entities
                    .iter()
                    .map(name)
                    .collect::<Vec<_>>()
                    .join(lang.pick("、", ", ")),
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
                        status: format::measure_status_label(m.status.as_str(), lang),
                        overdue: m.is_overdue(today),
                    })
                    .collect(),
            }
        })
        .collect())
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

pub fn parse_visit(input: &VisitInput) -> ApiResult<NewVisit> {
    let invalid = |m: String| ApiError::new(ErrorCode::InvalidParameter, m);
    let code = |text: &str| {
        EntityCode::parse(text.trim()).map_err(|e| {
            invalid(format!("entity \"{}\": {e}", text.trim()))
                .zh(format!("单位编码“{}”无效", text.trim()))
        })
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
            ))
            .zh(format!(
                "督办要求第 {} 行：“{line}”应为 单位编码 | 责任人 | YYYY-MM-DD | 要求",
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

pub async fn create_visit(
    state: &AppState,
    user: &CurrentUser,
    input: &VisitInput,
) -> ApiResult<i64> {
    if !user.access.is_hq() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            user.lang
                .pick("仅总部可以登记调研检查", "only HQ records visits"),
        ));
    }
    let visit = parse_visit(input)?;
    // Each requirement becomes a measure: its owner must be able to update it.
    let snapshot = state.snapshot().await?;
    let lines = input
        .requirements
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty());
    for ((index, _), requirement) in lines.zip(&visit.requirements) {
        crate::routes::followup::check_answerable(
            state,
            user.lang,
            snapshot.engine.tree(),
            &requirement.entity,
            &format!("requirements, line {}: owner", index + 1),
            std::slice::from_ref(&requirement.owner),
        )
        .await?;
    }
    let (id, _) = state
        .store
        .create_visit(visit, &user.user.name, state.now())
        .await?;
    Ok(id)
}
