//! A stack's minutes as JSON, for the live charts of the stack page.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zx_domain::cems::compliance::output_value;

use super::{DayQuery, blocking, parse_day, visible_stack};
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::state::AppState;

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
    /// What the anomaly detector flagged in this factor on the day: a band on the chart.
    pub anomalies: Vec<AnomalyBand>,
}

/// One anomaly alarm of a factor, as much of it as lies within the day.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AnomalyBand {
    /// `HH:MM`, China time: the first minute within the day.
    pub from: String,
    /// `HH:MM`: the minute it cleared, else the day's last minute (or now, today).
    pub to: String,
    /// Whether it is still open.
    pub open: bool,
    pub alarm: i64,
    pub message: String,
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
    let now = state.china_now();
    let day = parse_day(query.date.as_deref(), now.date())?;
    let work = service.clone();
    let item = entry.clone();
    let (readings, verdict) = blocking(move || {
        let readings = work.day_minutes(&item.stack.mn, day)?;
        let verdict = work.day(&item, day)?;
        Ok((readings, verdict))
    })
    .await?;
    let since = crate::emissions::china_to_utc(
        (day - chrono::TimeDelta::days(7)).and_time(chrono::NaiveTime::MIN),
    );
    let alarms = state
        .store
        .alarms(&zx_store::AlarmFilter {
            mn: Some(entry.stack.mn.clone()),
            since: Some(since),
            ..Default::default()
        })
        .await?;
    let mut bands = anomaly_bands(&alarms, day, now, lang);
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
            anomalies: bands.remove(&limit.code).unwrap_or_default(),
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
        anomalies: bands.remove(&map.oxygen).unwrap_or_default(),
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
        anomalies: bands.remove(&map.furnace_temperature).unwrap_or_default(),
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

/// The anomaly alarms that overlap `day`, by factor code, clipped to the day (an open one ends
/// now when the day is today).
fn anomaly_bands(
    alarms: &[zx_store::Alarm],
    day: chrono::NaiveDate,
    now: chrono::NaiveDateTime,
    lang: zx_domain::Lang,
) -> BTreeMap<String, Vec<AnomalyBand>> {
    let start = day.and_time(chrono::NaiveTime::MIN);
    let last = start + chrono::TimeDelta::minutes(24 * 60 - 1);
    let mut bands: BTreeMap<String, Vec<AnomalyBand>> = BTreeMap::new();
    for alarm in alarms {
        let Some(code) = alarm.code.as_deref() else {
            continue;
        };
        if alarm.kind != zx_domain::cems::alarms::AlarmKind::Anomaly.as_str() {
            continue;
        }
        let from = zx_app::china_time(alarm.raised_at);
        let to = alarm
            .cleared_at
            .map(zx_app::china_time)
            .unwrap_or_else(|| now.min(last));
        if to < start || from > last {
            continue;
        }
        bands.entry(code.to_owned()).or_default().push(AnomalyBand {
            from: from.max(start).format("%H:%M").to_string(),
            to: to.min(last).format("%H:%M").to_string(),
            open: alarm.cleared_at.is_none(),
            alarm: alarm.id,
            message: lang.pick(&alarm.message_zh, &alarm.message_en).to_owned(),
        });
    }
    bands
}
