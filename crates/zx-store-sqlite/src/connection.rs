//! How SQLite binds and reads [`Value`]s: decimals, times, dates and months as exact text,
//! booleans as 0/1, lists as JSON arrays (read back with `json_each`).

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, ValueRef as _};
use sqlx::{AssertSqlSafe, Column, Row as _, Sqlite, SqliteConnection, Transaction, TypeInfo as _};
use zx_store::sql::{Connection, Row, Value, date_text, timestamp_text};
use zx_store::{StoreError, StoreResult};

use crate::db_error;

/// Bound parameters per multi-row INSERT (rows = this / columns). SQLite allows 32,766, but
/// statements that large took twice as long per row as ones of 2,000–10,000 parameters
/// (20,000 measures: ~380 ms at 30,000, ~200 ms at 10,000).
const MAX_PARAMETERS: usize = 10_000;

/// A pooled connection or a transaction.
pub(crate) enum SqliteConn {
    Pooled(PoolConnection<Sqlite>),
    Transaction(Transaction<'static, Sqlite>),
}

impl SqliteConn {
    fn connection(&mut self) -> &mut SqliteConnection {
        match self {
            SqliteConn::Pooled(conn) => conn,
            SqliteConn::Transaction(tx) => tx,
        }
    }
}

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

fn arguments(params: Vec<Value>) -> StoreResult<SqliteArguments> {
    let mut args = SqliteArguments::default();
    for value in params {
        add(&mut args, value)?;
    }
    Ok(args)
}

/// A result row by the storage class of each value (SQLite is dynamically typed).
fn row_of(row: &SqliteRow) -> StoreResult<Row> {
    let mut values = Vec::with_capacity(row.columns().len());
    for i in 0..row.columns().len() {
        let raw = row.try_get_raw(i).map_err(db_error)?;
        let value = if raw.is_null() {
            Value::Int(None)
        } else {
            match raw.type_info().name() {
                "INTEGER" | "BOOLEAN" => Value::Int(Some(row.try_get(i).map_err(db_error)?)),
                "BLOB" => Value::Bytes(Some(row.try_get(i).map_err(db_error)?)),
                "REAL" => {
                    let column = row.column(i).name();
                    return Err(StoreError::Corrupt(format!(
                        "column {column} holds a floating-point number"
                    )));
                }
                _ => Value::Text(Some(row.try_get(i).map_err(db_error)?)),
            }
        };
        values.push(value);
    }
    Ok(Row::new(values))
}

#[async_trait]
impl Connection for SqliteConn {
    async fn execute(&mut self, sql: &str, params: Vec<Value>) -> StoreResult<u64> {
        let args = arguments(params)?;
        let done = sqlx::query_with(AssertSqlSafe(sql), args)
            .execute(self.connection())
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected())
    }

    async fn fetch_all(&mut self, sql: &str, params: Vec<Value>) -> StoreResult<Vec<Row>> {
        let args = arguments(params)?;
        let rows = sqlx::query_with(AssertSqlSafe(sql), args)
            .fetch_all(self.connection())
            .await
            .map_err(db_error)?;
        rows.iter().map(row_of).collect()
    }

    async fn fetch_optional(&mut self, sql: &str, params: Vec<Value>) -> StoreResult<Option<Row>> {
        let args = arguments(params)?;
        let row = sqlx::query_with(AssertSqlSafe(sql), args)
            .fetch_optional(self.connection())
            .await
            .map_err(db_error)?;
        row.as_ref().map(row_of).transpose()
    }

    async fn insert_rows(
        &mut self,
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
            self.execute(&sql, params).await?;
        }
        Ok(())
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        match *self {
            SqliteConn::Pooled(_) => Ok(()),
            SqliteConn::Transaction(tx) => tx.commit().await.map_err(db_error),
        }
    }
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
