//! Where reminders go besides the application: the settings of the e-mail and webhook channels.
//! They are part of the server's `zengxiao.toml` (`[notify.smtp]`, `[notify.webhook]`), so they
//! are serde types; their `Debug` hides secrets because settings are logged at start.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The configured delivery channels; the default is none (in-app notifications only).
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Channels {
    /// E-mail through an SMTP server.
    #[serde(default)]
    pub smtp: Option<SmtpSettings>,
    /// A chat group robot or any HTTP receiver.
    #[serde(default)]
    pub webhook: Option<WebhookSettings>,
}

impl Channels {
    /// Whether anything besides the in-app notification is configured.
    pub fn any(&self) -> bool {
        self.smtp.is_some() || self.webhook.is_some()
    }
}

impl fmt::Debug for Channels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channels")
            .field("smtp", &self.smtp)
            .field("webhook", &self.webhook)
            .finish()
    }
}

/// An SMTP relay.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SmtpSettings {
    /// A lettre SMTP URL: `smtp://host:2525` (plain, for a relay on the same network),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://user:pass@host` (TLS on
    /// connect, port 465). Credentials percent-encoded.
    pub url: String,
    /// The sender, e.g. `提质增效平台 <zengxiao@example.com>`.
    pub from: String,
}

/// The password in the URL never reaches a log line.
impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("url", &zx_store::redact_url(&self.url))
            .field("from", &self.from)
            .finish()
    }
}

/// A webhook: where to POST and which body shape the receiver expects.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WebhookSettings {
    pub url: String,
    #[serde(default)]
    pub kind: WebhookKind,
}

/// Chat robots' webhook URLs are their credentials (WeCom's `key=`, DingTalk's
/// `access_token=`, Feishu's hook id in the path): only the scheme and host are shown.
impl fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("url", &redact_webhook_url(&self.url))
            .field("kind", &self.kind)
            .finish()
    }
}

/// The body shape of a webhook.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum WebhookKind {
    /// `{"measure","to","reason","title","entity","due","text"}`, for a receiver of our own.
    #[default]
    Generic,
    /// 企业微信 group robot: `{"msgtype":"text","text":{"content":…}}`.
    Wecom,
    /// 钉钉 custom robot: `{"msgtype":"text","text":{"content":…}}`.
    Dingtalk,
    /// 飞书 custom bot: `{"msg_type":"text","content":{"text":…}}`.
    Feishu,
}

impl WebhookKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookKind::Generic => "generic",
            WebhookKind::Wecom => "wecom",
            WebhookKind::Dingtalk => "dingtalk",
            WebhookKind::Feishu => "feishu",
        }
    }
}

/// `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…` → `https://qyapi.weixin.qq.com/***`:
/// the scheme and host (with port) only, as the rest of a robot's URL is its secret.
pub fn redact_webhook_url(url: &str) -> String {
    let Some(scheme) = url.find("://") else {
        return "***".into();
    };
    let rest = &url[scheme + 3..];
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..host_end];
    // Credentials before the host (`user:pass@host`) are dropped too.
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    if host_end == rest.len() {
        format!("{}{host}", &url[..scheme + 3])
    } else {
        format!("{}{host}/***", &url[..scheme + 3])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_debug() {
        let channels = Channels {
            smtp: Some(SmtpSettings {
                url: "smtps://zx:hunter2@mail.example.com".into(),
                from: "zx@example.com".into(),
            }),
            webhook: Some(WebhookSettings {
                url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=s3cret".into(),
                kind: WebhookKind::Wecom,
            }),
        };
        let shown = format!("{channels:?}");
        assert!(shown.contains("smtps://zx:***@mail.example.com"), "{shown}");
        assert!(shown.contains("https://qyapi.weixin.qq.com/***"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cret"),
            "{shown}"
        );
        assert_eq!(
            redact_webhook_url("http://u:p@127.0.0.1:9/hook"),
            "http://127.0.0.1:9/***"
        );
        assert_eq!(
            redact_webhook_url("http://127.0.0.1:9"),
            "http://127.0.0.1:9"
        );
        assert_eq!(redact_webhook_url("not a url"), "***");
    }

    #[test]
    fn kinds_read_as_lowercase_words() {
        let hook: WebhookSettings =
            serde_json::from_str(r#"{"url":"http://x","kind":"feishu"}"#).unwrap();
        assert_eq!(hook.kind, WebhookKind::Feishu);
        let hook: WebhookSettings = serde_json::from_str(r#"{"url":"http://x"}"#).unwrap();
        assert_eq!(hook.kind, WebhookKind::Generic);
        assert!(serde_json::from_str::<WebhookSettings>(r#"{"url":"x","kind":"slack"}"#).is_err());
    }
}
