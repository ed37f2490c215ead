//! The R&D register in the store: projects registered and revised on their code, budgets set,
//! a month's spend corrected as a new revision (the old one kept, no longer current), partners
//! added; every change audited with old and new value; a bad row refuses the whole save; the
//! register travels in the archive. Expected values are written by hand.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use zx_domain::rnd::{FieldKind, Gate, PartnerKind, Project, Results};
use zx_domain::{Decimal, Entity, EntityKind, Month};
use zx_store::{
    AuditFilter, BudgetRow, Changes, Import, NewSubmission, PartnerRow, RndChanges, RndOutcome,
    SpendRow, Store, StoreError,
};

use crate::measures::code;

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, day, 2, 0, 0).unwrap() + Duration::microseconds(123_456)
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn date(text: &str) -> Option<NaiveDate> {
    Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap())
}

fn month(text: &str) -> Month {
    Month::parse(text).unwrap()
}

/// G > FJ > FJ-1.
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
                    sha256: "ab".repeat(32),
                    rows: 3,
                },
                Changes::Entities(vec![
                    entity("G", None, EntityKind::Group),
                    entity("FJ", Some("G"), EntityKind::Subsidiary),
                    entity("FJ-1", Some("FJ"), EntityKind::Plant),
                ]),
            )],
        })
        .await
        .unwrap();
}

fn fly_ash() -> Project {
    let mut gates = [Gate::default(); 5];
    gates[0] = Gate {
        planned: date("2026-01-05"),
        actual: date("2026-01-08"),
    };
    gates[1] = Gate {
        planned: date("2026-03-31"),
        actual: None,
    };
    Project {
        code: "RD-FJ-01".into(),
        entity: code("FJ-1"),
        name: "垃圾焚烧飞灰螯合稳定化技术".into(),
        field: "飞灰处置".into(),
        field_kind: FieldKind::KeyArea,
        gates,
        leader: "林海".into(),
        members: vec!["陈静".into(), "王磊".into()],
        results: Results {
            patents_filed: 2,
            patents_granted: 1,
            standards: 0,
            software_copyrights: 0,
            awards: 0,
            application_revenue: d("125000.50"),
        },
    }
}

fn spend(m: &str, amount: &str) -> SpendRow {
    SpendRow {
        project: "RD-FJ-01".into(),
        month: month(m),
        amount: d(amount),
    }
}

/// The register's audit lines, oldest first (the log lists the newest first).
async fn rnd_audit(store: &dyn Store) -> Vec<(String, String, Option<String>, Option<String>)> {
    let mut lines: Vec<_> = store
        .audit_log(&AuditFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action.starts_with("rnd_"))
        .map(|e| (e.action, e.object, e.old_value, e.new_value))
        .collect();
    lines.reverse();
    lines
}

pub async fn rnd_projects_spend_and_partners_are_saved_revised_and_audited(store: &dyn Store) {
    setup(store).await;
    let first = RndChanges {
        projects: vec![fly_ash()],
        budgets: vec![BudgetRow {
            project: "RD-FJ-01".into(),
            year: 2026,
            amount: d("1200000.00"),
        }],
        spend: vec![spend("2026-01", "100000.10"), spend("2026-02", "80000")],
        partners: vec![PartnerRow {
            project: "RD-FJ-01".into(),
            name: "同济大学".into(),
            kind: PartnerKind::University,
        }],
    };
    let outcome = store
        .save_rnd(first.clone(), "fujian", at(2))
        .await
        .unwrap();
    // 1 project + 1 budget + 2 months + 1 partner.
    assert_eq!(
        outcome,
        RndOutcome {
            created: 5,
            revised: 0,
            unchanged: 0
        }
    );
    // The same save again changes nothing.
    let again = store.save_rnd(first, "fujian", at(3)).await.unwrap();
    assert_eq!((again.created, again.revised, again.unchanged), (0, 0, 5));

    let stored = store.rnd_project("RD-FJ-01").await.unwrap().unwrap();
    assert_eq!(stored.project, fly_ash());
    assert_eq!(stored.revision, 1);
    assert_eq!(stored.updated_at, at(2));

    // The research gate is reached, February's spend corrected.
    let mut reached = fly_ash();
    reached.gates[1].actual = date("2026-04-02");
    let outcome = store
        .save_rnd(
            RndChanges {
                projects: vec![reached.clone()],
                spend: vec![spend("2026-02", "85000.00")],
                ..RndChanges::default()
            },
            "fujian",
            at(4),
        )
        .await
        .unwrap();
    assert_eq!((outcome.created, outcome.revised), (0, 2));
    let stored = store.rnd_project("RD-FJ-01").await.unwrap().unwrap();
    assert_eq!(stored.revision, 2);
    assert_eq!(stored.project.gates[1].actual, date("2026-04-02"));

    let current = store.rnd_spend().await.unwrap();
    let amounts: Vec<(String, Decimal, i64)> = current
        .iter()
        .map(|s| (s.month.to_string(), s.amount, s.revision))
        .collect();
    assert_eq!(
        amounts,
        vec![
            ("2026-01".into(), d("100000.10"), 1),
            ("2026-02".into(), d("85000.00"), 2)
        ]
    );
    assert_eq!(current[0].entity, code("FJ-1"));
    // The history keeps February's first amount, no longer current.
    let history = store.rnd_spend_history("RD-FJ-01").await.unwrap();
    let february: Vec<(Decimal, bool)> = history
        .iter()
        .filter(|s| s.month == month("2026-02"))
        .map(|s| (s.amount, s.current))
        .collect();
    assert_eq!(february, vec![(d("80000"), false), (d("85000.00"), true)]);

    let budgets = store.rnd_budgets().await.unwrap();
    assert_eq!(budgets[0].amount.to_string(), "1200000.00");
    let partners = store.rnd_partners().await.unwrap();
    assert_eq!(partners[0].kind, PartnerKind::University);

    let audit = rnd_audit(store).await;
    let actions: Vec<&str> = audit.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "rnd_project.create",
            "rnd_budget.set",
            "rnd_spend.record",
            "rnd_spend.record",
            "rnd_partner.set",
            "rnd_project.revise",
            "rnd_spend.record",
        ]
    );
    let correction = &audit[6];
    assert_eq!(correction.1, "rnd_spend RD-FJ-01 2026-02");
    assert_eq!(
        (correction.2.as_deref(), correction.3.as_deref()),
        (Some("80000"), Some("85000"))
    );
    let revise = &audit[5];
    assert!(
        revise
            .2
            .as_deref()
            .unwrap()
            .contains("research=2026-03-31/-")
    );
    assert!(
        revise
            .3
            .as_deref()
            .unwrap()
            .contains("research=2026-03-31/2026-04-02")
    );

    // The archive carries the register: 1 project, 1 budget, 3 spend revisions, 1 partner.
    let archive = store.export().await.unwrap();
    let rows = |table: &str| {
        archive
            .table_rows
            .iter()
            .filter(|r| r.table.name == table)
            .count()
    };
    assert_eq!(
        (
            rows("rnd_projects"),
            rows("rnd_budgets"),
            rows("rnd_spend"),
            rows("rnd_partners")
        ),
        (1, 1, 3, 1)
    );
}

pub async fn a_bad_rnd_row_refuses_the_whole_save(store: &dyn Store) {
    setup(store).await;
    let mut other = fly_ash();
    other.code = "RD-FJ-02".into();
    // The second spend row names a project nobody registered.
    let err = store
        .save_rnd(
            RndChanges {
                projects: vec![fly_ash(), other.clone()],
                spend: vec![
                    spend("2026-01", "1"),
                    SpendRow {
                        project: "RD-NONE".into(),
                        month: month("2026-01"),
                        amount: d("1"),
                    },
                ],
                ..RndChanges::default()
            },
            "fujian",
            at(2),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(m) if m == "spend row 2: no project RD-NONE"),
        "{err:?}"
    );
    assert!(store.rnd_projects().await.unwrap().is_empty());
    assert!(rnd_audit(store).await.is_empty());

    // A project does not move to another entity; an unknown entity is refused.
    store
        .save_rnd(
            RndChanges {
                projects: vec![fly_ash()],
                ..RndChanges::default()
            },
            "fujian",
            at(3),
        )
        .await
        .unwrap();
    let mut moved = fly_ash();
    moved.entity = code("FJ");
    let err = store
        .save_rnd(
            RndChanges {
                projects: vec![moved],
                ..RndChanges::default()
            },
            "hq",
            at(4),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(m) if m.contains("does not change entity")),
        "{err:?}"
    );
    other.entity = code("XX");
    let err = store
        .save_rnd(
            RndChanges {
                projects: vec![other],
                ..RndChanges::default()
            },
            "hq",
            at(4),
        )
        .await
        .unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(m) if m == "project row 1: unknown entity XX"));
    // A negative spend is refused too.
    let err = store
        .save_rnd(
            RndChanges {
                spend: vec![spend("2026-03", "-5")],
                ..RndChanges::default()
            },
            "hq",
            at(5),
        )
        .await
        .unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(m) if m == "spend row 1: -5 is negative"));
}
