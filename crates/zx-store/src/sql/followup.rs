//! Following measures up over SQL: milestones, evidence (attachments) and visits. Each write
//! runs in the caller's transaction, which holds the writer lock; [`super::measures`] opens and
//! commits it.

use chrono::{DateTime, NaiveDate, Utc};
use zx_domain::EntityCode;

use super::accounts::entity_exists;
use super::measure_rows::{ATTACHMENT_COLUMNS, attachment_from_row, milestone_from_row};
use super::measures::{insert_measures, insert_returning, load_measure, measure_refs};
use super::{Connection, Dialect, audit, date_text};
use crate::{
    Attachment, Milestone, NewAttachment, NewMeasure, NewVisit, StoreError, StoreResult,
    content_sha256, describe_attachment, describe_measure_object, describe_milestone,
    describe_milestone_object, describe_visit, describe_visit_object, params,
};

async fn require_measure(conn: &mut dyn Connection, measure: i64) -> StoreResult<()> {
    match load_measure(conn, measure).await? {
        Some(_) => Ok(()),
        None => Err(StoreError::Invalid(format!("no measure {measure}"))),
    }
}

/// Adds a milestone (`title` already trimmed and not empty) with its audit line.
pub(super) async fn add_milestone(
    conn: &mut dyn Connection,
    measure: i64,
    title: &str,
    due: NaiveDate,
    user: &str,
    at: DateTime<Utc>,
) -> StoreResult<i64> {
    require_measure(conn, measure).await?;
    let id: i64 = insert_returning(
        conn,
        "INSERT INTO milestones (measure, title, due_date) VALUES (?, ?, ?) RETURNING id",
        params![measure, title, due],
    )
    .await?
    .get(0)?;
    audit(
        conn,
        at,
        user,
        "milestone.create",
        &describe_milestone_object(id),
        None,
        Some(describe_milestone(measure, title, due)),
        None,
    )
    .await?;
    Ok(id)
}

/// Marks a milestone reached, with its audit line (old value: the date it was reached before).
pub(super) async fn complete_milestone(
    conn: &mut dyn Connection,
    milestone: i64,
    done_on: NaiveDate,
    user: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let Some(mut row) = conn
        .fetch_optional(
            "SELECT done_on FROM milestones WHERE id = ?",
            params![milestone],
        )
        .await?
    else {
        return Err(StoreError::Invalid(format!("no milestone {milestone}")));
    };
    let before: Option<NaiveDate> = row.get(0)?;
    conn.execute(
        "UPDATE milestones SET done_on = ? WHERE id = ?",
        params![done_on, milestone],
    )
    .await?;
    audit(
        conn,
        at,
        user,
        "milestone.done",
        &describe_milestone_object(milestone),
        before.map(date_text),
        Some(date_text(done_on)),
        None,
    )
    .await
}

pub(super) async fn milestones(
    conn: &mut dyn Connection,
    measure: Option<i64>,
) -> StoreResult<Vec<Milestone>> {
    conn.fetch_all(
        "SELECT id, measure, title, due_date, done_on FROM milestones
         WHERE ? IS NULL OR measure = ? ORDER BY due_date, id",
        params![measure, measure],
    )
    .await?
    .into_iter()
    .map(|mut row| milestone_from_row(&mut row))
    .collect()
}

/// Stores evidence: its content once per SHA-256, an attachment row, an audit line.
pub(super) async fn add_attachment(
    conn: &mut dyn Connection,
    attachment: NewAttachment,
    user: &str,
    at: DateTime<Utc>,
) -> StoreResult<Attachment> {
    let sha256 = content_sha256(&attachment.content);
    require_measure(conn, attachment.measure).await?;
    if let Some(milestone) = attachment.milestone {
        let of: Option<i64> = match conn
            .fetch_optional(
                "SELECT measure FROM milestones WHERE id = ?",
                params![milestone],
            )
            .await?
        {
            Some(mut row) => Some(row.get(0)?),
            None => None,
        };
        if of != Some(attachment.measure) {
            return Err(StoreError::Invalid(format!(
                "milestone {milestone} is not one of measure {}",
                attachment.measure
            )));
        }
    }
    conn.execute(
        "INSERT INTO blobs (sha256, content) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
        params![&sha256, attachment.content.as_slice()],
    )
    .await?;
    let size = attachment.content.len() as u64;
    // RETURNING created_at: the time as it reads back (microseconds), not as given.
    let mut row = insert_returning(
        conn,
        "INSERT INTO attachments (measure, milestone, sha256, file_name, media_type, size,
           created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         RETURNING id, created_at",
        params![
            attachment.measure,
            attachment.milestone,
            &sha256,
            &attachment.file_name,
            &attachment.media_type,
            i64::try_from(size).unwrap_or(i64::MAX),
            at,
            user
        ],
    )
    .await?;
    let stored = Attachment {
        id: row.get(0)?,
        measure: attachment.measure,
        milestone: attachment.milestone,
        sha256,
        file_name: attachment.file_name,
        media_type: attachment.media_type,
        size,
        at: row.get(1)?,
        by: user.to_owned(),
    };
    audit(
        conn,
        at,
        user,
        "attachment.add",
        &describe_measure_object(stored.measure),
        None,
        Some(describe_attachment(&stored)),
        None,
    )
    .await?;
    Ok(stored)
}

pub(super) async fn attachments(
    conn: &mut dyn Connection,
    measure: Option<i64>,
) -> StoreResult<Vec<Attachment>> {
    let sql = format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE ? IS NULL OR measure = ? ORDER BY id"
    );
    conn.fetch_all(&sql, params![measure, measure])
        .await?
        .into_iter()
        .map(|mut row| attachment_from_row(&mut row))
        .collect()
}

/// An attachment and its content. A blob is written before any attachment naming it and never
/// deleted, so the two reads need no common snapshot.
pub(super) async fn attachment_content(
    conn: &mut dyn Connection,
    id: i64,
) -> StoreResult<Option<(Attachment, Vec<u8>)>> {
    let sql = format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = ?");
    let Some(mut row) = conn.fetch_optional(&sql, params![id]).await? else {
        return Ok(None);
    };
    let attachment = attachment_from_row(&mut row)?;
    let content: Vec<u8> = conn
        .fetch_optional(
            "SELECT content FROM blobs WHERE sha256 = ?",
            params![&attachment.sha256],
        )
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("no content {}", attachment.sha256)))?
        .get(0)?;
    Ok(Some((attachment, content)))
}

/// Records a checked visit ([`crate::check_new_visit`]) and its requirements as measures of it.
pub(super) async fn create_visit(
    conn: &mut dyn Connection,
    dialect: &Dialect,
    visit: NewVisit,
    user: &str,
    at: DateTime<Utc>,
) -> StoreResult<(i64, Vec<i64>)> {
    for entity in &visit.entities {
        if !entity_exists(conn, entity).await? {
            return Err(StoreError::Invalid(format!(
                "the visit names the unknown entity {entity}"
            )));
        }
    }
    let refs = measure_refs(conn).await?;
    for (index, m) in visit.requirements.iter().enumerate() {
        refs.check(index, m)?;
    }
    let id: i64 = insert_returning(
        conn,
        "INSERT INTO visits (leader, start_date, end_date, participants, summary, findings,
           created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        params![
            visit.leader.trim(),
            visit.start,
            visit.end,
            &visit.participants,
            &visit.summary,
            &visit.findings,
            at,
            user
        ],
    )
    .await?
    .get(0)?;
    let mut entities: Vec<&EntityCode> = visit.entities.iter().collect();
    entities.sort();
    entities.dedup();
    let entity_rows = entities
        .into_iter()
        .map(|entity| params![id, entity])
        .collect();
    conn.insert_rows("visit_entities (visit, entity)", "", entity_rows)
        .await?;
    audit(
        conn,
        at,
        user,
        "visit.create",
        &describe_visit_object(id),
        None,
        Some(describe_visit(&visit)),
        None,
    )
    .await?;
    let requirements: Vec<NewMeasure> = visit
        .requirements
        .into_iter()
        .map(|r| NewMeasure {
            visit: Some(id),
            ..r
        })
        .collect();
    let ids = insert_measures(conn, dialect, &requirements, user, at).await?;
    Ok((id, ids))
}
