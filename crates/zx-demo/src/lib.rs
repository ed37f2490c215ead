//! Demo and benchmark data for Zengxiao.
//!
//! - [`demo_group`]: 中衡环境集团, a realistic fictional group — six provincial subsidiaries
//!   (福建, 四川, 江西, 广东, 浙江, 湖南), five companies, 57 plants in waste-to-energy, water,
//!   solar and wind — with balances at December 2023, monthly figures from January 2024 to
//!   October 2026 (the latest closed month), intra-group eliminations and 2026 targets.
//! - [`synthetic_group`]: a large generated tree for benchmarks.
//! - [`write_csv`]: the three import files.
//!
//! Everything is deterministic: the numbers come from a hand-written SplitMix64 generator and IEEE
//! basic arithmetic only, so the same seed gives the same data on every platform and with every
//! version of every dependency. Amounts are [`Decimal`](rust_decimal::Decimal) rounded to cents.
//!
//! # What the demo group shows
//! - 福建 (`FJ`) and 四川 (`SC`) file flows year to date (本年累计), as their statements are filled;
//!   everyone else files month amounts. The month's average headcount is always a month figure.
//! - The group (`ZX`), `FJ`, `SC` and `GD` carry negative intra-group eliminations as own rows on
//!   operating revenue, total profit and net profit (`GD` quarterly, the others monthly).
//! - Deliberate trouble, so the cockpit has red to show:
//!   - `SC-NC-WTE` 南充垃圾焚烧发电厂: a furnace outage from March 2026 — volume down 40%, repair
//!     costs, losses every month from spring;
//!   - `JX-PX-WAT` 萍乡水务: debt-financed network expansion since 2025 — the asset-liability ratio
//!     climbs from 68% to above 75% (target 70%);
//!   - `ZJ` 浙江: local governments and the subsidy fund stop paying in 2026 — the operating cash
//!     ratio of the subsidiary and its plants collapses to a few percent, some months negative;
//!   - `HN-SY-PV` 邵阳光伏电站: no R&D at all — R&D intensity zero against a 0.3% floor.
#![forbid(unsafe_code)]

mod csv;
mod demo;
mod facts;
mod model;
mod rng;
mod synthetic;

use std::path::Path;

pub use demo::{DEMO_SEED, TARGET_YEAR, demo_last_month};
pub use facts::REPORTED_ITEMS;
pub use model::Segment;
use zx_domain::{Entity, Fact, Target};

/// A group's entities, submitted figures and targets, ready to import or to feed the engine.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DemoData {
    pub entities: Vec<Entity>,
    pub facts: Vec<Fact>,
    pub targets: Vec<Target>,
}

/// The realistic fictional demo group (see the crate documentation). Deterministic: every call
/// returns the same entities, figures and targets.
pub fn demo_group() -> DemoData {
    demo::demo_group()
}

/// A large synthetic tree for benchmarks: `entities` entities in total (the group `G`, about √n
/// subsidiaries, companies of about ten plants under every other subsidiary, plants), every leaf
/// reporting every item of the default catalogue for `months` months ending 2026-12 on the `month`
/// basis, plus its opening balances at the month before the first (a December when `months` is a
/// multiple of 12). Targets for 2026 for every entity (profit and labour productivity from the
/// generated 2026 figures, fixed values for the four others). The same arguments give the same
/// data.
///
/// Rows: `leaves × (2 + 9 × months)`; no parent has own rows. Entity codes such as `G`, `S01`,
/// `S02-C1`, `S02-C1-P07`, `S01-P03`…
pub fn synthetic_group(entities: usize, months: usize, seed: u64) -> DemoData {
    synthetic::synthetic_group(entities, months, seed)
}

/// Writes `entities.csv`, `data.csv` and `targets.csv` in the import formats into `dir` (created
/// when missing).
pub fn write_csv(data: &DemoData, dir: &Path) -> std::io::Result<()> {
    csv::write_csv(data, dir)
}
