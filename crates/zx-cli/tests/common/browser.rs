//! The real-browser harness every `browser_*` test shares: headless Chromium driven through
//! chromedriver (W3C WebDriver, `fantoccini`) against the real server on a random port with a
//! fresh demo database, plus the polling helpers the steps use.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `apt-get install chromium
//! chromium-driver`). Without them a test passes with a notice, unless `ZX_BROWSER_TESTS=1`
//! (set by `.ci/run`): then a missing browser is a failure.
//!
//! The server sends its Content-Security-Policy as in production, and every page the browser
//! opens records the violations it sees (a `securitypolicyviolation` listener installed through
//! CDP before any page script runs): a test whose pages broke the policy fails, listing them.

use std::future::Future;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use super::zx;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long any single wait for the page may take.
pub const PATIENCE: Duration = Duration::from_secs(10);
/// A desktop window.
pub const DESKTOP: (u32, u32) = (1280, 1600);
/// A phone held upright (iPhone 12–15 CSS width).
pub const PHONE: (u32, u32) = (390, 844);

/// The demo's first stack (晋江 1号炉).
pub const MN: &str = "88888880000001";

/// chromedriver, started by us in its own process group. Dropping it kills that group, so
/// neither chromedriver nor a Chromium it started outlives the test, even when it fails.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start() -> Self {
        use std::os::unix::process::CommandExt;
        let port = StdListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let mut driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(response) = client.get(format!("{}/status", driver.url)).send().await
                && let Ok(status) = response.json::<Value>().await
                && status["value"]["ready"] == true
            {
                return driver;
            }
            if let Ok(Some(exit)) = driver.child.try_wait() {
                panic!("chromedriver exited at start: {exit}");
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver not ready after {PATIENCE:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group id is chromedriver's pid (process_group(0)).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo served in-process on a random port.
struct Server {
    _dir: tempfile::TempDir,
    db: PathBuf,
    base: String,
}

impl Server {
    async fn start(clock: Arc<dyn zx_app::Clock>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("zx.db");
        zx(db.to_str().unwrap(), &["demo", "--lang", "en"]);
        seed_minutes(&db);
        let store = zx_store_sqlite::SqliteStore::open(db.to_str().unwrap(), false)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let settings = zx_server::Settings {
            db: db.to_string_lossy().into_owned(),
            ..Default::default()
        };
        tokio::spawn(zx_server::serve(
            listener,
            Arc::new(store),
            zx_domain::Catalogue::builtin().unwrap(),
            settings,
            clock,
        ));
        Server {
            _dir: dir,
            db,
            base,
        }
    }
}

/// Yesterday (China time), the day the emissions steps look at.
pub fn yesterday() -> chrono::NaiveDate {
    zx_app::china_time(chrono::Utc::now()).date() - chrono::TimeDelta::days(1)
}

/// Yesterday 00:00–01:59 for the demo's first stack in its minute store (beside the database):
/// NOx 200 mg/m³ at O₂ 13 %, corrected 200 × 10 / (21 − 13) = 250 every minute.
fn seed_minutes(db: &Path) {
    let dir = PathBuf::from(format!("{}.cems", db.display()));
    let store = zx_cems_store::MinuteStore::open(&dir).unwrap();
    let start = yesterday().and_hms_opt(0, 0, 0).unwrap();
    let mut readings = Vec::new();
    for m in 0..120 {
        for (code, value) in [("a21002", "200"), ("a19001", "13"), ("furnace_temp", "910")] {
            readings.push(zx_domain::cems::MinuteReading {
                mn: MN.into(),
                minute: start + chrono::TimeDelta::minutes(m),
                code: code.into(),
                value: value.parse().unwrap(),
                flag: zx_domain::cems::Flag::N,
            });
        }
    }
    store.append(&readings).unwrap();
}

/// Straight to stderr, past the test harness's capture: a skip must show in every log.
pub fn notice(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Why the test cannot run here, if it cannot; panics instead when CI demands the browser.
fn missing_browser() -> Option<String> {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return None;
    }
    let reason = format!("{} not installed", missing.join(" and "));
    assert!(
        std::env::var("ZX_BROWSER_TESTS").as_deref() != Ok("1"),
        "ZX_BROWSER_TESTS=1 but {reason} (apt-get install chromium chromium-driver)"
    );
    Some(reason)
}

/// What the steps get: the browser, the server's address and its database file (for `zx`
/// commands against the same data).
#[derive(Clone)]
pub struct Page {
    pub c: Client,
    pub base: String,
    pub db: PathBuf,
}

/// Runs `steps` in a fresh browser (window `size`) against a fresh demo server on the system
/// clock. See [`run_with_clock`].
pub async fn run<F, Fut>(size: (u32, u32), steps: F)
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_with_clock(size, Arc::new(zx_app::SystemClock), steps).await
}

/// Runs `steps` against a fresh demo server whose "now" is `clock`. The steps run in their own
/// task so that a failed assertion still ends the browser session cleanly before the failure
/// is reported. Without a browser (and without `ZX_BROWSER_TESTS=1`) it returns with a notice.
pub async fn run_with_clock<F, Fut>(size: (u32, u32), clock: Arc<dyn zx_app::Clock>, steps: F)
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let violations = violations_of(size, clock, steps).await.unwrap_or_default();
    if let Some(report) = describe_violations(&violations) {
        panic!("{report}");
    }
}

/// Runs `steps` as [`run_with_clock`] does and returns the Content-Security-Policy violations
/// the pages recorded instead of failing on them; `None` when skipped (no browser).
pub async fn violations_of<F, Fut>(
    size: (u32, u32),
    clock: Arc<dyn zx_app::Clock>,
    steps: F,
) -> Option<Vec<Value>>
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    if let Some(reason) = missing_browser() {
        notice(&format!(
            "SKIPPED browser test: {reason}; set ZX_BROWSER_TESTS=1 to make this a failure"
        ));
        return None;
    }
    let server = Server::start(clock).await;
    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                format!("--window-size={},{}", size.0, size.1),
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session with headless Chromium");
    // Chromium opens no window narrower than 500 px: a phone's width is set once it is open.
    client
        .set_window_size(size.0, size.1)
        .await
        .expect("the window takes the test's size");
    watch_for_violations(&client, &driver.url).await;
    let page = Page {
        c: client.clone(),
        base: server.base.clone(),
        db: server.db.clone(),
    };
    let outcome = tokio::spawn(steps(page)).await;
    let violations = recorded_violations(&client, &server.base).await;
    let _ = client.close().await;
    drop(driver);
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("browser steps did not finish: {error}"),
        }
    }
    Some(violations)
}

/// Where pages record the Content-Security-Policy violations they see: the tab's
/// sessionStorage on the server's origin, which outlives navigation between its pages.
const VIOLATIONS_KEY: &str = "zx-csp-violations";

/// Installed in every document before its own scripts (CDP
/// `Page.addScriptToEvaluateOnNewDocument`, which the page's policy does not govern).
const VIOLATION_LISTENER: &str = r#"
document.addEventListener('securitypolicyviolation', (e) => {
  try {
    const seen = JSON.parse(sessionStorage.getItem('zx-csp-violations') || '[]');
    seen.push({
      page: location.pathname + location.search,
      directive: e.violatedDirective,
      blocked: e.blockedURI,
      source: (e.sourceFile || '') + ':' + e.lineNumber,
      sample: e.sample,
    });
    sessionStorage.setItem('zx-csp-violations', JSON.stringify(seen));
  } catch (_) {}
}, true);
"#;

/// Installs [`VIOLATION_LISTENER`] in the session through chromedriver's CDP bridge.
async fn watch_for_violations(client: &Client, driver: &str) {
    let session = client
        .session_id()
        .await
        .ok()
        .flatten()
        .expect("a WebDriver session id");
    let response = reqwest::Client::new()
        .post(format!("{driver}/session/{session}/goog/cdp/execute"))
        .json(&json!({
            "cmd": "Page.addScriptToEvaluateOnNewDocument",
            "params": { "source": VIOLATION_LISTENER },
        }))
        .send()
        .await
        .expect("chromedriver answers a CDP command");
    assert!(
        response.status().is_success(),
        "the CSP violation listener could not be installed: {}",
        response.text().await.unwrap_or_default()
    );
}

/// The violations the tab's pages recorded, read on the server's origin.
async fn recorded_violations(c: &Client, base: &str) -> Vec<Value> {
    if !url(c).await.starts_with(base) {
        let _ = c.goto(&format!("{base}/static/page.js")).await;
    }
    // The event is dispatched as a task: let one raised by the last step arrive.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let script = format!("return sessionStorage.getItem('{VIOLATIONS_KEY}');");
    match c.execute(&script, vec![]).await {
        Ok(Value::String(text)) => serde_json::from_str(&text).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The failure message for recorded violations, one line each; `None` when there are none.
pub fn describe_violations(violations: &[Value]) -> Option<String> {
    if violations.is_empty() {
        return None;
    }
    let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_owned();
    let lines: Vec<String> = violations
        .iter()
        .map(|v| {
            format!(
                "  {}: {} blocked {} at {} {}",
                text(v, "page"),
                text(v, "directive"),
                text(v, "blocked"),
                text(v, "source"),
                text(v, "sample")
            )
        })
        .collect();
    Some(format!(
        "{} Content-Security-Policy violation(s) in the browser:\n{}",
        violations.len(),
        lines.join("\n")
    ))
}

impl Page {
    /// Opens `path` (e.g. `/collect?year=2026`).
    pub async fn goto(&self, path: &str) {
        self.c
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("goto {path}: {e}"));
    }

    /// Signs in through the form as a demo account (`hq`, `admin`, `fujian`, `sichuan`; the
    /// password is `zengxiao-<name>`) with the UI in `lang` (`zh` or `en`).
    pub async fn sign_in(&self, name: &str, lang: &str) {
        self.goto(&format!("/lang?to={lang}&next=/login")).await;
        element(&self.c, "#name")
            .await
            .send_keys(name)
            .await
            .unwrap();
        element(&self.c, "#password")
            .await
            .send_keys(&format!("zengxiao-{name}"))
            .await
            .unwrap();
        element(&self.c, "#sign-in").await.click().await.unwrap();
        // The login page has the toggle too: wait until the form's navigation has left it, or a
        // `goto` right after signing in races the redirect and loses.
        let deadline = Instant::now() + PATIENCE;
        while url(&self.c).await.contains("/login") {
            assert!(
                Instant::now() < deadline,
                "{name} still on the login page after {PATIENCE:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        element(&self.c, "#lang-toggle").await;
    }

    /// Runs `script` (a function body: `return …;`) in the page.
    pub async fn js(&self, script: &str) -> Value {
        match self.c.execute(script, vec![]).await {
            Ok(value) => value,
            Err(e) => panic!("script failed on {}: {e}\n{script}", url(&self.c).await),
        }
    }

    /// Whether the page scrolls sideways (its content is wider than the window).
    pub async fn scrolls_sideways(&self) -> bool {
        self.js("return document.documentElement.scrollWidth > window.innerWidth;")
            .await
            .as_bool()
            .unwrap_or(true)
    }
}

/// The element, once it is on the page (polled up to `PATIENCE`).
pub async fn element(c: &Client, css: &str) -> Element {
    match c
        .wait()
        .at_most(PATIENCE)
        .every(Duration::from_millis(50))
        .for_element(Locator::Css(css))
        .await
    {
        Ok(found) => found,
        Err(e) => panic!("no {css} on {}: {e}", url(c).await),
    }
}

pub async fn url(c: &Client) -> String {
    c.current_url()
        .await
        .map_or_else(|e| format!("? ({e})"), |u| u.to_string())
}

/// Polls the text of `css` until `ok` accepts it; navigation in between is fine.
pub async fn text_when(c: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + PATIENCE;
    let mut last = String::new();
    loop {
        if let Ok(found) = c.find(Locator::Css(css)).await
            && let Ok(text) = found.text().await
        {
            if ok(&text) {
                return text;
            }
            last = text;
        }
        assert!(
            Instant::now() < deadline,
            "{css} on {}: still {last:?} after {PATIENCE:?}",
            url(c).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls the rows matching `css` until one's cells (trimmed) and text satisfy `ok`.
pub async fn row_when(c: &Client, css: &str, ok: impl Fn(&[String], &str) -> bool) -> Vec<String> {
    let deadline = Instant::now() + PATIENCE;
    let mut seen = Vec::new();
    loop {
        seen.clear();
        if let Ok(rows) = c.find_all(Locator::Css(css)).await {
            for row in rows {
                let Ok(text) = row.text().await else { continue };
                let mut cells = Vec::new();
                if let Ok(tds) = row.find_all(Locator::Css("td, th")).await {
                    for td in tds {
                        cells.push(td.text().await.unwrap_or_default().trim().to_owned());
                    }
                }
                if ok(&cells, &text) {
                    return cells;
                }
                seen.push(text);
            }
        }
        assert!(
            Instant::now() < deadline,
            "no matching row in {css} on {} after {PATIENCE:?}; rows: {seen:#?}",
            url(c).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
