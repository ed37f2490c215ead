//! `zx workforce`: an entity's workforce year to date (能进能出, 减员增效): hires by channel,
//! exits by reason, people and money against last year, headcount against plan, the dispatched
//! share against its legal limit, per-capita figures, and the same for each unit below.

use std::io::Write;

use anyhow::Result;
use comfy_table::{Cell, CellAlignment, Color};
use zx_api::{FigureJson, WorkforceJson, workforce_json};
use zx_domain::{Lang, Month};

use super::query::new_table;
use crate::app::{App, find_entity};
use crate::cli::TableFormat;

pub async fn workforce(app: &App, entity: &str, period: &str, format: TableFormat) -> Result<()> {
    let loaded = app.load().await?;
    let engine = &loaded.engine;
    let id = find_entity(engine, entity)?;
    let month = Month::parse(period)
        .map_err(|e| anyhow::anyhow!("--period \"{period}\": {e} (expected YYYY-MM)"))?;
    let report = zx_app::workforce::report(engine, &loaded.targets, id, month);
    let lang = app.lang;
    let json = workforce_json(engine, &report.story, &report.kpi, &report.units, lang);
    let mut out = std::io::stdout().lock();
    match format {
        TableFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        }
        TableFormat::Csv | TableFormat::Table => write_tables(&mut out, engine, &json, lang)?,
    }
    Ok(())
}

/// Figures in the unit people read (万元 for money, persons as they are).
fn figures_table(
    engine: &zx_domain::Engine,
    title: &str,
    rows: &[&FigureJson],
    lang: Lang,
) -> comfy_table::Table {
    let shown = |item: &str, value: &Option<String>| {
        let unit = engine
            .catalogue()
            .item_index(item)
            .map(|i| engine.catalogue().item(i).unit);
        match (unit, value.as_deref().and_then(|v| v.parse().ok())) {
            (Some(unit), Some(v)) => zx_domain::format::show_value(v, unit),
            _ => "—".to_owned(),
        }
    };
    let unit_of = |item: &str| {
        engine.catalogue().item_index(item).map_or("", |i| {
            zx_domain::format::unit_label(engine.catalogue().item(i).unit, lang)
        })
    };
    let mut table = new_table();
    table.set_header(vec![
        title,
        lang.pick("本年累计", "This year"),
        lang.pick("上年同期", "Last year"),
        lang.pick("单位", "Unit"),
    ]);
    for row in rows {
        table.add_row(vec![
            Cell::new(&row.name),
            Cell::new(shown(&row.item, &row.this)).set_alignment(CellAlignment::Right),
            Cell::new(shown(&row.item, &row.last)).set_alignment(CellAlignment::Right),
            Cell::new(unit_of(&row.item)),
        ]);
    }
    table
}

fn write_tables(
    out: &mut impl Write,
    engine: &zx_domain::Engine,
    json: &WorkforceJson,
    lang: Lang,
) -> Result<()> {
    writeln!(
        out,
        "{} ({})  {} {}",
        json.name,
        json.entity,
        json.period,
        lang.pick("本年累计", "year to date")
    )?;
    let mut indicators = new_table();
    indicators.set_header(vec![
        lang.pick("指标", "Indicator"),
        lang.pick("本期", "Value"),
        lang.pick("上年同期", "Last year"),
        lang.pick("全年目标", "Target"),
        lang.pick("状态", "Status"),
        lang.pick("说明", "Note"),
    ]);
    for def in engine.catalogue().indicators() {
        let Some(row) = json.indicators.get(&def.id) else {
            continue;
        };
        let shown = |v: &Option<String>| {
            v.as_deref()
                .and_then(|v| v.parse().ok())
                .map_or("—".to_owned(), |v| {
                    zx_domain::format::show_value(v, def.unit)
                })
        };
        let mut value = Cell::new(shown(&row.value)).set_alignment(CellAlignment::Right);
        if row.limit.as_ref().and_then(|l| l.beyond) == Some(true) {
            value = value.fg(Color::Red);
        }
        indicators.add_row(vec![
            Cell::new(format!(
                "{} ({})",
                lang.pick(&def.name_zh, &def.name_en),
                zx_domain::format::unit_label(def.unit, lang)
            )),
            value,
            Cell::new(shown(&row.last_year)).set_alignment(CellAlignment::Right),
            Cell::new(shown(&row.target)).set_alignment(CellAlignment::Right),
            Cell::new(row.status),
            Cell::new(row.note.as_deref().unwrap_or("")),
        ]);
    }
    writeln!(out, "{indicators}")?;
    let people: Vec<&FigureJson> = json.people.iter().collect();
    writeln!(
        out,
        "{}",
        figures_table(engine, lang.pick("人员", "People"), &people, lang)
    )?;
    for (title, breakdown) in [
        (lang.pick("新进（按渠道）", "Hires by channel"), &json.hires),
        (lang.pick("退出（按原因）", "Exits by reason"), &json.exits),
    ] {
        if let Some(b) = breakdown {
            let rows: Vec<&FigureJson> = std::iter::once(&b.total).chain(&b.parts).collect();
            writeln!(out, "{}", figures_table(engine, title, &rows, lang))?;
        }
    }
    if json.market_exits.disagrees {
        writeln!(
            out,
            "{}",
            match lang {
                Lang::Zh => format!(
                    "注意：填报的市场化退出 {} 人，与合同到期不续签和解除劳动合同合计 {} 人不一致",
                    json.market_exits.reported.as_deref().unwrap_or("—"),
                    json.market_exits.by_reason.as_deref().unwrap_or("—")
                ),
                Lang::En => format!(
                    "Note: market-based exits reported {} differ from contracts ended plus dismissals {}",
                    json.market_exits.reported.as_deref().unwrap_or("—"),
                    json.market_exits.by_reason.as_deref().unwrap_or("—")
                ),
            }
        )?;
    }
    let money: Vec<&FigureJson> = json.money.iter().collect();
    writeln!(
        out,
        "{}",
        figures_table(
            engine,
            lang.pick("成本与效益", "Cost and value"),
            &money,
            lang
        )
    )?;
    Ok(())
}
