//! Stack emissions in the server: the HJ 212 receiver's sink and directory, the minute store,
//! the alarm monitors, and the compliance views' cache.
//!
//! Data path: a data logger's frame is checked by `zx-hj212` (framing, CRC, MN, password), its
//! minute readings are appended to the [`MinuteStore`] (fsync, group commit) and only then
//! acknowledged. The same readings then feed the stack's [`StackMonitor`]; alarm events go, in
//! order, through one task that records them in the database (`Store::raise_alarm`,
//! `clear_open_alarm`) and sends new ones through the notification channels. Pages judge days
//! with `zx_domain::cems::compliance` on minutes read back from the store, so what a page shows
//! is what `zx cems export` + `zx cems check` give.

pub mod anomaly;
mod open;
mod quality;
pub mod report;

pub use quality::QualityIndex;
use quality::revisions;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use zx_app::Clock;
use zx_cems_store::{CemsStoreError, DayVerdicts, FrameLog, MinuteStore, QualityLog, stable_hash};
use zx_domain::calendar::{china_offset, china_time, china_today};
use zx_domain::cems::alarms::{self, AlarmEvent, Rules, StackMonitor};
use zx_domain::cems::compliance::DayCompliance;
use zx_domain::cems::quality::{QualityEvent, QualityKind};
use zx_domain::cems::{MinuteReading, Stack, Standard};
use zx_domain::{EntityTree, Role};
use zx_hj212::{AcceptedFrame, FrameSink, ReceiverStats, SinkError, StackDirectory};
use zx_notify::{Alert, Channels};
use zx_store::{AlarmFilter, NewAlarm, Store};

/// A stack is offline when its newest minute is older than this.
pub use zx_domain::cems::status::OFFLINE_AFTER_MINUTES;

/// Why the emissions service could not start or answer.
#[derive(Debug, thiserror::Error)]
pub enum EmissionsError {
    #[error("minute store: {0}")]
    Minutes(#[from] CemsStoreError),
    #[error(transparent)]
    Store(#[from] zx_store::StoreError),
    #[error("background task failed: {0}")]
    Join(String),
}

/// A China wall-clock time as an instant.
pub fn china_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    (local - TimeDelta::seconds(i64::from(china_offset().local_minus_utc()))).and_utc()
}

/// A registered, active stack with what the views and monitors need beside it.
#[derive(Debug, Clone)]
pub struct StackEntry {
    pub stack: Stack,
    pub plant_name: String,
    /// The subsidiary (parent of the plant) or region the map groups it under.
    pub region: String,
    pub segment: String,
    pub standard: Arc<Standard>,
    pub rules: Rules,
}

/// The stacks as last read from the database.
#[derive(Debug, Default)]
pub struct Registry {
    pub by_mn: HashMap<String, Arc<StackEntry>>,
}

impl Registry {
    /// Stacks sorted by plant then name, for stable pages.
    pub fn sorted(&self) -> Vec<Arc<StackEntry>> {
        let mut list: Vec<Arc<StackEntry>> = self.by_mn.values().cloned().collect();
        list.sort_by(|a, b| {
            (a.stack.entity.as_str(), &a.stack.name, &a.stack.mn).cmp(&(
                b.stack.entity.as_str(),
                &b.stack.name,
                &b.stack.mn,
            ))
        });
        list
    }
}

/// Cached verdicts of past days. A past day changes only when late data arrives (a logger
/// resending after an outage, mostly within a day), so yesterday's entries expire after ten
/// minutes and older days' after six hours rather than never.
type VerdictCache = HashMap<(String, NaiveDate), (Instant, Option<Arc<DayCompliance>>)>;
const YESTERDAY_TTL: Duration = Duration::from_secs(600);
const OLDER_TTL: Duration = Duration::from_secs(6 * 3600);

/// The alarm events of the monitors, in order, for the task that records them.
type AlarmEvents = mpsc::UnboundedReceiver<(String, Vec<AlarmEvent>)>;

/// The emissions service of one server.
pub struct Emissions {
    store: Arc<dyn Store>,
    pub minutes: Arc<MinuteStore>,
    pub stats: Arc<ReceiverStats>,
    registry: RwLock<Arc<Registry>>,
    monitors: Mutex<HashMap<String, StackMonitor>>,
    /// The anomaly detector's watches, per stack and factor ([`anomaly`]).
    watches: Mutex<anomaly::Watches>,
    /// Whether the watches learn (not in a read-only service of a command).
    detect: bool,
    latest: Mutex<HashMap<String, NaiveDateTime>>,
    verdicts: Mutex<VerdictCache>,
    events: mpsc::UnboundedSender<(String, Vec<AlarmEvent>)>,
    /// Whether each sealed stack-day was a violation day, kept across restarts (see
    /// [`Emissions::violation`]).
    violations: Arc<DayVerdicts>,
    /// Non-minute frames (hourly, daily, real-time data) kept as sent, one file per day.
    frames: Arc<FrameLog>,
    /// Data-quality events, durable (`quality.jsonl`), and their counts per stack in memory.
    quality_log: Arc<QualityLog>,
    quality: Mutex<QualityIndex>,
    /// Where "now" comes from (the server's clock).
    clock: Arc<dyn Clock>,
}

impl Emissions {
    /// The wall-clock time in China now, where minutes are stamped (HJ 212 `DataTime` is China
    /// time).
    pub fn china_now(&self) -> NaiveDateTime {
        china_time(self.clock.now())
    }

    /// The stacks as last read.
    pub fn registry(&self) -> Arc<Registry> {
        self.registry
            .read()
            .map(|r| r.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Reads the stacks, their standards and alarm rules again (after a registration, and
    /// every half minute, so stacks added with `zx stack add` are received without a restart).
    pub async fn refresh(&self) -> Result<(), EmissionsError> {
        let stacks = self.store.stacks().await?;
        let entities = self.store.entities().await?;
        let names: HashMap<String, (String, Option<String>, String)> = entities
            .iter()
            .map(|e| {
                (
                    e.code.to_string(),
                    (
                        e.name.clone(),
                        e.parent.as_ref().map(|p| p.to_string()),
                        e.segment.clone(),
                    ),
                )
            })
            .collect();
        let rule_sets = self.store.alarm_rule_sets().await?;
        let document = |scope: &str| {
            rule_sets
                .iter()
                .find(|doc| doc.scope == scope)
                .map(|doc| doc.body.clone())
        };
        let mut standards: HashMap<String, Arc<Standard>> = HashMap::new();
        let mut by_mn = HashMap::new();
        for stored in stacks.into_iter().filter(|s| s.active) {
            let stack = stored.stack;
            let standard = match standards.get(&stack.standard) {
                Some(standard) => standard.clone(),
                None => {
                    let standard = Arc::new(resolve_standard(&stack.standard));
                    standards.insert(stack.standard.clone(), standard.clone());
                    standard
                }
            };
            let (plant_name, parent, segment) = names
                .get(stack.entity.as_str())
                .cloned()
                .unwrap_or_else(|| (stack.entity.to_string(), None, String::new()));
            let region = parent
                .as_deref()
                .and_then(|p| names.get(p))
                .map_or_else(|| plant_name.clone(), |(name, _, _)| name.clone());
            let rules = effective_rules(
                &segment,
                document(&format!("segment:{segment}")),
                document(&format!("stack:{}", stack.mn)),
                &stack.mn,
            );
            by_mn.insert(
                stack.mn.clone(),
                Arc::new(StackEntry {
                    stack,
                    plant_name,
                    region,
                    segment,
                    standard,
                    rules,
                }),
            );
        }
        let registry = Arc::new(Registry { by_mn });
        let cold: Vec<Arc<StackEntry>> = match self.monitors.lock() {
            Ok(mut monitors) => {
                // A stack retired or with other rules starts a fresh monitor.
                monitors.retain(|mn, monitor| {
                    registry
                        .by_mn
                        .get(mn)
                        .is_some_and(|entry| monitor.rules() == &entry.rules)
                });
                registry
                    .by_mn
                    .values()
                    .filter(|entry| !monitors.contains_key(&entry.stack.mn))
                    .cloned()
                    .collect()
            }
            Err(_) => Vec::new(),
        };
        if let Ok(mut watches) = self.watches.lock() {
            watches.retain(|mn, _| registry.by_mn.contains_key(mn));
        }
        if let Ok(mut slot) = self.registry.write() {
            *slot = registry;
        }
        for entry in cold {
            self.warm_up(entry).await?;
        }
        Ok(())
    }

    /// Starts a stack's monitor from today's stored minutes, so a restart neither forgets an
    /// hour or a day in progress nor leaves an alarm open that the data has since cleared. The
    /// events of the replay are recorded like live ones; raises already recorded (same stack,
    /// rule, factor and time) are not recorded twice.
    async fn warm_up(&self, entry: Arc<StackEntry>) -> Result<(), EmissionsError> {
        let minutes = self.minutes.clone();
        let mn = entry.stack.mn.clone();
        let today = self.china_now().date();
        let readings = tokio::task::spawn_blocking(move || day_minutes(&minutes, &mn, today))
            .await
            .map_err(|e| EmissionsError::Join(e.to_string()))??;
        let mut monitor = new_monitor(&entry);
        let mut events = Vec::new();
        // Minute by minute, as the logger sent them.
        for chunk in readings.chunk_by(|a, b| a.minute == b.minute) {
            events.extend(monitor.observe(chunk));
        }
        // The detector learns the days before too (its first day raises nothing on shapes).
        if self.detect {
            let minutes = self.minutes.clone();
            let replayed = entry.clone();
            let from = (today - TimeDelta::days(anomaly::REPLAY_DAYS - 1)).and_time(NaiveTime::MIN);
            let to = self.china_now() + TimeDelta::minutes(1);
            let (watches, anomalies) = tokio::task::spawn_blocking(move || {
                let history = minutes.read(&replayed.stack.mn, from, to)?;
                let mut watches = anomaly::StackWatches::default();
                let events = watches.observe(&replayed, &history);
                Ok::<_, CemsStoreError>((watches, events))
            })
            .await
            .map_err(|e| EmissionsError::Join(e.to_string()))??;
            if let Ok(mut all) = self.watches.lock()
                && !all.contains_key(&entry.stack.mn)
            {
                all.insert(entry.stack.mn.clone(), watches);
                events.extend(anomalies);
            }
        }
        if let Some(newest) = readings.last().map(|r| r.minute)
            && let Ok(mut latest) = self.latest.lock()
        {
            latest.entry(entry.stack.mn.clone()).or_insert(newest);
        }
        let inserted = match self.monitors.lock() {
            Ok(mut monitors) => {
                if monitors.contains_key(&entry.stack.mn) {
                    false
                } else {
                    monitors.insert(entry.stack.mn.clone(), monitor);
                    true
                }
            }
            Err(_) => false,
        };
        if inserted && !events.is_empty() {
            let _ = self.events.send((entry.stack.mn.clone(), events));
        }
        Ok(())
    }

    /// The newest minute received from `mn` since the server started, else the newest stored in
    /// the last two hours.
    pub fn latest(&self, mn: &str) -> Option<NaiveDateTime> {
        if let Some(at) = self.latest.lock().ok().and_then(|m| m.get(mn).copied()) {
            return Some(at);
        }
        let now = self.china_now();
        let recent = self
            .minutes
            .read(mn, now - TimeDelta::hours(2), now + TimeDelta::minutes(1))
            .ok()?;
        let at = recent.iter().map(|r| r.minute).max()?;
        if let Ok(mut latest) = self.latest.lock() {
            latest.entry(mn.to_owned()).or_insert(at);
        }
        Some(at)
    }

    /// The minutes of `mn` on `day`.
    pub fn day_minutes(
        &self,
        mn: &str,
        day: NaiveDate,
    ) -> Result<Vec<MinuteReading>, CemsStoreError> {
        day_minutes(&self.minutes, mn, day)
    }

    /// The verdict of `mn` on `day` (`None` without data). Past days are cached for a while.
    pub fn day(
        &self,
        entry: &StackEntry,
        day: NaiveDate,
    ) -> Result<Option<Arc<DayCompliance>>, CemsStoreError> {
        Ok(self.days(entry, day, day)?.remove(&day))
    }

    /// The verdicts of `mn` on the days `first..=last` that have data. Past days are cached for
    /// a while; the others are read and judged straight from the store's columns, the days on
    /// every core (`zx_app::cems::judge_stored_days`).
    pub fn days(
        &self,
        entry: &StackEntry,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, Arc<DayCompliance>>, CemsStoreError> {
        let today = self.china_now().date();
        let mut days = BTreeMap::new();
        let mut missing = Vec::new();
        {
            let cache = self.verdicts.lock().ok();
            for day in first.iter_days().take_while(|day| *day <= last) {
                let key = (entry.stack.mn.clone(), day);
                let cached = cache.as_ref().and_then(|c| c.get(&key)).filter(|(at, _)| {
                    day < today
                        && at.elapsed()
                            < if day + TimeDelta::days(1) < today {
                                OLDER_TTL
                            } else {
                                YESTERDAY_TTL
                            }
                });
                match cached {
                    Some((_, verdict)) => {
                        if let Some(verdict) = verdict {
                            days.insert(day, Arc::clone(verdict));
                        }
                    }
                    None => missing.push(day),
                }
            }
        }
        let (Some(from), Some(to)) = (missing.first(), missing.last()) else {
            return Ok(days);
        };
        let from = from.and_time(NaiveTime::MIN);
        let to = to.and_time(NaiveTime::MIN) + TimeDelta::days(1);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut judged = zx_app::cems::judge_stored_days(
            &self.minutes,
            &entry.stack.mn,
            from,
            to,
            &entry.stack.factors,
            &entry.standard,
            threads,
        )?;
        let mut cache = self.verdicts.lock().ok();
        for day in missing {
            let verdict = judged.remove(&day).map(Arc::new);
            if day < today
                && let Some(cache) = cache.as_mut()
            {
                let key = (entry.stack.mn.clone(), day);
                cache.insert(key, (Instant::now(), verdict.clone()));
            }
            if let Some(verdict) = verdict {
                days.insert(day, verdict);
            }
        }
        Ok(days)
    }

    /// Whether `day` was a violation day for the stack. A sealed day's answer is kept in
    /// the minute store's `DayVerdicts` (`violations.tsv`) under the partition's fingerprint and the
    /// stack's judging configuration, so the year's table on `/environment` and the cockpit
    /// judges each sealed stack-day once, not after every restart; late data (a new
    /// fingerprint) or a changed standard or factor map makes it judged again.
    pub fn violation(&self, entry: &StackEntry, day: NaiveDate) -> Result<bool, CemsStoreError> {
        let mn = &entry.stack.mn;
        // Taken before reading: a seal in between leaves an old fingerprint, judged again later.
        let fingerprint = self.minutes.sealed_fingerprint(mn, day);
        let config = config_key(entry);
        if let Some(fingerprint) = fingerprint
            && let Some(violation) = self.violations.get(mn, day, fingerprint, config)
        {
            return Ok(violation);
        }
        let violation = self.day(entry, day)?.is_some_and(|d| d.violation);
        if let Some(fingerprint) = fingerprint
            && let Err(error) = self.violations.put(mn, day, fingerprint, config, violation)
        {
            tracing::warn!(%error, file = %self.violations.path().display(), "violation index not written");
        }
        Ok(violation)
    }

    /// Feeds stored readings to the stack's monitor and queues the alarm events.
    fn observe(&self, mn: &str, readings: &[MinuteReading]) {
        if let Some(newest) = readings.iter().map(|r| r.minute).max()
            && let Ok(mut latest) = self.latest.lock()
        {
            let slot = latest.entry(mn.to_owned()).or_insert(newest);
            if *slot < newest {
                *slot = newest;
            }
        }
        let Some(entry) = self.registry().by_mn.get(mn).cloned() else {
            return;
        };
        let mut events = match self.monitors.lock() {
            Ok(mut monitors) => monitors
                .entry(mn.to_owned())
                .or_insert_with(|| new_monitor(&entry))
                .observe(readings),
            Err(_) => return,
        };
        if self.detect
            && let Ok(mut watches) = self.watches.lock()
        {
            events.extend(
                watches
                    .entry(mn.to_owned())
                    .or_default()
                    .observe(&entry, readings),
            );
        }
        if !events.is_empty() {
            let _ = self.events.send((mn.to_owned(), events));
        }
    }

    /// Lets every monitor look at the clock: missing data, hours that closed without a later
    /// reading. Stacks that never sent anything since start get a monitor too, so a logger
    /// that stays silent is reported.
    pub fn tick(&self, now: NaiveDateTime) {
        let registry = self.registry();
        let mut queued = Vec::new();
        if let Ok(mut monitors) = self.monitors.lock() {
            for (mn, entry) in &registry.by_mn {
                let monitor = monitors
                    .entry(mn.clone())
                    .or_insert_with(|| new_monitor(entry));
                let events = monitor.tick(now);
                if !events.is_empty() {
                    queued.push((mn.clone(), events));
                }
            }
        }
        for item in queued {
            let _ = self.events.send(item);
        }
    }

    /// Keeps a frame that carries no minute data (hourly, daily, real-time) as sent, durably,
    /// in the minute store's `FrameLog` (`frames/YYYY-MM-DD.log`).
    async fn keep_other(&self, frame: &AcceptedFrame) -> std::io::Result<()> {
        let day = china_today(frame.received_at);
        let line = format!(
            "{}\t{}\t{}\t{}",
            frame.received_at.to_rfc3339(),
            frame.peer,
            frame.mn,
            frame.data
        );
        let frames = self.frames.clone();
        tokio::task::spawn_blocking(move || frames.append(day, &line))
            .await
            .map_err(std::io::Error::other)?
    }

    /// Seals every day before `today` into the Parquet archive.
    pub async fn seal_before(&self, today: NaiveDate) -> Result<(), EmissionsError> {
        let Some(through) = today.pred_opt() else {
            return Ok(());
        };
        let minutes = self.minutes.clone();
        let report = tokio::task::spawn_blocking(move || minutes.seal(through))
            .await
            .map_err(|e| EmissionsError::Join(e.to_string()))??;
        if report.partitions > 0 {
            tracing::info!(
                partitions = report.partitions,
                merged = report.merged_partitions,
                readings = report.readings_sealed,
                bytes = report.bytes_written,
                "minute data sealed into the Parquet archive"
            );
        }
        Ok(())
    }

    /// The clock jobs: monitors every 30 s, stacks re-read every 30 s, the daily seal at
    /// `seal_at` China time (and once at start for days left unsealed). Stops with `stop`.
    pub fn spawn_jobs(
        self: &Arc<Self>,
        seal_at: chrono::NaiveTime,
        mut stop: watch::Receiver<bool>,
    ) -> JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move {
            if let Err(error) = service.seal_before(service.china_now().date()).await {
                tracing::error!(%error, "sealing minute data at start failed");
            }
            let mut last_seal = service.china_now().date();
            let mut interval = tokio::time::interval(Duration::from_secs(30));
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = interval.tick() => {}
                    _ = stop.changed() => return,
                }
                if *stop.borrow() {
                    return;
                }
                if let Err(error) = service.refresh().await {
                    tracing::warn!(%error, "re-reading stacks failed");
                }
                let now = service.china_now();
                service.tick(now);
                if now.date() > last_seal && now.time() >= seal_at {
                    match service.seal_before(now.date()).await {
                        Ok(()) => last_seal = now.date(),
                        Err(error) => tracing::error!(%error, "daily seal failed; retried"),
                    }
                }
            }
        })
    }
}

/// What a verdict depends on besides the minutes: the standard and the factor map, as a
/// stable hash of their JSON (fields in declaration order, maps sorted, decimals as text).
fn config_key(entry: &StackEntry) -> u64 {
    let text = serde_json::to_string(&(&entry.standard, &entry.stack.factors)).unwrap_or_default();
    stable_hash(text.as_bytes())
}

/// The minutes of `mn` in the natural day `day` (China time).
fn day_minutes(
    minutes: &MinuteStore,
    mn: &str,
    day: NaiveDate,
) -> Result<Vec<MinuteReading>, CemsStoreError> {
    let from = day.and_time(chrono::NaiveTime::MIN);
    minutes.read(mn, from, from + TimeDelta::days(1))
}

fn new_monitor(entry: &StackEntry) -> StackMonitor {
    StackMonitor::new(
        entry.stack.mn.clone(),
        entry.rules.clone(),
        (*entry.standard).clone(),
        entry.stack.factors.clone(),
    )
}

/// A stack's standard: a built-in one (the store accepts no other), else GB 18485-2014 with a
/// warning, so a stack is never left unjudged.
fn resolve_standard(id: &str) -> Standard {
    Standard::builtin(id).unwrap_or_else(|error| {
        tracing::warn!(standard = id, %error, "judging by GB 18485-2014 instead");
        Standard::gb18485_2014()
    })
}

/// Template for the plant type (stored, else built in), overridden by the stack's document.
fn effective_rules(
    segment: &str,
    template: Option<String>,
    overrides: Option<String>,
    mn: &str,
) -> Rules {
    let parse = |text: String, scope: &str| match alarms::parse(&text) {
        Ok(rules) => Some(rules),
        Err(error) => {
            tracing::warn!(scope, %error, "alarm rule set unusable; ignored");
            None
        }
    };
    let template = template
        .and_then(|text| parse(text, segment))
        .or_else(|| alarms::rules::builtin(segment).ok());
    let overrides = overrides.and_then(|text| parse(text, mn));
    alarms::effective(template.as_ref(), overrides.as_ref())
}

impl StackDirectory for Emissions {
    fn password(&self, mn: &str) -> Option<String> {
        self.registry()
            .by_mn
            .get(mn)
            .map(|entry| entry.stack.password.clone())
    }
}

impl FrameSink for Emissions {
    async fn store(&self, frame: AcceptedFrame) -> Result<(), SinkError> {
        self.store_batch(vec![frame]).await
    }

    /// One append (one sync) for all the minute frames of a read; other frames are kept as sent.
    /// Before it, what a frame carried that is not stored as sent becomes a data-quality event
    /// (values the parser left out, values the archive cannot hold exactly, minutes already
    /// stored with another value), durable with the frame's raw text before the acknowledgement.
    async fn store_batch(&self, frames: Vec<AcceptedFrame>) -> Result<(), SinkError> {
        let mut events = Vec::new();
        let mut raw = Vec::new();
        let mut minute_frames = Vec::with_capacity(frames.len());
        for mut frame in frames {
            let minute = frame
                .data_time
                .unwrap_or_else(|| china_time(frame.received_at));
            let before = events.len();
            for issue in std::mem::take(&mut frame.issues) {
                events.push(QualityEvent {
                    received_at: frame.received_at,
                    mn: frame.mn.clone(),
                    minute,
                    key: issue.key,
                    kind: issue.kind,
                    values: issue.values,
                });
            }
            frame.readings.retain(|reading| {
                if MinuteStore::check_reading(reading).is_ok() {
                    return true;
                }
                events.push(QualityEvent {
                    received_at: frame.received_at,
                    mn: reading.mn.clone(),
                    minute: reading.minute,
                    key: format!("{}-Avg", reading.code),
                    kind: QualityKind::Unstorable,
                    values: vec![reading.value.to_string()],
                });
                false
            });
            let noted = events.len() > before;
            if frame.readings.is_empty() || noted {
                raw.push(frame.clone());
            }
            if !frame.readings.is_empty() {
                minute_frames.push((frame.mn, frame.received_at, frame.readings));
            }
        }
        for frame in &raw {
            self.keep_other(frame).await.map_err(SinkError::new)?;
        }
        // One vector for the append; each frame's part of it is remembered for the monitors.
        let mut parts = Vec::with_capacity(minute_frames.len());
        let mut all: Vec<MinuteReading> = Vec::new();
        for (mn, received_at, readings) in minute_frames {
            let start = all.len();
            all.extend(readings);
            parts.push((mn, received_at, start..all.len()));
        }
        if all.is_empty() && events.is_empty() {
            return Ok(());
        }
        let minutes = self.minutes.clone();
        let log = self.quality_log.clone();
        let ranges: Vec<(DateTime<Utc>, std::ops::Range<usize>)> = parts
            .iter()
            .map(|(_, at, range)| (*at, range.clone()))
            .collect();
        // One hand-off to the blocking pool: the revisions, then the events (durable before
        // the minutes, so a failed append resent finds its revision again), then the minutes.
        let (all, events) = tokio::task::spawn_blocking(move || {
            // A minute already stored and sent again with another value or flag: the new one
            // is stored (the logger's correction), the old one is kept in a `revised` event.
            let frames: Vec<(DateTime<Utc>, &[MinuteReading])> = ranges
                .iter()
                .map(|(at, range)| (*at, &all[range.clone()]))
                .collect();
            events.extend(revisions(&minutes, &frames).map_err(SinkError::new)?);
            if !events.is_empty() {
                log.append(&events).map_err(SinkError::new)?;
            }
            minutes.append(&all).map_err(SinkError::new)?;
            Ok::<_, SinkError>((all, events))
        })
        .await
        .map_err(SinkError::new)??;
        if !events.is_empty() {
            for event in &events {
                tracing::warn!(mn = %event.mn, minute = %event.minute, key = %event.key,
                    kind = event.kind.code(), values = ?event.values, "HJ 212 data-quality event");
            }
            if let Ok(mut index) = self.quality.lock() {
                index.add(events);
            }
        }
        // A past day that received minutes (history resent, a revision) is judged again on
        // its next view rather than after its cache entry expires.
        if let Ok(mut cache) = self.verdicts.lock()
            && !cache.is_empty()
        {
            for (mn, _, range) in &parts {
                let mut last = None;
                for reading in &all[range.clone()] {
                    let date = reading.minute.date();
                    if last != Some(date) {
                        last = Some(date);
                        cache.remove(&(mn.clone(), date));
                    }
                }
            }
        }
        for (mn, _, range) in parts {
            self.observe(&mn, &all[range]);
        }
        Ok(())
    }
}

/// Records alarm events in order, and sends the newly raised ones to the plant's managers and
/// headquarters through the configured channels.
async fn alarm_task(
    store: Arc<dyn Store>,
    channels: Channels,
    clock: Arc<dyn Clock>,
    mut events: mpsc::UnboundedReceiver<(String, Vec<AlarmEvent>)>,
) {
    while let Some((mn, list)) = events.recv().await {
        for event in list {
            let now = china_time(clock.now());
            if let Err(error) = record(&*store, &channels, &mn, event, now).await {
                tracing::error!(%mn, %error, "recording an alarm failed");
            }
        }
    }
}

/// An anomaly older than this when recorded was found while the detector re-learned stored
/// days (a start, a restart): recorded for the charts and the history, not sent out.
const ANOMALY_SEND_WITHIN: TimeDelta = TimeDelta::hours(1);

/// Whether a newly recorded alarm raised at `at` is sent out at `now`: rule alarms always,
/// anomalies only while current.
fn worth_sending(kind: alarms::AlarmKind, at: NaiveDateTime, now: NaiveDateTime) -> bool {
    kind != alarms::AlarmKind::Anomaly || now - at <= ANOMALY_SEND_WITHIN
}

async fn record(
    store: &dyn Store,
    channels: &Channels,
    mn: &str,
    event: AlarmEvent,
    now: NaiveDateTime,
) -> Result<(), zx_store::StoreError> {
    match event {
        AlarmEvent::Clear { kind, code, at } => {
            store
                .clear_open_alarm(mn, kind.as_str(), code.as_deref(), china_to_utc(at))
                .await?;
        }
        AlarmEvent::Raise {
            kind,
            code,
            at,
            value,
            limit,
            message_zh,
            message_en,
        } => {
            let raised_at = china_to_utc(at);
            // A replay after a restart raises what was raised before: once is enough.
            let known = store
                .alarms(&AlarmFilter {
                    mn: Some(mn.to_owned()),
                    state: None,
                    since: Some(raised_at),
                    limit: None,
                })
                .await?
                .into_iter()
                .any(|a| a.kind == kind.as_str() && a.code == code && a.raised_at == raised_at);
            if known {
                return Ok(());
            }
            let id = store
                .raise_alarm(NewAlarm {
                    mn: mn.to_owned(),
                    kind: kind.as_str().to_owned(),
                    code: code.clone(),
                    raised_at,
                    value,
                    limit,
                    message_zh: message_zh.clone(),
                    message_en: message_en.clone(),
                })
                .await?;
            // An alarm already open keeps its first time: only a new one is sent out.
            let fresh = store
                .alarm(id)
                .await?
                .is_some_and(|alarm| alarm.raised_at == raised_at);
            if fresh && worth_sending(kind, at, now) && channels.any() {
                let to = recipients(store, mn).await?;
                let alert = Alert {
                    subject: format!("【环保报警】{message_zh} / {message_en}"),
                    body: format!(
                        "{message_zh}\n时间：{at}\n\n{message_en}\nTime: {at} (China time)\n"
                    ),
                    text: format!("【环保报警】{message_zh}（{at}）\n{message_en}"),
                    fields: serde_json::json!({
                        "kind": "emission_alarm",
                        "alarm": id,
                        "mn": mn,
                        "rule": kind.as_str(),
                        "code": code,
                        "at": at.format("%Y-%m-%dT%H:%M").to_string(),
                        "value": value.map(|v| v.to_string()),
                        "limit": limit.map(|v| v.to_string()),
                    }),
                    to,
                };
                let report = zx_notify::deliver_alert(channels, &alert).await;
                if !report.all_sent() {
                    tracing::warn!(alarm = id, %report, "alarm delivery incomplete");
                }
            }
        }
    }
    Ok(())
}

/// Who hears of a stack's alarm: headquarters accounts and the managers whose scope holds the
/// stack's plant.
async fn recipients(
    store: &dyn Store,
    mn: &str,
) -> Result<Vec<(String, Option<String>)>, zx_store::StoreError> {
    let Some(stack) = store.stack(mn).await? else {
        return Ok(Vec::new());
    };
    let tree = EntityTree::build(store.entities().await?).ok();
    let users = store.users().await?;
    Ok(users
        .into_iter()
        .filter(|u| !u.disabled)
        .filter(|u| match (u.role, &u.entity, &tree) {
            (Role::Admin | Role::HqAnalyst, _, _) => true,
            (Role::EntityManager, Some(root), Some(tree)) => {
                match (
                    tree.id_of(root.as_str()),
                    tree.id_of(stack.stack.entity.as_str()),
                ) {
                    (Some(root), Some(plant)) => tree.is_within(plant, root),
                    _ => false,
                }
            }
            _ => false,
        })
        .map(|u| (u.name, u.email))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use zx_domain::cems::Flag;

    fn reading(minute: NaiveDateTime, code: &str, value: &str, flag: Flag) -> MinuteReading {
        MinuteReading {
            mn: "JLYP01_AIR01_0001".to_owned(),
            minute,
            code: code.to_owned(),
            value: value.parse().unwrap(),
            flag,
        }
    }

    #[test]
    fn anomalies_found_in_replayed_days_are_recorded_but_not_sent() {
        let now = NaiveDate::from_ymd_opt(2026, 12, 6)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap();
        let anomaly = alarms::AlarmKind::Anomaly;
        assert!(worth_sending(anomaly, now - TimeDelta::minutes(60), now));
        assert!(!worth_sending(anomaly, now - TimeDelta::minutes(61), now));
        assert!(worth_sending(
            alarms::AlarmKind::HourlyLimit,
            now - TimeDelta::hours(9),
            now
        ));
    }

    /// A minute resent to a day already sealed into Parquet: a changed value or flag is a
    /// `revised` event naming the stored and the new one; the same value (another scale) is
    /// none; a change within one batch is one too.
    #[test]
    fn a_resent_minute_with_another_value_is_a_revision_even_in_a_sealed_day() {
        let dir = tempfile::tempdir().unwrap();
        let store = MinuteStore::open(dir.path()).unwrap();
        let minute = NaiveDate::from_ymd_opt(2024, 3, 1)
            .unwrap()
            .and_hms_opt(8, 14, 0)
            .unwrap();
        store
            .append(&[
                reading(minute, "a21002", "212.4", Flag::N),
                reading(minute, "a21026", "35.2", Flag::N),
                reading(minute, "a19001", "9.8", Flag::N),
            ])
            .unwrap();
        assert_eq!(store.seal(minute.date()).unwrap().partitions, 1);
        let at = DateTime::from_timestamp(1_780_272_000, 0).unwrap();
        let resent = [
            reading(minute, "a21002", "212.40", Flag::N),
            reading(minute, "a21026", "36", Flag::N),
            reading(minute, "a19001", "9.8", Flag::M),
            reading(minute, "a34013", "3.1", Flag::N),
        ];
        let again = [reading(minute, "a34013", "3.2", Flag::N)];
        let events = revisions(&store, &[(at, &resent[..]), (at, &again[..])]).unwrap();
        let got: Vec<(&str, Vec<String>)> = events
            .iter()
            .map(|e| {
                assert_eq!(e.kind, QualityKind::Revised);
                assert_eq!(e.minute, minute);
                (e.key.as_str(), e.values.clone())
            })
            .collect();
        let pair = |a: &str, b: &str| vec![a.to_owned(), b.to_owned()];
        assert_eq!(
            got,
            vec![
                ("a21026-Avg", pair("35.2 N", "36 N")),
                ("a19001-Avg", pair("9.8 N", "9.8 M")),
                ("a34013-Avg", pair("3.1 N", "3.2 N")),
            ]
        );
    }
}
