//! The manager term register on the wire (`zx managers list --format json`,
//! `GET /api/v1/managers`): codes for machines, dates `YYYY-MM-DD`, pay a decimal string.
//! Ratings and pay are present only for readers who may see them (`confidential: true`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zx_domain::managers::{
    ManagerTerm, RatingDeadline, RatingDue, RegisterCheck, RegisterCounts, ratings_due,
    terms_ending,
};

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A year of a term.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct TermYearJson {
    pub year: i32,
    pub target: String,
    pub result: String,
    /// `excellent`, `competent`, `basically_competent`, `incompetent`; absent when not entered
    /// or not visible to the reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<String>,
    /// 年薪 in yuan, exact, as a decimal string; absent when not entered or not visible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay: Option<String>,
}

/// How a term ended.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct OutcomeJson {
    /// `kept`, `promoted`, `demoted` or `exited`.
    pub kind: String,
    pub date: String,
    pub reason: String,
    /// An exit for non-performance (不胜任退出).
    pub for_performance: bool,
}

/// One term of the register.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ManagerTermJson {
    pub id: i64,
    pub person_id: String,
    pub person_name: String,
    pub entity: String,
    pub position: String,
    pub start: String,
    pub end: String,
    /// The day the term contract was signed; absent: not signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_signed: Option<String>,
    pub term_target: String,
    pub term_result: String,
    pub years: Vec<TermYearJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<OutcomeJson>,
}

impl From<&ManagerTerm> for ManagerTermJson {
    fn from(t: &ManagerTerm) -> Self {
        ManagerTermJson {
            id: t.id,
            person_id: t.person_id.clone(),
            person_name: t.person_name.clone(),
            entity: t.entity.to_string(),
            position: t.position.clone(),
            start: day(t.start),
            end: day(t.end),
            contract_signed: t.contract_signed.map(day),
            term_target: t.term_target.clone(),
            term_result: t.term_result.clone(),
            years: t
                .years
                .iter()
                .map(|y| TermYearJson {
                    year: y.year,
                    target: y.target.clone(),
                    result: y.result.clone(),
                    rating: y.rating.map(|r| r.code().to_owned()),
                    pay: y.pay.map(|p| p.to_string()),
                })
                .collect(),
            outcome: t.outcome.as_ref().map(|o| OutcomeJson {
                kind: o.kind.code().to_owned(),
                date: day(o.date),
                reason: o.reason.clone(),
                for_performance: o.for_performance,
            }),
        }
    }
}

/// A year's rating not entered by its deadline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct RatingDueJson {
    pub term: i64,
    pub year: i32,
    pub deadline: String,
}

impl From<&RatingDue> for RatingDueJson {
    fn from(d: &RatingDue) -> Self {
        RatingDueJson {
            term: d.term,
            year: d.year,
            deadline: day(d.deadline),
        }
    }
}

/// The register as a reader sees it, with what needs attention as of `as_of`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ManagerRegisterJson {
    pub as_of: String,
    /// Whether ratings and pay are shown (admin, HQ HR).
    pub confidential: bool,
    pub terms: Vec<ManagerTermJson>,
    /// Ids of terms ending within the lead days without an outcome, soonest first.
    pub terms_ending: Vec<i64>,
    pub ratings_due: Vec<RatingDueJson>,
}

impl ManagerRegisterJson {
    /// The register as given (already filtered and redacted for the reader), with the terms
    /// ending within `lead_days` of `as_of` and the ratings due.
    pub fn new(
        terms: &[ManagerTerm],
        as_of: NaiveDate,
        lead_days: u32,
        deadline: RatingDeadline,
        confidential: bool,
    ) -> Self {
        ManagerRegisterJson {
            as_of: day(as_of),
            confidential,
            terms: terms.iter().map(ManagerTermJson::from).collect(),
            terms_ending: terms_ending(terms, as_of, lead_days)
                .iter()
                .map(|t| t.id)
                .collect(),
            // Only a reader who sees ratings can know one is missing.
            ratings_due: if confidential {
                ratings_due(terms, as_of, deadline)
                    .iter()
                    .map(RatingDueJson::from)
                    .collect()
            } else {
                Vec::new()
            },
        }
    }
}

/// One item of the register's proposal for an entity-month.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct RegisterCheckJson {
    /// `managers_end`, `managers_adjusted` or `managers_contracted_end`.
    pub item: String,
    pub proposed: u32,
    /// The month's data, as a decimal string; absent: nothing reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported: Option<String>,
    /// Reported and different from the register.
    pub disagrees: bool,
}

/// The register's counts for an entity and month against the month's data.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct RegisterProposalJson {
    pub entity: String,
    pub month: String,
    pub managers_end: u32,
    pub managers_adjusted: u32,
    pub managers_contracted_end: u32,
    pub checks: Vec<RegisterCheckJson>,
}

impl RegisterProposalJson {
    pub fn new(
        entity: &str,
        month: &str,
        counts: RegisterCounts,
        checks: &[RegisterCheck],
    ) -> Self {
        RegisterProposalJson {
            entity: entity.to_owned(),
            month: month.to_owned(),
            managers_end: counts.managers_end,
            managers_adjusted: counts.managers_adjusted,
            managers_contracted_end: counts.managers_contracted_end,
            checks: checks
                .iter()
                .map(|c| RegisterCheckJson {
                    item: c.item.to_owned(),
                    proposed: c.proposed,
                    reported: c.reported.map(|r| r.normalize().to_string()),
                    disagrees: c.disagrees(),
                })
                .collect(),
        }
    }
}

/// A term to save through the API: without `id` a new term, with one a correction. Blank
/// `contract_signed`, `outcome`, a year's `rating` or `pay` leave what is stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ManagerTermInput {
    #[serde(default)]
    pub id: Option<i64>,
    pub person_id: String,
    pub person_name: String,
    pub entity: String,
    pub position: String,
    /// `YYYY-MM-DD`.
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub contract_signed: Option<String>,
    #[serde(default)]
    pub term_target: String,
    #[serde(default)]
    pub term_result: String,
    #[serde(default)]
    pub years: Vec<TermYearJson>,
    #[serde(default)]
    pub outcome: Option<OutcomeJson>,
}

/// Take the register's counts into an entity's month of data.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ProposalInput {
    pub entity: String,
    /// `YYYY-MM`.
    pub month: String,
}
