//! Sending reminders by e-mail and webhook. Best effort: every failure is counted and described
//! in the report and the next message is tried, because the in-app notification is already
//! recorded and a reminder run must not fail (or be retried, sending duplicates) because a
//! mail server or a chat robot is down.

use std::fmt;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde_json::Value;

use crate::Outgoing;
use crate::channels::{Channels, SmtpSettings, WebhookKind, WebhookSettings};
use crate::message::{message, webhook_body};

/// How long one SMTP conversation or one webhook request may take. A daily job that waits on a
/// dead server for minutes helps nobody; ten seconds is ample for a live one.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// What happened on one channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelReport {
    /// Whether the channel is configured at all (an unconfigured one sends nothing).
    pub configured: bool,
    pub sent: usize,
    pub failed: usize,
    /// E-mail only: notifications whose recipient has no address.
    pub skipped: usize,
    /// One line per failure: `measure 7 to hq: …`, or a line about the settings.
    pub errors: Vec<String>,
}

/// What [`deliver`] did, per channel; callers log it (the server with `tracing`, `zx remind` as
/// one line on stderr).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub email: ChannelReport,
    pub webhook: ChannelReport,
}

impl DeliveryReport {
    /// An empty report that says which channels are configured.
    pub fn for_channels(channels: &Channels) -> Self {
        Self {
            email: ChannelReport {
                configured: channels.smtp.is_some(),
                ..ChannelReport::default()
            },
            webhook: ChannelReport {
                configured: channels.webhook.is_some(),
                ..ChannelReport::default()
            },
        }
    }

    /// Adds another delivery's counts and errors to this one (a run sends several alerts).
    pub fn merge(&mut self, other: DeliveryReport) {
        for (total, part) in [
            (&mut self.email, other.email),
            (&mut self.webhook, other.webhook),
        ] {
            total.sent += part.sent;
            total.failed += part.failed;
            total.skipped += part.skipped;
            total.errors.extend(part.errors);
        }
    }

    /// Whether every attempted delivery went through.
    pub fn all_sent(&self) -> bool {
        self.email.failed == 0 && self.webhook.failed == 0
    }
}

/// `e-mail: 2 sent, 0 failed, 1 without address; webhook: 3 sent, 0 failed` (configured
/// channels only).
impl fmt::Display for DeliveryReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if self.email.configured {
            parts.push(format!(
                "e-mail: {} sent, {} failed, {} without address",
                self.email.sent, self.email.failed, self.email.skipped
            ));
        }
        if self.webhook.configured {
            parts.push(format!(
                "webhook: {} sent, {} failed",
                self.webhook.sent, self.webhook.failed
            ));
        }
        if parts.is_empty() {
            f.write_str("no delivery channel configured")
        } else {
            f.write_str(&parts.join("; "))
        }
    }
}

/// Sends `list` through the configured channels: an e-mail per notification whose recipient has
/// an address, a webhook POST per notification. Never fails: see [`DeliveryReport`].
pub async fn deliver(channels: &Channels, list: &[Outgoing]) -> DeliveryReport {
    let mut report = DeliveryReport::for_channels(channels);
    if let Some(smtp) = &channels.smtp {
        send_emails(smtp, list, &mut report.email).await;
    }
    if let Some(hook) = &channels.webhook {
        post_webhooks(hook, list, &mut report.webhook).await;
    }
    report
}

/// An alert that is not about a measure (an emission alarm): the same words for every channel,
/// Chinese then English, sent to some accounts by e-mail and once to the chat webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub subject: String,
    pub body: String,
    /// Short text for a chat group.
    pub text: String,
    /// Facts for a generic webhook receiver (`kind`, ids, values).
    pub fields: Value,
    /// (account name, e-mail address if it has one).
    pub to: Vec<(String, Option<String>)>,
}

/// Sends `alert`: an e-mail to each recipient with an address, one POST to the webhook. Best
/// effort, as [`deliver`].
pub async fn deliver_alert(channels: &Channels, alert: &Alert) -> DeliveryReport {
    let mut report = DeliveryReport::for_channels(channels);
    if let Some(smtp) = &channels.smtp {
        let with_address: Vec<(&str, &str)> = alert
            .to
            .iter()
            .filter_map(|(name, email)| email.as_deref().map(|e| (name.as_str(), e)))
            .collect();
        report.email.skipped = alert.to.len() - with_address.len();
        if !with_address.is_empty() {
            match smtp_transport(smtp) {
                Err(e) => {
                    report.email.failed = with_address.len();
                    report.email.errors.push(e);
                }
                Ok((from, transport)) => {
                    for (name, address) in with_address {
                        let sent = send_email(
                            &transport,
                            &from,
                            address,
                            alert.subject.clone(),
                            alert.body.clone(),
                        )
                        .await;
                        match sent {
                            Ok(()) => report.email.sent += 1,
                            Err(e) => {
                                report.email.failed += 1;
                                report.email.errors.push(format!("alert to {name}: {e}"));
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(hook) = &channels.webhook {
        let body = match hook.kind {
            WebhookKind::Wecom | WebhookKind::Dingtalk => {
                serde_json::json!({"msgtype": "text", "text": {"content": alert.text}})
            }
            WebhookKind::Feishu => {
                serde_json::json!({"msg_type": "text", "content": {"text": alert.text}})
            }
            WebhookKind::Generic => {
                let mut fields = alert.fields.clone();
                if let Some(object) = fields.as_object_mut() {
                    object.insert("text".into(), Value::String(alert.text.clone()));
                }
                fields
            }
        };
        let sent = match reqwest::Client::builder().timeout(TIMEOUT).build() {
            Ok(client) => post_json(&client, hook, &body).await,
            Err(e) => Err(format!("webhook client: {e}")),
        };
        match sent {
            Ok(()) => report.webhook.sent += 1,
            Err(e) => {
                report.webhook.failed += 1;
                report.webhook.errors.push(format!("alert: {e}"));
            }
        }
    }
    report
}

fn failure(o: &Outgoing, error: impl fmt::Display) -> String {
    format!("measure {} to {}: {error}", o.measure, o.to)
}

/// The sender and the transport of the SMTP settings; an error fails every message the same way.
pub(crate) fn smtp_transport(
    smtp: &SmtpSettings,
) -> Result<(Mailbox, AsyncSmtpTransport<Tokio1Executor>), String> {
    let from: Mailbox = smtp
        .from
        .parse()
        .map_err(|e| format!("notify.smtp.from \"{}\": {e}", smtp.from))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp.url)
        .map_err(|e| {
            format!(
                "notify.smtp.url \"{}\": {e}",
                zx_store::redact_url(&smtp.url)
            )
        })?
        .timeout(Some(TIMEOUT))
        .build();
    Ok((from, transport))
}

async fn send_emails(smtp: &SmtpSettings, list: &[Outgoing], report: &mut ChannelReport) {
    let with_address: Vec<(&Outgoing, &str)> = list
        .iter()
        .filter_map(|o| o.email.as_deref().map(|address| (o, address)))
        .collect();
    report.skipped = list.len() - with_address.len();
    if with_address.is_empty() {
        return;
    }
    // Settings errors fail every message the same way: one line says why.
    let (from, transport) = match smtp_transport(smtp) {
        Ok(parts) => parts,
        Err(e) => {
            report.failed = with_address.len();
            report.errors.push(e);
            return;
        }
    };
    for (o, address) in with_address {
        let words = message(o);
        match send_email(&transport, &from, address, words.subject, words.body).await {
            Ok(()) => report.sent += 1,
            Err(e) => {
                report.failed += 1;
                report.errors.push(failure(o, e));
            }
        }
    }
}

async fn send_email(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    address: &str,
    subject: String,
    body: String,
) -> Result<(), String> {
    let to: Mailbox = address
        .parse()
        .map_err(|e| format!("address \"{address}\": {e}"))?;
    let email = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())?;
    transport
        .send(email)
        .await
        .map(|_| ())
        .map_err(|e| causes(&e))
}

async fn post_webhooks(hook: &WebhookSettings, list: &[Outgoing], report: &mut ChannelReport) {
    if list.is_empty() {
        return;
    }
    let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(client) => client,
        Err(e) => {
            report.failed = list.len();
            report.errors.push(format!("webhook client: {e}"));
            return;
        }
    };
    for o in list {
        match post_json(&client, hook, &webhook_body(hook.kind, o)).await {
            Ok(()) => report.sent += 1,
            Err(e) => {
                report.failed += 1;
                report.errors.push(failure(o, e));
            }
        }
    }
}

async fn post_json(
    client: &reqwest::Client,
    hook: &WebhookSettings,
    body: &Value,
) -> Result<(), String> {
    // reqwest's errors name the URL, and a robot's URL is its secret: drop it.
    let response = client
        .post(&hook.url)
        .json(body)
        .send()
        .await
        .map_err(|e| causes(&e.without_url()))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| causes(&e.without_url()))?;
    if !status.is_success() {
        return Err(format!("HTTP {status}: {}", excerpt(&text)));
    }
    robot_refusal(hook.kind, &text).map_or(Ok(()), Err)
}

/// The chat robots answer HTTP 200 also when they refuse a message (a wrong key, a keyword
/// missing, rate limit), with a non-zero code in the body: WeCom and DingTalk `errcode`,
/// Feishu `code`. A body that is not JSON, or has no such code, counts as accepted.
fn robot_refusal(kind: WebhookKind, text: &str) -> Option<String> {
    let field = match kind {
        WebhookKind::Wecom | WebhookKind::Dingtalk => "errcode",
        WebhookKind::Feishu => "code",
        WebhookKind::Generic => return None,
    };
    let body: Value = serde_json::from_str(text).ok()?;
    let code = body.get(field)?.as_i64()?;
    (code != 0).then(|| format!("{} refused the message: {}", kind.as_str(), excerpt(text)))
}

/// An error with its causes, `error sending request: client error (Connect): tcp connect
/// error: Connection refused`: the top-level text alone rarely says what to fix.
pub(crate) fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.ends_with(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// At most 200 characters of a response, for an error line.
fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(200).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_refuse_with_a_code_in_a_200_answer() {
        assert!(robot_refusal(WebhookKind::Wecom, r#"{"errcode":0,"errmsg":"ok"}"#).is_none());
        let refused = robot_refusal(
            WebhookKind::Dingtalk,
            r#"{"errcode":310000,"errmsg":"keywords not in content"}"#,
        );
        assert!(refused.unwrap().contains("keywords not in content"));
        assert!(robot_refusal(WebhookKind::Feishu, r#"{"code":19021,"msg":"sign"}"#).is_some());
        assert!(robot_refusal(WebhookKind::Feishu, r#"{"code":0}"#).is_none());
        assert!(robot_refusal(WebhookKind::Generic, r#"{"errcode":1}"#).is_none());
        assert!(robot_refusal(WebhookKind::Wecom, "ok").is_none());
    }

    #[test]
    fn the_summary_names_configured_channels_only() {
        let mut report = DeliveryReport::default();
        assert_eq!(report.to_string(), "no delivery channel configured");
        report.webhook = ChannelReport {
            configured: true,
            sent: 3,
            failed: 1,
            ..ChannelReport::default()
        };
        assert_eq!(report.to_string(), "webhook: 3 sent, 1 failed");
        report.email.configured = true;
        report.email.skipped = 4;
        assert_eq!(
            report.to_string(),
            "e-mail: 0 sent, 0 failed, 4 without address; webhook: 3 sent, 1 failed"
        );
        assert!(!report.all_sent());
    }
}
