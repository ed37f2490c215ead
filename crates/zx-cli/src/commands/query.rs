//! `zx kpi`, `zx report`, `zx explain`: reading the engine.

use std::io::{IsTerminal, Write};

use anyhow::{Result, anyhow};
use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table, presets};
use zx_domain::catalogue::IndicatorFamily;
use zx_domain::engine::Unavailable;
use zx_domain::format::{basis_label, show_value, show_yoy, status_text, unit_label};
use zx_domain::kpi::IndicatorResult;
use zx_domain::{Engine, EntityId, Lang, Status, TargetBook, format, notes};

use crate::app::{App, default_root, find_entity, parse_period};
use crate::cli::{BasisArg, TableFormat, TextFormat};
use zx_api::{indicator_note, kpi_json};

fn status_color(status: Status) -> Option<Color> {
    match status {
        Status::Green => Some(Color::Green),
        Status::Yellow => Some(Color::Yellow),
        Status::Red => Some(Color::Red),
        Status::None => None,
    }
}

pub(crate) fn new_table() -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    if !std::io::stdout().is_terminal() {
        table.force_no_tty();
    }
    table
}

fn status_of(result: &IndicatorResult) -> Status {
    result
        .assessment
        .as_ref()
        .map_or(Status::None, |a| a.status)
}

pub async fn kpi(
    app: &App,
    entity: &str,
    period: &str,
    basis: BasisArg,
    format: TableFormat,
) -> Result<()> {
    let loaded = app.load().await?;
    let engine = &loaded.engine;
    let id = find_entity(engine, entity)?;
    let period = parse_period(period, basis)?;
    let report = engine.kpi(id, period, &loaded.targets);
    let lang = app.lang;
    let mut out = std::io::stdout().lock();
    match format {
        TableFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &kpi_json(engine, &report, lang))?;
            writeln!(out)?;
        }
        TableFormat::Csv => {
            writeln!(
                out,
                "entity,period,basis,indicator,value,yoy,annualised,target,expected,attainment,status,note"
            )?;
            let json = kpi_json(engine, &report, lang);
            for def in engine.catalogue().indicators() {
                let Some(row) = json.indicators.get(&def.id) else {
                    continue;
                };
                let cells = [
                    json.entity.clone(),
                    json.period.clone(),
                    json.basis.to_owned(),
                    def.id.clone(),
                    row.value.clone().unwrap_or_default(),
                    row.yoy.clone().unwrap_or_default(),
                    row.annualised.clone().unwrap_or_default(),
                    row.target.clone().unwrap_or_default(),
                    row.expected.clone().unwrap_or_default(),
                    row.attainment.clone().unwrap_or_default(),
                    row.status.to_owned(),
                    row.note.clone().unwrap_or_default(),
                ];
                let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
                writeln!(out, "{}", line.join(","))?;
            }
        }
        TableFormat::Table => {
            let e = engine.tree().entity(id);
            writeln!(
                out,
                "{} ({})  {} {}",
                e.name,
                e.code,
                period.end,
                basis_label(period, lang)
            )?;
            let mut table = new_table();
            table.set_header(vec![
                lang.pick("指标", "Indicator"),
                lang.pick("本期", "Value"),
                lang.pick("同比", "YoY"),
                lang.pick("年化", "Annualised"),
                lang.pick("全年目标", "Target"),
                lang.pick("进度目标", "Expected"),
                lang.pick("完成率", "Attainment"),
                lang.pick("状态", "Status"),
                lang.pick("说明", "Note"),
            ]);
            for result in &report.indicators {
                let def = engine.catalogue().indicator(result.indicator);
                let a = result.assessment.as_ref();
                let status = status_of(result);
                let mut status_cell = Cell::new(status_text(status, lang));
                if let Some(c) = status_color(status) {
                    status_cell = status_cell.fg(c);
                }
                table.add_row(vec![
                    Cell::new(format!(
                        "{} ({})",
                        lang.pick(&def.name_zh, &def.name_en),
                        unit_label(def.unit, lang)
                    )),
                    Cell::new(
                        result
                            .value
                            .as_ref()
                            .map_or("—".into(), |v| show_value(*v, def.unit)),
                    )
                    .set_alignment(CellAlignment::Right),
                    Cell::new(show_yoy(result, def.kind)).set_alignment(CellAlignment::Right),
                    Cell::new(
                        result
                            .annualised
                            .map_or("—".into(), |v| show_value(v, def.unit)),
                    )
                    .set_alignment(CellAlignment::Right),
                    Cell::new(a.map_or("—".into(), |a| show_value(a.target, def.unit)))
                        .set_alignment(CellAlignment::Right),
                    Cell::new(a.map_or("—".into(), |a| show_value(a.expected, def.unit)))
                        .set_alignment(CellAlignment::Right),
                    Cell::new(
                        a.and_then(|a| a.attainment)
                            .map_or("—".into(), format::percent),
                    )
                    .set_alignment(CellAlignment::Right),
                    status_cell,
                    Cell::new(indicator_note(engine, result, lang).unwrap_or_default()),
                ]);
            }
            writeln!(out, "{table}")?;
            writeln!(out, "{}", rule_line(engine, &report.rule, lang))?;
            if let Some(linkage) = &report.wage_linkage {
                let line = notes::wage_linkage(engine.catalogue(), linkage, lang);
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(())
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// `一增一稳四提升：利润总额 增长 ✗ …  → 未达成`
pub fn rule_line(engine: &Engine, rule: &zx_domain::kpi::RuleResult, lang: Lang) -> String {
    let catalogue = engine.catalogue();
    let mut parts = Vec::new();
    for verdict in &rule.verdicts {
        let def = catalogue.indicator(verdict.indicator);
        let requirement = format::requirement_label(verdict.requirement, lang);
        let mark = match verdict.holds {
            Some(true) => "✓",
            Some(false) => "✗",
            None => "?",
        };
        let values = match (verdict.this, verdict.last) {
            (Some(this), Some(last)) => format!(
                " ({} {} {})",
                show_value(this, def.unit),
                lang.pick("上年", "vs last year"),
                show_value(last, def.unit)
            ),
            _ => String::new(),
        };
        parts.push(match lang {
            Lang::Zh => format!("{}{requirement}{mark}{values}", def.name_zh),
            Lang::En => format!("{} {requirement} {mark}{values}", def.name_en),
        });
    }
    let verdict = match rule.holds {
        Some(true) => lang.pick("达成", "holds"),
        Some(false) => lang.pick("未达成", "does not hold"),
        None => lang.pick("无法判断", "undecidable"),
    };
    let name = lang.pick(&catalogue.rule().name_zh, &catalogue.rule().name_en);
    format!("{name}: {} → {verdict}", parts.join(lang.pick("，", ", ")))
}

pub async fn report(
    app: &App,
    entity: Option<&str>,
    period: Option<&str>,
    depth: usize,
    basis: BasisArg,
) -> Result<()> {
    let loaded = app.load().await?;
    let text = render_report(
        app.lang,
        &loaded.engine,
        &loaded.targets,
        entity,
        period,
        depth,
        basis,
    )?;
    print!("{text}");
    print!("{}", data_notes(&loaded.notes, app.lang));
    Ok(())
}

/// Stored rows the engine could not use as given (a YTD row without its previous month…).
pub fn data_notes(list: &[zx_domain::engine::DataNote], lang: Lang) -> String {
    let mut out = String::new();
    if list.is_empty() {
        return out;
    }
    out.push_str(lang.pick("数据质量提示：\n", "Data-quality notes:\n"));
    for note in list.iter().take(20) {
        out.push_str(&format!("  {}\n", notes::data_note(note, lang)));
    }
    if list.len() > 20 {
        out.push_str(&format!("  … {}\n", list.len() - 20));
    }
    out
}

/// The cockpit table as text (also used by `zx demo --report`).
pub fn render_report(
    lang: Lang,
    engine: &Engine,
    targets: &TargetBook,
    entity: Option<&str>,
    period: Option<&str>,
    depth: usize,
    basis: BasisArg,
) -> Result<String> {
    let root = match entity {
        Some(code) => find_entity(engine, code)?,
        None => default_root(engine)?,
    };
    let month = match period {
        Some(p) => p.to_owned(),
        None => engine
            .last_month()
            .ok_or_else(|| anyhow!("the database has no data yet: import data, or run `zx demo`"))?
            .to_string(),
    };
    let period = parse_period(&month, basis)?;
    let tree = engine.tree();
    let base_depth = tree.depth(root);
    let rows: Vec<EntityId> = tree
        .subtree(root)
        .into_iter()
        .filter(|&id| tree.depth(id) - base_depth <= depth)
        .collect();
    let catalogue = engine.catalogue();
    let mut out = String::new();
    let root_entity = tree.entity(root);
    out.push_str(&format!(
        "{} {} {} — {}\n",
        root_entity.name,
        period.end,
        basis_label(period, lang),
        lang.pick(
            "一利五率（金额：万元；比率：%；第二行为同比，比率为百分点变化）",
            "one benefit and five rates (amounts in 10k yuan; second line: YoY, rates in percentage points)"
        )
    ));
    let mut table = new_table();
    let mut header = vec![Cell::new(lang.pick("单位", "Entity"))];
    // The card's indicators (一利五率 and a group's own); the reform and workforce groups are `zx kpi`'s.
    let shown = |def: &zx_domain::IndicatorDef| def.family == IndicatorFamily::Kpi;
    for def in catalogue.indicators().iter().filter(|def| shown(def)) {
        header.push(Cell::new(format!(
            "{}\n{}",
            lang.pick(&def.name_zh, &def.name_en),
            unit_label(def.unit, lang)
        )));
    }
    header.push(Cell::new(lang.pick("红灯", "Red")));
    table.set_header(header);
    let mut notes_out: Vec<String> = Vec::new();
    for id in rows {
        let e = tree.entity(id);
        let indent = "  ".repeat(tree.depth(id) - base_depth);
        let report = engine.kpi(id, period, targets);
        let mut row = vec![Cell::new(format!("{indent}{} {}", e.code, e.name))];
        let mut reds = 0;
        for result in &report.indicators {
            let def = catalogue.indicator(result.indicator);
            if !shown(def) {
                continue;
            }
            let status = status_of(result);
            if status == Status::Red {
                reds += 1;
            }
            let value = match &result.value {
                Ok(v) => show_value(*v, def.unit),
                Err(reason) => {
                    if let Unavailable::Missing { .. } = reason {
                        let note = format!(
                            "{} {}: {}",
                            e.code,
                            def.id,
                            notes::unavailable(reason, lang)
                        );
                        if !notes_out.contains(&note) {
                            notes_out.push(note);
                        }
                    }
                    "—".to_owned()
                }
            };
            let mark = match status {
                Status::None => String::new(),
                s => format!(" {}", status_text(s, lang)),
            };
            let mut cell = Cell::new(format!("{value}{mark}\n{}", show_yoy(result, def.kind)))
                .set_alignment(CellAlignment::Right);
            if let Some(color) = status_color(status) {
                cell = cell.fg(color);
            }
            row.push(cell);
        }
        row.push(
            Cell::new(if reds > 0 {
                reds.to_string()
            } else {
                String::new()
            })
            .set_alignment(CellAlignment::Right),
        );
        table.add_row(row);
    }
    out.push_str(&table.to_string());
    out.push('\n');
    let root_report = engine.kpi(root, period, targets);
    out.push_str(&rule_line(engine, &root_report.rule, lang));
    out.push('\n');
    if !notes_out.is_empty() {
        out.push_str(lang.pick("数据缺失：\n", "Missing data:\n"));
        for note in notes_out.iter().take(20) {
            out.push_str(&format!("  {note}\n"));
        }
        if notes_out.len() > 20 {
            out.push_str(&format!("  … {}\n", notes_out.len() - 20));
        }
    }
    Ok(out)
}

pub async fn explain(
    app: &App,
    entity: &str,
    period: &str,
    indicator: &str,
    basis: BasisArg,
    format: TextFormat,
) -> Result<()> {
    let loaded = app.load().await?;
    let engine = &loaded.engine;
    let lang = app.lang;
    let id = find_entity(engine, entity)?;
    let period = parse_period(period, basis)?;
    let catalogue = engine.catalogue();
    // Operating indicators too (why a plant's cost per tonne is what it is, or null).
    let index = catalogue.any_indicator_index(indicator).ok_or_else(|| {
        let ids: Vec<&str> = catalogue
            .indicators()
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        anyhow!(
            "--indicator: \"{indicator}\" is not in the catalogue ({})",
            ids.join(", ")
        )
    })?;
    let explanation = engine.explain(id, period, index);
    let def = catalogue.indicator(index);
    let tree = engine.tree();
    let share = zx_api::share;
    let json = zx_api::explain_json(engine, &explanation, lang);
    let mut out = std::io::stdout().lock();
    if format == TextFormat::Json {
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
        return Ok(());
    }
    let e = tree.entity(id);
    writeln!(
        out,
        "{} ({}) — {} ({}), {} {}",
        lang.pick(&def.name_zh, &def.name_en),
        def.id,
        e.name,
        e.code,
        period.end,
        basis_label(period, lang)
    )?;
    writeln!(
        out,
        "{}: {}",
        lang.pick("公式", "Formula"),
        explanation.formula
    )?;
    match &explanation.value {
        Ok(v) => writeln!(
            out,
            "{}: {} ({})",
            lang.pick("结果", "Value"),
            format::exact(*v),
            format::human(*v, def.unit)
        )?,
        Err(reason) => writeln!(
            out,
            "{}: — ({})",
            lang.pick("结果", "Value"),
            notes::unavailable(reason, lang)
        )?,
    }
    for input in &explanation.inputs {
        let item = catalogue.item(input.item);
        let months = match input.months.as_slice() {
            [] => String::new(),
            [one] => one.to_string(),
            [first, .., last] => format!("{first}..{last}"),
        };
        let value = match &input.value {
            Ok(v) => format::grouped(*v, 2),
            Err(reason) => format!("— ({})", notes::unavailable(reason, lang)),
        };
        writeln!(
            out,
            "\n  {} {} {months} = {value}",
            input.call,
            lang.pick(&item.name_zh, &item.name_en),
        )?;
        let mut table = Table::new();
        table
            .load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled);
        if let Some(own) = input.own {
            table.add_row(vec![
                Cell::new(format!(
                    "  {}",
                    lang.pick("本级数据（含抵销）", "own rows (incl. eliminations)")
                )),
                Cell::new(format::grouped(own, 2)).set_alignment(CellAlignment::Right),
                Cell::new(share(own, &input.value).map_or(String::new(), format::percent))
                    .set_alignment(CellAlignment::Right),
            ]);
        }
        for (child, value) in &input.children {
            let c = tree.entity(*child);
            let (amount, pct) = match value {
                Ok(v) => (
                    format::grouped(*v, 2),
                    share(*v, &input.value).map_or(String::new(), format::percent),
                ),
                Err(reason) => (
                    format!("— ({})", notes::unavailable(reason, lang)),
                    String::new(),
                ),
            };
            table.add_row(vec![
                Cell::new(format!("  {} {}", c.code, c.name)),
                Cell::new(amount).set_alignment(CellAlignment::Right),
                Cell::new(pct).set_alignment(CellAlignment::Right),
            ]);
        }
        if !table.is_empty() {
            writeln!(out, "{table}")?;
        }
    }
    Ok(())
}
