//! Reminders about companies' yearly drill plans (年度应急演练计划): the rule is
//! `zx_domain::safety::drill_plan`, judged on the China date of `now`; here the service that
//! records them (each planned drill, person and reason once) and their words for e-mail and
//! chat, sent as [`Alert`]s through the same channels as the measures' reminders.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::json;
use zx_domain::calendar::china_today;
use zx_domain::safety::Drill;
use zx_domain::safety::drill_plan::{
    DrillReminder, DrillReminderReason, PlannedDrill, RecordedDrill, drill_reminders,
};
use zx_domain::{EntityCode, Role};
use zx_store::Store;

use crate::{Alert, Channels, DeliveryReport, NotifyError, addresses, deliver_alert};

/// The drill reminders due at `now` for the stored plans, given the drills recorded, and
/// recorded; returns only those not recorded before. With `dry_run` nothing is recorded and the
/// result is what a real run would record now.
///
/// Due soon: the enabled entity managers of the planned drill's entity, from `lead_days`
/// before its date. Overdue: they and the managers of the entity above it.
pub async fn run_drill_reminders(
    store: &dyn Store,
    drills: &[Drill],
    now: DateTime<Utc>,
    lead_days: u32,
    dry_run: bool,
) -> Result<Vec<DrillReminder>, NotifyError> {
    let planned = store.planned_drills().await?;
    if planned.is_empty() {
        return Ok(Vec::new());
    }
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
    let of = |e: &EntityCode| managers.get(e).cloned().unwrap_or_default();
    let list = drill_reminders(
        &planned,
        drills.iter().map(RecordedDrill::from),
        china_today(now),
        lead_days,
        of,
        |e| {
            parents
                .get(e)
                .cloned()
                .flatten()
                .map(|p| of(&p))
                .unwrap_or_default()
        },
    );
    if !dry_run {
        return Ok(store.record_drill_reminders(list, now).await?);
    }
    let mut out = Vec::new();
    let mut recorded: HashMap<String, Vec<(i64, DrillReminderReason)>> = HashMap::new();
    for r in list {
        if !recorded.contains_key(&r.user) {
            let mine = store.drill_notifications(&r.user).await?;
            recorded.insert(
                r.user.clone(),
                mine.into_iter().map(|n| (n.planned, n.reason)).collect(),
            );
        }
        let seen = recorded
            .get(&r.user)
            .is_some_and(|l| l.contains(&(r.planned, r.reason)));
        if !seen {
            out.push(r);
        }
    }
    Ok(out)
}

/// The words of a drill reminder, Chinese first then English: one [`Alert`] per planned drill
/// and reason, to every recipient of it (`to`: name and address).
pub fn drill_alert(
    planned: &PlannedDrill,
    entity_name: &str,
    reason: DrillReminderReason,
    to: Vec<(String, Option<String>)>,
) -> Alert {
    let (zh, en) = match reason {
        DrillReminderReason::DueSoon => ("应急演练即将到期", "Emergency drill due soon"),
        DrillReminderReason::Overdue => ("计划应急演练已逾期", "Planned emergency drill overdue"),
    };
    let (why_zh, why_en) = match reason {
        DrillReminderReason::DueSoon => (
            "请按年度演练计划组织演练，并在平台登记演练记录。",
            "please hold it as the yearly plan says and record it on the platform.",
        ),
        DrillReminderReason::Overdue => (
            "计划日期已过，平台尚无演练记录，请尽快组织并登记。",
            "its date has passed and no drill is recorded; please hold and record it soon.",
        ),
    };
    let due = planned.due.format("%Y-%m-%d");
    let scenario = if planned.scenario.is_empty() {
        String::new()
    } else {
        format!("（{}）", planned.scenario)
    };
    let subject = format!("【安全生产】{zh} / {en}: {} {}", entity_name, planned.plan);
    let body = format!(
        "您好：\n\n{name}（{code}）年度演练计划中的预案“{plan}”{scenario}计划于 {due} 演练。{why_zh}\n\n\
         Hello,\n\nThe yearly drill plan of {name} ({code}) has plan \"{plan}\" drilled by {due}: {why_en}\n\n\
         （计划演练编号 / Planned drill no. {id}；本邮件由系统自动发送 / sent automatically）\n",
        name = entity_name,
        code = planned.entity,
        plan = planned.plan,
        id = planned.id,
    );
    let text = format!(
        "【安全生产】{zh}：{entity_name} {plan}，计划 {due}。\n{en}: {plan} ({code}), by {due}.",
        plan = planned.plan,
        code = planned.entity,
    );
    Alert {
        subject,
        body,
        text,
        fields: json!({
            "kind": "drill_reminder",
            "planned_drill": planned.id,
            "reason": reason.as_str(),
            "entity": planned.entity.to_string(),
            "plan": planned.plan,
            "due": due.to_string(),
            "to": to.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>(),
        }),
        to,
    }
}

/// Delivers drill reminders just recorded: one alert per planned drill and reason (an e-mail to
/// each recipient with an address, one chat message). Best effort, as every delivery.
pub async fn deliver_drill_reminders(
    store: &dyn Store,
    channels: &Channels,
    sent: &[DrillReminder],
) -> Result<DeliveryReport, NotifyError> {
    let mut report = DeliveryReport::for_channels(channels);
    if !channels.any() || sent.is_empty() {
        return Ok(report);
    }
    let emails = addresses(&store.users().await?);
    let planned: HashMap<i64, PlannedDrill> = store
        .planned_drills()
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let names: HashMap<EntityCode, String> = store
        .entities()
        .await?
        .into_iter()
        .map(|e| (e.code, e.name))
        .collect();
    let mut grouped: BTreeMap<(i64, DrillReminderReason), Vec<String>> = BTreeMap::new();
    for r in sent {
        grouped
            .entry((r.planned, r.reason))
            .or_default()
            .push(r.user.clone());
    }
    for ((id, reason), users) in grouped {
        let Some(p) = planned.get(&id) else { continue };
        let name = names
            .get(&p.entity)
            .map_or(p.entity.as_str(), String::as_str);
        let to = users
            .into_iter()
            .map(|u| {
                let email = emails.get(&u).cloned();
                (u, email)
            })
            .collect();
        let one = deliver_alert(channels, &drill_alert(p, name, reason, to)).await;
        report.merge(one);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn a_drill_alert_names_entity_plan_date_and_why_in_both_languages() {
        let p = PlannedDrill {
            id: 3,
            entity: EntityCode::parse("SC-NC-WTE").unwrap(),
            plan: "SC-NC-WTE-XC-02".into(),
            due: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
            scenario: "氨水泄漏".into(),
            joint_with: String::new(),
            cancel_reason: None,
        };
        let a = drill_alert(
            &p,
            "南充垃圾焚烧发电厂",
            DrillReminderReason::DueSoon,
            vec![("nanchong".into(), None)],
        );
        assert_eq!(
            a.subject,
            "【安全生产】应急演练即将到期 / Emergency drill due soon: 南充垃圾焚烧发电厂 SC-NC-WTE-XC-02"
        );
        assert_eq!(
            a.text,
            "【安全生产】应急演练即将到期：南充垃圾焚烧发电厂 SC-NC-WTE-XC-02，计划 2026-12-20。\n\
             Emergency drill due soon: SC-NC-WTE-XC-02 (SC-NC-WTE), by 2026-12-20."
        );
        assert!(a.body.contains(
            "南充垃圾焚烧发电厂（SC-NC-WTE）年度演练计划中的预案“SC-NC-WTE-XC-02”（氨水泄漏）计划于 2026-12-20 演练。"
        ));
        assert!(a.body.contains("drilled by 2026-12-20: please hold it"));
        assert_eq!(a.fields["reason"], "drill_due_soon");
        assert_eq!(a.fields["to"], json!(["nanchong"]));
    }
}
