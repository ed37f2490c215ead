//! Safety risks in the store: risks are registered, revised on their number and retired (never
//! deleted), each change audited with old and new value and a bad row refusing the whole save;
//! exposures are set per site and hazard; a warning is stored with its plants' alerts, a plant
//! acknowledges once, and each escalation is recorded once. Expected values are written by hand.

use chrono::{DateTime, Duration, TimeZone, Utc};
use zx_domain::safety::{LecScore, MatrixScore, Score};
use zx_domain::{Decimal, Entity, EntityKind};
use zx_store::{
    AuditFilter, Changes, ControlLevel, Exposure, Import, NaturalHazard, NewAlert, NewSubmission,
    NewWarning, Risk, RiskCategory, RiskOutcome, RiskRow, Season, SiteExposure, Store, StoreError,
    WarningLevel,
};

use crate::measures::code;

/// 2026-08-`day` `hour`:00 UTC plus microseconds, which both backends keep.
fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 8, day, hour, 0, 0).unwrap() + Duration::microseconds(250_001)
}

/// G > FJ > FJ-1, FJ-2 (plants of 福建).
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
            at: at(1, 0),
            files: vec![(
                NewSubmission {
                    file_name: "entities.csv".into(),
                    sha256: "ef".repeat(32),
                    rows: 4,
                },
                Changes::Entities(vec![
                    entity("G", None, EntityKind::Group),
                    entity("FJ", Some("G"), EntityKind::Subsidiary),
                    entity("FJ-1", Some("FJ"), EntityKind::Plant),
                    entity("FJ-2", Some("FJ"), EntityKind::Plant),
                ]),
            )],
        })
        .await
        .unwrap();
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn pit(entity: &str) -> Risk {
    Risk {
        entity: code(entity),
        area: "渗滤液池".into(),
        activity: "清淤作业".into(),
        category: RiskCategory::ConfinedSpace,
        hazard: "硫化氢中毒窒息".into(),
        // D = 3 × 6 × 15 = 270.
        score: Score::Lec(LecScore::new(d("3"), d("6"), d("15")).unwrap()),
        controls: "作业审批；先通风、再检测、后作业".into(),
        control_level: ControlLevel::Company,
        owner: "王工".into(),
    }
}

fn crane(entity: &str) -> Risk {
    Risk {
        entity: code(entity),
        area: "垃圾吊".into(),
        activity: "检修".into(),
        category: RiskCategory::WorkAtHeight,
        hazard: "高处坠落".into(),
        score: Score::Matrix(MatrixScore::new(3, 4).unwrap()),
        controls: "安全带、双人作业".into(),
        control_level: ControlLevel::Plant,
        owner: "李工".into(),
    }
}

async fn audit_lines(
    store: &dyn Store,
    prefix: &str,
) -> Vec<(String, String, Option<String>, Option<String>)> {
    let mut lines: Vec<_> = store
        .audit_log(&AuditFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action.starts_with(prefix))
        .map(|e| (e.action, e.object, e.old_value, e.new_value))
        .collect();
    lines.reverse();
    lines
}

pub async fn risks_are_registered_revised_and_retired_with_an_audit_trail(store: &dyn Store) {
    setup(store).await;
    let saved = store
        .save_risks(
            vec![
                RiskRow {
                    id: None,
                    risk: pit("FJ-1"),
                },
                RiskRow {
                    id: None,
                    risk: crane("FJ-1"),
                },
            ],
            "fj1",
            at(2, 1),
        )
        .await
        .unwrap();
    assert_eq!(
        saved,
        vec![(1, RiskOutcome::Created), (2, RiskOutcome::Created)]
    );
    let stored = store.risk(1).await.unwrap().unwrap();
    assert_eq!(stored.risk, pit("FJ-1"));
    assert_eq!((stored.revision, stored.active), (1, true));
    assert_eq!(stored.updated_at, at(2, 1));

    // The same sheet again: unchanged; one changed row: revised.
    let mut better = crane("FJ-1");
    better.score = Score::Matrix(MatrixScore::new(2, 4).unwrap());
    let saved = store
        .save_risks(
            vec![
                RiskRow {
                    id: Some(1),
                    risk: pit("FJ-1"),
                },
                RiskRow {
                    id: Some(2),
                    risk: better.clone(),
                },
            ],
            "fj1",
            at(3, 1),
        )
        .await
        .unwrap();
    assert_eq!(
        saved,
        vec![(1, RiskOutcome::Unchanged), (2, RiskOutcome::Revised)]
    );
    assert_eq!(store.risk(2).await.unwrap().unwrap().revision, 2);

    // A bad row refuses the whole save: nothing of it is written.
    let refused = store
        .save_risks(
            vec![
                RiskRow {
                    id: None,
                    risk: pit("FJ-2"),
                },
                RiskRow {
                    id: Some(1),
                    risk: pit("FJ-2"),
                },
            ],
            "fj1",
            at(4, 1),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, StoreError::Invalid(m) if m == "risk row 2: risk 1 belongs to FJ-1, not FJ-2"),
        "{refused}"
    );
    assert_eq!(store.risks().await.unwrap().len(), 2);
    let mut unknown = pit("FJ-1");
    unknown.entity = code("XX");
    assert!(
        store
            .save_risks(
                vec![RiskRow {
                    id: None,
                    risk: unknown
                }],
                "fj1",
                at(4, 1)
            )
            .await
            .is_err()
    );

    // A blank reason is refused, writing nothing (revision 2 stays).
    assert!(store.retire_risk(2, "  ", "fj1", at(5, 1)).await.is_err());
    assert_eq!(store.risk(2).await.unwrap().unwrap().revision, 2);
    store
        .retire_risk(2, "垃圾吊检修平台已拆除", "fj1", at(5, 1))
        .await
        .unwrap();
    let retired = store.risk(2).await.unwrap().unwrap();
    assert_eq!((retired.active, retired.revision), (false, 3));
    assert!(
        store
            .retire_risk(2, "again", "fj1", at(5, 2))
            .await
            .is_err()
    );

    let lines = audit_lines(store, "risk.").await;
    let actions: Vec<&str> = lines.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(
        actions,
        ["risk.create", "risk.create", "risk.revise", "risk.retire"]
    );
    assert_eq!(lines[0].1, "risk 1");
    assert_eq!(
        lines[0].3.as_deref(),
        Some(
            "entity=FJ-1; area=渗滤液池; activity=清淤作业; category=confined_space; \
             hazard=硫化氢中毒窒息; score=LEC 3×6×15; controls=作业审批；先通风、再检测、后作业; \
             control_level=company; owner=王工"
        )
    );
    assert!(lines[2].2.as_deref().unwrap().contains("score=LS 3×4"));
    assert!(lines[2].3.as_deref().unwrap().contains("score=LS 2×4"));
    assert_eq!(
        lines[3].3.as_deref(),
        Some("retired; reason=垃圾吊检修平台已拆除")
    );
}

pub async fn warnings_trigger_alerts_acknowledged_once_and_escalated_once(store: &dyn Store) {
    setup(store).await;
    let changed = store
        .set_site_exposures(
            vec![
                SiteExposure {
                    entity: code("FJ-1"),
                    hazard: NaturalHazard::Flood,
                    exposure: Exposure::High,
                    season: Season::new(5, 9),
                },
                SiteExposure {
                    entity: code("FJ-2"),
                    hazard: NaturalHazard::Typhoon,
                    exposure: Exposure::None,
                    season: None,
                },
            ],
            "admin",
            at(1, 2),
        )
        .await
        .unwrap();
    assert_eq!(changed, 2);
    assert_eq!(store.site_exposures().await.unwrap().len(), 2);
    // The same again changes nothing.
    let again = store.site_exposures().await.unwrap();
    assert_eq!(
        store
            .set_site_exposures(again, "admin", at(1, 3))
            .await
            .unwrap(),
        0
    );

    let warning = NewWarning {
        region: "福建".into(),
        hazard: NaturalHazard::Typhoon,
        level: WarningLevel::Orange,
        from: at(2, 0),
        to: at(4, 0),
    };
    let ids = store
        .add_warnings(
            vec![(
                warning.clone(),
                vec![NewAlert {
                    entity: code("FJ-1"),
                    acknowledge_by: at(2, 4),
                }],
            )],
            "warnings.csv",
            "hq",
            at(2, 0),
        )
        .await
        .unwrap();
    assert_eq!(ids, [1]);
    let stored = store.warnings().await.unwrap();
    assert_eq!(stored[0].warning, warning);
    assert_eq!(stored[0].source, "warnings.csv");
    let alerts = store.warning_alerts().await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        (alerts[0].entity.as_str(), alerts[0].acknowledge_by),
        ("FJ-1", at(2, 4))
    );
    assert_eq!(alerts[0].acknowledged_by, None);

    // Escalated once per user, however often the job runs.
    let first = store
        .record_escalations(vec![(1, "fujian".into()), (1, "hq".into())], at(2, 5))
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    let second = store
        .record_escalations(vec![(1, "fujian".into())], at(2, 6))
        .await
        .unwrap();
    assert!(second.is_empty());
    assert_eq!(store.escalations().await.unwrap().len(), 2);

    let done = store
        .acknowledge_warning_alert(1, " 已加固 ", "fj1", at(2, 7))
        .await
        .unwrap();
    assert_eq!(done.acknowledged_by.as_deref(), Some("fj1"));
    assert_eq!(done.acknowledged_at, Some(at(2, 7)));
    assert_eq!(done.note.as_deref(), Some("已加固"));
    let twice = store
        .acknowledge_warning_alert(1, "", "fj2", at(2, 8))
        .await
        .unwrap_err();
    assert!(matches!(twice, StoreError::Conflict(_)), "{twice}");
    assert!(
        store
            .acknowledge_warning_alert(9, "", "fj1", at(2, 8))
            .await
            .is_err()
    );

    // A warning that ends before it starts is refused, nothing written.
    let backwards = NewWarning {
        to: at(1, 0),
        ..warning
    };
    assert!(
        store
            .add_warnings(vec![(backwards, vec![])], "form", "hq", at(3, 0))
            .await
            .is_err()
    );
    assert_eq!(store.warnings().await.unwrap().len(), 1);

    let actions: Vec<String> = audit_lines(store, "")
        .await
        .into_iter()
        .filter(|l| l.0.starts_with("warning") || l.0.starts_with("exposure"))
        .map(|l| format!("{} {}", l.0, l.1))
        .collect();
    assert_eq!(
        actions,
        [
            "exposure.set exposure FJ-1 flood",
            "exposure.set exposure FJ-2 typhoon",
            "warning.add warning 1",
            "warning_alert.trigger warning 1 FJ-1",
            "warning_alert.escalate warning 1 FJ-1",
            "warning_alert.escalate warning 1 FJ-1",
            "warning_alert.acknowledge warning 1 FJ-1",
        ]
    );
}
