//! The reform indicators and pay follows results (reform.md) on a small group worked by hand:
//! consolidation with a year-to-date reporter and a parent's own rows, YoY as differences,
//! targets (no status without a direction), the rule's three cases and null, a zero denominator
//! and a leaf that has not reported.

use zx_domain::engine::Unavailable;
use zx_domain::kpi::{Status, YoyUnavailable};
use zx_domain::{
    Basis, Catalogue, Decimal, Engine, EntityKind, EntityTree, Fact, Lang, Ledger, Month, Period,
    Target, TargetBook, notes,
};

mod common;
use common::{code, d};

/// G → S1 (P1, P2), S2 (P3).
fn tree() -> EntityTree {
    common::tree(&[
        ("G", None, EntityKind::Group),
        ("S1", Some("G"), EntityKind::Subsidiary),
        ("S2", Some("G"), EntityKind::Subsidiary),
        ("P1", Some("S1"), EntityKind::Plant),
        ("P2", Some("S1"), EntityKind::Plant),
        ("P3", Some("S2"), EntityKind::Plant),
    ])
}

/// One leaf's first quarter: flows as three month amounts, filed year to date when `ytd`
/// (cumulated here, as the leaf's statement shows them); stocks and headcount as month rows.
struct Quarter<'a> {
    entity: &'a str,
    year: i32,
    ytd: bool,
    flows: &'a [(&'a str, [i64; 3])],
    stocks: &'a [(&'a str, [i64; 3])],
}

fn push(facts: &mut Vec<Fact>, q: &Quarter<'_>) {
    for &(item, amounts) in q.flows {
        let mut sum = 0;
        for (m, amount) in (1..=3).zip(amounts) {
            sum += amount;
            facts.push(Fact {
                entity: code(q.entity),
                month: Month::new(q.year, m).unwrap(),
                item: item.to_owned(),
                value: Decimal::from(if q.ytd { sum } else { amount }),
                basis: if q.ytd { Basis::Ytd } else { Basis::Month },
            });
        }
    }
    for &(item, values) in q.stocks {
        for (m, value) in (1..=3).zip(values) {
            facts.push(Fact {
                entity: code(q.entity),
                month: Month::new(q.year, m).unwrap(),
                item: item.to_owned(),
                value: Decimal::from(value),
                basis: Basis::Month,
            });
        }
    }
}

/// The first quarters of 2025 and 2026 (month amounts; P1 files its flows year to date):
///
/// | 2026 | revenue | profit | labour cost | wages | market exits | adjusted | avg staff | managers | contracted (Mar) |
/// |---|---|---|---|---|---|---|---|---|---|
/// | P1 | 1000 ×3 | 100, 120, 80 | 130, 130, 140 | 100 ×3 | 0, 1, 0 | 0, 0, 1 | 50 | 5 | 5 |
/// | P2 | 500 ×3 | 50 ×3 | 70 ×3 | 45 ×3 | 1, 0, 0 | 0 | 30 | 3 | 2 |
/// | P3 | 600 ×3 | 60 ×3 | 90 ×3 | 60 ×3 | 0 | 0, 1, 0 | 20 | 2 | 2 |
///
/// 2025: P1 revenue 900, profit 100, labour 120, wages 90 a month, 5 managers of whom 3
/// contracted; P2 500, 60, 65, 48, 3 and 1; P3 550, 50, 85, 55, 2 and 2; no exits, no
/// adjustments, the same headcount. G books −300 of revenue and −30 of profit in March of both
/// years (an elimination).
fn facts() -> Vec<Fact> {
    fn leaf(
        facts: &mut Vec<Fact>,
        entity: &str,
        year: i32,
        ytd: bool,
        flows: &[(&str, [i64; 3])],
        stocks: &[(&str, [i64; 3])],
    ) {
        let quarter = Quarter {
            entity,
            year,
            ytd,
            flows,
            stocks,
        };
        push(facts, &quarter);
    }
    let mut facts = Vec::new();
    leaf(
        &mut facts,
        "P1",
        2026,
        true,
        &[
            ("operating_revenue", [1000, 1000, 1000]),
            ("total_profit", [100, 120, 80]),
            ("labour_cost", [130, 130, 140]),
            ("wage_total", [100, 100, 100]),
            ("exits_market", [0, 1, 0]),
            ("managers_adjusted", [0, 0, 1]),
        ],
        &[
            ("avg_employees", [50, 50, 50]),
            ("managers_end", [5, 5, 5]),
            ("managers_contracted_end", [4, 4, 5]),
        ],
    );
    leaf(
        &mut facts,
        "P2",
        2026,
        false,
        &[
            ("operating_revenue", [500, 500, 500]),
            ("total_profit", [50, 50, 50]),
            ("labour_cost", [70, 70, 70]),
            ("wage_total", [45, 45, 45]),
            ("exits_market", [1, 0, 0]),
            ("managers_adjusted", [0, 0, 0]),
        ],
        &[
            ("avg_employees", [30, 30, 30]),
            ("managers_end", [3, 3, 3]),
            ("managers_contracted_end", [2, 2, 2]),
        ],
    );
    leaf(
        &mut facts,
        "P3",
        2026,
        false,
        &[
            ("operating_revenue", [600, 600, 600]),
            ("total_profit", [60, 60, 60]),
            ("labour_cost", [90, 90, 90]),
            ("wage_total", [60, 60, 60]),
            ("exits_market", [0, 0, 0]),
            ("managers_adjusted", [0, 1, 0]),
        ],
        &[
            ("avg_employees", [20, 20, 20]),
            ("managers_end", [2, 2, 2]),
            ("managers_contracted_end", [2, 2, 2]),
        ],
    );
    for (entity, ytd, revenue, profit, labour, wages, staff, managers, contracted) in [
        ("P1", true, 900, 100, 120, 90, 50, 5, 3),
        ("P2", false, 500, 60, 65, 48, 30, 3, 1),
        ("P3", false, 550, 50, 85, 55, 20, 2, 2),
    ] {
        let flows = [
            ("operating_revenue", [revenue; 3]),
            ("total_profit", [profit; 3]),
            ("labour_cost", [labour; 3]),
            ("wage_total", [wages; 3]),
            ("exits_market", [0; 3]),
            ("managers_adjusted", [0; 3]),
        ];
        let stocks = [
            ("avg_employees", [staff; 3]),
            ("managers_end", [managers; 3]),
            ("managers_contracted_end", [contracted; 3]),
        ];
        leaf(&mut facts, entity, 2025, ytd, &flows, &stocks);
    }
    for year in [2025, 2026] {
        for (item, value) in [("operating_revenue", "-300"), ("total_profit", "-30")] {
            facts.push(Fact {
                entity: code("G"),
                month: Month::new(year, 3).unwrap(),
                item: item.to_owned(),
                value: d(value),
                basis: Basis::Month,
            });
        }
    }
    facts
}

fn engine_of(facts: &[Fact]) -> Engine {
    let tree = tree();
    let catalogue = Catalogue::builtin().unwrap();
    let (ledger, notes) = Ledger::from_facts(&tree, &catalogue, facts);
    assert!(notes.is_empty(), "{notes:?}");
    Engine::new(tree, catalogue, ledger)
}

fn ytd(text: &str) -> Period {
    Period::new(Month::parse(text).unwrap(), Basis::Ytd)
}

fn value(engine: &Engine, entity: &str, period: Period, indicator: &str) -> Decimal {
    let index = engine.catalogue().indicator_index(indicator).unwrap();
    let id = engine.tree().id_of(entity).unwrap();
    engine.evaluate(id, period, index).unwrap()
}

#[test]
fn each_indicator_consolidates_the_year_to_date_reporter() {
    let engine = engine_of(&facts());
    let q1 = ytd("2026-03");
    // G, 2026 Q1. Revenue 3000 (P1's YTD row of March) + 1500 + 1800 − 300 = 6000; profit
    // 300 + 150 + 180 − 30 = 600; labour cost 400 + 210 + 270 = 880.
    // 人工成本利润率 600 / 880 = 15/22 = 0.681818…
    assert_eq!(
        value(&engine, "G", q1, "labour_cost_profit_rate").round_dp(12),
        d("0.681818181818")
    );
    // 人事费用率 880 / 6000 = 0.146666…
    assert_eq!(
        value(&engine, "G", q1, "personnel_expense_rate").round_dp(12),
        d("0.146666666667")
    );
    // 市场化退出率: exits 1 (P1: YTD 0, 1, 1) + 1 + 0 = 2 over the mean of the months' summed
    // headcount (100 each month) = 0.02.
    assert_eq!(value(&engine, "G", q1, "market_exit_rate"), d("0.02"));
    // Managers adjusted 1 + 0 + 1 = 2 over managers at March's end 5 + 3 + 2 = 10.
    assert_eq!(value(&engine, "G", q1, "manager_adjustment_rate"), d("0.2"));
    // Contracted at March's end 5 + 2 + 2 = 9 of 10.
    assert_eq!(value(&engine, "G", q1, "contract_coverage"), d("0.9"));
    // S1 (P1 + P2, no own rows): profit 450 / labour 610; labour 610 / revenue 4500; exits
    // 2 / 80; adjusted 1 / 8; contracted 7 / 8.
    assert_eq!(
        value(&engine, "S1", q1, "labour_cost_profit_rate").round_dp(12),
        d("0.737704918033")
    );
    assert_eq!(
        value(&engine, "S1", q1, "personnel_expense_rate").round_dp(12),
        d("0.135555555556")
    );
    assert_eq!(value(&engine, "S1", q1, "market_exit_rate"), d("0.025"));
    assert_eq!(
        value(&engine, "S1", q1, "manager_adjustment_rate"),
        d("0.125")
    );
    assert_eq!(value(&engine, "S1", q1, "contract_coverage"), d("0.875"));
    // March alone: P1's month is its YTD difference (400 − 260 = 140 of labour, 300 − 220 = 80
    // of profit). G: profit 80 + 50 + 60 − 30 = 160 over labour 140 + 70 + 90 = 300.
    let march = Period::new(Month::parse("2026-03").unwrap(), Basis::Month);
    assert_eq!(
        value(&engine, "G", march, "labour_cost_profit_rate").round_dp(12),
        d("0.533333333333")
    );
    // P1's March: 1 adjusted of 5.
    assert_eq!(
        value(&engine, "P1", march, "manager_adjustment_rate"),
        d("0.2")
    );
}

#[test]
fn year_on_year_is_the_difference_and_targets_judge_only_with_a_direction() {
    let engine = engine_of(&facts());
    let g = engine.tree().id_of("G").unwrap();
    let targets = TargetBook::new(
        [
            ("contract_coverage", "1"),
            ("market_exit_rate", "0.03"),
            ("personnel_expense_rate", "0.14"),
        ]
        .map(|(indicator, value)| Target {
            entity: code("G"),
            year: 2026,
            indicator: indicator.to_owned(),
            value: d(value),
        }),
    );
    let report = engine.kpi(g, ytd("2026-03"), &targets);
    let result = |id: &str| report.get(&engine, id).unwrap();
    // 2025 Q1 of G: profit 300 + 180 + 150 − 30 = 600 over labour 360 + 195 + 255 = 810 =
    // 20/27; YoY 15/22 − 20/27 = (405 − 440) / 594 = −35/594 = −0.058922…
    assert_eq!(
        result("labour_cost_profit_rate")
            .yoy
            .clone()
            .unwrap()
            .round_dp(12),
        d("-0.058922558923")
    );
    // 人事费用率 2025: 810 / (2700 + 1500 + 1650 − 300 = 5550); YoY 11/75 − 27/185 =
    // (2035 − 2025) / 13875 = 10/13875 = 0.000720…
    assert_eq!(
        result("personnel_expense_rate")
            .yoy
            .clone()
            .unwrap()
            .round_dp(12),
        d("0.000720720721")
    );
    // Coverage 0.9 against (3 + 1 + 2) / 10 = 0.6: +0.3; the exit rate 0.02 against 0.
    assert_eq!(result("contract_coverage").yoy, Ok(d("0.3")));
    assert_eq!(result("market_exit_rate").yoy, Ok(d("0.02")));
    // Coverage 0.9 against a target of 1 (not accruing): the band is 10 % of 1, so 0.9 is
    // exactly at its edge: yellow.
    let coverage = result("contract_coverage").assessment.clone().unwrap();
    assert_eq!(coverage.expected, d("1"));
    assert_eq!(coverage.status, Status::Yellow);
    // 人事费用率 0.1467 against 0.14, lower is better, band 0.014: 0.1467 ≤ 0.154: yellow.
    let personnel = result("personnel_expense_rate").assessment.clone().unwrap();
    assert_eq!(personnel.status, Status::Yellow);
    // The exit rate has a target but no direction: pro-rated (accrues: 0.03 × 3/12 = 0.0075),
    // attainment 0.02 / 0.03, and no status.
    let exits = result("market_exit_rate").assessment.clone().unwrap();
    assert_eq!(exits.expected, d("0.0075"));
    assert_eq!(exits.attainment.unwrap().round_dp(12), d("0.666666666667"));
    assert_eq!(exits.status, Status::None);
    // The reform indicators are not part of the year's rule.
    assert_eq!(report.rule.verdicts.len(), 6);
}

#[test]
fn pay_follows_results_in_its_three_cases_and_null() {
    let engine = engine_of(&facts());
    let rule = |entity: &str, period: Period| {
        let id = engine.tree().id_of(entity).unwrap();
        engine.wage_linkage(id, period).unwrap()
    };
    let q1 = ytd("2026-03");
    // S2 (= P3): profit 150 → 180, +0.2; wages 165 → 180, +15/165 = 0.0909…: profit grew and
    // wages grew no faster: holds.
    let s2 = rule("S2", q1);
    assert_eq!(s2.profit_growth, Some(d("0.2")));
    assert_eq!(s2.wage_growth.unwrap().round_dp(12), d("0.090909090909"));
    assert_eq!(s2.holds, Some(true));
    // P2: profit 180 → 150, −1/6; wages 144 → 135, −9/144 = −0.0625: profit fell, wages
    // too: holds.
    let p2 = rule("P2", q1);
    assert_eq!(p2.wage_growth, Some(d("-0.0625")));
    assert!(p2.profit_growth.unwrap() < Decimal::ZERO);
    assert_eq!(p2.holds, Some(true));
    // S1: profit 480 → 450, −30/480 = −0.0625; wages 414 → 435 (P1's YTD 300 + 135),
    // +21/414 = 0.050724…: wages grew while profit fell: fails.
    let s1 = rule("S1", q1);
    assert_eq!(s1.profit_growth, Some(d("-0.0625")));
    assert_eq!(s1.wage_growth.unwrap().round_dp(12), d("0.050724637681"));
    assert_eq!(s1.holds, Some(false));
    // G: profit 600 → 600 (the eliminations included), 0: did not grow; wages 579 → 615,
    // +36/579 = 0.062176…: fails.
    let g = rule("G", q1);
    assert_eq!(g.profit_growth, Some(Decimal::ZERO));
    assert_eq!(g.wage_growth.unwrap().round_dp(12), d("0.062176165803"));
    assert_eq!(g.holds, Some(false));
    // As people read it: 36/579 = +6.22 %, profit +0.00 %.
    assert_eq!(
        notes::wage_linkage(engine.catalogue(), &g, Lang::Zh),
        "工资效益联动（本年累计）：工资总额同比 +6.22%，利润总额同比 +0.00% → 未达成（利润未增长，工资却增长）"
    );
    assert_eq!(
        notes::wage_linkage(engine.catalogue(), &s2, Lang::En),
        "Pay follows results (year to date): Total wages +9.09% YoY, Total profit +20.00% YoY → holds (wages grew no faster than profit)"
    );
    // The rule is judged year to date whatever the basis asked: March alone gives the same.
    let march = Period::new(Month::parse("2026-03").unwrap(), Basis::Month);
    assert_eq!(rule("G", march), g);
    // In the report too.
    let id = engine.tree().id_of("G").unwrap();
    assert_eq!(
        engine.kpi(id, q1, &TargetBook::default()).wage_linkage,
        Some(g)
    );
    // 2025 has no year before it in the data: nothing computable, null.
    let first = rule("G", ytd("2025-03"));
    assert_eq!(
        (first.wage_growth, first.profit_growth, first.holds),
        (None, None, None)
    );
}

#[test]
fn a_zero_denominator_and_a_leaf_that_has_not_reported_are_unavailable() {
    // P3 reports no managers in 2026: its adjustment rate divides by zero.
    let mut facts = facts();
    for f in &mut facts {
        if f.entity.as_str() == "P3" && f.month.year() == 2026 && f.item.starts_with("managers") {
            f.value = Decimal::ZERO;
        }
    }
    let engine = engine_of(&facts);
    let p3 = engine.tree().id_of("P3").unwrap();
    let index = engine
        .catalogue()
        .indicator_index("manager_adjustment_rate")
        .unwrap();
    assert!(matches!(
        engine.evaluate(p3, ytd("2026-03"), index),
        Err(Unavailable::DivisionByZero { .. })
    ));
    // P2 has not sent March's contracted managers: the coverage of S1 and G is missing, P2
    // named; the year on year says why it has none.
    let facts: Vec<Fact> = self::facts()
        .into_iter()
        .filter(|f| {
            !(f.entity.as_str() == "P2"
                && f.item == "managers_contracted_end"
                && f.month == Month::parse("2026-03").unwrap())
        })
        .collect();
    let engine = engine_of(&facts);
    let g = engine.tree().id_of("G").unwrap();
    let report = engine.kpi(g, ytd("2026-03"), &TargetBook::default());
    let coverage = report.get(&engine, "contract_coverage").unwrap();
    match &coverage.value {
        Err(Unavailable::Missing { item, entities, .. }) => {
            assert_eq!(item, "managers_contracted_end");
            assert_eq!(entities, &[code("P2")]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(coverage.yoy, Err(YoyUnavailable::NoValue));
    // Pay follows results does not read it: still judged.
    assert_eq!(report.wage_linkage.unwrap().holds, Some(false));
}

#[test]
fn a_filtered_subtotal_judges_pay_on_the_units_summed() {
    let engine = engine_of(&facts());
    let tree = engine.tree();
    let units = [tree.id_of("P2").unwrap(), tree.id_of("P3").unwrap()];
    let g = tree.id_of("G").unwrap();
    let report = engine.kpi_of_units(g, &units, ytd("2026-03"));
    // P2 + P3: profit 180 + 150 = 330 → 150 + 180 = 330, 0; wages 144 + 165 = 309 → 135 + 180
    // = 315, +6/309 > 0: fails.
    let rule = report.wage_linkage.unwrap();
    assert_eq!(rule.profit_growth, Some(Decimal::ZERO));
    assert_eq!(rule.wage_growth.unwrap().round_dp(12), d("0.019417475728"));
    assert_eq!(rule.holds, Some(false));
    // And its reform indicators from the sums: profit 330 over labour 210 + 270 = 480.
    let index = engine
        .catalogue()
        .indicator_index("labour_cost_profit_rate")
        .unwrap();
    assert_eq!(report.indicators[index].value.clone().unwrap(), d("0.6875"));
}
