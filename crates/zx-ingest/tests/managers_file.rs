//! The manager register file: a good file reads into terms with their years (rows of one term
//! grouped), and a bad one is refused with every problem named by line, column and value.

use zx_domain::managers::{OutcomeKind, Rating};
use zx_domain::{Entity, EntityCode, EntityKind};
use zx_ingest::Input;
use zx_ingest::managers::read_managers;

fn entities() -> Vec<Entity> {
    ["FJ", "SC"]
        .iter()
        .map(|c| Entity {
            code: EntityCode::parse(c).unwrap(),
            name: (*c).into(),
            parent: None,
            kind: EntityKind::Subsidiary,
            region: String::new(),
            segment: String::new(),
        })
        .collect()
}

const HEADER: &str = "任期编号,单位编码,人员编号,姓名,职务,任期开始,任期结束,契约签订日期,年度,年度目标,\
                      年度考核结果,年薪（元）,任期结果,结果日期,结果原因,不胜任退出\n";

#[test]
fn rows_of_one_term_are_read_as_one_term_with_its_years() {
    let csv = format!(
        "{HEADER}\
         ,FJ,E1,王一,总经理,2025-01-01,2027-12-31,2025-01-10,2025,利润 1 亿,优秀,680000.50,,,,\n\
         ,FJ,E1,王一,总经理,2025-01-01,2027-12-31,2025-01-10,2026,利润 1.1 亿,,,,,,\n\
         7,SC,E2,李二,副总经理,2024-01-01,2026-12-31,,,,,,退出,2026-06-30,不胜任,是\n"
    );
    let terms = read_managers(
        Input {
            file_name: "managers.csv",
            bytes: csv.as_bytes(),
        },
        &entities(),
    )
    .unwrap();
    assert_eq!(terms.len(), 2);
    assert_eq!(terms[0].id, None);
    assert_eq!(terms[0].years.len(), 2);
    assert_eq!(terms[0].years[0].rating, Some(Rating::Excellent));
    // Exact: 680000.50 yuan (equal whatever the places kept).
    assert_eq!(
        terms[0].years[0].pay,
        Some("680000.50".parse::<zx_domain::Decimal>().unwrap())
    );
    assert_eq!(terms[0].years[1].rating, None);
    assert_eq!(terms[1].id, Some(7));
    let outcome = terms[1].outcome.as_ref().unwrap();
    assert_eq!(outcome.kind, OutcomeKind::Exited);
    assert!(outcome.for_performance);
    assert!(terms[1].years.is_empty() && terms[1].contract_signed.is_none());
}

#[test]
fn every_problem_is_named_by_line_column_and_value() {
    let csv = format!(
        "{HEADER}\
         ,XX,E1,王一,总经理,2025-01-01,2027-12-31,,2025,,良好,-5,,,,\n\
         ,FJ,E2,李二,总经理,2025-13-01,2027-12-31,,,,,,降级,2026-01-01,,\n\
         ,FJ,E3,张三,总经理,2025-01-01,2027-12-31,,2025,,,,,,,\n\
         ,FJ,E3,张三,财务总监,2025-01-01,2027-12-31,,2026,,,,,,,\n\
         ,FJ,E4,赵四,总经理,2025-01-01,2024-12-31,,,,,,,,,\n"
    );
    let rejected = read_managers(
        Input {
            file_name: "bad.csv",
            bytes: csv.as_bytes(),
        },
        &entities(),
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
            expect("2", "unknown_entity", Some("entity"), Some("XX")),
            expect("2", "invalid_rating", Some("rating"), Some("良好")),
            expect("2", "invalid_number", Some("pay"), Some("-5")),
            expect("3", "invalid_date", Some("start"), Some("2025-13-01")),
            expect("3", "invalid_outcome", Some("outcome"), Some("降级")),
            // Line 5 repeats line 4's term (same person, unit and start) with another position.
            expect("5", "term_differs", None, None),
            expect("6", "ends_before_start", Some("end"), Some("2024-12-31")),
        ]
    );
    // Each names the file.
    assert!(
        rejected
            .to_string()
            .lines()
            .all(|l| l.starts_with("bad.csv:"))
    );
}
