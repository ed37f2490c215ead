//! `zx report --format pdf|xlsx -o FILE`: the monthly quality-and-efficiency report of an entity
//! (default: the group) as a typeset PDF or its Excel twin. The content is the server's
//! (`zx_server::report::build`, the cockpit's view model) seen by an HQ analyst, so the file
//! equals what the cockpit's "download PDF" gives for the same entity and month.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use zx_domain::{Access, Role};
use zx_server::auth::CurrentUser;
use zx_server::{AppState, Settings};
use zx_store::User;

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
    let state = AppState::new(
        Arc::clone(&app.store),
        app.catalogue.clone(),
        settings,
        Arc::clone(&app.clock),
    );
    // The command line reads the whole group, as HQ does.
    let user = CurrentUser {
        user: User {
            name: app.user.clone(),
            role: Role::HqAnalyst,
            entity: None,
            disabled: false,
            email: None,
        },
        access: Access {
            role: Role::HqAnalyst,
            scope: None,
        },
        csrf: None,
        lang: app.lang,
    };
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
