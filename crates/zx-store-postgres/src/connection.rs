//! How PostgreSQL binds and reads [`Value`]s: `?` placeholders numbered `$1, $2, …`, decimals
//! as `NUMERIC`, times as `TIMESTAMPTZ`, months as the `DATE` of their first day, lists as
//! `text[]`; many rows at once as bound arrays (`INSERT … SELECT FROM UNNEST`).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::TypeInfo as _;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Arguments, Column, PgConnection, Row as _};
use zx_domain::Decimal;
use zx_store::sql::{Row, Value, month_first_day};
use zx_store::{StoreError, StoreResult};
use zx_store_sqlx::db_error;

/// Rows per `INSERT … SELECT FROM UNNEST(arrays)`: a handful of parameters whatever the count.
const ARRAY_BATCH: usize = 20_000;

/// `?` → `$1, $2, …`. The shared statements hold no `?` inside string literals.
pub(crate) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

fn add(args: &mut PgArguments, value: Value) -> StoreResult<()> {
    let added = match value {
        Value::Text(v) => args.add(v),
        Value::Int(v) => args.add(v),
        Value::Decimal(v) => args.add(v),
        Value::Time(v) => args.add(v),
        Value::Date(v) => args.add(v),
        Value::Month(v) => args.add(v.map(month_first_day).transpose()?),
        Value::Bool(v) => args.add(v),
        Value::Bytes(v) => args.add(v),
        Value::TextList(v) => args.add(v),
    };
    added.map_err(|e| StoreError::Database(e.to_string()))
}

pub(crate) fn arguments(params: Vec<Value>) -> StoreResult<PgArguments> {
    let mut args = PgArguments::default();
    for value in params {
        add(&mut args, value)?;
    }
    Ok(args)
}

/// How a result column is read, decided once per result from its declared type (not per cell:
/// comparing type names for every value of a 100,000-row load costs more than decoding it).
#[derive(Debug, Clone, Copy)]
pub enum ColumnKind {
    Int8,
    Int4,
    Int2,
    Numeric,
    Time,
    Date,
    Bool,
    Bytes,
    Text,
}

/// The [`ColumnKind`] of each column of a result.
pub(crate) fn column_kinds(row: &PgRow) -> StoreResult<Vec<ColumnKind>> {
    row.columns()
        .iter()
        .map(|column| {
            Ok(match column.type_info().name() {
                "INT8" => ColumnKind::Int8,
                "INT4" => ColumnKind::Int4,
                "INT2" => ColumnKind::Int2,
                "NUMERIC" => ColumnKind::Numeric,
                "TIMESTAMPTZ" => ColumnKind::Time,
                "DATE" => ColumnKind::Date,
                "BOOL" => ColumnKind::Bool,
                "BYTEA" => ColumnKind::Bytes,
                "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CHAR" => ColumnKind::Text,
                other => {
                    return Err(StoreError::Corrupt(format!(
                        "column {} has type {other}, which the store does not read",
                        column.name()
                    )));
                }
            })
        })
        .collect()
}

/// A result row, its columns read as `kinds` says.
pub(crate) fn row_of(row: &PgRow, kinds: &[ColumnKind], values: &mut Row) -> StoreResult<()> {
    for (i, kind) in kinds.iter().enumerate() {
        let value = match kind {
            ColumnKind::Int8 => Value::Int(row.try_get(i).map_err(db_error)?),
            ColumnKind::Int4 => Value::Int(
                row.try_get::<Option<i32>, _>(i)
                    .map_err(db_error)?
                    .map(i64::from),
            ),
            ColumnKind::Int2 => Value::Int(
                row.try_get::<Option<i16>, _>(i)
                    .map_err(db_error)?
                    .map(i64::from),
            ),
            ColumnKind::Numeric => Value::Decimal(row.try_get(i).map_err(db_error)?),
            ColumnKind::Time => Value::Time(row.try_get(i).map_err(db_error)?),
            ColumnKind::Date => Value::Date(row.try_get(i).map_err(db_error)?),
            ColumnKind::Bool => Value::Bool(row.try_get(i).map_err(db_error)?),
            ColumnKind::Bytes => Value::Bytes(row.try_get(i).map_err(db_error)?),
            ColumnKind::Text => Value::Text(row.try_get(i).map_err(db_error)?),
        };
        values.push(value);
    }
    Ok(())
}

/// One column of a bulk insert, as a bound array and its SQL type.
enum ArrayColumn {
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Decimal(Vec<Option<Decimal>>),
    Time(Vec<Option<DateTime<Utc>>>),
    Date(Vec<Option<NaiveDate>>),
    Bool(Vec<Option<bool>>),
    Bytes(Vec<Option<Vec<u8>>>),
}

impl ArrayColumn {
    fn of(first: &Value, len: usize) -> StoreResult<Self> {
        Ok(match first {
            Value::Text(_) => ArrayColumn::Text(Vec::with_capacity(len)),
            Value::Int(_) => ArrayColumn::Int(Vec::with_capacity(len)),
            Value::Decimal(_) => ArrayColumn::Decimal(Vec::with_capacity(len)),
            Value::Time(_) => ArrayColumn::Time(Vec::with_capacity(len)),
            Value::Date(_) | Value::Month(_) => ArrayColumn::Date(Vec::with_capacity(len)),
            Value::Bool(_) => ArrayColumn::Bool(Vec::with_capacity(len)),
            Value::Bytes(_) => ArrayColumn::Bytes(Vec::with_capacity(len)),
            Value::TextList(_) => {
                return Err(StoreError::Database("a list is not a column value".into()));
            }
        })
    }

    fn sql_type(&self) -> &'static str {
        match self {
            ArrayColumn::Text(_) => "text[]",
            ArrayColumn::Int(_) => "bigint[]",
            ArrayColumn::Decimal(_) => "numeric[]",
            ArrayColumn::Time(_) => "timestamptz[]",
            ArrayColumn::Date(_) => "date[]",
            ArrayColumn::Bool(_) => "boolean[]",
            ArrayColumn::Bytes(_) => "bytea[]",
        }
    }

    fn push(&mut self, value: Value) -> StoreResult<()> {
        match (self, value) {
            (ArrayColumn::Text(c), Value::Text(v)) => c.push(v),
            (ArrayColumn::Int(c), Value::Int(v)) => c.push(v),
            (ArrayColumn::Decimal(c), Value::Decimal(v)) => c.push(v),
            (ArrayColumn::Time(c), Value::Time(v)) => c.push(v),
            (ArrayColumn::Date(c), Value::Date(v)) => c.push(v),
            (ArrayColumn::Date(c), Value::Month(v)) => c.push(v.map(month_first_day).transpose()?),
            (ArrayColumn::Bool(c), Value::Bool(v)) => c.push(v),
            (ArrayColumn::Bytes(c), Value::Bytes(v)) => c.push(v),
            (_, other) => {
                return Err(StoreError::Database(format!(
                    "bulk insert: {other:?} in a column of another type"
                )));
            }
        }
        Ok(())
    }

    fn bind(self, args: &mut PgArguments) -> StoreResult<()> {
        let added = match self {
            ArrayColumn::Text(c) => args.add(c),
            ArrayColumn::Int(c) => args.add(c),
            ArrayColumn::Decimal(c) => args.add(c),
            ArrayColumn::Time(c) => args.add(c),
            ArrayColumn::Date(c) => args.add(c),
            ArrayColumn::Bool(c) => args.add(c),
            ArrayColumn::Bytes(c) => args.add(c),
        };
        added.map_err(|e| StoreError::Database(e.to_string()))
    }
}

/// Columns bound as arrays and unnested by the server: one short statement per chunk
/// rather than a `VALUES` list of thousands of parameters to build and parse.
pub(crate) async fn insert_rows(
    conn: &mut PgConnection,
    into: &str,
    suffix: &str,
    rows: Vec<Vec<Value>>,
) -> StoreResult<()> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let width = first.len();
    let mut rows = rows.into_iter().peekable();
    loop {
        let len = rows.len().min(ARRAY_BATCH);
        let Some(first) = rows.peek() else {
            break;
        };
        let mut columns = first
            .iter()
            .map(|v| ArrayColumn::of(v, len))
            .collect::<StoreResult<Vec<_>>>()?;
        for row in rows.by_ref().take(ARRAY_BATCH) {
            if row.len() != width {
                return Err(StoreError::Database(format!(
                    "bulk insert: a row of {} values into {width} columns",
                    row.len()
                )));
            }
            for (column, value) in columns.iter_mut().zip(row) {
                column.push(value)?;
            }
        }
        let placeholders: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("${}::{}", i + 1, c.sql_type()))
            .collect();
        let sql = format!(
            "INSERT INTO {into} SELECT * FROM UNNEST({}) {suffix}",
            placeholders.join(", ")
        );
        let mut args = PgArguments::default();
        for column in columns {
            column.bind(&mut args)?;
        }
        zx_store_sqlx::execute::<crate::PgDriver>(&mut *conn, sql, args).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn placeholders_are_numbered() {
        assert_eq!(
            numbered("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"
        );
    }
}
