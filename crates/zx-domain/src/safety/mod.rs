//! Production safety (safety.md): hazards and their closed loop.
pub mod hazards;
