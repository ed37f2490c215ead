//! Fuzzing the importers as a habit: generated data, targets, entities, stacks and measures
//! files — random rows, encodings (UTF-8 with and without BOM, GBK, UTF-16), line ends (LF,
//! CRLF, CR), quoting, blank lines, workbooks with the table split over several sheets in
//! random column orders below title rows — and the same files with random bytes changed.
//!
//! What must hold: reading never panics; a file is either accepted or refused with errors that
//! each name a line or cell (only what concerns the whole file may name none); an accepted
//! file gives back exactly the values that were written into it (computed here from the
//! generated values, not by the reader).
//!
//! Bounded for the normal test run (`cargo test`, as CI runs it): 256 cases per property by
//! default, about ten seconds in all; `PROPTEST_CASES=20000 cargo test -p zx-ingest --test fuzz`
//! fuzzes longer. A failing case proptest finds is saved in `tests/fuzz.proptest-regressions`
//! (committed, replayed first on every run); every input that ever broke something is also a
//! named test in `file_reading.rs`.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook};
use zx_domain::{Basis, Entity, EntityKind, Fact, MeasureStatus, Target};
use zx_ingest::stacks::read_stacks;
use zx_ingest::{Input, IssueCode, Payload, Place, Rejected};

/// 256 cases by default (`PROPTEST_CASES` raises it: proptest reads it for its default);
/// failures are kept in `tests/fuzz.proptest-regressions` and replayed first.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/fuzz.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Writing files: encodings, line ends, CSV quoting, workbooks.

#[derive(Debug, Clone, Copy)]
enum Encoding {
    Utf8,
    Utf8Bom,
    Gbk,
    Utf16Le,
}

fn any_encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![
        Just(Encoding::Utf8),
        Just(Encoding::Utf8Bom),
        Just(Encoding::Gbk),
        Just(Encoding::Utf16Le),
    ]
}

fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        // GB18030, GBK's superset as the reader decodes it: every character has a code.
        Encoding::Gbk => encoding_rs::GB18030.encode(text).0.into_owned(),
        Encoding::Utf16Le => {
            let mut bytes = b"\xFF\xFE".to_vec();
            bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            bytes
        }
    }
}

fn any_line_end() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("\n"), Just("\r\n"), Just("\r")]
}

/// A CSV field: quoted when it holds a comma, a quote or a line end, quotes doubled.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// How a table is laid out in a CSV: line ends, blank lines after some rows, encoding.
#[derive(Debug, Clone)]
struct CsvShape {
    end: &'static str,
    blank_after: Vec<bool>,
    encoding: Encoding,
}

fn any_csv_shape() -> impl Strategy<Value = CsvShape> {
    (
        any_line_end(),
        prop::collection::vec(prop::bool::weighted(0.1), 64),
        any_encoding(),
    )
        .prop_map(|(end, blank_after, encoding)| CsvShape {
            end,
            blank_after,
            encoding,
        })
}

/// GBK bytes that are valid UTF-8 as a whole (示 alone is CA BE, UTF-8 for ʾ; 水 alone CB AE,
/// ˮ) are read as UTF-8: nothing in the bytes tells them apart (see file_reading.rs). Found by
/// these tests; the round trips skip such files.
fn ambiguous(bytes: &[u8], workbook: bool, shape: &CsvShape) -> bool {
    !workbook && matches!(shape.encoding, Encoding::Gbk) && std::str::from_utf8(bytes).is_ok()
}

fn csv(header: &[&str], rows: &[Vec<String>], shape: &CsvShape) -> Vec<u8> {
    let mut text = header.join(",");
    text.push_str(shape.end);
    for (i, row) in rows.iter().enumerate() {
        let fields: Vec<String> = row.iter().map(|f| field(f)).collect();
        text.push_str(&fields.join(","));
        text.push_str(shape.end);
        if shape.blank_after.get(i % 64).copied().unwrap_or(false) {
            text.push_str(shape.end);
        }
    }
    encode(&text, shape.encoding)
}

/// A workbook cell.
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    /// A number cell (an f64 in the file; the generated decimals all fit one exactly).
    Number(Decimal),
    /// A number formatted as a percentage (0.5 shows 50%).
    Percent(Decimal),
}

/// How a table is laid out in a workbook: split over sheets, each in its own column order,
/// below title rows, shifted right.
#[derive(Debug, Clone)]
struct BookShape {
    /// Where each sheet's share of the rows starts (sorted; the first sheet starts at 0).
    splits: Vec<usize>,
    /// Per sheet: title rows (0–2), column offset (0–2), a seed for the column order.
    sheets: Vec<(usize, u16, u64)>,
}

fn any_book_shape() -> impl Strategy<Value = BookShape> {
    (
        prop::collection::vec(0usize..64, 0..3),
        prop::collection::vec((0usize..3, 0u16..3, any::<u64>()), 3),
    )
        .prop_map(|(mut splits, sheets)| {
            splits.sort_unstable();
            BookShape { splits, sheets }
        })
}

/// A permutation of `0..n` from a seed.
fn permutation(n: usize, mut seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = (seed >> 33) as usize % (i + 1);
        order.swap(i, j);
    }
    order
}

fn xlsx(header: &[&str], rows: &[Vec<Cell>], shape: &BookShape) -> Vec<u8> {
    let mut book = Workbook::new();
    let percent = Format::new().set_num_format("0%");
    let mut bounds: Vec<usize> = vec![0];
    bounds.extend(shape.splits.iter().map(|&s| s.min(rows.len())));
    bounds.push(rows.len());
    for (sheet_index, pair) in bounds.windows(2).enumerate() {
        let (titles, offset, seed) = shape.sheets[sheet_index % shape.sheets.len()];
        let order = permutation(header.len(), seed);
        let sheet = book.add_worksheet();
        for t in 0..titles {
            sheet
                .write_string(t as u32, offset, format!("第 {t} 行标题"))
                .unwrap();
        }
        let top = titles as u32;
        for (c, &i) in order.iter().enumerate() {
            sheet
                .write_string(top, offset + c as u16, header[i])
                .unwrap();
        }
        for (r, row) in rows[pair[0]..pair[1]].iter().enumerate() {
            for (c, &i) in order.iter().enumerate() {
                let (r, c) = (top + 1 + r as u32, offset + c as u16);
                match &row[i] {
                    Cell::Text(t) if t.is_empty() => {}
                    Cell::Text(t) => {
                        sheet.write_string(r, c, t).unwrap();
                    }
                    Cell::Number(n) => {
                        sheet.write_number(r, c, n.to_f64().unwrap()).unwrap();
                    }
                    Cell::Percent(n) => {
                        sheet
                            .write_number_with_format(r, c, n.to_f64().unwrap(), &percent)
                            .unwrap();
                    }
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Values.

/// Characters names are made of: common GB2312 characters, three GBK-only ones found in names
/// (堃 喆 镕: their GBK bytes include 0x80–0xA0), and ASCII with the CSV specials.
const NAME_CHARS: &str = "福建四川广东浙江苏湖南北山河合成电站公司集团环保水务垃圾发厂新能源有限责任示例晋南充都厦门堃喆镕ABCxyz0123-_ ,\"'()（）";

fn any_name() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(NAME_CHARS.chars().collect::<Vec<_>>()),
        1..12,
    )
    .prop_map(|chars| chars.into_iter().collect::<String>().trim().to_owned())
    .prop_filter("not blank", |s| !s.is_empty())
}

/// An exact decimal of at most 14 significant digits: a workbook number cell (an f64) holds it
/// exactly.
fn any_amount() -> impl Strategy<Value = Decimal> {
    (-99_999_999_999i64..99_999_999_999, 0u32..4).prop_map(|(m, s)| Decimal::new(m, s))
}

fn number_cell(value: Decimal, as_text: bool) -> Cell {
    if as_text {
        Cell::Text(value.to_string())
    } else {
        Cell::Number(value)
    }
}

const ENTITIES: [&str; 5] = ["G", "S1", "S2", "P1", "P2"];
const ITEMS: [&str; 9] = [
    "operating_revenue",
    "total_profit",
    "net_profit",
    "operating_cash_flow",
    "rd_expenditure",
    "value_added",
    "avg_employees",
    "total_assets",
    "total_liabilities",
];

fn accepted(result: Result<zx_ingest::ParsedFile, Rejected>) -> Payload {
    match result {
        Ok(parsed) => parsed.payload,
        Err(rejected) => panic!("a valid file was refused:\n{rejected}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips: what was written is what is read.

/// Figures keyed by (entity, month 1–12 of 2026, item): unique, as a valid file has them.
fn any_figures() -> impl Strategy<Value = BTreeMap<(usize, u32, usize), (Decimal, bool)>> {
    prop::collection::btree_map(
        (0..ENTITIES.len(), 1u32..=12, 0..ITEMS.len()),
        (any_amount(), any::<bool>()),
        1..40,
    )
}

fn expected_facts(figures: &BTreeMap<(usize, u32, usize), (Decimal, bool)>) -> Vec<Fact> {
    let mut facts: Vec<Fact> = figures
        .iter()
        .map(|(&(e, m, i), &(v, _))| Fact {
            entity: code(ENTITIES[e]),
            month: month(&format!("2026-{m:02}")),
            item: ITEMS[i].to_owned(),
            value: if ITEMS[i] == "avg_employees" {
                v.abs()
            } else {
                v
            },
            basis: Basis::Month,
        })
        .collect();
    facts.sort_by(|a, b| (&a.entity, a.month, &a.item).cmp(&(&b.entity, b.month, &b.item)));
    facts
}

fn sorted_facts(payload: Payload) -> Vec<Fact> {
    let Payload::Data(facts) = payload else {
        panic!("not data: {payload:?}")
    };
    let mut facts = facts.to_facts();
    facts.sort_by(|a, b| (&a.entity, a.month, &a.item).cmp(&(&b.entity, b.month, &b.item)));
    facts
}

const DATA_HEADER: [&str; 5] = ["entity", "period", "item", "value", "basis"];

fn data_rows(figures: &BTreeMap<(usize, u32, usize), (Decimal, bool)>) -> Vec<Vec<Cell>> {
    figures
        .iter()
        .map(|(&(e, m, i), &(v, as_text))| {
            let v = if ITEMS[i] == "avg_employees" {
                v.abs()
            } else {
                v
            };
            vec![
                Cell::Text(ENTITIES[e].into()),
                Cell::Text(format!("2026-{m:02}")),
                Cell::Text(ITEMS[i].into()),
                number_cell(v, as_text),
                Cell::Text(if as_text { "month" } else { "" }.into()),
            ]
        })
        .collect()
}

fn as_text(rows: &[Vec<Cell>]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Cell::Text(t) => t.clone(),
                    Cell::Number(n) => n.to_string(),
                    Cell::Percent(n) => format!("{}%", n * Decimal::ONE_HUNDRED),
                })
                .collect()
        })
        .collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_data_csv_reads_back_what_was_written(figures in any_figures(), shape in any_csv_shape()) {
        let bytes = csv(&DATA_HEADER, &as_text(&data_rows(&figures)), &shape);
        let facts = sorted_facts(accepted(parse_with("data.csv", &bytes, &group(), &MapStore::default())));
        prop_assert_eq!(facts, expected_facts(&figures));
    }

    #[test]
    fn a_data_workbook_reads_back_what_was_written(figures in any_figures(), shape in any_book_shape()) {
        let bytes = xlsx(&DATA_HEADER, &data_rows(&figures), &shape);
        let facts = sorted_facts(accepted(parse_with("data.xlsx", &bytes, &group(), &MapStore::default())));
        prop_assert_eq!(facts, expected_facts(&figures));
    }
}

/// New entities below the example group: unique codes, names with CSV specials and Chinese.
fn any_entities() -> impl Strategy<Value = Vec<Entity>> {
    prop::collection::btree_map(
        "N[A-Z0-9]{1,6}",
        (
            any_name(),
            prop::sample::select(vec!["G", "S1", "S2"]),
            prop::sample::select(vec![EntityKind::Plant, EntityKind::Company]),
            prop::option::of(any_name()),
        ),
        1..20,
    )
    .prop_map(|map| {
        map.into_iter()
            .map(|(c, (name, parent, kind, region))| Entity {
                code: code(&c),
                name,
                parent: Some(code(parent)),
                kind,
                region: region.unwrap_or_default(),
                segment: String::new(),
            })
            .collect()
    })
}

fn entity_rows(list: &[Entity]) -> Vec<Vec<Cell>> {
    list.iter()
        .map(|e| {
            vec![
                Cell::Text(e.code.as_str().into()),
                Cell::Text(e.name.clone()),
                Cell::Text(e.parent.as_ref().map_or("", |p| p.as_str()).into()),
                Cell::Text(e.kind.as_str().into()),
                Cell::Text(e.region.clone()),
                Cell::Text(String::new()),
            ]
        })
        .collect()
}

const ENTITIES_HEADER: [&str; 6] = ["code", "name", "parent", "kind", "region", "segment"];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn an_entities_file_reads_back_what_was_written(
        list in any_entities(),
        shape in any_csv_shape(),
        book in any_book_shape(),
        workbook in any::<bool>(),
    ) {
        let rows = entity_rows(&list);
        let (name, bytes) = if workbook {
            ("entities.xlsx", xlsx(&ENTITIES_HEADER, &rows, &book))
        } else {
            ("entities.csv", csv(&ENTITIES_HEADER, &as_text(&rows), &shape))
        };
        prop_assume!(!ambiguous(&bytes, workbook, &shape));
        let payload = accepted(parse_with(name, &bytes, &group(), &MapStore::default()));
        let Payload::Entities(mut read) = payload else { panic!("not entities") };
        read.sort_by(|a, b| a.code.cmp(&b.code));
        prop_assert_eq!(read, list);
    }

    /// A UTF-8 list with one of its lines in GBK is refused on that line, never read as GBK.
    #[test]
    fn a_utf8_list_with_one_gbk_line_is_refused_on_that_line(
        list in any_entities(),
        pick in any::<prop::sample::Index>(),
        end in any_line_end(),
    ) {
        let rows = as_text(&entity_rows(&list));
        let line = |row: &Vec<String>| {
            row.iter().map(|f| field(f)).collect::<Vec<_>>().join(",")
        };
        // Line 2 is UTF-8 Chinese (示例: its bytes speak for UTF-8); the GBK line is 3 or later.
        let at = pick.index(rows.len());
        let mut bytes = format!("{}{end}P0,示例厂,S1,plant,,{end}", ENTITIES_HEADER.join(",")).into_bytes();
        for (i, row) in rows.iter().enumerate() {
            if i == at {
                let text = line(row);
                let (gbk, _, _) = encoding_rs::GBK.encode(&text);
                prop_assume!(std::str::from_utf8(&gbk).is_err());
                bytes.extend_from_slice(&gbk);
            } else {
                bytes.extend_from_slice(line(row).as_bytes());
            }
            bytes.extend_from_slice(end.as_bytes());
        }
        let rejected = parse_with("entities.csv", &bytes, &group(), &MapStore::default())
            .expect_err("read as GBK");
        prop_assert_eq!(rejected.errors[0].code, IssueCode::UnreadableEncoding);
        prop_assert_eq!(&rejected.errors[0].place, &Place::Line(at + 3));
    }
}

/// Targets: ratio indicators as fractions, `%` text or percent cells; amounts as numbers.
fn any_targets() -> impl Strategy<Value = BTreeMap<(usize, i32, usize), (Decimal, u8)>> {
    prop::collection::btree_map(
        (0..ENTITIES.len(), 2020i32..2031, 0..INDICATORS.len()),
        ((0i64..10_000).prop_map(|n| Decimal::new(n, 4)), 0u8..3),
        1..30,
    )
}

/// (id, is a ratio)
const INDICATORS: [(&str, bool); 4] = [
    ("total_profit", false),
    ("asset_liability_ratio", true),
    ("roe", true),
    ("labour_productivity", false),
];

fn target_rows(targets: &BTreeMap<(usize, i32, usize), (Decimal, u8)>) -> Vec<Vec<Cell>> {
    targets
        .iter()
        .map(|(&(e, year, i), &(v, how))| {
            let (id, ratio) = INDICATORS[i];
            let value = match (ratio, how) {
                // 0.1234 written as 12.34%, as a percent cell, or as the fraction.
                (true, 0) => Cell::Text(format!("{}%", v * Decimal::ONE_HUNDRED)),
                (true, 1) => Cell::Percent(v),
                (_, 2) => number_cell(v, true),
                _ => number_cell(v, false),
            };
            vec![
                Cell::Text(ENTITIES[e].into()),
                Cell::Number(Decimal::from(year)),
                Cell::Text(id.into()),
                value,
            ]
        })
        .collect()
}

fn expected_targets(targets: &BTreeMap<(usize, i32, usize), (Decimal, u8)>) -> Vec<Target> {
    targets
        .iter()
        .map(|(&(e, year, i), &(v, _))| Target {
            entity: code(ENTITIES[e]),
            year,
            indicator: INDICATORS[i].0.into(),
            value: v,
        })
        .collect()
}

const TARGETS_HEADER: [&str; 4] = ["entity", "year", "indicator", "target"];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_targets_file_reads_back_what_was_written(
        targets in any_targets(),
        shape in any_csv_shape(),
        book in any_book_shape(),
        workbook in any::<bool>(),
    ) {
        let rows = target_rows(&targets);
        let (name, bytes) = if workbook {
            ("targets.xlsx", xlsx(&TARGETS_HEADER, &rows, &book))
        } else {
            ("targets.csv", csv(&TARGETS_HEADER, &as_text(&rows), &shape))
        };
        let payload = accepted(parse_with(name, &bytes, &group(), &MapStore::default()));
        let Payload::Targets(mut read) = payload else { panic!("not targets") };
        read.sort_by(|a, b| (&a.entity, a.year, &a.indicator).cmp(&(&b.entity, b.year, &b.indicator)));
        let mut expected = expected_targets(&targets);
        expected.sort_by(|a, b| (&a.entity, a.year, &a.indicator).cmp(&(&b.entity, b.year, &b.indicator)));
        prop_assert_eq!(read, expected);
    }
}

/// Measures: progress as a number, `n%` text or a percent cell; dates as text.
#[derive(Debug, Clone)]
struct MeasureSpec {
    entity: usize,
    title: String,
    indicator: Option<&'static str>,
    start: Option<u32>,
    due: u32,
    status: MeasureStatus,
    progress: u8,
    progress_as: u8,
}

fn any_measures() -> impl Strategy<Value = Vec<MeasureSpec>> {
    prop::collection::vec(
        (
            0..ENTITIES.len(),
            any_name(),
            prop::option::of(prop::sample::select(vec!["roe", "total_profit"])),
            prop::option::of(0u32..200),
            0u32..200,
            prop::sample::select(vec![
                MeasureStatus::Planned,
                MeasureStatus::InProgress,
                MeasureStatus::Done,
                MeasureStatus::Cancelled,
            ]),
            0u8..=100,
            0u8..3,
        )
            .prop_map(
                |(entity, title, indicator, start, due, status, progress, progress_as)| {
                    // A start after the due date is an error: keep the generated ones valid.
                    let start = start.map(|s| s.min(due));
                    MeasureSpec {
                        entity,
                        title,
                        indicator,
                        start,
                        due,
                        status,
                        progress,
                        progress_as,
                    }
                },
            ),
        1..15,
    )
}

fn day(offset: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(u64::from(offset))
}

const MEASURES_HEADER: [&str; 8] = [
    "entity",
    "title",
    "indicator",
    "owner",
    "start",
    "due",
    "status",
    "progress",
];

fn measure_rows(list: &[MeasureSpec]) -> Vec<Vec<Cell>> {
    list.iter()
        .map(|m| {
            let progress = match m.progress_as {
                0 => Cell::Text(format!("{}%", m.progress)),
                1 => Cell::Percent(Decimal::new(i64::from(m.progress), 2)),
                _ => Cell::Number(Decimal::from(m.progress)),
            };
            vec![
                Cell::Text(ENTITIES[m.entity].into()),
                Cell::Text(m.title.clone()),
                Cell::Text(m.indicator.unwrap_or("").into()),
                Cell::Text("fujian".into()),
                Cell::Text(m.start.map(|s| day(s).to_string()).unwrap_or_default()),
                Cell::Text(day(m.due).to_string()),
                Cell::Text(m.status.as_str().into()),
                progress,
            ]
        })
        .collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_measures_list_reads_back_what_was_written(
        list in any_measures(),
        shape in any_csv_shape(),
        book in any_book_shape(),
        workbook in any::<bool>(),
    ) {
        let rows = measure_rows(&list);
        let (name, bytes) = if workbook {
            ("measures.xlsx", xlsx(&MEASURES_HEADER, &rows, &book))
        } else {
            ("measures.csv", csv(&MEASURES_HEADER, &as_text(&rows), &shape))
        };
        prop_assume!(!ambiguous(&bytes, workbook, &shape));
        let payload = accepted(parse_with(name, &bytes, &group(), &MapStore::default()));
        let Payload::Measures(read) = payload else { panic!("not measures") };
        // Sheets keep their rows' order, so the rows come back in order.
        let got: Vec<_> = read
            .iter()
            .map(|r| (r.entity.as_str().to_owned(), r.title.clone(), r.indicator.clone(), r.start, r.due, r.status, r.progress))
            .collect();
        let want: Vec<_> = list
            .iter()
            .map(|m| (ENTITIES[m.entity].to_owned(), m.title.clone(), m.indicator.map(str::to_owned), m.start.map(day), day(m.due), m.status, m.progress))
            .collect();
        prop_assert_eq!(got, want);
    }
}

/// Stacks: unique MNs, plants of the example group, passwords of printable characters.
fn any_stacks() -> impl Strategy<Value = BTreeMap<String, (usize, String, String)>> {
    prop::collection::btree_map(
        "[A-Za-z0-9]{1,24}",
        (0usize..2, any_name(), "[A-Za-z0-9!#%*+./:?@^_~]{1,32}"),
        1..15,
    )
}

const STACKS_HEADER: [&str; 5] = ["mn", "entity", "name", "password", "standard"];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_stacks_file_reads_back_what_was_written(
        stacks in any_stacks(),
        shape in any_csv_shape(),
        book in any_book_shape(),
        workbook in any::<bool>(),
    ) {
        let plants = ["P1", "P2"];
        let rows: Vec<Vec<Cell>> = stacks
            .iter()
            .map(|(mn, (plant, name, password))| {
                vec![
                    Cell::Text(mn.clone()),
                    Cell::Text(plants[*plant].into()),
                    Cell::Text(name.clone()),
                    Cell::Text(password.clone()),
                    Cell::Text(String::new()),
                ]
            })
            .collect();
        let (name, bytes) = if workbook {
            ("stacks.xlsx", xlsx(&STACKS_HEADER, &rows, &book))
        } else {
            ("stacks.csv", csv(&STACKS_HEADER, &as_text(&rows), &shape))
        };
        prop_assume!(!ambiguous(&bytes, workbook, &shape));
        let read = match read_stacks(Input { file_name: name, bytes: &bytes }, &group()) {
            Ok(read) => read,
            Err(rejected) => panic!("a valid stack file was refused:\n{rejected}"),
        };
        let got: BTreeMap<String, (String, String, String, String)> = read
            .into_iter()
            .map(|s| (s.mn, (s.entity.as_str().to_owned(), s.name, s.password, s.standard)))
            .collect();
        let want: BTreeMap<String, (String, String, String, String)> = stacks
            .iter()
            .map(|(mn, (plant, name, password))| {
                (mn.clone(), (plants[*plant].to_owned(), name.clone(), password.clone(), "gb18485-2014".to_owned()))
            })
            .collect();
        prop_assert_eq!(got, want);
    }
}

// ---------------------------------------------------------------------------------------------
// Broken files: the same files with random bytes changed, and random rows.

/// Codes that may be reported on the file as a whole; every other error names a line or cell.
const FILE_LEVEL: [IssueCode; 5] = [
    IssueCode::EmptyFile,
    IssueCode::UnreadableEncoding,
    IssueCode::UnreadableWorkbook,
    IssueCode::UnreadableCsv,
    IssueCode::TooManyErrors,
];

/// Lines a text file has (LF, CRLF or a lone CR ends one; UTF-16 has the same bytes 0A/0D).
fn line_count(bytes: &[u8]) -> usize {
    let ends = bytes
        .iter()
        .enumerate()
        .filter(|&(i, b)| *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    ends + 1
}

fn check_answer(name: &str, bytes: &[u8], result: &Result<zx_ingest::ParsedFile, Rejected>) {
    let Err(rejected) = result else { return };
    assert!(!rejected.errors.is_empty(), "refused without an error");
    assert!(rejected.errors.len() <= zx_ingest::MAX_ERRORS + 1);
    let lines = line_count(bytes);
    for issue in &rejected.errors {
        assert!(issue.to_string().starts_with(name), "{issue}");
        match &issue.place {
            Place::File => assert!(
                FILE_LEVEL.contains(&issue.code),
                "{issue}: {} should name a line or cell",
                issue.code
            ),
            Place::Line(line) => assert!((1..=lines).contains(line), "{issue}: {lines} lines"),
            Place::Cell { cell, .. } => assert!(!cell.is_empty()),
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Delete(prop::sample::Index),
    Truncate(prop::sample::Index),
}

fn any_mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(
        prop_oneof![
            (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
            (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
            any::<prop::sample::Index>().prop_map(Mutation::Delete),
            any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        ],
        1..5,
    )
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        if bytes.is_empty() {
            break;
        }
        match m {
            Mutation::Flip(i, b) => {
                let i = i.index(bytes.len());
                bytes[i] ^= b | 1;
            }
            Mutation::Insert(i, b) => {
                let i = i.index(bytes.len() + 1);
                bytes.insert(i, *b);
            }
            Mutation::Delete(i) => {
                let i = i.index(bytes.len());
                bytes.remove(i);
            }
            Mutation::Truncate(i) => {
                let i = i.index(bytes.len());
                bytes.truncate(i);
            }
        }
    }
    bytes
}

/// A row of cells, each valid or not, for files that are mostly wrong.
fn any_cell_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "",
            "P1",
            "S2",
            "PX",
            "G",
            "2026-01",
            "2026-13",
            "2026-1",
            "2206-03",
            "net_profit",
            "net_assets",
            "avg_employees",
            "roe",
            "month",
            "ytd",
            "cum",
            "12x",
            "-3",
            "1e3",
            "50%",
            "１２",
            "2026",
            "plant",
            "集团",
            "a,b",
            "\"",
            "\u{FEFF}",
            "done",
            "2026-02-30",
        ])
        .prop_map(str::to_owned),
        any_amount().prop_map(|d| d.to_string()),
        any_name(),
    ]
}

fn any_header() -> impl Strategy<Value = Vec<&'static str>> {
    prop::sample::select(vec![
        DATA_HEADER.to_vec(),
        ENTITIES_HEADER.to_vec(),
        TARGETS_HEADER.to_vec(),
        MEASURES_HEADER.to_vec(),
        vec!["entity", "item", "basis", "2026-01", "2026-02"],
        vec!["entity", "period", "item"],
        vec!["foo", "bar"],
    ])
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_rows_are_accepted_or_refused_line_by_line(
        header in any_header(),
        rows in prop::collection::vec(prop::collection::vec(any_cell_text(), 0..7), 0..25),
        shape in any_csv_shape(),
    ) {
        let bytes = csv(&header, &rows, &shape);
        let result = parse_with("fuzz.csv", &bytes, &group(), &MapStore::default());
        check_answer("fuzz.csv", &bytes, &result);
    }

    #[test]
    fn random_rows_in_a_workbook_are_accepted_or_refused_cell_by_cell(
        header in any_header(),
        rows in prop::collection::vec(prop::collection::vec(any_cell_text(), 8), 0..20),
        book in any_book_shape(),
    ) {
        let width = header.len();
        let cells: Vec<Vec<Cell>> = rows
            .into_iter()
            .map(|row| row.into_iter().take(width).map(Cell::Text).collect())
            .collect();
        let bytes = xlsx(&header, &cells, &book);
        let result = parse_with("fuzz.xlsx", &bytes, &group(), &MapStore::default());
        check_answer("fuzz.xlsx", &bytes, &result);
    }

    #[test]
    fn a_valid_file_with_random_bytes_changed_never_panics(
        figures in any_figures(),
        shape in any_csv_shape(),
        book in any_book_shape(),
        workbook in any::<bool>(),
        mutations in any_mutations(),
    ) {
        let rows = data_rows(&figures);
        let (name, bytes) = if workbook {
            ("data.xlsx", xlsx(&DATA_HEADER, &rows, &book))
        } else {
            ("data.csv", csv(&DATA_HEADER, &as_text(&rows), &shape))
        };
        let bytes = mutate(bytes, &mutations);
        let result = parse_with(name, &bytes, &group(), &MapStore::default());
        check_answer(name, &bytes, &result);
        let stacks = read_stacks(Input { file_name: name, bytes: &bytes }, &group());
        if let Err(rejected) = stacks {
            prop_assert!(!rejected.issues.is_empty());
        }
    }
}

/// The generated names need GBK: every character of the pools is in it.
#[test]
fn the_name_pool_is_gbk() {
    let (_, _, unmappable) = encoding_rs::GBK.encode(NAME_CHARS);
    assert!(!unmappable);
    let known: BTreeSet<char> = NAME_CHARS.chars().collect();
    assert!(known.contains(&'堃'));
}
