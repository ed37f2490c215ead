//! Layout in a real browser, on a phone (390 px) and on a desktop, as HQ and as a subsidiary
//! manager: every page of the menu (and the forms and detail pages they lead to) fits the
//! window, its forms put each label above its own field, text on coloured tiles and cells is
//! readable (WCAG AA, computed from the colours the browser applied), numbers and their headers
//! are aligned right, charts fill their box without overlapping labels, the menu folds on a
//! phone, a stack page's title names its plant, and an unknown address gets the app's 404 page.

use std::time::Duration;

use serde_json::Value;

mod common;
use common::browser::{self, DESKTOP, MN, PHONE, Page, element, yesterday};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone_and_reads_well() {
    browser::run(PHONE, |page: Page| async move {
        // Chromium does not open a window narrower than 500 px (`--window-size` is clamped);
        // resized through WebDriver, the page gets the phone's 390 px.
        page.c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
        check_signed_out(&page).await;
        // HQ in Chinese, the subsidiary manager in English (longer words, other wraps).
        for (user, lang) in [("hq", "zh"), ("fujian", "en")] {
            page.sign_in(user, lang).await;
            phone_menu(&page).await;
            check_every_page(&page, user).await;
            page.c.delete_all_cookies().await.unwrap();
        }
        page.sign_in("hq", "zh").await;
        charts_follow_the_window(&page).await;
    })
    .await;
}

/// Turned sideways (or a window widened), the cockpit's charts take their boxes' new width.
async fn charts_follow_the_window(page: &Page) {
    page.goto("/cockpit").await;
    wait_for_charts(page).await;
    let widths = "return [...document.querySelectorAll('.trend')].map(b => Math.round(b.querySelector('svg').getBoundingClientRect().width));";
    let narrow = page.js(widths).await;
    page.c.set_window_size(PHONE.1, PHONE.0).await.unwrap();
    let mut wide = narrow.clone();
    for _ in 0..50 {
        wide = page.js(widths).await;
        if wide[0].as_f64() > narrow[0].as_f64() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        wide[0].as_f64().unwrap() > narrow[0].as_f64().unwrap() + 100.0,
        "charts did not follow the window: {narrow} then {wide}"
    );
    let problems = problems(page).await;
    assert!(problems.is_empty(), "turned sideways: {problems:#?}");
    page.c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_desktop_and_reads_well() {
    browser::run(DESKTOP, |page: Page| async move {
        check_signed_out(&page).await;
        // HQ in Chinese, the subsidiary manager in English (longer words, other wraps).
        for (user, lang) in [("hq", "zh"), ("fujian", "en")] {
            page.sign_in(user, lang).await;
            page.goto("/cockpit").await;
            element(&page.c, "#menu").await;
            // On a desktop the menu is open and its button hidden.
            assert_eq!(displayed(&page, "#menu").await, Some(true));
            assert_eq!(displayed(&page, "#menu-toggle").await, Some(false));
            check_every_page(&page, user).await;
            page.c.delete_all_cookies().await.unwrap();
        }
        // A tablet held upright, in English (the widest words): between phone and desktop.
        page.c.set_window_size(820, 1180).await.unwrap();
        page.sign_in("fujian", "en").await;
        check_every_page(&page, "fujian at 820 px").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_titles_name_the_plant_and_unknown_addresses_get_the_apps_page() {
    browser::run(DESKTOP, |page: Page| async move {
        // Signed out: the app's page, not the browser's, with the status 404.
        let http = reqwest::Client::new();
        let answer = http
            .get(format!("{}/no/such/page", page.base))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 404);
        let body = answer.text().await.unwrap();
        assert!(body.contains("id=\"error-message\""), "{body}");
        assert!(body.contains("href=\"/cockpit\""), "no link home: {body}");
        // The API keeps answering JSON errors.
        let answer = http
            .get(format!("{}/api/v1/no-such-thing", page.base))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 404);
        let json: Value = answer.json().await.unwrap();
        assert_eq!(json["code"], "not_found", "{json}");

        page.sign_in("hq", "zh").await;
        page.goto("/no-such-page").await;
        let message = element(&page.c, "#error-message")
            .await
            .text()
            .await
            .unwrap();
        assert!(message.contains("/no-such-page"), "{message}");
        // With the layout: the menu of a signed-in user, and the way home.
        element(&page.c, "#menu nav a[href='/cockpit']").await;
        element(&page.c, "main a[href='/cockpit']").await;

        // The demo's first stack is 1号炉 of 晋江垃圾焚烧发电厂; its sister furnace is also
        // "1号炉" elsewhere, so the title must name the plant.
        page.goto(&format!("/environment/stacks/{MN}")).await;
        element(&page.c, "#stack-status").await;
        let title = page.js("return document.title;").await;
        let title = title.as_str().unwrap();
        assert!(
            title.starts_with("晋江垃圾焚烧发电厂 · 1号炉"),
            "the title does not name plant and stack: {title}"
        );
        // The header (status now) and the day card (today's verdict) agree: no data today
        // (the demo's minutes are yesterday's) is offline above "no data", not "compliant".
        let header = class_of(&page, "#stack-status").await;
        let card = class_of(&page, "#day-verdict").await;
        assert_eq!(header, "status-offline");
        assert!(card.contains("status-none"), "{card}");
        let verdict = element(&page.c, "#day-verdict .value")
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(verdict, "当日无数据");
    })
    .await;
}

async fn class_of(page: &Page, css: &str) -> String {
    element(&page.c, css)
        .await
        .attr("class")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The sign-in page: the one form a visitor sees.
async fn check_signed_out(page: &Page) {
    page.goto("/login").await;
    element(&page.c, "#sign-in").await;
    let problems = problems(page).await;
    assert!(problems.is_empty(), "/login: {problems:#?}");
}

/// On a phone the menu is one button; pressed, it shows every link, inside the window.
async fn phone_menu(page: &Page) {
    page.goto("/cockpit").await;
    element(&page.c, "#menu-toggle").await;
    assert_eq!(page.js("return window.innerWidth;").await, PHONE.0);
    assert_eq!(displayed(page, "#menu-toggle").await, Some(true));
    assert_eq!(
        displayed(page, "#menu").await,
        Some(false),
        "menu not folded"
    );
    // Folded, the header is one row: brand, button, language (not a column of characters).
    let height = page
        .js("return document.querySelector('header.top').getBoundingClientRect().height;")
        .await;
    assert!(height.as_f64().unwrap() < 60.0, "header {height} px high");
    element(&page.c, "#menu-toggle")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(
        displayed(page, "#menu").await,
        Some(true),
        "menu does not open"
    );
    let links = page
        .js("return [...document.querySelectorAll('#menu nav a')].map(a => { const r = a.getBoundingClientRect(); return [a.textContent, r.left, r.right, r.height]; });")
        .await;
    let links = links.as_array().unwrap();
    assert!(links.len() >= 7, "{links:?}");
    for link in links {
        let (left, right, height) = (
            link[1].as_f64().unwrap(),
            link[2].as_f64().unwrap(),
            link[3].as_f64().unwrap(),
        );
        assert!(
            left >= 0.0 && right <= 390.0 && height < 50.0,
            "menu link {link:?}"
        );
    }
    assert!(!page.scrolls_sideways().await, "open menu scrolls sideways");
    assert_eq!(
        page.js("return document.getElementById('menu-toggle').getAttribute('aria-expanded');")
            .await,
        "true"
    );
}

async fn displayed(page: &Page, css: &str) -> Option<bool> {
    page.js(&format!(
        "const e = document.querySelector({css:?}); return e ? getComputedStyle(e).display !== 'none' : null;"
    ))
    .await
    .as_bool()
}

/// Every page of the menu, and the pages one step further that hold forms or charts.
async fn check_every_page(page: &Page, user: &str) {
    page.goto("/cockpit").await;
    let menu = page
        .js("return [...document.querySelectorAll('#menu nav a')].map(a => a.getAttribute('href'));")
        .await;
    let mut paths: Vec<String> = menu
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert!(paths.len() >= 7, "{user}: menu {paths:?}");
    // One step further: a card's explanation, a measure, the new-measure form, the emissions
    // pages of a plant and a stack (yesterday: the day with minutes), the stacks register.
    for (from, css) in [
        ("/cockpit", ".card a.value"),
        ("/measures", "#measures tbody a[href^='/measures/']"),
        ("/environment", ".plant > a:not(.tile)"),
    ] {
        page.goto(from).await;
        let href = element(&page.c, css)
            .await
            .attr("href")
            .await
            .unwrap()
            .unwrap();
        paths.push(href);
    }
    paths.push("/measures/new".into());
    paths.push("/rnd/projects/RD-SC-02".into());
    paths.push("/environment/stacks".into());
    paths.push("/environment/alarms".into());
    paths.push(format!("/environment/stacks/{MN}?date={}", yesterday()));
    paths.push(format!("/environment/stacks/{MN}"));
    for path in &paths {
        page.goto(path).await;
        element(&page.c, "#lang-toggle").await;
        wait_for_charts(page).await;
        let problems = problems(page).await;
        assert!(problems.is_empty(), "{user} {path}: {problems:#?}");
        assert!(
            !page.scrolls_sideways().await,
            "{user} {path} scrolls sideways"
        );
    }
}

/// Charts are drawn after the first paint (and the stack's after a fetch): wait until every
/// chart box that will hold one does.
async fn wait_for_charts(page: &Page) {
    for _ in 0..100 {
        let pending = page
            .js("const boxes = [...document.querySelectorAll('.trend, .rank-chart, .spark')]; \
                 const live = document.getElementById('cems-charts'); \
                 const waiting = boxes.filter(b => !b.querySelector('svg') && !(live && live.contains(b))).length; \
                 const stack = live && !document.getElementById('chart-updated').textContent; \
                 return waiting + (stack && document.querySelector('#hourly tbody tr') ? 1 : 0);")
            .await;
        if pending.as_u64() == Some(0) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("charts not drawn on {}", browser::url(&page.c).await);
}

/// What is wrong with the page's layout, checked in the page from what the browser computed.
async fn problems(page: &Page) -> Vec<String> {
    let found = page.js(CHECKS).await;
    found
        .as_array()
        .unwrap_or_else(|| panic!("{found}"))
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The checks, as one script returning a list of problems.
const CHECKS: &str = r#"
const problems = [];
const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
const what = e => (e.id ? '#' + e.id : e.tagName.toLowerCase() + (e.name ? '[name=' + e.name + ']' : ''))
  + ' "' + (e.textContent || '').trim().slice(0, 30) + '"';

// 1. Forms: every field has its own label, whose text sits above the field and over it.
for (const field of document.querySelectorAll('form input, form select, form textarea')) {
  if (['hidden', 'submit', 'button'].includes(field.type) || !visible(field)) continue;
  // A field inside a table row or a heading acts on that row: a name is enough there.
  if (field.closest('td, th, h2')) {
    if (!field.labels.length && !field.getAttribute('aria-label')) problems.push('field without a name: ' + what(field));
    continue;
  }
  if (!field.labels.length) { problems.push('field without a label: ' + what(field)); continue; }
  const label = field.labels[0];
  const text = [...label.childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
  if (!text) { problems.push('label without text: ' + what(field)); continue; }
  const range = document.createRange(); range.selectNodeContents(text);
  const t = range.getBoundingClientRect(), f = field.getBoundingClientRect();
  if (t.bottom > f.top + 1) problems.push('label not above its field: ' + what(field) + ' label bottom ' + t.bottom + ' field top ' + f.top);
  if (t.left < f.left - 4 || t.left > f.right) problems.push('label not over its field: ' + what(field) + ' label left ' + t.left + ' field ' + f.left + '–' + f.right);
}

// 2. Contrast: every visible text against the background it is drawn on (WCAG AA: 4.5, or 3
//    for large text), from the computed colours, backgrounds composed from the root down.
const rgba = c => { const m = c.match(/rgba?\(([^)]*)\)/); if (!m) return null;
  const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
const background = e => { const chain = []; for (let x = e; x; x = x.parentElement) chain.unshift(x);
  let bg = [255, 255, 255, 1]; for (const x of chain) { const c = rgba(getComputedStyle(x).backgroundColor); if (c && c[3] > 0) bg = over(c, bg); } return bg; };
const opacity = e => { let o = 1; for (let x = e; x; x = x.parentElement) o *= Number(getComputedStyle(x).opacity); return o; };
for (const e of document.querySelectorAll('body *')) {
  if (e.closest('svg, script, style, option, select, [_echarts_instance_]')) continue;
  if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
  if (!visible(e)) continue;
  const s = getComputedStyle(e), bg = background(e), fg = rgba(s.color);
  fg[3] *= opacity(e);
  const text = over(fg, bg);
  const [a, b] = [lum(text), lum(bg)];
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
  const need = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
  if (ratio < need) problems.push('contrast ' + ratio.toFixed(2) + ' < ' + need + ': ' + what(e) + ' ' + s.color + ' on rgb(' + bg.slice(0, 3).map(Math.round) + ')');
}

// 3. Numbers: a numeric cell and its column's header are aligned right.
const right = e => ['right', 'end'].includes(getComputedStyle(e).textAlign);
for (const table of document.querySelectorAll('table')) {
  const head = table.tHead && table.tHead.rows[0];
  for (const cell of table.querySelectorAll('tbody td.num')) {
    if (!right(cell)) problems.push('number not right-aligned: ' + what(cell));
    const th = head && head.cells[cell.cellIndex];
    if (th && !right(th)) problems.push('header of numbers not right-aligned: ' + (table.id || 'table') + ' "' + th.textContent.trim() + '"');
  }
}

// 4. Charts fill their box, stay inside the window, and no two of their texts overlap.
for (const box of document.querySelectorAll('[_echarts_instance_]')) {
  const b = box.getBoundingClientRect(), svg = box.querySelector('svg');
  if (b.right > window.innerWidth + 1) problems.push('chart past the window: ' + what(box) + ' right ' + b.right);
  if (!svg) continue;
  const w = svg.getBoundingClientRect().width;
  if (Math.abs(w - b.width) > 2) problems.push('chart not the width of its box: ' + w + ' in ' + b.width);
  if (box.classList.contains('spark')) continue;
  const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim() && visible(t)
    && getComputedStyle(t).opacity !== '0').map(t => [t.textContent.trim(), t.getBoundingClientRect()]);
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
    const [p, q] = [texts[i][1], texts[j][1]];
    const x = Math.min(p.right, q.right) - Math.max(p.left, q.left), y = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
    if (x > 1 && y > 1) problems.push('chart texts overlap in ' + (box.id || box.className) + ': "' + texts[i][0] + '" and "' + texts[j][0] + '"');
  }
}
// 5. A table wider than its box scrolls inside that box.
for (const table of document.querySelectorAll('main table')) {
  const box = table.parentElement;
  if (table.getBoundingClientRect().width > box.clientWidth + 1 && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX))
    problems.push('table wider than its box, which does not scroll: ' + what(table));
}

// 6. Nothing reaches past the window (named, to say what makes a page scroll sideways).
if (document.documentElement.scrollWidth > window.innerWidth) {
  const wide = [...document.querySelectorAll('body *')].filter(e => visible(e)
    && e.getBoundingClientRect().right > window.innerWidth + 1
    && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1));
  problems.push('page scrolls sideways: ' + wide.slice(0, 5).map(e => what(e) + ' right ' + e.getBoundingClientRect().right).join('; '));
}
return [...new Set(problems)].slice(0, 40);
"#;

/// The screenshots of `docs/` (README), taken from the demo in this browser:
/// `ZX_SCREENSHOTS=docs cargo test -p zx-cli --test browser_layout -- --ignored screenshots`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes the docs' screenshots; run by hand"]
async fn screenshots_for_the_docs() {
    let Ok(dir) = std::env::var("ZX_SCREENSHOTS") else {
        browser::notice("ZX_SCREENSHOTS not set: no screenshots taken");
        return;
    };
    browser::run(DESKTOP, |page: Page| async move {
        let dir = std::path::PathBuf::from(dir);
        page.sign_in("hq", "zh").await;
        viewport(&page, 1440, 2057).await;
        let shots = [
            ("cockpit-zh.png", "zh", "/cockpit?period=2026-10"),
            (
                "cockpit-sc-zh.png",
                "zh",
                "/cockpit?entity=SC&period=2026-10",
            ),
            ("cockpit-en.png", "en", "/cockpit?period=2026-10"),
            (
                "explain-en.png",
                "en",
                "/explain?entity=ZX&period=2026-10&basis=ytd&indicator=total_profit",
            ),
        ];
        for (file, lang, path) in shots {
            page.goto(&format!(
                "/lang?to={lang}&next={}",
                path.replace('&', "%26")
            ))
            .await;
            element(&page.c, "#lang-toggle").await;
            wait_for_charts(&page).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            std::fs::write(dir.join(file), page.c.screenshot().await.unwrap()).unwrap();
        }
        viewport(&page, PHONE.0, PHONE.1).await;
        page.goto("/lang?to=zh&next=/cockpit?period=2026-10").await;
        element(&page.c, "#lang-toggle").await;
        wait_for_charts(&page).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        std::fs::write(
            dir.join("cockpit-phone-zh.png"),
            page.c.screenshot().await.unwrap(),
        )
        .unwrap();
    })
    .await;
}

/// Sizes the window so that the page itself is `width` × `height` (the window's own bars
/// take some of its height).
async fn viewport(page: &Page, width: u32, height: u32) {
    page.c.set_window_size(width, height).await.unwrap();
    let inner = page
        .js("return window.innerHeight;")
        .await
        .as_u64()
        .unwrap() as u32;
    page.c
        .set_window_size(width, height + height.saturating_sub(inner))
        .await
        .unwrap();
}
