//! `zx demo`: the fictional demo group, built through the same import path as real files.

use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use zx_app::{Clock, DatabaseUrl};
use zx_domain::{EntityCode, Role};
use zx_store::{NewUser, Store};

use crate::app::App;
use crate::cli::{BasisArg, Global};
use crate::commands::import::{check_paths, issue_line};
use crate::commands::query::render_report;

/// The user every demo submission is recorded under; a database with only such submissions may
/// be rebuilt without `--force`.
pub const DEMO_USER: &str = "demo";

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
pub async fn demo(
    global: &Global,
    db: &DatabaseUrl,
    clock: &Arc<dyn Clock>,
    force: bool,
    report_period: Option<&str>,
) -> Result<()> {
    let shown = db.location();
    db.erase(async |store: &dyn Store| check_replaceable(store, force, &shown).await)
        .await?;
    let (app, data) = build(global, db, clock).await?;
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
pub async fn build(
    global: &Global,
    db: &DatabaseUrl,
    clock: &Arc<dyn Clock>,
) -> Result<(App, zx_demo::DemoData)> {
    let mut app = App::open(global, db, true, clock).await?;
    app.user = DEMO_USER.to_owned();
    let lang = app.lang;
    let data = zx_demo::demo_group();
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    zx_demo::write_csv(&data, dir.path()).context("cannot write the demo files")?;
    let files: Vec<_> = ["entities.csv", "data.csv", "targets.csv"]
        .iter()
        .map(|f| dir.path().join(f))
        .collect();
    let checked = check_paths(&app, &files).await?;
    if !checked.is_ok() {
        for issue in &checked.errors {
            eprintln!("{}", issue_line(issue, lang));
        }
        bail!("the demo data did not pass validation (a bug: please report it)");
    }
    checked
        .import(app.store.as_ref(), DEMO_USER, app.clock.now())
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
                app.clock.now(),
            )
            .await?;
    }
    // Two furnaces at every waste-to-energy plant, for the emissions pages and the simulator.
    app.store
        .save_stacks(zx_demo::demo_stacks(&data), DEMO_USER, app.clock.now())
        .await?;
    // The demo's action list, through the same validation as a user's file.
    let csv = zx_demo::demo_measures_csv();
    let path = dir.path().join("measures.csv");
    std::fs::write(&path, csv).context("cannot write the demo measures")?;
    crate::commands::measures::import_quiet(&app, &path).await?;
    followup(&app).await?;
    safety_risks(&app, &data).await?;
    safety(&app, &data).await?;
    // The R&D portfolio: twenty projects, their 2026 spend matching the plants' reported R&D
    // expenditure but for one flagged month, one late gate.
    app.store
        .save_rnd(zx_demo::rnd::demo_rnd(&data), DEMO_USER, app.clock.now())
        .await?;
    references(&app).await?;
    managers(&app, &data).await?;
    practices(&app).await?;
    Ok((app, data))
}

/// The demo's practice library (`zx_demo::practices`): forty practices through the practices
/// file's own import, one of them recommended by HQ (the waste-to-energy plants are told).
async fn practices(app: &App) -> Result<()> {
    let csv = zx_demo::practices::demo_practices_csv();
    let saved = zx_app::practices::import(
        app.store.as_ref(),
        "practices.csv",
        csv.as_bytes(),
        DEMO_USER,
        app.clock.now(),
    )
    .await?;
    if let Err(rejected) = saved {
        for issue in &rejected.issues {
            eprintln!("{issue}");
        }
        bail!("the demo practices did not pass validation (a bug: please report it)");
    }
    zx_app::practices::recommend(
        app.store.as_ref(),
        zx_demo::practices::RECOMMENDED,
        true,
        "全集团垃圾焚烧发电厂推广",
        "hq",
        app.clock.now(),
    )
    .await?;
    Ok(())
}

/// The demo's safety registers (`zx_demo::demo_safety`, laid out around today in China): the
/// hazards, plans, drills, people, training and certificates of every plant, as the six files a
/// plant would send, through `zx safety import`'s own service (the hazards into their register),
/// then each plant's yearly drill plan through the plan file's import.
async fn safety(app: &App, data: &zx_demo::DemoData) -> Result<()> {
    use zx_app::import::SourceFile;
    use zx_app::safety::{SafetyImport, import_files};

    let today = zx_domain::calendar::china_today(app.clock.now());
    let files: Vec<SourceFile> = zx_demo::demo_safety(data, today)
        .files()
        .into_iter()
        .map(|(name, text)| SourceFile {
            name: name.to_owned(),
            bytes: text.as_bytes().to_vec(),
        })
        .collect();
    match import_files(app.store.as_ref(), &files, DEMO_USER, app.clock.now()).await? {
        SafetyImport::Imported { .. } => {
            // Each plant's electrician whose only certificate expired: his major hazard.
            zx_app::auto_hazards::raise_auto_hazards(app.store.as_ref(), app.clock.now()).await?;
            // The yearly drill plans, through the plan file's own import.
            let plan = zx_demo::demo_drill_plan(data, today);
            let saved = zx_app::safety::import_drill_plan(
                app.store.as_ref(),
                "drill-plan.csv",
                plan.as_bytes(),
                None,
                DEMO_USER,
                app.clock.now(),
            )
            .await?;
            if let Err(rejected) = saved {
                for issue in &rejected.errors {
                    eprintln!("{}", issue_line(issue, app.lang));
                }
                bail!("the demo drill plan did not pass validation (a bug: please report it)");
            }
            Ok(())
        }
        SafetyImport::Rejected(rejected) => {
            for issue in &rejected.errors {
                eprintln!("{}", issue_line(issue, app.lang));
            }
            bail!("the demo safety files did not pass validation (a bug: please report it)");
        }
    }
}

/// The demo's manager term register (`zx_demo::demo_managers`, laid out around today in
/// China), through the register's own import.
async fn managers(app: &App, data: &zx_demo::DemoData) -> Result<()> {
    let today = zx_domain::calendar::china_today(app.clock.now());
    let csv = zx_demo::demo_managers(data, today);
    let tree = zx_app::load_tree(app.store.as_ref()).await?;
    let saved = zx_app::managers::import_managers(
        app.store.as_ref(),
        &tree,
        None,
        "managers.csv",
        csv.as_bytes(),
        DEMO_USER,
        app.clock.now(),
    )
    .await?;
    if let Err(rejected) = saved {
        for issue in &rejected.issues {
            eprintln!("{issue}");
        }
        bail!("the demo manager register did not pass validation (a bug: please report it)");
    }
    Ok(())
}

/// The demo's standing risks per plant, the sites' exposures and the typhoon warning for the
/// Fujian plants (their alerts wait for acknowledgement), through the same services as a user's.
async fn safety_risks(app: &App, data: &zx_demo::DemoData) -> Result<()> {
    use zx_demo::safety_risks::{demo_exposures, demo_risks, demo_typhoon_warning};
    let store = app.store.as_ref();
    let now = app.clock.now();
    let rows = demo_risks(data)
        .into_iter()
        .map(|risk| zx_store::RiskRow { id: None, risk })
        .collect();
    store.save_risks(rows, DEMO_USER, now).await?;
    store
        .set_site_exposures(demo_exposures(data), DEMO_USER, now)
        .await?;
    let tree = zx_app::load_tree(store).await?;
    zx_app::risks::add_warnings(
        store,
        &tree,
        &zx_domain::safety::natural::Checklists::default(),
        vec![demo_typhoon_warning(now)],
        "demo",
        DEMO_USER,
        now,
    )
    .await?;
    Ok(())
}

/// The demo's follow-up: progress with comments, a milestone with evidence, and an inspection
/// visit whose requirements are tracked (one of them overdue), so the loop is visible at once.
async fn followup(app: &App) -> Result<()> {
    use zx_store::{MeasureChange, NewAttachment, NewMeasure, NewVisit};
    let store = &app.store;
    let day = |text: &str| {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|e| anyhow::anyhow!("demo date {text}: {e}"))
    };
    let at = |text: &str| -> Result<chrono::DateTime<chrono::Utc>> {
        Ok(chrono::DateTime::parse_from_rfc3339(text)
            .map_err(|e| anyhow::anyhow!("demo time {text}: {e}"))?
            .with_timezone(&chrono::Utc))
    };
    let measures = store.measures().await?;
    let find = |title: &str| {
        measures
            .iter()
            .find(|m| m.title == title)
            .ok_or_else(|| anyhow::anyhow!("the demo measure \"{title}\" is missing"))
    };
    // FJ-JJ-WTE's flue-gas retrofit: two updates, a milestone reached with its evidence.
    let retrofit = find("烟气净化系统技改（研发投入）")?;
    store
        .update_measure(
            retrofit.id,
            retrofit.revision,
            MeasureChange {
                progress: Some(40),
                comment: "SCR 脱硝催化剂完成招标，供货合同已签订".into(),
                ..MeasureChange::default()
            },
            "fujian",
            at("2026-06-12T10:20:00+08:00")?,
        )
        .await?;
    let milestone = store
        .add_milestone(
            retrofit.id,
            "催化剂安装及热态调试",
            day("2026-09-30")?,
            "fujian",
            at("2026-06-12T10:25:00+08:00")?,
        )
        .await?;
    store
        .complete_milestone(
            milestone,
            day("2026-09-26")?,
            "fujian",
            at("2026-09-26T17:00:00+08:00")?,
        )
        .await?;
    store
        .add_attachment(
            NewAttachment {
                measure: retrofit.id,
                milestone: Some(milestone),
                file_name: "热态调试验收单.pdf".into(),
                media_type: "application/pdf".into(),
                content: zx_demo::demo_evidence_pdf(
                    "FJ-JJ-WTE SCR retrofit: hot commissioning accepted 2026-09-26",
                ),
            },
            "fujian",
            at("2026-09-26T17:05:00+08:00")?,
        )
        .await?;
    store
        .update_measure(
            retrofit.id,
            retrofit.revision + 1,
            MeasureChange {
                progress: Some(55),
                comment: "热态调试通过验收，NOx 排放稳定低于 100 mg/m³".into(),
                ..MeasureChange::default()
            },
            "fujian",
            at("2026-09-26T17:10:00+08:00")?,
        )
        .await?;
    // The chairman's visit to Fujian, with two requirements.
    let requirement = |entity: &str, owner: &str, due: &str, title: &str| -> Result<NewMeasure> {
        Ok(NewMeasure {
            indicator: Some("total_profit".into()),
            start: Some(day("2026-09-12")?),
            ..NewMeasure::basic(
                EntityCode::parse(entity).map_err(|e| anyhow::anyhow!("{e}"))?,
                title.to_owned(),
                None,
                owner.to_owned(),
                day(due)?,
            )
        })
    };
    store
        .create_visit(
            NewVisit {
                leader: "集团董事长 张伟".into(),
                start: day("2026-09-10")?,
                end: day("2026-09-11")?,
                entities: vec![
                    EntityCode::parse("FJ").map_err(|e| anyhow::anyhow!("{e}"))?,
                    EntityCode::parse("FJ-JJ-WTE").map_err(|e| anyhow::anyhow!("{e}"))?,
                ],
                participants: "运营管理部、安全环保部、福建公司领导班子".into(),
                summary: "调研福建公司提质增效推进情况，现场检查晋江垃圾焚烧发电厂".into(),
                findings: "入炉垃圾热值偏低，吨垃圾发电量低于同类电厂；应收垃圾处理费回收偏慢"
                    .into(),
                requirements: vec![
                    requirement(
                        "FJ-JJ-WTE",
                        "fujian",
                        "2026-12-31",
                        "制定入炉垃圾热值提升方案，吨垃圾发电量提升 5%",
                    )?,
                    requirement(
                        "FJ",
                        "fujian",
                        "2026-10-31",
                        "梳理应收垃圾处理费，逐笔明确清收责任人",
                    )?,
                ],
            },
            "hq",
            at("2026-09-12T09:00:00+08:00")?,
        )
        .await?;
    Ok(())
}

/// Demo accounts: (name, role, entity, password). For the demo only; printed on start.
pub const DEMO_ACCOUNTS: [(&str, &str, Option<&str>, &str); 6] = [
    ("admin", "admin", None, "zengxiao-admin"),
    ("hq", "hq_analyst", None, "zengxiao-hq"),
    // HQ human resources: keeps the manager register, the one who sees pay and ratings.
    ("hr", "hq_hr", None, "zengxiao-hr"),
    ("fujian", "entity_manager", Some("FJ"), "zengxiao-fujian"),
    ("sichuan", "viewer", Some("SC"), "zengxiao-sichuan"),
    // The Nanchong plant's manager answers for its measures: a viewer could not report progress.
    (
        "nanchong",
        "entity_manager",
        Some("SC-NC-WTE"),
        "zengxiao-nanchong",
    ),
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

/// The demo's industry reference values, through `zx references import`'s own service.
async fn references(app: &App) -> Result<()> {
    let saved = zx_app::benchmark::import_references(
        app.store.as_ref(),
        &app.catalogue,
        "references.csv",
        zx_demo::demo_references_csv().as_bytes(),
        DEMO_USER,
        app.clock.now(),
    )
    .await?;
    if let Err(rejected) = saved {
        for issue in &rejected.issues {
            eprintln!("{issue}");
        }
        bail!("the demo reference values did not pass validation (a bug: please report it)");
    }
    Ok(())
}
