//! `zx remind`: in-app notifications about measures due soon, overdue, or overdue past the grace
//! period (escalated to the enabled managers of the superior entity). Each (measure, user,
//! reason) is sent once: re-runs send only what is new.

use std::collections::{BTreeSet, HashMap, HashSet};

use anyhow::{Result, anyhow};
use chrono::{DateTime, Utc};
use serde_json::json;
use zx_domain::measures::{Reminder, reminders};
use zx_domain::{EntityCode, Role};
use zx_store::NewNotification;

use crate::app::App;
use crate::cli::TextFormat;

fn parse_now(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| anyhow!("--now: \"{text}\" is not an RFC 3339 time ({e})"))
}

pub async fn remind(
    app: &App,
    now: Option<&str>,
    dry_run: bool,
    grace_days: u32,
    format: TextFormat,
) -> Result<()> {
    let now = match now {
        Some(text) => parse_now(text)?,
        None => Utc::now(),
    };
    let measures = app.store.measures().await?;
    let parents: HashMap<EntityCode, Option<EntityCode>> = app
        .store
        .entities()
        .await?
        .into_iter()
        .map(|e| (e.code, e.parent))
        .collect();
    // The enabled entity managers bound to each entity.
    let mut managers: HashMap<EntityCode, Vec<String>> = HashMap::new();
    for user in app.store.users().await? {
        if user.disabled || user.role != Role::EntityManager {
            continue;
        }
        if let Some(entity) = user.entity {
            managers.entry(entity).or_default().push(user.name);
        }
    }
    let due = reminders(&measures, now, grace_days, |m| {
        parents
            .get(&m.entity)
            .cloned()
            .flatten()
            .and_then(|parent| managers.get(&parent).cloned())
            .unwrap_or_default()
    });
    let list: Vec<NewNotification> = due
        .into_iter()
        .map(
            |Reminder {
                 measure,
                 user,
                 reason,
             }| NewNotification {
                measure,
                user,
                reason,
            },
        )
        .collect();
    let sent = if dry_run {
        // What would be sent: what is not recorded yet.
        let users: BTreeSet<&str> = list.iter().map(|n| n.user.as_str()).collect();
        let mut recorded = HashSet::new();
        for user in users {
            for n in app.store.notifications(user).await? {
                recorded.insert((n.measure, n.user, n.reason));
            }
        }
        list.into_iter()
            .filter(|n| !recorded.contains(&(n.measure, n.user.clone(), n.reason)))
            .collect()
    } else {
        app.store.record_notifications(list, now).await?
    };
    match format {
        TextFormat::Json => {
            let items: Vec<serde_json::Value> = sent
                .iter()
                .map(|n| json!({"measure": n.measure, "to": n.user, "reason": n.reason.as_str()}))
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "notifications": items }))?
            );
        }
        TextFormat::Text => {
            for n in &sent {
                println!("measure {}\t{}\t{}", n.measure, n.user, n.reason);
            }
            let what = if dry_run {
                app.lang.pick(
                    "条通知待发送（演练，未记录）",
                    "notifications would be sent (dry run, nothing recorded)",
                )
            } else {
                app.lang.pick("条通知已发送", "notifications sent")
            };
            println!("{} {what}", sent.len());
        }
    }
    Ok(())
}
