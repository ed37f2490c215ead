//! Zengxiao's application services: what a `zx` command and a web request handler both do,
//! written once below both front doors. A front door parses its input (arguments, a form, a
//! query), calls a service here and renders what comes back (text, JSON, a page).
//!
//! - [`DatabaseUrl`]: the `--db` value parsed once: which backend, the SQLite file, opening,
//!   migrating and erasing the database, and where the minute store lives beside it.
//! - [`Clock`]: "now" is passed in ([`SystemClock`] in the binary, [`FixedClock`] in tests);
//!   "today" and "this month" are always China's ([`china_today`], [`china_month`]).
//! - [`import`]: reading files through `zx-ingest` with every check, then one `Store::import`.
//! - [`collect`]: the collection loop (upload checked as submitted, states, HQ's review and lock).
//! - [`snapshot`]: the group tree, the consolidated engine and the targets, loaded from the store.
//! - [`cems`]: a stack's stored minutes judged day by day, the days on every core.
//! - [`safety`]: safety.md §7's check over files or the stored safety records.
//! - [`risks`]: safety risks and natural-hazard warnings (alerts of the affected plants).
//! - [`rnd`]: the R&D project portfolio (register, late gates, budget against spend, the
//!   reconciliation of projects' spend with reported R&D expenditure).
//! - [`auto_hazards`]: the major hazard of a special operator without a certificate in force,
//!   raised once per person.
//! - [`benchmark`]: an operating indicator benchmarked over a peer group of plants (`zx
//!   benchmark`), the question checked against the loaded engine.
//! - [`forecast`]: year-end forecasts of an indicator for every entity, and the "will miss"
//!   list (`zx_forecast` over the consolidated months).
//! - [`practices`]: the practice library (import, search through an index that is a cache of
//!   the database, HQ's recommendation and the plants it tells).
//! - [`filings`]: what each unit filed for each month (workflow states over the rows), for the
//!   collection rules of `zx_domain::collection`.
//!
//! Not here: rendering (text tables, JSON shapes: `zx-api`; pages: `zx-server`), argument
//! parsing, and reading the clock. Errors are [`AppError`] (`thiserror`); `anyhow` stays in the
//! binary.
#![forbid(unsafe_code)]

pub mod auto_hazards;
pub mod benchmark;
pub mod cems;
pub mod clock;
pub mod collect;
pub mod database;
mod error;
pub mod filings;
pub mod forecast;
pub mod import;
pub mod managers;
pub mod practices;
pub mod risks;
pub mod rnd;
pub mod safety;
pub mod snapshot;
pub mod workforce;

pub use clock::{Clock, FixedClock, SystemClock, china_month, china_time, china_today};
pub use database::{DatabaseKind, DatabaseUrl};
pub use error::AppError;
pub use filings::{StoredFilings, load_filings};
pub use snapshot::{Snapshot, load_snapshot, load_tree};
