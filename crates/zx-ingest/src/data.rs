//! Data files: monthly figures in the long layout (`entity,period,item,value[,basis]`) or the
//! wide layout of the fill-in template (one row per entity and item, one column per month).
//!
//! Both layouts become the same list of [`Entry`]s, one per submitted figure, which then go
//! through the checks that need several figures: duplicates, year-to-date series that must
//! de-cumulate (together with what is already stored), and balance-sheet plausibility.

use std::collections::{BTreeMap, HashMap, HashSet};

use rust_decimal::Decimal;
use zx_domain::facts::{DerivationIssue, derive_monthly};
use zx_domain::format::grouped;
use zx_domain::{Basis, EntityCode, FactRow, FactTable, ItemKind, Month};

use crate::Context;
use crate::batch::Batch;
use crate::fields::{self, Known};
use crate::issue::{Draft, IssueCode, Loc, Sink};
use crate::schema::{Columns, Layout};
use crate::source::{Table, Value};

/// One submitted figure whose entity, item and month are valid. Kept compact (three million
/// of them for a 10,000-entity group's history): the entity is an index into the file's
/// [`Interned`] codes, and the cells are named by [`At`], their places and raw text built
/// again only for a figure with something to report.
struct Entry {
    entity: u32,
    item: u32,
    month: Month,
    /// `None` when the value or basis is invalid (already reported).
    value: Option<Decimal>,
    basis: Option<Basis>,
    /// No error at all on this figure (or its row).
    ok: bool,
    at: At,
}

/// Where a figure was read: its table (in the file's list), data row (as [`Table::rows`]
/// counts them), value and basis columns, and the layout (the wide layout names the value's
/// cell for the whole figure and its month as the column).
#[derive(Debug, Clone, Copy)]
struct At {
    table: u32,
    row: u32,
    value_col: u32,
    basis_col: u32,
    wide: bool,
}

/// The tables of a data file, to name a figure's cells from its [`At`].
struct Places<'t> {
    tables: &'t [(Table, Columns)],
}

impl Places<'_> {
    fn table(&self, at: &At) -> Option<&Table> {
        self.tables.get(at.table as usize).map(|(table, _)| table)
    }

    fn cell(&self, at: &At, column: u32) -> Loc {
        match self.table(at) {
            Some(table) => table.loc(table.line_of(at.row as usize), column as usize),
            None => Loc::file(),
        }
    }

    /// Where problems with the value are reported.
    fn value_loc(&self, e: &Entry) -> Loc {
        self.cell(&e.at, e.at.value_col)
    }

    /// Where problems with the basis are reported.
    fn basis_loc(&self, e: &Entry) -> Loc {
        self.cell(&e.at, e.at.basis_col)
    }

    /// Where problems with the figure as a whole are reported: its line, or its cell.
    fn whole_loc(&self, e: &Entry) -> Loc {
        match self.table(&e.at) {
            Some(table) if !e.at.wide => table.line_loc(table.line_of(e.at.row as usize)),
            _ => self.value_loc(e),
        }
    }

    /// The value's column as messages name it: `value`, or the month of a wide layout.
    fn value_column(&self, e: &Entry) -> String {
        if e.at.wide {
            e.month.to_string()
        } else {
            "value".into()
        }
    }

    /// The value's cell as submitted.
    fn raw_value(&self, e: &Entry) -> Value {
        match self.table(&e.at) {
            Some(table) => table.cell_at(e.at.row as usize, e.at.value_col as usize),
            None => Value::Empty,
        }
    }
}

/// The entity codes a file names, each held once; figures refer to them by index.
#[derive(Default)]
struct Interned {
    codes: Vec<EntityCode>,
    index: HashMap<EntityCode, u32>,
}

impl Interned {
    fn of(&mut self, code: EntityCode) -> u32 {
        if let Some(&i) = self.index.get(&code) {
            return i;
        }
        let i = u32::try_from(self.codes.len()).unwrap_or(u32::MAX);
        self.codes.push(code.clone());
        self.index.insert(code, i);
        i
    }

    fn code(&self, index: u32) -> &EntityCode {
        &self.codes[index as usize]
    }

    /// Each index's rank in code order: checks that span figures go through entities in the
    /// order of their codes, as they did when keyed by the code itself.
    fn ranks(&self) -> Vec<u32> {
        let mut by_code: Vec<u32> = (0..self.codes.len()).map(|i| i as u32).collect();
        by_code.sort_by(|&a, &b| self.code(a).cmp(self.code(b)));
        let mut rank = vec![0u32; self.codes.len()];
        for (r, &i) in by_code.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        rank
    }
}

fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// A reported cell error: records it and says the cell is bad.
fn check<T>(sink: &mut Sink, loc: Loc, result: Result<T, Draft>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(draft) => {
            sink.error(&loc, draft);
            None
        }
    }
}

/// Reads the figures of every table of the file (a workbook may have several data sheets, in
/// either layout), then checks them together: a figure on two sheets is a duplicate.
pub(crate) fn read(
    tables: &[(Table, Columns)],
    ctx: &Context<'_>,
    sink: &mut Sink,
    batch: Option<&mut Batch>,
) -> FactTable {
    let mut entries = Vec::new();
    let mut interned = Interned::default();
    let mut wide_only = true;
    let mut filled = 0usize;
    for (index, (table, columns)) in tables.iter().enumerate() {
        let index = index_u32(index);
        let mut reading = Reading {
            table,
            index,
            columns,
            ctx,
            sink: &mut *sink,
            entries: &mut entries,
            interned: &mut interned,
        };
        match columns.layout {
            Layout::DataWide => filled += reading.wide(),
            _ => {
                wide_only = false;
                reading.long();
            }
        }
    }
    if wide_only && filled == 0 && !sink.has_errors() {
        sink.error(
            &Loc::file(),
            Draft::new(
                IssueCode::EmptyFile,
                "no month cell is filled in",
                "没有填写任何月份数据",
            ),
        );
    }
    let places = Places { tables };
    finish(entries, &interned, &places, ctx, sink, batch)
}

/// One table being read into the file's entries.
struct Reading<'r, 'c> {
    table: &'r Table,
    index: u32,
    columns: &'r Columns,
    ctx: &'r Context<'c>,
    sink: &'r mut Sink,
    entries: &'r mut Vec<Entry>,
    interned: &'r mut Interned,
}

impl Reading<'_, '_> {
    /// Reads the long layout.
    fn long(&mut self) {
        let (table, ctx) = (self.table, self.ctx);
        let sink = &mut *self.sink;
        let known = Known::new(ctx.entities);
        let catalogue = ctx.catalogue;
        // Required columns are present: `columns` refused the file otherwise.
        let [entity_col, period_col, item_col, value_col] = ["entity", "period", "item", "value"]
            .map(|name| self.columns.get(name).unwrap_or(usize::MAX));
        let basis_col = self.columns.get("basis");
        self.entries.reserve(table.row_count());
        for (index, row) in table.rows().enumerate() {
            let loc = |col: usize| table.loc(row.line, col);
            let entity = check(
                sink,
                loc(entity_col),
                known
                    .entity(row.cell(entity_col), "entity")
                    .and_then(|e| writable(e, ctx, "entity")),
            );
            let month = check(
                sink,
                loc(period_col),
                fields::month(row.cell(period_col), "period")
                    .and_then(|m| fields::not_after(m, ctx.latest_month, "period")),
            );
            let item = check(
                sink,
                loc(item_col),
                fields::item(row.cell(item_col), "item", catalogue),
            );
            let raw_value = row.cell(value_col);
            let value = check(sink, loc(value_col), fields::decimal(raw_value, "value"));
            let basis = match basis_col {
                Some(col) => check(sink, loc(col), fields::basis(row.cell(col), "basis")),
                None => Some(Basis::Month),
            };
            let mut ok = entity.is_some()
                && month.is_some()
                && item.is_some()
                && value.is_some()
                && basis.is_some();
            if let (Some(i), Some(v)) = (item, value) {
                let def = catalogue.item(i);
                if def.non_negative && v.is_sign_negative() && !v.is_zero() {
                    sink.error(&loc(value_col), fields::negative(def, "value", raw_value));
                    ok = false;
                }
            }
            if let (Some(entity), Some(month), Some(item)) = (entity, month, item) {
                self.entries.push(Entry {
                    entity: self.interned.of(entity),
                    item: index_u32(item),
                    month,
                    value,
                    basis,
                    ok,
                    at: At {
                        table: self.index,
                        row: index_u32(index),
                        value_col: index_u32(value_col),
                        basis_col: index_u32(basis_col.unwrap_or(value_col)),
                        wide: false,
                    },
                });
            }
        }
    }

    /// Reads the wide layout (the template): blank month cells are skipped. Returns how many
    /// month cells are filled in.
    fn wide(&mut self) -> usize {
        let (table, ctx) = (self.table, self.ctx);
        let sink = &mut *self.sink;
        let known = Known::new(ctx.entities);
        let catalogue = ctx.catalogue;
        let entity_col = self.columns.get("entity").unwrap_or(usize::MAX);
        let item_col = self.columns.get("item").unwrap_or(usize::MAX);
        let basis_col = self.columns.get("basis");
        let mut filled = 0usize;
        for (index, row) in table.rows().enumerate() {
            let loc = |col: usize| table.loc(row.line, col);
            let entity = check(
                sink,
                loc(entity_col),
                known
                    .entity(row.cell(entity_col), "entity")
                    .and_then(|e| writable(e, ctx, "entity")),
            );
            let item = check(
                sink,
                loc(item_col),
                fields::item(row.cell(item_col), "item", catalogue),
            );
            let basis = match basis_col {
                Some(col) => check(sink, loc(col), fields::basis(row.cell(col), "basis")),
                None => Some(Basis::Month),
            };
            let row_ok = entity.is_some() && item.is_some() && basis.is_some();
            let entity = entity.map(|e| self.interned.of(e));
            for &(col, month) in &self.columns.months {
                let raw_value = row.cell(col);
                if raw_value.is_empty() {
                    continue;
                }
                filled += 1;
                let column = month.to_string();
                let value = check(
                    sink,
                    loc(col),
                    fields::not_after(month, ctx.latest_month, &column)
                        .and_then(|_| fields::decimal(raw_value, &column)),
                );
                let mut ok = row_ok && value.is_some();
                if let (Some(i), Some(v)) = (item, value) {
                    let def = catalogue.item(i);
                    if def.non_negative && v.is_sign_negative() && !v.is_zero() {
                        sink.error(&loc(col), fields::negative(def, &column, raw_value));
                        ok = false;
                    }
                }
                if let (Some(entity), Some(item)) = (entity, item) {
                    self.entries.push(Entry {
                        entity,
                        item: index_u32(item),
                        month,
                        value,
                        basis,
                        ok,
                        at: At {
                            table: self.index,
                            row: index_u32(index),
                            value_col: index_u32(col),
                            basis_col: index_u32(basis_col.unwrap_or(item_col)),
                            wide: true,
                        },
                    });
                }
            }
        }
        filled
    }
}

/// An entity the submitter may write for (`Context::writable`): a row for another is refused
/// on its entity cell, together with every other error of the file.
fn writable(entity: EntityCode, ctx: &Context<'_>, column: &str) -> Result<EntityCode, Draft> {
    match ctx.writable {
        Some(scope) if !scope.contains(&entity) => Err(Draft::new(
            IssueCode::OutsideScope,
            "is outside your scope: you may submit figures only for your own unit and the units below it",
            "不在您的报送范围内：只能报送本单位及下级单位的数据",
        )
        .column(column)
        .value(entity.as_str())),
        _ => Ok(entity),
    }
}

/// A figure for a locked month must equal the stored one (same value and basis): the
/// pre-filled template then reads back as unchanged. A new or changed figure is an error on
/// its cell that names the stored value and who locked the month.
fn check_locked(
    entries: &mut [Entry],
    interned: &Interned,
    places: &Places<'_>,
    ctx: &Context<'_>,
    sink: &mut Sink,
) {
    let Some(locked) = ctx.locked else {
        return;
    };
    for e in entries.iter_mut() {
        let (Some(value), Some(basis), true) = (e.value, e.basis, e.ok) else {
            continue;
        };
        let entity = interned.code(e.entity);
        let Some(by) = locked.locked_by(entity, e.month) else {
            continue;
        };
        let code = &ctx.catalogue.item(e.item as usize).code;
        let stored = ctx
            .stored
            .series(entity, code, e.month.year())
            .into_iter()
            .find(|(m, _, _)| *m == e.month);
        if stored.is_some_and(|(_, v, b)| v == value && b == basis) {
            continue;
        }
        let whose = if by == entity {
            String::new()
        } else {
            format!(" ({by})")
        };
        let (en, zh) = match stored {
            Some((_, v, b)) => {
                let shown = format!("{} ({})", v.normalize(), b.as_str());
                (
                    format!(
                        "changes {code} of {entity} for {}, a month locked{whose}: the stored value is {shown}; give the stored value or leave the cell blank, or ask HQ to reopen the month",
                        e.month
                    ),
                    format!(
                        "修改了 {entity} {} 的 {code}，该月已锁定{whose}：已存数值为 {shown}；请填回已存数值或留空，或请总部重新打开该月",
                        e.month
                    ),
                )
            }
            None => (
                format!(
                    "adds {code} of {entity} for {}, a month locked{whose}: nothing is stored for it; leave the cell blank, or ask HQ to reopen the month",
                    e.month
                ),
                format!(
                    "新增 {entity} {} 的 {code}，该月已锁定{whose}：此前没有数值；请留空，或请总部重新打开该月",
                    e.month
                ),
            ),
        };
        sink.error(
            &places.value_loc(e),
            Draft::new(IssueCode::LockedPeriod, en, zh)
                .column(places.value_column(e))
                .value(places.raw_value(e).text()),
        );
        e.ok = false;
    }
}

/// The key of a figure: one per entity, month and item.
fn key(e: &Entry) -> (u32, Month, u32) {
    (e.entity, e.month, e.item)
}

/// The checks across figures, then the facts of the valid ones in file order. Cross-figure
/// checks sort indices into the entries (4 bytes a figure) rather than build maps of keys.
fn finish(
    mut entries: Vec<Entry>,
    interned: &Interned,
    places: &Places<'_>,
    ctx: &Context<'_>,
    sink: &mut Sink,
    batch: Option<&mut Batch>,
) -> FactTable {
    let catalogue = ctx.catalogue;
    // Duplicates: one figure per entity, month and item, whatever the basis. Sorted by key,
    // then by position, the first of each run is the figure given first.
    const NONE: u32 = u32::MAX;
    let mut first_of = vec![NONE; entries.len()];
    {
        let mut order: Vec<u32> = (0..entries.len()).map(index_u32).collect();
        order.sort_unstable_by_key(|&i| (key(&entries[i as usize]), i));
        for run in order.chunk_by(|&a, &b| key(&entries[a as usize]) == key(&entries[b as usize])) {
            for &i in &run[1..] {
                first_of[i as usize] = run[0];
            }
        }
    }
    for (i, &first) in first_of.iter().enumerate() {
        if first == NONE {
            continue;
        }
        let (en, zh) = places.whole_loc(&entries[first as usize]).place.reference();
        let entry = &mut entries[i];
        let code = &catalogue.item(entry.item as usize).code;
        let entity = interned.code(entry.entity);
        sink.error(
            &places.whole_loc(entry),
            Draft::new(
                IssueCode::DuplicateRow,
                format!(
                    "{entity} {} {code} is given a second time (first at {en}); give one figure per entity, period and item, whatever the basis",
                    entry.month
                ),
                format!(
                    "{entity} {} {code} 重复填报（首次出现在{zh}）；每个单位、期间、项目只能填一个数，无论口径",
                    entry.month
                ),
            ),
        );
        entry.ok = false;
    }
    let duplicate = |i: usize| first_of[i] != NONE;
    if let Some(batch) = batch {
        for (_, e) in entries.iter().enumerate().filter(|(i, _)| !duplicate(*i)) {
            let code = &catalogue.item(e.item as usize).code;
            batch.fact(
                interned.code(e.entity),
                e.month,
                code,
                &places.whole_loc(e),
                sink,
            );
        }
    }
    check_locked(&mut entries, interned, places, ctx, sink);
    // Figures that are in the file but unusable: a series check must not blame their absence.
    let tainted: HashSet<(u32, u32, Month)> = entries
        .iter()
        .enumerate()
        .filter(|(i, e)| !duplicate(*i) && (e.value.is_none() || e.basis.is_none()))
        .map(|(_, e)| (e.entity, e.item, e.month))
        .collect();
    let usable: Vec<u32> = (0..entries.len())
        .filter(|&i| !duplicate(i) && entries[i].value.is_some() && entries[i].basis.is_some())
        .map(index_u32)
        .collect();
    drop(first_of);
    let ranks = interned.ranks();
    let checks = Checks {
        entries: &entries,
        interned,
        ranks: &ranks,
        places,
        ctx,
    };
    checks.cumulatives(&usable, &tainted, sink);
    checks.parts(&usable, &tainted, sink);
    checks.segments(&usable, sink);
    checks.balances(&usable, sink);
    let mut table = FactTable::new();
    for code in &interned.codes {
        table.add_entity(code.clone());
    }
    // The table's item indices, by catalogue index.
    let items: Vec<u32> = (0..catalogue.items().len())
        .map(|i| table.item_index(&catalogue.item(i).code))
        .collect();
    table.reserve(usable.len());
    for &i in &usable {
        let e = &entries[i as usize];
        if let (Some(value), Some(basis), Some(&item)) =
            (e.value, e.basis, items.get(e.item as usize))
        {
            table.push(FactRow {
                entity: e.entity,
                item,
                month: e.month,
                value,
                basis,
            });
        }
    }
    table
}

/// What the checks across figures read.
struct Checks<'a> {
    entries: &'a [Entry],
    interned: &'a Interned,
    ranks: &'a [u32],
    places: &'a Places<'a>,
    ctx: &'a Context<'a>,
}

impl Checks<'_> {
    fn entry(&self, i: u32) -> &Entry {
        &self.entries[i as usize]
    }

    fn rank(&self, e: &Entry) -> u32 {
        self.ranks[e.entity as usize]
    }

    /// Year-to-date rows must de-cumulate, together with what is stored (file rows win).
    fn cumulatives(&self, usable: &[u32], tainted: &HashSet<(u32, u32, Month)>, sink: &mut Sink) {
        let catalogue = self.ctx.catalogue;
        // The usable figures by entity (in code order), item and month: each (entity, item,
        // year) series is then one run.
        let mut order = usable.to_vec();
        order.sort_unstable_by_key(|&i| {
            let e = self.entry(i);
            (self.rank(e), e.item, e.month)
        });
        let series_of = |e: &Entry| (e.entity, e.item, e.month.year());
        for run in order.chunk_by(|&a, &b| series_of(self.entry(a)) == series_of(self.entry(b))) {
            let first = self.entry(run[0]);
            let (entity_index, item, year) = series_of(first);
            let def = catalogue.item(item as usize);
            // Only non-stock year-to-date rows can fail to de-cumulate; month rows with a
            // negative value were reported already.
            let needs_check = def.kind != ItemKind::Stock
                && run.iter().any(|&i| self.entry(i).basis == Some(Basis::Ytd));
            if !needs_check {
                continue;
            }
            let entity = self.interned.code(entity_index);
            let in_file: BTreeMap<Month, u32> =
                run.iter().map(|&i| (self.entry(i).month, i)).collect();
            let mut series: BTreeMap<Month, (Decimal, Basis)> = self
                .ctx
                .stored
                .series(entity, &def.code, year)
                .into_iter()
                .filter(|(m, _, _)| m.year() == year)
                .map(|(m, v, b)| (m, (v, b)))
                .collect();
            for (&month, &i) in &in_file {
                let e = self.entry(i);
                if let (Some(v), Some(b)) = (e.value, e.basis) {
                    series.insert(month, (v, b));
                }
            }
            let series: Vec<(Month, Decimal, Basis)> =
                series.into_iter().map(|(m, (v, b))| (m, v, b)).collect();
            let derived = derive_monthly(def.kind, def.non_negative, &series);
            for issue in derived.issues {
                let Some(&i) = in_file.get(&issue.month()) else {
                    continue;
                };
                let e = self.entry(i);
                if !e.ok {
                    continue;
                }
                let places = self.places;
                match issue {
                    DerivationIssue::MissingPreviousCumulative { month, previous } => {
                        if tainted.contains(&(entity_index, item, previous)) {
                            continue;
                        }
                        sink.error(
                            &places.basis_loc(e),
                            Draft::new(
                                IssueCode::InvalidCumulative,
                                format!(
                                    "for {month} needs the year-to-date total of {previous}, which is neither in this file nor already stored: add {previous} (year to date, or every month from January), or give {month} on the month basis"
                                ),
                                format!(
                                    "口径下 {month} 需要 {previous} 的本年累计数，但本文件和已导入数据中都没有：请补报 {previous}（累计数，或自 1 月起的各月当月数），或将 {month} 改按当月数（month）填报"
                                ),
                            )
                            .column("basis")
                            .value("ytd"),
                        );
                    }
                    DerivationIssue::NegativeAmount { month, amount } => {
                        let amount = grouped(amount, 2);
                        sink.error(
                            &places.value_loc(e),
                            Draft::new(
                                IssueCode::InvalidCumulative,
                                format!(
                                    "makes {}'s own amount for {month} negative ({amount}), which it cannot be: check the year-to-date figures",
                                    def.code
                                ),
                                format!(
                                    "使 {month} 的{}（{}）当月数为负（{amount}），这是不可能的：请检查累计数",
                                    def.name_zh, def.code
                                ),
                            )
                            .column(places.value_column(e))
                            .value(places.raw_value(e).text()),
                        );
                    }
                    DerivationIssue::Overflow { month } => {
                        sink.error(
                            &places.value_loc(e),
                            Draft::new(
                                IssueCode::InvalidCumulative,
                                format!("is too large to de-cumulate {month}"),
                                format!("数值过大，无法计算 {month} 的当月数"),
                            )
                            .column(places.value_column(e))
                            .value(places.raw_value(e).text()),
                        );
                    }
                }
            }
        }
    }

    /// Parts given with their whole for an entity and month on the same basis (the cost
    /// elements and operating_cost) add up to it exactly; an error on the whole's value cell
    /// names every part and the difference. Different bases are not compared (the sums would
    /// be of different months), nor figures with an error of their own.
    fn parts(&self, usable: &[u32], tainted: &HashSet<(u32, u32, Month)>, sink: &mut Sink) {
        let catalogue = self.ctx.catalogue;
        let whole_of: Vec<Option<u32>> = catalogue
            .items()
            .iter()
            .map(|item| item.part_of.map(index_u32))
            .collect();
        if whole_of.iter().all(Option::is_none) {
            return;
        }
        // (entity's rank, month, whole) → (the whole's figure, the parts' figures)
        type WholeAndParts = (Option<u32>, Vec<u32>);
        let mut groups: BTreeMap<(u32, Month, u32), WholeAndParts> = BTreeMap::new();
        for &i in usable {
            let e = self.entry(i);
            if let Some(Some(whole)) = whole_of.get(e.item as usize) {
                groups
                    .entry((self.rank(e), e.month, *whole))
                    .or_default()
                    .1
                    .push(i);
            } else if catalogue.parts_of(e.item as usize).next().is_some() {
                groups.entry((self.rank(e), e.month, e.item)).or_default().0 = Some(i);
            }
        }
        let places = self.places;
        for ((_, month, whole_item), (whole, parts)) in groups {
            let Some(w) = whole else { continue };
            let whole_entry = self.entry(w);
            let entity = whole_entry.entity;
            let clean = |i: &u32| {
                let e = self.entry(*i);
                e.ok && e.basis == whole_entry.basis
            };
            let tainted_part = catalogue
                .parts_of(whole_item as usize)
                .any(|(p, _)| tainted.contains(&(entity, index_u32(p), month)));
            if parts.is_empty() || !whole_entry.ok || tainted_part || !parts.iter().all(clean) {
                continue;
            }
            let (Some(total), Some(sum)) = (
                whole_entry.value,
                parts.iter().try_fold(Decimal::ZERO, |acc, &i| {
                    acc.checked_add(self.entry(i).value?)
                }),
            ) else {
                continue;
            };
            if sum == total {
                continue;
            }
            let terms: Vec<String> = parts
                .iter()
                .map(|&i| {
                    let e = self.entry(i);
                    let code = &catalogue.item(e.item as usize).code;
                    format!("{code} {}", grouped(e.value.unwrap_or_default(), 2))
                })
                .collect();
            let terms = terms.join(" + ");
            let code = &catalogue.item(whole_item as usize).code;
            let who = self.interned.code(entity);
            let difference = total
                .checked_sub(sum)
                .map_or_else(|| "—".to_owned(), |d| grouped(d, 2));
            let sum = grouped(sum, 2);
            let total = grouped(total, 2);
            sink.error(
                &places.value_loc(whole_entry),
                Draft::new(
                    IssueCode::PartsDoNotAddUp,
                    format!(
                        "{code} {total} of {who} for {month} is not the sum of its parts given: {terms} = {sum} (difference {difference}); correct the total or the parts"
                    ),
                    format!(
                        "{who} {month} 的{}（{code}）{total} 不等于所填各构成项之和：{terms} = {sum}（差额 {difference}）；请更正合计或构成",
                        catalogue.item(whole_item as usize).name_zh
                    ),
                )
                .column(places.value_column(whole_entry))
                .value(places.raw_value(whole_entry).text()),
            );
        }
    }

    /// A warning, once per plant and item, on the first figure of an item a plant of its
    /// segment does not report (tonnes of waste from a water plant): counted, as figures are,
    /// but probably a slip. Parents are not judged: their own rows are adjustments.
    fn segments(&self, usable: &[u32], sink: &mut Sink) {
        let catalogue = self.ctx.catalogue;
        if catalogue.items().iter().all(|item| item.segments.is_none()) {
            return;
        }
        let parents: HashSet<&EntityCode> = self
            .ctx
            .entities
            .iter()
            .filter_map(|e| e.parent.as_ref())
            .collect();
        let segment_of: HashMap<&EntityCode, &str> = self
            .ctx
            .entities
            .iter()
            .map(|e| (&e.code, e.segment.as_str()))
            .collect();
        let mut warned: HashSet<(u32, u32)> = HashSet::new();
        for &i in usable {
            let e = self.entry(i);
            let def = catalogue.item(e.item as usize);
            let Some(segments) = &def.segments else {
                continue;
            };
            let entity = self.interned.code(e.entity);
            // A plant without a segment recorded cannot be judged.
            let Some(&segment) = segment_of.get(entity).filter(|s| !s.trim().is_empty()) else {
                continue;
            };
            if parents.contains(entity)
                || def.applies_to(segment)
                || !warned.insert((e.entity, e.item))
            {
                continue;
            }
            let list = segments.join(", ");
            sink.warning(
                &self.places.whole_loc(e),
                Draft::new(
                    IssueCode::ItemOutsideSegment,
                    format!(
                        "{entity} is a plant of segment {segment}, but {} is reported by plants of {list}: check the entity or the item",
                        def.code
                    ),
                    format!(
                        "{entity} 属于 {segment} 板块，而{}（{}）只由 {list} 板块的厂站填报：请检查单位或项目",
                        def.name_zh, def.code
                    ),
                ),
            );
        }
    }

    /// Warnings on balances: negative ones, and liabilities above assets in the same month.
    fn balances(&self, usable: &[u32], sink: &mut Sink) {
        let catalogue = self.ctx.catalogue;
        let places = self.places;
        let assets = catalogue.item_index("total_assets").map(index_u32);
        let liabilities = catalogue.item_index("total_liabilities").map(index_u32);
        // (entity's rank, month) → (assets entry, liabilities entry)
        type Pair = (Option<u32>, Option<u32>);
        let mut pairs: BTreeMap<(u32, Month), Pair> = BTreeMap::new();
        for &i in usable {
            let e = self.entry(i);
            if !e.ok {
                continue;
            }
            let is_assets = Some(e.item) == assets;
            let is_liabilities = Some(e.item) == liabilities;
            if !is_assets && !is_liabilities {
                continue;
            }
            let pair = pairs.entry((self.rank(e), e.month)).or_default();
            if is_assets {
                pair.0 = Some(i);
            } else {
                pair.1 = Some(i);
            }
            if let Some(v) = e.value
                && v.is_sign_negative()
                && !v.is_zero()
            {
                let def = catalogue.item(e.item as usize);
                sink.warning(
                    &places.value_loc(e),
                    Draft::new(
                        IssueCode::NegativeBalance,
                        format!("is a negative {} balance: check the sign", def.code),
                        format!("{}（{}）余额为负数：请检查正负号", def.name_zh, def.code),
                    )
                    .column(places.value_column(e))
                    .value(places.raw_value(e).text()),
                );
            }
        }
        for ((_, month), pair) in pairs {
            let (Some(a), Some(l)) = pair else {
                continue;
            };
            let (Some(assets), Some(liabilities)) = (self.entry(a).value, self.entry(l).value)
            else {
                continue;
            };
            if liabilities > assets {
                let e = self.entry(l);
                let entity = self.interned.code(e.entity);
                let shown = grouped(assets, 2);
                sink.warning(
                    &places.value_loc(e),
                    Draft::new(
                        IssueCode::LiabilitiesExceedAssets,
                        format!(
                            "total_liabilities exceed total_assets ({shown}) of {entity} for {month}: a sign error, or insolvency?"
                        ),
                        format!(
                            "{entity} {month} 负债总额超过资产总额（{shown}）：是正负号错误，还是资不抵债？"
                        ),
                    )
                    .column(places.value_column(e))
                    .value(places.raw_value(e).text()),
                );
            }
        }
    }
}
