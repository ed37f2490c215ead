//! Each demo plant's reform figures (reform.md, 三项制度改革): labour cost and wages, people hired
//! and leaving, managers, their adjustments and term contracts.
//!
//! Drawn from a stream of their own (`reform:<code>`), so every other figure of the demo is the
//! same with or without them. Labour cost is the model's labour compensation (what profit and
//! value added already count); wages are 1/1.30–1/1.45 of it, the ratio creeping up as the social
//! insurance base rises, so pay grows about 4 % a year where headcount and per-capita pay grow.
//! That is slower than profit everywhere but in 四川, whose profit falls with 南充's furnace
//! outage from spring 2026 while its pay keeps growing: pay follows results fails there alone.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use zx_domain::{Basis, EntityCode, Fact};

use crate::DEMO_SEED;
use crate::facts::Cumulator;
use crate::model::{Simulation, cents};
use crate::rng::Rng;

/// The reform items of the default catalogue, in the order rows are written.
pub const REFORM_ITEMS: [&str; 8] = [
    "labour_cost",
    "wage_total",
    "hires",
    "exits",
    "exits_market",
    "managers_adjusted",
    "managers_end",
    "managers_contracted_end",
];

fn fact(entity: &EntityCode, f: &crate::model::Figures, item: &str, value: Decimal) -> Fact {
    Fact {
        entity: entity.clone(),
        month: f.month,
        item: item.to_owned(),
        value,
        basis: Basis::Month,
    }
}

/// The workforce rows (domain.md §2.3): hires by channel and exits by reason as parts of the
/// month's hires and exits, contract staff and dispatched workers at the month's end.
pub const WORKFORCE_ITEMS: [&str; 11] = [
    "hires_campus",
    "hires_social",
    "hires_other",
    "exits_contract_end",
    "exits_dismissed",
    "exits_resigned",
    "exits_retired",
    "exits_internal_retirement",
    "exits_other",
    "employees_end",
    "dispatched_end",
];

/// The plant that leans on dispatched labour beyond the legal 10 % (《劳务派遣暂行规定》): about
/// 12–13 % of its workforce; every other plant keeps 3–8 %.
pub const OVER_DISPATCHED: &str = "JX-GZ-WTE";

/// A whole number of persons with mean about `mean`: ⌊mean × (0.5 … 1.5) + U(0, 1)⌋.
fn persons(rng: &mut Rng, mean: f64) -> i64 {
    let spread = mean * (0.5 + rng.unit());
    (spread + rng.unit()).floor().max(0.0) as i64
}

/// Appends a simulated plant's reform rows, every month: flows on `basis` (cumulated since
/// January on `ytd`), the two month-end counts as month rows; and its workforce rows
/// (breakdowns, month-end people) to `workforce_facts`, which the demo files after every other
/// row so that the rows before keep their places.
pub(crate) fn reform_facts(
    facts: &mut Vec<Fact>,
    workforce_facts: &mut Vec<Fact>,
    entity: &EntityCode,
    sim: &Simulation,
    basis: Basis,
) {
    let mut rng = Rng::for_stream(DEMO_SEED, &format!("reform:{entity}"));
    // Labour cost / wages at the start; it rises 1.2 % a year and stays within 1.30–1.45.
    let ratio0 = rng.range((1.30, 1.38));
    let hire_rate = rng.range((0.05, 0.09));
    let exit_rate = rng.range((0.04, 0.07));
    // Of those who leave, the share dismissed or not renewed (not retirement or resignation).
    let market_share = rng.range((0.15, 0.30));
    let manager_share = rng.range((0.08, 0.12));
    // Term contracts cover 80–92 % of managers in January 2024 and all of them by mid-2026.
    let coverage0 = rng.range((0.80, 0.92));
    let mut cumulator = Cumulator::default();
    // The breakdowns and month-end counts from a stream of their own: the reform rows above
    // stay what they were.
    let mut workforce = Rng::for_stream(DEMO_SEED, &format!("workforce:{entity}"));
    let dispatched_share = if entity.as_str() == OVER_DISPATCHED {
        workforce.range((0.135, 0.145))
    } else {
        workforce.range((0.03, 0.08))
    };
    let mut breakdown_cumulator = Cumulator::default();
    for (t, f) in sim.months.iter().enumerate() {
        let years = t as f64 / 12.0;
        let ratio =
            (ratio0 * (1.0 + 0.012 * years) * (1.0 + 0.004 * rng.normal())).clamp(1.30, 1.45);
        let labour = f.labour.to_f64().unwrap_or(0.0);
        let wages = cents(labour / ratio);
        let staff = f.employees.to_f64().unwrap_or(0.0);
        // Campus recruits join in July.
        let campus = if f.month.month() == 7 {
            0.02 * staff
        } else {
            0.0
        };
        let hires = persons(&mut rng, staff * hire_rate / 12.0 + campus);
        let exits = persons(&mut rng, staff * exit_rate / 12.0);
        let market = (0..exits).filter(|_| rng.unit() < market_share).count() as i64;
        let channels = split(&mut workforce, hires, &hire_channels(f.month.month()));
        let market_reasons = split(&mut workforce, market, &[0.6, 0.4]);
        let other_reasons = split(&mut workforce, exits - market, &[0.5, 0.3, 0.1, 0.1]);
        let managers = (staff * manager_share).round().max(2.0);
        // Now and then a manager is demoted or leaves under 末等调整 / 不胜任退出 (and replaced).
        let adjusted = i64::from(rng.unit() < managers * 0.06 / 12.0);
        let coverage = coverage0 + (1.0 - coverage0) * (years / 2.4).min(1.0);
        let contracted = (managers * coverage).round().min(managers);
        let flows = [
            f.labour,
            wages,
            Decimal::from(hires),
            Decimal::from(exits),
            Decimal::from(market),
            Decimal::from(adjusted),
        ];
        for (index, amount) in flows.into_iter().enumerate() {
            let value = cumulator.file(basis, f.month, index, amount);
            facts.push(Fact {
                basis,
                ..fact(entity, f, REFORM_ITEMS[index], value)
            });
        }
        let parts = channels.iter().chain(&market_reasons).chain(&other_reasons);
        for (index, &count) in parts.enumerate() {
            let value = breakdown_cumulator.file(basis, f.month, index, Decimal::from(count));
            workforce_facts.push(Fact {
                basis,
                ..fact(entity, f, WORKFORCE_ITEMS[index], value)
            });
        }
        let employees = staff.round();
        // Dispatched workers as a share of the whole workforce: d / (e + d) = s.
        let dispatched = (employees * dispatched_share / (1.0 - dispatched_share)).round();
        workforce_facts.push(fact(
            entity,
            f,
            WORKFORCE_ITEMS[9],
            Decimal::from(employees as i64),
        ));
        workforce_facts.push(fact(
            entity,
            f,
            WORKFORCE_ITEMS[10],
            Decimal::from(dispatched as i64),
        ));
        facts.push(fact(
            entity,
            f,
            REFORM_ITEMS[6],
            Decimal::from(managers as i64),
        ));
        facts.push(fact(
            entity,
            f,
            REFORM_ITEMS[7],
            Decimal::from(contracted as i64),
        ));
    }
}

/// Hiring channels' weights (campus, open recruitment, other): campus recruits join in July.
fn hire_channels(month: u32) -> [f64; 3] {
    if month == 7 {
        [0.6, 0.3, 0.1]
    } else {
        [0.0, 0.75, 0.25]
    }
}

/// `count` people drawn one by one into groups with the given weights (summing to 1): the
/// counts always add up to `count`.
fn split<const N: usize>(rng: &mut Rng, count: i64, weights: &[f64; N]) -> [i64; N] {
    let mut out = [0; N];
    for _ in 0..count {
        let draw = rng.unit();
        let mut edge = 0.0;
        let mut chosen = N - 1;
        for (index, weight) in weights.iter().enumerate() {
            edge += weight;
            if draw < edge {
                chosen = index;
                break;
            }
        }
        out[chosen] += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_always_adds_up() {
        let mut rng = Rng::for_stream(1, "split");
        for count in 0..50 {
            let parts = split(&mut rng, count, &[0.5, 0.3, 0.1, 0.1]);
            assert_eq!(parts.iter().sum::<i64>(), count);
        }
        // A weight of zero is never drawn.
        let parts = split(&mut rng, 200, &[0.0, 0.75, 0.25]);
        assert_eq!(parts[0], 0);
    }

    #[test]
    fn persons_are_whole_and_near_the_mean() {
        let mut rng = Rng::for_stream(1, "persons");
        let draws: Vec<i64> = (0..4000).map(|_| persons(&mut rng, 2.0)).collect();
        assert!(draws.iter().all(|&n| (0..=4).contains(&n)), "{draws:?}");
        // Mean of ⌊2 × U(0.5, 1.5) + U(0, 1)⌋ is about 2.
        let mean = draws.iter().sum::<i64>() as f64 / draws.len() as f64;
        assert!((mean - 2.0).abs() < 0.1, "{mean}");
    }
}
