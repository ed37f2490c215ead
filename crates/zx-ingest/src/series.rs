//! A signal as `timestamp,value` rows (the NAB layout): read for the anomaly detector, every row
//! kept as written so the scored file repeats it exactly.

use chrono::NaiveDateTime;

/// One row of a signal: the text as written, and the instant and value the detector reads.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRow {
    /// The timestamp exactly as in the file.
    pub timestamp_text: String,
    /// The value exactly as in the file.
    pub value_text: String,
    /// Seconds since 1970-01-01 00:00 of the timestamp's wall clock (no zone: only the time of
    /// day and the order matter to the detector).
    pub at: i64,
    /// The reading (a measurement, not an amount: the detector's statistics are in f64).
    pub value: f64,
}

/// Why a signal file cannot be read, with its line (the header is line 1) and column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {column}: {value:?}: {reason}")]
pub struct SeriesError {
    pub file: String,
    pub line: usize,
    pub column: &'static str,
    pub value: String,
    pub reason: &'static str,
}

/// Parses `timestamp,value` CSV text (header required, UTF-8, optional BOM). Timestamps are
/// `YYYY-MM-DD HH:MM:SS` (or with `T`, and fractional seconds); values are finite numbers.
pub fn parse_series(file: &str, text: &str) -> Result<Vec<SeriesRow>, SeriesError> {
    let err = |line: usize, column: &'static str, value: &str, reason: &'static str| SeriesError {
        file: file.to_string(),
        line,
        column,
        value: value.to_string(),
        reason,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, h)| h.trim()).unwrap_or("");
    let mut names = header.split(',').map(str::trim);
    if names.next() != Some("timestamp") || names.next() != Some("value") {
        return Err(err(
            1,
            "header",
            header,
            "expected the header timestamp,value",
        ));
    }
    let mut rows = Vec::new();
    for (index, line) in lines {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut cells = line.split(',');
        let stamp = cells.next().unwrap_or("");
        let Some(value_text) = cells.next() else {
            return Err(err(number, "value", "", "missing"));
        };
        if cells.next().is_some() {
            return Err(err(number, "value", line, "more than two columns"));
        }
        let at = parse_timestamp(stamp.trim())
            .ok_or_else(|| err(number, "timestamp", stamp, "not a date and time"))?;
        let value = value_text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| err(number, "value", value_text, "not a finite number"))?;
        rows.push(SeriesRow {
            timestamp_text: stamp.to_string(),
            value_text: value_text.to_string(),
            at,
            value,
        });
    }
    Ok(rows)
}

fn parse_timestamp(text: &str) -> Option<i64> {
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .map(|t| t.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_their_text_and_read_the_time_of_day() {
        let rows = parse_series("s.csv", "timestamp,value\n1970-01-02 01:00:00,1.5\n").unwrap();
        // One day and one hour after the epoch: 86_400 + 3_600 = 90_000 s.
        assert_eq!(rows[0].at, 90_000);
        assert_eq!(rows[0].value, 1.5);
        assert_eq!(rows[0].timestamp_text, "1970-01-02 01:00:00");
    }

    #[test]
    fn a_bad_value_is_named_by_file_line_and_column() {
        let e = parse_series(
            "s.csv",
            "timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,x\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column, e.value.as_str()), (3, "value", "x"));
        assert_eq!(e.to_string(), "s.csv:3: value: \"x\": not a finite number");
    }

    #[test]
    fn a_bad_timestamp_or_header_is_named() {
        let e = parse_series("s.csv", "timestamp,value\n2014-13-01 00:00:00,1\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, "timestamp"));
        let e = parse_series("s.csv", "time,value\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, "header"));
        let e = parse_series("s.csv", "timestamp,value\n2014-01-01 00:00:00,NaN\n").unwrap_err();
        assert_eq!(e.reason, "not a finite number");
    }
}
