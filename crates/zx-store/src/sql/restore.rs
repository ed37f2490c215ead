//! Restore: an [`Archive`] written into an empty database, with its ids, in one transaction.

use super::emissions::{ALARM_COLUMNS, RULE_SET_COLUMNS, STACK_COLUMNS};
use super::measure_rows::{
    ATTACHMENT_COLUMNS, MEASURE_COLUMNS, MILESTONE_COLUMNS, NOTIFICATION_COLUMNS, UPDATE_COLUMNS,
};
use std::str::FromStr;

use zx_domain::Decimal;

use super::{Connection, Dialect, Value};
use crate::archive::{ARCHIVED_TABLES, Archive, Cell, ColumnKind};
use crate::{StoreError, StoreResult, factors_to_json, params};

/// Every table holding data (sessions included): a database to restore into must have none.
/// The first table found with rows is named, so the order is part of the message. A new
/// table belongs here and in the archive (a typed record, or a row of
/// [`ARCHIVED_TABLES`]); the backends' schema tests fail on a table that is in neither list.
pub const DATA_TABLES: &[&str] = &[
    "submissions",
    "entities",
    "fact_revisions",
    "facts",
    "target_revisions",
    "targets",
    "users",
    "api_tokens",
    "sessions",
    "period_status",
    "audit_log",
    "measures",
    "notifications",
    "visits",
    "visit_entities",
    "measure_co_owners",
    "measure_updates",
    "milestones",
    "blobs",
    "attachments",
    "safety_risks",
    "site_exposures",
    "natural_warnings",
    "warning_alerts",
    "warning_escalations",
    "stacks",
    "alarm_rule_sets",
    "alarms",
    "hazards",
    "hazard_steps",
    "hazard_attachments",
    "hazard_notifications",
    "hazard_deliveries",
    "safety_plans",
    "safety_drills",
    "safety_people",
    "safety_training",
    "safety_certificates",
    "safety_planned_drills",
    "safety_drill_reminders",
    "safety_drill_reports",
    "safety_drill_improvements",
    "benchmark_references",
    "rnd_projects",
    "rnd_budgets",
    "rnd_spend",
    "rnd_partners",
    "manager_terms",
    "manager_term_years",
    "manager_attachments",
    "manager_reminders",
    "practices",
    "practice_revisions",
    "practice_recommendations",
    "practice_attachments",
    "practice_notifications",
    "report_schedules",
    "sent_reports",
];

/// Tables whose `id` the database hands out: a restore writes the archive's ids into them, and
/// later inserts must continue after the highest ([`Dialect::continue_identity`]).
const IDENTITY_TABLES: [&str; 12] = [
    "submissions",
    "fact_revisions",
    "target_revisions",
    "audit_log",
    "measures",
    "notifications",
    "visits",
    "measure_updates",
    "milestones",
    "attachments",
    "stacks",
    "alarms",
];

/// A count or size as the databases store it (`BIGINT`).
fn stored_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `table (columns)` of an insert whose rows bring their ids for the identity column.
fn with_ids(dialect: &Dialect, table_and_columns: &str) -> String {
    format!("{table_and_columns}{}", dialect.identity_override)
}

/// `Invalid` naming the first table of [`DATA_TABLES`] that has a row.
async fn refuse_unless_empty(conn: &mut dyn Connection) -> StoreResult<()> {
    for table in DATA_TABLES {
        let found = conn
            .fetch_optional(&format!("SELECT 1 FROM {table} LIMIT 1"), params![])
            .await?;
        if found.is_some() {
            return Err(StoreError::Invalid(format!(
                "the database is not empty (its {table} table has rows): restore only into a new database"
            )));
        }
    }
    Ok(())
}

/// Writes `archive` (already checked, [`Archive::check`]) through `conn`, a writer-lock
/// transaction the caller commits. Parents before the rows that refer to them.
pub(crate) async fn restore(
    conn: &mut dyn Connection,
    dialect: &Dialect,
    archive: &Archive,
) -> StoreResult<()> {
    refuse_unless_empty(conn).await?;
    conn.insert_rows(
        &with_ids(
            dialect,
            "submissions (id, kind, file_name, sha256, user_name, submitted_at, row_count, \
             inserted, revised, unchanged)",
        ),
        "",
        archive
            .submissions
            .iter()
            .map(|s| {
                params![
                    s.id,
                    &s.kind,
                    &s.file_name,
                    &s.sha256,
                    &s.user,
                    s.at,
                    stored_count(s.rows),
                    stored_count(s.inserted),
                    stored_count(s.revised),
                    stored_count(s.unchanged)
                ]
            })
            .collect(),
    )
    .await?;
    conn.insert_rows(
        "entities (code, name, parent, kind, region, segment, submission_id)",
        "",
        archive
            .entities
            .iter()
            .map(|e| {
                params![
                    &e.code,
                    &e.name,
                    e.parent.as_ref(),
                    e.kind.as_str(),
                    &e.region,
                    &e.segment,
                    e.submission_id
                ]
            })
            .collect(),
    )
    .await?;
    conn.insert_rows(
        &with_ids(
            dialect,
            "fact_revisions (id, entity, period, item, revision, value, basis, submission_id)",
        ),
        "",
        archive
            .fact_revisions
            .iter()
            .map(|r| {
                params![
                    r.id,
                    &r.entity,
                    r.month,
                    &r.item,
                    r.revision,
                    r.value,
                    r.basis,
                    r.submission_id
                ]
            })
            .collect(),
    )
    .await?;
    conn.insert_rows(
        &with_ids(
            dialect,
            "target_revisions (id, entity, year, indicator, revision, value, submission_id, \
             user_name, at)",
        ),
        "",
        archive
            .target_revisions
            .iter()
            .map(|r| {
                params![
                    r.id,
                    &r.entity,
                    r.year,
                    &r.indicator,
                    r.revision,
                    r.value,
                    r.submission_id,
                    &r.user,
                    r.at
                ]
            })
            .collect(),
    )
    .await?;
    // The values in force are the highest revisions (imports and edits only ever add one).
    conn.execute(
        "INSERT INTO facts (entity, period, item, value, basis, revision, submission_id)
         SELECT r.entity, r.period, r.item, r.value, r.basis, r.revision, r.submission_id
         FROM fact_revisions r
         JOIN (SELECT entity, period, item, MAX(revision) AS revision FROM fact_revisions
               GROUP BY entity, period, item) m USING (entity, period, item, revision)",
        params![],
    )
    .await?;
    super::fact_blocks::rebuild(conn).await?;
    conn.execute(
        "INSERT INTO targets (entity, year, indicator, value, revision, submission_id)
         SELECT r.entity, r.year, r.indicator, r.value, r.revision, r.submission_id
         FROM target_revisions r
         JOIN (SELECT entity, year, indicator, MAX(revision) AS revision FROM target_revisions
               GROUP BY entity, year, indicator) m USING (entity, year, indicator, revision)",
        params![],
    )
    .await?;
    conn.insert_rows(
        "users (name, role, entity, password_hash, disabled, created_at, email)",
        "",
        archive
            .users
            .iter()
            .map(|u| {
                params![
                    &u.name,
                    u.role.as_str(),
                    u.entity.as_ref(),
                    &u.password_hash,
                    u.disabled,
                    u.created_at,
                    u.email.as_ref()
                ]
            })
            .collect(),
    )
    .await?;
    conn.insert_rows(
        "api_tokens (token_hash, user_name, created_at, revoked)",
        "",
        archive
            .api_tokens
            .iter()
            .map(|t| params![&t.token_hash, &t.user, t.created_at, t.revoked])
            .collect(),
    )
    .await?;
    conn.insert_rows(
        "period_status (entity, period, state, comment, user_name, at)",
        "",
        archive
            .period_statuses
            .iter()
            .map(|p| {
                params![
                    &p.entity,
                    p.month,
                    p.state.as_str(),
                    p.comment.as_ref(),
                    &p.user,
                    p.at
                ]
            })
            .collect(),
    )
    .await?;
    conn.insert_rows(
        &with_ids(
            dialect,
            "audit_log (id, at, user_name, action, object, old_value, new_value, submission_id)",
        ),
        "",
        archive
            .audit_log
            .iter()
            .map(|a| {
                params![
                    a.id,
                    a.at,
                    &a.user,
                    &a.action,
                    &a.object,
                    a.old_value.as_ref(),
                    a.new_value.as_ref(),
                    a.submission_id
                ]
            })
            .collect(),
    )
    .await?;
    restore_measures(conn, dialect, archive).await?;
    restore_emissions(conn, dialect, archive).await?;
    restore_table_rows(conn, dialect, archive).await?;
    if !dialect.continue_identity.is_empty() {
        let archived = ARCHIVED_TABLES
            .iter()
            .filter(|t| t.identity)
            .map(|t| t.name);
        for table in IDENTITY_TABLES.into_iter().chain(archived) {
            conn.execute(
                &dialect.continue_identity.replace("{table}", table),
                params![],
            )
            .await?;
        }
    }
    Ok(())
}

/// Visits, measures and their follow-up: visits before the measures that name them,
/// milestones and evidence content before the attachments that refer to them.
async fn restore_measures(
    conn: &mut dyn Connection,
    dialect: &Dialect,
    archive: &Archive,
) -> StoreResult<()> {
    conn.insert_rows(
        &with_ids(
            dialect,
            "visits (id, leader, start_date, end_date, participants, summary, findings, \
             created_at, created_by)",
        ),
        "",
        archive
            .visits
            .iter()
            .map(|v| {
                params![
                    v.id,
                    &v.leader,
                    v.start,
                    v.end,
                    &v.participants,
                    &v.summary,
                    &v.findings,
                    v.created_at,
                    &v.created_by
                ]
            })
            .collect(),
    )
    .await?;
    conn.insert_rows(
        "visit_entities (visit, entity)",
        "",
        archive
            .visits
            .iter()
            .flat_map(|v| v.entities.iter().map(|e| params![v.id, e]))
            .collect(),
    )
    .await?;
    conn.insert_rows(
        &with_ids(
            dialect,
            &format!("measures ({MEASURE_COLUMNS}, created_at, created_by)"),
        ),
        "",
        archive
            .measures
            .iter()
            .map(|m| {
                params![
                    m.id,
                    &m.entity,
                    &m.title,
                    m.indicator.as_ref(),
                    &m.owner,
                    m.start,
                    m.due,
                    m.status.as_str(),
                    m.progress,
                    &m.description,
                    &m.expected_effect,
                    m.visit,
                    m.revision,
                    m.created_at,
                    &m.created_by
                ]
            })
            .collect(),
    )
    .await?;
    conn.insert_rows(
        &with_ids(dialect, &format!("notifications ({NOTIFICATION_COLUMNS})")),
        "",
        archive
            .notifications
            .iter()
            .map(|n| {
                params![
                    n.id,
                    n.measure,
                    &n.user,
                    n.reason.as_str(),
                    n.created_at,
                    n.read_at
                ]
            })
            .collect(),
    )
    .await?;
    conn.insert_rows(
        "measure_co_owners (measure, user_name)",
        "",
        archive
            .co_owners
            .iter()
            .map(|c| params![c.measure, &c.user])
            .collect(),
    )
    .await?;
    conn.insert_rows(
        &with_ids(dialect, &format!("measure_updates ({UPDATE_COLUMNS})")),
        "",
        archive
            .measure_updates
            .iter()
            .map(|u| {
                params![
                    u.id,
                    u.measure,
                    u.at,
                    &u.by,
                    &u.comment,
                    u.status_before.as_str(),
                    u.status_after.as_str(),
                    u.progress_before,
                    u.progress_after,
                    u.due_before,
                    u.due_after
                ]
            })
            .collect(),
    )
    .await?;
    conn.insert_rows(
        &with_ids(dialect, &format!("milestones ({MILESTONE_COLUMNS})")),
        "",
        archive
            .milestones
            .iter()
            .map(|m| params![m.id, m.measure, &m.title, m.due, m.done_on])
            .collect(),
    )
    .await?;
    // One statement per file: evidence may be large, a batch of it too large for a message.
    for b in &archive.blobs {
        conn.execute(
            "INSERT INTO blobs (sha256, content) VALUES (?, ?)",
            params![&b.sha256, b.content.clone()],
        )
        .await?;
    }
    conn.insert_rows(
        &with_ids(dialect, &format!("attachments ({ATTACHMENT_COLUMNS})")),
        "",
        archive
            .attachments
            .iter()
            .map(|a| {
                params![
                    a.id,
                    a.measure,
                    a.milestone,
                    &a.sha256,
                    &a.file_name,
                    &a.media_type,
                    stored_count(a.size),
                    a.created_at,
                    &a.created_by
                ]
            })
            .collect(),
    )
    .await
}

/// Stacks, rule sets and alarms, after the entities they belong to.
async fn restore_emissions(
    conn: &mut dyn Connection,
    dialect: &Dialect,
    archive: &Archive,
) -> StoreResult<()> {
    conn.insert_rows(
        &with_ids(dialect, &format!("stacks ({STACK_COLUMNS})")),
        "",
        archive
            .stacks
            .iter()
            .map(|s| {
                params![
                    s.id,
                    &s.mn,
                    &s.entity,
                    &s.name,
                    &s.password,
                    &s.standard,
                    factors_to_json(&s.factors),
                    s.active,
                    s.revision,
                    s.created_at,
                    s.updated_at
                ]
            })
            .collect(),
    )
    .await?;
    conn.insert_rows(
        &format!("alarm_rule_sets ({RULE_SET_COLUMNS})"),
        "",
        archive
            .alarm_rule_sets
            .iter()
            .map(|r| params![&r.scope, &r.body, r.revision, &r.updated_by, r.updated_at])
            .collect(),
    )
    .await?;
    conn.insert_rows(
        &with_ids(dialect, &format!("alarms ({ALARM_COLUMNS})")),
        "",
        archive
            .alarms
            .iter()
            .map(|a| {
                params![
                    a.id,
                    &a.mn,
                    &a.kind,
                    a.code.as_ref(),
                    a.raised_at,
                    a.value,
                    a.limit,
                    &a.message_zh,
                    &a.message_en,
                    a.state.as_str(),
                    a.acknowledged_by.as_ref(),
                    a.acknowledged_at,
                    a.note.as_ref(),
                    a.cleared_at
                ]
            })
            .collect(),
    )
    .await
}

/// The rows of [`ARCHIVED_TABLES`], table by table in their order (parents first).
async fn restore_table_rows(
    conn: &mut dyn Connection,
    dialect: &Dialect,
    archive: &Archive,
) -> StoreResult<()> {
    for table in ARCHIVED_TABLES {
        let rows: Vec<Vec<Value>> = archive
            .table_rows
            .iter()
            .filter(|r| r.table.name == table.name)
            .map(|r| {
                table
                    .columns
                    .iter()
                    .zip(&r.cells)
                    .map(|(column, cell)| value(column.kind, cell))
                    .collect::<StoreResult<Vec<_>>>()
            })
            .collect::<StoreResult<_>>()?;
        if rows.is_empty() {
            continue;
        }
        let into = format!("{} ({})", table.name, table.column_list());
        let into = if table.identity {
            with_ids(dialect, &into)
        } else {
            into
        };
        conn.insert_rows(&into, "", rows).await?;
    }
    Ok(())
}

/// An archive cell as the parameter of a column of `kind` (a NULL typed as the column).
fn value(kind: ColumnKind, cell: &Cell) -> StoreResult<Value> {
    Ok(match (kind, cell) {
        (ColumnKind::Int, Cell::Null) => Value::Int(None),
        (ColumnKind::Text, Cell::Null) => Value::Text(None),
        (ColumnKind::Decimal, Cell::Null) => Value::Decimal(None),
        (ColumnKind::Date, Cell::Null) => Value::Date(None),
        (ColumnKind::Time, Cell::Null) => Value::Time(None),
        (ColumnKind::Bool, Cell::Null) => Value::Bool(None),
        (ColumnKind::Int, Cell::Int(n)) => Value::Int(Some(*n)),
        (ColumnKind::Text, Cell::Text(t)) => Value::Text(Some(t.clone())),
        (ColumnKind::Decimal, Cell::Decimal(t)) => Value::Decimal(Some(
            Decimal::from_str(t).map_err(|_| StoreError::Invalid(format!("decimal \"{t}\"")))?,
        )),
        (ColumnKind::Date, Cell::Date(d)) => Value::Date(Some(*d)),
        (ColumnKind::Time, Cell::Time(t)) => Value::Time(Some(*t)),
        (ColumnKind::Bool, Cell::Bool(b)) => Value::Bool(Some(*b)),
        (kind, cell) => {
            return Err(StoreError::Invalid(format!(
                "an archived {cell:?} in a column of kind {kind:?}"
            )));
        }
    })
}
