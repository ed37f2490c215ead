//! ManagerStore over SQL: the manager term register, its years, evidence and reminders.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::measures::insert_returning;
use super::{Backend, Connection, Row, SqlStore, audit, read_all};
use crate::{
    MANAGER_YEAR_ACTION, ManagerAttachment, ManagerNotification, ManagerReminder,
    ManagerReminderReason, ManagerStore, ManagerTerm, ManagerTermRow, NOTIFICATION_SENDER,
    NewEvidence, NewManagerTerm, Outcome, OutcomeKind, Rating, StoreError, StoreResult, TermSaved,
    TermYear, check_manager_term, content_sha256, describe_manager_term,
    describe_manager_term_object, describe_manager_year, describe_manager_year_object, params,
};

const TERM_COLUMNS: &str = "id, person_id, person_name, entity, position, term_start, term_end, \
                            contract_signed, term_target, term_result, outcome, outcome_date, \
                            outcome_reason, for_performance";

fn term_from_row(row: &mut Row) -> StoreResult<ManagerTerm> {
    let outcome: Option<String> = row.get(10)?;
    let outcome = match outcome {
        None => None,
        Some(code) => Some(Outcome {
            kind: OutcomeKind::parse(&code)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown outcome {code:?}")))?,
            date: row
                .get::<Option<_>>(11)?
                .ok_or_else(|| StoreError::Corrupt("an outcome without its date".into()))?,
            reason: row.get::<Option<String>>(12)?.unwrap_or_default(),
            for_performance: row.get(13)?,
        }),
    };
    Ok(ManagerTerm {
        id: row.get(0)?,
        person_id: row.get(1)?,
        person_name: row.get(2)?,
        entity: row.get(3)?,
        position: row.get(4)?,
        start: row.get(5)?,
        end: row.get(6)?,
        contract_signed: row.get(7)?,
        term_target: row.get(8)?,
        term_result: row.get(9)?,
        years: Vec::new(),
        outcome,
    })
}

fn year_from_row(row: &mut Row) -> StoreResult<(i64, TermYear)> {
    let rating: Option<String> = row.get(4)?;
    Ok((
        row.get(0)?,
        TermYear {
            year: row.get(1)?,
            target: row.get(2)?,
            result: row.get(3)?,
            rating: match rating {
                None => None,
                Some(code) => Some(
                    Rating::parse(&code)
                        .ok_or_else(|| StoreError::Corrupt(format!("unknown rating {code:?}")))?,
                ),
            },
            pay: row.get(5)?,
        },
    ))
}

/// Every term with its years, on `conn` (the caller's transaction or a pooled connection).
async fn load_terms(conn: &mut dyn Connection) -> StoreResult<Vec<ManagerTerm>> {
    let mut terms = read_all(
        conn,
        &format!("SELECT {TERM_COLUMNS} FROM manager_terms ORDER BY entity, term_start, id"),
        params![],
        term_from_row,
    )
    .await?;
    let years = read_all(
        conn,
        "SELECT term, year, target, result, rating, pay FROM manager_term_years
         ORDER BY term, year",
        params![],
        year_from_row,
    )
    .await?;
    let index: HashMap<i64, usize> = terms.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    for (term, year) in years {
        if let Some(&i) = index.get(&term) {
            terms[i].years.push(year);
        }
    }
    Ok(terms)
}

/// What a row makes of a stored term: the row's fields, a blank contract date or outcome
/// keeping the stored one. Years are merged apart ([`merged_year`]).
fn merged_term(id: i64, new: &NewManagerTerm, stored: Option<&ManagerTerm>) -> ManagerTerm {
    ManagerTerm {
        id,
        person_id: new.person_id.trim().to_owned(),
        person_name: new.person_name.trim().to_owned(),
        entity: new.entity.clone(),
        position: new.position.trim().to_owned(),
        start: new.start,
        end: new.end,
        contract_signed: new
            .contract_signed
            .or_else(|| stored.and_then(|s| s.contract_signed)),
        term_target: new.term_target.clone(),
        term_result: new.term_result.clone(),
        years: stored.map(|s| s.years.clone()).unwrap_or_default(),
        outcome: new
            .outcome
            .clone()
            .or_else(|| stored.and_then(|s| s.outcome.clone())),
    }
}

/// A year as a row gives it over the stored one: a blank rating or pay keeps the stored value.
fn merged_year(new: &TermYear, stored: Option<&TermYear>) -> TermYear {
    TermYear {
        year: new.year,
        target: new.target.clone(),
        result: new.result.clone(),
        rating: new.rating.or_else(|| stored.and_then(|s| s.rating)),
        pay: new.pay.or_else(|| stored.and_then(|s| s.pay)),
    }
}

fn term_values(t: &ManagerTerm) -> Vec<super::Value> {
    let o = t.outcome.as_ref();
    params![
        &t.person_id,
        &t.person_name,
        &t.entity,
        &t.position,
        t.start,
        t.end,
        t.contract_signed,
        &t.term_target,
        &t.term_result,
        o.map(|o| o.kind.code()),
        o.map(|o| o.date),
        o.map(|o| o.reason.as_str()),
        o.is_some_and(|o| o.for_performance)
    ]
}

fn attachment_from_row(row: &mut Row) -> StoreResult<ManagerAttachment> {
    Ok(ManagerAttachment {
        id: row.get(0)?,
        term: row.get(1)?,
        sha256: row.get(2)?,
        file_name: row.get(3)?,
        media_type: row.get(4)?,
        size: row.get(5)?,
        at: row.get(6)?,
        by: row.get(7)?,
    })
}

const ATTACHMENT_COLUMNS: &str =
    "id, term, sha256, file_name, media_type, size, created_at, created_by";

#[async_trait]
impl<B: Backend> ManagerStore for SqlStore<B> {
    async fn save_manager_terms(
        &self,
        rows: Vec<ManagerTermRow>,
        source: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, TermSaved)>> {
        let mut ids = HashSet::new();
        for (index, row) in rows.iter().enumerate() {
            check_manager_term(index, &row.term)?;
            if let Some(id) = row.id
                && !ids.insert(id)
            {
                return Err(StoreError::Invalid(format!(
                    "manager term {}: term {id} is given twice",
                    index + 1
                )));
            }
        }
        let mut tx = self.backend.write().await?;
        let entities: HashSet<String> =
            read_all(&mut *tx, "SELECT code FROM entities", params![], |row| {
                row.get(0)
            })
            .await?
            .into_iter()
            .collect();
        let stored: HashMap<i64, ManagerTerm> = load_terms(&mut *tx)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let mut saved = Vec::with_capacity(rows.len());
        for (index, row) in rows.iter().enumerate() {
            let new = &row.term;
            if !entities.contains(new.entity.as_str()) {
                return Err(StoreError::Invalid(format!(
                    "manager term {}: unknown entity {}",
                    index + 1,
                    new.entity
                )));
            }
            let (id, before, outcome) = match row.id {
                None => {
                    let draft = merged_term(0, new, None);
                    let mut inserted = insert_returning(
                        &mut *tx,
                        "INSERT INTO manager_terms (person_id, person_name, entity, position,
                           term_start, term_end, contract_signed, term_target, term_result,
                           outcome, outcome_date, outcome_reason, for_performance, created_by,
                           created_at)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        [term_values(&draft), params![user, at]].concat(),
                    )
                    .await?;
                    let id: i64 = inserted.get(0)?;
                    let term = ManagerTerm { id, ..draft };
                    audit(
                        &mut *tx,
                        at,
                        user,
                        "manager_term.create",
                        &describe_manager_term_object(id),
                        None,
                        Some(format!("{}; source={source}", describe_manager_term(&term))),
                        None,
                    )
                    .await?;
                    (id, None, TermSaved::Created)
                }
                Some(id) => {
                    let Some(old) = stored.get(&id) else {
                        return Err(StoreError::Invalid(format!(
                            "manager term {}: no term {id}",
                            index + 1
                        )));
                    };
                    let term = merged_term(id, new, Some(old));
                    let (was, now) = (describe_manager_term(old), describe_manager_term(&term));
                    let outcome = if was == now {
                        TermSaved::Unchanged
                    } else {
                        tx.execute(
                            "UPDATE manager_terms SET person_id = ?, person_name = ?, entity = ?,
                               position = ?, term_start = ?, term_end = ?, contract_signed = ?,
                               term_target = ?, term_result = ?, outcome = ?, outcome_date = ?,
                               outcome_reason = ?, for_performance = ?, revision = revision + 1
                             WHERE id = ?",
                            [term_values(&term), params![id]].concat(),
                        )
                        .await?;
                        audit(
                            &mut *tx,
                            at,
                            user,
                            "manager_term.revise",
                            &describe_manager_term_object(id),
                            Some(was),
                            Some(format!("{now}; source={source}")),
                            None,
                        )
                        .await?;
                        TermSaved::Revised
                    };
                    (id, Some(old), outcome)
                }
            };
            let mut changed_years = false;
            for year in &new.years {
                let old = before.and_then(|t| t.year(year.year));
                let merged = merged_year(year, old);
                if old == Some(&merged) {
                    continue;
                }
                tx.execute(
                    "INSERT INTO manager_term_years (term, year, target, result, rating, pay)
                     VALUES (?, ?, ?, ?, ?, ?)
                     ON CONFLICT (term, year) DO UPDATE SET target = excluded.target,
                       result = excluded.result, rating = excluded.rating, pay = excluded.pay",
                    params![
                        id,
                        merged.year,
                        &merged.target,
                        &merged.result,
                        merged.rating.map(Rating::code),
                        merged.pay
                    ],
                )
                .await?;
                audit(
                    &mut *tx,
                    at,
                    user,
                    MANAGER_YEAR_ACTION,
                    &describe_manager_year_object(id, merged.year),
                    old.map(describe_manager_year),
                    Some(describe_manager_year(&merged)),
                    None,
                )
                .await?;
                changed_years = true;
            }
            let outcome = match outcome {
                TermSaved::Unchanged if changed_years => TermSaved::Revised,
                other => other,
            };
            saved.push((id, outcome));
        }
        tx.commit().await?;
        Ok(saved)
    }

    async fn manager_terms(&self) -> StoreResult<Vec<ManagerTerm>> {
        load_terms(&mut *self.backend.read().await?).await
    }

    async fn add_manager_evidence(
        &self,
        term: i64,
        evidence: NewEvidence,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<ManagerAttachment> {
        let mut tx = self.backend.write().await?;
        let known = tx
            .fetch_optional("SELECT 1 FROM manager_terms WHERE id = ?", params![term])
            .await?;
        if known.is_none() {
            return Err(StoreError::Invalid(format!("no manager term {term}")));
        }
        let sha256 = content_sha256(&evidence.content);
        tx.execute(
            "INSERT INTO blobs (sha256, content) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
            params![&sha256, evidence.content.as_slice()],
        )
        .await?;
        let size = evidence.content.len() as u64;
        let mut row = insert_returning(
            &mut *tx,
            "INSERT INTO manager_attachments (term, sha256, file_name, media_type, size,
               created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            params![
                term,
                &sha256,
                &evidence.file_name,
                &evidence.media_type,
                i64::try_from(size).unwrap_or(i64::MAX),
                at,
                user
            ],
        )
        .await?;
        let stored = ManagerAttachment {
            id: row.get(0)?,
            term,
            sha256,
            file_name: evidence.file_name,
            media_type: evidence.media_type,
            size,
            at,
            by: user.to_owned(),
        };
        audit(
            &mut *tx,
            at,
            user,
            "manager_term.evidence",
            &describe_manager_term_object(term),
            None,
            Some(format!(
                "file={}; sha256={}; size={}",
                stored.file_name, stored.sha256, stored.size
            )),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn manager_attachments(&self, term: i64) -> StoreResult<Vec<ManagerAttachment>> {
        self.read_all(
            &format!(
                "SELECT {ATTACHMENT_COLUMNS} FROM manager_attachments WHERE term = ? ORDER BY id"
            ),
            params![term],
            attachment_from_row,
        )
        .await
    }

    async fn manager_attachment_content(
        &self,
        id: i64,
    ) -> StoreResult<Option<(ManagerAttachment, Vec<u8>)>> {
        let mut conn = self.backend.read().await?;
        let sql = format!("SELECT {ATTACHMENT_COLUMNS} FROM manager_attachments WHERE id = ?");
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

    async fn record_manager_reminders(
        &self,
        list: Vec<ManagerReminder>,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<ManagerReminder>> {
        // The writer lock: two runs at once cannot both see a reminder as new.
        let mut tx = self.backend.write().await?;
        let mut sent = Vec::new();
        for r in list {
            let known = tx
                .fetch_optional("SELECT 1 FROM manager_terms WHERE id = ?", params![r.term])
                .await?;
            if known.is_none() {
                return Err(StoreError::Invalid(format!("no manager term {}", r.term)));
            }
            let inserted = tx
                .execute(
                    "INSERT INTO manager_reminders (term, year, user_name, reason, created_at)
                     VALUES (?, ?, ?, ?, ?)
                     ON CONFLICT (term, year, user_name, reason) DO NOTHING",
                    params![r.term, r.year, &r.user, r.reason.as_str(), at],
                )
                .await?;
            if inserted == 0 {
                continue;
            }
            audit(
                &mut *tx,
                at,
                NOTIFICATION_SENDER,
                "manager_reminder.send",
                &describe_manager_term_object(r.term),
                None,
                Some(format!(
                    "to={}; reason={}; year={}",
                    r.user,
                    r.reason.as_str(),
                    r.year
                )),
                None,
            )
            .await?;
            sent.push(r);
        }
        tx.commit().await?;
        Ok(sent)
    }

    async fn manager_notifications(&self, user: &str) -> StoreResult<Vec<ManagerNotification>> {
        self.read_all(
            "SELECT id, term, year, user_name, reason, created_at, read_at FROM manager_reminders
             WHERE user_name = ? ORDER BY created_at DESC, id DESC",
            params![user],
            |row| {
                let reason: String = row.get(4)?;
                Ok(ManagerNotification {
                    id: row.get(0)?,
                    term: row.get(1)?,
                    year: row.get(2)?,
                    user: row.get(3)?,
                    reason: ManagerReminderReason::parse(&reason).ok_or_else(|| {
                        StoreError::Corrupt(format!("unknown manager reminder {reason:?}"))
                    })?,
                    created_at: row.get(5)?,
                    read_at: row.get(6)?,
                })
            },
        )
        .await
    }
}
