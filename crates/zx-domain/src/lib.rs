//! Zengxiao's domain core: the group tree, periods, the item and indicator catalogue, the KPI
//! engine that consolidates bottom-up and computes "one benefit and five rates", targets and the
//! year's rule.
//!
//! This crate does no IO, has no async and knows no SQL: every function is a pure function of its
//! inputs ("now" is passed in where needed). Amounts are `rust_decimal::Decimal`, never floats. The
//! engine cannot fail on data: what it cannot compute comes back as [`engine::Unavailable`] with a
//! reason, never a panic or a NaN.
#![forbid(unsafe_code)]

pub mod access;
pub mod benchmark;
pub mod calendar;
pub mod catalogue;
pub mod cems;
pub mod collection;
pub mod engine;
pub mod entity;
pub mod facts;
pub mod followup;
pub mod format;
pub mod formula;
pub mod kpi;
pub mod managers;
pub mod measures;
pub mod notes;
pub mod outliers;
pub mod parallel;
pub mod period;
pub mod practices;
pub mod reform;
pub mod report_schedule;
pub mod rnd;
pub mod safety;
pub mod workforce;

pub use access::{Access, Role};
pub use catalogue::{Catalogue, CatalogueError, IndicatorDef, ItemDef, ItemKind};
pub use engine::{Engine, Explanation, Ledger, Unavailable};
pub use entity::{Entity, EntityCode, EntityId, EntityKind, EntityTree, TreeError};
pub use facts::{Fact, FactRow, FactTable};
pub use kpi::{KpiReport, Status, Target, TargetBook};
pub use measures::{Measure, MeasureStatus};
pub use notes::Lang;
pub use period::{Basis, Month, Period};
pub use rust_decimal::Decimal;
