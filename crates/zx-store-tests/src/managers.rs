//! The manager term register: terms and years saved all or nothing, corrected with old and new
//! values in the audit log, blanks erasing nothing, decimals exact, reminders recorded once, and
//! the `hq_hr` role stored like any other.

use zx_domain::Role;
use zx_domain::managers::register_counts;
use zx_store::{
    ManagerReminder, ManagerReminderReason, ManagerTermRow, NewEvidence, NewManagerTerm, NewUser,
    Outcome, OutcomeKind, Rating, Store, StoreError, TermSaved, TermYear,
};

use crate::measures::{at, audit_lines, code, date, setup};

fn term(person: &str, entity: &str, start: &str, end: &str) -> NewManagerTerm {
    NewManagerTerm {
        person_id: person.into(),
        person_name: format!("{person} 姓名"),
        entity: code(entity),
        position: "总经理".into(),
        start: date(start),
        end: date(end),
        contract_signed: None,
        term_target: "三年利润 3 亿".into(),
        term_result: String::new(),
        outcome: None,
        years: Vec::new(),
    }
}

fn year(y: i32, rating: Option<Rating>, pay: Option<&str>) -> TermYear {
    TermYear {
        year: y,
        target: format!("{y} 利润 1 亿"),
        result: String::new(),
        rating,
        pay: pay.map(|p| p.parse().unwrap()),
    }
}

fn new(t: NewManagerTerm) -> ManagerTermRow {
    ManagerTermRow { id: None, term: t }
}

pub async fn manager_terms_are_saved_all_or_nothing_and_corrected_with_an_audit_trail(
    store: &dyn Store,
) {
    setup(store).await;
    // The HR role is a role like any other in the database.
    store
        .create_user(
            NewUser {
                name: "hr".into(),
                role: Role::HqHr,
                entity: None,
                password_hash: "$argon2id$fake".into(),
            },
            "admin",
            at(1, 11),
        )
        .await
        .unwrap();
    assert!(
        store
            .users()
            .await
            .unwrap()
            .iter()
            .any(|u| u.name == "hr" && u.role == Role::HqHr)
    );
    let mut first = term("E001", "P1", "2025-01-01", "2027-12-31");
    first.contract_signed = Some(date("2025-01-10"));
    first.years = vec![year(2025, Some(Rating::Competent), Some("650000.50"))];
    let saved = store
        .save_manager_terms(
            vec![
                new(first.clone()),
                new(term("E002", "P2", "2024-07-01", "2026-06-30")),
            ],
            "managers.xlsx",
            "hr",
            at(2, 9),
        )
        .await
        .unwrap();
    assert_eq!(
        saved,
        vec![(1, TermSaved::Created), (2, TermSaved::Created)]
    );
    let before = audit_lines(store).await.len();
    // A bad row makes the whole list refused: nothing of the good one is written.
    let refused = store
        .save_manager_terms(
            vec![
                new(term("E003", "P1", "2026-01-01", "2028-12-31")),
                new(term("E004", "NOPE", "2026-01-01", "2028-12-31")),
            ],
            "managers.xlsx",
            "hr",
            at(3, 9),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, StoreError::Invalid(m) if m == "manager term 2: unknown entity NOPE"),
        "{refused:?}"
    );
    assert_eq!(audit_lines(store).await.len(), before);
    assert_eq!(store.manager_terms().await.unwrap().len(), 2);

    // Correcting term 1: a demotion with its reason, and 2026's year; the row gives no rating
    // or pay for 2025 and no contract date: the stored ones stay.
    let mut corrected = first.clone();
    corrected.contract_signed = None;
    corrected.outcome = Some(Outcome {
        kind: OutcomeKind::Demoted,
        date: date("2026-03-15"),
        reason: "2025 年度考核基本称职，末等调整".into(),
        for_performance: false,
    });
    corrected.years = vec![
        year(2025, None, None),
        year(2026, Some(Rating::BasicallyCompetent), Some("480000")),
    ];
    let saved = store
        .save_manager_terms(
            vec![ManagerTermRow {
                id: Some(1),
                term: corrected.clone(),
            }],
            "web",
            "hr",
            at(4, 9),
        )
        .await
        .unwrap();
    assert_eq!(saved, vec![(1, TermSaved::Revised)]);
    let terms = store.manager_terms().await.unwrap();
    let t1 = terms.iter().find(|t| t.id == 1).unwrap();
    assert_eq!(t1.contract_signed, Some(date("2025-01-10")));
    assert_eq!(t1.years.len(), 2);
    assert_eq!(t1.years[0].rating, Some(Rating::Competent));
    // Exact decimals, places kept.
    assert_eq!(t1.years[0].pay.unwrap().to_string(), "650000.50");
    assert_eq!(t1.years[1].pay.unwrap().to_string(), "480000");
    assert_eq!(t1.outcome.as_ref().unwrap().kind, OutcomeKind::Demoted);
    // The demotion counts for P1 in March 2026: term 1 is out, and adjusted.
    let march = zx_domain::Month::parse("2026-03").unwrap();
    let counts = register_counts(&terms, &code("P1"), march);
    assert_eq!(
        (counts.managers_end, counts.managers_adjusted),
        (0, 1),
        "E001 demoted on 03-15 of his only P1 term"
    );

    let lines = audit_lines(store).await;
    let revise = lines
        .iter()
        .find(|e| e.action == "manager_term.revise")
        .unwrap();
    assert_eq!(revise.object, "manager_term 1");
    assert!(revise.old_value.as_deref().unwrap().ends_with("outcome="));
    assert!(
        revise
            .new_value
            .as_deref()
            .unwrap()
            .contains("outcome=demoted 2026-03-15 (2025 年度考核基本称职，末等调整); source=web")
    );
    // Newest first. 2025 again with the same target and blanks: no line; 2026: one line.
    let years: Vec<(&str, Option<&str>, Option<&str>)> = lines
        .iter()
        .filter(|e| e.action == "manager_year.set")
        .map(|e| {
            (
                e.object.as_str(),
                e.old_value.as_deref(),
                e.new_value.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        years,
        vec![
            (
                "manager_term 1 2026",
                None,
                Some("rating=basically_competent; pay=480000; target=2026 利润 1 亿; result=")
            ),
            (
                "manager_term 1 2025",
                None,
                Some("rating=competent; pay=650000.50; target=2025 利润 1 亿; result=")
            ),
        ]
    );
    // Saving the same again changes nothing and writes no line.
    let before = audit_lines(store).await.len();
    let saved = store
        .save_manager_terms(
            vec![ManagerTermRow {
                id: Some(1),
                term: corrected,
            }],
            "web",
            "hr",
            at(5, 9),
        )
        .await
        .unwrap();
    assert_eq!(saved, vec![(1, TermSaved::Unchanged)]);
    assert_eq!(audit_lines(store).await.len(), before);
    // An unknown id is refused naming the row.
    let err = store
        .save_manager_terms(
            vec![ManagerTermRow {
                id: Some(99),
                term: first,
            }],
            "web",
            "hr",
            at(5, 9),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(m) if m == "manager term 1: no term 99"),
        "{err:?}"
    );

    // Evidence: the signed contract's scan, content back byte for byte.
    let file = store
        .add_manager_evidence(
            1,
            NewEvidence {
                file_name: "契约.pdf".into(),
                media_type: "application/pdf".into(),
                content: b"%PDF-1.4 contract".to_vec(),
            },
            "hr",
            at(6, 9),
        )
        .await
        .unwrap();
    assert_eq!(
        store.manager_attachments(1).await.unwrap(),
        vec![file.clone()]
    );
    let (_, content) = store
        .manager_attachment_content(file.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(content, b"%PDF-1.4 contract");
}

pub async fn manager_reminders_are_recorded_once_and_audited(store: &dyn Store) {
    setup(store).await;
    store
        .save_manager_terms(
            vec![new(term("E001", "P1", "2025-01-01", "2026-12-31"))],
            "web",
            "admin",
            at(2, 9),
        )
        .await
        .unwrap();
    let reminder = |reason| ManagerReminder {
        term: 1,
        year: 2026,
        user: "fujian".into(),
        reason,
    };
    let list = vec![
        reminder(ManagerReminderReason::TermEnding),
        reminder(ManagerReminderReason::RatingDue),
    ];
    let sent = store
        .record_manager_reminders(list.clone(), at(3, 9))
        .await
        .unwrap();
    assert_eq!(sent, list);
    // The daily job runs again: nothing new.
    assert!(
        store
            .record_manager_reminders(list, at(4, 9))
            .await
            .unwrap()
            .is_empty()
    );
    let mine = store.manager_notifications("fujian").await.unwrap();
    assert_eq!(mine.len(), 2);
    let sends = audit_lines(store)
        .await
        .into_iter()
        .filter(|e| e.action == "manager_reminder.send")
        .count();
    assert_eq!(sends, 2);
    let err = store
        .record_manager_reminders(
            vec![ManagerReminder {
                term: 7,
                ..reminder(ManagerReminderReason::TermEnding)
            }],
            at(5, 9),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)));
}
