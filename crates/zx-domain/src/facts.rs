//! Submitted figures and the year-to-date → monthly derivation.
//!
//! Chinese financial statements are filled cumulatively (本年累计); the engine works on each
//! month's own amount. [`derive_monthly`] turns a mixed series of `month` and `ytd` rows into
//! monthly amounts and says precisely where it cannot.

use rust_decimal::Decimal;

use crate::catalogue::ItemKind;
use crate::entity::EntityCode;
use crate::period::{Basis, Month};

/// One submitted figure: an entity's item for a month, as the month's amount or year to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub entity: EntityCode,
    pub month: Month,
    pub item: String,
    pub value: Decimal,
    pub basis: Basis,
}

/// Current values in columns, each entity and item code held once: what a load of the whole
/// store hands the engine. Three million [`Fact`]s cost two owned strings each (six million
/// allocations, ~400 MB); as a table they are 32 bytes a row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactTable {
    entities: Vec<EntityCode>,
    items: Vec<String>,
    rows: Vec<FactRow>,
}

/// One value of a [`FactTable`]: indices into its entities and items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactRow {
    pub entity: u32,
    pub item: u32,
    pub month: Month,
    pub value: Decimal,
    pub basis: Basis,
}

impl FactTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an entity code and returns its index; the caller adds each entity once.
    pub fn add_entity(&mut self, code: EntityCode) -> u32 {
        self.entities.push(code);
        u32::try_from(self.entities.len() - 1).unwrap_or(u32::MAX)
    }

    /// The index of an item code, added on first sight (a catalogue has a dozen items: a linear
    /// scan beats hashing).
    pub fn item_index(&mut self, code: &str) -> u32 {
        let index = match self.items.iter().position(|i| i == code) {
            Some(index) => index,
            None => {
                self.items.push(code.to_owned());
                self.items.len() - 1
            }
        };
        u32::try_from(index).unwrap_or(u32::MAX)
    }

    /// Adds a row whose indices come from [`Self::add_entity`] and [`Self::item_index`].
    pub fn push(&mut self, row: FactRow) {
        self.rows.push(row);
    }

    pub fn reserve(&mut self, rows: usize) {
        self.rows.reserve(rows);
    }

    pub fn entities(&self) -> &[EntityCode] {
        &self.entities
    }

    pub fn items(&self) -> &[String] {
        &self.items
    }

    pub fn rows(&self) -> &[FactRow] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows as owned [`Fact`]s, in table order.
    pub fn to_facts(&self) -> Vec<Fact> {
        self.rows
            .iter()
            .filter_map(|row| {
                Some(Fact {
                    entity: self.entities.get(row.entity as usize)?.clone(),
                    month: row.month,
                    item: self.items.get(row.item as usize)?.clone(),
                    value: row.value,
                    basis: row.basis,
                })
            })
            .collect()
    }

    /// A table of the given facts, in their order.
    pub fn from_facts<'f>(facts: impl IntoIterator<Item = &'f Fact>) -> Self {
        let mut table = Self::new();
        let mut index: std::collections::HashMap<&EntityCode, u32> = Default::default();
        for fact in facts {
            let entity = match index.get(&fact.entity) {
                Some(&i) => i,
                None => {
                    let i = table.add_entity(fact.entity.clone());
                    index.insert(&fact.entity, i);
                    i
                }
            };
            let item = table.item_index(&fact.item);
            table.push(FactRow {
                entity,
                item,
                month: fact.month,
                value: fact.value,
                basis: fact.basis,
            });
        }
        table
    }
}

/// One row of a series: the month, the value as submitted, and its basis.
pub type SeriesRow = (Month, Decimal, Basis);

/// Why a monthly amount could not be derived, or is implausible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DerivationIssue {
    /// A YTD row for `month` cannot be de-cumulated without the cumulative of `previous`.
    MissingPreviousCumulative { month: Month, previous: Month },
    /// The derived monthly amount is negative for an item that cannot be (headcount).
    NegativeAmount { month: Month, amount: Decimal },
    /// Arithmetic left the decimal range (absurd magnitudes).
    Overflow { month: Month },
}

impl DerivationIssue {
    pub fn month(&self) -> Month {
        match self {
            DerivationIssue::MissingPreviousCumulative { month, .. }
            | DerivationIssue::NegativeAmount { month, .. }
            | DerivationIssue::Overflow { month } => *month,
        }
    }
}

/// Monthly amounts derived from a series, plus what went wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Derived {
    pub amounts: Vec<(Month, Decimal)>,
    pub issues: Vec<DerivationIssue>,
}

/// Derives each month's own amount from one entity's series for one item.
///
/// `series` must be sorted by month with one row per month. Rules (kpi.md, "Periods"):
/// - stock: a `ytd` row is the same as a `month` row (balances do not cumulate);
/// - flow: a `ytd` row in month m is the cumulative of months 1..m; the month's amount is the
///   difference with month m−1's cumulative (January: the cumulative itself). The cumulative of a
///   month given on the `month` basis is the previous cumulative plus the amount;
/// - average: a `ytd` row is the average of months 1..m, so the cumulative sum is value × m.
///
/// A month whose amount cannot be derived is left out (so it counts as missing) and reported.
pub fn derive_monthly(kind: ItemKind, non_negative: bool, series: &[SeriesRow]) -> Derived {
    let mut out = Derived::default();
    // Running cumulative for the current year: (month, cumulative sum of monthly amounts).
    let mut cumulative: Option<(Month, Decimal)> = None;
    for &(month, value, basis) in series {
        let amount = match (kind, basis) {
            (ItemKind::Stock, _) | (_, Basis::Month) => Some(value),
            (ItemKind::Flow | ItemKind::Average, Basis::Ytd) => {
                let total = if kind == ItemKind::Average {
                    value.checked_mul(Decimal::from(month.month()))
                } else {
                    Some(value)
                };
                let Some(total) = total else {
                    out.issues.push(DerivationIssue::Overflow { month });
                    cumulative = None;
                    continue;
                };
                if month.month() == 1 {
                    Some(total)
                } else {
                    // `previous()` exists: month is after January of a valid year.
                    let previous = month.previous().unwrap_or(month);
                    match cumulative {
                        Some((m, sum)) if m == previous => total.checked_sub(sum),
                        _ => {
                            out.issues.push(DerivationIssue::MissingPreviousCumulative {
                                month,
                                previous,
                            });
                            // The cumulative itself is known: later months can still derive.
                            cumulative = Some((month, total));
                            continue;
                        }
                    }
                }
            }
        };
        let Some(amount) = amount else {
            out.issues.push(DerivationIssue::Overflow { month });
            cumulative = None;
            continue;
        };
        if kind != ItemKind::Stock {
            let previous_sum = match cumulative {
                Some((m, sum)) if month.month() > 1 && Some(m) == month.previous() => Some(sum),
                _ if month.month() == 1 => Some(Decimal::ZERO),
                _ => None,
            };
            cumulative = previous_sum
                .and_then(|s| s.checked_add(amount))
                .map(|s| (month, s));
        }
        if non_negative && amount.is_sign_negative() && !amount.is_zero() {
            out.issues
                .push(DerivationIssue::NegativeAmount { month, amount });
        }
        out.amounts.push((month, amount));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }
    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn ytd_flows_are_decumulated_within_the_year() {
        // P1's 2025 revenue from the worked example: 12538168.44, 23937926.81, 33452979.90 YTD.
        let series = [
            (m("2025-01"), d("12538168.44"), Basis::Ytd),
            (m("2025-02"), d("23937926.81"), Basis::Ytd),
            (m("2025-03"), d("33452979.90"), Basis::Ytd),
        ];
        let derived = derive_monthly(ItemKind::Flow, false, &series);
        assert!(derived.issues.is_empty());
        assert_eq!(
            derived.amounts,
            vec![
                (m("2025-01"), d("12538168.44")),
                (m("2025-02"), d("11399758.37")),
                (m("2025-03"), d("9515053.09")),
            ]
        );
    }

    #[test]
    fn mixed_bases_and_a_new_year_restart_the_cumulative() {
        let series = [
            (m("2025-11"), d("100"), Basis::Ytd),
            (m("2025-12"), d("30"), Basis::Month),
            (m("2026-01"), d("5"), Basis::Ytd),
            (m("2026-02"), d("4"), Basis::Month),
            (m("2026-03"), d("20"), Basis::Ytd),
        ];
        let derived = derive_monthly(ItemKind::Flow, false, &series);
        // November has no October cumulative: reported, left out; December's amount is given.
        assert_eq!(
            derived.issues,
            vec![DerivationIssue::MissingPreviousCumulative {
                month: m("2025-11"),
                previous: m("2025-10")
            }]
        );
        assert_eq!(
            derived.amounts,
            vec![
                (m("2025-12"), d("30")),
                (m("2026-01"), d("5")),
                (m("2026-02"), d("4")),
                (m("2026-03"), d("11")),
            ]
        );
    }

    #[test]
    fn a_gap_breaks_the_cumulative() {
        let series = [
            (m("2026-01"), d("10"), Basis::Ytd),
            (m("2026-03"), d("30"), Basis::Ytd),
            (m("2026-04"), d("45"), Basis::Ytd),
        ];
        let derived = derive_monthly(ItemKind::Flow, false, &series);
        assert_eq!(derived.issues.len(), 1);
        assert_eq!(derived.issues[0].month(), m("2026-03"));
        assert_eq!(
            derived.amounts,
            vec![(m("2026-01"), d("10")), (m("2026-04"), d("15"))]
        );
    }

    #[test]
    fn stock_ytd_rows_are_balances_and_averages_de_average() {
        let series = [
            (m("2026-01"), d("500"), Basis::Ytd),
            (m("2026-02"), d("520"), Basis::Ytd),
        ];
        let derived = derive_monthly(ItemKind::Stock, false, &series);
        assert_eq!(derived.amounts[1], (m("2026-02"), d("520")));
        // YTD average headcount 100 then 110: February's own average is 110×2 − 100 = 120.
        let series = [
            (m("2026-01"), d("100"), Basis::Ytd),
            (m("2026-02"), d("110"), Basis::Ytd),
            (m("2026-03"), d("50"), Basis::Ytd),
        ];
        let derived = derive_monthly(ItemKind::Average, true, &series);
        assert_eq!(derived.amounts[1], (m("2026-02"), d("120")));
        // March: 150 − 220 = −70 people: not a valid cumulative average.
        assert_eq!(
            derived.issues,
            vec![DerivationIssue::NegativeAmount {
                month: m("2026-03"),
                amount: d("-70")
            }]
        );
    }
}
