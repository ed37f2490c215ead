//! The R&D project portfolio on the wire: projects with gates, budgets, spend, partners and
//! results; budget against spend; late gates; the reconciliation with reported R&D expenditure.
//! Codes (not labels) for machines; decimals as strings (exact, 12 places at most); dates
//! `YYYY-MM-DD`, months `YYYY-MM`.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use zx_domain::format;
use zx_domain::rnd::{BudgetLine, LateGate, Reconciliation, Stage};
use zx_store::{PartnerRow, StoredProject, StoredSpend};

fn day(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// One stage gate.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RndGateJson {
    /// `initiation`, `research`, `pilot`, `demonstration` or `closed`.
    pub stage: String,
    pub planned: Option<String>,
    pub actual: Option<String>,
}

/// A project's results so far.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RndResultsJson {
    pub patents_filed: u32,
    pub patents_granted: u32,
    pub standards: u32,
    pub software_copyrights: u32,
    pub awards: u32,
    /// Yuan, a decimal string.
    pub application_revenue: String,
}

/// A year's budget against the spend recorded in it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RndBudgetJson {
    pub year: i32,
    /// Yuan; null when no budget was set for the year.
    pub budget: Option<String>,
    pub spent: String,
    /// spent / budget as a fraction; null without a positive budget.
    pub used: Option<String>,
    pub over_budget: bool,
}

impl From<&BudgetLine> for RndBudgetJson {
    fn from(l: &BudgetLine) -> Self {
        Self {
            year: l.year,
            budget: l.budget.map(format::exact),
            spent: format::exact(l.spent),
            used: l.used().map(format::exact),
            over_budget: l.over_budget(),
        }
    }
}

/// One month's current spend.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RndSpendJson {
    pub month: String,
    pub amount: String,
    /// 1 as first recorded, one more per correction.
    pub revision: i64,
}

impl From<&StoredSpend> for RndSpendJson {
    fn from(s: &StoredSpend) -> Self {
        Self {
            month: s.month.to_string(),
            amount: format::exact(s.amount),
            revision: s.revision,
        }
    }
}

/// A partner.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RndPartnerJson {
    pub name: String,
    /// `university`, `institute`, `company` or `other`.
    pub kind: String,
}

impl From<&PartnerRow> for RndPartnerJson {
    fn from(p: &PartnerRow) -> Self {
        Self {
            name: p.name.clone(),
            kind: p.kind.as_str().to_owned(),
        }
    }
}

/// The next gate, late: planned before today in China and not reached.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RndLateGateJson {
    pub stage: String,
    pub planned: String,
    pub days_late: i64,
}

impl From<&LateGate> for RndLateGateJson {
    fn from(g: &LateGate) -> Self {
        Self {
            stage: g.stage.as_str().to_owned(),
            planned: g.planned.to_string(),
            days_late: g.days_late,
        }
    }
}

/// A project of the register.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RndProjectJson {
    pub code: String,
    pub entity: String,
    pub name: String,
    pub field: String,
    /// `key_area` or `chain_link`.
    pub field_kind: String,
    /// The stage reached (the last gate with an actual date).
    pub stage: String,
    pub gates: Vec<RndGateJson>,
    pub leader: String,
    pub members: Vec<String>,
    pub results: RndResultsJson,
    pub budgets: Vec<RndBudgetJson>,
    pub spend: Vec<RndSpendJson>,
    pub partners: Vec<RndPartnerJson>,
    pub late_gate: Option<RndLateGateJson>,
    pub revision: i64,
}

impl RndProjectJson {
    /// The project with the rows of it among `budgets`, `spend` and `partners`.
    pub fn new(
        p: &StoredProject,
        budgets: &[BudgetLine],
        spend: &[StoredSpend],
        partners: &[PartnerRow],
        late: Option<&LateGate>,
    ) -> Self {
        let project = &p.project;
        let r = &project.results;
        Self {
            code: project.code.clone(),
            entity: project.entity.to_string(),
            name: project.name.clone(),
            field: project.field.clone(),
            field_kind: project.field_kind.as_str().to_owned(),
            stage: project.stage().as_str().to_owned(),
            gates: Stage::ALL
                .iter()
                .map(|s| {
                    let g = project.gate(*s);
                    RndGateJson {
                        stage: s.as_str().to_owned(),
                        planned: day(g.planned),
                        actual: day(g.actual),
                    }
                })
                .collect(),
            leader: project.leader.clone(),
            members: project.members.clone(),
            results: RndResultsJson {
                patents_filed: r.patents_filed,
                patents_granted: r.patents_granted,
                standards: r.standards,
                software_copyrights: r.software_copyrights,
                awards: r.awards,
                application_revenue: format::exact(r.application_revenue),
            },
            budgets: budgets
                .iter()
                .filter(|b| b.project == project.code)
                .map(RndBudgetJson::from)
                .collect(),
            spend: spend
                .iter()
                .filter(|s| s.project == project.code)
                .map(RndSpendJson::from)
                .collect(),
            partners: partners
                .iter()
                .filter(|x| x.project == project.code)
                .map(RndPartnerJson::from)
                .collect(),
            late_gate: late.map(RndLateGateJson::from),
            revision: p.revision,
        }
    }
}

/// One entity-month of the reconciliation.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RndReconciliationJson {
    pub entity: String,
    pub month: String,
    pub projects_spend: String,
    /// The entity's own monthly `rd_expenditure`; null when not reported.
    pub reported: Option<String>,
    /// projects_spend − reported.
    pub difference: Option<String>,
    /// The tolerance for the month: max(5 % of reported, 10,000 yuan) by default.
    pub allowed: Option<String>,
    /// `agrees`, `differs` (flagged) or `not_reported`.
    pub verdict: String,
    pub flagged: bool,
}

impl From<&Reconciliation> for RndReconciliationJson {
    fn from(r: &Reconciliation) -> Self {
        Self {
            entity: r.entity.to_string(),
            month: r.month.to_string(),
            projects_spend: format::exact(r.projects_spend),
            reported: r.reported.map(format::exact),
            difference: r.difference.map(format::exact),
            allowed: r.allowed.map(format::exact),
            verdict: r.verdict.as_str().to_owned(),
            flagged: r.flagged(),
        }
    }
}
