//! Plant operating data through the engine (operations.md): completeness by segment, YTD
//! de-cumulation of physical quantities, `days`, a zero denominator, and a benchmark worked by
//! hand.

use zx_domain::benchmark::{BenchmarkError, benchmark};
use zx_domain::catalogue::Better;
use zx_domain::engine::Unavailable;
use zx_domain::formula::Aggregation;
use zx_domain::{
    Basis, Catalogue, Decimal, Engine, Entity, EntityCode, EntityKind, EntityTree, Fact, Ledger,
    Month, Period,
};

mod common;
use common::{code, d};

fn month(text: &str) -> Month {
    Month::parse(text).unwrap()
}

/// G → S1 (W1, W2, A1), S2 (W3, W4, W5, W6, P1, F1). W4's segment is written in Chinese.
fn tree() -> EntityTree {
    use common::entity;
    let plant =
        |c: &str, parent: &str, segment: &str| entity(c, Some(parent), EntityKind::Plant, segment);
    EntityTree::build(vec![
        entity("G", None, EntityKind::Group, ""),
        entity("S1", Some("G"), EntityKind::Subsidiary, ""),
        entity("S2", Some("G"), EntityKind::Subsidiary, ""),
        plant("W1", "S1", "waste-to-energy"),
        plant("W2", "S1", "waste-to-energy"),
        plant("A1", "S1", "water"),
        plant("W3", "S2", "waste-to-energy"),
        plant("W4", "S2", "垃圾焚烧发电"),
        plant("W5", "S2", "waste-to-energy"),
        plant("W6", "S2", "waste-to-energy"),
        plant("P1", "S2", "solar"),
        plant("F1", "S2", "wind"),
    ])
    .unwrap()
}

fn fact(entity: &str, m: &str, item: &str, value: &str, basis: Basis) -> Fact {
    Fact {
        entity: code(entity),
        month: month(m),
        item: item.to_owned(),
        value: d(value),
        basis,
    }
}

const MONTHS: [&str; 3] = ["2026-01", "2026-02", "2026-03"];

/// Every plant's first quarter of 2026. W1 reports its tonnes year to date: 960, 1,888, 2,880
/// are the months 960, 928, 992 (31 × 32 t in March). Monthly costs per tonne: W1 100, W3 120,
/// W4 80, W5 150, W6 120; W2 burnt nothing (a zero denominator).
fn facts() -> Vec<Fact> {
    let mut facts = Vec::new();
    let mut monthly = |entity: &str, item: &str, values: [&str; 3]| {
        for (m, v) in MONTHS.iter().zip(values) {
            facts.push(fact(entity, m, item, v, Basis::Month));
        }
    };
    monthly("W1", "operating_cost", ["96000", "92800", "99200"]);
    monthly("W1", "design_capacity_tpd", ["40", "40", "40"]);
    monthly("W2", "waste_incinerated_t", ["0", "0", "0"]);
    monthly("W2", "operating_cost", ["50000", "50000", "50000"]);
    monthly("W3", "waste_incinerated_t", ["1000", "1000", "1000"]);
    monthly("W3", "operating_cost", ["120000", "120000", "120000"]);
    monthly("W4", "waste_incinerated_t", ["500", "500", "500"]);
    monthly("W4", "operating_cost", ["40000", "40000", "40000"]);
    monthly("W5", "waste_incinerated_t", ["2000", "2000", "2000"]);
    monthly("W5", "operating_cost", ["300000", "300000", "300000"]);
    monthly("W6", "waste_incinerated_t", ["1000", "1000", "1000"]);
    monthly("W6", "operating_cost", ["120000", "120000", "120000"]);
    monthly("A1", "water_treated_m3", ["300000", "300000", "300000"]);
    monthly("A1", "operating_cost", ["60000", "60000", "60000"]);
    monthly("P1", "power_generated_mwh", ["1000", "1200", "1400"]);
    monthly("P1", "operating_cost", ["10000", "10000", "10000"]);
    monthly("F1", "power_generated_mwh", ["5000", "4000", "6000"]);
    monthly("F1", "operating_cost", ["30000", "30000", "30000"]);
    for (m, v) in MONTHS.iter().zip(["960", "1888", "2880"]) {
        facts.push(fact("W1", m, "waste_incinerated_t", v, Basis::Ytd));
    }
    facts
}

fn engine_of(facts: &[Fact]) -> Engine {
    let tree = tree();
    let catalogue = Catalogue::builtin().unwrap();
    let (ledger, notes) = Ledger::from_facts(&tree, &catalogue, facts);
    assert_eq!(notes, vec![]);
    Engine::new(tree, catalogue, ledger)
}

fn ytd() -> Period {
    Period::new(month("2026-03"), Basis::Ytd)
}

fn march() -> Period {
    Period::new(month("2026-03"), Basis::Month)
}

fn flow(engine: &Engine, entity: &str, item: &str, period: Period) -> Result<Decimal, Unavailable> {
    let id = engine.tree().id_of(entity).unwrap();
    let item = engine.catalogue().item_index(item).unwrap();
    engine.read(id, item, Aggregation::Flow, period)
}

fn indicator(
    engine: &Engine,
    entity: &str,
    id: &str,
    period: Period,
) -> Result<Decimal, Unavailable> {
    let def = engine.catalogue().find_indicator(id).unwrap();
    engine.evaluate_def(def, engine.tree().id_of(entity).unwrap(), period)
}

#[test]
fn a_plant_of_another_segment_never_misses_an_item() {
    let engine = engine_of(&facts());
    // Only the waste-to-energy plants report tonnes; the water, solar and wind plants do not,
    // and the group's total is complete: 2,880 + 0 + 3 × (1,000 + 500 + 2,000 + 1,000) = 16,380.
    assert_eq!(
        flow(&engine, "G", "waste_incinerated_t", ytd()),
        Ok(d("16380"))
    );
    // operating_cost applies to all four segments: every plant reported it.
    // 288,000 + 150,000 + 360,000 + 120,000 + 900,000 + 360,000 + 180,000 + 30,000 + 90,000.
    assert_eq!(
        flow(&engine, "G", "operating_cost", ytd()),
        Ok(d("2478000"))
    );
    // A water plant's own tonnes are nothing, not missing.
    assert_eq!(
        flow(&engine, "A1", "waste_incinerated_t", ytd()),
        Ok(d("0"))
    );

    // W5 does not send March's tonnes: the group is missing them, and only W5 is named.
    let mut late = facts();
    late.retain(|f| {
        !(f.entity.as_str() == "W5"
            && f.item == "waste_incinerated_t"
            && f.month == month("2026-03"))
    });
    // A1 (water) also sends no March cost: operating_cost applies to water, so A1 is named.
    late.retain(|f| {
        !(f.entity.as_str() == "A1" && f.item == "operating_cost" && f.month == month("2026-03"))
    });
    let engine = engine_of(&late);
    assert_eq!(
        flow(&engine, "G", "waste_incinerated_t", ytd()),
        Err(Unavailable::Missing {
            item: "waste_incinerated_t".into(),
            months: vec![month("2026-03")],
            entities: vec![code("W5")],
        })
    );
    assert_eq!(
        flow(&engine, "G", "operating_cost", march()),
        Err(Unavailable::Missing {
            item: "operating_cost".into(),
            months: vec![month("2026-03")],
            entities: vec![code("A1")],
        })
    );
    // S1 (W1, W2, A1) still has all its tonnes: A1 is water. 2,880 + 0 = 2,880.
    assert_eq!(
        flow(&engine, "S1", "waste_incinerated_t", ytd()),
        Ok(d("2880"))
    );
}

#[test]
fn items_without_segments_still_need_every_leaf() {
    // total_profit has no segments: a leaf without a row is missing whatever its segment.
    let mut rows = facts();
    for leaf in ["W1", "W2", "W3", "W4", "W5", "W6", "P1", "F1"] {
        rows.push(fact(leaf, "2026-03", "total_profit", "1", Basis::Month));
    }
    let engine = engine_of(&rows);
    assert_eq!(
        flow(&engine, "G", "total_profit", march()),
        Err(Unavailable::Missing {
            item: "total_profit".into(),
            months: vec![month("2026-03")],
            entities: vec![code("A1")],
        })
    );
}

#[test]
fn operating_items_reported_year_to_date_are_de_cumulated() {
    let engine = engine_of(&facts());
    // W1's YTD rows 960, 1,888, 2,880: March alone is 2,880 − 1,888 = 992.
    assert_eq!(
        flow(&engine, "W1", "waste_incinerated_t", march()),
        Ok(d("992"))
    );
    assert_eq!(
        flow(&engine, "W1", "waste_incinerated_t", ytd()),
        Ok(d("2880"))
    );
    let february = Period::new(month("2026-02"), Basis::Month);
    assert_eq!(
        flow(&engine, "W1", "waste_incinerated_t", february),
        Ok(d("928"))
    );
    // Its cost per tonne, March: 99,200 / 992 = 100; YTD: 288,000 / 2,880 = 100.
    assert_eq!(
        indicator(&engine, "W1", "cost_per_tonne", march()),
        Ok(d("100"))
    );
    assert_eq!(
        indicator(&engine, "W1", "cost_per_tonne", ytd()),
        Ok(d("100"))
    );
}

#[test]
fn load_rates_divide_by_the_days_of_the_basis() {
    let engine = engine_of(&facts());
    // YTD: 2,880 / (40 t/d × 90 days) = 2,880 / 3,600 = 0.8.
    assert_eq!(
        indicator(&engine, "W1", "wte_load_rate", ytd()),
        Ok(d("0.8"))
    );
    // March alone: 992 / (40 × 31) = 992 / 1,240 = 0.8.
    assert_eq!(
        indicator(&engine, "W1", "wte_load_rate", march()),
        Ok(d("0.8"))
    );
    // February: 928 / (40 × 28) = 928 / 1,120 = 0.828571428571… (a 29-day month would be 0.8).
    let february = Period::new(month("2026-02"), Basis::Month);
    assert_eq!(
        indicator(&engine, "W1", "wte_load_rate", february).map(|v| v.round_dp(6)),
        Ok(d("0.828571"))
    );

    // 2024 is a leap year: 2024-03 YTD is 91 days. 8 t a day: 248 + 232 + 248 = 728 t;
    // 728 / (10 t/d × 91) = 728 / 910 = 0.8.
    let mut rows = Vec::new();
    for (m, v) in [("2024-01", "248"), ("2024-02", "232"), ("2024-03", "248")] {
        rows.push(fact("W1", m, "waste_incinerated_t", v, Basis::Month));
        rows.push(fact("W1", m, "design_capacity_tpd", "10", Basis::Month));
    }
    let engine = engine_of(&rows);
    let leap = Period::new(month("2024-03"), Basis::Ytd);
    assert_eq!(
        indicator(&engine, "W1", "wte_load_rate", leap),
        Ok(d("0.8"))
    );
}

#[test]
fn a_zero_denominator_makes_the_value_unavailable() {
    let engine = engine_of(&facts());
    // W2 burnt nothing: 150,000 / 0 has no value, and says which denominator was zero.
    assert_eq!(
        indicator(&engine, "W2", "cost_per_tonne", ytd()),
        Err(Unavailable::DivisionByZero {
            denominator: "flow(waste_incinerated_t)".into()
        })
    );
}

#[test]
fn cost_per_tonne_benchmarked_by_hand() {
    let engine = engine_of(&facts());
    let def = engine.catalogue().find_indicator("cost_per_tonne").unwrap();
    let root = engine.tree().id_of("G").unwrap();
    let result = benchmark(&engine, root, def, ytd(), None).unwrap();
    let code_of = |id| engine.tree().entity(id).code.as_str().to_owned();
    // Peers: the six waste-to-energy plants (W4 written in Chinese included). W2 is missing.
    // YTD costs per tonne: W4 120,000 / 1,500 = 80; W1 100; W3 360,000 / 3,000 = 120; W6 120;
    // W5 900,000 / 6,000 = 150. Sorted 80, 100, 120, 120, 150 (n = 5, h = 4p): q1 = x1 = 100,
    // median = x2 = 120, q3 = x3 = 120.
    assert_eq!(result.better, Better::Lower);
    let stats = result.stats.unwrap();
    assert_eq!(
        (
            stats.n,
            stats.min,
            stats.q1,
            stats.median,
            stats.q3,
            stats.max
        ),
        (5, d("80"), d("100"), d("120"), d("120"), d("150"))
    );
    let table: Vec<(String, Decimal, usize, u8)> = result
        .peers
        .iter()
        .map(|p| (code_of(p.entity), p.value, p.rank, p.quartile))
        .collect();
    // Ranks 1, 2, 3, 3, 5 (W3 and W6 tie, ordered by code); quartiles: ≤ q1 → 1, ≤ median → 2,
    // > q3 → 4.
    assert_eq!(
        table,
        vec![
            ("W4".into(), d("80"), 1, 1),
            ("W1".into(), d("100"), 2, 1),
            ("W3".into(), d("120"), 3, 2),
            ("W6".into(), d("120"), 3, 2),
            ("W5".into(), d("150"), 5, 4),
        ]
    );
    let missing: Vec<String> = result.missing.iter().map(|m| code_of(m.entity)).collect();
    assert_eq!(missing, ["W2"]);
    // Worth of reaching q1 = 100: W3 (120 − 100) × 3,000 t = 60,000 yuan; W5 (150 − 100) ×
    // 6,000 t = 300,000 yuan; none for the top quartile.
    let worth: Vec<Option<Decimal>> = result.peers.iter().map(|p| p.worth).collect();
    assert_eq!(
        worth,
        vec![
            None,
            None,
            Some(d("60000")),
            Some(d("60000")),
            Some(d("300000"))
        ]
    );
    assert_eq!(result.peers[4].gap, Some(d("50")));

    // Only S1's plants: W1 ranked alone (q1 = median = q3 = 100), W2 missing, A1 no peer.
    let s1 = engine.tree().id_of("S1").unwrap();
    let result = benchmark(&engine, s1, def, ytd(), None).unwrap();
    assert_eq!(result.peers.len(), 1);
    assert_eq!((result.peers[0].rank, result.peers[0].quartile), (1, 1));
    assert_eq!(result.missing.len(), 1);
}

#[test]
fn peers_follow_the_indicators_segments() {
    let engine = engine_of(&facts());
    let root = engine.tree().id_of("G").unwrap();
    let catalogue = engine.catalogue();
    let peers_of = |id: &str, segment: Option<&str>| {
        let def = catalogue.find_indicator(id).unwrap();
        let result = benchmark(&engine, root, def, ytd(), segment).unwrap();
        let mut codes: Vec<String> = result
            .peers
            .iter()
            .map(|p| p.entity)
            .chain(result.missing.iter().map(|m| m.entity))
            .map(|id| engine.tree().entity(id).code.to_string())
            .collect();
        codes.sort();
        codes.join(",")
    };
    // cost_per_mwh: waste-to-energy, solar and wind; --segment wind: F1 only.
    assert_eq!(peers_of("cost_per_mwh", None), "F1,P1,W1,W2,W3,W4,W5,W6");
    assert_eq!(peers_of("cost_per_mwh", Some("wind")), "F1");
    assert_eq!(peers_of("utilisation_hours", None), "F1,P1");
    assert_eq!(peers_of("cost_per_m3", None), "A1");
    // A water plant is no peer on cost per tonne: refused, naming the segments that are.
    let def = catalogue.find_indicator("cost_per_tonne").unwrap();
    assert_eq!(
        benchmark(&engine, root, def, ytd(), Some("水务")),
        Err(BenchmarkError::SegmentNotApplicable {
            indicator: "cost_per_tonne".into(),
            segment: "water".into(),
            applicable: vec!["waste-to-energy".into()],
        })
    );
    // A solar and a wind plant on cost per MWh, YTD: P1 30,000 / 3,600 = 8.33…; F1 90,000 /
    // 15,000 = 6. Lower is better: F1 first.
    let def = catalogue.find_indicator("cost_per_mwh").unwrap();
    let result = benchmark(&engine, root, def, ytd(), Some("wind")).unwrap();
    assert_eq!(result.peers[0].value, d("6"));
}

mod segment_completeness {
    use super::*;
    use proptest::prelude::*;

    const SEGMENTS: [&str; 4] = ["waste-to-energy", "water", "solar", "wind"];

    /// A random tree (node i's parent is some j < i), a segment per node, and per node a
    /// month's tonnes: a value in tenths, or no row.
    fn group() -> impl Strategy<Value = (Vec<usize>, Vec<usize>, Vec<Option<i64>>)> {
        (2usize..30).prop_flat_map(|n| {
            (
                (1..n).map(|i| 0..i).collect::<Vec<_>>(),
                proptest::collection::vec(0..SEGMENTS.len(), n),
                proptest::collection::vec(proptest::option::weighted(0.85, 0i64..1_000_000), n),
            )
        })
    }

    proptest! {
        /// A total of tonnes is complete exactly when every waste-to-energy leaf under the entity
        /// reported; it is then their sum, and a missing one names exactly the silent
        /// waste-to-energy leaves — never a water, solar or wind plant.
        #[test]
        fn only_the_plants_of_an_items_segments_can_be_missing((parents, segments, tonnes) in group()) {
            let n = segments.len();
            let name = |i: usize| format!("E{i}");
            let entities: Vec<Entity> = (0..n)
                .map(|i| Entity {
                    code: code(&name(i)),
                    name: name(i),
                    parent: (i > 0).then(|| code(&name(parents[i - 1]))),
                    kind: if i == 0 { EntityKind::Group } else { EntityKind::Plant },
                    region: String::new(),
                    segment: SEGMENTS[segments[i]].to_owned(),
                })
                .collect();
            let tree = EntityTree::build(entities).unwrap();
            let wte = |i: usize| segments[i] == 0;
            // Only waste-to-energy plants send tonnes. The group's own profit row puts March in
            // the ledger even when no plant sent anything (a month nobody reported is no data).
            let mut facts = vec![fact("E0", "2026-03", "total_profit", "0", Basis::Month)];
            facts.extend((0..n)
                .filter(|&i| wte(i) && tree.is_leaf(tree.id_of(&name(i)).unwrap()))
                .filter_map(|i| {
                    tonnes[i].map(|t| Fact {
                        entity: code(&name(i)),
                        month: month("2026-03"),
                        item: "waste_incinerated_t".into(),
                        value: Decimal::new(t, 1),
                        basis: Basis::Month,
                    })
                }));
            let catalogue = Catalogue::builtin().unwrap();
            let (ledger, _) = Ledger::from_facts(&tree, &catalogue, &facts);
            let engine = Engine::new(tree, catalogue, ledger);
            let tree = engine.tree();
            for i in 0..n {
                let id = tree.id_of(&name(i)).unwrap();
                let leaves = tree.leaves_under(id);
                let silent: Vec<EntityCode> = leaves
                    .iter()
                    .map(|&leaf| tree.entity(leaf).code.clone())
                    .filter(|c| {
                        let k: usize = c.as_str()[1..].parse().unwrap();
                        wte(k) && tonnes[k].is_none()
                    })
                    .collect();
                let sum: Decimal = leaves
                    .iter()
                    .map(|&leaf| {
                        let k: usize = tree.entity(leaf).code.as_str()[1..].parse().unwrap();
                        if wte(k) { tonnes[k].map_or(Decimal::ZERO, |t| Decimal::new(t, 1)) } else { Decimal::ZERO }
                    })
                    .sum();
                let got = flow(&engine, &name(i), "waste_incinerated_t", march());
                if silent.is_empty() {
                    prop_assert_eq!(got, Ok(sum));
                } else {
                    let mut silent = silent;
                    silent.sort();
                    let mut named = match got {
                        Err(Unavailable::Missing { entities, .. }) => entities,
                        other => return Err(TestCaseError::fail(format!("{other:?}"))),
                    };
                    named.sort();
                    prop_assert_eq!(named, silent);
                }
            }
        }
    }
}
