//! `zx import` and `zx template`: files in, files out.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use sha2::{Digest, Sha256};
use zx_domain::{Entity, EntityCode, Fact, Lang};
use zx_ingest::{Context, FileKind, Input, Issue, Payload};
use zx_store::{Changes, Import, NewSubmission};

use crate::app::App;
use crate::cli::TextFormat;

/// An issue as a clerk reads it: the English line, and the Chinese message when in Chinese.
pub fn issue_line(issue: &Issue, lang: Lang) -> String {
    match lang {
        Lang::En => issue.to_string(),
        Lang::Zh => format!("{issue} — {}", issue.message_zh),
    }
}

fn kind_order(kind: FileKind) -> u8 {
    match kind {
        FileKind::Entities => 0,
        FileKind::Data | FileKind::Targets | FileKind::Measures => 1,
    }
}

/// Outcome of checking a set of files, before anything is written.
pub struct Checked {
    pub files: Vec<(NewSubmission, Changes)>,
    pub warnings: Vec<Issue>,
    pub errors: Vec<Issue>,
    pub encodings: Vec<(String, &'static str)>,
}

/// Reads and validates every file; entities files first so data can refer to new entities.
pub async fn check_files(app: &App, paths: &[PathBuf]) -> Result<Checked> {
    let mut loaded = Vec::new();
    for path in paths {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        loaded.push((display_name(path), bytes));
    }
    let mut entities: Vec<Entity> = app.store.entities().await?;
    let stored = zx_ingest::StoredIndex::new(app.store.current_facts().await?);
    // Sniff first, to order the files: entities before what refers to them.
    let mut order: Vec<(u8, usize)> = Vec::new();
    let mut errors = Vec::new();
    for (index, (name, bytes)) in loaded.iter().enumerate() {
        match zx_ingest::sniff(Input {
            file_name: name,
            bytes,
        }) {
            Ok(kind) => order.push((kind_order(kind), index)),
            Err(mut issues) => errors.append(&mut issues),
        }
    }
    order.sort();
    let mut checked = Checked {
        files: Vec::new(),
        warnings: Vec::new(),
        errors,
        encodings: Vec::new(),
    };
    for (_, index) in order {
        let (name, bytes) = &loaded[index];
        let context = Context {
            catalogue: &app.catalogue,
            entities: &entities,
            stored: &stored,
            users: None,
            latest_month: latest_month(),
        };
        match zx_ingest::parse(
            Input {
                file_name: name,
                bytes,
            },
            &context,
        ) {
            Ok(parsed) => {
                checked.warnings.extend(parsed.warnings);
                checked.encodings.push((name.clone(), parsed.encoding));
                let submission = NewSubmission {
                    file_name: name.clone(),
                    sha256: hex(&Sha256::digest(bytes)),
                    rows: parsed.rows,
                };
                let changes = match parsed.payload {
                    Payload::Entities(list) => {
                        for entity in &list {
                            match entities.iter_mut().find(|e| e.code == entity.code) {
                                Some(existing) => *existing = entity.clone(),
                                None => entities.push(entity.clone()),
                            }
                        }
                        Changes::Entities(list)
                    }
                    Payload::Data(facts) => Changes::Facts(facts),
                    Payload::Targets(targets) => Changes::Targets(targets),
                    Payload::Measures(_) => {
                        bail!("{name} is a measures list: import it with `zx measures import`")
                    }
                };
                checked.files.push((submission, changes));
            }
            Err(rejected) => {
                checked.errors.extend(rejected.errors);
                checked.warnings.extend(rejected.warnings);
            }
        }
    }
    Ok(checked)
}

/// Data may be submitted up to the current month (budgets and forecasts are not data).
fn latest_month() -> Option<zx_domain::Month> {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    zx_domain::Month::new(today.year(), today.month()).ok()
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn issue_json(issue: &Issue) -> serde_json::Value {
    serde_json::json!({
        "code": issue.code.as_str(),
        "severity": issue.severity.as_str(),
        "file": issue.file,
        "place": issue.place.to_string(),
        "column": issue.column,
        "value": issue.value,
        "message": issue.message,
        "message_zh": issue.message_zh,
        "text": issue.to_string(),
    })
}

pub async fn import(app: &App, paths: &[PathBuf], format: TextFormat) -> Result<()> {
    let checked = check_files(app, paths).await?;
    let lang = app.lang;
    let mut out = std::io::stdout().lock();
    if !checked.errors.is_empty() {
        if format == TextFormat::Json {
            let json = serde_json::json!({
                "ok": false,
                "errors": checked.errors.iter().map(issue_json).collect::<Vec<_>>(),
                "warnings": checked.warnings.iter().map(issue_json).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        } else {
            let mut err = std::io::stderr().lock();
            for issue in checked.errors.iter().chain(&checked.warnings) {
                writeln!(err, "{}", issue_line(issue, lang))?;
            }
        }
        bail!(
            "{}",
            lang.pick(
                "文件有错误，未写入任何数据（nothing was imported）",
                "the files have errors: nothing was imported"
            )
        );
    }
    let files = checked.files;
    let summary: Vec<(String, &'static str, usize)> = files
        .iter()
        .map(|(s, c)| (s.file_name.clone(), c.kind(), s.rows))
        .collect();
    let receipts = app
        .store
        .import(Import {
            user: app.user.clone(),
            at: chrono::Utc::now(),
            files,
        })
        .await
        .map_err(|e| anyhow!("import failed, nothing was written: {e}"))?;
    if format == TextFormat::Json {
        let json = serde_json::json!({
            "ok": true,
            "files": summary.iter().zip(&receipts).map(|((name, kind, rows), r)| serde_json::json!({
                "file": name, "kind": kind, "rows": rows, "submission": r.submission_id,
                "inserted": r.inserted, "revised": r.revised, "unchanged": r.unchanged,
            })).collect::<Vec<_>>(),
            "warnings": checked.warnings.iter().map(issue_json).collect::<Vec<_>>(),
        });
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
        return Ok(());
    }
    for issue in &checked.warnings {
        writeln!(out, "{}", issue_line(issue, lang))?;
    }
    for ((name, kind, rows), receipt) in summary.iter().zip(&receipts) {
        let encoding = checked
            .encodings
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, e)| e);
        writeln!(
            out,
            "{name} [{kind}, {encoding}]: {rows} {} — {} {}, {} {}, {} {} ({} #{})",
            lang.pick("行", "rows"),
            receipt.inserted,
            lang.pick("新增", "new"),
            receipt.revised,
            lang.pick("修订", "revised"),
            receipt.unchanged,
            lang.pick("未变", "unchanged"),
            lang.pick("报送记录", "submission"),
            receipt.submission_id
        )?;
    }
    Ok(())
}

pub async fn template(app: &App, entity: &str, year: i32, output: &Path) -> Result<()> {
    let entities = app.store.entities().await?;
    let code = EntityCode::parse(entity).map_err(|e| anyhow!("--entity: \"{entity}\": {e}"))?;
    let Some(found) = entities.iter().find(|e| e.code == code) else {
        bail!("--entity: \"{entity}\" is not a known entity code (list them with `zx entities`)");
    };
    if !(1900..=2999).contains(&year) {
        bail!("--year: {year} is not between 1900 and 2999");
    }
    let existing: Vec<Fact> = app
        .store
        .current_facts()
        .await?
        .into_iter()
        .filter(|f| f.entity == code && f.month.year() == year)
        .collect();
    let bytes = zx_ingest::write_template(&app.catalogue, found, year, &existing)
        .map_err(|e| anyhow!("cannot build the template: {e}"))?;
    std::fs::write(output, bytes).with_context(|| format!("cannot write {}", output.display()))?;
    println!(
        "{} {} ({}) {year} → {}",
        app.lang.pick("已生成填报模板", "template written for"),
        found.name,
        found.code,
        output.display()
    );
    Ok(())
}
