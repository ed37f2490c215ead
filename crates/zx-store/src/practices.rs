//! The practice library (经验库): practices with their revisions, HQ's recommendations, the
//! plants told of a recommendation, and attached files. A practice keeps its code and entity;
//! whatever it says is a revision (a change adds one, the old stays). The search index is not
//! here: it is a cache built from [`PracticeStore::practices`] (`zx-search`).

use crate::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
pub use zx_domain::practices::{Practice, PracticeResult};

/// A practice to save: as written, with its segment (its entity's, looked up by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPractice {
    pub practice: Practice,
    pub segment: String,
}

/// HQ's decision on a practice, the latest in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    pub recommended: bool,
    pub note: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A practice as stored: its latest revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPractice {
    pub id: i64,
    pub practice: Practice,
    pub segment: String,
    /// 1 when first saved, bumped by every change.
    pub revision: i64,
    /// Where the revision came from (a file's name, `web`).
    pub source: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    /// `None`: HQ never decided.
    pub recommendation: Option<Recommendation>,
}

impl StoredPractice {
    pub fn is_recommended(&self) -> bool {
        self.recommendation.as_ref().is_some_and(|r| r.recommended)
    }
}

/// What saving did to one practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PracticeOutcome {
    Created,
    Revised,
    Unchanged,
}

/// A file attached to a practice (content in `blobs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeAttachment {
    pub id: i64,
    pub practice: String,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: u64,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// A plant told of a recommended practice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeNotification {
    pub id: i64,
    pub practice: String,
    pub user: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// The `object` of a practice's audit lines: `practice P-2025-01`.
pub fn describe_practice_object(code: &str) -> String {
    format!("practice {code}")
}

/// A practice's audited content: every field of a revision, so the audit's old and new values
/// show what changed.
pub fn describe_practice(p: &NewPractice) -> String {
    let x = &p.practice;
    let r = &x.result;
    let number = |d: Option<Decimal>| d.map_or(String::new(), |d| d.normalize().to_string());
    format!(
        "entity={}; segment={}; title={}; tags={}; amount={}; quantity={}; unit={}; note={}; body={}",
        x.entity,
        p.segment,
        x.title.trim(),
        zx_domain::practices::join_tags(&x.tags),
        number(r.amount),
        number(r.quantity),
        r.unit.trim(),
        r.note.trim(),
        x.body.trim()
    )
}

/// What [`PracticeStore::save_practices`] refuses before looking at the database: a problem of
/// the practice (its field named) or a code given twice. `index` is the place in the list
/// (from 0).
pub fn check_practices(rows: &[NewPractice]) -> StoreResult<()> {
    let mut seen = std::collections::HashMap::new();
    for (index, row) in rows.iter().enumerate() {
        let n = index + 1;
        if let Some(problem) = row.practice.problems().first() {
            return Err(StoreError::Invalid(format!(
                "practice {n} ({}): {} {}",
                row.practice.code.trim(),
                problem.field(),
                problem.text(zx_domain::Lang::En)
            )));
        }
        if let Some(first) = seen.insert(row.practice.code.trim().to_owned(), n) {
            return Err(StoreError::Invalid(format!(
                "practice {n}: {} is given twice (first as practice {first})",
                row.practice.code.trim()
            )));
        }
    }
    Ok(())
}

#[async_trait]
pub trait PracticeStore: Send + Sync {
    /// Saves practices in one transaction, all or nothing: a new code is created
    /// (`practice.create`), a stored one whose content differs gets a new revision
    /// (`practice.revise`, old and new value), an identical one is unchanged. What
    /// [`check_practices`] refuses, an unknown entity, or another entity for a stored code (a
    /// practice keeps its entity) is `Invalid`, writing nothing. `source` is where the rows came
    /// from (a file's name, `web`).
    async fn save_practices(
        &self,
        rows: Vec<NewPractice>,
        source: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<PracticeOutcome>>;
    /// Every practice, its latest revision and HQ's latest decision, by code.
    async fn practices(&self) -> StoreResult<Vec<StoredPractice>>;
    /// Every revision of a practice, oldest first (empty: no such practice).
    async fn practice_history(&self, code: &str) -> StoreResult<Vec<StoredPractice>>;
    /// Records HQ's decision (`practice.recommend` or `practice.unrecommend`) and, when it
    /// recommends, tells each of `recipients` not told of this practice before; returns those
    /// newly told. The same decision as the one in force writes nothing. An unknown code is
    /// `Invalid`.
    async fn recommend_practice(
        &self,
        code: &str,
        recommended: bool,
        note: &str,
        recipients: Vec<String>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<String>>;
    /// Attaches a file to a practice (`practice.evidence`).
    async fn add_practice_evidence(
        &self,
        code: &str,
        evidence: NewEvidence,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<PracticeAttachment>;
    /// A practice's attachments, by id.
    async fn practice_attachments(&self, code: &str) -> StoreResult<Vec<PracticeAttachment>>;
    /// An attachment and its content.
    async fn practice_attachment_content(
        &self,
        id: i64,
    ) -> StoreResult<Option<(PracticeAttachment, Vec<u8>)>>;
    /// A user's notices of recommended practices, newest first.
    async fn practice_notifications(&self, user: &str) -> StoreResult<Vec<PracticeNotification>>;
    /// Marks a user's unread notices read; returns how many.
    async fn mark_practice_notifications_read(
        &self,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<u64>;
}
