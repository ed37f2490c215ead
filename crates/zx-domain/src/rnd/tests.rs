use super::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}
fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
fn m(s: &str) -> Month {
    Month::parse(s).unwrap()
}
fn code(s: &str) -> EntityCode {
    EntityCode::parse(s).unwrap()
}

fn project(gates: [(Option<&str>, Option<&str>); 5]) -> Project {
    Project {
        code: "RD-01".into(),
        entity: code("FJ-JJ-WTE"),
        name: "飞灰螯合稳定化".into(),
        field: "飞灰处置".into(),
        field_kind: FieldKind::KeyArea,
        gates: gates.map(|(p, a)| Gate {
            planned: p.map(day),
            actual: a.map(day),
        }),
        leader: "林工".into(),
        members: vec!["陈工".into()],
        results: Results::default(),
    }
}

const RESEARCH_DUE_MARCH: [(Option<&str>, Option<&str>); 5] = [
    (Some("2025-01-10"), Some("2025-01-15")),
    (Some("2025-03-31"), Some("2025-04-02")),
    (Some("2026-03-31"), None),
    (Some("2026-12-31"), None),
    (Some("2027-06-30"), None),
];

#[test]
fn the_next_gate_is_late_the_day_after_its_planned_date() {
    let p = project(RESEARCH_DUE_MARCH);
    assert_eq!(p.stage(), Stage::Research);
    // 中试 planned 2026-03-31: on that day not late, on 04-01 one day late.
    assert_eq!(late_gate(&p, day("2026-03-31")), None);
    assert_eq!(
        late_gate(&p, day("2026-04-01")),
        Some(LateGate {
            stage: Stage::Pilot,
            planned: day("2026-03-31"),
            days_late: 1
        })
    );
    // 2026-11-27: April 30 + May 31 + June 30 + July 31 + Aug 31 + Sept 30 + Oct 31 + 27 = 241.
    assert_eq!(late_gate(&p, day("2026-11-27")).unwrap().days_late, 241);
}

#[test]
fn a_reached_gate_or_a_closed_project_is_never_late() {
    let mut gates = RESEARCH_DUE_MARCH;
    gates[2].1 = Some("2026-04-20");
    let p = project(gates);
    assert_eq!(p.stage(), Stage::Pilot);
    // The next gate, 示范应用, is planned for 2026-12-31.
    assert_eq!(late_gate(&p, day("2026-11-27")), None);
    gates[3].1 = Some("2026-10-01");
    gates[4].1 = Some("2026-11-01");
    let closed = project(gates);
    assert_eq!(closed.stage(), Stage::Closed);
    assert_eq!(late_gate(&closed, day("2030-01-01")), None);
    // A gate without a planned date cannot be late.
    let mut unplanned = RESEARCH_DUE_MARCH;
    unplanned[2].0 = None;
    assert_eq!(late_gate(&project(unplanned), day("2030-01-01")), None);
}

#[test]
fn the_register_refuses_skipped_and_backward_gates() {
    assert_eq!(project(RESEARCH_DUE_MARCH).check(), Ok(()));
    let mut skipped = RESEARCH_DUE_MARCH;
    skipped[2].1 = None;
    skipped[3].1 = Some("2026-10-01");
    assert_eq!(
        project(skipped).check(),
        Err(ProjectError::GateSkipped {
            earlier: "中试",
            later: "示范应用"
        })
    );
    let mut backwards = RESEARCH_DUE_MARCH;
    backwards[1].1 = Some("2024-12-01");
    assert!(matches!(
        project(backwards).check(),
        Err(ProjectError::GatesOutOfOrder { .. })
    ));
    let mut unapproved = RESEARCH_DUE_MARCH;
    unapproved[0].1 = None;
    unapproved[1].1 = None;
    assert_eq!(project(unapproved).check(), Err(ProjectError::NotApproved));
    let mut p = project(RESEARCH_DUE_MARCH);
    p.results.patents_filed = 1;
    p.results.patents_granted = 2;
    assert!(p.check().is_err());
    p.results.patents_granted = 1;
    p.code = "RD 01".into();
    assert!(matches!(p.check(), Err(ProjectError::BadCode(_))));
}

#[test]
fn stages_read_their_codes_and_names() {
    assert_eq!(Stage::parse("中试"), Some(Stage::Pilot));
    assert_eq!(Stage::parse("Demonstration"), Some(Stage::Demonstration));
    assert_eq!(Stage::parse("立项"), Some(Stage::Initiation));
    assert_eq!(Stage::parse("approved"), Some(Stage::Initiation));
    assert_eq!(Stage::parse("done"), None);
    assert_eq!(FieldKind::parse("产业链环节"), Some(FieldKind::ChainLink));
    assert_eq!(PartnerKind::parse("高校"), Some(PartnerKind::University));
}

fn spend(project: &str, entity: &str, month: &str, amount: &str) -> Spend {
    Spend {
        project: project.into(),
        entity: code(entity),
        month: m(month),
        amount: d(amount),
    }
}

#[test]
fn budget_lines_sum_spend_per_project_and_year() {
    let budgets = vec![
        ("A".to_owned(), 2026, d("1200000")),
        ("B".to_owned(), 2026, d("100000")),
    ];
    let spent = [
        spend("A", "P1", "2026-01", "300000"),
        spend("A", "P1", "2026-02", "250000.50"),
        spend("A", "P1", "2025-12", "80000"),
        spend("B", "P1", "2026-03", "120000"),
    ];
    let lines = budget_lines(&budgets, &spent);
    assert_eq!(lines.len(), 3);
    // A 2025: spend without a budget.
    assert_eq!(lines[0].budget, None);
    assert_eq!(lines[0].used(), None);
    // A 2026: 300,000 + 250,000.50 = 550,000.50 of 1,200,000; used 0.458333750…
    assert_eq!(lines[1].spent, d("550000.50"));
    assert_eq!(lines[1].remaining(), Some(d("649999.50")));
    assert_eq!(lines[1].used().unwrap().round_dp(6), d("0.458334"));
    assert!(!lines[1].over_budget());
    // B 2026: 120,000 of 100,000, 20,000 over.
    assert_eq!(lines[2].remaining(), Some(d("-20000")));
    assert!(lines[2].over_budget());
}

#[test]
fn the_tolerance_is_the_larger_of_five_percent_and_ten_thousand_yuan() {
    let t = Tolerance::default();
    // 5 % of 1,500,000 = 75,000 > 10,000.
    assert_eq!(t.allowed(d("1500000")), d("75000"));
    // 5 % of 120,000 = 6,000 < 10,000: the floor.
    assert_eq!(t.allowed(d("120000")), d("10000"));
    // Exactly at 200,000 both give 10,000.
    assert_eq!(t.allowed(d("200000")), d("10000"));
}

#[test]
fn reconciliation_flags_a_difference_over_the_tolerance() {
    // P1 reports (own, monthly): 2026-01 1,500,000; 2026-02 1,000,000; 2026-03 400,000;
    // 2026-04 nothing yet.
    let reported = |e: &EntityCode, month: Month| -> Option<Decimal> {
        if e.as_str() != "P1" {
            return None;
        }
        match month.to_string().as_str() {
            "2026-01" => Some(d("1500000")),
            "2026-02" => Some(d("1000000")),
            "2026-03" => Some(d("400000")),
            _ => None,
        }
    };
    let spent = [
        // January: 1,234,000 + 0 vs 1,500,000 → −266,000, allowed 75,000: flagged.
        spend("A", "P1", "2026-01", "1234000"),
        // February: 600,000 + 449,999 = 1,049,999 vs 1,000,000 → +49,999, allowed 50,000: agrees.
        spend("A", "P1", "2026-02", "600000"),
        spend("B", "P1", "2026-02", "449999"),
        // March: no spend, 400,000 reported → −400,000, allowed 20,000: flagged.
        // April: spend, nothing reported → not reported.
        spend("A", "P1", "2026-04", "5000"),
    ];
    let out = reconcile(&spent, m("2026-04"), &reported, Tolerance::default());
    let got: Vec<(String, Option<Decimal>, Verdict)> = out
        .iter()
        .map(|r| (r.month.to_string(), r.difference, r.verdict))
        .collect();
    assert_eq!(
        got,
        vec![
            ("2026-01".into(), Some(d("-266000")), Verdict::Differs),
            ("2026-02".into(), Some(d("49999")), Verdict::Agrees),
            ("2026-03".into(), Some(d("-400000")), Verdict::Differs),
            ("2026-04".into(), None, Verdict::NotReported),
        ]
    );
    assert_eq!(out[1].allowed, Some(d("50000")));
    assert_eq!(
        out[0].sentence(Lang::Zh),
        "P1 2026-01：研发项目支出 1,234,000.00 元 与填报研发经费 1,500,000.00 元 相差 \
         -266,000.00 元（允许 75,000.00 元）"
    );
}

#[test]
fn a_difference_equal_to_the_allowance_agrees_and_one_yuan_more_differs() {
    let reported = |_: &EntityCode, _: Month| Some(d("100000"));
    // Allowed max(5,000, 10,000) = 10,000.
    let at = [spend("A", "P1", "2026-05", "110000")];
    let out = reconcile(&at, m("2026-05"), &reported, Tolerance::default());
    assert_eq!(out[0].verdict, Verdict::Agrees);
    let over = [spend("A", "P1", "2026-05", "110000.01")];
    let out = reconcile(&over, m("2026-05"), &reported, Tolerance::default());
    assert_eq!(out[0].verdict, Verdict::Differs);
}

#[test]
fn months_before_the_first_spend_are_not_compared() {
    let reported = |_: &EntityCode, _: Month| Some(d("100000"));
    let spent = [spend("A", "P1", "2026-03", "100000")];
    let out = reconcile(&spent, m("2026-05"), &reported, Tolerance::default());
    // 2026-03 (agrees), 2026-04 and 2026-05 (0 vs 100,000: differ); nothing before March.
    let months: Vec<String> = out.iter().map(|r| r.month.to_string()).collect();
    assert_eq!(months, ["2026-03", "2026-04", "2026-05"]);
    assert_eq!(out[1].verdict, Verdict::Differs);
}

#[test]
fn audit_actions_read_in_both_languages() {
    assert_eq!(
        format::audit_action_label("rnd_spend.record", Lang::Zh),
        "记录研发支出"
    );
    assert_eq!(
        format::audit_action_label("rnd_project.revise", Lang::En),
        "R&D project revised"
    );
}
