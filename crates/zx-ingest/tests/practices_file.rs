//! The practices file (`id,title,body,entity,tags`): a good CSV or workbook reads into
//! practices with their tags split on `;` and exact results, and a bad one is refused with every
//! problem named by line or cell, column and value.

use rust_xlsxwriter::Workbook;
use zx_domain::{Decimal, Entity, EntityCode, EntityKind, EntityTree};
use zx_ingest::Input;
use zx_ingest::practices::read_practices;

fn tree() -> EntityTree {
    let e = |c: &str, parent: Option<&str>| Entity {
        code: EntityCode::parse(c).unwrap(),
        name: c.into(),
        parent: parent.map(|p| EntityCode::parse(p).unwrap()),
        kind: EntityKind::Plant,
        region: String::new(),
        segment: "waste-to-energy".into(),
    };
    EntityTree::build(vec![e("G", None), e("NC", Some("G"))]).unwrap()
}

#[test]
fn a_csv_reads_into_practices_with_tags_and_exact_results() {
    let csv = "id,title,body,entity,tags,result_amount,result_quantity,result_unit,result_note\n\
               P1,飞灰螯合剂配比优化,螯合剂由3%降至2.2%,NC,飞灰; 药剂；降本,860000.50,,,\n\
               P2,凝汽器胶球清洗,每日投球,NC,,,0.80,kPa,真空度提高\n";
    let list = read_practices(
        Input {
            file_name: "practices.csv",
            bytes: csv.as_bytes(),
        },
        &tree(),
    )
    .unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].code, "P1");
    assert_eq!(list[0].tags, ["飞灰", "药剂", "降本"]);
    // Exact: 860000.50 yuan.
    assert_eq!(
        list[0].result.amount,
        Some("860000.50".parse::<Decimal>().unwrap())
    );
    assert!(list[1].tags.is_empty());
    assert_eq!(
        list[1].result.quantity,
        Some("0.80".parse::<Decimal>().unwrap())
    );
    assert_eq!(list[1].result.unit, "kPa");
    assert_eq!(list[1].result.note, "真空度提高");
}

#[test]
fn a_workbook_with_chinese_headings_reads_like_the_csv() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["编号", "标题", "正文", "单位", "标签", "年效益（元）"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in [
        "P9",
        "渗滤液膜系统清洗周期优化",
        "按跨膜压差清洗",
        "NC",
        "渗滤液;水处理",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    // Excel keeps a double: 120000.5 reads back as exactly 120000.5.
    sheet.write_number(1, 5, 120000.5).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let list = read_practices(
        Input {
            file_name: "practices.xlsx",
            bytes: &bytes,
        },
        &tree(),
    )
    .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].tags, ["渗滤液", "水处理"]);
    assert_eq!(
        list[0].result.amount,
        Some("120000.5".parse::<Decimal>().unwrap())
    );
}

#[test]
fn every_bad_cell_is_named_by_line_column_and_value() {
    let csv = "id,title,body,entity,tags,result_amount,result_quantity,result_unit\n\
               P1,飞灰螯合,正文,XX,飞灰,,,\n\
               P 2,凝汽器,正文,NC,,八十万,,\n\
               P3,,正文,NC,,,0.8,\n\
               P1,重复,正文,NC,,,,kPa\n\
               P5,渗滤液,正文,N C!,,,,\n";
    let rejected = read_practices(
        Input {
            file_name: "bad.csv",
            bytes: csv.as_bytes(),
        },
        &tree(),
    )
    .unwrap_err();
    let seen: Vec<(String, &str, Option<&str>, Option<&str>)> = rejected
        .issues
        .iter()
        .map(|i| {
            (
                i.place.to_string(),
                i.code,
                i.column.as_deref(),
                i.value.as_deref(),
            )
        })
        .collect();
    let expect = |line: &str, code, column, value| (format!(":{line}"), code, column, value);
    assert_eq!(
        seen,
        vec![
            // In file order, and within a line in column order.
            expect("2", "unknown_entity", Some("entity"), Some("XX")),
            expect("3", "invalid_id", Some("id"), Some("P 2")),
            expect("3", "invalid_number", Some("result_amount"), Some("八十万")),
            expect("4", "empty_value", Some("title"), None),
            expect("4", "quantity_without_unit", Some("result_unit"), None),
            expect("5", "duplicate_row", Some("id"), Some("P1")),
            expect(
                "5",
                "unit_without_quantity",
                Some("result_unit"),
                Some("kPa")
            ),
            expect("6", "invalid_entity_code", Some("entity"), Some("N C!")),
        ]
    );
    assert!(
        rejected
            .to_string()
            .lines()
            .all(|l| l.starts_with("bad.csv:"))
    );
    // In Chinese too.
    assert!(
        rejected.issues[0]
            .to_string_zh()
            .contains("不是集团内的单位")
    );
}

#[test]
fn a_file_without_the_tags_column_is_refused() {
    let csv = "id,title,body,entity\nP1,飞灰,正文,NC\n";
    let rejected = read_practices(
        Input {
            file_name: "no-tags.csv",
            bytes: csv.as_bytes(),
        },
        &tree(),
    )
    .unwrap_err();
    assert_eq!(rejected.issues[0].code, "missing_column");
    assert!(rejected.to_string().contains("tags"), "{rejected}");
}
