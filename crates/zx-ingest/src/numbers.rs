//! Exact decimals from what clerks type and from what Excel stores.

use rust_decimal::Decimal;

/// Why a text or a cell is not an acceptable decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberError {
    /// Not a number in any accepted notation.
    Syntax,
    /// Beyond the range of an exact decimal (about 7.9 × 10²⁸).
    TooLarge,
    /// More than 28 decimal places (or smaller than 10⁻²⁸).
    TooPrecise,
}

impl NumberError {
    pub(crate) fn message(self) -> (&'static str, &'static str) {
        match self {
            NumberError::Syntax => ("is not a decimal number", "不是有效的数字"),
            NumberError::TooLarge => ("is too large a number", "数值过大"),
            NumberError::TooPrecise => ("has more than 28 decimal places", "小数位数超过 28 位"),
        }
    }
}

/// A number as sign, digits and a power of ten: `-1.25e3` is (true, 125, 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scientific {
    negative: bool,
    digits: u128,
    /// Count of significant digits in `digits` (0 for zero).
    len: u32,
    exponent: i64,
}

/// Most digits we carry; beyond this no value fits a `Decimal` anyway.
const MAX_DIGITS: u32 = 38;

impl Scientific {
    fn push_digit(&mut self, digit: u8) -> Result<(), NumberError> {
        if self.len == 0 && digit == 0 {
            return Ok(());
        }
        if self.len >= MAX_DIGITS {
            // Further integer digits only make it larger; further fraction digits are precision
            // we cannot keep: either way the number is out of range.
            return Err(NumberError::TooLarge);
        }
        self.digits = self.digits * 10 + u128::from(digit);
        self.len += 1;
        Ok(())
    }

    fn to_decimal(mut self) -> Result<Decimal, NumberError> {
        if self.digits == 0 {
            return Ok(Decimal::ZERO);
        }
        // Trailing zeros of the mantissa move into the exponent: 1.5000 is 15e-1.
        while self.digits.is_multiple_of(10) {
            self.digits /= 10;
            self.exponent = self.exponent.saturating_add(1);
        }
        let signed = |n: u128| -> Result<i128, NumberError> {
            let n = i128::try_from(n).map_err(|_| NumberError::TooLarge)?;
            Ok(if self.negative { -n } else { n })
        };
        if self.exponent >= 0 {
            let power = u32::try_from(self.exponent).map_err(|_| NumberError::TooLarge)?;
            let scale = 10u128.checked_pow(power).ok_or(NumberError::TooLarge)?;
            let n = self
                .digits
                .checked_mul(scale)
                .ok_or(NumberError::TooLarge)?;
            Decimal::try_from_i128_with_scale(signed(n)?, 0).map_err(|_| NumberError::TooLarge)
        } else {
            let scale = u32::try_from(-self.exponent).map_err(|_| NumberError::TooPrecise)?;
            if scale > 28 {
                return Err(NumberError::TooPrecise);
            }
            Decimal::try_from_i128_with_scale(signed(self.digits)?, scale)
                .map_err(|_| NumberError::TooLarge)
        }
    }

    /// Rounds to `max` significant digits, half away from zero (as Excel's ROUND does).
    fn round_significant(mut self, max: u32) -> Self {
        if self.len <= max {
            return self;
        }
        let drop = self.len - max;
        // drop ≤ MAX_DIGITS: 10^38 fits u128.
        let divisor = 10u128.pow(drop);
        let mut kept = self.digits / divisor;
        let rest = self.digits % divisor;
        if rest >= divisor - rest {
            kept += 1;
        }
        self.digits = kept;
        self.len = max + u32::from(kept >= 10u128.pow(max));
        self.exponent = self.exponent.saturating_add(i64::from(drop));
        self
    }
}

/// Parses `[+-]digits[.digits][e[+-]digits]`, where the integer digits may be grouped in
/// thousands with commas (`1,234,567.89`, only when correctly grouped and without an exponent).
fn scan(text: &str) -> Result<Scientific, NumberError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut number = Scientific {
        negative: false,
        digits: 0,
        len: 0,
        exponent: 0,
    };
    if let Some(&sign) = bytes.first()
        && (sign == b'+' || sign == b'-')
    {
        number.negative = sign == b'-';
        i = 1;
    }
    // Integer part, with optional thousands separators.
    let int_start = i;
    let mut group_len = 0usize;
    let mut groups = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b @ b'0'..=b'9' => {
                number.push_digit(b - b'0')?;
                group_len += 1;
            }
            b',' => {
                if groups == 0 {
                    if !(1..=3).contains(&group_len) {
                        return Err(NumberError::Syntax);
                    }
                } else if group_len != 3 {
                    return Err(NumberError::Syntax);
                }
                groups += 1;
                group_len = 0;
            }
            _ => break,
        }
        i += 1;
    }
    let int_digits = i - int_start - groups;
    if groups > 0 && group_len != 3 {
        return Err(NumberError::Syntax);
    }
    // Fraction.
    let mut frac_digits = 0usize;
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            let digit = bytes[i] - b'0';
            if number.len >= MAX_DIGITS {
                // A zero past our precision changes nothing; any other digit cannot be kept.
                if digit != 0 {
                    return Err(NumberError::TooPrecise);
                }
            } else {
                number.push_digit(digit)?;
                frac_digits += 1;
            }
            i += 1;
        }
    }
    if int_digits + frac_digits == 0 {
        return Err(NumberError::Syntax);
    }
    // Exponent.
    let mut exponent: i64 = 0;
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        if groups > 0 {
            return Err(NumberError::Syntax);
        }
        i += 1;
        let mut negative = false;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            negative = bytes[i] == b'-';
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            exponent = exponent
                .saturating_mul(10)
                .saturating_add(i64::from(bytes[i] - b'0'));
            i += 1;
        }
        if i == start {
            return Err(NumberError::Syntax);
        }
        if negative {
            exponent = -exponent;
        }
    }
    if i != bytes.len() {
        return Err(NumberError::Syntax);
    }
    let frac = i64::try_from(frac_digits).map_err(|_| NumberError::TooPrecise)?;
    number.exponent = exponent.saturating_sub(frac);
    Ok(number)
}

/// Parses a decimal exactly as typed: `-1234.56`, `1.2E+07`, `1,234,567.89`. Surrounding blanks
/// are ignored; anything else (`12,3x`, `1,23`, `1 000`, empty) is an error. Never rounds.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, NumberError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(NumberError::Syntax);
    }
    scan(text)?.to_decimal()
}

/// Excel keeps 15 significant digits; the rest of an `f64` is binary noise.
const EXCEL_DIGITS: u32 = 15;

/// Converts a number cell (an `f64`: that is all XLSX stores) to the decimal the clerk typed.
///
/// The float is formatted with Rust's shortest round-trip representation (the fewest digits
/// that read back as the same float, so `0.1` stays `0.1`); when that needs more than 15
/// significant digits, which Excel never shows nor keeps from typing, it is rounded to 15 (half
/// away from zero), so `0.1 + 0.2` stored as `0.30000000000000004` comes back as `0.3`. The
/// result is then exact. NaN and infinities are errors.
pub(crate) fn decimal_from_f64(value: f64) -> Result<Decimal, NumberError> {
    if !value.is_finite() {
        return Err(NumberError::Syntax);
    }
    // `{:e}` is the same shortest round-trip digits as `{}`, in scientific form.
    let text = format!("{value:e}");
    scan(&text)?.round_significant(EXCEL_DIGITS).to_decimal()
}

/// Whether a decimal survives being written to a workbook as a number and read back by
/// [`decimal_from_f64`]; otherwise the template writes it as text to keep it exact.
pub(crate) fn to_exact_f64(value: Decimal) -> Option<f64> {
    let float: f64 = value.to_string().parse().ok()?;
    match decimal_from_f64(float) {
        Ok(back) if back == value => Some(float),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn accepts_plain_scientific_and_grouped_numbers() {
        assert_eq!(parse_decimal("-1234.56"), Ok(d("-1234.56")));
        assert_eq!(parse_decimal(" 1.2E+07 "), Ok(d("12000000")));
        assert_eq!(parse_decimal("1.5e-3"), Ok(d("0.0015")));
        assert_eq!(parse_decimal("1,234,567.89"), Ok(d("1234567.89")));
        assert_eq!(parse_decimal("-12,345"), Ok(d("-12345")));
        assert_eq!(parse_decimal("+0.50"), Ok(d("0.5")));
        assert_eq!(parse_decimal(".5"), Ok(d("0.5")));
        assert_eq!(parse_decimal("000123"), Ok(d("123")));
        assert_eq!(parse_decimal("0"), Ok(Decimal::ZERO));
        assert_eq!(
            parse_decimal("0.1234567890123456789012345678"),
            Ok(d("0.1234567890123456789012345678"))
        );
        assert_eq!(
            parse_decimal("79228162514264337593543950335"),
            Ok(Decimal::MAX)
        );
        assert_eq!(
            parse_decimal("1.000000000000000000000000000000000000000000"),
            Ok(d("1"))
        );
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            " ",
            "12,3x",
            "1,23",
            "1,2345",
            ",123",
            "1,,234",
            "1 000",
            "1_000",
            "1.2.3",
            "e5",
            "1e",
            "1e+",
            "--1",
            "+",
            ".",
            "1,234e3",
            "0x10",
            "NaN",
            "inf",
            "１２",
            "(12)",
            "12%",
            "1,234.5,6",
        ] {
            assert_eq!(parse_decimal(bad), Err(NumberError::Syntax), "{bad:?}");
        }
        assert_eq!(
            parse_decimal("79228162514264337593543950336"),
            Err(NumberError::TooLarge)
        );
        assert_eq!(parse_decimal("1e29"), Err(NumberError::TooLarge));
        assert_eq!(
            parse_decimal("1e999999999999999999999"),
            Err(NumberError::TooLarge)
        );
        assert_eq!(
            parse_decimal("0.12345678901234567890123456789"),
            Err(NumberError::TooPrecise)
        );
        assert_eq!(parse_decimal("1e-29"), Err(NumberError::TooPrecise));
    }

    #[test]
    fn floats_come_back_as_typed() {
        assert_eq!(decimal_from_f64(0.1 + 0.2), Ok(d("0.3")));
        assert_eq!(decimal_from_f64(12538168.44), Ok(d("12538168.44")));
        assert_eq!(decimal_from_f64(-0.0), Ok(Decimal::ZERO));
        assert_eq!(decimal_from_f64(1e21), Ok(d("1000000000000000000000")));
        assert_eq!(decimal_from_f64(314.0), Ok(d("314")));
        assert_eq!(decimal_from_f64(0.999_999_999_999_999_9), Ok(d("1")));
        assert_eq!(
            decimal_from_f64(123_456_789.123_456_78),
            Ok(d("123456789.123457"))
        );
        assert_eq!(decimal_from_f64(f64::NAN), Err(NumberError::Syntax));
        assert_eq!(decimal_from_f64(f64::INFINITY), Err(NumberError::Syntax));
        assert_eq!(decimal_from_f64(1e300), Err(NumberError::TooLarge));
        assert_eq!(decimal_from_f64(1e-300), Err(NumberError::TooPrecise));
    }

    #[test]
    fn only_exact_values_are_written_as_numbers() {
        assert_eq!(to_exact_f64(d("12538168.44")), Some(12538168.44));
        assert_eq!(to_exact_f64(d("1234567890.1234567")), None);
    }
}
