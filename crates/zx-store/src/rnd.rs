//! The R&D project portfolio: projects (gates, team, results), yearly budgets, monthly spend
//! (a correction is a new revision, the old one kept) and partners. Nothing is deleted; every
//! change is in the audit log with its old and new value, in the writing transaction.

use crate::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
pub use zx_domain::rnd::{FieldKind, Gate, PartnerKind, Project, Results, Spend, Stage};

/// A registered project as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProject {
    pub id: i64,
    pub project: Project,
    /// 1 when registered, bumped by every change.
    pub revision: i64,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// A year's budget, a month's spend and a partner as saved: the domain's rows.
pub use zx_domain::rnd::{
    Budget as BudgetRow, MonthSpend as SpendRow, Partner as PartnerRow, Register as RndChanges,
};

/// A stored spend revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSpend {
    pub project: String,
    pub entity: EntityCode,
    pub month: Month,
    pub amount: Decimal,
    pub revision: i64,
    /// `false` once a correction replaced it.
    pub current: bool,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// What a save did, row by row, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RndOutcome {
    pub created: usize,
    pub revised: usize,
    pub unchanged: usize,
}

/// The `object` of a project's audit lines.
pub fn describe_project_object(code: &str) -> String {
    format!("rnd_project {code}")
}

fn date_or_dash(date: Option<NaiveDate>) -> String {
    date.map_or_else(|| "-".to_owned(), |d| d.to_string())
}

/// A project in one line, for the audit log's old and new value.
pub fn describe_project(p: &Project) -> String {
    let gates: Vec<String> = Stage::ALL
        .iter()
        .map(|s| {
            let g = p.gate(*s);
            format!(
                "{}={}/{}",
                s.as_str(),
                date_or_dash(g.planned),
                date_or_dash(g.actual)
            )
        })
        .collect();
    let r = &p.results;
    format!(
        "entity={}; name={}; field={} ({}); gates {}; leader={}; members={}; patents={}/{}; \
         standards={}; software={}; awards={}; revenue={}",
        p.entity,
        p.name.trim(),
        p.field.trim(),
        p.field_kind.as_str(),
        gates.join(" "),
        p.leader.trim(),
        p.members.join("、"),
        r.patents_filed,
        r.patents_granted,
        r.standards,
        r.software_copyrights,
        r.awards,
        r.application_revenue.normalize()
    )
}

/// The register.
#[async_trait]
pub trait RndStore: Send + Sync {
    /// Every project, by code.
    async fn rnd_projects(&self) -> StoreResult<Vec<StoredProject>>;
    /// One project by code.
    async fn rnd_project(&self, code: &str) -> StoreResult<Option<StoredProject>>;
    /// Every budget, by project code then year.
    async fn rnd_budgets(&self) -> StoreResult<Vec<BudgetRow>>;
    /// The current spend of every project, by project code then month.
    async fn rnd_spend(&self) -> StoreResult<Vec<StoredSpend>>;
    /// Every spend revision of one project (corrections included), by month then revision.
    async fn rnd_spend_history(&self, code: &str) -> StoreResult<Vec<StoredSpend>>;
    /// Every partner, by project code then name.
    async fn rnd_partners(&self) -> StoreResult<Vec<PartnerRow>>;
    /// Saves projects, budgets, spend and partners in one transaction, all or nothing. A
    /// project is matched on its code: new (`rnd_project.create`), changed (`rnd_project.revise`,
    /// old and new value, revision bumped) or unchanged; its entity cannot change. A budget
    /// (`rnd_budget.set`), a partner's kind (`rnd_partner.set`) likewise; a month's spend that
    /// differs from the current one is a new revision (`rnd_spend.record`, old and new amount),
    /// the old revision kept. `Invalid` naming the row for an unknown entity or project, a
    /// project [`Project::check`] refuses, a key twice in one save, a negative spend or budget.
    async fn save_rnd(
        &self,
        changes: RndChanges,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<RndOutcome>;
}
