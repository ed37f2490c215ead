//! EmissionStore over SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Backend, SqlStore};
use crate::*;

#[async_trait]
impl<B: Backend> EmissionStore for SqlStore<B> {
    async fn stacks(&self) -> StoreResult<Vec<StoredStack>> {
        self.backend.legacy_emissions().stacks().await
    }
    async fn stack(&self, mn: &str) -> StoreResult<Option<StoredStack>> {
        self.backend.legacy_emissions().stack(mn).await
    }
    async fn save_stacks(
        &self,
        stacks: Vec<Stack>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<ImportSummary> {
        self.backend
            .legacy_emissions()
            .save_stacks(stacks, user, at)
            .await
    }
    async fn retire_stack(&self, mn: &str, user: &str, at: DateTime<Utc>) -> StoreResult<()> {
        self.backend
            .legacy_emissions()
            .retire_stack(mn, user, at)
            .await
    }
    async fn alarm_rule_set(&self, scope: &str) -> StoreResult<Option<RuleSetDoc>> {
        self.backend.legacy_emissions().alarm_rule_set(scope).await
    }
    async fn alarm_rule_sets(&self) -> StoreResult<Vec<RuleSetDoc>> {
        self.backend.legacy_emissions().alarm_rule_sets().await
    }
    async fn put_alarm_rule_set(
        &self,
        scope: &str,
        body: &str,
        expected_revision: Option<i64>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        self.backend
            .legacy_emissions()
            .put_alarm_rule_set(scope, body, expected_revision, user, at)
            .await
    }
    async fn raise_alarm(&self, alarm: NewAlarm) -> StoreResult<i64> {
        self.backend.legacy_emissions().raise_alarm(alarm).await
    }
    async fn acknowledge_alarm(
        &self,
        id: i64,
        note: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Alarm> {
        self.backend
            .legacy_emissions()
            .acknowledge_alarm(id, note, user, at)
            .await
    }
    async fn clear_alarm(&self, id: i64, at: DateTime<Utc>) -> StoreResult<bool> {
        self.backend.legacy_emissions().clear_alarm(id, at).await
    }
    async fn clear_open_alarm(
        &self,
        mn: &str,
        kind: &str,
        code: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        self.backend
            .legacy_emissions()
            .clear_open_alarm(mn, kind, code, at)
            .await
    }
    async fn alarms(&self, filter: &AlarmFilter) -> StoreResult<Vec<Alarm>> {
        self.backend.legacy_emissions().alarms(filter).await
    }
    async fn alarm(&self, id: i64) -> StoreResult<Option<Alarm>> {
        self.backend.legacy_emissions().alarm(id).await
    }
}
