//! Safety risks and natural hazards: what the pages, the API and the CLI all do.
//!
//! - A warning, entered or imported, reaches the plants of its region
//!   (`zx_domain::safety::natural::affected_sites`: the entity tree's `region`, a plant whose
//!   exposure to the hazard is recorded as `none` left out); each gets an alert to acknowledge
//!   within the checklists' hours for the level, counted from the moment it was recorded.
//! - The risk register is saved from a form or a workbook in the export's layout (one
//!   transaction; a row with a number revises that risk).
//!
//! Not here: escalation (`zx_notify::run_warning_escalations`, beside the measures' reminders),
//! rendering, the clock ("now" is passed in).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use zx_domain::safety::natural::{Checklists, affected_sites, is_in_force};
use zx_domain::{EntityCode, EntityTree};
use zx_ingest::Input;
use zx_ingest::safety_risks::{RowFileRejected, read_risks, read_warnings};
use zx_store::{NewAlert, NewWarning, RiskOutcome, RiskRow, Store, StoredWarning, WarningAlert};

use crate::AppError;

/// The alerts a batch of warnings raises: per warning, one per affected plant.
pub fn plan_alerts(
    tree: &EntityTree,
    exposures: &[zx_store::SiteExposure],
    checklists: &Checklists,
    warnings: Vec<NewWarning>,
    now: DateTime<Utc>,
) -> Vec<(NewWarning, Vec<NewAlert>)> {
    warnings
        .into_iter()
        .map(|w| {
            let alerts = affected_sites(tree, exposures, &w.region, w.hazard)
                .into_iter()
                .map(|entity| NewAlert {
                    entity,
                    acknowledge_by: checklists.acknowledge_by(w.level, now),
                })
                .collect();
            (w, alerts)
        })
        .collect()
}

/// Records warnings and their plants' alerts; returns the warnings' ids.
pub async fn add_warnings(
    store: &dyn Store,
    tree: &EntityTree,
    checklists: &Checklists,
    warnings: Vec<NewWarning>,
    source: &str,
    user: &str,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, AppError> {
    let exposures = store.site_exposures().await?;
    let planned = plan_alerts(tree, &exposures, checklists, warnings, now);
    Ok(store.add_warnings(planned, source, user, now).await?)
}

/// Reads a warnings file and records it (all or nothing): the file's problems, or the ids.
#[allow(clippy::too_many_arguments)]
pub async fn import_warnings(
    store: &dyn Store,
    tree: &EntityTree,
    checklists: &Checklists,
    file_name: &str,
    bytes: &[u8],
    user: &str,
    now: DateTime<Utc>,
) -> Result<Result<Vec<i64>, RowFileRejected>, AppError> {
    let warnings = match read_warnings(Input { file_name, bytes }) {
        Ok(warnings) => warnings,
        Err(rejected) => return Ok(Err(rejected)),
    };
    add_warnings(store, tree, checklists, warnings, file_name, user, now)
        .await
        .map(Ok)
}

/// Reads a risk register and saves it (one transaction). `writable` says which entities the
/// importer may write (its subtree); rows of others are refused on their cell.
pub async fn import_risks(
    store: &dyn Store,
    tree: &EntityTree,
    writable: &(dyn Fn(&EntityCode) -> bool + Sync),
    file_name: &str,
    bytes: &[u8],
    user: &str,
    now: DateTime<Utc>,
) -> Result<Result<Vec<(i64, RiskOutcome)>, RowFileRejected>, AppError> {
    let retired: HashSet<i64> = store
        .risks()
        .await?
        .into_iter()
        .filter(|r| !r.active)
        .map(|r| r.id)
        .collect();
    let input = Input { file_name, bytes };
    let rows = match read_risks(input, tree.entities(), writable, &retired) {
        Ok(rows) => rows,
        Err(rejected) => return Ok(Err(rejected)),
    };
    // A row marked retired is a retired risk read back as it is: left alone, not saved (saving
    // would bring it back into use).
    let (kept, live): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.retired);
    let live = live
        .into_iter()
        .map(|r| RiskRow {
            id: r.id,
            risk: r.risk,
        })
        .collect();
    let mut outcomes = store.save_risks(live, user, now).await?;
    outcomes.extend(
        kept.into_iter()
            .filter_map(|r| Some((r.id?, RiskOutcome::Unchanged))),
    );
    Ok(Ok(outcomes))
}

/// An alert with its warning and whom it was escalated to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertView {
    pub warning: StoredWarning,
    pub alert: WarningAlert,
    pub escalated_to: Vec<String>,
}

impl AlertView {
    /// Whether it still asks for attention at `now`: its warning is in force, or the plant has
    /// not acknowledged it yet.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.alert.acknowledged_by.is_none()
            || is_in_force(self.warning.warning.from, self.warning.warning.to, now)
    }

    /// Late: not acknowledged and past its time.
    pub fn is_late(&self, now: DateTime<Utc>) -> bool {
        self.alert.acknowledged_by.is_none() && now >= self.alert.acknowledge_by
    }
}

/// Every alert with its warning and escalations, newest warning first; `keep` chooses the
/// entities (the caller's scope).
pub async fn alerts(
    store: &dyn Store,
    keep: &(dyn Fn(&EntityCode) -> bool + Sync),
) -> Result<Vec<AlertView>, AppError> {
    let warnings: HashMap<i64, StoredWarning> = store
        .warnings()
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    let mut escalated: HashMap<i64, Vec<String>> = HashMap::new();
    for e in store.escalations().await? {
        escalated.entry(e.alert).or_default().push(e.user);
    }
    let mut out: Vec<AlertView> = store
        .warning_alerts()
        .await?
        .into_iter()
        .filter(|a| keep(&a.entity))
        .filter_map(|alert| {
            Some(AlertView {
                warning: warnings.get(&alert.warning)?.clone(),
                escalated_to: escalated.remove(&alert.id).unwrap_or_default(),
                alert,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.warning
            .warning
            .from
            .cmp(&a.warning.warning.from)
            .then(b.warning.id.cmp(&a.warning.id))
            .then(a.alert.entity.cmp(&b.alert.entity))
    });
    Ok(out)
}

/// Reads a sites' exposures file (`zx_ingest::safety::exposure_file`, the export's layout) and
/// records it in one transaction (each row replaces that site's exposure to that hazard).
/// `writable`: the entities the importer may write (`None`: any). The file's problems, or how
/// many exposures changed.
pub async fn import_exposures(
    store: &dyn Store,
    file_name: &str,
    bytes: &[u8],
    writable: Option<&std::collections::BTreeSet<EntityCode>>,
    user: &str,
    now: DateTime<Utc>,
) -> Result<Result<usize, zx_ingest::safety::SafetyRejected>, AppError> {
    let entities = store.entities().await?;
    let known = zx_ingest::safety::KnownSafety {
        entities: Some(&entities),
        writable,
        ..Default::default()
    };
    let rows = match zx_ingest::safety::exposure_file::read_exposures(
        Input { file_name, bytes },
        &known,
    ) {
        Ok(rows) => rows,
        Err(rejected) => return Ok(Err(rejected)),
    };
    Ok(Ok(store.set_site_exposures(rows, user, now).await?))
}
