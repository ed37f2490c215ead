//! Stacks, alarm rule sets and alarms on SQLite (migration 0006): the `Store` methods of
//! emissions monitoring, and their part of export and restore.
//!
//! Temporary: what the areas still here share is removed with this file once every area has
//! moved, so unused helpers are allowed meanwhile.
#![allow(dead_code, unused_imports)]

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use zx_domain::{EntityKind, cems::Stack};
use zx_store::{
    ALARM_SYSTEM_USER, Alarm, AlarmFilter, AlarmState, Archive, ImportSummary, NewAlarm, RuleScope,
    RuleSetDoc, StoreError, StoreResult, StoredStack, check_new_alarm, check_rule_scope,
    check_stack, check_stack_entity, check_unique_mns, describe_acknowledgement, describe_alarm,
    describe_alarm_object, describe_new_stack, describe_rule_set_object, describe_stack_object,
    describe_stack_update, factors_from_json, factors_to_json, plan_rule_set_put,
};

use crate::legacy::{
    LegacySqliteStore, db_error, parse_code, parse_decimal, parse_timestamp, timestamp,
};

const STACK_COLUMNS: &str =
    "id, mn, entity, name, password, standard, factors, active, revision, created_at, updated_at";

fn stack_from_row(row: &SqliteRow) -> StoreResult<StoredStack> {
    let entity: String = row.try_get(2).map_err(db_error)?;
    let factors: String = row.try_get(6).map_err(db_error)?;
    let active: i64 = row.try_get(7).map_err(db_error)?;
    let created_at: String = row.try_get(9).map_err(db_error)?;
    let updated_at: String = row.try_get(10).map_err(db_error)?;
    Ok(StoredStack {
        id: row.try_get(0).map_err(db_error)?,
        stack: Stack {
            mn: row.try_get(1).map_err(db_error)?,
            entity: parse_code(&entity)?,
            name: row.try_get(3).map_err(db_error)?,
            password: row.try_get(4).map_err(db_error)?,
            standard: row.try_get(5).map_err(db_error)?,
            factors: factors_from_json(&factors)?,
        },
        active: active != 0,
        revision: row.try_get(8).map_err(db_error)?,
        created_at: parse_timestamp(&created_at)?,
        updated_at: parse_timestamp(&updated_at)?,
    })
}

const RULE_SET_COLUMNS: &str = "scope, body, revision, updated_by, updated_at";

fn rule_set_from_row(row: &SqliteRow) -> StoreResult<RuleSetDoc> {
    let updated_at: String = row.try_get(4).map_err(db_error)?;
    Ok(RuleSetDoc {
        scope: row.try_get(0).map_err(db_error)?,
        body: row.try_get(1).map_err(db_error)?,
        revision: row.try_get(2).map_err(db_error)?,
        updated_by: row.try_get(3).map_err(db_error)?,
        updated_at: parse_timestamp(&updated_at)?,
    })
}

const ALARM_COLUMNS: &str = "id, mn, kind, code, raised_at, value, limit_value, message_zh, \
     message_en, state, acknowledged_by, acknowledged_at, note, cleared_at";

fn alarm_from_row(row: &SqliteRow) -> StoreResult<Alarm> {
    let text = |i: usize| -> StoreResult<Option<String>> { row.try_get(i).map_err(db_error) };
    let raised_at: String = row.try_get(4).map_err(db_error)?;
    let state: String = row.try_get(9).map_err(db_error)?;
    Ok(Alarm {
        id: row.try_get(0).map_err(db_error)?,
        mn: row.try_get(1).map_err(db_error)?,
        kind: row.try_get(2).map_err(db_error)?,
        code: text(3)?,
        raised_at: parse_timestamp(&raised_at)?,
        value: text(5)?.as_deref().map(parse_decimal).transpose()?,
        limit: text(6)?.as_deref().map(parse_decimal).transpose()?,
        message_zh: row.try_get(7).map_err(db_error)?,
        message_en: row.try_get(8).map_err(db_error)?,
        state: AlarmState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("alarm state \"{state}\"")))?,
        acknowledged_by: text(10)?,
        acknowledged_at: text(11)?.as_deref().map(parse_timestamp).transpose()?,
        note: text(12)?,
        cleared_at: text(13)?.as_deref().map(parse_timestamp).transpose()?,
    })
}

async fn load_stack(conn: &mut SqliteConnection, mn: &str) -> StoreResult<Option<StoredStack>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {STACK_COLUMNS} FROM stacks WHERE mn = ?"
    )))
    .bind(mn)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error)?;
    row.as_ref().map(stack_from_row).transpose()
}

async fn load_alarm(conn: &mut SqliteConnection, id: i64) -> StoreResult<Option<Alarm>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ALARM_COLUMNS} FROM alarms WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error)?;
    row.as_ref().map(alarm_from_row).transpose()
}

/// The open alarm of a stack, kind and factor, if any.
async fn open_alarm(
    conn: &mut SqliteConnection,
    mn: &str,
    kind: &str,
    code: Option<&str>,
) -> StoreResult<Option<Alarm>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ALARM_COLUMNS} FROM alarms
         WHERE mn = ? AND kind = ? AND COALESCE(code, '') = COALESCE(?, '') AND state <> 'cleared'"
    )))
    .bind(mn)
    .bind(kind)
    .bind(code)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error)?;
    row.as_ref().map(alarm_from_row).transpose()
}

/// Clears an open alarm inside the caller's transaction: state, time, audit line.
async fn clear_in(
    conn: &mut SqliteConnection,
    alarm: &Alarm,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    if at < alarm.raised_at {
        return Err(StoreError::Invalid(format!(
            "alarm {} cannot clear at {} before it was raised ({})",
            alarm.id,
            timestamp(at),
            timestamp(alarm.raised_at)
        )));
    }
    sqlx::query("UPDATE alarms SET state = 'cleared', cleared_at = ? WHERE id = ?")
        .bind(timestamp(at))
        .bind(alarm.id)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    LegacySqliteStore::audit(
        &mut *conn,
        at,
        ALARM_SYSTEM_USER,
        "alarm.clear",
        &describe_alarm_object(alarm.id),
        Some(alarm.state.as_str().to_owned()),
        Some(AlarmState::Cleared.as_str().to_owned()),
    )
    .await
}

impl LegacySqliteStore {
    pub(crate) async fn load_stacks(&self) -> StoreResult<Vec<StoredStack>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {STACK_COLUMNS} FROM stacks ORDER BY mn"
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(stack_from_row).collect()
    }

    pub(crate) async fn load_stack(&self, mn: &str) -> StoreResult<Option<StoredStack>> {
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        load_stack(&mut conn, mn).await
    }

    pub(crate) async fn write_stacks(
        &self,
        stacks: Vec<Stack>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<ImportSummary> {
        for (index, stack) in stacks.iter().enumerate() {
            check_stack(index, stack)?;
        }
        check_unique_mns(&stacks)?;
        let mut tx = self.begin_write().await?;
        let mut kinds: HashMap<String, EntityKind> = HashMap::new();
        for row in sqlx::query("SELECT code, kind FROM entities")
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?
        {
            let code: String = row.try_get(0).map_err(db_error)?;
            let kind: String = row.try_get(1).map_err(db_error)?;
            let kind = EntityKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("entity kind \"{kind}\"")))?;
            kinds.insert(code, kind);
        }
        for (index, stack) in stacks.iter().enumerate() {
            check_stack_entity(index, stack, kinds.get(stack.entity.as_str()).copied())?;
        }
        let mut summary = ImportSummary::default();
        for stack in &stacks {
            let object = describe_stack_object(&stack.mn);
            match load_stack(&mut tx, &stack.mn).await? {
                None => {
                    sqlx::query(
                        "INSERT INTO stacks (mn, entity, name, password, standard, factors,
                           active, revision, created_at, updated_at)
                         VALUES (?, ?, ?, ?, ?, ?, 1, 1, ?, ?)",
                    )
                    .bind(&stack.mn)
                    .bind(stack.entity.as_str())
                    .bind(&stack.name)
                    .bind(&stack.password)
                    .bind(&stack.standard)
                    .bind(factors_to_json(&stack.factors))
                    .bind(timestamp(at))
                    .bind(timestamp(at))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                    Self::audit(
                        &mut *tx,
                        at,
                        user,
                        "stack.create",
                        &object,
                        None,
                        Some(describe_new_stack(stack)),
                    )
                    .await?;
                    summary.created += 1;
                }
                Some(old) if old.active && old.stack == *stack => summary.unchanged += 1,
                Some(old) => {
                    sqlx::query(
                        "UPDATE stacks SET entity = ?, name = ?, password = ?, standard = ?,
                           factors = ?, active = 1, revision = revision + 1, updated_at = ?
                         WHERE mn = ?",
                    )
                    .bind(stack.entity.as_str())
                    .bind(&stack.name)
                    .bind(&stack.password)
                    .bind(&stack.standard)
                    .bind(factors_to_json(&stack.factors))
                    .bind(timestamp(at))
                    .bind(&stack.mn)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                    let (before, after) = describe_stack_update(&old, stack);
                    Self::audit(
                        &mut *tx,
                        at,
                        user,
                        "stack.update",
                        &object,
                        Some(before),
                        Some(after),
                    )
                    .await?;
                    summary.updated += 1;
                }
            }
        }
        tx.commit().await.map_err(db_error)?;
        Ok(summary)
    }

    pub(crate) async fn retire(&self, mn: &str, user: &str, at: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        match load_stack(&mut tx, mn).await? {
            None => return Err(StoreError::Invalid(format!("no stack with MN {mn}"))),
            Some(stack) if !stack.active => {
                return Err(StoreError::Invalid(format!(
                    "stack {mn} is retired already"
                )));
            }
            Some(_) => {}
        }
        sqlx::query(
            "UPDATE stacks SET active = 0, revision = revision + 1, updated_at = ? WHERE mn = ?",
        )
        .bind(timestamp(at))
        .bind(mn)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        Self::audit(
            &mut *tx,
            at,
            user,
            "stack.retire",
            &describe_stack_object(mn),
            Some("active".into()),
            Some("retired".into()),
        )
        .await?;
        tx.commit().await.map_err(db_error)
    }

    pub(crate) async fn load_rule_set(&self, scope: &str) -> StoreResult<Option<RuleSetDoc>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RULE_SET_COLUMNS} FROM alarm_rule_sets WHERE scope = ?"
        )))
        .bind(scope)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(rule_set_from_row).transpose()
    }

    pub(crate) async fn load_rule_sets(&self) -> StoreResult<Vec<RuleSetDoc>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RULE_SET_COLUMNS} FROM alarm_rule_sets ORDER BY scope"
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(rule_set_from_row).collect()
    }

    pub(crate) async fn write_rule_set(
        &self,
        scope: &str,
        body: &str,
        expected_revision: Option<i64>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let parsed = check_rule_scope(scope)?;
        let mut tx = self.begin_write().await?;
        if let RuleScope::Stack(mn) = parsed
            && load_stack(&mut tx, mn).await?.is_none()
        {
            return Err(StoreError::Invalid(format!(
                "alarm rule scope {scope}: no stack with MN {mn}"
            )));
        }
        let current: Option<(String, i64)> =
            sqlx::query_as("SELECT body, revision FROM alarm_rule_sets WHERE scope = ?")
                .bind(scope)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
        let plan = plan_rule_set_put(
            scope,
            current.as_ref().map(|(b, r)| (b.as_str(), *r)),
            body,
            expected_revision,
        )?;
        let Some(revision) = plan else {
            return Ok(current.map_or(0, |(_, r)| r));
        };
        sqlx::query(
            "INSERT INTO alarm_rule_sets (scope, body, revision, updated_by, updated_at)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (scope) DO UPDATE SET body = excluded.body, revision = excluded.revision,
               updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(scope)
        .bind(body)
        .bind(revision)
        .bind(user)
        .bind(timestamp(at))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        Self::audit(
            &mut *tx,
            at,
            user,
            "alarm_rules.set",
            &describe_rule_set_object(scope),
            current.map(|(b, _)| b),
            Some(body.to_owned()),
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(revision)
    }

    pub(crate) async fn write_alarm(&self, alarm: NewAlarm) -> StoreResult<i64> {
        check_new_alarm(&alarm)?;
        let mut tx = self.begin_write().await?;
        if load_stack(&mut tx, &alarm.mn).await?.is_none() {
            return Err(StoreError::Invalid(format!(
                "no stack with MN {} to raise an alarm for",
                alarm.mn
            )));
        }
        if let Some(open) =
            open_alarm(&mut tx, &alarm.mn, &alarm.kind, alarm.code.as_deref()).await?
        {
            return Ok(open.id);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO alarms (mn, kind, code, raised_at, value, limit_value, message_zh,
               message_en, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active') RETURNING id",
        )
        .bind(&alarm.mn)
        .bind(&alarm.kind)
        .bind(&alarm.code)
        .bind(timestamp(alarm.raised_at))
        .bind(alarm.value.map(|v| v.to_string()))
        .bind(alarm.limit.map(|v| v.to_string()))
        .bind(&alarm.message_zh)
        .bind(&alarm.message_en)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        Self::audit(
            &mut *tx,
            alarm.raised_at,
            ALARM_SYSTEM_USER,
            "alarm.raise",
            &describe_alarm_object(id),
            None,
            Some(describe_alarm(&alarm)),
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(id)
    }

    pub(crate) async fn acknowledge(
        &self,
        id: i64,
        note: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Alarm> {
        let mut tx = self.begin_write().await?;
        let alarm = load_alarm(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("no alarm {id}")))?;
        if alarm.state != AlarmState::Active {
            return Err(StoreError::AlarmNotActive {
                id,
                state: alarm.state,
            });
        }
        let note = Some(note.trim()).filter(|n| !n.is_empty());
        sqlx::query(
            "UPDATE alarms SET state = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?,
               note = ? WHERE id = ?",
        )
        .bind(user)
        .bind(timestamp(at))
        .bind(note)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        Self::audit(
            &mut *tx,
            at,
            user,
            "alarm.acknowledge",
            &describe_alarm_object(id),
            Some(AlarmState::Active.as_str().to_owned()),
            Some(describe_acknowledgement(note.unwrap_or(""))),
        )
        .await?;
        let acknowledged = load_alarm(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("alarm {id} vanished")))?;
        tx.commit().await.map_err(db_error)?;
        Ok(acknowledged)
    }

    pub(crate) async fn clear(&self, id: i64, at: DateTime<Utc>) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let alarm = load_alarm(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("no alarm {id}")))?;
        if !alarm.state.is_open() {
            return Ok(false);
        }
        clear_in(&mut tx, &alarm, at).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    pub(crate) async fn clear_open(
        &self,
        mn: &str,
        kind: &str,
        code: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let Some(alarm) = open_alarm(&mut tx, mn, kind, code).await? else {
            return Ok(None);
        };
        clear_in(&mut tx, &alarm, at).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(Some(alarm.id))
    }

    pub(crate) async fn load_alarms(&self, filter: &AlarmFilter) -> StoreResult<Vec<Alarm>> {
        let mut query =
            QueryBuilder::<Sqlite>::new(format!("SELECT {ALARM_COLUMNS} FROM alarms WHERE 1 = 1"));
        if let Some(mn) = &filter.mn {
            query.push(" AND mn = ").push_bind(mn.clone());
        }
        if let Some(state) = filter.state {
            query.push(" AND state = ").push_bind(state.as_str());
        }
        if let Some(since) = filter.since {
            // Times are fixed-width RFC 3339 text in UTC: text order is time order.
            query.push(" AND raised_at >= ").push_bind(timestamp(since));
        }
        query.push(" ORDER BY raised_at DESC, id DESC");
        if let Some(limit) = filter.limit {
            query
                .push(" LIMIT ")
                .push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
        }
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(alarm_from_row).collect()
    }

    pub(crate) async fn load_alarm(&self, id: i64) -> StoreResult<Option<Alarm>> {
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        load_alarm(&mut conn, id).await
    }
}
