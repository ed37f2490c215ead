//! How SQLite binds and reads [`Value`]s: decimals, times, dates and months as exact text,
//! booleans as 0/1, lists as JSON arrays (read back with `json_each`).

use sqlx::sqlite::{SqliteArguments, SqliteRow, SqliteValueRef};
use sqlx::{Arguments, ValueRef as _};
use sqlx::{Column, Row as _, Sqlite, SqliteConnection, TypeInfo as _};
use zx_store::sql::{Row, Value, date_text, timestamp_text};
use zx_store::{StoreError, StoreResult};
use zx_store_sqlx::db_error;

/// Bound parameters per multi-row INSERT (rows = this / columns). SQLite allows 32,766, but
/// statements that large took twice as long per row as ones of 2,000–10,000 parameters
/// (20,000 measures: ~380 ms at 30,000, ~200 ms at 10,000).
const MAX_PARAMETERS: usize = 10_000;

fn add(args: &mut SqliteArguments, value: Value) -> StoreResult<()> {
    let added = match value {
        Value::Text(v) => args.add(v),
        Value::Int(v) => args.add(v),
        Value::Decimal(v) => args.add(v.map(|d| d.to_string())),
        Value::Time(v) => args.add(v.map(timestamp_text)),
        Value::Date(v) => args.add(v.map(date_text)),
        Value::Month(v) => args.add(v.map(|m| m.to_string())),
        Value::Bool(v) => args.add(v.map(i64::from)),
        Value::Bytes(v) => args.add(v),
        Value::TextList(list) => args.add(json_list(&list)),
    };
    added.map_err(|e| StoreError::Database(e.to_string()))
}

/// A JSON array of strings, for `json_each(?)`.
fn json_list(list: &[String]) -> String {
    let mut out = String::from("[");
    for (i, item) in list.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in item.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push(']');
    out
}

pub(crate) fn arguments(params: Vec<Value>) -> StoreResult<SqliteArguments> {
    let mut args = SqliteArguments::default();
    for value in params {
        add(&mut args, value)?;
    }
    Ok(args)
}

/// A result row by the storage class of each value (SQLite is dynamically typed).
/// A non-NULL value of the type its storage class says.
fn decode<'r, T: sqlx::Decode<'r, Sqlite>>(raw: SqliteValueRef<'r>) -> StoreResult<T> {
    T::decode(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn row_of(row: &SqliteRow, values: &mut Row) -> StoreResult<()> {
    for i in 0..row.columns().len() {
        let raw = row.try_get_raw(i).map_err(db_error)?;
        let value = if raw.is_null() {
            Value::Int(None)
        } else {
            match raw.type_info().name() {
                "INTEGER" | "BOOLEAN" => Value::Int(Some(decode(raw)?)),
                "BLOB" => Value::Bytes(Some(decode(raw)?)),
                "REAL" => {
                    let column = row.column(i).name();
                    return Err(StoreError::Corrupt(format!(
                        "column {column} holds a floating-point number"
                    )));
                }
                _ => Value::Text(Some(decode(raw)?)),
            }
        };
        values.push(value);
    }
    Ok(())
}

/// Many rows as multi-row `VALUES` statements of at most [`MAX_PARAMETERS`] parameters.
pub(crate) async fn insert_rows(
    conn: &mut SqliteConnection,
    into: &str,
    suffix: &str,
    rows: Vec<Vec<Value>>,
) -> StoreResult<()> {
    let Some(width) = rows.first().map(Vec::len).filter(|w| *w > 0) else {
        return Ok(());
    };
    let per_statement = (MAX_PARAMETERS / width).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(per_statement).collect();
        let mut sql = format!("INSERT INTO {into} VALUES ");
        let tuple = format!("({})", vec!["?"; width].join(", "));
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&tuple);
        }
        sql.push(' ');
        sql.push_str(suffix);
        let params: Vec<Value> = chunk.into_iter().flatten().collect();
        let args = arguments(params)?;
        zx_store_sqlx::execute::<crate::SqliteDriver>(&mut *conn, sql, args).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::json_list;

    #[test]
    fn lists_are_json_arrays() {
        assert_eq!(json_list(&[]), "[]");
        assert_eq!(
            json_list(&["FJ".into(), "a\"b\\c".into(), "福建".into()]),
            r#"["FJ","a\"b\\c","福建"]"#
        );
    }
}
