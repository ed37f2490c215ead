//! Turning simulated figures into submitted rows, on the `month` or the `ytd` basis.

use rust_decimal::Decimal;
use zx_domain::{Basis, EntityCode, Fact, Month};

use crate::model::Simulation;

/// The reported items of the default catalogue, in the order rows are written.
pub const REPORTED_ITEMS: [&str; 9] = [
    "operating_revenue",
    "total_profit",
    "net_profit",
    "operating_cash_flow",
    "rd_expenditure",
    "value_added",
    "avg_employees",
    "total_assets",
    "total_liabilities",
];

fn fact(entity: &EntityCode, month: Month, item: &str, value: Decimal, basis: Basis) -> Fact {
    Fact {
        entity: entity.clone(),
        month,
        item: item.to_owned(),
        value,
        basis,
    }
}

/// Cumulates flows within each calendar year when rows are filed year to date.
#[derive(Debug, Default)]
pub(crate) struct Cumulator {
    year: Option<i32>,
    sums: Vec<Decimal>,
}

impl Cumulator {
    /// The value to file for flow `index` in `month`: the amount itself on the `month` basis,
    /// the cumulative since January on the `ytd` basis.
    pub(crate) fn file(
        &mut self,
        basis: Basis,
        month: Month,
        index: usize,
        amount: Decimal,
    ) -> Decimal {
        if basis == Basis::Month {
            return amount;
        }
        if self.year != Some(month.year()) {
            self.year = Some(month.year());
            self.sums.clear();
        }
        if self.sums.len() <= index {
            self.sums.resize(index + 1, Decimal::ZERO);
        }
        self.sums[index] += amount;
        self.sums[index]
    }
}

/// Every reported item of a simulated leaf, every month. Flows are filed on `basis`; the month's
/// average headcount is always a month figure (a year-to-date average would not be a whole number
/// of persons); balances carry `basis` (for a stock it makes no difference).
pub(crate) fn leaf_facts(
    facts: &mut Vec<Fact>,
    entity: &EntityCode,
    sim: &Simulation,
    basis: Basis,
) {
    facts.push(fact(
        entity,
        sim.opening,
        "total_assets",
        sim.opening_assets,
        basis,
    ));
    facts.push(fact(
        entity,
        sim.opening,
        "total_liabilities",
        sim.opening_liabilities,
        basis,
    ));
    let mut cumulator = Cumulator::default();
    for f in &sim.months {
        let flows = [
            f.revenue,
            f.total_profit,
            f.net_profit,
            f.operating_cash_flow,
            f.rd_expenditure,
            f.value_added,
        ];
        for (index, amount) in flows.into_iter().enumerate() {
            let value = cumulator.file(basis, f.month, index, amount);
            facts.push(fact(entity, f.month, REPORTED_ITEMS[index], value, basis));
        }
        facts.push(fact(
            entity,
            f.month,
            "avg_employees",
            f.employees,
            Basis::Month,
        ));
        facts.push(fact(entity, f.month, "total_assets", f.assets, basis));
        facts.push(fact(
            entity,
            f.month,
            "total_liabilities",
            f.liabilities,
            basis,
        ));
    }
}

/// A parent's own rows (eliminations) for one month: `(item, amount)` pairs filed on `basis`.
pub(crate) fn own_facts(
    facts: &mut Vec<Fact>,
    entity: &EntityCode,
    month: Month,
    rows: &[(usize, Decimal)],
    basis: Basis,
    cumulator: &mut Cumulator,
) {
    for &(index, amount) in rows {
        let value = cumulator.file(basis, month, index, amount);
        facts.push(fact(entity, month, REPORTED_ITEMS[index], value, basis));
    }
}
