//! The manager term register (任期制和契约化管理): terms, their years (targets, results,
//! ratings, pay), the signed contract's scan, and the reminders sent about them.
//!
//! One write path, [`ManagerStore::save_manager_terms`], serves an imported workbook and a form
//! on the web alike: a row without id adds a term, a row with one corrects it. A blank never
//! erases — a missing contract date, outcome, rating or pay leaves what is stored — so an import
//! adds and corrects but deletes nothing. Every change is audited with its old and new value;
//! the lines of a year (`manager_year.set`) carry rating and pay, which
//! [`mask_confidential_audit`] hides from readers without the right.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
pub use zx_domain::managers::{
    ManagerReminder, ManagerReminderReason, ManagerTerm, Outcome, OutcomeKind, Rating, TermYear,
};

use crate::*;

/// A term as a file or a form gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewManagerTerm {
    pub person_id: String,
    pub person_name: String,
    pub entity: EntityCode,
    pub position: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub contract_signed: Option<NaiveDate>,
    pub term_target: String,
    pub term_result: String,
    pub outcome: Option<Outcome>,
    /// The years given; others stored stay as they are.
    pub years: Vec<TermYear>,
}

/// A row to save: a new term (no id) or a correction of term `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerTermRow {
    pub id: Option<i64>,
    pub term: NewManagerTerm,
}

/// What saving a row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermSaved {
    Created,
    Revised,
    Unchanged,
}

/// The signed contract's scan (or any evidence of a term), as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerAttachment {
    pub id: i64,
    pub term: i64,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: u64,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// A recorded reminder about a term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerNotification {
    pub id: i64,
    pub term: i64,
    pub year: i32,
    pub user: String,
    pub reason: ManagerReminderReason,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// The manager term register.
#[async_trait]
pub trait ManagerStore: Send + Sync {
    /// Saves rows in one transaction, all or nothing: a row without id adds a term
    /// (`manager_term.create`), a row with the id of a stored term corrects it
    /// (`manager_term.revise`, old and new value) when anything differs; each year given is set
    /// (`manager_year.set`, old and new value) when it differs. Blank contract date, outcome,
    /// rating or pay leave the stored value. What [`check_manager_term`] refuses, an unknown
    /// entity or id, or an id twice is `Invalid` naming the row (from 1). `source` is where the
    /// rows came from (a file name, `web`), kept in the audit lines of an import.
    async fn save_manager_terms(
        &self,
        rows: Vec<ManagerTermRow>,
        source: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, TermSaved)>>;
    /// Every term with its years, by entity, start and id (ratings and pay included: callers
    /// hide them from readers without the right).
    async fn manager_terms(&self) -> StoreResult<Vec<ManagerTerm>>;
    /// Attaches a file to a term (`manager_term.evidence`).
    async fn add_manager_evidence(
        &self,
        term: i64,
        evidence: NewEvidence,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<ManagerAttachment>;
    /// A term's attachments, by id.
    async fn manager_attachments(&self, term: i64) -> StoreResult<Vec<ManagerAttachment>>;
    /// An attachment and its content.
    async fn manager_attachment_content(
        &self,
        id: i64,
    ) -> StoreResult<Option<(ManagerAttachment, Vec<u8>)>>;
    /// Records the reminders not recorded yet and returns those, in the order given, one
    /// `manager_reminder.send` audit line each, by [`NOTIFICATION_SENDER`]. An unknown term is
    /// `Invalid`, writing nothing.
    async fn record_manager_reminders(
        &self,
        list: Vec<ManagerReminder>,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<ManagerReminder>>;
    /// A user's manager reminders, newest first.
    async fn manager_notifications(&self, user: &str) -> StoreResult<Vec<ManagerNotification>>;
}

/// The longest text a term keeps (names, position, targets, results, reasons), in characters.
pub const MAX_TERM_TEXT: usize = 2000;

/// What [`ManagerStore::save_manager_terms`] refuses before looking at the database. `index`
/// is the row's place in the list (from 0).
pub fn check_manager_term(index: usize, t: &NewManagerTerm) -> StoreResult<()> {
    let row = index + 1;
    let invalid = |why: String| Err(StoreError::Invalid(format!("manager term {row}: {why}")));
    for (field, text) in [
        ("person_id", &t.person_id),
        ("person_name", &t.person_name),
        ("position", &t.position),
    ] {
        if text.trim().is_empty() {
            return invalid(format!("{field} is empty"));
        }
    }
    let reason = t.outcome.as_ref().map_or("", |o| o.reason.as_str());
    for (field, text) in [
        ("person_id", t.person_id.as_str()),
        ("person_name", &t.person_name),
        ("position", &t.position),
        ("term_target", &t.term_target),
        ("term_result", &t.term_result),
        ("outcome_reason", reason),
    ] {
        if text.chars().count() > MAX_TERM_TEXT {
            return invalid(format!("{field} is longer than {MAX_TERM_TEXT} characters"));
        }
    }
    if t.start > t.end {
        return invalid(format!(
            "the term ends ({}) before it starts ({})",
            t.end, t.start
        ));
    }
    if let Some(o) = &t.outcome {
        if o.date < t.start {
            return invalid(format!(
                "the outcome ({}) is before the term ({})",
                o.date, t.start
            ));
        }
        if o.kind != OutcomeKind::Kept && o.reason.trim().is_empty() {
            return invalid(format!("a {} outcome needs its reason", o.kind.code()));
        }
        if o.for_performance && o.kind != OutcomeKind::Exited {
            return invalid("only an exit is for non-performance".into());
        }
    }
    let years = chrono::Datelike::year(&t.start)..=chrono::Datelike::year(&t.end);
    for (i, y) in t.years.iter().enumerate() {
        if !years.contains(&y.year) {
            return invalid(format!("year {} is outside the term", y.year));
        }
        if t.years[..i].iter().any(|other| other.year == y.year) {
            return invalid(format!("year {} is given twice", y.year));
        }
        if y.pay.is_some_and(|p| p.is_sign_negative()) {
            return invalid(format!("the pay of {} is negative", y.year));
        }
        for text in [&y.target, &y.result] {
            if text.chars().count() > MAX_TERM_TEXT {
                return invalid(format!("a text of {} is too long", y.year));
            }
        }
    }
    Ok(())
}

/// The object of a term's audit lines: `manager_term 7`.
pub fn describe_manager_term_object(id: i64) -> String {
    format!("manager_term {id}")
}

/// The object of a year's audit lines: `manager_term 7 2025`.
pub fn describe_manager_year_object(id: i64, year: i32) -> String {
    format!("manager_term {id} {year}")
}

fn day(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A term's stored fields (not its years) as an audit value.
pub fn describe_manager_term(t: &ManagerTerm) -> String {
    let outcome = t.outcome.as_ref().map_or(String::new(), |o| {
        format!(
            "{} {}{} ({})",
            o.kind.code(),
            o.date.format("%Y-%m-%d"),
            if o.for_performance {
                " for_performance"
            } else {
                ""
            },
            o.reason
        )
    });
    format!(
        "person={} {}; entity={}; position={}; term={}..{}; contract={}; term_target={}; \
         term_result={}; outcome={outcome}",
        t.person_id,
        t.person_name,
        t.entity,
        t.position,
        t.start.format("%Y-%m-%d"),
        t.end.format("%Y-%m-%d"),
        day(t.contract_signed),
        t.term_target,
        t.term_result,
    )
}

/// A year as an audit value: rating and pay first, so [`mask_confidential_audit`] finds them.
pub fn describe_manager_year(y: &TermYear) -> String {
    format!(
        "rating={}; pay={}; target={}; result={}",
        y.rating.map_or("", Rating::code),
        y.pay.map(|p| p.to_string()).unwrap_or_default(),
        y.target,
        y.result
    )
}

/// The action of the audit lines that carry a rating and a pay.
pub const MANAGER_YEAR_ACTION: &str = "manager_year.set";

/// Hides rating and pay in a `manager_year.set` line (for a reader who may read the audit log
/// but not personnel-confidential data); other lines are left as they are.
pub fn mask_confidential_audit(entry: &mut AuditEntry) {
    if entry.action != MANAGER_YEAR_ACTION {
        return;
    }
    for value in [&mut entry.old_value, &mut entry.new_value]
        .into_iter()
        .flatten()
    {
        let rest = value
            .split_once("; target=")
            .map(|(_, rest)| rest.to_owned())
            .unwrap_or_default();
        *value = format!("rating=***; pay=***; target={rest}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audit_line_of_a_year_hides_rating_and_pay() {
        let year = TermYear {
            year: 2025,
            target: "利润 1 亿; 安全零事故".into(),
            result: "完成".into(),
            rating: Some(Rating::Competent),
            pay: Some("650000.00".parse().unwrap()),
        };
        let mut entry = AuditEntry {
            id: 1,
            at: DateTime::UNIX_EPOCH,
            user: "hr".into(),
            action: MANAGER_YEAR_ACTION.into(),
            object: describe_manager_year_object(3, 2025),
            old_value: None,
            new_value: Some(describe_manager_year(&year)),
            submission_id: None,
        };
        assert_eq!(
            entry.new_value.as_deref(),
            Some("rating=competent; pay=650000.00; target=利润 1 亿; 安全零事故; result=完成")
        );
        mask_confidential_audit(&mut entry);
        assert_eq!(
            entry.new_value.as_deref(),
            Some("rating=***; pay=***; target=利润 1 亿; 安全零事故; result=完成")
        );
    }

    #[test]
    fn a_term_is_checked_before_any_sql() {
        let term = NewManagerTerm {
            person_id: "E1".into(),
            person_name: "王".into(),
            entity: EntityCode::parse("P1").unwrap(),
            position: "总经理".into(),
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
            contract_signed: None,
            term_target: String::new(),
            term_result: String::new(),
            outcome: None,
            years: Vec::new(),
        };
        assert!(check_manager_term(0, &term).is_ok());
        let mut bad = term.clone();
        bad.end = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
        let err = check_manager_term(1, &bad).unwrap_err().to_string();
        assert_eq!(
            err,
            "manager term 2: the term ends (2024-12-31) before it starts (2025-01-01)"
        );
        let mut demoted = term.clone();
        demoted.outcome = Some(Outcome {
            kind: OutcomeKind::Demoted,
            date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            reason: " ".into(),
            for_performance: false,
        });
        assert!(check_manager_term(0, &demoted).is_err());
        let mut year = term;
        year.years.push(TermYear {
            year: 2028,
            target: String::new(),
            result: String::new(),
            rating: None,
            pay: None,
        });
        assert_eq!(
            check_manager_term(0, &year).unwrap_err().to_string(),
            "manager term 1: year 2028 is outside the term"
        );
    }
}
