//! Number formatting shared by every output: exact strings for machines, grouped amounts and
//! percentages for people.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::catalogue::Unit;

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
}
