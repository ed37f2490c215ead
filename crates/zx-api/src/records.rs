//! What was stored and by whom: revisions, submissions, the audit log, the group's entities,
//! red indicators without a measure. `zx history | submissions | audit | entities` and
//! `zx measures gaps` print these inside one object (`{"audit":[…]}`); the HTTP API answers the
//! list itself.

use serde::Serialize;
use utoipa::ToSchema;
use zx_domain::{EntityId, EntityTree};
use zx_store::{AuditEntry, FactRevision, Submission};

/// One revision of a submitted value (`zx history`).
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionJson {
    pub entity: String,
    pub period: String,
    pub item: String,
    pub revision: i64,
    pub value: String,
    pub basis: &'static str,
    pub current: bool,
    pub submission: i64,
    pub file: String,
    pub user: String,
    pub at: String,
}

impl From<&FactRevision> for RevisionJson {
    fn from(r: &FactRevision) -> Self {
        RevisionJson {
            entity: r.entity.to_string(),
            period: r.month.to_string(),
            item: r.item.clone(),
            revision: r.revision,
            value: r.value.to_string(),
            basis: r.basis.as_str(),
            current: r.current,
            submission: r.submission_id,
            file: r.file_name.clone(),
            user: r.user.clone(),
            at: r.at.to_rfc3339(),
        }
    }
}

/// One recorded submission (an imported file).
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionJson {
    pub id: i64,
    pub kind: String,
    pub file: String,
    pub sha256: String,
    pub user: String,
    pub at: String,
    pub rows: usize,
    pub inserted: usize,
    pub revised: usize,
    pub unchanged: usize,
}

impl From<&Submission> for SubmissionJson {
    fn from(s: &Submission) -> Self {
        SubmissionJson {
            id: s.id,
            kind: s.kind.clone(),
            file: s.file_name.clone(),
            sha256: s.sha256.clone(),
            user: s.user.clone(),
            at: s.at.to_rfc3339(),
            rows: s.rows,
            inserted: s.inserted,
            revised: s.revised,
            unchanged: s.unchanged,
        }
    }
}

/// One line of the audit log: who did what to which object, when, the value before and after,
/// and the submission (imported file) it came with, if any. The one shape of `zx audit --format
/// json` and `GET /api/v1/audit`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryJson {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    pub user: String,
    /// `entity.create`, `fact.revise`, `target.set`, `import`, …
    pub action: String,
    /// What was changed: `P1 2026-03 total_profit`, `entity P1`, …
    pub object: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// The submission that made the change; `null` for changes made otherwise (accounts, locks…).
    pub submission: Option<i64>,
}

impl From<&AuditEntry> for AuditEntryJson {
    fn from(a: &AuditEntry) -> Self {
        AuditEntryJson {
            id: a.id,
            at: a.at.to_rfc3339(),
            user: a.user.clone(),
            action: a.action.clone(),
            object: a.object.clone(),
            old: a.old_value.clone(),
            new: a.new_value.clone(),
            submission: a.submission_id,
        }
    }
}

/// An entity in a listing, with its depth in the group tree (0: a root).
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityJson {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    pub kind: &'static str,
    pub region: String,
    pub segment: String,
    pub depth: usize,
}

impl EntityJson {
    pub fn new(tree: &EntityTree, id: EntityId) -> Self {
        let e = tree.entity(id);
        EntityJson {
            code: e.code.as_str().to_owned(),
            name: e.name.clone(),
            parent: e.parent.as_ref().map(|p| p.as_str().to_owned()),
            kind: e.kind.as_str(),
            region: e.region.clone(),
            segment: e.segment.clone(),
            depth: tree.depth(id),
        }
    }
}

/// A red indicator without an open measure.
#[derive(Debug, Serialize, ToSchema)]
pub struct GapJson {
    pub entity: String,
    pub indicator: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audit_entry_has_every_field_of_both_former_shapes() {
        let entry = AuditEntry {
            id: 7,
            at: "2026-03-31T02:00:00Z".parse().unwrap(),
            user: "fujian".into(),
            action: "fact.revise".into(),
            object: "FJ 2026-03 total_profit".into(),
            old_value: Some("100".into()),
            new_value: Some("120.50".into()),
            submission_id: Some(3),
        };
        let json = serde_json::to_value(AuditEntryJson::from(&entry)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": 7, "at": "2026-03-31T02:00:00+00:00", "user": "fujian",
                "action": "fact.revise", "object": "FJ 2026-03 total_profit",
                "old": "100", "new": "120.50", "submission": 3,
            })
        );
        let by_hand = AuditEntry {
            submission_id: None,
            old_value: None,
            ..entry
        };
        let json = serde_json::to_value(AuditEntryJson::from(&by_hand)).unwrap();
        assert_eq!(
            (&json["submission"], &json["old"]),
            (&serde_json::Value::Null, &serde_json::Value::Null)
        );
    }
}
