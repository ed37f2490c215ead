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
                                report
                                    .rule
                                    .verdicts
                                    .iter()
                                    .find(|v| v.indicator == index)
                                    .unwrap()
                                    .holds
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
                            "expected" => {
                                expect_decimal(value, assessment.map(|a| a.expected), &what)
                            }
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

#[test]
fn explain_names_own_eliminations_and_children() {
    let (engine, _) = engine_and_targets();
    let g = engine.tree().id_of("G").unwrap();
    let period = Period::new(Month::parse("2026-03").unwrap(), Basis::Ytd);
    let profit = engine.catalogue().indicator_index("total_profit").unwrap();
    let explanation = engine.explain(g, period, profit);
    let d = |s: &str| s.parse::<Decimal>().unwrap();
    assert_eq!(explanation.value, Ok(d("1683748.34")));
    assert_eq!(explanation.formula, "flow(total_profit)");
    let input = &explanation.inputs[0];
    assert_eq!(input.call, "flow(total_profit)");
    // G's own row: the January 2026 elimination of the example data.
    assert_eq!(input.own, Some(d("-48931.32")));
    let children: Vec<(&str, Decimal)> = input
        .children
        .iter()
        .map(|(id, v)| {
            (
                engine.tree().entity(*id).code.as_str(),
                *v.as_ref().unwrap(),
            )
        })
        .collect();
    // S2's figure is expected.json's; S1 is what remains: 1683748.34 + 48931.32 − 153473.74.
    assert_eq!(
        children,
        vec![("S1", d("1579205.92")), ("S2", d("153473.74"))]
    );

    // ROE reads three inputs: the flow of net profit and both net-asset balances.
    let roe = engine.catalogue().indicator_index("roe").unwrap();
    let calls: Vec<String> = engine
        .explain(g, period, roe)
        .inputs
        .iter()
        .map(|i| i.call.clone())
        .collect();
    assert_eq!(
        calls,
        ["flow(net_profit)", "opening(net_assets)", "end(net_assets)"]
    );
}
