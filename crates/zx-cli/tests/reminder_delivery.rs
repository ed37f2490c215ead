//! Reminders leaving the application: the server's daily job (`zx serve` with
//! `reminders.run_on_start`) and `zx remind` with a webhook in `zengxiao.toml`, on the demo
//! database, POSTing to a local webhook receiver (a real HTTP server, axum). What arrives is
//! compared with what `zx remind --dry-run` said would be sent at the same time. E-mail goes to
//! a local SMTP sink (a real SMTP conversation over TCP, the envelope and message kept).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

mod common;
use common::smtp::smtp_sink;

type Posts = Arc<Mutex<Vec<Value>>>;

/// A webhook receiver on 127.0.0.1 keeping every JSON body POSTed to `/hook`; returns its URL.
async fn receiver() -> (String, Posts) {
    async fn keep(State(posts): State<Posts>, Json(body): Json<Value>) -> Json<Value> {
        posts.lock().unwrap().push(body);
        Json(json!({"errcode": 0, "errmsg": "ok"}))
    }
    let posts: Posts = Arc::default();
    let app = Router::new()
        .route("/hook", post(keep))
        .with_state(posts.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, posts)
}

/// `zx` in `dir` (so no stray `zengxiao.toml` is read) without the caller's `ZX_*` settings.
fn zx_command(dir: &Path, db: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zx"));
    command.current_dir(dir).args(args).arg("--db").arg(db);
    for (key, _) in std::env::vars() {
        if key.starts_with("ZX_") {
            command.env_remove(key);
        }
    }
    command.env("ZX_USER", "tester").env("ZX_LANG", "en");
    command
}

/// Runs `zx`, expecting success; (stdout, stderr).
fn zx(dir: &Path, db: &str, args: &[&str]) -> (String, String) {
    let out = zx_command(dir, db, args).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "zx {args:?}: {stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

/// The demo group in a new SQLite file in `dir`.
fn demo(dir: &Path) -> String {
    let db = dir.join("zx.db").to_string_lossy().into_owned();
    zx(dir, &db, &["demo", "--lang", "en"]);
    db
}

/// `(measure, to, reason)` of a notification.
type Triple = (i64, String, String);

/// `(measure, to, reason)` of `zx remind --format json` output.
fn triples(notifications: &Value) -> Vec<(i64, String, String)> {
    let mut list: Vec<(i64, String, String)> = notifications["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["measure"].as_i64().unwrap(),
                n["to"].as_str().unwrap().to_owned(),
                n["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    list.sort();
    list
}

/// The alerts the manager register's reminders of a `zx remind --format json` make: one per
/// term, year and reason (the demo's register lies around the day it was built: its term ending
/// next month and its missing rating are reminded of to `hr`, who has no e-mail address).
fn manager_alerts(json: &Value) -> usize {
    let mut alerts: Vec<(i64, i64, String)> = json["manager_reminders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["term"].as_i64().unwrap(),
                r["year"].as_i64().unwrap(),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    alerts.sort();
    alerts.dedup();
    alerts.len()
}

/// The manager alerts a dry run at `now` announces.
fn manager_alerts_at(dir: &Path, db: &str, now: &str) -> usize {
    let (out, _) = zx(
        dir,
        db,
        &["remind", "--now", now, "--dry-run", "--format", "json"],
    );
    manager_alerts(&serde_json::from_str(&out).unwrap())
}

fn dry_run(dir: &Path, db: &str) -> Vec<(i64, String, String)> {
    dry_run_with_drills(dir, db).0
}

/// The measures' `(measure, to, reason)` and the drill reminders' `(planned drill, reason)`
/// (one alert each) that a dry run announces.
fn dry_run_with_drills(dir: &Path, db: &str) -> (Vec<Triple>, Vec<(i64, String)>) {
    let (out, _) = zx(dir, db, &["remind", "--dry-run", "--format", "json"]);
    let json: Value = serde_json::from_str(&out).unwrap();
    let mut drills: Vec<(i64, String)> = json["drill_reminders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["planned_drill"].as_i64().unwrap(),
                d["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    drills.sort();
    drills.dedup();
    (triples(&json), drills)
}

/// A `zx serve` that is sent SIGTERM (graceful shutdown) and, failing that, killed when dropped.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for(posts: &Posts, count: usize, log: &Path) {
    let start = Instant::now();
    while posts.lock().unwrap().len() < count {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{} of {count} webhook POSTs after 60 s; server log:\n{}",
            posts.lock().unwrap().len(),
            std::fs::read_to_string(log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_job_delivers_what_a_dry_run_announced_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let (url, posts) = receiver().await;
    // The job judges on the current time, so does this dry run (a China midnight between the two
    // would change the list: seconds apart, accepted).
    let (expected, drills) = dry_run_with_drills(dir.path(), &db);
    let (out, _) = zx(
        dir.path(),
        &db,
        &["remind", "--dry-run", "--format", "json"],
    );
    let managers = manager_alerts(&serde_json::from_str(&out).unwrap());
    assert!(
        !expected.is_empty(),
        "the demo has open measures, overdue from 2027-04 on at the latest"
    );
    // 南充's overdue on-site plan is planned ten days after the demo was built: due soon.
    assert_eq!(drills.len(), 1, "{drills:?}");
    assert_eq!(drills[0].1, "drill_due_soon");
    let config = dir.path().join("zengxiao.toml");
    std::fs::write(
        &config,
        format!(
            "[notify.webhook]\nurl = \"{url}\"\nkind = \"generic\"\n\n\
             [reminders]\nrun_on_start = true\n"
        ),
    )
    .unwrap();
    let log = dir.path().join("server.log");
    let child = zx_command(
        dir.path(),
        &db,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config",
            config.to_str().unwrap(),
        ],
    )
    .env("ZX_LOG", "info")
    // The server logs to stdout.
    .stdout(std::fs::File::create(&log).unwrap())
    .stderr(Stdio::inherit())
    .spawn()
    .unwrap();
    let mut server = Served(child);

    // The demo's major hazards were graded when it was built, minutes ago: HQ gets them as one
    // digest beside the reminders.
    wait_for(&posts, expected.len() + drills.len() + managers + 1, &log).await;
    // Nothing more arrives: one POST per notification, one per drill or manager alert.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (majors, all): (Vec<Value>, Vec<Value>) = posts
        .lock()
        .unwrap()
        .clone()
        .into_iter()
        .partition(|b| b["kind"] == "major_hazards");
    assert_eq!(majors.len(), 1, "{majors:?}");
    assert_eq!(majors[0]["to"], json!(["hq"]));
    assert!(majors[0]["hazards"].as_array().unwrap().len() > 1);
    let (bodies, others): (Vec<Value>, Vec<Value>) =
        all.into_iter().partition(|b| b.get("measure").is_some());
    let (drill_bodies, manager_bodies): (Vec<Value>, Vec<Value>) = others
        .into_iter()
        .partition(|b| b.get("planned_drill").is_some());
    assert_eq!(manager_bodies.len(), managers);
    assert!(
        manager_bodies
            .iter()
            .all(|b| b["kind"] == "manager_reminder")
    );
    let mut got_drills: Vec<(i64, String)> = drill_bodies
        .iter()
        .map(|b| {
            (
                b["planned_drill"].as_i64().unwrap(),
                b["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    got_drills.sort();
    assert_eq!(got_drills, drills);
    let mut got: Vec<(i64, String, String)> = bodies
        .iter()
        .map(|b| {
            (
                b["measure"].as_i64().unwrap(),
                b["to"].as_str().unwrap().to_owned(),
                b["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(got, expected);
    for body in &bodies {
        let title = body["title"].as_str().unwrap();
        let due = body["due"].as_str().unwrap();
        assert!(!title.is_empty(), "{body}");
        assert!(
            chrono::NaiveDate::parse_from_str(due, "%Y-%m-%d").is_ok(),
            "{body}"
        );
        let text = body["text"].as_str().unwrap();
        assert!(text.contains(title) && text.contains(due), "{body}");
        assert!(body["entity"].as_str().is_some_and(|e| !e.is_empty()));
    }

    // Graceful shutdown ends the job with the server.
    let pid = server.0.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let start = Instant::now();
    let exit = loop {
        if let Some(exit) = server.0.try_wait().unwrap() {
            break exit;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "zx serve still running 20 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(exit.success(), "zx serve exited with {exit}");
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("daily reminder job started"), "{log}");
    assert!(log.contains("reminders delivered"), "{log}");

    // The job recorded them: nothing is left to send.
    assert_eq!(dry_run(dir.path(), &db), vec![]);
}

#[tokio::test(flavor = "multi_thread")]
async fn zx_remind_delivers_new_notifications_to_the_configured_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let (url, posts) = receiver().await;
    let config = dir.path().join("zengxiao.toml");
    std::fs::write(
        &config,
        format!("[notify.webhook]\nurl = \"{url}\"\nkind = \"feishu\"\n"),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let now = "2026-11-27T09:00:00+08:00";

    // A dry run records and delivers nothing.
    let (out, err) = zx(
        dir.path(),
        &db,
        &[
            "remind",
            "--now",
            now,
            "--dry-run",
            "--format",
            "json",
            "--config",
            config,
        ],
    );
    let announced = triples(&serde_json::from_str(&out).unwrap());
    assert!(!announced.is_empty());
    assert_eq!(err, "");
    tokio::task::yield_now().await;
    assert!(posts.lock().unwrap().is_empty());

    // The stdout contract is unchanged; the delivery summary is on stderr.
    let (out, err) = zx(
        dir.path(),
        &db,
        &[
            "remind", "--now", now, "--format", "json", "--config", config,
        ],
    );
    let json: Value = serde_json::from_str(&out).unwrap();
    let sent = triples(&json);
    assert_eq!(sent, announced);
    // The manager register's alerts come after the measures', on a line of their own.
    let managers = manager_alerts(&json);
    let manager_line = if managers > 0 {
        format!("delivery: webhook: {managers} sent, 0 failed\n")
    } else {
        String::new()
    };
    assert_eq!(
        err,
        format!(
            "delivery: webhook: {} sent, 0 failed\n{manager_line}",
            sent.len()
        )
    );
    let bodies = posts.lock().unwrap().clone();
    assert_eq!(bodies.len(), sent.len() + managers);
    for (body, (_, to, _)) in bodies.iter().zip(&sent) {
        assert_eq!(body["msg_type"], "text", "{body}");
        let text = body["content"]["text"].as_str().unwrap();
        assert!(text.starts_with("【提质增效】"), "{text}");
        assert!(text.ends_with(&format!("for {to}.")), "{text}");
    }
    // 2026-10-31's ZJ-JH-WTE measure is overdue on 2026-11-27 and owned by hq.
    assert!(bodies.iter().any(|b| {
        let text = b["content"]["text"].as_str().unwrap();
        text.contains("与地方财政签订垃圾处理费支付协议") && text.contains("2026-10-31")
    }));

    // A re-run records nothing new and delivers nothing.
    let (out, err) = zx(
        dir.path(),
        &db,
        &[
            "remind", "--now", now, "--format", "json", "--config", config,
        ],
    );
    assert_eq!(triples(&serde_json::from_str(&out).unwrap()), vec![]);
    assert_eq!(err, "delivery: webhook: 0 sent, 0 failed\n");
    assert_eq!(posts.lock().unwrap().len(), sent.len() + managers);
}

#[test]
fn an_unreachable_webhook_is_reported_and_the_notifications_stay_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let now = "2026-11-27T09:00:00+08:00";
    let managers = manager_alerts_at(dir.path(), &db, now);
    let out = zx_command(
        dir.path(),
        &db,
        &["remind", "--now", now, "--format", "json"],
    )
    .env(
        "ZX_NOTIFY__WEBHOOK__URL",
        format!("http://127.0.0.1:{port}/hook?key=s3cret"),
    )
    .env("ZX_NOTIFY__WEBHOOK__KIND", "wecom")
    .output()
    .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    let sent = triples(&serde_json::from_str(&String::from_utf8(out.stdout).unwrap()).unwrap());
    assert!(!sent.is_empty());
    let first = stderr.lines().next().unwrap();
    assert_eq!(
        first,
        format!("delivery: webhook: 0 sent, {} failed", sent.len())
    );
    // The manager register's alerts: a summary line and an error line each.
    let manager_lines = if managers > 0 { 1 + managers } else { 0 };
    assert_eq!(
        stderr.lines().count(),
        1 + sent.len() + manager_lines,
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
    // Recorded all the same.
    let (out, _) = zx(
        dir.path(),
        &db,
        &["remind", "--now", now, "--dry-run", "--format", "json"],
    );
    assert_eq!(triples(&serde_json::from_str(&out).unwrap()), vec![]);
}

#[tokio::test(flavor = "multi_thread")]
async fn zx_remind_emails_the_accounts_that_have_an_address() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    {
        let store = zx_store_sqlite::SqliteStore::open(&db, false)
            .await
            .unwrap();
        let at = chrono::Utc::now();
        zx_store::AccountStore::set_email(&store, "hq", Some("hq@example.com"), "tester", at)
            .await
            .unwrap();
    }
    let (port, mailbox) = smtp_sink().await;
    let config = dir.path().join("zengxiao.toml");
    std::fs::write(
        &config,
        format!(
            "[notify.smtp]\nurl = \"smtp://127.0.0.1:{port}\"\n\
             from = \"Zengxiao <zengxiao@example.com>\"\n"
        ),
    )
    .unwrap();
    let now = "2026-11-27T09:00:00+08:00";
    let managers = manager_alerts_at(dir.path(), &db, now);
    let (out, err) = zx(
        dir.path(),
        &db,
        &[
            "remind",
            "--now",
            now,
            "--format",
            "json",
            "--config",
            config.to_str().unwrap(),
        ],
    );
    let sent = triples(&serde_json::from_str(&out).unwrap());
    // The manager register's alerts go to `hr`, who has no address.
    let manager_line = if managers > 0 {
        format!("delivery: e-mail: 0 sent, 0 failed, {managers} without address\n")
    } else {
        String::new()
    };
    let to_hq = sent.iter().filter(|(_, to, _)| to == "hq").count();
    assert!(to_hq > 0 && to_hq < sent.len(), "{sent:?}");
    assert_eq!(
        err,
        format!(
            "delivery: e-mail: {to_hq} sent, 0 failed, {} without address\n{manager_line}",
            sent.len() - to_hq
        )
    );
    let mails = mailbox.lock().unwrap().clone();
    assert_eq!(mails.len(), to_hq);
    for (to, data) in &mails {
        assert_eq!(to, &vec!["hq@example.com".to_owned()]);
        assert!(data.contains("To: hq@example.com"), "{data}");
        // The subject is an RFC 2047 encoded word (it is Chinese).
        assert!(data.contains("Subject: =?utf-8?"), "{data}");
    }
}
