//! A hazard graded major (重大事故隐患) notifies HQ's safety department the day it is graded
//! (safety.md §2): the store records the in-app notice in the grading transaction; here the
//! same notice goes out by e-mail and to the chat group, once. The server's 10-minute job and
//! `zx remind` call [`deliver_major_hazards`]; what went out is recorded
//! (`hazard_deliveries`), and only notices of the last 24 hours are sent, so a restored
//! database or a channel configured later never sends old news.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use zx_domain::safety::hazards::Hazard;
use zx_store::Store;

use crate::{Alert, Channels, DeliveryReport, NotifyError, addresses, deliver_alert};

/// How far back undelivered notices are still sent.
pub const MAJOR_NOTICE_WINDOW_HOURS: i64 = 24;

/// The words of a major hazard's notice, Chinese first then English, to `to`.
pub fn major_hazard_alert(
    hazard: &Hazard,
    entity_name: &str,
    to: Vec<(String, Option<String>)>,
) -> Alert {
    let number = hazard.number();
    let deadline = hazard
        .deadline
        .map_or_else(|| "未定 / not set".to_owned(), |d| d.to_string());
    let subject = format!("【安全生产】重大事故隐患 / Major hazard: {entity_name} {number}");
    let body = format!(
        "您好：\n\n{name}（{code}）的隐患 {number} 已评定为重大事故隐患：{description}（位置：{location}）。\
         整改责任人：{owner}，整改期限：{deadline}。重大事故隐患须由集团审核验收，请在平台跟踪“五落实”和整改进度。\n\n\
         Hello,\n\nHazard {number} of {name} ({code}) was graded major: {description} (at {location}). \
         Owner {owner}, deadline {deadline}. A major hazard is verified above the plant; please follow \
         its five assurances and rectification on the platform.\n\n\
         （本邮件由系统自动发送 / sent automatically）\n",
        name = entity_name,
        code = hazard.entity,
        description = hazard.description,
        location = hazard.location,
        owner = if hazard.owner.is_empty() {
            "—"
        } else {
            &hazard.owner
        },
    );
    let what = if hazard.description.is_empty() {
        String::new()
    } else {
        format!(" {}", hazard.description)
    };
    let text = format!(
        "【安全生产】重大事故隐患：{entity_name} {number}{what}，期限 {deadline}。\n\
         Major hazard: {number} ({code}), deadline {deadline}.",
        code = hazard.entity,
    );
    Alert {
        subject,
        body,
        text,
        fields: json!({
            "kind": "major_hazard",
            "hazard": hazard.id,
            "number": number,
            "entity": hazard.entity.to_string(),
            "description": hazard.description,
            "deadline": hazard.deadline.map(|d| d.to_string()),
            "to": to.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>(),
        }),
        to,
    }
}

/// Several major hazards in one run (an imported ledger, the first run after a restart) go out
/// as one digest rather than a message each: their numbers, units and deadlines, one a line.
pub fn major_hazards_digest(
    hazards: &[(&Hazard, &str)],
    to: Vec<(String, Option<String>)>,
) -> Alert {
    let n = hazards.len();
    let lines: Vec<String> = hazards
        .iter()
        .map(|(h, name)| {
            let deadline = h.deadline.map_or_else(|| "—".to_owned(), |d| d.to_string());
            format!("- {name}（{}）{}：{deadline}", h.entity, h.number())
        })
        .collect();
    let subject = format!("【安全生产】{n} 项重大事故隐患 / {n} major hazards");
    let body = format!(
        "您好：\n\n以下 {n} 项隐患已评定为重大事故隐患（单位、编号、整改期限）。重大事故隐患须由集团审核验收，\
         请在平台跟踪“五落实”和整改进度。\n\nHello,\n\nThese {n} hazards were graded major (unit, number, \
         deadline); each is verified above the plant.\n\n{}\n\n（本邮件由系统自动发送 / sent automatically）\n",
        lines.join("\n")
    );
    let text = format!(
        "【安全生产】{n} 项重大事故隐患：\n{}\n{n} major hazards graded.",
        lines.join("\n")
    );
    Alert {
        subject,
        body,
        text,
        fields: json!({
            "kind": "major_hazards",
            "hazards": hazards
                .iter()
                .map(|(h, _)| json!({
                    "hazard": h.id,
                    "number": h.number(),
                    "entity": h.entity.to_string(),
                    "deadline": h.deadline.map(|d| d.to_string()),
                }))
                .collect::<Vec<_>>(),
            "to": to.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>(),
        }),
        to,
    }
}

/// Sends the major-hazard notices recorded in the 24 hours up to `now` and not sent yet: one
/// alert for one hazard, a digest for several, to every account notified of any of them. The
/// notices are recorded as sent when every attempt went through, so a mail server that is down
/// is tried again on the next run. Nothing is sent or recorded without a channel.
pub async fn deliver_major_hazards(
    store: &dyn Store,
    channels: &Channels,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, NotifyError> {
    let report = DeliveryReport::for_channels(channels);
    if !channels.any() {
        return Ok(report);
    }
    let since = now - Duration::hours(MAJOR_NOTICE_WINDOW_HOURS);
    let mut notices = store.undelivered_hazard_notifications(since).await?;
    // A run "as of" an earlier time (`zx remind --now`) leaves later notices for later runs.
    notices.retain(|n| n.created_at <= now);
    if notices.is_empty() {
        return Ok(report);
    }
    let emails = addresses(&store.users().await?);
    let names: BTreeMap<_, _> = store
        .entities()
        .await?
        .into_iter()
        .map(|e| (e.code, e.name))
        .collect();
    let mut hazards = Vec::new();
    let mut ids = Vec::new();
    let mut recipients = std::collections::BTreeSet::new();
    let mut seen = std::collections::BTreeSet::new();
    for n in &notices {
        ids.push(n.id);
        recipients.insert(n.user.clone());
        if seen.insert(n.hazard)
            && let Some(hazard) = store.hazard(n.hazard).await?
        {
            hazards.push(hazard);
        }
    }
    let named: Vec<(&Hazard, &str)> = hazards
        .iter()
        .map(|h| {
            let name = names
                .get(&h.entity)
                .map_or(h.entity.as_str(), String::as_str);
            (h, name)
        })
        .collect();
    let to: Vec<(String, Option<String>)> = recipients
        .into_iter()
        .map(|user| {
            let email = emails.get(&user).cloned();
            (user, email)
        })
        .collect();
    let alert = match named.as_slice() {
        [] => return Ok(report),
        [(hazard, name)] => major_hazard_alert(hazard, name, to),
        several => major_hazards_digest(several, to),
    };
    let sent = deliver_alert(channels, &alert).await;
    if sent.all_sent() {
        store.mark_hazard_notifications_delivered(&ids, now).await?;
    }
    Ok(sent)
}
