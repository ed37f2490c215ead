//! Safety risks and natural hazards on the wire: the risk register, the four-colour map, site
//! exposures, warnings and the plants' alerts. Codes (not labels) for machines; decimals as
//! strings.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zx_domain::safety::risks::LevelCounts;
use zx_domain::safety::{GradingBands, RiskLevel, Score};
use zx_store::{SiteExposure, StoredRisk, StoredWarning, WarningAlert};

fn seconds(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A risk's score: `method` `lec` (l, e, c and d = L × E × C) or `matrix` (l, s and r = L × S).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ScoreJson {
    /// `lec` or `matrix`.
    pub method: String,
    /// L as a decimal string (LEC: 10, 6, 3, 1, 0.5, 0.2, 0.1; matrix: 1–5).
    pub l: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s: Option<String>,
    /// D (LEC) or R (matrix); ignored on input.
    #[serde(default, skip_deserializing)]
    pub value: String,
}

impl From<&Score> for ScoreJson {
    fn from(score: &Score) -> Self {
        match score {
            Score::Lec(s) => ScoreJson {
                method: "lec".into(),
                l: s.likelihood().to_string(),
                e: Some(s.exposure().to_string()),
                c: Some(s.consequence().to_string()),
                s: None,
                value: s.danger().to_string(),
            },
            Score::Matrix(s) => ScoreJson {
                method: "matrix".into(),
                l: s.likelihood().to_string(),
                e: None,
                c: None,
                s: Some(s.severity().to_string()),
                value: s.risk().to_string(),
            },
        }
    }
}

/// A registered risk.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskJson {
    pub id: i64,
    pub entity: String,
    pub area: String,
    pub activity: String,
    /// `confined_space`, `hot_work`, `work_at_height`, `lifting`, `chemical_storage`,
    /// `electrical`, `machinery`, `fire`, `other`.
    pub category: String,
    pub hazard: String,
    pub score: ScoreJson,
    /// `red`, `orange`, `yellow` or `blue`, by the group's grading bands.
    pub level: String,
    pub controls: String,
    /// `company`, `plant` or `team`.
    pub control_level: String,
    pub owner: String,
    pub active: bool,
    pub revision: i64,
    pub updated_by: String,
    pub updated_at: String,
}

impl RiskJson {
    pub fn of(r: &StoredRisk, bands: &GradingBands) -> Self {
        RiskJson {
            id: r.id,
            entity: r.risk.entity.to_string(),
            area: r.risk.area.clone(),
            activity: r.risk.activity.clone(),
            category: r.risk.category.as_str().into(),
            hazard: r.risk.hazard.clone(),
            score: ScoreJson::from(&r.risk.score),
            level: r.risk.level(bands).code().into(),
            controls: r.risk.controls.clone(),
            control_level: r.risk.control_level.as_str().into(),
            owner: r.risk.owner.clone(),
            active: r.active,
            revision: r.revision,
            updated_by: r.updated_by.clone(),
            updated_at: seconds(r.updated_at),
        }
    }
}

/// A risk to register (no `id`) or to change (`id` of a registered risk of the same entity).
#[derive(Debug, Deserialize, ToSchema)]
pub struct RiskInput {
    #[serde(default)]
    pub id: Option<i64>,
    pub entity: String,
    pub area: String,
    pub activity: String,
    pub category: String,
    pub hazard: String,
    pub score: ScoreJson,
    pub controls: String,
    pub control_level: String,
    pub owner: String,
}

/// Counts by colour.
#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct LevelCountsJson {
    pub red: usize,
    pub orange: usize,
    pub yellow: usize,
    pub blue: usize,
}

impl From<&LevelCounts> for LevelCountsJson {
    fn from(c: &LevelCounts) -> Self {
        LevelCountsJson {
            red: c.get(RiskLevel::Red),
            orange: c.get(RiskLevel::Orange),
            yellow: c.get(RiskLevel::Yellow),
            blue: c.get(RiskLevel::Blue),
        }
    }
}

/// One row of a four-colour map: an area of a plant, or an entity of a group.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskMapRowJson {
    /// The area (a plant's map) or the entity code (a group's map).
    pub key: String,
    pub counts: LevelCountsJson,
    /// The highest colour of the row, `null` when it holds no risk.
    pub highest: Option<String>,
}

/// The four-colour map of an entity's active risks: by area for a plant, by entity above it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskMapJson {
    pub entity: String,
    /// `area` (a plant) or `entity` (a company, subsidiary or the group).
    pub by: String,
    pub rows: Vec<RiskMapRowJson>,
    pub total: LevelCountsJson,
}

/// A site's exposure to a natural hazard.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExposureJson {
    pub entity: String,
    /// `flood`, `typhoon`, `landslide`, `heat`, `lightning`, `snow_ice`, `earthquake`.
    pub hazard: String,
    /// `none`, `low`, `medium`, `high`.
    pub exposure: String,
    /// Months `5-9` (inclusive, may wrap: `11-2`); absent: all year.
    #[serde(default)]
    pub season: Option<String>,
}

impl From<&SiteExposure> for ExposureJson {
    fn from(x: &SiteExposure) -> Self {
        ExposureJson {
            entity: x.entity.to_string(),
            hazard: x.hazard.as_str().into(),
            exposure: x.exposure.as_str().into(),
            season: x.season.map(|s| s.code()),
        }
    }
}

/// An official warning as entered: China times `YYYY-MM-DD HH:MM` or dates.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WarningInput {
    pub region: String,
    pub hazard: String,
    /// `blue`, `yellow`, `orange` or `red`.
    pub level: String,
    pub from: String,
    pub to: String,
}

/// A plant's alert: the warning, its checklist, the acknowledgement and escalations.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningAlertJson {
    pub id: i64,
    pub warning: i64,
    pub entity: String,
    pub region: String,
    pub hazard: String,
    pub level: String,
    pub from: String,
    pub to: String,
    pub triggered_at: String,
    pub acknowledge_by: String,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<String>,
    pub note: Option<String>,
    /// Users it was escalated to, because it was not acknowledged in time.
    pub escalated_to: Vec<String>,
    /// The checklist (Chinese, then English) the warning asks of the plant.
    pub checklist: Vec<ChecklistItemJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistItemJson {
    pub zh: String,
    pub en: String,
}

impl WarningAlertJson {
    pub fn of(
        alert: &WarningAlert,
        warning: &StoredWarning,
        escalated_to: &[String],
        checklist: Vec<ChecklistItemJson>,
    ) -> Self {
        let w = &warning.warning;
        WarningAlertJson {
            id: alert.id,
            warning: warning.id,
            entity: alert.entity.to_string(),
            region: w.region.clone(),
            hazard: w.hazard.as_str().into(),
            level: w.level.as_str().into(),
            from: seconds(w.from),
            to: seconds(w.to),
            triggered_at: seconds(alert.triggered_at),
            acknowledge_by: seconds(alert.acknowledge_by),
            acknowledged_by: alert.acknowledged_by.clone(),
            acknowledged_at: alert.acknowledged_at.map(seconds),
            note: alert.note.clone(),
            escalated_to: escalated_to.to_vec(),
            checklist,
        }
    }
}

/// What recording warnings did.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningsAddedJson {
    pub warnings: Vec<i64>,
    /// Alerts raised, one per affected plant in the caller's scope.
    pub alerts: usize,
}
