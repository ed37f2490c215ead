//! A measures list as offices circulate it — the workbook `/measures.xlsx` writes: a title
//! line above the table, unit code and name in two columns, indicators by their names, the
//! status in Chinese, progress as a number shown with a percent sign, and columns that are only
//! shown (number, overdue, latest update) — reads back into the same measures.

mod common;

use chrono::NaiveDate;
use common::{MapStore, group, parse_with};
use rust_xlsxwriter::{Format, Workbook};
use zx_domain::{EntityCode, MeasureStatus};
use zx_ingest::{MeasureRow, Payload, Place};

const HEADER: [&str; 12] = [
    "序号",
    "单位编码",
    "单位名称",
    "措施",
    "指标",
    "责任人",
    "开始日期",
    "完成时限",
    "状态",
    "进度",
    "是否逾期",
    "最新进展",
];

fn circulated(rows: &[[&str; 12]], title_rows: usize) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for t in 0..title_rows {
        sheet
            .write_string(
                t as u32,
                0,
                format!("示例集团 措施清单 截至 2026-11-27 ({t})"),
            )
            .unwrap();
    }
    // A blank row between the title and the table, as the export leaves one.
    let top = title_rows as u32 + u32::from(title_rows > 0);
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(top, c as u16, *h).unwrap();
    }
    let percent = Format::new().set_num_format("0\"%\"");
    for (r, row) in rows.iter().enumerate() {
        let line = top + 1 + r as u32;
        for (c, value) in row.iter().enumerate() {
            if c == 0 || c == 9 {
                let n: f64 = value.parse().unwrap();
                if c == 9 {
                    sheet
                        .write_number_with_format(line, c as u16, n, &percent)
                        .unwrap();
                } else {
                    sheet.write_number(line, c as u16, n).unwrap();
                }
            } else if !value.is_empty() {
                sheet.write_string(line, c as u16, *value).unwrap();
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

fn cell(cell: &str) -> Place {
    Place::Cell {
        sheet: String::new(),
        cell: cell.into(),
    }
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

#[test]
fn the_exported_list_reads_back_as_it_is() {
    let bytes = circulated(
        &[
            [
                "1",
                "P1",
                "晋江垃圾发电厂",
                "降低厂用电率",
                "净资产收益率",
                "fujian",
                "2026-03-01",
                "2026-09-30",
                "推进中",
                "60",
                "已逾期",
                "2026-11-02 设备到货",
            ],
            [
                "2",
                "S1",
                "福建子公司",
                "应收账款清收",
                "Total profit",
                "hq",
                "",
                "2026-12-31",
                "done",
                "100",
                "",
                "",
            ],
            [
                "3",
                "G",
                "示例集团",
                "月度分析会",
                "",
                "hq",
                "",
                "2026-03-31",
                "已取消",
                "0",
                "",
                "",
            ],
        ],
        1,
    );
    let parsed = parse_with("措施清单.xlsx", &bytes, &group(), &MapStore::default())
        .unwrap_or_else(|r| {
            panic!(
                "{:?}",
                r.errors.iter().map(ToString::to_string).collect::<Vec<_>>()
            )
        });
    let Payload::Measures(rows) = parsed.payload else {
        panic!("not read as a measures list: {:?}", parsed.kind);
    };
    let code = |c: &str| EntityCode::parse(c).unwrap();
    assert_eq!(
        rows,
        vec![
            MeasureRow {
                number: None,
                place: cell("B4"),
                entity: code("P1"),
                title: "降低厂用电率".into(),
                indicator: Some("roe".into()),
                owner: "fujian".into(),
                start: Some(date("2026-03-01")),
                due: date("2026-09-30"),
                status: MeasureStatus::InProgress,
                progress: 60,
            },
            MeasureRow {
                number: None,
                place: cell("B5"),
                entity: code("S1"),
                title: "应收账款清收".into(),
                indicator: Some("total_profit".into()),
                owner: "hq".into(),
                start: None,
                due: date("2026-12-31"),
                status: MeasureStatus::Done,
                progress: 100,
            },
            MeasureRow {
                number: None,
                place: cell("B6"),
                entity: code("G"),
                title: "月度分析会".into(),
                indicator: None,
                owner: "hq".into(),
                start: None,
                due: date("2026-03-31"),
                status: MeasureStatus::Cancelled,
                progress: 0,
            },
        ]
    );
}

#[test]
fn errors_name_the_cell_below_the_title_and_titles_are_bounded() {
    let bytes = circulated(
        &[[
            "1",
            "P9",
            "?",
            "降低厂用电率",
            "净利润率",
            "fujian",
            "",
            "2026-09-31",
            "推进中",
            "60",
            "",
            "",
        ]],
        1,
    );
    let rejected = parse_with("list.xlsx", &bytes, &group(), &MapStore::default()).unwrap_err();
    let lines: Vec<String> = rejected.errors.iter().map(ToString::to_string).collect();
    // Title on row 1, blank row 2, header row 3: the measure is on row 4.
    assert!(
        lines.iter().any(|l| l.starts_with("list.xlsx!B4: ")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("list.xlsx!E4: ") && l.contains("净利润率")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("list.xlsx!H4: ") && l.contains("2026-09-31")),
        "{lines:?}"
    );
    assert_eq!(lines.len(), 3, "{lines:?}");

    // Four title lines are more than a title: the first row must then be the header.
    let bytes = circulated(
        &[[
            "1",
            "P1",
            "",
            "t",
            "",
            "hq",
            "",
            "2026-09-30",
            "done",
            "100",
            "",
            "",
        ]],
        4,
    );
    let rejected = parse_with("list.xlsx", &bytes, &group(), &MapStore::default()).unwrap_err();
    let first = rejected.errors[0].to_string();
    assert!(first.starts_with("list.xlsx!A1: "), "{first}");
    assert!(first.contains("is not a recognised header"), "{first}");
}

/// The export's `措施编号` column is read as the measure's number (what the import matches the
/// stored measure on); a number that is not a whole number from 1, or a number given twice, is
/// an error on its cell.
#[test]
fn the_measure_number_is_read_and_checked() {
    let header = "entity,title,indicator,owner,start,due,status,progress,措施编号\n";
    let good = format!(
        "{header}P1,降低厂用电率,,fujian,,2026-09-30,planned,0,7\nP2,清收,,hq,,2026-09-30,planned,0,\n"
    );
    let parsed = parse_with("l.csv", good.as_bytes(), &group(), &MapStore::default()).unwrap();
    let Payload::Measures(rows) = parsed.payload else {
        panic!("not a measures list");
    };
    assert_eq!(rows[0].number, Some(7));
    assert_eq!(rows[0].place, Place::Line(2));
    assert_eq!(rows[1].number, None);
    let bad = format!(
        "{header}P1,a,,fujian,,2026-09-30,planned,0,7\nP1,b,,fujian,,2026-09-30,planned,0,7\nP1,c,,fujian,,2026-09-30,planned,0,0\nP1,d,,fujian,,2026-09-30,planned,0,7.5\n"
    );
    let rejected = parse_with("l.csv", bad.as_bytes(), &group(), &MapStore::default()).unwrap_err();
    let lines: Vec<String> = rejected.errors.iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].starts_with("l.csv:3: ") && lines[0].contains("line 2"),
        "{lines:?}"
    );
    assert_eq!(rejected.errors[0].code.as_str(), "duplicate_row");
    assert!(
        lines[1].starts_with("l.csv:4: ") && lines[1].contains("\"0\""),
        "{lines:?}"
    );
    assert_eq!(rejected.errors[1].code.as_str(), "invalid_measure_number");
    assert!(
        lines[2].starts_with("l.csv:5: ") && lines[2].contains("7.5"),
        "{lines:?}"
    );
}
