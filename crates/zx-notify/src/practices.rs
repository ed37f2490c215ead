//! HQ's recommendation of a practice (经验库) leaving the application: the accounts of the
//! plants of its segment, told in the app by the store (once each), get the same news by e-mail
//! and in the chat group, as an [`Alert`] through the channels of every other reminder.

use std::collections::HashMap;

use serde_json::json;
use zx_domain::Lang;
use zx_domain::format::segment_label;
use zx_store::{Store, StoredPractice};

use crate::{Alert, Channels, DeliveryReport, NotifyError, addresses, deliver_alert};

/// The words of a recommendation, Chinese first then English. `to`: (account, e-mail).
pub fn practice_alert(
    p: &StoredPractice,
    entity_name: &str,
    note: &str,
    to: Vec<(String, Option<String>)>,
) -> Alert {
    let x = &p.practice;
    let (zh_segment, en_segment) = (
        segment_label(&p.segment, Lang::Zh),
        segment_label(&p.segment, Lang::En),
    );
    let results = x.result.text(Lang::Zh);
    let why = match note.trim() {
        "" => String::new(),
        n => format!("推荐说明 / Note: {n}\n"),
    };
    let subject = format!(
        "【经验库】总部推荐 / Recommended by HQ: {}（{entity_name}）",
        x.title
    );
    let body = format!(
        "您好：\n\n总部向{zh_segment}厂站推荐经验做法“{title}”（{entity_name}）。{results}\n\n\
         Hello,\n\nHQ recommends a practice of {entity_name} to the {en_segment} plants: \
         {title}.\n\n{why}（经验编号 / Practice {code}：/practices/{code}；本邮件由系统自动发送 / \
         sent automatically）\n",
        title = x.title,
        code = x.code,
    );
    let text = format!(
        "【经验库】总部推荐：{}（{entity_name}）{}\nRecommended by HQ: practice {}",
        x.title,
        if results.is_empty() {
            String::new()
        } else {
            format!("，{results}")
        },
        x.code
    );
    Alert {
        subject,
        body,
        text,
        fields: json!({
            "kind": "practice_recommended",
            "practice": x.code,
            "entity": x.entity.to_string(),
            "segment": p.segment,
            "to": to.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>(),
        }),
        to,
    }
}

/// Sends the recommendation of `code` to the accounts just told in the app. Best effort: a
/// channel that fails is counted in the report, the in-app notice stands.
pub async fn deliver_practice_recommendation(
    store: &dyn Store,
    channels: &Channels,
    code: &str,
    note: &str,
    told: &[String],
) -> Result<DeliveryReport, NotifyError> {
    if !channels.any() || told.is_empty() {
        return Ok(DeliveryReport::for_channels(channels));
    }
    let Some(p) = store
        .practices()
        .await?
        .into_iter()
        .find(|p| p.practice.code == code)
    else {
        return Ok(DeliveryReport::for_channels(channels));
    };
    let names: HashMap<String, String> = store
        .entities()
        .await?
        .into_iter()
        .map(|e| (e.code.to_string(), e.name))
        .collect();
    let entity = p.practice.entity.to_string();
    let name = names.get(&entity).unwrap_or(&entity).clone();
    let emails = addresses(&store.users().await?);
    let to = told
        .iter()
        .map(|u| (u.clone(), emails.get(u).cloned()))
        .collect();
    Ok(deliver_alert(channels, &practice_alert(&p, &name, note, to)).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use zx_domain::EntityCode;
    use zx_domain::practices::{Practice, PracticeResult};

    #[test]
    fn a_recommendation_reads_in_both_languages_with_its_results() {
        let p = StoredPractice {
            id: 1,
            practice: Practice {
                code: "JY-WTE-01".into(),
                title: "飞灰螯合剂配比优化".into(),
                body: "……".into(),
                entity: EntityCode::parse("FJ-JJ-WTE").unwrap(),
                tags: vec![],
                result: PracticeResult {
                    amount: Some(860_000.into()),
                    ..Default::default()
                },
            },
            segment: "waste-to-energy".into(),
            revision: 1,
            source: "practices.csv".into(),
            recorded_by: "hq".into(),
            recorded_at: Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
            recommendation: None,
        };
        let alert = practice_alert(
            &p,
            "晋江垃圾焚烧发电厂",
            "全集团推广",
            vec![("nanchong".into(), Some("nc@example.com".into()))],
        );
        assert_eq!(
            alert.subject,
            "【经验库】总部推荐 / Recommended by HQ: 飞灰螯合剂配比优化（晋江垃圾焚烧发电厂）"
        );
        // 860,000 yuan a year = 86.00 万元.
        assert!(
            alert
                .body
                .contains("总部向垃圾焚烧发电厂站推荐经验做法“飞灰螯合剂配比优化”（晋江垃圾焚烧发电厂）。年效益 86.00 万元"),
            "{}",
            alert.body
        );
        assert!(alert.body.contains("推荐说明 / Note: 全集团推广"));
        assert!(alert.body.contains("/practices/JY-WTE-01"));
        assert_eq!(alert.fields["kind"], "practice_recommended");
        assert_eq!(alert.fields["to"], json!(["nanchong"]));
    }
}
