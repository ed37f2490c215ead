//! The monthly report by e-mail (issue 16, item 3): one message to every recipient of the
//! schedule, the PDF attached (`multipart/mixed`: a plain-text part, then the file). Unlike the
//! reminders this is not best effort: the caller records whether it went out and tries a
//! failed one again on its next check, so the result is an error to keep, not a count.

use lettre::AsyncTransport;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::Channels;
use crate::deliver::{causes, smtp_transport};

/// A report to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportMail {
    /// Addresses, all in `To:`.
    pub to: Vec<String>,
    /// `示例集团`.
    pub entity_name: String,
    /// `2026-11`.
    pub period: String,
    pub file_name: String,
    pub pdf: Vec<u8>,
}

impl ReportMail {
    /// Chinese first, then English, as every message of the platform.
    pub fn subject(&self) -> String {
        format!(
            "【质量效益月度报告】{name} {period} / Monthly quality and efficiency report",
            name = self.entity_name,
            period = self.period
        )
    }

    pub fn body(&self) -> String {
        format!(
            "您好：\n\n附件为{name} {period} 质量效益月度报告（PDF），由平台按集团设定的发送计划自动发送，\
             数值与驾驶舱一致。\n\nHello,\n\nAttached is the monthly quality and efficiency report of \
             {name} for {period} (PDF), sent by the platform on HQ's schedule; its figures are the \
             cockpit's.\n\n（本邮件由系统自动发送 / sent automatically）\n",
            name = self.entity_name,
            period = self.period
        )
    }
}

/// Sends `mail` through the SMTP channel. An error says why (no SMTP configured, a bad address
/// or setting, the server's refusal); nothing is retried here.
pub async fn send_report_mail(channels: &Channels, mail: &ReportMail) -> Result<(), String> {
    let Some(smtp) = &channels.smtp else {
        return Err("no SMTP channel configured ([notify.smtp])".into());
    };
    if mail.to.is_empty() {
        return Err("no recipients".into());
    }
    let (from, transport) = smtp_transport(smtp)?;
    let mut builder = lettre::Message::builder()
        .from(from)
        .subject(mail.subject());
    for address in &mail.to {
        let to: Mailbox = address
            .parse()
            .map_err(|e| format!("address \"{address}\": {e}"))?;
        builder = builder.to(to);
    }
    let pdf = ContentType::parse("application/pdf").map_err(|e| e.to_string())?;
    let message = builder
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(mail.body()))
                .singlepart(Attachment::new(mail.file_name.clone()).body(mail.pdf.clone(), pdf)),
        )
        .map_err(|e| e.to_string())?;
    transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| causes(&e))
}
