//! One stack's alarm evaluator: minute readings and clock ticks in, edge-triggered events out.
//!
//! The state is bounded whatever a data logger sends: the open hour's O₂ and per-factor minute
//! slots (60 each, for the factors the standard limits), one day's running sums, and a small
//! record per reported code (at most [`MAX_TRACKED_CODES`]).

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rust_decimal::{Decimal, RoundingStrategy};

use super::rules::Rules;
use super::{AlarmEvent, AlarmKind};
use crate::cems::{FactorLimit, FactorMap, MinuteReading, Standard};

/// Codes of one stack watched for stuck values and flags; codes beyond these are not watched
/// (a stack reports about ten, so only a misbehaving logger reaches it).
pub const MAX_TRACKED_CODES: usize = 64;

const MINUTES_PER_HOUR: usize = 60;

/// Watches one stack's minute data against its [`Rules`] and [`Standard`].
///
/// Feed it the stack's readings with [`observe`](Self::observe) as they arrive and call
/// [`tick`](Self::tick) regularly (every minute or so) with the current local time; both return
/// the alarms raised and cleared. Events are edge-triggered: a condition that stays true is raised
/// once and cleared once. The monitor starts knowing nothing: after a restart, replay the open
/// hour's (and, for daily violations, the day's) readings from the store.
#[derive(Debug, Clone)]
pub struct StackMonitor {
    mn: String,
    rules: Rules,
    standard: Standard,
    factors: FactorMap,
    /// 21 − reference O₂, the numerator of every correction.
    reference_gap: Decimal,
    /// The newest reading's minute.
    latest: Option<NaiveDateTime>,
    /// The first tick: how long a stack that never sent anything has been silent.
    watching_since: Option<NaiveDateTime>,
    /// While the missing alarm is raised: the newest minute at that time (older data that
    /// arrives late does not clear it).
    missing_raised: Option<Option<NaiveDateTime>>,
    hour: Option<OpenHour>,
    /// Start of the newest closed hour; readings up to its end no longer count.
    closed_through: Option<NaiveDateTime>,
    /// The day whose hourly averages are being summed.
    day: Option<NaiveDate>,
    /// Factors of the standard with a limit, in the standard's order.
    limited: Vec<LimitedFactor>,
    codes: Vec<CodeState>,
}

#[derive(Debug, Clone)]
struct OpenHour {
    start: NaiveDateTime,
    /// Valid O₂ (< 21) by minute of the hour.
    oxygen: [Option<Decimal>; MINUTES_PER_HOUR],
    /// The newest minute of the hour any reading was for.
    latest_index: usize,
}

#[derive(Debug, Clone)]
struct LimitedFactor {
    /// Index in `standard.factors`.
    limit: usize,
    code: String,
    hourly_limit: Option<Decimal>,
    daily_limit: Option<Decimal>,
    /// Valid measured values by minute of the open hour, kept until that minute's O₂ arrives.
    measured: [Option<Decimal>; MINUTES_PER_HOUR],
    /// Valid corrected values by minute of the open hour.
    corrected: [Option<Decimal>; MINUTES_PER_HOUR],
    sum: Decimal,
    count: u32,
    hourly_raised: bool,
    trend_raised: bool,
    day_sum: Decimal,
    day_hours: u32,
    daily_raised: bool,
}

#[derive(Debug, Clone)]
struct CodeState {
    /// The standard's code (aliases resolved).
    code: String,
    last_minute: Option<NaiveDateTime>,
    /// The value of the current run of equal valid readings and its length.
    run_value: Option<Decimal>,
    run_len: u32,
    /// While the stuck alarm is raised: the value it is stuck at.
    stuck_value: Option<Decimal>,
    flag_raised: bool,
}

impl LimitedFactor {
    fn clear_hour(&mut self) {
        self.measured = [None; MINUTES_PER_HOUR];
        self.corrected = [None; MINUTES_PER_HOUR];
        self.sum = Decimal::ZERO;
        self.count = 0;
    }

    /// Counts a corrected minute; one that cannot be represented is left out.
    fn add(&mut self, index: usize, corrected: Option<Decimal>) {
        if let Some(value) = corrected
            && let Some(sum) = self.sum.checked_add(value)
        {
            self.corrected[index] = Some(value);
            self.sum = sum;
            self.count += 1;
        }
    }

    /// The open hour's mean projected to the hour's end: the valid minutes so far plus the
    /// minutes after `latest_index` at the mean of the last `window` valid minutes. `None` when
    /// the hour has fewer than `min_minutes` valid minutes or could not reach `hour_min` valid
    /// minutes even if every remaining minute were valid (it would have no average to exceed).
    fn projection(
        &self,
        latest_index: usize,
        window: u32,
        min_minutes: u32,
        hour_min: u32,
    ) -> Option<Projection> {
        let remaining = (MINUTES_PER_HOUR - 1 - latest_index) as u32;
        let n = self.count;
        if n == 0 || n < min_minutes || n + remaining < hour_min {
            return None;
        }
        let (mut window_sum, mut k) = (Decimal::ZERO, 0u32);
        for value in self.corrected[..=latest_index]
            .iter()
            .rev()
            .flatten()
            .take(window.max(1) as usize)
        {
            window_sum = window_sum.checked_add(*value)?;
            k += 1;
        }
        Some(Projection {
            sum: self.sum,
            count: Decimal::from(n),
            remaining: Decimal::from(remaining),
            window_sum,
            window_count: Decimal::from(k),
        })
    }
}

/// The terms of a trend projection (S + R·W/k) / (n + R).
struct Projection {
    sum: Decimal,
    count: Decimal,
    remaining: Decimal,
    window_sum: Decimal,
    window_count: Decimal,
}

impl Projection {
    /// The projected mean, divisions last (for the message and the event's value).
    fn value(&self) -> Option<Decimal> {
        let rate = self.window_sum.checked_div(self.window_count)?;
        self.sum
            .checked_add(self.remaining.checked_mul(rate)?)?
            .checked_div(self.count + self.remaining)
    }

    /// Whether the projection is strictly above `threshold`, decided without dividing:
    /// (S + R·W/k)/(n + R) > T  ⇔  k·S + R·W > T·(n + R)·k  (k, n + R > 0).
    fn above(&self, threshold: Decimal) -> bool {
        let exact = || {
            let left = self
                .window_count
                .checked_mul(self.sum)?
                .checked_add(self.remaining.checked_mul(self.window_sum)?)?;
            let right = threshold
                .checked_mul(self.count + self.remaining)?
                .checked_mul(self.window_count)?;
            Some(left > right)
        };
        exact()
            .or_else(|| Some(self.value()? > threshold))
            .unwrap_or(false)
    }
}

impl CodeState {
    fn new(code: String) -> CodeState {
        CodeState {
            code,
            last_minute: None,
            run_value: None,
            run_len: 0,
            stuck_value: None,
            flag_raised: false,
        }
    }
}

impl StackMonitor {
    /// A monitor for the stack `mn`, judged by `standard` with `rules` (see
    /// [`effective`](super::effective)); `factor_map` says which codes are O₂ and aliases.
    pub fn new(
        mn: impl Into<String>,
        rules: Rules,
        standard: Standard,
        factor_map: FactorMap,
    ) -> StackMonitor {
        let limited = standard
            .factors
            .iter()
            .enumerate()
            .filter(|(_, f)| f.hourly_limit.is_some() || f.daily_limit.is_some())
            .map(|(limit, f)| LimitedFactor {
                limit,
                code: f.code.clone(),
                hourly_limit: f.hourly_limit,
                daily_limit: f.daily_limit,
                measured: [None; MINUTES_PER_HOUR],
                corrected: [None; MINUTES_PER_HOUR],
                sum: Decimal::ZERO,
                count: 0,
                hourly_raised: false,
                trend_raised: false,
                day_sum: Decimal::ZERO,
                day_hours: 0,
                daily_raised: false,
            })
            .collect();
        StackMonitor {
            mn: mn.into(),
            reference_gap: Decimal::from(21) - standard.reference_o2,
            rules,
            standard,
            factors: factor_map,
            latest: None,
            watching_since: None,
            missing_raised: None,
            hour: None,
            closed_through: None,
            day: None,
            limited,
            codes: Vec::new(),
        }
    }

    pub fn mn(&self) -> &str {
        &self.mn
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Takes the stack's readings (typically one minute's, in time order). Readings of other
    /// stacks are ignored; a reading for an hour before the open one counts for nothing but
    /// missing data; one for a minute a factor already reported is not judged again.
    pub fn observe(&mut self, readings: &[MinuteReading]) -> Vec<AlarmEvent> {
        let mut events = Vec::new();
        let mut in_open_hour = false;
        for reading in readings {
            if reading.mn != self.mn {
                continue;
            }
            self.note_arrival(reading.minute, &mut events);
            let (is_oxygen, limited, tracked) = {
                let code = self.factors.canonical(&reading.code);
                let is_oxygen = code == self.factors.oxygen;
                let limited = self.limited.iter().position(|f| f.code == code);
                let tracked = match self.codes.iter().position(|c| c.code == code) {
                    Some(index) => Some(index),
                    None if self.codes.len() < MAX_TRACKED_CODES => {
                        self.codes.push(CodeState::new(code.to_owned()));
                        Some(self.codes.len() - 1)
                    }
                    None => None,
                };
                (is_oxygen, limited, tracked)
            };
            in_open_hour |= self.average(reading, is_oxygen, limited, &mut events);
            if let Some(index) = tracked {
                self.judge_code(index, reading, &mut events);
            }
        }
        if in_open_hour && self.rules.trend.enabled {
            self.judge_trend(&mut events);
        }
        events
    }

    /// Advances the clock: raises missing data, and closes the open hour (and day) once `now`
    /// is `grace_minutes` past its end.
    pub fn tick(&mut self, now: NaiveDateTime) -> Vec<AlarmEvent> {
        let mut events = Vec::new();
        let since = *self.watching_since.get_or_insert(now);
        let grace = Duration::minutes(i64::from(self.rules.grace_minutes));
        if let Some(start) = self.hour.as_ref().map(|h| h.start)
            && now >= start + Duration::hours(1) + grace
        {
            self.close_hour(&mut events);
        }
        if let Some(day) = self.day
            && now >= end_of_day(day) + grace
        {
            self.close_day(&mut events);
        }
        if self.rules.missing.enabled && self.missing_raised.is_none() {
            let last = self.latest.unwrap_or(since);
            let silent = now - last;
            if silent >= Duration::minutes(i64::from(self.rules.missing.minutes)) {
                self.missing_raised = Some(self.latest);
                let minutes = silent.num_minutes();
                let (message_zh, message_en) = match self.latest {
                    Some(last) => (
                        format!(
                            "{} 已 {minutes} 分钟未收到数据（最后数据 {}）",
                            self.mn,
                            last.format("%Y-%m-%d %H:%M")
                        ),
                        format!(
                            "{}: no data for {minutes} minutes (last reading {})",
                            self.mn,
                            last.format("%Y-%m-%d %H:%M")
                        ),
                    ),
                    None => (
                        format!("{} 已 {minutes} 分钟未收到任何数据", self.mn),
                        format!("{}: no data at all for {minutes} minutes", self.mn),
                    ),
                };
                events.push(AlarmEvent::Raise {
                    kind: AlarmKind::Missing,
                    code: None,
                    at: now,
                    value: None,
                    limit: None,
                    message_zh,
                    message_en,
                });
            }
        }
        events
    }

    fn note_arrival(&mut self, minute: NaiveDateTime, events: &mut Vec<AlarmEvent>) {
        if let Some(newest_then) = self.missing_raised
            && newest_then.is_none_or(|newest| minute > newest)
        {
            self.missing_raised = None;
            events.push(AlarmEvent::Clear {
                kind: AlarmKind::Missing,
                code: None,
                at: minute,
            });
        }
        if self.latest.is_none_or(|latest| minute > latest) {
            self.latest = Some(minute);
        }
    }

    /// Adds a reading to the open hour (opening or closing hours as needed). Returns whether
    /// the reading was for the open hour.
    fn average(
        &mut self,
        reading: &MinuteReading,
        is_oxygen: bool,
        limited: Option<usize>,
        events: &mut Vec<AlarmEvent>,
    ) -> bool {
        let start = start_of_hour(reading.minute);
        if self.closed_through.is_some_and(|closed| start <= closed) {
            return false;
        }
        match self.hour.as_ref().map(|h| h.start) {
            Some(open) if open == start => {}
            Some(open) if open > start => return false,
            Some(_) => {
                self.close_hour(events);
                self.open_hour(start, events);
            }
            None => self.open_hour(start, events),
        }
        let Some(hour) = self.hour.as_mut() else {
            return false;
        };
        let index = reading.minute.minute() as usize;
        hour.latest_index = hour.latest_index.max(index);
        if !reading.flag.is_valid() {
            return true;
        }
        let gap = self.reference_gap;
        if is_oxygen {
            if reading.value >= Decimal::from(21) || hour.oxygen[index].is_some() {
                return true;
            }
            hour.oxygen[index] = Some(reading.value);
            for factor in &mut self.limited {
                if let Some(measured) = factor.measured[index]
                    && factor.corrected[index].is_none()
                {
                    factor.add(index, correct(measured, gap, reading.value));
                }
            }
        } else if let Some(factor) = limited.and_then(|i| self.limited.get_mut(i)) {
            if factor.measured[index].is_some() {
                return true;
            }
            factor.measured[index] = Some(reading.value);
            if let Some(oxygen) = hour.oxygen[index] {
                factor.add(index, correct(reading.value, gap, oxygen));
            }
        }
        true
    }

    fn open_hour(&mut self, start: NaiveDateTime, events: &mut Vec<AlarmEvent>) {
        if self.day.is_some_and(|day| day < start.date()) {
            self.close_day(events);
        }
        for factor in &mut self.limited {
            factor.clear_hour();
        }
        self.hour = Some(OpenHour {
            start,
            oxygen: [None; MINUTES_PER_HOUR],
            latest_index: 0,
        });
    }

    /// Judges the open hour's averages and adds them to the day's sums.
    fn close_hour(&mut self, events: &mut Vec<AlarmEvent>) {
        let Some(hour) = self.hour.take() else {
            return;
        };
        let end = hour.start + Duration::hours(1);
        let date = hour.start.date();
        if self.day.is_some_and(|day| day != date) {
            self.close_day(events);
        }
        self.day = Some(date);
        self.closed_through = Some(hour.start);
        let hour_min = self.standard.hour_min_valid_minutes.max(1);
        for factor in &mut self.limited {
            if factor.trend_raised {
                factor.trend_raised = false;
                events.push(clear(AlarmKind::Trend, &factor.code, end));
            }
            let average = if factor.count >= hour_min {
                factor.sum.checked_div(Decimal::from(factor.count))
            } else {
                None
            };
            let Some(average) = average else {
                continue;
            };
            if let Some(day_sum) = factor.day_sum.checked_add(average) {
                factor.day_sum = day_sum;
                factor.day_hours += 1;
            }
            let (Some(limit), true) = (factor.hourly_limit, self.rules.hourly_limit.enabled) else {
                continue;
            };
            if average > limit && !factor.hourly_raised {
                factor.hourly_raised = true;
                let name = &self.standard.factors[factor.limit];
                events.push(AlarmEvent::Raise {
                    kind: AlarmKind::HourlyLimit,
                    code: Some(factor.code.clone()),
                    at: end,
                    value: Some(average),
                    limit: Some(limit),
                    message_zh: format!(
                        "{} {} {} 小时均值 {} {} 超过限值 {}",
                        self.mn,
                        hour.start.format("%Y-%m-%d %H时"),
                        name.name_zh,
                        show(average),
                        name.unit,
                        show_limit(limit)
                    ),
                    message_en: format!(
                        "{} {}–{} {} hourly average {} {} exceeds the limit {}",
                        self.mn,
                        hour.start.format("%Y-%m-%d %H:%M"),
                        end.format("%H:%M"),
                        name.name_en,
                        show(average),
                        name.unit,
                        show_limit(limit)
                    ),
                });
            } else if average <= limit && factor.hourly_raised {
                factor.hourly_raised = false;
                events.push(clear(AlarmKind::HourlyLimit, &factor.code, end));
            }
        }
    }

    /// Judges the day's averages (mean of its valid hourly averages) and starts afresh.
    fn close_day(&mut self, events: &mut Vec<AlarmEvent>) {
        let Some(day) = self.day.take() else {
            return;
        };
        let end = end_of_day(day);
        let day_min = self.standard.day_min_valid_hours.max(1);
        for factor in &mut self.limited {
            let (sum, hours) = (factor.day_sum, factor.day_hours);
            factor.day_sum = Decimal::ZERO;
            factor.day_hours = 0;
            let (Some(limit), true, true) = (
                factor.daily_limit,
                self.rules.daily_violation.enabled,
                hours >= day_min,
            ) else {
                continue;
            };
            let Some(average) = sum.checked_div(Decimal::from(hours)) else {
                continue;
            };
            if average > limit && !factor.daily_raised {
                factor.daily_raised = true;
                let name = &self.standard.factors[factor.limit];
                events.push(AlarmEvent::Raise {
                    kind: AlarmKind::DailyViolation,
                    code: Some(factor.code.clone()),
                    at: end,
                    value: Some(average),
                    limit: Some(limit),
                    message_zh: format!(
                        "{} {} {} 日均值 {} {} 超过日均限值 {}，为超标日",
                        self.mn,
                        day.format("%Y-%m-%d"),
                        name.name_zh,
                        show(average),
                        name.unit,
                        show_limit(limit)
                    ),
                    message_en: format!(
                        "{} {} {} daily average {} {} exceeds the daily limit {}: a violation day",
                        self.mn,
                        day.format("%Y-%m-%d"),
                        name.name_en,
                        show(average),
                        name.unit,
                        show_limit(limit)
                    ),
                });
            } else if average <= limit && factor.daily_raised {
                factor.daily_raised = false;
                events.push(clear(AlarmKind::DailyViolation, &factor.code, end));
            }
        }
    }

    /// The trend of every limited factor in the open hour, after a batch of readings.
    fn judge_trend(&mut self, events: &mut Vec<AlarmEvent>) {
        let Some(hour) = &self.hour else {
            return;
        };
        let rule = self.rules.trend;
        let at = hour.start + Duration::minutes(hour.latest_index as i64);
        let hour_min = self.standard.hour_min_valid_minutes;
        for factor in &mut self.limited {
            let Some(limit) = factor.hourly_limit else {
                continue;
            };
            let Some(threshold) = limit.checked_mul(rule.ratio) else {
                continue;
            };
            let projection =
                factor.projection(hour.latest_index, rule.window, rule.min_minutes, hour_min);
            let above = projection.as_ref().is_some_and(|p| p.above(threshold));
            // The projected value itself (two divisions) only when it goes into a message.
            let raise = match &projection {
                Some(projection) if above && !factor.trend_raised => projection.value(),
                _ => None,
            };
            match raise {
                Some(projected) => {
                    factor.trend_raised = true;
                    let name = &self.standard.factors[factor.limit];
                    let (line_zh, line_en) = if rule.ratio == Decimal::ONE {
                        (
                            format!("将超过限值 {}", show_limit(limit)),
                            format!("above the limit {}", show_limit(limit)),
                        )
                    } else {
                        (
                            format!(
                                "将超过预警线 {}（限值 {} 的 {} 倍）",
                                show(threshold),
                                show_limit(limit),
                                show_limit(rule.ratio)
                            ),
                            format!(
                                "above the warning line {} ({} × limit {})",
                                show(threshold),
                                show_limit(rule.ratio),
                                show_limit(limit)
                            ),
                        )
                    };
                    events.push(AlarmEvent::Raise {
                        kind: AlarmKind::Trend,
                        code: Some(factor.code.clone()),
                        at,
                        value: Some(projected),
                        limit: Some(threshold),
                        message_zh: format!(
                            "{} {} 按近 {} 分钟速率，{} 小时均值预计 {} {}，{}",
                            self.mn,
                            name.name_zh,
                            rule.window,
                            hour.start.format("%H时"),
                            show(projected),
                            name.unit,
                            line_zh
                        ),
                        message_en: format!(
                            "{} {}: at the rate of the last {} minutes the {} hourly average \
                             is heading for {} {}, {}",
                            self.mn,
                            name.name_en,
                            rule.window,
                            hour.start.format("%H:%M"),
                            show(projected),
                            name.unit,
                            line_en
                        ),
                    });
                }
                _ if above => {}
                _ if factor.trend_raised => {
                    factor.trend_raised = false;
                    events.push(clear(AlarmKind::Trend, &factor.code, at));
                }
                _ => {}
            }
        }
    }

    /// Flags and stuck values of one code, in minute order (older or repeated minutes skipped).
    fn judge_code(&mut self, index: usize, reading: &MinuteReading, events: &mut Vec<AlarmEvent>) {
        let Some(state) = self.codes.get_mut(index) else {
            return;
        };
        if state.last_minute.is_some_and(|last| reading.minute <= last) {
            return;
        }
        state.last_minute = Some(reading.minute);
        let flag_rule = &self.rules.flag;
        if flag_rule.enabled {
            if flag_rule.flags.contains(&reading.flag) {
                if !state.flag_raised {
                    state.flag_raised = true;
                    let (zh, en, unit) = factor_names(&self.standard, &self.factors, &state.code);
                    events.push(AlarmEvent::Raise {
                        kind: AlarmKind::Flag,
                        code: Some(state.code.clone()),
                        at: reading.minute,
                        value: Some(reading.value),
                        limit: None,
                        message_zh: format!(
                            "{} {} {} 数据标记 {}（{}），读数 {} {} 无效",
                            self.mn,
                            reading.minute.format("%Y-%m-%d %H:%M"),
                            zh,
                            reading.flag,
                            reading.flag.name_zh(),
                            show(reading.value),
                            unit
                        ),
                        message_en: format!(
                            "{} {} {} flagged {} ({}): the reading {} {} is not valid",
                            self.mn,
                            reading.minute.format("%Y-%m-%d %H:%M"),
                            en,
                            reading.flag,
                            reading.flag.name_en(),
                            show(reading.value),
                            unit
                        ),
                    });
                }
            } else if reading.flag.is_valid() && state.flag_raised {
                state.flag_raised = false;
                events.push(clear(AlarmKind::Flag, &state.code, reading.minute));
            }
        }
        let stuck = self.rules.stuck;
        if !stuck.enabled {
            return;
        }
        if !reading.flag.is_valid() {
            // An invalid reading breaks the run but does not prove the sensor moves again.
            state.run_value = None;
            state.run_len = 0;
            return;
        }
        if state.run_value == Some(reading.value) {
            state.run_len = state.run_len.saturating_add(1);
        } else {
            if state
                .stuck_value
                .is_some_and(|stuck_at| stuck_at != reading.value)
            {
                state.stuck_value = None;
                events.push(clear(AlarmKind::Stuck, &state.code, reading.minute));
            }
            state.run_value = Some(reading.value);
            state.run_len = 1;
        }
        if state.stuck_value.is_none() && state.run_len >= stuck.minutes {
            state.stuck_value = Some(reading.value);
            let (zh, en, unit) = factor_names(&self.standard, &self.factors, &state.code);
            events.push(AlarmEvent::Raise {
                kind: AlarmKind::Stuck,
                code: Some(state.code.clone()),
                at: reading.minute,
                value: Some(reading.value),
                limit: None,
                message_zh: format!(
                    "{} {} 连续 {} 分钟读数不变（{} {}），疑似传感器卡滞",
                    self.mn,
                    zh,
                    state.run_len,
                    show(reading.value),
                    unit
                ),
                message_en: format!(
                    "{} {} has read {} {} for {} consecutive minutes: the sensor may be stuck",
                    self.mn,
                    en,
                    show(reading.value),
                    unit,
                    state.run_len
                ),
            });
        }
    }
}

/// measured × (21 − ref) / (21 − O₂), the division last; `None` if it cannot be represented.
fn correct(measured: Decimal, reference_gap: Decimal, oxygen: Decimal) -> Option<Decimal> {
    measured
        .checked_mul(reference_gap)?
        .checked_div(Decimal::from(21) - oxygen)
}

fn clear(kind: AlarmKind, code: &str, at: NaiveDateTime) -> AlarmEvent {
    AlarmEvent::Clear {
        kind,
        code: Some(code.to_owned()),
        at,
    }
}

fn start_of_hour(minute: NaiveDateTime) -> NaiveDateTime {
    minute
        .date()
        .and_time(NaiveTime::MIN)
        .checked_add_signed(Duration::hours(i64::from(minute.hour())))
        .unwrap_or(minute)
}

fn end_of_day(day: NaiveDate) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN) + Duration::days(1)
}

/// Chinese name, English name and unit of a code: the standard's, or O₂'s and the furnace
/// temperature's from the factor map, or the bare code.
pub(super) fn factor_names<'a>(
    standard: &'a Standard,
    factors: &FactorMap,
    code: &'a str,
) -> (&'a str, &'a str, &'a str) {
    if let Some(FactorLimit {
        name_zh,
        name_en,
        unit,
        ..
    }) = standard.factor(code)
    {
        (name_zh, name_en, unit)
    } else if code == factors.oxygen {
        ("氧含量", "O₂", "%")
    } else if code == factors.furnace_temperature {
        ("炉膛温度", "furnace temperature", "°C")
    } else {
        (code, code, "")
    }
}

/// A value for people: 3 decimals, half away from zero (display only; judging is unrounded).
pub(super) fn show(value: Decimal) -> String {
    format!(
        "{:.3}",
        value.round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero)
    )
}

/// A limit as written in the standard (`300`, not `300.000`).
fn show_limit(value: Decimal) -> String {
    value.normalize().to_string()
}
