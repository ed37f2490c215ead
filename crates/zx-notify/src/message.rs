//! The words of a reminder, Chinese first then English (the group's working language first; the
//! English for foreign staff and auditors). Pure functions of an [`Outgoing`], so every channel
//! says the same thing and tests need no server.

use serde_json::{Value, json};
use zx_domain::measures::DUE_SOON_DAYS;
use zx_store::ReminderReason;

use crate::Outgoing;
use crate::channels::WebhookKind;

/// A reminder as text: an e-mail's subject and body, and the short text of a chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `【提质增效】措施即将到期 / Measure due soon: <title>`.
    pub subject: String,
    /// A letter: greeting, what, which entity, due date and why, in Chinese then English.
    pub body: String,
    /// Two lines for a chat group: the same facts, no greeting.
    pub text: String,
}

/// The subject prefixes: Chinese and English, per reason.
fn headline(reason: ReminderReason) -> (&'static str, &'static str) {
    match reason {
        ReminderReason::DueSoon => ("措施即将到期", "Measure due soon"),
        ReminderReason::Overdue => ("措施已逾期", "Measure overdue"),
        ReminderReason::Escalated => ("下级单位措施逾期未完成", "Overdue measure escalated"),
    }
}

/// Why the recipient is told: Chinese and English, per reason.
fn why(reason: ReminderReason) -> (String, String) {
    match reason {
        ReminderReason::DueSoon => (
            format!("将在 {DUE_SOON_DAYS} 天内到期，请您按期完成。"),
            format!("it is due within {DUE_SOON_DAYS} days; please complete it on time."),
        ),
        ReminderReason::Overdue => (
            "已逾期，目前仍未完成，请尽快推进并更新进度。".to_owned(),
            "it is overdue and still open; please move it forward and update its progress."
                .to_owned(),
        ),
        ReminderReason::Escalated => (
            "逾期已超过宽限期，现提请您作为上级单位负责人督办。".to_owned(),
            "it is overdue past the grace period and is escalated to you as a manager of the \
             superior entity."
                .to_owned(),
        ),
    }
}

/// The reminder for `o` in words.
pub fn message(o: &Outgoing) -> Message {
    let (zh, en) = headline(o.reason);
    let (why_zh, why_en) = why(o.reason);
    let subject = format!("【提质增效】{zh} / {en}: {}", o.title);
    let body = format!(
        "{to}，您好：\n\
         \n\
         提质增效措施“{title}”（{name}，{code}）计划完成日期为 {due}，{why_zh}\n\
         请登录提质增效平台查看并更新措施进度。\n\
         \n\
         Hello {to},\n\
         \n\
         The improvement measure \"{title}\" ({name}, {code}) is due on {due}: {why_en}\n\
         Please sign in to the Zengxiao platform to review it and update its progress.\n\
         \n\
         （措施编号 / Measure no. {id}；本邮件由系统自动发送 / sent automatically）\n",
        to = o.to,
        title = o.title,
        name = o.entity_name,
        code = o.entity,
        due = o.due,
        id = o.measure,
    );
    let text = format!(
        "【提质增效】{zh}：{title}（{name}），计划完成 {due}，提醒 {to}。\n\
         {en}: {title} ({code}), due {due}, for {to}.",
        title = o.title,
        name = o.entity_name,
        code = o.entity,
        due = o.due,
        to = o.to,
    );
    Message {
        subject,
        body,
        text,
    }
}

/// The JSON a webhook of `kind` is sent for `o`: the chat robots' text message shapes, or for
/// `generic` the facts as fields plus the text.
pub fn webhook_body(kind: WebhookKind, o: &Outgoing) -> Value {
    let text = message(o).text;
    match kind {
        WebhookKind::Wecom | WebhookKind::Dingtalk => {
            json!({"msgtype": "text", "text": {"content": text}})
        }
        WebhookKind::Feishu => json!({"msg_type": "text", "content": {"text": text}}),
        WebhookKind::Generic => json!({
            "measure": o.measure,
            "to": o.to,
            "reason": o.reason.as_str(),
            "title": o.title,
            "entity": o.entity.to_string(),
            "due": o.due.format("%Y-%m-%d").to_string(),
            "text": text,
        }),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use zx_domain::EntityCode;

    use super::*;

    fn overdue() -> Outgoing {
        Outgoing {
            measure: 7,
            title: "应收电费清收".into(),
            entity: EntityCode::parse("ZJ").unwrap(),
            entity_name: "浙江公司".into(),
            due: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
            reason: ReminderReason::Overdue,
            to: "hq".into(),
            email: Some("hq@example.com".into()),
        }
    }

    #[test]
    fn subjects_name_the_reason_in_chinese_then_english() {
        let mut o = overdue();
        o.reason = ReminderReason::DueSoon;
        assert_eq!(
            message(&o).subject,
            "【提质增效】措施即将到期 / Measure due soon: 应收电费清收"
        );
        o.reason = ReminderReason::Overdue;
        assert_eq!(
            message(&o).subject,
            "【提质增效】措施已逾期 / Measure overdue: 应收电费清收"
        );
        o.reason = ReminderReason::Escalated;
        assert_eq!(
            message(&o).subject,
            "【提质增效】下级单位措施逾期未完成 / Overdue measure escalated: 应收电费清收"
        );
    }

    #[test]
    fn the_body_names_measure_entity_due_date_and_why_in_both_languages() {
        let m = message(&overdue());
        let zh = m.body.find("您好").unwrap();
        let en = m.body.find("Hello hq").unwrap();
        assert!(zh < en, "Chinese first: {}", m.body);
        for needle in [
            "“应收电费清收”（浙江公司，ZJ）计划完成日期为 2026-09-30，已逾期",
            "\"应收电费清收\" (浙江公司, ZJ) is due on 2026-09-30: it is overdue and still open",
            "Measure no. 7",
        ] {
            assert!(m.body.contains(needle), "{needle} not in {}", m.body);
        }
        let mut o = overdue();
        o.reason = ReminderReason::DueSoon;
        assert!(message(&o).body.contains("将在 7 天内到期"));
        assert!(message(&o).body.contains("due within 7 days"));
        o.reason = ReminderReason::Escalated;
        assert!(message(&o).body.contains("上级单位负责人督办"));
        assert!(message(&o).body.contains("superior entity"));
    }

    #[test]
    fn the_chat_text_is_two_lines() {
        let m = message(&overdue());
        assert_eq!(
            m.text,
            "【提质增效】措施已逾期：应收电费清收（浙江公司），计划完成 2026-09-30，提醒 hq。\n\
             Measure overdue: 应收电费清收 (ZJ), due 2026-09-30, for hq."
        );
    }

    #[test]
    fn webhook_bodies_follow_each_robot_shape() {
        let o = overdue();
        let text = message(&o).text;
        let wecom = json!({"msgtype": "text", "text": {"content": text}});
        assert_eq!(webhook_body(WebhookKind::Wecom, &o), wecom);
        assert_eq!(webhook_body(WebhookKind::Dingtalk, &o), wecom);
        assert_eq!(
            webhook_body(WebhookKind::Feishu, &o),
            json!({"msg_type": "text", "content": {"text": text}})
        );
        assert_eq!(
            webhook_body(WebhookKind::Generic, &o),
            json!({"measure": 7, "to": "hq", "reason": "overdue", "title": "应收电费清收",
                   "entity": "ZJ", "due": "2026-09-30", "text": text})
        );
    }
}
