//! `zx serve`: the web cockpit and API.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context as _, Result};
use tracing_subscriber::EnvFilter;
use zx_server::Settings;
use zx_store_postgres::is_postgres_url;
use zx_store_sqlite::path_from_url;

use crate::app::{lang, load_catalogue, open_store};
use crate::cli::{DEFAULT_DB, Global};
use crate::commands::demo;

pub async fn serve(
    global: &Global,
    listen: Option<SocketAddr>,
    with_demo: bool,
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
    let lang = lang(global)?;
    if with_demo && needs_demo(&settings.db).await? {
        let target = Global {
            db: settings.db.clone(),
            ..global.clone()
        };
        let (app, _) = demo::build(&target).await?;
        drop(app);
        tracing::info!(db = %zx_store::redact_url(&settings.db), "demo group built");
    }
    let store = open_store(&settings.db, false).await?;
    let catalogue = load_catalogue(global)?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let address = listener.local_addr()?;
    println!(
        "{} http://{address}/",
        lang.pick("驾驶舱已启动：", "Cockpit running at")
    );
    if with_demo {
        print!("{}", demo::accounts_text(lang));
    }
    tracing::info!(?settings, "serving");
    zx_server::serve(listener, store, catalogue, settings).await?;
    Ok(())
}

/// Whether `--demo` should build the demo: a SQLite file that does not exist yet, or a
/// PostgreSQL database (created if missing) without entities. Existing data is never touched.
async fn needs_demo(db: &str) -> Result<bool> {
    if is_postgres_url(db) {
        let store = open_store(db, true).await?;
        Ok(store.entities().await?.is_empty())
    } else {
        Ok(!Path::new(path_from_url(db)).exists())
    }
}
