//! Values crossing between the shared SQL code and a backend's driver, in both directions.
//!
//! A parameter is a [`Value`]: its type is known even when it is NULL, because PostgreSQL is told
//! each parameter's type and refuses a text NULL for a `BIGINT` column. A backend binds each
//! variant in its dialect's representation (SQLite: decimals, times and months as exact text,
//! booleans as 0/1; PostgreSQL: `NUMERIC`, `TIMESTAMPTZ`, the `DATE` of a month's first day,
//! `BOOLEAN`). A result [`Row`] holds what the driver returned; [`FromValue`] accepts either
//! representation, so one row mapping serves both backends.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use zx_domain::{Basis, Decimal, EntityCode, EntityKind, Month};

use crate::{StoreError, StoreResult};

/// A parameter or a result cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Decimal(Option<Decimal>),
    /// An instant, stored with microseconds.
    Time(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
    /// A month (SQLite `YYYY-MM`, PostgreSQL the `DATE` of its first day).
    Month(Option<Month>),
    Bool(Option<bool>),
    Bytes(Option<Vec<u8>>),
    /// A list of texts for [`crate::sql::Dialect::in_list`] (SQLite: a JSON array; PostgreSQL:
    /// `text[]`). Parameters only.
    TextList(Vec<String>),
}

impl Value {
    /// True for a NULL of any type.
    pub fn is_null(&self) -> bool {
        matches!(
            self,
            Value::Text(None)
                | Value::Int(None)
                | Value::Decimal(None)
                | Value::Time(None)
                | Value::Date(None)
                | Value::Month(None)
                | Value::Bool(None)
                | Value::Bytes(None)
        )
    }
}

/// How a time is kept as text (SQLite, archives): RFC 3339, UTC, microseconds.
pub fn timestamp_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// How a date is kept as text: `YYYY-MM-DD`.
pub fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The `DATE` of a month's first day.
pub fn month_first_day(month: Month) -> StoreResult<NaiveDate> {
    NaiveDate::from_ymd_opt(month.year(), month.month(), 1)
        .ok_or_else(|| StoreError::Invalid(format!("month {month} has no first day")))
}

macro_rules! from_scalar {
    ($variant:ident, $ty:ty) => {
        impl From<$ty> for Value {
            fn from(v: $ty) -> Self {
                Value::$variant(Some(v))
            }
        }
        impl From<Option<$ty>> for Value {
            fn from(v: Option<$ty>) -> Self {
                Value::$variant(v)
            }
        }
    };
}

from_scalar!(Text, String);
from_scalar!(Int, i64);
from_scalar!(Decimal, Decimal);
from_scalar!(Time, DateTime<Utc>);
from_scalar!(Date, NaiveDate);
from_scalar!(Month, Month);
from_scalar!(Bool, bool);
from_scalar!(Bytes, Vec<u8>);

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_owned()))
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(Some(v.clone()))
    }
}
impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        Value::Text(v.map(str::to_owned))
    }
}
impl From<Option<&String>> for Value {
    fn from(v: Option<&String>) -> Self {
        Value::Text(v.cloned())
    }
}
impl From<&EntityCode> for Value {
    fn from(v: &EntityCode) -> Self {
        Value::Text(Some(v.as_str().to_owned()))
    }
}
impl From<Option<&EntityCode>> for Value {
    fn from(v: Option<&EntityCode>) -> Self {
        Value::Text(v.map(|c| c.as_str().to_owned()))
    }
}
impl From<Basis> for Value {
    fn from(v: Basis) -> Self {
        Value::Text(Some(v.as_str().to_owned()))
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(Some(i64::from(v)))
    }
}
impl From<u8> for Value {
    fn from(v: u8) -> Self {
        Value::Int(Some(i64::from(v)))
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Bytes(Some(v.to_vec()))
    }
}
impl From<Vec<String>> for Value {
    fn from(v: Vec<String>) -> Self {
        Value::TextList(v)
    }
}

/// Parameters of a statement: `params![a, b, c]` is `vec![Value::from(a), …]`.
#[macro_export]
macro_rules! params {
    ($($value:expr),* $(,)?) => {
        vec![$($crate::sql::Value::from($value)),*]
    };
}

/// One result row, as the backend's driver returned it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    values: Vec<Value>,
}

impl Row {
    pub fn new(values: Vec<Value>) -> Self {
        Self { values }
    }

    /// Appends the next column's value (a driver reading a result).
    pub fn push(&mut self, value: Value) {
        self.values.push(value);
    }

    /// Empties the row, keeping its memory, to read the next one into it.
    pub fn clear(&mut self) {
        self.values.clear();
    }

    /// Column `index` as `T`, taken out of the row (each column is read once).
    pub fn get<T: FromValue>(&mut self, index: usize) -> StoreResult<T> {
        let value = self
            .values
            .get_mut(index)
            .map(|v| std::mem::replace(v, Value::Int(None)))
            .ok_or_else(|| StoreError::Corrupt(format!("result has no column {index}")))?;
        T::from_value(value).map_err(|e| match e {
            StoreError::Corrupt(why) => StoreError::Corrupt(format!("column {index}: {why}")),
            other => other,
        })
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// A Rust value read from a result cell in either backend's representation.
pub trait FromValue: Sized {
    fn from_value(value: Value) -> StoreResult<Self>;
}

fn corrupt(what: &str, value: &Value) -> StoreError {
    StoreError::Corrupt(format!("expected {what}, found {value:?}"))
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> StoreResult<Self> {
        if value.is_null() {
            Ok(None)
        } else {
            T::from_value(value).map(Some)
        }
    }
}

impl FromValue for String {
    fn from_value(value: Value) -> StoreResult<Self> {
        match value {
            Value::Text(Some(text)) => Ok(text),
            other => Err(corrupt("text", &other)),
        }
    }
}

impl FromValue for i64 {
    fn from_value(value: Value) -> StoreResult<Self> {
        match value {
            Value::Int(Some(n)) => Ok(n),
            Value::Bool(Some(b)) => Ok(i64::from(b)),
            other => Err(corrupt("an integer", &other)),
        }
    }
}

impl FromValue for i32 {
    fn from_value(value: Value) -> StoreResult<Self> {
        let n = i64::from_value(value)?;
        i32::try_from(n).map_err(|_| StoreError::Corrupt(format!("integer {n} out of range")))
    }
}

impl FromValue for u64 {
    fn from_value(value: Value) -> StoreResult<Self> {
        let n = i64::from_value(value)?;
        u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative count {n}")))
    }
}

impl FromValue for bool {
    fn from_value(value: Value) -> StoreResult<Self> {
        match value {
            Value::Bool(Some(b)) => Ok(b),
            Value::Int(Some(n)) => Ok(n != 0),
            other => Err(corrupt("a boolean", &other)),
        }
    }
}

impl FromValue for Decimal {
    fn from_value(value: Value) -> StoreResult<Self> {
        match value {
            Value::Decimal(Some(d)) => Ok(d),
            Value::Text(Some(text)) => Decimal::from_str(&text)
                .map_err(|_| StoreError::Corrupt(format!("decimal \"{text}\""))),
            other => Err(corrupt("a decimal", &other)),
        }
    }
}

impl FromValue for DateTime<Utc> {
    fn from_value(value: Value) -> StoreResult<Self> {
        match value {
            Value::Time(Some(t)) => Ok(t),
            Value::Text(Some(text)) => DateTime::parse_from_rfc3339(&text)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| StoreError::Corrupt(format!("timestamp \"{text}\": {e}"))),
            other => Err(corrupt("a timestamp", &other)),
        }
    }
}

impl FromValue for NaiveDate {
    fn from_value(value: Value) -> StoreResult<Self> {
        match value {
            Value::Date(Some(d)) => Ok(d),
            Value::Text(Some(text)) => NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map_err(|e| StoreError::Corrupt(format!("date \"{text}\": {e}"))),
            other => Err(corrupt("a date", &other)),
        }
    }
}

impl FromValue for Month {
    fn from_value(value: Value) -> StoreResult<Self> {
        use chrono::Datelike;
        match value {
            Value::Month(Some(m)) => Ok(m),
            Value::Date(Some(d)) if d.day() == 1 => Month::new(d.year(), d.month())
                .map_err(|e| StoreError::Corrupt(format!("period {d}: {e}"))),
            Value::Text(Some(text)) => Month::parse(&text)
                .map_err(|e| StoreError::Corrupt(format!("period \"{text}\": {e}"))),
            other => Err(corrupt("a month", &other)),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: Value) -> StoreResult<Self> {
        match value {
            Value::Bytes(Some(b)) => Ok(b),
            other => Err(corrupt("bytes", &other)),
        }
    }
}

impl FromValue for EntityCode {
    fn from_value(value: Value) -> StoreResult<Self> {
        let text = String::from_value(value)?;
        EntityCode::parse(&text)
            .map_err(|e| StoreError::Corrupt(format!("entity code \"{text}\": {e}")))
    }
}

impl FromValue for EntityKind {
    fn from_value(value: Value) -> StoreResult<Self> {
        let text = String::from_value(value)?;
        EntityKind::parse(&text)
            .ok_or_else(|| StoreError::Corrupt(format!("entity kind \"{text}\"")))
    }
}

impl FromValue for crate::PeriodState {
    fn from_value(value: Value) -> StoreResult<Self> {
        let text = String::from_value(value)?;
        crate::PeriodState::parse(&text)
            .ok_or_else(|| StoreError::Corrupt(format!("period state \"{text}\"")))
    }
}

impl FromValue for Basis {
    fn from_value(value: Value) -> StoreResult<Self> {
        let text = String::from_value(value)?;
        Basis::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("basis \"{text}\"")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn either_representation_reads_back() {
        let mut row = Row::new(vec![
            Value::Text(Some("100.50".into())),
            Value::Decimal(Some(Decimal::new(10050, 2))),
            Value::Text(Some("2026-03".into())),
            Value::Date(NaiveDate::from_ymd_opt(2026, 3, 1)),
            Value::Int(Some(1)),
            Value::Text(None),
            Value::Text(Some("2026-11-27T08:00:00.000001Z".into())),
        ]);
        let a: Decimal = row.get(0).unwrap();
        let b: Decimal = row.get(1).unwrap();
        assert_eq!(a.to_string(), "100.50");
        assert_eq!(b.to_string(), "100.50");
        let m1: Month = row.get(2).unwrap();
        let m2: Month = row.get(3).unwrap();
        assert_eq!(m1, m2);
        assert_eq!(m1.to_string(), "2026-03");
        assert!(row.get::<bool>(4).unwrap());
        assert_eq!(row.get::<Option<String>>(5).unwrap(), None);
        let t: DateTime<Utc> = row.get(6).unwrap();
        assert_eq!(timestamp_text(t), "2026-11-27T08:00:00.000001Z");
    }

    #[test]
    fn a_mid_month_date_is_not_a_month() {
        let mut row = Row::new(vec![Value::Date(NaiveDate::from_ymd_opt(2026, 3, 2))]);
        assert!(row.get::<Month>(0).is_err());
    }

    #[test]
    fn an_unreadable_value_is_corrupt_naming_its_column_and_value() {
        let mut row = Row::new(vec![Value::Int(Some(1)), Value::Text(Some("12,3x".into()))]);
        let error = row.get::<Decimal>(1).unwrap_err().to_string();
        assert_eq!(error, "stored data is corrupt: column 1: decimal \"12,3x\"");
        assert!(row.get::<String>(2).is_err(), "no such column");
    }
}
