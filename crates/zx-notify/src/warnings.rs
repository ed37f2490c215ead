//! Escalation of natural-hazard warnings a plant did not acknowledge in time: the same path as
//! overdue measures (`run_reminders`). The rule is `zx_domain::safety::natural::alerts_to_escalate`
//! judged at the `now` passed in; the recipients are the enabled entity managers of the plant's
//! superior entity, as for a measure; each (alert, user) is recorded once by the store
//! (`record_escalations`) and what is newly recorded is delivered through the configured
//! channels (e-mail, chat webhook) by [`deliver_escalations`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use zx_domain::safety::natural::{AlertDue, alerts_to_escalate};
use zx_domain::{EntityCode, Role};
use zx_store::{Escalation, Store};

use crate::{Alert, Channels, DeliveryReport, NotifyError, addresses, deliver_alert};

/// Records the escalations due at `now`; returns those not recorded before. With `dry_run`
/// nothing is recorded: the result is what a real run would record now.
pub async fn run_warning_escalations(
    store: &dyn Store,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<Vec<Escalation>, NotifyError> {
    let alerts = store.warning_alerts().await?;
    let due: Vec<AlertDue> = alerts
        .iter()
        .map(|a| AlertDue {
            id: a.id,
            entity: a.entity.clone(),
            acknowledge_by: a.acknowledge_by,
            acknowledged: a.acknowledged_by.is_some(),
        })
        .collect();
    let parents: HashMap<EntityCode, Option<EntityCode>> = store
        .entities()
        .await?
        .into_iter()
        .map(|e| (e.code, e.parent))
        .collect();
    let mut managers: HashMap<EntityCode, Vec<String>> = HashMap::new();
    for user in store.users().await? {
        if user.disabled || user.role != Role::EntityManager {
            continue;
        }
        if let Some(entity) = user.entity {
            managers.entry(entity).or_default().push(user.name);
        }
    }
    let mut list = Vec::new();
    for alert in alerts_to_escalate(&due, now) {
        let above = parents.get(&alert.entity).cloned().flatten();
        for user in above.and_then(|p| managers.get(&p)).into_iter().flatten() {
            list.push((alert.id, user.clone()));
        }
    }
    if !dry_run {
        return Ok(store.record_escalations(list, now).await?);
    }
    let recorded: std::collections::HashSet<(i64, String)> = store
        .escalations()
        .await?
        .into_iter()
        .map(|e| (e.alert, e.user))
        .collect();
    Ok(list
        .into_iter()
        .filter(|key| !recorded.contains(key))
        .map(|(alert, user)| Escalation {
            alert,
            user,
            at: now,
        })
        .collect())
}

/// Sends the escalations just recorded: one message per alert to its recipients.
pub async fn deliver_escalations(
    store: &dyn Store,
    channels: &Channels,
    sent: &[Escalation],
) -> Result<DeliveryReport, NotifyError> {
    let mut report = DeliveryReport::for_channels(channels);
    if !channels.any() || sent.is_empty() {
        return Ok(report);
    }
    let users = store.users().await?;
    let addresses = addresses(&users);
    let alerts: HashMap<i64, zx_store::WarningAlert> = store
        .warning_alerts()
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let warnings: HashMap<i64, zx_store::StoredWarning> = store
        .warnings()
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    let names: HashMap<EntityCode, String> = store
        .entities()
        .await?
        .into_iter()
        .map(|e| (e.code, e.name))
        .collect();
    let mut by_alert: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
    for e in sent {
        by_alert.entry(e.alert).or_default().push(e.user.clone());
    }
    for (id, to) in by_alert {
        let (Some(alert), Some(warning)) = (
            alerts.get(&id),
            alerts.get(&id).and_then(|a| warnings.get(&a.warning)),
        ) else {
            continue;
        };
        let name = names
            .get(&alert.entity)
            .cloned()
            .unwrap_or_else(|| alert.entity.to_string());
        let message = escalation_message(alert, warning, &name);
        let alert_out = Alert {
            fields: json!({
                "kind": "warning_escalated",
                "alert": alert.id,
                "warning": warning.id,
                "entity": alert.entity.as_str(),
                "hazard": warning.warning.hazard.as_str(),
                "level": warning.warning.level.as_str(),
            }),
            to: to
                .into_iter()
                .map(|u| {
                    let email = addresses.get(&u).cloned();
                    (u, email)
                })
                .collect(),
            ..message
        };
        merge(&mut report, deliver_alert(channels, &alert_out).await);
    }
    Ok(report)
}

/// Adds `more`'s counts and errors to `report`.
fn merge(report: &mut DeliveryReport, more: DeliveryReport) {
    for (into, from) in [
        (&mut report.email, more.email),
        (&mut report.webhook, more.webhook),
    ] {
        into.sent += from.sent;
        into.failed += from.failed;
        into.skipped += from.skipped;
        into.errors.extend(from.errors);
    }
}

/// The words of an escalation, Chinese then English.
pub fn escalation_message(
    alert: &zx_store::WarningAlert,
    warning: &zx_store::StoredWarning,
    entity_name: &str,
) -> Alert {
    use zx_domain::Lang;
    let w = &warning.warning;
    let by = zx_domain::calendar::china_time(alert.acknowledge_by).format("%Y-%m-%d %H:%M");
    let (hazard_zh, hazard_en) = (w.hazard.label(Lang::Zh), w.hazard.label(Lang::En));
    let (level_zh, level_en) = (w.level.label(Lang::Zh), w.level.label(Lang::En));
    let subject = format!(
        "【安全生产】{hazard_zh}{level_zh}未确认 / Unacknowledged {hazard_en} {level_en}: {entity_name}"
    );
    let body = format!(
        "{entity_name}（{code}）收到{region}{hazard_zh}{level_zh}，应于 {by}（北京时间）前确认并落实检查清单，\
         至今未确认，现提请您作为上级单位负责人督办。\n\n\
         {entity_name} ({code}) received the {level_en} for {hazard_en} in {region} and had to \
         acknowledge it and work through its checklist by {by} China time; it has not, and it is \
         escalated to you as a manager of the superior entity.\n",
        code = alert.entity,
        region = w.region,
    );
    let text = format!(
        "【安全生产】{entity_name}未在 {by} 前确认{region}{hazard_zh}{level_zh}。\n\
         {entity_name} has not acknowledged the {region} {hazard_en} {level_en} due {by}.",
        region = w.region,
    );
    Alert {
        subject,
        body,
        text,
        fields: json!({}),
        to: Vec::new(),
    }
}
