//! One language at a time, in a real browser: every page reachable from the menu, a measure, the
//! explanation, the audit log, a stack and the collection page after an upload with errors, in
//! Chinese and in English, as HQ and as a subsidiary's manager. What the page shows
//! (`document.body.innerText`) is checked: no raw codes (`in_progress`, `total_profit`,
//! `period.locked`, `hq_analyst`) in either language; in Chinese no English sentence (an
//! untranslated error) and no message doubled in English; in English no Chinese except data
//! (unit, plant and stack names, measure titles… taken from the database's archive); times in
//! China time with the zone stated.

use std::path::Path;

use serde_json::{Value, json};

mod common;
use common::browser::{self, DESKTOP, MN, Page, element, row_when, text_when};
use common::zx;

/// The text people see, minus what may legitimately hold codes or other languages: `<code>`
/// details for experts (a raw formula, a file's column names), the language switch (名 of the
/// other language), scripts. Checked in the page with JavaScript regular expressions; returns
/// the offending snippets.
const CHECK: &str = r#"
const [lang, data] = arguments;
const hidden = [];
for (const el of document.querySelectorAll('code, #lang-toggle, script, style')) {
  hidden.push([el, el.style.display]);
  el.style.display = 'none';
}
let text = document.body.innerText;
for (const [el, d] of hidden) el.style.display = d;
const bad = [];
const around = (i) => text.slice(Math.max(0, i - 40), i + 60).replace(/\s+/g, ' ');
// Data, file names, e-mail addresses, MNs and the names of `zx` commands are what they are.
let plain = text;
for (const d of data) plain = plain.split(d).join(' ');
plain = plain
  .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, ' ')
  .replace(/[\w\u4e00-\u9fff-]+\.(csv|xlsx|xls|txt|pdf|png|jpg|toml)\b/g, ' ')
  .replace(/\bzx( [a-z][a-z-]*)+/g, ' ');
const at = (i) => plain.slice(Math.max(0, i - 40), i + 60).replace(/\s+/g, ' ');
// Raw codes, in either language.
for (const re of [/\b[a-z]+(_[a-z0-9]+)+\b/g, /\b[a-z]+\.[a-z_]+\b/g]) {
  for (const m of plain.matchAll(re)) bad.push('code ' + m[0] + ': ' + at(m.index));
}
if (lang === 'zh') {
  // An English sentence (an untranslated message) on a Chinese page.
  for (const m of plain.matchAll(/\b[a-z]{2,} [a-z]{2,} [a-z]{2,}\b/g)) bad.push('English ' + m[0] + ': ' + at(m.index));
  // A Chinese message followed by its English translation in brackets.
  for (const m of text.matchAll(/（[A-Za-z][^（）\n]*?[a-z]{2,} [a-z]{2,}[^（）\n]*）/g)) bad.push('doubled: ' + around(m.index));
  if (!/[\u4e00-\u9fff]/.test(text)) bad.push('no Chinese at all');
} else {
  for (const m of plain.matchAll(/[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+/g)) bad.push('Chinese ' + m[0] + ': ' + at(m.index));
}
return bad.slice(0, 12);
"#;

/// What people typed or named, shown as it was written in either language: unit and region
/// names, measure titles and comments, visits, milestones, attachments, stacks.
fn data_strings(db: &Path, dir: &Path) -> Vec<String> {
    let archive = dir.join("archive.jsonl");
    zx(
        db.to_str().unwrap(),
        &["export", "--output", archive.to_str().unwrap()],
    );
    let fields: [(&str, &[&str]); 7] = [
        ("entity", &["name", "region"]),
        ("measure", &["title", "description"]),
        ("visit", &["leader", "participants", "summary", "findings"]),
        ("measure_update", &["comment"]),
        ("milestone", &["title"]),
        ("attachment", &["file_name"]),
        ("stack", &["name"]),
    ];
    let mut out = Vec::new();
    for line in std::fs::read_to_string(&archive).unwrap().lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        for (kind, names) in fields {
            for name in names {
                if let Some(text) = record[kind][name].as_str().filter(|t| !t.is_empty()) {
                    out.push(text.to_owned());
                }
            }
        }
    }
    // Longest first, so that a name inside another goes with it.
    out.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    out.dedup();
    out
}

/// The safety registers' names and texts as people wrote them (people, plans, joint units,
/// hazards and risks, warnings): the archive does not carry them yet, so they are read from the
/// database: every text with Chinese in it of those tables.
async fn with_safety_strings(mut out: Vec<String>, db: &Path) -> Vec<String> {
    use sqlx::Row;
    let pool = sqlx::sqlite::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new()
            .filename(db)
            .read_only(true),
    )
    .await
    .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE 'safety_%' \
         OR name LIKE 'hazard%' OR name IN ('site_exposures', 'natural_warnings', 'warning_alerts', \
         'benchmark_references') OR name LIKE 'rnd_%' OR name LIKE 'manager_%' \
         OR name LIKE 'practice%')",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for table in tables {
        for row in sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
            .fetch_all(&pool)
            .await
            .unwrap()
        {
            for i in 0..row.len() {
                if let Ok(Some(text)) = row.try_get::<Option<String>, _>(i)
                    && text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
                {
                    out.push(text);
                }
            }
        }
    }
    pool.close().await;
    out.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    out.dedup();
    out
}

/// Opens `path` and asserts the page is in `lang` only.
async fn check(page: &Page, path: &str, lang: &str, data: &[String]) {
    page.goto(path).await;
    element(&page.c, "main").await;
    let bad = page
        .c
        .execute(CHECK, vec![json!(lang), json!(data)])
        .await
        .unwrap_or_else(|e| panic!("check on {path}: {e}"));
    assert_eq!(bad, json!([]), "{lang} page {path} mixes languages");
}

/// The pages of the menu, as the page links them.
async fn menu(page: &Page) -> Vec<String> {
    page.goto("/cockpit").await;
    let hrefs = page
        .js("return [...document.querySelectorAll('header nav a')].map(a => a.getAttribute('href'));")
        .await;
    let list: Vec<String> = serde_json::from_value(hrefs).unwrap();
    assert!(list.len() >= 6, "{list:?}");
    list
}

/// Every page of `pages` plus the menu's, in Chinese and then in English.
async fn both_languages(page: &Page, pages: &[String], data: &[String]) {
    for lang in ["zh", "en"] {
        page.goto(&format!("/lang?to={lang}&next=/cockpit")).await;
        let mut all = menu(page).await;
        all.extend(pages.iter().cloned());
        for path in &all {
            check(page, path, lang, data).await;
        }
    }
}

/// An upload with errors: the issues in the UI language only (no "中文（English）").
async fn upload_with_errors(page: &Page, dir: &Path, lang: &str, data: &[String]) {
    page.goto(&format!("/lang?to={lang}&next=/collect")).await;
    let file = dir.join("fj-jj-wte-2026-10.csv");
    std::fs::write(
        &file,
        "entity,period,item,value\n\
         FJ-JJ-WTE,2026-10,total_profit,100\n\
         FJ-JJ-WTE,2026-10,net_profit,\"12,3x\"\n\
         FJ-JJ-WTE,2026-10,profit_total,5\n",
    )
    .unwrap();
    element(&page.c, "#upload-file")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    element(&page.c, "#upload-check")
        .await
        .click()
        .await
        .unwrap();
    let row = row_when(&page.c, "#upload-errors tr", |_, text| {
        text.contains("12,3x")
    })
    .await;
    let message = row.last().cloned().unwrap_or_default();
    let chinese = message
        .chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let english = message.contains("is not a decimal number");
    match lang {
        "zh" => assert!(chinese && !english, "{message}"),
        _ => assert!(english && !chinese, "{message}"),
    }
    let bad = page
        .c
        .execute(CHECK, vec![json!(lang), json!(data)])
        .await
        .unwrap();
    assert_eq!(
        bad,
        json!([]),
        "{lang} /collect after an upload mixes languages"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_reads_every_page_in_one_language() {
    browser::run(DESKTOP, |page: Page| async move {
        let dir = tempfile::tempdir().unwrap();
        page.sign_in("hq", "zh").await;

        // A locked month, so that the audit log has a `period.locked` line.
        page.goto("/collect?year=2026").await;
        element(&page.c, "#review-form").await;
        page.js("const f = document.getElementById('review-form');
             f.querySelector('[name=entity]').value = 'FJ-JJ-WTE';
             f.querySelector('[name=month]').value = '2026-01';
             f.querySelector('[name=state]').value = 'locked';
             f.submit(); return true;")
            .await;
        text_when(&page.c, "h1", |t| !t.is_empty()).await;

        // The explanation reads with names; the raw formula stays in a tooltip for experts.
        page.goto("/explain?entity=ZX&period=2026-10&basis=ytd&indicator=operating_cash_ratio")
            .await;
        let formula = text_when(&page.c, "#explain-formula", |t| !t.is_empty()).await;
        assert_eq!(
            formula,
            "经营活动产生的现金流量净额（累计） ÷ 营业收入（累计）"
        );
        let raw = element(&page.c, "#explain-formula")
            .await
            .attr("title")
            .await
            .unwrap();
        assert_eq!(
            raw.as_deref(),
            Some("flow(operating_cash_flow) / flow(operating_revenue)")
        );

        // The audit log: the lock by its name, times in China time with the zone in the heading.
        page.goto("/audit?action=period.locked").await;
        let heading = text_when(&page.c, "#audit thead th", |t| !t.is_empty()).await;
        assert_eq!(heading, "时间（北京时间）");
        let row = row_when(&page.c, "#audit tbody tr", |cells, _| cells.len() > 3).await;
        assert_eq!(row[2], "报送状态：已锁定", "{row:?}");
        let stored: Value = serde_json::from_str(&zx(
            page.db.to_str().unwrap(),
            &["audit", "--action", "period.locked", "--format", "json"],
        ))
        .unwrap();
        let at = stored["audit"][0]["at"].as_str().unwrap();
        let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
        let china = at
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        assert_eq!(row[0], china, "the stored {at} in China time");
        page.goto("/lang?to=en&next=/audit%3Faction%3Dperiod.locked")
            .await;
        let heading = text_when(&page.c, "#audit thead th", |t| t.starts_with("When")).await;
        assert_eq!(heading, "When (China time, UTC+8)");
        let row = row_when(&page.c, "#audit tbody tr", |cells, _| cells.len() > 3).await;
        assert_eq!(
            (row[0].as_str(), row[2].as_str()),
            (china.as_str(), "month locked")
        );

        let data = with_safety_strings(data_strings(&page.db, dir.path()), &page.db).await;
        let pages = [
            "/measures/8".to_owned(),
            "/measures/new".to_owned(),
            "/explain?entity=ZX&period=2026-10&basis=ytd&indicator=operating_cash_ratio".to_owned(),
            "/explain?entity=FJ-JJ-WTE&period=2026-10&basis=month&indicator=total_profit"
                .to_owned(),
            "/audit".to_owned(),
            format!("/environment/stacks/{MN}"),
            "/environment/plants/FJ-JJ-WTE".to_owned(),
            "/environment/alarms".to_owned(),
            "/environment/stacks".to_owned(),
            "/cockpit?entity=FJ&period=2026-10".to_owned(),
            "/cockpit?period=2026-13".to_owned(),
            "/measures/999".to_owned(),
        ];
        both_languages(&page, &pages, &data).await;
        upload_with_errors(&page, dir.path(), "zh", &data).await;
        upload_with_errors(&page, dir.path(), "en", &data).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subsidiary_manager_reads_every_page_in_one_language() {
    browser::run(DESKTOP, |page: Page| async move {
        let dir = tempfile::tempdir().unwrap();
        page.sign_in("fujian", "en").await;
        // "1 open measure", not "1 open measures": 晋江's R&D intensity has one measure in hand.
        page.goto("/cockpit?entity=FJ-JJ-WTE&period=2026-10").await;
        let measures = page
            .js("return [...document.querySelectorAll('.card .measures')].map(p => p.innerText.trim());")
            .await;
        let measures: Vec<String> = serde_json::from_value(measures).unwrap();
        assert!(
            measures.iter().any(|m| m == "1 open measure"),
            "{measures:?}"
        );
        assert!(
            measures.iter().all(|m| !m.starts_with("1 open measures")),
            "{measures:?}"
        );
        // The header names the role, not its code.
        text_when(&page.c, "header .who", |t| t == "fujian · unit manager").await;

        let data = with_safety_strings(data_strings(&page.db, dir.path()), &page.db).await;
        let pages = [
            "/measures/8".to_owned(),
            "/measures/new".to_owned(),
            "/explain?entity=FJ&period=2026-10&basis=ytd&indicator=operating_cash_ratio".to_owned(),
            format!("/environment/stacks/{MN}"),
            "/environment/plants/FJ-JJ-WTE".to_owned(),
            "/environment/alarms".to_owned(),
            "/environment/stacks".to_owned(),
        ];
        both_languages(&page, &pages, &data).await;
        page.goto("/lang?to=zh&next=/cockpit").await;
        text_when(&page.c, "header .who", |t| t == "fujian · 单位填报负责人").await;
        upload_with_errors(&page, dir.path(), "zh", &data).await;
        upload_with_errors(&page, dir.path(), "en", &data).await;
    })
    .await;
}
