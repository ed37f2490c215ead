//! Production safety (safety.md).

pub mod natural;
