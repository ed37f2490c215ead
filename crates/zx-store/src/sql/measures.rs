//! MeasureStore over SQL: improvement measures, their notifications and updates. Milestones,
//! evidence and visits are in [`super::followup`].

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use zx_domain::Measure;

use super::measure_rows::{
    self, MEASURE_COLUMNS, UPDATE_COLUMNS, measure_from_row, notification_from_row, update_from_row,
};
use super::{
    AUDIT_INTO, Backend, Connection, Dialect, Row, SqlStore, Value, audit, audit_row, followup,
};
use crate::{
    Attachment, ImportedMeasure, MeasureChange, MeasureOutcome, MeasureRefs, MeasureStore,
    MeasureUpdate, MeasuresImported, Milestone, NOTIFICATION_SENDER, NewAttachment, NewMeasure,
    NewNotification, NewVisit, Notification, PlannedMeasure, StoreError, StoreResult, Visit,
    check_new_measure, describe_co_owners, describe_measure, describe_measure_fields,
    describe_measure_object, describe_measure_state, describe_measure_update,
    describe_measures_file, describe_measures_import, describe_notification, params,
    plan_measure_import,
};

/// One measure with its co-owners. Co-owners change only under the writer lock with the
/// measure's revision bumped: a reader between the two reads may pair the new list with the
/// old revision, which the next write's revision check refuses.
pub(super) async fn load_measure(
    conn: &mut dyn Connection,
    id: i64,
) -> StoreResult<Option<Measure>> {
    let sql = format!("SELECT {MEASURE_COLUMNS} FROM measures WHERE id = ?");
    let Some(mut row) = conn.fetch_optional(&sql, params![id]).await? else {
        return Ok(None);
    };
    let mut measure = measure_from_row(&mut row)?;
    measure.co_owners = conn
        .fetch_all(
            "SELECT user_name FROM measure_co_owners WHERE measure = ? ORDER BY user_name",
            params![id],
        )
        .await?
        .into_iter()
        .map(|mut row| row.get(0))
        .collect::<StoreResult<_>>()?;
    Ok(Some(measure))
}

/// What new measures are checked against (entities, accounts), read once in the writing
/// transaction: a 20,000-row list would otherwise cost two queries a row.
pub(super) async fn measure_refs(conn: &mut dyn Connection) -> StoreResult<MeasureRefs> {
    let entities = conn
        .fetch_all("SELECT code FROM entities", params![])
        .await?
        .into_iter()
        .map(|mut row| row.get(0))
        .collect::<StoreResult<_>>()?;
    let users = conn
        .fetch_all("SELECT name, disabled FROM users", params![])
        .await?
        .into_iter()
        .map(|mut row| Ok((row.get(0)?, row.get(1)?)))
        .collect::<StoreResult<_>>()?;
    Ok(MeasureRefs { entities, users })
}

/// Inserts checked measures with their co-owners and `measure.create` audit lines, in list
/// order; returns their ids. The caller holds the writer lock.
///
/// The ids are reserved first ([`Dialect::reserve_ids`], sorted so they follow the list) so
/// that rows, co-owners and audit lines each go in bulk inserts: one statement per row made a
/// 20,000-measure list take seconds.
pub(super) async fn insert_measures(
    conn: &mut dyn Connection,
    dialect: &Dialect,
    measures: &[NewMeasure],
    user: &str,
    at: DateTime<Utc>,
) -> StoreResult<Vec<i64>> {
    if measures.is_empty() {
        return Ok(Vec::new());
    }
    let count = i64::try_from(measures.len())
        .map_err(|_| StoreError::Invalid(format!("{} measures at once", measures.len())))?;
    let mut ids: Vec<i64> = conn
        .fetch_all(&dialect.reserve_ids("measures"), params![count])
        .await?
        .into_iter()
        .map(|mut row| row.get(0))
        .collect::<StoreResult<_>>()?;
    if ids.len() != measures.len() {
        return Err(StoreError::Database(format!(
            "{} ids reserved for {} measures",
            ids.len(),
            measures.len()
        )));
    }
    ids.sort_unstable();
    let measure_rows = ids
        .iter()
        .zip(measures)
        .map(|(id, m)| {
            params![
                *id,
                &m.entity,
                &m.title,
                m.indicator.as_ref(),
                &m.owner,
                m.start,
                m.due,
                m.status.as_str(),
                m.progress,
                at,
                user,
                &m.description,
                &m.expected_effect,
                m.visit
            ]
        })
        .collect();
    conn.insert_rows(
        &format!(
            "measures (id, entity, title, indicator, owner, start_date, due_date, status, \
             progress, created_at, created_by, description, expected_effect, visit){}",
            dialect.identity_override
        ),
        "",
        measure_rows,
    )
    .await?;
    let mut co_owner_rows = Vec::new();
    for (id, m) in ids.iter().zip(measures) {
        let mut names: Vec<&String> = m.co_owners.iter().collect();
        names.sort_unstable();
        names.dedup();
        co_owner_rows.extend(names.into_iter().map(|name| params![*id, name]));
    }
    conn.insert_rows("measure_co_owners (measure, user_name)", "", co_owner_rows)
        .await?;
    let audit_rows = ids
        .iter()
        .zip(measures)
        .map(|(id, m)| {
            audit_row(
                at,
                user,
                "measure.create",
                describe_measure_object(*id),
                None,
                Some(describe_measure(m)),
                None,
            )
        })
        .collect();
    conn.insert_rows(AUDIT_INTO, "", audit_rows).await?;
    Ok(ids)
}

/// Revises a stored measure with a list's row ([`MeasureStore::import_measure_list`]): the
/// listed fields, the revision bumped, a [`MeasureUpdate`] commented with the file's name so the
/// measure's history shows it, and a `measure.revise` audit line with old and new fields. The
/// caller holds the writer lock.
async fn revise_from_list(
    conn: &mut dyn Connection,
    old: &Measure,
    new: &NewMeasure,
    file_name: &str,
    user: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE measures SET title = ?, indicator = ?, owner = ?, start_date = ?, due_date = ?,
         status = ?, progress = ?, revision = revision + 1 WHERE id = ?",
        params![
            &new.title,
            new.indicator.as_ref(),
            &new.owner,
            new.start,
            new.due,
            new.status.as_str(),
            new.progress,
            old.id
        ],
    )
    .await?;
    conn.execute(
        &format!(
            "INSERT INTO measure_updates ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            UPDATE_COLUMNS.trim_start_matches("id, ")
        ),
        params![
            old.id,
            at,
            user,
            file_name,
            old.status.as_str(),
            new.status.as_str(),
            old.progress,
            new.progress,
            old.due,
            new.due
        ],
    )
    .await?;
    audit(
        conn,
        at,
        user,
        "measure.revise",
        &describe_measure_object(old.id),
        Some(describe_measure_fields(
            &old.title,
            old.indicator.as_deref(),
            &old.owner,
            old.start,
            old.due,
            old.status,
            old.progress,
        )),
        Some(describe_measure_fields(
            &new.title,
            new.indicator.as_deref(),
            &new.owner,
            new.start,
            new.due,
            new.status,
            new.progress,
        )),
        None,
    )
    .await
}

/// The first (or only) row of an `INSERT … RETURNING`.
pub(super) async fn insert_returning(
    conn: &mut dyn Connection,
    sql: &str,
    params: Vec<Value>,
) -> StoreResult<Row> {
    conn.fetch_optional(sql, params)
        .await?
        .ok_or_else(|| StoreError::Database("an INSERT … RETURNING returned no row".into()))
}

#[async_trait]
impl<B: Backend> MeasureStore for SqlStore<B> {
    async fn import_measure_list(
        &self,
        list: Vec<ImportedMeasure>,
        file_name: &str,
        sha256: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<MeasuresImported> {
        for (index, row) in list.iter().enumerate() {
            check_new_measure(index, &row.measure)?;
        }
        // The writer lock: nobody disables an owner, changes an entity or revises a measure
        // between the checks, the matching and the writes.
        let mut tx = self.backend.write().await?;
        let refs = measure_refs(&mut *tx).await?;
        for (index, row) in list.iter().enumerate() {
            refs.check(index, &row.measure)?;
        }
        let sql = format!("SELECT {MEASURE_COLUMNS} FROM measures ORDER BY id");
        let stored: Vec<Measure> = tx
            .fetch_all(&sql, params![])
            .await?
            .into_iter()
            .map(|mut row| measure_from_row(&mut row))
            .collect::<StoreResult<_>>()?;
        let plan = plan_measure_import(&stored, &list).map_err(|e| {
            StoreError::Invalid(format!(
                "measure {} ({}): {}",
                e.index + 1,
                list[e.index].measure.title,
                e.message
            ))
        })?;
        let new: Vec<NewMeasure> = list
            .iter()
            .zip(&plan)
            .filter(|(_, p)| **p == PlannedMeasure::Create)
            .map(|(row, _)| row.measure.clone())
            .collect();
        let mut created = insert_measures(&mut *tx, self.backend.dialect(), &new, user, at)
            .await?
            .into_iter();
        let mut ids = Vec::with_capacity(list.len());
        let mut outcomes = Vec::with_capacity(list.len());
        for (row, planned) in list.iter().zip(plan) {
            match planned {
                PlannedMeasure::Create => {
                    ids.push(created.next().ok_or_else(|| {
                        StoreError::Database("fewer ids than new measures".into())
                    })?);
                    outcomes.push(MeasureOutcome::Created);
                }
                PlannedMeasure::Unchanged(id) => {
                    ids.push(id);
                    outcomes.push(MeasureOutcome::Unchanged);
                }
                PlannedMeasure::Revise(old) => {
                    revise_from_list(&mut *tx, &old, &row.measure, file_name, user, at).await?;
                    ids.push(old.id);
                    outcomes.push(MeasureOutcome::Revised);
                }
            }
        }
        audit(
            &mut *tx,
            at,
            user,
            "measures.import",
            &describe_measures_file(file_name),
            None,
            Some(describe_measures_import(list.len(), sha256)),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(MeasuresImported { ids, outcomes })
    }

    async fn measures(&self) -> StoreResult<Vec<Measure>> {
        let mut conn = self.backend.read().await?;
        let sql = format!("SELECT {MEASURE_COLUMNS} FROM measures ORDER BY id");
        let mut measures: Vec<Measure> = conn
            .fetch_all(&sql, params![])
            .await?
            .into_iter()
            .map(|mut row| measure_from_row(&mut row))
            .collect::<StoreResult<_>>()?;
        // Co-owners never change after their measure is written: no snapshot needed.
        let mut co_owners: HashMap<i64, Vec<String>> = HashMap::new();
        for mut row in conn
            .fetch_all(
                "SELECT measure, user_name FROM measure_co_owners ORDER BY measure, user_name",
                params![],
            )
            .await?
        {
            co_owners.entry(row.get(0)?).or_default().push(row.get(1)?);
        }
        for m in &mut measures {
            if let Some(list) = co_owners.remove(&m.id) {
                m.co_owners = list;
            }
        }
        Ok(measures)
    }

    async fn record_notifications(
        &self,
        list: Vec<NewNotification>,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<NewNotification>> {
        // The writer lock: two runs at once cannot both see a notification as new.
        let mut tx = self.backend.write().await?;
        let mut sent = Vec::new();
        for n in list {
            let measure = tx
                .fetch_optional("SELECT id FROM measures WHERE id = ?", params![n.measure])
                .await?;
            if measure.is_none() {
                return Err(StoreError::Invalid(format!("no measure {}", n.measure)));
            }
            let inserted = tx
                .execute(
                    "INSERT INTO notifications (measure, user_name, reason, created_at)
                     VALUES (?, ?, ?, ?)
                     ON CONFLICT (measure, user_name, reason) DO NOTHING",
                    params![n.measure, &n.user, n.reason.as_str(), at],
                )
                .await?;
            if inserted == 0 {
                continue;
            }
            audit(
                &mut *tx,
                at,
                NOTIFICATION_SENDER,
                "notification.send",
                &describe_measure_object(n.measure),
                None,
                Some(describe_notification(&n)),
                None,
            )
            .await?;
            sent.push(n);
        }
        tx.commit().await?;
        Ok(sent)
    }

    async fn notifications(&self, user: &str) -> StoreResult<Vec<Notification>> {
        self.backend
            .read()
            .await?
            .fetch_all(
                "SELECT id, measure, user_name, reason, created_at, read_at FROM notifications
                 WHERE user_name = ? ORDER BY created_at DESC, id DESC",
                params![user],
            )
            .await?
            .into_iter()
            .map(|mut row| notification_from_row(&mut row))
            .collect()
    }

    async fn mark_notifications_read(&self, user: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        // A write like the others: after the writer lock.
        let mut tx = self.backend.write().await?;
        let done = tx
            .execute(
                "UPDATE notifications SET read_at = ? WHERE user_name = ? AND read_at IS NULL",
                params![at, user],
            )
            .await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn create_measure(
        &self,
        measure: NewMeasure,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        check_new_measure(0, &measure)?;
        let mut tx = self.backend.write().await?;
        measure_refs(&mut *tx).await?.check(0, &measure)?;
        let dialect = self.backend.dialect();
        let id = insert_measures(&mut *tx, dialect, std::slice::from_ref(&measure), user, at)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Database("no id for the new measure".into()))?;
        tx.commit().await?;
        Ok(id)
    }

    async fn measure(&self, id: i64) -> StoreResult<Option<Measure>> {
        load_measure(&mut *self.backend.read().await?, id).await
    }

    async fn update_measure(
        &self,
        id: i64,
        expected_revision: i64,
        change: MeasureChange,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Measure> {
        // The writer lock before reading the revision: no other update slips in between.
        let mut tx = self.backend.write().await?;
        let Some(mut measure) = load_measure(&mut *tx, id).await? else {
            return Err(StoreError::Invalid(format!("no measure {id}")));
        };
        if measure.revision != expected_revision {
            return Err(StoreError::Conflict(format!(
                "measure {id} was changed by someone else (revision {} now, {expected_revision} when read): reload and try again",
                measure.revision
            )));
        }
        let applied = zx_domain::followup::apply_change(&measure, &change)
            .map_err(|e| StoreError::Invalid(format!("measure {id}: {e}")))?;
        let comment = change.comment.trim();
        tx.execute(
            &format!(
                "INSERT INTO measure_updates ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                UPDATE_COLUMNS.trim_start_matches("id, ")
            ),
            params![
                id,
                at,
                user,
                comment,
                measure.status.as_str(),
                applied.status.as_str(),
                measure.progress,
                applied.progress,
                measure.due,
                applied.due
            ],
        )
        .await?;
        tx.execute(
            "UPDATE measures SET status = ?, progress = ?, due_date = ?, revision = revision + 1
             WHERE id = ?",
            params![applied.status.as_str(), applied.progress, applied.due, id],
        )
        .await?;
        audit(
            &mut *tx,
            at,
            user,
            "measure.update",
            &describe_measure_object(id),
            Some(describe_measure_state(
                measure.status,
                measure.progress,
                measure.due,
            )),
            Some(describe_measure_update(
                applied.status,
                applied.progress,
                applied.due,
                comment,
            )),
            None,
        )
        .await?;
        tx.commit().await?;
        measure.status = applied.status;
        measure.progress = applied.progress;
        measure.due = applied.due;
        measure.revision += 1;
        Ok(measure)
    }

    async fn set_co_owners(
        &self,
        id: i64,
        expected_revision: i64,
        co_owners: Vec<String>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Measure> {
        let mut tx = self.backend.write().await?;
        let Some(mut measure) = load_measure(&mut *tx, id).await? else {
            return Err(StoreError::Invalid(format!("no measure {id}")));
        };
        if measure.revision != expected_revision {
            return Err(StoreError::Conflict(format!(
                "measure {id} was changed by someone else (revision {} now, {expected_revision} when read): reload and try again",
                measure.revision
            )));
        }
        let mut names = co_owners;
        names.sort_unstable();
        names.dedup();
        let refs = measure_refs(&mut *tx).await?;
        for name in &names {
            match refs.users.get(name) {
                None => {
                    return Err(StoreError::Invalid(format!(
                        "co_owners: no user named \"{name}\""
                    )));
                }
                Some(true) => {
                    return Err(StoreError::Invalid(format!(
                        "co_owners: {name} is disabled"
                    )));
                }
                Some(false) => {}
            }
        }
        tx.execute(
            "DELETE FROM measure_co_owners WHERE measure = ?",
            params![id],
        )
        .await?;
        tx.insert_rows(
            "measure_co_owners (measure, user_name)",
            "",
            names.iter().map(|name| params![id, name]).collect(),
        )
        .await?;
        tx.execute(
            "UPDATE measures SET revision = revision + 1 WHERE id = ?",
            params![id],
        )
        .await?;
        audit(
            &mut *tx,
            at,
            user,
            "measure.co_owners",
            &describe_measure_object(id),
            Some(describe_co_owners(&measure.co_owners)),
            Some(describe_co_owners(&names)),
            None,
        )
        .await?;
        tx.commit().await?;
        measure.co_owners = names;
        measure.revision += 1;
        Ok(measure)
    }

    async fn measure_updates(&self, measure: Option<i64>) -> StoreResult<Vec<MeasureUpdate>> {
        let sql = format!(
            "SELECT {UPDATE_COLUMNS} FROM measure_updates
             WHERE ? IS NULL OR measure = ? ORDER BY id"
        );
        self.backend
            .read()
            .await?
            .fetch_all(&sql, params![measure, measure])
            .await?
            .into_iter()
            .map(|mut row| update_from_row(&mut row))
            .collect()
    }

    async fn add_milestone(
        &self,
        measure: i64,
        title: &str,
        due: NaiveDate,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let title = title.trim();
        if title.is_empty() {
            return Err(StoreError::Invalid("a milestone needs a title".into()));
        }
        let mut tx = self.backend.write().await?;
        let id = followup::add_milestone(&mut *tx, measure, title, due, user, at).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn complete_milestone(
        &self,
        milestone: i64,
        done_on: NaiveDate,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.backend.write().await?;
        followup::complete_milestone(&mut *tx, milestone, done_on, user, at).await?;
        tx.commit().await
    }

    async fn milestones(&self, measure: Option<i64>) -> StoreResult<Vec<Milestone>> {
        followup::milestones(&mut *self.backend.read().await?, measure).await
    }

    async fn add_attachment(
        &self,
        attachment: NewAttachment,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Attachment> {
        let mut tx = self.backend.write().await?;
        let stored = followup::add_attachment(&mut *tx, attachment, user, at).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn attachments(&self, measure: Option<i64>) -> StoreResult<Vec<Attachment>> {
        followup::attachments(&mut *self.backend.read().await?, measure).await
    }

    async fn attachment_content(&self, id: i64) -> StoreResult<Option<(Attachment, Vec<u8>)>> {
        followup::attachment_content(&mut *self.backend.read().await?, id).await
    }

    async fn create_visit(
        &self,
        visit: NewVisit,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<(i64, Vec<i64>)> {
        crate::check_new_visit(&visit)?;
        let mut tx = self.backend.write().await?;
        let created =
            followup::create_visit(&mut *tx, self.backend.dialect(), visit, user, at).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn visits(&self) -> StoreResult<Vec<Visit>> {
        measure_rows::load_visits(&mut *self.backend.read().await?).await
    }
}
