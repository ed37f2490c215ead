//! Production safety's records: emergency plans, drills, people, training records and
//! special-operation certificates (safety.md §3–§5). Hazards are [`crate`]'s hazard area.
//!
//! Each record is found again by its natural key, so importing a register again revises the rows
//! that changed (audited with old and new value, `revision` bumped), leaves equal ones alone and
//! never duplicates or deletes anything.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use zx_domain::format;
use zx_domain::safety::{Certificate, Drill, Person, Plan, SafetyRecords, TrainingRecord};

use crate::StoreResult;

/// One file of a safety import, for the import's audit line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetySource {
    pub file: String,
    /// The file's kind (`hazards`, `plans`, …): hazards files are named in the hazard
    /// register's own import line.
    pub kind: String,
    pub sha256: String,
}

/// What an import did, over every record kind but hazards (counted by the hazard register).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SafetyImportSummary {
    pub created: usize,
    pub revised: usize,
    pub unchanged: usize,
    pub hazards: crate::HazardsImported,
}

#[async_trait]
pub trait SafetyRecordStore: Send + Sync {
    /// Writes the plans, drills, people, training records and certificates of `records` in
    /// one transaction (all or nothing), and its hazards into the hazard register in the same
    /// transaction (as [`crate::HazardStore::import_hazards`] does, counted in `hazards`). A record whose key is new is created (`safety_<kind>.create`), one that differs
    /// from the stored one is revised (`safety_<kind>.revise` with old and new value), an equal
    /// one is counted unchanged; one `safety.import` line names the files and their SHA-256.
    /// `Invalid` for an entity that is not stored, a drill of no stored or imported plan, a
    /// training record or certificate of no stored or imported person, or a hazard the hazard
    /// register refuses.
    async fn import_safety_records(
        &self,
        records: &SafetyRecords,
        sources: &[SafetySource],
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<SafetyImportSummary>;
    /// Every stored plan, drill, person, training record and certificate, each list in key
    /// order (`hazards` left empty).
    async fn safety_records(&self) -> StoreResult<SafetyRecords>;
}

// --- audit texts ------------------------------------------------------------------------------

/// `plan P1/pump`
pub fn describe_plan_object(plan: &Plan) -> String {
    format!("plan {}/{}", plan.entity, plan.plan)
}

/// `kind=onsite; approved=2025-01-10`
pub fn describe_plan(plan: &Plan) -> String {
    format!("kind={}; approved={}", plan.kind.code(), plan.approved)
}

/// `drill P1/pump 2026-06-30`
pub fn describe_drill_object(drill: &Drill) -> String {
    format!("drill {}/{} {}", drill.entity, drill.plan, drill.date)
}

/// `joint_with=县消防救援大队` (empty when held alone)
pub fn describe_drill(drill: &Drill) -> String {
    format!("joint_with={}", drill.joint_with.as_deref().unwrap_or(""))
}

/// `person E1`
pub fn describe_person_object(person: &Person) -> String {
    format!("person {}", person.person)
}

/// `entity=P1; role=principal; role_since=2024-04-01; hired=2010-01-01`
pub fn describe_person(person: &Person) -> String {
    format!(
        "entity={}; role={}; role_since={}; hired={}",
        person.entity,
        person.role.code(),
        person.role_since,
        person.hired
    )
}

/// `training E1 2026-03-02 安全生产法`
pub fn describe_training_object(record: &TrainingRecord) -> String {
    format!(
        "training {} {} {}",
        record.person, record.date, record.course
    )
}

/// `hours=1.5`
pub fn describe_training(record: &TrainingRecord) -> String {
    format!("hours={}", format::exact(record.hours))
}

/// `certificate T-1`
pub fn describe_certificate_object(certificate: &Certificate) -> String {
    format!("certificate {}", certificate.number)
}

/// `person=W1; type=焊接与热切割作业; issued=2019-01-01; expires=2025-01-01; last_review=`
pub fn describe_certificate(c: &Certificate) -> String {
    format!(
        "person={}; type={}; issued={}; expires={}; last_review={}",
        c.person,
        c.kind,
        c.issued,
        c.expires,
        c.last_review.map(|d| d.to_string()).unwrap_or_default()
    )
}

/// The import's own audit line: `files=people.csv (sha256 ab…); created=3; revised=1; unchanged=0`.
pub fn describe_safety_import(sources: &[SafetySource], summary: &SafetyImportSummary) -> String {
    let files: Vec<String> = sources
        .iter()
        .map(|s| format!("{} (sha256 {})", s.file, s.sha256))
        .collect();
    format!(
        "files={}; created={}; revised={}; unchanged={}",
        files.join(", "),
        summary.created,
        summary.revised,
        summary.unchanged
    )
}
