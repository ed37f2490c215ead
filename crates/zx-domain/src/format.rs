//! Number formatting and display labels shared by every output: exact strings for machines,
//! grouped amounts and percentages for people, and the names of units, bases and statuses in
//! Chinese or English. Pure: the CLI, the pages and the workbooks all take them from here.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::catalogue::{IndicatorKind, Unit};
use crate::kpi::{IndicatorResult, Requirement, Status};
use crate::notes::Lang;
use crate::period::{Basis, Period};

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

/// A value for people, by unit: percentages for ratios, grouped numbers otherwise.
pub fn human(value: Decimal, unit: Unit) -> String {
    match unit {
        Unit::Ratio => percent(value),
        Unit::Persons => grouped(value, 1),
        Unit::Yuan | Unit::YuanPerPerson => grouped(value, 2),
    }
}

/// A value for reports: amounts in 万元 for yuan, percentages for ratios.
pub fn show_value(value: Decimal, unit: Unit) -> String {
    match unit {
        Unit::Yuan => wan_yuan(value),
        Unit::YuanPerPerson => wan_yuan(value),
        Unit::Ratio => percent(value),
        Unit::Persons => grouped(value, 1),
    }
}

/// A stored value (元, 元/人, a fraction, persons) in the unit people read and type
/// ([`unit_label`]: 万元, 万元/人, %, 人), exact: 1135600 元/人 → 113.56, 0.65 → 65.
pub fn to_display_unit(value: Decimal, unit: Unit) -> Decimal {
    match unit {
        Unit::Yuan | Unit::YuanPerPerson => value / Decimal::from(10_000),
        Unit::Ratio => value * Decimal::ONE_HUNDRED,
        Unit::Persons => value,
    }
}

/// A value typed in the unit people read back in the stored unit, exact: 113.56 万元/人 →
/// 1135600 元/人, 65 % → 0.65. `None` when the result is beyond the decimal range.
pub fn from_display_unit(value: Decimal, unit: Unit) -> Option<Decimal> {
    match unit {
        Unit::Yuan | Unit::YuanPerPerson => value.checked_mul(Decimal::from(10_000)),
        Unit::Ratio => value.checked_div(Decimal::ONE_HUNDRED),
        Unit::Persons => Some(value),
    }
}

/// The unit [`show_value`] shows a value in.
pub fn unit_label(unit: Unit, lang: Lang) -> &'static str {
    match unit {
        Unit::Yuan => lang.pick("万元", "10k yuan"),
        Unit::YuanPerPerson => lang.pick("万元/人", "10k yuan/person"),
        Unit::Ratio => "%",
        Unit::Persons => lang.pick("人", "persons"),
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

#[cfg(test)]
mod tests {
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
}
