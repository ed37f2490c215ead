//! `zx managers`: the manager term register (任期制和契约化管理): import a workbook or CSV in the
//! export's layout (one transaction, every problem named by cell), export it, list it with the
//! terms ending soon and the ratings due. The command line is the database's operator: it sees
//! ratings and pay.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use zx_api::ManagerRegisterJson;
use zx_app::import::SourceFile;
use zx_domain::managers::{DEFAULT_TERM_LEAD_DAYS, RatingDeadline};
use zx_store::TermSaved;

use crate::app::{App, write_json};
use crate::cli::TextFormat;
use crate::commands::safety::as_of_date;

#[derive(Debug, Subcommand)]
pub enum ManagersCommand {
    /// Import a register (XLSX or CSV, the export's layout: one row per term and year). Rows
    /// with a 任期编号 correct that term; blanks never erase. One transaction, every change
    /// audited; a file with any problem writes nothing.
    Import { file: PathBuf },
    /// Write the register as a workbook in the import's layout.
    Export {
        #[arg(long, short)]
        output: PathBuf,
    },
    /// The register, with the terms ending within the lead days and the ratings due.
    List {
        /// The date to judge on (YYYY-MM-DD); default: today in China.
        #[arg(long)]
        as_of: Option<String>,
        /// Days before a term's end it is listed as ending.
        #[arg(long, default_value_t = DEFAULT_TERM_LEAD_DAYS)]
        lead_days: u32,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
}

pub async fn run(app: &App, command: ManagersCommand) -> Result<()> {
    let lang = app.lang;
    match command {
        ManagersCommand::Import { file } => {
            let source = SourceFile::read(&file)?;
            let tree = zx_app::load_tree(app.store.as_ref()).await?;
            let saved = zx_app::managers::import_managers(
                app.store.as_ref(),
                &tree,
                None,
                &source.name,
                &source.bytes,
                &app.user,
                app.clock.now(),
            )
            .await?;
            match saved {
                Err(rejected) => {
                    let mut err = std::io::stderr().lock();
                    for issue in &rejected.issues {
                        match lang {
                            zx_domain::Lang::Zh => writeln!(err, "{}", issue.to_string_zh())?,
                            zx_domain::Lang::En => writeln!(err, "{issue}")?,
                        }
                    }
                    bail!(
                        "{}",
                        lang.pick(
                            "文件有错误，未写入任何数据（nothing was imported）",
                            "the file has errors: nothing was imported"
                        )
                    )
                }
                Ok(saved) => {
                    let count = |what: TermSaved| saved.iter().filter(|(_, s)| *s == what).count();
                    println!(
                        "{}: {} {}, {} {}, {} {}",
                        source.name,
                        lang.pick("新增", "created"),
                        count(TermSaved::Created),
                        lang.pick("修订", "revised"),
                        count(TermSaved::Revised),
                        lang.pick("未变", "unchanged"),
                        count(TermSaved::Unchanged),
                    );
                    Ok(())
                }
            }
        }
        ManagersCommand::Export { output } => {
            let tree = zx_app::load_tree(app.store.as_ref()).await?;
            let terms = app.store.manager_terms().await?;
            let bytes = zx_app::managers::export_workbook(&terms, &tree, true)
                .map_err(|e| anyhow!("cannot write the workbook: {e}"))?;
            std::fs::write(&output, bytes)
                .with_context(|| format!("cannot write {}", output.display()))?;
            println!(
                "{}: {} {}",
                output.display(),
                terms.len(),
                lang.pick("个任期", "terms")
            );
            Ok(())
        }
        ManagersCommand::List {
            as_of,
            lead_days,
            format,
        } => {
            let as_of = match as_of {
                Some(text) => as_of_date(&text)?,
                None => app.clock.today(),
            };
            let terms = app.store.manager_terms().await?;
            let register =
                ManagerRegisterJson::new(&terms, as_of, lead_days, RatingDeadline::default(), true);
            let mut out = std::io::stdout().lock();
            match format {
                TextFormat::Json => write_json(&mut out, &register),
                TextFormat::Text => {
                    for t in &terms {
                        let state = match &t.outcome {
                            Some(o) => format!("{} {}", o.kind.label(lang), o.date),
                            None if register.terms_ending.contains(&t.id) => {
                                lang.pick("任期即将届满", "ending soon").to_owned()
                            }
                            None => lang.pick("在任", "in term").to_owned(),
                        };
                        let contract = t.contract_signed.map_or_else(
                            || lang.pick("未签约", "no contract").to_owned(),
                            |d| format!("{} {d}", lang.pick("签约", "signed")),
                        );
                        writeln!(
                            out,
                            "#{:<4} {:<10} {:<8} {:<12} {}..{}  {contract}  {state}",
                            t.id, t.entity, t.person_name, t.position, t.start, t.end
                        )?;
                        for y in &t.years {
                            writeln!(
                                out,
                                "       {} {} {}",
                                y.year,
                                y.rating.map_or("—", |r| r.label(lang)),
                                y.pay.map(|p| p.to_string()).unwrap_or_else(|| "—".into())
                            )?;
                        }
                    }
                    for due in &register.ratings_due {
                        writeln!(
                            out,
                            "{} #{} {} ({} {})",
                            lang.pick("考核结果未录入", "rating due"),
                            due.term,
                            due.year,
                            lang.pick("截止", "deadline"),
                            due.deadline
                        )?;
                    }
                    Ok(())
                }
            }
        }
    }
}
