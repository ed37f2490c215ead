//! The practice library in the store: practices saved, a change made a new revision (the old one
//! kept) and audited with old and new value, an identical one left alone, a bad row or a moved
//! entity refusing the whole save, HQ's recommendation telling each plant once, files kept in
//! `blobs`, and everything travelling in the archive. Expected values are written by hand.

use chrono::{DateTime, Duration, TimeZone, Utc};
use zx_domain::practices::{Practice, PracticeResult};
use zx_domain::{Decimal, Entity, EntityKind};
use zx_store::archive::Cell;
use zx_store::{
    AuditFilter, Changes, Import, NewEvidence, NewPractice, NewSubmission, PracticeOutcome, Store,
    StoreError,
};

use crate::measures::code;

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, day, 3, 0, 0).unwrap() + Duration::microseconds(250_001)
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// G > FJ > FJ-1 (waste-to-energy).
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

fn chelating() -> NewPractice {
    NewPractice {
        practice: Practice {
            code: "P-001".into(),
            title: "飞灰螯合剂配比优化".into(),
            body: "螯合剂添加比例由 3% 降至 2.2%，浸出浓度仍达标。".into(),
            entity: code("FJ-1"),
            tags: vec!["飞灰".into(), "药剂".into()],
            result: PracticeResult {
                amount: Some(d("860000.00")),
                quantity: None,
                unit: String::new(),
                note: String::new(),
            },
        },
        segment: "waste-to-energy".into(),
    }
}

fn condenser() -> NewPractice {
    NewPractice {
        practice: Practice {
            code: "P-002".into(),
            title: "凝汽器胶球在线清洗".into(),
            body: "每日投球，端差下降 2.1℃。".into(),
            entity: code("FJ-1"),
            tags: vec!["汽轮机".into()],
            result: PracticeResult {
                amount: None,
                quantity: Some(d("0.80")),
                unit: "kPa".into(),
                note: "真空度提高".into(),
            },
        },
        segment: "waste-to-energy".into(),
    }
}

pub async fn practices_are_revised_never_overwritten_and_audited(store: &dyn Store) {
    setup(store).await;
    let outcomes = store
        .save_practices(vec![chelating(), condenser()], "practices.csv", "hq", at(2))
        .await
        .unwrap();
    assert_eq!(outcomes, [PracticeOutcome::Created; 2]);

    // Again with the chelating dose corrected, the condenser as it was.
    let mut corrected = chelating();
    corrected.practice.body = "螯合剂添加比例由 3% 降至 2.0%，浸出浓度仍达标。".into();
    corrected.practice.tags.push("降本".into());
    let outcomes = store
        .save_practices(
            vec![corrected, condenser()],
            "practices-v2.xlsx",
            "hq",
            at(3),
        )
        .await
        .unwrap();
    assert_eq!(
        outcomes,
        [PracticeOutcome::Revised, PracticeOutcome::Unchanged]
    );

    let list = store.practices().await.unwrap();
    let shown: Vec<(&str, i64, &str, String)> = list
        .iter()
        .map(|p| {
            (
                p.practice.code.as_str(),
                p.revision,
                p.source.as_str(),
                p.practice.tags.join(";"),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("P-001", 2, "practices-v2.xlsx", "飞灰;药剂;降本".to_owned()),
            ("P-002", 1, "practices.csv", "汽轮机".to_owned()),
        ]
    );
    // Exact decimals with their places, the physical result with its unit.
    assert_eq!(
        list[0].practice.result.amount.unwrap().to_string(),
        "860000.00"
    );
    assert_eq!(
        list[1].practice.result.quantity.unwrap().to_string(),
        "0.80"
    );
    assert_eq!(list[1].practice.result.unit, "kPa");
    assert_eq!(list[1].practice.result.note, "真空度提高");
    assert_eq!(list[0].recorded_at, at(3));
    assert!(!list[0].is_recommended());

    // The first text stays in the history.
    let history = store.practice_history("P-001").await.unwrap();
    assert_eq!(history.len(), 2);
    assert!(history[0].practice.body.contains("2.2%"));
    assert!(history[1].practice.body.contains("2.0%"));

    let audit = store
        .audit_log(&AuditFilter {
            action: Some("practice.revise".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].object, "practice P-001");
    let old = audit[0].old_value.as_deref().unwrap();
    let new = audit[0].new_value.as_deref().unwrap();
    assert!(old.contains("tags=飞灰;药剂; amount=860000; "), "{old}");
    assert!(new.contains("tags=飞灰;药剂;降本;"), "{new}");
    assert!(new.ends_with("body=螯合剂添加比例由 3% 降至 2.0%，浸出浓度仍达标。"));

    // A bad row, an unknown entity or a moved practice: nothing written, the practice named.
    let mut no_title = condenser();
    no_title.practice.code = "P-003".into();
    no_title.practice.title = " ".into();
    let mut moved = condenser();
    moved.practice.entity = code("FJ");
    let mut unknown = condenser();
    unknown.practice.code = "P-004".into();
    unknown.practice.entity = code("XX");
    for (rows, expected) in [
        (
            vec![chelating(), no_title],
            "practice 2 (P-003): title is empty",
        ),
        (
            vec![moved],
            "practice 1 (P-002): it is FJ-1's practice, not FJ's",
        ),
        (vec![unknown], "practice 1 (P-004): no entity XX"),
        (
            vec![condenser(), condenser()],
            "practice 2: P-002 is given twice",
        ),
    ] {
        match store.save_practices(rows, "bad.csv", "hq", at(4)).await {
            Err(StoreError::Invalid(message)) => {
                assert!(message.starts_with(expected), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(store.practices().await.unwrap().len(), 2);
    assert_eq!(store.practice_history("P-001").await.unwrap().len(), 2);
}

pub async fn a_recommendation_tells_each_plant_once_and_everything_is_archived(store: &dyn Store) {
    setup(store).await;
    store
        .save_practices(vec![chelating(), condenser()], "practices.csv", "hq", at(2))
        .await
        .unwrap();
    let told = store
        .recommend_practice(
            "P-001",
            true,
            "全集团推广",
            vec!["nanchong".into(), "fj1-viewer".into()],
            "hq",
            at(5),
        )
        .await
        .unwrap();
    assert_eq!(told, ["nanchong", "fj1-viewer"]);
    // The same decision again writes nothing and tells nobody.
    let again = store
        .recommend_practice("P-001", true, "", vec!["nanchong".into()], "hq", at(6))
        .await
        .unwrap();
    assert!(again.is_empty());
    let list = store.practices().await.unwrap();
    let decision = list[0].recommendation.as_ref().unwrap();
    assert!(decision.recommended);
    assert_eq!(
        (decision.by.as_str(), decision.note.as_str(), decision.at),
        ("hq", "全集团推广", at(5))
    );
    // Withdrawn, then recommended again: a plant already told is not told twice.
    store
        .recommend_practice("P-001", false, "", vec![], "hq", at(7))
        .await
        .unwrap();
    assert!(!store.practices().await.unwrap()[0].is_recommended());
    let told = store
        .recommend_practice(
            "P-001",
            true,
            "",
            vec!["nanchong".into(), "sanming".into()],
            "hq",
            at(8),
        )
        .await
        .unwrap();
    assert_eq!(told, ["sanming"]);
    let audit = store
        .audit_log(&AuditFilter {
            object: Some("practice P-001".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    actions.sort();
    assert_eq!(
        actions,
        [
            "practice.create",
            "practice.recommend",
            "practice.recommend",
            "practice.unrecommend"
        ]
    );
    assert!(matches!(
        store
            .recommend_practice("P-999", true, "", vec![], "hq", at(8))
            .await,
        Err(StoreError::Invalid(_))
    ));

    let notices = store.practice_notifications("nanchong").await.unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(
        (notices[0].practice.as_str(), notices[0].read_at),
        ("P-001", None)
    );
    assert_eq!(
        store
            .mark_practice_notifications_read("nanchong", at(9))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.practice_notifications("nanchong").await.unwrap()[0].read_at,
        Some(at(9))
    );

    // A file kept in blobs and read back whole.
    let pdf = b"%PDF-1.4 chelating trial".to_vec();
    let stored = store
        .add_practice_evidence(
            "P-001",
            NewEvidence {
                file_name: "小试报告.pdf".into(),
                media_type: "application/pdf".into(),
                content: pdf.clone(),
            },
            "hq",
            at(9),
        )
        .await
        .unwrap();
    assert_eq!(stored.size, 24);
    let listed = store.practice_attachments("P-001").await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&stored));
    let (_, content) = store
        .practice_attachment_content(stored.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(content, pdf);
    assert!(
        store
            .practice_attachment_content(999)
            .await
            .unwrap()
            .is_none()
    );

    // Every table in the archive: 2 practices, 2 revisions, 3 decisions, 1 file, 3 notices.
    let archive = store.export().await.unwrap();
    let count = |table: &str| {
        archive
            .table_rows
            .iter()
            .filter(|r| r.table.name == table)
            .count()
    };
    assert_eq!(
        [
            "practices",
            "practice_revisions",
            "practice_recommendations",
            "practice_attachments",
            "practice_notifications"
        ]
        .map(count),
        [2, 2, 3, 1, 3]
    );
    let amounts: Vec<Cell> = archive
        .table_rows
        .iter()
        .filter(|r| r.table.name == "practice_revisions")
        .filter_map(|r| r.cell("result_amount").cloned())
        .collect();
    assert_eq!(amounts, [Cell::Decimal("860000.00".into()), Cell::Null]);
}
