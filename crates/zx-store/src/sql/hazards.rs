//! The hazard register over SQL: reporting, the loop's steps (checked in the writing
//! transaction), evidence in `blobs` as for measures, HQ's notifications, ledger imports.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use zx_domain::safety::hazards::{StepError, check_step};

use super::measures::insert_returning;
use super::{Backend, Connection, Row, SqlStore, audit};
use crate::{
    Actor, Assurances, Hazard, HazardAttachment, HazardGrade, HazardNotification, HazardStatus,
    HazardStepRecord, HazardStore, HazardsImported, ImportedHazard, LecScore, MAJOR_GRADED,
    MatrixScore, NewEvidence, NewHazard, Score, Step, StoreError, StoreResult, check_new_hazard,
    content_sha256, describe_hazard_attachment, describe_hazard_object, describe_hazard_state,
    describe_new_hazard, params,
};

/// The columns of a [`Hazard`], in the order [`hazard_from_row`] reads them.
pub(super) const HAZARD_COLUMNS: &str = "id, code, entity, found_on, description, location, grade, status, \
     lec_l, lec_e, lec_c, ls_l, ls_s, owner, deadline, assure_responsibility, assure_measures, \
     assure_funds, assure_timeline, assure_plan, rectified_by, verified_by, auto_key, \
     reported_at, reported_by, revision";

const STEP_COLUMNS: &str =
    "id, hazard, step, status_before, status_after, comment, created_at, created_by";

const ATTACHMENT_COLUMNS: &str =
    "id, hazard, step, sha256, file_name, media_type, size, created_at, created_by";

fn grade(text: String) -> StoreResult<HazardGrade> {
    HazardGrade::ALL
        .into_iter()
        .find(|g| g.code() == text)
        .ok_or_else(|| StoreError::Corrupt(format!("hazard grade \"{text}\"")))
}

fn status(text: String) -> StoreResult<HazardStatus> {
    HazardStatus::ALL
        .into_iter()
        .find(|s| s.code() == text)
        .ok_or_else(|| StoreError::Corrupt(format!("hazard status \"{text}\"")))
}

fn matrix_factor(n: i64) -> StoreResult<u8> {
    u8::try_from(n).map_err(|_| StoreError::Corrupt(format!("risk matrix score {n}")))
}

pub(super) fn hazard_from_row(row: &mut Row) -> StoreResult<Hazard> {
    let lec = (row.get(8)?, row.get(9)?, row.get(10)?);
    let ls: (Option<i64>, Option<i64>) = (row.get(11)?, row.get(12)?);
    let corrupt = |e: zx_domain::safety::ScoreError| StoreError::Corrupt(e.to_string());
    let scores = match (lec, ls) {
        ((Some(l), Some(e), Some(c)), _) => {
            Some(Score::Lec(LecScore::new(l, e, c).map_err(corrupt)?))
        }
        (_, (Some(l), Some(s))) => Some(Score::Matrix(
            MatrixScore::new(matrix_factor(l)?, matrix_factor(s)?).map_err(corrupt)?,
        )),
        _ => None,
    };
    Ok(Hazard {
        id: row.get(0)?,
        code: row.get(1)?,
        entity: row.get(2)?,
        found: row.get(3)?,
        description: row.get(4)?,
        location: row.get(5)?,
        grade: grade(row.get(6)?)?,
        status: status(row.get(7)?)?,
        scores,
        owner: row.get(13)?,
        deadline: row.get(14)?,
        assurances: Assurances {
            responsibility: row.get(15)?,
            measures: row.get(16)?,
            funds: row.get(17)?,
            timeline: row.get(18)?,
            plan: row.get(19)?,
        },
        rectified_by: row.get(20)?,
        verified_by: row.get(21)?,
        auto_key: row.get(22)?,
        reported_at: row.get(23)?,
        reported_by: row.get(24)?,
        revision: row.get(25)?,
    })
}

fn step_from_row(row: &mut Row) -> StoreResult<HazardStepRecord> {
    let before: Option<String> = row.get(3)?;
    Ok(HazardStepRecord {
        id: row.get(0)?,
        hazard: row.get(1)?,
        step: row.get(2)?,
        status_before: before.map(status).transpose()?,
        status_after: status(row.get(4)?)?,
        comment: row.get(5)?,
        at: row.get(6)?,
        by: row.get(7)?,
    })
}

fn attachment_from_row(row: &mut Row) -> StoreResult<HazardAttachment> {
    Ok(HazardAttachment {
        id: row.get(0)?,
        hazard: row.get(1)?,
        step: row.get(2)?,
        sha256: row.get(3)?,
        file_name: row.get(4)?,
        media_type: row.get(5)?,
        size: row.get(6)?,
        at: row.get(7)?,
        by: row.get(8)?,
    })
}

/// The score columns' values: L, E, C, then L, S of the matrix.
pub(super) fn score_params(scores: Option<&Score>) -> Vec<super::Value> {
    match scores {
        Some(Score::Lec(s)) => params![
            Some(s.likelihood()),
            Some(s.exposure()),
            Some(s.consequence()),
            None::<i64>,
            None::<i64>
        ],
        Some(Score::Matrix(m)) => params![
            None::<zx_domain::Decimal>,
            None::<zx_domain::Decimal>,
            None::<zx_domain::Decimal>,
            Some(i64::from(m.likelihood())),
            Some(i64::from(m.severity()))
        ],
        None => params![
            None::<zx_domain::Decimal>,
            None::<zx_domain::Decimal>,
            None::<zx_domain::Decimal>,
            None::<i64>,
            None::<i64>
        ],
    }
}

async fn load_hazard(conn: &mut dyn Connection, id: i64) -> StoreResult<Option<Hazard>> {
    let sql = format!("SELECT {HAZARD_COLUMNS} FROM hazards WHERE id = ?");
    conn.fetch_optional(&sql, params![id])
        .await?
        .map(|mut row| hazard_from_row(&mut row))
        .transpose()
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn insert_step(
    conn: &mut dyn Connection,
    hazard: i64,
    step: &str,
    before: Option<HazardStatus>,
    after: HazardStatus,
    comment: &str,
    user: &str,
    at: DateTime<Utc>,
) -> StoreResult<i64> {
    insert_returning(
        conn,
        "INSERT INTO hazard_steps (hazard, step, status_before, status_after, comment,
           created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        params![
            hazard,
            step,
            before.map(|s| s.code()),
            after.code(),
            comment.trim(),
            at,
            user
        ],
    )
    .await?
    .get(0)
}

/// Stores a file's content once per SHA-256 and attaches it, with its audit line.
async fn attach(
    conn: &mut dyn Connection,
    hazard: i64,
    step: Option<i64>,
    evidence: NewEvidence,
    user: &str,
    at: DateTime<Utc>,
) -> StoreResult<HazardAttachment> {
    let sha256 = content_sha256(&evidence.content);
    conn.execute(
        "INSERT INTO blobs (sha256, content) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
        params![&sha256, evidence.content.as_slice()],
    )
    .await?;
    let size = evidence.content.len() as u64;
    let mut row = insert_returning(
        conn,
        "INSERT INTO hazard_attachments (hazard, step, sha256, file_name, media_type, size,
           created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, created_at",
        params![
            hazard,
            step,
            &sha256,
            &evidence.file_name,
            &evidence.media_type,
            i64::try_from(size).unwrap_or(i64::MAX),
            at,
            user
        ],
    )
    .await?;
    let stored = HazardAttachment {
        id: row.get(0)?,
        hazard,
        step,
        sha256,
        file_name: evidence.file_name,
        media_type: evidence.media_type,
        size,
        at: row.get(1)?,
        by: user.to_owned(),
    };
    audit(
        conn,
        at,
        user,
        "hazard.evidence",
        &describe_hazard_object(hazard),
        None,
        Some(describe_hazard_attachment(&stored)),
        None,
    )
    .await?;
    Ok(stored)
}

/// Notifies HQ's safety department (every enabled `hq_analyst` account) that a hazard was
/// graded major, once per account, each audited `notification.send` by `system`.
pub(super) async fn notify_major(
    conn: &mut dyn Connection,
    hazard: i64,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let recipients: Vec<String> = conn
        .fetch_all(
            "SELECT name FROM users WHERE role = 'hq_analyst' AND disabled = ? ORDER BY name",
            params![false],
        )
        .await?
        .into_iter()
        .map(|mut row| row.get(0))
        .collect::<StoreResult<_>>()?;
    for user in recipients {
        let inserted = conn
            .execute(
                "INSERT INTO hazard_notifications (hazard, user_name, reason, created_at)
                 VALUES (?, ?, ?, ?) ON CONFLICT (hazard, user_name, reason) DO NOTHING",
                params![hazard, &user, MAJOR_GRADED, at],
            )
            .await?;
        if inserted > 0 {
            audit(
                conn,
                at,
                crate::NOTIFICATION_SENDER,
                "notification.send",
                &describe_hazard_object(hazard),
                None,
                Some(format!("to={user}; reason={MAJOR_GRADED}")),
                None,
            )
            .await?;
        }
    }
    Ok(())
}

/// `Conflict` unless the hazard is still at the revision the user saw.
fn check_revision(h: &Hazard, expected: i64) -> StoreResult<()> {
    if h.revision != expected {
        return Err(StoreError::Conflict(format!(
            "hazard {} was changed by someone else (revision {} is now {}): reload and try again",
            h.number(),
            expected,
            h.revision
        )));
    }
    Ok(())
}

fn refused(error: StepError) -> StoreError {
    StoreError::Invalid(error.to_string())
}

#[async_trait]
impl<B: Backend> HazardStore for SqlStore<B> {
    async fn report_hazard(
        &self,
        hazard: NewHazard,
        evidence: Vec<NewEvidence>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Hazard> {
        check_new_hazard(&hazard)?;
        let mut tx = self.backend.write().await?;
        if let Some(key) = &hazard.auto_key {
            let sql = format!("SELECT {HAZARD_COLUMNS} FROM hazards WHERE auto_key = ?");
            if let Some(mut row) = tx.fetch_optional(&sql, params![key]).await? {
                return hazard_from_row(&mut row);
            }
        }
        let known = tx
            .fetch_optional(
                "SELECT 1 FROM entities WHERE code = ?",
                params![&hazard.entity],
            )
            .await?;
        if known.is_none() {
            return Err(StoreError::Invalid(format!(
                "unknown entity {}",
                hazard.entity
            )));
        }
        let mut values = params![
            &hazard.entity,
            hazard.found,
            hazard.description.trim(),
            hazard.location.trim(),
            hazard.grade.code(),
            HazardStatus::Reported.code()
        ];
        values.extend(score_params(hazard.scores.as_ref()));
        values.extend(params![hazard.auto_key.as_deref(), at, user]);
        let id: i64 = insert_returning(
            &mut *tx,
            "INSERT INTO hazards (entity, found_on, description, location, grade, status,
               lec_l, lec_e, lec_c, ls_l, ls_s, auto_key, reported_at, reported_by)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            values,
        )
        .await?
        .get(0)?;
        let step = insert_step(
            &mut *tx,
            id,
            "report",
            None,
            HazardStatus::Reported,
            "",
            user,
            at,
        )
        .await?;
        audit(
            &mut *tx,
            at,
            user,
            "hazard.report",
            &describe_hazard_object(id),
            None,
            Some(describe_new_hazard(&hazard)),
            None,
        )
        .await?;
        for file in evidence {
            attach(&mut *tx, id, Some(step), file, user, at).await?;
        }
        if hazard.grade == HazardGrade::Major {
            notify_major(&mut *tx, id, at).await?;
        }
        let stored = load_hazard(&mut *tx, id)
            .await?
            .ok_or_else(|| StoreError::Database(format!("hazard {id} vanished")))?;
        tx.commit().await?;
        Ok(stored)
    }

    #[allow(clippy::too_many_arguments)]
    async fn take_hazard_step(
        &self,
        id: i64,
        expected_revision: i64,
        step: Step,
        comment: &str,
        evidence: Vec<NewEvidence>,
        actor: Actor<'_>,
        at: DateTime<Utc>,
    ) -> StoreResult<Hazard> {
        let mut tx = self.backend.write().await?;
        let Some(before) = load_hazard(&mut *tx, id).await? else {
            return Err(StoreError::Invalid(format!("no hazard {id}")));
        };
        check_revision(&before, expected_revision)?;
        let to = check_step(
            &before.loop_state(),
            &step,
            actor.user,
            actor.access,
            actor.tree,
        )
        .map_err(refused)?;
        let mut after = before.clone();
        after.status = to;
        after.revision += 1;
        let mut comment = comment.trim().to_owned();
        match &step {
            Step::Assess {
                grade,
                owner,
                deadline,
                assurances,
                scores,
            } => {
                after.grade = *grade;
                after.owner = owner.trim().to_owned();
                after.deadline = Some(*deadline);
                after.assurances = assurances.clone();
                after.scores = *scores;
            }
            Step::Rectified => after.rectified_by = Some(actor.user.to_owned()),
            Step::Verify => after.verified_by = Some(actor.user.to_owned()),
            Step::Reject { reason } => {
                if comment.is_empty() {
                    comment = reason.trim().to_owned();
                }
            }
            Step::StartRectifying => {}
        }
        let mut values = params![after.grade.code(), after.status.code()];
        values.extend(score_params(after.scores.as_ref()));
        values.extend(params![
            &after.owner,
            after.deadline,
            &after.assurances.responsibility,
            &after.assurances.measures,
            &after.assurances.funds,
            &after.assurances.timeline,
            &after.assurances.plan,
            after.rectified_by.as_deref(),
            after.verified_by.as_deref(),
            after.revision,
            id
        ]);
        tx.execute(
            "UPDATE hazards SET grade = ?, status = ?, lec_l = ?, lec_e = ?, lec_c = ?,
               ls_l = ?, ls_s = ?, owner = ?, deadline = ?, assure_responsibility = ?,
               assure_measures = ?, assure_funds = ?, assure_timeline = ?, assure_plan = ?,
               rectified_by = ?, verified_by = ?, revision = ? WHERE id = ?",
            values,
        )
        .await?;
        let step_id = insert_step(
            &mut *tx,
            id,
            step.as_str(),
            Some(before.status),
            after.status,
            &comment,
            actor.user,
            at,
        )
        .await?;
        let new_value = if comment.is_empty() {
            describe_hazard_state(&after)
        } else {
            format!("{}; comment={comment}", describe_hazard_state(&after))
        };
        audit(
            &mut *tx,
            at,
            actor.user,
            &format!("hazard.{}", step.as_str()),
            &describe_hazard_object(id),
            Some(describe_hazard_state(&before)),
            Some(new_value),
            None,
        )
        .await?;
        for file in evidence {
            attach(&mut *tx, id, Some(step_id), file, actor.user, at).await?;
        }
        if after.grade == HazardGrade::Major && before.grade != HazardGrade::Major {
            notify_major(&mut *tx, id, at).await?;
        }
        tx.commit().await?;
        Ok(after)
    }

    async fn import_hazards(
        &self,
        rows: Vec<ImportedHazard>,
        file_name: &str,
        sha256: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<HazardsImported> {
        let mut tx = self.backend.write().await?;
        let done =
            super::hazard_import::import(&mut *tx, rows, file_name, sha256, user, at).await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn hazards(&self) -> StoreResult<Vec<Hazard>> {
        self.read_all(
            &format!("SELECT {HAZARD_COLUMNS} FROM hazards ORDER BY id"),
            params![],
            hazard_from_row,
        )
        .await
    }

    async fn hazard(&self, id: i64) -> StoreResult<Option<Hazard>> {
        load_hazard(&mut *self.backend.read().await?, id).await
    }

    async fn hazard_steps(&self, hazard: i64) -> StoreResult<Vec<HazardStepRecord>> {
        self.read_all(
            &format!("SELECT {STEP_COLUMNS} FROM hazard_steps WHERE hazard = ? ORDER BY id"),
            params![hazard],
            step_from_row,
        )
        .await
    }

    async fn add_hazard_evidence(
        &self,
        hazard: i64,
        evidence: NewEvidence,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<HazardAttachment> {
        let mut tx = self.backend.write().await?;
        if load_hazard(&mut *tx, hazard).await?.is_none() {
            return Err(StoreError::Invalid(format!("no hazard {hazard}")));
        }
        let stored = attach(&mut *tx, hazard, None, evidence, user, at).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn hazard_attachments(&self, hazard: i64) -> StoreResult<Vec<HazardAttachment>> {
        self.read_all(
            &format!(
                "SELECT {ATTACHMENT_COLUMNS} FROM hazard_attachments WHERE hazard = ? ORDER BY id"
            ),
            params![hazard],
            attachment_from_row,
        )
        .await
    }

    async fn hazard_attachment_content(
        &self,
        id: i64,
    ) -> StoreResult<Option<(HazardAttachment, Vec<u8>)>> {
        let mut conn = self.backend.read().await?;
        let sql = format!("SELECT {ATTACHMENT_COLUMNS} FROM hazard_attachments WHERE id = ?");
        let Some(mut row) = conn.fetch_optional(&sql, params![id]).await? else {
            return Ok(None);
        };
        let attachment = attachment_from_row(&mut row)?;
        // A blob is written before any attachment naming it and never deleted.
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

    async fn hazard_notifications(&self, user: &str) -> StoreResult<Vec<HazardNotification>> {
        self.read_all(
            "SELECT id, hazard, user_name, reason, created_at, read_at FROM hazard_notifications
             WHERE user_name = ? ORDER BY created_at DESC, id DESC",
            params![user],
            |row| {
                Ok(HazardNotification {
                    id: row.get(0)?,
                    hazard: row.get(1)?,
                    user: row.get(2)?,
                    reason: row.get(3)?,
                    created_at: row.get(4)?,
                    read_at: row.get(5)?,
                })
            },
        )
        .await
    }

    async fn undelivered_hazard_notifications(
        &self,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<HazardNotification>> {
        let all = self
            .read_all(
                "SELECT n.id, n.hazard, n.user_name, n.reason, n.created_at, n.read_at
                 FROM hazard_notifications n
                 LEFT JOIN hazard_deliveries d ON d.notification = n.id
                 WHERE d.notification IS NULL ORDER BY n.id",
                params![],
                |row| {
                    Ok(HazardNotification {
                        id: row.get(0)?,
                        hazard: row.get(1)?,
                        user: row.get(2)?,
                        reason: row.get(3)?,
                        created_at: row.get(4)?,
                        read_at: row.get(5)?,
                    })
                },
            )
            .await?;
        Ok(all.into_iter().filter(|n| n.created_at >= since).collect())
    }

    async fn mark_hazard_notifications_delivered(
        &self,
        ids: &[i64],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.backend.write().await?;
        for &id in ids {
            tx.execute(
                "INSERT INTO hazard_deliveries (notification, delivered_at) VALUES (?, ?)
                 ON CONFLICT (notification) DO NOTHING",
                params![id, at],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn mark_hazard_notifications_read(
        &self,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let mut tx = self.backend.write().await?;
        let n = tx
            .execute(
                "UPDATE hazard_notifications SET read_at = ? WHERE user_name = ? AND read_at IS NULL",
                params![at, user],
            )
            .await?;
        tx.commit().await?;
        Ok(n)
    }
}
