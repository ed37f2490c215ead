//! `zx history`, `zx submissions`, `zx audit`, `zx entities`, `zx catalogue`: what was stored, by whom.

use std::io::Write;

use anyhow::{Result, anyhow};
use zx_api::{AuditEntryJson, EntityJson, RevisionJson, SubmissionJson};
use zx_domain::{EntityCode, Month, format};
use zx_store::{AuditFilter, HistoryFilter};

use crate::app::{App, write_json};
use crate::cli::TextFormat;

pub async fn history(
    app: &App,
    entity: Option<&str>,
    period: Option<&str>,
    item: Option<&str>,
    format: TextFormat,
) -> Result<()> {
    let filter = HistoryFilter {
        entity: entity
            .map(|e| EntityCode::parse(e).map_err(|err| anyhow!("--entity: \"{e}\": {err}")))
            .transpose()?,
        month: period
            .map(|p| Month::parse(p).map_err(|err| anyhow!("--period: \"{p}\" {err}")))
            .transpose()?,
        item: item.map(str::to_owned),
    };
    let revisions = app.store.history(&filter).await?;
    let mut out = std::io::stdout().lock();
    if format == TextFormat::Json {
        let list: Vec<RevisionJson> = revisions.iter().map(RevisionJson::from).collect();
        write_json(&mut out, &serde_json::json!({ "revisions": list }))?;
        return Ok(());
    }
    if revisions.is_empty() {
        writeln!(out, "{}", app.lang.pick("没有记录", "no revisions"))?;
    }
    for r in &revisions {
        writeln!(
            out,
            "{} {} {:<20} r{} {:>20} {:<5} {} #{} {} {}{}",
            r.entity,
            r.month,
            r.item,
            r.revision,
            r.value,
            r.basis,
            format::china_stamp(r.at),
            r.submission_id,
            r.file_name,
            r.user,
            if r.current {
                app.lang.pick("  ← 现行", "  ← current")
            } else {
                ""
            }
        )?;
    }
    Ok(())
}

pub async fn submissions(app: &App, format: TextFormat) -> Result<()> {
    let list = app.store.submissions().await?;
    let mut out = std::io::stdout().lock();
    if format == TextFormat::Json {
        let items: Vec<SubmissionJson> = list.iter().map(SubmissionJson::from).collect();
        write_json(&mut out, &serde_json::json!({ "submissions": items }))?;
        return Ok(());
    }
    for s in &list {
        writeln!(
            out,
            "#{} {} {:<8} {} rows={} new={} revised={} unchanged={} {} sha256={}",
            s.id,
            format::china_stamp(s.at),
            s.kind,
            s.file_name,
            s.rows,
            s.inserted,
            s.revised,
            s.unchanged,
            s.user,
            s.sha256
        )?;
    }
    Ok(())
}

pub async fn audit(
    app: &App,
    user: Option<String>,
    action: Option<String>,
    object: Option<String>,
    limit: usize,
    format: TextFormat,
) -> Result<()> {
    let entries = app
        .store
        .audit_log(&AuditFilter {
            user,
            action,
            object,
            limit: Some(limit),
        })
        .await?;
    let mut out = std::io::stdout().lock();
    if format == TextFormat::Json {
        let items: Vec<AuditEntryJson> = entries.iter().map(AuditEntryJson::from).collect();
        write_json(&mut out, &serde_json::json!({ "audit": items }))?;
        return Ok(());
    }
    for a in &entries {
        writeln!(
            out,
            "{} {} {} {}: {} → {}",
            format::china_stamp(a.at),
            a.user,
            a.action,
            a.object,
            a.old_value.as_deref().unwrap_or("∅"),
            a.new_value.as_deref().unwrap_or("∅")
        )?;
    }
    Ok(())
}

pub async fn entities(app: &App, format: TextFormat) -> Result<()> {
    let tree = zx_app::load_tree(app.store.as_ref()).await?;
    let mut out = std::io::stdout().lock();
    if format == TextFormat::Json {
        let mut list = Vec::new();
        for root in tree.roots() {
            for id in tree.subtree(root) {
                list.push(EntityJson::new(&tree, id));
            }
        }
        write_json(&mut out, &serde_json::json!({ "entities": list }))?;
        return Ok(());
    }
    for root in tree.roots() {
        for id in tree.subtree(root) {
            let e = tree.entity(id);
            writeln!(
                out,
                "{}{} {} [{}{}{}]",
                "  ".repeat(tree.depth(id)),
                e.code,
                e.name,
                app.lang.pick(e.kind.name_zh(), e.kind.as_str()),
                if e.region.is_empty() {
                    String::new()
                } else {
                    format!(" {}", e.region)
                },
                if e.segment.is_empty() {
                    String::new()
                } else {
                    format!(" {}", e.segment)
                },
            )?;
        }
    }
    Ok(())
}
