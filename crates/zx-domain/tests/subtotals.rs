//! Filtered subtotals (`Engine::evaluate_units`): inputs summed over the chosen units, ratios
//! from those sums, never averaged; parents' own rows left out; missing units named.

use proptest::prelude::*;
use zx_domain::engine::Unavailable;
use zx_domain::{
    Basis, Catalogue, Decimal, Engine, Entity, EntityCode, EntityKind, EntityTree, Fact, Ledger,
    Month, Period,
};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn entity(code: &str, parent: Option<&str>, kind: EntityKind) -> Entity {
    Entity {
        code: EntityCode::parse(code).unwrap(),
        name: code.to_owned(),
        parent: parent.map(|p| EntityCode::parse(p).unwrap()),
        kind,
        region: String::new(),
        segment: String::new(),
    }
}

fn fact(entity: &str, month: &str, item: &str, value: &str) -> Fact {
    Fact {
        entity: EntityCode::parse(entity).unwrap(),
        month: Month::parse(month).unwrap(),
        item: item.to_owned(),
        value: d(value),
        basis: Basis::Month,
    }
}

/// G → A (plants P1, P2, and an elimination of its own), B (plant P3).
fn engine(facts: &[Fact]) -> Engine {
    let tree = EntityTree::build(vec![
        entity("G", None, EntityKind::Group),
        entity("A", Some("G"), EntityKind::Company),
        entity("B", Some("G"), EntityKind::Company),
        entity("P1", Some("A"), EntityKind::Plant),
        entity("P2", Some("A"), EntityKind::Plant),
        entity("P3", Some("B"), EntityKind::Plant),
    ])
    .unwrap();
    let catalogue = Catalogue::builtin().unwrap();
    let (ledger, _) = Ledger::from_facts(&tree, &catalogue, facts);
    Engine::new(tree, catalogue, ledger)
}

fn facts() -> Vec<Fact> {
    let mut facts = Vec::new();
    for (plant, revenue, rd, value_added, jan, feb) in [
        ("P1", "100", "5", "60", "10", "20"),
        ("P2", "300", "3", "90", "30", "30"),
        ("P3", "400", "10", "200", "40", "60"),
    ] {
        for month in ["2026-01", "2026-02"] {
            facts.push(fact(plant, month, "operating_revenue", revenue));
            facts.push(fact(plant, month, "rd_expenditure", rd));
            facts.push(fact(plant, month, "value_added", value_added));
        }
        facts.push(fact(plant, "2026-01", "avg_employees", jan));
        facts.push(fact(plant, "2026-02", "avg_employees", feb));
    }
    // A's own elimination: part of A's consolidated revenue, never of a plants' subtotal.
    facts.push(fact("A", "2026-01", "operating_revenue", "-50"));
    facts
}

fn ids(engine: &Engine, codes: &[&str]) -> Vec<usize> {
    codes
        .iter()
        .map(|c| engine.tree().id_of(c).unwrap())
        .collect()
}

#[test]
fn a_subtotal_is_a_ratio_of_sums_not_an_average_of_ratios() {
    let engine = engine(&facts());
    let catalogue = engine.catalogue();
    let rd = catalogue.indicator_index("rd_intensity").unwrap();
    let productivity = catalogue.indicator_index("labour_productivity").unwrap();
    let ytd = Period::new(Month::parse("2026-02").unwrap(), Basis::Ytd);
    let units = ids(&engine, &["P1", "P3"]);
    // R&D (5+5+10+10) / revenue (100+100+400+400) = 30 / 1000; the units' own ratios are
    // 5 % and 2.5 %, whose average (3.75 %) would be wrong.
    assert_eq!(engine.evaluate_units(&units, ytd, rd), Ok(d("0.03")));
    // Value added (60+60+200+200) / average employees ((10+20)/2 + (40+60)/2 = 65) = 8.
    assert_eq!(engine.evaluate_units(&units, ytd, productivity), Ok(d("8")));
    // A's plants without A's own elimination: R&D (5+5+3+3) / revenue (100+100+300+300) = 0.02,
    // while A itself, with the −50 elimination, is 16 / 750.
    let a_plants = ids(&engine, &["P1", "P2"]);
    assert_eq!(engine.evaluate_units(&a_plants, ytd, rd), Ok(d("0.02")));
    let a = engine.tree().id_of("A").unwrap();
    assert_eq!(engine.evaluate(a, ytd, rd), Ok(d("16") / d("750")));
    // No units: nothing, not zero.
    assert_eq!(
        engine.evaluate_units(&[], ytd, rd),
        Err(Unavailable::NoUnits)
    );
    // One unit alone is that unit.
    let p3 = ids(&engine, &["P3"]);
    assert_eq!(
        engine.evaluate_units(&p3, ytd, rd),
        engine.evaluate(p3[0], ytd, rd)
    );
}

#[test]
fn a_subtotal_names_every_unit_that_has_not_reported() {
    let facts: Vec<Fact> = facts()
        .into_iter()
        .filter(|f| {
            !(f.item == "rd_expenditure"
                && f.month == Month::parse("2026-02").unwrap()
                && (f.entity.as_str() == "P1" || f.entity.as_str() == "P3"))
        })
        .collect();
    let engine = engine(&facts);
    let rd = engine.catalogue().indicator_index("rd_intensity").unwrap();
    let ytd = Period::new(Month::parse("2026-02").unwrap(), Basis::Ytd);
    let units = ids(&engine, &["P1", "P2", "P3"]);
    match engine.evaluate_units(&units, ytd, rd) {
        Err(Unavailable::Missing {
            item,
            months,
            entities,
        }) => {
            assert_eq!(item, "rd_expenditure");
            assert_eq!(months, vec![Month::parse("2026-02").unwrap()]);
            let names: Vec<&str> = entities.iter().map(|e| e.as_str()).collect();
            assert_eq!(names, vec!["P1", "P3"]);
        }
        other => panic!("expected missing data, got {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any split of the plants into two groups: the subtotal of all of them is the ratio of
    /// the two groups' summed inputs, whatever the numbers.
    #[test]
    fn subtotals_add_inputs_over_units(
        values in proptest::collection::vec((1i64..10_000_000, 0i64..1_000_000), 3),
    ) {
        let mut facts = Vec::new();
        for (plant, (revenue, rd)) in ["P1", "P2", "P3"].iter().zip(&values) {
            facts.push(fact(plant, "2026-01", "operating_revenue", &Decimal::new(*revenue, 2).to_string()));
            facts.push(fact(plant, "2026-01", "rd_expenditure", &Decimal::new(*rd, 2).to_string()));
        }
        let engine = engine(&facts);
        let rd = engine.catalogue().indicator_index("rd_intensity").unwrap();
        let month = Period::new(Month::parse("2026-01").unwrap(), Basis::Month);
        let units = ids(&engine, &["P1", "P2", "P3"]);
        let revenue: i64 = values.iter().map(|v| v.0).sum();
        let spent: i64 = values.iter().map(|v| v.1).sum();
        prop_assert_eq!(
            engine.evaluate_units(&units, month, rd),
            Ok(Decimal::new(spent, 2) / Decimal::new(revenue, 2))
        );
        // B's only plant is B: one unit's subtotal is its consolidated value.
        let b = engine.tree().id_of("B").unwrap();
        prop_assert_eq!(
            engine.evaluate_units(&ids(&engine, &["P3"]), month, rd),
            engine.evaluate(b, month, rd)
        );
    }
}
