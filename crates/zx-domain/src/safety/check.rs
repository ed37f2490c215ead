//! The check contract of safety.md §7 as a pure function: the records of the six file kinds
//! (or of the database) and a date in, every computed status out. `zx safety check` prints it
//! for files, `zx safety status` for what is stored, through the same function, so the two
//! cannot differ on the same records.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::EntityCode;
use crate::safety::certificates::{
    AutoHazard, Certificate, CertificateState, certificate_states, uncertified_operators,
};
use crate::safety::drills::{Drill, EntityDrills, Plan, drill_obligations};
use crate::safety::grading::{GradingBands, LecScore, RiskLevel, Score};
use crate::safety::hazards::{HazardGrade, HazardStatus, is_overdue};
use crate::safety::training::{Person, TrainingRecord, TrainingStatus, training_by_person};

/// A hazard as a register row (the hazards file kind, `entity,id,found,grade,l,e,c,owner,
/// deadline,status`): what is imported and what the check grades. `id` is the group's own
/// hazard number, unique across the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HazardRow {
    pub entity: EntityCode,
    pub id: String,
    pub found: NaiveDate,
    pub grade: HazardGrade,
    /// `None` when the row has no L, E and C.
    pub lec: Option<LecScore>,
    /// Empty, like `deadline` `None`, only while `reported` (not assessed yet).
    pub owner: String,
    pub deadline: Option<NaiveDate>,
    pub status: HazardStatus,
}

/// Every record the check reads, of any number of files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SafetyRecords {
    pub hazards: Vec<HazardRow>,
    pub plans: Vec<Plan>,
    pub drills: Vec<Drill>,
    pub people: Vec<Person>,
    pub training: Vec<TrainingRecord>,
    pub certificates: Vec<Certificate>,
}

/// A hazard's LEC danger and colour (`None` without scores) and whether it is overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HazardCheck {
    pub danger: Option<Decimal>,
    pub level: Option<RiskLevel>,
    pub overdue: bool,
}

/// What the check computes as of a date (safety.md §7's document, before serialisation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyCheck {
    /// By hazard id.
    pub hazards: BTreeMap<String, HazardCheck>,
    /// By entity: every entity that holds a plan.
    pub drills: BTreeMap<EntityCode, EntityDrills>,
    /// By person: every person of the people records.
    pub training: BTreeMap<String, TrainingStatus>,
    /// By certificate number.
    pub certificates: BTreeMap<String, CertificateState>,
    /// Sorted by person.
    pub auto_hazards: Vec<AutoHazard>,
}

/// Grades a hazard row on `as_of` with `bands`.
pub fn check_hazard(row: &HazardRow, bands: &GradingBands, as_of: NaiveDate) -> HazardCheck {
    check_scored_hazard(
        row.lec.map(Score::Lec).as_ref(),
        row.status,
        row.deadline,
        bands,
        as_of,
    )
}

/// Grades a hazard of the register (scored by either method, perhaps without a deadline yet):
/// D and its colour come from LEC scores only, as the contract says; a matrix score gives none.
pub fn check_scored_hazard(
    score: Option<&Score>,
    status: HazardStatus,
    deadline: Option<NaiveDate>,
    bands: &GradingBands,
    as_of: NaiveDate,
) -> HazardCheck {
    let danger = match score {
        Some(Score::Lec(lec)) => Some(lec.danger()),
        _ => None,
    };
    HazardCheck {
        danger,
        level: danger.map(|d| bands.lec(d).1),
        overdue: is_overdue(status, deadline, as_of),
    }
}

/// safety.md §7 over `records` as of `as_of`, hazards graded with `bands`.
pub fn check(records: &SafetyRecords, bands: &GradingBands, as_of: NaiveDate) -> SafetyCheck {
    SafetyCheck {
        hazards: records
            .hazards
            .iter()
            .map(|row| (row.id.clone(), check_hazard(row, bands, as_of)))
            .collect(),
        drills: drill_obligations(&records.plans, &records.drills, as_of),
        training: training_by_person(&records.people, &records.training, as_of),
        certificates: certificate_states(&records.certificates, as_of),
        auto_hazards: uncertified_operators(&records.people, &records.certificates, as_of),
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::safety::certificates::AutoHazardReason;
    use crate::safety::drills::{ObligationStatus, PlanKind};
    use crate::safety::training::PersonRole;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn hazard(
        id: &str,
        lec: Option<(&str, &str, &str)>,
        deadline: &str,
        status: &str,
    ) -> HazardRow {
        HazardRow {
            entity: EntityCode::parse("P1").unwrap(),
            id: id.into(),
            found: date("2026-05-01"),
            grade: HazardGrade::General,
            lec: lec.map(|(l, e, c)| LecScore::new(dec(l), dec(e), dec(c)).unwrap()),
            owner: "li".into(),
            deadline: Some(date(deadline)),
            status: status.parse().unwrap(),
        }
    }

    #[test]
    fn hazards_get_d_colour_and_overdue() {
        let records = SafetyRecords {
            hazards: vec![
                // 3 × 6 × 15 = 270: 160 < 270 ≤ 320 → orange; deadline before the date, open.
                hazard("H1", Some(("3", "6", "15")), "2026-06-30", "rectifying"),
                // 0.5 × 6 × 7 = 21: 20 < 21 ≤ 70 → blue; closed, never overdue.
                hazard("H2", Some(("0.5", "6", "7")), "2026-06-30", "closed"),
                // No scores: no D, no colour; deadline is the date itself: not overdue yet.
                hazard("H3", None, "2026-07-01", "reported"),
            ],
            ..SafetyRecords::default()
        };
        let result = check(&records, &GradingBands::default(), date("2026-07-01"));
        let h1 = result.hazards["H1"];
        assert_eq!(
            (h1.danger, h1.level, h1.overdue),
            (Some(dec("270")), Some(RiskLevel::Orange), true)
        );
        let h2 = result.hazards["H2"];
        assert_eq!(
            (h2.danger, h2.level, h2.overdue),
            (Some(dec("21")), Some(RiskLevel::Blue), false)
        );
        let h3 = result.hazards["H3"];
        assert_eq!((h3.danger, h3.level, h3.overdue), (None, None, false));
    }

    #[test]
    fn every_part_is_assembled_from_its_rule() {
        let p1 = EntityCode::parse("P1").unwrap();
        let records = SafetyRecords {
            plans: vec![Plan {
                entity: p1.clone(),
                plan: "leak".into(),
                kind: PlanKind::Onsite,
                approved: date("2025-01-01"),
            }],
            people: vec![Person {
                person: "W1".into(),
                entity: p1,
                role: PersonRole::SpecialOperator,
                role_since: date("2026-02-01"),
                hired: date("2026-02-01"),
            }],
            certificates: vec![Certificate {
                person: "someone else".into(),
                kind: "电工作业".into(),
                number: "T-9".into(),
                issued: date("2025-01-01"),
                expires: date("2031-01-01"),
                last_review: None,
            }],
            ..SafetyRecords::default()
        };
        let result = check(&records, &GradingBands::default(), date("2026-03-01"));
        // No comprehensive or special plan: yearly not required; the leak plan due by 30 June.
        let drills = &result.drills[&EntityCode::parse("P1").unwrap()];
        assert_eq!(drills.yearly[1].1, ObligationStatus::NotRequired);
        assert_eq!(
            drills.onsite["leak"][1].1,
            ObligationStatus::Due {
                due_by: date("2026-06-30")
            }
        );
        // Hired 2026: 24 h, none done.
        assert_eq!(result.training["W1"].short, dec("24"));
        assert_eq!(result.certificates["T-9"], CertificateState::Valid);
        // W1 holds no certificate (T-9 is someone else's): one automatic major hazard.
        assert_eq!(
            result.auto_hazards,
            vec![AutoHazard {
                person: "W1".into(),
                reason: AutoHazardReason::NoValidCertificate
            }]
        );
    }
}
