//! The hazard register (隐患排查治理) and its closed loop: reporting, the steps of the loop
//! (checked by [`zx_domain::safety::hazards::check_step`] inside the writing transaction),
//! evidence, the notification of a major hazard to HQ, and the import of a ledger.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
pub use zx_domain::safety::hazards::{
    Assurances, Hazard, HazardAttachment, HazardGrade, HazardStatus, HazardStepRecord, Step,
};
pub use zx_domain::safety::{LecScore, MatrixScore, Score};

use crate::*;

/// A hazard to report (from the web, the API, or a rule such as an uncertified operator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHazard {
    pub entity: EntityCode,
    pub found: NaiveDate,
    pub description: String,
    pub location: String,
    pub grade: HazardGrade,
    pub scores: Option<Score>,
    /// When raised by a rule: its key; a second hazard with the same key is not raised.
    pub auto_key: Option<String>,
}

/// A file to attach: its type judged from the content by the caller (ingest's `evidence`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvidence {
    pub file_name: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

/// One row of a hazards ledger: the check slice's record of safety.md §7's hazards file
/// (`entity,id,found,grade,l,e,c,owner,deadline,status`), read and checked by ingest.
pub use zx_domain::safety::check::HazardRow as ImportedHazard;

/// What an import did to each row: created, revised, or left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HazardsImported {
    pub created: usize,
    pub revised: usize,
    pub unchanged: usize,
}

/// Who takes a step: the account and what it may do in the tree (the loop's rules depend on
/// both), so the check runs in the same transaction as the write.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user: &'a str,
    pub access: &'a Access,
    pub tree: &'a zx_domain::EntityTree,
}

/// A notification about a hazard (a major one, the day it is graded), in-app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HazardNotification {
    pub id: i64,
    pub hazard: i64,
    pub user: String,
    /// `major_graded`.
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// The reason of the notification HQ receives when a hazard is graded major.
pub const MAJOR_GRADED: &str = "major_graded";

#[async_trait]
pub trait HazardStore: Send + Sync {
    /// Records a hazard as `reported`, with its photos, in one transaction: audited
    /// `hazard.report` (and `hazard.evidence` per file), a `report` step in its history. A
    /// major hazard notifies every enabled HQ account (`hq_analyst`: HQ's safety department)
    /// in the same transaction. With an `auto_key` already raised, nothing is written and the
    /// existing hazard is returned. `Invalid` for an unknown entity or an empty description.
    async fn report_hazard(
        &self,
        hazard: NewHazard,
        evidence: Vec<NewEvidence>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Hazard>;
    /// Takes a step of the loop if the hazard is still at `expected_revision` (else
    /// `Conflict`) and the rules allow it (else `Invalid` with the rule's message): updates the
    /// hazard, records the step with its comment (a rejection's reason) and its evidence, and
    /// an audit line `hazard.<step>` with the old and new state ([`describe_hazard_state`]).
    /// Grading a hazard major notifies HQ as [`HazardStore::report_hazard`] does.
    #[allow(clippy::too_many_arguments)]
    async fn take_hazard_step(
        &self,
        id: i64,
        expected_revision: i64,
        step: Step,
        comment: &str,
        evidence: Vec<NewEvidence>,
        actor: Actor<'_>,
        at: DateTime<Utc>,
    ) -> StoreResult<Hazard>;
    /// Imports a ledger in one transaction (all or nothing): a row whose `id` is no stored
    /// hazard's code creates one; one that is and differs revises it (a `revise` step, audited
    /// `hazard.revise` with old and new [`describe_hazard_ledger`]); an equal one is left
    /// alone. Audited `hazards.import` with the file and its SHA-256. `Invalid` naming the row
    /// for an unknown entity, a code of another entity's hazard, or a code twice in the list.
    async fn import_hazards(
        &self,
        rows: Vec<ImportedHazard>,
        file_name: &str,
        sha256: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<HazardsImported>;
    /// Every hazard, by id.
    async fn hazards(&self) -> StoreResult<Vec<Hazard>>;
    /// One hazard.
    async fn hazard(&self, id: i64) -> StoreResult<Option<Hazard>>;
    /// The steps of one hazard, oldest first.
    async fn hazard_steps(&self, hazard: i64) -> StoreResult<Vec<HazardStepRecord>>;
    /// Attaches a file to a hazard (and a step of it): audited `hazard.evidence`.
    async fn add_hazard_evidence(
        &self,
        hazard: i64,
        evidence: NewEvidence,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<HazardAttachment>;
    /// The attachments of one hazard, by id.
    async fn hazard_attachments(&self, hazard: i64) -> StoreResult<Vec<HazardAttachment>>;
    /// An attachment and its content.
    async fn hazard_attachment_content(
        &self,
        id: i64,
    ) -> StoreResult<Option<(HazardAttachment, Vec<u8>)>>;
    /// A user's hazard notifications, newest first.
    async fn hazard_notifications(&self, user: &str) -> StoreResult<Vec<HazardNotification>>;
    /// Marks a user's unread hazard notifications read; returns how many.
    /// HQ's major-hazard notices recorded since `since` that have not gone out by e-mail or
    /// chat yet, oldest first (the delivery job's work list).
    async fn undelivered_hazard_notifications(
        &self,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<HazardNotification>>;
    /// Records that these notices went out (each once; an id already recorded is left as is).
    async fn mark_hazard_notifications_delivered(
        &self,
        ids: &[i64],
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn mark_hazard_notifications_read(
        &self,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<u64>;
}

/// The audit object of a hazard: `hazard 7`.
pub fn describe_hazard_object(id: i64) -> String {
    format!("hazard {id}")
}

fn date_or_empty(date: Option<NaiveDate>) -> String {
    date.map_or(String::new(), |d| d.format("%Y-%m-%d").to_string())
}

/// A hazard's scores as the audit log shows them: `lec=6x3x15`, `ls=4x5`, empty for none.
pub fn describe_scores(scores: Option<&Score>) -> String {
    match scores {
        None => String::new(),
        Some(Score::Lec(s)) => format!(
            "lec={}x{}x{}",
            s.likelihood(),
            s.exposure(),
            s.consequence()
        ),
        Some(Score::Matrix(s)) => format!("ls={}x{}", s.likelihood(), s.severity()),
    }
}

/// The state a step changes, as the audit log shows it (old and new value of `hazard.<step>`):
/// `status=…; grade=…; owner=…; deadline=YYYY-MM-DD; scores=…; assurances=N/5`.
pub fn describe_hazard_state(h: &Hazard) -> String {
    format!(
        "status={}; grade={}; owner={}; deadline={}; scores={}; assurances={}/5",
        h.status.code(),
        h.grade.code(),
        h.owner,
        date_or_empty(h.deadline),
        describe_scores(h.scores.as_ref()),
        5 - h.assurances.missing().len()
    )
}

/// The new value of `hazard.report`: `entity=…; found=…; grade=…; description=…`.
pub fn describe_new_hazard(h: &NewHazard) -> String {
    format!(
        "entity={}; found={}; grade={}; scores={}; description={}",
        h.entity,
        h.found.format("%Y-%m-%d"),
        h.grade.code(),
        describe_scores(h.scores.as_ref()),
        h.description.trim()
    )
}

/// A ledger row's fields as the audit log shows them (`hazard.revise` from an import):
/// `found=…; grade=…; scores=…; owner=…; deadline=…; status=…`.
pub fn describe_hazard_ledger(
    found: NaiveDate,
    grade: HazardGrade,
    scores: Option<&Score>,
    owner: &str,
    deadline: Option<NaiveDate>,
    status: HazardStatus,
) -> String {
    format!(
        "found={}; grade={}; scores={}; owner={owner}; deadline={}; status={}",
        found.format("%Y-%m-%d"),
        grade.code(),
        describe_scores(scores),
        date_or_empty(deadline),
        status.code()
    )
}

/// The new value of `hazard.evidence`: `name=…; type=…; size=N; sha256=…`.
pub fn describe_hazard_attachment(a: &HazardAttachment) -> String {
    format!(
        "name={}; type={}; size={}; sha256={}",
        a.file_name, a.media_type, a.size, a.sha256
    )
}

/// What [`HazardStore::report_hazard`] refuses before looking at the database.
pub fn check_new_hazard(h: &NewHazard) -> StoreResult<()> {
    if h.description.trim().is_empty() {
        return Err(StoreError::Invalid(
            "a hazard needs a description of what was found".into(),
        ));
    }
    Ok(())
}

/// A ledger row as a hazard's stored fields, to compare with what is stored.
pub fn ledger_scores(row: &ImportedHazard) -> Option<Score> {
    row.lec.map(Score::Lec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_shows_state_with_the_assurances_counted() {
        let h = Hazard {
            id: 3,
            code: None,
            entity: EntityCode::parse("P1").unwrap(),
            found: "2026-11-02".parse().unwrap(),
            description: "护栏松动".into(),
            location: String::new(),
            grade: HazardGrade::Major,
            status: HazardStatus::Assessed,
            scores: Some(Score::Lec(
                LecScore::new(
                    "6".parse().unwrap(),
                    "3".parse().unwrap(),
                    "15".parse().unwrap(),
                )
                .unwrap(),
            )),
            owner: "nanchong".into(),
            deadline: Some("2026-12-20".parse().unwrap()),
            assurances: Assurances {
                responsibility: "厂长".into(),
                funds: "2万元".into(),
                ..Assurances::default()
            },
            rectified_by: None,
            verified_by: None,
            auto_key: None,
            reported_at: chrono::DateTime::UNIX_EPOCH,
            reported_by: "nanchong".into(),
            revision: 2,
        };
        assert_eq!(
            describe_hazard_state(&h),
            "status=assessed; grade=major; owner=nanchong; deadline=2026-12-20; scores=lec=6x3x15; assurances=2/5"
        );
    }
}
