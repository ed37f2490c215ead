//! `zx practices import | search`: the practice library (经验库). An import is one transaction
//! (every bad cell named, nothing written); a search reads the practices from the database and
//! answers through the index beside it, rebuilt first when missing or stale.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::Subcommand;
use comfy_table::{Cell, CellAlignment};
use zx_api::{PracticeHitsJson, PracticesImportedJson, score_text};
use zx_domain::notes::Lang;
use zx_search::Filter;

use crate::app::{App, write_json};
use crate::cli::TextFormat;
use crate::commands::query::new_table;

#[derive(Debug, Subcommand)]
pub enum PracticesCommand {
    /// Import a file (CSV or XLSX) with the columns id,title,body,entity,tags (tags separated
    /// by `;`; optional result_amount, result_quantity, result_unit, result_note): all or
    /// nothing. An id already stored is revised when its content differs.
    Import { file: PathBuf },
    /// Search the practices (Chinese full text, best first).
    Search {
        #[arg(long)]
        query: String,
        /// Only practices of this segment (waste-to-energy, water, solar, wind…).
        #[arg(long)]
        segment: Option<String>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// The index directory (a cache of the database; default beside a SQLite file).
        #[arg(long, env = "ZX_PRACTICES_INDEX", default_value = "")]
        index: String,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
}

pub async fn run(app: &App, command: PracticesCommand) -> Result<()> {
    match command {
        PracticesCommand::Import { file } => import(app, &file).await,
        PracticesCommand::Search {
            query,
            segment,
            limit,
            index,
            format,
        } => search(app, &query, segment, limit, &index, format).await,
    }
}

async fn import(app: &App, file: &Path) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let saved = zx_app::practices::import(
        app.store.as_ref(),
        &name,
        &bytes,
        &app.user,
        app.clock.now(),
    )
    .await?;
    match saved {
        Ok(outcomes) => {
            let c = PracticesImportedJson::count(&outcomes);
            println!(
                "{}",
                app.lang.pick(
                    &format!(
                        "{name}：新增 {} 条，修订 {} 条，未变 {} 条",
                        c.created, c.revised, c.unchanged
                    ),
                    &format!(
                        "{name}: {} created, {} revised, {} unchanged",
                        c.created, c.revised, c.unchanged
                    ),
                )
            );
            Ok(())
        }
        Err(rejected) => {
            let mut err = std::io::stderr().lock();
            for issue in &rejected.issues {
                match app.lang {
                    Lang::En => writeln!(err, "{issue}")?,
                    Lang::Zh => writeln!(err, "{}", issue.to_string_zh())?,
                }
            }
            bail!(
                "{}",
                app.lang.pick(
                    "文件有错误，未写入任何数据（nothing was imported）",
                    "the file has errors: nothing was imported"
                )
            );
        }
    }
}

async fn search(
    app: &App,
    query: &str,
    segment: Option<String>,
    limit: usize,
    index: &str,
    format: TextFormat,
) -> Result<()> {
    let dir = zx_app::practices::index_dir(&app.db, index);
    let library = zx_app::practices::Library::on_disk(&dir);
    let filter = Filter {
        segment: segment.map(|s| zx_domain::catalogue::segment_code(&s)),
        exclude: None,
    };
    let found = library
        .search(app.store.as_ref(), query, &filter, limit)
        .await?;
    let mut out = std::io::stdout().lock();
    if format == TextFormat::Json {
        return write_json(
            &mut out,
            &PracticeHitsJson::of(found.hits.iter().map(|(h, _)| h)),
        );
    }
    let lang = app.lang;
    let mut table = new_table();
    table.set_header(vec![
        lang.pick("编号", "Id"),
        lang.pick("标题", "Title"),
        lang.pick("单位", "Entity"),
        lang.pick("相关度", "Score"),
        lang.pick("摘要", "Snippet"),
    ]);
    for (hit, _) in &found.hits {
        table.add_row(vec![
            Cell::new(&hit.id),
            Cell::new(&hit.title.text),
            Cell::new(&hit.entity),
            Cell::new(score_text(hit.score)).set_alignment(CellAlignment::Right),
            Cell::new(&hit.snippet.text),
        ]);
    }
    writeln!(out, "{table}")?;
    if found.hits.is_empty() {
        writeln!(
            out,
            "{}",
            lang.pick("没有找到经验做法", "no practice found")
        )?;
    }
    Ok(())
}
