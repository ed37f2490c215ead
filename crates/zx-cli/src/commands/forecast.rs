//! `zx forecast`: year-end forecasts of one indicator for every entity (issue 15, item 2).

use std::io::Write;

use anyhow::Result;
use comfy_table::{Cell, CellAlignment};
use zx_domain::Month;
use zx_domain::format::show_value;

use crate::app::App;
use crate::cli::TextFormat;
use crate::commands::query::new_table;

pub async fn forecast(app: &App, period: &str, indicator: &str, format: TextFormat) -> Result<()> {
    let month = Month::parse(period).map_err(|e| anyhow::anyhow!("--period: \"{period}\" {e}"))?;
    let loaded = app.load().await?;
    let engine = &loaded.engine;
    let def = zx_app::forecast::find(engine, indicator)?;
    let list = zx_app::forecast::every_entity(engine, &loaded.targets, def, month);
    let tree = engine.tree();
    let mut out = std::io::stdout().lock();
    if format == TextFormat::Json {
        let json = zx_api::forecasts_json(
            list.iter()
                .map(|f| (tree.entity(f.entity).code.to_string(), &f.forecast)),
        );
        crate::app::write_json(&mut out, &json)?;
        return Ok(());
    }
    let lang = app.lang;
    writeln!(
        out,
        "{}  {} → {}-12",
        lang.pick(&def.name_zh, &def.name_en),
        month,
        month.year()
    )?;
    let mut table = new_table();
    table.set_header(vec![
        lang.pick("单位", "Entity"),
        lang.pick("年末预测", "Year end"),
        lang.pick("80% 区间", "80 % interval"),
        lang.pick("全年目标", "Target"),
        lang.pick("达标概率", "P(target met)"),
    ]);
    for f in &list {
        let e = tree.entity(f.entity);
        let show = |v| show_value(v, def.unit);
        let (value, interval, odds) = match &f.forecast {
            Ok(y) => (
                show(y.year_end),
                format!("{} – {}", show(y.low), show(y.high)),
                y.p_target_met
                    .map(|p| format!("{}%", (p * zx_domain::Decimal::from(100)).normalize()))
                    .unwrap_or_else(|| "—".to_owned()),
            ),
            Err(why) => ("—".to_owned(), why.to_string(), "—".to_owned()),
        };
        table.add_row(vec![
            Cell::new(format!("{} ({})", e.name, e.code)),
            Cell::new(value).set_alignment(CellAlignment::Right),
            Cell::new(interval).set_alignment(CellAlignment::Right),
            Cell::new(f.target.map(show).unwrap_or_else(|| "—".to_owned()))
                .set_alignment(CellAlignment::Right),
            Cell::new(odds).set_alignment(CellAlignment::Right),
        ]);
    }
    writeln!(out, "{table}")?;
    Ok(())
}
