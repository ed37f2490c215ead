//! The report's headings and column names in Chinese and English, and the sentences that carry
//! numbers (composed here so the template only places text).

use serde::Serialize;
use zx_domain::Lang;

use crate::model::Report;

/// Every label the template and the workbook use.
#[derive(Debug, Clone, Serialize)]
pub struct Labels {
    pub title: String,
    pub period_line: String,
    pub basis_line: String,
    pub made_on: &'static str,
    pub holds: &'static str,
    pub fails: &'static str,
    pub no_data: &'static str,
    pub sec_indicators: &'static str,
    pub col_indicator: &'static str,
    pub col_value: &'static str,
    pub col_yoy: &'static str,
    pub col_target: &'static str,
    pub col_expected: &'static str,
    pub col_attainment: &'static str,
    pub col_status: &'static str,
    pub rule_heading: &'static str,
    pub col_requirement: &'static str,
    pub col_this: &'static str,
    pub col_last: &'static str,
    pub col_verdict: &'static str,
    pub wage_growth: &'static str,
    pub profit_growth: &'static str,
    pub sec_trends: &'static str,
    pub legend_this: &'static str,
    pub legend_last: &'static str,
    pub legend_target: &'static str,
    pub sec_units: &'static str,
    pub no_units: &'static str,
    pub col_unit_name: &'static str,
    pub sec_ranking: &'static str,
    pub col_rank: &'static str,
    pub sec_reds: &'static str,
    pub no_reds: &'static str,
    pub no_measure: &'static str,
    pub col_entity: &'static str,
    pub col_measure: &'static str,
    pub col_owner: &'static str,
    pub col_due: &'static str,
    pub col_progress: &'static str,
    pub col_measure_status: &'static str,
    pub sec_collection: &'static str,
    pub collection_line: String,
    pub complete: &'static str,
    pub incomplete: &'static str,
    pub pending: &'static str,
    pub sec_emissions: &'static str,
    pub no_emissions: &'static str,
    pub violation_days: &'static str,
    pub open_alarms: &'static str,
    pub col_plant: &'static str,
    pub sec_safety: &'static str,
    pub hazards_open: &'static str,
    pub hazards_overdue: &'static str,
    pub hazards_major: &'static str,
    pub drills_due: &'static str,
    pub col_drill_date: &'static str,
    pub col_drill: &'static str,
    pub sec_operations: &'static str,
    pub no_bottom: &'static str,
    pub sec_reform: &'static str,
}

impl Labels {
    pub fn new(report: &Report, lang: Lang) -> Self {
        let p = |zh: &'static str, en: &'static str| lang.pick(zh, en);
        let (year, month) = report
            .period
            .split_once('-')
            .unwrap_or((&report.period, ""));
        let month = month.trim_start_matches('0');
        let collection_line = report
            .collection
            .as_ref()
            .map_or(String::new(), |c| match lang {
                Lang::Zh => format!(
                    "{} 应报送 {} 家，已完成 {} 家。",
                    c.month, c.expected, c.done
                ),
                Lang::En => format!(
                    "{}: {} of {} expected units done.",
                    c.month, c.done, c.expected
                ),
            });
        Self {
            title: p("质量效益月度报告", "Monthly quality and efficiency report").to_owned(),
            period_line: match lang {
                Lang::Zh => format!("{year} 年 {month} 月"),
                Lang::En => report.period.clone(),
            },
            basis_line: format!("{}{}", p("口径：", "Basis: "), report.basis),
            made_on: p("编制日期：", "Made on "),
            holds: p("达成", "met"),
            fails: p("未达成", "not met"),
            no_data: p("暂无数据", "No data"),
            sec_indicators: p("一、经营指标（一利五率）", "1. The six indicators"),
            col_indicator: p("指标", "Indicator"),
            col_value: p("本期值", "Value"),
            col_yoy: p("同比", "YoY"),
            col_target: p("年度目标", "Target"),
            col_expected: p("时间进度目标", "Target to date"),
            col_attainment: p("完成率", "Attainment"),
            col_status: p("状态", "Status"),
            rule_heading: p("年度规则", "The year's rule"),
            col_requirement: p("要求", "Requirement"),
            col_this: p("本年", "This year"),
            col_last: p("上年同期", "Last year"),
            col_verdict: p("判定", "Verdict"),
            wage_growth: p("工资总额增长", "Wage growth"),
            profit_growth: p("利润增长", "Profit growth"),
            sec_trends: p("二、月度趋势", "2. Monthly trends"),
            legend_this: p("本年", "This year"),
            legend_last: p("上年", "Last year"),
            legend_target: p("时间进度目标", "Target to date"),
            sec_units: p("三、下属单位", "3. Units below"),
            no_units: p("无下属单位", "No units below"),
            col_unit_name: p("单位", "Unit"),
            sec_ranking: p("排名", "Ranking"),
            col_rank: p("名次", "Rank"),
            sec_reds: p(
                "四、红灯指标与改进措施",
                "4. Red indicators and their measures",
            ),
            no_reds: p("本期无红灯指标。", "No red indicator this period."),
            no_measure: p(
                "无在办改进措施（有差距、无行动）",
                "No open measure (a gap without action)",
            ),
            col_entity: p("单位", "Unit"),
            col_measure: p("措施", "Measure"),
            col_owner: p("责任人", "Owner"),
            col_due: p("完成期限", "Due"),
            col_progress: p("进度", "Progress"),
            col_measure_status: p("状态", "Status"),
            sec_collection: p("五、数据报送完整性", "5. Data collection"),
            collection_line,
            complete: p("报送完整", "complete"),
            incomplete: p("报送未完成", "incomplete"),
            pending: p("未完成单位", "Pending"),
            sec_emissions: p("六、环保排放", "6. Emissions"),
            no_emissions: p("无在线监测数据", "No stack monitoring data"),
            violation_days: p("本年超标天数", "Violation days this year"),
            open_alarms: p("未关闭报警", "Open alarms"),
            col_plant: p("电厂/单位", "Plant"),
            sec_safety: p("七、安全生产", "7. Safety"),
            hazards_open: p("未整改隐患", "Open hazards"),
            hazards_overdue: p("逾期隐患", "Overdue hazards"),
            hazards_major: p("重大隐患", "Major hazards"),
            drills_due: p("待开展演练", "Drills due"),
            col_drill_date: p("计划日期", "Planned"),
            col_drill: p("演练科目", "Drill"),
            sec_operations: p(
                "八、生产运营对标（后四分之一）",
                "8. Operations: bottom quartile",
            ),
            no_bottom: p(
                "无处于后四分之一的电厂。",
                "No plant in the bottom quartile.",
            ),
            sec_reform: p("九、三项制度改革", "9. Reform indicators"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CollectionLine, RuleSection, UnitsTable};

    fn report(period: &str) -> Report {
        Report {
            lang: "zh".into(),
            entity_code: "G".into(),
            entity_name: "示例集团".into(),
            period: period.into(),
            basis: "本年累计".into(),
            made_on: "2026-12-06".into(),
            indicators: vec![],
            rule: RuleSection {
                name: String::new(),
                verdict: String::new(),
                holds: None,
                lines: vec![],
            },
            wage_linkage: None,
            trends: vec![],
            units: UnitsTable {
                columns: vec![],
                rows: vec![],
            },
            ranking: crate::model::Ranking {
                title: String::new(),
                rows: vec![],
            },
            reds: vec![],
            collection: Some(CollectionLine {
                month: period.into(),
                expected: 60,
                done: 58,
                complete: false,
                pending: vec![],
            }),
            emissions: None,
            safety: None,
            operations: vec![],
            reform: vec![],
            notes: vec![],
        }
    }

    #[test]
    fn the_cover_and_the_collection_read_in_each_language() {
        let r = report("2026-03");
        let zh = Labels::new(&r, Lang::Zh);
        // March without its leading zero, as a Chinese date is written.
        assert_eq!(zh.period_line, "2026 年 3 月");
        assert_eq!(zh.collection_line, "2026-03 应报送 60 家，已完成 58 家。");
        assert_eq!(zh.basis_line, "口径：本年累计");
        let en = Labels::new(&r, Lang::En);
        assert_eq!(en.period_line, "2026-03");
        assert_eq!(en.collection_line, "2026-03: 58 of 60 expected units done.");
        assert_eq!(
            Labels::new(&report("2026-11"), Lang::Zh).period_line,
            "2026 年 11 月"
        );
    }
}
