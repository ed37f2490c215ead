//! `zx rnd`: the R&D project portfolio — import and export the register (one workbook, four
//! sheets), list the projects with their stage, budget against spend and late gates, and
//! reconcile the projects' spend with the reported R&D expenditure.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result, anyhow, bail};
use clap::Subcommand;
use zx_api::rnd::{RndProjectJson, RndReconciliationJson};
use zx_app::import::SourceFile;
use zx_domain::format;
use zx_domain::rnd::Tolerance;
use zx_domain::{Decimal, EntityCode, Month};

use crate::app::App;
use crate::cli::TextFormat;
use crate::commands::import::issue_line;
use crate::commands::safety::as_of_date;

#[derive(Debug, Subcommand)]
pub enum RndCommand {
    /// Import register workbooks or CSVs (sheets 研发项目, 年度预算, 月度支出, 合作单位, each
    /// known from its header) in one transaction, every change audited; a month's spend that
    /// differs from the stored one becomes a new revision.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write the register as a workbook in the import's layout.
    Export {
        /// The workbook to write (.xlsx).
        #[arg(long)]
        out: PathBuf,
        /// Only the projects of this entity's subtree.
        #[arg(long)]
        entity: Option<String>,
    },
    /// The projects with their stage, budget against spend and late gates.
    List {
        #[arg(long)]
        entity: Option<String>,
        /// The date gates are judged on (default: today in China, UTC+8).
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
    /// Per entity and month, the projects' spend against the reported `rd_expenditure`; a
    /// difference over the tolerance (the larger of --share of the reported amount and --floor
    /// yuan) is flagged, and the command exits non-zero when any month is.
    Reconcile {
        #[arg(long)]
        entity: Option<String>,
        /// Through this month (YYYY-MM; default: the latest month with data).
        #[arg(long)]
        through: Option<String>,
        /// The share of the reported amount allowed (default 0.05).
        #[arg(long)]
        share: Option<Decimal>,
        /// The least difference allowed, yuan (default 10000).
        #[arg(long)]
        floor: Option<Decimal>,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
}

pub async fn run(app: &App, command: RndCommand) -> Result<()> {
    match command {
        RndCommand::Import { files } => import(app, &files).await,
        RndCommand::Export { out, entity } => export(app, &out, entity.as_deref()).await,
        RndCommand::List {
            entity,
            as_of,
            format,
        } => list(app, entity.as_deref(), as_of.as_deref(), format).await,
        RndCommand::Reconcile {
            entity,
            through,
            share,
            floor,
            format,
        } => {
            let mut tolerance = Tolerance::default();
            if let Some(share) = share {
                tolerance.share = share;
            }
            if let Some(floor) = floor {
                tolerance.floor = floor;
            }
            reconcile(
                app,
                entity.as_deref(),
                through.as_deref(),
                tolerance,
                format,
            )
            .await
        }
    }
}

/// The entities under `entity` (itself included), or every one.
async fn subtree(app: &App, entity: Option<&str>) -> Result<Option<Vec<EntityCode>>> {
    let Some(text) = entity else { return Ok(None) };
    let tree = zx_app::load_tree(app.store.as_ref()).await?;
    let code = EntityCode::parse(text).map_err(|e| anyhow!("--entity \"{text}\": {e}"))?;
    let id = tree
        .id(&code)
        .ok_or_else(|| anyhow!("--entity \"{text}\": no such entity"))?;
    Ok(Some(
        tree.subtree(id)
            .into_iter()
            .map(|i| tree.entity(i).code.clone())
            .collect(),
    ))
}

async fn portfolio(app: &App, entity: Option<&str>) -> Result<zx_app::rnd::Portfolio> {
    let scope = subtree(app, entity).await?;
    let visible = |code: &EntityCode| scope.as_ref().is_none_or(|s| s.contains(code));
    Ok(zx_app::rnd::load(app.store.as_ref(), &visible).await?)
}

async fn import(app: &App, paths: &[PathBuf]) -> Result<()> {
    let files = paths
        .iter()
        .map(|path| SourceFile::read(path))
        .collect::<Result<Vec<_>, _>>()?;
    let lang = app.lang;
    match zx_app::rnd::import_files(app.store.as_ref(), &files, None, &app.user, app.clock.now())
        .await?
    {
        Err(rejected) => {
            let mut err = std::io::stderr().lock();
            for issue in &rejected.errors {
                writeln!(err, "{}", issue_line(issue, lang))?;
            }
            bail!(
                "{}",
                lang.pick(
                    "文件有错误，未写入任何数据（nothing was imported）",
                    "the files have errors: nothing was imported"
                )
            )
        }
        Ok(imported) => {
            let mut out = std::io::stdout().lock();
            for file in &imported.files.files {
                writeln!(
                    out,
                    "{}: {} {}",
                    file.file,
                    file.rows,
                    lang.pick("行", "rows")
                )?;
            }
            let o = imported.outcome;
            writeln!(
                out,
                "{} {}, {} {}, {} {}",
                lang.pick("新增", "created"),
                o.created,
                lang.pick("修订", "revised"),
                o.revised,
                lang.pick("未变", "unchanged"),
                o.unchanged
            )?;
            Ok(())
        }
    }
}

async fn export(app: &App, out: &std::path::Path, entity: Option<&str>) -> Result<()> {
    let portfolio = portfolio(app, entity).await?;
    let tree = zx_app::load_tree(app.store.as_ref()).await?;
    let name = |code: &EntityCode| {
        tree.id(code)
            .map(|id| tree.entity(id).name.clone())
            .unwrap_or_default()
    };
    let bytes = zx_app::rnd::export(&portfolio, &name)?;
    std::fs::write(out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
    writeln!(
        std::io::stdout().lock(),
        "{}: {} {}",
        out.display(),
        portfolio.projects.len(),
        app.lang.pick("个项目", "projects")
    )?;
    Ok(())
}

async fn list(
    app: &App,
    entity: Option<&str>,
    as_of: Option<&str>,
    format: TextFormat,
) -> Result<()> {
    let portfolio = portfolio(app, entity).await?;
    let as_of = match as_of {
        Some(text) => as_of_date(text)?,
        None => app.clock.today(),
    };
    let lines = portfolio.budget_lines();
    let late = portfolio.late_gates(as_of);
    let late_of = |code: &str| {
        late.iter()
            .find(|(p, _)| p.project.code == code)
            .map(|l| l.1)
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        TextFormat::Json => {
            let projects: Vec<RndProjectJson> = portfolio
                .projects
                .iter()
                .map(|p| {
                    RndProjectJson::new(
                        p,
                        &lines,
                        &portfolio.spend,
                        &portfolio.partners,
                        late_of(&p.project.code).as_ref(),
                    )
                })
                .collect();
            serde_json::to_writer(&mut out, &serde_json::json!({ "projects": projects }))?;
            writeln!(out)?;
        }
        TextFormat::Text => {
            let lang = app.lang;
            for p in &portfolio.projects {
                let project = &p.project;
                let spent: Decimal = lines
                    .iter()
                    .filter(|l| l.project == project.code)
                    .map(|l| l.spent)
                    .sum();
                let budget: Decimal = lines
                    .iter()
                    .filter(|l| l.project == project.code)
                    .filter_map(|l| l.budget)
                    .sum();
                write!(
                    out,
                    "{}  {}  {}  {}  {} {} / {} {}",
                    project.code,
                    project.entity,
                    project.name,
                    project.stage().label(lang),
                    lang.pick("支出", "spent"),
                    format::grouped(spent, 2),
                    lang.pick("预算", "budget"),
                    format::grouped(budget, 2),
                )?;
                if let Some(g) = late_of(&project.code) {
                    write!(
                        out,
                        "  {} {} {} {}",
                        lang.pick("关口逾期：", "late gate:"),
                        g.stage.label(lang),
                        g.planned,
                        format::count_phrase(g.days_late as usize, lang, "天", "day", "days")
                    )?;
                }
                writeln!(out)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

async fn reconcile(
    app: &App,
    entity: Option<&str>,
    through: Option<&str>,
    tolerance: Tolerance,
    format: TextFormat,
) -> Result<()> {
    let portfolio = portfolio(app, entity).await?;
    let snapshot = app.load().await?;
    let fallback = app
        .clock
        .this_month()
        .ok_or_else(|| anyhow!("the clock is outside the supported years"))?;
    let through = match through {
        Some(text) => Month::parse(text).map_err(|e| anyhow!("--through \"{text}\": {e}"))?,
        None => zx_app::rnd::through_month(&snapshot, fallback),
    };
    let results = zx_app::rnd::reconcile(&snapshot, &portfolio.spend_lines(), through, tolerance);
    let flagged = results.iter().filter(|r| r.flagged()).count();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        TextFormat::Json => {
            let rows: Vec<RndReconciliationJson> =
                results.iter().map(RndReconciliationJson::from).collect();
            serde_json::to_writer(&mut out, &serde_json::json!({ "reconciliation": rows }))?;
            writeln!(out)?;
        }
        TextFormat::Text => {
            for r in &results {
                writeln!(
                    out,
                    "{}  {}",
                    r.verdict.label(app.lang),
                    r.sentence(app.lang)
                )?;
            }
        }
    }
    out.flush()?;
    drop(out);
    if flagged > 0 {
        bail!(
            "{}",
            match app.lang {
                zx_domain::Lang::Zh =>
                    format!("{flagged} 个单位月份的研发项目支出与填报研发经费不一致"),
                zx_domain::Lang::En => format!(
                    "{flagged} entity-months where the projects' spend differs from the reported R&D expenditure"
                ),
            }
        )
    }
    Ok(())
}
