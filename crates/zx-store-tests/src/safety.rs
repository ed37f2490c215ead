//! Safety records in the store: plans, drills, people, training and certificates imported in one
//! transaction, read back exactly (dates, 1.5 h), imported again as revisions (old and new value
//! audited) or left alone, never duplicated; a bad reference writes nothing.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use zx_domain::safety::{
    Certificate, Drill, Person, PersonRole, Plan, PlanKind, SafetyRecords, TrainingRecord,
};
use zx_domain::{Decimal, Entity, EntityKind};
use zx_store::{
    AuditFilter, Changes, Import, NewSubmission, SafetyImportSummary, SafetySource, Store,
    StoreError,
};

use crate::measures::code;

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 1, hour, 0, 0).unwrap() + Duration::microseconds(250_001)
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

async fn setup(store: &dyn Store) {
    let entity = |c: &str, parent: Option<&str>, kind: EntityKind| Entity {
        code: code(c),
        name: format!("{c} 单位"),
        parent: parent.map(code),
        kind,
        region: "福建".into(),
        segment: "waste-to-energy".into(),
    };
    store
        .import(Import {
            user: "admin".into(),
            at: at(1),
            files: vec![(
                NewSubmission {
                    file_name: "entities.csv".into(),
                    sha256: "cd".repeat(32),
                    rows: 2,
                },
                Changes::Entities(vec![
                    entity("G", None, EntityKind::Group),
                    entity("P1", Some("G"), EntityKind::Plant),
                ]),
            )],
        })
        .await
        .unwrap();
}

fn records() -> SafetyRecords {
    SafetyRecords {
        hazards: Vec::new(),
        plans: vec![Plan {
            entity: code("P1"),
            plan: "pump".into(),
            kind: PlanKind::Onsite,
            approved: date("2025-01-10"),
        }],
        drills: vec![Drill {
            entity: code("P1"),
            plan: "pump".into(),
            date: date("2026-06-30"),
            joint_with: Some("县消防救援大队".into()),
        }],
        people: vec![Person {
            person: "W1".into(),
            entity: code("P1"),
            role: PersonRole::SpecialOperator,
            role_since: date("2020-01-01"),
            hired: date("2020-01-01"),
        }],
        training: vec![TrainingRecord {
            person: "W1".into(),
            date: date("2026-03-02"),
            hours: "1.5".parse::<Decimal>().unwrap(),
            course: "焊接安全".into(),
        }],
        certificates: vec![Certificate {
            person: "W1".into(),
            kind: "焊接与热切割作业".into(),
            number: "T-1".into(),
            issued: date("2020-08-31"),
            expires: date("2026-08-30"),
            last_review: None,
        }],
    }
}

fn source() -> Vec<SafetySource> {
    vec![SafetySource {
        file: "people.csv".into(),
        kind: "people".into(),
        sha256: "ab".repeat(32),
    }]
}

pub async fn safety_records_import_read_back_and_revise(store: &dyn Store) {
    setup(store).await;
    let first = store
        .import_safety_records(&records(), &source(), "hq", at(2))
        .await
        .unwrap();
    // One plan, drill, person, training record and certificate: five created.
    assert_eq!(
        first,
        SafetyImportSummary {
            created: 5,
            revised: 0,
            unchanged: 0,
            hazards: Default::default(),
        }
    );
    assert_eq!(store.safety_records().await.unwrap(), records());

    // The same again: nothing changes, nothing is duplicated.
    let again = store
        .import_safety_records(&records(), &source(), "hq", at(3))
        .await
        .unwrap();
    assert_eq!((again.created, again.unchanged), (0, 5));
    assert_eq!(store.safety_records().await.unwrap(), records());

    // A corrected hours figure (1.5 → 2.25) and a review date: two revisions, audited.
    let mut corrected = records();
    corrected.training[0].hours = "2.25".parse().unwrap();
    corrected.certificates[0].last_review = Some(date("2023-08-01"));
    let third = store
        .import_safety_records(&corrected, &source(), "hq", at(4))
        .await
        .unwrap();
    assert_eq!((third.created, third.revised, third.unchanged), (0, 2, 3));
    assert_eq!(store.safety_records().await.unwrap(), corrected);
    let lines = store
        .audit_log(&AuditFilter {
            action: Some("safety_training.revise".into()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].object, "training W1 2026-03-02 焊接安全");
    assert_eq!(lines[0].old_value.as_deref(), Some("hours=1.5"));
    assert_eq!(lines[0].new_value.as_deref(), Some("hours=2.25"));
    assert_eq!(lines[0].user, "hq");
    let imports = store
        .audit_log(&AuditFilter {
            action: Some("safety.import".into()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(imports.len(), 3);
}

pub async fn a_safety_import_with_a_bad_reference_writes_nothing(store: &dyn Store) {
    setup(store).await;
    // Everything fine but a certificate of someone not on the staff list.
    let mut bad = records();
    bad.certificates[0].person = "W9".into();
    let error = store
        .import_safety_records(&bad, &source(), "hq", at(2))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, StoreError::Invalid(m) if m == "W9 is not a person of the staff list"),
        "{error:?}"
    );
    // A plan of an entity that is not stored.
    let mut unknown = records();
    unknown.plans[0].entity = code("P9");
    unknown.drills.clear();
    assert!(matches!(
        store
            .import_safety_records(&unknown, &source(), "hq", at(2))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        store.safety_records().await.unwrap(),
        SafetyRecords::default()
    );
    let lines = store
        .audit_log(&AuditFilter {
            action: Some("safety.import".into()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert!(lines.is_empty());
}

pub async fn hazards_go_to_the_register_in_the_same_transaction(store: &dyn Store) {
    use zx_domain::safety::{HazardGrade, HazardRow, HazardStatus, LecScore};
    setup(store).await;
    let hazard = HazardRow {
        entity: code("P1"),
        id: "H1".into(),
        found: date("2026-05-01"),
        grade: HazardGrade::General,
        lec: Some(LecScore::new(Decimal::from(3), Decimal::from(6), Decimal::from(15)).unwrap()),
        owner: "li".into(),
        deadline: Some(date("2026-06-30")),
        status: HazardStatus::Rectifying,
    };
    let sources = vec![
        SafetySource {
            file: "hazards.csv".into(),
            kind: "hazards".into(),
            sha256: "ef".repeat(32),
        },
        source().remove(0),
    ];
    // A bad certificate in the same import: the hazard is not written either.
    let mut bad = records();
    bad.hazards.push(hazard.clone());
    bad.certificates[0].person = "W9".into();
    assert!(
        store
            .import_safety_records(&bad, &sources, "hq", at(2))
            .await
            .is_err()
    );
    assert!(store.hazards().await.unwrap().is_empty());

    let mut good = records();
    good.hazards.push(hazard);
    let summary = store
        .import_safety_records(&good, &sources, "hq", at(3))
        .await
        .unwrap();
    assert_eq!((summary.created, summary.hazards.created), (5, 1));
    let hazards = store.hazards().await.unwrap();
    assert_eq!(hazards.len(), 1);
    assert_eq!(hazards[0].code.as_deref(), Some("H1"));
    // The register's records stay out of the safety records' lists.
    assert!(store.safety_records().await.unwrap().hazards.is_empty());
}
