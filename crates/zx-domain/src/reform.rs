//! Pay follows results (工资效益联动, reform.md): on the year-to-date basis, wages may grow at
//! most as fast as profit when profit grew, and must not grow when it did not.
//!
//! [`wage_linkage`] is the rule on four numbers; [`Engine::wage_linkage`] reads them for an entity
//! (consolidated, the completeness rule included) and [`Engine::wage_linkage_of_units`] for a
//! filtered subtotal. Growth is relative to the absolute value of last year's, so a smaller loss
//! counts as growth, and nothing is computed against a zero.

use rust_decimal::Decimal;

use crate::engine::{Engine, Unavailable};
use crate::entity::EntityId;
use crate::formula::Aggregation;
use crate::period::{Basis, Period};

/// The verdict of pay follows results for one entity and year to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WageLinkage {
    /// YoY growth of wages, a fraction (0.05 = +5 %); `None` when not computable.
    pub wage_growth: Option<Decimal>,
    /// YoY growth of results (total profit), a fraction; `None` when not computable.
    pub profit_growth: Option<Decimal>,
    /// `None` when either growth is not computable.
    pub holds: Option<bool>,
}

/// (this − last) / |last|; `None` when either value is missing, last is zero or the quotient
/// overflows.
pub fn growth(this: Option<Decimal>, last: Option<Decimal>) -> Option<Decimal> {
    let (this, last) = (this?, last?);
    if last.is_zero() {
        return None;
    }
    this.checked_sub(last)?.checked_div(last.abs())
}

/// The rule on this year's and last year's wages and profit (reform.md): profit grew (g_p > 0):
/// holds when g_w ≤ g_p; profit did not grow: holds when g_w ≤ 0; not computable: `None`.
pub fn wage_linkage(
    wages: (Option<Decimal>, Option<Decimal>),
    profit: (Option<Decimal>, Option<Decimal>),
) -> WageLinkage {
    let wage_growth = growth(wages.0, wages.1);
    let profit_growth = growth(profit.0, profit.1);
    let holds = match (wage_growth, profit_growth) {
        (Some(w), Some(p)) if p > Decimal::ZERO => Some(w <= p),
        (Some(w), Some(_)) => Some(w <= Decimal::ZERO),
        _ => None,
    };
    WageLinkage {
        wage_growth,
        profit_growth,
        holds,
    }
}

impl Engine {
    /// Pay follows results for an entity, year to date at the period's month whatever its basis;
    /// `None` when the catalogue defines no such rule.
    pub fn wage_linkage(&self, entity: EntityId, period: Period) -> Option<WageLinkage> {
        self.linkage_with(period, &|item, period| {
            self.read(entity, item, Aggregation::Flow, period)
        })
    }

    /// Pay follows results for a set of units taken together (a filtered subtotal): wages and
    /// profit summed over the units, no parent's own rows; `None` without the rule or units.
    pub fn wage_linkage_of_units(&self, units: &[EntityId], period: Period) -> Option<WageLinkage> {
        if units.is_empty() {
            return None;
        }
        self.linkage_with(period, &|item, period| {
            units.iter().try_fold(Decimal::ZERO, |sum, &unit| {
                let value = self.read(unit, item, Aggregation::Flow, period)?;
                sum.checked_add(value).ok_or(Unavailable::Overflow)
            })
        })
    }

    fn linkage_with(
        &self,
        period: Period,
        read: &dyn Fn(usize, Period) -> Result<Decimal, Unavailable>,
    ) -> Option<WageLinkage> {
        let def = self.catalogue().wage_linkage()?;
        let this = Period::new(period.end, Basis::Ytd);
        let last = this.year_before();
        let pair = |item: usize| {
            (
                read(item, this).ok(),
                last.and_then(|last| read(item, last).ok()),
            )
        };
        Some(wage_linkage(pair(def.wages), pair(def.results)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<Decimal> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn growth_is_relative_to_the_size_of_last_year() {
        // (110 − 100) / 100 = 0.1.
        assert_eq!(growth(d("110"), d("100")), d("0.1"));
        // A smaller loss is growth: (−50 − (−100)) / |−100| = 50 / 100 = 0.5.
        assert_eq!(growth(d("-50"), d("-100")), d("0.5"));
        // From a profit into a loss: (−20 − 80) / 80 = −1.25.
        assert_eq!(growth(d("-20"), d("80")), d("-1.25"));
        assert_eq!(growth(d("5"), d("0")), None);
        assert_eq!(growth(None, d("100")), None);
        assert_eq!(growth(d("100"), None), None);
    }

    #[test]
    fn profit_grew_wages_may_grow_as_fast_and_no_faster() {
        // Profit 100 → 120: +0.2. Wages 1000 → 1150: +0.15 ≤ 0.2, holds.
        let rule = wage_linkage((d("1150"), d("1000")), (d("120"), d("100")));
        assert_eq!(rule.wage_growth, d("0.15"));
        assert_eq!(rule.profit_growth, d("0.2"));
        assert_eq!(rule.holds, Some(true));
        // Wages 1000 → 1200: +0.2 = g_p, still holds (≤).
        assert_eq!(
            wage_linkage((d("1200"), d("1000")), (d("120"), d("100"))).holds,
            Some(true)
        );
        // Wages 1000 → 1201: +0.201 > 0.2, fails.
        assert_eq!(
            wage_linkage((d("1201"), d("1000")), (d("120"), d("100"))).holds,
            Some(false)
        );
    }

    #[test]
    fn profit_did_not_grow_wages_must_not_grow() {
        // Profit 100 → 90: −0.1. Wages 1000 → 1010: +0.01 > 0, fails.
        let rule = wage_linkage((d("1010"), d("1000")), (d("90"), d("100")));
        assert_eq!(rule.profit_growth, d("-0.1"));
        assert_eq!(rule.wage_growth, d("0.01"));
        assert_eq!(rule.holds, Some(false));
        // Wages 1000 → 1000: 0 ≤ 0, holds; and 1000 → 950: −0.05, holds.
        assert_eq!(
            wage_linkage((d("1000"), d("1000")), (d("90"), d("100"))).holds,
            Some(true)
        );
        assert_eq!(
            wage_linkage((d("950"), d("1000")), (d("90"), d("100"))).holds,
            Some(true)
        );
        // Profit flat (g_p = 0 is "did not grow"): wages +0.01 fail.
        assert_eq!(
            wage_linkage((d("1010"), d("1000")), (d("100"), d("100"))).holds,
            Some(false)
        );
        // Wages cut harder than profit fell (−0.2 vs −0.1): holds, pay follows results down.
        assert_eq!(
            wage_linkage((d("800"), d("1000")), (d("90"), d("100"))).holds,
            Some(true)
        );
    }

    #[test]
    fn not_computable_is_null_with_what_can_be_computed() {
        // Last year's profit zero: no profit growth, no verdict; wage growth still given.
        let rule = wage_linkage((d("1100"), d("1000")), (d("50"), d("0")));
        assert_eq!(rule.wage_growth, d("0.1"));
        assert_eq!(rule.profit_growth, None);
        assert_eq!(rule.holds, None);
        // Wages missing this year.
        let rule = wage_linkage((None, d("1000")), (d("120"), d("100")));
        assert_eq!((rule.wage_growth, rule.holds), (None, None));
        assert_eq!(rule.profit_growth, d("0.2"));
        // Last year's wages zero.
        assert_eq!(
            wage_linkage((d("10"), d("0")), (d("120"), d("100"))).holds,
            None
        );
    }
}
