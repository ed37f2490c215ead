//! Workforce movement (能进能出, domain.md §2.3): people hired by channel and leaving by reason,
//! the contract staff and dispatched labour at the month's end, and the money they cost and
//! earn, for an entity year to date against last year.
//!
//! Everything is read from the consolidated engine through the catalogue: the channels are the
//! parts of `hires`, the reasons the parts of `exits` (a group's own catalogue may name others).
//! The indicators (headcount against plan, the dispatched share and its legal limit, per-capita
//! figures) are `zx kpi`'s, family `workforce`; this module adds what is not an indicator: the
//! breakdowns, what they leave unexplained, and the months of the year for the chart.

use rust_decimal::Decimal;

use crate::catalogue::ItemKind;
use crate::engine::Engine;
use crate::entity::EntityId;
use crate::formula::Aggregation;
use crate::period::{Basis, Month, Period};

/// Items the story reads by code; a catalogue without one simply shows less.
pub const HIRES: &str = "hires";
pub const EXITS: &str = "exits";
pub const MARKET_EXITS: &str = "exits_market";
/// The exit reasons that make a market-based exit (reform.md: dismissed for non-performance, or
/// contract ended and not renewed).
pub const MARKET_REASONS: [&str; 2] = ["exits_contract_end", "exits_dismissed"];
/// The people figures, in the order shown.
pub const PEOPLE: [&str; 3] = ["avg_employees", "employees_end", "dispatched_end"];
/// The money figures, in the order shown.
pub const MONEY: [&str; 4] = ["labour_cost", "wage_total", "value_added", "total_profit"];

/// One item this year to date and in the same months of last year (`None`: not available).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    pub item: usize,
    pub this: Option<Decimal>,
    pub last: Option<Decimal>,
}

/// A flow and its parts (hires by channel, exits by reason), year to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    pub whole: Figure,
    /// Every part of the catalogue, reported or not.
    pub parts: Vec<Figure>,
    /// The whole less the parts that are available; `None` when the whole is not available or
    /// no part is (nothing to explain it with).
    pub unexplained: Option<Decimal>,
}

/// Market-based exits as reported, against the reasons that make them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketCheck {
    pub reported: Option<Decimal>,
    /// The sum of the market reasons, when every one of them is available.
    pub by_reason: Option<Decimal>,
}

impl MarketCheck {
    /// Reported and by reason both known and different: named on the page, never silently
    /// accepted (the two are reported separately, so only people can say which is right).
    pub fn disagrees(&self) -> bool {
        matches!((self.reported, self.by_reason), (Some(a), Some(b)) if a != b)
    }
}

/// One month of the year for the chart: the month's flows and the month-end stocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthFigures {
    pub month: Month,
    pub hires: Option<Decimal>,
    pub exits: Option<Decimal>,
    pub employees_end: Option<Decimal>,
    pub dispatched_end: Option<Decimal>,
}

/// The workforce of an entity year to date at a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkforceStory {
    pub entity: EntityId,
    /// Year to date at the month asked.
    pub period: Period,
    pub hires: Option<Breakdown>,
    pub exits: Option<Breakdown>,
    pub market: MarketCheck,
    /// `avg_employees` (the average of the months), `employees_end`, `dispatched_end`.
    pub people: Vec<Figure>,
    pub money: Vec<Figure>,
    pub months: Vec<MonthFigures>,
}

impl Engine {
    /// The workforce story of an entity, year to date at `month`, consolidated (the
    /// completeness rule included: a figure missing below makes the total unavailable).
    pub fn workforce(&self, entity: EntityId, month: Month) -> WorkforceStory {
        let period = Period::new(month, Basis::Ytd);
        let last = period.year_before();
        let catalogue = self.catalogue();
        let figure = |item: usize| {
            let aggregation = match catalogue.item(item).kind {
                ItemKind::Flow => Aggregation::Flow,
                ItemKind::Stock => Aggregation::End,
                ItemKind::Average => Aggregation::Average,
            };
            Figure {
                item,
                this: self.read(entity, item, aggregation, period).ok(),
                last: last.and_then(|last| self.read(entity, item, aggregation, last).ok()),
            }
        };
        let by_code = |code: &str| catalogue.item_index(code).map(figure);
        let breakdown = |code: &str| {
            let whole = by_code(code)?;
            let parts: Vec<Figure> = catalogue
                .parts_of(whole.item)
                .map(|(part, _)| figure(part))
                .collect();
            let given: Vec<Decimal> = parts.iter().filter_map(|p| p.this).collect();
            let unexplained = match whole.this {
                Some(total) if !given.is_empty() => checked_sum(given.iter().copied())
                    .and_then(|explained| total.checked_sub(explained)),
                _ => None,
            };
            Some(Breakdown {
                whole,
                parts,
                unexplained,
            })
        };
        let market = MarketCheck {
            reported: by_code(MARKET_EXITS).and_then(|f| f.this),
            by_reason: MARKET_REASONS
                .iter()
                .map(|code| by_code(code).and_then(|f| f.this))
                .collect::<Option<Vec<Decimal>>>()
                .and_then(checked_sum),
        };
        let month_value = |code: &str, at: Month| {
            let item = catalogue.item_index(code)?;
            let aggregation = match catalogue.item(item).kind {
                ItemKind::Stock => Aggregation::End,
                _ => Aggregation::Flow,
            };
            self.read(entity, item, aggregation, Period::new(at, Basis::Month))
                .ok()
        };
        let months = period
            .months()
            .map(|at| MonthFigures {
                month: at,
                hires: month_value(HIRES, at),
                exits: month_value(EXITS, at),
                employees_end: month_value("employees_end", at),
                dispatched_end: month_value("dispatched_end", at),
            })
            .collect();
        WorkforceStory {
            entity,
            period,
            hires: breakdown(HIRES),
            exits: breakdown(EXITS),
            market,
            people: PEOPLE.iter().filter_map(|code| by_code(code)).collect(),
            money: MONEY.iter().filter_map(|code| by_code(code)).collect(),
            months,
        }
    }
}

/// A sum that is `None` rather than a panic on overflow (values are whatever people typed).
fn checked_sum(values: impl IntoIterator<Item = Decimal>) -> Option<Decimal> {
    values
        .into_iter()
        .try_fold(Decimal::ZERO, |sum, v| sum.checked_add(v))
}

/// The indicators the workforce page shows: labour productivity (the card's) and the
/// `workforce` family, in catalogue order.
pub fn shown_indicators(catalogue: &crate::Catalogue) -> Vec<usize> {
    catalogue
        .indicators()
        .iter()
        .enumerate()
        .filter(|(_, def)| {
            def.family == crate::catalogue::IndicatorFamily::Workforce || def.id == PRODUCTIVITY
        })
        .map(|(index, _)| index)
        .collect()
}

/// The card's indicator the workforce story is about: value added per person.
pub const PRODUCTIVITY: &str = "labour_productivity";
