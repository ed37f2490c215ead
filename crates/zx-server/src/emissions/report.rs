//! The compliance reports as workbooks: the daily report (each stack's hourly means per factor)
//! and the monthly report (each stack's daily means, violation days, capture rates). Numbers
//! are written as numbers rounded to 3 places for display; verdicts were made on unrounded
//! values by the compliance engine.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Color, Format, Workbook, Worksheet, XlsxError};
use zx_domain::Decimal;
use zx_domain::Lang;
use zx_domain::cems::compliance::{DayCompliance, output_value};

use super::StackEntry;

type Days = BTreeMap<NaiveDate, Arc<DayCompliance>>;

/// A mean as the sheet shows it: the 3-decimal figure as a number.
fn shown(value: Decimal) -> f64 {
    output_value(value)
        .parse::<Decimal>()
        .ok()
        .and_then(|d| d.to_f64())
        .unwrap_or(f64::NAN)
}

struct Formats {
    bold: Format,
    number: Format,
    over: Format,
    percent: Format,
}

fn formats() -> Formats {
    Formats {
        bold: Format::new().set_bold(),
        number: Format::new().set_num_format("0.000"),
        over: Format::new()
            .set_num_format("0.000")
            .set_bold()
            .set_font_color(Color::RGB(0xCF222E)),
        percent: Format::new().set_num_format("0.0%"),
    }
}

fn header(
    sheet: &mut Worksheet,
    row: u32,
    titles: &[String],
    bold: &Format,
) -> Result<(), XlsxError> {
    for (column, title) in titles.iter().enumerate() {
        sheet.write_string_with_format(row, column as u16, title, bold)?;
    }
    Ok(())
}

/// One day: a row per stack and factor, the 24 hourly means, the daily mean and its verdict.
pub fn daily(
    lang: Lang,
    day: NaiveDate,
    stacks: &[Arc<StackEntry>],
    verdicts: &[Days],
) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(lang.pick("日报", "Daily"))?;
    sheet.write_string_with_format(
        0,
        0,
        format!(
            "{} {day}",
            lang.pick(
                "烟气排放合规日报（折算浓度，mg/m³）",
                "Stack emissions daily compliance report (corrected, mg/m³)"
            )
        ),
        &f.bold,
    )?;
    let mut titles: Vec<String> = [
        lang.pick("电厂", "Plant"),
        lang.pick("排放口", "Stack"),
        "MN",
        lang.pick("因子", "Factor"),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    titles.extend((0..24).map(|h| format!("{h:02}")));
    titles.extend(
        [
            lang.pick("日均值", "Daily mean"),
            lang.pick("日均限值", "Daily limit"),
            lang.pick("有效小时", "Valid hours"),
            lang.pick("超标", "Exceeded"),
        ]
        .iter()
        .map(|s| (*s).to_owned()),
    );
    header(sheet, 2, &titles, &f.bold)?;
    let mut row = 3u32;
    for (entry, days) in stacks.iter().zip(verdicts) {
        let Some(verdict) = days.get(&day) else {
            continue;
        };
        for limit in &entry.standard.factors {
            let Some(factor) = verdict.factors.get(&limit.code) else {
                continue;
            };
            sheet.write_string(row, 0, &entry.plant_name)?;
            sheet.write_string(row, 1, &entry.stack.name)?;
            sheet.write_string(row, 2, &entry.stack.mn)?;
            sheet.write_string(row, 3, lang.pick(&limit.name_zh, &limit.name_en))?;
            for (hour, average) in factor.hourly.iter().enumerate() {
                if let Some(value) = average.average {
                    let format = if factor.hour_exceedances.contains(&(hour as u32)) {
                        &f.over
                    } else {
                        &f.number
                    };
                    sheet.write_number_with_format(row, 4 + hour as u16, shown(value), format)?;
                }
            }
            if let Some(value) = factor.daily_average {
                let format = if factor.day_exceeded {
                    &f.over
                } else {
                    &f.number
                };
                sheet.write_number_with_format(row, 28, shown(value), format)?;
            }
            if let Some(limit) = limit.daily_limit.and_then(|l| l.to_f64()) {
                sheet.write_number(row, 29, limit)?;
            }
            sheet.write_number(row, 30, f64::from(factor.valid_hours))?;
            sheet.write_string(
                row,
                31,
                if factor.day_exceeded {
                    lang.pick("是", "yes")
                } else {
                    ""
                },
            )?;
            row += 1;
        }
    }
    sheet.set_column_width(0, 22)?;
    sheet.set_freeze_panes(3, 4)?;
    workbook.save_to_buffer()
}

/// A period (a month): per stack and day the daily means, furnace count and verdict; then a
/// summary per stack with violation days and capture rates.
pub fn monthly(
    lang: Lang,
    first: NaiveDate,
    last: NaiveDate,
    stacks: &[Arc<StackEntry>],
    verdicts: &[Days],
) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let mut workbook = Workbook::new();
    let codes: Vec<(String, String)> = stacks
        .first()
        .map(|e| {
            e.standard
                .factors
                .iter()
                .map(|l| (l.code.clone(), lang.pick(&l.name_zh, &l.name_en).to_owned()))
                .collect()
        })
        .unwrap_or_default();

    let summary = workbook.add_worksheet();
    summary.set_name(lang.pick("汇总", "Summary"))?;
    summary.write_string_with_format(
        0,
        0,
        format!(
            "{} {first} – {last}",
            lang.pick(
                "烟气排放合规月报",
                "Stack emissions monthly compliance report"
            )
        ),
        &f.bold,
    )?;
    let mut titles: Vec<String> = [
        lang.pick("电厂", "Plant"),
        lang.pick("排放口", "Stack"),
        "MN",
        lang.pick("超标排放日", "Violation days"),
        lang.pick("小时超标次数", "Hour exceedances"),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    titles.extend(
        codes
            .iter()
            .map(|(_, name)| format!("{name} {}", lang.pick("捕集率", "capture"))),
    );
    header(summary, 2, &titles, &f.bold)?;
    for (index, (entry, days)) in stacks.iter().zip(verdicts).enumerate() {
        let row = 3 + index as u32;
        let violation_days = days.values().filter(|d| d.violation).count();
        let hour_exceedances: usize = days
            .values()
            .flat_map(|d| d.factors.values())
            .map(|factor| factor.hour_exceedances.len())
            .sum();
        summary.write_string(row, 0, &entry.plant_name)?;
        summary.write_string(row, 1, &entry.stack.name)?;
        summary.write_string(row, 2, &entry.stack.mn)?;
        summary.write_number(row, 3, violation_days as f64)?;
        summary.write_number(row, 4, hour_exceedances as f64)?;
        let period = zx_domain::cems::compliance::StackCompliance {
            days: days.iter().map(|(d, v)| (*d, (**v).clone())).collect(),
        };
        let rates = period.capture_rates(first, last);
        for (column, (code, _)) in codes.iter().enumerate() {
            let rate = rates.get(code).copied().unwrap_or(Decimal::ZERO);
            summary.write_number_with_format(
                row,
                5 + column as u16,
                rate.to_f64().unwrap_or(0.0),
                &f.percent,
            )?;
        }
    }
    summary.set_column_width(0, 22)?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(lang.pick("日均值", "Daily means"))?;
    let mut titles: Vec<String> = [
        lang.pick("电厂", "Plant"),
        lang.pick("排放口", "Stack"),
        "MN",
        lang.pick("日期", "Date"),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    titles.extend(codes.iter().map(|(_, name)| name.clone()));
    titles.extend(
        [
            lang.pick("炉温<850℃次数", "Furnace < 850 °C"),
            lang.pick("超标排放日", "Violation day"),
        ]
        .iter()
        .map(|s| (*s).to_owned()),
    );
    header(sheet, 0, &titles, &f.bold)?;
    let mut row = 1u32;
    for (entry, days) in stacks.iter().zip(verdicts) {
        for (day, verdict) in days {
            sheet.write_string(row, 0, &entry.plant_name)?;
            sheet.write_string(row, 1, &entry.stack.name)?;
            sheet.write_string(row, 2, &entry.stack.mn)?;
            sheet.write_string(row, 3, day.to_string())?;
            for (column, (code, _)) in codes.iter().enumerate() {
                let Some(factor) = verdict.factors.get(code) else {
                    continue;
                };
                if let Some(value) = factor.daily_average {
                    let format = if factor.day_exceeded {
                        &f.over
                    } else {
                        &f.number
                    };
                    sheet.write_number_with_format(row, 4 + column as u16, shown(value), format)?;
                }
            }
            let after = 4 + codes.len() as u16;
            sheet.write_number(row, after, f64::from(verdict.furnace_low_5min))?;
            sheet.write_string(
                row,
                after + 1,
                if verdict.violation {
                    lang.pick("是", "yes")
                } else {
                    ""
                },
            )?;
            row += 1;
        }
    }
    sheet.set_column_width(0, 22)?;
    sheet.set_freeze_panes(1, 4)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx};
    use chrono::{NaiveDateTime, TimeDelta};
    use zx_domain::cems::compliance::check_stack;
    use zx_domain::cems::{FactorMap, Flag, MinuteReading, Stack, Standard};
    use zx_domain::{EntityCode, Lang};

    use super::*;

    /// 2026-06-01 hours 00–19: NOx 200 at O₂ 13 → 200 × 10 / 8 = 250 each; hour 20: NOx 320 at
    /// O₂ 11 → 320, over the 1-hour limit 300. Daily mean (20 × 250 + 320) / 21 = 5320 / 21 =
    /// 253.333…, over the 24-hour limit 250 with 21 valid hours (≥ 20): a violation day.
    fn fixture() -> (Arc<StackEntry>, Days) {
        let standard = Standard::gb18485_2014();
        let start = NaiveDateTime::parse_from_str("2026-06-01 00:00", "%Y-%m-%d %H:%M").unwrap();
        let mut readings = Vec::new();
        for minute in 0..21 * 60 {
            let (nox, o2) = if minute < 20 * 60 {
                ("200", "13")
            } else {
                ("320", "11")
            };
            for (code, value) in [("a21002", nox), ("a19001", o2)] {
                readings.push(MinuteReading {
                    mn: "MN1".into(),
                    minute: start + TimeDelta::minutes(minute),
                    code: code.into(),
                    value: value.parse().unwrap(),
                    flag: Flag::N,
                });
            }
        }
        let factors = FactorMap::default();
        let days = check_stack(&readings, &factors, &standard)
            .days
            .into_iter()
            .map(|(day, verdict)| (day, Arc::new(verdict)))
            .collect();
        let entry = StackEntry {
            stack: Stack {
                mn: "MN1".into(),
                entity: EntityCode::parse("FJ-JJ-WTE").unwrap(),
                name: "1号炉".into(),
                password: "123456".into(),
                standard: standard.id.clone(),
                factors,
            },
            plant_name: "晋江垃圾焚烧发电厂".into(),
            region: "福建".into(),
            segment: "waste-to-energy".into(),
            standard: Arc::new(standard),
            rules: zx_domain::cems::alarms::Rules::default(),
        };
        (Arc::new(entry), days)
    }

    fn sheet(book: &[u8], name: &str) -> calamine::Range<Data> {
        let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(book.to_vec())).unwrap();
        workbook.worksheet_range(name).unwrap()
    }

    fn text(range: &calamine::Range<Data>, row: u32, column: u32) -> String {
        range
            .get_value((row, column))
            .map(|cell| cell.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn the_daily_report_has_the_hourly_means_the_daily_mean_and_the_verdict() {
        let (entry, days) = fixture();
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let book = daily(Lang::Zh, day, &[entry], &[days]).unwrap();
        let range = sheet(&book, "日报");
        // Row 3 (0-based): the NOx row; columns 4.. are hours 00–23.
        assert_eq!(text(&range, 3, 0), "晋江垃圾焚烧发电厂");
        assert_eq!(text(&range, 3, 2), "MN1");
        assert_eq!(text(&range, 3, 3), "氮氧化物");
        assert_eq!(range.get_value((3, 4)), Some(&Data::Float(250.0)));
        assert_eq!(range.get_value((3, 4 + 19)), Some(&Data::Float(250.0)));
        assert_eq!(range.get_value((3, 4 + 20)), Some(&Data::Float(320.0)));
        assert_eq!(range.get_value((3, 4 + 21)), Some(&Data::Empty));
        assert_eq!(range.get_value((3, 28)), Some(&Data::Float(253.333)));
        assert_eq!(range.get_value((3, 29)), Some(&Data::Float(250.0)));
        assert_eq!(range.get_value((3, 30)), Some(&Data::Float(21.0)));
        assert_eq!(text(&range, 3, 31), "是");
        // Only the factors with data: no second row.
        assert_eq!(text(&range, 4, 3), "");
    }

    #[test]
    fn the_monthly_report_counts_violation_days_and_capture_over_the_month() {
        let (entry, days) = fixture();
        let first = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let book = monthly(Lang::En, first, last, &[entry], &[days]).unwrap();
        let summary = sheet(&book, "Summary");
        assert_eq!(text(&summary, 3, 2), "MN1");
        assert_eq!(
            summary.get_value((3, 3)),
            Some(&Data::Float(1.0)),
            "violation days"
        );
        assert_eq!(
            summary.get_value((3, 4)),
            Some(&Data::Float(1.0)),
            "hour exceedances"
        );
        // NOx (the standard's second factor): 21 valid hours of 24 × 30 = 720 → 0.0291666….
        let Some(Data::Float(capture)) = summary.get_value((3, 6)) else {
            panic!("no NOx capture rate");
        };
        assert!((capture - 21.0 / 720.0).abs() < 1e-12, "{capture}");
        let means = sheet(&book, "Daily means");
        assert_eq!(text(&means, 1, 3), "2026-06-01");
        assert_eq!(means.get_value((1, 5)), Some(&Data::Float(253.333)));
        assert_eq!(text(&means, 1, 10), "yes");
        assert_eq!(text(&means, 2, 3), "", "one day of data, one row");
    }
}
