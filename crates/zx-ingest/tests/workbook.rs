//! XLSX files: the long layout in a workbook, and the fill-in template written and read back.

mod common;

use calamine::{Data, Reader, Xlsx};
use common::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use zx_domain::{Basis, EntityKind, Fact};
use zx_ingest::{DATA_SHEET, INSTRUCTIONS_SHEET, IssueCode, Payload, Place, write_template};

/// A cell to write in a test workbook.
enum W {
    S(&'static str),
    N(f64),
    D(u16, u8, u8),
}

fn workbook(sheets: &[(&str, Vec<Vec<W>>)]) -> Vec<u8> {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm");
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    W::S(s) => sheet.write_string(r, c, *s).unwrap(),
                    W::N(n) => sheet.write_number(r, c, *n).unwrap(),
                    W::D(y, m, d) => sheet
                        .write_datetime_with_format(
                            r,
                            c,
                            ExcelDateTime::from_ymd(*y, *m, *d).unwrap(),
                            &date,
                        )
                        .unwrap(),
                };
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn header() -> Vec<W> {
    vec![
        W::S("entity"),
        W::S("period"),
        W::S("item"),
        W::S("value"),
        W::S("basis"),
    ]
}

fn facts_of(bytes: &[u8], name: &str) -> Vec<Fact> {
    let parsed =
        parse_with(name, bytes, &group(), &MapStore::default()).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(parsed.encoding, "XLSX");
    match parsed.payload {
        Payload::Data(facts) => facts.to_facts(),
        other => panic!("not data: {other:?}"),
    }
}

#[test]
fn long_layout_in_a_workbook_with_dates_and_floats() {
    let bytes = workbook(&[(
        "Sheet1",
        vec![
            header(),
            vec![
                W::S("P1"),
                W::D(2026, 3, 1),
                W::S("net_profit"),
                W::N(0.1 + 0.2),
                W::S("month"),
            ],
            vec![
                W::S("P1"),
                W::S("2026-04"),
                W::S("net_profit"),
                W::N(12538168.44),
                W::S(""),
            ],
            vec![
                W::S("P1"),
                W::S("2026-05"),
                W::S("net_profit"),
                W::S("1,234.5"),
            ],
        ],
    )]);
    let facts = facts_of(&bytes, "data.xlsx");
    assert_eq!(facts.len(), 3);
    assert_eq!(facts[0].month, month("2026-03"));
    assert_eq!(facts[0].value, dec("0.3"));
    assert_eq!(facts[1].value, dec("12538168.44"));
    assert_eq!(facts[1].basis, Basis::Month);
    assert_eq!(facts[2].value, dec("1234.5"));
}

#[test]
fn a_bad_cell_is_named_by_its_address() {
    let bytes = workbook(&[(
        "Sheet1",
        vec![
            header(),
            vec![
                W::S("P1"),
                W::S("2026-01"),
                W::S("net_profit"),
                W::N(1.0),
                W::S("month"),
            ],
            vec![
                W::S("P1"),
                W::S("2026-02"),
                W::S("net_profit"),
                W::S("12,3x"),
                W::S("month"),
            ],
            vec![
                W::S("P1"),
                W::D(2026, 3, 15),
                W::S("net_profit"),
                W::N(3.0),
                W::S("month"),
            ],
        ],
    )]);
    let rejected = parse_with("data.xlsx", &bytes, &group(), &MapStore::default()).unwrap_err();
    let lines: Vec<String> = rejected.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "data.xlsx!D3: value: \"12,3x\" is not a decimal number",
            "data.xlsx!B4: period: \"2026-03-15\" is a date, not a month: write the period as YYYY-MM (2026-03)",
        ]
    );
    assert_eq!(
        rejected.errors[0].place,
        Place::Cell {
            sheet: String::new(),
            cell: "D3".into()
        }
    );
}

/// Every sheet is read: a cover sheet before the table is named (it could be rows left out),
/// and the table on the next sheet is still checked, so every error comes at once.
#[test]
fn a_cover_sheet_is_named_and_the_table_on_the_next_sheet_is_read() {
    let bytes = workbook(&[
        ("封面", vec![vec![W::S("2026 年报表")]]),
        (
            "Sheet2",
            vec![
                vec![],
                header(),
                vec![
                    W::S("P1"),
                    W::S("2026-01"),
                    W::S("net_profit"),
                    W::S("x"),
                    W::S("month"),
                ],
            ],
        ),
    ]);
    let rejected = parse_with("data.xlsx", &bytes, &group(), &MapStore::default()).unwrap_err();
    let errors: Vec<String> = rejected.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "data.xlsx!A1: sheet \"封面\" is not a table like the one on sheet \"Sheet2\" (its first row is \"2026 年报表\"): every sheet of a workbook is read, so that no rows are left out unseen; delete the sheet or move it to a file of its own, or give its table the same header",
            "data.xlsx!Sheet2!D3: value: \"x\" is not a decimal number",
        ]
    );
    assert_eq!(rejected.errors[0].code, IssueCode::UnexpectedSheet);
}

#[test]
fn a_workbook_without_a_known_header() {
    let bytes = workbook(&[("Sheet1", vec![vec![W::S("a"), W::S("b")]])]);
    let rejected = parse_with("data.xlsx", &bytes, &group(), &MapStore::default()).unwrap_err();
    assert_eq!(rejected.errors[0].code, IssueCode::UnknownHeader);
    assert!(
        rejected.errors[0]
            .to_string()
            .starts_with("data.xlsx!A1: \"a,b\" is not a recognised header")
    );
    let empty = workbook(&[("Sheet1", vec![])]);
    let rejected = parse_with("data.xlsx", &empty, &group(), &MapStore::default()).unwrap_err();
    assert_eq!(rejected.errors[0].to_string(), "data.xlsx: file is empty");
}

fn fact(entity: &str, m: &str, item: &str, value: &str, basis: Basis) -> Fact {
    Fact {
        entity: code(entity),
        month: month(m),
        item: item.into(),
        value: dec(value),
        basis,
    }
}

fn sorted(mut facts: Vec<Fact>) -> Vec<Fact> {
    facts.sort_by(|a, b| {
        (&a.item, a.month, a.basis.as_str()).cmp(&(&b.item, b.month, b.basis.as_str()))
    });
    facts
}

#[test]
fn template_round_trip() {
    let p1 = group().into_iter().find(|e| e.code == code("P1")).unwrap();
    let existing = vec![
        fact(
            "P1",
            "2026-01",
            "operating_revenue",
            "12538168.44",
            Basis::Ytd,
        ),
        fact(
            "P1",
            "2026-02",
            "operating_revenue",
            "23937926.81",
            Basis::Ytd,
        ),
        fact(
            "P1",
            "2026-03",
            "operating_revenue",
            "9515053.09",
            Basis::Month,
        ),
        fact("P1", "2026-01", "avg_employees", "314", Basis::Month),
        fact("P1", "2026-02", "avg_employees", "312.5", Basis::Month),
        fact(
            "P1",
            "2026-01",
            "total_assets",
            "133524346.39",
            Basis::Month,
        ),
        fact("P1", "2026-01", "total_liabilities", "-0.01", Basis::Month),
        // More digits than a float keeps: written as text, still exact.
        fact(
            "P1",
            "2026-02",
            "total_assets",
            "1234567890123.456789",
            Basis::Month,
        ),
        fact("P1", "2026-12", "net_profit", "0", Basis::Month),
    ];
    // Figures of other entities and years are not in P1's 2026 template.
    let mut given = existing.clone();
    given.push(fact("P2", "2026-01", "net_profit", "5", Basis::Month));
    given.push(fact("P1", "2025-12", "net_profit", "5", Basis::Month));
    let catalogue = catalogue();
    let bytes = write_template(&catalogue, &p1, 2026, &given).unwrap();

    let parsed = parse_with("template.xlsx", &bytes, &group(), &MapStore::default())
        .unwrap_or_else(|r| panic!("{r}"));
    // One row per reported item (the nine of kpi.md, the eight reform items and the eleven
    // workforce items), plus the second basis of operating_revenue: 9 + 8 + 11 + 1.
    assert_eq!(parsed.rows, 29);
    // A negative liabilities balance is only a warning.
    assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
    let Payload::Data(facts) = parsed.payload else {
        panic!("not data");
    };
    let facts = facts.to_facts();
    assert_eq!(sorted(facts), sorted(existing));
}

#[test]
fn a_plants_template_holds_its_segments_operating_items() {
    let mut water = entity("P1", Some("S1"), EntityKind::Plant);
    water.segment = "water".into();
    let catalogue = catalogue();
    // A stray row of tonnes sent before stays in its template, to be read back as it is.
    let sent = [fact("P1", "2026-01", "waste_received_t", "5", Basis::Month)];
    let bytes = write_template(&catalogue, &water, 2026, &sent).unwrap();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range(DATA_SHEET).unwrap();
    let rows: Vec<(String, String)> = range
        .rows()
        .skip(1)
        .map(|r| (r[1].to_string(), r[4].to_string()))
        .collect();
    let items: Vec<&str> = rows.iter().map(|(item, _)| item.as_str()).collect();
    // The nine items of kpi.md, the eight reform items, the eleven workforce items, the water
    // items (treated, capacity, power consumed), the operating cost and its eight elements, and
    // the tonnes already sent: 9 + 8 + 11 + 3 + 1 + 8 + 1.
    assert_eq!(items.len(), 41, "{items:?}");
    assert!(items.contains(&"water_treated_m3") && items.contains(&"cost_chemicals"));
    assert!(items.contains(&"waste_received_t"));
    assert!(!items.contains(&"waste_incinerated_t") && !items.contains(&"installed_capacity_mw"));
    // Physical units are named as such.
    let unit = |code: &str| rows.iter().find(|(i, _)| i == code).unwrap().1.clone();
    assert_eq!(unit("water_treated_m3"), "m³");
    assert_eq!(unit("design_capacity_m3d"), "m³/日");
    assert_eq!(unit("power_consumed_mwh"), "MWh");
    assert_eq!(unit("operating_cost"), "元");
}

#[test]
fn template_layout() {
    let s2 = group().into_iter().find(|e| e.code == code("S2")).unwrap();
    let catalogue = catalogue();
    let bytes = write_template(&catalogue, &s2, 2026, &[]).unwrap();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), [DATA_SHEET, INSTRUCTIONS_SHEET]);
    let range = book.worksheet_range(DATA_SHEET).unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        header.join(","),
        "entity,item,name_zh,name_en,unit,basis,2026-01,2026-02,2026-03,2026-04,2026-05,2026-06,2026-07,2026-08,2026-09,2026-10,2026-11,2026-12"
    );
    let row: Vec<String> = range
        .rows()
        .nth(7)
        .unwrap()
        .iter()
        .take(6)
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        row,
        [
            "S2",
            "avg_employees",
            "月平均从业人数",
            "Average employees in the month",
            "人",
            "month"
        ]
    );
    // The header, the nine items of kpi.md, the eight reform items and the eleven workforce
    // items: 1 + 9 + 8 + 11.
    assert_eq!(range.rows().count(), 29);
    let notes = book.worksheet_range(INSTRUCTIONS_SHEET).unwrap();
    let first = notes
        .get_value((0, 0))
        .cloned()
        .unwrap_or(Data::Empty)
        .to_string();
    assert!(first.contains("S2"), "{first}");
    let text: String = notes
        .rows()
        .map(|r| r[0].to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let zh = text.find("填报说明").unwrap();
    let en = text.find("How to fill in").unwrap();
    assert!(zh < en, "Chinese first");
    // Plant managers upload on the web; `zx import` is only the administrator's alternative.
    assert!(text.contains("在“数据报送”页面上传"), "{text}");
    assert!(text.contains("Data collection page"), "{text}");
    assert!(!text.contains("通过 zx import 导入"), "{text}");
    assert!(text.contains("系统管理员也可用命令 zx import"), "{text}");

    // An untouched template has nothing to import.
    let rejected = parse_with("template.xlsx", &bytes, &group(), &MapStore::default()).unwrap_err();
    assert_eq!(
        rejected
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["template.xlsx: no month cell is filled in"]
    );
    assert!(write_template(&catalogue, &s2, 3000, &[]).is_err());
}

#[test]
fn wide_layout_errors_name_cells() {
    let row = |item: &'static str, basis: &'static str, value: W| {
        vec![
            W::S("P1"),
            W::S(item),
            W::S("名称"),
            W::S("name"),
            W::S("元"),
            W::S(basis),
            W::S(""),
            value,
        ]
    };
    let bytes = workbook(&[(
        DATA_SHEET,
        vec![
            vec![
                W::S("entity"),
                W::S("item"),
                W::S("name_zh"),
                W::S("name_en"),
                W::S("unit"),
                W::S("basis"),
                W::S("2026-01"),
                W::D(2026, 2, 1),
            ],
            row("net_profit", "month", W::N(1.0)),
            row("total_profit", "ytd", W::N(2.0)),
            row("avg_employees", "month", W::N(-4.0)),
            row("operating_revenue", "month", W::S("12,3x")),
            row("net_profit", "month", W::N(7.0)),
        ],
    )]);
    let rejected = parse_with("data.xlsx", &bytes, &group(), &MapStore::default()).unwrap_err();
    let lines: Vec<String> = rejected.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "data.xlsx!F3: basis: \"ytd\" for 2026-02 needs the year-to-date total of 2026-01, which is neither in this file nor already stored: add 2026-01 (year to date, or every month from January), or give 2026-02 on the month basis",
            "data.xlsx!H4: 2026-02: \"-4\" is negative, but avg_employees cannot be",
            "data.xlsx!H5: 2026-02: \"12,3x\" is not a decimal number",
            "data.xlsx!H6: P1 2026-02 net_profit is given a second time (first at cell H2); give one figure per entity, period and item, whatever the basis",
        ]
    );
}

#[test]
fn wide_layout_as_csv() {
    let text = "entity,item,项目名称,basis,2026-01,2026-02\nP1,net_profit,净利润,,1,\nP1,total_profit,利润总额,ytd,5,x\n";
    let lines = errors("data.csv", text);
    assert_eq!(
        lines,
        ["data.csv:3: 2026-02: \"x\" is not a decimal number"]
    );
}
