//! Months out of line with their history, worked by hand on a group of two plants (G → P1, P2)
//! over 2024-01 … 2026-03: P1 books a profit of 100 (元) every month, until March 2026 keys
//! 1,000 (a zero too many); P2 books 50 every month. Nothing else is reported, so of the six
//! indicators only total profit has values.

use zx_domain::outliers::{Basis, MonthFlag, Rule, Subject, flags_for_year};
use zx_domain::{Catalogue, Engine, EntityKind, Fact, Lang, Ledger, Month};

mod common;
use common::{code, d};

fn engine() -> Engine {
    let tree = common::tree(&[
        ("G", None, EntityKind::Group),
        ("P1", Some("G"), EntityKind::Plant),
        ("P2", Some("G"), EntityKind::Plant),
    ]);
    let mut facts = Vec::new();
    let mut month = Month::new(2024, 1).unwrap();
    let last = Month::new(2026, 3).unwrap();
    while month <= last {
        let p1 = if month == last { "1000" } else { "100" };
        for (entity, value) in [("P1", p1), ("P2", "50")] {
            facts.push(Fact {
                entity: code(entity),
                month,
                item: "total_profit".to_owned(),
                value: d(value),
                basis: zx_domain::Basis::Month,
            });
        }
        month = month.offset(1).unwrap();
    }
    let catalogue = Catalogue::builtin().unwrap();
    let (ledger, notes) = Ledger::from_facts(&tree, &catalogue, &facts);
    assert!(notes.is_empty(), "{notes:?}");
    Engine::new(tree, catalogue, ledger)
}

fn flags(engine: &Engine, entity: &str) -> Vec<(u32, String, MonthFlag)> {
    let id = engine.tree().id_of(entity).unwrap();
    flags_for_year(engine, id, 2026, Rule::default())
        .into_iter()
        .flat_map(|(month, list)| {
            list.into_iter().map(move |flag| {
                (
                    month.month(),
                    flag.code(engine.catalogue()).to_owned(),
                    flag,
                )
            })
        })
        .collect()
}

#[test]
fn a_zero_too_many_is_flagged_where_it_was_keyed_and_where_it_adds_up() {
    let engine = engine();
    // P1, March 2026: the year-on-year changes of April 2025 … February 2026 are all 0 (March
    // 2025 is the anchor: 100), so 100 is expected; the spread is 0 and P1's typical size 100,
    // so 0 … 200 would pass. 1,000 is out: as the item it keyed and as its month's total profit.
    let p1 = flags(&engine, "P1");
    let summary: Vec<(u32, &str, bool)> = p1
        .iter()
        .map(|(m, c, f)| (*m, c.as_str(), matches!(f.subject, Subject::Item(_))))
        .collect();
    assert_eq!(
        summary,
        vec![(3, "total_profit", true), (3, "total_profit", false)]
    );
    let out = &p1[0].2.out;
    assert_eq!(
        (out.value, out.expected, out.low, out.high, out.basis),
        (d("1000"), d("100"), d("0"), d("200"), Basis::YearOnYear)
    );
    assert_eq!(
        p1[0].2.sentence(engine.catalogue(), Lang::Zh),
        "利润总额 0.10 万元 偏离自身历史规律：预期约 0.01，合理范围 0.00～0.02（按同比推算）"
    );
    // G consolidates 150 a month and 1,050 in March: expected 150, 0 … 300 would pass. G books
    // nothing itself, so only the indicator is flagged there.
    let g = flags(&engine, "G");
    assert_eq!(g.len(), 1, "{g:?}");
    assert!(matches!(g[0].2.subject, Subject::Indicator(_)));
    assert_eq!(
        (g[0].2.out.value, g[0].2.out.expected, g[0].2.out.high),
        (d("1050"), d("150"), d("300"))
    );
    // P2 did nothing out of the ordinary.
    assert!(flags(&engine, "P2").is_empty());
}
