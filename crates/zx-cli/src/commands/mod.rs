//! One module per group of commands.

pub mod bench;
pub mod demo;
pub mod import;
pub mod query;
pub mod records;
