//! `zx history`, `zx submissions`, `zx audit`, `zx entities`, `zx catalogue`: what was stored, by whom.

use std::io::Write;

use anyhow::{Result, anyhow};
use serde::Serialize;
use zx_domain::{EntityCode, EntityTree, Month};
use zx_store::{AuditFilter, HistoryFilter};

use crate::app::App;
use crate::cli::TextFormat;

#[derive(Serialize)]
struct RevisionJson {
    entity: String,
    period: String,
    item: String,
    revision: i64,
    value: String,
    basis: &'static str,
    current: bool,
    submission: i64,
    file: String,
    user: String,
    at: String,
}

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
        let list: Vec<RevisionJson> = revisions
            .iter()
            .map(|r| RevisionJson {
                entity: r.entity.to_string(),
                period: r.month.to_string(),
                item: r.item.clone(),
                revision: r.revision,
                value: r.value.to_string(),
                basis: r.basis.as_str(),
                current: r.current,
                submission: r.submission_id,
                file: r.file_name.clone(),
                user: r.user.clone(),
                at: r.at.to_rfc3339(),
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "revisions": list }))?;
        writeln!(out)?;
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
            r.at.format("%Y-%m-%d %H:%M:%S"),
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
        let items: Vec<serde_json::Value> = list
            .iter()
            .map(|s| {
                serde_json::json!({
                    "id": s.id, "kind": s.kind, "file": s.file_name, "sha256": s.sha256,
                    "user": s.user, "at": s.at.to_rfc3339(), "rows": s.rows,
                    "inserted": s.inserted, "revised": s.revised, "unchanged": s.unchanged,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "submissions": items }))?;
        writeln!(out)?;
        return Ok(());
    }
    for s in &list {
        writeln!(
            out,
            "#{} {} {:<8} {} rows={} new={} revised={} unchanged={} {} sha256={}",
            s.id,
            s.at.format("%Y-%m-%d %H:%M:%S"),
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
        let items: Vec<serde_json::Value> = entries
            .iter()
            .map(|a| {
                serde_json::json!({
                    "id": a.id, "at": a.at.to_rfc3339(), "user": a.user, "action": a.action,
                    "object": a.object, "old": a.old_value, "new": a.new_value,
                    "submission": a.submission_id,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "audit": items }))?;
        writeln!(out)?;
        return Ok(());
    }
    for a in &entries {
        writeln!(
            out,
            "{} {} {} {}: {} → {}",
            a.at.format("%Y-%m-%d %H:%M:%S"),
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
    let entities = app.store.entities().await?;
    let tree = EntityTree::build(entities).map_err(|errors| {
        anyhow!(
            "the stored group tree is inconsistent: {}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let mut out = std::io::stdout().lock();
    if format == TextFormat::Json {
        let mut list = Vec::new();
        for root in tree.roots() {
            for id in tree.subtree(root) {
                let e = tree.entity(id);
                list.push(serde_json::json!({
                    "code": e.code.as_str(), "name": e.name,
                    "parent": e.parent.as_ref().map(|p| p.as_str()),
                    "kind": e.kind.as_str(), "region": e.region, "segment": e.segment,
                    "depth": tree.depth(id),
                }));
            }
        }
        serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "entities": list }))?;
        writeln!(out)?;
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
