//! The emissions pages: the group's stacks by status with violation days per plant and month, a
//! plant's stacks, a stack's day (hourly means, verdict, live minute charts, alarms), the alarm
//! list with acknowledgement, the minute data as JSON for the charts, and the XLSX reports.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use zx_domain::cems::compliance::{DayCompliance, output_value};
use zx_domain::{EntityTree, Lang};
use zx_hj212::receiver::{RejectReason, RejectSource};
use zx_store::{Alarm, AlarmFilter, AlarmState};

use super::{Emissions, OFFLINE_AFTER_MINUTES, StackEntry, china_now};
use crate::auth::{ApiUser, CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::pages::{Me, error_page, here};
use crate::state::AppState;

fn service(state: &AppState) -> ApiResult<Arc<Emissions>> {
    state.emissions.clone().ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            "emissions monitoring is not enabled on this server",
        )
    })
}

/// The stacks `user` may see: those of plants in the user's scope.
async fn visible(
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

fn may_read(tree: &EntityTree, user: &CurrentUser, entry: &StackEntry) -> bool {
    tree.id_of(entry.stack.entity.as_str())
        .is_some_and(|id| user.access.can_read(tree, id))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, zx_cems_store::CemsStoreError> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// What a tile or a row says about a stack now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StackStatus {
    Ok,
    Alarm,
    Violation,
    Offline,
}

impl StackStatus {
    fn class(self) -> &'static str {
        match self {
            StackStatus::Ok => "ok",
            StackStatus::Alarm => "alarm",
            StackStatus::Violation => "violation",
            StackStatus::Offline => "offline",
        }
    }

    fn text(self, lang: Lang) -> &'static str {
        match self {
            StackStatus::Ok => lang.pick("正常", "normal"),
            StackStatus::Alarm => lang.pick("报警", "alarm"),
            StackStatus::Violation => lang.pick("今日超标", "exceeding today"),
            StackStatus::Offline => lang.pick("离线", "offline"),
        }
    }
}

/// Offline beats everything (nothing is known); then an exceedance today; then open alarms.
fn status_of(
    latest: Option<NaiveDateTime>,
    now: NaiveDateTime,
    today: Option<&DayCompliance>,
    open_alarms: usize,
) -> StackStatus {
    let online = latest.is_some_and(|at| now - at <= TimeDelta::minutes(OFFLINE_AFTER_MINUTES));
    let exceeded = today.is_some_and(|day| {
        day.violation || day.factors.values().any(|f| !f.hour_exceedances.is_empty())
    });
    if !online {
        StackStatus::Offline
    } else if exceeded {
        StackStatus::Violation
    } else if open_alarms > 0 {
        StackStatus::Alarm
    } else {
        StackStatus::Ok
    }
}

async fn open_alarms(state: &AppState, mn: Option<&str>) -> ApiResult<Vec<Alarm>> {
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

fn latest_text(latest: Option<NaiveDateTime>, lang: Lang) -> String {
    latest.map_or_else(
        || lang.pick("无数据", "no data").to_owned(),
        |at| at.format("%m-%d %H:%M").to_string(),
    )
}

// --- the group's page ----------------------------------------------------------------------

struct TileView {
    mn: String,
    name: String,
    status: &'static str,
    status_text: &'static str,
    latest: String,
}

struct PlantTiles {
    code: String,
    name: String,
    stacks: Vec<TileView>,
}

struct RegionView {
    name: String,
    plants: Vec<PlantTiles>,
}

pub(crate) struct MonthCell {
    pub days: u32,
    pub known: bool,
}

pub(crate) struct ViolationRow {
    pub code: String,
    pub name: String,
    pub cells: Vec<MonthCell>,
    pub total: u32,
}

/// Violation days per plant and month of `year`, for the cockpit: the plants with stacks in
/// the subtree of `root` that the user may see. `None` without emissions or stacks there.
pub(crate) async fn cockpit_violations(
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
    let today = china_now().date();
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
fn violation_rows(
    stacks: &[Arc<StackEntry>],
    by_month: &HashMap<String, [u32; 12]>,
    last_month: usize,
) -> Vec<ViolationRow> {
    let mut plants: BTreeMap<(String, String), [u32; 12]> = BTreeMap::new();
    for entry in stacks {
        let months = by_month.get(&entry.stack.mn).copied().unwrap_or([0; 12]);
        let row = plants
            .entry((entry.stack.entity.to_string(), entry.plant_name.clone()))
            .or_insert([0; 12]);
        for (total, days) in row.iter_mut().zip(months) {
            *total += days;
        }
    }
    plants
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

struct RejectionRow {
    who: String,
    reasons: String,
    count: u64,
    last: String,
}

struct OverviewView {
    standard: String,
    now: String,
    today: String,
    month: String,
    year: i32,
    stacks_total: usize,
    stacks_online: usize,
    alarms_open: usize,
    violation_days: u32,
    rejected_frames: u64,
    accepted_frames: u64,
    regions: Vec<RegionView>,
    months: Vec<String>,
    violation_rows: Vec<ViolationRow>,
    rejections: Vec<RejectionRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "environment.html")]
struct EnvironmentPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    view: OverviewView,
    message: Option<String>,
}

/// Violation days of each stack, by month, for the days of `year` up to `today` that have data.
pub fn violation_days_by_month(
    service: &Emissions,
    stacks: &[Arc<StackEntry>],
    year: i32,
    today: NaiveDate,
) -> Result<HashMap<String, [u32; 12]>, zx_cems_store::CemsStoreError> {
    let one = |entry: &Arc<StackEntry>| {
        let mut months = [0u32; 12];
        for day in service.minutes.days(&entry.stack.mn) {
            if day.year() != year || day > today {
                continue;
            }
            if service.violation(entry, day)? {
                months[day.month0() as usize] += 1;
            }
        }
        Ok((entry.stack.mn.clone(), months))
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

pub async fn overview(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
) -> Response {
    let lang = user.lang;
    match overview_view(&state, &user).await {
        Ok(view) => EnvironmentPage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            view,
            message: None,
        }
        .into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

async fn overview_view(state: &AppState, user: &CurrentUser) -> ApiResult<OverviewView> {
    let lang = user.lang;
    let service = service(state)?;
    let (stacks, _) = visible(state, user, &service).await?;
    let now = china_now();
    let today = now.date();
    let alarms = open_alarms(state, None).await?;
    let mut open_by_mn: HashMap<&str, usize> = HashMap::new();
    for alarm in &alarms {
        *open_by_mn.entry(alarm.mn.as_str()).or_default() += 1;
    }
    let work = service.clone();
    let list = stacks.clone();
    let (verdicts, by_month) = blocking(move || {
        let mut verdicts = Vec::new();
        for entry in &list {
            verdicts.push((work.latest(&entry.stack.mn), work.day(entry, today)?));
        }
        let by_month = violation_days_by_month(&work, &list, today.year(), today)?;
        Ok((verdicts, by_month))
    })
    .await?;

    let mut regions: BTreeMap<String, BTreeMap<(String, String), Vec<TileView>>> = BTreeMap::new();
    let mut online = 0;
    for (entry, (latest, verdict)) in stacks.iter().zip(&verdicts) {
        let status = status_of(
            *latest,
            now,
            verdict.as_deref(),
            open_by_mn
                .get(entry.stack.mn.as_str())
                .copied()
                .unwrap_or(0),
        );
        if status != StackStatus::Offline {
            online += 1;
        }
        regions
            .entry(entry.region.clone())
            .or_default()
            .entry((entry.stack.entity.to_string(), entry.plant_name.clone()))
            .or_default()
            .push(TileView {
                mn: entry.stack.mn.clone(),
                name: entry.stack.name.clone(),
                status: status.class(),
                status_text: status.text(lang),
                latest: latest_text(*latest, lang),
            });
    }
    let regions = regions
        .into_iter()
        .map(|(name, plants)| RegionView {
            name,
            plants: plants
                .into_iter()
                .map(|((code, name), stacks)| PlantTiles { code, name, stacks })
                .collect(),
        })
        .collect();

    let this_month = today.month0() as usize;
    let violation_rows = violation_rows(&stacks, &by_month, this_month);
    let violation_days = violation_rows
        .iter()
        .map(|row| row.cells[this_month].days)
        .sum();

    let snapshot = service.stats.snapshot();
    let visible_mns: std::collections::HashSet<&str> =
        stacks.iter().map(|e| e.stack.mn.as_str()).collect();
    let rejections: Vec<RejectionRow> = snapshot
        .rejected
        .iter()
        .filter(|s| match &s.source {
            RejectSource::Mn(mn) => visible_mns.contains(mn.as_str()) || user.access.is_hq(),
            RejectSource::Peer(_) => user.access.is_hq(),
        })
        .map(|s| RejectionRow {
            who: match &s.source {
                RejectSource::Mn(mn) => mn.clone(),
                RejectSource::Peer(ip) => ip.to_string(),
            },
            reasons: RejectReason::ALL
                .iter()
                .filter(|r| s.count(**r) > 0)
                .map(|r| format!("{} {}", lang.pick(r.name_zh(), r.code()), s.count(*r)))
                .collect::<Vec<_>>()
                .join("，"),
            count: s.total(),
            last: format!(
                "{} · {} · {}",
                s.last_at
                    .with_timezone(&zx_domain::measures::china_offset())
                    .format("%m-%d %H:%M:%S"),
                s.last_peer,
                s.last_detail
            ),
        })
        .collect();
    let alarms_open = alarms
        .iter()
        .filter(|a| visible_mns.contains(a.mn.as_str()))
        .count();
    Ok(OverviewView {
        standard: "GB 18485-2014".into(),
        now: now.format("%Y-%m-%d %H:%M").to_string(),
        today: today.to_string(),
        month: today.format("%Y-%m").to_string(),
        year: today.year(),
        stacks_total: stacks.len(),
        stacks_online: online,
        alarms_open,
        violation_days,
        rejected_frames: rejections.iter().map(|r| r.count).sum(),
        accepted_frames: snapshot.accepted_frames,
        regions,
        months: month_names(lang),
        violation_rows,
        rejections,
    })
}

pub(crate) fn month_names(lang: Lang) -> Vec<String> {
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

// --- alarms --------------------------------------------------------------------------------

struct AlarmRow {
    id: i64,
    mn: String,
    stack: String,
    kind: String,
    message: String,
    raised: String,
    state: &'static str,
    state_text: &'static str,
    cleared: Option<String>,
    ack: Option<String>,
    can_ack: bool,
}

fn alarm_rows(
    alarms: &[Alarm],
    names: &HashMap<String, String>,
    lang: Lang,
    can_ack: bool,
) -> Vec<AlarmRow> {
    let china = zx_domain::measures::china_offset();
    let at = |t: chrono::DateTime<Utc>| t.with_timezone(&china).format("%m-%d %H:%M").to_string();
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

fn stack_names(stacks: &[Arc<StackEntry>]) -> HashMap<String, String> {
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
fn may_acknowledge(user: &CurrentUser) -> bool {
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
    let not_found = || ApiError::new(ErrorCode::NotFound, format!("no alarm {id}"));
    let alarm = state.store.alarm(id).await?.ok_or_else(not_found)?;
    if !stacks.iter().any(|e| e.stack.mn == alarm.mn) {
        return Err(not_found());
    }
    if !may_acknowledge(user) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "viewers cannot acknowledge alarms",
        ));
    }
    if note.trim().is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "note: say what was done about the alarm",
        ));
    }
    Ok(state
        .store
        .acknowledge_alarm(id, note.trim(), &user.user.name, Utc::now())
        .await?)
}

// --- a plant -------------------------------------------------------------------------------

struct ValueCell {
    text: String,
    exceeded: bool,
}

struct PlantStackRow {
    mn: String,
    name: String,
    status: &'static str,
    status_text: &'static str,
    latest: String,
    today: Vec<ValueCell>,
    violation_days: u32,
    capture: String,
}

struct PlantView {
    code: String,
    name: String,
    date: String,
    factor_names: Vec<String>,
    stacks: Vec<PlantStackRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "plant_env.html")]
struct PlantPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    view: PlantView,
    alarms: Vec<AlarmRow>,
}

fn percent(rate: zx_domain::Decimal) -> String {
    format!(
        "{}%",
        (rate * zx_domain::Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    )
}

pub async fn plant(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Path(code): Path<String>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let service = service(&state)?;
        let (stacks, _) = visible(&state, &user, &service).await?;
        let stacks: Vec<Arc<StackEntry>> = stacks
            .into_iter()
            .filter(|e| e.stack.entity.as_str() == code)
            .collect();
        let Some(first) = stacks.first().cloned() else {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("no stacks of plant {code} that you may see"),
            ));
        };
        let now = china_now();
        let today = now.date();
        let month_start = today.with_day(1).unwrap_or(today);
        let standard = first.standard.clone();
        let work = service.clone();
        let list = stacks.clone();
        let computed = blocking(move || {
            let mut out = Vec::new();
            let by_month = violation_days_by_month(&work, &list, today.year(), today)?;
            for entry in &list {
                let mut month = zx_domain::cems::compliance::StackCompliance::default();
                let mut day = month_start;
                while day <= today {
                    if let Some(verdict) = work.day(entry, day)? {
                        month.days.insert(day, (*verdict).clone());
                    }
                    day = day.succ_opt().unwrap_or(today + TimeDelta::days(1));
                }
                let months = by_month.get(&entry.stack.mn).copied().unwrap_or([0; 12]);
                out.push((work.latest(&entry.stack.mn), month, months));
            }
            Ok(out)
        })
        .await?;
        let open = open_alarms(&state, None).await?;
        let names = stack_names(&stacks);
        let plant_alarms: Vec<Alarm> = open
            .into_iter()
            .filter(|a| names.contains_key(&a.mn))
            .collect();
        let rows = stacks
            .iter()
            .zip(computed)
            .map(|(entry, (latest, month, months))| {
                let today_verdict = month.days.get(&today);
                let open = plant_alarms
                    .iter()
                    .filter(|a| a.mn == entry.stack.mn)
                    .count();
                let status = status_of(latest, now, today_verdict, open);
                let today_cells = standard
                    .factors
                    .iter()
                    .map(|limit| {
                        let factor = today_verdict.and_then(|d| d.factors.get(&limit.code));
                        // The mean of today's valid hours so far, indicative before 20.
                        let hours: Vec<zx_domain::Decimal> = factor
                            .map(|f| f.hourly.iter().filter_map(|h| h.average).collect())
                            .unwrap_or_default();
                        if hours.is_empty() {
                            return ValueCell {
                                text: "—".into(),
                                exceeded: false,
                            };
                        }
                        let mean = hours.iter().sum::<zx_domain::Decimal>()
                            / zx_domain::Decimal::from(hours.len());
                        ValueCell {
                            text: output_value(mean),
                            exceeded: limit.daily_limit.is_some_and(|l| mean > l),
                        }
                    })
                    .collect();
                let rates = month.capture_rates(month_start, today);
                let capture = rates
                    .values()
                    .min()
                    .map_or_else(|| "—".to_owned(), |r| percent(*r));
                PlantStackRow {
                    mn: entry.stack.mn.clone(),
                    name: entry.stack.name.clone(),
                    status: status.class(),
                    status_text: status.text(lang),
                    latest: latest_text(latest, lang),
                    today: today_cells,
                    violation_days: months[today.month0() as usize],
                    capture,
                }
            })
            .collect();
        Ok::<_, ApiError>(PlantPage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            view: PlantView {
                code: code.clone(),
                name: first.plant_name.clone(),
                date: today.to_string(),
                factor_names: standard
                    .factors
                    .iter()
                    .map(|f| lang.pick(&f.name_zh, &f.name_en).to_owned())
                    .collect(),
                stacks: rows,
            },
            alarms: alarm_rows(&plant_alarms, &names, lang, may_acknowledge(&user)),
        })
    }
    .await;
    match result {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

// --- a stack -------------------------------------------------------------------------------

struct HourCell {
    text: String,
    exceeded: bool,
}

struct FactorRow {
    code: String,
    name: String,
    hourly: Vec<HourCell>,
    daily: String,
    day_exceeded: bool,
    limits: String,
    valid_hours: u32,
    capture: String,
}

struct StackView {
    mn: String,
    name: String,
    plant_code: String,
    plant_name: String,
    standard: String,
    status: &'static str,
    status_text: &'static str,
    date: String,
    prev: String,
    next: Option<String>,
    live: bool,
    violation: bool,
    verdict_note: String,
    furnace_low: u32,
    furnace_max: u32,
    latest: String,
    rejected: u64,
    hours: Vec<String>,
    factors: Vec<FactorRow>,
    chart_codes: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "stack.html")]
struct StackPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    view: StackView,
    alarms: Vec<AlarmRow>,
    message: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DayQuery {
    /// `YYYY-MM-DD`, China date; default today.
    #[serde(default)]
    date: Option<String>,
}

fn parse_day(text: Option<&str>, today: NaiveDate) -> ApiResult<NaiveDate> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(today),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("date \"{text}\": expected YYYY-MM-DD"),
            )
        }),
    }
}

async fn visible_stack(
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
        )),
    }
}

pub async fn stack(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Path(mn): Path<String>,
    Query(query): Query<DayQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let (service, entry) = visible_stack(&state, &user, &mn).await?;
        let now = china_now();
        let today = now.date();
        let day = parse_day(query.date.as_deref(), today)?;
        let work = service.clone();
        let item = entry.clone();
        let (verdict, latest) =
            blocking(move || Ok((work.day(&item, day)?, work.latest(&item.stack.mn)))).await?;
        let alarms = state
            .store
            .alarms(&AlarmFilter {
                mn: Some(mn.clone()),
                state: None,
                since: None,
                limit: Some(50),
            })
            .await?;
        let open = alarms.iter().filter(|a| a.state.is_open()).count();
        let today_verdict = if day == today {
            verdict.clone()
        } else {
            let work = service.clone();
            let item = entry.clone();
            blocking(move || work.day(&item, today)).await?
        };
        let status = status_of(latest, now, today_verdict.as_deref(), open);
        let standard = &entry.standard;
        let factors: Vec<FactorRow> = verdict
            .as_ref()
            .map(|v| {
                standard
                    .factors
                    .iter()
                    .filter_map(|limit| {
                        let f = v.factors.get(&limit.code)?;
                        Some(FactorRow {
                            code: limit.code.clone(),
                            name: lang.pick(&limit.name_zh, &limit.name_en).to_owned(),
                            hourly: f
                                .hourly
                                .iter()
                                .enumerate()
                                .map(|(hour, h)| HourCell {
                                    text: h.average.map_or_else(|| "—".into(), output_value),
                                    exceeded: f.hour_exceedances.contains(&(hour as u32)),
                                })
                                .collect(),
                            daily: f.daily_average.map_or_else(
                                || {
                                    lang.pick("无效（有效小时<20）", "none (< 20 valid h)")
                                        .into()
                                },
                                output_value,
                            ),
                            day_exceeded: f.day_exceeded,
                            limits: format!(
                                "{} / {}",
                                limit.hourly_limit.map_or("—".into(), |l| l.to_string()),
                                limit.daily_limit.map_or("—".into(), |l| l.to_string())
                            ),
                            valid_hours: f.valid_hours,
                            capture: percent(f.capture_rate),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut chart_codes: Vec<String> =
            standard.factors.iter().map(|f| f.code.clone()).collect();
        chart_codes.push(entry.stack.factors.oxygen.clone());
        chart_codes.push(entry.stack.factors.furnace_temperature.clone());
        let exceeded: Vec<String> = factors
            .iter()
            .filter(|f| f.day_exceeded)
            .map(|f| f.name.clone())
            .collect();
        let furnace_low = verdict.as_ref().map_or(0, |v| v.furnace_low_5min);
        let verdict_note = if verdict.is_none() {
            lang.pick("当日无数据", "no data this day").to_owned()
        } else if !exceeded.is_empty() {
            format!(
                "{}{}",
                lang.pick("日均值超标：", "daily mean over the limit: "),
                exceeded.join("，")
            )
        } else if furnace_low > standard.furnace_max_low_per_day {
            lang.pick("炉温低于850℃次数超限", "furnace below 850 °C too often")
                .to_owned()
        } else if day == today {
            lang.pick("当日尚未结束", "the day is not over yet")
                .to_owned()
        } else {
            String::new()
        };
        let names = stack_names(std::slice::from_ref(&entry));
        Ok::<_, ApiError>(StackPage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            view: StackView {
                mn: mn.clone(),
                name: entry.stack.name.clone(),
                plant_code: entry.stack.entity.to_string(),
                plant_name: entry.plant_name.clone(),
                standard: lang.pick(&standard.name_zh, &standard.name_en).to_owned(),
                status: status.class(),
                status_text: status.text(lang),
                date: day.to_string(),
                prev: day.pred_opt().unwrap_or(day).to_string(),
                next: (day < today).then(|| day.succ_opt().unwrap_or(day).to_string()),
                live: day == today,
                violation: verdict.as_ref().is_some_and(|v| v.violation),
                verdict_note,
                furnace_low,
                furnace_max: standard.furnace_max_low_per_day,
                latest: latest_text(latest, lang),
                rejected: service
                    .stats
                    .snapshot()
                    .for_mn(&mn)
                    .map_or(0, |s| s.total()),
                hours: (0..24).map(|h| format!("{h:02}")).collect(),
                factors,
                chart_codes,
            },
            alarms: alarm_rows(&alarms, &names, lang, may_acknowledge(&user)),
            message: None,
        })
    }
    .await;
    match result {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

/// One factor's minutes and hourly means, for the chart.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChartFactor {
    pub code: String,
    pub name: String,
    pub unit: String,
    /// Whether `hourly` holds corrected means (pollutants of the standard).
    pub corrected: bool,
    /// The line drawn: the 1-hour limit, or the furnace minimum.
    pub limit: Option<String>,
    pub limit_label: String,
    /// `[HH:MM, value, flag]`, in minute order.
    pub minutes: Vec<(String, String, String)>,
    /// 24 hourly means (3 decimals) or null.
    pub hourly: Vec<Option<String>>,
}

/// A stack's day for the charts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChartData {
    pub mn: String,
    pub date: String,
    /// `00:00` … `23:59`.
    pub axis: Vec<String>,
    pub factors: Vec<ChartFactor>,
    pub updated: String,
}

/// `GET /api/v1/stacks/{mn}/minutes?date=`: a stack's minutes of a day, with the hourly means.
#[utoipa::path(get, path = "/api/v1/stacks/{mn}/minutes", tag = "emissions",
    params(("mn" = String, Path), DayQuery),
    responses((status = 200, body = ChartData), (status = 404, body = crate::error::ErrorBody)))]
pub async fn minutes_json(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(mn): Path<String>,
    Query(query): Query<DayQuery>,
) -> ApiResult<Response> {
    let lang = user.lang;
    let (service, entry) = visible_stack(&state, &user, &mn).await?;
    let now = china_now();
    let day = parse_day(query.date.as_deref(), now.date())?;
    let work = service.clone();
    let item = entry.clone();
    let (readings, verdict) = blocking(move || {
        let readings = work.day_minutes(&item.stack.mn, day)?;
        let verdict = work.day(&item, day)?;
        Ok((readings, verdict))
    })
    .await?;
    let map = &entry.stack.factors;
    let standard = &entry.standard;
    let mut by_code: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    for r in &readings {
        by_code
            .entry(map.canonical(&r.code).to_owned())
            .or_default()
            .push((
                r.minute.format("%H:%M").to_string(),
                r.value.normalize().to_string(),
                r.flag.as_str().to_owned(),
            ));
    }
    let mut factors = Vec::new();
    for limit in &standard.factors {
        let hourly = verdict
            .as_ref()
            .and_then(|v| v.factors.get(&limit.code))
            .map(|f| {
                f.hourly
                    .iter()
                    .map(|h| h.average.map(output_value))
                    .collect()
            })
            .unwrap_or_else(|| vec![None; 24]);
        factors.push(ChartFactor {
            code: limit.code.clone(),
            name: lang.pick(&limit.name_zh, &limit.name_en).to_owned(),
            unit: limit.unit.clone(),
            corrected: true,
            limit: limit.hourly_limit.map(|l| l.to_string()),
            limit_label: lang.pick("小时限值", "1-h limit").to_owned(),
            minutes: by_code.remove(&limit.code).unwrap_or_default(),
            hourly,
        });
    }
    factors.push(ChartFactor {
        code: map.oxygen.clone(),
        name: lang.pick("氧含量", "O₂").to_owned(),
        unit: "%".into(),
        corrected: false,
        limit: None,
        limit_label: String::new(),
        minutes: by_code.remove(&map.oxygen).unwrap_or_default(),
        hourly: vec![None; 24],
    });
    factors.push(ChartFactor {
        code: map.furnace_temperature.clone(),
        name: lang.pick("炉膛温度", "Furnace temperature").to_owned(),
        unit: "℃".into(),
        corrected: false,
        limit: Some(standard.furnace_min_temperature.to_string()),
        limit_label: lang.pick("最低", "minimum").to_owned(),
        minutes: by_code.remove(&map.furnace_temperature).unwrap_or_default(),
        hourly: vec![None; 24],
    });
    let axis = (0..24 * 60)
        .map(|m| format!("{:02}:{:02}", m / 60, m % 60))
        .collect();
    let body = ChartData {
        mn,
        date: day.to_string(),
        axis,
        factors,
        updated: now.format("%H:%M:%S").to_string(),
    };
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[derive(Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    mn: Option<String>,
}

/// `GET /environment/report.xlsx?month=YYYY-MM` (monthly) or `?date=YYYY-MM-DD[&mn=]` (daily).
pub async fn report_xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<ReportQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let service = service(&state)?;
        let (mut stacks, _) = visible(&state, &user, &service).await?;
        if let Some(mn) = query.mn.as_deref().filter(|m| !m.is_empty()) {
            stacks.retain(|e| e.stack.mn == mn);
        }
        let today = china_now().date();
        let (first, last, name) = match (query.month.as_deref(), query.date.as_deref()) {
            (Some(month), _) if !month.is_empty() => {
                let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(
                    |_| {
                        ApiError::new(
                            ErrorCode::InvalidParameter,
                            format!("month \"{month}\": expected YYYY-MM"),
                        )
                    },
                )?;
                let next = first
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(first);
                let last = next.pred_opt().unwrap_or(first).min(today);
                (first, last.max(first), format!("cems-{month}.xlsx"))
            }
            (_, date) => {
                let day = parse_day(date, today)?;
                (day, day, format!("cems-{day}.xlsx"))
            }
        };
        let daily = first == last && query.month.as_deref().is_none_or(str::is_empty);
        let work = service.clone();
        let list = stacks.clone();
        let verdicts = blocking(move || {
            let mut out = Vec::new();
            for entry in &list {
                let mut days = BTreeMap::new();
                let mut day = first;
                while day <= last {
                    if let Some(verdict) = work.day(entry, day)? {
                        days.insert(day, verdict);
                    }
                    day = day.succ_opt().unwrap_or(last + TimeDelta::days(1));
                }
                out.push(days);
            }
            Ok(out)
        })
        .await?;
        let book = if daily {
            super::report::daily(lang, first, &stacks, &verdicts)
        } else {
            super::report::monthly(lang, first, last, &stacks, &verdicts)
        }
        .map_err(ApiError::internal)?;
        Ok::<_, ApiError>((name, book))
    }
    .await;
    match result {
        Ok((name, book)) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                        .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
                ),
            ],
            book,
        )
            .into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 6, 1)
            .unwrap()
            .and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap())
    }

    #[test]
    fn a_stack_silent_for_more_than_ten_minutes_is_offline_whatever_else() {
        let now = at(12, 0);
        assert_eq!(status_of(None, now, None, 3), StackStatus::Offline);
        assert_eq!(
            status_of(Some(at(11, 49)), now, None, 0),
            StackStatus::Offline
        );
        assert_eq!(status_of(Some(at(11, 50)), now, None, 0), StackStatus::Ok);
        assert_eq!(
            status_of(Some(at(11, 59)), now, None, 2),
            StackStatus::Alarm
        );
    }
}
