//! How a reading is held inside the store: the time as milliseconds of naive local time since
//! 1970-01-01T00:00 (the Parquet TIMESTAMP(MILLIS, isAdjustedToUTC=false) value) and the value as
//! an integer of millionths (the Parquet DECIMAL(18,6) value). Both are checked once, at `append`,
//! so that everything accepted can be archived without rounding.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use zx_domain::cems::{Flag, MinuteReading};

use crate::CemsStoreError;

/// Decimal places of the archive's DECIMAL(18,6).
pub(crate) const SCALE: u32 = 6;
/// Largest magnitude of a DECIMAL(18,6) unscaled value: 18 nines.
pub(crate) const MAX_SCALED: i64 = 999_999_999_999_999_999;
pub(crate) const DAY_MS: i64 = 86_400_000;
/// `NaiveDate::num_days_from_ce` of 1970-01-01.
const EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// A reading checked and converted for the log, the memory table and the archive.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub mn: String,
    pub code: String,
    pub ms: i64,
    pub scaled: i64,
    pub flag: Flag,
}

impl Entry {
    /// Checks a reading: an MN fit for a directory name, a code of 1–255 bytes, a time in whole
    /// milliseconds and a value that DECIMAL(18,6) holds exactly.
    pub(crate) fn check(reading: &MinuteReading) -> Result<Entry, CemsStoreError> {
        check_mn(&reading.mn)?;
        if reading.code.is_empty() || reading.code.len() > 255 {
            return Err(CemsStoreError::InvalidCode {
                mn: reading.mn.clone(),
                minute: reading.minute,
                code: reading.code.clone(),
            });
        }
        let utc = reading.minute.and_utc();
        if !utc.timestamp_subsec_nanos().is_multiple_of(1_000_000) {
            return Err(CemsStoreError::SubMillisecond {
                mn: reading.mn.clone(),
                minute: reading.minute,
                code: reading.code.clone(),
            });
        }
        let scaled = to_scaled(reading.value).map_err(|kind| {
            let (mn, minute, code, value) = (
                reading.mn.clone(),
                reading.minute,
                reading.code.clone(),
                reading.value,
            );
            match kind {
                ScaledError::TooManyDecimals => CemsStoreError::TooManyDecimals {
                    mn,
                    minute,
                    code,
                    value,
                },
                ScaledError::OutOfRange => CemsStoreError::ValueOutOfRange {
                    mn,
                    minute,
                    code,
                    value,
                },
            }
        })?;
        Ok(Entry {
            mn: reading.mn.clone(),
            code: reading.code.clone(),
            ms: utc.timestamp_millis(),
            scaled,
            flag: reading.flag,
        })
    }
}

/// MNs name partition directories, so only HJ 212's letters and digits are accepted.
pub(crate) fn check_mn(mn: &str) -> Result<(), CemsStoreError> {
    zx_domain::cems::check_mn(mn).map_err(|_| CemsStoreError::InvalidMn(mn.to_owned()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScaledError {
    TooManyDecimals,
    OutOfRange,
}

/// The value in millionths, refusing what would need rounding or does not fit DECIMAL(18,6).
pub(crate) fn to_scaled(value: Decimal) -> Result<i64, ScaledError> {
    let value = value.normalize();
    let scale = value.scale();
    if scale > SCALE {
        return Err(ScaledError::TooManyDecimals);
    }
    // mantissa < 2^96 and 10^6 < 2^20: the product fits i128.
    let scaled = value.mantissa() * 10_i128.pow(SCALE - scale);
    if scaled.unsigned_abs() > MAX_SCALED as u128 {
        return Err(ScaledError::OutOfRange);
    }
    Ok(scaled as i64)
}

/// The decimal of a millionths value, without trailing zeros, so a value reads the same before
/// and after it is archived (`12.50` is returned as `12.5`).
pub(crate) fn from_scaled(scaled: i64) -> Decimal {
    let (mantissa, scale) = strip_zeros(scaled);
    Decimal::new(mantissa, u32::from(scale))
}

/// Millionths as the shortest (mantissa, scale): 12_500_000 → (125, 1); 0 → (0, 0).
pub(crate) fn strip_zeros(scaled: i64) -> (i64, u8) {
    let (mut mantissa, mut scale) = (scaled, SCALE as u8);
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    (mantissa, scale)
}

pub(crate) fn to_millis(time: NaiveDateTime) -> i64 {
    time.and_utc().timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp_millis(ms).map(|t| t.naive_utc())
}

/// Days since 1970-01-01 of a time in milliseconds.
pub(crate) fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

pub(crate) fn day_number(date: NaiveDate) -> i64 {
    i64::from(chrono::Datelike::num_days_from_ce(&date)) - EPOCH_DAYS_FROM_CE
}

pub(crate) fn date_of_day(day: i64) -> Option<NaiveDate> {
    i32::try_from(day + EPOCH_DAYS_FROM_CE)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

pub(crate) fn flag_index(flag: Flag) -> u8 {
    Flag::ALL
        .iter()
        .position(|f| *f == flag)
        .map_or(0, |i| i as u8)
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut value: u128) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a LEB128 varint; `None` when the bytes end or it is longer than a u128.
pub(crate) fn get_varint(bytes: &[u8], pos: &mut usize) -> Option<u128> {
    let mut value: u128 = 0;
    let mut shift = 0;
    loop {
        let byte = *bytes.get(*pos)?;
        *pos += 1;
        if shift > 126 {
            return None;
        }
        value |= u128::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
        shift += 7;
    }
}

pub(crate) fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

pub(crate) fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_values_are_exact_or_refused() {
        // 12.5 = 12_500_000 millionths; -0.000001 = -1.
        assert_eq!(to_scaled(Decimal::new(125, 1)), Ok(12_500_000));
        assert_eq!(to_scaled(Decimal::new(-1, 6)), Ok(-1));
        // Trailing zeros beyond 6 places are not precision: 1.50000000 = 1_500_000.
        assert_eq!(to_scaled(Decimal::new(150_000_000, 8)), Ok(1_500_000));
        assert_eq!(
            to_scaled(Decimal::new(1_234_567, 7)),
            Err(ScaledError::TooManyDecimals)
        );
        // 999999999999.999999 is the largest DECIMAL(18,6); 10^12 is one too many.
        assert_eq!(
            to_scaled(Decimal::new(MAX_SCALED, 6)),
            Ok(999_999_999_999_999_999)
        );
        assert_eq!(
            to_scaled(Decimal::new(1_000_000_000_000, 0)),
            Err(ScaledError::OutOfRange)
        );
        assert_eq!(from_scaled(12_500_000).to_string(), "12.5");
        assert_eq!(from_scaled(0).to_string(), "0");
    }

    #[test]
    fn days_and_varints() {
        let date = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
        // 2026-06-01 is 20605 days after 1970-01-01 (56 years, 14 leap days, + 151 days of 2026).
        assert_eq!(day_number(date), 20_605);
        assert_eq!(date_of_day(20_605), Some(date));
        assert_eq!(day_of(20_605 * DAY_MS + DAY_MS - 1), 20_605);
        assert_eq!(day_of(-1), -1);
        for v in [0_i64, -1, 1, i64::MIN, i64::MAX] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
        let mut buf = Vec::new();
        put_varint(&mut buf, u128::MAX);
        put_varint(&mut buf, 300);
        let mut pos = 0;
        assert_eq!(get_varint(&buf, &mut pos), Some(u128::MAX));
        assert_eq!(get_varint(&buf, &mut pos), Some(300));
        assert_eq!(get_varint(&buf, &mut pos), None);
    }
}
