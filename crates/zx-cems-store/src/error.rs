//! The store's one error type: each variant names the file, or the reading, it is about.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use thiserror::Error;

/// Why the minute store refused a reading or could not do its work.
#[derive(Debug, Error)]
pub enum CemsStoreError {
    /// A file or directory operation failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Writing the write-ahead log failed for a whole group of appends; the readings of this call
    /// are not acknowledged (they may or may not be found after a restart).
    #[error("write-ahead log {}: {source}", path.display())]
    Wal {
        path: PathBuf,
        #[source]
        source: Arc<io::Error>,
    },
    /// Another writer holds the store: only one `MinuteStore::open` of a directory may live at a
    /// time, in this or any process, since two writers would each truncate and rewrite the log.
    #[error(
        "minute store {} is in use: another process (e.g. a running `zx serve`) holds its lock file {}; stop that process, or open the store read-only",
        dir.display(),
        dir.join("LOCK").display()
    )]
    Locked { dir: PathBuf },
    /// `append` or `seal` on a store opened with `MinuteStore::open_read_only`.
    #[error(
        "minute store {} was opened read-only: appending and sealing need the writer (`MinuteStore::open`)",
        dir.display()
    )]
    ReadOnly { dir: PathBuf },
    /// A Parquet partition could not be written or read.
    #[error("parquet file {}: {source}", path.display())]
    Parquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A Parquet partition is readable but not one of ours (wrong columns or values).
    #[error("parquet file {}: {detail}", path.display())]
    BadPartition { path: PathBuf, detail: String },
    /// A day's columns the compliance engine cannot take (inconsistent lengths or codes); the
    /// store's own reads never give such columns.
    #[error("minute data of {date}: {source}")]
    Columns {
        date: chrono::NaiveDate,
        #[source]
        source: zx_domain::cems::compliance::ColumnsError,
    },
    /// An MN that cannot name a partition directory (HJ 212 MNs are 1–24 letters, digits, '_' and '-').
    #[error("MN {0:?} must be 1 to 24 letters, digits, '_' or '-'")]
    InvalidMn(String),
    /// A factor code that is empty or longer than 255 bytes.
    #[error("stack {mn}, minute {minute}: factor code {code:?} must be 1 to 255 bytes")]
    InvalidCode {
        mn: String,
        minute: NaiveDateTime,
        code: String,
    },
    /// A time finer than the archive's milliseconds.
    #[error("stack {mn}, factor {code}: time {minute} has a fraction finer than a millisecond")]
    SubMillisecond {
        mn: String,
        minute: NaiveDateTime,
        code: String,
    },
    /// A value with more than 6 decimal places: the archive's DECIMAL(18,6) would have to round it.
    #[error(
        "stack {mn}, minute {minute}, factor {code}: value {value} has more than 6 decimal places; refused rather than rounded"
    )]
    TooManyDecimals {
        mn: String,
        minute: NaiveDateTime,
        code: String,
        value: Decimal,
    },
    /// A value whose magnitude does not fit DECIMAL(18,6) (|value| < 10^12).
    #[error(
        "stack {mn}, minute {minute}, factor {code}: value {value} is out of range (|value| must be below 10^12)"
    )]
    ValueOutOfRange {
        mn: String,
        minute: NaiveDateTime,
        code: String,
        value: Decimal,
    },
}

impl CemsStoreError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        CemsStoreError::Io {
            op,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn parquet(path: impl Into<PathBuf>, source: parquet::errors::ParquetError) -> Self {
        CemsStoreError::Parquet {
            path: path.into(),
            source,
        }
    }
}
