//! Shared state: the store, the catalogue, the clock, the consolidated snapshot (cached), the
//! login limiter.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use zx_app::Clock;
use zx_domain::Catalogue;
use zx_domain::calendar::{china_time, china_today};
use zx_store::{AuditFilter, Store};

use crate::config::Settings;
use crate::error::ApiResult;

/// The consolidated view of the data (`zx_app::load_snapshot`), as a command would load it.
pub use zx_app::Snapshot;

/// The snapshot last loaded, with the id of the newest audit entry then (every write adds one,
/// so a newer id means the data changed).
type Loaded = (i64, Arc<Snapshot>);

/// Failed login times per (address, account), for rate limiting.
type FailedLogins = HashMap<(IpAddr, String), Vec<Instant>>;

/// Everything a handler may need.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub catalogue: Arc<Catalogue>,
    pub settings: Arc<Settings>,
    /// Stack emissions (minute store, receiver counters, alarm monitors); `None` when the
    /// server runs without them (some tests).
    pub emissions: Option<Arc<crate::emissions::Emissions>>,
    /// Where "now" comes from: every handler and job reads this clock, never the wall clock.
    pub clock: Arc<dyn Clock>,
    /// Grading bands and natural-hazard checklists in force (`[safety]`, else safety.md's).
    pub safety_rules: Arc<zx_app::safety::SafetyRules>,
    /// The practice library's search index (a cache of the database, `[practices]`).
    pub practices: Arc<zx_app::practices::Library>,
    snapshot: Arc<RwLock<Option<Loaded>>>,
    reload: Arc<tokio::sync::Mutex<()>>,
    limiter: Arc<Mutex<FailedLogins>>,
}

/// The index beside the database `settings` name (in memory when the URL cannot be read: the
/// server will refuse it anyway).
fn library(settings: &Settings) -> zx_app::practices::Library {
    match zx_app::DatabaseUrl::parse(&settings.db) {
        Ok(db) => zx_app::practices::Library::on_disk(&zx_app::practices::index_dir(
            &db,
            &settings.practices.index_dir,
        )),
        Err(_) => zx_app::practices::Library::in_memory(),
    }
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        catalogue: Catalogue,
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let practices = Arc::new(library(&settings));
        Self {
            store,
            catalogue: Arc::new(catalogue),
            settings: Arc::new(settings),
            emissions: None,
            clock,
            safety_rules: Arc::default(),
            practices,
            snapshot: Arc::new(RwLock::new(None)),
            reload: Arc::new(tokio::sync::Mutex::new(())),
            limiter: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The same state with the emissions service.
    pub fn with_emissions(mut self, emissions: Arc<crate::emissions::Emissions>) -> Self {
        self.emissions = Some(emissions);
        self
    }

    /// The same state with a group's own safety grading and checklists.
    pub fn with_safety_rules(mut self, rules: zx_app::safety::SafetyRules) -> Self {
        self.safety_rules = Arc::new(rules);
        self
    }

    /// The current instant, from the state's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today's date in China.
    pub fn today(&self) -> NaiveDate {
        china_today(self.clock.now())
    }

    /// Who must submit and by when (`[collection]`). `Settings::load` refused invalid settings
    /// at start; settings built in code with an invalid code fall back to the default rule.
    pub fn collection_policy(&self) -> zx_domain::collection::Policy {
        self.settings.collection.policy().unwrap_or_default()
    }

    /// The wall-clock time in China (stack minutes are stamped in it).
    pub fn china_now(&self) -> NaiveDateTime {
        china_time(self.clock.now())
    }

    async fn current_version(&self) -> ApiResult<i64> {
        let newest = self
            .store
            .audit_log(&AuditFilter {
                limit: Some(1),
                ..AuditFilter::default()
            })
            .await?;
        Ok(newest.first().map_or(0, |e| e.id))
    }

    /// The consolidated data, rebuilt when the database changed (by us or by the CLI):
    /// every write leaves an audit entry, so the newest audit id is the version.
    pub async fn snapshot(&self) -> ApiResult<Arc<Snapshot>> {
        let version = self.current_version().await?;
        if let Some(snapshot) = self.cached(version) {
            return Ok(snapshot);
        }
        // One rebuild at a time; the others wait and take its result.
        let _guard = self.reload.lock().await;
        if let Some(snapshot) = self.cached(version) {
            return Ok(snapshot);
        }
        let snapshot = Arc::new(zx_app::load_snapshot(&*self.store, &self.catalogue).await?);
        if let Ok(mut slot) = self.snapshot.write() {
            *slot = Some((version, snapshot.clone()));
        }
        Ok(snapshot)
    }

    /// The cached snapshot if it was loaded at `version`.
    fn cached(&self, version: i64) -> Option<Arc<Snapshot>> {
        self.snapshot
            .read()
            .ok()
            .and_then(|slot| slot.clone())
            .filter(|(loaded, _)| *loaded == version)
            .map(|(_, snapshot)| snapshot)
    }

    /// Counts a failed login; `false` when the address and account are over the limit.
    pub fn login_allowed(&self, ip: IpAddr, user: &str) -> bool {
        let window = Duration::from_secs(self.settings.login_window_secs);
        let Ok(mut map) = self.limiter.lock() else {
            return false;
        };
        let now = Instant::now();
        let attempts = map.entry((ip, user.to_owned())).or_default();
        attempts.retain(|t| now.duration_since(*t) < window);
        attempts.len() < self.settings.login_attempts as usize
    }

    pub fn record_failed_login(&self, ip: IpAddr, user: &str) {
        if let Ok(mut map) = self.limiter.lock() {
            map.entry((ip, user.to_owned()))
                .or_default()
                .push(Instant::now());
        }
    }

    pub fn clear_failed_logins(&self, ip: IpAddr, user: &str) {
        if let Ok(mut map) = self.limiter.lock() {
            map.remove(&(ip, user.to_owned()));
        }
    }
}
