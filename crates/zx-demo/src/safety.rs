//! The demo's production-safety records: for every demo plant, the six file kinds of
//! `shared/reference/safety.md` §7 (hazards, plans, drills, people, training, certificates) as
//! CSV text, so `zx demo` builds them through the same import path as a plant's own files.
//!
//! The records are laid out around the date the demo is built (`as_of`, China's date), so the
//! pages show the same picture whenever it is built. Every plant gets:
//! - six hazards, one per state of the closed loop and one more: `reported`, `assessed`, two
//!   `rectifying` past their deadline (the two overdue ones), a major `awaiting_verification`
//!   (for HQ to verify) and a `closed` one;
//! - four plans (comprehensive, special fire, two on-site plans); the special fire plan drilled
//!   jointly with the local fire brigade this year; the first on-site plan drilled in both
//!   halves, the second in neither, so it is overdue for the half before `as_of`'s;
//! - six people: a principal and an older hand with their hours done, a safety manager new in
//!   the role and a new employee short of hours, two special operators — one with a valid
//!   certificate and another due for renewal, one whose only certificate has expired (its
//!   automatic major hazard).

use std::fmt::Write as _;

use chrono::{Datelike, Days, Months, NaiveDate};
use zx_domain::EntityKind;

use crate::DemoData;

/// The six files of one demo, in the §7 formats (header line first, `\n` line ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyFiles {
    pub hazards: String,
    pub plans: String,
    pub drills: String,
    pub people: String,
    pub training: String,
    pub certificates: String,
}

impl SafetyFiles {
    /// (file name, content) in the order an import reads them: people and plans before what
    /// names them.
    pub fn files(&self) -> [(&'static str, &str); 6] {
        [
            ("people.csv", &self.people),
            ("training.csv", &self.training),
            ("certificates.csv", &self.certificates),
            ("plans.csv", &self.plans),
            ("drills.csv", &self.drills),
            ("hazards.csv", &self.hazards),
        ]
    }
}

/// The demo accounts that manage a plant: their plant's hazards name them as owner, so the
/// account can take its hazards through the loop.
const PLANT_ACCOUNTS: &[(&str, &str)] = &[("SC-NC-WTE", "nanchong")];

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const GIVEN: [&str; 20] = [
    "建国", "志强", "海燕", "卫东", "丽华", "国平", "晓明", "春生", "文军", "秀英", "建华", "玉兰",
    "德明", "永红", "小龙", "新民", "桂芳", "立新", "金山", "红梅",
];

/// The `index`-th demo person's name: unique for the first 400 (20 surnames × 20 given names).
fn person_name(index: usize) -> String {
    format!(
        "{}{}",
        SURNAMES[index % SURNAMES.len()],
        GIVEN[(index / SURNAMES.len()) % GIVEN.len()]
    )
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day)
        .unwrap_or_else(|| unreachable!("valid constant date {year}-{month}-{day}"))
}

fn minus(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(days)).unwrap_or(date)
}

fn plus(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).unwrap_or(date)
}

fn years_before(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(12 * years))
        .unwrap_or(date)
}

/// The first day of the half year (H1 January–June, H2 July–December) holding `date`.
fn half_start(date: NaiveDate) -> NaiveDate {
    ymd(date.year(), if date.month() <= 6 { 1 } else { 7 }, 1)
}

/// `start + days`, but never after `as_of`: a record dated after the demo's day would be in the
/// future.
fn on_or_before(start: NaiveDate, days: u64, as_of: NaiveDate) -> NaiveDate {
    plus(start, days).min(as_of)
}

/// The demo's safety records for every plant of `data`, as of the China date `as_of`.
pub fn demo_safety(data: &DemoData, as_of: NaiveDate) -> SafetyFiles {
    let mut files = SafetyFiles {
        hazards: "entity,id,found,grade,l,e,c,owner,deadline,status\n".to_owned(),
        plans: "entity,plan,kind,approved\n".to_owned(),
        drills: "entity,plan,date,joint_with\n".to_owned(),
        people: "person,entity,role,role_since,hired\n".to_owned(),
        training: "person,date,hours,course\n".to_owned(),
        certificates: "person,type,number,issued,expires,last_review\n".to_owned(),
    };
    let year_start = ymd(as_of.year(), 1, 1);
    let half = half_start(as_of);
    // The half before `as_of`'s: six months back from its first day.
    let previous_half = half.checked_sub_months(Months::new(6)).unwrap_or(half);
    let plants = data.entities.iter().filter(|e| e.kind == EntityKind::Plant);
    for (n, plant) in plants.enumerate() {
        let code = plant.code.as_str();
        let city: String = plant.name.chars().take(2).collect();
        let people: Vec<String> = (0..6).map(|i| person_name(n * 6 + i)).collect();
        let owner = PLANT_ACCOUNTS
            .iter()
            .find(|(p, _)| *p == code)
            .map_or(people[1].as_str(), |(_, account)| account);
        write_hazards(&mut files.hazards, code, owner, as_of);
        write_plans(&mut files, code, &city, as_of, half, previous_half);
        write_people(&mut files, code, &people, as_of, year_start, n);
    }
    files
}

/// The yearly drill plan of every plant, in the layout of the plan's export
/// (`id,entity,plan,due,scenario,joint_with,cancel_reason`, no ids: new rows): the overdue
/// on-site plan scheduled ten days after `as_of` (inside the reminders' 14-day lead, so
/// `zx remind` reminds its plant), and the comprehensive plan's yearly drill two months on, the
/// waste-to-energy plants' with the local fire brigade and hospital.
pub fn demo_drill_plan(data: &DemoData, as_of: NaiveDate) -> String {
    let mut out = "id,entity,plan,due,scenario,joint_with,cancel_reason\n".to_owned();
    let plants = data.entities.iter().filter(|e| e.kind == EntityKind::Plant);
    for plant in plants {
        let code = plant.code.as_str();
        let city: String = plant.name.chars().take(2).collect();
        let [comprehensive, _, _, missed] = plan_codes(code);
        let (onsite, joint) = match plant.segment.as_str() {
            "waste-to-energy" => (
                "渗滤液池有限空间中毒窒息救援",
                format!("{city}消防救援大队；{city}市人民医院"),
            ),
            "water" => ("加氯间氯气泄漏处置", format!("{city}消防救援大队")),
            _ => ("升压站变压器火灾扑救", String::new()),
        };
        let _ = writeln!(out, ",{code},{missed},{},{onsite},,", plus(as_of, 10));
        let _ = writeln!(
            out,
            ",{code},{comprehensive},{},全厂停电综合应急演练,{joint},",
            as_of.checked_add_months(Months::new(2)).unwrap_or(as_of)
        );
    }
    out
}

/// Six hazards in every state (see the module documentation). The LEC scores and their D, by
/// hand: 3 × 6 × 7 = 126 (yellow), 6 × 6 × 7 = 252 (orange), 3 × 3 × 15 = 135 (yellow),
/// 10 × 6 × 15 = 900 (red), 1 × 6 × 3 = 18 (blue).
fn write_hazards(out: &mut String, code: &str, owner: &str, as_of: NaiveDate) {
    let rows: [(&str, u64, &str, &str, i64, &str); 6] = [
        // (id suffix, found days ago, grade, "l,e,c", deadline in days from as_of, status)
        ("01", 2, "general", ",,", 20, "reported"),
        ("02", 5, "general", "3,6,7", 30, "assessed"),
        ("03", 40, "general", "6,6,7", -10, "rectifying"),
        ("04", 30, "general", "3,3,15", -3, "rectifying"),
        ("05", 20, "major", "10,6,15", 15, "awaiting_verification"),
        ("06", 90, "general", "1,6,3", -60, "closed"),
    ];
    for (suffix, found, grade, lec, deadline, status) in rows {
        let deadline = if deadline < 0 {
            minus(as_of, deadline.unsigned_abs())
        } else {
            plus(as_of, deadline.unsigned_abs())
        };
        let _ = writeln!(
            out,
            "{code},{code}-YH{suffix},{},{grade},{lec},{owner},{deadline},{status}",
            minus(as_of, found)
        );
    }
}

/// Plan codes of a plant: comprehensive, special (fire), on-site 1 (drilled), on-site 2 (not).
pub fn plan_codes(code: &str) -> [String; 4] {
    [
        format!("{code}-ZH"),
        format!("{code}-ZX-HZ"),
        format!("{code}-XC-01"),
        format!("{code}-XC-02"),
    ]
}

fn write_plans(
    files: &mut SafetyFiles,
    code: &str,
    city: &str,
    as_of: NaiveDate,
    half: NaiveDate,
    previous_half: NaiveDate,
) {
    let [comprehensive, fire, onsite, missed] = plan_codes(code);
    // Approved three years before: every obligation applies for both periods shown.
    let approved = years_before(ymd(as_of.year(), 3, 15), 3);
    for (plan, kind) in [
        (&comprehensive, "comprehensive"),
        (&fire, "special"),
        (&onsite, "onsite"),
        (&missed, "onsite"),
    ] {
        let _ = writeln!(files.plans, "{code},{plan},{kind},{approved}");
    }
    // Last year's comprehensive drill (the yearly obligation of the year before is done).
    let _ = writeln!(
        files.drills,
        "{code},{comprehensive},{},",
        ymd(as_of.year() - 1, 11, 12)
    );
    // This year's joint fire drill with the local fire brigade, twenty days ago but never before
    // the 1st of January (so the yearly obligation reads done whatever day the demo is built).
    let _ = writeln!(
        files.drills,
        "{code},{fire},{},{city}消防救援大队",
        minus(as_of, 20).max(ymd(as_of.year(), 1, 1))
    );
    // The first on-site plan drilled in both halves, the second in neither (overdue).
    let _ = writeln!(files.drills, "{code},{onsite},{},", plus(previous_half, 40));
    let _ = writeln!(
        files.drills,
        "{code},{onsite},{},",
        on_or_before(half, 10, as_of)
    );
}

fn write_people(
    files: &mut SafetyFiles,
    code: &str,
    people: &[String],
    as_of: NaiveDate,
    year_start: NaiveDate,
    plant_index: usize,
) {
    let year = as_of.year();
    let long_ago = ymd(year - 8, 4, 1);
    // (person, role, role since, hired, [training hours]); required and done by hand:
    // principal 12 h (in the role since years ago), done 8 + 4 = 12;
    // safety manager new in the role this year 32 h, done 16 + 4 = 20, short 12;
    // new employee hired this year 24 h, done 8 + 8 = 16, short 8;
    // staff 8 h, done 7 + 1.5 = 8.5; special operators 8 h, done 8.
    let rows: [(&str, NaiveDate, NaiveDate, &[&str]); 6] = [
        ("principal", ymd(year - 3, 1, 1), long_ago, &["8", "4"]),
        ("safety_manager", year_start, long_ago, &["16", "4"]),
        ("staff", year_start, year_start, &["8", "8"]),
        ("staff", long_ago, long_ago, &["7", "1.5"]),
        ("special_operator", long_ago, long_ago, &["8"]),
        ("special_operator", long_ago, long_ago, &["8"]),
    ];
    for (person, (role, since, hired, hours)) in people.iter().zip(rows) {
        let _ = writeln!(files.people, "{person},{code},{role},{since},{hired}");
        for (i, h) in hours.iter().enumerate() {
            let course = if i == 0 {
                "安全生产法律法规与操作规程"
            } else {
                "应急处置与事故案例警示教育"
            };
            let date = on_or_before(year_start, 30 + 60 * i as u64, as_of);
            let _ = writeln!(files.training, "{person},{date},{h},{course}");
        }
    }
    let number = |k: usize| format!("T{:06}{k}", plant_index + 1);
    // Welder: issued two years ago (review at three years, not yet): valid. His second
    // certificate expires in 45 days: renewal due (60 days before expiry).
    let issued = years_before(as_of, 2);
    let _ = writeln!(
        files.certificates,
        "{},焊接与热切割作业,{},{issued},{},",
        people[4],
        number(1),
        issued.checked_add_months(Months::new(72)).unwrap_or(issued)
    );
    let expires = plus(as_of, 45);
    let _ = writeln!(
        files.certificates,
        "{},高处作业,{},{},{expires},{}",
        people[4],
        number(2),
        years_before(expires, 6),
        years_before(expires, 3)
    );
    // Electrician: his only certificate expired thirty days ago, six years after issue.
    let expired = minus(as_of, 30);
    let _ = writeln!(
        files.certificates,
        "{},电工作业,{},{},{expired},{}",
        people[5],
        number(3),
        years_before(expired, 6),
        years_before(expired, 3)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> SafetyFiles {
        demo_safety(&crate::demo_group(), ymd(2026, 12, 6))
    }

    fn rows_of<'a>(text: &'a str, code: &str) -> Vec<&'a str> {
        text.lines()
            .skip(1)
            .filter(|l| l.starts_with(&format!("{code},")) || l.contains(&format!(",{code},")))
            .collect()
    }

    #[test]
    fn every_plant_has_hazards_in_every_state_two_overdue_and_a_major_awaiting_verification() {
        let f = files();
        let plants = crate::demo_group()
            .entities
            .iter()
            .filter(|e| e.kind == EntityKind::Plant)
            .count();
        // 57 plants (lib.rs), six hazards each.
        assert_eq!(plants, 57);
        assert_eq!(f.hazards.lines().count(), 1 + 57 * 6);
        let nc = rows_of(&f.hazards, "SC-NC-WTE");
        assert_eq!(
            nc,
            vec![
                // found 2026-12-06 − 2 days; deadline + 20 days = 2026-12-26.
                "SC-NC-WTE,SC-NC-WTE-YH01,2026-12-04,general,,,,nanchong,2026-12-26,reported",
                "SC-NC-WTE,SC-NC-WTE-YH02,2026-12-01,general,3,6,7,nanchong,2027-01-05,assessed",
                // deadline 2026-12-06 − 10 = 11-26 and − 3 = 12-03: before as-of, overdue.
                "SC-NC-WTE,SC-NC-WTE-YH03,2026-10-27,general,6,6,7,nanchong,2026-11-26,rectifying",
                "SC-NC-WTE,SC-NC-WTE-YH04,2026-11-06,general,3,3,15,nanchong,2026-12-03,rectifying",
                "SC-NC-WTE,SC-NC-WTE-YH05,2026-11-16,major,10,6,15,nanchong,2026-12-21,awaiting_verification",
                "SC-NC-WTE,SC-NC-WTE-YH06,2026-09-07,general,1,6,3,nanchong,2026-10-07,closed",
            ]
        );
    }

    #[test]
    fn plans_and_drills_leave_one_onsite_plan_overdue_and_a_joint_fire_drill() {
        let f = files();
        assert_eq!(
            rows_of(&f.plans, "FJ-JJ-WTE"),
            vec![
                "FJ-JJ-WTE,FJ-JJ-WTE-ZH,comprehensive,2023-03-15",
                "FJ-JJ-WTE,FJ-JJ-WTE-ZX-HZ,special,2023-03-15",
                "FJ-JJ-WTE,FJ-JJ-WTE-XC-01,onsite,2023-03-15",
                "FJ-JJ-WTE,FJ-JJ-WTE-XC-02,onsite,2023-03-15",
            ]
        );
        assert_eq!(
            rows_of(&f.drills, "FJ-JJ-WTE"),
            vec![
                "FJ-JJ-WTE,FJ-JJ-WTE-ZH,2025-11-12,",
                // 2026-12-06 − 20 days; 晋江 from the plant's name.
                "FJ-JJ-WTE,FJ-JJ-WTE-ZX-HZ,2026-11-16,晋江消防救援大队",
                // H1 2026 (from 2026-01-01 + 40 days) and H2 (2026-07-01 + 10 days).
                "FJ-JJ-WTE,FJ-JJ-WTE-XC-01,2026-02-10,",
                "FJ-JJ-WTE,FJ-JJ-WTE-XC-01,2026-07-11,",
            ]
        );
        // XC-02 is never drilled: 2026-H1 overdue, 2026-H2 due.
        assert!(!f.drills.contains("XC-02"));
    }

    #[test]
    fn staff_short_of_hours_and_certificates_valid_renewal_due_and_expired() {
        let f = demo_safety(&crate::demo_group(), ymd(2026, 12, 6));
        // The first plant's people are persons 0–5: 王建国 … 杨建国.
        let people: Vec<&str> = f.people.lines().skip(1).take(6).collect();
        assert_eq!(
            people,
            vec![
                "王建国,FJ-JJ-WTE,principal,2023-01-01,2018-04-01",
                "李建国,FJ-JJ-WTE,safety_manager,2026-01-01,2018-04-01",
                "张建国,FJ-JJ-WTE,staff,2026-01-01,2026-01-01",
                "刘建国,FJ-JJ-WTE,staff,2018-04-01,2018-04-01",
                "陈建国,FJ-JJ-WTE,special_operator,2018-04-01,2018-04-01",
                "杨建国,FJ-JJ-WTE,special_operator,2018-04-01,2018-04-01",
            ]
        );
        let training: Vec<&str> = f.training.lines().skip(1).take(4).collect();
        assert_eq!(
            training,
            vec![
                // 2026-01-01 + 30 days and + 90 days.
                "王建国,2026-01-31,8,安全生产法律法规与操作规程",
                "王建国,2026-04-01,4,应急处置与事故案例警示教育",
                "李建国,2026-01-31,16,安全生产法律法规与操作规程",
                "李建国,2026-04-01,4,应急处置与事故案例警示教育",
            ]
        );
        let certificates: Vec<&str> = f.certificates.lines().skip(1).take(3).collect();
        assert_eq!(
            certificates,
            vec![
                // Issued 2024-12-06, valid six years.
                "陈建国,焊接与热切割作业,T0000011,2024-12-06,2030-12-06,",
                // Expires 2026-12-06 + 45 days = 2027-01-20: within 60 days, renewal due.
                "陈建国,高处作业,T0000012,2021-01-20,2027-01-20,2024-01-20",
                // Expired 2026-12-06 − 30 days = 2026-11-06.
                "杨建国,电工作业,T0000013,2020-11-06,2026-11-06,2023-11-06",
            ]
        );
    }

    #[test]
    fn names_are_unique_and_nothing_is_dated_after_the_demo_day() {
        // Early January: training and the on-site drill of the new half are clamped to as-of.
        let as_of = ymd(2027, 1, 3);
        let f = demo_safety(&crate::demo_group(), as_of);
        let names: std::collections::BTreeSet<&str> = f
            .people
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .collect();
        assert_eq!(names.len(), 57 * 6);
        for line in f.drills.lines().skip(1).chain(f.training.lines().skip(1)) {
            let date = line
                .split(',')
                .find_map(|cell| NaiveDate::parse_from_str(cell, "%Y-%m-%d").ok());
            assert!(date.is_some_and(|d| d <= as_of), "{line}");
        }
    }
}
