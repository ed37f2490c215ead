//! Importing a hazards ledger (safety.md §7's rows) in one transaction: each row matched to a
//! stored hazard by its code, created, revised or left alone, every change audited.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::hazards::{HAZARD_COLUMNS, hazard_from_row, insert_step, notify_major, score_params};
use super::measures::insert_returning;
use super::{Connection, audit, read_all};
use crate::{
    Hazard, HazardGrade, HazardsImported, ImportedHazard, Score, StoreError, StoreResult,
    describe_hazard_ledger, describe_hazard_object, ledger_scores, params,
};

fn ledger_of(h: &Hazard) -> String {
    describe_hazard_ledger(
        h.found,
        h.grade,
        h.scores.as_ref(),
        &h.owner,
        h.deadline,
        h.status,
    )
}

/// The scores a row leaves a hazard with: its LEC, else the matrix scores the hazard has (the
/// ledger has no columns for them), else none.
fn scores_after(row: &ImportedHazard, stored: Option<&Hazard>) -> Option<Score> {
    ledger_scores(row).or(match stored.and_then(|h| h.scores) {
        Some(matrix @ Score::Matrix(_)) => Some(matrix),
        _ => None,
    })
}

fn ledger_of_row(row: &ImportedHazard, stored: Option<&Hazard>) -> String {
    describe_hazard_ledger(
        row.found,
        row.grade,
        scores_after(row, stored).as_ref(),
        &row.owner,
        row.deadline,
        row.status,
    )
}

fn row_error(index: usize, row: &ImportedHazard, why: String) -> StoreError {
    StoreError::Invalid(format!(
        "hazard {} (row {} of the list): {why}",
        row.id,
        index + 1
    ))
}

/// The import's writes in the caller's transaction (`import_hazards` commits it; a safety
/// import writes hazards beside its other records in one).
pub(super) async fn import(
    tx: &mut dyn Connection,
    rows: Vec<ImportedHazard>,
    file_name: &str,
    sha256: &str,
    user: &str,
    at: DateTime<Utc>,
) -> StoreResult<HazardsImported> {
    let entities: HashSet<String> =
        read_all(&mut *tx, "SELECT code FROM entities", params![], |r| {
            r.get(0)
        })
        .await?
        .into_iter()
        .collect();
    // By register number; a hazard reported on the web has none and is exported as `#id`
    // (`Hazard::number`), which matches it back.
    let stored: HashMap<String, Hazard> = read_all(
        &mut *tx,
        &format!("SELECT {HAZARD_COLUMNS} FROM hazards"),
        params![],
        hazard_from_row,
    )
    .await?
    .into_iter()
    .map(|h| (h.number(), h))
    .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, row) in rows.iter().enumerate() {
        if row.id.trim().is_empty() {
            return Err(row_error(index, row, "has no hazard id".into()));
        }
        if row.id.starts_with('#') && !stored.contains_key(&row.id) {
            return Err(row_error(
                index,
                row,
                "names a hazard reported on the web (#number) that does not exist".into(),
            ));
        }
        if let Some(first) = seen.insert(row.id.as_str(), index) {
            return Err(row_error(
                index,
                row,
                format!("is in the list twice (row {} too)", first + 1),
            ));
        }
        if !entities.contains(row.entity.as_str()) {
            return Err(row_error(
                index,
                row,
                format!("unknown entity {}", row.entity),
            ));
        }
        if let Some(h) = stored.get(&row.id)
            && h.entity != row.entity
        {
            return Err(row_error(
                index,
                row,
                format!("is a hazard of {}, not of {}", h.entity, row.entity),
            ));
        }
    }
    let mut done = HazardsImported::default();
    for row in &rows {
        let matched = stored.get(&row.id);
        let scores = scores_after(row, matched);
        match matched {
            Some(h) if ledger_of(h) == ledger_of_row(row, Some(h)) => done.unchanged += 1,
            Some(h) => {
                let mut values = params![row.found, row.grade.code(), row.status.code()];
                values.extend(score_params(scores.as_ref()));
                values.extend(params![row.owner.trim(), row.deadline, h.id]);
                tx.execute(
                    "UPDATE hazards SET found_on = ?, grade = ?, status = ?, lec_l = ?,
                       lec_e = ?, lec_c = ?, ls_l = ?, ls_s = ?, owner = ?, deadline = ?,
                       revision = revision + 1 WHERE id = ?",
                    values,
                )
                .await?;
                insert_step(
                    &mut *tx,
                    h.id,
                    "revise",
                    Some(h.status),
                    row.status,
                    file_name,
                    user,
                    at,
                )
                .await?;
                audit(
                    &mut *tx,
                    at,
                    user,
                    "hazard.revise",
                    &describe_hazard_object(h.id),
                    Some(ledger_of(h)),
                    Some(ledger_of_row(row, Some(h))),
                    None,
                )
                .await?;
                if row.grade == HazardGrade::Major && h.grade != HazardGrade::Major {
                    notify_major(&mut *tx, h.id, at).await?;
                }
                done.revised += 1;
            }
            None => {
                let mut values = params![
                    row.id.trim(),
                    &row.entity,
                    row.found,
                    row.grade.code(),
                    row.status.code()
                ];
                values.extend(score_params(scores.as_ref()));
                values.extend(params![row.owner.trim(), row.deadline, at, user]);
                let id: i64 = insert_returning(
                    &mut *tx,
                    "INSERT INTO hazards (code, entity, found_on, description, grade, status,
                       lec_l, lec_e, lec_c, ls_l, ls_s, owner, deadline, reported_at,
                       reported_by)
                     VALUES (?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    values,
                )
                .await?
                .get(0)?;
                insert_step(
                    &mut *tx, id, "import", None, row.status, file_name, user, at,
                )
                .await?;
                audit(
                    &mut *tx,
                    at,
                    user,
                    "hazard.import",
                    &describe_hazard_object(id),
                    None,
                    Some(ledger_of_row(row, None)),
                    None,
                )
                .await?;
                if row.grade == HazardGrade::Major && row.status != crate::HazardStatus::Closed {
                    notify_major(&mut *tx, id, at).await?;
                }
                done.created += 1;
            }
        }
    }
    audit(
        &mut *tx,
        at,
        user,
        "hazards.import",
        &format!("hazards {file_name}"),
        None,
        Some(format!("rows={}; sha256={sha256}", rows.len())),
        None,
    )
    .await?;
    Ok(done)
}
