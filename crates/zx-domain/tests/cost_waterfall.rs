//! The cost-per-unit waterfall (issue 13) on a group worked by hand: four waste-to-energy plants
//! reporting fuel, labour and other costs for March 2026.

use zx_domain::benchmark::cost::{WaterfallError, cost_indicator, cost_waterfall};
use zx_domain::{
    Basis, Catalogue, Decimal, Engine, Entity, EntityKind, EntityTree, Fact, Ledger, Month, Period,
};

mod common;
use common::{code, d};

const PLANTS: [&str; 5] = ["K1", "K2", "K3", "K4", "K5"];

fn tree() -> EntityTree {
    let mut entities = vec![Entity {
        code: code("G"),
        name: "G".into(),
        parent: None,
        kind: EntityKind::Group,
        region: String::new(),
        segment: String::new(),
    }];
    for plant in PLANTS {
        entities.push(Entity {
            code: code(plant),
            name: plant.into(),
            parent: Some(code("G")),
            kind: EntityKind::Plant,
            region: String::new(),
            segment: "waste-to-energy".into(),
        });
    }
    EntityTree::build(entities).unwrap()
}

/// Per plant: tonnes, fuel, labour, other (operating cost is their sum).
/// K1 1,000 t: 20,000 + 60,000 + 30,000 = 110,000 → 110 /t (20, 60, 30 per tonne)
/// K2 2,000 t: 60,000 + 80,000 + 100,000 = 240,000 → 120 /t (30, 40, 50)
/// K3   500 t: 5,000 + 40,000 + 20,000 = 65,000 → 130 /t (10, 80, 40)
/// K4 1,000 t: 40,000 + 60,000 + 60,000 = 160,000 → 160 /t (40, 60, 60)
/// K5 800 t and 96,000 in all, not split into elements: 120 /t.
fn engine(with_k5: bool) -> Engine {
    let rows: &[(&str, &str, [&str; 3])] = &[
        ("K1", "1000", ["20000", "60000", "30000"]),
        ("K2", "2000", ["60000", "80000", "100000"]),
        ("K3", "500", ["5000", "40000", "20000"]),
        ("K4", "1000", ["40000", "60000", "60000"]),
    ];
    let fact = |entity: &str, item: &str, value: &str| Fact {
        entity: code(entity),
        month: Month::parse("2026-03").unwrap(),
        item: item.into(),
        value: d(value),
        basis: Basis::Month,
    };
    let mut facts = Vec::new();
    for (plant, tonnes, [fuel, labour, other]) in rows {
        let total: Decimal = [fuel, labour, other].iter().map(|v| d(v)).sum();
        facts.push(fact(plant, "waste_incinerated_t", tonnes));
        facts.push(fact(plant, "cost_fuel", fuel));
        facts.push(fact(plant, "cost_labour", labour));
        facts.push(fact(plant, "cost_other", other));
        facts.push(fact(plant, "operating_cost", &total.to_string()));
    }
    if with_k5 {
        facts.push(fact("K5", "waste_incinerated_t", "800"));
        facts.push(fact("K5", "operating_cost", "96000"));
    }
    let tree = tree();
    let catalogue = Catalogue::builtin().unwrap();
    let (ledger, _) = Ledger::from_facts(&tree, &catalogue, &facts);
    Engine::new(tree, catalogue, ledger)
}

fn march() -> Period {
    Period::new(Month::parse("2026-03").unwrap(), Basis::Month)
}

#[test]
fn each_segment_has_its_unit_cost() {
    let catalogue = Catalogue::builtin().unwrap();
    for (segment, id) in [
        ("waste-to-energy", "cost_per_tonne"),
        ("水务", "cost_per_m3"),
        ("wind", "cost_per_mwh"),
        ("solar", "cost_per_mwh"),
    ] {
        let (def, whole) = cost_indicator(&catalogue, segment).unwrap();
        assert_eq!(def.id, id, "{segment}");
        assert_eq!(catalogue.item(whole).code, "operating_cost");
    }
    assert!(cost_indicator(&catalogue, "retail").is_none());
}

#[test]
fn k4s_waterfall_worked_by_hand() {
    let engine = engine(false);
    let id = |c: &str| engine.tree().id_of(c).unwrap();
    let waterfall = cost_waterfall(&engine, id("G"), id("K4"), march()).unwrap();
    assert_eq!(waterfall.indicator.id, "cost_per_tonne");
    // Unit costs sorted 110, 120, 130, 160: the median at h = 1.5 is 125.
    assert_eq!(waterfall.median_total, d("125"));
    assert_eq!(waterfall.peers, 4);
    assert_eq!(waterfall.plant_total, d("160"));
    let catalogue = engine.catalogue();
    let steps: Vec<(&str, Decimal, Option<Decimal>, Decimal)> = waterfall
        .steps
        .iter()
        .filter(|s| s.median.is_some())
        .map(|s| {
            (
                catalogue.item(s.item).code.as_str(),
                s.plant.normalize(),
                s.median.map(|m| m.normalize()),
                s.gap.normalize(),
            )
        })
        .collect();
    // Fuel 10, 20, 30, 40 → median 25, K4 40: +15. Labour 40, 60, 60, 80 → 60, K4 60: 0.
    // Other 30, 40, 50, 60 → 45, K4 60: +15.
    assert_eq!(
        steps,
        [
            ("cost_fuel", d("40"), Some(d("25")), d("15")),
            ("cost_labour", d("60"), Some(d("60")), d("0")),
            ("cost_other", d("60"), Some(d("45")), d("15")),
        ]
    );
    // The elements' medians add up to 25 + 60 + 45 = 130, the median of the totals is 125:
    // 160 − 125 − 30 = 5 is the mix step, and the bars end at K4's 160.
    assert_eq!(waterfall.mix.normalize(), d("5"));
    // The five elements nobody reported: zero for the plant, no median, no gap.
    assert!(
        waterfall
            .steps
            .iter()
            .filter(|s| s.median.is_none())
            .all(|s| s.plant.is_zero() && s.gap.is_zero())
    );
    assert_eq!(waterfall.steps.len(), 8);
}

#[test]
fn a_plant_without_elements_has_no_waterfall_but_counts_in_the_median() {
    let engine = engine(true);
    let id = |c: &str| engine.tree().id_of(c).unwrap();
    match cost_waterfall(&engine, id("G"), id("K5"), march()) {
        Err(WaterfallError::NoBreakdown(items)) => {
            assert_eq!(items.len(), 8);
            assert_eq!(items[0], "cost_fuel");
        }
        other => panic!("{other:?}"),
    }
    // K1's waterfall now starts from the median of 110, 120, 120, 130, 160 = 120; the elements'
    // medians stay over the four that split their cost (25 + 60 + 45 = 130). K1: fuel 20 − 25
    // = −5, labour 60 − 60 = 0, other 30 − 45 = −15; mix 110 − 120 − (−20) = 10.
    let waterfall = cost_waterfall(&engine, id("G"), id("K1"), march()).unwrap();
    assert_eq!(waterfall.median_total, d("120"));
    assert_eq!(waterfall.peers, 5);
    assert_eq!(waterfall.mix.normalize(), d("10"));
    let gaps: Vec<Decimal> = waterfall
        .steps
        .iter()
        .filter(|s| s.median.is_some())
        .map(|s| s.gap.normalize())
        .collect();
    assert_eq!(gaps, [d("-5"), d("0"), d("-15")]);
}
