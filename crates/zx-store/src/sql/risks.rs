//! The risk register, site exposures, warnings, alerts and escalations over SQL. Every write
//! takes the writer lock and adds its audit lines in the same transaction.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use zx_domain::safety::Score;

use super::{Backend, Connection, Row, SqlStore, Value, audit};
use crate::{
    ALARM_SYSTEM_USER, ControlLevel, Escalation, Exposure, NaturalHazard, NewAlert, NewWarning,
    Risk, RiskCategory, RiskOutcome, RiskRow, RiskStore, Season, SiteExposure, StoreError,
    StoreResult, StoredRisk, StoredWarning, WarningAlert, WarningLevel, describe_exposure,
    describe_exposure_object, describe_risk, describe_risk_object, describe_warning, params,
    score_of,
};

const RISK_COLUMNS: &str = "id, entity, area, activity, category, hazard, lec_l, lec_e, lec_c, \
     ls_l, ls_s, controls, control_level, owner, active, revision, updated_by, updated_at";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} \"{value}\""))
}

fn risk_from_row(row: &mut Row) -> StoreResult<StoredRisk> {
    let category: String = row.get(4)?;
    let level: String = row.get(12)?;
    let score = score_of(
        (row.get(6)?, row.get(7)?, row.get(8)?),
        (row.get(9)?, row.get(10)?),
    )?;
    Ok(StoredRisk {
        id: row.get(0)?,
        risk: Risk {
            entity: row.get(1)?,
            area: row.get(2)?,
            activity: row.get(3)?,
            category: RiskCategory::parse(&category)
                .ok_or_else(|| corrupt("risk category", &category))?,
            hazard: row.get(5)?,
            score,
            controls: row.get(11)?,
            control_level: ControlLevel::parse(&level)
                .ok_or_else(|| corrupt("control level", &level))?,
            owner: row.get(13)?,
        },
        active: row.get(14)?,
        revision: row.get(15)?,
        updated_by: row.get(16)?,
        updated_at: row.get(17)?,
    })
}

/// The score's columns: `lec_l, lec_e, lec_c, ls_l, ls_s`.
fn score_values(score: &Score) -> [Value; 5] {
    match score {
        Score::Lec(s) => [
            Value::from(s.likelihood()),
            Value::from(s.exposure()),
            Value::from(s.consequence()),
            Value::Int(None),
            Value::Int(None),
        ],
        Score::Matrix(s) => [
            Value::Decimal(None),
            Value::Decimal(None),
            Value::Decimal(None),
            Value::from(i64::from(s.likelihood())),
            Value::from(i64::from(s.severity())),
        ],
    }
}

/// The risk's columns after `id`, in [`RISK_COLUMNS`]'s order up to `owner`.
fn risk_values(risk: &Risk) -> Vec<Value> {
    let mut values = params![
        &risk.entity,
        risk.area.trim(),
        risk.activity.trim(),
        risk.category.as_str(),
        risk.hazard.trim()
    ];
    values.extend(score_values(&risk.score));
    values.extend(params![
        risk.controls.trim(),
        risk.control_level.as_str(),
        risk.owner.trim()
    ]);
    values
}

/// A risk as stored (trimmed), to compare a row with what is registered.
fn trimmed(risk: &Risk) -> Risk {
    Risk {
        area: risk.area.trim().to_owned(),
        activity: risk.activity.trim().to_owned(),
        hazard: risk.hazard.trim().to_owned(),
        controls: risk.controls.trim().to_owned(),
        owner: risk.owner.trim().to_owned(),
        ..risk.clone()
    }
}

async fn load_risk(conn: &mut dyn Connection, id: i64) -> StoreResult<Option<StoredRisk>> {
    let sql = format!("SELECT {RISK_COLUMNS} FROM safety_risks WHERE id = ?");
    let row = conn.fetch_optional(&sql, params![id]).await?;
    row.map(|mut row| risk_from_row(&mut row)).transpose()
}

async fn entity_codes(conn: &mut dyn Connection) -> StoreResult<HashSet<String>> {
    let rows = conn
        .fetch_all("SELECT code FROM entities", params![])
        .await?;
    rows.into_iter()
        .map(|mut row| row.get::<String>(0))
        .collect()
}

const WARNING_COLUMNS: &str =
    "id, region, hazard, level, starts_at, ends_at, source, recorded_by, recorded_at";

fn warning_from_row(row: &mut Row) -> StoreResult<StoredWarning> {
    let hazard: String = row.get(2)?;
    let level: String = row.get(3)?;
    Ok(StoredWarning {
        id: row.get(0)?,
        warning: NewWarning {
            region: row.get(1)?,
            hazard: NaturalHazard::parse(&hazard).ok_or_else(|| corrupt("hazard", &hazard))?,
            level: WarningLevel::parse(&level).ok_or_else(|| corrupt("level", &level))?,
            from: row.get(4)?,
            to: row.get(5)?,
        },
        source: row.get(6)?,
        recorded_by: row.get(7)?,
        recorded_at: row.get(8)?,
    })
}

const ALERT_COLUMNS: &str = "id, warning, entity, triggered_at, acknowledge_by, acknowledged_by, \
     acknowledged_at, note";

fn alert_from_row(row: &mut Row) -> StoreResult<WarningAlert> {
    Ok(WarningAlert {
        id: row.get(0)?,
        warning: row.get(1)?,
        entity: row.get(2)?,
        triggered_at: row.get(3)?,
        acknowledge_by: row.get(4)?,
        acknowledged_by: row.get(5)?,
        acknowledged_at: row.get(6)?,
        note: row.get(7)?,
    })
}

async fn load_alert(conn: &mut dyn Connection, id: i64) -> StoreResult<Option<WarningAlert>> {
    let sql = format!("SELECT {ALERT_COLUMNS} FROM warning_alerts WHERE id = ?");
    let row = conn.fetch_optional(&sql, params![id]).await?;
    row.map(|mut row| alert_from_row(&mut row)).transpose()
}

fn exposure_from_row(row: &mut Row) -> StoreResult<SiteExposure> {
    let hazard: String = row.get(1)?;
    let exposure: String = row.get(2)?;
    let season: Option<String> = row.get(3)?;
    Ok(SiteExposure {
        entity: row.get(0)?,
        hazard: NaturalHazard::parse(&hazard).ok_or_else(|| corrupt("hazard", &hazard))?,
        exposure: Exposure::parse(&exposure).ok_or_else(|| corrupt("exposure", &exposure))?,
        season: season
            .map(|s| Season::parse(&s).ok_or_else(|| corrupt("season", &s)))
            .transpose()?,
    })
}

/// Row `n` (from 1) of a save and what is wrong with it.
fn bad_row(n: usize, message: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("risk row {n}: {message}"))
}

#[async_trait]
impl<B: Backend> RiskStore for SqlStore<B> {
    async fn risks(&self) -> StoreResult<Vec<StoredRisk>> {
        let sql = format!("SELECT {RISK_COLUMNS} FROM safety_risks ORDER BY id");
        self.read_all(&sql, params![], risk_from_row).await
    }

    async fn risk(&self, id: i64) -> StoreResult<Option<StoredRisk>> {
        load_risk(&mut *self.backend.read().await?, id).await
    }

    async fn save_risks(
        &self,
        rows: Vec<RiskRow>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, RiskOutcome)>> {
        let mut tx = self.backend.write().await?;
        let entities = entity_codes(&mut *tx).await?;
        let mut seen = HashSet::new();
        let mut outcomes = Vec::with_capacity(rows.len());
        for (index, row) in rows.iter().enumerate() {
            let n = index + 1;
            row.risk.check().map_err(|e| bad_row(n, e))?;
            if !entities.contains(row.risk.entity.as_str()) {
                return Err(bad_row(n, format!("unknown entity {}", row.risk.entity)));
            }
            let risk = trimmed(&row.risk);
            let Some(id) = row.id else {
                let mut values = risk_values(&risk);
                values.extend(params![user, at]);
                let inserted = tx
                    .fetch_optional(
                        "INSERT INTO safety_risks (entity, area, activity, category, hazard, \
                         lec_l, lec_e, lec_c, ls_l, ls_s, controls, control_level, owner, \
                         active, revision, updated_by, updated_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, 1, ?, ?) RETURNING id",
                        values,
                    )
                    .await?
                    .ok_or_else(|| StoreError::Database("INSERT … RETURNING id gave no row".into()))?;
                let id: i64 = { inserted }.get(0)?;
                audit(
                    &mut *tx,
                    at,
                    user,
                    "risk.create",
                    &describe_risk_object(id),
                    None,
                    Some(describe_risk(&risk)),
                    None,
                )
                .await?;
                outcomes.push((id, RiskOutcome::Created));
                continue;
            };
            if !seen.insert(id) {
                return Err(bad_row(n, format!("risk {id} appears twice")));
            }
            let stored = load_risk(&mut *tx, id)
                .await?
                .ok_or_else(|| bad_row(n, format!("no risk {id}")))?;
            if stored.risk.entity != risk.entity {
                return Err(bad_row(
                    n,
                    format!(
                        "risk {id} belongs to {}, not {}",
                        stored.risk.entity, risk.entity
                    ),
                ));
            }
            if stored.risk == risk && stored.active {
                outcomes.push((id, RiskOutcome::Unchanged));
                continue;
            }
            let mut values = risk_values(&risk);
            values.extend(params![user, at, id]);
            tx.execute(
                "UPDATE safety_risks SET entity = ?, area = ?, activity = ?, category = ?, \
                 hazard = ?, lec_l = ?, lec_e = ?, lec_c = ?, ls_l = ?, ls_s = ?, controls = ?, \
                 control_level = ?, owner = ?, active = TRUE, revision = revision + 1, \
                 updated_by = ?, updated_at = ? WHERE id = ?",
                values,
            )
            .await?;
            audit(
                &mut *tx,
                at,
                user,
                "risk.revise",
                &describe_risk_object(id),
                Some(describe_risk(&stored.risk)),
                Some(describe_risk(&risk)),
                None,
            )
            .await?;
            outcomes.push((id, RiskOutcome::Revised));
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn retire_risk(
        &self,
        id: i64,
        reason: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid(format!(
                "risk {id}: retiring it needs a reason"
            )));
        }
        let mut tx = self.backend.write().await?;
        let stored = load_risk(&mut *tx, id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("no risk {id}")))?;
        if !stored.active {
            return Err(StoreError::Invalid(format!("risk {id} is retired already")));
        }
        tx.execute(
            "UPDATE safety_risks SET active = FALSE, revision = revision + 1, updated_by = ?, \
             updated_at = ? WHERE id = ?",
            params![user, at, id],
        )
        .await?;
        audit(
            &mut *tx,
            at,
            user,
            "risk.retire",
            &describe_risk_object(id),
            Some(describe_risk(&stored.risk)),
            Some(format!("retired; reason={reason}")),
            None,
        )
        .await?;
        tx.commit().await
    }

    async fn site_exposures(&self) -> StoreResult<Vec<SiteExposure>> {
        self.read_all(
            "SELECT entity, hazard, exposure, season FROM site_exposures ORDER BY entity, hazard",
            params![],
            exposure_from_row,
        )
        .await
    }

    async fn set_site_exposures(
        &self,
        exposures: Vec<SiteExposure>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let mut tx = self.backend.write().await?;
        let entities = entity_codes(&mut *tx).await?;
        let mut changed = 0;
        for x in exposures {
            if !entities.contains(x.entity.as_str()) {
                return Err(StoreError::Invalid(format!("unknown entity {}", x.entity)));
            }
            let old = tx
                .fetch_optional(
                    "SELECT entity, hazard, exposure, season FROM site_exposures \
                     WHERE entity = ? AND hazard = ?",
                    params![&x.entity, x.hazard.as_str()],
                )
                .await?
                .map(|mut row| exposure_from_row(&mut row))
                .transpose()?;
            if old.as_ref() == Some(&x) {
                continue;
            }
            let season = x.season.map(Season::code);
            tx.execute(
                "INSERT INTO site_exposures (entity, hazard, exposure, season, updated_by, \
                 updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (entity, hazard) DO UPDATE \
                 SET exposure = excluded.exposure, season = excluded.season, \
                 updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                params![
                    &x.entity,
                    x.hazard.as_str(),
                    x.exposure.as_str(),
                    season,
                    user,
                    at
                ],
            )
            .await?;
            audit(
                &mut *tx,
                at,
                user,
                "exposure.set",
                &describe_exposure_object(&x.entity, x.hazard),
                old.map(|o| describe_exposure(o.exposure, o.season)),
                Some(describe_exposure(x.exposure, x.season)),
                None,
            )
            .await?;
            changed += 1;
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn add_warnings(
        &self,
        warnings: Vec<(NewWarning, Vec<NewAlert>)>,
        source: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>> {
        let mut tx = self.backend.write().await?;
        let entities = entity_codes(&mut *tx).await?;
        let mut ids = Vec::with_capacity(warnings.len());
        for (warning, alerts) in warnings {
            warning
                .check()
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let row = tx
                .fetch_optional(
                    "INSERT INTO natural_warnings (region, hazard, level, starts_at, ends_at, \
                     source, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
                     RETURNING id",
                    params![
                        warning.region.trim(),
                        warning.hazard.as_str(),
                        warning.level.as_str(),
                        warning.from,
                        warning.to,
                        source,
                        user,
                        at
                    ],
                )
                .await?
                .ok_or_else(|| StoreError::Database("INSERT … RETURNING id gave no row".into()))?;
            let id: i64 = { row }.get(0)?;
            audit(
                &mut *tx,
                at,
                user,
                "warning.add",
                &format!("warning {id}"),
                None,
                Some(describe_warning(&warning)),
                None,
            )
            .await?;
            for alert in alerts {
                if !entities.contains(alert.entity.as_str()) {
                    return Err(StoreError::Invalid(format!(
                        "unknown entity {}",
                        alert.entity
                    )));
                }
                tx.execute(
                    "INSERT INTO warning_alerts (warning, entity, triggered_at, acknowledge_by) \
                     VALUES (?, ?, ?, ?)",
                    params![id, &alert.entity, at, alert.acknowledge_by],
                )
                .await?;
                audit(
                    &mut *tx,
                    at,
                    user,
                    "warning_alert.trigger",
                    &format!("warning {id} {}", alert.entity),
                    None,
                    Some(format!(
                        "acknowledge_by={}",
                        super::timestamp_text(alert.acknowledge_by)
                    )),
                    None,
                )
                .await?;
            }
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn warnings(&self) -> StoreResult<Vec<StoredWarning>> {
        let sql = format!(
            "SELECT {WARNING_COLUMNS} FROM natural_warnings ORDER BY starts_at DESC, id DESC"
        );
        self.read_all(&sql, params![], warning_from_row).await
    }

    async fn warning_alerts(&self) -> StoreResult<Vec<WarningAlert>> {
        let sql = format!("SELECT {ALERT_COLUMNS} FROM warning_alerts ORDER BY id");
        self.read_all(&sql, params![], alert_from_row).await
    }

    async fn acknowledge_warning_alert(
        &self,
        id: i64,
        note: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<WarningAlert> {
        let mut tx = self.backend.write().await?;
        let alert = load_alert(&mut *tx, id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("no warning alert {id}")))?;
        if let Some(by) = &alert.acknowledged_by {
            return Err(StoreError::Conflict(format!(
                "warning alert {id} was acknowledged by {by} already"
            )));
        }
        let note = Some(note.trim()).filter(|n| !n.is_empty());
        tx.execute(
            "UPDATE warning_alerts SET acknowledged_by = ?, acknowledged_at = ?, note = ? \
             WHERE id = ?",
            params![user, at, note, id],
        )
        .await?;
        audit(
            &mut *tx,
            at,
            user,
            "warning_alert.acknowledge",
            &format!("warning {} {}", alert.warning, alert.entity),
            None,
            Some(note.map_or_else(
                || "acknowledged".to_owned(),
                |n| format!("acknowledged: {n}"),
            )),
            None,
        )
        .await?;
        let done = load_alert(&mut *tx, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("warning alert {id} vanished")))?;
        tx.commit().await?;
        Ok(done)
    }

    async fn record_escalations(
        &self,
        escalations: Vec<(i64, String)>,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<Escalation>> {
        let mut tx = self.backend.write().await?;
        let mut recorded = Vec::new();
        for (alert, user) in escalations {
            let Some(stored) = load_alert(&mut *tx, alert).await? else {
                return Err(StoreError::Invalid(format!("no warning alert {alert}")));
            };
            let inserted = tx
                .execute(
                    "INSERT INTO warning_escalations (alert, user_name, escalated_at) \
                     VALUES (?, ?, ?) ON CONFLICT (alert, user_name) DO NOTHING",
                    params![alert, &user, at],
                )
                .await?;
            if inserted == 0 {
                continue;
            }
            audit(
                &mut *tx,
                at,
                ALARM_SYSTEM_USER,
                "warning_alert.escalate",
                &format!("warning {} {}", stored.warning, stored.entity),
                None,
                Some(format!("escalated to {user}")),
                None,
            )
            .await?;
            recorded.push(Escalation { alert, user, at });
        }
        tx.commit().await?;
        Ok(recorded)
    }

    async fn escalations(&self) -> StoreResult<Vec<Escalation>> {
        self.read_all(
            "SELECT alert, user_name, escalated_at FROM warning_escalations \
             ORDER BY alert, user_name",
            params![],
            |row| {
                Ok(Escalation {
                    alert: row.get(0)?,
                    user: row.get(1)?,
                    at: row.get(2)?,
                })
            },
        )
        .await
    }
}
