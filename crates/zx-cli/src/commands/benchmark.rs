//! `zx benchmark`: an operating indicator over a peer group of plants (operations.md).

use std::io::Write;

use anyhow::Result;
use comfy_table::{Cell, CellAlignment};
use zx_app::benchmark::{BenchmarkQuery, run};
use zx_domain::catalogue::segment_code;
use zx_domain::format::{self, basis_label, human, unit_label};
use zx_domain::notes;

use crate::app::{App, parse_period};
use crate::cli::{BasisArg, TextFormat};
use crate::commands::query::new_table;

pub struct BenchmarkArgs<'a> {
    pub period: &'a str,
    pub basis: BasisArg,
    pub indicator: &'a str,
    pub entity: Option<&'a str>,
    pub segment: Option<&'a str>,
    pub format: TextFormat,
}

pub async fn benchmark(app: &App, args: BenchmarkArgs<'_>) -> Result<()> {
    let loaded = app.load().await?;
    let engine = &loaded.engine;
    let period = parse_period(args.period, args.basis)?;
    let answer = run(
        engine,
        BenchmarkQuery {
            indicator: args.indicator,
            period,
            entity: args.entity,
            segment: args.segment,
        },
    )?;
    let mut out = std::io::stdout().lock();
    if args.format == TextFormat::Json {
        let json = zx_api::benchmark_json(engine, answer.indicator, &answer.result);
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
        return Ok(());
    }
    let lang = app.lang;
    let (def, result, tree) = (answer.indicator, &answer.result, engine.tree());
    let within = tree.entity(answer.within);
    let segment = args
        .segment
        .map(|s| format!(" · {}", format::segment_label(&segment_code(s), lang)))
        .unwrap_or_default();
    writeln!(
        out,
        "{} ({})  {} ({}){segment}  {} {}",
        lang.pick(&def.name_zh, &def.name_en),
        unit_label(def.unit, lang),
        within.name,
        within.code,
        period.end,
        basis_label(period, lang),
    )?;
    if let Some(s) = &result.stats {
        let show = |v| human(v, def.unit);
        writeln!(
            out,
            "n = {}  min {}  q1 {}  {} {}  q3 {}  max {}",
            s.n,
            show(s.min),
            show(s.q1),
            lang.pick("中位数", "median"),
            show(s.median),
            show(s.q3),
            show(s.max)
        )?;
    }
    let mut table = new_table();
    table.set_header(vec![
        lang.pick("排名", "Rank"),
        lang.pick("单位", "Plant"),
        lang.pick("本期", "Value"),
        lang.pick("四分位", "Quartile"),
        lang.pick("距前四分之一", "Gap to top quartile"),
        lang.pick("达到前四分之一的价值", "Worth reaching it"),
    ]);
    for peer in &result.peers {
        let e = tree.entity(peer.entity);
        table.add_row(vec![
            Cell::new(peer.rank).set_alignment(CellAlignment::Right),
            Cell::new(format!("{} {}", e.code, e.name)),
            Cell::new(human(peer.value, def.unit)).set_alignment(CellAlignment::Right),
            Cell::new(format!("Q{}", peer.quartile)).set_alignment(CellAlignment::Center),
            Cell::new(peer.gap.map_or("—".into(), |g| human(g, def.unit)))
                .set_alignment(CellAlignment::Right),
            Cell::new(
                peer.worth
                    .map_or("—".into(), |w| format::show_worth(w, def.unit, lang)),
            )
            .set_alignment(CellAlignment::Right),
        ]);
    }
    writeln!(out, "{table}")?;
    for missing in &result.missing {
        let e = tree.entity(missing.entity);
        writeln!(
            out,
            "{} {} {}: {}",
            lang.pick("未排名", "not ranked"),
            e.code,
            e.name,
            notes::unavailable(&missing.reason, lang)
        )?;
    }
    Ok(())
}
