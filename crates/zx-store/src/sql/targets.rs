//! Targets over SQL: those in force, one edited at a time (optimistic), and a targets file
//! imported in bulk.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use zx_domain::{Decimal, Target};

use super::accounts::entity_exists;
use super::{AUDIT_INTO, Backend, Connection, Value, audit, audit_row};
use crate::{
    FileReceipt, Import, StoreError, StoreResult, TargetKey, TargetRecord, describe_target, params,
    plan_target_writes,
};

/// Targets in force with their revisions, by entity, year and indicator.
pub(crate) async fn target_records(conn: &mut dyn Connection) -> StoreResult<Vec<TargetRecord>> {
    let rows = conn
        .fetch_all(
            "SELECT entity, year, indicator, value, revision FROM targets
             ORDER BY entity, year, indicator",
            params![],
        )
        .await?;
    rows.into_iter()
        .map(|mut row| {
            Ok(TargetRecord {
                target: Target {
                    entity: row.get(0)?,
                    year: row.get(1)?,
                    indicator: row.get(2)?,
                    value: row.get(3)?,
                },
                revision: row.get(4)?,
            })
        })
        .collect()
}

/// See [`crate::FactStore::set_target`].
pub(crate) async fn set_target<B: Backend>(
    backend: &B,
    target: Target,
    expected_revision: Option<i64>,
    user: &str,
    at: DateTime<Utc>,
) -> StoreResult<i64> {
    let mut tx = backend.write().await?;
    if !entity_exists(&mut *tx, &target.entity).await? {
        return Err(StoreError::Invalid(format!(
            "unknown entity {}",
            target.entity
        )));
    }
    let row = tx
        .fetch_optional(
            "SELECT value, revision FROM targets WHERE entity = ? AND year = ? AND indicator = ?",
            params![&target.entity, target.year, &target.indicator],
        )
        .await?;
    let current: Option<(Decimal, i64)> = match row {
        Some(mut row) => Some((row.get(0)?, row.get(1)?)),
        None => None,
    };
    let object = describe_target(&target);
    match (current, expected_revision) {
        (Some((_, revision)), expected) if Some(revision) != expected => {
            return Err(StoreError::Conflict(format!(
                "{object} was changed by someone else (revision {revision}); reload and try again"
            )));
        }
        (None, Some(expected)) => {
            return Err(StoreError::Conflict(format!(
                "{object} does not exist (expected revision {expected}); reload and try again"
            )));
        }
        (Some((value, revision)), _) if value == target.value => return Ok(revision),
        _ => {}
    }
    let revision = current.map_or(1, |(_, revision)| revision + 1);
    tx.execute(
        "INSERT INTO target_revisions
           (entity, year, indicator, revision, value, submission_id, user_name, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            &target.entity,
            target.year,
            &target.indicator,
            revision,
            target.value,
            None::<i64>,
            user,
            at
        ],
    )
    .await?;
    tx.execute(
        "INSERT INTO targets (entity, year, indicator, value, revision, submission_id)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (entity, year, indicator) DO UPDATE SET value = excluded.value,
           revision = excluded.revision, submission_id = excluded.submission_id",
        params![
            &target.entity,
            target.year,
            &target.indicator,
            target.value,
            revision,
            None::<i64>
        ],
    )
    .await?;
    audit(
        &mut *tx,
        at,
        user,
        "target.set",
        &object,
        current.map(|(value, _)| value.to_string()),
        Some(target.value.to_string()),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(revision)
}

/// Writes a targets file: the targets in force of every entity it touches read in one query,
/// the writes planned in memory ([`plan_target_writes`]), then written in bulk.
pub(crate) async fn import_targets(
    conn: &mut dyn Connection,
    in_list: &str,
    import: &Import,
    submission_id: i64,
    targets: &[Target],
) -> StoreResult<FileReceipt> {
    let mut entities: Vec<String> = targets
        .iter()
        .map(|t| t.entity.as_str().to_owned())
        .collect();
    entities.sort_unstable();
    entities.dedup();
    let sql =
        format!("SELECT entity, year, indicator, value, revision FROM targets WHERE {in_list}");
    let rows = conn
        .fetch_all(&sql, vec![Value::TextList(entities)])
        .await?;
    let mut current: HashMap<TargetKey, (Decimal, i64)> = HashMap::with_capacity(rows.len());
    for mut row in rows {
        current.insert(
            (row.get(0)?, row.get(1)?, row.get(2)?),
            (row.get(3)?, row.get(4)?),
        );
    }
    let mut receipt = FileReceipt {
        submission_id,
        ..FileReceipt::default()
    };
    let writes = plan_target_writes(targets, &mut current, &mut receipt);
    let revisions = writes
        .iter()
        .map(|w| {
            params![
                &w.target.entity,
                w.target.year,
                &w.target.indicator,
                w.revision,
                w.target.value,
                submission_id,
                &import.user,
                import.at
            ]
        })
        .collect();
    conn.insert_rows(
        "target_revisions (entity, year, indicator, revision, value, submission_id, user_name, at)",
        "",
        revisions,
    )
    .await?;
    // One row per key: PostgreSQL refuses an upsert touching a row twice.
    let in_force = writes
        .iter()
        .filter(|w| w.in_force)
        .map(|w| {
            params![
                &w.target.entity,
                w.target.year,
                &w.target.indicator,
                w.target.value,
                w.revision,
                submission_id
            ]
        })
        .collect();
    conn.insert_rows(
        "targets (entity, year, indicator, value, revision, submission_id)",
        "ON CONFLICT (entity, year, indicator) DO UPDATE SET value = excluded.value,
           revision = excluded.revision, submission_id = excluded.submission_id",
        in_force,
    )
    .await?;
    let audit_lines = writes
        .iter()
        .map(|w| {
            audit_row(
                import.at,
                &import.user,
                "target.set",
                describe_target(w.target),
                w.previous.map(|v| v.to_string()),
                Some(w.target.value.to_string()),
                Some(submission_id),
            )
        })
        .collect();
    conn.insert_rows(AUDIT_INTO, "", audit_lines).await?;
    Ok(receipt)
}
