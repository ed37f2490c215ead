//! Human explanations of unavailable values and statuses, in Chinese (default) and English.
//!
//! The engine returns structured reasons; this module is the one place they become sentences, so
//! the CLI, the JSON `note` and later the web pages say the same thing.

use rust_decimal::Decimal;

use crate::catalogue::{Better, Catalogue, IndicatorDef, Unit};
use crate::engine::{DataNote, Unavailable};
use crate::facts::DerivationIssue;
use crate::format;
use crate::kpi::{Assessment, Status, YoyUnavailable};
use crate::reform::WageLinkage;

/// Output language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `zh`, `zh-CN`, `en`, `en-US`…
    pub fn parse(text: &str) -> Option<Self> {
        let lower = text.trim().to_ascii_lowercase();
        if lower.starts_with("zh") {
            Some(Lang::Zh)
        } else if lower.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// Picks the text for this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

const MAX_NAMED: usize = 8;

fn list_codes(codes: &[impl ToString], lang: Lang) -> String {
    let mut names: Vec<String> = codes
        .iter()
        .take(MAX_NAMED)
        .map(|c| c.to_string())
        .collect();
    if codes.len() > MAX_NAMED {
        names.push(match lang {
            Lang::Zh => format!("等 {} 家", codes.len()),
            Lang::En => format!("and {} more", codes.len() - MAX_NAMED),
        });
    }
    names.join(lang.pick("、", ", "))
}

/// Why a value is unavailable.
pub fn unavailable(reason: &Unavailable, lang: Lang) -> String {
    match reason {
        Unavailable::Missing {
            item,
            months,
            entities,
        } => {
            let months_text = list_codes(months, lang);
            if entities.is_empty() {
                match lang {
                    Lang::Zh => format!("缺少数据：{item} 在 {months_text} 无数据"),
                    Lang::En => format!("missing data: no {item} for {months_text}"),
                }
            } else {
                let who = list_codes(entities, lang);
                match lang {
                    Lang::Zh => format!("缺少数据：{who} 未报送 {months_text} 的 {item}"),
                    Lang::En => {
                        format!("missing data: {who} have not reported {item} for {months_text}")
                    }
                }
            }
        }
        Unavailable::DivisionByZero { denominator } => match lang {
            Lang::Zh => format!("分母为零：{denominator} = 0"),
            Lang::En => format!("zero denominator: {denominator} = 0"),
        },
        Unavailable::NotPositive { expression, value } => match lang {
            Lang::Zh => format!(
                "{expression} = {} ≤ 0，指标无意义",
                format::grouped(*value, 2)
            ),
            Lang::En => format!(
                "{expression} = {} ≤ 0: the indicator is not meaningful",
                format::grouped(*value, 2)
            ),
        },
        Unavailable::Overflow => lang
            .pick("数值超出可计算范围", "values exceed the computable range")
            .to_owned(),
        Unavailable::NotAdditive { item } => match lang {
            Lang::Zh => format!("{item} 不能按单位相加，筛选合计无法计算"),
            Lang::En => format!("{item} does not add up over units: no filtered subtotal"),
        },
        Unavailable::NoUnits => lang
            .pick("没有符合筛选条件的单位", "no unit matches the filter")
            .to_owned(),
    }
}

/// Why there is no year-on-year change (`None` when the value itself is unavailable: that note
/// already says why).
pub fn yoy(reason: &YoyUnavailable, lang: Lang) -> Option<String> {
    match reason {
        YoyUnavailable::NoValue => None,
        YoyUnavailable::LastYear(inner) => Some(match lang {
            Lang::Zh => format!("无同比（上年同期：{}）", unavailable(inner, lang)),
            Lang::En => format!("no year-on-year (last year: {})", unavailable(inner, lang)),
        }),
        YoyUnavailable::LastYearZero => Some(
            lang.pick(
                "无同比：上年同期为零",
                "no year-on-year: last year was zero",
            )
            .to_owned(),
        ),
    }
}

/// The reason behind a status colour, e.g. "落后进度：1,683,748.34 < 进度目标 14,540,380.67 − 容差 1,454,038.07".
pub fn status(def: &IndicatorDef, value: Decimal, assessment: &Assessment, lang: Lang) -> String {
    // The same units as the cockpit: amounts in 万元, ratios as percentages.
    let show = |d: Decimal| match def.unit {
        Unit::Yuan | Unit::YuanPerPerson => format::wan_yuan(d),
        _ => format::human(d, def.unit),
    };
    let unit = match def.unit {
        Unit::Ratio | Unit::Persons => String::new(),
        other => {
            let label = format::unit_label(other, lang);
            lang.pick(&format!("（{label}）"), &format!(" ({label})"))
                .to_owned()
        }
    };
    let (v, e, b) = (
        show(value),
        show(assessment.expected),
        show(assessment.band),
    );
    let (better_sign, worse_sign, band_sign) = match def.better {
        Better::Higher => ("≥", "<", "−"),
        Better::Lower => ("≤", ">", "+"),
        Better::Neither => ("", "", ""),
    };
    let sentence = match (assessment.status, lang) {
        // A target of an indicator without direction is shown, not judged.
        (Status::None, Lang::Zh) if def.better == Better::Neither => {
            format!("进度目标 {e}，不评价（无优劣方向）：{v}")
        }
        (Status::None, Lang::En) if def.better == Better::Neither => {
            format!("expected {e}, not judged (no better direction): {v}")
        }
        (Status::Green, Lang::Zh) => format!("达到进度目标：{v} {better_sign} {e}"),
        (Status::Green, Lang::En) => format!("on track: {v} {better_sign} expected {e}"),
        (Status::Yellow, Lang::Zh) => {
            format!("略差于进度目标：{v} {worse_sign} {e}，在容差 {b} 以内")
        }
        (Status::Yellow, Lang::En) => {
            format!("slightly off track: {v} {worse_sign} expected {e}, within the band of {b}")
        }
        (Status::Red, Lang::Zh) => {
            format!("落后于进度目标：{v} {worse_sign} {e} {band_sign} 容差 {b}")
        }
        (Status::Red, Lang::En) => {
            format!("off track: {v} {worse_sign} expected {e} {band_sign} band {b}")
        }
        (Status::None, Lang::Zh) => "无目标".to_owned(),
        (Status::None, Lang::En) => "no target".to_owned(),
    };
    if assessment.status == Status::None && def.better != Better::Neither {
        sentence
    } else {
        format!("{sentence}{unit}")
    }
}

/// A data-quality note about stored data.
pub fn data_note(note: &DataNote, lang: Lang) -> String {
    match note {
        DataNote::UnknownEntity(code) => match lang {
            Lang::Zh => format!("数据引用了未知单位 {code}，已忽略"),
            Lang::En => format!("data refers to unknown entity {code}; ignored"),
        },
        DataNote::UnknownItem(item) => match lang {
            Lang::Zh => format!("数据引用了目录中没有的项目 {item}，已忽略"),
            Lang::En => format!("data refers to item {item}, which the catalogue lacks; ignored"),
        },
        DataNote::DerivedItemSubmitted { entity, item } => match lang {
            Lang::Zh => format!("{entity} 报送了计算项目 {item}，以计算值为准"),
            Lang::En => {
                format!("{entity} submitted the derived item {item}; the computed value is used")
            }
        },
        DataNote::Derivation {
            entity,
            item,
            issue,
        } => derivation(entity.as_str(), item, issue, lang),
    }
}

/// A YTD series that cannot be turned into monthly amounts.
pub fn derivation(entity: &str, item: &str, issue: &DerivationIssue, lang: Lang) -> String {
    match (issue, lang) {
        (DerivationIssue::MissingPreviousCumulative { month, previous }, Lang::Zh) => format!(
            "{entity} 的 {item} 在 {month} 按本年累计报送，但缺少 {previous} 的累计数，无法推算当月数"
        ),
        (DerivationIssue::MissingPreviousCumulative { month, previous }, Lang::En) => format!(
            "{entity} {item} {month} is year-to-date, but there is no cumulative for {previous} to derive the month from"
        ),
        (DerivationIssue::NegativeAmount { month, amount }, Lang::Zh) => format!(
            "{entity} 的 {item} 在 {month} 推算出的当月数为负（{}），累计数不成立",
            format::grouped(*amount, 2)
        ),
        (DerivationIssue::NegativeAmount { month, amount }, Lang::En) => format!(
            "{entity} {item} {month}: the derived monthly amount is negative ({}), not a valid cumulative",
            format::grouped(*amount, 2)
        ),
        (DerivationIssue::Overflow { month }, Lang::Zh) => {
            format!("{entity} 的 {item} 在 {month} 数值超出范围")
        }
        (DerivationIssue::Overflow { month }, Lang::En) => {
            format!("{entity} {item} {month}: value out of range")
        }
    }
}

/// The verdict of pay follows results with its reason (reform.md's three cases), e.g.
/// "未达成（利润未增长，工资却增长）".
pub fn wage_linkage_verdict(linkage: &WageLinkage, lang: Lang) -> &'static str {
    let grew = linkage.profit_growth.is_some_and(|p| p > Decimal::ZERO);
    match (linkage.holds, grew) {
        (Some(true), true) => lang.pick(
            "达成（工资增幅不高于利润增幅）",
            "holds (wages grew no faster than profit)",
        ),
        (Some(false), true) => lang.pick(
            "未达成（工资增幅高于利润增幅）",
            "does not hold (wages grew faster than profit)",
        ),
        (Some(true), false) => lang.pick(
            "达成（利润未增长，工资未增长）",
            "holds (profit did not grow, nor did wages)",
        ),
        (Some(false), false) => lang.pick(
            "未达成（利润未增长，工资却增长）",
            "does not hold (wages grew while profit did not)",
        ),
        (None, _) => lang.pick(
            "无法判断（缺少数据或上年同期为零）",
            "undecidable (a value is missing or last year's was zero)",
        ),
    }
}

/// Pay follows results in one line, e.g. "工资效益联动（本年累计）：工资总额同比 +6.20%，利润总额同比
/// -12.00% → 未达成（利润未增长，工资却增长）".
pub fn wage_linkage(catalogue: &Catalogue, linkage: &WageLinkage, lang: Lang) -> String {
    let Some(def) = catalogue.wage_linkage() else {
        return String::new();
    };
    let name = |item: usize| {
        let item = catalogue.item(item);
        lang.pick(&item.name_zh, &item.name_en).to_owned()
    };
    let show = |g: Option<Decimal>| g.map_or_else(|| "—".to_owned(), format::growth);
    let verdict = wage_linkage_verdict(linkage, lang);
    match lang {
        Lang::Zh => format!(
            "{}（本年累计）：{}同比 {}，{}同比 {} → {verdict}",
            def.name_zh,
            name(def.wages),
            show(linkage.wage_growth),
            name(def.results),
            show(linkage.profit_growth)
        ),
        Lang::En => format!(
            "{} (year to date): {} {} YoY, {} {} YoY → {verdict}",
            def.name_en,
            name(def.wages),
            show(linkage.wage_growth),
            name(def.results),
            show(linkage.profit_growth)
        ),
    }
}
