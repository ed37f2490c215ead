//! The safety file readers on what offices actually send: GBK text, workbooks with two sheets of
//! one register, a sheet of another kind, duplicates across files and the import's references.

use zx_domain::safety::{PersonRole, PlanKind};
use zx_domain::{Entity, EntityCode, EntityKind};
use zx_ingest::Input;
use zx_ingest::safety::{KnownSafety, SafetyFileKind, read_safety_files, sniff_safety};

fn input<'a>(name: &'a str, bytes: &'a [u8]) -> Input<'a> {
    Input {
        file_name: name,
        bytes,
    }
}

fn lines(rejected: &zx_ingest::safety::SafetyRejected) -> Vec<String> {
    rejected.errors.iter().map(ToString::to_string).collect()
}

#[test]
fn a_gbk_staff_list_reads_as_its_utf8_twin() {
    let text =
        "person,entity,role,role_since,hired\n张伟,P1,safety_manager,2026-03-01,2019-05-01\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    let read = read_safety_files(&[input("人员.csv", &gbk)], &KnownSafety::default()).unwrap();
    assert_eq!(read.files[0].kind, SafetyFileKind::People);
    assert_eq!(read.files[0].encoding, "GBK");
    let person = &read.records.people[0];
    assert_eq!(person.person, "张伟");
    assert_eq!(person.role, PersonRole::SafetyManager);
}

fn workbook(sheets: &[(&str, &[&[&str]])]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, *cell).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn every_sheet_of_a_register_is_read_and_another_kind_is_refused() {
    let header: &[&str] = &["entity", "plan", "kind", "approved"];
    let book = workbook(&[
        ("一厂", &[header, &["P1", "pump", "onsite", "2025-01-10"]]),
        // Columns in another order on the second sheet.
        (
            "二厂",
            &[
                &["plan", "entity", "approved", "kind"],
                &["flood", "P2", "2026-03-15", "special"],
            ],
        ),
    ]);
    let read = read_safety_files(&[input("plans.xlsx", &book)], &KnownSafety::default()).unwrap();
    let plans: Vec<(&str, &str, PlanKind)> = read
        .records
        .plans
        .iter()
        .map(|p| (p.entity.as_str(), p.plan.as_str(), p.kind))
        .collect();
    assert_eq!(
        plans,
        [
            ("P1", "pump", PlanKind::Onsite),
            ("P2", "flood", PlanKind::Special)
        ]
    );
    assert_eq!(read.files[0].rows, 2);

    // A drills sheet beside the plans: refused, naming the sheet.
    let mixed = workbook(&[
        ("plans", &[header, &["P1", "pump", "onsite", "2025-01-10"]]),
        (
            "drills",
            &[
                &["entity", "plan", "date", "joint_with"],
                &["P1", "pump", "2026-06-30", ""],
            ],
        ),
    ]);
    let rejected =
        read_safety_files(&[input("mixed.xlsx", &mixed)], &KnownSafety::default()).unwrap_err();
    assert_eq!(rejected.errors[0].code.as_str(), "unexpected_sheet");
    assert!(
        lines(&rejected)[0].contains("drills"),
        "{:?}",
        lines(&rejected)
    );
}

#[test]
fn a_bad_cell_in_a_workbook_names_its_sheet_and_cell() {
    let book = workbook(&[(
        "Sheet1",
        &[
            &[
                "person",
                "type",
                "number",
                "issued",
                "expires",
                "last_review",
            ],
            &["W1", "电工作业", "T-1", "2020-08-31", "2020-08-30", ""],
        ],
    )]);
    let rejected =
        read_safety_files(&[input("certs.xlsx", &book)], &KnownSafety::default()).unwrap_err();
    // Expires (column E, row 2) is before the issue date.
    assert_eq!(
        lines(&rejected),
        ["certs.xlsx!E2: expires: \"2020-08-30\" is not after the issue date (2020-08-31)"]
    );
}

#[test]
fn an_import_needs_registered_entities_and_named_people() {
    let entities = [Entity {
        code: EntityCode::parse("P1").unwrap(),
        name: "一厂".into(),
        parent: None,
        kind: EntityKind::Plant,
        region: String::new(),
        segment: String::new(),
    }];
    let known = KnownSafety {
        entities: Some(&entities),
        check_references: true,
        ..KnownSafety::default()
    };
    let people = "person,entity,role,role_since,hired\nW1,P2,staff,2020-01-01,2020-01-01\n";
    let certificates =
        "person,type,number,issued,expires,last_review\nW2,电工作业,T-1,2020-08-31,2026-08-30,\n";
    let rejected = read_safety_files(
        &[
            input("people.csv", people.as_bytes()),
            input("certs.csv", certificates.as_bytes()),
        ],
        &known,
    )
    .unwrap_err();
    assert_eq!(
        lines(&rejected),
        [
            "people.csv:2: entity: \"P2\" is not a known entity; import it with an entities file first",
            "certs.csv:2: person: \"W2\" is not a person of the people files; a certificate must name someone on the staff list",
        ]
    );
    // The same files for a check: shapes only, the certificate graded by number.
    assert!(
        read_safety_files(
            &[
                input("people.csv", people.as_bytes()),
                input("certs.csv", certificates.as_bytes()),
            ],
            &KnownSafety::default(),
        )
        .is_ok()
    );
}

#[test]
fn the_kind_is_known_from_the_header_alone() {
    for kind in SafetyFileKind::ALL {
        let text = format!("{}\n", kind.header().to_uppercase());
        assert_eq!(sniff_safety(input("x.csv", text.as_bytes())), Ok(kind));
    }
    // Hazards without the optional score columns are still hazards.
    let text = "entity,id,found,grade,owner,deadline,status\n";
    assert_eq!(
        sniff_safety(input("x.csv", text.as_bytes())),
        Ok(SafetyFileKind::Hazards)
    );
    let errors = sniff_safety(input("x.csv", b"entity,plan\n")).unwrap_err();
    assert_eq!(errors[0].code.as_str(), "unknown_header");
}

#[test]
fn the_same_course_twice_a_day_is_summed_by_a_check_and_refused_by_an_import() {
    let people = "person,entity,role,role_since,hired\nE1,P1,staff,2020-01-01,2020-01-01\n";
    let training = "person,date,hours,course\nE1,2026-03-02,2,消防\nE1,2026-03-02,1.5,消防\n";
    let files = [
        input("people.csv", people.as_bytes()),
        input("training.csv", training.as_bytes()),
    ];
    // A check: two records, 2 + 1.5 = 3.5 h.
    let read = read_safety_files(&files, &KnownSafety::default()).unwrap();
    let hours: zx_domain::Decimal = read.records.training.iter().map(|t| t.hours).sum();
    assert_eq!(hours.to_string(), "3.5");
    // An import keeps one row per person, day and course: the second names the first.
    let known = KnownSafety {
        check_references: true,
        ..KnownSafety::default()
    };
    let rejected = read_safety_files(&files, &known).unwrap_err();
    assert_eq!(
        lines(&rejected),
        [
            "training.csv:3: course: \"消防\" is listed twice: the same course for this person on this day (add the hours up in one row) is on training.csv line 2"
        ]
    );
}

#[test]
fn only_a_manager_needs_the_role_start() {
    // Staff with a blank role start: it is the hiring date. A principal without one: refused,
    // since the role's first year decides 32 h or 12 h.
    let people = "person,entity,role,role_since,hired\nS1,P1,staff,,2026-02-01\nE1,P1,principal,,2019-01-01\n";
    let rejected = read_safety_files(
        &[input("people.csv", people.as_bytes())],
        &KnownSafety::default(),
    )
    .unwrap_err();
    assert_eq!(
        lines(&rejected),
        ["people.csv:3: role_since: must not be empty"]
    );
    let people = "person,entity,role,role_since,hired\nS1,P1,staff,,2026-02-01\n";
    let read = read_safety_files(
        &[input("people.csv", people.as_bytes())],
        &KnownSafety::default(),
    )
    .unwrap();
    assert_eq!(read.records.people[0].role_since.to_string(), "2026-02-01");
}

#[test]
fn an_import_within_a_scope_refuses_every_row_of_another_unit_by_its_cell() {
    use zx_domain::safety::{Certificate, Person};
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let code = |s: &str| EntityCode::parse(s).unwrap();
    // P2's staff member W9 and his certificate T-9 are stored; the importer may write P1 only.
    let stored_people = [Person {
        person: "W9".into(),
        entity: code("P2"),
        role: PersonRole::SpecialOperator,
        role_since: date("2020-01-01"),
        hired: date("2020-01-01"),
    }];
    let stored_certificates = [Certificate {
        person: "W9".into(),
        kind: "电工作业".into(),
        number: "T-9".into(),
        issued: date("2020-01-01"),
        expires: date("2026-01-01"),
        last_review: None,
    }];
    let scope: std::collections::BTreeSet<EntityCode> = [code("P1")].into();
    let known = KnownSafety {
        people: &stored_people,
        certificates: &stored_certificates,
        check_references: true,
        writable: Some(&scope),
        ..KnownSafety::default()
    };
    let people = "person,entity,role,role_since,hired\n\
                  E1,P1,staff,2020-01-01,2020-01-01\n\
                  E2,P2,staff,2020-01-01,2020-01-01\n\
                  W9,P1,staff,2020-01-01,2020-01-01\n";
    let training = "person,date,hours,course\nE1,2026-03-02,2,消防\nE2,2026-03-02,2,消防\n";
    let certificates =
        "person,type,number,issued,expires,last_review\nE1,电工作业,T-9,2020-08-31,2026-08-30,\n";
    let rejected = read_safety_files(
        &[
            input("people.csv", people.as_bytes()),
            input("training.csv", training.as_bytes()),
            input("certs.csv", certificates.as_bytes()),
        ],
        &known,
    )
    .unwrap_err();
    // Line 3: P2 itself; line 4: W9 is stored as P2's (moving him is rewriting P2's record);
    // the training of E2 (a P2 person by this very file); T-9 is W9's certificate.
    assert_eq!(
        lines(&rejected),
        [
            "people.csv:3: entity: \"P2\" is outside your scope: you may import records only of your own unit and the units below it",
            "people.csv:4: person: \"W9\" is a person of P2, outside your scope: you may import records only of your own unit and the units below it",
            "training.csv:3: person: \"E2\" is a person of P2, outside your scope: you may import records only of your own unit and the units below it",
            "certs.csv:2: number: \"T-9\" is the certificate of W9 of P2, outside your scope",
        ]
    );
    // The same files without a scope (HQ, the CLI): read.
    let hq = KnownSafety {
        writable: None,
        ..known
    };
    assert!(
        read_safety_files(
            &[
                input("people.csv", people.as_bytes()),
                input("training.csv", training.as_bytes()),
                input("certs.csv", certificates.as_bytes()),
            ],
            &hq,
        )
        .is_ok()
    );
}
