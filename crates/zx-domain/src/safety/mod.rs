//! Production safety (`shared/reference/safety.md`): risk grading, hidden hazards and their closed
//! loop. Pure rules; "today" is an `as_of` date in China passed in.

pub mod grading;
pub mod hazards;
pub mod natural;
pub mod risks;

pub use grading::{GradingBands, LecGrade, LecScore, MatrixScore, RiskLevel, Score, ScoreError};
pub use hazards::{HazardGrade, HazardStatus, is_overdue};
