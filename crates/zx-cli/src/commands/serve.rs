//! `zx serve`: the web cockpit and API.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use tracing_subscriber::EnvFilter;
use zx_app::{Clock, DatabaseUrl};
use zx_server::Settings;

use crate::app::{lang, load_catalogue};
use crate::cli::{DEFAULT_DB, Global};
use crate::commands::demo;

pub async fn serve(
    global: &Global,
    clock: &Arc<dyn Clock>,
    listen: Option<SocketAddr>,
    with_demo: bool,
    hj212: Option<SocketAddr>,
    config: &Path,
) -> Result<()> {
    // Structured logs: human-readable by default, one JSON object per line with ZX_LOG_FORMAT=json.
    let filter = EnvFilter::try_from_env("ZX_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    if std::env::var("ZX_LOG_FORMAT").is_ok_and(|f| f == "json") {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let mut settings = Settings::load(config)?;
    // An explicit --db wins over the file and the environment; the bare default does not.
    if global.db != DEFAULT_DB {
        settings.db = global.db.clone();
    }
    if let Some(listen) = listen {
        settings.listen = listen;
    }
    if hj212.is_some() {
        settings.emissions.hj212_listen = hj212;
    }
    let lang = lang(global)?;
    let db = DatabaseUrl::parse(&settings.db)?;
    // Existing data is never touched: the demo goes into a database without any.
    if with_demo && db.is_fresh().await? {
        let (app, _) = demo::build(global, &db, clock).await?;
        drop(app);
        tracing::info!(%db, "demo group built");
        let dir = db.minute_store_dir(&settings.emissions.dir);
        let now = clock.now();
        let seeded = tokio::task::spawn_blocking(move || demo_minutes::seed(&dir, now)).await??;
        tracing::info!(
            readings = seeded,
            "demo stack minutes stored (the two days before today, and today)"
        );
    }
    let store = db.open(false).await?;
    let catalogue = load_catalogue(global)?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let address = listener.local_addr()?;
    // The demo's loggers need a receiver: a free local port unless one is configured.
    let hj212_address = settings
        .emissions
        .hj212_listen
        .or_else(|| with_demo.then(|| SocketAddr::from(([127, 0, 0, 1], 0))));
    let hj212 = match hj212_address {
        Some(at) => {
            Some(zx_hj212::bind(at).with_context(|| format!("cannot listen for HJ 212 on {at}"))?)
        }
        None => None,
    };
    if let Some(receiver) = &hj212 {
        let at = receiver.local_addr()?;
        println!(
            "{} {at}",
            lang.pick("HJ 212 数据接收：", "HJ 212 receiver on")
        );
        if with_demo {
            demo_minutes::simulate_live(at, Arc::clone(clock));
        }
    }
    println!(
        "{} http://{address}/",
        lang.pick("驾驶舱已启动：", "Cockpit running at")
    );
    if with_demo {
        print!("{}", demo::accounts_text(lang));
    }
    tracing::info!(?settings, "serving");
    zx_server::serve_with(listener, hj212, store, catalogue, settings, clock.clone()).await?;
    Ok(())
}

/// The demo's stack minutes: the two days before today and today so far stored at once (the
/// pages have full days to judge; the anomaly detector learns a day before it speaks, and the
/// fleet's drifting NOx analyser is still climbing after that), then the simulated data loggers
/// sending each new minute over HJ 212.
mod demo_minutes {
    use std::net::SocketAddr;
    use std::path::Path;
    use std::sync::Arc;
    use std::time::Duration;

    use anyhow::{Context as _, Result};
    use chrono::{DateTime, NaiveTime, TimeDelta, Timelike, Utc};
    use zx_app::{Clock, china_time};
    use zx_cems_store::MinuteStore;
    use zx_domain::cems::MinuteReading;
    use zx_hj212::simulator::{self, SimulationProgress};
    use zx_hj212::{Fleet, SimulatorConfig};

    /// Seed of the demo's simulated plants.
    const SEED: u64 = 2026;

    fn stacks() -> u32 {
        zx_demo::demo_stacks(&zx_demo::demo_group()).len() as u32
    }

    /// Stores the minutes from the day before yesterday up to `now`, seals the days before
    /// today into Parquet, and returns the number of readings.
    pub fn seed(dir: &Path, now: DateTime<Utc>) -> Result<u64> {
        let now = china_time(now);
        let start = (now.date() - TimeDelta::days(2)).and_time(NaiveTime::MIN);
        let minutes = (now.with_second(0).unwrap_or(now) - start).num_minutes() as u32;
        let fleet = Fleet::new(
            SEED,
            stacks(),
            minutes,
            start,
            zx_demo::DEMO_MN_BASE,
            zx_demo::DEMO_STACK_PASSWORD,
        )?;
        let store = MinuteStore::open(dir)
            .with_context(|| format!("cannot open the minute store {}", dir.display()))?;
        let mut batch = Vec::with_capacity(64 * 1024);
        let mut total = 0u64;
        for minute in 0..minutes {
            for stack in 0..fleet.stacks() {
                let mn = fleet.mn(stack);
                for value in fleet.values(stack, minute) {
                    batch.push(MinuteReading {
                        mn: mn.clone(),
                        minute: fleet.data_time(minute),
                        code: value.code.to_owned(),
                        value: value.text.parse()?,
                        flag: value.flag,
                    });
                }
            }
            if batch.len() >= 60_000 {
                store.append(&batch)?;
                total += batch.len() as u64;
                batch.clear();
            }
        }
        store.append(&batch)?;
        total += batch.len() as u64;
        store.seal(now.date() - TimeDelta::days(1))?;
        Ok(total)
    }

    /// The demo's data loggers, live: from the current minute on (the seed stopped before it),
    /// one frame per stack per minute, each sent when its minute is over.
    pub fn simulate_live(to: SocketAddr, clock: Arc<dyn Clock>) {
        tokio::spawn(async move {
            let now = china_time(clock.now());
            let start = now.with_second(0).unwrap_or(now);
            let fleet = match Fleet::new(
                SEED + 1,
                stacks(),
                7 * 24 * 60,
                start,
                zx_demo::DEMO_MN_BASE,
                zx_demo::DEMO_STACK_PASSWORD,
            ) {
                Ok(fleet) => fleet,
                Err(error) => {
                    tracing::error!(%error, "demo simulator not started");
                    return;
                }
            };
            // The first frame leaves when its minute is over, as a real logger's would.
            let wait = (start + TimeDelta::minutes(1) - now)
                .to_std()
                .unwrap_or_default();
            tokio::time::sleep(wait).await;
            let config = SimulatorConfig {
                to,
                // Within the receiver's per-peer cap (8 by default): all come from this host.
                connections: (fleet.stacks() as usize).min(4),
                fleet,
                speedup: 1.0,
                ack_wait: Duration::from_secs(5),
            };
            if let Err(error) =
                simulator::run(&config, Arc::new(SimulationProgress::default())).await
            {
                tracing::error!(%error, "demo simulator stopped");
            }
        });
    }
}
