//! MeasureStore over SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Backend, SqlStore};
use crate::*;

#[async_trait]
impl<B: Backend> MeasureStore for SqlStore<B> {
    async fn import_measures(
        &self,
        measures: Vec<NewMeasure>,
        file_name: &str,
        sha256: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>> {
        self.backend
            .legacy_measures()
            .import_measures(measures, file_name, sha256, user, at)
            .await
    }
    async fn measures(&self) -> StoreResult<Vec<Measure>> {
        self.backend.legacy_measures().measures().await
    }
    async fn record_notifications(
        &self,
        list: Vec<NewNotification>,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<NewNotification>> {
        self.backend
            .legacy_measures()
            .record_notifications(list, at)
            .await
    }
    async fn notifications(&self, user: &str) -> StoreResult<Vec<Notification>> {
        self.backend.legacy_measures().notifications(user).await
    }
    async fn mark_notifications_read(&self, user: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        self.backend
            .legacy_measures()
            .mark_notifications_read(user, at)
            .await
    }
    async fn create_measure(
        &self,
        measure: NewMeasure,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        self.backend
            .legacy_measures()
            .create_measure(measure, user, at)
            .await
    }
    async fn measure(&self, id: i64) -> StoreResult<Option<Measure>> {
        self.backend.legacy_measures().measure(id).await
    }
    async fn update_measure(
        &self,
        id: i64,
        expected_revision: i64,
        change: MeasureChange,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Measure> {
        self.backend
            .legacy_measures()
            .update_measure(id, expected_revision, change, user, at)
            .await
    }
    async fn measure_updates(&self, measure: Option<i64>) -> StoreResult<Vec<MeasureUpdate>> {
        self.backend
            .legacy_measures()
            .measure_updates(measure)
            .await
    }
    async fn add_milestone(
        &self,
        measure: i64,
        title: &str,
        due: chrono::NaiveDate,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        self.backend
            .legacy_measures()
            .add_milestone(measure, title, due, user, at)
            .await
    }
    async fn complete_milestone(
        &self,
        milestone: i64,
        done_on: chrono::NaiveDate,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.backend
            .legacy_measures()
            .complete_milestone(milestone, done_on, user, at)
            .await
    }
    async fn milestones(&self, measure: Option<i64>) -> StoreResult<Vec<Milestone>> {
        self.backend.legacy_measures().milestones(measure).await
    }
    async fn add_attachment(
        &self,
        attachment: NewAttachment,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Attachment> {
        self.backend
            .legacy_measures()
            .add_attachment(attachment, user, at)
            .await
    }
    async fn attachments(&self, measure: Option<i64>) -> StoreResult<Vec<Attachment>> {
        self.backend.legacy_measures().attachments(measure).await
    }
    async fn attachment_content(&self, id: i64) -> StoreResult<Option<(Attachment, Vec<u8>)>> {
        self.backend.legacy_measures().attachment_content(id).await
    }
    async fn create_visit(
        &self,
        visit: NewVisit,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<(i64, Vec<i64>)> {
        self.backend
            .legacy_measures()
            .create_visit(visit, user, at)
            .await
    }
    async fn visits(&self) -> StoreResult<Vec<Visit>> {
        self.backend.legacy_measures().visits().await
    }
}
