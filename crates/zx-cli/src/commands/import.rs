//! `zx import` and `zx template`: files in, files out.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use zx_api::{
    ImportRejectedJson, ImportedFileJson, ImportedJson, ImportedOutlierJson, IssueJson,
    outlier_json,
};
use zx_app::AppError;
use zx_app::collect::{self, Action, Actor, Upload};
use zx_app::import::{Checked, SourceFile, check_files};
use zx_domain::{Access, EntityCode, Fact, Lang, Role};
use zx_ingest::Issue;

use crate::app::{App, write_json};
use crate::cli::TextFormat;

/// An issue as a clerk reads it: the English line, and the Chinese message when in Chinese.
pub fn issue_line(issue: &Issue, lang: Lang) -> String {
    match lang {
        Lang::En => issue.to_string(),
        Lang::Zh => format!("{issue} — {}", issue.message_zh),
    }
}

/// Reads every file, then checks them all ([`check_files`]) as of the app's clock.
pub async fn check_paths(app: &App, paths: &[PathBuf]) -> Result<Checked> {
    let files = paths
        .iter()
        .map(|path| SourceFile::read(path))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(check_files(app.store.as_ref(), &app.catalogue, &files, app.clock.now()).await?)
}

fn issues_json(issues: &[Issue]) -> Vec<IssueJson> {
    issues.iter().map(IssueJson::from).collect()
}

/// `zx import`: the files checked and submitted by the collection service the web's upload
/// uses (`zx_app::collect::upload`), as an administrator (any entity; locked months take only
/// unchanged figures), so each month's workflow state follows the same rule.
pub async fn import(app: &App, paths: &[PathBuf], format: TextFormat) -> Result<()> {
    let files = paths
        .iter()
        .map(|path| SourceFile::read(path))
        .collect::<Result<Vec<_>, _>>()?;
    let tree = zx_app::load_tree(app.store.as_ref()).await?;
    let access = Access {
        role: Role::Admin,
        scope: None,
    };
    let upload = collect::upload(
        app.store.as_ref(),
        &app.catalogue,
        &tree,
        Actor {
            name: &app.user,
            access: &access,
        },
        &files,
        Action::Submit,
        app.clock.now(),
    )
    .await;
    let lang = app.lang;
    let mut out = std::io::stdout().lock();
    let imported = match upload {
        Ok(Upload::Submitted(imported)) => imported,
        Ok(Upload::Rejected { errors, warnings }) => {
            if format == TextFormat::Json {
                let json = ImportRejectedJson {
                    ok: false,
                    errors: issues_json(&errors),
                    warnings: issues_json(&warnings),
                };
                write_json(&mut out, &json)?;
            } else {
                let mut err = std::io::stderr().lock();
                for issue in errors.iter().chain(&warnings) {
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
        Ok(Upload::Checked { .. }) => unreachable!("zx import submits"),
        Err(AppError::Store(e)) => bail!("import failed, nothing was written: {e}"),
        Err(e) => return Err(e.into()),
    };
    // What was received, judged against each entity's history (the grid shows HQ the same).
    let received: Vec<(EntityCode, zx_domain::Month)> = imported
        .files
        .iter()
        .flat_map(|f| f.receipt.months.iter().map(|m| (m.entity.clone(), m.month)))
        .collect();
    let out_of_line = if received.is_empty() {
        Vec::new()
    } else {
        let snapshot = app.load().await?;
        collect::out_of_line(&snapshot.engine, &received)
            .into_iter()
            .map(|(entity, month, flag)| ImportedOutlierJson {
                entity: entity.to_string(),
                month: month.to_string(),
                flag: outlier_json(&flag, snapshot.engine.catalogue(), lang),
            })
            .collect()
    };
    if format == TextFormat::Json {
        let json = ImportedJson {
            ok: true,
            files: imported
                .files
                .iter()
                .map(|f| ImportedFileJson {
                    file: f.name.clone(),
                    kind: f.kind,
                    rows: f.rows,
                    submission: f.receipt.submission_id,
                    inserted: f.receipt.inserted,
                    revised: f.receipt.revised,
                    unchanged: f.receipt.unchanged,
                })
                .collect(),
            warnings: issues_json(&imported.warnings),
            outliers: out_of_line,
        };
        write_json(&mut out, &json)?;
        return Ok(());
    }
    for issue in &imported.warnings {
        writeln!(out, "{}", issue_line(issue, lang))?;
    }
    for file in &imported.files {
        let receipt = &file.receipt;
        writeln!(
            out,
            "{} [{}, {}]: {} — {} {}, {} {}, {} {} ({} #{})",
            file.name,
            file.kind,
            file.encoding,
            zx_domain::format::count_phrase(file.rows, lang, "行", "row", "rows"),
            receipt.inserted,
            lang.pick("新增", "new"),
            receipt.revised,
            lang.pick("修订", "revised"),
            receipt.unchanged,
            lang.pick("未变", "unchanged"),
            lang.pick("报送记录", "submission"),
            receipt.submission_id
        )?;
        if !receipt.months.is_empty() {
            writeln!(out, "  {}", collect::describe_months(&receipt.months, lang))?;
        }
    }
    for flag in &out_of_line {
        writeln!(
            out,
            "⚠ {} {}{}{}",
            flag.entity,
            flag.month,
            lang.pick("：", ": "),
            flag.flag.sentence
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
