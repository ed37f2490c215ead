//! External reference values over SQL: revisions of (indicator, segment, kind, year), the
//! latest in force. Every write takes the writer lock and audits in the same transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Backend, Row, SqlStore, audit};
use crate::{
    ExternalReference, ReferenceKind, ReferenceOutcome, ReferenceStore, StoreError, StoreResult,
    StoredReference, describe_reference, describe_reference_object, params,
};

const COLUMNS: &str =
    "id, indicator, segment, kind, year, value, source, revision, file, recorded_by, recorded_at";

fn reference_from_row(row: &mut Row) -> StoreResult<StoredReference> {
    let segment: String = row.get(2)?;
    let kind: String = row.get(3)?;
    Ok(StoredReference {
        id: row.get(0)?,
        reference: ExternalReference {
            indicator: row.get(1)?,
            segment: (!segment.is_empty()).then_some(segment),
            kind: ReferenceKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("reference kind \"{kind}\"")))?,
            year: row.get(4)?,
            value: row.get(5)?,
            source: row.get(6)?,
        },
        revision: row.get(7)?,
        file: row.get(8)?,
        recorded_by: row.get(9)?,
        recorded_at: row.get(10)?,
    })
}

#[async_trait]
impl<B: Backend> ReferenceStore for SqlStore<B> {
    async fn benchmark_references(&self) -> StoreResult<Vec<StoredReference>> {
        self.read_all(
            &format!(
                "SELECT {COLUMNS} FROM benchmark_references r WHERE revision = \
                 (SELECT MAX(revision) FROM benchmark_references l WHERE l.indicator = r.indicator \
                 AND l.segment = r.segment AND l.kind = r.kind AND l.year = r.year) \
                 ORDER BY indicator, segment, kind, year"
            ),
            params![],
            reference_from_row,
        )
        .await
    }

    async fn benchmark_reference_history(&self) -> StoreResult<Vec<StoredReference>> {
        self.read_all(
            &format!(
                "SELECT {COLUMNS} FROM benchmark_references \
                 ORDER BY indicator, segment, kind, year, revision"
            ),
            params![],
            reference_from_row,
        )
        .await
    }

    async fn save_benchmark_references(
        &self,
        rows: Vec<ExternalReference>,
        file: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<ReferenceOutcome>> {
        let mut seen: HashMap<_, usize> = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            if let Some(first) = seen.insert(row.key(), i + 1) {
                return Err(StoreError::Invalid(format!(
                    "row {}: {} is given twice (first in row {first})",
                    i + 1,
                    describe_reference_object(row)
                )));
            }
        }
        let mut tx = self.backend.write().await?;
        let mut outcomes = Vec::with_capacity(rows.len());
        for row in rows {
            let segment = row.segment.clone().unwrap_or_default();
            let current = tx
                .fetch_optional(
                    &format!(
                        "SELECT {COLUMNS} FROM benchmark_references WHERE indicator = ? \
                         AND segment = ? AND kind = ? AND year = ? ORDER BY revision DESC LIMIT 1"
                    ),
                    params![&row.indicator, &segment, row.kind.as_str(), row.year],
                )
                .await?
                .map(|mut r| reference_from_row(&mut r))
                .transpose()?;
            let (revision, outcome, old) = match &current {
                Some(c)
                    if c.reference.value == row.value
                        && c.reference.source.trim() == row.source.trim() =>
                {
                    outcomes.push(ReferenceOutcome::Unchanged);
                    continue;
                }
                Some(c) => (
                    c.revision + 1,
                    ReferenceOutcome::Revised,
                    Some(describe_reference(&c.reference)),
                ),
                None => (1, ReferenceOutcome::Created, None),
            };
            tx.execute(
                "INSERT INTO benchmark_references (indicator, segment, kind, year, value, source, \
                 revision, file, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                params![
                    &row.indicator,
                    &segment,
                    row.kind.as_str(),
                    row.year,
                    row.value,
                    row.source.trim(),
                    revision,
                    file,
                    user,
                    at
                ],
            )
            .await?;
            let action = match outcome {
                ReferenceOutcome::Created => "benchmark_reference.create",
                _ => "benchmark_reference.revise",
            };
            audit(
                &mut *tx,
                at,
                user,
                action,
                &describe_reference_object(&row),
                old,
                Some(describe_reference(&row)),
                None,
            )
            .await?;
            outcomes.push(outcome);
        }
        tx.commit().await?;
        Ok(outcomes)
    }
}
