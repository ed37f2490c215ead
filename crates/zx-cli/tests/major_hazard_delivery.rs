//! A hazard graded major reaches HQ's safety department the day it is graded (safety.md §2):
//! the in-app notice is recorded by the import; `zx remind` (like the server's ten-minute job)
//! sends it to the chat webhook once, names the hazard, and never again; a notice older than a
//! day is not sent (a restored database or a channel configured later sends no old news).

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

type Posts = Arc<Mutex<Vec<Value>>>;

async fn receiver() -> (String, Posts) {
    async fn keep(State(posts): State<Posts>, Json(body): Json<Value>) -> Json<Value> {
        posts.lock().unwrap().push(body);
        Json(json!({"ok": true}))
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

/// `zx ARGS --db DB` in `dir` without the caller's `ZX_*` settings; (stdout, stderr).
fn zx(dir: &Path, db: &str, args: &[&str], stdin: Option<&str>) -> (String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zx"));
    command.current_dir(dir).args(args).arg("--db").arg(db);
    for (key, _) in std::env::vars() {
        if key.starts_with("ZX_") {
            command.env_remove(key);
        }
    }
    command.env("ZX_USER", "tester").env("ZX_LANG", "en");
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "zx {args:?}: {stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

/// A group with one plant, HQ's safety analyst `safety`, and a hazard register with one major
/// hazard (graded, so HQ is notified now) and one general one.
fn group(dir: &Path, name: &str) -> String {
    let db = dir.join(name).to_string_lossy().into_owned();
    let write = |file: &str, text: &str| {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    let entities = write(
        "entities.csv",
        "code,name,parent,kind,region,segment\nG,示例集团,,group,北京,\nP1,一厂,G,plant,福建,waste-to-energy\n",
    );
    let hazards = write(
        "hazards.csv",
        "entity,id,found,grade,l,e,c,owner,deadline,status
P1,H3,2026-05-01,major,10,6,7,wang,2026-12-31,assessed
P1,H1,2026-05-01,general,3,6,15,li,2026-06-30,rectifying
",
    );
    zx(dir, &db, &["init"], None);
    zx(dir, &db, &["import", entities.as_str()], None);
    zx(
        dir,
        &db,
        &[
            "user",
            "add",
            "--name",
            "safety",
            "--role",
            "hq_analyst",
            "--password-stdin",
        ],
        Some("a-long-password-1234\n"),
    );
    zx(dir, &db, &["safety", "import", hazards.as_str()], None);
    db
}

fn remind(dir: &Path, db: &str, config: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let now = now.to_rfc3339();
    let (_, err) = zx(
        dir,
        db,
        &[
            "remind", "--now", &now, "--format", "json", "--config", config,
        ],
        None,
    );
    err
}

#[tokio::test(flavor = "multi_thread")]
async fn a_major_hazard_is_sent_to_hq_once_the_day_it_is_graded() {
    let dir = tempfile::tempdir().unwrap();
    let (url, posts) = receiver().await;
    let config = dir.path().join("zengxiao.toml");
    std::fs::write(
        &config,
        format!("[notify.webhook]\nurl = \"{url}\"\nkind = \"generic\"\n"),
    )
    .unwrap();
    let config = config.to_string_lossy().into_owned();
    let db = group(dir.path(), "today.db");
    let now = chrono::Utc::now() + chrono::Duration::minutes(1);
    let err = remind(dir.path(), &db, &config, now);
    assert!(
        err.contains("major hazard notices: webhook: 1 sent, 0 failed"),
        "{err}"
    );
    let bodies = posts.lock().unwrap().clone();
    let majors: Vec<&Value> = bodies
        .iter()
        .filter(|b| b["kind"] == "major_hazard")
        .collect();
    assert_eq!(majors.len(), 1, "{bodies:?}");
    assert_eq!(majors[0]["number"], "H3");
    assert_eq!(majors[0]["entity"], "P1");
    assert_eq!(majors[0]["deadline"], "2026-12-31");
    assert_eq!(majors[0]["to"], json!(["safety"]));
    let text = majors[0]["text"].as_str().unwrap();
    // The register's hazards file has no description column: the notice names the hazard.
    assert_eq!(
        text,
        "【安全生产】重大事故隐患：一厂 H3，期限 2026-12-31。\nMajor hazard: H3 (P1), deadline 2026-12-31."
    );
    // Sent once: the next run sends nothing more.
    let err = remind(
        dir.path(),
        &db,
        &config,
        now + chrono::Duration::minutes(10),
    );
    assert!(!err.contains("major hazard notices"), "{err}");
    let after = posts.lock().unwrap().clone();
    assert_eq!(
        after.iter().filter(|b| b["kind"] == "major_hazard").count(),
        1
    );

    // A notice graded more than a day before the run is not sent (old news).
    let db = group(dir.path(), "old.db");
    let err = remind(dir.path(), &db, &config, now + chrono::Duration::hours(25));
    assert!(!err.contains("major hazard notices"), "{err}");
    assert_eq!(
        posts
            .lock()
            .unwrap()
            .iter()
            .filter(|b| b["kind"] == "major_hazard")
            .count(),
        1
    );
}
