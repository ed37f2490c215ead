//! The worked example of kpi.md: every indicator for every entity for 2026-03 on both bases,
//! against values computed independently (testdata/kpi-example/expected.json).

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;
use zx_domain::{
    Basis, Catalogue, Engine, Entity, EntityCode, EntityKind, EntityTree, Fact, Ledger, Month,
    Period, Target, TargetBook,
};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/kpi-example");

fn rows(file: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(format!("{DIR}/{file}")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|s| s.trim().to_owned()).collect())
        .collect()
}

fn engine_and_targets() -> (Engine, TargetBook) {
    let entities = rows("entities.csv")
        .into_iter()
        .map(|r| Entity {
            code: EntityCode::parse(&r[0]).unwrap(),
            name: r[1].clone(),
            parent: (!r[2].is_empty()).then(|| EntityCode::parse(&r[2]).unwrap()),
            kind: EntityKind::parse(&r[3]).unwrap(),
            region: r[4].clone(),
            segment: r[5].clone(),
        })
        .collect();
    let tree = EntityTree::build(entities).unwrap();
    let facts: Vec<Fact> = rows("data.csv")
        .into_iter()
        .map(|r| Fact {
            entity: EntityCode::parse(&r[0]).unwrap(),
            month: Month::parse(&r[1]).unwrap(),
            item: r[2].clone(),
            value: r[3].parse().unwrap(),
            basis: Basis::parse(r.get(4).map_or("month", |s| s.as_str())).unwrap(),
        })
        .collect();
    let catalogue = Catalogue::builtin().unwrap();
    let (ledger, notes) = Ledger::from_facts(&tree, &catalogue, &facts);
    assert!(notes.is_empty(), "{notes:?}");
    let targets = TargetBook::new(rows("targets.csv").into_iter().map(|r| Target {
        entity: EntityCode::parse(&r[0]).unwrap(),
        year: r[1].parse().unwrap(),
        indicator: r[2].clone(),
        value: r[3].parse().unwrap(),
    }));
    (Engine::new(tree, catalogue, ledger), targets)
}

fn round12(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(12, RoundingStrategy::MidpointNearestEven)
}

fn expect_decimal(expected: &Value, actual: Option<Decimal>, what: &str) {
    match expected {
        Value::Null => assert_eq!(actual, None, "{what}"),
        Value::String(s) => {
            let want: Decimal = s.parse().unwrap();
            let got = actual.unwrap_or_else(|| panic!("{what}: expected {s}, got null"));
            assert_eq!(round12(got), want, "{what}");
        }
        other => panic!("{what}: unexpected {other}"),
    }
}

#[test]
fn reproduces_every_value_of_the_worked_example() {
    let (engine, targets) = engine_and_targets();
    let expected: BTreeMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/expected.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    for (period_text, bases) in &expected {
        let month = Month::parse(period_text).unwrap();
        for (basis_text, entities) in bases.as_object().unwrap() {
            let period = Period::new(month, Basis::parse(basis_text).unwrap());
            for (code, indicators) in entities.as_object().unwrap() {
                let id = engine.tree().id_of(code).unwrap();
                let report = engine.kpi(id, period, &targets);
                for (name, want) in indicators.as_object().unwrap() {
                    let what = format!("{period_text} {basis_text} {code} {name}");
                    if name == "_rule" {
                        let catalogue = engine.catalogue();
                        for (key, verdict) in want.as_object().unwrap() {
                            let got = if key == "holds" {
                                report.rule.holds
                            } else {
                                let index = catalogue.indicator_index(key).unwrap();
                                report.rule.verdicts.iter().find(|v| v.indicator == index).unwrap().holds
                            };
                            assert_eq!(got, verdict.as_bool(), "{what} {key}");
                            checked += 1;
                        }
                        continue;
                    }
                    let result = report.get(&engine, name).unwrap();
                    for (field, value) in want.as_object().unwrap() {
                        let what = format!("{what}.{field}");
                        let assessment = result.assessment.as_ref();
                        match field.as_str() {
                            "value" => expect_decimal(value, result.value.clone().ok(), &what),
                            "yoy" => expect_decimal(value, result.yoy.clone().ok(), &what),
                            "annualised" => expect_decimal(value, result.annualised, &what),
                            "target" => expect_decimal(value, assessment.map(|a| a.target), &what),
                            "expected" => expect_decimal(value, assessment.map(|a| a.expected), &what),
                            "attainment" => {
                                expect_decimal(value, assessment.and_then(|a| a.attainment), &what)
                            }
                            "status" => assert_eq!(
                                assessment.map_or("none", |a| a.status.as_str()),
                                value.as_str().unwrap(),
                                "{what}"
                            ),
                            other => panic!("unknown field {other}"),
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 250, "only {checked} values checked");
}
