//! Workforce movement worked by hand on a group of two plants (G → P1, P2), first quarters of
//! 2025 and 2026: hires by channel and exits by reason consolidated, market exits against their
//! reasons, the people and money year to date against last year, the months for the chart, and
//! the workforce indicators (headcount, the dispatched share and its 10 % limit, per capita).

use zx_domain::workforce::Figure;
use zx_domain::{
    Basis, Catalogue, Decimal, Engine, EntityKind, EntityTree, Fact, Ledger, Month, Period,
};

mod common;
use common::{code, d};

fn tree() -> EntityTree {
    common::tree(&[
        ("G", None, EntityKind::Group),
        ("P1", Some("G"), EntityKind::Plant),
        ("P2", Some("G"), EntityKind::Plant),
    ])
}

fn push(facts: &mut Vec<Fact>, entity: &str, year: i32, rows: &[(&str, [i64; 3])]) {
    for &(item, values) in rows {
        for (m, value) in (1..=3).zip(values) {
            facts.push(Fact {
                entity: code(entity),
                month: Month::new(year, m).unwrap(),
                item: item.to_owned(),
                value: Decimal::from(value),
                basis: Basis::Month,
            });
        }
    }
}

/// 2026 (month amounts; stocks at each month's end):
///
/// | | hires (campus, social, other) | exits (contract end, dismissed, resigned) | market exits | employees | dispatched | avg staff | labour | wages | value added | profit |
/// |---|---|---|---|---|---|---|---|---|---|---|
/// | P1 | 3,1,2 (1,0,2 · 2,0,0 · 0,1,0) | 2,1,0 (1,0,0 · 0,1,0 · 1,0,0) | 1,1,0 | 100,100,102 | 8,8,9 | 100,100,101 | 150,150,160 | 100,100,110 | 400,400,420 | 50,50,60 |
/// | P2 | 1,0,0 (other 1,0,0) | 0,0,1 (resigned 0,0,1) | 0,0,1 | 50,50,49 | 10,10,10 | 50 ×3 | 70 ×3 | 45 ×3 | 150 ×3 | 20 ×3 |
///
/// Retired, internal retirement and other exits are reported as 0 by both. 2025 has no
/// breakdown: P1 hires 1 ×3, exits 0,0,1, employees 105, dispatched 10, avg staff 105, labour
/// 140, wages 95, value added 380, profit 45 a month; P2 no hires or exits, 52, 12, 52, 65, 45,
/// 140, 25.
fn facts() -> Vec<Fact> {
    let mut facts = Vec::new();
    push(
        &mut facts,
        "P1",
        2026,
        &[
            ("hires", [3, 1, 2]),
            ("hires_campus", [1, 0, 2]),
            ("hires_social", [2, 0, 0]),
            ("hires_other", [0, 1, 0]),
            ("exits", [2, 1, 0]),
            ("exits_contract_end", [1, 0, 0]),
            ("exits_dismissed", [0, 1, 0]),
            ("exits_resigned", [1, 0, 0]),
            ("exits_retired", [0, 0, 0]),
            ("exits_internal_retirement", [0, 0, 0]),
            ("exits_other", [0, 0, 0]),
            ("exits_market", [1, 1, 0]),
            ("employees_end", [100, 100, 102]),
            ("dispatched_end", [8, 8, 9]),
            ("avg_employees", [100, 100, 101]),
            ("labour_cost", [150, 150, 160]),
            ("wage_total", [100, 100, 110]),
            ("value_added", [400, 400, 420]),
            ("total_profit", [50, 50, 60]),
        ],
    );
    push(
        &mut facts,
        "P2",
        2026,
        &[
            ("hires", [1, 0, 0]),
            ("hires_campus", [0, 0, 0]),
            ("hires_social", [0, 0, 0]),
            ("hires_other", [1, 0, 0]),
            ("exits", [0, 0, 1]),
            ("exits_contract_end", [0, 0, 0]),
            ("exits_dismissed", [0, 0, 0]),
            ("exits_resigned", [0, 0, 1]),
            ("exits_retired", [0, 0, 0]),
            ("exits_internal_retirement", [0, 0, 0]),
            ("exits_other", [0, 0, 0]),
            ("exits_market", [0, 0, 1]),
            ("employees_end", [50, 50, 49]),
            ("dispatched_end", [10, 10, 10]),
            ("avg_employees", [50, 50, 50]),
            ("labour_cost", [70, 70, 70]),
            ("wage_total", [45, 45, 45]),
            ("value_added", [150, 150, 150]),
            ("total_profit", [20, 20, 20]),
        ],
    );
    push(
        &mut facts,
        "P1",
        2025,
        &[
            ("hires", [1, 1, 1]),
            ("exits", [0, 0, 1]),
            ("exits_market", [0, 0, 0]),
            ("employees_end", [105; 3]),
            ("dispatched_end", [10; 3]),
            ("avg_employees", [105; 3]),
            ("labour_cost", [140; 3]),
            ("wage_total", [95; 3]),
            ("value_added", [380; 3]),
            ("total_profit", [45; 3]),
        ],
    );
    push(
        &mut facts,
        "P2",
        2025,
        &[
            ("hires", [0; 3]),
            ("exits", [0; 3]),
            ("exits_market", [0; 3]),
            ("employees_end", [52; 3]),
            ("dispatched_end", [12; 3]),
            ("avg_employees", [52; 3]),
            ("labour_cost", [65; 3]),
            ("wage_total", [45; 3]),
            ("value_added", [140; 3]),
            ("total_profit", [25; 3]),
        ],
    );
    facts
}

fn engine() -> Engine {
    let tree = tree();
    let catalogue = Catalogue::builtin().unwrap();
    let (ledger, notes) = Ledger::from_facts(&tree, &catalogue, &facts());
    assert!(notes.is_empty(), "{notes:?}");
    Engine::new(tree, catalogue, ledger)
}

fn march() -> Month {
    Month::parse("2026-03").unwrap()
}

fn pair(engine: &Engine, figure: &Figure) -> (String, Option<Decimal>, Option<Decimal>) {
    (
        engine.catalogue().item(figure.item).code.clone(),
        figure.this,
        figure.last,
    )
}

fn value(engine: &Engine, entity: &str, indicator: &str) -> Decimal {
    let index = engine.catalogue().indicator_index(indicator).unwrap();
    let id = engine.tree().id_of(entity).unwrap();
    engine
        .evaluate(id, Period::new(march(), Basis::Ytd), index)
        .unwrap()
}

#[test]
fn hires_and_exits_consolidate_with_their_parts() {
    let engine = engine();
    let g = engine.tree().id_of("G").unwrap();
    let story = engine.workforce(g, march());
    let hires = story.hires.unwrap();
    // Hires 6 + 1 = 7; last year 3 + 0 = 3.
    assert_eq!(
        pair(&engine, &hires.whole),
        ("hires".into(), Some(d("7")), Some(d("3")))
    );
    // Campus 3 + 0, social 2 + 0, other 1 + 1; no breakdown last year.
    let parts: Vec<_> = hires.parts.iter().map(|p| pair(&engine, p)).collect();
    assert_eq!(
        parts,
        vec![
            ("hires_campus".into(), Some(d("3")), None),
            ("hires_social".into(), Some(d("2")), None),
            ("hires_other".into(), Some(d("2")), None),
        ]
    );
    assert_eq!(hires.unexplained, Some(d("0")));
    let exits = story.exits.unwrap();
    // Exits 3 + 1 = 4, last year 1; contract end 1, dismissed 1, resigned 1 + 1 = 2.
    assert_eq!(exits.whole.this, Some(d("4")));
    assert_eq!(exits.whole.last, Some(d("1")));
    let reasons: Vec<_> = exits.parts.iter().map(|p| p.this).collect();
    let zero = Some(d("0"));
    assert_eq!(
        reasons,
        vec![Some(d("1")), Some(d("1")), Some(d("2")), zero, zero, zero]
    );
    assert_eq!(exits.unexplained, Some(d("0")));
    // Market exits reported 2 + 1 = 3, but the market reasons give 1 + 1 = 2: P2's March exit
    // was a resignation reported as market-based.
    assert_eq!(story.market.reported, Some(d("3")));
    assert_eq!(story.market.by_reason, Some(d("2")));
    assert!(story.market.disagrees());
    // P1 alone agrees: 2 reported, contract end 1 + dismissed 1.
    let p1 = engine.tree().id_of("P1").unwrap();
    let own = engine.workforce(p1, march());
    assert_eq!(own.market.reported, Some(d("2")));
    assert!(!own.market.disagrees());
}

#[test]
fn people_money_and_months() {
    let engine = engine();
    let g = engine.tree().id_of("G").unwrap();
    let story = engine.workforce(g, march());
    let people: Vec<_> = story.people.iter().map(|f| pair(&engine, f)).collect();
    assert_eq!(
        people,
        vec![
            // The months' summed headcount 150, 150, 151: mean 451 / 3; last year 157.
            (
                "avg_employees".into(),
                Some(d("451") / d("3")),
                Some(d("157"))
            ),
            // March's end: 102 + 49, last year 105 + 52.
            ("employees_end".into(), Some(d("151")), Some(d("157"))),
            ("dispatched_end".into(), Some(d("19")), Some(d("22"))),
        ]
    );
    let money: Vec<_> = story.money.iter().map(|f| pair(&engine, f)).collect();
    assert_eq!(
        money,
        vec![
            // 460 + 210, last year 420 + 195.
            ("labour_cost".into(), Some(d("670")), Some(d("615"))),
            // 310 + 135, last year 285 + 135.
            ("wage_total".into(), Some(d("445")), Some(d("420"))),
            // 1220 + 450, last year 1140 + 420.
            ("value_added".into(), Some(d("1670")), Some(d("1560"))),
            // 160 + 60, last year 135 + 75.
            ("total_profit".into(), Some(d("220")), Some(d("210"))),
        ]
    );
    let months: Vec<_> = story
        .months
        .iter()
        .map(|m| {
            (
                m.month.to_string(),
                m.hires,
                m.exits,
                m.employees_end,
                m.dispatched_end,
            )
        })
        .collect();
    assert_eq!(
        months,
        vec![
            (
                "2026-01".into(),
                Some(d("4")),
                Some(d("2")),
                Some(d("150")),
                Some(d("18"))
            ),
            (
                "2026-02".into(),
                Some(d("1")),
                Some(d("1")),
                Some(d("150")),
                Some(d("18"))
            ),
            (
                "2026-03".into(),
                Some(d("2")),
                Some(d("1")),
                Some(d("151")),
                Some(d("19"))
            ),
        ]
    );
}

#[test]
fn workforce_indicators_and_the_dispatch_limit() {
    let engine = engine();
    // 用工总量 at March's end: 151 employees + 19 dispatched.
    assert_eq!(value(&engine, "G", "headcount_total"), d("170"));
    // Dispatched 19 / 170 = 0.111764… over the legal 10 %; P1 alone 9 / 111 = 0.081081… is
    // within it; P2 10 / 59 is over.
    let share = value(&engine, "G", "dispatched_share");
    assert_eq!(share.round_dp(12), d("0.111764705882"));
    let def = engine.catalogue().indicator(
        engine
            .catalogue()
            .indicator_index("dispatched_share")
            .unwrap(),
    );
    assert_eq!(def.limit.as_ref().unwrap().value, d("0.1"));
    assert_eq!(def.beyond_limit(share), Some(true));
    let p1 = value(&engine, "P1", "dispatched_share");
    assert_eq!(p1.round_dp(12), d("0.081081081081"));
    assert_eq!(def.beyond_limit(p1), Some(false));
    assert_eq!(def.beyond_limit(d("0.1")), Some(false));
    assert_eq!(
        def.beyond_limit(value(&engine, "P2", "dispatched_share")),
        Some(true)
    );
    // Openly hired: campus 3 + social 2 of 7.
    assert_eq!(
        value(&engine, "G", "open_hiring_share").round_dp(12),
        d("0.714285714286")
    );
    // Per capita over the average headcount 451 / 3: labour 670 × 3 / 451 = 2010 / 451, wages
    // 445 × 3 / 451 = 1335 / 451, profit 220 × 3 / 451 = 660 / 451 (year to date; the card
    // annualises × 12 / 3).
    assert_eq!(
        value(&engine, "G", "labour_cost_per_capita").round_dp(12),
        d("4.456762749446")
    );
    assert_eq!(
        value(&engine, "G", "wage_per_capita").round_dp(12),
        d("2.960088691796")
    );
    assert_eq!(
        value(&engine, "G", "profit_per_capita").round_dp(12),
        d("1.463414634146")
    );
}
