//! Entities and targets files.

mod common;

use common::*;
use zx_domain::{EntityKind, Target};
use zx_ingest::{FileKind, IssueCode, Payload, Severity};

const ENTITIES: &str = "code,name,parent,kind,region,segment\n";
const TARGETS: &str = "entity,year,indicator,target\n";

fn entity_errors(rows: &str, known: &[zx_domain::Entity]) -> Vec<String> {
    match parse_with(
        "entities.csv",
        format!("{ENTITIES}{rows}").as_bytes(),
        known,
        &MapStore::default(),
    ) {
        Ok(parsed) => panic!("accepted: {parsed:?}"),
        Err(rejected) => rejected.errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn the_worked_example_entities_parse() {
    let parsed = parse_with(
        "entities.csv",
        &example("entities.csv"),
        &[],
        &MapStore::default(),
    )
    .unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(parsed.kind, FileKind::Entities);
    let Payload::Entities(entities) = parsed.payload else {
        panic!("not entities");
    };
    assert_eq!(entities.len(), 5);
    assert_eq!(entities[0].code, code("G"));
    assert_eq!(entities[0].name, "示例集团");
    assert_eq!(entities[0].parent, None);
    assert_eq!(entities[0].kind, EntityKind::Group);
    assert_eq!(entities[0].region, "北京");
    assert_eq!(entities[3].parent, Some(code("S1")));
    assert_eq!(entities[3].segment, "waste-to-energy");
}

#[test]
fn a_gbk_entities_file_is_read() {
    let text = "code,name,parent,kind,region,segment\r\nG,示例集团,,集团,北京,\r\nS1,福建子公司,G,子公司,福建,垃圾发电\r\n";
    let (bytes, _, lossy) = encoding_rs::GBK.encode(text);
    assert!(!lossy);
    assert!(std::str::from_utf8(&bytes).is_err(), "must really be GBK");
    let parsed = parse_with("entities.csv", &bytes, &[], &MapStore::default()).unwrap();
    assert_eq!(parsed.encoding, "GBK");
    let Payload::Entities(entities) = parsed.payload else {
        panic!("not entities");
    };
    assert_eq!(entities[1].name, "福建子公司");
    assert_eq!(entities[1].kind, EntityKind::Subsidiary);
    assert_eq!(entities[1].segment, "垃圾发电");
}

#[test]
fn invalid_code_and_kind() {
    assert_eq!(
        entity_errors("G 1,集团,,group,,\nG,集团,,corporation,,\n", &[]),
        [
            "entities.csv:2: code: \"G 1\" is not an entity code: use only letters, digits, '-', '_' and '.'",
            "entities.csv:3: kind: \"corporation\" is not an entity kind: write group, subsidiary, company or plant (集团, 子公司, 公司, 厂站)",
        ]
    );
}

#[test]
fn empty_name() {
    assert_eq!(
        entity_errors("G,,,group,,\n", &[]),
        ["entities.csv:2: name: must not be empty"]
    );
}

#[test]
fn duplicate_code_names_both_rows() {
    assert_eq!(
        entity_errors(
            "G,集团,,group,,\nS1,子公司,G,subsidiary,,\nS1,子公司二,G,subsidiary,,\n",
            &[]
        ),
        [
            "entities.csv:4: code: \"S1\" appears a second time (first at line 3); each code once per file"
        ]
    );
}

#[test]
fn unknown_parent() {
    assert_eq!(
        entity_errors("S9,子公司,G9,subsidiary,,\n", &group()),
        [
            "entities.csv:2: parent: \"G9\" is not a known entity: it is neither in this file nor already imported"
        ]
    );
    // A parent already imported is fine.
    assert!(
        parse_with(
            "entities.csv",
            format!("{ENTITIES}P3,新厂,S2,plant,四川,water\n").as_bytes(),
            &group(),
            &MapStore::default()
        )
        .is_ok()
    );
}

#[test]
fn cycle_within_the_file() {
    let rejected = parse_with(
        "entities.csv",
        format!("{ENTITIES}A,甲,B,company,,\nB,乙,A,company,,\nC,丙,C,plant,,\n").as_bytes(),
        &[],
        &MapStore::default(),
    )
    .unwrap_err();
    let lines: Vec<String> = rejected.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "entities.csv:2: parent: \"B\" makes A its own ancestor (A → B → A); the group tree cannot have cycles",
            "entities.csv:4: parent: \"C\" makes C its own ancestor (C → C); the group tree cannot have cycles",
        ]
    );
    assert!(rejected.errors.iter().all(|e| e.code == IssueCode::Cycle));
}

#[test]
fn cycle_through_stored_entities() {
    // G is re-parented under P1, which is under S1, which is under G.
    assert_eq!(
        entity_errors("G,集团,P1,group,,\n", &group()),
        [
            "entities.csv:2: parent: \"P1\" makes G its own ancestor (G → P1 → S1 → G); the group tree cannot have cycles"
        ]
    );
}

#[test]
fn targets_parse_with_percentages() {
    let parsed = parse_text(
        "targets.csv",
        &format!(
            "{TARGETS}G,2026,asset_liability_ratio,65%\nG,2026,total_profit,\"58,161,522.67\"\n"
        ),
    )
    .unwrap();
    assert_eq!(parsed.kind, FileKind::Targets);
    assert!(parsed.warnings.is_empty());
    assert_eq!(
        parsed.payload,
        Payload::Targets(vec![
            Target {
                entity: code("G"),
                year: 2026,
                indicator: "asset_liability_ratio".into(),
                value: dec("0.65"),
            },
            Target {
                entity: code("G"),
                year: 2026,
                indicator: "total_profit".into(),
                value: dec("58161522.67"),
            },
        ])
    );
}

#[test]
fn the_worked_example_targets_parse() {
    let parsed = parse_with(
        "targets.csv",
        &example("targets.csv"),
        &group(),
        &MapStore::default(),
    )
    .unwrap_or_else(|r| panic!("{r}"));
    assert!(parsed.warnings.is_empty());
    let Payload::Targets(targets) = parsed.payload else {
        panic!("not targets");
    };
    assert_eq!(targets.len(), 30);
    assert_eq!(targets[1].indicator, "asset_liability_ratio");
    assert_eq!(targets[1].value, dec("0.65"));
}

#[test]
fn a_ratio_above_one_is_a_warning() {
    let parsed = parse_text(
        "targets.csv",
        &format!("{TARGETS}G,2026,asset_liability_ratio,65\n"),
    )
    .unwrap();
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(parsed.warnings[0].severity, Severity::Warning);
    assert_eq!(parsed.warnings[0].code, IssueCode::RateLooksLikePercent);
    assert_eq!(
        parsed.warnings[0].to_string(),
        "targets.csv:2: target: \"65\" is a ratio above 1: ratio targets are fractions (0.65 for 65%); write 65% if a percentage is meant"
    );
}

#[test]
fn bad_targets() {
    let lines = errors(
        "targets.csv",
        &format!(
            "{TARGETS}G,26,total_profit,1\nG,2026,roa,0.1\nG,2026,total_profit,5%\nS1,2026,roe,0.1\nS1,2026,roe,0.2\nP9,2026,roe,x\n"
        ),
    );
    assert_eq!(
        lines,
        [
            "targets.csv:2: year: \"26\" is not a year between 1900 and 2999",
            "targets.csv:3: indicator: \"roa\" is not an indicator of the catalogue (indicators: total_profit, asset_liability_ratio, roe, rd_intensity, labour_productivity, operating_cash_ratio, labour_cost_profit_rate, personnel_expense_rate, market_exit_rate, manager_adjustment_rate, contract_coverage, headcount_total, dispatched_share, open_hiring_share, labour_cost_per_capita, wage_per_capita, profit_per_capita)",
            "targets.csv:4: target: \"5%\" is a percentage, but this indicator is not a ratio: write the amount",
            "targets.csv:6: S1 2026 roe is given a second time (first at line 5); give one target per entity, year and indicator",
            "targets.csv:7: entity: \"P9\" is not a known entity; import it with an entities file first",
            "targets.csv:7: target: \"x\" is not a decimal number",
        ]
    );
}
