//! Stack emissions for the pages and the API, over the emissions service
//! ([`crate::emissions::Emissions`]): the stacks a user may see, a stack's status now, open
//! alarms, and violation days per plant and month (also on the cockpit).
//!
//! Scope: a stack is seen when its plant is in the user's scope; one outside answers
//! `not_found`, as a stack that does not exist.

pub mod alarms;
pub mod api;
pub mod pages;
pub mod reports;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::Deserialize;
use zx_domain::cems::status::{self, violation_days_by_plant};
use zx_domain::{EntityTree, Lang};
use zx_store::{Alarm, AlarmFilter, AlarmState};

use crate::auth::CurrentUser;
use crate::emissions::{Emissions, StackEntry};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

pub fn service(state: &AppState) -> ApiResult<Arc<Emissions>> {
    state.emissions.clone().ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            "emissions monitoring is not enabled on this server",
        )
        .zh("本服务器未启用环保监测")
    })
}

/// The stacks `user` may see: those of plants in the user's scope.
pub async fn visible(
    state: &AppState,
    user: &CurrentUser,
    service: &Emissions,
) -> ApiResult<(Vec<Arc<StackEntry>>, Arc<crate::state::Snapshot>)> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let stacks = service
        .registry()
        .sorted()
        .into_iter()
        .filter(|entry| may_read(tree, user, entry))
        .collect();
    Ok((stacks, snapshot))
}

pub fn may_read(tree: &EntityTree, user: &CurrentUser, entry: &StackEntry) -> bool {
    tree.id_of(entry.stack.entity.as_str())
        .is_some_and(|id| user.access.can_read(tree, id))
}

pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, zx_cems_store::CemsStoreError> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

pub async fn open_alarms(state: &AppState, mn: Option<&str>) -> ApiResult<Vec<Alarm>> {
    let mut open = Vec::new();
    for alarm_state in [AlarmState::Active, AlarmState::Acknowledged] {
        open.extend(
            state
                .store
                .alarms(&AlarmFilter {
                    mn: mn.map(str::to_owned),
                    state: Some(alarm_state),
                    since: None,
                    limit: None,
                })
                .await?,
        );
    }
    open.sort_by(|a, b| b.raised_at.cmp(&a.raised_at).then(b.id.cmp(&a.id)));
    Ok(open)
}

pub fn latest_text(latest: Option<NaiveDateTime>, lang: Lang) -> String {
    latest.map_or_else(
        || lang.pick("无数据", "no data").to_owned(),
        |at| at.format("%m-%d %H:%M").to_string(),
    )
}

pub struct MonthCell {
    pub days: u32,
    pub known: bool,
}

pub struct ViolationRow {
    pub code: String,
    pub name: String,
    pub cells: Vec<MonthCell>,
    pub total: u32,
}

/// Violation days per plant and month of `year`, for the cockpit: the plants with stacks in
/// the subtree of `root` that the user may see. `None` without emissions or stacks there.
pub async fn cockpit_violations(
    state: &AppState,
    user: &CurrentUser,
    root: zx_domain::EntityId,
    year: i32,
) -> ApiResult<Option<Vec<ViolationRow>>> {
    let Some(service) = state.emissions.clone() else {
        return Ok(None);
    };
    let (stacks, snapshot) = visible(state, user, &service).await?;
    let tree = snapshot.engine.tree();
    let stacks: Vec<Arc<StackEntry>> = stacks
        .into_iter()
        .filter(|e| {
            tree.id_of(e.stack.entity.as_str())
                .is_some_and(|id| tree.is_within(id, root))
        })
        .collect();
    if stacks.is_empty() {
        return Ok(None);
    }
    let today = state.china_now().date();
    let work = service.clone();
    let list = stacks.clone();
    let by_month = blocking(move || violation_days_by_month(&work, &list, year, today)).await?;
    let last_month = if year < today.year() {
        11
    } else {
        today.month0() as usize
    };
    Ok(Some(violation_rows(&stacks, &by_month, last_month)))
}

/// Rows per plant: a day counts once per stack (two furnaces over the limit on the same day
/// are two violations, as the regulator counts outlets).
pub fn violation_rows(
    stacks: &[Arc<StackEntry>],
    by_month: &HashMap<String, [u32; 12]>,
    last_month: usize,
) -> Vec<ViolationRow> {
    violation_days_by_plant(stacks.iter().map(|entry| {
        (
            (entry.stack.entity.to_string(), entry.plant_name.clone()),
            by_month.get(&entry.stack.mn).copied().unwrap_or([0; 12]),
        )
    }))
    .into_iter()
    .map(|((code, name), months)| ViolationRow {
        code,
        name,
        cells: months
            .iter()
            .enumerate()
            .map(|(index, days)| MonthCell {
                days: *days,
                known: index <= last_month,
            })
            .collect(),
        total: months.iter().sum(),
    })
    .collect()
}

/// Violation days of each stack, by month, for the days of `year` up to `today` that have data.
pub fn violation_days_by_month(
    service: &Emissions,
    stacks: &[Arc<StackEntry>],
    year: i32,
    today: NaiveDate,
) -> Result<HashMap<String, [u32; 12]>, zx_cems_store::CemsStoreError> {
    let one = |entry: &Arc<StackEntry>| {
        let mut judged = Vec::new();
        for day in service.minutes.days(&entry.stack.mn) {
            if day.year() == year && day <= today {
                judged.push((day, service.violation(entry, day)?));
            }
        }
        Ok((
            entry.stack.mn.clone(),
            status::violation_days_by_month(judged, year, today),
        ))
    };
    // Stacks are independent: judged on as many threads as there are cores (days not yet
    // cached are read from the archive and judged, the bulk of a cold page).
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, stacks.len().max(1));
    let chunk = stacks.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = stacks
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(one).collect::<Result<Vec<_>, _>>()))
            .collect();
        let mut out = HashMap::new();
        for worker in workers {
            // A panic is a bug: passed on, the page's blocking task reports it as internal.
            let part = worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            out.extend(part);
        }
        Ok(out)
    })
}

pub fn month_names(lang: Lang) -> Vec<String> {
    (1..=12)
        .map(|m| {
            if lang == Lang::En {
                format!("{m:02}")
            } else {
                format!("{m}月")
            }
        })
        .collect()
}

pub fn stack_names(stacks: &[Arc<StackEntry>]) -> HashMap<String, String> {
    stacks
        .iter()
        .map(|e| {
            (
                e.stack.mn.clone(),
                format!("{} {}", e.plant_name, e.stack.name),
            )
        })
        .collect()
}

pub fn percent(rate: zx_domain::Decimal) -> String {
    format!(
        "{}%",
        (rate * zx_domain::Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    )
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DayQuery {
    /// `YYYY-MM-DD`, China date; default today.
    #[serde(default)]
    pub date: Option<String>,
}

pub fn parse_day(text: Option<&str>, today: NaiveDate) -> ApiResult<NaiveDate> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(today),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("date \"{text}\": expected YYYY-MM-DD"),
            )
            .zh(format!("日期：“{text}”应为 YYYY-MM-DD"))
        }),
    }
}

pub async fn visible_stack(
    state: &AppState,
    user: &CurrentUser,
    mn: &str,
) -> ApiResult<(Arc<Emissions>, Arc<StackEntry>)> {
    let service = service(state)?;
    let entry = service.registry().by_mn.get(mn).cloned();
    let snapshot = state.snapshot().await?;
    match entry {
        Some(entry) if may_read(snapshot.engine.tree(), user, &entry) => Ok((service, entry)),
        _ => Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no stack with MN {mn} that you may see"),
        )
        .zh(format!("没有您可查看的 MN 为 {mn} 的排放口"))),
    }
}
