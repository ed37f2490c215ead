//! `zx measures import | list | gaps`: the action lists (清单化管理) from the command line.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::NaiveDate;
use serde_json::json;
use zx_api::GapJson;
use zx_domain::measures::{gaps, summarise};
use zx_domain::{Basis, EntityCode, Lang, Measure, Month, Period, format};
use zx_ingest::{Context, Input, Payload};
use zx_store::{
    ImportedMeasure, MeasureOutcome, MeasuresImported, NewMeasure, content_sha256,
    plan_measure_import,
};

use crate::app::{App, write_json};
use crate::cli::TextFormat;
use crate::commands::import::issue_line;

pub async fn import(app: &App, file: &Path) -> Result<()> {
    let (name, imported) = import_quiet(app, file).await?;
    let count = |outcome| imported.count(outcome);
    println!(
        "{name}: {}",
        match app.lang {
            Lang::Zh => format!(
                "{} 项新增，{} 项修订，{} 项未变",
                count(MeasureOutcome::Created),
                count(MeasureOutcome::Revised),
                count(MeasureOutcome::Unchanged)
            ),
            Lang::En => format!(
                "{} new, {} revised, {} unchanged",
                count(MeasureOutcome::Created),
                count(MeasureOutcome::Revised),
                count(MeasureOutcome::Unchanged)
            ),
        }
    );
    Ok(())
}

/// Validates and imports a measures list, matching its rows to the stored measures
/// ([`zx_store::plan_measure_import`]); returns the file name and what each row did.
pub async fn import_quiet(app: &App, file: &Path) -> Result<(String, MeasuresImported)> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let entities = app.store.entities().await?;
    let users: Vec<String> = app
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| u.name)
        .collect();
    let stored = zx_ingest::StoredIndex::new(Vec::new());
    let parsed = {
        let context = Context {
            catalogue: &app.catalogue,
            entities: &entities,
            stored: &stored,
            users: Some(&users),
            latest_month: None,
            locked: None,
            writable: None,
        };
        zx_ingest::parse(
            Input {
                file_name: &name,
                bytes: &bytes,
            },
            &context,
        )
    };
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(rejected) => {
            let mut err = std::io::stderr().lock();
            for issue in rejected.errors.iter().chain(&rejected.warnings) {
                writeln!(err, "{}", issue_line(issue, app.lang))?;
            }
            bail!(
                "{}",
                app.lang.pick(
                    "文件有错误，未写入任何数据（nothing was imported）",
                    "the file has errors: nothing was imported"
                )
            );
        }
    };
    let Payload::Measures(rows) = parsed.payload else {
        bail!(
            "{name} is not a measures list (columns entity,title,indicator,owner,start,due,status,progress); use `zx import` for entities, data and targets"
        );
    };
    let list: Vec<ImportedMeasure> = rows
        .iter()
        .map(|r| ImportedMeasure {
            number: r.number,
            measure: NewMeasure {
                entity: r.entity.clone(),
                title: r.title.clone(),
                indicator: r.indicator.clone(),
                owner: r.owner.clone(),
                start: r.start,
                due: r.due,
                status: r.status,
                progress: r.progress,
                description: String::new(),
                expected_effect: String::new(),
                co_owners: Vec::new(),
                visit: None,
            },
        })
        .collect();
    // Matched here first, to name the row's cell; the store matches again under its lock.
    if let Err(e) = plan_measure_import(&app.store.measures().await?, &list) {
        let place = &rows[e.index].place;
        bail!(
            "{name}{place}: {} — {}\n{}",
            e.message,
            e.message_zh,
            app.lang.pick(
                "文件有错误，未写入任何数据（nothing was imported）",
                "the file has errors: nothing was imported"
            )
        );
    }
    let imported = app
        .store
        .import_measure_list(
            list,
            &name,
            &content_sha256(&bytes),
            &app.user,
            app.clock.now(),
        )
        .await
        .map_err(|e| anyhow!("{e}: nothing was imported"))?;
    Ok((name, imported))
}

fn parse_date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow!("--as-of: \"{text}\" is not a date in the form YYYY-MM-DD"))
}

pub async fn list(
    app: &App,
    entity: Option<&str>,
    as_of: Option<&str>,
    format_arg: TextFormat,
) -> Result<()> {
    let as_of = match as_of {
        Some(text) => parse_date(text)?,
        None => app.clock.today(),
    };
    // The tree only, not the figures: listing measures needs no consolidation.
    let tree = zx_app::load_tree(app.store.as_ref()).await?;
    let scope: Option<std::collections::HashSet<EntityCode>> = match entity {
        Some(code) => {
            let id = crate::app::find_in_tree(&tree, code)?;
            Some(
                tree.subtree(id)
                    .into_iter()
                    .map(|e| tree.entity(e).code.clone())
                    .collect(),
            )
        }
        None => None,
    };
    let measures: Vec<Measure> = app
        .store
        .measures()
        .await?
        .into_iter()
        .filter(|m| scope.as_ref().is_none_or(|s| s.contains(&m.entity)))
        .collect();
    let summary = summarise(&measures, as_of);
    let mut out = std::io::stdout().lock();
    if format_arg == TextFormat::Json {
        let json = zx_api::measures_json(&measures, as_of);
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
        return Ok(());
    }
    let lang = app.lang;
    for m in &measures {
        writeln!(
            out,
            "#{:<4} {:<12} {:<24} {:<22} {:<10} {} {:<11} {:>3}%{}",
            m.id,
            m.entity,
            m.title,
            m.indicator.as_deref().unwrap_or("—"),
            m.owner,
            m.due,
            zx_domain::format::measure_status_label(m.status.as_str(), lang),
            m.progress,
            if m.is_overdue(as_of) {
                lang.pick("  已逾期", "  OVERDUE")
            } else {
                ""
            }
        )?;
    }
    writeln!(
        out,
        "{}: {} · {}: {} · {}: {} · {}: {}",
        lang.pick("合计", "total"),
        summary.total,
        lang.pick("完成", "done"),
        summary.done,
        lang.pick("逾期", "overdue"),
        summary.overdue,
        lang.pick("完成率", "completion"),
        summary
            .completion_rate
            .map_or("—".to_owned(), format::percent)
    )?;
    Ok(())
}

pub async fn gaps_command(app: &App, period: &str, format_arg: TextFormat) -> Result<()> {
    let month = Month::parse(period).map_err(|e| anyhow!("--period: \"{period}\" {e}"))?;
    let loaded = app.load().await?;
    let measures = app.store.measures().await?;
    let found = gaps(
        &loaded.engine,
        &loaded.targets,
        Period::new(month, Basis::Ytd),
        &measures,
    );
    let tree = loaded.engine.tree();
    let catalogue = loaded.engine.catalogue();
    let mut out = std::io::stdout().lock();
    if format_arg == TextFormat::Json {
        let list: Vec<GapJson> = found
            .iter()
            .map(|g| GapJson {
                entity: tree.entity(g.entity).code.to_string(),
                indicator: catalogue.indicator(g.indicator).id.clone(),
            })
            .collect();
        write_json(&mut out, &json!({ "gaps": list }))?;
        return Ok(());
    }
    let lang = app.lang;
    for g in &found {
        let def = catalogue.indicator(g.indicator);
        let e = tree.entity(g.entity);
        writeln!(
            out,
            "{} {} — {} {}",
            e.code,
            e.name,
            lang.pick(&def.name_zh, &def.name_en),
            lang.pick("红灯，无在办措施", "red, no open measure")
        )?;
    }
    writeln!(
        out,
        "{}: {}",
        lang.pick("有差距无措施", "gaps without action"),
        found.len()
    )?;
    Ok(())
}
