//! Tests of reading CSV files and workbooks into rows (`super`).

use super::*;

/// A workbook with a table at A1 of a header and `rows` rows and, when given, one more
/// cell far away.
fn workbook_with(rows: u32, stray: Option<(u32, u16)>) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "entity").unwrap();
    sheet.write_string(0, 1, "value").unwrap();
    for row in 1..=rows {
        sheet.write_string(row, 0, "FJ").unwrap();
        sheet.write_string(row, 1, "12.5").unwrap();
    }
    if let Some((row, column)) = stray {
        sheet.write_string(row, column, "x").unwrap();
    }
    book.save_to_buffer().unwrap()
}

fn any_header(_: &[Value]) -> Option<()> {
    Some(())
}

/// The first table of a workbook that must be read without problems.
fn first_table(bytes: &[u8]) -> Table {
    let (mut tables, problems) = read_xlsx_inner(bytes, &any_header).unwrap();
    assert!(problems.is_empty());
    tables.remove(0)
}

#[test]
fn a_stray_cell_at_the_sheets_far_corner_costs_its_rows_not_the_sheet() {
    // XFD1048576: 17 billion cells if laid out densely (calamine's range asked for 512 GB);
    // read cell by cell, it is 3 rows with data × 16,384 columns, and keeps its place.
    let bytes = workbook_with(1, Some((1_048_575, 16_383)));
    let started = std::time::Instant::now();
    let table = first_table(&bytes);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let rows: Vec<_> = table.rows().collect();
    assert_eq!(rows.len(), 2);
    let stray = &rows[1];
    assert_eq!(stray.line, 1_048_576);
    assert_eq!(stray.cells.len(), 16_384);
    assert_eq!(stray.cells[16_383], Value::Text("x".into()));
    assert_eq!(
        table.loc(stray.line, 16_383).place,
        Place::Cell {
            sheet: String::new(),
            cell: "XFD1048576".into()
        }
    );
}

#[test]
fn a_sheet_spanning_more_cells_than_the_limit_is_refused_at_the_cell_that_crosses_it() {
    // 400 rows of data, and a cell at XFD402: 402 rows × 16,384 columns = 6,586,368 cells,
    // over the limit of 5,000,000 when the stray cell is read.
    let bytes = workbook_with(400, Some((401, 16_383)));
    let (loc, draft) = *read_xlsx_inner(&bytes, &any_header).unwrap_err();
    assert_eq!(draft.code, IssueCode::SheetTooLarge);
    assert_eq!(
        loc.place,
        Place::Cell {
            sheet: String::new(),
            cell: "XFD402".into()
        }
    );
    assert!(
        draft.message.contains("402 rows × 16384 columns"),
        "{}",
        draft.message
    );
}

#[test]
fn a_stray_cell_within_the_limit_keeps_its_place() {
    // Z1000: 3 rows with data × 26 columns.
    let table = first_table(&workbook_with(1, Some((999, 25))));
    assert_eq!(table.header_line, 1);
    let rows: Vec<_> = table.rows().collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].line, 1000);
    assert_eq!(rows[1].cells[25], Value::Text("x".into()));
    assert_eq!(rows[0].cells[0], Value::Text("FJ".into()));
    assert_eq!(
        table.loc(1000, 25).place,
        Place::Cell {
            sheet: String::new(),
            cell: "Z1000".into()
        }
    );
}

#[test]
fn a_line_with_fewer_fields_than_the_header_is_an_error_on_that_line() {
    let mut sink = Sink::new("entities.csv");
    let text = "code,name,parent,kind,region,segment\nFJ,福建公司,ZX,company,福建,环保\nFJ-A,甲厂,FJ,plant\n";
    read_csv(text.to_owned(), "UTF-8", &mut sink).unwrap();
    let (errors, _) = sink.finish();
    let issue = &errors[0];
    assert_eq!(issue.code, IssueCode::WrongFieldCount);
    assert_eq!(issue.place, Place::Line(3));
    assert!(
        issue
            .message
            .starts_with("line has 4 fields but the header has 6 columns"),
        "{}",
        issue.message
    );
}

#[test]
fn names_columns_like_excel() {
    assert_eq!(column_letters(0), "A");
    assert_eq!(column_letters(7), "H");
    assert_eq!(column_letters(25), "Z");
    assert_eq!(column_letters(26), "AA");
    assert_eq!(column_letters(701), "ZZ");
    assert_eq!(column_letters(702), "AAA");
    assert_eq!(column_letters(16383), "XFD");
}

#[test]
fn csv_lines_are_physical_lines() {
    let mut sink = Sink::new("x.csv");
    let text = "\r\n a , b \r\n\r\n\"multi\r\nline\",2\r\n,\r\n\r\n3,4,5\r\n";
    let table = read_csv(text.to_owned(), "UTF-8", &mut sink).unwrap();
    assert_eq!(table.header_line, 2);
    assert_eq!(
        table.header,
        vec![Value::Text("a".into()), Value::Text("b".into())]
    );
    let rows: Vec<_> = table.rows().collect();
    let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [4, 8]);
    assert_eq!(rows[0].cell(0), &Value::Text("multi\r\nline".into()));
    assert_eq!(rows[0].cell(5), &Value::Empty);
    // A row's cell read again from the text, as a message about it shows it.
    assert_eq!(table.cell_at(0, 0), Value::Text("multi\r\nline".into()));
    assert_eq!(table.cell_at(1, 2), Value::Text("5".into()));
    assert_eq!(table.line_of(1), 8);
    let (errors, _) = sink.finish();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "x.csv:8: line has 3 fields but the header has 2 columns (a comma inside a number or name must be quoted)"
    );
}

#[test]
fn tab_separated_text_is_split_on_tabs() {
    let mut sink = Sink::new("x.txt");
    let table = read_csv("a\tb\n1\t2\n".to_owned(), "UTF-16", &mut sink).unwrap();
    assert_eq!(table.rows().next().map(|r| r.cells.len()), Some(2));
    assert_eq!(table.encoding, "UTF-16");
}

#[test]
fn iso_dates_are_dates() {
    assert_eq!(
        iso_date("2026-03-01T00:00:00"),
        Some(Value::Date {
            year: 2026,
            month: 3,
            day: 1,
            time: false
        })
    );
    assert_eq!(iso_date("2026-03"), None);
}
