//! Reminders about improvement measures and companies' yearly drill plans, and their delivery
//! outside the application.
//!
//! [`run_reminders`] is the reminder *service*: it applies the domain rule
//! (`zx_domain::measures::reminders`) to the store's measures and accounts and records the
//! in-app notifications, each (measure, user, reason) once. It lives here rather than in the CLI
//! because two callers run it: `zx remind` and the server's daily job.
//!
//! [`deliver`] then sends what was newly recorded through the configured [`Channels`]: one
//! e-mail per notification whose recipient has an address (SMTP, [`lettre`]) and one POST per
//! notification to a chat webhook (WeCom, DingTalk, Feishu or a generic JSON receiver). Delivery
//! is best effort by design: the in-app notification is already recorded when delivery starts,
//! so a mail server or webhook that is down costs an e-mail or a chat message, never the
//! reminder itself. Failures come back in a [`DeliveryReport`] for the caller to log, not as
//! errors.
//!
//! [`run_drill_reminders`] does the same for the planned drills of the yearly drill plans
//! (`zx_domain::safety::drill_plan`), and [`deliver_drill_reminders`] sends them as alerts.
//!
//! [`deliver_major_hazards`] sends HQ's in-app notices of hazards graded major by e-mail and
//! chat, once each.
//!
//! [`send_report_mail`] sends the scheduled monthly report with its PDF attached.
//!
//! Not here: the rule itself (zx-domain), SQL (the backends), reading the clock (callers pass
//! `now`).
#![forbid(unsafe_code)]

mod channels;
mod deliver;
mod drills;
mod hazards;
mod managers;
mod message;
mod practices;
mod report;
mod warnings;

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use zx_domain::measures::{Reminder, reminders};
use zx_domain::{EntityCode, Role};
use zx_store::{NewNotification, ReminderReason, Store, StoreError};

pub use channels::{Channels, SmtpSettings, WebhookKind, WebhookSettings, redact_webhook_url};
pub use deliver::{Alert, ChannelReport, DeliveryReport, deliver, deliver_alert};
pub use drills::{deliver_drill_reminders, drill_alert, run_drill_reminders};
pub use hazards::{
    MAJOR_NOTICE_WINDOW_HOURS, deliver_major_hazards, major_hazard_alert, major_hazards_digest,
};
pub use managers::{deliver_manager_reminders, manager_alert, run_manager_reminders};
pub use message::{Message, message, webhook_body};
pub use practices::{deliver_practice_recommendation, practice_alert};
pub use report::{ReportMail, send_report_mail};
pub use warnings::{deliver_escalations, escalation_message, run_warning_escalations};

/// Why the reminder service could not run. Delivery failures are not errors (see
/// [`DeliveryReport`]): only the store, whose answer decides what is recorded, can fail a run.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One notification ready to leave the application: everything a message needs, looked up once
/// so that building messages stays a pure function ([`message`], [`webhook_body`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub measure: i64,
    pub title: String,
    pub entity: EntityCode,
    pub entity_name: String,
    /// The measure's planned completion date (a China date).
    pub due: NaiveDate,
    pub reason: ReminderReason,
    /// The recipient's user name.
    pub to: String,
    /// The recipient's e-mail address; `None`: no e-mail, the webhook and in-app only.
    pub email: Option<String>,
}

/// The reminders due at `now` and recorded as in-app notifications; returns only those that were
/// not recorded before (re-runs return nothing new). With `dry_run` nothing is recorded and the
/// result is what a real run would record now: the reminders not recorded yet.
///
/// Escalations go to the enabled entity managers of the measure's superior entity, after
/// `grace_days` days overdue (the rule is `zx_domain::measures::reminders`, judged on the China
/// date of `now`).
pub async fn run_reminders(
    store: &dyn Store,
    now: DateTime<Utc>,
    grace_days: u32,
    dry_run: bool,
) -> Result<Vec<NewNotification>, NotifyError> {
    let measures = store.measures().await?;
    let parents: HashMap<EntityCode, Option<EntityCode>> = store
        .entities()
        .await?
        .into_iter()
        .map(|e| (e.code, e.parent))
        .collect();
    // The enabled entity managers bound to each entity.
    let mut managers: HashMap<EntityCode, Vec<String>> = HashMap::new();
    for user in store.users().await? {
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
    if !dry_run {
        return Ok(store.record_notifications(list, now).await?);
    }
    // What would be sent: what is not recorded yet.
    let users: BTreeSet<&str> = list.iter().map(|n| n.user.as_str()).collect();
    let mut recorded = HashSet::new();
    for user in users {
        for n in store.notifications(user).await? {
            recorded.insert((n.measure, n.user, n.reason));
        }
    }
    Ok(list
        .into_iter()
        .filter(|n| !recorded.contains(&(n.measure, n.user.clone(), n.reason)))
        .collect())
}

/// User name → e-mail address, for the enabled accounts that have one (a disabled account is
/// someone who left: their in-app notification is kept, their mailbox is not written to).
///
/// Callers build this map and pass it to [`outgoing`], so delivery does not depend on the
/// account model.
pub fn addresses(users: &[zx_store::User]) -> HashMap<String, String> {
    users
        .iter()
        .filter(|u| !u.disabled)
        .filter_map(|u| {
            let email = u.email.as_deref()?.trim();
            (!email.is_empty()).then(|| (u.name.clone(), email.to_owned()))
        })
        .collect()
}

/// The recorded notifications `sent`, with what their messages need: the measure's title and due
/// date, its entity's name, the recipient's address from `addresses`. A notification whose
/// measure no longer exists is left out (nothing sensible could be said about it).
pub async fn outgoing(
    store: &dyn Store,
    sent: &[NewNotification],
    addresses: &HashMap<String, String>,
) -> Result<Vec<Outgoing>, NotifyError> {
    if sent.is_empty() {
        return Ok(Vec::new());
    }
    let measures: HashMap<i64, zx_domain::Measure> = store
        .measures()
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let names: HashMap<EntityCode, String> = store
        .entities()
        .await?
        .into_iter()
        .map(|e| (e.code, e.name))
        .collect();
    Ok(sent
        .iter()
        .filter_map(|n| {
            let m = measures.get(&n.measure)?;
            Some(Outgoing {
                measure: m.id,
                title: m.title.clone(),
                entity_name: names
                    .get(&m.entity)
                    .cloned()
                    .unwrap_or_else(|| m.entity.to_string()),
                entity: m.entity.clone(),
                due: m.due,
                reason: n.reason,
                to: n.user.clone(),
                email: addresses.get(&n.user).cloned(),
            })
        })
        .collect())
}

/// Delivers notifications that were just recorded through `channels`: looks up the accounts'
/// addresses ([`addresses`]) and the measures ([`outgoing`]), then [`deliver`]s. What the
/// server's daily job and `zx remind` both do after a real run.
pub async fn deliver_recorded(
    store: &dyn Store,
    channels: &Channels,
    sent: &[NewNotification],
) -> Result<DeliveryReport, NotifyError> {
    if !channels.any() || sent.is_empty() {
        return Ok(DeliveryReport::for_channels(channels));
    }
    let users = store.users().await?;
    let list = outgoing(store, sent, &addresses(&users)).await?;
    Ok(deliver(channels, &list).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_of_enabled_accounts_with_one() {
        let user = |name: &str, email: Option<&str>, disabled: bool| zx_store::User {
            name: name.into(),
            role: Role::EntityManager,
            entity: None,
            disabled,
            email: email.map(str::to_owned),
        };
        let map = addresses(&[
            user("hq", Some("hq@example.com"), false),
            user("fujian", None, false),
            user("gone", Some("gone@example.com"), true),
            user("blank", Some("  "), false),
        ]);
        assert_eq!(
            map,
            HashMap::from([("hq".to_owned(), "hq@example.com".to_owned())])
        );
    }
}
