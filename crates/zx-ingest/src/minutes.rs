//! The minute CSV of stack emissions (cems.md): `time,mn,code,value,flag`, one row per minute
//! per factor, `time` local as `2026-06-01T08:14`. It is what CEMS vendors export, what
//! `zx cems check` reads and what `zx cems export` writes, so [`read_minutes`] reads back exactly
//! what [`write_minutes`] wrote.
//!
//! Strict on purpose: a minute file decides violation days, so a malformed row is an error that
//! names the file, line, column and value, never a row silently dropped. UTF-8 only (a leading
//! byte-order mark is accepted, as spreadsheet programs write one); blank lines are skipped.

use std::io::Write;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use thiserror::Error;
use zx_domain::cems::{Flag, MinuteReading, check_mn};

/// The one header a minute CSV has.
pub const MINUTE_CSV_HEADER: &str = "time,mn,code,value,flag";

const COLUMNS: [&str; 5] = ["time", "mn", "code", "value", "flag"];

/// Why a minute CSV cannot be read. Every variant names the file; row-level ones name the line
/// (1 is the header), the column and the value as found.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MinuteCsvError {
    #[error("{file}: the file is empty; expected the header `{MINUTE_CSV_HEADER}`")]
    Empty { file: String },
    #[error("{file}: line 1: the header must be exactly `{MINUTE_CSV_HEADER}`, found `{found}`")]
    Header { file: String, found: String },
    #[error("{file}: line {line}: {found} columns, expected 5 (`{MINUTE_CSV_HEADER}`)")]
    ColumnCount {
        file: String,
        line: u64,
        found: usize,
    },
    #[error("{file}: line {line}, column {column}: {value:?} {problem}")]
    Field {
        file: String,
        line: u64,
        column: &'static str,
        value: String,
        problem: &'static str,
    },
    #[error("{file}: line {line}: not readable as CSV: {message}")]
    Csv {
        file: String,
        line: u64,
        message: String,
    },
}

/// Reads a minute CSV: `file_name` is used in errors only. Rows are returned in file order
/// (duplicates included: the compliance engine decides what they mean). Stops at the first
/// malformed row; never panics.
pub fn read_minutes(file_name: &str, bytes: &[u8]) -> Result<Vec<MinuteReading>, MinuteCsvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let csv_error = |error: csv::Error| MinuteCsvError::Csv {
        file: file_name.to_owned(),
        line: error.position().map_or(0, |p| p.line()),
        message: error.to_string(),
    };

    if !reader.read_byte_record(&mut record).map_err(csv_error)? {
        return Err(MinuteCsvError::Empty {
            file: file_name.to_owned(),
        });
    }
    let header: Vec<&[u8]> = record.iter().collect();
    if header.len() != COLUMNS.len()
        || header
            .iter()
            .zip(COLUMNS)
            .any(|(found, want)| *found != want.as_bytes())
    {
        let found: Vec<String> = header
            .iter()
            .map(|field| String::from_utf8_lossy(field).into_owned())
            .collect();
        return Err(MinuteCsvError::Header {
            file: file_name.to_owned(),
            found: found.join(","),
        });
    }

    // Roughly 40 bytes a row: one allocation instead of a dozen doublings for large files.
    let mut readings = Vec::with_capacity(bytes.len() / 40);
    while reader.read_byte_record(&mut record).map_err(csv_error)? {
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != COLUMNS.len() {
            return Err(MinuteCsvError::ColumnCount {
                file: file_name.to_owned(),
                line,
                found: record.len(),
            });
        }
        let field_error =
            |column: &'static str, raw: &[u8], problem: &'static str| MinuteCsvError::Field {
                file: file_name.to_owned(),
                line,
                column,
                value: String::from_utf8_lossy(raw).into_owned(),
                problem,
            };
        let text = |index: usize| -> Result<&str, MinuteCsvError> {
            let raw = &record[index];
            std::str::from_utf8(raw).map_err(|_| field_error(COLUMNS[index], raw, "is not UTF-8"))
        };

        let time_text = text(0)?;
        let minute = parse_minute(time_text).ok_or_else(|| {
            field_error(
                "time",
                time_text.as_bytes(),
                "is not a local minute like 2026-06-01T08:14",
            )
        })?;
        let mn = text(1)?;
        if check_mn(mn).is_err() {
            return Err(field_error(
                "mn",
                mn.as_bytes(),
                "is not an MN (1 to 24 letters, digits, '_' or '-')",
            ));
        }
        let code = text(2)?;
        if code.is_empty() {
            return Err(field_error("code", b"", "is empty; expected a factor code"));
        }
        let value_text = text(3)?;
        let value = Decimal::from_str(value_text)
            .map_err(|_| field_error("value", value_text.as_bytes(), "is not a decimal number"))?;
        let flag_text = text(4)?;
        let flag = Flag::from_str(flag_text).map_err(|_| {
            field_error(
                "flag",
                flag_text.as_bytes(),
                "is not a data flag (N, S, F, M, D, C, T, B or P)",
            )
        })?;
        readings.push(MinuteReading {
            mn: mn.to_owned(),
            minute,
            code: code.to_owned(),
            value,
            flag,
        });
    }
    Ok(readings)
}

/// Writes readings as a minute CSV (header, then one row per reading, in the given order), the
/// form [`read_minutes`] reads. Seconds of a minute are not written (minutes have none).
pub fn write_minutes<'a, W: Write>(
    out: W,
    readings: impl IntoIterator<Item = &'a MinuteReading>,
) -> std::io::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    writer.write_record(COLUMNS)?;
    let mut time = String::with_capacity(16);
    let mut value = String::with_capacity(24);
    for reading in readings {
        time.clear();
        value.clear();
        format_minute(&mut time, reading.minute);
        use std::fmt::Write as _;
        // Writing to a String cannot fail.
        let _ = write!(value, "{}", reading.value);
        writer.write_record([
            time.as_bytes(),
            reading.mn.as_bytes(),
            reading.code.as_bytes(),
            value.as_bytes(),
            reading.flag.as_str().as_bytes(),
        ])?;
    }
    writer.flush()
}

fn format_minute(out: &mut String, minute: NaiveDateTime) {
    use std::fmt::Write as _;
    let _ = write!(out, "{}", minute.format("%Y-%m-%dT%H:%M"));
}

/// `2026-06-01T08:14`, exactly: four-digit year, two-digit month, day, hour and minute.
/// Hand-written because it runs for every row of files with millions of rows.
fn parse_minute(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() != 16 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |acc, &digit| {
            digit
                .is_ascii_digit()
                .then(|| acc * 10 + u32::from(digit - b'0'))
        })
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)?;
    let time = NaiveTime::from_hms_opt(number(11..13)?, number(14..16)?, 0)?;
    Some(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reading(minute: &str, code: &str, value: &str, flag: Flag) -> MinuteReading {
        MinuteReading {
            mn: "88888880000001".to_owned(),
            minute: parse_minute(minute).unwrap(),
            code: code.to_owned(),
            value: value.parse().unwrap(),
            flag,
        }
    }

    #[test]
    fn reads_rows_in_file_order_with_bom_and_crlf() {
        let text = "\u{FEFF}time,mn,code,value,flag\r\n\
                    2026-06-01T08:14,88888880000001,a21002,212.40,N\r\n\
                    2026-06-01T08:14,88888880000001,a19001,9.8,S\r\n";
        let readings = read_minutes("m.csv", text.as_bytes()).unwrap();
        assert_eq!(
            readings,
            vec![
                reading("2026-06-01T08:14", "a21002", "212.40", Flag::N),
                reading("2026-06-01T08:14", "a19001", "9.8", Flag::S),
            ]
        );
        // The scale as written is kept (212.40, not 212.4), so a re-export is byte-identical.
        assert_eq!(readings[0].value.to_string(), "212.40");
    }

    #[test]
    fn every_bad_field_is_named_with_file_line_column_and_value() {
        let cases = [
            (
                "2026-06-01 08:14,88888880000001,a21002,1,N",
                "m.csv: line 3, column time: \"2026-06-01 08:14\" is not a local minute like 2026-06-01T08:14",
            ),
            (
                "2026-06-31T08:14,88888880000001,a21002,1,N",
                "m.csv: line 3, column time: \"2026-06-31T08:14\" is not a local minute like 2026-06-01T08:14",
            ),
            (
                "2026-06-01T08:14,888.1,a21002,1,N",
                "m.csv: line 3, column mn: \"888.1\" is not an MN (1 to 24 letters, digits, '_' or '-')",
            ),
            (
                "2026-06-01T08:14,88888880000001,,1,N",
                "m.csv: line 3, column code: \"\" is empty; expected a factor code",
            ),
            (
                "2026-06-01T08:14,88888880000001,a21002,12x,N",
                "m.csv: line 3, column value: \"12x\" is not a decimal number",
            ),
            (
                "2026-06-01T08:14,88888880000001,a21002,1,X",
                "m.csv: line 3, column flag: \"X\" is not a data flag (N, S, F, M, D, C, T, B or P)",
            ),
            (
                "2026-06-01T08:14,88888880000001,a21002,1",
                "m.csv: line 3: 4 columns, expected 5 (`time,mn,code,value,flag`)",
            ),
        ];
        for (row, message) in cases {
            let text = format!(
                "time,mn,code,value,flag\n2026-06-01T08:13,88888880000001,a21002,1,N\n{row}\n"
            );
            let error = read_minutes("m.csv", text.as_bytes()).unwrap_err();
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn header_must_be_exact_and_file_not_empty() {
        assert_eq!(
            read_minutes("m.csv", b"").unwrap_err(),
            MinuteCsvError::Empty {
                file: "m.csv".into()
            }
        );
        assert_eq!(
            read_minutes("m.csv", b"time,mn,code,value\n")
                .unwrap_err()
                .to_string(),
            "m.csv: line 1: the header must be exactly `time,mn,code,value,flag`, found `time,mn,code,value`"
        );
        // A header alone is an empty list of readings, not an error.
        assert_eq!(
            read_minutes("m.csv", b"time,mn,code,value,flag\n"),
            Ok(vec![])
        );
    }

    #[test]
    fn non_utf8_is_an_error_not_a_panic() {
        let bytes = b"time,mn,code,value,flag\n2026-06-01T08:14,88888880000001,a\xff,1,N\n";
        let error = read_minutes("m.csv", bytes).unwrap_err();
        assert_eq!(
            error.to_string(),
            "m.csv: line 2, column code: \"a\u{FFFD}\" is not UTF-8"
        );
    }

    fn arb_reading() -> impl Strategy<Value = MinuteReading> {
        (
            0i64..(200 * 366 * 1440),
            "[A-Za-z0-9]{1,24}",
            // Any code the reader accepts, including commas and quotes the writer must quote.
            "[a-z0-9_,\" ]{1,12}",
            any::<i64>(),
            0u32..10,
            0usize..Flag::ALL.len(),
        )
            .prop_map(|(minutes, mn, code, mantissa, scale, flag)| {
                let base = NaiveDate::from_ymd_opt(1950, 1, 1)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap();
                MinuteReading {
                    mn,
                    minute: base + chrono::Duration::minutes(minutes),
                    code,
                    value: Decimal::new(mantissa, scale),
                    flag: Flag::ALL[flag],
                }
            })
    }

    proptest! {
        #[test]
        fn read_gives_back_what_write_wrote(readings in prop::collection::vec(arb_reading(), 0..40)) {
            let mut bytes = Vec::new();
            write_minutes(&mut bytes, &readings).unwrap();
            let back = read_minutes("m.csv", &bytes).unwrap();
            prop_assert_eq!(&back, &readings);
            // Same scale too, not only the same number.
            for (a, b) in back.iter().zip(&readings) {
                prop_assert_eq!(a.value.to_string(), b.value.to_string());
            }
        }

        #[test]
        fn any_bytes_give_readings_or_an_error_never_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let mut text = b"time,mn,code,value,flag\n".to_vec();
            text.extend(bytes);
            let _ = read_minutes("m.csv", &text);
        }
    }
}
