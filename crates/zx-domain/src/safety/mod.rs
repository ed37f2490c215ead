//! Production safety (`shared/reference/safety.md`): risk grading, hidden hazards and their closed
//! loop, emergency plans and drills, training hours, certificates, and the check contract (§7).
//! Pure rules; "today" is an `as_of` date in China passed in.

pub mod certificates;
pub mod check;
pub mod drill_plan;
pub mod drills;
pub mod grading;
pub mod hazards;
pub mod natural;
pub mod risks;
pub mod training;

pub use certificates::{AutoHazard, AutoHazardReason, Certificate, CertificateState};
pub use check::{HazardRow, SafetyCheck, SafetyRecords};
pub use drills::{Drill, DrillPeriod, EntityDrills, ObligationStatus, Plan, PlanKind};
pub use grading::{GradingBands, LecGrade, LecScore, MatrixScore, RiskLevel, Score, ScoreError};
pub use hazards::{HazardGrade, HazardStatus, is_overdue};
pub use training::{Person, PersonRole, TrainingRecord, TrainingStatus};
