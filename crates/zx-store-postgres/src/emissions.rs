//! Stacks, alarm rule sets and alarms on PostgreSQL (migration 0005): the `Store` methods of
//! emissions monitoring, and their part of export and restore. Every write holds
//! [`crate::WRITER_LOCK`] (through `begin_write`), like every other audited write.
//!
//! Temporary: what the areas still here share is removed with this file once every area has
//! moved, so unused helpers are allowed meanwhile.
#![allow(dead_code, unused_imports)]

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection, Postgres, QueryBuilder};
use zx_domain::{EntityKind, cems::Stack};
use zx_store::{
    ALARM_SYSTEM_USER, Alarm, AlarmFilter, AlarmState, Archive, ImportSummary, NewAlarm, RuleScope,
    RuleSetDoc, StoreError, StoreResult, StoredStack, check_new_alarm, check_rule_scope,
    check_stack, check_stack_entity, check_unique_mns, describe_acknowledgement, describe_alarm,
    describe_alarm_object, describe_new_stack, describe_rule_set_object, describe_stack_object,
    describe_stack_update, factors_from_json, factors_to_json, plan_rule_set_put,
};

use crate::legacy::{BATCH, LegacyPgStore, db_error, get, parse_code};

const STACK_COLUMNS: &str =
    "id, mn, entity, name, password, standard, factors, active, revision, created_at, updated_at";

fn stack_from_row(row: &PgRow) -> StoreResult<StoredStack> {
    let entity: String = get(row, 2)?;
    let factors: String = get(row, 6)?;
    Ok(StoredStack {
        id: get(row, 0)?,
        stack: Stack {
            mn: get(row, 1)?,
            entity: parse_code(&entity)?,
            name: get(row, 3)?,
            password: get(row, 4)?,
            standard: get(row, 5)?,
            factors: factors_from_json(&factors)?,
        },
        active: get(row, 7)?,
        revision: get(row, 8)?,
        created_at: get(row, 9)?,
        updated_at: get(row, 10)?,
    })
}

const RULE_SET_COLUMNS: &str = "scope, body, revision, updated_by, updated_at";

fn rule_set_from_row(row: &PgRow) -> StoreResult<RuleSetDoc> {
    Ok(RuleSetDoc {
        scope: get(row, 0)?,
        body: get(row, 1)?,
        revision: get(row, 2)?,
        updated_by: get(row, 3)?,
        updated_at: get(row, 4)?,
    })
}

const ALARM_COLUMNS: &str = "id, mn, kind, code, raised_at, value, limit_value, message_zh, \
     message_en, state, acknowledged_by, acknowledged_at, note, cleared_at";

fn alarm_from_row(row: &PgRow) -> StoreResult<Alarm> {
    let state: String = get(row, 9)?;
    Ok(Alarm {
        id: get(row, 0)?,
        mn: get(row, 1)?,
        kind: get(row, 2)?,
        code: get(row, 3)?,
        raised_at: get(row, 4)?,
        value: get(row, 5)?,
        limit: get(row, 6)?,
        message_zh: get(row, 7)?,
        message_en: get(row, 8)?,
        state: AlarmState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("alarm state \"{state}\"")))?,
        acknowledged_by: get(row, 10)?,
        acknowledged_at: get(row, 11)?,
        note: get(row, 12)?,
        cleared_at: get(row, 13)?,
    })
}

async fn load_stack(conn: &mut PgConnection, mn: &str) -> StoreResult<Option<StoredStack>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {STACK_COLUMNS} FROM stacks WHERE mn = $1"
    )))
    .bind(mn)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error)?;
    row.as_ref().map(stack_from_row).transpose()
}

async fn load_alarm(conn: &mut PgConnection, id: i64) -> StoreResult<Option<Alarm>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ALARM_COLUMNS} FROM alarms WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error)?;
    row.as_ref().map(alarm_from_row).transpose()
}

/// The open alarm of a stack, kind and factor, if any.
async fn open_alarm(
    conn: &mut PgConnection,
    mn: &str,
    kind: &str,
    code: Option<&str>,
) -> StoreResult<Option<Alarm>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ALARM_COLUMNS} FROM alarms
         WHERE mn = $1 AND kind = $2 AND COALESCE(code, '') = COALESCE($3, '')
           AND state <> 'cleared'"
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
async fn clear_in(conn: &mut PgConnection, alarm: &Alarm, at: DateTime<Utc>) -> StoreResult<()> {
    if at < alarm.raised_at {
        return Err(StoreError::Invalid(format!(
            "alarm {} cannot clear at {} before it was raised ({})",
            alarm.id,
            at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            alarm
                .raised_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        )));
    }
    sqlx::query("UPDATE alarms SET state = 'cleared', cleared_at = $1 WHERE id = $2")
        .bind(at)
        .bind(alarm.id)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    LegacyPgStore::audit(
        conn,
        at,
        ALARM_SYSTEM_USER,
        "alarm.clear",
        &describe_alarm_object(alarm.id),
        Some(alarm.state.as_str().to_owned()),
        Some(AlarmState::Cleared.as_str().to_owned()),
        None,
    )
    .await
}

impl LegacyPgStore {
    pub(crate) async fn load_stacks(&self) -> StoreResult<Vec<StoredStack>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
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
            let code: String = get(&row, 0)?;
            let kind: String = get(&row, 1)?;
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
                         VALUES ($1, $2, $3, $4, $5, $6, TRUE, 1, $7, $7)",
                    )
                    .bind(&stack.mn)
                    .bind(stack.entity.as_str())
                    .bind(&stack.name)
                    .bind(&stack.password)
                    .bind(&stack.standard)
                    .bind(factors_to_json(&stack.factors))
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                    Self::audit(
                        &mut tx,
                        at,
                        user,
                        "stack.create",
                        &object,
                        None,
                        Some(describe_new_stack(stack)),
                        None,
                    )
                    .await?;
                    summary.created += 1;
                }
                Some(old) if old.active && old.stack == *stack => summary.unchanged += 1,
                Some(old) => {
                    sqlx::query(
                        "UPDATE stacks SET entity = $1, name = $2, password = $3, standard = $4,
                           factors = $5, active = TRUE, revision = revision + 1, updated_at = $6
                         WHERE mn = $7",
                    )
                    .bind(stack.entity.as_str())
                    .bind(&stack.name)
                    .bind(&stack.password)
                    .bind(&stack.standard)
                    .bind(factors_to_json(&stack.factors))
                    .bind(at)
                    .bind(&stack.mn)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                    let (before, after) = describe_stack_update(&old, stack);
                    Self::audit(
                        &mut tx,
                        at,
                        user,
                        "stack.update",
                        &object,
                        Some(before),
                        Some(after),
                        None,
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
            "UPDATE stacks SET active = FALSE, revision = revision + 1, updated_at = $1
             WHERE mn = $2",
        )
        .bind(at)
        .bind(mn)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        Self::audit(
            &mut tx,
            at,
            user,
            "stack.retire",
            &describe_stack_object(mn),
            Some("active".into()),
            Some("retired".into()),
            None,
        )
        .await?;
        tx.commit().await.map_err(db_error)
    }

    pub(crate) async fn load_rule_set(&self, scope: &str) -> StoreResult<Option<RuleSetDoc>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {RULE_SET_COLUMNS} FROM alarm_rule_sets WHERE scope = $1"
        )))
        .bind(scope)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(rule_set_from_row).transpose()
    }

    pub(crate) async fn load_rule_sets(&self) -> StoreResult<Vec<RuleSetDoc>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
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
            sqlx::query_as("SELECT body, revision FROM alarm_rule_sets WHERE scope = $1")
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
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (scope) DO UPDATE SET body = excluded.body, revision = excluded.revision,
               updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(scope)
        .bind(body)
        .bind(revision)
        .bind(user)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        Self::audit(
            &mut tx,
            at,
            user,
            "alarm_rules.set",
            &describe_rule_set_object(scope),
            current.map(|(b, _)| b),
            Some(body.to_owned()),
            None,
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
               message_en, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active') RETURNING id",
        )
        .bind(&alarm.mn)
        .bind(&alarm.kind)
        .bind(&alarm.code)
        .bind(alarm.raised_at)
        .bind(alarm.value)
        .bind(alarm.limit)
        .bind(&alarm.message_zh)
        .bind(&alarm.message_en)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        Self::audit(
            &mut tx,
            alarm.raised_at,
            ALARM_SYSTEM_USER,
            "alarm.raise",
            &describe_alarm_object(id),
            None,
            Some(describe_alarm(&alarm)),
            None,
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
            "UPDATE alarms SET state = 'acknowledged', acknowledged_by = $1, acknowledged_at = $2,
               note = $3 WHERE id = $4",
        )
        .bind(user)
        .bind(at)
        .bind(note)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        Self::audit(
            &mut tx,
            at,
            user,
            "alarm.acknowledge",
            &describe_alarm_object(id),
            Some(AlarmState::Active.as_str().to_owned()),
            Some(describe_acknowledgement(note.unwrap_or(""))),
            None,
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
            QueryBuilder::<Postgres>::new(format!("SELECT {ALARM_COLUMNS} FROM alarms WHERE TRUE"));
        if let Some(mn) = &filter.mn {
            query.push(" AND mn = ").push_bind(mn.clone());
        }
        if let Some(state) = filter.state {
            query.push(" AND state = ").push_bind(state.as_str());
        }
        if let Some(since) = filter.since {
            query.push(" AND raised_at >= ").push_bind(since);
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
