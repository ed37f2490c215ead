//! The manager term register (任期制和契约化管理): what the pages, the API and `zx managers` do.
//!
//! - Reading: the terms of the entities an account may read, ratings and pay removed unless it
//!   sees personnel-confidential data (admin, HQ HR: [`zx_domain::Access`]).
//! - Writing: a workbook in the export's layout, or one term from a form, saved in one
//!   transaction; only the register's keepers (admin, HQ HR) write.
//! - The month's data: the register's counts proposed for `managers_end`, `managers_adjusted`
//!   and `managers_contracted_end` of each entity that keeps it, a named flag where the reported
//!   value differs, and taking the proposal in as a normal submission (checked, audited,
//!   revisions kept) through [`crate::collect::upload`].
//!
//! Not here: the rules (`zx_domain::managers`), reminders (`zx_notify::managers`), rendering.

use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Format, Workbook};
use zx_domain::managers::{
    ManagerTerm, RegisterCheck, RegisterCounts, register_checks, register_counts,
};
use zx_domain::{Access, Catalogue, Decimal, EntityCode, EntityTree, Month};
use zx_ingest::Input;
use zx_ingest::managers::{MANAGER_HEADINGS, ManagerFileTerm, read_managers};
use zx_ingest::safety_risks::RowFileRejected;
use zx_store::{ManagerTermRow, NewManagerTerm, Store, TermSaved};

use crate::AppError;
use crate::collect::{Action, Actor, Refusal, Upload, upload};
use crate::import::SourceFile;

/// The terms `access` may read, by entity, start and id; ratings and pay removed unless it may
/// see them.
pub async fn visible_terms(
    store: &dyn Store,
    tree: &EntityTree,
    access: &Access,
) -> Result<Vec<ManagerTerm>, AppError> {
    let confidential = access.sees_personnel_confidential();
    Ok(store
        .manager_terms()
        .await?
        .into_iter()
        .filter(|t| {
            tree.id(&t.entity)
                .is_some_and(|id| access.can_read(tree, id))
        })
        .map(|t| {
            if confidential {
                t
            } else {
                t.without_confidential()
            }
        })
        .collect())
}

/// Refused unless `access` keeps the register.
pub fn check_keeper(access: &Access) -> Result<(), AppError> {
    if access.keeps_manager_register() {
        Ok(())
    } else {
        Err(AppError::Refused(Refusal::RegisterIsHr))
    }
}

fn row(t: ManagerFileTerm) -> ManagerTermRow {
    ManagerTermRow {
        id: t.id,
        term: NewManagerTerm {
            person_id: t.person_id,
            person_name: t.person_name,
            entity: t.entity,
            position: t.position,
            start: t.start,
            end: t.end,
            contract_signed: t.contract_signed,
            term_target: t.term_target,
            term_result: t.term_result,
            outcome: t.outcome,
            years: t.years,
        },
    }
}

/// Reads a register workbook or CSV and saves it (one transaction): the file's problems, or
/// what became of each term. `access: None` is the command line (the database's operator).
#[allow(clippy::too_many_arguments)]
pub async fn import_managers(
    store: &dyn Store,
    tree: &EntityTree,
    access: Option<&Access>,
    file_name: &str,
    bytes: &[u8],
    user: &str,
    now: DateTime<Utc>,
) -> Result<Result<Vec<(i64, TermSaved)>, RowFileRejected>, AppError> {
    if let Some(access) = access {
        check_keeper(access)?;
    }
    let terms = match read_managers(Input { file_name, bytes }, tree.entities()) {
        Ok(terms) => terms,
        Err(rejected) => return Ok(Err(rejected)),
    };
    let rows = terms.into_iter().map(row).collect();
    Ok(Ok(store
        .save_manager_terms(rows, file_name, user, now)
        .await?))
}

/// One term from a form (new, or a correction of `row.id`), saved by a keeper.
pub async fn save_term(
    store: &dyn Store,
    access: &Access,
    row: ManagerTermRow,
    user: &str,
    now: DateTime<Utc>,
) -> Result<(i64, TermSaved), AppError> {
    check_keeper(access)?;
    let saved = store
        .save_manager_terms(vec![row], "web", user, now)
        .await?;
    saved
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Store(zx_store::StoreError::Database("nothing saved".into())))
}

/// The register as a workbook in the import's layout: one row per term and year (a term without
/// years: one row). Rating and pay cells are left blank when `confidential` is false (a blank
/// imported back changes nothing).
pub fn export_workbook(
    terms: &[ManagerTerm],
    tree: &EntityTree,
    confidential: bool,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name("任期制和契约化管理")?;
    for (c, (_, zh)) in MANAGER_HEADINGS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *zh, &bold)?;
    }
    let mut r = 1u32;
    for t in terms {
        let name = tree
            .id(&t.entity)
            .map(|id| tree.entity(id).name.clone())
            .unwrap_or_default();
        let years: Vec<Option<&zx_domain::managers::TermYear>> = if t.years.is_empty() {
            vec![None]
        } else {
            t.years.iter().map(Some).collect()
        };
        for y in years {
            let day = |d: Option<chrono::NaiveDate>| {
                d.map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default()
            };
            let o = t.outcome.as_ref();
            let cells: [String; 20] = [
                t.id.to_string(),
                t.entity.to_string(),
                name.clone(),
                t.person_id.clone(),
                t.person_name.clone(),
                t.position.clone(),
                day(Some(t.start)),
                day(Some(t.end)),
                day(t.contract_signed),
                t.term_target.clone(),
                t.term_result.clone(),
                y.map(|y| y.year.to_string()).unwrap_or_default(),
                y.map(|y| y.target.clone()).unwrap_or_default(),
                y.map(|y| y.result.clone()).unwrap_or_default(),
                y.filter(|_| confidential)
                    .and_then(|y| y.rating)
                    .map(|r| r.name_zh().to_owned())
                    .unwrap_or_default(),
                y.filter(|_| confidential)
                    .and_then(|y| y.pay)
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                o.map(|o| o.kind.name_zh().to_owned()).unwrap_or_default(),
                day(o.map(|o| o.date)),
                o.map(|o| o.reason.clone()).unwrap_or_default(),
                o.map(|o| if o.for_performance { "是" } else { "否" })
                    .unwrap_or_default()
                    .to_owned(),
            ];
            for (c, text) in cells.iter().enumerate() {
                // Pay as text: exact to the fen, as the import reads it back.
                sheet.write_string(r, c as u16, text)?;
            }
            r += 1;
        }
    }
    workbook.save_to_buffer()
}

/// The register's counts for `entity` and `month` beside what the month's data says
/// (`reported(item)`), or `None` when the entity keeps no register.
pub fn month_checks(
    terms: &[ManagerTerm],
    entity: &EntityCode,
    month: Month,
    reported: impl FnMut(&str) -> Option<Decimal>,
) -> Option<(RegisterCounts, Vec<RegisterCheck>)> {
    if !terms.iter().any(|t| &t.entity == entity) {
        return None;
    }
    let counts = register_counts(terms, entity, month);
    Some((counts, register_checks(counts, reported)))
}

/// The proposal as a data file of the long form (`entity,period,item,value,basis`).
pub fn proposal_file(entity: &EntityCode, month: Month, counts: RegisterCounts) -> SourceFile {
    let mut text = String::from("entity,period,item,value,basis\n");
    for (item, value) in counts.items() {
        text.push_str(&format!("{entity},{month},{item},{value},month\n"));
    }
    SourceFile {
        name: format!("managers-register-{entity}-{month}.csv"),
        bytes: text.into_bytes(),
    }
}

/// Takes the register's counts into `entity`'s data for `month` as `actor` submitting them:
/// the checks, the scope, locked months and the audit of any upload. The counts are computed
/// from the whole register (not the caller's view: counting needs no confidential field).
pub async fn take_proposal(
    store: &dyn Store,
    catalogue: &Catalogue,
    tree: &EntityTree,
    actor: Actor<'_>,
    entity: &EntityCode,
    month: Month,
    now: DateTime<Utc>,
) -> Result<Upload, AppError> {
    let terms = store.manager_terms().await?;
    let counts = register_counts(&terms, entity, month);
    let file = proposal_file(entity, month, counts);
    upload(
        store,
        catalogue,
        tree,
        actor,
        std::slice::from_ref(&file),
        Action::Submit,
        now,
    )
    .await
}
