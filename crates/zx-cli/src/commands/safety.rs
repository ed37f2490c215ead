//! `zx safety`: production safety's records (safety.md): check files, import them, and the
//! same check over what is stored.
//!
//! `zx safety check` is a contract (safety.md §7): its JSON is exactly
//! `{"auto_hazards":[…],"certificates":{…},"drills":{…},"hazards":{…},"training":{…}}`, keys
//! sorted, decimals as strings; bad input is every problem named by file, line and column on
//! stderr, a non-zero exit and no JSON.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;
use clap::Subcommand;
use zx_api::SafetyCheckJson;
use zx_app::import::SourceFile;
use zx_app::safety::{SafetyImport, SafetyRules};
use zx_app::{Clock, DatabaseUrl};
use zx_domain::Lang;
use zx_domain::safety::{GradingBands, SafetyCheck};

use crate::app::App;
use crate::cli::{Global, TextFormat};
use crate::commands::import::issue_line;

#[derive(Debug, Subcommand)]
pub enum SafetyCommand {
    /// Compute hazards' grades and overdue, drill obligations, training shortfall, certificate
    /// states and automatic major hazards from safety files (CSV or XLSX; the kind of each is
    /// known from its header: hazards, plans, drills, people, training, certificates).
    Check {
        /// The date to judge on (YYYY-MM-DD), a date in China.
        #[arg(long)]
        as_of: String,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
        /// The group's own grading bands (the layout of safety.md §1's `grading.toml`) instead
        /// of the shipped ones; the server's `[safety] grading`.
        #[arg(long, env = "ZX_SAFETY__GRADING")]
        grading: Option<PathBuf>,
        /// The files, of any of the six kinds, read together.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Import safety files (the six kinds of `zx safety check`) into the database in one
    /// transaction, every change audited; hazards go to the hazard register. A register
    /// imported again revises what changed and never duplicates a row.
    Import {
        /// The files, of any of the six kinds, read together.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// The document of `zx safety check`, computed from what the database holds.
    Status {
        /// The date to judge on (YYYY-MM-DD); default: today in China.
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
        /// The group's own grading bands (the layout of safety.md §1's `grading.toml`) instead
        /// of the shipped ones; the server's `[safety] grading`.
        #[arg(long, env = "ZX_SAFETY__GRADING")]
        grading: Option<PathBuf>,
    },
}

pub async fn run(
    global: &Global,
    db: &DatabaseUrl,
    clock: &Arc<dyn Clock>,
    command: SafetyCommand,
) -> Result<()> {
    match command {
        SafetyCommand::Check {
            as_of,
            format,
            grading,
            files,
        } => check(global, &as_of, format, &bands(grading)?, &files),
        SafetyCommand::Import { files } => {
            let app = App::open(global, db, false, clock).await?;
            import(&app, &files).await
        }
        SafetyCommand::Status {
            as_of,
            format,
            grading,
        } => {
            let bands = bands(grading)?;
            let app = App::open(global, db, false, clock).await?;
            let as_of = match as_of {
                Some(text) => as_of_date(&text)?,
                None => app.clock.today(),
            };
            let result = zx_app::safety::stored_status(app.store.as_ref(), &bands, as_of).await?;
            print_check(&result, app.lang, format)
        }
    }
}

/// `zx safety import`: every file checked, then one transaction; a summary line per file.
async fn import(app: &App, paths: &[PathBuf]) -> Result<()> {
    let files = paths
        .iter()
        .map(|path| SourceFile::read(path))
        .collect::<Result<Vec<_>, _>>()?;
    let lang = app.lang;
    match zx_app::safety::import_files(app.store.as_ref(), &files, &app.user, app.clock.now())
        .await?
    {
        SafetyImport::Rejected(rejected) => {
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
        SafetyImport::Imported { files, summary } => {
            let mut out = std::io::stdout().lock();
            for file in &files {
                writeln!(
                    out,
                    "{}: {} {} ({})",
                    file.file,
                    file.rows,
                    lang.pick("行", "rows"),
                    file.kind.code()
                )?;
            }
            writeln!(
                out,
                "{} {}, {} {}, {} {}; {} {} {}, {} {}, {} {}",
                lang.pick("新增", "created"),
                summary.created,
                lang.pick("修订", "revised"),
                summary.revised,
                lang.pick("未变", "unchanged"),
                summary.unchanged,
                lang.pick("隐患：", "hazards:"),
                lang.pick("新增", "created"),
                summary.hazards.created,
                lang.pick("修订", "revised"),
                summary.hazards.revised,
                lang.pick("未变", "unchanged"),
                summary.hazards.unchanged,
            )?;
            Ok(())
        }
    }
}

/// `--as-of` as a date.
pub fn as_of_date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow!("--as-of \"{text}\": expected a date YYYY-MM-DD"))
}

/// The grading bands of `--grading`, else the shipped ones.
fn bands(grading: Option<PathBuf>) -> Result<GradingBands> {
    Ok(SafetyRules::load(grading.as_deref(), None)?.bands)
}

fn check(
    global: &Global,
    as_of: &str,
    format: TextFormat,
    bands: &GradingBands,
    paths: &[PathBuf],
) -> Result<()> {
    let lang = crate::app::lang(global)?;
    let as_of = as_of_date(as_of)?;
    let files = paths
        .iter()
        .map(|path| {
            // Named as given, so a message points at the very file.
            SourceFile::read(path).map(|mut file| {
                file.name = path.display().to_string();
                file
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    match zx_app::safety::check_files(&files, bands, as_of) {
        Ok(result) => print_check(&result, lang, format),
        Err(rejected) => {
            let mut err = std::io::stderr().lock();
            for issue in &rejected.errors {
                writeln!(err, "{}", issue_line(issue, lang))?;
            }
            bail!(
                "{}",
                lang.pick(
                    "文件有错误，未作计算（nothing was checked）",
                    "the files have errors: nothing was checked"
                )
            )
        }
    }
}

/// The check as the contract's JSON, or as lines people read.
pub fn print_check(result: &SafetyCheck, lang: Lang, format: TextFormat) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        TextFormat::Json => {
            serde_json::to_writer(&mut out, &SafetyCheckJson::from(result))?;
            writeln!(out)?;
        }
        TextFormat::Text => write!(out, "{}", check_text(result, lang))?,
    }
    out.flush()?;
    Ok(())
}

/// One section per part, one line per hazard, entity, person and certificate, in labels.
fn check_text(result: &SafetyCheck, lang: Lang) -> String {
    use std::fmt::Write as _;
    let mut text = String::new();
    let _ = writeln!(text, "{}", lang.pick("隐患", "Hazards"));
    for (id, hazard) in &result.hazards {
        let d = hazard
            .danger
            .map_or("—".to_owned(), zx_domain::format::exact);
        let level = hazard.level.map_or("—", |l| l.code());
        let overdue = if hazard.overdue {
            lang.pick("逾期", "overdue")
        } else {
            ""
        };
        let _ = writeln!(text, "  {id}  D={d}  {level}  {overdue}");
    }
    let _ = writeln!(text, "{}", lang.pick("应急演练", "Drills"));
    for (entity, drills) in &result.drills {
        let periods = drills
            .yearly
            .iter()
            .map(|(p, s)| format!("{} {}", p.key(), s.label(lang)))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(text, "  {entity}  {periods}");
        for (plan, pair) in &drills.onsite {
            let periods = pair
                .iter()
                .map(|(p, s)| format!("{} {}", p.key(), s.label(lang)))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(text, "    {plan}  {periods}");
        }
    }
    let _ = writeln!(text, "{}", lang.pick("培训学时", "Training hours"));
    for (person, t) in &result.training {
        let _ = writeln!(
            text,
            "  {person}  {} {}  {} {}  {} {}",
            lang.pick("应完成", "required"),
            zx_domain::format::exact(t.required),
            lang.pick("已完成", "done"),
            zx_domain::format::exact(t.done),
            lang.pick("差", "short"),
            zx_domain::format::exact(t.short),
        );
    }
    let _ = writeln!(text, "{}", lang.pick("特种作业操作证", "Certificates"));
    for (number, state) in &result.certificates {
        let _ = writeln!(text, "  {number}  {}", state.label(lang));
    }
    let _ = writeln!(
        text,
        "{}",
        lang.pick("自动生成的重大隐患", "Automatic major hazards")
    );
    for hazard in &result.auto_hazards {
        let _ = writeln!(text, "  {}  {}", hazard.person, hazard.reason.label(lang));
    }
    text
}
