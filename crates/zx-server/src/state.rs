//! Shared state: the store, the catalogue, the consolidated engine (cached), the login limiter.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use zx_domain::engine::DataNote;
use zx_domain::{Catalogue, Engine, EntityTree, Ledger, TargetBook};
use zx_store::{AuditFilter, Store};

use crate::config::Settings;
use crate::error::{ApiError, ApiResult};

/// The consolidated view of the data at one version of the database.
pub struct Snapshot {
    pub engine: Engine,
    pub targets: TargetBook,
    pub notes: Vec<DataNote>,
    /// Id of the newest audit entry when loaded: every write adds one.
    pub version: i64,
}

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
    snapshot: Arc<RwLock<Option<Arc<Snapshot>>>>,
    reload: Arc<tokio::sync::Mutex<()>>,
    limiter: Arc<Mutex<FailedLogins>>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, catalogue: Catalogue, settings: Settings) -> Self {
        Self {
            store,
            catalogue: Arc::new(catalogue),
            settings: Arc::new(settings),
            emissions: None,
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
        if let Some(snapshot) = self.cached()
            && snapshot.version == version
        {
            return Ok(snapshot);
        }
        // One rebuild at a time; the others wait and take its result.
        let _guard = self.reload.lock().await;
        if let Some(snapshot) = self.cached()
            && snapshot.version == version
        {
            return Ok(snapshot);
        }
        let entities = self.store.entities().await?;
        let tree = EntityTree::build(entities).map_err(|errors| {
            ApiError::internal(format!("stored group tree is inconsistent: {errors:?}"))
        })?;
        let facts = self.store.current_facts().await?;
        let (ledger, notes) = Ledger::from_facts(&tree, &self.catalogue, &facts);
        let targets = TargetBook::new(self.store.targets().await?);
        let snapshot = Arc::new(Snapshot {
            engine: Engine::new(tree, (*self.catalogue).clone(), ledger),
            targets,
            notes,
            version,
        });
        if let Ok(mut slot) = self.snapshot.write() {
            *slot = Some(snapshot.clone());
        }
        Ok(snapshot)
    }

    fn cached(&self) -> Option<Arc<Snapshot>> {
        self.snapshot.read().ok().and_then(|s| s.clone())
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
