//! `zx report --format pdf|xlsx -o FILE`: the monthly quality-and-efficiency report of an entity
//! (default: the group) as a typeset PDF or its Excel twin. The content is the server's
//! (`zx_server::report::build`, the cockpit's view model) seen by an HQ analyst, so the file
//! equals what the cockpit's "download PDF" gives for the same entity and month, its emissions
//! section too (the minute store is read as the server reads it, read-only beside it).

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use zx_app::Clock;
use zx_server::report_schedule::hq_reader;
use zx_server::{AppState, Settings};

use crate::app::App;
use crate::cli::{BasisArg, ReportFormat};

pub struct Request<'a> {
    pub entity: Option<&'a str>,
    pub period: Option<&'a str>,
    pub basis: BasisArg,
    pub format: ReportFormat,
    pub output: Option<&'a Path>,
    pub config: &'a Path,
}

fn api(error: zx_server::error::ApiError) -> anyhow::Error {
    anyhow!("{}", error.message)
}

/// The server's state as a command beside it reads: the database, the settings, `clock`, and
/// the stacks' minute store opened read-only (`[emissions] dir`, else beside the database), so
/// the report's emissions section is the server's (violation days judged from the minutes).
pub async fn report_state(
    app: &App,
    settings: Settings,
    clock: Arc<dyn Clock>,
) -> Result<AppState> {
    let dir = app.db.minute_store_dir(&settings.emissions.dir);
    let emissions = zx_server::emissions::Emissions::open_read_only(
        Arc::clone(&app.store),
        &dir,
        Arc::clone(&clock),
    )
    .await
    .with_context(|| format!("cannot read the minute store {}", dir.display()))?;
    let state = AppState::new(
        Arc::clone(&app.store),
        app.catalogue.clone(),
        settings,
        clock,
    );
    Ok(match emissions {
        Some(service) => state.with_emissions(service),
        None => state,
    })
}

pub async fn write(app: &App, request: Request<'_>) -> Result<()> {
    let Some(output) = request.output else {
        bail!(
            "{}",
            app.lang.pick(
                "--format pdf/xlsx 需要 -o 文件",
                "--format pdf/xlsx needs -o FILE"
            )
        );
    };
    let settings = Settings::load(request.config)?;
    let state = report_state(app, settings, Arc::clone(&app.clock)).await?;
    // The command line reads the whole group, as HQ does.
    let user = hq_reader(&app.user, app.lang);
    let snapshot = state.snapshot().await.map_err(api)?;
    let tree = snapshot.engine.tree();
    let id = match request.entity {
        Some(code) => tree
            .id_of(code)
            .ok_or_else(|| anyhow!("--entity: unknown entity \"{code}\""))?,
        None => *tree
            .roots()
            .first()
            .ok_or_else(|| anyhow!("{}", app.lang.pick("尚无单位", "no entities yet")))?,
    };
    let basis = match request.basis {
        BasisArg::Ytd => "ytd",
        BasisArg::Month => "month",
    };
    let chosen =
        zx_server::scope::choose_period(&state, &snapshot, id, request.period, Some(basis))
            .await
            .map_err(api)?;
    let report = zx_server::report::build(&state, &user, &snapshot, id, &chosen)
        .await
        .map_err(api)?;
    let bytes = match request.format {
        ReportFormat::Xlsx => zx_report::xlsx(&report)?,
        _ => zx_report_pdf::pdf(&report)?,
    };
    std::fs::write(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
    eprintln!(
        "{} {} ({} KB)",
        app.lang.pick("报告已写入", "report written to"),
        output.display(),
        bytes.len().div_ceil(1024)
    );
    Ok(())
}
