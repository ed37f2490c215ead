use super::*;
use zx_domain::EntityKind;

fn entities() -> Vec<Entity> {
    let e = |code: &str, parent: Option<&str>, kind| Entity {
        code: EntityCode::parse(code).unwrap(),
        name: format!("{code} 单位"),
        parent: parent.map(|p| EntityCode::parse(p).unwrap()),
        kind,
        region: "福建".into(),
        segment: String::new(),
    };
    vec![
        e("G", None, EntityKind::Group),
        e("FJ", Some("G"), EntityKind::Subsidiary),
        e("FJ-1", Some("FJ"), EntityKind::Plant),
        e("SC-1", Some("G"), EntityKind::Plant),
    ]
}

const PROJECTS: &str = "项目编号,单位编码,项目名称,领域,领域类型,立项日期,研发计划日期,项目负责人,团队成员,申请专利,授权专利,应用收入（元）\n\
RD-01,FJ-1,飞灰螯合稳定化,飞灰处置,关键领域,2026-01-08,2026-03-31,林海,陈静、王磊,2,1,125000.50\n";

fn known<'a>(entities: &'a [Entity], projects: &'a [(String, EntityCode)]) -> KnownRnd<'a> {
    KnownRnd {
        entities,
        projects,
        writable: None,
        latest: Some(Month::parse("2026-10").unwrap()),
    }
}

fn lines(rejected: &RndRejected) -> Vec<String> {
    rejected.errors.iter().map(ToString::to_string).collect()
}

#[test]
fn a_projects_csv_reads_into_the_register() {
    let entities = entities();
    let read = read_register(
        &[Input {
            file_name: "projects.csv",
            bytes: PROJECTS.as_bytes(),
        }],
        &known(&entities, &[]),
    )
    .unwrap();
    let p = &read.register.projects[0];
    assert_eq!(p.code, "RD-01");
    assert_eq!(p.members, ["陈静", "王磊"]);
    assert_eq!(p.stage(), Stage::Initiation);
    assert_eq!(
        p.results.application_revenue,
        "125000.50".parse::<Decimal>().unwrap()
    );
    assert_eq!(p.gates[1].planned.unwrap().to_string(), "2026-03-31");
    assert_eq!(read.files[0].rows, 1);
}

#[test]
fn every_bad_cell_is_named_by_file_line_column_and_value() {
    let entities = entities();
    let stored = [("RD-09".to_owned(), EntityCode::parse("SC-1").unwrap())];
    let spend = "项目编号,月份,支出（元）\n\
RD-01,2026-02,80000\n\
RD-77,2026-02,100\n\
RD-09,2026-13,5\n\
RD-09,2026-11,5\n\
RD-09,2026-03,-1\n";
    let bad_projects = "项目编号,单位编码,项目名称,领域,领域类型,立项日期,项目负责人,申请专利,授权专利\n\
RD-02,FJ-9,焚烧炉智能燃烧,智慧运维,核心,2026-02-30,,1.5,0\n\
RD-03,FJ-1,渗滤液全量化处理,渗滤液,产业链环节,2026-01-01,赵工,1,2\n";
    let rejected = read_register(
        &[
            Input {
                file_name: "projects.csv",
                bytes: PROJECTS.as_bytes(),
            },
            Input {
                file_name: "bad.csv",
                bytes: bad_projects.as_bytes(),
            },
            Input {
                file_name: "spend.csv",
                bytes: spend.as_bytes(),
            },
        ],
        &known(&entities, &stored),
    )
    .unwrap_err();
    assert_eq!(
        lines(&rejected),
        [
            "bad.csv:2: entity: \"FJ-9\" is not a known entity; import it with an entities file first",
            "bad.csv:2: field_kind: \"核心\" is not a field kind: 关键领域 (key_area) or 产业链环节 (chain_link)",
            "bad.csv:2: initiation_actual: \"2026-02-30\" is not a date in the form YYYY-MM-DD",
            "bad.csv:2: leader: must not be empty",
            "bad.csv:2: patents_filed: \"1.5\" is not a whole number of 0 or more",
            "bad.csv:3: code: \"RD-03\" more patents granted (2) than filed (1)",
            "spend.csv:3: project: \"RD-77\" is not a registered project nor one of the projects sheet",
            "spend.csv:4: month: \"2026-13\" is not a month: the month must be 01 to 12",
            "spend.csv:5: month: \"2026-11\" is after 2026-10: figures cannot be submitted for future months",
            "spend.csv:6: amount: \"-1\" must not be negative",
        ]
    );
    let codes: Vec<&str> = rejected.errors.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(codes[5], "invalid_project");
    assert_eq!(codes[6], "unknown_project");
}

#[test]
fn a_manager_may_not_write_another_subtrees_project() {
    let entities = entities();
    let stored = [("RD-09".to_owned(), EntityCode::parse("SC-1").unwrap())];
    let scope: BTreeSet<EntityCode> = ["FJ", "FJ-1"]
        .iter()
        .map(|c| EntityCode::parse(c).unwrap())
        .collect();
    let spend = "project,month,amount\nRD-09,2026-02,5\n";
    let projects = PROJECTS.replace("RD-01,FJ-1", "RD-01,SC-1");
    let rejected = read_register(
        &[
            Input {
                file_name: "p.csv",
                bytes: projects.as_bytes(),
            },
            Input {
                file_name: "s.csv",
                bytes: spend.as_bytes(),
            },
        ],
        &KnownRnd {
            writable: Some(&scope),
            ..known(&entities, &stored)
        },
    )
    .unwrap_err();
    let codes: Vec<(&str, String)> = rejected
        .errors
        .iter()
        .map(|i| (i.code.as_str(), i.value.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        codes,
        [
            ("outside_scope", "SC-1".to_owned()),
            ("outside_scope", "RD-09".to_owned())
        ]
    );
}

#[test]
fn the_exported_workbook_reads_back_as_it_was() {
    let entities = entities();
    let first = read_register(
        &[Input {
            file_name: "projects.csv",
            bytes: PROJECTS.as_bytes(),
        }],
        &known(&entities, &[]),
    )
    .unwrap()
    .register;
    let mut register = first.clone();
    register.budgets.push(Budget {
        project: "RD-01".into(),
        year: 2026,
        amount: "1200000.10".parse().unwrap(),
    });
    register.spend.push(MonthSpend {
        project: "RD-01".into(),
        month: Month::parse("2026-02").unwrap(),
        amount: "80000.33".parse().unwrap(),
    });
    register.partners.push(Partner {
        project: "RD-01".into(),
        name: "同济大学".into(),
        kind: PartnerKind::University,
    });
    let bytes = write_register(&register, &|c| format!("{c} 单位")).unwrap();
    let back = read_register(
        &[Input {
            file_name: "研发项目台账.xlsx",
            bytes: &bytes,
        }],
        &known(&entities, &[]),
    )
    .unwrap();
    assert_eq!(back.register, register);
}

#[test]
fn a_sheet_of_no_known_layout_is_named() {
    let entities = entities();
    let rejected = read_register(
        &[Input {
            file_name: "x.csv",
            bytes: "a,b\n1,2\n".as_bytes(),
        }],
        &known(&entities, &[]),
    )
    .unwrap_err();
    assert_eq!(rejected.errors[0].code.as_str(), "unknown_header");
    assert!(rejected.errors[0].to_string().starts_with("x.csv:1:"));
}
