//! The hazard register: the closed loop taken step by step with its history, audit and
//! evidence; a major hazard notifies HQ once; every refusal writes nothing; a ledger imported
//! again revises or leaves its hazards alone; a rule's hazard is raised once.

use zx_domain::{Access, EntityTree, Role};
use zx_store::{
    Actor, Assurances, AuditFilter, HazardGrade, HazardStatus, ImportedHazard, LecScore,
    NewEvidence, NewHazard, Score, Step, Store, StoreError,
};

use crate::measures::{at, code, date, setup};

fn photo(name: &str, bytes: &[u8]) -> NewEvidence {
    NewEvidence {
        file_name: name.into(),
        media_type: "image/png".into(),
        content: bytes.to_vec(),
    }
}

fn new_hazard(grade: HazardGrade) -> NewHazard {
    NewHazard {
        entity: code("P1"),
        found: date("2026-04-02"),
        description: "渗滤液池护栏松动".into(),
        location: "渗滤液池".into(),
        grade,
        scores: None,
        auto_key: None,
    }
}

fn lec_score(l: &str, e: &str, c: &str) -> LecScore {
    LecScore::new(l.parse().unwrap(), e.parse().unwrap(), c.parse().unwrap()).unwrap()
}

fn lec(l: &str, e: &str, c: &str) -> Score {
    Score::Lec(lec_score(l, e, c))
}

async fn tree(store: &dyn Store) -> EntityTree {
    EntityTree::build(store.entities().await.unwrap()).unwrap()
}

fn plant() -> Access {
    Access {
        role: Role::EntityManager,
        scope: Some(code("P1")),
    }
}

fn hq() -> Access {
    Access {
        role: Role::HqAnalyst,
        scope: None,
    }
}

fn assurances() -> Assurances {
    Assurances {
        responsibility: "厂长王某".into(),
        measures: "更换护栏".into(),
        funds: "2.5万元".into(),
        timeline: "4月30日前".into(),
        plan: "现场处置方案".into(),
    }
}

async fn audit_count(store: &dyn Store) -> usize {
    store
        .audit_log(&AuditFilter::default())
        .await
        .unwrap()
        .len()
}

pub async fn a_major_hazard_runs_the_loop_with_history_audit_and_evidence(store: &dyn Store) {
    setup(store).await;
    let tree = tree(store).await;
    let (plant, hq) = (plant(), hq());
    let fujian = Actor {
        user: "fujian",
        access: &plant,
        tree: &tree,
    };
    let li = Actor {
        user: "li.hq",
        access: &hq,
        tree: &tree,
    };
    let reported = store
        .report_hazard(
            new_hazard(HazardGrade::Major),
            vec![photo("护栏.png", b"png-1")],
            "fujian",
            at(2, 9),
        )
        .await
        .unwrap();
    assert_eq!(
        (reported.status, reported.revision, reported.code.as_deref()),
        (HazardStatus::Reported, 1, None)
    );
    // Graded major when reported: HQ's enabled analyst is told once, the disabled one not.
    let told = store.hazard_notifications("li.hq").await.unwrap();
    assert_eq!(
        told.iter()
            .map(|n| (n.hazard, n.reason.as_str()))
            .collect::<Vec<_>>(),
        vec![(reported.id, "major_graded")]
    );
    assert!(store.hazard_notifications("gone").await.unwrap().is_empty());
    let id = reported.id;
    let assess = Step::Assess {
        grade: HazardGrade::Major,
        owner: "wang".into(),
        deadline: date("2026-04-30"),
        assurances: Assurances {
            plan: String::new(),
            ..assurances()
        },
        scores: Some(lec("6", "3", "15")),
    };
    let assessed = store
        .take_hazard_step(id, 1, assess.clone(), "", vec![], fujian, at(2, 10))
        .await
        .unwrap();
    assert_eq!(
        (assessed.status, assessed.revision),
        (HazardStatus::Assessed, 2)
    );
    // Re-grading major does not tell HQ a second time.
    assert_eq!(store.hazard_notifications("li.hq").await.unwrap().len(), 1);

    // Refusals write nothing: a stale revision, four assurances, the plant verifying a major.
    let lines = audit_count(store).await;
    assert!(matches!(
        store
            .take_hazard_step(id, 1, Step::StartRectifying, "", vec![], fujian, at(2, 11))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let refused = store
        .take_hazard_step(id, 2, Step::StartRectifying, "", vec![], fujian, at(2, 11))
        .await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(m)) if m.contains("plan")),
        "{refused:?}"
    );
    assert_eq!(audit_count(store).await, lines);
    assert_eq!(store.hazard(id).await.unwrap().unwrap(), assessed);

    let assess_full = Step::Assess {
        grade: HazardGrade::Major,
        owner: "wang".into(),
        deadline: date("2026-04-30"),
        assurances: assurances(),
        scores: None,
    };
    store
        .take_hazard_step(id, 2, assess_full, "补充预案", vec![], fujian, at(2, 12))
        .await
        .unwrap();
    store
        .take_hazard_step(id, 3, Step::StartRectifying, "", vec![], fujian, at(3, 9))
        .await
        .unwrap();
    let rectified = store
        .take_hazard_step(
            id,
            4,
            Step::Rectified,
            "护栏已更换",
            vec![photo("整改后.png", b"png-2")],
            fujian,
            at(10, 9),
        )
        .await
        .unwrap();
    assert_eq!(rectified.rectified_by.as_deref(), Some("fujian"));
    let lines = audit_count(store).await;
    let at_plant = store
        .take_hazard_step(id, 5, Step::Verify, "", vec![], fujian, at(11, 9))
        .await;
    assert!(
        matches!(at_plant, Err(StoreError::Invalid(_))),
        "{at_plant:?}"
    );
    let no_reason = store
        .take_hazard_step(
            id,
            5,
            Step::Reject { reason: " ".into() },
            "",
            vec![],
            li,
            at(11, 9),
        )
        .await;
    assert!(matches!(no_reason, Err(StoreError::Invalid(_))));
    assert_eq!(audit_count(store).await, lines);
    let rejected = store
        .take_hazard_step(
            id,
            5,
            Step::Reject {
                reason: "护栏未固定".into(),
            },
            "",
            vec![],
            li,
            at(11, 10),
        )
        .await
        .unwrap();
    assert_eq!(rejected.status, HazardStatus::Rectifying);
    store
        .take_hazard_step(id, 6, Step::Rectified, "已加固", vec![], fujian, at(12, 9))
        .await
        .unwrap();
    let closed = store
        .take_hazard_step(id, 7, Step::Verify, "验收合格", vec![], li, at(13, 9))
        .await
        .unwrap();
    assert_eq!(
        (
            closed.status,
            closed.verified_by.as_deref(),
            closed.revision
        ),
        (HazardStatus::Closed, Some("li.hq"), 8)
    );
    assert_eq!(store.hazard(id).await.unwrap().unwrap(), closed);

    let history: Vec<(String, Option<HazardStatus>, HazardStatus, String, String)> = store
        .hazard_steps(id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.step, s.status_before, s.status_after, s.comment, s.by))
        .collect();
    use HazardStatus::*;
    let step = |s: &str, b: Option<HazardStatus>, a, c: &str, by: &str| {
        (s.to_owned(), b, a, c.to_owned(), by.to_owned())
    };
    assert_eq!(
        history,
        vec![
            step("report", None, Reported, "", "fujian"),
            step("assess", Some(Reported), Assessed, "", "fujian"),
            step("assess", Some(Assessed), Assessed, "补充预案", "fujian"),
            step("start", Some(Assessed), Rectifying, "", "fujian"),
            step(
                "rectified",
                Some(Rectifying),
                AwaitingVerification,
                "护栏已更换",
                "fujian"
            ),
            step(
                "reject",
                Some(AwaitingVerification),
                Rectifying,
                "护栏未固定",
                "li.hq"
            ),
            step(
                "rectified",
                Some(Rectifying),
                AwaitingVerification,
                "已加固",
                "fujian"
            ),
            step(
                "verify",
                Some(AwaitingVerification),
                Closed,
                "验收合格",
                "li.hq"
            ),
        ]
    );
    let files = store.hazard_attachments(id).await.unwrap();
    assert_eq!(
        files
            .iter()
            .map(|f| f.file_name.as_str())
            .collect::<Vec<_>>(),
        vec!["护栏.png", "整改后.png"]
    );
    let (_, content) = store
        .hazard_attachment_content(files[1].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(content, b"png-2");

    let verify_line = store
        .audit_log(&AuditFilter {
            action: Some("hazard.verify".into()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(verify_line.len(), 1);
    assert_eq!(
        (
            verify_line[0].old_value.as_deref(),
            verify_line[0].new_value.as_deref()
        ),
        (
            Some(
                "status=awaiting_verification; grade=major; owner=wang; deadline=2026-04-30; scores=; assurances=5/5"
            ),
            Some(
                "status=closed; grade=major; owner=wang; deadline=2026-04-30; scores=; assurances=5/5; comment=验收合格"
            )
        )
    );
    assert_eq!(
        store
            .mark_hazard_notifications_read("li.hq", at(14, 9))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .mark_hazard_notifications_read("li.hq", at(14, 9))
            .await
            .unwrap(),
        0
    );
}

fn ledger_row(id: &str, entity: &str, owner: &str, status: HazardStatus) -> ImportedHazard {
    ImportedHazard {
        entity: code(entity),
        id: id.into(),
        found: date("2026-03-01"),
        grade: HazardGrade::General,
        lec: Some(lec_score("0.5", "6", "7")),
        owner: owner.into(),
        deadline: Some(date("2026-03-31")),
        status,
    }
}

pub async fn a_ledger_imported_again_revises_or_leaves_its_hazards(store: &dyn Store) {
    setup(store).await;
    let list = vec![
        ledger_row("H-1", "P1", "张三", HazardStatus::Rectifying),
        ledger_row("H-2", "P2", "李四", HazardStatus::Closed),
    ];
    let done = store
        .import_hazards(list.clone(), "隐患台账.xlsx", "cd", "li.hq", at(3, 9))
        .await
        .unwrap();
    assert_eq!((done.created, done.revised, done.unchanged), (2, 0, 0));
    let stored = store.hazards().await.unwrap();
    assert_eq!(stored[0].code.as_deref(), Some("H-1"));
    // 0.5 keeps its places: decimals come back exactly.
    assert_eq!(stored[0].scores, Some(lec("0.5", "6", "7")));
    let mut again = list.clone();
    again[0].status = HazardStatus::AwaitingVerification;
    let done = store
        .import_hazards(again, "隐患台账.xlsx", "ef", "li.hq", at(4, 9))
        .await
        .unwrap();
    assert_eq!((done.created, done.revised, done.unchanged), (0, 1, 1));
    let revise = store
        .audit_log(&AuditFilter {
            action: Some("hazard.revise".into()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        revise[0].new_value.as_deref(),
        Some(
            "found=2026-03-01; grade=general; scores=lec=0.5x6x7; owner=张三; deadline=2026-03-31; status=awaiting_verification"
        )
    );
    assert_eq!(
        store.hazard(stored[0].id).await.unwrap().unwrap().revision,
        2
    );

    // All or nothing: an unknown entity, an id twice, another entity's id.
    let lines = audit_count(store).await;
    for bad in [
        vec![
            ledger_row("H-3", "P1", "王五", HazardStatus::Reported),
            ledger_row("H-4", "NOPE", "王五", HazardStatus::Reported),
        ],
        vec![
            ledger_row("H-5", "P1", "王五", HazardStatus::Reported),
            ledger_row("H-5", "P1", "王五", HazardStatus::Reported),
        ],
        vec![ledger_row("H-1", "P2", "张三", HazardStatus::Reported)],
    ] {
        let refused = store
            .import_hazards(bad, "bad.csv", "00", "li.hq", at(5, 9))
            .await;
        assert!(
            matches!(refused, Err(StoreError::Invalid(_))),
            "{refused:?}"
        );
    }
    assert_eq!(audit_count(store).await, lines);
    assert_eq!(store.hazards().await.unwrap().len(), 2);
}

pub async fn a_rules_hazard_is_raised_once(store: &dyn Store) {
    setup(store).await;
    let auto = NewHazard {
        auto_key: Some("no_valid_certificate:张三".into()),
        description: "特种作业人员张三无有效证书".into(),
        ..new_hazard(HazardGrade::Major)
    };
    let first = store
        .report_hazard(auto.clone(), vec![], "system", at(2, 9))
        .await
        .unwrap();
    let second = store
        .report_hazard(auto, vec![], "system", at(3, 9))
        .await
        .unwrap();
    assert_eq!(first, second);
    assert_eq!(store.hazards().await.unwrap().len(), 1);
    let empty = store
        .report_hazard(
            NewHazard {
                description: "  ".into(),
                ..new_hazard(HazardGrade::General)
            },
            vec![],
            "fujian",
            at(3, 9),
        )
        .await;
    assert!(matches!(empty, Err(StoreError::Invalid(_))));
}

pub async fn a_web_hazard_exported_and_imported_back_is_unchanged(store: &dyn Store) {
    setup(store).await;
    let tree = tree(store).await;
    let plant = plant();
    let fujian = Actor {
        user: "fujian",
        access: &plant,
        tree: &tree,
    };
    let reported = store
        .report_hazard(
            NewHazard {
                scores: Some(Score::Matrix(zx_store::MatrixScore::new(4, 5).unwrap())),
                ..new_hazard(HazardGrade::General)
            },
            vec![],
            "fujian",
            at(2, 9),
        )
        .await
        .unwrap();
    let assess = Step::Assess {
        grade: HazardGrade::General,
        owner: "wang".into(),
        deadline: date("2026-04-30"),
        assurances: Assurances::default(),
        scores: reported.scores,
    };
    let assessed = store
        .take_hazard_step(reported.id, 1, assess, "", vec![], fujian, at(2, 10))
        .await
        .unwrap();
    // The export's row: `#id`, no L, E, C (its scores are the matrix's), as the register shows it.
    let row = ImportedHazard {
        entity: code("P1"),
        id: format!("#{}", reported.id),
        found: date("2026-04-02"),
        grade: HazardGrade::General,
        lec: None,
        owner: "wang".into(),
        deadline: Some(date("2026-04-30")),
        status: HazardStatus::Assessed,
    };
    let done = store
        .import_hazards(vec![row.clone()], "hazards.xlsx", "aa", "li.hq", at(3, 9))
        .await
        .unwrap();
    assert_eq!((done.created, done.revised, done.unchanged), (0, 0, 1));
    assert_eq!(store.hazard(reported.id).await.unwrap().unwrap(), assessed);
    // A `#number` of no hazard is refused rather than made a register number.
    let stray = ImportedHazard {
        id: "#999".into(),
        ..row
    };
    assert!(matches!(
        store
            .import_hazards(vec![stray], "hazards.xlsx", "bb", "li.hq", at(3, 9))
            .await,
        Err(StoreError::Invalid(_))
    ));
}
