//! WorkflowStore over SQL: the recorded state of each entity-month.

use async_trait::async_trait;
use zx_domain::{EntityCode, Month};

use super::accounts::entity_exists;
use super::{Backend, Row, SqlStore, audit};
use crate::{PeriodStatus, StoreError, StoreResult, WorkflowStore, describe_period_state, params};

/// The columns of a [`PeriodStatus`], in the order [`period_status_from_row`] reads them.
pub(crate) const PERIOD_STATUS_COLUMNS: &str = "entity, period, state, comment, user_name, at";

/// Reads a [`PeriodStatus`] (see [`PERIOD_STATUS_COLUMNS`]).
pub(crate) fn period_status_from_row(row: &mut Row) -> StoreResult<PeriodStatus> {
    Ok(PeriodStatus {
        entity: row.get(0)?,
        month: row.get(1)?,
        state: row.get(2)?,
        comment: row.get(3)?,
        user: row.get(4)?,
        at: row.get(5)?,
    })
}

#[async_trait]
impl<B: Backend> WorkflowStore for SqlStore<B> {
    async fn period_statuses(&self, year: i32) -> StoreResult<Vec<PeriodStatus>> {
        // A year is the range of its months (up to December, so the last year a month may
        // have keeps its own); a year without months has none.
        let (Ok(january), Ok(december)) = (Month::new(year, 1), Month::new(year, 12)) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT {PERIOD_STATUS_COLUMNS} FROM period_status
             WHERE period >= ? AND period <= ? ORDER BY entity, period"
        );
        self.read_all(&sql, params![january, december], period_status_from_row)
            .await
    }

    async fn locked_periods(&self) -> StoreResult<Vec<(EntityCode, Month)>> {
        self.read_all(
            "SELECT entity, period FROM period_status WHERE state = 'locked' ORDER BY entity, period",
            params![],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .await
    }

    async fn set_period_state(&self, status: PeriodStatus) -> StoreResult<()> {
        // The writer lock orders this against every import: a lock recorded here is seen by
        // the locked-month check of any import that commits after it.
        let mut tx = self.backend.write().await?;
        if !entity_exists(&mut *tx, &status.entity).await? {
            return Err(StoreError::Invalid(format!(
                "unknown entity {}",
                status.entity
            )));
        }
        let old = tx
            .fetch_optional(
                "SELECT state FROM period_status WHERE entity = ? AND period = ?",
                params![&status.entity, status.month],
            )
            .await?;
        let old: Option<String> = match old {
            Some(mut row) => Some(row.get(0)?),
            None => None,
        };
        tx.execute(
            "INSERT INTO period_status (entity, period, state, comment, user_name, at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (entity, period) DO UPDATE SET state = excluded.state,
               comment = excluded.comment, user_name = excluded.user_name, at = excluded.at",
            params![
                &status.entity,
                status.month,
                status.state.as_str(),
                status.comment.as_ref(),
                &status.user,
                status.at
            ],
        )
        .await?;
        audit(
            &mut *tx,
            status.at,
            &status.user,
            &format!("period.{}", status.state.as_str()),
            &format!("period {} {}", status.entity, status.month),
            old,
            Some(describe_period_state(&status)),
            None,
        )
        .await?;
        tx.commit().await
    }
}
