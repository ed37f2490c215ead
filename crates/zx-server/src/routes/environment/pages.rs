//! The emissions pages: the group's stacks by status with violation days per plant and month,
//! a plant's stacks, a stack's day (hourly means, verdict, live minute charts, alarms).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, TimeDelta};
use zx_domain::Lang;
use zx_domain::cems::compliance::output_value;
use zx_domain::cems::status::{DayVerdict, StackStatus};
use zx_hj212::receiver::{RejectReason, RejectSource};
use zx_store::{Alarm, AlarmFilter};

use super::alarms::{AlarmRow, alarm_rows, may_acknowledge};
use super::{
    DayQuery, ViolationRow, blocking, latest_text, month_names, open_alarms, parse_day, percent,
    service, stack_names, violation_days_by_month, violation_rows, visible, visible_stack,
};
use crate::auth::{CurrentUser, PageUser};
use crate::emissions::StackEntry;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::layout::{Me, error_page, here};
use crate::state::AppState;

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

struct RejectionRow {
    who: String,
    reasons: String,
    count: u64,
    last: String,
}

/// A stack's data-quality events, counted on `/environment`.
struct QualityCountRow {
    mn: String,
    name: String,
    count: u64,
}

/// One data-quality event on a stack's page.
struct QualityRow {
    minute: String,
    key: String,
    kind: &'static str,
    kind_text: &'static str,
    values: String,
    received: String,
}

fn quality_row(event: &zx_domain::cems::quality::QualityEvent, lang: Lang) -> QualityRow {
    QualityRow {
        minute: event.minute.format("%Y-%m-%d %H:%M:%S").to_string(),
        key: event.key.clone(),
        kind: event.kind.code(),
        kind_text: lang.pick(event.kind.name_zh(), event.kind.name_en()),
        values: event
            .values
            .iter()
            .map(|v| format!("“{v}”"))
            .collect::<Vec<_>>()
            .join(lang.pick("，", ", ")),
        received: zx_domain::calendar::china_time(event.received_at)
            .format("%m-%d %H:%M:%S")
            .to_string(),
    }
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
    /// Data-quality events of the visible stacks, in total and per stack (most first).
    quality_events: u64,
    quality: Vec<QualityCountRow>,
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
    let now = state.china_now();
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
        let status = StackStatus::of(
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
                status: status.as_str(),
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
                .map(|r| format!("{} {}", lang.pick(r.name_zh(), r.name_en()), s.count(*r)))
                .collect::<Vec<_>>()
                .join(lang.pick("，", ", ")),
            count: s.total(),
            last: format!(
                "{} · {} · {}",
                zx_domain::calendar::china_time(s.last_at).format("%m-%d %H:%M:%S"),
                s.last_peer,
                s.last_detail
            ),
        })
        .collect();
    let counts = service.quality_counts();
    let mut quality: Vec<QualityCountRow> = stacks
        .iter()
        .filter_map(|entry| {
            let count = *counts.get(&entry.stack.mn)?;
            Some(QualityCountRow {
                mn: entry.stack.mn.clone(),
                name: format!("{} {}", entry.plant_name, entry.stack.name),
                count,
            })
        })
        .collect();
    quality.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.mn.cmp(&b.mn)));
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
        quality_events: quality.iter().map(|row| row.count).sum(),
        quality,
    })
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
    /// The anomaly detector's alarms of the plant's stacks over the last week, as JSON for the
    /// timeline chart (`emissions.js`); `None` when there were none.
    anomaly_timeline: Option<String>,
}

/// Days the plant page's anomaly timeline looks back.
const TIMELINE_DAYS: i64 = 7;

/// The timeline's JSON: a row per stack and factor with anomalies, each a list of bands
/// (`YYYY-MM-DD HH:MM` China time, open ones running to now).
fn anomaly_timeline(
    alarms: &[Alarm],
    stacks: &[Arc<StackEntry>],
    now: chrono::NaiveDateTime,
    lang: Lang,
) -> Option<String> {
    let from = now - TimeDelta::days(TIMELINE_DAYS);
    let stamp = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M").to_string();
    let mut rows: Vec<(String, Vec<serde_json::Value>)> = Vec::new();
    let mut ordered: Vec<&Alarm> = alarms
        .iter()
        .filter(|a| a.kind == zx_domain::cems::alarms::AlarmKind::Anomaly.as_str())
        .collect();
    ordered.sort_by(|a, b| (&a.mn, &a.code, a.raised_at).cmp(&(&b.mn, &b.code, b.raised_at)));
    for alarm in ordered {
        let Some(entry) = stacks.iter().find(|e| e.stack.mn == alarm.mn) else {
            continue;
        };
        let code = alarm.code.clone().unwrap_or_default();
        let start = zx_app::china_time(alarm.raised_at).max(from);
        let end = alarm.cleared_at.map(zx_app::china_time).unwrap_or(now);
        if end < from {
            continue;
        }
        let factor = match entry.standard.factor(&code) {
            Some(limit) => lang.pick(&limit.name_zh, &limit.name_en).to_owned(),
            None if code == entry.stack.factors.oxygen => lang.pick("氧含量", "O₂").to_owned(),
            None if code == entry.stack.factors.furnace_temperature => {
                lang.pick("炉膛温度", "furnace temperature").to_owned()
            }
            None => code.clone(),
        };
        let label = format!("{} {factor}", entry.stack.name);
        let band = serde_json::json!({
            "from": stamp(start),
            "to": stamp(end),
            "open": alarm.cleared_at.is_none(),
            "message": lang.pick(&alarm.message_zh, &alarm.message_en),
        });
        match rows.iter_mut().find(|(l, _)| *l == label) {
            Some((_, bands)) => bands.push(band),
            None => rows.push((label, vec![band])),
        }
    }
    if rows.is_empty() {
        return None;
    }
    let rows: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|(label, bands)| serde_json::json!({ "label": label, "bands": bands }))
        .collect();
    Some(serde_json::json!({ "from": stamp(from), "to": stamp(now), "rows": rows }).to_string())
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
            )
            .zh(format!("电厂 {code} 没有您可查看的排放口")));
        };
        let now = state.china_now();
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
        let recent: Vec<Alarm> = state
            .store
            .alarms(&zx_store::AlarmFilter {
                since: Some(crate::emissions::china_to_utc(
                    now - TimeDelta::days(TIMELINE_DAYS + 7),
                )),
                ..Default::default()
            })
            .await?
            .into_iter()
            .filter(|a| names.contains_key(&a.mn))
            .collect();
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
                let status = StackStatus::of(latest, now, today_verdict, open);
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
                    status: status.as_str(),
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
            anomaly_timeline: anomaly_timeline(&recent, &stacks, now, lang),
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
    /// The day card's colour and text, read from the verdict as the header's status is.
    verdict: &'static str,
    verdict_text: &'static str,
    verdict_note: String,
    /// A violation day for which no daily alarm was raised: the card says why.
    unalarmed: bool,
    furnace_low: u32,
    furnace_max: u32,
    latest: String,
    rejected: u64,
    quality_events: u64,
    quality: Vec<QualityRow>,
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
        let now = state.china_now();
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
        let status = StackStatus::of(latest, now, today_verdict.as_deref(), open);
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
                exceeded.join(lang.pick("，", ", "))
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
        let day_verdict = DayVerdict::of(verdict.as_deref());
        let unalarmed =
            day_verdict == DayVerdict::Violation && !daily_alarm_raised(&state, &mn, day).await?;
        let names = stack_names(std::slice::from_ref(&entry));
        let (quality_events, quality) = service.quality_events(&mn);
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
                status: status.as_str(),
                status_text: status.text(lang),
                date: day.to_string(),
                prev: day.pred_opt().unwrap_or(day).to_string(),
                next: (day < today).then(|| day.succ_opt().unwrap_or(day).to_string()),
                live: day == today,
                verdict: day_verdict.colour(),
                verdict_text: day_verdict.text(lang),
                unalarmed,
                verdict_note,
                furnace_low,
                furnace_max: standard.furnace_max_low_per_day,
                latest: latest_text(latest, lang),
                rejected: service
                    .stats
                    .snapshot()
                    .for_mn(&mn)
                    .map_or(0, |s| s.total()),
                quality_events,
                quality: quality
                    .iter()
                    .map(|event| quality_row(event, lang))
                    .collect(),
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

/// Whether the alarm monitor raised a daily-violation alarm for `mn`'s `day` (it does so at the
/// day's end). A violation day can have none: the monitor judges minutes as they arrive and
/// only the daily means, while the day's verdict judges every stored minute (also the furnace
/// rule, and minutes loaded from files or seeded rather than received).
async fn daily_alarm_raised(state: &AppState, mn: &str, day: chrono::NaiveDate) -> ApiResult<bool> {
    let end = day.and_time(chrono::NaiveTime::MIN) + TimeDelta::days(1);
    let since = (day.and_time(chrono::NaiveTime::MIN)
        - TimeDelta::seconds(i64::from(
            zx_domain::calendar::china_offset().local_minus_utc(),
        )))
    .and_utc();
    let alarms = state
        .store
        .alarms(&AlarmFilter {
            mn: Some(mn.to_owned()),
            state: None,
            since: Some(since),
            limit: None,
        })
        .await?;
    Ok(alarms.iter().any(|a| {
        a.kind == zx_domain::cems::alarms::AlarmKind::DailyViolation.as_str()
            && zx_domain::calendar::china_time(a.raised_at) == end
    }))
}
