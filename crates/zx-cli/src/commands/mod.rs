//! One module per group of commands.

pub mod anomaly;
pub mod archive;
pub mod bench;
pub mod benchmark;
pub mod cems;
pub mod demo;
pub mod forecast;
pub mod import;
pub mod managers;
pub mod measures;
pub mod practices;
pub mod query;
pub mod records;
pub mod references;
pub mod remind;
pub mod report;
pub mod rnd;
pub mod safety;
pub mod serve;
pub mod simulate;
pub mod stack;
pub mod user;
pub mod workforce;
