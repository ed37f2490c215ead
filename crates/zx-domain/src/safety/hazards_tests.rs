//! The closed loop's rules, safety.md §2: every refusal, and the steps that pass.

use super::*;
use crate::entity::{Entity, EntityKind};

/// G (HQ's group) → S1 (a subsidiary) → P1 (a plant); S2 another subsidiary.
fn tree() -> EntityTree {
    let e = |c: &str, p: Option<&str>| Entity {
        code: EntityCode::parse(c).unwrap(),
        name: c.into(),
        parent: p.map(|p| EntityCode::parse(p).unwrap()),
        kind: EntityKind::Plant,
        region: String::new(),
        segment: String::new(),
    };
    EntityTree::build(vec![
        e("G", None),
        e("S1", Some("G")),
        e("P1", Some("S1")),
        e("S2", Some("G")),
    ])
    .unwrap()
}

fn code(c: &str) -> EntityCode {
    EntityCode::parse(c).unwrap()
}

fn manager(scope: &str) -> Access {
    Access {
        role: Role::EntityManager,
        scope: Some(code(scope)),
    }
}

fn hq() -> Access {
    Access {
        role: Role::HqAnalyst,
        scope: None,
    }
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn full_assurances() -> Assurances {
    Assurances {
        responsibility: "厂长".into(),
        measures: "更换护栏".into(),
        funds: "2万元".into(),
        timeline: "12月20日前".into(),
        plan: "现场处置方案".into(),
    }
}

fn hazard(grade: HazardGrade, status: HazardStatus) -> LoopState {
    LoopState {
        entity: code("P1"),
        grade,
        status,
        owner: "owner1".into(),
        rectified_by: Some("fixer".into()),
        found: date("2026-11-02"),
        assurances: full_assurances(),
    }
}

#[test]
fn the_loop_runs_from_report_to_closed() {
    let tree = tree();
    let plant = manager("P1");
    let mut h = hazard(HazardGrade::General, HazardStatus::Reported);
    h.rectified_by = None;
    let assess = Step::Assess {
        grade: HazardGrade::General,
        owner: "owner1".into(),
        deadline: date("2026-11-30"),
        assurances: Assurances::default(),
        scores: None,
    };
    h.status = check_step(&h, &assess, "p1mgr", &plant, &tree).unwrap();
    assert_eq!(h.status, HazardStatus::Assessed);
    // A general hazard needs no assurances to start.
    h.assurances = Assurances::default();
    h.status = check_step(&h, &Step::StartRectifying, "p1mgr", &plant, &tree).unwrap();
    assert_eq!(h.status, HazardStatus::Rectifying);
    h.status = check_step(&h, &Step::Rectified, "p1mgr", &plant, &tree).unwrap();
    h.rectified_by = Some("p1mgr".into());
    assert_eq!(h.status, HazardStatus::AwaitingVerification);
    // Another manager of the plant (neither owner nor rectifier) verifies a general hazard.
    let closed = check_step(&h, &Step::Verify, "p1deputy", &plant, &tree).unwrap();
    assert_eq!(closed, HazardStatus::Closed);
}

#[test]
fn a_viewer_and_someone_outside_the_subtree_may_not_act() {
    let tree = tree();
    let h = hazard(HazardGrade::General, HazardStatus::Rectifying);
    let viewer = Access {
        role: Role::Viewer,
        scope: Some(code("P1")),
    };
    let other = manager("S2");
    for access in [viewer, other] {
        assert_eq!(
            check_step(&h, &Step::Rectified, "x", &access, &tree),
            Err(StepError::MayNotAct { entity: code("P1") })
        );
    }
    assert!(!may_report(&manager("S2"), &tree, &code("P1")));
    assert!(may_report(&manager("S1"), &tree, &code("P1")));
}

#[test]
fn each_step_is_refused_from_a_status_it_does_not_start_from() {
    let tree = tree();
    let steps = [
        Step::Assess {
            grade: HazardGrade::General,
            owner: "o".into(),
            deadline: date("2026-12-01"),
            assurances: Assurances::default(),
            scores: None,
        },
        Step::StartRectifying,
        Step::Rectified,
        Step::Verify,
        Step::Reject {
            reason: "照片不清楚".into(),
        },
    ];
    // Allowed (step, from) pairs, from safety.md §2's states; all others refused.
    let allowed = [
        ("assess", HazardStatus::Reported),
        ("assess", HazardStatus::Assessed),
        ("start", HazardStatus::Assessed),
        ("rectified", HazardStatus::Rectifying),
        ("verify", HazardStatus::AwaitingVerification),
        ("reject", HazardStatus::AwaitingVerification),
    ];
    for step in &steps {
        for status in HazardStatus::ALL {
            let h = hazard(HazardGrade::General, status);
            let got = check_step(&h, step, "hq", &hq(), &tree);
            if allowed.contains(&(step.as_str(), status)) {
                assert_eq!(
                    got,
                    Ok(step.to_status()),
                    "{} from {status:?}",
                    step.as_str()
                );
            } else {
                assert_eq!(
                    got,
                    Err(StepError::WrongStatus {
                        status,
                        step: step.as_str()
                    }),
                    "{} from {status:?}",
                    step.as_str()
                );
            }
        }
    }
    // A closed hazard is closed for good: nothing leads out of it.
}

#[test]
fn a_major_hazard_needs_all_five_assurances_before_rectifying() {
    let tree = tree();
    let mut h = hazard(HazardGrade::Major, HazardStatus::Assessed);
    h.assurances.funds = "  ".into();
    h.assurances.plan = String::new();
    assert_eq!(
        check_step(&h, &Step::StartRectifying, "m", &manager("P1"), &tree),
        Err(StepError::MissingAssurances {
            missing: vec![Assurance::Funds, Assurance::Plan]
        })
    );
    h.assurances = full_assurances();
    assert_eq!(
        check_step(&h, &Step::StartRectifying, "m", &manager("P1"), &tree),
        Ok(HazardStatus::Rectifying)
    );
}

#[test]
fn assessing_needs_an_owner_and_a_deadline_not_before_the_find() {
    let tree = tree();
    let h = hazard(HazardGrade::General, HazardStatus::Reported);
    let assess = |owner: &str, deadline: &str| Step::Assess {
        grade: HazardGrade::Major,
        owner: owner.into(),
        deadline: date(deadline),
        assurances: Assurances::default(),
        scores: None,
    };
    let plant = manager("P1");
    assert_eq!(
        check_step(&h, &assess(" ", "2026-12-01"), "m", &plant, &tree),
        Err(StepError::NoOwner)
    );
    // Found 2026-11-02: a deadline the day before is refused, the same day is accepted.
    assert_eq!(
        check_step(&h, &assess("o", "2026-11-01"), "m", &plant, &tree),
        Err(StepError::DeadlineBeforeFound {
            deadline: date("2026-11-01"),
            found: date("2026-11-02")
        })
    );
    assert_eq!(
        check_step(&h, &assess("o", "2026-11-02"), "m", &plant, &tree),
        Ok(HazardStatus::Assessed)
    );
}

#[test]
fn the_verifier_is_neither_the_owner_nor_the_rectifier() {
    let tree = tree();
    let h = hazard(HazardGrade::General, HazardStatus::AwaitingVerification);
    assert_eq!(
        check_step(&h, &Step::Verify, "owner1", &hq(), &tree),
        Err(StepError::VerifierIsOwner {
            user: "owner1".into()
        })
    );
    assert_eq!(
        check_step(&h, &Step::Verify, "fixer", &hq(), &tree),
        Err(StepError::VerifierIsRectifier {
            user: "fixer".into()
        })
    );
    // The same holds for a rejection: it is the verifier's act.
    let reject = Step::Reject {
        reason: "未整改到位".into(),
    };
    assert!(matches!(
        check_step(&h, &reject, "fixer", &hq(), &tree),
        Err(StepError::VerifierIsRectifier { .. })
    ));
    assert_eq!(
        check_step(&h, &Step::Verify, "someone", &hq(), &tree),
        Ok(HazardStatus::Closed)
    );
}

#[test]
fn a_major_hazard_is_verified_above_the_plant() {
    let tree = tree();
    let h = hazard(HazardGrade::Major, HazardStatus::AwaitingVerification);
    // The plant's own manager: refused, though neither owner nor rectifier.
    assert_eq!(
        check_step(&h, &Step::Verify, "p1mgr", &manager("P1"), &tree),
        Err(StepError::MajorVerifiedBelowSubsidiary { entity: code("P1") })
    );
    // The subsidiary above it and HQ may.
    assert_eq!(
        check_step(&h, &Step::Verify, "s1mgr", &manager("S1"), &tree),
        Ok(HazardStatus::Closed)
    );
    assert_eq!(
        check_step(&h, &Step::Verify, "hq", &hq(), &tree),
        Ok(HazardStatus::Closed)
    );
    // Another subsidiary is outside the plant's subtree altogether.
    assert!(matches!(
        check_step(&h, &Step::Verify, "s2mgr", &manager("S2"), &tree),
        Err(StepError::MayNotAct { .. })
    ));
    // A general hazard may be verified at the plant.
    let general = hazard(HazardGrade::General, HazardStatus::AwaitingVerification);
    assert!(may_verify(&general, "p1mgr", &manager("P1"), &tree));
    assert!(!may_verify(&h, "p1mgr", &manager("P1"), &tree));
}

#[test]
fn a_rejection_needs_a_reason_and_goes_back_to_rectifying() {
    let tree = tree();
    let h = hazard(HazardGrade::General, HazardStatus::AwaitingVerification);
    let reject = |reason: &str| Step::Reject {
        reason: reason.into(),
    };
    assert_eq!(
        check_step(&h, &reject(" \n"), "hq", &hq(), &tree),
        Err(StepError::RejectWithoutReason)
    );
    assert_eq!(
        check_step(&h, &reject("护栏未固定"), "hq", &hq(), &tree),
        Ok(HazardStatus::Rectifying)
    );
}

#[test]
fn overdue_is_a_deadline_before_the_date_and_not_closed() {
    let deadline = Some(date("2026-12-05"));
    // On the deadline itself it is not overdue yet; the day after it is.
    assert!(!is_overdue(
        HazardStatus::Rectifying,
        deadline,
        date("2026-12-05")
    ));
    assert!(is_overdue(
        HazardStatus::Rectifying,
        deadline,
        date("2026-12-06")
    ));
    assert!(!is_overdue(
        HazardStatus::Closed,
        deadline,
        date("2026-12-06")
    ));
    assert!(!is_overdue(
        HazardStatus::Reported,
        None,
        date("2030-01-01")
    ));
}

#[test]
fn age_bands_have_their_edges_where_the_labels_say() {
    let found = date("2026-11-01");
    // 2026-11-08 − 2026-11-01 = 7 days; 2026-12-01 = 30 days; 2027-01-30 = 90 days.
    assert_eq!(AgeBand::of(found, date("2026-11-08")), AgeBand::Week);
    assert_eq!(AgeBand::of(found, date("2026-11-09")), AgeBand::Month);
    assert_eq!(AgeBand::of(found, date("2026-12-01")), AgeBand::Month);
    assert_eq!(AgeBand::of(found, date("2026-12-02")), AgeBand::Quarter);
    assert_eq!(AgeBand::of(found, date("2027-01-30")), AgeBand::Quarter);
    assert_eq!(AgeBand::of(found, date("2027-01-31")), AgeBand::Older);
    assert_eq!(AgeBand::of(found, date("2026-10-01")), AgeBand::Week);
}

#[test]
fn statuses_and_grades_read_back_from_what_people_read() {
    for status in HazardStatus::ALL {
        for lang in [Lang::Zh, Lang::En] {
            assert_eq!(
                parse_status(hazard_status_label(status, lang)),
                Some(status)
            );
        }
        assert_eq!(parse_status(status.code()), Some(status));
    }
    assert_eq!(
        parse_status("awaiting verification"),
        Some(HazardStatus::AwaitingVerification)
    );
    assert_eq!(parse_grade("重大隐患"), Some(HazardGrade::Major));
    assert_eq!(parse_grade("一般"), Some(HazardGrade::General));
    assert_eq!(parse_grade("big"), None);
    // Every refusal has a Chinese text of its own, not the English one.
    let refusal = StepError::RejectWithoutReason;
    assert_ne!(refusal.text(Lang::Zh), refusal.text(Lang::En));
}
