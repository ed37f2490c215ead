//! The automatic major hazard of safety.md §5: a special operator none of whose certificates is
//! in force is a major hazard (重大事故隐患: 工贸企业重大事故隐患判定标准 counts uncertified
//! special operations). Raised once per person in the hazard register, by `system`, keyed
//! `uncertified:<person>`, so every later run — the daily job, `zx remind`, `zx demo` — finds it
//! raised and writes nothing.

use chrono::{DateTime, Utc};
use zx_domain::calendar::china_today;
use zx_domain::safety::HazardGrade;
use zx_domain::safety::certificates::uncertified_operators;
use zx_store::{NOTIFICATION_SENDER, NewHazard, Store};

use crate::AppError;

/// The key of a person's automatic hazard.
pub fn auto_key(person: &str) -> String {
    format!("uncertified:{person}")
}

/// Raises the automatic major hazards due at `now` (judged on the China date) that were not
/// raised before; returns the ids of those raised now.
pub async fn raise_auto_hazards(
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, AppError> {
    let today = china_today(now);
    let records = store.safety_records().await?;
    let due = uncertified_operators(&records.people, &records.certificates, today);
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let raised: std::collections::HashSet<String> = store
        .hazards()
        .await?
        .into_iter()
        .filter_map(|h| h.auto_key)
        .collect();
    let mut ids = Vec::new();
    for auto in due {
        let key = auto_key(&auto.person);
        if raised.contains(&key) {
            continue;
        }
        let Some(person) = records.people.iter().find(|p| p.person == auto.person) else {
            continue;
        };
        let hazard = NewHazard {
            entity: person.entity.clone(),
            found: today,
            description: zx_domain::format::uncertified_operator_hazard(
                &auto.person,
                zx_domain::Lang::Zh,
            ),
            location: String::new(),
            grade: HazardGrade::Major,
            scores: None,
            auto_key: Some(key),
        };
        let h = store
            .report_hazard(hazard, Vec::new(), NOTIFICATION_SENDER, now)
            .await?;
        ids.push(h.id);
    }
    Ok(ids)
}
