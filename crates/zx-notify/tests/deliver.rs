//! Delivery over real sockets: a local SMTP server (a sink that speaks enough SMTP and keeps
//! every envelope and message) and a local webhook receiver (axum, keeping every JSON body).
//! What arrives is decoded as a mail client would (MIME encoded words, transfer encodings) and
//! compared with what the reminder says; a dead server is a failure in the report, never a panic
//! or an error.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use zx_domain::EntityCode;
use zx_notify::{Channels, Outgoing, SmtpSettings, WebhookKind, WebhookSettings, deliver, message};
use zx_store::ReminderReason;

// --- a local SMTP sink ------------------------------------------------------------------------

/// One message as the sink received it.
#[derive(Debug, Clone)]
struct Received {
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

type Inbox = Arc<Mutex<Vec<Received>>>;

/// An SMTP server on 127.0.0.1: greeting, EHLO/HELO, MAIL FROM, RCPT TO, DATA … ".", RSET,
/// NOOP, QUIT. Returns its port and what it received.
async fn smtp_sink() -> (u16, Inbox) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox: Inbox = Arc::default();
    let kept = inbox.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let inbox = kept.clone();
            tokio::spawn(async move {
                let _ = session(socket, inbox).await;
            });
        }
    });
    (port, inbox)
}

async fn session(socket: tokio::net::TcpStream, inbox: Inbox) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            write
                .write_all(b"250-sink.test greets you\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                .await?;
        } else if upper.starts_with("HELO") || upper == "NOOP" {
            write.write_all(b"250 ok\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&command["MAIL FROM:".len()..]);
            to.clear();
            write.write_all(b"250 ok\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&command["RCPT TO:".len()..]));
            write.write_all(b"250 ok\r\n").await?;
        } else if upper == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = Vec::new();
            loop {
                let mut raw = Vec::new();
                if lines.read_until(b'\n', &mut raw).await? == 0 {
                    return Ok(());
                }
                if raw == b".\r\n" || raw == b".\n" {
                    break;
                }
                // Dot-stuffing: a leading "." was doubled by the client.
                let raw = if raw.starts_with(b"..") {
                    &raw[1..]
                } else {
                    &raw[..]
                };
                data.extend_from_slice(raw);
            }
            inbox.lock().unwrap().push(Received {
                from: from.clone(),
                to: to.clone(),
                data,
            });
            write.write_all(b"250 queued\r\n").await?;
        } else if upper == "RSET" {
            to.clear();
            write.write_all(b"250 ok\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"502 not implemented\r\n").await?;
        }
    }
}

/// `<a@b> SIZE=12` → `a@b`.
fn address(arg: &str) -> String {
    let arg = arg.trim();
    let end = arg.find('>').unwrap_or(arg.len());
    arg[..end].trim_start_matches('<').to_owned()
}

// --- a local webhook receiver -----------------------------------------------------------------

type Posts = Arc<Mutex<Vec<(String, Value)>>>;

/// An HTTP server on 127.0.0.1 keeping `(path, JSON body)` of every POST to `/{path}`. It
/// answers as WeCom does when it accepts, except on `/refuse` (a robot's refusal in a 200) and
/// `/broken` (HTTP 500).
async fn webhook_receiver() -> (String, Posts) {
    async fn keep(
        State(posts): State<Posts>,
        Path(path): Path<String>,
        Json(body): Json<Value>,
    ) -> (axum::http::StatusCode, Json<Value>) {
        posts.lock().unwrap().push((path.clone(), body));
        match path.as_str() {
            "refuse" => (
                axum::http::StatusCode::OK,
                Json(json!({"errcode": 93000, "errmsg": "invalid webhook url"})),
            ),
            "broken" => (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "down"})),
            ),
            _ => (
                axum::http::StatusCode::OK,
                Json(json!({"errcode": 0, "errmsg": "ok"})),
            ),
        }
    }
    let posts: Posts = Arc::default();
    let app = Router::new()
        .route("/{path}", post(keep))
        .with_state(posts.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, posts)
}

/// A port nothing listens on.
async fn dead_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

// --- the reminders ----------------------------------------------------------------------------

fn outgoing(measure: i64, to: &str, email: Option<&str>, reason: ReminderReason) -> Outgoing {
    Outgoing {
        measure,
        title: format!("应收电费及补贴款清收专项行动 {measure}"),
        entity: EntityCode::parse("ZJ").unwrap(),
        entity_name: "浙江公司".into(),
        due: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
        reason,
        to: to.into(),
        email: email.map(str::to_owned),
    }
}

fn list() -> Vec<Outgoing> {
    vec![
        outgoing(4, "hq", Some("hq@example.com"), ReminderReason::Overdue),
        outgoing(5, "fujian", None, ReminderReason::DueSoon),
        outgoing(
            6,
            "sichuan",
            Some("王经理 <sichuan@example.com>"),
            ReminderReason::Escalated,
        ),
    ]
}

fn smtp(port: u16) -> SmtpSettings {
    SmtpSettings {
        url: format!("smtp://127.0.0.1:{port}"),
        from: "提质增效平台 <zengxiao@example.com>".into(),
    }
}

#[tokio::test]
async fn one_email_per_reminder_with_an_address_decoded_as_a_mail_client_would() {
    let (port, inbox) = smtp_sink().await;
    let channels = Channels {
        smtp: Some(smtp(port)),
        webhook: None,
    };
    let report = deliver(&channels, &list()).await;
    assert_eq!(report.email.sent, 2, "{report:?}");
    assert_eq!(report.email.failed, 0, "{report:?}");
    assert_eq!(report.email.skipped, 1, "fujian has no address");
    assert!(!report.webhook.configured);
    assert_eq!(
        report.to_string(),
        "e-mail: 2 sent, 0 failed, 1 without address"
    );

    let received = inbox.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    let parser = mail_parser::MessageParser::default();
    for (mail, (o, envelope_to)) in received.iter().zip([
        (&list()[0], "hq@example.com"),
        (&list()[2], "sichuan@example.com"),
    ]) {
        assert_eq!(mail.from, "zengxiao@example.com");
        assert_eq!(mail.to, vec![envelope_to.to_owned()]);
        let parsed = parser.parse(&mail.data[..]).expect("a parsable message");
        let words = message(o);
        assert_eq!(parsed.subject(), Some(words.subject.as_str()));
        let body = parsed.body_text(0).expect("a text body");
        assert!(body.contains(&o.title), "{body}");
        assert!(body.contains("2026-09-30"), "{body}");
        assert!(body.contains("浙江公司"), "{body}");
        assert_eq!(body.replace("\r\n", "\n").trim_end(), words.body.trim_end());
        let from = parsed
            .from()
            .and_then(|a| a.first())
            .expect("a From header");
        assert_eq!(from.address(), Some("zengxiao@example.com"));
        assert_eq!(from.name(), Some("提质增效平台"));
        let to = parsed.to().and_then(|a| a.first()).expect("a To header");
        assert_eq!(to.address(), Some(envelope_to));
    }
    let first = parser.parse(&received[0].data[..]).unwrap();
    assert_eq!(
        first.subject(),
        Some("【提质增效】措施已逾期 / Measure overdue: 应收电费及补贴款清收专项行动 4")
    );
    let second = parser.parse(&received[1].data[..]).unwrap();
    assert_eq!(
        second.subject(),
        Some(
            "【提质增效】下级单位措施逾期未完成 / Overdue measure escalated: \
             应收电费及补贴款清收专项行动 6"
        )
    );
}

#[tokio::test]
async fn each_webhook_kind_gets_its_own_json_shape() {
    let (base, posts) = webhook_receiver().await;
    let list = list();
    for kind in [
        WebhookKind::Wecom,
        WebhookKind::Dingtalk,
        WebhookKind::Feishu,
        WebhookKind::Generic,
    ] {
        let channels = Channels {
            smtp: None,
            webhook: Some(WebhookSettings {
                url: format!("{base}/{}", kind.as_str()),
                kind,
            }),
        };
        let report = deliver(&channels, &list).await;
        assert_eq!(report.webhook.sent, 3, "{kind:?}: {report:?}");
        assert_eq!(report.webhook.failed, 0, "{kind:?}: {report:?}");
        assert!(!report.email.configured);
    }
    let posts = posts.lock().unwrap().clone();
    assert_eq!(posts.len(), 12);
    let of = |path: &str| -> Vec<Value> {
        posts
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, body)| body.clone())
            .collect()
    };
    for (i, o) in list.iter().enumerate() {
        let text = message(o).text;
        assert!(text.contains(&o.title) && text.contains("2026-09-30"));
        let chat = json!({"msgtype": "text", "text": {"content": text}});
        assert_eq!(of("wecom")[i], chat);
        assert_eq!(of("dingtalk")[i], chat);
        assert_eq!(
            of("feishu")[i],
            json!({"msg_type": "text", "content": {"text": text}})
        );
        assert_eq!(
            of("generic")[i],
            json!({
                "measure": o.measure,
                "to": o.to,
                "reason": o.reason.as_str(),
                "title": o.title,
                "entity": "ZJ",
                "due": "2026-09-30",
                "text": text,
            })
        );
    }
    assert_eq!(of("generic")[1]["reason"], "due_soon");
    assert_eq!(of("generic")[2]["to"], "sichuan");
}

#[tokio::test]
async fn both_channels_at_once() {
    let (port, inbox) = smtp_sink().await;
    let (base, posts) = webhook_receiver().await;
    let channels = Channels {
        smtp: Some(smtp(port)),
        webhook: Some(WebhookSettings {
            url: format!("{base}/feishu"),
            kind: WebhookKind::Feishu,
        }),
    };
    let report = deliver(&channels, &list()).await;
    assert!(report.all_sent(), "{report:?}");
    assert_eq!(
        report.to_string(),
        "e-mail: 2 sent, 0 failed, 1 without address; webhook: 3 sent, 0 failed"
    );
    assert_eq!(inbox.lock().unwrap().len(), 2);
    assert_eq!(posts.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn dead_servers_are_failures_in_the_report() {
    let smtp_port = dead_port().await;
    let hook_port = dead_port().await;
    let channels = Channels {
        smtp: Some(smtp(smtp_port)),
        webhook: Some(WebhookSettings {
            url: format!("http://127.0.0.1:{hook_port}/hook?key=s3cret"),
            kind: WebhookKind::Wecom,
        }),
    };
    let report = deliver(&channels, &list()).await;
    assert_eq!(
        (report.email.sent, report.email.failed, report.email.skipped),
        (0, 2, 1),
        "{report:?}"
    );
    assert_eq!((report.webhook.sent, report.webhook.failed), (0, 3));
    assert_eq!(report.email.errors.len(), 2);
    assert!(report.email.errors[0].starts_with("measure 4 to hq: "));
    assert_eq!(report.webhook.errors.len(), 3);
    assert!(report.webhook.errors[2].starts_with("measure 6 to sichuan: "));
    // The lines say what went wrong, down to the cause.
    for line in report.email.errors.iter().chain(&report.webhook.errors) {
        assert!(line.to_lowercase().contains("refused"), "{line}");
    }
    // The robot's key is its secret: no error line repeats the URL.
    for line in &report.webhook.errors {
        assert!(!line.contains("s3cret"), "{line}");
    }
    assert!(!report.all_sent());
}

#[tokio::test]
async fn refusals_and_http_errors_are_failures_and_bad_settings_are_named() {
    let (base, posts) = webhook_receiver().await;
    for (path, expect) in [
        ("refuse", "wecom refused the message"),
        ("broken", "HTTP 500"),
    ] {
        let channels = Channels {
            smtp: None,
            webhook: Some(WebhookSettings {
                url: format!("{base}/{path}"),
                kind: WebhookKind::Wecom,
            }),
        };
        let report = deliver(&channels, &list()[..1]).await;
        assert_eq!((report.webhook.sent, report.webhook.failed), (0, 1));
        assert!(report.webhook.errors[0].contains(expect), "{report:?}");
    }
    assert_eq!(posts.lock().unwrap().len(), 2);

    let (port, inbox) = smtp_sink().await;
    let mut settings = smtp(port);
    settings.from = "not an address".into();
    let report = deliver(
        &Channels {
            smtp: Some(settings),
            webhook: None,
        },
        &list(),
    )
    .await;
    assert_eq!((report.email.sent, report.email.failed), (0, 2));
    assert!(
        report.email.errors[0].starts_with("notify.smtp.from"),
        "{report:?}"
    );
    let report = deliver(
        &Channels {
            smtp: Some(SmtpSettings {
                url: "imap://zx:hunter2@mail.example.com".into(),
                from: "zengxiao@example.com".into(),
            }),
            webhook: None,
        },
        &list(),
    )
    .await;
    assert_eq!(report.email.failed, 2);
    assert!(report.email.errors[0].contains("zx:***@"), "{report:?}");
    assert!(!report.email.errors[0].contains("hunter2"));
    // A bad recipient address fails that message only.
    let mut bad = list();
    bad[0].email = Some("no-at-sign".into());
    let report = deliver(
        &Channels {
            smtp: Some(smtp(port)),
            webhook: None,
        },
        &bad,
    )
    .await;
    assert_eq!(
        (report.email.sent, report.email.failed),
        (1, 1),
        "{report:?}"
    );
    assert!(report.email.errors[0].contains("no-at-sign"));
    assert_eq!(inbox.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn nothing_configured_sends_nothing() {
    let report = deliver(&Channels::default(), &list()).await;
    assert_eq!(report, zx_notify::DeliveryReport::default());
    assert_eq!(report.to_string(), "no delivery channel configured");
}

/// An emission alarm: one e-mail per recipient with an address, one chat message for the group
/// (not one per recipient), the generic receiver getting the facts and the text.
#[tokio::test]
async fn an_alert_is_one_chat_message_and_an_email_per_address() {
    let (port, inbox) = smtp_sink().await;
    let (base, posts) = webhook_receiver().await;
    let alert = zx_notify::Alert {
        subject: "【环保报警】晋江 1号炉 氮氧化物 小时均值 320.000 / NOx hourly 320.000".into(),
        body: "晋江 1号炉 氮氧化物 小时均值 320.000 mg/m³ 超过限值 300\n".into(),
        text: "【环保报警】晋江 1号炉 氮氧化物 320.000 > 300".into(),
        fields: json!({"kind": "emission_alarm", "alarm": 7, "mn": "88888880000001"}),
        to: vec![
            ("hq".into(), Some("hq@example.com".into())),
            ("fujian".into(), None),
            ("admin".into(), Some("admin@example.com".into())),
        ],
    };
    for kind in [WebhookKind::Wecom, WebhookKind::Generic] {
        let channels = Channels {
            smtp: Some(smtp(port)),
            webhook: Some(WebhookSettings {
                url: format!("{base}/{}", kind.as_str()),
                kind,
            }),
        };
        let report = zx_notify::deliver_alert(&channels, &alert).await;
        assert_eq!(
            report.to_string(),
            "e-mail: 2 sent, 0 failed, 1 without address; webhook: 1 sent, 0 failed"
        );
    }
    let inbox = inbox.lock().unwrap().clone();
    let recipients: Vec<Vec<String>> = inbox.iter().map(|m| m.to.clone()).collect();
    assert_eq!(
        recipients,
        vec![
            vec!["hq@example.com".to_owned()],
            vec!["admin@example.com".to_owned()],
            vec!["hq@example.com".to_owned()],
            vec!["admin@example.com".to_owned()],
        ]
    );
    let posts = posts.lock().unwrap().clone();
    assert_eq!(
        posts,
        vec![
            (
                "wecom".to_owned(),
                json!({"msgtype": "text", "text": {"content": "【环保报警】晋江 1号炉 氮氧化物 320.000 > 300"}})
            ),
            (
                "generic".to_owned(),
                json!({"kind": "emission_alarm", "alarm": 7, "mn": "88888880000001",
                       "text": "【环保报警】晋江 1号炉 氮氧化物 320.000 > 300"})
            ),
        ]
    );
}

// --- the scheduled monthly report -------------------------------------------------------------

#[tokio::test]
async fn the_report_goes_to_every_recipient_in_one_message_with_the_pdf_attached() {
    use mail_parser::MimeHeaders;
    let (port, inbox) = smtp_sink().await;
    let channels = Channels {
        smtp: Some(smtp(port)),
        webhook: None,
    };
    // Bytes a text transfer would damage: a NUL, CR LF, a lone dot line, high bytes.
    let pdf: Vec<u8> = b"%PDF-1.7\n\0\r\n.\r\n\xff\xfe end"
        .iter()
        .copied()
        .chain((0..=255u8).cycle().take(5000))
        .collect();
    let mail = zx_notify::ReportMail {
        to: vec!["boss@example.com".into(), "office@example.com".into()],
        entity_name: "示例集团".into(),
        period: "2026-11".into(),
        file_name: "report-G-2026-11.pdf".into(),
        pdf: pdf.clone(),
    };
    zx_notify::send_report_mail(&channels, &mail).await.unwrap();
    let received = inbox.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "one message for all recipients");
    assert_eq!(received[0].to, ["boss@example.com", "office@example.com"]);
    let parsed = mail_parser::MessageParser::default()
        .parse(&received[0].data[..])
        .unwrap();
    assert_eq!(
        parsed.subject(),
        Some("【质量效益月度报告】示例集团 2026-11 / Monthly quality and efficiency report")
    );
    assert!(parsed.body_text(0).unwrap().contains("示例集团 2026-11"));
    assert_eq!(parsed.attachment_count(), 1);
    let attachment = parsed.attachment(0).unwrap();
    assert_eq!(attachment.attachment_name(), Some("report-G-2026-11.pdf"));
    let kind = attachment.content_type().unwrap();
    assert_eq!((kind.ctype(), kind.subtype()), ("application", Some("pdf")));
    assert_eq!(attachment.contents(), &pdf[..], "the PDF byte for byte");

    // Without SMTP, or with a server that is down: an error to record, not a panic.
    let none = Channels::default();
    assert!(
        zx_notify::send_report_mail(&none, &mail)
            .await
            .unwrap_err()
            .contains("no SMTP")
    );
    let dead = Channels {
        smtp: Some(smtp(dead_port().await)),
        webhook: None,
    };
    assert!(zx_notify::send_report_mail(&dead, &mail).await.is_err());
}
