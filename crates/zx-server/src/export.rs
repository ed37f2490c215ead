//! Cockpit views as Excel workbooks: one sheet per table, numbers as numbers (not text), in the
//! units of the page (万元, fractions formatted as percentages).

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use zx_domain::catalogue::Unit;
use zx_domain::{Access, Decimal, EntityId, Lang, Period, format};

use crate::state::Snapshot;
use crate::views::{Filter, cockpit_report, filtered_units, rows_in_view, subtotal_label};

fn number(value: Decimal, unit: Unit) -> f64 {
    // Excel stores IEEE doubles; the conversion happens here, at the very edge, for display.
    let scaled = match unit {
        Unit::Yuan | Unit::YuanPerPerson => value / Decimal::from(10_000),
        _ => value,
    };
    scaled.to_string().parse().unwrap_or(f64::NAN)
}

/// Builds the workbook of one cockpit view: under a region/segment filter the same filtered
/// subtotal and units as the page (`crate::views`).
pub fn cockpit_workbook(
    snapshot: &Snapshot,
    access: &Access,
    entity: EntityId,
    period: Period,
    filter: Filter<'_>,
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let engine = &snapshot.engine;
    let catalogue = engine.catalogue();
    let tree = engine.tree();
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let amount = Format::new().set_num_format("#,##0.00");
    let percent = Format::new().set_num_format("0.00%");
    let format_for = |unit: Unit| match unit {
        Unit::Ratio => &percent,
        _ => &amount,
    };
    let unit_label = |unit: Unit| format::unit_label(unit, lang);

    // Sheet 1: the entity's indicators (the six, the reform group), or the subtotal's.
    let units = filtered_units(engine, access, entity, filter);
    let report = cockpit_report(engine, &snapshot.targets, entity, period, units.as_deref());
    let sheet = workbook.add_worksheet();
    sheet.set_name(lang.pick("指标", "Indicators"))?;
    let e = tree.entity(entity);
    sheet.write_string_with_format(
        0,
        0,
        format!(
            "{} ({}) {} {}",
            e.name,
            e.code,
            period.end,
            format::basis_label(period, lang)
        ),
        &bold,
    )?;
    if let Some(units) = &units {
        sheet.write_string(1, 0, subtotal_label(filter, units.len(), lang))?;
    }
    let headers = [
        lang.pick("指标", "Indicator"),
        lang.pick("单位", "Unit"),
        lang.pick("本期", "Value"),
        lang.pick("上年同期", "Last year"),
        lang.pick("同比", "YoY"),
        lang.pick("全年目标", "Target"),
        lang.pick("进度目标", "Expected"),
        lang.pick("完成率", "Attainment"),
        lang.pick("状态", "Status"),
        lang.pick("说明", "Note"),
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &bold)?;
    }
    for (r, result) in report.indicators.iter().enumerate() {
        let row = 3 + r as u32;
        let def = catalogue.indicator(result.indicator);
        let f = format_for(def.unit);
        sheet.write_string(row, 0, lang.pick(&def.name_zh, &def.name_en))?;
        sheet.write_string(row, 1, unit_label(def.unit))?;
        if let Ok(v) = &result.value {
            sheet.write_number_with_format(row, 2, number(*v, def.unit), f)?;
        }
        if let Ok(v) = &result.last_year {
            sheet.write_number_with_format(row, 3, number(*v, def.unit), f)?;
        }
        if let Ok(v) = &result.yoy {
            sheet.write_number_with_format(row, 4, number(*v, Unit::Ratio), &percent)?;
        }
        if let Some(a) = &result.assessment {
            sheet.write_number_with_format(row, 5, number(a.target, def.unit), f)?;
            sheet.write_number_with_format(row, 6, number(a.expected, def.unit), f)?;
            if let Some(att) = a.attainment {
                sheet.write_number_with_format(row, 7, number(att, Unit::Ratio), &percent)?;
            }
            sheet.write_string(row, 8, format::status_cell(a.status, lang))?;
        }
        sheet.write_string(
            row,
            9,
            zx_api::indicator_note(engine, result, lang).unwrap_or_default(),
        )?;
    }
    sheet.set_column_width(0, 22)?;
    sheet.set_column_width(9, 60)?;

    // Sheet 2: the units below, every indicator of `zx kpi` (the six and the reform group).
    let sheet = workbook.add_worksheet();
    sheet.set_name(lang.pick("下级单位", "Units below"))?;
    sheet.write_string_with_format(0, 0, lang.pick("单位编码", "Code"), &bold)?;
    sheet.write_string_with_format(0, 1, lang.pick("单位名称", "Name"), &bold)?;
    for (i, def) in catalogue.indicators().iter().enumerate() {
        let col = 2 + 2 * i as u16;
        sheet.write_string_with_format(
            0,
            col,
            format!(
                "{} ({})",
                lang.pick(&def.name_zh, &def.name_en),
                unit_label(def.unit)
            ),
            &bold,
        )?;
        sheet.write_string_with_format(0, col + 1, lang.pick("状态", "Status"), &bold)?;
    }
    for (row, child) in (1..).zip(rows_in_view(engine, access, entity, filter)) {
        let c = tree.entity(child);
        sheet.write_string(row, 0, c.code.as_str())?;
        sheet.write_string(row, 1, &c.name)?;
        let kpi = engine.kpi(child, period, &snapshot.targets);
        for (i, result) in kpi.indicators.iter().enumerate() {
            let def = catalogue.indicator(result.indicator);
            let col = 2 + 2 * i as u16;
            if let Ok(v) = &result.value {
                sheet.write_number_with_format(
                    row,
                    col,
                    number(*v, def.unit),
                    format_for(def.unit),
                )?;
            }
            if let Some(a) = &result.assessment {
                sheet.write_string(row, col + 1, format::status_cell(a.status, lang))?;
            }
        }
    }
    sheet.set_column_width(1, 26)?;

    // Sheet 3: the year's rule.
    let sheet = workbook.add_worksheet();
    sheet.set_name(lang.pick("一增一稳四提升", "Year rule"))?;
    for (c, h) in [
        lang.pick("指标", "Indicator"),
        lang.pick("要求", "Requirement"),
        lang.pick("本期", "This year"),
        lang.pick("上年同期", "Last year"),
        lang.pick("结论", "Verdict"),
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, v) in report.rule.verdicts.iter().enumerate() {
        let row = 1 + r as u32;
        let def = catalogue.indicator(v.indicator);
        sheet.write_string(row, 0, lang.pick(&def.name_zh, &def.name_en))?;
        sheet.write_string(row, 1, format::requirement_label(v.requirement, lang))?;
        if let Some(x) = v.this {
            sheet.write_number_with_format(row, 2, number(x, def.unit), format_for(def.unit))?;
        }
        if let Some(x) = v.last {
            sheet.write_number_with_format(row, 3, number(x, def.unit), format_for(def.unit))?;
        }
        sheet.write_string(
            row,
            4,
            match v.holds {
                Some(true) => "✓",
                Some(false) => "✗",
                None => "?",
            },
        )?;
    }
    sheet.set_column_width(0, 22)?;
    workbook.save_to_buffer()
}
