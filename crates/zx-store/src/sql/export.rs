//! Export: every table read into an [`Archive`], in one snapshot.

use super::accounts::{USER_COLUMNS, user_from_row};
use super::emissions::{
    ALARM_COLUMNS, RULE_SET_COLUMNS, STACK_COLUMNS, alarm_from_row, rule_set_from_row,
    stack_from_row,
};
use super::facts::{AUDIT_COLUMNS, audit_entry_from_row};
use super::measure_rows::{
    ATTACHMENT_COLUMNS, MEASURE_COLUMNS, MILESTONE_COLUMNS, NOTIFICATION_COLUMNS, UPDATE_COLUMNS,
    attachment_from_row, load_visits, measure_from_row, milestone_from_row, notification_from_row,
    update_from_row,
};
use super::workflow::{PERIOD_STATUS_COLUMNS, period_status_from_row};
use chrono::{DateTime, NaiveDate, Utc};
use zx_domain::Decimal;

use super::{Connection, Row, read_all};
use crate::archive::{
    ARCHIVED_TABLES, ArchivedBlob, ArchivedCoOwner, ArchivedEntity, ArchivedFactRevision,
    ArchivedRow, ArchivedSubmission, ArchivedTargetRevision, ArchivedToken, Cell, ColumnKind,
};
use crate::{Archive, StoreResult, params};

/// Reads the whole database through `conn`, a transaction whose statements all see one
/// snapshot, and puts every list in the archive's order ([`Archive::sort`]), so equal databases
/// give equal archives whichever backend holds them.
pub(crate) async fn export(conn: &mut dyn Connection) -> StoreResult<Archive> {
    let mut archive = Archive {
        submissions: read_all(
            conn,
            "SELECT id, kind, file_name, sha256, user_name, submitted_at, row_count, inserted,
                    revised, unchanged FROM submissions",
            params![],
            |row| {
                Ok(ArchivedSubmission {
                    id: row.get(0)?,
                    kind: row.get(1)?,
                    file_name: row.get(2)?,
                    sha256: row.get(3)?,
                    user: row.get(4)?,
                    at: row.get(5)?,
                    rows: row.get(6)?,
                    inserted: row.get(7)?,
                    revised: row.get(8)?,
                    unchanged: row.get(9)?,
                })
            },
        )
        .await?,
        entities: read_all(
            conn,
            "SELECT code, name, parent, kind, region, segment, submission_id FROM entities",
            params![],
            |row| {
                Ok(ArchivedEntity {
                    code: row.get(0)?,
                    name: row.get(1)?,
                    parent: row.get(2)?,
                    kind: row.get(3)?,
                    region: row.get(4)?,
                    segment: row.get(5)?,
                    submission_id: row.get(6)?,
                })
            },
        )
        .await?,
        fact_revisions: read_all(
            conn,
            "SELECT id, entity, period, item, revision, value, basis, submission_id
             FROM fact_revisions",
            params![],
            |row| {
                Ok(ArchivedFactRevision {
                    id: row.get(0)?,
                    entity: row.get(1)?,
                    month: row.get(2)?,
                    item: row.get(3)?,
                    revision: row.get(4)?,
                    value: row.get(5)?,
                    basis: row.get(6)?,
                    submission_id: row.get(7)?,
                })
            },
        )
        .await?,
        target_revisions: read_all(
            conn,
            "SELECT id, entity, year, indicator, revision, value, submission_id, user_name, at
             FROM target_revisions",
            params![],
            |row| {
                Ok(ArchivedTargetRevision {
                    id: row.get(0)?,
                    entity: row.get(1)?,
                    year: row.get(2)?,
                    indicator: row.get(3)?,
                    revision: row.get(4)?,
                    value: row.get(5)?,
                    submission_id: row.get(6)?,
                    user: row.get(7)?,
                    at: row.get(8)?,
                })
            },
        )
        .await?,
        users: read_all(
            conn,
            &format!("SELECT {USER_COLUMNS}, u.password_hash, u.created_at FROM users u"),
            params![],
            |row| Ok((user_from_row(row)?, row.get(5)?, row.get(6)?).into()),
        )
        .await?,
        api_tokens: read_all(
            conn,
            "SELECT token_hash, user_name, created_at, revoked FROM api_tokens",
            params![],
            |row| {
                Ok(ArchivedToken {
                    token_hash: row.get(0)?,
                    user: row.get(1)?,
                    created_at: row.get(2)?,
                    revoked: row.get(3)?,
                })
            },
        )
        .await?,
        period_statuses: read_all(
            conn,
            &format!("SELECT {PERIOD_STATUS_COLUMNS} FROM period_status"),
            params![],
            |row| period_status_from_row(row).map(Into::into),
        )
        .await?,
        audit_log: read_all(
            conn,
            &format!("SELECT {AUDIT_COLUMNS} FROM audit_log"),
            params![],
            |row| audit_entry_from_row(row).map(Into::into),
        )
        .await?,
        measures: read_all(
            conn,
            &format!("SELECT {MEASURE_COLUMNS}, created_at, created_by FROM measures"),
            params![],
            |row| Ok((measure_from_row(row)?, row.get(13)?, row.get(14)?).into()),
        )
        .await?,
        notifications: read_all(
            conn,
            &format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications"),
            params![],
            |row| notification_from_row(row).map(Into::into),
        )
        .await?,
        visits: load_visits(conn)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
        co_owners: read_all(
            conn,
            "SELECT measure, user_name FROM measure_co_owners",
            params![],
            |row| {
                Ok(ArchivedCoOwner {
                    measure: row.get(0)?,
                    user: row.get(1)?,
                })
            },
        )
        .await?,
        measure_updates: read_all(
            conn,
            &format!("SELECT {UPDATE_COLUMNS} FROM measure_updates"),
            params![],
            |row| update_from_row(row).map(Into::into),
        )
        .await?,
        milestones: read_all(
            conn,
            &format!("SELECT {MILESTONE_COLUMNS} FROM milestones"),
            params![],
            |row| milestone_from_row(row).map(Into::into),
        )
        .await?,
        blobs: read_all(
            conn,
            "SELECT sha256, content FROM blobs",
            params![],
            |row| {
                Ok(ArchivedBlob {
                    sha256: row.get(0)?,
                    content: row.get(1)?,
                })
            },
        )
        .await?,
        attachments: read_all(
            conn,
            &format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments"),
            params![],
            |row| attachment_from_row(row).map(Into::into),
        )
        .await?,
        stacks: read_all(
            conn,
            &format!("SELECT {STACK_COLUMNS} FROM stacks"),
            params![],
            |row| stack_from_row(row).map(Into::into),
        )
        .await?,
        alarm_rule_sets: read_all(
            conn,
            &format!("SELECT {RULE_SET_COLUMNS} FROM alarm_rule_sets"),
            params![],
            |row| rule_set_from_row(row).map(Into::into),
        )
        .await?,
        alarms: read_all(
            conn,
            &format!("SELECT {ALARM_COLUMNS} FROM alarms"),
            params![],
            |row| alarm_from_row(row).map(Into::into),
        )
        .await?,
        table_rows: Vec::new(),
    };
    for table in ARCHIVED_TABLES {
        let rows = read_all(
            conn,
            &format!(
                "SELECT {} FROM {} ORDER BY {}",
                table.column_list(),
                table.name,
                table.key.join(", ")
            ),
            params![],
            |row| {
                let cells = table
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, column)| cell(row, i, column.kind))
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok(ArchivedRow { table, cells })
            },
        )
        .await?;
        archive.table_rows.extend(rows);
    }
    archive.sort();
    Ok(archive)
}

/// Column `index` of `row` as an archive cell of `kind`.
fn cell(row: &mut Row, index: usize, kind: ColumnKind) -> StoreResult<Cell> {
    Ok(match kind {
        ColumnKind::Int => row.get::<Option<i64>>(index)?.map(Cell::Int),
        ColumnKind::Text => row.get::<Option<String>>(index)?.map(Cell::Text),
        ColumnKind::Decimal => row.get::<Option<Decimal>>(index)?.map(Cell::decimal),
        ColumnKind::Date => row.get::<Option<NaiveDate>>(index)?.map(Cell::Date),
        ColumnKind::Time => row.get::<Option<DateTime<Utc>>>(index)?.map(Cell::Time),
        ColumnKind::Bool => row.get::<Option<bool>>(index)?.map(Cell::Bool),
    }
    .unwrap_or(Cell::Null))
}
