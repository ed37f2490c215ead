//! `zx demo`: the fictional demo group, built through the same import path as real files.

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use zx_store::{Import, Store};
use zx_store_sqlite::{SqliteStore, path_from_url};

use crate::app::App;
use crate::cli::{BasisArg, Global};
use crate::commands::import::{check_files, issue_line};
use crate::commands::query::render_report;

/// The user every demo submission is recorded under; a database with only such submissions may
/// be rebuilt without `--force`.
pub const DEMO_USER: &str = "demo";

fn remove_database(path: &str) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{path}{suffix}");
        if Path::new(&file).exists() {
            std::fs::remove_file(&file).with_context(|| format!("cannot remove {file}"))?;
        }
    }
    Ok(())
}

pub async fn demo(global: &Global, force: bool, report_period: Option<&str>) -> Result<()> {
    let path = path_from_url(&global.db).to_owned();
    if Path::new(&path).exists() {
        let store = SqliteStore::open(&global.db, false).await?;
        let only_demo = store
            .submissions()
            .await?
            .iter()
            .all(|s| s.user == DEMO_USER);
        store.close().await;
        if !only_demo && !force {
            bail!(
                "{path} already holds data that is not the demo's; pass --force to replace it, or choose another --db"
            );
        }
        remove_database(&path)?;
    }
    let mut app = App::open(global, true).await?;
    app.user = DEMO_USER.to_owned();
    let lang = app.lang;
    let data = zx_demo::demo_group();
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    zx_demo::write_csv(&data, dir.path()).context("cannot write the demo files")?;
    let files: Vec<_> = ["entities.csv", "data.csv", "targets.csv"]
        .iter()
        .map(|f| dir.path().join(f))
        .collect();
    let checked = check_files(&app, &files).await?;
    if !checked.errors.is_empty() {
        for issue in &checked.errors {
            eprintln!("{}", issue_line(issue, lang));
        }
        bail!("the demo data did not pass validation (a bug: please report it)");
    }
    let receipts = app
        .store
        .import(Import {
            user: DEMO_USER.to_owned(),
            at: chrono::Utc::now(),
            files: checked.files,
        })
        .await?;
    let values: usize = receipts.iter().map(|r| r.inserted).sum();
    println!(
        "{} {path}: {} {}, {} {}, {} {}",
        lang.pick("示例集团已写入", "demo group written to"),
        data.entities.len(),
        lang.pick("家单位", "entities"),
        data.facts.len(),
        lang.pick("条月度数据", "monthly values"),
        data.targets.len(),
        lang.pick("项年度目标", "targets"),
    );
    let _ = values;
    let loaded = app.load().await?;
    let text = render_report(
        lang,
        &loaded.engine,
        &loaded.targets,
        None,
        report_period,
        1,
        BasisArg::Ytd,
    )?;
    println!();
    print!("{text}");
    println!();
    println!(
        "{}",
        lang.pick(
            "下一步：zx report --period 2026-06 --depth 2 ｜ zx kpi --entity ZX --period 2026-10 ｜ zx explain --entity ZX --period 2026-10 --indicator roe",
            "Next: zx report --period 2026-06 --depth 2 | zx kpi --entity ZX --period 2026-10 | zx explain --entity ZX --period 2026-10 --indicator roe"
        )
    );
    Ok(())
}
