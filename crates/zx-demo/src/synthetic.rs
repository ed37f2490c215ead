//! Large generated trees for benchmarks: the group, about √n subsidiaries, companies under every
//! other subsidiary, plants under those. Every leaf reports every item every month.

use rust_decimal::Decimal;
use zx_domain::{Basis, Entity, EntityCode, EntityKind, Month, Target};

use crate::DemoData;
use crate::facts::leaf_facts;
use crate::model::{Segment, simulate};
use crate::operating::operating_facts;
use crate::rng::Rng;

const PROVINCES: [&str; 10] = [
    "福建", "四川", "江西", "广东", "浙江", "湖南", "湖北", "安徽", "广西", "云南",
];

fn code(text: &str) -> EntityCode {
    EntityCode::parse(text).unwrap_or_else(|_| unreachable!("generated code {text} is valid"))
}

fn digits(n: usize) -> usize {
    n.max(1).to_string().len()
}

fn isqrt(n: usize) -> usize {
    let mut r = 0;
    while (r + 1) * (r + 1) <= n {
        r += 1;
    }
    r
}

/// One node while building: the entity and the index of its parent in the list.
struct Node {
    entity: Entity,
    parent: Option<usize>,
}

fn push(
    nodes: &mut Vec<Node>,
    text: String,
    name: String,
    parent: Option<usize>,
    kind: EntityKind,
    region: &str,
    segment: &str,
) -> usize {
    let parent_code = parent.map(|p| nodes[p].entity.code.clone());
    nodes.push(Node {
        entity: Entity {
            code: code(&text),
            name,
            parent: parent_code,
            kind,
            region: region.to_owned(),
            segment: segment.to_owned(),
        },
        parent,
    });
    nodes.len() - 1
}

fn pick_segment(rng: &mut Rng) -> Segment {
    match rng.below(20) {
        0..=9 => Segment::WasteToEnergy,
        10..=14 => Segment::Water,
        15..=17 => Segment::Solar,
        _ => Segment::Wind,
    }
}

/// The tree, parents before children (pre-order).
fn tree(entities: usize, rng: &mut Rng) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::with_capacity(entities);
    if entities == 0 {
        return nodes;
    }
    push(
        &mut nodes,
        "G".into(),
        "合成集团".into(),
        None,
        EntityKind::Group,
        "北京",
        "",
    );
    let subsidiaries = isqrt(entities - 1).min(entities - 1);
    if subsidiaries == 0 {
        return nodes;
    }
    let below = entities - 1 - subsidiaries;
    let sw = digits(subsidiaries);
    for s in 0..subsidiaries {
        let quota = below / subsidiaries + usize::from(s < below % subsidiaries);
        let region = PROVINCES[s % PROVINCES.len()];
        let sub_code = format!("S{:0sw$}", s + 1);
        let sub = push(
            &mut nodes,
            sub_code.clone(),
            format!("合成子公司{:0sw$}", s + 1),
            Some(0),
            EntityKind::Subsidiary,
            region,
            "",
        );
        // Every other subsidiary holds its plants through companies of about ten plants each.
        let companies = if s % 2 == 1 && quota >= 6 {
            ((quota + 5) / 11).max(1)
        } else {
            0
        };
        let plants = quota - companies;
        let pw = digits(plants);
        if companies == 0 {
            for p in 0..plants {
                let segment = pick_segment(rng);
                push(
                    &mut nodes,
                    format!("{sub_code}-P{:0pw$}", p + 1),
                    format!("合成{}站{:0sw$}-{:0pw$}", segment.name_zh(), s + 1, p + 1),
                    Some(sub),
                    EntityKind::Plant,
                    region,
                    segment.code(),
                );
            }
            continue;
        }
        let cw = digits(companies);
        for c in 0..companies {
            let company_code = format!("{sub_code}-C{:0cw$}", c + 1);
            let company = push(
                &mut nodes,
                company_code.clone(),
                format!("合成公司{:0sw$}-{:0cw$}", s + 1, c + 1),
                Some(sub),
                EntityKind::Company,
                region,
                "",
            );
            // Plants p ≡ c (mod companies) belong to company c.
            for p in (c..plants).step_by(companies) {
                let segment = pick_segment(rng);
                push(
                    &mut nodes,
                    format!("{company_code}-P{:0pw$}", p + 1),
                    format!("合成{}站{:0sw$}-{:0pw$}", segment.name_zh(), s + 1, p + 1),
                    Some(company),
                    EntityKind::Plant,
                    region,
                    segment.code(),
                );
            }
        }
    }
    nodes
}

fn segment_of(text: &str) -> Segment {
    Segment::ALL
        .into_iter()
        .find(|s| s.code() == text)
        .unwrap_or(Segment::WasteToEnergy)
}

pub(crate) fn synthetic_group(
    entities: usize,
    months: usize,
    seed: u64,
    operating: bool,
) -> DemoData {
    let mut rng = Rng::new(seed);
    let nodes = tree(entities, &mut rng);
    let mut is_leaf = vec![true; nodes.len()];
    for node in &nodes {
        if let Some(p) = node.parent {
            is_leaf[p] = false;
        }
    }
    let last = Month::new(2026, 12).unwrap_or_else(|_| unreachable!());
    let first = last.offset(1 - months as i32).unwrap_or(last);
    let target_year = last.year();
    let rows_per_leaf = 2 + 9 * months;
    let leaves = is_leaf.iter().filter(|l| **l).count();
    let mut facts = Vec::with_capacity(leaves * rows_per_leaf);
    // Target-year profit, value added and headcount-months per entity, summed up the tree.
    let mut sums = vec![[Decimal::ZERO; 3]; nodes.len()];
    let mut counted_months = 0u32;
    for (index, node) in nodes.iter().enumerate() {
        if !is_leaf[index] {
            continue;
        }
        let mut leaf_rng = Rng::new(seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let segment = segment_of(&node.entity.segment);
        let mut sim = simulate(&mut leaf_rng, segment, first, last, &[]);
        if months == 0 {
            sim.months.clear();
        }
        leaf_facts(&mut facts, &node.entity.code, &sim, Basis::Month);
        if operating {
            operating_facts(&mut facts, &node.entity.code, segment, &sim, Basis::Month);
        }
        counted_months = 0;
        for f in sim.months.iter().filter(|f| f.month.year() == target_year) {
            sums[index][0] += f.total_profit;
            sums[index][1] += f.value_added;
            sums[index][2] += f.employees;
            counted_months += 1;
        }
    }
    for index in (0..nodes.len()).rev() {
        if let Some(p) = nodes[index].parent {
            let child = sums[index];
            for (total, value) in sums[p].iter_mut().zip(child) {
                *total += value;
            }
        }
    }
    let mut targets = Vec::with_capacity(nodes.len() * 6);
    if counted_months > 0 {
        let scale = Decimal::from(12) / Decimal::from(counted_months);
        let d = |s: &str| -> Decimal { s.parse().unwrap_or_else(|_| unreachable!()) };
        for (node, [profit, value_added, headcount]) in nodes.iter().zip(&sums) {
            let profit = (*profit * scale * d("1.06") / d("10000")).round() * d("10000");
            let productivity = if headcount.is_zero() {
                Decimal::ZERO
            } else {
                (*value_added * Decimal::from(counted_months) / *headcount * scale * d("1.04"))
                    .round()
            };
            for (indicator, value) in [
                ("total_profit", profit),
                ("asset_liability_ratio", d("0.65")),
                ("roe", d("0.08")),
                ("rd_intensity", d("0.015")),
                ("labour_productivity", productivity),
                ("operating_cash_ratio", d("0.35")),
            ] {
                targets.push(Target {
                    entity: node.entity.code.clone(),
                    year: target_year,
                    indicator: indicator.to_owned(),
                    value,
                });
            }
        }
    }
    DemoData {
        entities: nodes.into_iter().map(|n| n.entity).collect(),
        facts,
        targets,
    }
}
