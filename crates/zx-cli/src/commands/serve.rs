//! `zx serve`: the web cockpit and API.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use tracing_subscriber::EnvFilter;
use zx_server::Settings;
use zx_store_sqlite::{SqliteStore, path_from_url};

use crate::app::{lang, load_catalogue};
use crate::cli::Global;
use crate::commands::demo;

pub async fn serve(
    global: &Global,
    listen: Option<SocketAddr>,
    with_demo: bool,
    config: &Path,
) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("ZX_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info")),
        )
        .init();
    let mut settings = Settings::load(config)?;
    // The command line wins over the file and the environment.
    settings.db = global.db.clone();
    if let Some(listen) = listen {
        settings.listen = listen;
    }
    let lang = lang(global)?;
    let fresh = !Path::new(path_from_url(&settings.db)).exists();
    if with_demo && fresh {
        let (app, _) = demo::build(global).await?;
        app.store.close().await;
        tracing::info!(db = %settings.db, "demo group built");
    }
    let store = SqliteStore::open(&settings.db, false).await?;
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
    zx_server::serve(listener, Arc::new(store), catalogue, settings).await?;
    Ok(())
}
