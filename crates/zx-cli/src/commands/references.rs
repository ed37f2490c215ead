//! `zx references import | list`: external reference values for benchmarking (industry averages
//! and best values with source and year, operations.md), drawn beside the group's quartiles and
//! never mixed into them. An import is one transaction; the same key again makes a revision.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::Subcommand;
use comfy_table::{Cell, CellAlignment};
use zx_api::{ReferenceJson, ReferencesImportedJson};
use zx_domain::format::{human, segment_label};
use zx_domain::notes::Lang;

use crate::app::{App, write_json};
use crate::cli::TextFormat;
use crate::commands::query::new_table;

#[derive(Debug, Subcommand)]
pub enum ReferencesCommand {
    /// Import a file (CSV or XLSX) with the columns indicator,segment,kind,value,year,source
    /// (or 指标,板块,类型,参考值,年份,来源): all or nothing.
    Import { file: PathBuf },
    /// The values in force (the latest revision of each indicator, segment, kind and year).
    List {
        /// Only this indicator's.
        #[arg(long)]
        indicator: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
}

pub async fn run(app: &App, command: ReferencesCommand) -> Result<()> {
    match command {
        ReferencesCommand::Import { file } => import(app, &file).await,
        ReferencesCommand::List { indicator, format } => {
            list(app, indicator.as_deref(), format).await
        }
    }
}

async fn import(app: &App, file: &Path) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let saved = zx_app::benchmark::import_references(
        app.store.as_ref(),
        &app.catalogue,
        &name,
        &bytes,
        &app.user,
        app.clock.now(),
    )
    .await?;
    match saved {
        Ok(outcomes) => {
            let counts = ReferencesImportedJson::count(&outcomes);
            println!(
                "{}",
                app.lang.pick(
                    &format!(
                        "{name}：新增 {} 条，修订 {} 条，未变 {} 条",
                        counts.created, counts.revised, counts.unchanged
                    ),
                    &format!(
                        "{name}: {} created, {} revised, {} unchanged",
                        counts.created, counts.revised, counts.unchanged
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

async fn list(app: &App, indicator: Option<&str>, format: TextFormat) -> Result<()> {
    let stored: Vec<_> = zx_app::benchmark::references(app.store.as_ref())
        .await?
        .into_iter()
        .filter(|r| indicator.is_none_or(|i| r.reference.indicator == i.trim()))
        .collect();
    let mut out = std::io::stdout().lock();
    if format == TextFormat::Json {
        let json: Vec<ReferenceJson> = stored.iter().map(ReferenceJson::from).collect();
        return write_json(&mut out, &json);
    }
    let lang = app.lang;
    let mut table = new_table();
    table.set_header(vec![
        lang.pick("指标", "Indicator"),
        lang.pick("板块", "Segment"),
        lang.pick("类型", "Kind"),
        lang.pick("参考值", "Value"),
        lang.pick("年份", "Year"),
        lang.pick("来源", "Source"),
        lang.pick("修订", "Rev."),
    ]);
    for r in &stored {
        let x = &r.reference;
        let def = app.catalogue.find_indicator(&x.indicator);
        table.add_row(vec![
            Cell::new(def.map_or(x.indicator.clone(), |d| {
                lang.pick(&d.name_zh, &d.name_en).to_owned()
            })),
            Cell::new(x.segment.as_deref().map_or_else(
                || lang.pick("全部", "all").to_owned(),
                |s| segment_label(s, lang),
            )),
            Cell::new(x.kind.label(lang)),
            Cell::new(def.map_or(x.value.to_string(), |d| human(x.value, d.unit)))
                .set_alignment(CellAlignment::Right),
            Cell::new(x.year),
            Cell::new(&x.source),
            Cell::new(r.revision).set_alignment(CellAlignment::Right),
        ]);
    }
    writeln!(out, "{table}")?;
    Ok(())
}
