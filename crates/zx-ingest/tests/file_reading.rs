//! Files as they arrive from real offices, each built here: a UTF-8 list with one line pasted
//! from a GBK (Big5, Latin-1) file, CR-only line ends, workbooks with two data sheets or a
//! notes sheet, percent-formatted cells, ZIP files that are not workbooks.

mod common;

use common::*;
use rust_xlsxwriter::{Format, Workbook};
use zx_domain::{Basis, Fact, Target};
use zx_ingest::{IssueCode, Payload, Place};

const ENTITIES_HEADER: &str = "code,name,parent,kind,region,segment\n";

/// An entities file whose first lines are UTF-8 with Chinese names and whose fourth line is
/// `line4` as given (bytes of another encoding).
fn entities_with_line4(line4: &[u8]) -> Vec<u8> {
    let mut bytes = ENTITIES_HEADER.as_bytes().to_vec();
    bytes.extend("S1X,福建公司,G,company,福建,环保\n".as_bytes());
    bytes.extend("P9,合成电站,S1X,plant,福建,环保\n".as_bytes());
    bytes.extend(line4);
    bytes.push(b'\n');
    bytes
}

#[test]
fn a_utf8_file_with_one_line_in_another_encoding_is_refused_naming_that_line() {
    // Header 37 bytes, line 2 41 bytes (4 Chinese characters of 3 bytes each, twice 2), line 3
    // 40 bytes: line 4 starts at offset 118, and its first byte after "S2X," is at 122.
    // 四 is CB C4 in GBK and A5 7C in Big5; "Café" in Latin-1 has E9 at 118 + 7 = 125.
    let gbk = [b"S2X,".as_slice(), b"\xCB\xC4\xB4\xA8,G,company,env,env"].concat();
    let big5 = [b"S2X,".as_slice(), b"\xA5\x7C\xA4\x74,G,company,env,env"].concat();
    let latin1 = b"S2X,Caf\xE9 Sichuan,G,company,env,env".to_vec();
    for (line4, byte, offset) in [
        (gbk, "0xCB", 122),
        (big5, "0xA5", 122),
        (latin1, "0xE9", 125),
    ] {
        let bytes = entities_with_line4(&line4);
        let rejected = parse_with("entities.csv", &bytes, &group(), &MapStore::default())
            .expect_err("a mixed file must not be read as GBK");
        assert_eq!(rejected.errors.len(), 1, "{rejected}");
        let issue = &rejected.errors[0];
        assert_eq!(issue.code, IssueCode::UnreadableEncoding);
        assert_eq!(issue.place, Place::Line(4));
        assert_eq!(
            issue.to_string(),
            format!(
                "entities.csv:4: line is not UTF-8 (byte {byte} at offset {offset} of the file), though line 2 is UTF-8: it was probably pasted from a file in another encoding (GBK, Big5, Latin-1); type the line again, or save the whole file as UTF-8 CSV"
            )
        );
        assert!(issue.message_zh.starts_with("本行不是 UTF-8 编码"));
    }
}

#[test]
fn the_same_lines_all_in_gbk_are_read_as_gbk() {
    let text = format!(
        "{ENTITIES_HEADER}S1X,福建公司,G,company,福建,环保\nP9,合成电站,S1X,plant,福建,环保\nS2X,四川公司,G,company,四川,环保\n"
    );
    let (bytes, _, _) = encoding_rs::GBK.encode(&text);
    let parsed = parse_with("entities.csv", &bytes, &group(), &MapStore::default()).unwrap();
    assert_eq!(parsed.encoding, "GBK");
    let Payload::Entities(list) = parsed.payload else {
        panic!("not entities")
    };
    let names: Vec<&str> = list.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["福建公司", "合成电站", "四川公司"]);
}

/// The limit of any detection, found by tests/fuzz.rs: GBK bytes that are also valid UTF-8 as a
/// whole (示 alone is CA BE, which UTF-8 reads as ʾ) are read as UTF-8. It takes a file whose
/// every Chinese character happens to form UTF-8; a name or two of several characters, or one
/// character whose bytes cannot (福 is B8 A3: B8 cannot start UTF-8), and the file is GBK.
#[test]
fn gbk_bytes_that_are_also_utf8_are_read_as_utf8() {
    let (ambiguous, _, _) = encoding_rs::GBK.encode("code,name,parent,kind\nN0,示,G,plant\n");
    let parsed = parse_with("e.csv", &ambiguous, &group(), &MapStore::default()).unwrap();
    assert_eq!(parsed.encoding, "UTF-8");
    let (gbk, _, _) =
        encoding_rs::GBK.encode("code,name,parent,kind\nN0,示,G,plant\nN1,福,G,plant\n");
    let parsed = parse_with("e.csv", &gbk, &group(), &MapStore::default()).unwrap();
    assert_eq!(parsed.encoding, "GBK");
    let Payload::Entities(list) = parsed.payload else {
        panic!("not entities")
    };
    assert_eq!(list[0].name, "示");
}

#[test]
fn a_utf8_file_with_a_bom_and_a_latin1_byte_names_the_line() {
    // BOM (3) + header (37) + "S1X,Caf" (7): the Latin-1 é is at offset 47 on line 2.
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(ENTITIES_HEADER.as_bytes());
    bytes.extend(b"S1X,Caf\xE9,G,company,,\n");
    let rejected = parse_with("entities.csv", &bytes, &group(), &MapStore::default()).unwrap_err();
    assert_eq!(
        rejected.errors[0].to_string(),
        "entities.csv:2: line is not UTF-8 (byte 0xE9 at offset 47 of the file), though the file starts with the UTF-8 byte-order mark: it was probably pasted from a file in another encoding (GBK, Big5, Latin-1); type the line again, or save the whole file as UTF-8 CSV"
    );
}

#[test]
fn a_byte_that_is_neither_utf8_nor_gbk_is_named_with_its_line() {
    // Header 25 bytes + line 2 "P1,2026-01,net_profit,12\n" 25 bytes + "P1," 3: 0xFF at 53.
    let bytes =
        b"entity,period,item,value\nP1,2026-01,net_profit,12\nP1,\xFF2026-02,net_profit,13\n";
    let rejected = parse_with("data.csv", bytes, &group(), &MapStore::default()).unwrap_err();
    assert_eq!(
        rejected.errors[0].to_string(),
        "data.csv:3: byte 0xFF at offset 53 of the file is neither UTF-8 nor GBK text: save the file as UTF-8 CSV"
    );
}

#[test]
fn cr_only_line_ends_are_lines() {
    let text = "entity,period,item,value\rP1,2026-01,net_profit,12\rP1,2026-02,net_profit,x\r\rP2,2026-13,net_profit,1\r";
    assert_eq!(
        errors("data.csv", text),
        [
            "data.csv:3: value: \"x\" is not a decimal number",
            "data.csv:5: period: \"2026-13\" is not a month: the month must be 01 to 12",
        ]
    );
    // Tab-separated (Excel's "Unicode text") with CR line ends: the first line decides.
    let tabs = "entity\tperiod\titem\tvalue\rP1\t2026-01\tnet_profit\tx\r";
    assert_eq!(
        errors("data.txt", tabs),
        ["data.txt:2: value: \"x\" is not a decimal number"]
    );
    // CRLF and LF are unchanged: line 3 either way.
    for end in ["\r\n", "\n"] {
        let text = format!(
            "entity,period,item,value{end}P1,2026-01,net_profit,12{end}P1,2026-02,net_profit,x{end}"
        );
        assert_eq!(
            errors("data.csv", &text),
            ["data.csv:3: value: \"x\" is not a decimal number"]
        );
    }
}

/// A sheet's rows: strings, numbers, or numbers shown as percentages.
enum C {
    S(&'static str),
    N(f64),
    Pct(f64),
}

fn workbook(sheets: &[(&str, bool, Vec<Vec<C>>)]) -> Vec<u8> {
    let mut book = Workbook::new();
    let percent = Format::new().set_num_format("0%");
    for (name, hidden, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    C::S(s) => sheet.write_string(r, c, *s).unwrap(),
                    C::N(n) => sheet.write_number(r, c, *n).unwrap(),
                    C::Pct(n) => sheet.write_number_with_format(r, c, *n, &percent).unwrap(),
                };
            }
        }
        if *hidden {
            sheet.set_hidden(true);
        }
    }
    book.save_to_buffer().unwrap()
}

fn long_row(entity: &'static str, period: &'static str, value: f64) -> Vec<C> {
    vec![C::S(entity), C::S(period), C::S("net_profit"), C::N(value)]
}

fn long_header() -> Vec<C> {
    vec![C::S("entity"), C::S("period"), C::S("item"), C::S("value")]
}

fn fact(entity: &str, period: &str, value: &str) -> Fact {
    Fact {
        entity: code(entity),
        month: month(period),
        item: "net_profit".into(),
        value: dec(value),
        basis: Basis::Month,
    }
}

#[test]
fn every_data_sheet_of_a_workbook_is_read() {
    let bytes = workbook(&[
        (
            "福建",
            false,
            vec![
                long_header(),
                long_row("P1", "2026-01", 10.0),
                long_row("P1", "2026-02", 11.0),
            ],
        ),
        (
            "四川",
            false,
            vec![
                // Columns in another order, below a title: still the same kind of table.
                vec![C::S("四川公司 2026")],
                vec![C::S("value"), C::S("entity"), C::S("item"), C::S("period")],
                vec![C::N(20.5), C::S("S2"), C::S("net_profit"), C::S("2026-01")],
            ],
        ),
    ]);
    let parsed = parse_with("data.xlsx", &bytes, &group(), &MapStore::default()).unwrap();
    assert_eq!(parsed.rows, 3);
    let Payload::Data(facts) = parsed.payload else {
        panic!("not data");
    };
    assert_eq!(
        facts.to_facts(),
        vec![
            fact("P1", "2026-01", "10"),
            fact("P1", "2026-02", "11"),
            fact("S2", "2026-01", "20.5"),
        ]
    );
}

#[test]
fn a_figure_on_two_sheets_is_a_duplicate_naming_both() {
    let bytes = workbook(&[
        (
            "一月",
            false,
            vec![long_header(), long_row("P1", "2026-01", 10.0)],
        ),
        (
            "补报",
            false,
            vec![long_header(), long_row("P1", "2026-01", 12.0)],
        ),
    ]);
    let rejected = parse_with("data.xlsx", &bytes, &group(), &MapStore::default()).unwrap_err();
    let errors: Vec<String> = rejected.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "data.xlsx!补报!A2: P1 2026-01 net_profit is given a second time (first at cell 一月!A2); give one figure per entity, period and item, whatever the basis"
        ]
    );
}

#[test]
fn a_sheet_that_is_not_a_table_of_the_files_kind_is_named() {
    let bytes = workbook(&[
        (
            "数据",
            false,
            vec![long_header(), long_row("P1", "2026-01", 10.0)],
        ),
        (
            "备注",
            false,
            vec![vec![C::S("说明"), C::S("3 月数据待补")]],
        ),
        ("lists", true, vec![vec![C::S("P1")], vec![C::S("P2")]]),
        (
            "Entities",
            false,
            vec![
                vec![C::S("code"), C::S("name"), C::S("parent"), C::S("kind")],
                vec![C::S("P8"), C::S("新厂"), C::S("S1"), C::S("plant")],
            ],
        ),
        // The template's own instructions sheet is text, and expected.
        (
            zx_ingest::INSTRUCTIONS_SHEET,
            false,
            vec![vec![C::S("填写说明")]],
        ),
        ("empty", false, vec![]),
    ]);
    let rejected = parse_with("data.xlsx", &bytes, &group(), &MapStore::default()).unwrap_err();
    let errors: Vec<(String, String)> = rejected
        .errors
        .iter()
        .map(|e| (e.place.to_string(), e.code.to_string()))
        .collect();
    assert_eq!(
        errors,
        [
            ("!备注!A1".to_owned(), "unexpected_sheet".to_owned()),
            ("!lists!A1".to_owned(), "unexpected_sheet".to_owned()),
            ("!Entities!A1".to_owned(), "unexpected_sheet".to_owned()),
        ]
    );
    assert_eq!(
        rejected.errors[1].message,
        "sheet \"lists\" (hidden) is not a table like the one on sheet \"数据\" (its first row is \"P1\"): every sheet of a workbook is read, so that no rows are left out unseen; delete the sheet or move it to a file of its own, or give its table the same header"
    );
    assert_eq!(
        rejected.errors[0].message_zh,
        "工作表“备注”不是与工作表“数据”同类的表格（首行为“说明,3 月数据待补”）：工作簿的每张工作表都会被读取，以免遗漏数据；请删除该工作表或移到单独的文件中，或为其表格加上相同的表头"
    );
}

#[test]
fn a_hidden_sheet_with_data_is_named_not_imported_unseen() {
    let bytes = workbook(&[
        (
            "数据",
            false,
            vec![long_header(), long_row("P1", "2026-01", 10.0)],
        ),
        (
            "去年",
            true,
            vec![long_header(), long_row("P1", "2025-01", 9.0)],
        ),
    ]);
    let rejected = parse_with("data.xlsx", &bytes, &group(), &MapStore::default()).unwrap_err();
    let errors: Vec<String> = rejected.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "data.xlsx!去年!A1: sheet \"去年\" is hidden but holds a table: its rows would be imported without anyone seeing them; unhide the sheet to check it, or delete it"
        ]
    );
}

fn measures_sheet(progress: C) -> Vec<u8> {
    workbook(&[(
        "措施清单",
        false,
        vec![
            [
                "entity",
                "title",
                "indicator",
                "owner",
                "start",
                "due",
                "status",
                "progress",
            ]
            .into_iter()
            .map(C::S)
            .collect(),
            vec![
                C::S("P1"),
                C::S("降低厂用电率"),
                C::S("roe"),
                C::S("fujian"),
                C::S("2026-01-01"),
                C::S("2026-06-30"),
                C::S("in_progress"),
                progress,
            ],
        ],
    )])
}

fn progress_of(bytes: &[u8]) -> Result<u8, Vec<String>> {
    match parse_with("measures.xlsx", bytes, &group(), &MapStore::default()) {
        Ok(parsed) => match parsed.payload {
            Payload::Measures(rows) => Ok(rows[0].progress),
            other => panic!("not measures: {other:?}"),
        },
        Err(rejected) => Err(rejected.errors.iter().map(ToString::to_string).collect()),
    }
}

#[test]
fn a_percent_progress_cell_reads_as_the_csv_percentage_does() {
    // 50 % in a cell formatted 0% holds 0.5; typed as text it is "50%"; a plain number 50.
    assert_eq!(progress_of(&measures_sheet(C::Pct(0.5))), Ok(50));
    assert_eq!(progress_of(&measures_sheet(C::Pct(1.0))), Ok(100));
    assert_eq!(progress_of(&measures_sheet(C::S("50%"))), Ok(50));
    assert_eq!(progress_of(&measures_sheet(C::N(50.0))), Ok(50));
    // 12.5 % is not a whole percentage, and shows as what the clerk sees.
    assert_eq!(
        progress_of(&measures_sheet(C::Pct(0.125))),
        Err(vec![
            "measures.xlsx!H2: progress: \"12.5%\" is not a whole number from 0 to 100".to_owned()
        ])
    );
    let csv = "entity,title,indicator,owner,start,due,status,progress\nP1,降低厂用电率,roe,fujian,2026-01-01,2026-06-30,in_progress,50%\n";
    assert_eq!(progress_of(csv.as_bytes()), Ok(50));
    // Found by tests/fuzz.rs: a CSV saved from a `0.00%` column writes 90 % as `90.00%`.
    let csv = csv.replace(",50%", ",90.00%");
    assert_eq!(progress_of(csv.as_bytes()), Ok(90));
    assert_eq!(
        progress_of(csv.replace(",90.00%", ",90.5%").as_bytes()),
        Err(vec![
            "measures.xlsx:2: progress: \"90.5%\" is not a whole number from 0 to 100".to_owned()
        ])
    );
}

#[test]
fn percent_cells_elsewhere_read_as_their_csv_text_does() {
    // Targets: a ratio target may be a percent cell (it holds 0.08 for 8 %), as `8%` may be
    // typed; an amount target may not, as `8%` may not.
    let bytes = workbook(&[(
        "目标",
        false,
        vec![
            ["entity", "year", "indicator", "target"]
                .into_iter()
                .map(C::S)
                .collect(),
            vec![C::S("S1"), C::N(2026.0), C::S("roe"), C::Pct(0.08)],
            vec![C::S("S2"), C::N(2026.0), C::S("roe"), C::S("8%")],
        ],
    )]);
    let parsed = parse_with("targets.xlsx", &bytes, &group(), &MapStore::default()).unwrap();
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let target = |entity: &str| Target {
        entity: code(entity),
        year: 2026,
        indicator: "roe".into(),
        value: dec("0.08"),
    };
    assert_eq!(
        parsed.payload,
        Payload::Targets(vec![target("S1"), target("S2")])
    );

    let amount = workbook(&[(
        "目标",
        false,
        vec![
            ["entity", "year", "indicator", "target"]
                .into_iter()
                .map(C::S)
                .collect(),
            vec![C::S("S1"), C::N(2026.0), C::S("total_profit"), C::Pct(0.08)],
        ],
    )]);
    let rejected = parse_with("targets.xlsx", &amount, &group(), &MapStore::default()).unwrap_err();
    assert_eq!(
        rejected.errors[0].to_string(),
        "targets.xlsx!D2: target: \"8%\" is a percentage, but this indicator is not a ratio: write the amount"
    );
    // Data values are amounts: a percent cell is refused as CSV `12%` is.
    let data = workbook(&[(
        "数据",
        false,
        vec![
            long_header(),
            vec![
                C::S("P1"),
                C::S("2026-01"),
                C::S("net_profit"),
                C::Pct(0.12),
            ],
        ],
    )]);
    let rejected = parse_with("data.xlsx", &data, &group(), &MapStore::default()).unwrap_err();
    assert_eq!(
        rejected.errors[0].to_string(),
        "data.xlsx!D2: value: \"12%\" is formatted as a percentage, but this column holds amounts: format the cell as a number"
    );
    assert_eq!(
        errors(
            "data.csv",
            "entity,period,item,value\nP1,2026-01,net_profit,12%\n"
        ),
        ["data.csv:2: value: \"12%\" is not a decimal number"]
    );
}

/// A ZIP archive of `entries` (stored, not compressed), written by hand: a file that starts
/// like a workbook and is not one.
fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let (crc, size, len) = (crc32(data), data.len() as u32, name.len() as u16);
        out.extend(b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0");
        out.extend(crc.to_le_bytes());
        out.extend(size.to_le_bytes());
        out.extend(size.to_le_bytes());
        out.extend(len.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(name.as_bytes());
        out.extend(*data);
        central.extend(b"PK\x01\x02\x14\0\x14\0\0\0\0\0\0\0\0\0");
        central.extend(crc.to_le_bytes());
        central.extend(size.to_le_bytes());
        central.extend(size.to_le_bytes());
        central.extend(len.to_le_bytes());
        central.extend([0u8; 12]);
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let at = out.len() as u32;
    out.extend(&central);
    out.extend(b"PK\x05\x06\0\0\0\0");
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(at.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

fn first_error(name: &str, bytes: &[u8]) -> (IssueCode, String) {
    let rejected = parse_with(name, bytes, &group(), &MapStore::default()).unwrap_err();
    (rejected.errors[0].code, rejected.errors[0].to_string())
}

#[test]
fn a_zip_that_is_not_a_workbook_says_what_it_is() {
    let csvs = zip(&[("a.csv", b"entity\n"), ("b.csv", b"x\n")]);
    assert_eq!(
        first_error("data.xlsx", &csvs),
        (
            IssueCode::UnreadableWorkbook,
            "data.xlsx: file is a ZIP archive of other files (a.csv, b.csv), not an Excel workbook (it has no xl/workbook.xml): save the table as .xlsx or as UTF-8 CSV".to_owned()
        )
    );
    let rels = br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let doc_rels = br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>"#;
    let docx = zip(&[
        ("_rels/.rels", rels),
        ("word/_rels/document.xml.rels", doc_rels),
        ("word/document.xml", b"<w:document/>"),
    ]);
    assert_eq!(
        first_error("data.xlsx", &docx).1,
        "data.xlsx: file is a Word document (.docx), not an Excel workbook (it has no xl/workbook.xml): save the table as .xlsx or as UTF-8 CSV"
    );
}

#[test]
fn a_workbook_without_its_workbook_part_is_not_called_empty() {
    // A real workbook whose xl/workbook.xml entry is renamed (same length, so the ZIP stays
    // valid): the sheets are there, the part that lists them is not.
    let book = zx_ingest::write_template(&catalogue(), &group()[3], 2026, &[]).unwrap();
    let renamed = replace_all(&book, b"xl/workbook.xml", b"xl/workbook.xmz");
    let (code, line) = first_error("t.xlsx", &renamed);
    assert_eq!(code, IssueCode::UnreadableWorkbook);
    assert_eq!(
        line,
        "t.xlsx: file is an incomplete workbook: it has no xl/workbook.xml, the part that lists its sheets; save it again from Excel, or as UTF-8 CSV"
    );
    // Cut short, as an interrupted download leaves it.
    let (code, line) = first_error("t.xlsx", &book[..book.len() / 2]);
    assert_eq!(code, IssueCode::UnreadableWorkbook);
    assert!(
        line.starts_with("t.xlsx: file is a damaged or incomplete workbook ("),
        "{line}"
    );
}

fn replace_all(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i + from.len() <= out.len() {
        if &out[i..i + from.len()] == from {
            out[i..i + from.len()].copy_from_slice(to);
            i += from.len();
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn the_same_key_in_two_files_of_one_batch_names_both() {
    let catalogue = catalogue();
    let known = group();
    let store = MapStore::default();
    let ctx = zx_ingest::Context {
        catalogue: &catalogue,
        entities: &known,
        stored: &store,
        users: None,
        latest_month: None,
        locked: None,
        writable: None,
    };
    let mut batch = zx_ingest::Batch::new();
    let mut parse = |name: &str, text: &str| {
        zx_ingest::parse_in(
            zx_ingest::Input {
                file_name: name,
                bytes: text.as_bytes(),
            },
            &ctx,
            &mut batch,
        )
        .map_err(|r| r.errors.iter().map(ToString::to_string).collect::<Vec<_>>())
    };
    parse("a.csv", "code,name,parent,kind\nP7,七厂,S1,plant\n").unwrap();
    assert_eq!(
        parse(
            "b.csv",
            "code,name,parent,kind\nP6,六厂,S1,plant\nP7,七号厂,S2,plant\n"
        )
        .unwrap_err(),
        [
            "b.csv:3: code: \"P7\" is also defined in a.csv:2: one import takes each entity from one file only; remove one of the two rows"
        ]
    );
    parse("t1.csv", "entity,year,indicator,target\nS1,2026,roe,8%\n").unwrap();
    assert_eq!(
        parse("t2.csv", "entity,year,indicator,target\nS1,2026,ROE,0.09\n").unwrap_err(),
        [
            "t2.csv:2: S1 2026 roe is also given in t1.csv:2: one import takes each target from one file only; remove one of the two"
        ]
    );
    // Keys of other kinds, or other months, do not collide.
    parse(
        "d1.csv",
        "entity,period,item,value\nP1,2026-01,net_profit,1\n",
    )
    .unwrap();
    parse(
        "d2.csv",
        "entity,period,item,value\nP1,2026-02,net_profit,1\n",
    )
    .unwrap();
}

#[test]
fn a_stacks_file_is_read_the_same_way() {
    use zx_ingest::stacks::read_stacks;
    let header = "mn,entity,name,password,standard\n";
    // A UTF-8 list (1号炉) with its third line in GBK (2号炉: 2 BA C5 C2 AF).
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend("MN1,P1,1号炉,pw1,\n".as_bytes());
    bytes.extend(b"MN2,P1,2\xBA\xC5\xC2\xAF,pw2,\n");
    let rejected = read_stacks(
        zx_ingest::Input {
            file_name: "stacks.csv",
            bytes: &bytes,
        },
        &group(),
    )
    .unwrap_err();
    assert_eq!(rejected.issues[0].code, "unreadable_encoding");
    assert_eq!(rejected.issues[0].place, Place::Line(3));
    // Two sheets of stacks are both read; an MN on both is named with the first one's cell.
    let row = |mn: &'static str, plant: &'static str| {
        vec![C::S(mn), C::S(plant), C::S("炉"), C::S("pw"), C::S("")]
    };
    let head = || {
        ["mn", "entity", "name", "password", "standard"]
            .into_iter()
            .map(C::S)
            .collect::<Vec<_>>()
    };
    let book = workbook(&[
        ("一厂", false, vec![head(), row("MN1", "P1")]),
        ("二厂", false, vec![head(), row("MN2", "P2")]),
    ]);
    let input = zx_ingest::Input {
        file_name: "stacks.xlsx",
        bytes: &book,
    };
    let stacks = read_stacks(input, &group()).unwrap();
    let mns: Vec<(&str, &str)> = stacks
        .iter()
        .map(|s| (s.mn.as_str(), s.entity.as_str()))
        .collect();
    assert_eq!(mns, [("MN1", "P1"), ("MN2", "P2")]);
    let twice = workbook(&[
        ("一厂", false, vec![head(), row("MN1", "P1")]),
        ("二厂", false, vec![head(), row("MN1", "P2")]),
    ]);
    let rejected = read_stacks(
        zx_ingest::Input {
            file_name: "stacks.xlsx",
            bytes: &twice,
        },
        &group(),
    )
    .unwrap_err();
    assert_eq!(
        rejected.issues[0].to_string(),
        "stacks.xlsx!二厂!A2: mn: \"MN1\" is listed twice (first on cell 一厂!A2)"
    );
}
