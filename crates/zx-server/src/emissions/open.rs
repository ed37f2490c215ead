//! Opening the emissions service: the server's (the minute store locked, the alarm task
//! started) and a command's beside it (read-only, nothing written, no alarm task).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use zx_app::Clock;
use zx_cems_store::{CemsStoreError, MinuteStore};
use zx_hj212::ReceiverStats;
use zx_notify::Channels;
use zx_store::Store;

use super::{AlarmEvents, Emissions, EmissionsError, QualityIndex, Registry, alarm_task};

impl Emissions {
    /// Opens the minute store in `dir` (replaying its log), reads the stacks, and starts the
    /// alarm task. The returned handle ends when the service is dropped. Today, the clock job's
    /// ticks and a stack's latest minute are judged at `clock`'s now.
    pub async fn open(
        store: Arc<dyn Store>,
        dir: &Path,
        channels: Channels,
        clock: Arc<dyn Clock>,
    ) -> Result<(Arc<Emissions>, JoinHandle<()>), EmissionsError> {
        let owned = dir.to_path_buf();
        let minutes = tokio::task::spawn_blocking(move || MinuteStore::open(&owned))
            .await
            .map_err(|e| EmissionsError::Join(e.to_string()))??;
        let (service, receiver) = Emissions::over(store.clone(), minutes, clock, true).await?;
        let task = tokio::spawn(alarm_task(store, channels, service.clock.clone(), receiver));
        Ok((service, task))
    }

    /// Opens the minute store in `dir` read-only, for a command beside a running server (`zx
    /// report`, `zx remind`): the same views of the minutes as the server's (violation days,
    /// stacks' days), no alarm task, nothing written. `Ok(None)` when `dir` holds no minute
    /// store (no stack ever sent data).
    pub async fn open_read_only(
        store: Arc<dyn Store>,
        dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> Result<Option<Arc<Emissions>>, EmissionsError> {
        if !dir.join("wal").is_dir() || !dir.join("archive").is_dir() {
            return Ok(None);
        }
        let owned = dir.to_path_buf();
        let minutes = tokio::task::spawn_blocking(move || MinuteStore::open_read_only(&owned))
            .await
            .map_err(|e| EmissionsError::Join(e.to_string()))??;
        // No alarm task: events of a read-only service go nowhere, and its detector would
        // re-learn days for nothing.
        let (service, _events) = Emissions::over(store, minutes, clock, false).await?;
        Ok(Some(service))
    }

    /// The service over an opened minute store, with the receiving end of its alarm events;
    /// `detect`: whether the anomaly detector learns the stacks' factors.
    async fn over(
        store: Arc<dyn Store>,
        minutes: MinuteStore,
        clock: Arc<dyn Clock>,
        detect: bool,
    ) -> Result<(Arc<Emissions>, AlarmEvents), EmissionsError> {
        let (events, receiver) = mpsc::unbounded_channel();
        let violations = Arc::new(minutes.day_verdicts());
        let frames = Arc::new(minutes.frame_log());
        let quality_log = Arc::new(minutes.quality_log());
        let reading = quality_log.clone();
        let known = tokio::task::spawn_blocking(move || reading.read_all())
            .await
            .map_err(|e| EmissionsError::Join(e.to_string()))?
            .map_err(|source| CemsStoreError::Io {
                op: "read data-quality log",
                path: quality_log.path().to_path_buf(),
                source,
            })?;
        let mut quality = QualityIndex::default();
        quality.add(known);
        let service = Arc::new(Emissions {
            store,
            minutes: Arc::new(minutes),
            stats: Arc::new(ReceiverStats::new()),
            registry: RwLock::new(Arc::new(Registry::default())),
            monitors: Mutex::new(HashMap::new()),
            watches: Mutex::new(HashMap::new()),
            detect,
            latest: Mutex::new(HashMap::new()),
            verdicts: Mutex::new(HashMap::new()),
            events,
            violations,
            frames,
            quality_log,
            quality: Mutex::new(quality),
            clock,
        });
        service.refresh().await?;
        Ok((service, receiver))
    }
}
