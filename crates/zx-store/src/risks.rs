//! Production safety, risks: the risk register (standing risks per site and job), the sites'
//! exposure to natural hazards, official warnings, each affected plant's copy of a warning (its
//! alert, acknowledged by the plant) and the escalations of alerts not acknowledged in time.

use crate::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
pub use zx_domain::safety::natural::{
    Exposure, NaturalHazard, NewWarning, Season, SiteExposure, WarningLevel,
};
pub use zx_domain::safety::risks::{ControlLevel, Risk, RiskCategory};
use zx_domain::safety::{LecScore, MatrixScore, Score};

/// A registered risk as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRisk {
    pub id: i64,
    pub risk: Risk,
    /// `false` once retired (the work or the place is gone); it stays as history.
    pub active: bool,
    /// 1 when registered, bumped by every change.
    pub revision: i64,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// One risk to save: a new one (`id` `None`) or a change of a registered one (the register's
/// `风险编号`, as the export writes it, so a circulated sheet reads back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskRow {
    pub id: Option<i64>,
    pub risk: Risk,
}

/// What saving did to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskOutcome {
    Created,
    Revised,
    Unchanged,
}

/// A stored official warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredWarning {
    pub id: i64,
    pub warning: NewWarning,
    /// `form`, or the name of the imported file.
    pub source: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A warning's copy for one affected plant, to be acknowledged by `acknowledge_by`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub entity: EntityCode,
    pub acknowledge_by: DateTime<Utc>,
}

/// A stored alert: a warning as one plant received it, and its acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningAlert {
    pub id: i64,
    pub warning: i64,
    pub entity: EntityCode,
    pub triggered_at: DateTime<Utc>,
    pub acknowledge_by: DateTime<Utc>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

/// An alert escalated to a user because its plant did not acknowledge it in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub alert: i64,
    pub user: String,
    pub at: DateTime<Utc>,
}

/// The `object` of a risk's audit lines.
pub fn describe_risk_object(id: i64) -> String {
    format!("risk {id}")
}

/// A risk in one line, for the audit log's old and new value.
pub fn describe_risk(risk: &Risk) -> String {
    format!(
        "entity={}; area={}; activity={}; category={}; hazard={}; score={}; controls={}; \
         control_level={}; owner={}",
        risk.entity,
        risk.area.trim(),
        risk.activity.trim(),
        risk.category.as_str(),
        risk.hazard.trim(),
        score_code(&risk.score),
        risk.controls.trim(),
        risk.control_level.as_str(),
        risk.owner.trim()
    )
}

/// `LEC 3×6×15` or `LS 4×5`: how a score is written in the audit log and the workbook.
pub fn score_code(score: &Score) -> String {
    match score {
        Score::Lec(s) => format!(
            "LEC {}×{}×{}",
            s.likelihood(),
            s.exposure(),
            s.consequence()
        ),
        Score::Matrix(s) => format!("LS {}×{}", s.likelihood(), s.severity()),
    }
}

/// The score of stored columns: LEC when `l`, `e` and `c` are set, else the matrix's `ls_l` and
/// `ls_s`.
pub fn score_of(
    lec: (Option<Decimal>, Option<Decimal>, Option<Decimal>),
    ls: (Option<i64>, Option<i64>),
) -> StoreResult<Score> {
    let corrupt =
        |e: zx_domain::safety::ScoreError| StoreError::Corrupt(format!("risk score: {e}"));
    match (lec, ls) {
        ((Some(l), Some(e), Some(c)), _) => {
            Ok(Score::Lec(LecScore::new(l, e, c).map_err(corrupt)?))
        }
        (_, (Some(l), Some(s))) => {
            let small = |v: i64| u8::try_from(v).unwrap_or(0);
            Ok(Score::Matrix(
                MatrixScore::new(small(l), small(s)).map_err(corrupt)?,
            ))
        }
        _ => Err(StoreError::Corrupt("a risk without a score".into())),
    }
}

/// The `object` of a site's exposure.
pub fn describe_exposure_object(entity: &EntityCode, hazard: NaturalHazard) -> String {
    format!("exposure {entity} {hazard}")
}

/// An exposure as the audit log writes it: `high, 5-9` or `none, all year`.
pub fn describe_exposure(exposure: Exposure, season: Option<Season>) -> String {
    format!(
        "{}, {}",
        exposure.as_str(),
        season.map_or_else(|| "all year".to_owned(), Season::code)
    )
}

/// A warning in one line, for the audit log.
pub fn describe_warning(w: &NewWarning) -> String {
    format!(
        "region={}; hazard={}; level={}; from={}; to={}",
        w.region.trim(),
        w.hazard.as_str(),
        w.level.as_str(),
        crate::sql::timestamp_text(w.from),
        crate::sql::timestamp_text(w.to)
    )
}

/// Risks, exposures, warnings and their alerts.
#[async_trait]
pub trait RiskStore: Send + Sync {
    /// Every registered risk, retired ones included, by id.
    async fn risks(&self) -> StoreResult<Vec<StoredRisk>>;
    /// One risk.
    async fn risk(&self, id: i64) -> StoreResult<Option<StoredRisk>>;
    /// Saves risks in one transaction, all or nothing: a row without id registers a risk
    /// (`risk.create`), a row with the id of a registered risk of the same entity changes it if
    /// anything differs (`risk.revise`, old and new value, revision bumped; a retired risk comes
    /// back) and is otherwise unchanged. `Invalid` naming the row (from 1) for an unknown id,
    /// an id of another entity's risk, an id twice, an unknown entity or a risk
    /// [`Risk::check`] refuses.
    async fn save_risks(
        &self,
        rows: Vec<RiskRow>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, RiskOutcome)>>;
    /// Retires a risk (`risk.retire`, old value the risk, new value `retired; reason=…`): it
    /// leaves the maps and the open list and stays in the register as retired. `Invalid` for
    /// an unknown or already retired one, or a blank reason.
    async fn retire_risk(
        &self,
        id: i64,
        reason: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Every recorded exposure, by entity and hazard.
    async fn site_exposures(&self) -> StoreResult<Vec<SiteExposure>>;
    /// Records exposures (each replaces the entity's exposure to that hazard), one transaction,
    /// `exposure.set` per change; returns how many changed. `Invalid` for an unknown entity.
    async fn set_site_exposures(
        &self,
        exposures: Vec<SiteExposure>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<usize>;

    /// Records warnings with the alerts of the plants each reaches, one transaction
    /// (`warning.add` per warning, `warning_alert.trigger` per alert); returns the warnings' ids.
    /// `Invalid` for a warning [`NewWarning::check`] refuses or an alert of an unknown entity.
    async fn add_warnings(
        &self,
        warnings: Vec<(NewWarning, Vec<NewAlert>)>,
        source: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>>;
    /// Every warning, newest first.
    async fn warnings(&self) -> StoreResult<Vec<StoredWarning>>;
    /// Every alert, by id.
    async fn warning_alerts(&self) -> StoreResult<Vec<WarningAlert>>;
    /// The plant acknowledges its alert (`warning_alert.acknowledge`). `Invalid` for an unknown
    /// alert, `Conflict` when it was acknowledged already.
    async fn acknowledge_warning_alert(
        &self,
        id: i64,
        note: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<WarningAlert>;
    /// Records escalations (alert, user), each once (`warning_alert.escalate`); returns those
    /// not recorded before, so re-runs send nothing twice.
    async fn record_escalations(
        &self,
        escalations: Vec<(i64, String)>,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<Escalation>>;
    /// Every escalation recorded.
    async fn escalations(&self) -> StoreResult<Vec<Escalation>>;
}
