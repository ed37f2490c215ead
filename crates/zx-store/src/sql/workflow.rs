//! WorkflowStore over SQL.

use async_trait::async_trait;

use super::{Backend, SqlStore};
use crate::*;

#[async_trait]
impl<B: Backend> WorkflowStore for SqlStore<B> {
    async fn period_statuses(&self, year: i32) -> StoreResult<Vec<PeriodStatus>> {
        self.backend.legacy_workflow().period_statuses(year).await
    }
    async fn set_period_state(&self, status: PeriodStatus) -> StoreResult<()> {
        self.backend
            .legacy_workflow()
            .set_period_state(status)
            .await
    }
}
