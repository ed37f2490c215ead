//! Stack emissions end to end: data loggers send HJ 212 frames to the server's receiver, the
//! minutes are stored and acknowledged, judged on the pages, alarmed, acknowledged by a person,
//! exported with `zx cems export` and checked with `zx cems check` to the same figures. On SQLite
//! and, when `ZX_TEST_DATABASE_URL` is set, on PostgreSQL.

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use zx_store::prelude::*;

use chrono::{Datelike, NaiveDateTime, TimeDelta, Timelike};
use reqwest::StatusCode;
use serde_json::Value;

#[macro_use]
mod common;
use common::web::{Env, cems_dir, hidden};
use common::zx;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zx_store::{AlarmFilter, AlarmState};

/// The demo's first stack: 晋江垃圾焚烧发电厂 1号炉 (see `zx_demo::demo_stacks`).
const MN: &str = "88888880000001";
const PASSWORD: &str = "123456";

/// A CN 2051 frame for `minute` (China time) asking for an acknowledgement.
fn minute_frame(minute: NaiveDateTime, password: &str, values: &str) -> (String, String) {
    let stamp = minute.format("%Y%m%d%H%M");
    let qn = format!("{stamp}00001");
    let data = format!(
        "QN={qn};ST=22;CN=2051;PW={password};MN={MN};Flag=5;CP=&&DataTime={stamp}00;{values}&&"
    );
    (zx_hj212::frame::frame_to_string(&data), qn)
}

/// CRC16 as cems.md gives it: register 0xFFFF; per byte `reg = (reg >> 8) ^ byte`, then 8
/// times shift right, XOR 0xA001 when the bit shifted out was 1.
fn hj212_crc(data: &str) -> u16 {
    let mut reg: u16 = 0xFFFF;
    for byte in data.bytes() {
        reg = (reg >> 8) ^ u16::from(byte);
        for _ in 0..8 {
            let out = reg & 1;
            reg >>= 1;
            if out == 1 {
                reg ^= 0xA001;
            }
        }
    }
    reg
}

/// The next full hour, China time: live data the alarm monitors judge (a logger's resent
/// history, older than what they have seen, raises no live alarm).
fn next_hour() -> NaiveDateTime {
    let now = zx_app::china_time(chrono::Utc::now()) + TimeDelta::hours(1);
    now.date().and_hms_opt(now.hour(), 0, 0).unwrap()
}

/// Sends `frames` on one connection, pipelined, and reads `acks` acknowledgements back.
async fn send(to: SocketAddr, frames: &[String], acks: usize) -> String {
    let mut stream = TcpStream::connect(to).await.unwrap();
    for frame in frames {
        stream.write_all(frame.as_bytes()).await.unwrap();
    }
    let mut received = String::new();
    let mut buffer = [0u8; 4096];
    while received.matches("\r\n").count() < acks {
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer))
            .await
            .expect("acknowledgements within 10 s")
            .unwrap();
        assert!(read > 0, "the receiver closed the connection: {received}");
        received.push_str(std::str::from_utf8(&buffer[..read]).unwrap());
    }
    received
}

async fn frames_are_stored_judged_alarmed_and_acknowledged(env: Env) {
    let start = next_hour();
    let day = start.date().to_string();
    let hour = start.hour() as usize;
    let minute = |m: i64| start + TimeDelta::minutes(m);
    // The next hour: NOx 320 mg/m³ at O₂ 11 %, so corrected = 320 × 10 / (21 − 11) = 320
    // every minute; the hourly mean 320 is over the 1-hour limit 300. Minute :07 is flagged M
    // (maintenance) and left out: 59 valid minutes, still ≥ 45.
    let mut frames = Vec::new();
    let mut qns = Vec::new();
    for minute in 0..60 {
        let flag = if minute == 7 { "M" } else { "N" };
        let (frame, qn) = minute_frame(
            start + TimeDelta::minutes(minute),
            PASSWORD,
            &format!(
                "a21002-Avg=320.0,a21002-Flag={flag};a19001-Avg=11.0,a19001-Flag=N;furnace_temp-Avg=900,furnace_temp-Flag=N"
            ),
        );
        frames.push(frame);
        qns.push(qn);
    }
    // The first minute of the hour after closes it for the alarm monitor: NOx 200 at O₂ 13 →
    // 200 × 10 / 8 = 250.
    let (frame, qn) = minute_frame(
        minute(60),
        PASSWORD,
        "a21002-Avg=200,a21002-Flag=N;a19001-Avg=13,a19001-Flag=N",
    );
    frames.push(frame);
    qns.push(qn);
    let acks = send(env.hj212, &frames, frames.len()).await;
    for qn in &qns {
        assert!(
            acks.contains(&format!("QN={qn};")) && acks.contains("CN=9014"),
            "no acknowledgement of {qn}: {acks}"
        );
    }
    // Every acknowledgement is a well-formed frame: `##`, the data's length in 4 digits, the
    // data, its CRC (worked out here by cems.md's rule, not by the crate), CRLF.
    for line in acks.split_terminator("\r\n") {
        let data = &line[6..line.len() - 4];
        assert_eq!(&line[2..6], format!("{:04}", data.len()), "{line}");
        assert_eq!(
            &line[line.len() - 4..],
            format!("{:04X}", hj212_crc(data)),
            "{line}"
        );
        assert!(
            data.contains(";CN=9014;") && data.ends_with("CP=&&&&"),
            "{line}"
        );
    }

    // An hourly-data frame (CN 2061) is acknowledged and kept as sent, not as minutes.
    let hourly = format!(
        "QN={}00002;ST=22;CN=2061;PW={PASSWORD};MN={MN};Flag=5;CP=&&DataTime={}0000;a21002-Avg=320.0,a21002-Flag=N&&",
        start.format("%Y%m%d%H%M"),
        start.format("%Y%m%d%H"),
    );
    let acks = send(env.hj212, &[zx_hj212::frame::frame_to_string(&hourly)], 1).await;
    assert!(acks.contains("CN=9014"), "{acks}");
    let kept = std::fs::read_dir(env.dir.path().join("cems").join("frames"))
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect::<String>();
    assert!(
        kept.contains(&hourly),
        "the hourly frame is not kept: {kept}"
    );

    // A wrong password: refused, not acknowledged, not stored, counted for the MN.
    let (bad, _) = minute_frame(minute(61), "654321", "a21002-Avg=999,a21002-Flag=N");
    let mut stream = TcpStream::connect(env.hj212).await.unwrap();
    stream.write_all(bad.as_bytes()).await.unwrap();
    let mut buffer = [0u8; 256];
    let answer = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buffer)).await;
    assert!(
        !matches!(answer, Ok(Ok(n)) if n > 0),
        "a refused frame must not be acknowledged"
    );

    // The hourly alarm is recorded by the alarm task (asynchronously): wait for it.
    let mut alarm = None;
    for _ in 0..100 {
        let list = env
            .store
            .alarms(&AlarmFilter {
                mn: Some(MN.into()),
                ..AlarmFilter::default()
            })
            .await
            .unwrap();
        alarm = list.into_iter().find(|a| a.kind == "hourly_limit");
        if alarm.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let alarm = alarm.expect("an hourly-limit alarm for the hour");
    assert_eq!(alarm.code.as_deref(), Some("a21002"));
    assert_eq!(alarm.value, Some("320".parse().unwrap()));
    assert_eq!(alarm.limit, Some("300".parse().unwrap()));
    assert_eq!(alarm.state, AlarmState::Active);

    let hq = env.login("admin", "zengxiao-admin").await;
    // The chart data: 61 NOx minutes stored (the refused one is not), hour 00's corrected mean.
    let (status, body) = env
        .get(&hq, &format!("/api/v1/stacks/{MN}/minutes?date={day}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let chart: Value = serde_json::from_str(&body).unwrap();
    let nox = chart["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "a21002")
        .unwrap();
    // 61 minutes on the day, or 60 when the hour after is the next day's 00.
    let on_day = if hour == 23 { 60 } else { 61 };
    assert_eq!(nox["minutes"].as_array().unwrap().len(), on_day);
    assert_eq!(
        nox["minutes"][7],
        serde_json::json!([format!("{hour:02}:07"), "320", "M"])
    );
    assert_eq!(nox["hourly"][hour], "320.000");
    // The hour after has one valid minute: no mean.
    if hour < 23 {
        assert_eq!(nox["hourly"][hour + 1], Value::Null);
    }

    // The stack's day: hour 00 shown as an exceedance, the alarm listed.
    let (status, page) = env
        .get(&hq, &format!("/environment/stacks/{MN}?date={day}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<td class=\"num status-red\">320.000</td>"),
        "the hour is not shown as exceeded"
    );
    assert!(page.contains(&format!("id=\"alarm-{}\"", alarm.id)));
    // The day card says what the header says: an hour over its limit is "exceeded" on both
    // (the card said "compliant" under a header "exceeding today").
    assert!(
        page.contains("class=\"card status-red\" id=\"day-verdict\""),
        "the day card does not show the hour over its limit"
    );
    if day == zx_app::china_time(chrono::Utc::now()).date().to_string() {
        assert!(
            page.contains("class=\"status-violation\" id=\"stack-status\""),
            "the header does not say exceeding today"
        );
    }

    // The group page counts the refused frame against the MN.
    let (_, overview) = env.get(&hq, "/environment").await;
    assert!(overview.contains("id=\"rejected-frames\">1<"), "{overview}");
    assert!(overview.contains(&format!("id=\"tile-{MN}\"")));

    // A person acknowledges the alarm: who, when, what was done.
    let (_, alarms_page) = env.get(&hq, "/environment/alarms").await;
    let csrf = hidden(&alarms_page, "csrf");
    let response = hq
        .post(format!("{}/environment/alarms/{}/ack", env.base, alarm.id))
        .form(&[
            ("csrf", csrf.as_str()),
            ("note", "SNCR 氨水喷量已调整"),
            ("next", "/environment/alarms"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let acknowledged = env.store.alarm(alarm.id).await.unwrap().unwrap();
    assert_eq!(acknowledged.state, AlarmState::Acknowledged);
    assert_eq!(acknowledged.acknowledged_by.as_deref(), Some("admin"));
    assert_eq!(acknowledged.note.as_deref(), Some("SNCR 氨水喷量已调整"));
    // A second acknowledgement is refused.
    let response = hq
        .post(format!("{}/environment/alarms/{}/ack", env.base, alarm.id))
        .form(&[("csrf", csrf.as_str()), ("note", "again"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_ne!(response.status(), StatusCode::SEE_OTHER);

    // Sichuan's viewer sees no Fujian stack.
    let sichuan = env.login("sichuan", "zengxiao-sichuan").await;
    let (status, _) = env
        .get(&sichuan, &format!("/api/v1/stacks/{MN}/minutes?date={day}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Exported from the store and checked: the same hourly mean as the server's view.
    let csv = env.dir.path().join("minutes.csv");
    zx(
        &env.db,
        &[
            "cems",
            "export",
            "--dir",
            &cems_dir(&env.dir),
            "--mn",
            MN,
            "--from",
            &day,
            "--to",
            &day,
            "-o",
            csv.to_str().unwrap(),
        ],
    );
    let checked: Value = serde_json::from_str(&zx(
        &env.db,
        &[
            "cems",
            "check",
            "--input",
            csv.to_str().unwrap(),
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let verdict = &checked["stacks"][MN]["days"][day.as_str()];
    let hh = format!("{hour:02}");
    assert_eq!(
        verdict["factors"]["a21002"]["hourly"][hh.as_str()],
        "320.000"
    );
    assert_eq!(
        verdict["factors"]["a21002"]["hour_exceedances"],
        serde_json::json!([hh])
    );
    assert_eq!(verdict["factors"]["a21002"]["valid_hours"], 1);
    for h in 0..24 {
        assert_eq!(
            verdict["factors"]["a21002"]["hourly"][format!("{h:02}")],
            nox["hourly"][h],
            "hour {h}"
        );
    }
}

on_both_backends!(
    async Env("the emissions test"):
    frames_are_stored_judged_alarmed_and_acknowledged);

/// What data loggers in the field send, through the server: a key repeated with two values, a
/// value with a `+`, one with 7 decimals, a minute resent with another value, and history from
/// years back. The rest of each frame is stored and acknowledged; each value not stored as sent
/// is a data-quality event on the stack's page and counted on `/environment`, its frame kept in
/// the raw frame log.
#[tokio::test]
async fn field_quirks_are_stored_acknowledged_and_shown_as_data_quality_events() {
    let env = Env::sqlite().await;
    // Two days ago at 10:00 China time: no demo minute there.
    let now = zx_app::china_time(chrono::Utc::now());
    let minute = (now.date() - TimeDelta::days(2))
        .and_hms_opt(10, 0, 0)
        .unwrap();
    let (first, qn) = minute_frame(
        minute,
        PASSWORD,
        "x01-Avg=66.09,x01-Flag=N;x02-Avg=+12.5,x02-Flag=N;x03-Avg=1.1234567,x03-Flag=N;x04-Avg=1.5,x04-Flag=N;x01-Avg=19796346.00,x01-Flag=N",
    );
    let acks = send(env.hj212, &[first], 1).await;
    assert!(acks.contains(&format!("QN={qn};")), "{acks}");
    // The same minute again: x04 with another value (a revision), then the same (no event).
    let (second, _) = minute_frame(minute, PASSWORD, "x04-Avg=2.5,x04-Flag=N");
    let (third, _) = minute_frame(minute, PASSWORD, "x04-Avg=2.50,x04-Flag=N");
    // History from 2019 (补传): accepted whatever its age.
    let old = "2019-01-01T00:00:00".parse::<NaiveDateTime>().unwrap();
    let (fourth, old_qn) = minute_frame(old, PASSWORD, "x04-Avg=7.25,x04-Flag=N");
    let acks = send(env.hj212, &[second, third, fourth], 3).await;
    assert!(acks.contains(&format!("QN={old_qn};")), "{acks}");

    let client = env.login("hq", "zengxiao-hq").await;
    let (status, page) = env.get(&client, &format!("/environment/stacks/{MN}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"quality-count\">4<"), "{page}");
    let stamp = minute.format("%Y-%m-%d %H:%M:%S");
    for (kind, key, values) in [
        ("revised", "x04-Avg", "“1.5 N”，“2.5 N”"),
        ("unstorable_value", "x03-Avg", "“1.1234567”"),
        ("bad_value", "x02-Avg", "“+12.5”"),
        ("conflicting_values", "x01-Avg", "“66.09”，“19796346.00”"),
    ] {
        let row = format!("<tr class=\"quality-{kind}\"><td>{stamp}</td><td>{key}</td>");
        let at = page
            .find(&row)
            .unwrap_or_else(|| panic!("no {kind} row: {page}"));
        assert!(page[at..].contains(values), "{kind}: {values}");
    }
    let (_, overview) = env.get(&client, "/environment").await;
    assert!(overview.contains("id=\"quality-events\">4<"), "{overview}");

    // Stored: x04 as revised (2.5), the 2019 minute; the left-out values are not.
    let csv = env.dir.path().join("quirks.csv");
    for (day, expected) in [
        (minute.date().to_string(), "x04,2.5,N"),
        ("2019-01-01".to_owned(), "x04,7.25,N"),
    ] {
        zx(
            &env.db,
            &[
                "cems",
                "export",
                "--dir",
                &cems_dir(&env.dir),
                "--mn",
                MN,
                "--from",
                &day,
                "--to",
                &day,
                "-o",
                csv.to_str().unwrap(),
            ],
        );
        let stored = std::fs::read_to_string(&csv).unwrap();
        let rows: Vec<&str> = stored.lines().skip(1).collect();
        assert_eq!(rows.len(), 1, "{stored}");
        assert!(rows[0].ends_with(expected), "{stored}");
    }
    // The frame with the conflict is kept as sent in the raw frame log.
    let kept = std::fs::read_dir(env.dir.path().join("cems").join("frames"))
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect::<String>();
    assert!(
        kept.contains("x01-Avg=66.09,x01-Flag=N;x02-Avg=+12.5"),
        "{kept}"
    );
}

/// The server is killed (SIGKILL) while a data logger streams minutes: every minute that was
/// acknowledged before the kill is in the store afterwards. A logger deletes what was
/// acknowledged, so an acknowledged minute lost would be lost for good.
#[test]
fn a_killed_server_keeps_every_acknowledged_minute() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zx.db").to_string_lossy().into_owned();
    zx(&db, &["demo", "--lang", "en"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hj212: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_zx"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--hj212",
            &hj212.to_string(),
        ])
        .arg("--db")
        .arg(&db)
        .arg("--config")
        .arg(dir.path().join("none.toml"))
        .env("ZX_REMINDERS__ENABLED", "false")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let start = zx_app::china_time(chrono::Utc::now()).date() - TimeDelta::days(3);
    let start = start.and_hms_opt(0, 0, 0).unwrap();
    let acked: Vec<String> = runtime.block_on(async {
        let mut stream = None;
        for _ in 0..200 {
            if let Ok(connected) = TcpStream::connect(hj212).await {
                stream = Some(connected);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let stream = stream.expect("the receiver listens");
        let (mut reader, mut writer) = stream.into_split();
        // The logger streams 2,000 minutes without waiting; acks are read as they come.
        let sender = tokio::spawn(async move {
            for m in 0..2000 {
                let (frame, _) = minute_frame(
                    start + TimeDelta::minutes(m),
                    PASSWORD,
                    &format!("a21002-Avg={m}.5,a21002-Flag=N;a19001-Avg=10.0,a19001-Flag=N"),
                );
                if writer.write_all(frame.as_bytes()).await.is_err() {
                    break;
                }
            }
        });
        let mut acked = Vec::new();
        let mut text = String::new();
        let mut buffer = [0u8; 8192];
        let mut killed = false;
        loop {
            let read = match tokio::time::timeout(Duration::from_secs(10), reader.read(&mut buffer))
                .await
            {
                Ok(Ok(n)) if n > 0 => n,
                _ => break,
            };
            text.push_str(std::str::from_utf8(&buffer[..read]).unwrap());
            while let Some(end) = text.find("\r\n") {
                let line: String = text.drain(..end + 2).collect();
                let qn = line.split("QN=").nth(1).unwrap().split(';').next().unwrap();
                acked.push(qn.to_owned());
            }
            if !killed && acked.len() >= 300 {
                server.kill().unwrap();
                killed = true;
            }
        }
        sender.abort();
        assert!(
            killed,
            "the server was killed mid-stream ({} acks)",
            acked.len()
        );
        acked
    });
    server.wait().unwrap();
    assert!(acked.len() >= 300);
    let csv = dir.path().join("after.csv");
    let last = start + TimeDelta::minutes(2000);
    zx(
        &db,
        &[
            "cems",
            "export",
            "--mn",
            MN,
            "--from",
            &start.format("%Y-%m-%dT%H:%M").to_string(),
            "--to",
            &last.format("%Y-%m-%dT%H:%M").to_string(),
            "-o",
            csv.to_str().unwrap(),
        ],
    );
    let stored = std::fs::read_to_string(&csv).unwrap();
    for qn in &acked {
        // QN = YYYYMMDDhhmm + "00001": the minute `YYYY-MM-DDThh:mm` of the acknowledged frame.
        let minute = format!(
            "{}-{}-{}T{}:{},{MN},a21002,",
            &qn[0..4],
            &qn[4..6],
            &qn[6..8],
            &qn[8..10],
            &qn[10..12]
        );
        assert!(stored.contains(&minute), "acknowledged {qn} lost");
    }
}

/// A restarted server starts each stack's monitor from today's stored minutes: the hour that
/// closed before the restart is judged, its alarm recorded once, and recorded once only however
/// often the server restarts.
#[test]
fn a_restart_replays_today_and_records_each_alarm_once() {
    let now = zx_app::china_time(chrono::Utc::now());
    if now.hour() < 1 || (now.hour() == 1 && now.minute() < 2) {
        // Hour 00 must be over (with a minute of the next) before it can be judged today.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zx.db").to_string_lossy().into_owned();
    zx(&db, &["demo", "--lang", "en"]);
    let cems = cems_dir(&dir);
    {
        // Today 00:00–00:59 NOx 320 at O₂ 11 (corrected 320 > 300), and 01:00 closing the hour.
        let store = zx_cems_store::MinuteStore::open(std::path::Path::new(&cems)).unwrap();
        let midnight = now.date().and_hms_opt(0, 0, 0).unwrap();
        let mut readings = Vec::new();
        for m in 0..=60 {
            for (code, value) in [("a21002", "320"), ("a19001", "11")] {
                readings.push(zx_domain::cems::MinuteReading {
                    mn: MN.into(),
                    minute: midnight + TimeDelta::minutes(m),
                    code: code.into(),
                    value: value.parse().unwrap(),
                    flag: zx_domain::cems::Flag::N,
                });
            }
        }
        store.append(&readings).unwrap();
    }
    let hourly_alarms = |runtime: &tokio::runtime::Runtime| {
        runtime.block_on(async {
            let store = zx_store_sqlite::SqliteStore::open(&db, false)
                .await
                .unwrap();
            let list = || async {
                store
                    .alarms(&AlarmFilter {
                        mn: Some(MN.into()),
                        ..AlarmFilter::default()
                    })
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|a| a.kind == "hourly_limit")
                    .collect::<Vec<_>>()
            };
            // The replay's events are recorded asynchronously: wait for an active alarm or,
            // after a restart, for the time a duplicate would take to appear.
            for _ in 0..30 {
                if list().await.iter().any(|a| a.state == AlarmState::Active) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            list().await
        })
    };
    for restart in 0..2 {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let store = zx_store_sqlite::SqliteStore::open(&db, false)
                .await
                .unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let settings = zx_server::Settings {
                db: db.clone(),
                emissions: zx_server::config::Emissions {
                    dir: cems.clone(),
                    ..Default::default()
                },
                ..Default::default()
            };
            let served = zx_server::serve_with(
                listener,
                None,
                Arc::new(store),
                zx_domain::Catalogue::builtin().unwrap(),
                settings,
                std::sync::Arc::new(zx_app::SystemClock),
            );
            tokio::spawn(async move {
                if let Err(error) = served.await {
                    panic!("the server failed: {error}");
                }
            });
        });
        let alarms = hourly_alarms(&runtime);
        assert_eq!(alarms.len(), 1, "after start {restart}: {alarms:?}");
        assert_eq!(alarms[0].value, Some("320".parse().unwrap()));
        if restart == 0 {
            // Closed before the restart: the replay must not raise it as a new alarm.
            runtime.block_on(async {
                let store = zx_store_sqlite::SqliteStore::open(&db, false)
                    .await
                    .unwrap();
                assert!(
                    store
                        .clear_alarm(alarms[0].id, chrono::Utc::now())
                        .await
                        .unwrap()
                );
            });
        } else {
            assert_eq!(alarms[0].state, AlarmState::Cleared);
        }
        // Dropping the runtime stops the server and releases the minute store.
        drop(runtime);
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A sealed day's verdict is judged once and kept in `violations.tsv` beside the minute store:
/// after a restart the server takes it from there (here, an edited answer shows), until late
/// data changes the day.
#[test]
fn a_sealed_day_is_judged_once_and_remembered_across_restarts() {
    let today = zx_app::china_time(chrono::Utc::now()).date();
    let yesterday = today - TimeDelta::days(1);
    if yesterday.year() != today.year() {
        // The table shows the current year only.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zx.db").to_string_lossy().into_owned();
    zx(&db, &["demo", "--lang", "en"]);
    let cems = cems_dir(&dir);
    let seal_day = |values: &str, minutes: i64| {
        // NOx `values` at O₂ 11 % (corrected = measured) every minute of yesterday.
        let store = zx_cems_store::MinuteStore::open(std::path::Path::new(&cems)).unwrap();
        let midnight = yesterday.and_hms_opt(0, 0, 0).unwrap();
        let mut readings = Vec::new();
        for m in 0..minutes {
            for (code, value) in [("a21002", values), ("a19001", "11")] {
                readings.push(zx_domain::cems::MinuteReading {
                    mn: MN.into(),
                    minute: midnight + TimeDelta::minutes(m),
                    code: code.into(),
                    value: value.parse().unwrap(),
                    flag: zx_domain::cems::Flag::N,
                });
            }
        }
        store.append(&readings).unwrap();
        store.seal(yesterday).unwrap();
    };
    // A daily mean of 260 over 24 valid hours: above the 24-hour limit 250, a violation day.
    seal_day("260", 24 * 60);
    let index = std::path::Path::new(&cems).join("violations.tsv");
    // The violation cells of this month's column, as the group page shows them.
    let violation_days = |runtime: &tokio::runtime::Runtime| -> String {
        runtime.block_on(async {
            let store = zx_store_sqlite::SqliteStore::open(&db, false)
                .await
                .unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let settings = zx_server::Settings {
                db: db.clone(),
                emissions: zx_server::config::Emissions {
                    dir: cems.clone(),
                    ..Default::default()
                },
                ..Default::default()
            };
            tokio::spawn(zx_server::serve_with(
                listener,
                None,
                Arc::new(store),
                zx_domain::Catalogue::builtin().unwrap(),
                settings,
                std::sync::Arc::new(zx_app::SystemClock),
            ));
            let client = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let login = client
                .get(format!("{base}/login"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let csrf = hidden(&login, "csrf");
            client
                .post(format!("{base}/login"))
                .form(&[
                    ("name", "admin"),
                    ("password", "zengxiao-admin"),
                    ("csrf", csrf.as_str()),
                    ("next", "/environment"),
                ])
                .send()
                .await
                .unwrap();
            let page = client
                .get(format!("{base}/environment"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            // The stack's day: a violation judged from stored minutes, which no alarm monitor
            // saw; the card says why there is no alarm instead of leaving the reader to look.
            let day = client
                .get(format!("{base}/environment/stacks/{MN}?date={yesterday}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(
                day.contains("class=\"card status-red\" id=\"day-verdict\""),
                "{day}"
            );
            assert!(day.contains("id=\"day-unalarmed\""), "{day}");
            let table = page
                .split("id=\"violations\"")
                .nth(1)
                .unwrap_or_else(|| panic!("no violation table: {page}"));
            let row = table
                .split("<tr>")
                .find(|row| row.contains("/environment/plants/FJ-JJ-WTE\""))
                .unwrap_or_else(|| panic!("no row for FJ-JJ-WTE: {page}"))
                .to_owned();
            // The plant's cell of yesterday's month.
            row.split("<td class=\"num")
                .nth(yesterday.month() as usize)
                .unwrap()
                .split('>')
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_owned()
        })
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(violation_days(&runtime), "1");
    drop(runtime);
    std::thread::sleep(Duration::from_millis(200));
    let kept = std::fs::read_to_string(&index).unwrap();
    let line = kept
        .lines()
        .find(|l| l.starts_with(&format!("{MN}\t{yesterday}\t")))
        .unwrap_or_else(|| panic!("yesterday not kept: {kept}"));
    assert!(line.ends_with("\t1"), "{line}");
    // The kept answer is what a restarted server shows: edited to 0, it shows 0.
    std::fs::write(
        &index,
        kept.replace(line, &format!("{}0", &line[..line.len() - 1])),
    )
    .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(violation_days(&runtime), "0");
    drop(runtime);
    std::thread::sleep(Duration::from_millis(200));
    // Late data rewrites the partition: judged again, the true answer is back.
    seal_day("260", 24 * 60 + 1);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(violation_days(&runtime), "1");
}
