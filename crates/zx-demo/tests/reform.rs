//! The demo's reform figures (reform.md): every plant and month, plausible, and pay follows
//! results failing in exactly one subsidiary, 四川.

use zx_demo::{REFORM_ITEMS, WORKFORCE_ITEMS, demo_group};
use zx_domain::{
    Basis, Catalogue, Decimal, Engine, EntityKind, EntityTree, Ledger, Month, Period, TargetBook,
};

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn engine() -> Engine {
    let data = demo_group();
    let tree = EntityTree::build(data.entities.clone()).unwrap();
    let catalogue = Catalogue::builtin().unwrap();
    let (ledger, notes) = Ledger::from_facts(&tree, &catalogue, &data.facts);
    assert!(notes.is_empty(), "{notes:?}");
    Engine::new(tree, catalogue, ledger)
}

#[test]
fn every_plant_reports_the_reform_items_every_month() {
    let data = demo_group();
    let reform: Vec<_> = data
        .facts
        .iter()
        .filter(|f| REFORM_ITEMS.contains(&f.item.as_str()))
        .collect();
    // 57 plants × 34 months (2024-01 to 2026-10) × 8 items.
    assert_eq!(reform.len(), 57 * 34 * 8);
    assert_eq!(reform.len(), 15_504);
    // Before them, the 43,667 rows the demo had without them (archive.rs counts them), unmoved:
    // the reform rows come last.
    // After them, the workforce rows: 57 plants × 34 months × 11 items (three hiring
    // channels, six exit reasons, employees and dispatched workers at the month's end).
    assert_eq!(57 * 34 * 11, 21_318);
    assert_eq!(data.facts.len(), 43_667 + 15_504 + 21_318);
    assert!(
        data.facts[..43_667]
            .iter()
            .all(|f| !REFORM_ITEMS.contains(&f.item.as_str()))
    );
    assert!(
        data.facts[43_667 + 15_504..]
            .iter()
            .all(|f| WORKFORCE_ITEMS.contains(&f.item.as_str()))
    );
    let plants = |code: &str| {
        data.entities
            .iter()
            .any(|e| e.code.as_str() == code && e.kind == EntityKind::Plant)
    };
    assert!(reform.iter().all(|f| plants(f.entity.as_str())));
    // 福建 and 四川 file their flows year to date, the stocks as month rows.
    let fj = reform
        .iter()
        .find(|f| f.entity.as_str() == "FJ-JJ-WTE" && f.item == "wage_total")
        .unwrap();
    assert_eq!(fj.basis, Basis::Ytd);
    assert!(
        reform
            .iter()
            .filter(|f| f.item == "managers_end")
            .all(|f| f.basis == Basis::Month)
    );
}

#[test]
fn the_reform_figures_are_plausible_month_by_month() {
    let engine = engine();
    let catalogue = engine.catalogue();
    let tree = engine.tree();
    let item = |code: &str| catalogue.item_index(code).unwrap();
    let mut month = Month::new(2024, 1).unwrap();
    let last = Month::new(2026, 10).unwrap();
    let mut checked = 0;
    while month <= last {
        for id in tree.leaves_under(tree.id_of("ZX").unwrap()) {
            // The month's own amounts (YTD rows de-cumulated by the ledger).
            let get = |code: &str| engine.ledger().get(id, item(code), month).unwrap();
            let ratio = get("labour_cost") / get("wage_total");
            assert!(
                (d("1.29")..=d("1.46")).contains(&ratio),
                "{month} {}: labour cost / wages {ratio}",
                tree.entity(id).code
            );
            for persons in ["hires", "exits", "exits_market", "managers_adjusted"] {
                let n = get(persons);
                assert!(n.is_integer() && n >= Decimal::ZERO && n <= d("30"), "{n}");
            }
            assert!(get("exits_market") <= get("exits"));
            let managers = get("managers_end");
            assert!(managers >= d("2") && managers.is_integer());
            assert!(get("managers_contracted_end") <= managers);
            assert!(get("managers_adjusted") <= managers);
            checked += 1;
        }
        month = month.offset(1).unwrap();
    }
    assert_eq!(checked, 57 * 34);
}

#[test]
fn pay_follows_results_fails_in_sichuan_alone() {
    let engine = engine();
    let tree = engine.tree();
    let targets = TargetBook::default();
    for m in 1..=10 {
        let period = Period::new(Month::new(2026, m).unwrap(), Basis::Ytd);
        for code in ["ZX", "FJ", "JX", "GD", "ZJ", "HN"] {
            let rule = engine
                .kpi(tree.id_of(code).unwrap(), period, &targets)
                .wage_linkage
                .unwrap();
            assert_eq!(rule.holds, Some(true), "{code} {period:?}: {rule:?}");
        }
    }
    // 四川 from April, when 南充's outage has turned its year-to-date profit down: wages still
    // grow (about 4 %).
    let sc = tree.id_of("SC").unwrap();
    for m in 4..=10 {
        let period = Period::new(Month::new(2026, m).unwrap(), Basis::Ytd);
        let rule = engine.wage_linkage(sc, period).unwrap();
        assert!(rule.profit_growth.unwrap() < Decimal::ZERO, "{rule:?}");
        assert!(rule.wage_growth.unwrap() > d("0.03"), "{rule:?}");
        assert_eq!(rule.holds, Some(false));
    }
    // Before it, profit still grew faster than pay.
    let march = Period::new(Month::new(2026, 3).unwrap(), Basis::Ytd);
    assert_eq!(engine.wage_linkage(sc, march).unwrap().holds, Some(true));
    let subsidiaries_failing = tree
        .children(tree.id_of("ZX").unwrap())
        .iter()
        .filter(|&&id| {
            let october = Period::new(Month::new(2026, 10).unwrap(), Basis::Ytd);
            engine.wage_linkage(id, october).unwrap().holds == Some(false)
        })
        .count();
    assert_eq!(subsidiaries_failing, 1);
}
