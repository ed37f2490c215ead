//! The demo group and the synthetic generator drive the engine as intended.

use std::collections::BTreeMap;

use zx_demo::{DemoData, demo_group, demo_last_month, synthetic_group, write_csv};
use zx_domain::{
    Basis, Catalogue, Engine, EntityKind, EntityTree, Ledger, Period, Status, TargetBook,
};

fn engine(data: &DemoData) -> Engine {
    let tree = EntityTree::build(data.entities.clone()).expect("the tree builds");
    let catalogue = Catalogue::builtin().unwrap();
    let (ledger, notes) = Ledger::from_facts(&tree, &catalogue, &data.facts);
    assert!(notes.is_empty(), "{notes:?}");
    Engine::new(tree, catalogue, ledger)
}

#[test]
fn demo_group_is_deterministic() {
    assert_eq!(demo_group(), demo_group());
}

#[test]
fn demo_group_has_a_realistic_size() {
    let data = demo_group();
    let count = |kind| data.entities.iter().filter(|e| e.kind == kind).count();
    assert!(
        (55..=75).contains(&data.entities.len()),
        "{}",
        data.entities.len()
    );
    assert!((5..=8).contains(&count(EntityKind::Subsidiary)));
    assert_eq!(count(EntityKind::Group), 1);
    assert!(count(EntityKind::Plant) >= 50);
    // Every entity has a target for each of the six indicators.
    assert_eq!(data.targets.len(), data.entities.len() * 6);
    assert!(data.targets.iter().all(|t| t.year == 2026));
}

#[test]
fn demo_group_drives_the_engine_and_shows_red() {
    let data = demo_group();
    let engine = engine(&data);
    let targets = TargetBook::new(data.targets.clone());
    let period = Period::new(demo_last_month(), Basis::Ytd);
    let tree = engine.tree();
    let group = tree.id_of("ZX").unwrap();
    let report = engine.kpi(group, period, &targets);
    for result in &report.indicators {
        let id = &engine.catalogue().indicator(result.indicator).id;
        assert!(result.value.is_ok(), "{id}: {:?}", result.value);
        assert!(result.last_year.is_ok(), "{id}: {:?}", result.last_year);
    }
    // Every entity has every indicator this year and last year.
    let mut statuses: BTreeMap<(String, String), Status> = BTreeMap::new();
    for id in 0..tree.len() {
        let report = engine.kpi(id, period, &targets);
        for result in &report.indicators {
            let indicator = engine.catalogue().indicator(result.indicator).id.clone();
            let code = tree.entity(id).code.to_string();
            assert!(
                result.value.is_ok(),
                "{code} {indicator}: {:?}",
                result.value
            );
            let status = result.assessment.as_ref().unwrap().status;
            statuses.insert((code, indicator), status);
        }
    }
    let status = |code: &str, indicator: &str| statuses[&(code.to_owned(), indicator.to_owned())];
    assert_eq!(status("SC-NC-WTE", "total_profit"), Status::Red);
    assert_eq!(status("JX-PX-WAT", "asset_liability_ratio"), Status::Red);
    assert_eq!(status("ZJ", "operating_cash_ratio"), Status::Red);
    assert_eq!(status("HN-SY-PV", "rd_intensity"), Status::Red);
    let plants_red_on_profit = statuses
        .iter()
        .filter(|((code, ind), s)| {
            ind == "total_profit"
                && **s == Status::Red
                && tree.entity(tree.id_of(code).unwrap()).kind == EntityKind::Plant
        })
        .count();
    assert!(plants_red_on_profit >= 1);
    // Most lights are green or yellow.
    let red = statuses.values().filter(|s| **s == Status::Red).count();
    assert!(red * 4 < statuses.len(), "{red} of {} red", statuses.len());
}

#[test]
fn synthetic_group_has_the_requested_size() {
    let data = synthetic_group(1000, 12, 1);
    assert_eq!(data.entities.len(), 1000);
    let tree = EntityTree::build(data.entities.clone()).unwrap();
    let leaves = (0..tree.len()).filter(|&id| tree.is_leaf(id)).count();
    assert_eq!(data.facts.len(), leaves * (2 + 9 * 12));
    let depth = (0..tree.len()).map(|id| tree.depth(id)).max().unwrap();
    assert_eq!(depth, 3, "group → subsidiary → company → plant");
    assert_eq!(data.targets.len(), 1000 * 6);
    assert!(data.facts.iter().all(|f| f.basis == Basis::Month));
    assert_eq!(data, synthetic_group(1000, 12, 1));
    assert_ne!(data.facts, synthetic_group(1000, 12, 2).facts);
}

#[test]
fn synthetic_group_drives_the_engine() {
    let data = synthetic_group(200, 24, 1);
    let engine = engine(&data);
    let root = engine.tree().id_of("G").unwrap();
    for month in 1..=12 {
        let end = zx_domain::Month::new(2026, month).unwrap();
        for indicator in 0..engine.catalogue().indicators().len() {
            let value = engine.evaluate(root, Period::new(end, Basis::Ytd), indicator);
            assert!(value.is_ok(), "{end} {indicator}: {value:?}");
        }
    }
    for n in [0, 1, 2, 3, 7, 50] {
        let data = synthetic_group(n, 3, 9);
        assert_eq!(data.entities.len(), n);
        if n > 0 {
            EntityTree::build(data.entities).unwrap();
        }
    }
}

#[test]
fn csv_files_round_trip_the_row_counts() {
    let data = demo_group();
    let dir = tempfile::tempdir().unwrap();
    write_csv(&data, dir.path()).unwrap();
    let lines = |name: &str| {
        std::fs::read_to_string(dir.path().join(name))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!(lines("entities.csv"), data.entities.len() + 1);
    assert_eq!(lines("data.csv"), data.facts.len() + 1);
    assert_eq!(lines("targets.csv"), data.targets.len() + 1);
    let head = std::fs::read_to_string(dir.path().join("data.csv")).unwrap();
    assert!(head.starts_with("entity,period,item,value,basis\n"));
}
