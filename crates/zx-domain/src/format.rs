//! Number formatting and display labels shared by every output: exact strings for machines,
//! grouped amounts and percentages for people, and the names of units, bases and statuses in
//! Chinese or English. Pure: the CLI, the pages and the workbooks all take them from here.

use rust_decimal::{Decimal, RoundingStrategy};

use chrono::{DateTime, Utc};

use crate::access::Role;
use crate::calendar;
use crate::catalogue::{Catalogue, IndicatorKind, ItemDef, Unit};
use crate::formula::{Aggregation, Expr};
use crate::kpi::{IndicatorResult, Requirement, Status};
use crate::measures::MeasureStatus;
use crate::notes::Lang;
use crate::period::{Basis, Period};
use crate::safety::{HazardGrade, HazardStatus, LecGrade, RiskLevel};

mod audit;
pub use audit::{AUDIT_ACTIONS, audit_action_label, audit_text};

/// Output precision of exact values: 12 decimal places, half-even, trailing zeros dropped.
/// Far beyond any accounting need, and what the reference examples use.
pub fn exact(value: Decimal) -> String {
    value
        .round_dp_with_strategy(12, RoundingStrategy::MidpointNearestEven)
        .normalize()
        .to_string()
}

/// `1234567.891` → `1,234,567.89` (rounded to `places`, half away from zero as people expect).
pub fn grouped(value: Decimal, places: u32) -> String {
    let rounded = value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", places as usize, rounded.abs());
    let (int_part, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
        None => (text.clone(), None),
    };
    let mut out = String::new();
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(&f);
    }
    if rounded.is_sign_negative() && !rounded.is_zero() {
        out.insert(0, '-');
    }
    out
}

/// A fraction as a percentage with two decimals: 0.629164 → `62.92%`.
pub fn percent(value: Decimal) -> String {
    format!("{}%", grouped(value * Decimal::ONE_HUNDRED, 2))
}

/// A change of a fraction in percentage points: 0.01795 → `+1.80pp`.
pub fn points(value: Decimal) -> String {
    let sign = if value.is_sign_negative() { "" } else { "+" };
    format!("{sign}{}pp", grouped(value * Decimal::ONE_HUNDRED, 2))
}

/// A growth rate with its sign: −0.6323 → `-63.24%`.
pub fn growth(value: Decimal) -> String {
    let sign = if value.is_sign_negative() { "" } else { "+" };
    format!("{sign}{}", percent(value))
}

/// Amounts in 万元 (ten thousand yuan), the unit Chinese management reports use.
pub fn wan_yuan(value: Decimal) -> String {
    grouped(value / Decimal::from(10_000), 2)
}

/// A value for people, by unit: percentages for ratios, grouped numbers otherwise (physical
/// quantities as such: tonnes, MWh, kWh/t, hours, with two places).
pub fn human(value: Decimal, unit: Unit) -> String {
    match unit {
        Unit::Ratio => percent(value),
        Unit::Persons => grouped(value, 1),
        _ => grouped(value, 2),
    }
}

/// A value for reports: amounts in 万元 for yuan, percentages for ratios, physical quantities
/// and unit costs (元/吨) as they are.
pub fn show_value(value: Decimal, unit: Unit) -> String {
    match unit {
        Unit::Yuan => wan_yuan(value),
        Unit::YuanPerPerson => wan_yuan(value),
        Unit::Ratio => percent(value),
        Unit::Persons => grouped(value, 1),
        _ => grouped(value, 2),
    }
}

/// A stored value (元, 元/人, a fraction, persons) in the unit people read and type
/// ([`unit_label`]: 万元, 万元/人, %, 人), exact: 1135600 元/人 → 113.56, 0.65 → 65. Physical
/// quantities and unit costs are read and typed as stored.
pub fn to_display_unit(value: Decimal, unit: Unit) -> Decimal {
    match unit {
        Unit::Yuan | Unit::YuanPerPerson => value / Decimal::from(10_000),
        Unit::Ratio => value * Decimal::ONE_HUNDRED,
        _ => value,
    }
}

/// A value typed in the unit people read back in the stored unit, exact: 113.56 万元/人 →
/// 1135600 元/人, 65 % → 0.65. `None` when the result is beyond the decimal range.
pub fn from_display_unit(value: Decimal, unit: Unit) -> Option<Decimal> {
    match unit {
        Unit::Yuan | Unit::YuanPerPerson => value.checked_mul(Decimal::from(10_000)),
        Unit::Ratio => value.checked_div(Decimal::ONE_HUNDRED),
        _ => Some(value),
    }
}

/// The unit [`show_value`] shows a value in.
pub fn unit_label(unit: Unit, lang: Lang) -> &'static str {
    match unit {
        Unit::Yuan => lang.pick("万元", "10k yuan"),
        Unit::YuanPerPerson => lang.pick("万元/人", "10k yuan/person"),
        Unit::Ratio => "%",
        Unit::Persons => lang.pick("人", "persons"),
        Unit::Tonnes => lang.pick("吨", "t"),
        Unit::Mwh => "MWh",
        Unit::Kwh => "kWh",
        Unit::CubicMetres => "m³",
        Unit::TonnesPerDay => lang.pick("吨/日", "t/d"),
        Unit::CubicMetresPerDay => lang.pick("m³/日", "m³/d"),
        Unit::Mw => "MW",
        Unit::KwhPerTonne => lang.pick("kWh/吨", "kWh/t"),
        Unit::KwhPerCubicMetre => "kWh/m³",
        Unit::YuanPerTonne => lang.pick("元/吨", "yuan/t"),
        Unit::YuanPerCubicMetre => lang.pick("元/m³", "yuan/m³"),
        Unit::YuanPerMwh => lang.pick("元/MWh", "yuan/MWh"),
        Unit::Hours => lang.pick("小时", "h"),
    }
}

/// What a gap in a unit indicator over a plant's output is worth, for people: yuan in 万元,
/// energy in kWh (`Unit::numerator`).
pub fn show_worth(value: Decimal, unit: Unit, lang: Lang) -> String {
    match unit.numerator() {
        Some(numerator) => format!(
            "{} {}",
            show_value(value, numerator),
            unit_label(numerator, lang)
        ),
        None => "—".to_owned(),
    }
}

/// Year to date or the month alone.
pub fn basis_label(period: Period, lang: Lang) -> &'static str {
    match period.basis {
        Basis::Ytd => lang.pick("本年累计", "year to date"),
        Basis::Month => lang.pick("当月", "month"),
    }
}

/// The year-on-year change of an indicator: percentage points for rates, growth for amounts,
/// `—` when it cannot be computed.
pub fn show_yoy(result: &IndicatorResult, kind: IndicatorKind) -> String {
    match (&result.yoy, kind) {
        (Ok(v), IndicatorKind::Rate) => points(*v),
        (Ok(v), IndicatorKind::Amount) => growth(*v),
        (Err(_), _) => "—".to_owned(),
    }
}

/// A traffic light's name; `—` without a target to judge by (a workbook leaves that cell empty).
pub fn status_text(status: Status, lang: Lang) -> &'static str {
    match status {
        Status::Green => lang.pick("绿", "green"),
        Status::Yellow => lang.pick("黄", "yellow"),
        Status::Red => lang.pick("红", "red"),
        Status::None => "—",
    }
}

/// A traffic light's name for a workbook cell: as [`status_text`], but empty without a target
/// to judge by (a cell left blank, not `—`).
pub fn status_cell(status: Status, lang: Lang) -> &'static str {
    match status {
        Status::None => "",
        judged => status_text(judged, lang),
    }
}

/// What the year's rule asks of an indicator.
pub fn requirement_label(requirement: Requirement, lang: Lang) -> &'static str {
    match requirement {
        Requirement::Grows => lang.pick("增长", "grows"),
        Requirement::Stable(_) => lang.pick("稳定", "stable"),
        Requirement::Improves => lang.pick("提升", "improves"),
    }
}

/// The usual segment codes in the reader's language; other segments as the group wrote them.
pub fn segment_label(segment: &str, lang: Lang) -> String {
    let known = [
        ("waste-to-energy", "垃圾焚烧发电", "waste-to-energy"),
        ("water", "水务", "water"),
        ("solar", "光伏", "solar"),
        ("wind", "风电", "wind"),
    ];
    known
        .iter()
        .find(|(code, _, _)| *code == segment)
        .map_or_else(
            || segment.to_owned(),
            |(_, zh, en)| lang.pick(zh, en).to_owned(),
        )
}

/// An account's role (`hq_analyst`) as people read it.
pub fn role_label(role: &str, lang: Lang) -> String {
    let label = match Role::parse(role) {
        Some(Role::Admin) => lang.pick("系统管理员", "administrator"),
        Some(Role::HqAnalyst) => lang.pick("总部分析员", "HQ analyst"),
        Some(Role::HqHr) => lang.pick("总部人力资源", "HQ HR"),
        Some(Role::EntityManager) => lang.pick("单位填报负责人", "unit manager"),
        Some(Role::Viewer) => lang.pick("只读用户", "viewer"),
        None => return role.to_owned(),
    };
    label.to_owned()
}

/// A measure's status (`in_progress`) as people read it.
pub fn measure_status_label(status: &str, lang: Lang) -> String {
    match MeasureStatus::parse(status) {
        Some(s) => lang
            .pick(
                s.name_zh(),
                match s {
                    MeasureStatus::Planned => "planned",
                    MeasureStatus::InProgress => "in progress",
                    MeasureStatus::Done => "done",
                    MeasureStatus::Cancelled => "cancelled",
                },
            )
            .to_owned(),
        None => status.to_owned(),
    }
}

/// A four-colour risk level as people say it (重大/较大/一般/低风险).
pub fn risk_level_label(level: RiskLevel, lang: Lang) -> &'static str {
    match level {
        RiskLevel::Red => lang.pick("重大风险", "major (red)"),
        RiskLevel::Orange => lang.pick("较大风险", "high (orange)"),
        RiskLevel::Yellow => lang.pick("一般风险", "general (yellow)"),
        RiskLevel::Blue => lang.pick("低风险", "low (blue)"),
    }
}

/// An LEC grade with what it asks for.
pub fn lec_grade_label(grade: LecGrade, lang: Lang) -> &'static str {
    match grade {
        LecGrade::Extreme => lang.pick("极其危险，不能继续作业", "extreme: stop work"),
        LecGrade::High => lang.pick("高度危险，需立即整改", "high: fix immediately"),
        LecGrade::Significant => lang.pick("显著危险，需要整改", "significant: needs fixing"),
        LecGrade::Possible => lang.pick("一般危险，需要注意", "possible: needs attention"),
        LecGrade::Slight => lang.pick("稍有危险，可以接受", "slight: acceptable"),
    }
}

/// A hazard's grade (一般隐患/重大隐患).
pub fn hazard_grade_label(grade: HazardGrade, lang: Lang) -> &'static str {
    match grade {
        HazardGrade::General => lang.pick("一般隐患", "general"),
        HazardGrade::Major => lang.pick("重大隐患", "major"),
    }
}

/// Where a hazard is in its closed loop.
pub fn hazard_status_label(status: HazardStatus, lang: Lang) -> &'static str {
    match status {
        HazardStatus::Reported => lang.pick("已上报", "reported"),
        HazardStatus::Assessed => lang.pick("已评估", "assessed"),
        HazardStatus::Rectifying => lang.pick("整改中", "rectifying"),
        HazardStatus::AwaitingVerification => lang.pick("待验收", "awaiting verification"),
        HazardStatus::Closed => lang.pick("已销号", "closed"),
    }
}

/// The hazard raised for a special operator without a certificate in force (safety.md §5).
pub fn uncertified_operator_hazard(person: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => {
            format!("特种作业人员 {person} 无有效的特种作业操作证（无证上岗属重大事故隐患）")
        }
        Lang::En => format!("special operator {person} has no valid certificate (a major hazard)"),
    }
}

/// A month's state in the collection workflow (`submitted`, `approved`, `returned`, `locked`).
pub fn period_state_label(state: &str, lang: Lang) -> String {
    let label = match state {
        "submitted" => lang.pick("已报送", "submitted"),
        "approved" => lang.pick("已审核", "approved"),
        "returned" => lang.pick("已退回", "returned"),
        "locked" => lang.pick("已锁定", "locked"),
        _ => return state.to_owned(),
    };
    label.to_owned()
}

/// `n` things in the reader's language: Chinese counts with a measure word and no plural
/// (`1 项在办措施`), English chooses singular or plural (`1 open measure`, `2 open measures`).
pub fn count_phrase(n: usize, lang: Lang, zh: &str, en_one: &str, en_many: &str) -> String {
    match lang {
        Lang::Zh => format!("{n} {zh}"),
        Lang::En if n == 1 => format!("{n} {en_one}"),
        Lang::En => format!("{n} {en_many}"),
    }
}

/// The time zone every time shown to people is in, stated once per table or page after a
/// heading: "时间（北京时间）", "When (China time, UTC+8)".
pub fn china_zone(lang: Lang) -> &'static str {
    lang.pick("（北京时间）", " (China time, UTC+8)")
}

/// An instant for people: China time (UTC+8) to the minute, `2026-12-06 12:44`. The zone is
/// stated once beside the table or page ([`china_zone`]), not on every line.
pub fn china_minute(at: DateTime<Utc>) -> String {
    calendar::china_time(at)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// An instant for people to the second, as [`china_minute`] (the audit log).
pub fn china_second(at: DateTime<Utc>) -> String {
    calendar::china_time(at)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// An instant with its zone on the line itself, for text output without a table heading (the
/// CLI's history, submissions and audit): `2026-12-06 12:44:33 +08:00`.
pub fn china_stamp(at: DateTime<Utc>) -> String {
    at.with_timezone(&calendar::china_offset())
        .format("%Y-%m-%d %H:%M:%S %:z")
        .to_string()
}

/// A formula for people: items by their catalogue names, the aggregation as a word, `÷` and `×`:
/// `flow(operating_cash_flow) / flow(operating_revenue)` → "经营活动产生的现金流量净额（累计）÷
/// 营业收入（累计）". The raw formula stays for experts beside it.
pub fn formula_label(expr: &Expr, catalogue: &Catalogue, basis: Basis, lang: Lang) -> String {
    expr.render_for_people(&|aggregation, item| {
        input_label(aggregation, catalogue.item(item), basis, lang)
    })
}

/// An item's or an indicator's name from the catalogue (`total_profit` → 利润总额); `None`
/// for a code it does not have.
pub fn catalogue_name(catalogue: &Catalogue, code: &str, lang: Lang) -> Option<String> {
    let (zh, en) = match (catalogue.item_index(code), catalogue.find_indicator(code)) {
        (Some(i), _) => {
            let item = catalogue.item(i);
            (&item.name_zh, &item.name_en)
        }
        (None, Some(indicator)) => (&indicator.name_zh, &indicator.name_en),
        (None, None) => return None,
    };
    Some(lang.pick(zh, en).to_owned())
}

/// One input of a formula for people: the item's name and what is read of it, e.g.
/// "营业收入（累计）" / "Operating revenue (YTD)".
pub fn input_label(aggregation: Aggregation, item: &ItemDef, basis: Basis, lang: Lang) -> String {
    let name = lang.pick(&item.name_zh, &item.name_en);
    let how = match aggregation {
        Aggregation::Flow => match basis {
            Basis::Ytd => lang.pick("累计", "YTD"),
            Basis::Month => lang.pick("当月", "month"),
        },
        Aggregation::End => lang.pick("期末", "end of period"),
        Aggregation::Opening => lang.pick("期初", "start of period"),
        Aggregation::Average => lang.pick("平均", "average"),
        Aggregation::AtMonth => return name.to_owned(),
    };
    match lang {
        Lang::Zh => format!("{name}（{how}）"),
        Lang::En => format!("{name} ({how})"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_reference_values_audit_line_reads_as_words() {
        let names = |code: &str| (code == "cost_per_tonne").then(|| "吨垃圾运营成本".to_owned());
        assert_eq!(
            audit_text(
                "benchmark_reference indicator=cost_per_tonne; segment=waste-to-energy; kind=average; year=2025",
                Lang::Zh,
                &names
            ),
            "行业参考值 指标=吨垃圾运营成本; 板块=垃圾焚烧发电; 类型=行业平均; 年份=2025"
        );
        assert_eq!(
            audit_text("value=312.5; source=协会 best_of 年鉴", Lang::En, &names),
            "value=312.5; source=协会 best_of 年鉴"
        );
        assert_eq!(
            audit_text(
                "benchmark_reference indicator=x; segment=all; kind=best; year=2025",
                Lang::En,
                &|_| None
            ),
            "industry reference value indicator=x; segment=all segments; kind=industry best; year=2025"
        );
    }

    #[test]
    fn safety_import_actions_read_as_words() {
        assert_eq!(
            audit_action_label("safety_training.revise", Lang::Zh),
            "修订培训记录"
        );
        assert_eq!(
            audit_action_label("safety_certificate.create", Lang::En),
            "certificate added"
        );
        assert_eq!(
            audit_action_label("safety.import", Lang::Zh),
            "导入安全台账"
        );
        assert_eq!(
            audit_action_label("safety_other.create", Lang::En),
            "safety_other.create"
        );
    }

    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn formats_for_machines_and_people() {
        assert_eq!(exact(d("678190.430000000000")), "678190.43");
        assert_eq!(exact(d("0.12345678901250")), "0.123456789012");
        assert_eq!(exact(d("0.12345678901350")), "0.123456789014");
        assert_eq!(grouped(d("1234567.891"), 2), "1,234,567.89");
        assert_eq!(grouped(d("-1234.5"), 0), "-1,235");
        assert_eq!(grouped(d("999"), 2), "999.00");
        assert_eq!(grouped(d("-0.001"), 2), "0.00");
        assert_eq!(percent(d("0.629164620816")), "62.92%");
        assert_eq!(points(d("0.017952761715")), "+1.80pp");
        assert_eq!(growth(d("-0.632352207871")), "-63.24%");
        assert_eq!(wan_yuan(d("1683748.34")), "168.37");
    }

    #[test]
    fn targets_convert_exactly_between_display_and_stored_units() {
        assert_eq!(
            from_display_unit(d("113.56"), Unit::YuanPerPerson),
            Some(d("1135600"))
        );
        assert_eq!(from_display_unit(d("65"), Unit::Ratio), Some(d("0.65")));
        assert_eq!(from_display_unit(d("0.35"), Unit::Ratio), Some(d("0.0035")));
        assert_eq!(
            from_display_unit(d("1250.5"), Unit::Yuan),
            Some(d("12505000"))
        );
        assert_eq!(
            from_display_unit(d("-12.34"), Unit::Yuan),
            Some(d("-123400"))
        );
        assert_eq!(
            from_display_unit(d("321.5"), Unit::Persons),
            Some(d("321.5"))
        );
        assert_eq!(from_display_unit(Decimal::MAX, Unit::Yuan), None);
        assert_eq!(
            to_display_unit(d("1135600"), Unit::YuanPerPerson),
            d("113.56")
        );
        assert_eq!(to_display_unit(d("0.65"), Unit::Ratio), d("65"));
        assert_eq!(to_display_unit(d("12505000"), Unit::Yuan), d("1250.5"));
        // There and back is the identity, to the last digit.
        for (text, unit) in [("123456.78", Unit::Yuan), ("0.123456789", Unit::Ratio)] {
            let shown = to_display_unit(d(text), unit);
            assert_eq!(from_display_unit(shown, unit), Some(d(text)));
        }
    }

    #[test]
    fn values_and_labels_for_reports() {
        assert_eq!(show_value(d("1683748.34"), Unit::Yuan), "168.37");
        assert_eq!(show_value(d("0.629164"), Unit::Ratio), "62.92%");
        assert_eq!(show_value(d("1234.56"), Unit::Persons), "1,234.6");
        assert_eq!(unit_label(Unit::Yuan, Lang::Zh), "万元");
        assert_eq!(unit_label(Unit::YuanPerPerson, Lang::En), "10k yuan/person");
        // Physical units are shown as such, never in 万.
        assert_eq!(show_value(d("123456.785"), Unit::Tonnes), "123,456.79");
        assert_eq!(show_value(d("412.5"), Unit::YuanPerTonne), "412.50");
        assert_eq!(human(d("2250"), Unit::Hours), "2,250.00");
        assert_eq!(unit_label(Unit::CubicMetres, Lang::Zh), "m³");
        assert_eq!(unit_label(Unit::KwhPerTonne, Lang::En), "kWh/t");
        assert_eq!(unit_label(Unit::YuanPerTonne, Lang::Zh), "元/吨");
        assert_eq!(to_display_unit(d("350.5"), Unit::Mwh), d("350.5"));
        assert_eq!(from_display_unit(d("350.5"), Unit::Mwh), Some(d("350.5")));
        // 5 yuan/t × 120,000 t = 600,000 yuan = 60.00 万元 (operations.md's example).
        assert_eq!(
            show_worth(d("600000"), Unit::YuanPerTonne, Lang::Zh),
            "60.00 万元"
        );
        assert_eq!(
            show_worth(d("1500"), Unit::KwhPerCubicMetre, Lang::En),
            "1,500.00 kWh"
        );
        assert_eq!(show_worth(d("1"), Unit::Ratio, Lang::En), "—");
        let month = crate::period::Month::parse("2026-03").unwrap();
        assert_eq!(
            basis_label(Period::new(month, Basis::Ytd), Lang::Zh),
            "本年累计"
        );
        assert_eq!(
            basis_label(Period::new(month, Basis::Month), Lang::En),
            "month"
        );
        assert_eq!(status_text(Status::Red, Lang::Zh), "红");
        assert_eq!(status_text(Status::Green, Lang::En), "green");
        assert_eq!(status_text(Status::None, Lang::En), "—");
        assert_eq!(status_cell(Status::None, Lang::Zh), "");
        assert_eq!(status_cell(Status::Yellow, Lang::Zh), "黄");
        assert_eq!(requirement_label(Requirement::Improves, Lang::Zh), "提升");
        assert_eq!(segment_label("water", Lang::Zh), "水务");
        assert_eq!(segment_label("biogas", Lang::Zh), "biogas");
    }

    #[test]
    fn codes_read_as_words_in_the_ui_language() {
        assert_eq!(role_label("hq_analyst", Lang::Zh), "总部分析员");
        assert_eq!(role_label("entity_manager", Lang::En), "unit manager");
        assert_eq!(role_label("auditor", Lang::Zh), "auditor");
        assert_eq!(measure_status_label("in_progress", Lang::Zh), "推进中");
        assert_eq!(measure_status_label("in_progress", Lang::En), "in progress");
        assert_eq!(measure_status_label("cancelled", Lang::Zh), "已取消");
        // What an exported list says reads back.
        for lang in [Lang::Zh, Lang::En] {
            for status in MeasureStatus::ALL {
                let label = measure_status_label(status.as_str(), lang);
                assert_eq!(MeasureStatus::parse(&label), Some(status), "{label}");
            }
        }
        assert_eq!(period_state_label("locked", Lang::Zh), "已锁定");
        assert_eq!(
            audit_action_label("period.locked", Lang::Zh),
            "报送状态：已锁定"
        );
        assert_eq!(
            audit_action_label("period.approved", Lang::En),
            "month approved"
        );
        assert_eq!(audit_action_label("measure.update", Lang::Zh), "更新措施");
        assert_eq!(
            audit_action_label("alarm_rules.set", Lang::En),
            "alarm rules set"
        );
    }

    #[test]
    fn counts_have_no_plural_in_chinese_and_the_right_one_in_english() {
        assert_eq!(
            count_phrase(1, Lang::En, "项在办措施", "open measure", "open measures"),
            "1 open measure"
        );
        assert_eq!(
            count_phrase(2, Lang::En, "项在办措施", "open measure", "open measures"),
            "2 open measures"
        );
        assert_eq!(
            count_phrase(0, Lang::En, "项在办措施", "open measure", "open measures"),
            "0 open measures"
        );
        assert_eq!(
            count_phrase(1, Lang::Zh, "项在办措施", "open measure", "open measures"),
            "1 项在办措施"
        );
    }

    #[test]
    fn times_for_people_are_china_time() {
        let at = DateTime::parse_from_rfc3339("2026-12-05T17:00:09Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(china_minute(at), "2026-12-06 01:00");
        assert_eq!(china_second(at), "2026-12-06 01:00:09");
        assert_eq!(china_stamp(at), "2026-12-06 01:00:09 +08:00");
        assert_eq!(china_zone(Lang::Zh), "（北京时间）");
        assert_eq!(china_zone(Lang::En), " (China time, UTC+8)");
    }

    #[test]
    fn formulas_read_with_names() {
        let catalogue = Catalogue::builtin().unwrap();
        let index = catalogue.indicator_index("operating_cash_ratio").unwrap();
        let expr = &catalogue.indicator(index).formula;
        assert_eq!(
            formula_label(expr, &catalogue, Basis::Ytd, Lang::Zh),
            "经营活动产生的现金流量净额（累计） ÷ 营业收入（累计）"
        );
        assert_eq!(
            formula_label(expr, &catalogue, Basis::Month, Lang::En),
            "Net cash flow from operating activities (month) ÷ Operating revenue (month)"
        );
    }

    #[test]
    fn codes_of_the_catalogue_read_as_its_names() {
        let catalogue = Catalogue::builtin().unwrap();
        assert_eq!(
            catalogue_name(&catalogue, "operating_cash_flow", Lang::Zh).as_deref(),
            Some("经营活动产生的现金流量净额")
        );
        assert_eq!(
            catalogue_name(&catalogue, "rd_intensity", Lang::En).as_deref(),
            Some("R&D intensity")
        );
        assert_eq!(catalogue_name(&catalogue, "furnace_temp", Lang::Zh), None);
    }

    #[test]
    fn audit_lines_read_in_the_ui_language_with_free_text_as_stored() {
        let names = |code: &str| (code == "total_profit").then(|| "利润总额".to_owned());
        assert_eq!(
            audit_text(
                "status=in_progress; progress=40; due=2026-12-15; comment=done_by in_progress",
                Lang::Zh,
                &names
            ),
            "状态=推进中; 进度=40; 截止日期=2026-12-15; 说明=done_by in_progress"
        );
        assert_eq!(
            audit_text("target FJ-JJ-WTE 2026 total_profit", Lang::Zh, &names),
            "目标 FJ-JJ-WTE 2026 利润总额"
        );
        assert_eq!(
            audit_text("98.25 (month)", Lang::Zh, &names),
            "98.25 (当月)"
        );
        // A planned drill: its object and fields, the scenario and joint units as typed.
        assert_eq!(
            audit_text("planned drill 113", Lang::Zh, &names),
            "演练计划 113"
        );
        assert_eq!(
            audit_text(
                "entity=P1; plan=P1-ZH; due=2027-02-06; scenario=全厂停电 planned; joint_with=fire brigade",
                Lang::Zh,
                &names
            ),
            "单位=P1; 预案=P1-ZH; 截止日期=2027-02-06; 演练情景=全厂停电 planned; 联合单位=fire brigade"
        );
        assert_eq!(
            audit_text("role=hq_analyst", Lang::Zh, &names),
            "角色=总部分析员"
        );
        assert_eq!(
            audit_text(
                "mn=88888880000001; kind=hourly_limit; code=a21002",
                Lang::Zh,
                &names
            ),
            "mn=88888880000001; 类型=小时均值超标; 因子=a21002"
        );
        assert_eq!(
            audit_text("measures measures.csv", Lang::Zh, &names),
            "措施清单 measures.csv"
        );
        assert_eq!(
            audit_text(
                "entity=FJ; name=1号炉; standard=gb18485-2014; furnace=furnace_temp; password=(set)",
                Lang::Zh,
                &names
            ),
            "单位=FJ; 名称=1号炉; 标准=gb18485-2014; 炉温因子=炉膛温度; 密码=(已设置)"
        );
        assert_eq!(audit_text("locked: 月结", Lang::Zh, &names), "已锁定: 月结");
        assert_eq!(
            audit_text("status=in_progress", Lang::En, &names),
            "status=in progress"
        );
    }
}
