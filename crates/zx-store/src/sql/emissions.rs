//! Stacks, alarm rule sets and alarms (emissions monitoring) over SQL.
//!
//! Every write takes the writer lock ([`Backend::write`]) and adds its audit lines in the same
//! transaction. An open alarm (active or acknowledged) is unique per stack, kind and factor
//! (index `alarms_open` of both schemas), so raising it again finds the one already open.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use zx_domain::{Decimal, EntityKind};

use super::{Backend, Connection, Row, SqlStore, Value, audit, timestamp_text};
use crate::{
    ALARM_SYSTEM_USER, Alarm, AlarmFilter, AlarmState, EmissionStore, ImportSummary, NewAlarm,
    RuleScope, RuleSetDoc, Stack, StoreError, StoreResult, StoredStack, check_new_alarm,
    check_rule_scope, check_stack, check_stack_entity, check_unique_mns, describe_acknowledgement,
    describe_alarm, describe_alarm_object, describe_new_stack, describe_rule_set_object,
    describe_stack_object, describe_stack_update, factors_from_json, factors_to_json, params,
    plan_rule_set_put,
};

/// The columns of a [`StoredStack`], in the order [`stack_from_row`] reads them.
pub(crate) const STACK_COLUMNS: &str =
    "id, mn, entity, name, password, standard, factors, active, revision, created_at, updated_at";

/// Reads a [`StoredStack`] (see [`STACK_COLUMNS`]).
pub(crate) fn stack_from_row(row: &mut Row) -> StoreResult<StoredStack> {
    let factors: String = row.get(6)?;
    Ok(StoredStack {
        id: row.get(0)?,
        stack: Stack {
            mn: row.get(1)?,
            entity: row.get(2)?,
            name: row.get(3)?,
            password: row.get(4)?,
            standard: row.get(5)?,
            factors: factors_from_json(&factors)?,
        },
        active: row.get(7)?,
        revision: row.get(8)?,
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
    })
}

/// The columns of a [`RuleSetDoc`], in the order [`rule_set_from_row`] reads them.
pub(crate) const RULE_SET_COLUMNS: &str = "scope, body, revision, updated_by, updated_at";

/// Reads a [`RuleSetDoc`] (see [`RULE_SET_COLUMNS`]).
pub(crate) fn rule_set_from_row(row: &mut Row) -> StoreResult<RuleSetDoc> {
    Ok(RuleSetDoc {
        scope: row.get(0)?,
        body: row.get(1)?,
        revision: row.get(2)?,
        updated_by: row.get(3)?,
        updated_at: row.get(4)?,
    })
}

/// The columns of an [`Alarm`], in the order [`alarm_from_row`] reads them.
pub(crate) const ALARM_COLUMNS: &str = "id, mn, kind, code, raised_at, value, limit_value, \
     message_zh, message_en, state, acknowledged_by, acknowledged_at, note, cleared_at";

/// Reads an [`Alarm`] (see [`ALARM_COLUMNS`]).
pub(crate) fn alarm_from_row(row: &mut Row) -> StoreResult<Alarm> {
    let state: String = row.get(9)?;
    Ok(Alarm {
        id: row.get(0)?,
        mn: row.get(1)?,
        kind: row.get(2)?,
        code: row.get(3)?,
        raised_at: row.get(4)?,
        value: row.get::<Option<Decimal>>(5)?,
        limit: row.get::<Option<Decimal>>(6)?,
        message_zh: row.get(7)?,
        message_en: row.get(8)?,
        state: AlarmState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("alarm state \"{state}\"")))?,
        acknowledged_by: row.get(10)?,
        acknowledged_at: row.get(11)?,
        note: row.get(12)?,
        cleared_at: row.get(13)?,
    })
}

async fn load_stack(conn: &mut dyn Connection, mn: &str) -> StoreResult<Option<StoredStack>> {
    let sql = format!("SELECT {STACK_COLUMNS} FROM stacks WHERE mn = ?");
    let row = conn.fetch_optional(&sql, params![mn]).await?;
    row.map(|mut row| stack_from_row(&mut row)).transpose()
}

async fn load_alarm(conn: &mut dyn Connection, id: i64) -> StoreResult<Option<Alarm>> {
    let sql = format!("SELECT {ALARM_COLUMNS} FROM alarms WHERE id = ?");
    let row = conn.fetch_optional(&sql, params![id]).await?;
    row.map(|mut row| alarm_from_row(&mut row)).transpose()
}

/// The open alarm of a stack, kind and factor, if any.
async fn open_alarm(
    conn: &mut dyn Connection,
    mn: &str,
    kind: &str,
    code: Option<&str>,
) -> StoreResult<Option<Alarm>> {
    let sql = format!(
        "SELECT {ALARM_COLUMNS} FROM alarms
         WHERE mn = ? AND kind = ? AND COALESCE(code, '') = COALESCE(?, '')
           AND state <> 'cleared'"
    );
    let row = conn.fetch_optional(&sql, params![mn, kind, code]).await?;
    row.map(|mut row| alarm_from_row(&mut row)).transpose()
}

/// The kind of every entity by code, for [`check_stack_entity`].
async fn entity_kinds(conn: &mut dyn Connection) -> StoreResult<HashMap<String, EntityKind>> {
    let rows = conn
        .fetch_all("SELECT code, kind FROM entities", params![])
        .await?;
    let mut kinds = HashMap::with_capacity(rows.len());
    for mut row in rows {
        let code: String = row.get(0)?;
        kinds.insert(code, row.get::<EntityKind>(1)?);
    }
    Ok(kinds)
}

/// Clears an open alarm inside the caller's transaction: state, time, audit line.
async fn clear_in(conn: &mut dyn Connection, alarm: &Alarm, at: DateTime<Utc>) -> StoreResult<()> {
    if at < alarm.raised_at {
        return Err(StoreError::Invalid(format!(
            "alarm {} cannot clear at {} before it was raised ({})",
            alarm.id,
            timestamp_text(at),
            timestamp_text(alarm.raised_at)
        )));
    }
    conn.execute(
        "UPDATE alarms SET state = 'cleared', cleared_at = ? WHERE id = ?",
        params![at, alarm.id],
    )
    .await?;
    audit(
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

/// The `WHERE … ORDER BY … LIMIT` of [`EmissionStore::alarms`] and its parameters: one
/// condition per field the filter sets.
fn alarm_filter_sql(filter: &AlarmFilter) -> (String, Vec<Value>) {
    let mut sql = String::from(" WHERE TRUE");
    let mut values = Vec::new();
    if let Some(mn) = &filter.mn {
        sql.push_str(" AND mn = ?");
        values.push(Value::from(mn));
    }
    if let Some(state) = filter.state {
        sql.push_str(" AND state = ?");
        values.push(Value::from(state.as_str()));
    }
    if let Some(since) = filter.since {
        // SQLite keeps fixed-width RFC 3339 text in UTC: text order is time order.
        sql.push_str(" AND raised_at >= ?");
        values.push(Value::from(since));
    }
    sql.push_str(" ORDER BY raised_at DESC, id DESC");
    if let Some(limit) = filter.limit {
        sql.push_str(" LIMIT ?");
        values.push(Value::from(i64::try_from(limit).unwrap_or(i64::MAX)));
    }
    (sql, values)
}

#[async_trait]
impl<B: Backend> EmissionStore for SqlStore<B> {
    async fn stacks(&self) -> StoreResult<Vec<StoredStack>> {
        let sql = format!("SELECT {STACK_COLUMNS} FROM stacks ORDER BY mn");
        self.read_all(&sql, params![], stack_from_row).await
    }

    async fn stack(&self, mn: &str) -> StoreResult<Option<StoredStack>> {
        load_stack(&mut *self.backend.read().await?, mn).await
    }

    async fn save_stacks(
        &self,
        stacks: Vec<Stack>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<ImportSummary> {
        for (index, stack) in stacks.iter().enumerate() {
            check_stack(index, stack)?;
        }
        check_unique_mns(&stacks)?;
        let mut tx = self.backend.write().await?;
        let kinds = entity_kinds(&mut *tx).await?;
        for (index, stack) in stacks.iter().enumerate() {
            check_stack_entity(index, stack, kinds.get(stack.entity.as_str()).copied())?;
        }
        let mut summary = ImportSummary::default();
        for stack in &stacks {
            let object = describe_stack_object(&stack.mn);
            match load_stack(&mut *tx, &stack.mn).await? {
                None => {
                    tx.execute(
                        "INSERT INTO stacks (mn, entity, name, password, standard, factors,
                           active, revision, created_at, updated_at)
                         VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                        params![
                            &stack.mn,
                            &stack.entity,
                            &stack.name,
                            &stack.password,
                            &stack.standard,
                            factors_to_json(&stack.factors),
                            true,
                            at,
                            at
                        ],
                    )
                    .await?;
                    audit(
                        &mut *tx,
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
                    tx.execute(
                        "UPDATE stacks SET entity = ?, name = ?, password = ?, standard = ?,
                           factors = ?, active = ?, revision = revision + 1, updated_at = ?
                         WHERE mn = ?",
                        params![
                            &stack.entity,
                            &stack.name,
                            &stack.password,
                            &stack.standard,
                            factors_to_json(&stack.factors),
                            true,
                            at,
                            &stack.mn
                        ],
                    )
                    .await?;
                    let (before, after) = describe_stack_update(&old, stack);
                    audit(
                        &mut *tx,
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
        tx.commit().await?;
        Ok(summary)
    }

    async fn retire_stack(&self, mn: &str, user: &str, at: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.backend.write().await?;
        match load_stack(&mut *tx, mn).await? {
            None => return Err(StoreError::Invalid(format!("no stack with MN {mn}"))),
            Some(stack) if !stack.active => {
                return Err(StoreError::Invalid(format!(
                    "stack {mn} is retired already"
                )));
            }
            Some(_) => {}
        }
        tx.execute(
            "UPDATE stacks SET active = ?, revision = revision + 1, updated_at = ? WHERE mn = ?",
            params![false, at, mn],
        )
        .await?;
        audit(
            &mut *tx,
            at,
            user,
            "stack.retire",
            &describe_stack_object(mn),
            Some("active".into()),
            Some("retired".into()),
            None,
        )
        .await?;
        tx.commit().await
    }

    async fn alarm_rule_set(&self, scope: &str) -> StoreResult<Option<RuleSetDoc>> {
        let sql = format!("SELECT {RULE_SET_COLUMNS} FROM alarm_rule_sets WHERE scope = ?");
        let row = self
            .backend
            .read()
            .await?
            .fetch_optional(&sql, params![scope])
            .await?;
        row.map(|mut row| rule_set_from_row(&mut row)).transpose()
    }

    async fn alarm_rule_sets(&self) -> StoreResult<Vec<RuleSetDoc>> {
        let sql = format!("SELECT {RULE_SET_COLUMNS} FROM alarm_rule_sets ORDER BY scope");
        self.read_all(&sql, params![], rule_set_from_row).await
    }

    async fn put_alarm_rule_set(
        &self,
        scope: &str,
        body: &str,
        expected_revision: Option<i64>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let parsed = check_rule_scope(scope)?;
        let mut tx = self.backend.write().await?;
        if let RuleScope::Stack(mn) = parsed
            && load_stack(&mut *tx, mn).await?.is_none()
        {
            return Err(StoreError::Invalid(format!(
                "alarm rule scope {scope}: no stack with MN {mn}"
            )));
        }
        let current: Option<(String, i64)> = match tx
            .fetch_optional(
                "SELECT body, revision FROM alarm_rule_sets WHERE scope = ?",
                params![scope],
            )
            .await?
        {
            Some(mut row) => Some((row.get(0)?, row.get(1)?)),
            None => None,
        };
        let plan = plan_rule_set_put(
            scope,
            current.as_ref().map(|(b, r)| (b.as_str(), *r)),
            body,
            expected_revision,
        )?;
        let Some(revision) = plan else {
            return Ok(current.map_or(0, |(_, r)| r));
        };
        tx.execute(
            "INSERT INTO alarm_rule_sets (scope, body, revision, updated_by, updated_at)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (scope) DO UPDATE SET body = excluded.body, revision = excluded.revision,
               updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            params![scope, body, revision, user, at],
        )
        .await?;
        audit(
            &mut *tx,
            at,
            user,
            "alarm_rules.set",
            &describe_rule_set_object(scope),
            current.map(|(b, _)| b),
            Some(body.to_owned()),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(revision)
    }

    async fn raise_alarm(&self, alarm: NewAlarm) -> StoreResult<i64> {
        check_new_alarm(&alarm)?;
        let mut tx = self.backend.write().await?;
        if load_stack(&mut *tx, &alarm.mn).await?.is_none() {
            return Err(StoreError::Invalid(format!(
                "no stack with MN {} to raise an alarm for",
                alarm.mn
            )));
        }
        if let Some(open) =
            open_alarm(&mut *tx, &alarm.mn, &alarm.kind, alarm.code.as_deref()).await?
        {
            return Ok(open.id);
        }
        let mut row = tx
            .fetch_optional(
                "INSERT INTO alarms (mn, kind, code, raised_at, value, limit_value, message_zh,
                   message_en, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active') RETURNING id",
                params![
                    &alarm.mn,
                    &alarm.kind,
                    alarm.code.as_ref(),
                    alarm.raised_at,
                    alarm.value,
                    alarm.limit,
                    &alarm.message_zh,
                    &alarm.message_en
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Database("INSERT … RETURNING id gave no row".into()))?;
        let id: i64 = row.get(0)?;
        audit(
            &mut *tx,
            alarm.raised_at,
            ALARM_SYSTEM_USER,
            "alarm.raise",
            &describe_alarm_object(id),
            None,
            Some(describe_alarm(&alarm)),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn acknowledge_alarm(
        &self,
        id: i64,
        note: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Alarm> {
        let mut tx = self.backend.write().await?;
        let alarm = load_alarm(&mut *tx, id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("no alarm {id}")))?;
        if alarm.state != AlarmState::Active {
            return Err(StoreError::AlarmNotActive {
                id,
                state: alarm.state,
            });
        }
        let note = Some(note.trim()).filter(|n| !n.is_empty());
        tx.execute(
            "UPDATE alarms SET state = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?,
               note = ? WHERE id = ?",
            params![user, at, note, id],
        )
        .await?;
        audit(
            &mut *tx,
            at,
            user,
            "alarm.acknowledge",
            &describe_alarm_object(id),
            Some(AlarmState::Active.as_str().to_owned()),
            Some(describe_acknowledgement(note.unwrap_or(""))),
            None,
        )
        .await?;
        let acknowledged = load_alarm(&mut *tx, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("alarm {id} vanished")))?;
        tx.commit().await?;
        Ok(acknowledged)
    }

    async fn clear_alarm(&self, id: i64, at: DateTime<Utc>) -> StoreResult<bool> {
        let mut tx = self.backend.write().await?;
        let alarm = load_alarm(&mut *tx, id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("no alarm {id}")))?;
        if !alarm.state.is_open() {
            return Ok(false);
        }
        clear_in(&mut *tx, &alarm, at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn clear_open_alarm(
        &self,
        mn: &str,
        kind: &str,
        code: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.backend.write().await?;
        let Some(alarm) = open_alarm(&mut *tx, mn, kind, code).await? else {
            return Ok(None);
        };
        clear_in(&mut *tx, &alarm, at).await?;
        tx.commit().await?;
        Ok(Some(alarm.id))
    }

    async fn alarms(&self, filter: &AlarmFilter) -> StoreResult<Vec<Alarm>> {
        let (conditions, values) = alarm_filter_sql(filter);
        let sql = format!("SELECT {ALARM_COLUMNS} FROM alarms{conditions}");
        let rows = self.backend.read().await?.fetch_all(&sql, values).await?;
        rows.into_iter()
            .map(|mut row| alarm_from_row(&mut row))
            .collect()
    }

    async fn alarm(&self, id: i64) -> StoreResult<Option<Alarm>> {
        load_alarm(&mut *self.backend.read().await?, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_filter_only_orders() {
        let (sql, values) = alarm_filter_sql(&AlarmFilter::default());
        assert_eq!(sql, " WHERE TRUE ORDER BY raised_at DESC, id DESC");
        assert!(values.is_empty());
    }

    #[test]
    fn each_condition_binds_one_value_in_order() {
        let since = DateTime::parse_from_rfc3339("2026-11-27T08:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap();
        let filter = AlarmFilter {
            mn: Some("3301001".into()),
            state: Some(AlarmState::Active),
            since: Some(since),
            limit: Some(5),
        };
        let (sql, values) = alarm_filter_sql(&filter);
        assert_eq!(
            sql,
            " WHERE TRUE AND mn = ? AND state = ? AND raised_at >= ? \
             ORDER BY raised_at DESC, id DESC LIMIT ?"
        );
        assert_eq!(
            values,
            vec![
                Value::from("3301001"),
                Value::from("active"),
                Value::from(since),
                Value::from(5_i64),
            ]
        );
    }
}
