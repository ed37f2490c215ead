//! Row → record mappings of the measures' tables (measures, their follow-up, notifications and
//! visits), each with the columns it reads: what the export reads these tables through, and
//! what the measures area's reads are meant to share.

use std::collections::HashMap;

use zx_domain::{EntityCode, MeasureStatus};

use super::{Connection, Row};
use crate::{
    Attachment, Measure, MeasureUpdate, Milestone, Notification, StoreError, StoreResult, Visit,
    params, stored_measure_status, stored_reminder_reason,
};

/// The columns of a [`Measure`], in the order [`measure_from_row`] reads them.
pub(crate) const MEASURE_COLUMNS: &str = "id, entity, title, indicator, owner, start_date, \
     due_date, status, progress, description, expected_effect, visit, revision";

fn measure_status(row: &mut Row, index: usize) -> StoreResult<MeasureStatus> {
    let text: String = row.get(index)?;
    stored_measure_status(&text)
        .ok_or_else(|| StoreError::Corrupt(format!("measure status \"{text}\"")))
}

fn progress(row: &mut Row, index: usize) -> StoreResult<u8> {
    let n: i64 = row.get(index)?;
    u8::try_from(n)
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(|| StoreError::Corrupt(format!("measure progress {n}")))
}

/// Reads a [`Measure`] (without co-owners) from the first columns of `row` (see
/// [`MEASURE_COLUMNS`]).
pub(crate) fn measure_from_row(row: &mut Row) -> StoreResult<Measure> {
    Ok(Measure {
        id: row.get(0)?,
        entity: row.get(1)?,
        title: row.get(2)?,
        indicator: row.get(3)?,
        owner: row.get(4)?,
        start: row.get(5)?,
        due: row.get(6)?,
        status: measure_status(row, 7)?,
        progress: progress(row, 8)?,
        description: row.get(9)?,
        expected_effect: row.get(10)?,
        co_owners: Vec::new(),
        visit: row.get(11)?,
        revision: row.get(12)?,
    })
}

/// The columns of a [`MeasureUpdate`], in the order [`update_from_row`] reads them.
pub(crate) const UPDATE_COLUMNS: &str = "id, measure, created_at, created_by, comment, \
     status_before, status_after, progress_before, progress_after, due_before, due_after";

pub(crate) fn update_from_row(row: &mut Row) -> StoreResult<MeasureUpdate> {
    Ok(MeasureUpdate {
        id: row.get(0)?,
        measure: row.get(1)?,
        at: row.get(2)?,
        by: row.get(3)?,
        comment: row.get(4)?,
        status_before: measure_status(row, 5)?,
        status_after: measure_status(row, 6)?,
        progress_before: progress(row, 7)?,
        progress_after: progress(row, 8)?,
        due_before: row.get(9)?,
        due_after: row.get(10)?,
    })
}

/// The columns of a [`Milestone`], in the order [`milestone_from_row`] reads them.
pub(crate) const MILESTONE_COLUMNS: &str = "id, measure, title, due_date, done_on";

pub(crate) fn milestone_from_row(row: &mut Row) -> StoreResult<Milestone> {
    Ok(Milestone {
        id: row.get(0)?,
        measure: row.get(1)?,
        title: row.get(2)?,
        due: row.get(3)?,
        done_on: row.get(4)?,
    })
}

/// The columns of an [`Attachment`], in the order [`attachment_from_row`] reads them.
pub(crate) const ATTACHMENT_COLUMNS: &str =
    "id, measure, milestone, sha256, file_name, media_type, size, created_at, created_by";

pub(crate) fn attachment_from_row(row: &mut Row) -> StoreResult<Attachment> {
    let size: i64 = row.get(6)?;
    Ok(Attachment {
        id: row.get(0)?,
        measure: row.get(1)?,
        milestone: row.get(2)?,
        sha256: row.get(3)?,
        file_name: row.get(4)?,
        media_type: row.get(5)?,
        size: u64::try_from(size).map_err(|_| StoreError::Corrupt(format!("size {size}")))?,
        at: row.get(7)?,
        by: row.get(8)?,
    })
}

/// The columns of a [`Notification`], in the order [`notification_from_row`] reads them.
pub(crate) const NOTIFICATION_COLUMNS: &str = "id, measure, user_name, reason, created_at, read_at";

pub(crate) fn notification_from_row(row: &mut Row) -> StoreResult<Notification> {
    let reason: String = row.get(3)?;
    Ok(Notification {
        id: row.get(0)?,
        measure: row.get(1)?,
        user: row.get(2)?,
        reason: stored_reminder_reason(&reason)
            .ok_or_else(|| StoreError::Corrupt(format!("notification reason \"{reason}\"")))?,
        created_at: row.get(4)?,
        read_at: row.get(5)?,
    })
}

/// Every visit with the entities it visited (sorted by code), newest first.
pub(crate) async fn load_visits(conn: &mut dyn Connection) -> StoreResult<Vec<Visit>> {
    let rows = conn
        .fetch_all(
            "SELECT id, leader, start_date, end_date, participants, summary, findings,
                    created_at, created_by
             FROM visits ORDER BY start_date DESC, id DESC",
            params![],
        )
        .await?;
    let mut entities: HashMap<i64, Vec<EntityCode>> = HashMap::new();
    for mut row in conn
        .fetch_all(
            "SELECT visit, entity FROM visit_entities ORDER BY visit, entity",
            params![],
        )
        .await?
    {
        let visit: i64 = row.get(0)?;
        entities.entry(visit).or_default().push(row.get(1)?);
    }
    rows.into_iter()
        .map(|mut row| {
            let id: i64 = row.get(0)?;
            Ok(Visit {
                id,
                leader: row.get(1)?,
                start: row.get(2)?,
                end: row.get(3)?,
                entities: entities.remove(&id).unwrap_or_default(),
                participants: row.get(4)?,
                summary: row.get(5)?,
                findings: row.get(6)?,
                at: row.get(7)?,
                by: row.get(8)?,
            })
        })
        .collect()
}
