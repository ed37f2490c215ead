//! `zx demo`: the fictional demo group, built through the same import path as real files.

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use zx_domain::{EntityCode, Role};
use zx_store::{Import, NewUser, Store, redact_url};
use zx_store_postgres::{PgStore, is_postgres_url};
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

/// Refuses to replace a database holding data that is not the demo's, unless `force`.
async fn check_replaceable(store: &dyn Store, force: bool, shown: &str) -> Result<()> {
    let only_demo = store
        .submissions()
        .await?
        .iter()
        .all(|s| s.user == DEMO_USER);
    if !only_demo && !force {
        bail!(
            "{shown} already holds data that is not the demo's; pass --force to replace it, or choose another --db"
        );
    }
    Ok(())
}

/// Writes the demo into `--db`, replacing what was there (see [`check_replaceable`]). A SQLite
/// file is deleted and made anew; a PostgreSQL database is not a file, so it is created if
/// missing and otherwise emptied in place (every table truncated, the schema kept).
pub async fn demo(global: &Global, force: bool, report_period: Option<&str>) -> Result<()> {
    let shown = if is_postgres_url(&global.db) {
        let shown = redact_url(&global.db);
        let store = PgStore::open(&global.db, true).await?;
        check_replaceable(&store, force, &shown).await?;
        store.erase_all_data().await?;
        store.close().await;
        shown
    } else {
        let path = path_from_url(&global.db);
        if Path::new(path).exists() {
            let store = SqliteStore::open(&global.db, false).await?;
            let checked = check_replaceable(&store, force, path).await;
            // Closed (WAL checkpointed) before its files are removed.
            store.close().await;
            checked?;
            remove_database(path)?;
        }
        path.to_owned()
    };
    let (app, data) = build(global).await?;
    let lang = app.lang;
    println!(
        "{} {shown}: {} {}, {} {}, {} {}",
        lang.pick("示例集团已写入", "demo group written to"),
        data.entities.len(),
        lang.pick("家单位", "entities"),
        data.facts.len(),
        lang.pick("条月度数据", "monthly values"),
        data.targets.len(),
        lang.pick("项年度目标", "targets"),
    );
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
    print!("{}", accounts_text(lang));
    println!(
        "{}",
        lang.pick(
            "下一步：zx serve 打开 http://127.0.0.1:8080 ｜ zx report --period 2026-06 --depth 2 ｜ zx kpi --entity ZX --period 2026-10 ｜ zx explain --entity ZX --period 2026-10 --indicator roe",
            "Next: zx serve, then open http://127.0.0.1:8080 | zx report --period 2026-06 --depth 2 | zx kpi --entity ZX --period 2026-10 | zx explain --entity ZX --period 2026-10 --indicator roe"
        )
    );
    Ok(())
}

/// Writes the demo group into a new database through the validating import path.
pub async fn build(global: &Global) -> Result<(App, zx_demo::DemoData)> {
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
    app.store
        .import(Import {
            user: DEMO_USER.to_owned(),
            at: chrono::Utc::now(),
            files: checked.files,
        })
        .await?;
    for (name, role, entity, password) in DEMO_ACCOUNTS {
        let hash = zx_auth::hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
        app.store
            .create_user(
                NewUser {
                    name: name.to_owned(),
                    role: Role::parse(role).unwrap_or(Role::Viewer),
                    entity: entity.and_then(|e| EntityCode::parse(e).ok()),
                    password_hash: hash,
                },
                DEMO_USER,
                chrono::Utc::now(),
            )
            .await?;
    }
    // The demo's action list, through the same validation as a user's file.
    let csv = zx_demo::demo_measures_csv();
    let path = dir.path().join("measures.csv");
    std::fs::write(&path, csv).context("cannot write the demo measures")?;
    crate::commands::measures::import_quiet(&app, &path).await?;
    Ok((app, data))
}

/// Demo accounts: (name, role, entity, password). For the demo only; printed on start.
pub const DEMO_ACCOUNTS: [(&str, &str, Option<&str>, &str); 4] = [
    ("admin", "admin", None, "zengxiao-admin"),
    ("hq", "hq_analyst", None, "zengxiao-hq"),
    ("fujian", "entity_manager", Some("FJ"), "zengxiao-fujian"),
    ("sichuan", "viewer", Some("SC"), "zengxiao-sichuan"),
];

/// The demo accounts as lines for the console.
pub fn accounts_text(lang: zx_domain::Lang) -> String {
    let mut out = String::from(lang.pick(
        "示例账号（用户名 / 密码 / 角色）：\n",
        "Demo accounts (user / password / role):\n",
    ));
    for (name, role, entity, password) in DEMO_ACCOUNTS {
        out.push_str(&format!(
            "  {name:<8} {password:<18} {role}{}\n",
            entity.map_or(String::new(), |e| format!(" ({e})"))
        ));
    }
    out
}
