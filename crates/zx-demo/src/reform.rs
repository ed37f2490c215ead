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

/// A whole number of persons with mean about `mean`: ⌊mean × (0.5 … 1.5) + U(0, 1)⌋.
fn persons(rng: &mut Rng, mean: f64) -> i64 {
    let spread = mean * (0.5 + rng.unit());
    (spread + rng.unit()).floor().max(0.0) as i64
}

/// Appends a simulated plant's reform rows, every month: flows on `basis` (cumulated since
/// January on `ytd`), the two month-end counts as month rows.
pub(crate) fn reform_facts(
    facts: &mut Vec<Fact>,
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

#[cfg(test)]
mod tests {
    use super::*;

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
