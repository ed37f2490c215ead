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
use zx_domain::{Basis, EntityCode, Fact, ItemKind, Month};

use crate::Context;
use crate::batch::Batch;
use crate::fields::{self, Known};
use crate::issue::{Draft, IssueCode, Loc, Sink};
use crate::schema::{Columns, Layout};
use crate::source::{Table, Value};

/// One submitted figure whose entity, item and month are valid.
struct Entry {
    entity: EntityCode,
    item: usize,
    month: Month,
    /// `None` when the value or basis is invalid (already reported).
    value: Option<Decimal>,
    basis: Option<Basis>,
    /// No error at all on this figure (or its row).
    ok: bool,
    /// Where to report problems with the value, the basis, and the figure as a whole.
    value_loc: Loc,
    basis_loc: Loc,
    whole_loc: Loc,
    value_column: String,
    raw_value: Value,
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
) -> Vec<Fact> {
    let mut entries = Vec::new();
    let mut wide_only = true;
    let mut filled = 0usize;
    for (table, columns) in tables {
        match columns.layout {
            Layout::DataWide => filled += read_wide(table, columns, ctx, sink, &mut entries),
            _ => {
                wide_only = false;
                read_long(table, columns, ctx, sink, &mut entries);
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
    finish(entries, ctx, sink, batch)
}

/// Reads the long layout into `entries`.
fn read_long(
    table: &Table,
    columns: &Columns,
    ctx: &Context<'_>,
    sink: &mut Sink,
    entries: &mut Vec<Entry>,
) {
    let known = Known::new(ctx.entities);
    let catalogue = ctx.catalogue;
    // Required columns are present: `columns` refused the file otherwise.
    let [entity_col, period_col, item_col, value_col] =
        ["entity", "period", "item", "value"].map(|name| columns.get(name).unwrap_or(usize::MAX));
    let basis_col = columns.get("basis");
    entries.reserve(table.rows.len());
    for row in &table.rows {
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
        let basis_loc = loc(basis_col.unwrap_or(value_col));
        let basis = match basis_col {
            Some(col) => check(
                sink,
                basis_loc.clone(),
                fields::basis(row.cell(col), "basis"),
            ),
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
            entries.push(Entry {
                entity,
                item,
                month,
                value,
                basis,
                ok,
                value_loc: loc(value_col),
                basis_loc,
                whole_loc: table.line_loc(row.line),
                value_column: "value".into(),
                raw_value: raw_value.clone(),
            });
        }
    }
}

/// Reads the wide layout (the template) into `entries`: blank month cells are skipped. Returns
/// how many month cells are filled in.
fn read_wide(
    table: &Table,
    columns: &Columns,
    ctx: &Context<'_>,
    sink: &mut Sink,
    entries: &mut Vec<Entry>,
) -> usize {
    let known = Known::new(ctx.entities);
    let catalogue = ctx.catalogue;
    let entity_col = columns.get("entity").unwrap_or(usize::MAX);
    let item_col = columns.get("item").unwrap_or(usize::MAX);
    let basis_col = columns.get("basis");
    let mut filled = 0usize;
    for row in &table.rows {
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
        let basis_loc = loc(basis_col.unwrap_or(item_col));
        let basis = match basis_col {
            Some(col) => check(
                sink,
                basis_loc.clone(),
                fields::basis(row.cell(col), "basis"),
            ),
            None => Some(Basis::Month),
        };
        let row_ok = entity.is_some() && item.is_some() && basis.is_some();
        for &(col, month) in &columns.months {
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
            if let (Some(entity), Some(item)) = (&entity, item) {
                entries.push(Entry {
                    entity: entity.clone(),
                    item,
                    month,
                    value,
                    basis,
                    ok,
                    value_loc: loc(col),
                    basis_loc: basis_loc.clone(),
                    whole_loc: loc(col),
                    value_column: column,
                    raw_value: raw_value.clone(),
                });
            }
        }
    }
    filled
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
fn check_locked(entries: &mut [Entry], ctx: &Context<'_>, sink: &mut Sink) {
    let Some(locked) = ctx.locked else {
        return;
    };
    for e in entries.iter_mut() {
        let (Some(value), Some(basis), true) = (e.value, e.basis, e.ok) else {
            continue;
        };
        let Some(by) = locked.locked_by(&e.entity, e.month) else {
            continue;
        };
        let code = &ctx.catalogue.item(e.item).code;
        let stored = ctx
            .stored
            .series(&e.entity, code, e.month.year())
            .into_iter()
            .find(|(m, _, _)| *m == e.month);
        if stored.is_some_and(|(_, v, b)| v == value && b == basis) {
            continue;
        }
        let whose = if *by == e.entity {
            String::new()
        } else {
            format!(" ({by})")
        };
        let (en, zh) = match stored {
            Some((_, v, b)) => {
                let shown = format!("{} ({})", v.normalize(), b.as_str());
                (
                    format!(
                        "changes {code} of {} for {}, a month locked{whose}: the stored value is {shown}; give the stored value or leave the cell blank, or ask HQ to reopen the month",
                        e.entity, e.month
                    ),
                    format!(
                        "修改了 {} {} 的 {code}，该月已锁定{whose}：已存数值为 {shown}；请填回已存数值或留空，或请总部重新打开该月",
                        e.entity, e.month
                    ),
                )
            }
            None => (
                format!(
                    "adds {code} of {} for {}, a month locked{whose}: nothing is stored for it; leave the cell blank, or ask HQ to reopen the month",
                    e.entity, e.month
                ),
                format!(
                    "新增 {} {} 的 {code}，该月已锁定{whose}：此前没有数值；请留空，或请总部重新打开该月",
                    e.entity, e.month
                ),
            ),
        };
        sink.error(
            &e.value_loc,
            Draft::new(IssueCode::LockedPeriod, en, zh)
                .column(e.value_column.clone())
                .value(e.raw_value.text()),
        );
        e.ok = false;
    }
}

/// The checks across figures, then the facts of the valid ones in file order.
fn finish(
    mut entries: Vec<Entry>,
    ctx: &Context<'_>,
    sink: &mut Sink,
    batch: Option<&mut Batch>,
) -> Vec<Fact> {
    let catalogue = ctx.catalogue;
    // Duplicates: one figure per entity, month and item, whatever the basis.
    let mut first: HashMap<(EntityCode, Month, usize), usize> = HashMap::new();
    let mut duplicate = vec![false; entries.len()];
    for (i, entry) in entries.iter().enumerate() {
        let key = (entry.entity.clone(), entry.month, entry.item);
        match first.get(&key) {
            Some(&earlier) => {
                let (en, zh) = entries[earlier].whole_loc.place.reference();
                let code = &catalogue.item(entry.item).code;
                sink.error(
                    &entry.whole_loc,
                    Draft::new(
                        IssueCode::DuplicateRow,
                        format!(
                            "{} {} {code} is given a second time (first at {en}); give one figure per entity, period and item, whatever the basis",
                            entry.entity, entry.month
                        ),
                        format!(
                            "{} {} {code} 重复填报（首次出现在{zh}）；每个单位、期间、项目只能填一个数，无论口径",
                            entry.entity, entry.month
                        ),
                    ),
                );
                duplicate[i] = true;
            }
            None => {
                first.insert(key, i);
            }
        }
    }
    for (entry, dup) in entries.iter_mut().zip(&duplicate) {
        if *dup {
            entry.ok = false;
        }
    }
    if let Some(batch) = batch {
        for (e, _) in entries.iter().zip(&duplicate).filter(|(_, dup)| !**dup) {
            let code = &catalogue.item(e.item).code;
            batch.fact(&e.entity, e.month, code, &e.whole_loc, sink);
        }
    }
    check_locked(&mut entries, ctx, sink);
    // Figures that are in the file but unusable: a series check must not blame their absence.
    let tainted: HashSet<(&EntityCode, usize, Month)> = entries
        .iter()
        .zip(&duplicate)
        .filter(|(e, dup)| !**dup && (e.value.is_none() || e.basis.is_none()))
        .map(|(e, _)| (&e.entity, e.item, e.month))
        .collect();
    let usable: Vec<usize> = (0..entries.len())
        .filter(|&i| !duplicate[i] && entries[i].value.is_some() && entries[i].basis.is_some())
        .collect();
    check_cumulatives(&entries, &usable, &tainted, ctx, sink);
    check_balances(&entries, &usable, ctx, sink);
    usable
        .iter()
        .filter_map(|&i| {
            let e = &entries[i];
            Some(Fact {
                entity: e.entity.clone(),
                month: e.month,
                item: catalogue.item(e.item).code.clone(),
                value: e.value?,
                basis: e.basis?,
            })
        })
        .collect()
}

/// Year-to-date rows must de-cumulate, together with what is stored (file rows win).
fn check_cumulatives(
    entries: &[Entry],
    usable: &[usize],
    tainted: &HashSet<(&EntityCode, usize, Month)>,
    ctx: &Context<'_>,
    sink: &mut Sink,
) {
    let catalogue = ctx.catalogue;
    // (entity, item, year) → the file's usable entries, by month.
    let mut groups: BTreeMap<(&EntityCode, usize, i32), BTreeMap<Month, usize>> = BTreeMap::new();
    for &i in usable {
        let e = &entries[i];
        groups
            .entry((&e.entity, e.item, e.month.year()))
            .or_default()
            .insert(e.month, i);
    }
    for ((entity, item, year), in_file) in groups {
        let def = catalogue.item(item);
        // Only non-stock year-to-date rows can fail to de-cumulate; month rows with a negative
        // value were reported already.
        let needs_check = def.kind != ItemKind::Stock
            && in_file
                .values()
                .any(|&i| entries[i].basis == Some(Basis::Ytd));
        if !needs_check {
            continue;
        }
        let mut series: BTreeMap<Month, (Decimal, Basis)> = ctx
            .stored
            .series(entity, &def.code, year)
            .into_iter()
            .filter(|(m, _, _)| m.year() == year)
            .map(|(m, v, b)| (m, (v, b)))
            .collect();
        for (&month, &i) in &in_file {
            if let (Some(v), Some(b)) = (entries[i].value, entries[i].basis) {
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
            let e = &entries[i];
            if !e.ok {
                continue;
            }
            match issue {
                DerivationIssue::MissingPreviousCumulative { month, previous } => {
                    if tainted.contains(&(entity, item, previous)) {
                        continue;
                    }
                    sink.error(
                        &e.basis_loc,
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
                        &e.value_loc,
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
                        .column(e.value_column.clone())
                        .value(e.raw_value.text()),
                    );
                }
                DerivationIssue::Overflow { month } => {
                    sink.error(
                        &e.value_loc,
                        Draft::new(
                            IssueCode::InvalidCumulative,
                            format!("is too large to de-cumulate {month}"),
                            format!("数值过大，无法计算 {month} 的当月数"),
                        )
                        .column(e.value_column.clone())
                        .value(e.raw_value.text()),
                    );
                }
            }
        }
    }
}

/// Warnings on balances: negative ones, and liabilities above assets in the same month.
fn check_balances(entries: &[Entry], usable: &[usize], ctx: &Context<'_>, sink: &mut Sink) {
    let catalogue = ctx.catalogue;
    let assets = catalogue.item_index("total_assets");
    let liabilities = catalogue.item_index("total_liabilities");
    // (entity, month) → (assets entry, liabilities entry)
    type Pair = (Option<usize>, Option<usize>);
    let mut pairs: BTreeMap<(&EntityCode, Month), Pair> = BTreeMap::new();
    for &i in usable {
        let e = &entries[i];
        if !e.ok {
            continue;
        }
        let is_assets = Some(e.item) == assets;
        let is_liabilities = Some(e.item) == liabilities;
        if !is_assets && !is_liabilities {
            continue;
        }
        let pair = pairs.entry((&e.entity, e.month)).or_default();
        if is_assets {
            pair.0 = Some(i);
        } else {
            pair.1 = Some(i);
        }
        if let Some(v) = e.value
            && v.is_sign_negative()
            && !v.is_zero()
        {
            let def = catalogue.item(e.item);
            sink.warning(
                &e.value_loc,
                Draft::new(
                    IssueCode::NegativeBalance,
                    format!("is a negative {} balance: check the sign", def.code),
                    format!("{}（{}）余额为负数：请检查正负号", def.name_zh, def.code),
                )
                .column(e.value_column.clone())
                .value(e.raw_value.text()),
            );
        }
    }
    for ((entity, month), pair) in pairs {
        let (Some(a), Some(l)) = pair else {
            continue;
        };
        let (Some(assets), Some(liabilities)) = (entries[a].value, entries[l].value) else {
            continue;
        };
        if liabilities > assets {
            let e = &entries[l];
            let shown = grouped(assets, 2);
            sink.warning(
                &e.value_loc,
                Draft::new(
                    IssueCode::LiabilitiesExceedAssets,
                    format!(
                        "total_liabilities exceed total_assets ({shown}) of {entity} for {month}: a sign error, or insolvency?"
                    ),
                    format!(
                        "{entity} {month} 负债总额超过资产总额（{shown}）：是正负号错误，还是资不抵债？"
                    ),
                )
                .column(e.value_column.clone())
                .value(e.raw_value.text()),
            );
        }
    }
}
