//! Invariants of consolidation, checked on random trees and data.

use proptest::prelude::*;
use zx_domain::engine::Unavailable;
use zx_domain::formula::Aggregation;
use zx_domain::{
    Basis, Catalogue, Decimal, Engine, Entity, EntityCode, EntityKind, EntityTree, Fact, FactTable,
    Ledger, Month, Period,
};

const ITEMS: [&str; 9] = [
    "operating_revenue",
    "total_profit",
    "net_profit",
    "operating_cash_flow",
    "rd_expenditure",
    "value_added",
    "avg_employees",
    "total_assets",
    "total_liabilities",
];

fn month(offset: i32) -> Month {
    Month::parse("2025-12").unwrap().offset(offset).unwrap()
}

/// A random tree (parent of node i is some j < i), and for each node and month a value per item:
/// leaves report everything; parents sometimes have own rows (eliminations).
/// Per entity, per month, per item: a value in cents, or no row.
type Values = Vec<Vec<Vec<Option<i64>>>>;

fn group() -> impl Strategy<Value = (Vec<usize>, Values)> {
    (2usize..25).prop_flat_map(|n| {
        let parents = (1..n).map(|i| 0..i).collect::<Vec<_>>();
        let values = proptest::collection::vec(
            proptest::collection::vec(
                proptest::collection::vec(
                    proptest::option::weighted(0.9, -5_000_000_000i64..5_000_000_000),
                    ITEMS.len(),
                ),
                7,
            ),
            n,
        );
        (parents, values)
    })
}

fn build(parents: &[usize], values: &[Vec<Vec<Option<i64>>>]) -> (Engine, Vec<Fact>) {
    let n = values.len();
    let code = |i: usize| EntityCode::parse(&format!("E{i}")).unwrap();
    let entities: Vec<Entity> = (0..n)
        .map(|i| Entity {
            code: code(i),
            name: format!("E{i}"),
            parent: if i == 0 {
                None
            } else {
                Some(code(parents[i - 1]))
            },
            kind: if i == 0 {
                EntityKind::Group
            } else {
                EntityKind::Company
            },
            region: String::new(),
            segment: String::new(),
        })
        .collect();
    let tree = EntityTree::build(entities).unwrap();
    let mut facts = Vec::new();
    for (i, months) in values.iter().enumerate() {
        let leaf = tree.is_leaf(tree.id_of(&format!("E{i}")).unwrap());
        for (m, items) in months.iter().enumerate() {
            for (k, value) in items.iter().enumerate() {
                // Leaves always report (so data is complete); parents only sometimes.
                let value = match (value, leaf) {
                    (Some(v), _) => *v,
                    (None, true) => 1,
                    (None, false) => continue,
                };
                let value = if ITEMS[k] == "avg_employees" {
                    value.abs() % 5000
                } else {
                    value
                };
                facts.push(Fact {
                    entity: code(i),
                    month: month(m as i32),
                    item: ITEMS[k].to_owned(),
                    value: Decimal::new(value, 2),
                    basis: Basis::Month,
                });
            }
        }
    }
    let catalogue = Catalogue::builtin().unwrap();
    let (ledger, notes) = Ledger::from_facts(&tree, &catalogue, &facts);
    assert!(notes.is_empty());
    (Engine::new(tree, catalogue, ledger), facts)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A parent's total is its own rows plus its children's totals, and the root's total is the
    /// sum of every row in the group.
    #[test]
    fn consolidation_is_additive((parents, values) in group()) {
        let (engine, facts) = build(&parents, &values);
        let tree = engine.tree();
        let catalogue = engine.catalogue();
        for code in ITEMS {
            let item = catalogue.item_index(code).unwrap();
            for m in 0..7 {
                let month = month(m);
                for id in 0..tree.len() {
                    let own = engine.ledger().get(id, item, month).unwrap_or(Decimal::ZERO);
                    let children: Decimal = tree.children(id).iter()
                        .map(|&c| engine.total(c, item, month).unwrap()).sum();
                    prop_assert_eq!(engine.total(id, item, month).unwrap(), own + children);
                }
                let everything: Decimal = facts.iter()
                    .filter(|f| f.item == code && f.month == month)
                    .map(|f| f.value).sum();
                let root = tree.roots()[0];
                prop_assert_eq!(engine.total(root, item, month).unwrap(), everything);
            }
        }
    }

    /// Ratios of a parent come from consolidated numerators and denominators, and a YTD flow is
    /// the sum of the months.
    #[test]
    fn ratios_are_recomputed_and_ytd_is_the_sum_of_months((parents, values) in group()) {
        let (engine, facts) = build(&parents, &values);
        let catalogue = engine.catalogue();
        let root = engine.tree().roots()[0];
        let june = month(6);
        let sum = |item: &str, months: &[Month]| -> Decimal {
            facts.iter().filter(|f| f.item == item && months.contains(&f.month)).map(|f| f.value).sum()
        };
        let assets = sum("total_assets", &[june]);
        let liabilities = sum("total_liabilities", &[june]);
        let alr = engine.evaluate(root, Period::new(june, Basis::Ytd), catalogue.indicator_index("asset_liability_ratio").unwrap());
        if assets.is_zero() {
            prop_assert!(matches!(alr, Err(Unavailable::DivisionByZero { .. })), "division by zero must be reported");
        } else {
            prop_assert_eq!(alr.unwrap(), liabilities / assets);
        }
        let half_year: Vec<Month> = (1..=6).map(month).collect();
        let revenue = catalogue.item_index("operating_revenue").unwrap();
        for id in 0..engine.tree().len() {
            let ytd = engine.read(id, revenue, Aggregation::Flow, Period::new(june, Basis::Ytd)).unwrap();
            let by_month: Decimal = half_year.iter()
                .map(|&m| engine.read(id, revenue, Aggregation::Flow, Period::new(m, Basis::Month)).unwrap())
                .sum();
            prop_assert_eq!(ytd, by_month);
        }
        let expected_revenue = sum("operating_revenue", &half_year);
        prop_assert_eq!(engine.read(root, revenue, Aggregation::Flow, Period::new(june, Basis::Ytd)).unwrap(), expected_revenue);
    }
}

/// A leaf that has not reported makes every ancestor unavailable, naming the leaf.
#[test]
fn a_missing_leaf_row_is_never_silently_left_out() {
    let parents = vec![0, 0, 1];
    let values = vec![vec![vec![Some(100); ITEMS.len()]; 7]; 4];
    let (engine, mut facts) = build(&parents, &values);
    facts.retain(|f| {
        !(f.entity.as_str() == "E3" && f.item == "operating_revenue" && f.month == month(5))
    });
    let catalogue = Catalogue::builtin().unwrap();
    let (ledger, _) = Ledger::from_facts(engine.tree(), &catalogue, &facts);
    let engine = Engine::new(engine.tree().clone(), catalogue.clone(), ledger);
    let rd = catalogue.indicator_index("rd_intensity").unwrap();
    let june = Period::new(month(6), Basis::Ytd);
    for code in ["E0", "E1", "E3"] {
        let id = engine.tree().id_of(code).unwrap();
        match engine.evaluate(id, june, rd) {
            Err(Unavailable::Missing {
                item,
                months,
                entities,
            }) => {
                assert_eq!(item, "operating_revenue");
                assert_eq!(months, vec![month(5)]);
                assert_eq!(entities, vec![EntityCode::parse("E3").unwrap()]);
            }
            other => panic!("{code}: expected missing, got {other:?}"),
        }
    }
    // E2 is a sibling branch: unaffected. June alone does not read May: unaffected.
    let e2 = engine.tree().id_of("E2").unwrap();
    assert!(engine.evaluate(e2, june, rd).is_ok());
    let e0 = engine.tree().id_of("E0").unwrap();
    assert!(
        engine
            .evaluate(e0, Period::new(month(6), Basis::Month), rd)
            .is_ok()
    );
}

/// Codes a stored row may carry: the tree's, an unknown entity, an unknown item and a derived one.
const ROW_ENTITIES: [&str; 4] = ["E0", "E1", "E2", "GONE"];
const ROW_ITEMS: [&str; 5] = [
    "operating_revenue",
    "total_assets",
    "net_profit",
    "no_such_item",
    "net_assets",
];

proptest! {
    /// The columnar load gives the ledger and the notes (same ones, same order) that the rows
    /// give as `Fact`s, whatever they hold: unknown codes, derived items, YTD rows with gaps,
    /// repeated keys, negative amounts, any order.
    #[test]
    fn a_fact_table_builds_the_ledger_its_facts_build(
        rows in proptest::collection::vec(
            (0..ROW_ENTITIES.len(), 0..ROW_ITEMS.len(), 0i32..14, -500i64..5_000, any::<bool>()),
            0..120,
        )
    ) {
        let entity = |code: &str, parent: Option<&str>| Entity {
            code: EntityCode::parse(code).unwrap(),
            name: code.to_owned(),
            parent: parent.map(|p| EntityCode::parse(p).unwrap()),
            kind: EntityKind::Company,
            region: String::new(),
            segment: String::new(),
        };
        let tree = EntityTree::build(vec![
            entity("E0", None),
            entity("E1", Some("E0")),
            entity("E2", Some("E0")),
        ])
        .unwrap();
        let facts: Vec<Fact> = rows
            .iter()
            .map(|&(e, i, m, v, ytd)| Fact {
                entity: EntityCode::parse(ROW_ENTITIES[e]).unwrap(),
                month: month(m),
                item: ROW_ITEMS[i].to_owned(),
                value: Decimal::new(v, 2),
                basis: if ytd { Basis::Ytd } else { Basis::Month },
            })
            .collect();
        let catalogue = Catalogue::builtin().unwrap();
        let (by_rows, notes_by_rows) = Ledger::from_facts(&tree, &catalogue, &facts);
        let table = FactTable::from_facts(&facts);
        prop_assert_eq!(table.to_facts(), facts.clone());
        let (by_table, notes_by_table) = Ledger::from_table(&tree, &catalogue, &table);
        prop_assert_eq!(notes_by_table, notes_by_rows);
        prop_assert_eq!(by_table.first_month(), by_rows.first_month());
        prop_assert_eq!(by_table.month_count(), by_rows.month_count());
        for id in 0..tree.len() {
            for item in 0..catalogue.items().len() {
                for m in 0..by_rows.month_count() as i32 {
                    let at = by_rows.first_month().offset(m).unwrap();
                    prop_assert_eq!(by_table.get(id, item, at), by_rows.get(id, item, at));
                }
            }
        }
    }
}
