use super::*;

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn code(text: &str) -> EntityCode {
    EntityCode::parse(text).unwrap()
}

fn month(text: &str) -> Month {
    Month::parse(text).unwrap()
}

fn term(id: i64, entity: &str, start: &str, end: &str, contract: Option<&str>) -> ManagerTerm {
    ManagerTerm {
        id,
        person_id: format!("E{id:03}"),
        person_name: format!("经理{id}"),
        entity: code(entity),
        position: "总经理".into(),
        start: date(start),
        end: date(end),
        contract_signed: contract.map(date),
        term_target: String::new(),
        term_result: String::new(),
        years: Vec::new(),
        outcome: None,
    }
}

fn ended(mut t: ManagerTerm, kind: OutcomeKind, on: &str, for_performance: bool) -> ManagerTerm {
    t.outcome = Some(Outcome {
        kind,
        date: date(on),
        reason: "考核".into(),
        for_performance,
    });
    t
}

/// Ten terms of P1 and one of S1, each testing one edge of the counting rule.
fn register() -> Vec<ManagerTerm> {
    use OutcomeKind::*;
    vec![
        term(1, "P1", "2024-01-01", "2026-12-31", Some("2024-01-10")),
        // Starts on June's last day: in term at June's end, no contract.
        term(2, "P1", "2026-06-30", "2029-06-29", None),
        ended(
            term(3, "P1", "2025-01-01", "2027-12-31", Some("2025-01-05")),
            Demoted,
            "2026-06-15",
            false,
        ),
        // Contract signed in July: not contracted at June's end.
        term(4, "P1", "2025-01-01", "2027-12-31", Some("2026-07-01")),
        // Ended the day before June's last.
        term(5, "P1", "2023-07-01", "2026-06-29", Some("2023-07-01")),
        // Retired: leaves, but is no adjustment.
        ended(
            term(6, "P1", "2024-01-01", "2026-12-31", None),
            Exited,
            "2026-06-20",
            false,
        ),
        ended(
            term(7, "P1", "2024-01-01", "2026-12-31", Some("2024-01-01")),
            Exited,
            "2026-05-31",
            true,
        ),
        term(8, "S1", "2024-01-01", "2026-12-31", Some("2024-01-01")),
        // Kept: ends nothing.
        ended(
            term(9, "P1", "2024-01-01", "2026-12-31", Some("2025-03-01")),
            Kept,
            "2026-06-10",
            false,
        ),
        // Exit for non-performance on the month's last day: adjusted in June, gone at its end.
        ended(
            term(10, "P1", "2025-01-01", "2027-12-31", Some("2025-01-01")),
            Exited,
            "2026-06-30",
            true,
        ),
    ]
}

#[test]
fn the_register_counts_terms_in_force_contracted_and_adjusted_by_hand() {
    let terms = register();
    // June 2026, last day 06-30. In term: 1, 2 (starts 06-30), 4, 9 (kept) = 4; not 3 (demoted
    // 06-15), 5 (ended 06-29), 6 and 7 (exited), 10 (exited 06-30), 8 (S1).
    // Contracted by 06-30 among those: 1 (2024-01-10), 9 (2025-03-01) = 2; 2 has none, 4 signed
    // 07-01. Adjusted in June: 3 (demoted), 10 (exit for performance) = 2; 6 retired.
    assert_eq!(
        register_counts(&terms, &code("P1"), month("2026-06")),
        RegisterCounts {
            managers_end: 4,
            managers_adjusted: 2,
            managers_contracted_end: 2,
        }
    );
    // May 2026, last day 05-31. In term: 1, 3, 4, 5, 6, 9, 10 = 7 (2 not started, 7 left on
    // 05-31). Contracted: 1, 3, 5, 9, 10 = 5 (4 signs in July, 6 never). Adjusted: 7 = 1.
    assert_eq!(
        register_counts(&terms, &code("P1"), month("2026-05")),
        RegisterCounts {
            managers_end: 7,
            managers_adjusted: 1,
            managers_contracted_end: 5,
        }
    );
    // S1 keeps one term, in force and contracted; an entity without terms counts nothing.
    assert_eq!(
        register_counts(&terms, &code("S1"), month("2026-06")).items(),
        [
            ("managers_end", 1),
            ("managers_adjusted", 0),
            ("managers_contracted_end", 1)
        ]
    );
    assert_eq!(
        register_counts(&terms, &code("S2"), month("2026-06")),
        RegisterCounts::default()
    );
    assert_eq!(register_entities(&terms), vec![code("P1"), code("S1")]);
}

#[test]
fn a_reported_value_that_differs_from_the_register_is_named() {
    let counts = RegisterCounts {
        managers_end: 11,
        managers_adjusted: 1,
        managers_contracted_end: 9,
    };
    let checks = register_checks(counts, |item| match item {
        "managers_end" => Some(Decimal::from(12)),
        "managers_adjusted" => Some("1.00".parse().unwrap()),
        _ => None,
    });
    assert_eq!(
        checks[0].flag_text(Lang::Zh).as_deref(),
        Some("管理人员 报 12，台账 11")
    );
    assert_eq!(
        checks[0].flag_text(Lang::En).as_deref(),
        Some("managers: reported 12, register 11")
    );
    // 1.00 equals 1: no flag; nothing reported: no flag either (the proposal fills it).
    assert!(!checks[1].disagrees() && checks[1].flag_text(Lang::Zh).is_none());
    assert!(!checks[2].disagrees() && checks[2].proposed == 9);
}

#[test]
fn terms_ending_within_the_lead_days_without_an_outcome() {
    let terms = register();
    // 2026-11-15 + 60 days = 2027-01-14. Ending 2026-12-31 with no outcome: 1, 8 (6, 7 exited,
    // 9 kept: their outcome is recorded). 5 ended before today; 3, 4, 10 end in 2027-12.
    let ending: Vec<i64> = terms_ending(&terms, date("2026-11-15"), 60)
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ending, vec![1, 8]);
    // 2026-11-01 + 60 = 2026-12-31: the end day itself is within.
    assert_eq!(terms_ending(&terms, date("2026-11-01"), 60).len(), 2);
    // 2026-10-31 + 60 = 2026-12-30: not yet.
    assert!(terms_ending(&terms, date("2026-10-31"), 60).is_empty());
    // On the end day, still listed; the day after, no longer.
    assert_eq!(terms_ending(&terms, date("2026-12-31"), 0).len(), 2);
    assert!(terms_ending(&terms, date("2027-01-01"), 60).is_empty());
}

#[test]
fn a_rating_is_due_once_its_deadline_passed_without_one() {
    let mut t = term(1, "P1", "2024-01-01", "2026-12-31", None);
    t.years = vec![
        TermYear {
            year: 2024,
            target: "利润 1 亿".into(),
            result: "1.1 亿".into(),
            rating: Some(Rating::Excellent),
            pay: Some("620000.50".parse().unwrap()),
        },
        TermYear {
            year: 2025,
            target: String::new(),
            result: String::new(),
            rating: None,
            pay: None,
        },
    ];
    // Left (promoted) on 2026-09-30: not in term on 2026-12-31, so 2026 is not rated.
    let mut promoted = term(2, "P1", "2025-07-01", "2028-06-30", None);
    promoted = ended(promoted, OutcomeKind::Promoted, "2026-09-30", false);
    let terms = [t, promoted];
    let deadline = RatingDeadline::default();
    // 2026-03-31 is 2025's deadline: not passed on the day itself.
    assert!(ratings_due(&terms, date("2026-03-31"), deadline).is_empty());
    // 2026-04-01: 2025 is due for both (2024 rated for 1; 2 started mid-2025 and was in term on
    // 2025-12-31).
    assert_eq!(
        ratings_due(&terms, date("2026-04-01"), deadline),
        vec![
            RatingDue {
                term: 1,
                year: 2025,
                deadline: date("2026-03-31")
            },
            RatingDue {
                term: 2,
                year: 2025,
                deadline: date("2026-03-31")
            },
        ]
    );
    // 2027-04-01: term 1's 2026 joins (in term on its end day 2026-12-31); term 2's 2026 does not.
    let due = ratings_due(&terms, date("2027-04-01"), deadline);
    assert_eq!(
        due.iter().map(|d| (d.term, d.year)).collect::<Vec<_>>(),
        vec![(1, 2025), (2, 2025), (1, 2026)]
    );
    // A deadline of 29 February in a common year falls back to the 28th.
    assert_eq!(
        RatingDeadline { month: 2, day: 29 }.for_year(2026),
        date("2027-02-28")
    );
}

#[test]
fn reminders_go_to_the_keepers_and_for_ratings_to_the_entitys_managers() {
    let mut terms = vec![
        term(1, "P1", "2025-01-01", "2026-12-31", None),
        term(2, "S1", "2025-01-01", "2027-12-31", None),
    ];
    terms[1].years.push(TermYear {
        year: 2025,
        target: String::new(),
        result: String::new(),
        rating: Some(Rating::Competent),
        pay: None,
    });
    let keepers = vec!["hr".to_owned()];
    let managers = |e: &EntityCode| vec![format!("{}.boss", e.as_str().to_lowercase())];
    // 2026-11-15: term 1 ends 2026-12-31, 46 days on (within 60); its first year 2025's rating
    // is overdue since 2026-03-31; term 2's 2025 is rated.
    let reminders = manager_reminders(
        &terms,
        date("2026-11-15"),
        DEFAULT_TERM_LEAD_DAYS,
        RatingDeadline::default(),
        &keepers,
        managers,
    );
    let seen: Vec<(i64, i32, &str, &str)> = reminders
        .iter()
        .map(|r| (r.term, r.year, r.user.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (1, 2025, "hr", "rating_due"),
            (1, 2025, "p1.boss", "rating_due"),
            (1, 2026, "hr", "term_ending"),
        ]
    );
}

#[test]
fn readers_without_the_right_get_no_rating_or_pay() {
    let mut t = term(1, "P1", "2024-01-01", "2026-12-31", None);
    t.years.push(TermYear {
        year: 2025,
        target: "利润".into(),
        result: "完成".into(),
        rating: Some(Rating::Incompetent),
        pay: Some(Decimal::from(500_000)),
    });
    let seen = t.without_confidential();
    assert_eq!(seen.years[0].rating, None);
    assert_eq!(seen.years[0].pay, None);
    assert_eq!(seen.years[0].result, "完成");
}

#[test]
fn ratings_and_outcomes_read_in_either_language() {
    assert_eq!(Rating::parse("基本称职"), Some(Rating::BasicallyCompetent));
    assert_eq!(Rating::parse("incompetent"), Some(Rating::Incompetent));
    assert_eq!(Rating::parse("良好"), None);
    assert_eq!(OutcomeKind::parse("降职"), Some(OutcomeKind::Demoted));
    assert!(!OutcomeKind::Kept.ends_term() && OutcomeKind::Promoted.ends_term());
}
