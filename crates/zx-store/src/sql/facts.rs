//! FactStore over SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Backend, SqlStore};
use crate::*;

#[async_trait]
impl<B: Backend> FactStore for SqlStore<B> {
    async fn entities(&self) -> StoreResult<Vec<Entity>> {
        self.backend.legacy_facts().entities().await
    }
    async fn current_facts(&self) -> StoreResult<Vec<Fact>> {
        self.backend.legacy_facts().current_facts().await
    }
    async fn targets(&self) -> StoreResult<Vec<Target>> {
        self.backend.legacy_facts().targets().await
    }
    async fn import(&self, import: Import) -> StoreResult<Vec<FileReceipt>> {
        self.backend.legacy_facts().import(import).await
    }
    async fn history(&self, filter: &HistoryFilter) -> StoreResult<Vec<FactRevision>> {
        self.backend.legacy_facts().history(filter).await
    }
    async fn submissions(&self) -> StoreResult<Vec<Submission>> {
        self.backend.legacy_facts().submissions().await
    }
    async fn audit_log(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
        self.backend.legacy_facts().audit_log(filter).await
    }
    async fn target_records(&self) -> StoreResult<Vec<TargetRecord>> {
        self.backend.legacy_facts().target_records().await
    }
    async fn set_target(
        &self,
        target: Target,
        expected_revision: Option<i64>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        self.backend
            .legacy_facts()
            .set_target(target, expected_revision, user, at)
            .await
    }
}
