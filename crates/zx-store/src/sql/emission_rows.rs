//! Row → record mappings of the emissions tables (stacks, alarm rule sets, alarms), each with
//! the columns it reads: what the export reads these tables through, and what the emissions
//! area's reads are meant to share.

use zx_domain::cems::Stack;

use super::Row;
use crate::{
    Alarm, AlarmState, RuleSetDoc, StoreError, StoreResult, StoredStack, factors_from_json,
};

/// The columns of a [`StoredStack`], in the order [`stack_from_row`] reads them.
pub(crate) const STACK_COLUMNS: &str =
    "id, mn, entity, name, password, standard, factors, active, revision, created_at, updated_at";

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

pub(crate) fn alarm_from_row(row: &mut Row) -> StoreResult<Alarm> {
    let state: String = row.get(9)?;
    Ok(Alarm {
        id: row.get(0)?,
        mn: row.get(1)?,
        kind: row.get(2)?,
        code: row.get(3)?,
        raised_at: row.get(4)?,
        value: row.get(5)?,
        limit: row.get(6)?,
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
