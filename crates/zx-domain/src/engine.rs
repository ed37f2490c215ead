//! The KPI engine: consolidation bottom-up through the tree, then indicators from formulas.
//!
//! Data flow: submitted [`Fact`]s → per-entity monthly amounts ([`Ledger`], YTD de-cumulated) →
//! consolidated totals for every entity, item and month ([`Engine::new`], one pass in post-order) →
//! indicator values for any entity and period ([`Engine::evaluate`]). Ratios are always computed
//! from consolidated numerators and denominators, never averaged.
//!
//! Completeness is tracked beside every total: a leaf without a row is *missing*, and so is every
//! ancestor for that item and month. An indicator that reads a missing total is unavailable with a
//! note naming the leaves that have not reported — never a silently partial figure.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;

use crate::catalogue::{Catalogue, IndicatorDef, ItemKind};
use crate::entity::{EntityCode, EntityId, EntityTree};
use crate::facts::{DerivationIssue, Fact, FactTable, SeriesRow, derive_monthly};
use crate::formula::{Aggregation, BinaryOp, Expr};
use crate::period::{Basis, Month, Period};

/// Why an indicator (or an input) has no value. Never an error: a value the data cannot give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// Leaves under the entity have not reported `item` for these months.
    Missing {
        item: String,
        months: Vec<Month>,
        entities: Vec<EntityCode>,
    },
    /// The formula's denominator is zero.
    DivisionByZero { denominator: String },
    /// A `positive(…)` guard failed: e.g. average net assets ≤ 0 makes ROE meaningless.
    NotPositive { expression: String, value: Decimal },
    /// Values beyond the decimal range.
    Overflow,
    /// A subtotal over several units cannot use this derived item: its formula does not add up
    /// over units (e.g. a ratio), so summing the units' values would be wrong.
    NotAdditive { item: String },
    /// A subtotal over no units at all (a filter nothing matches): not zero, nothing.
    NoUnits,
}

/// Own monthly amounts of every entity, dense by (entity, item, month), before consolidation.
#[derive(Debug, Clone)]
pub struct Ledger {
    first: Month,
    months: usize,
    items: usize,
    values: Vec<Decimal>,
    present: Vec<bool>,
}

/// A note about stored data that the engine could not use as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataNote {
    UnknownEntity(EntityCode),
    UnknownItem(String),
    /// Derived items are computed, a submitted row for one is ignored.
    DerivedItemSubmitted {
        entity: EntityCode,
        item: String,
    },
    Derivation {
        entity: EntityCode,
        item: String,
        issue: DerivationIssue,
    },
}

impl Ledger {
    /// An empty ledger covering `months` months from `first`.
    pub fn new(tree: &EntityTree, catalogue: &Catalogue, first: Month, months: usize) -> Self {
        let items = catalogue.items().len();
        let cells = tree.len() * items * months;
        Self {
            first,
            months,
            items,
            values: vec![Decimal::ZERO; cells],
            present: vec![false; cells],
        }
    }

    /// Builds the ledger from submitted facts, de-cumulating YTD rows. Facts that cannot be used
    /// are skipped and reported as notes; the engine itself never fails on data.
    pub fn from_facts<'f>(
        tree: &EntityTree,
        catalogue: &Catalogue,
        facts: impl IntoIterator<Item = &'f Fact>,
    ) -> (Self, Vec<DataNote>) {
        let mut rows = SeriesBuilder::new(tree, catalogue);
        // Files list an entity's rows together: remember the last lookup.
        let mut last_entity: Option<(&EntityCode, Option<EntityId>)> = None;
        for fact in facts {
            let entity = match last_entity {
                Some((code, id)) if *code == fact.entity => id,
                _ => {
                    let id = rows.entity(&fact.entity);
                    last_entity = Some((&fact.entity, id));
                    id
                }
            };
            let Some(entity) = entity else { continue };
            match rows.item(&fact.item) {
                ItemLookup::Input(item) => {
                    rows.push(entity, item, fact.month, fact.value, fact.basis);
                }
                ItemLookup::Derived => rows.derived(&fact.entity, &fact.item),
                ItemLookup::Unknown => {}
            }
        }
        rows.finish()
    }

    /// [`Self::from_facts`] over a [`FactTable`]: each entity and item code is looked up once,
    /// not once per row; the notes are the same, in the same order.
    pub fn from_table(
        tree: &EntityTree,
        catalogue: &Catalogue,
        table: &FactTable,
    ) -> (Self, Vec<DataNote>) {
        let mut rows = SeriesBuilder::new(tree, catalogue);
        // Resolved on first use, so the notes come in row order as from `from_facts`.
        let mut entities: Vec<Option<Option<EntityId>>> = vec![None; table.entities().len()];
        let mut items: Vec<Option<ItemLookup>> = vec![None; table.items().len()];
        for row in table.rows() {
            let (e, i) = (row.entity as usize, row.item as usize);
            let (Some(code), Some(item_code)) = (table.entities().get(e), table.items().get(i))
            else {
                continue;
            };
            let entity = match entities[e] {
                Some(id) => id,
                None => *entities[e].insert(rows.entity(code)),
            };
            let Some(entity) = entity else { continue };
            let item = match items[i] {
                Some(lookup) => lookup,
                None => *items[i].insert(rows.item(item_code)),
            };
            match item {
                ItemLookup::Input(item) => rows.push(entity, item, row.month, row.value, row.basis),
                ItemLookup::Derived => rows.derived(code, item_code),
                ItemLookup::Unknown => {}
            }
        }
        rows.finish()
    }

    fn slot(&self, entity: EntityId, item: usize, month: Month) -> Option<usize> {
        let offset = month.ordinal() - self.first.ordinal();
        if offset < 0 || offset as usize >= self.months || item >= self.items {
            return None;
        }
        Some((entity * self.items + item) * self.months + offset as usize)
    }

    /// Records an entity's own monthly amount. Months outside the ledger's range are ignored.
    pub fn set(&mut self, entity: EntityId, item: usize, month: Month, amount: Decimal) {
        if let Some(slot) = self.slot(entity, item, month) {
            self.values[slot] = amount;
            self.present[slot] = true;
        }
    }

    pub fn get(&self, entity: EntityId, item: usize, month: Month) -> Option<Decimal> {
        let slot = self.slot(entity, item, month)?;
        self.present[slot].then(|| self.values[slot])
    }

    pub fn first_month(&self) -> Month {
        self.first
    }

    pub fn month_count(&self) -> usize {
        self.months
    }
}

/// How a submitted row's item code reads against the catalogue.
#[derive(Debug, Clone, Copy)]
enum ItemLookup {
    /// A submitted item: its index.
    Input(usize),
    /// Computed by a formula: a submitted row for it is ignored with a note.
    Derived,
    Unknown,
}

/// What [`Ledger::from_facts`] and [`Ledger::from_table`] share: rows sorted into one series per
/// (entity, item), indexed densely (no map on the hot path), then de-cumulated.
struct SeriesBuilder<'a> {
    tree: &'a EntityTree,
    catalogue: &'a Catalogue,
    items: usize,
    item_codes: Vec<&'a str>,
    series: Vec<Vec<SeriesRow>>,
    notes: Vec<DataNote>,
    unknown_entities: HashSet<EntityCode>,
    unknown_items: HashSet<String>,
    range: Option<(Month, Month)>,
}

impl<'a> SeriesBuilder<'a> {
    fn new(tree: &'a EntityTree, catalogue: &'a Catalogue) -> Self {
        let items = catalogue.items().len();
        Self {
            tree,
            catalogue,
            items,
            item_codes: catalogue.items().iter().map(|i| i.code.as_str()).collect(),
            series: vec![Vec::new(); tree.len() * items],
            notes: Vec::new(),
            unknown_entities: HashSet::new(),
            unknown_items: HashSet::new(),
            range: None,
        }
    }

    /// The entity's id; an unknown one is noted once.
    fn entity(&mut self, code: &EntityCode) -> Option<EntityId> {
        let id = self.tree.id(code);
        if id.is_none() && self.unknown_entities.insert(code.clone()) {
            self.notes.push(DataNote::UnknownEntity(code.clone()));
        }
        id
    }

    /// The item's index; an unknown one is noted once.
    fn item(&mut self, code: &str) -> ItemLookup {
        // A linear scan of a dozen short codes beats hashing the string.
        match self.item_codes.iter().position(|c| *c == code) {
            Some(item) if self.catalogue.item(item).derived.is_some() => ItemLookup::Derived,
            Some(item) => ItemLookup::Input(item),
            None => {
                if self.unknown_items.insert(code.to_owned()) {
                    self.notes.push(DataNote::UnknownItem(code.to_owned()));
                }
                ItemLookup::Unknown
            }
        }
    }

    /// A row submitted for a derived item: noted every time.
    fn derived(&mut self, entity: &EntityCode, item: &str) {
        self.notes.push(DataNote::DerivedItemSubmitted {
            entity: entity.clone(),
            item: item.to_owned(),
        });
    }

    fn push(&mut self, entity: EntityId, item: usize, month: Month, value: Decimal, basis: Basis) {
        self.range = Some(match self.range {
            None => (month, month),
            Some((a, b)) => (a.min(month), b.max(month)),
        });
        self.series[entity * self.items + item].push((month, value, basis));
    }

    fn finish(mut self) -> (Ledger, Vec<DataNote>) {
        let (first, last) = self.range.unwrap_or_else(|| {
            let m = Month::new(2000, 1).unwrap_or_else(|_| unreachable!());
            (m, m)
        });
        let months = (last.ordinal() - first.ordinal() + 1) as usize;
        let mut ledger = Ledger::new(self.tree, self.catalogue, first, months);
        let mut series = std::mem::take(&mut self.series);
        for (index, rows) in series.iter_mut().enumerate() {
            if rows.is_empty() {
                continue;
            }
            let (entity, item) = (index / self.items, index % self.items);
            if !rows.is_sorted_by_key(|(m, _, _)| *m) {
                rows.sort_by_key(|(m, _, _)| *m);
            }
            rows.dedup_by_key(|(m, _, _)| *m);
            let def = self.catalogue.item(item);
            // Month amounts and balances need no derivation: write them straight through.
            if def.kind == ItemKind::Stock || rows.iter().all(|(_, _, b)| *b == Basis::Month) {
                for &(month, amount, _) in rows.iter() {
                    if def.non_negative && amount.is_sign_negative() && !amount.is_zero() {
                        self.notes.push(DataNote::Derivation {
                            entity: self.tree.entity(entity).code.clone(),
                            item: def.code.clone(),
                            issue: DerivationIssue::NegativeAmount { month, amount },
                        });
                    }
                    ledger.set(entity, item, month, amount);
                }
                continue;
            }
            let derived = derive_monthly(def.kind, def.non_negative, rows);
            for issue in derived.issues {
                self.notes.push(DataNote::Derivation {
                    entity: self.tree.entity(entity).code.clone(),
                    item: def.code.clone(),
                    issue,
                });
            }
            for (month, amount) in derived.amounts {
                ledger.set(entity, item, month, amount);
            }
        }
        (ledger, self.notes)
    }
}

/// Consolidated totals for every entity, item and month, with the formulas to read them.
#[derive(Debug, Clone)]
pub struct Engine {
    tree: EntityTree,
    catalogue: Catalogue,
    ledger: Ledger,
    totals: Vec<Decimal>,
    complete: Vec<bool>,
    overflow: Vec<bool>,
    ytd_sum: Vec<Decimal>,
    ytd_ok: Vec<bool>,
}

/// One input of a formula, read for an entity and period, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputExplanation {
    /// `flow(net_profit)`, `end(total_assets)`…
    pub call: String,
    pub item: usize,
    pub aggregation: Aggregation,
    /// The months read (one month for `end`/`opening`).
    pub months: Vec<Month>,
    pub value: Result<Decimal, Unavailable>,
    /// The entity's own rows (HQ figures, eliminations) for these months; `None` when it has none.
    pub own: Option<Decimal>,
    /// Each child's consolidated value for the same read, largest magnitude first.
    pub children: Vec<(EntityId, Result<Decimal, Unavailable>)>,
}

/// Everything needed to see why an indicator has its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub entity: EntityId,
    pub period: Period,
    pub indicator: usize,
    pub formula: String,
    pub value: Result<Decimal, Unavailable>,
    pub inputs: Vec<InputExplanation>,
}

impl Engine {
    /// Consolidates the ledger through the tree: own rows plus the sum of the children, then
    /// derived items month by month from the consolidated inputs.
    pub fn new(tree: EntityTree, catalogue: Catalogue, ledger: Ledger) -> Self {
        let items = catalogue.items().len();
        let months = ledger.months;
        let stride = items * months;
        let mut totals = ledger.values.clone();
        let mut complete = vec![true; totals.len()];
        let mut overflow = vec![false; totals.len()];
        // Leaves are complete where they reported; a parent with no own row contributes zero.
        // A leaf of a segment an item does not apply to is never missing it (a water plant
        // reports no tonnes of waste): complete, with whatever it did report.
        let segmented: Vec<usize> = (0..items)
            .filter(|&i| catalogue.item(i).segments.is_some())
            .collect();
        let mut not_applying: HashMap<&str, Vec<usize>> = HashMap::new();
        for entity in 0..tree.len() {
            if tree.is_leaf(entity) {
                let range = entity * stride..(entity + 1) * stride;
                complete[range.clone()].copy_from_slice(&ledger.present[range]);
                let segment = tree.entity(entity).segment.as_str();
                let skip = not_applying.entry(segment).or_insert_with(|| {
                    segmented
                        .iter()
                        .copied()
                        .filter(|&i| !catalogue.item(i).applies_to(segment))
                        .collect()
                });
                for &item in skip.iter() {
                    let start = entity * stride + item * months;
                    complete[start..start + months].fill(true);
                }
            }
        }
        for &entity in tree.post_order() {
            let Some(parent) = tree.parent(entity) else {
                continue;
            };
            let (child_start, parent_start) = (entity * stride, parent * stride);
            for offset in 0..stride {
                let child_total = totals[child_start + offset];
                let slot = parent_start + offset;
                match totals[slot].checked_add(child_total) {
                    Some(sum) => totals[slot] = sum,
                    None => overflow[slot] = true,
                }
                complete[slot] &= complete[child_start + offset];
                overflow[slot] |= overflow[child_start + offset];
            }
        }
        let mut engine = Self {
            tree,
            catalogue,
            ledger,
            totals,
            complete,
            overflow,
            ytd_sum: Vec::new(),
            ytd_ok: Vec::new(),
        };
        engine.compute_derived_items();
        engine.compute_year_to_date();
        engine
    }

    fn compute_derived_items(&mut self) {
        let months = self.ledger.months;
        let derived: Vec<(usize, Expr)> = self
            .catalogue
            .items()
            .iter()
            .enumerate()
            .filter_map(|(i, item)| item.derived.clone().map(|e| (i, e)))
            .collect();
        for (item, expr) in derived {
            for entity in 0..self.tree.len() {
                for offset in 0..months {
                    let slot = self.slot_at(entity, item, offset);
                    let mut ok = true;
                    let value = self.eval_at_month(&expr, entity, offset, &mut ok);
                    match value {
                        Some(v) if ok => {
                            self.totals[slot] = v;
                            self.complete[slot] = true;
                        }
                        Some(_) | None => {
                            self.complete[slot] = false;
                            self.overflow[slot] = value.is_none() && ok;
                        }
                    }
                }
            }
        }
    }

    /// Evaluates a derived-item formula at one month; `complete` turns false when an input is missing.
    fn eval_at_month(
        &self,
        expr: &Expr,
        entity: EntityId,
        offset: usize,
        complete: &mut bool,
    ) -> Option<Decimal> {
        match expr {
            Expr::Number(n) => Some(*n),
            // Derived items cannot name `days` (the parser refuses it): unusable, not a number.
            Expr::Days => {
                *complete = false;
                Some(Decimal::ZERO)
            }
            Expr::Item { item, .. } => {
                let slot = self.slot_at(entity, *item, offset);
                if !self.complete[slot] || self.overflow[slot] {
                    *complete = false;
                }
                Some(self.totals[slot])
            }
            Expr::Negate(inner) => Some(-self.eval_at_month(inner, entity, offset, complete)?),
            Expr::Positive(inner) => self.eval_at_month(inner, entity, offset, complete),
            Expr::Binary { op, left, right } => {
                let l = self.eval_at_month(left, entity, offset, complete)?;
                let r = self.eval_at_month(right, entity, offset, complete)?;
                match op {
                    BinaryOp::Add => l.checked_add(r),
                    BinaryOp::Sub => l.checked_sub(r),
                    BinaryOp::Mul => l.checked_mul(r),
                    BinaryOp::Div => {
                        if r.is_zero() {
                            *complete = false;
                            Some(Decimal::ZERO)
                        } else {
                            l.checked_div(r)
                        }
                    }
                }
            }
        }
    }

    #[inline]
    fn slot_at(&self, entity: EntityId, item: usize, offset: usize) -> usize {
        (entity * self.catalogue.items().len() + item) * self.ledger.months + offset
    }

    fn offset_of(&self, month: Month) -> Option<usize> {
        let offset = month.ordinal() - self.ledger.first.ordinal();
        (offset >= 0 && (offset as usize) < self.ledger.months).then_some(offset as usize)
    }

    pub fn tree(&self) -> &EntityTree {
        &self.tree
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The latest month any entity has data for, if any.
    pub fn last_month(&self) -> Option<Month> {
        if self.ledger.present.iter().any(|p| *p) {
            self.ledger.first.offset(self.ledger.months as i32 - 1)
        } else {
            None
        }
    }

    /// The consolidated total of an item for one month, `None` when missing.
    pub fn total(&self, entity: EntityId, item: usize, month: Month) -> Option<Decimal> {
        let offset = self.offset_of(month)?;
        let slot = self.slot_at(entity, item, offset);
        (self.complete[slot] && !self.overflow[slot]).then(|| self.totals[slot])
    }

    /// The months an aggregation reads for a period.
    pub fn months_read(aggregation: Aggregation, period: Period) -> Vec<Month> {
        match aggregation {
            Aggregation::Flow | Aggregation::Average => period.months().collect(),
            Aggregation::End | Aggregation::AtMonth => vec![period.end],
            Aggregation::Opening => period.opening().into_iter().collect(),
        }
    }

    /// Reads one item for an entity and period the way `aggregation` says.
    pub fn read(
        &self,
        entity: EntityId,
        item: usize,
        aggregation: Aggregation,
        period: Period,
    ) -> Result<Decimal, Unavailable> {
        match aggregation {
            Aggregation::End | Aggregation::AtMonth => self.read_month(entity, item, period.end),
            Aggregation::Opening => match period.opening() {
                Some(month) => self.read_month(entity, item, month),
                // Before the supported calendar: nothing can be read.
                None => Err(self.missing(entity, item, vec![period.end])),
            },
            Aggregation::Flow | Aggregation::Average => {
                // Year to date is one lookup in the running sums; anything else sums months.
                let fast = match period.basis {
                    Basis::Ytd => self.offset_of(period.end).and_then(|offset| {
                        let slot = self.slot_at(entity, item, offset);
                        self.ytd_ok[slot].then(|| self.ytd_sum[slot])
                    }),
                    Basis::Month => None,
                };
                let sum = match fast {
                    Some(sum) => sum,
                    None => self.sum_months(entity, item, period)?,
                };
                if aggregation == Aggregation::Average {
                    sum.checked_div(Decimal::from(period.month_count()))
                        .ok_or(Unavailable::Overflow)
                } else {
                    Ok(sum)
                }
            }
        }
    }

    fn read_month(
        &self,
        entity: EntityId,
        item: usize,
        month: Month,
    ) -> Result<Decimal, Unavailable> {
        let Some(offset) = self.offset_of(month) else {
            return Err(self.missing(entity, item, vec![month]));
        };
        let slot = self.slot_at(entity, item, offset);
        if self.overflow[slot] {
            Err(Unavailable::Overflow)
        } else if !self.complete[slot] {
            Err(self.missing(entity, item, vec![month]))
        } else {
            Ok(self.totals[slot])
        }
    }

    /// Sums the period's months one by one, naming the missing ones.
    fn sum_months(
        &self,
        entity: EntityId,
        item: usize,
        period: Period,
    ) -> Result<Decimal, Unavailable> {
        let mut sum = Decimal::ZERO;
        let mut missing: Vec<Month> = Vec::new();
        let mut overflow = false;
        for month in period.months() {
            match self.offset_of(month) {
                Some(offset) => {
                    let slot = self.slot_at(entity, item, offset);
                    if self.overflow[slot] {
                        overflow = true;
                    } else if !self.complete[slot] {
                        missing.push(month);
                    } else {
                        match sum.checked_add(self.totals[slot]) {
                            Some(s) => sum = s,
                            None => overflow = true,
                        }
                    }
                }
                None => missing.push(month),
            }
        }
        if !missing.is_empty() {
            return Err(self.missing(entity, item, missing));
        }
        if overflow {
            return Err(Unavailable::Overflow);
        }
        Ok(sum)
    }

    /// Running year-to-date sums of every total, so a YTD flow is one lookup. A running sum is
    /// valid only when every month since January is complete and inside the ledger.
    fn compute_year_to_date(&mut self) {
        let months = self.ledger.months;
        let first = self.ledger.first.ordinal();
        self.ytd_sum = vec![Decimal::ZERO; self.totals.len()];
        self.ytd_ok = vec![false; self.totals.len()];
        for base in (0..self.totals.len()).step_by(months.max(1)) {
            let mut sum = Decimal::ZERO;
            let mut ok = false;
            for offset in 0..months {
                let slot = base + offset;
                let january = (first + offset as i32).rem_euclid(12) == 0;
                if january {
                    sum = Decimal::ZERO;
                    ok = true;
                }
                if ok && self.complete[slot] && !self.overflow[slot] {
                    match sum.checked_add(self.totals[slot]) {
                        Some(s) => sum = s,
                        None => ok = false,
                    }
                } else {
                    ok = false;
                }
                self.ytd_sum[slot] = sum;
                self.ytd_ok[slot] = ok;
            }
        }
    }

    /// Names the leaves under `entity` without a row for `item` in `months`. For a derived item,
    /// the leaves missing any of its inputs.
    fn missing(&self, entity: EntityId, item: usize, months: Vec<Month>) -> Unavailable {
        let def = self.catalogue.item(item);
        let inputs: Vec<usize> = match &def.derived {
            Some(expr) => expr.inputs().into_iter().map(|(_, i)| i).collect(),
            None => vec![item],
        };
        let mut entities = Vec::new();
        for leaf in self.tree.leaves_under(entity) {
            let segment = &self.tree.entity(leaf).segment;
            // A plant of a segment an input does not apply to never lacks it.
            let applicable: Vec<usize> = inputs
                .iter()
                .copied()
                .filter(|&input| self.catalogue.item(input).applies_to(segment))
                .collect();
            let lacks = months.iter().any(|&month| {
                applicable
                    .iter()
                    .any(|&input| self.ledger.get(leaf, input, month).is_none())
            });
            if lacks {
                entities.push(self.tree.entity(leaf).code.clone());
            }
        }
        Unavailable::Missing {
            item: def.code.clone(),
            months,
            entities,
        }
    }

    /// The value of an indicator for an entity and period.
    pub fn evaluate(
        &self,
        entity: EntityId,
        period: Period,
        indicator: usize,
    ) -> Result<Decimal, Unavailable> {
        let expr = &self.catalogue.indicator(indicator).formula;
        self.eval(expr, entity, period)
    }

    /// The value of any indicator, of the KPI card or an operating one
    /// ([`Catalogue::find_indicator`]), for an entity and period.
    pub fn evaluate_def(
        &self,
        def: &IndicatorDef,
        entity: EntityId,
        period: Period,
    ) -> Result<Decimal, Unavailable> {
        self.eval(&def.formula, entity, period)
    }

    fn eval(&self, expr: &Expr, entity: EntityId, period: Period) -> Result<Decimal, Unavailable> {
        self.eval_with(expr, period, &|item, aggregation| {
            self.read(entity, item, aggregation, period)
        })
    }

    /// Evaluates a formula with its inputs read by `read` (one entity's consolidated totals,
    /// or the sum over a set of units) and `days` the period's calendar days.
    fn eval_with(
        &self,
        expr: &Expr,
        period: Period,
        read: &dyn Fn(usize, Aggregation) -> Result<Decimal, Unavailable>,
    ) -> Result<Decimal, Unavailable> {
        match expr {
            Expr::Number(n) => Ok(*n),
            Expr::Days => Ok(Decimal::from(period.days())),
            Expr::Item { aggregation, item } => read(*item, *aggregation),
            Expr::Negate(inner) => Ok(-self.eval_with(inner, period, read)?),
            Expr::Positive(inner) => {
                let value = self.eval_with(inner, period, read)?;
                if value > Decimal::ZERO {
                    Ok(value)
                } else {
                    Err(Unavailable::NotPositive {
                        expression: self.catalogue.render(inner),
                        value,
                    })
                }
            }
            Expr::Binary { op, left, right } => {
                let l = self.eval_with(left, period, read)?;
                let r = self.eval_with(right, period, read)?;
                match op {
                    BinaryOp::Add => l.checked_add(r).ok_or(Unavailable::Overflow),
                    BinaryOp::Sub => l.checked_sub(r).ok_or(Unavailable::Overflow),
                    BinaryOp::Mul => l.checked_mul(r).ok_or(Unavailable::Overflow),
                    BinaryOp::Div => {
                        if r.is_zero() {
                            Err(Unavailable::DivisionByZero {
                                denominator: self.catalogue.render(right),
                            })
                        } else {
                            l.checked_div(r).ok_or(Unavailable::Overflow)
                        }
                    }
                }
            }
        }
    }

    /// The value of an indicator for a set of units taken together (a filtered subtotal): each
    /// input is the sum of the units' consolidated inputs, and the formula is applied to those
    /// sums — a ratio of sums, never an average of the units' ratios. Nothing else is added:
    /// no parent's own rows (HQ figures, eliminations). `units` must not overlap (no unit
    /// under another), or amounts would count twice. An input derived by a formula that does
    /// not add up over units (a product, a ratio) is [`Unavailable::NotAdditive`].
    pub fn evaluate_units(
        &self,
        units: &[EntityId],
        period: Period,
        indicator: usize,
    ) -> Result<Decimal, Unavailable> {
        if units.is_empty() {
            return Err(Unavailable::NoUnits);
        }
        let expr = &self.catalogue.indicator(indicator).formula;
        self.eval_with(expr, period, &|item, aggregation| {
            if let Some(derived) = &self.catalogue.item(item).derived
                && !derived.is_additive()
            {
                return Err(Unavailable::NotAdditive {
                    item: self.catalogue.item(item).code.clone(),
                });
            }
            let mut sum = Decimal::ZERO;
            let mut missing: Option<Unavailable> = None;
            for &unit in units {
                match self.read(unit, item, aggregation, period) {
                    Ok(value) => sum = sum.checked_add(value).ok_or(Unavailable::Overflow)?,
                    // Every unit that lacks the input is named, not only the first.
                    Err(Unavailable::Missing {
                        item,
                        months,
                        entities,
                    }) => match &mut missing {
                        Some(Unavailable::Missing {
                            months: all_months,
                            entities: all,
                            ..
                        }) => {
                            all.extend(entities);
                            for month in months {
                                if !all_months.contains(&month) {
                                    all_months.push(month);
                                }
                            }
                            all_months.sort();
                        }
                        _ => {
                            missing = Some(Unavailable::Missing {
                                item,
                                months,
                                entities,
                            })
                        }
                    },
                    Err(other) => return Err(other),
                }
            }
            match missing {
                Some(reason) => Err(reason),
                None => Ok(sum),
            }
        })
    }

    /// The formula, its inputs and each child's share, for any indicator value.
    pub fn explain(&self, entity: EntityId, period: Period, indicator: usize) -> Explanation {
        let def = self.catalogue.indicator(indicator);
        let inputs = def
            .formula
            .inputs()
            .into_iter()
            .map(|(aggregation, item)| {
                let months = Self::months_read(aggregation, period);
                let own = {
                    let values: Vec<Decimal> = months
                        .iter()
                        .filter_map(|&m| self.ledger.get(entity, item, m))
                        .collect();
                    if values.is_empty() || self.tree.is_leaf(entity) {
                        None
                    } else {
                        let sum = values
                            .iter()
                            .fold(Decimal::ZERO, |a, b| a.saturating_add(*b));
                        if aggregation == Aggregation::Average {
                            Some(sum / Decimal::from(months.len().max(1) as u64))
                        } else {
                            Some(sum)
                        }
                    }
                };
                let mut children: Vec<(EntityId, Result<Decimal, Unavailable>)> = self
                    .tree
                    .children(entity)
                    .iter()
                    .map(|&child| (child, self.read(child, item, aggregation, period)))
                    .collect();
                children.sort_by(|a, b| {
                    let magnitude =
                        |r: &Result<Decimal, Unavailable>| r.as_ref().ok().map(|d| d.abs());
                    magnitude(&b.1).cmp(&magnitude(&a.1))
                });
                InputExplanation {
                    call: format!("{}({})", aggregation.name(), self.catalogue.item(item).code),
                    item,
                    aggregation,
                    months,
                    value: self.read(entity, item, aggregation, period),
                    own,
                    children,
                }
            })
            .collect();
        Explanation {
            entity,
            period,
            indicator,
            formula: def.formula_text.clone(),
            value: self.evaluate(entity, period, indicator),
            inputs,
        }
    }
}
