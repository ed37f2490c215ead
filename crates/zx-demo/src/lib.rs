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
//! - Every plant also reports its reform figures (reform.md, `reform.rs`): labour cost (the
//!   model's labour compensation) and wages, hires and exits, managers, their adjustments and
//!   term contracts. 四川's pay keeps growing while its profit falls with 南充's outage: pay
//!   follows results fails there from April 2026, and nowhere else among the subsidiaries.
//! - Every plant also reports its operating data (operations.md, `operating.rs`): tonnes and
//!   power, water treated and power consumed, generation and curtailment, design or installed
//!   capacity, and its operating cost split into cost elements. 南充's outage puts it clearly in
//!   the bottom quartile of cost per tonne, with a measure addressing it.
#![forbid(unsafe_code)]

mod csv;
mod demo;
mod facts;
mod managers;
mod model;
mod operating;
pub mod practices;
mod reform;
pub mod rnd;
mod rng;
mod safety;
pub mod safety_risks;
mod synthetic;

use std::path::Path;

pub use demo::{DEMO_SEED, TARGET_YEAR, demo_last_month};
pub use facts::REPORTED_ITEMS;
pub use managers::demo_managers;
pub use model::Segment;
pub use operating::{COST_ELEMENTS, demo_references_csv};
pub use reform::{OVER_DISPATCHED, REFORM_ITEMS, WORKFORCE_ITEMS};
pub use safety::{SafetyFiles, demo_drill_plan, demo_safety, plan_codes};
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
    synthetic::synthetic_group(entities, months, seed, false)
}

/// [`synthetic_group`] with every plant's operating data of its segment too (operations.md:
/// quantities, capacity, operating cost and its cost elements), for benchmarking plants at
/// scale (`zx bench benchmark`). The financial rows are the same as [`synthetic_group`]'s.
pub fn synthetic_operating_group(entities: usize, months: usize, seed: u64) -> DemoData {
    synthetic::synthetic_group(entities, months, seed, true)
}

/// Writes `entities.csv`, `data.csv` and `targets.csv` in the import formats into `dir` (created
/// when missing).
pub fn write_csv(data: &DemoData, dir: &Path) -> std::io::Result<()> {
    csv::write_csv(data, dir)
}

/// The demo's improvement measures (清单), as a measures list in the import format
/// (`entity,title,indicator,owner,start,due,status,progress`). Owners are the demo accounts
/// (`hq`, `fujian`, `nanchong`). Dates sit around the demo's last month (2026-10) so the list shows
/// every state: done, in progress, planned, cancelled, overdue and due soon; and one red
/// indicator (邵阳光伏 R&D) deliberately has no measure, so the cockpit shows a gap without action.
/// The last addresses 南充's cost per tonne, the bottom quartile of the waste-to-energy plants
/// since its furnace outage.
pub fn demo_measures_csv() -> &'static str {
    "entity,title,indicator,owner,start,due,status,progress
SC-NC-WTE,1号炉炉排检修，恢复入炉量至设计值,total_profit,nanchong,2026-03-15,2026-12-31,in_progress,60
SC-NC-WTE,停炉期间垃圾转运协调，减少违约赔付,total_profit,nanchong,2026-03-20,2026-06-30,done,100
SC,四川公司降本增效专项：物资集中采购,roe,hq,2026-02-01,2026-11-30,in_progress,75
ZJ,应收电费及补贴款清收专项行动,operating_cash_ratio,hq,2026-04-01,2026-09-30,in_progress,45
ZJ-JH-WTE,与地方财政签订垃圾处理费支付协议,operating_cash_ratio,hq,2026-05-01,2026-10-31,planned,0
JX-PX-WAT,引入战略投资者，压降资产负债率至70%以下,asset_liability_ratio,hq,2026-06-01,2027-03-31,planned,10
JX-PX-WAT,二期扩建项目融资结构优化,asset_liability_ratio,hq,2026-01-10,2026-08-31,in_progress,80
FJ-JJ-WTE,烟气净化系统技改（研发投入）,rd_intensity,fujian,2026-01-05,2026-12-15,in_progress,55
FJ-NA-WTE,厂用电率压降至12%以下,total_profit,fujian,2026-02-01,2026-07-31,done,100
FJ,福建公司人工效率提升：运维班组整合,labour_productivity,fujian,2026-03-01,2026-11-15,in_progress,70
FJ-XM-WAT,污泥处置外包改自营,total_profit,fujian,2026-01-15,2026-04-30,cancelled,20
GD,广东公司应收账款周转提速,operating_cash_ratio,hq,2026-02-15,2026-10-15,done,100
ZX,集团研发投入强度提升计划,rd_intensity,hq,2026-01-01,2026-12-31,in_progress,65
ZX,一利五率月度分析会机制,,hq,2026-01-01,2026-03-31,done,100
SC-NC-WTE,吨垃圾处理成本压降：药剂用量优化与检修外包比价，回到同类中位数,cost_per_tonne,nanchong,2026-07-01,2027-03-31,in_progress,30
"
}

/// A small, valid one-page PDF for the demo's evidence ("acceptance record"), built with its
/// cross-reference table so PDF readers open it without repair.
pub fn demo_evidence_pdf(text: &str) -> Vec<u8> {
    let escaped: String = text
        .chars()
        .filter(char::is_ascii)
        .map(|c| match c {
            '(' | ')' | '\\' => format!("\\{c}"),
            c => c.to_string(),
        })
        .collect();
    let stream = format!("BT /F1 14 Tf 72 760 Td ({escaped}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// MN of the demo's first stack; the others follow (`…02`, `…03`), as `zx simulate hj212
/// --mn-base` numbers them, so the simulator speaks for the demo's stacks.
pub const DEMO_MN_BASE: &str = "88888880000001";
/// HJ 212 password of every demo stack (the simulator's default).
pub const DEMO_STACK_PASSWORD: &str = "123456";

/// The demo's stacks: two furnaces (1号炉, 2号炉) at every waste-to-energy plant, judged by
/// GB 18485-2014, MNs numbered from [`DEMO_MN_BASE`] in plant order.
pub fn demo_stacks(data: &DemoData) -> Vec<zx_domain::cems::Stack> {
    let base: u64 = DEMO_MN_BASE.parse().unwrap_or(88_888_880_000_001);
    data.entities
        .iter()
        .filter(|e| {
            e.kind == zx_domain::EntityKind::Plant && e.segment == Segment::WasteToEnergy.code()
        })
        .flat_map(|plant| (1..=2).map(move |furnace| (plant, furnace)))
        .enumerate()
        .map(|(index, (plant, furnace))| zx_domain::cems::Stack {
            mn: format!("{:014}", base + index as u64),
            entity: plant.code.clone(),
            name: format!("{furnace}号炉"),
            password: DEMO_STACK_PASSWORD.to_owned(),
            standard: "gb18485-2014".to_owned(),
            factors: zx_domain::cems::FactorMap::default(),
        })
        .collect()
}

#[cfg(test)]
mod stack_tests {
    use super::*;

    #[test]
    fn every_waste_to_energy_plant_has_two_furnaces_numbered_from_the_base() {
        let stacks = demo_stacks(&demo_group());
        // 30 waste-to-energy plants in the demo group (`grep -c "Plant, Some(Wte)" demo.rs`), two each.
        assert_eq!(stacks.len(), 60);
        assert_eq!(stacks[0].mn, "88888880000001");
        assert_eq!(stacks[0].entity.as_str(), "FJ-JJ-WTE");
        assert_eq!(stacks[0].name, "1号炉");
        assert_eq!(stacks[1].name, "2号炉");
        assert_eq!(stacks[59].mn, "88888880000060");
        assert!(stacks.iter().all(|s| s.validate().is_ok()));
    }
}
