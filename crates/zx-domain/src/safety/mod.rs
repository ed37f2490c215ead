//! Production safety (safety.md): hazards, grading, plans and drills, training, certificates.

pub mod drill_plan;
