//! Reminders about the manager term register: the rule is `zx_domain::managers`
//! (`manager_reminders`), judged on the China date of `now`; here the service that records them
//! (each term, year, person and reason once) and their words for e-mail and chat, sent as
//! [`Alert`]s through the same channels as the measures' and drill plans' reminders.
//!
//! Who: every enabled `hq_hr` account (the register's keepers); for a rating due, also the
//! enabled entity managers of the term's entity, who must send the assessment. An alert names
//! the person, position and date, never a rating or pay.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::json;
use zx_domain::calendar::china_today;
use zx_domain::managers::{
    ManagerReminder, ManagerReminderReason, ManagerTerm, RatingDeadline, manager_reminders,
};
use zx_domain::{EntityCode, Role};
use zx_store::Store;

use crate::{Alert, Channels, DeliveryReport, NotifyError, addresses, deliver_alert};

/// Records the register's reminders due at `now` and returns the new ones (with `dry_run`,
/// what a real run would record, recording nothing).
pub async fn run_manager_reminders(
    store: &dyn Store,
    now: DateTime<Utc>,
    lead_days: u32,
    dry_run: bool,
) -> Result<Vec<ManagerReminder>, NotifyError> {
    let terms = store.manager_terms().await?;
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let mut keepers = Vec::new();
    let mut managers: HashMap<EntityCode, Vec<String>> = HashMap::new();
    for user in store.users().await? {
        if user.disabled {
            continue;
        }
        match (user.role, user.entity) {
            (Role::HqHr, _) => keepers.push(user.name),
            (Role::EntityManager, Some(entity)) => {
                managers.entry(entity).or_default().push(user.name)
            }
            _ => {}
        }
    }
    let list = manager_reminders(
        &terms,
        china_today(now),
        lead_days,
        RatingDeadline::default(),
        &keepers,
        |e| managers.get(e).cloned().unwrap_or_default(),
    );
    if !dry_run {
        return Ok(store.record_manager_reminders(list, now).await?);
    }
    let mut out = Vec::new();
    let mut recorded: HashMap<String, Vec<(i64, i32, ManagerReminderReason)>> = HashMap::new();
    for r in list {
        if !recorded.contains_key(&r.user) {
            let mine = store.manager_notifications(&r.user).await?;
            recorded.insert(
                r.user.clone(),
                mine.into_iter()
                    .map(|n| (n.term, n.year, n.reason))
                    .collect(),
            );
        }
        let seen = recorded
            .get(&r.user)
            .is_some_and(|l| l.contains(&(r.term, r.year, r.reason)));
        if !seen {
            out.push(r);
        }
    }
    Ok(out)
}

/// The words of a register reminder, Chinese first then English.
pub fn manager_alert(
    term: &ManagerTerm,
    entity_name: &str,
    year: i32,
    reason: ManagerReminderReason,
    to: Vec<(String, Option<String>)>,
) -> Alert {
    let end = term.end.format("%Y-%m-%d");
    let who = format!("{} {}（{}）", entity_name, term.position, term.person_name);
    let (zh, en, why_zh, why_en) = match reason {
        ManagerReminderReason::TermEnding => (
            "经理层任期即将届满".to_owned(),
            "Manager's term ending".to_owned(),
            format!("任期于 {end} 届满，请组织任期考核并登记任期结果。"),
            format!("the term ends on {end}; please assess it and record its outcome."),
        ),
        ManagerReminderReason::RatingDue => (
            format!("{year} 年度考核结果未录入"),
            format!("{year} rating not entered"),
            format!("{year} 年度考核结果已过录入期限，请尽快录入。"),
            format!("the {year} rating is past its deadline; please enter it."),
        ),
    };
    let subject = format!("【任期制和契约化管理】{zh} / {en}: {who}");
    let body = format!(
        "您好：\n\n{who}：{why_zh}\n\nHello,\n\n{position} of {entity_name} ({name}): {why_en}\n\n\
         （任期编号 / Term no. {id}；本邮件由系统自动发送 / sent automatically）\n",
        position = term.position,
        name = term.person_name,
        id = term.id,
    );
    let text = format!("【任期制和契约化管理】{zh}：{who}。\n{en}: {why_en}");
    Alert {
        subject,
        body,
        text,
        fields: json!({
            "kind": "manager_reminder",
            "term": term.id,
            "year": year,
            "reason": reason.as_str(),
            "entity": term.entity.to_string(),
            "end": end.to_string(),
            "to": to.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>(),
        }),
        to,
    }
}

/// Delivers register reminders just recorded: one alert per term, year and reason. Best effort.
pub async fn deliver_manager_reminders(
    store: &dyn Store,
    channels: &Channels,
    sent: &[ManagerReminder],
) -> Result<DeliveryReport, NotifyError> {
    let mut report = DeliveryReport::for_channels(channels);
    if !channels.any() || sent.is_empty() {
        return Ok(report);
    }
    let emails = addresses(&store.users().await?);
    let terms: HashMap<i64, ManagerTerm> = store
        .manager_terms()
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let names: HashMap<EntityCode, String> = store
        .entities()
        .await?
        .into_iter()
        .map(|e| (e.code, e.name))
        .collect();
    let mut grouped: BTreeMap<(i64, i32, ManagerReminderReason), Vec<String>> = BTreeMap::new();
    for r in sent {
        grouped
            .entry((r.term, r.year, r.reason))
            .or_default()
            .push(r.user.clone());
    }
    for ((id, year, reason), users) in grouped {
        let Some(t) = terms.get(&id) else { continue };
        let name = names
            .get(&t.entity)
            .map_or(t.entity.as_str(), String::as_str);
        let to = users
            .into_iter()
            .map(|u| {
                let email = emails.get(&u).cloned();
                (u, email)
            })
            .collect();
        let one = deliver_alert(channels, &manager_alert(t, name, year, reason, to)).await;
        report.merge(one);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn a_term_alert_names_person_position_and_end_but_no_pay() {
        let t = ManagerTerm {
            id: 4,
            person_id: "E004".into(),
            person_name: "陈明".into(),
            entity: EntityCode::parse("SC-NC-WTE").unwrap(),
            position: "厂长".into(),
            start: NaiveDate::from_ymd_opt(2023, 12, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            contract_signed: None,
            term_target: String::new(),
            term_result: String::new(),
            years: Vec::new(),
            outcome: None,
        };
        let a = manager_alert(
            &t,
            "南充垃圾焚烧发电厂",
            2026,
            ManagerReminderReason::TermEnding,
            vec![("hr".into(), None)],
        );
        assert_eq!(
            a.subject,
            "【任期制和契约化管理】经理层任期即将届满 / Manager's term ending: 南充垃圾焚烧发电厂 厂长（陈明）"
        );
        assert!(a.body.contains("任期于 2026-11-30 届满"));
        assert_eq!(a.fields["reason"], "term_ending");
        assert_eq!(a.fields["to"], json!(["hr"]));
    }
}
