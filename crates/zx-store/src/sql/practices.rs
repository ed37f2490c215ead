//! The practice library over SQL: practices (code and entity), their revisions (the latest in
//! force), HQ's decisions, attachments in `blobs`, notices to plants. Every write takes the
//! writer lock and audits in the same transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use zx_domain::practices::{join_tags, parse_tags};

use super::measures::insert_returning;
use super::{Backend, Connection, Row, SqlStore, audit};
use crate::{
    EntityCode, NewEvidence, NewPractice, Practice, PracticeAttachment, PracticeNotification,
    PracticeOutcome, PracticeResult, PracticeStore, Recommendation, StoreError, StoreResult,
    StoredPractice, check_practices, content_sha256, describe_practice, describe_practice_object,
    params,
};

const COLUMNS: &str = "p.id, p.code, p.entity, r.revision, r.title, r.body, r.segment, r.tags, \
     r.result_amount, r.result_quantity, r.result_unit, r.result_note, r.source, r.recorded_by, \
     r.recorded_at";

const LATEST: &str = "r.revision = (SELECT MAX(l.revision) FROM practice_revisions l \
     WHERE l.practice = p.id)";

fn practice_from_row(row: &mut Row) -> StoreResult<StoredPractice> {
    let id = row.get(0)?;
    let code = row.get(1)?;
    let entity: EntityCode = row.get(2)?;
    let revision = row.get(3)?;
    let title = row.get(4)?;
    let body = row.get(5)?;
    let segment = row.get(6)?;
    let tags: String = row.get(7)?;
    Ok(StoredPractice {
        id,
        revision,
        segment,
        practice: Practice {
            code,
            title,
            body,
            entity,
            tags: parse_tags(&tags),
            result: PracticeResult {
                amount: row.get(8)?,
                quantity: row.get(9)?,
                unit: row.get(10)?,
                note: row.get(11)?,
            },
        },
        source: row.get(12)?,
        recorded_by: row.get(13)?,
        recorded_at: row.get(14)?,
        recommendation: None,
    })
}

const ATTACHMENT_COLUMNS: &str = "a.id, p.code, a.sha256, a.file_name, a.media_type, a.size, \
     a.created_at, a.created_by";

fn attachment_from_row(row: &mut Row) -> StoreResult<PracticeAttachment> {
    Ok(PracticeAttachment {
        id: row.get(0)?,
        practice: row.get(1)?,
        sha256: row.get(2)?,
        file_name: row.get(3)?,
        media_type: row.get(4)?,
        size: row.get(5)?,
        at: row.get(6)?,
        by: row.get(7)?,
    })
}

/// The latest decision of each practice, by practice id.
async fn recommendations(conn: &mut dyn Connection) -> StoreResult<HashMap<i64, Recommendation>> {
    let mut latest = HashMap::new();
    for mut row in conn
        .fetch_all(
            "SELECT practice, recommended, note, decided_by, decided_at \
             FROM practice_recommendations ORDER BY id",
            params![],
        )
        .await?
    {
        let practice: i64 = row.get(0)?;
        latest.insert(
            practice,
            Recommendation {
                recommended: row.get(1)?,
                note: row.get(2)?,
                by: row.get(3)?,
                at: row.get(4)?,
            },
        );
    }
    Ok(latest)
}

/// The latest revision of a practice, by code, with its decision.
async fn current(conn: &mut dyn Connection, code: &str) -> StoreResult<Option<StoredPractice>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM practices p JOIN practice_revisions r ON r.practice = p.id \
         WHERE p.code = ? AND {LATEST}"
    );
    let Some(mut row) = conn.fetch_optional(&sql, params![code]).await? else {
        return Ok(None);
    };
    let mut stored = practice_from_row(&mut row)?;
    stored.recommendation = recommendations(conn).await?.remove(&stored.id);
    Ok(Some(stored))
}

fn same_content(stored: &StoredPractice, new: &NewPractice) -> bool {
    let (a, b) = (&stored.practice, &new.practice);
    let trimmed = |s: &str| s.trim().to_owned();
    stored.segment == new.segment
        && trimmed(&a.title) == trimmed(&b.title)
        && trimmed(&a.body) == trimmed(&b.body)
        && a.tags == b.tags
        && a.result.amount == b.result.amount
        && a.result.quantity == b.result.quantity
        && trimmed(&a.result.unit) == trimmed(&b.result.unit)
        && trimmed(&a.result.note) == trimmed(&b.result.note)
}

async fn insert_revision(
    conn: &mut dyn Connection,
    practice: i64,
    revision: i64,
    new: &NewPractice,
    source: &str,
    user: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let p = &new.practice;
    conn.execute(
        "INSERT INTO practice_revisions (practice, revision, title, body, segment, tags, \
         result_amount, result_quantity, result_unit, result_note, source, recorded_by, \
         recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            practice,
            revision,
            p.title.trim(),
            p.body.trim(),
            &new.segment,
            join_tags(&p.tags),
            p.result.amount,
            p.result.quantity,
            p.result.unit.trim(),
            p.result.note.trim(),
            source,
            user,
            at
        ],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl<B: Backend> PracticeStore for SqlStore<B> {
    async fn save_practices(
        &self,
        rows: Vec<NewPractice>,
        source: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<PracticeOutcome>> {
        check_practices(&rows)?;
        let mut tx = self.backend.write().await?;
        let mut outcomes = Vec::with_capacity(rows.len());
        for (index, row) in rows.iter().enumerate() {
            let code = row.practice.code.trim();
            let entity = &row.practice.entity;
            let known = tx
                .fetch_optional("SELECT 1 FROM entities WHERE code = ?", params![entity])
                .await?;
            if known.is_none() {
                return Err(StoreError::Invalid(format!(
                    "practice {} ({code}): no entity {entity}",
                    index + 1
                )));
            }
            let object = describe_practice_object(code);
            let new_value = Some(describe_practice(row));
            match current(&mut *tx, code).await? {
                None => {
                    let mut inserted = insert_returning(
                        &mut *tx,
                        "INSERT INTO practices (code, entity, created_by, created_at) \
                         VALUES (?, ?, ?, ?) RETURNING id",
                        params![code, entity, user, at],
                    )
                    .await?;
                    let id: i64 = inserted.get(0)?;
                    insert_revision(&mut *tx, id, 1, row, source, user, at).await?;
                    audit(
                        &mut *tx,
                        at,
                        user,
                        "practice.create",
                        &object,
                        None,
                        new_value,
                        None,
                    )
                    .await?;
                    outcomes.push(PracticeOutcome::Created);
                }
                Some(stored) if &stored.practice.entity != entity => {
                    return Err(StoreError::Invalid(format!(
                        "practice {} ({code}): it is {}'s practice, not {entity}'s (a practice \
                         keeps its entity)",
                        index + 1,
                        stored.practice.entity
                    )));
                }
                Some(stored) if same_content(&stored, row) => {
                    outcomes.push(PracticeOutcome::Unchanged);
                }
                Some(stored) => {
                    let old = NewPractice {
                        practice: stored.practice.clone(),
                        segment: stored.segment.clone(),
                    };
                    insert_revision(
                        &mut *tx,
                        stored.id,
                        stored.revision + 1,
                        row,
                        source,
                        user,
                        at,
                    )
                    .await?;
                    audit(
                        &mut *tx,
                        at,
                        user,
                        "practice.revise",
                        &object,
                        Some(describe_practice(&old)),
                        new_value,
                        None,
                    )
                    .await?;
                    outcomes.push(PracticeOutcome::Revised);
                }
            }
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn practices(&self) -> StoreResult<Vec<StoredPractice>> {
        let mut conn = self.backend.read().await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM practices p JOIN practice_revisions r ON r.practice = p.id \
             WHERE {LATEST} ORDER BY p.code"
        );
        let mut list = super::read_all(&mut *conn, &sql, params![], practice_from_row).await?;
        let mut decisions = recommendations(&mut *conn).await?;
        for p in &mut list {
            p.recommendation = decisions.remove(&p.id);
        }
        Ok(list)
    }

    async fn practice_history(&self, code: &str) -> StoreResult<Vec<StoredPractice>> {
        self.read_all(
            &format!(
                "SELECT {COLUMNS} FROM practices p JOIN practice_revisions r ON r.practice = p.id \
                 WHERE p.code = ? ORDER BY r.revision"
            ),
            params![code],
            practice_from_row,
        )
        .await
    }

    async fn recommend_practice(
        &self,
        code: &str,
        recommended: bool,
        note: &str,
        recipients: Vec<String>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<String>> {
        let mut tx = self.backend.write().await?;
        let Some(stored) = current(&mut *tx, code).await? else {
            return Err(StoreError::Invalid(format!("no practice {code}")));
        };
        if stored.is_recommended() == recommended {
            return Ok(Vec::new());
        }
        tx.execute(
            "INSERT INTO practice_recommendations (practice, recommended, note, decided_by, \
             decided_at) VALUES (?, ?, ?, ?, ?)",
            params![stored.id, recommended, note.trim(), user, at],
        )
        .await?;
        let (action, old, new) = if recommended {
            (
                "practice.recommend",
                "recommended=false",
                "recommended=true",
            )
        } else {
            (
                "practice.unrecommend",
                "recommended=true",
                "recommended=false",
            )
        };
        let with_note = |v: &str| match note.trim() {
            "" => v.to_owned(),
            n => format!("{v}; note={n}"),
        };
        audit(
            &mut *tx,
            at,
            user,
            action,
            &describe_practice_object(code),
            Some(old.to_owned()),
            Some(with_note(new)),
            None,
        )
        .await?;
        let mut told = Vec::new();
        if recommended {
            for name in recipients {
                let n = tx
                    .execute(
                        "INSERT INTO practice_notifications (practice, user_name, created_at) \
                         VALUES (?, ?, ?) ON CONFLICT (practice, user_name) DO NOTHING",
                        params![stored.id, &name, at],
                    )
                    .await?;
                if n > 0 {
                    told.push(name);
                }
            }
        }
        tx.commit().await?;
        Ok(told)
    }

    async fn add_practice_evidence(
        &self,
        code: &str,
        evidence: NewEvidence,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<PracticeAttachment> {
        let mut tx = self.backend.write().await?;
        let Some(mut row) = tx
            .fetch_optional("SELECT id FROM practices WHERE code = ?", params![code])
            .await?
        else {
            return Err(StoreError::Invalid(format!("no practice {code}")));
        };
        let practice: i64 = row.get(0)?;
        let sha256 = content_sha256(&evidence.content);
        tx.execute(
            "INSERT INTO blobs (sha256, content) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
            params![&sha256, evidence.content.as_slice()],
        )
        .await?;
        let size = evidence.content.len() as u64;
        let mut row = insert_returning(
            &mut *tx,
            "INSERT INTO practice_attachments (practice, sha256, file_name, media_type, size, \
             created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            params![
                practice,
                &sha256,
                &evidence.file_name,
                &evidence.media_type,
                i64::try_from(size).unwrap_or(i64::MAX),
                at,
                user
            ],
        )
        .await?;
        let stored = PracticeAttachment {
            id: row.get(0)?,
            practice: code.to_owned(),
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
            "practice.evidence",
            &describe_practice_object(code),
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

    async fn practice_attachments(&self, code: &str) -> StoreResult<Vec<PracticeAttachment>> {
        self.read_all(
            &format!(
                "SELECT {ATTACHMENT_COLUMNS} FROM practice_attachments a \
                 JOIN practices p ON p.id = a.practice WHERE p.code = ? ORDER BY a.id"
            ),
            params![code],
            attachment_from_row,
        )
        .await
    }

    async fn practice_attachment_content(
        &self,
        id: i64,
    ) -> StoreResult<Option<(PracticeAttachment, Vec<u8>)>> {
        let mut conn = self.backend.read().await?;
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM practice_attachments a \
             JOIN practices p ON p.id = a.practice WHERE a.id = ?"
        );
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

    async fn practice_notifications(&self, user: &str) -> StoreResult<Vec<PracticeNotification>> {
        self.read_all(
            "SELECT n.id, p.code, n.user_name, n.created_at, n.read_at \
             FROM practice_notifications n JOIN practices p ON p.id = n.practice \
             WHERE n.user_name = ? ORDER BY n.created_at DESC, n.id DESC",
            params![user],
            |row| {
                Ok(PracticeNotification {
                    id: row.get(0)?,
                    practice: row.get(1)?,
                    user: row.get(2)?,
                    created_at: row.get(3)?,
                    read_at: row.get(4)?,
                })
            },
        )
        .await
    }

    async fn mark_practice_notifications_read(
        &self,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let mut tx = self.backend.write().await?;
        let n = tx
            .execute(
                "UPDATE practice_notifications SET read_at = ? \
                 WHERE user_name = ? AND read_at IS NULL",
                params![at, user],
            )
            .await?;
        tx.commit().await?;
        Ok(n)
    }
}
