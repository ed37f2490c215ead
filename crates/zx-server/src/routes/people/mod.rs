//! People, training hours and special-operation certificates (安全培训与特种作业人员) of a
//! subtree as of a date: every person with the year's required, done and short hours (safety.md
//! §4), the certificates with their state (§5) and the special operators without a certificate
//! in force (each an automatic major hazard). Shared by the page, its Excel export and the API.

pub mod api;
pub mod pages;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use zx_domain::format;
use zx_domain::safety::certificates::uncertified_operators;
use zx_domain::safety::training::training_by_person;
use zx_domain::safety::{CertificateState, Person};

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::routes::drills::DrillsQuery;
use crate::routes::registers::{Scoped, scoped};
use crate::state::AppState;

/// One person with the year's hours.
pub struct PersonRow {
    pub person: String,
    pub entity: String,
    pub entity_name: String,
    pub role: &'static str,
    pub role_label: &'static str,
    pub role_since: String,
    pub hired: String,
    /// Exact decimals as text (`1.5`).
    pub required: String,
    pub done: String,
    pub short: String,
    pub is_short: bool,
}

/// One certificate with its state.
pub struct CertificateRow {
    pub number: String,
    pub person: String,
    pub entity: String,
    pub kind: String,
    pub issued: String,
    pub expires: String,
    pub last_review: String,
    pub state: &'static str,
    pub state_label: &'static str,
}

/// A special operator without a certificate in force.
pub struct UncertifiedRow {
    pub person: String,
    pub entity: String,
    pub entity_name: String,
    pub reason: &'static str,
    pub reason_label: &'static str,
}

pub struct PeopleView {
    pub entity: String,
    pub entity_name: String,
    pub as_of: NaiveDate,
    pub people: Vec<PersonRow>,
    pub certificates: Vec<CertificateRow>,
    pub uncertified: Vec<UncertifiedRow>,
}

impl PeopleView {
    /// People short of hours.
    pub fn short(&self) -> usize {
        self.people.iter().filter(|p| p.is_short).count()
    }

    /// Certificates to renew or review (renewal or review due).
    pub fn to_renew(&self) -> usize {
        self.certificates
            .iter()
            .filter(|c| c.state == "renewal_due" || c.state == "review_due")
            .count()
    }
}

pub async fn view(state: &AppState, user: &CurrentUser, q: &DrillsQuery) -> ApiResult<PeopleView> {
    let lang = user.lang;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let Scoped {
        entity,
        entity_name,
        as_of,
        records,
    } = scoped(state, user, q.entity.as_deref(), q.as_of.as_deref()).await?;
    let people = records.people;
    let certificates = records.certificates;
    let entity_of: HashMap<&str, &Person> = people.iter().map(|p| (p.person.as_str(), p)).collect();
    let name_of = |p: &Person| {
        tree.id(&p.entity)
            .map_or_else(|| p.entity.to_string(), |id| tree.entity(id).name.clone())
    };
    let hours: BTreeMap<String, _> = training_by_person(&people, &records.training, as_of);
    let mut person_rows: Vec<PersonRow> = people
        .iter()
        .filter_map(|p| {
            let s = hours.get(&p.person)?;
            Some(PersonRow {
                person: p.person.clone(),
                entity: p.entity.to_string(),
                entity_name: name_of(p),
                role: p.role.code(),
                role_label: p.role.label(lang),
                role_since: p.role_since.to_string(),
                hired: p.hired.to_string(),
                required: format::exact(s.required),
                done: format::exact(s.done),
                short: format::exact(s.short),
                is_short: s.is_short(),
            })
        })
        .collect();
    // The short first, then by unit and person: the list a safety manager works down.
    person_rows.sort_by(|a, b| {
        b.is_short
            .cmp(&a.is_short)
            .then(a.entity.cmp(&b.entity))
            .then(a.person.cmp(&b.person))
    });
    let mut certificate_rows: Vec<CertificateRow> = certificates
        .iter()
        .map(|c| {
            let state: CertificateState = c.state(as_of);
            CertificateRow {
                number: c.number.clone(),
                person: c.person.clone(),
                entity: entity_of
                    .get(c.person.as_str())
                    .map_or(String::new(), |p| p.entity.to_string()),
                kind: c.kind.clone(),
                issued: c.issued.to_string(),
                expires: c.expires.to_string(),
                last_review: c.last_review.map(|d| d.to_string()).unwrap_or_default(),
                state: state.code(),
                state_label: state.label(lang),
            }
        })
        .collect();
    certificate_rows.sort_by(|a, b| a.expires.cmp(&b.expires).then(a.number.cmp(&b.number)));
    let uncertified = uncertified_operators(&people, &certificates, as_of)
        .into_iter()
        .filter_map(|a| {
            let p = entity_of.get(a.person.as_str())?;
            Some(UncertifiedRow {
                person: a.person.clone(),
                entity: p.entity.to_string(),
                entity_name: name_of(p),
                reason: a.reason.code(),
                reason_label: a.reason.label(lang),
            })
        })
        .collect();
    Ok(PeopleView {
        entity,
        entity_name,
        as_of,
        people: person_rows,
        certificates: certificate_rows,
        uncertified,
    })
}

/// What the safety overview (`/safety`) shows of the drill, training and certificate registers
/// for a subtree: counts, each linking to its register.
pub struct RegistersSummary {
    /// Obligations overdue (the period before today's without a drill) and due (today's).
    pub drills_overdue: usize,
    pub drills_due: usize,
    /// Planned drills of the yearly plans due soon or overdue.
    pub planned_due: usize,
    pub short: usize,
    pub to_renew: usize,
    pub expired: usize,
    pub uncertified: usize,
}

/// The overview's counts for `entity`'s subtree as the caller may see it.
pub async fn registers_summary(
    state: &AppState,
    user: &CurrentUser,
    entity: &str,
) -> ApiResult<RegistersSummary> {
    let q = DrillsQuery {
        entity: Some(entity.to_owned()),
        as_of: None,
    };
    let drills = crate::routes::drills::view(state, user, &q).await?;
    let people = view(state, user, &q).await?;
    let count = |status: &str| {
        drills
            .obligations
            .iter()
            .filter(|o| o.status == status)
            .count()
    };
    Ok(RegistersSummary {
        drills_overdue: count("overdue"),
        drills_due: count("due"),
        planned_due: drills
            .planned
            .iter()
            .filter(|p| p.state == "due_soon" || p.state == "overdue")
            .count(),
        short: people.short(),
        to_renew: people.to_renew(),
        expired: people
            .certificates
            .iter()
            .filter(|c| c.state == "expired")
            .count(),
        uncertified: people.uncertified.len(),
    })
}
