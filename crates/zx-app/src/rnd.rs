//! The R&D project portfolio: what `zx rnd` and the `/rnd` pages and API all do.
//!
//! - [`load`]: the register as stored, limited to the projects a caller may see;
//! - [`reconcile`]: per entity and month, the projects' spend against the entity's own reported
//!   `rd_expenditure` from the loaded snapshot (the engine's ledger: YTD rows already
//!   de-cumulated by `zx_domain::facts::derive_monthly`), flagged over the tolerance;
//! - [`import_files`]: workbooks in the export's layout, checked cell by cell (scope included)
//!   and saved in one transaction; [`export`]: the register in that layout.
//!
//! Not here: rendering, the clock ("now" is passed in).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use zx_domain::rnd::{
    BudgetLine, LateGate, Reconciliation, Register, Spend, Tolerance, budget_lines, late_gate,
};
use zx_domain::{Decimal, EntityCode, Month};
use zx_ingest::Input;
use zx_ingest::rnd::{KnownRnd, RndFiles, RndRejected, read_register, write_register};
use zx_store::{BudgetRow, PartnerRow, RndOutcome, Store, StoredProject, StoredSpend};

use crate::import::SourceFile;
use crate::{AppError, Snapshot};

/// The catalogue item the projects' spend is reconciled with.
pub const RD_ITEM: &str = "rd_expenditure";

/// The register as one caller sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Portfolio {
    pub projects: Vec<StoredProject>,
    pub budgets: Vec<BudgetRow>,
    /// Current spend, by project then month.
    pub spend: Vec<StoredSpend>,
    pub partners: Vec<PartnerRow>,
}

impl Portfolio {
    pub fn project(&self, code: &str) -> Option<&StoredProject> {
        self.projects.iter().find(|p| p.project.code == code)
    }

    /// The current spend as the domain's rules take it.
    pub fn spend_lines(&self) -> Vec<Spend> {
        self.spend
            .iter()
            .map(|s| Spend {
                project: s.project.clone(),
                entity: s.entity.clone(),
                month: s.month,
                amount: s.amount,
            })
            .collect()
    }

    /// Budget against spend per project and year.
    pub fn budget_lines(&self) -> Vec<BudgetLine> {
        let budgets: Vec<(String, i32, Decimal)> = self
            .budgets
            .iter()
            .map(|b| (b.project.clone(), b.year, b.amount))
            .collect();
        budget_lines(&budgets, &self.spend_lines())
    }

    /// The projects whose next gate is late on `as_of` (China's date), the latest first.
    pub fn late_gates(&self, as_of: NaiveDate) -> Vec<(&StoredProject, LateGate)> {
        let mut late: Vec<_> = self
            .projects
            .iter()
            .filter_map(|p| late_gate(&p.project, as_of).map(|g| (p, g)))
            .collect();
        late.sort_by(|a, b| {
            b.1.days_late
                .cmp(&a.1.days_late)
                .then(a.0.project.code.cmp(&b.0.project.code))
        });
        late
    }

    /// The register's rows, for the workbook.
    pub fn register(&self) -> Register {
        Register {
            projects: self.projects.iter().map(|p| p.project.clone()).collect(),
            budgets: self.budgets.clone(),
            spend: self
                .spend
                .iter()
                .map(|s| zx_domain::rnd::MonthSpend {
                    project: s.project.clone(),
                    month: s.month,
                    amount: s.amount,
                })
                .collect(),
            partners: self.partners.clone(),
        }
    }
}

/// The stored register limited to the projects of entities `visible` admits.
pub async fn load(
    store: &dyn Store,
    visible: &(dyn Fn(&EntityCode) -> bool + Sync),
) -> Result<Portfolio, AppError> {
    let projects: Vec<StoredProject> = store
        .rnd_projects()
        .await?
        .into_iter()
        .filter(|p| visible(&p.project.entity))
        .collect();
    let codes: BTreeSet<&str> = projects.iter().map(|p| p.project.code.as_str()).collect();
    let budgets = store
        .rnd_budgets()
        .await?
        .into_iter()
        .filter(|b| codes.contains(b.project.as_str()))
        .collect();
    let spend = store
        .rnd_spend()
        .await?
        .into_iter()
        .filter(|s| codes.contains(s.project.as_str()))
        .collect();
    let partners = store
        .rnd_partners()
        .await?
        .into_iter()
        .filter(|p| codes.contains(p.project.as_str()))
        .collect();
    Ok(Portfolio {
        projects,
        budgets,
        spend,
        partners,
    })
}

/// The entity's own reported monthly `rd_expenditure` in the snapshot's ledger (a YTD filer's
/// rows de-cumulated when the ledger was built), `None` when it has none for the month.
pub fn reported_rd(snapshot: &Snapshot, entity: &EntityCode, month: Month) -> Option<Decimal> {
    let engine = &snapshot.engine;
    let id = engine.tree().id(entity)?;
    let item = engine.catalogue().item_index(RD_ITEM)?;
    engine.ledger().get(id, item, month)
}

/// Per entity and month, from the entity's first spend month through `through`: the projects'
/// spend against the reported R&D expenditure.
pub fn reconcile(
    snapshot: &Snapshot,
    spend: &[Spend],
    through: Month,
    tolerance: Tolerance,
) -> Vec<Reconciliation> {
    let reported = |entity: &EntityCode, month: Month| reported_rd(snapshot, entity, month);
    zx_domain::rnd::reconcile(spend, through, &reported, tolerance)
}

/// The month a reconciliation runs through: the snapshot's last month with data, else `fallback`.
pub fn through_month(snapshot: &Snapshot, fallback: Month) -> Month {
    snapshot.engine.last_month().unwrap_or(fallback)
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RndImported {
    pub files: RndFiles,
    pub outcome: RndOutcome,
}

/// Reads register workbooks (any of the four sheets, files together) and saves them in one
/// transaction, or returns every problem. `writable`: the entities the importer may write (a
/// manager's subtree), `None` for anyone (HQ, the CLI).
pub async fn import_files(
    store: &dyn Store,
    files: &[SourceFile],
    writable: Option<&BTreeSet<EntityCode>>,
    user: &str,
    now: DateTime<Utc>,
) -> Result<Result<RndImported, RndRejected>, AppError> {
    let entities = store.entities().await?;
    let projects: Vec<(String, EntityCode)> = store
        .rnd_projects()
        .await?
        .into_iter()
        .map(|p| (p.project.code, p.project.entity))
        .collect();
    let known = KnownRnd {
        entities: &entities,
        projects: &projects,
        writable,
        latest: crate::china_month(now),
    };
    let inputs: Vec<Input<'_>> = files
        .iter()
        .map(|f| Input {
            file_name: &f.name,
            bytes: &f.bytes,
        })
        .collect();
    let read = match read_register(&inputs, &known) {
        Ok(read) => read,
        Err(rejected) => return Ok(Err(rejected)),
    };
    let outcome = store.save_rnd(read.register.clone(), user, now).await?;
    Ok(Ok(RndImported {
        files: read,
        outcome,
    }))
}

/// The portfolio as a workbook in the import's layout; `entity_name` fills `单位名称`.
pub fn export(
    portfolio: &Portfolio,
    entity_name: &dyn Fn(&EntityCode) -> String,
) -> Result<Vec<u8>, AppError> {
    write_register(&portfolio.register(), entity_name)
        .map_err(|e| AppError::Workbook(e.to_string()))
}
