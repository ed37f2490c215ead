//! Invariants of the R&D reconciliation: however a reported month is split over projects, the
//! split agrees to the cent; moving it by more than the allowance flags it, by the allowance or
//! less does not; and budget lines add up to the spend they were given.

use proptest::prelude::*;
use zx_domain::rnd::{Spend, Tolerance, Verdict, budget_lines, reconcile};
use zx_domain::{Decimal, EntityCode, Month};

fn month(m: u32) -> Month {
    Month::new(2026, m).unwrap()
}

/// Cents as a decimal amount.
fn cents(n: i64) -> Decimal {
    Decimal::new(n, 2)
}

/// `amount` split over `weights` to the cent, the last taking what is left.
fn split(amount: Decimal, weights: &[u32]) -> Vec<Decimal> {
    let total: u32 = weights.iter().sum();
    let mut left = amount;
    let mut out = Vec::new();
    for (i, w) in weights.iter().enumerate() {
        let share = if i + 1 == weights.len() {
            left
        } else {
            (amount * Decimal::from(*w) / Decimal::from(total)).round_dp(2)
        };
        left -= share;
        out.push(share);
    }
    out
}

proptest! {
    #[test]
    fn any_split_of_the_reported_amount_agrees(
        reported in 0i64..10_000_000_000,
        weights in prop::collection::vec(1u32..10, 1..6),
        m in 1u32..=12,
    ) {
        let entity = EntityCode::parse("P1").unwrap();
        let amount = cents(reported);
        let spend: Vec<Spend> = split(amount, &weights)
            .into_iter()
            .enumerate()
            .map(|(i, a)| Spend {
                project: format!("RD-{i}"),
                entity: entity.clone(),
                month: month(m),
                amount: a,
            })
            .collect();
        let lookup = |_: &EntityCode, _: Month| Some(amount);
        let out = reconcile(&spend, month(m), &lookup, Tolerance::default());
        prop_assert_eq!(out.len(), 1);
        prop_assert_eq!(out[0].difference, Some(Decimal::ZERO));
        prop_assert_eq!(out[0].verdict, Verdict::Agrees);
    }

    #[test]
    fn a_difference_is_flagged_exactly_when_it_exceeds_the_allowance(
        reported in 0i64..10_000_000_000,
        delta in -5_000_000_000i64..5_000_000_000,
    ) {
        let entity = EntityCode::parse("P1").unwrap();
        let amount = cents(reported);
        let spent = amount + cents(delta);
        prop_assume!(!spent.is_sign_negative());
        let spend = [Spend { project: "A".into(), entity, month: month(3), amount: spent }];
        let lookup = |_: &EntityCode, _: Month| Some(amount);
        let out = reconcile(&spend, month(3), &lookup, Tolerance::default());
        // max(5 % of reported, 10,000 yuan)
        let allowed = (amount * Decimal::new(5, 2)).max(Decimal::from(10_000));
        prop_assert_eq!(out[0].allowed, Some(allowed));
        prop_assert_eq!(out[0].flagged(), cents(delta).abs() > allowed);
    }

    #[test]
    fn budget_lines_add_up_to_the_spend(
        amounts in prop::collection::vec((0usize..3, 1u32..=12, 0i64..10_000_000), 0..30),
    ) {
        let entity = EntityCode::parse("P1").unwrap();
        let spend: Vec<Spend> = amounts
            .iter()
            .map(|(p, m, a)| Spend {
                project: format!("RD-{p}"),
                entity: entity.clone(),
                month: month(*m),
                amount: cents(*a),
            })
            .collect();
        let lines = budget_lines(&[], &spend);
        let total: Decimal = lines.iter().map(|l| l.spent).sum();
        let given: Decimal = spend.iter().map(|s| s.amount).sum();
        prop_assert_eq!(total, given);
        prop_assert!(lines.iter().all(|l| l.budget.is_none() && l.used().is_none()));
    }
}
