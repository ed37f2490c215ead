//! The report's Excel twin: one workbook, a sheet per section, the same texts as the PDF.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::labels::Labels;
use crate::model::Report;
use crate::{ReportError, status_label};

fn sheet<'a>(
    book: &'a mut Workbook,
    name: &str,
    header: &[&str],
) -> Result<&'a mut Worksheet, XlsxError> {
    let bold = Format::new().set_bold();
    let ws = book.add_worksheet().set_name(name)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
        ws.set_column_width(c as u16, if c == 0 { 28 } else { 14 })?;
    }
    Ok(ws)
}

fn rows<S: AsRef<str>>(ws: &mut Worksheet, first: u32, lines: &[Vec<S>]) -> Result<(), XlsxError> {
    for (r, line) in lines.iter().enumerate() {
        for (c, text) in line.iter().enumerate() {
            ws.write_string(first + r as u32, c as u16, text.as_ref())?;
        }
    }
    Ok(())
}

pub fn workbook(report: &Report, l: &Labels, zh: bool) -> Result<Vec<u8>, ReportError> {
    let mut book = Workbook::new();
    let p = |a: &'static str, b: &'static str| if zh { a } else { b };
    let status = |s: &str| status_label(s, zh).to_owned();

    let ws = sheet(
        &mut book,
        p("指标", "Indicators"),
        &[
            l.col_indicator,
            l.col_value,
            l.col_yoy,
            l.col_target,
            l.col_expected,
            l.col_attainment,
            l.col_status,
        ],
    )?;
    ws.write_string(
        0,
        8,
        format!(
            "{} · {} · {}",
            report.entity_name, report.period, report.basis
        ),
    )?;
    let mut lines: Vec<Vec<String>> = report
        .indicators
        .iter()
        .map(|i| {
            vec![
                format!("{} ({})", i.name, i.unit),
                i.value.clone(),
                i.yoy.clone(),
                i.target.clone(),
                i.expected.clone(),
                i.attainment.clone(),
                status(&i.status),
            ]
        })
        .collect();
    lines.push(Vec::new());
    let verdict = |h: Option<bool>| match h {
        Some(true) => l.holds.to_owned(),
        Some(false) => l.fails.to_owned(),
        None => "—".to_owned(),
    };
    lines.push(vec![
        format!("{}: {}", l.rule_heading, report.rule.name),
        verdict(report.rule.holds),
    ]);
    lines.push(vec![
        l.col_indicator.into(),
        l.col_requirement.into(),
        l.col_this.into(),
        l.col_last.into(),
        l.col_verdict.into(),
    ]);
    for v in &report.rule.lines {
        lines.push(vec![
            v.indicator.clone(),
            v.requirement.clone(),
            v.this.clone(),
            v.last.clone(),
            verdict(v.holds),
        ]);
    }
    if let Some(w) = &report.wage_linkage {
        lines.push(Vec::new());
        lines.push(vec![w.name.clone(), verdict(w.holds)]);
        lines.push(vec![l.wage_growth.into(), w.wage_growth.clone()]);
        lines.push(vec![l.profit_growth.into(), w.profit_growth.clone()]);
        lines.push(vec![w.verdict.clone()]);
    }
    rows(ws, 1, &lines)?;

    // Trends: numbers in the display unit. Excel stores IEEE doubles; the conversion happens
    // here, at the very edge.
    let ws = sheet(&mut book, p("月度趋势", "Trends"), &[l.col_indicator])?;
    let mut r = 1u32;
    for t in &report.trends {
        ws.write_string(r, 0, format!("{} ({})", t.name, t.unit))?;
        for (c, m) in t.months.iter().enumerate() {
            ws.write_string(r, c as u16 + 1, m.as_str())?;
        }
        for (label, values) in [
            (l.legend_this, &t.this_year),
            (l.legend_last, &t.last_year),
            (l.legend_target, &t.target),
        ] {
            r += 1;
            ws.write_string(r, 0, label)?;
            for (c, v) in values.iter().enumerate() {
                if let Some(x) = v.as_deref().and_then(|v| v.parse::<f64>().ok()) {
                    ws.write_number(r, c as u16 + 1, x)?;
                }
            }
        }
        r += 2;
    }

    let mut header: Vec<&str> = vec![l.col_unit_name];
    header.extend(report.units.columns.iter().map(String::as_str));
    let ws = sheet(&mut book, p("下属单位", "Units"), &header)?;
    let lines: Vec<Vec<String>> = report
        .units
        .rows
        .iter()
        .map(|u| {
            let mut line = vec![u.name.clone()];
            line.extend(
                u.cells
                    .iter()
                    .map(|c| format!("{} ({})", c.value, status(&c.status))),
            );
            line
        })
        .collect();
    rows(ws, 1, &lines)?;

    let ws = sheet(
        &mut book,
        p("排名", "Ranking"),
        &[l.col_rank, l.col_unit_name, &report.ranking.title],
    )?;
    let lines: Vec<Vec<String>> = report
        .ranking
        .rows
        .iter()
        .map(|x| vec![x.rank.to_string(), x.name.clone(), x.value.clone()])
        .collect();
    rows(ws, 1, &lines)?;

    let ws = sheet(
        &mut book,
        p("红灯指标", "Red indicators"),
        &[
            l.col_entity,
            l.col_indicator,
            l.col_value,
            l.col_measure,
            l.col_owner,
            l.col_due,
            l.col_progress,
            l.col_measure_status,
        ],
    )?;
    let mut lines: Vec<Vec<String>> = Vec::new();
    for red in &report.reds {
        let head = vec![red.entity.clone(), red.indicator.clone(), red.value.clone()];
        if red.measures.is_empty() {
            let mut line = head.clone();
            line.push(l.no_measure.to_owned());
            lines.push(line);
        }
        for m in &red.measures {
            let mut line = head.clone();
            line.extend([
                m.title.clone(),
                m.owner.clone(),
                m.due.clone(),
                m.progress.clone(),
                m.status.clone(),
            ]);
            lines.push(line);
        }
    }
    rows(ws, 1, &lines)?;

    let ws = sheet(&mut book, p("数据报送", "Collection"), &[l.sec_collection])?;
    if let Some(c) = &report.collection {
        let mut lines = vec![vec![
            l.collection_line.clone(),
            if c.complete { l.complete } else { l.incomplete }.to_owned(),
        ]];
        lines.extend(
            c.pending
                .iter()
                .map(|u| vec![l.pending.to_owned(), u.clone()]),
        );
        rows(ws, 1, &lines)?;
    }

    let ws = sheet(
        &mut book,
        p("环保排放", "Emissions"),
        &[l.col_plant, l.violation_days],
    )?;
    if let Some(e) = &report.emissions {
        let mut lines: Vec<Vec<String>> = e
            .violation_days
            .iter()
            .map(|(plant, days)| vec![plant.clone(), days.to_string()])
            .collect();
        lines.push(vec![l.violation_days.into(), e.total_days.to_string()]);
        lines.push(vec![l.open_alarms.into(), e.open_alarms.to_string()]);
        rows(ws, 1, &lines)?;
    }

    let ws = sheet(
        &mut book,
        p("安全生产", "Safety"),
        &[
            l.hazards_open,
            l.hazards_overdue,
            l.hazards_major,
            l.drills_due,
        ],
    )?;
    if let Some(s) = &report.safety {
        let mut lines = vec![vec![
            s.open.to_string(),
            s.overdue.to_string(),
            s.major.to_string(),
            s.drills_due.len().to_string(),
        ]];
        // The drills due as a table of their own below the counts: date, unit, drill, state.
        lines.push(Vec::new());
        lines.push(
            [l.col_drill_date, l.col_entity, l.col_drill, l.col_status]
                .map(str::to_owned)
                .to_vec(),
        );
        lines.extend(s.drills_due.iter().map(|d| {
            vec![
                d.due.clone(),
                d.unit.clone(),
                d.scenario.clone(),
                d.state.clone(),
            ]
        }));
        rows(ws, 1, &lines)?;
    }

    let ws = sheet(
        &mut book,
        p("运营对标", "Operations"),
        &[l.col_plant, l.col_indicator, l.col_value],
    )?;
    let lines: Vec<Vec<String>> = report
        .operations
        .iter()
        .map(|o| vec![o.plant.clone(), o.indicator.clone(), o.value.clone()])
        .collect();
    rows(ws, 1, &lines)?;

    let ws = sheet(
        &mut book,
        p("三项制度改革", "Reform"),
        &[
            l.col_indicator,
            l.col_value,
            l.col_yoy,
            l.col_target,
            l.col_status,
        ],
    )?;
    let lines: Vec<Vec<String>> = report
        .reform
        .iter()
        .map(|i| {
            vec![
                format!("{} ({})", i.name, i.unit),
                i.value.clone(),
                i.yoy.clone(),
                i.target.clone(),
                status(&i.status),
            ]
        })
        .collect();
    rows(ws, 1, &lines)?;

    Ok(book.save_to_buffer()?)
}
