//! The monthly report on HQ's schedule (issue 16, item 3), on both backends: HQ sets the
//! schedule through the API (audited; a plant manager may not), `zx remind` at fixed times
//! (the server's ten-minute check does the same, `zx_server::report_schedule::send_due`) sends
//! last month's report once its moment has passed, as one e-mail to the recipients with the PDF
//! attached, through a local SMTP sink; a failed send is kept and tried again, the report that
//! went out is kept, listed and downloadable byte for byte, audited, and never sent twice.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};

#[macro_use]
mod common;
use common::smtp::smtp_sink;
use common::web::{Env, hidden};

/// A port nothing listens on.
async fn dead_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// `zx remind --now NOW --config` with SMTP on `port` and the server's minute store; stderr.
fn remind(env: &Env, port: u16, now: &str) -> String {
    let config = env.dir.path().join(format!("zengxiao-{port}.toml"));
    std::fs::write(
        &config,
        format!(
            "[notify.smtp]\nurl = \"smtp://127.0.0.1:{port}\"\n\
             from = \"Zengxiao <zengxiao@example.com>\"\n\n[emissions]\ndir = \"{}\"\n",
            common::web::cems_dir(&env.dir)
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zx"))
        .args(["remind", "--now", now, "--config"])
        .arg(&config)
        .arg("--db")
        .arg(&env.db)
        .env("ZX_USER", "tester")
        .env("ZX_LANG", "en")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "zx remind: {stderr}");
    stderr
}

/// The lines of `zx remind`'s stderr about the monthly report.
fn report_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("monthly report:"))
        .collect()
}

async fn put_schedule(env: &Env, client: &reqwest::Client, body: &Value) -> (StatusCode, Value) {
    let csrf = hidden(&env.get(client, "/cockpit").await.1, "csrf");
    let response = client
        .put(format!("{}/api/v1/reports/schedule", env.base))
        .header("x-csrf-token", csrf)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn json(env: &Env, client: &reqwest::Client, path: &str) -> Value {
    let (status, body) = env.get(client, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn the_due_report_is_mailed_kept_and_never_sent_twice(env: Env) {
    let hq = env.login("hq", "zengxiao-hq").await;
    let group = json(&env, &hq, "/api/v1/entities").await[0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    // The 31st at 09:30 China time: November has 30 days, so 30 November 09:30 +08 =
    // 2026-11-30T01:30:00Z, and the report is October's (the last closed month).
    let schedule = json!({
        "day": 31,
        "time": "09:30",
        "recipients": ["boss@example.com", "office@example.com"],
        "lang": "zh",
        "enabled": true,
    });
    let (status, set) = put_schedule(&env, &hq, &schedule).await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["day"], 31);
    assert_eq!(set["time"], "09:30");
    assert_eq!(set["entity"], group.as_str());
    assert_eq!(set["updated_by"], "hq");

    // Documented in the OpenAPI document generated from the code.
    let doc = json(&env, &hq, "/api/openapi.json").await;
    assert!(doc["paths"]["/api/v1/reports/schedule"]["put"].is_object());
    assert!(doc["paths"]["/api/v1/reports/sent/{id}"]["get"].is_object());

    // A plant manager may neither set nor read it; a bad address is refused by name.
    let nanchong = env.login("nanchong", "zengxiao-nanchong").await;
    let (status, _) = put_schedule(&env, &nanchong, &schedule).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = env.get(&nanchong, "/api/v1/reports/sent").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut bad = schedule.clone();
    bad["recipients"] = json!(["boss@example"]);
    let (status, refused) = put_schedule(&env, &hq, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("boss@example"),
        "{refused}"
    );
    // The change is audited once, with the new settings (the refused ones wrote nothing).
    let audit = json(&env, &hq, "/api/v1/audit?action=report_schedule.set").await;
    let audit = audit.as_array().unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["user"], "hq");
    assert_eq!(
        audit[0]["new"],
        format!(
            "day=31; time=09:30; entity={group}; lang=zh; enabled=yes; \
             recipients=boss@example.com, office@example.com"
        )
    );

    let (port, mailbox) = smtp_sink().await;
    let reports = |mails: &[(Vec<String>, String)]| {
        mails
            .iter()
            .filter(|(_, data)| {
                mail_parser::MessageParser::default()
                    .parse(data.as_bytes())
                    .and_then(|m| m.subject().map(|s| s.contains("质量效益月度报告")))
                    .unwrap_or(false)
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    // A minute before the moment: nothing.
    let err = remind(&env, port, "2026-11-30T01:29:00Z");
    assert!(report_lines(&err).is_empty(), "{err}");
    // At the moment, with the mail server down: the attempt is kept as failed.
    let dead = dead_port().await;
    let err = remind(&env, dead, "2026-11-30T01:30:00Z");
    let lines = report_lines(&err);
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("monthly report: not sent: "), "{err}");
    // Ten minutes later, the server is up: sent, once, to both recipients.
    let err = remind(&env, port, "2026-11-30T01:40:00Z");
    assert_eq!(
        report_lines(&err),
        [format!(
            "monthly report: report-{group}-2026-10.pdf sent to boss@example.com, office@example.com"
        )],
        "{err}"
    );
    let sent = reports(&mailbox.lock().unwrap());
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, ["boss@example.com", "office@example.com"]);
    let parsed = mail_parser::MessageParser::default()
        .parse(sent[0].1.as_bytes())
        .unwrap();
    assert_eq!(parsed.attachment_count(), 1);
    let attached = parsed.attachment(0).unwrap().contents().to_vec();
    assert!(attached.starts_with(b"%PDF-"));
    let text = pdf_extract::extract_text_from_mem(&attached).unwrap();
    assert!(text.contains("质量效益月度报告"), "{text}");
    assert!(text.contains("2026-10"), "{text}");

    // The next checks send nothing more (the month's report went out).
    for now in ["2026-11-30T01:50:00Z", "2026-12-01T01:30:00Z"] {
        let err = remind(&env, port, now);
        assert!(report_lines(&err).is_empty(), "{now}: {err}");
    }
    assert_eq!(reports(&mailbox.lock().unwrap()).len(), 1);

    // Kept: listed newest first, the sent one downloadable with the bytes that were attached.
    let list = json(&env, &hq, "/api/v1/reports/sent").await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(
        (list[0]["outcome"].as_str(), list[1]["outcome"].as_str()),
        (Some("sent"), Some("failed"))
    );
    assert_eq!(list[0]["period"], "2026-10");
    assert_eq!(list[0]["by"], "system");
    assert_eq!(list[0]["size"], attached.len());
    assert_eq!(list[1]["download"], Value::Null);
    let download = list[0]["download"].as_str().unwrap();
    let response = hq
        .get(format!("{}{download}", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().to_vec(), attached);
    // The page links to it as well; a plant manager gets neither.
    let (_, page) = env.get(&hq, "/reports/schedule").await;
    let id = list[0]["id"].as_i64().unwrap();
    assert!(
        page.contains(&format!("href=\"/reports/sent/{id}\"")),
        "{page}"
    );
    let (status, _) = env.get(&nanchong, &format!("/reports/sent/{id}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Audited: the failure, then the report that went out with its PDF's SHA-256.
    let object = format!("report 2026-10 of {group}");
    let audit = json(
        &env,
        &hq,
        &format!("/api/v1/audit?object={}", object.replace(' ', "%20")),
    )
    .await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["report.sent", "report.send_failed"]);
    let sha = list[0]["sha256"].as_str().unwrap();
    assert!(audit[0]["new"].as_str().unwrap().contains(sha), "{audit}");

    // The server's own ten-minute check (what `zx serve` runs) on a clock of 31 December 09:30
    // China time (2026-12-31T01:30:00Z; December has its 31st): November's report, once.
    zx_server::report::set_pdf_writer(zx_report_pdf::pdf);
    let at = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let settings = zx_server::Settings {
        db: env.db.clone(),
        notify: zx_notify::Channels {
            smtp: Some(zx_notify::SmtpSettings {
                url: format!("smtp://127.0.0.1:{port}"),
                from: "Zengxiao <zengxiao@example.com>".into(),
            }),
            webhook: None,
        },
        ..Default::default()
    };
    let state = zx_server::AppState::new(
        env.store.clone(),
        zx_domain::Catalogue::builtin().unwrap(),
        settings,
        Arc::new(zx_app::FixedClock(at("2026-12-31T01:30:00Z"))),
    );
    for now in [
        "2026-12-31T01:29:59Z",
        "2026-12-31T01:30:00Z",
        "2026-12-31T01:40:00Z",
    ] {
        zx_server::jobs::send_scheduled_report(&state, at(now)).await;
    }
    let sent = reports(&mailbox.lock().unwrap());
    assert_eq!(sent.len(), 2, "October's, then November's once");
    let list = json(&env, &hq, "/api/v1/reports/sent").await;
    let periods: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, ["2026-11", "2026-10", "2026-10"]);
}

on_both_backends!(async Env("report schedule"):
    the_due_report_is_mailed_kept_and_never_sent_twice,
);
