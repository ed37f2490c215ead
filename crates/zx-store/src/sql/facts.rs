//! FactStore over SQL: what was submitted, read back (entities, facts in force, revisions,
//! submissions, the audit log). Imports are in [`super::import`], targets in [`super::targets`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use zx_domain::{Entity, Fact, FactTable, Target};

use super::{Backend, Connection, Row, SqlStore, Value};
use crate::{
    AuditEntry, AuditFilter, FactRevision, FactStore, FileReceipt, HistoryFilter, Import,
    StoreResult, Submission, TargetRecord, params,
};

/// Every entity, in no particular order.
pub(crate) async fn load_entities(conn: &mut dyn Connection) -> StoreResult<Vec<Entity>> {
    let rows = conn
        .fetch_all(
            "SELECT code, name, parent, kind, region, segment FROM entities",
            params![],
        )
        .await?;
    rows.into_iter()
        .map(|mut row| {
            Ok(Entity {
                code: row.get(0)?,
                name: row.get(1)?,
                parent: row.get(2)?,
                kind: row.get(3)?,
                region: row.get(4)?,
                segment: row.get(5)?,
            })
        })
        .collect()
}

/// A count as stored (`BIGINT`).
pub(crate) fn sql_count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A stored count (never negative) read back.
fn stored_count(row: &mut Row, index: usize) -> StoreResult<usize> {
    let n: i64 = row.get(index)?;
    Ok(usize::try_from(n.max(0)).unwrap_or(usize::MAX))
}

/// The columns of an [`AuditEntry`], in the order [`audit_entry_from_row`] reads them.
pub(crate) const AUDIT_COLUMNS: &str =
    "id, at, user_name, action, object, old_value, new_value, submission_id";

/// Reads an [`AuditEntry`] (see [`AUDIT_COLUMNS`]).
pub(crate) fn audit_entry_from_row(row: &mut Row) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        id: row.get(0)?,
        at: row.get(1)?,
        user: row.get(2)?,
        action: row.get(3)?,
        object: row.get(4)?,
        old_value: row.get(5)?,
        new_value: row.get(6)?,
        submission_id: row.get(7)?,
    })
}

#[async_trait]
impl<B: Backend> FactStore for SqlStore<B> {
    async fn entities(&self) -> StoreResult<Vec<Entity>> {
        load_entities(&mut *self.backend.read().await?).await
    }

    async fn current_facts(&self) -> StoreResult<Vec<Fact>> {
        Ok(self.current_fact_table().await?.to_facts())
    }

    async fn current_fact_table(&self) -> StoreResult<FactTable> {
        // The load of every report and of the roll-up: the entities' blocks when they are
        // complete (one read, no decimal text parsed), else one pass over `facts`.
        let mut conn = self.backend.read().await?;
        if let Some(table) = super::fact_blocks::load(&mut *conn).await? {
            return Ok(table);
        }
        let mut facts = Vec::new();
        conn.fetch_each(
            "SELECT entity, period, item, value, basis FROM facts",
            params![],
            &mut |row| {
                facts.push(Fact {
                    entity: row.get(0)?,
                    month: row.get(1)?,
                    item: row.get(2)?,
                    value: row.get(3)?,
                    basis: row.get(4)?,
                });
                Ok(())
            },
        )
        .await?;
        Ok(FactTable::from_facts(&facts))
    }

    async fn targets(&self) -> StoreResult<Vec<Target>> {
        Ok(self
            .target_records()
            .await?
            .into_iter()
            .map(|record| record.target)
            .collect())
    }

    async fn import(&self, import: Import) -> StoreResult<Vec<FileReceipt>> {
        super::import::import(&self.backend, import, false).await
    }

    async fn submit(&self, import: Import) -> StoreResult<Vec<FileReceipt>> {
        super::import::import(&self.backend, import, true).await
    }

    async fn history(&self, filter: &HistoryFilter) -> StoreResult<Vec<FactRevision>> {
        let mut sql = String::from(
            "SELECT r.entity, r.period, r.item, r.revision, r.value, r.basis, r.submission_id,
                    s.file_name, s.user_name, s.submitted_at,
                    (f.revision IS NOT NULL AND f.revision = r.revision) AS current
             FROM fact_revisions r
             JOIN submissions s ON s.id = r.submission_id
             LEFT JOIN facts f ON f.entity = r.entity AND f.period = r.period AND f.item = r.item
             WHERE TRUE",
        );
        let mut params: Vec<Value> = Vec::new();
        if let Some(entity) = &filter.entity {
            sql.push_str(" AND r.entity = ?");
            params.push(entity.into());
        }
        if let Some(month) = filter.month {
            sql.push_str(" AND r.period = ?");
            params.push(month.into());
        }
        if let Some(item) = &filter.item {
            sql.push_str(" AND r.item = ?");
            params.push(item.into());
        }
        sql.push_str(" ORDER BY r.entity, r.period, r.item, r.revision");
        let rows = self.backend.read().await?.fetch_all(&sql, params).await?;
        rows.into_iter()
            .map(|mut row| {
                Ok(FactRevision {
                    entity: row.get(0)?,
                    month: row.get(1)?,
                    item: row.get(2)?,
                    revision: row.get(3)?,
                    value: row.get(4)?,
                    basis: row.get(5)?,
                    submission_id: row.get(6)?,
                    file_name: row.get(7)?,
                    user: row.get(8)?,
                    at: row.get(9)?,
                    current: row.get(10)?,
                })
            })
            .collect()
    }

    async fn submissions(&self) -> StoreResult<Vec<Submission>> {
        let rows = self
            .backend
            .read()
            .await?
            .fetch_all(
                "SELECT id, kind, file_name, sha256, user_name, submitted_at, row_count, inserted,
                        revised, unchanged
                 FROM submissions ORDER BY id DESC",
                params![],
            )
            .await?;
        rows.into_iter()
            .map(|mut row| {
                Ok(Submission {
                    id: row.get(0)?,
                    kind: row.get(1)?,
                    file_name: row.get(2)?,
                    sha256: row.get(3)?,
                    user: row.get(4)?,
                    at: row.get(5)?,
                    rows: stored_count(&mut row, 6)?,
                    inserted: stored_count(&mut row, 7)?,
                    revised: stored_count(&mut row, 8)?,
                    unchanged: stored_count(&mut row, 9)?,
                })
            })
            .collect()
    }

    async fn audit_log(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
        let mut sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE TRUE");
        let mut params: Vec<Value> = Vec::new();
        if let Some(user) = &filter.user {
            sql.push_str(" AND user_name = ?");
            params.push(user.into());
        }
        if let Some(action) = &filter.action {
            sql.push_str(" AND action = ?");
            params.push(action.into());
        }
        if let Some(object) = &filter.object {
            sql.push_str(" AND ");
            sql.push_str(&self.backend.dialect().contains("object"));
            params.push(object.into());
        }
        sql.push_str(" ORDER BY id DESC");
        if let Some(limit) = filter.limit {
            sql.push_str(" LIMIT ?");
            params.push(sql_count(limit).into());
        }
        self.read_all(&sql, params, audit_entry_from_row).await
    }

    async fn target_records(&self) -> StoreResult<Vec<TargetRecord>> {
        super::targets::target_records(&mut *self.backend.read().await?).await
    }

    async fn set_target(
        &self,
        target: Target,
        expected_revision: Option<i64>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        super::targets::set_target(&self.backend, target, expected_revision, user, at).await
    }
}
