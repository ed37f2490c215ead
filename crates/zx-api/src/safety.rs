//! Safety shapes: safety.md §7's check document, printed by `zx safety check` (files) and
//! `zx safety status` (the database), built from the one pure `zx_domain::safety::check::check`.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;
use zx_domain::format;
use zx_domain::safety::{EntityDrills, SafetyCheck};

/// safety.md §7's document. Fields are declared in key order and maps are `BTreeMap`s, so every
/// object's keys are sorted whatever serde_json's features; decimals are strings, periods
/// `2026` and `2026-H1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SafetyCheckJson {
    /// Special operators without a certificate in force, sorted by person.
    pub auto_hazards: Vec<AutoHazardJson>,
    /// Certificate number → `valid`, `review_due`, `renewal_due` or `expired`.
    pub certificates: BTreeMap<String, String>,
    /// Entity → its drill obligations.
    pub drills: BTreeMap<String, DrillObligationsJson>,
    /// Hazard id → its D, colour and whether it is overdue.
    pub hazards: BTreeMap<String, HazardCheckJson>,
    /// Person → hours required, done and short in the date's year.
    pub training: BTreeMap<String, TrainingJson>,
}

/// A major hazard raised by the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AutoHazardJson {
    pub person: String,
    /// `no_valid_certificate`.
    pub reason: String,
}

/// An entity's drill obligations: each status `done`, `due`, `overdue` or `not_required`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DrillObligationsJson {
    /// On-site plan → its half before and this half (`2026-H1`).
    pub onsite: BTreeMap<String, BTreeMap<String, String>>,
    /// The year before and this year (`2026`).
    pub yearly: BTreeMap<String, String>,
}

/// A hazard's LEC danger D and colour (`null` without scores), and whether it is overdue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HazardCheckJson {
    pub d: Option<String>,
    /// `red`, `orange`, `yellow` or `blue`.
    pub level: Option<String>,
    pub overdue: bool,
}

/// A person's training hours in the year of the date, up to the date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TrainingJson {
    pub done: String,
    pub required: String,
    pub short: String,
}

impl From<&EntityDrills> for DrillObligationsJson {
    fn from(drills: &EntityDrills) -> Self {
        let periods = |pair: &[(
            zx_domain::safety::DrillPeriod,
            zx_domain::safety::ObligationStatus,
        ); 2]| {
            pair.iter()
                .map(|(period, status)| (period.key(), status.code().to_owned()))
                .collect()
        };
        DrillObligationsJson {
            onsite: drills
                .onsite
                .iter()
                .map(|(plan, pair)| (plan.clone(), periods(pair)))
                .collect(),
            yearly: periods(&drills.yearly),
        }
    }
}

impl From<&SafetyCheck> for SafetyCheckJson {
    fn from(check: &SafetyCheck) -> Self {
        SafetyCheckJson {
            auto_hazards: check
                .auto_hazards
                .iter()
                .map(|h| AutoHazardJson {
                    person: h.person.clone(),
                    reason: h.reason.code().to_owned(),
                })
                .collect(),
            certificates: check
                .certificates
                .iter()
                .map(|(number, state)| (number.clone(), state.code().to_owned()))
                .collect(),
            drills: check
                .drills
                .iter()
                .map(|(entity, drills)| (entity.as_str().to_owned(), drills.into()))
                .collect(),
            hazards: check
                .hazards
                .iter()
                .map(|(id, h)| {
                    let json = HazardCheckJson {
                        d: h.danger.map(format::exact),
                        level: h.level.map(|level| level.code().to_owned()),
                        overdue: h.overdue,
                    };
                    (id.clone(), json)
                })
                .collect(),
            training: check
                .training
                .iter()
                .map(|(person, t)| {
                    let json = TrainingJson {
                        done: format::exact(t.done),
                        required: format::exact(t.required),
                        short: format::exact(t.short),
                    };
                    (person.clone(), json)
                })
                .collect(),
        }
    }
}

/// A safety import that was written (`POST /api/v1/safety/records/import`): each file read
/// and what the one transaction did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SafetyImportedJson {
    /// Always `true` (a refused import answers `ImportRejectedJson`, 422).
    pub ok: bool,
    pub files: Vec<SafetyImportedFileJson>,
    /// Plans, drills, people, training records and certificates.
    pub created: usize,
    pub revised: usize,
    pub unchanged: usize,
    pub hazards_created: usize,
    pub hazards_revised: usize,
    pub hazards_unchanged: usize,
}

/// One file of a safety import: its name, kind (`plans`, `drills`, `people`, `training`,
/// `certificates`, `hazards`) and rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct SafetyImportedFileJson {
    pub file: String,
    pub kind: &'static str,
    pub rows: usize,
}
