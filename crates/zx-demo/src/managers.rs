//! The demo's manager term register (任期制和契约化管理): the management team (经理层) of every
//! subsidiary — 总经理, 副总经理, 财务总监 — laid out around today in China, as the workbook
//! HQ HR would import (the import's CSV layout).
//!
//! Exactly one demotion (福建's 副总经理, rated 不称职 for last year, demoted on the 15th of last
//! month, with a successor from the next day) and exactly one term ending next month (the first
//! subsidiary's 财务总监, on today's day of next month). Every term's contract is signed within
//! ten days of its start except the last subsidiary's 副总经理 (coverage below 100 %), and one
//! rating of last year is missing (the last subsidiary's 总经理: due once 31 March has passed).
//!
//! The plants report their own managers (`managers_end` …) in the monthly data; a subsidiary
//! reports none of its own, so the register's counts are proposed for the subsidiaries' own rows.

use std::fmt::Write as _;

use chrono::{Datelike, Days, Months, NaiveDate};
use zx_domain::EntityKind;

use crate::DemoData;

/// The register as a CSV in the import's layout (`zx_ingest::managers`).
pub fn demo_managers(data: &DemoData, today: NaiveDate) -> String {
    let mut out = "任期编号,单位编码,人员编号,姓名,职务,任期开始,任期结束,契约签订日期,任期目标,\
                   年度,年度目标,年度完成情况,年度考核结果,年薪（元）,任期结果,结果日期,结果原因,不胜任退出\n"
        .to_owned();
    let subsidiaries: Vec<_> = data
        .entities
        .iter()
        .filter(|e| e.kind == EntityKind::Subsidiary)
        .collect();
    let y = today.year();
    let start = NaiveDate::from_ymd_opt(y - 1, 1, 1).unwrap_or(today);
    let end = NaiveDate::from_ymd_opt(y + 1, 12, 31).unwrap_or(today);
    let plus = |d: NaiveDate, days: u64| d.checked_add_days(Days::new(days)).unwrap_or(d);
    let next_month = today.checked_add_months(Months::new(1)).unwrap_or(today);
    let last_month_15 = today
        .checked_sub_months(Months::new(1))
        .and_then(|d| d.with_day(15))
        .unwrap_or(today)
        .max(plus(start, 31));
    let names = [
        "陈", "林", "黄", "张", "李", "王", "刘", "吴", "赵", "周", "徐", "孙",
    ];
    let given = ["建国", "海峰", "晓东", "志强", "丽华", "明", "伟", "静"];
    let mut n = 0usize;
    let last = subsidiaries.len().saturating_sub(1);
    for (s, sub) in subsidiaries.iter().enumerate() {
        let code = sub.code.as_str();
        for (p, (position, pay)) in [
            ("总经理", 680_000),
            ("副总经理", 520_000),
            ("财务总监", 480_000),
        ]
        .into_iter()
        .enumerate()
        {
            n += 1;
            let person = format!("ZX{n:04}");
            let name = format!("{}{}", names[n % names.len()], given[n % given.len()]);
            let pay_last = format!("{}.00", pay + 10_000 * (s as i64));
            let ends_next_month = s == 0 && p == 2;
            let demoted = code == "FJ" && p == 1;
            let (term_start, term_end) = if ends_next_month {
                (
                    next_month
                        .checked_sub_months(Months::new(36))
                        .unwrap_or(start),
                    next_month,
                )
            } else {
                (start, end)
            };
            let contract = if s == last && p == 1 {
                String::new()
            } else {
                plus(term_start, 9).to_string()
            };
            let (rating, outcome) = if demoted {
                (
                    "不称职",
                    format!(
                        "降职,{last_month_15},{} 年度经营业绩考核末位，末等调整,否",
                        y - 1
                    ),
                )
            } else if s == last && p == 0 {
                ("", ",,,".to_owned())
            } else {
                (if p == 0 { "优秀" } else { "称职" }, ",,,".to_owned())
            };
            let target = format!("{position}任期经营业绩责任书");
            let _ = writeln!(
                out,
                ",{code},{person},{name},{position},{term_start},{term_end},{contract},{target},\
                 {},利润总额和净资产收益率达到年度目标,{},{rating},{pay_last},{outcome}",
                y - 1,
                if rating == "不称职" {
                    "利润总额未完成"
                } else {
                    "完成"
                },
            );
            if ends_next_month {
                // Its first whole year, rated too: no rating is due on this term.
                let _ = writeln!(
                    out,
                    ",{code},{person},{name},{position},{term_start},{term_end},{contract},{target},\
                     {},利润总额和净资产收益率达到年度目标,完成,称职,{}.00,,,,",
                    y - 2,
                    pay - 20_000 + 10_000 * (s as i64),
                );
            }
            if demoted {
                // The successor, from the day after.
                n += 1;
                let _ = writeln!(
                    out,
                    ",{code},ZX{n:04},{}{},{position},{},{},{},{target},,,,,,,,,",
                    names[n % names.len()],
                    given[n % given.len()],
                    plus(last_month_15, 1),
                    NaiveDate::from_ymd_opt(y + 2, 12, 31).unwrap_or(end),
                    plus(last_month_15, 1),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_demotion_and_one_term_ending_next_month() {
        let data = crate::demo_group();
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let csv = demo_managers(&data, today);
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        let subsidiaries = data
            .entities
            .iter()
            .filter(|e| e.kind == EntityKind::Subsidiary)
            .count();
        // Three per subsidiary, the demoted one's successor, and the ending term's second year.
        assert_eq!(rows.len(), 3 * subsidiaries + 2);
        assert_eq!(rows.iter().filter(|r| r.contains(",降职,")).count(), 1);
        // Demoted on the 15th of last month.
        assert!(csv.contains(",降职,2026-11-15,2025 年度经营业绩考核末位，末等调整,否"));
        // Ending on today's day of next month: 2027-01-06, starting 36 months before.
        assert_eq!(
            rows.iter().filter(|r| r.contains(",2027-01-06,")).count(),
            2
        );
        assert!(csv.contains(",2024-01-06,2027-01-06,2024-01-15,"));
    }
}
