//! Safety records (plans, drills, people, training, certificates) over SQL: one import
//! transaction under the writer lock, every change audited in it, rows matched on their
//! natural keys and compared through their audit text, so "changed" means exactly what the
//! audit log would show.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use zx_domain::safety::{
    Certificate, Drill, Person, PersonRole, Plan, PlanKind, SafetyRecords, TrainingRecord,
};

use super::{Backend, Connection, Row, SqlStore, Value, audit, read_all};
use crate::{
    SafetyImportSummary, SafetyRecordStore, SafetySource, StoreError, StoreResult,
    describe_certificate, describe_certificate_object, describe_drill, describe_drill_object,
    describe_person, describe_person_object, describe_plan, describe_plan_object,
    describe_safety_import, describe_training, describe_training_object, params,
};

const PLANS: &str = "SELECT entity, plan, kind, approved FROM safety_plans ORDER BY entity, plan";
const DRILLS: &str = "SELECT entity, plan, drill_date, joint_with FROM safety_drills
                      ORDER BY entity, plan, drill_date";
const PEOPLE: &str =
    "SELECT person, entity, role, role_since, hired FROM safety_people ORDER BY person";
const TRAINING: &str = "SELECT person, training_date, hours, course FROM safety_training
                        ORDER BY person, training_date, course";
const CERTIFICATES: &str = "SELECT person, kind, number, issued, expires, last_review
                            FROM safety_certificates ORDER BY number";

fn plan_from_row(row: &mut Row) -> StoreResult<Plan> {
    let kind: String = row.get(2)?;
    Ok(Plan {
        entity: row.get(0)?,
        plan: row.get(1)?,
        kind: PlanKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("plan kind {kind:?}")))?,
        approved: row.get(3)?,
    })
}

fn drill_from_row(row: &mut Row) -> StoreResult<Drill> {
    Ok(Drill {
        entity: row.get(0)?,
        plan: row.get(1)?,
        date: row.get(2)?,
        joint_with: row.get(3)?,
    })
}

fn person_from_row(row: &mut Row) -> StoreResult<Person> {
    let role: String = row.get(2)?;
    Ok(Person {
        person: row.get(0)?,
        entity: row.get(1)?,
        role: PersonRole::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("person role {role:?}")))?,
        role_since: row.get(3)?,
        hired: row.get(4)?,
    })
}

fn training_from_row(row: &mut Row) -> StoreResult<TrainingRecord> {
    Ok(TrainingRecord {
        person: row.get(0)?,
        date: row.get(1)?,
        hours: row.get(2)?,
        course: row.get(3)?,
    })
}

fn certificate_from_row(row: &mut Row) -> StoreResult<Certificate> {
    Ok(Certificate {
        person: row.get(0)?,
        kind: row.get(1)?,
        number: row.get(2)?,
        issued: row.get(3)?,
        expires: row.get(4)?,
        last_review: row.get(5)?,
    })
}

async fn load(conn: &mut dyn Connection) -> StoreResult<SafetyRecords> {
    Ok(SafetyRecords {
        hazards: Vec::new(),
        plans: read_all(conn, PLANS, params![], plan_from_row).await?,
        drills: read_all(conn, DRILLS, params![], drill_from_row).await?,
        people: read_all(conn, PEOPLE, params![], person_from_row).await?,
        training: read_all(conn, TRAINING, params![], training_from_row).await?,
        certificates: read_all(conn, CERTIFICATES, params![], certificate_from_row).await?,
    })
}

/// The references and keys of an import, checked against what is stored before any write.
fn check_import(
    records: &SafetyRecords,
    stored: &SafetyRecords,
    entities: &HashSet<String>,
) -> StoreResult<()> {
    let invalid = |what: String| Err(StoreError::Invalid(what));
    for entity in records
        .plans
        .iter()
        .map(|p| &p.entity)
        .chain(records.people.iter().map(|p| &p.entity))
    {
        if !entities.contains(entity.as_str()) {
            return invalid(format!("{entity} is not a known entity"));
        }
    }
    let mut keys = HashSet::new();
    for plan in &records.plans {
        if !keys.insert((plan.entity.as_str(), plan.plan.as_str())) {
            return invalid(format!(
                "plan {}/{} is listed twice",
                plan.entity, plan.plan
            ));
        }
    }
    let plans: HashSet<(&str, &str)> = stored
        .plans
        .iter()
        .chain(&records.plans)
        .map(|p| (p.entity.as_str(), p.plan.as_str()))
        .collect();
    for drill in &records.drills {
        if !plans.contains(&(drill.entity.as_str(), drill.plan.as_str())) {
            return invalid(format!(
                "drill of {}/{}: no such plan",
                drill.entity, drill.plan
            ));
        }
    }
    let mut persons = HashSet::new();
    for person in &records.people {
        if !persons.insert(person.person.as_str()) {
            return invalid(format!("person {} is listed twice", person.person));
        }
    }
    let people: HashSet<&str> = stored
        .people
        .iter()
        .chain(&records.people)
        .map(|p| p.person.as_str())
        .collect();
    for person in records
        .training
        .iter()
        .map(|t| &t.person)
        .chain(records.certificates.iter().map(|c| &c.person))
    {
        if !people.contains(person.as_str()) {
            return invalid(format!("{person} is not a person of the staff list"));
        }
    }
    let mut drills = HashSet::new();
    for drill in &records.drills {
        if !drills.insert((drill.entity.as_str(), drill.plan.as_str(), drill.date)) {
            return invalid(format!(
                "the drill of {}/{} on {} is listed twice",
                drill.entity, drill.plan, drill.date
            ));
        }
    }
    let mut training = HashSet::new();
    for record in &records.training {
        if !training.insert((record.person.as_str(), record.date, record.course.as_str())) {
            return invalid(format!(
                "the training of {} on {} in {} is listed twice",
                record.person, record.date, record.course
            ));
        }
    }
    let mut numbers = HashSet::new();
    for certificate in &records.certificates {
        if !numbers.insert(certificate.number.as_str()) {
            return invalid(format!(
                "certificate {} is listed twice",
                certificate.number
            ));
        }
    }
    Ok(())
}

/// One record to write: its audit object and text, what the stored one says (if any), and the
/// statements that create or revise it.
struct Write {
    action: &'static str,
    object: String,
    new: String,
    old: Option<String>,
    insert: (&'static str, Vec<Value>),
    update: (&'static str, Vec<Value>),
}

async fn apply(
    conn: &mut dyn Connection,
    write: Write,
    user: &str,
    at: DateTime<Utc>,
    summary: &mut SafetyImportSummary,
) -> StoreResult<()> {
    match &write.old {
        Some(old) if *old == write.new => {
            summary.unchanged += 1;
            return Ok(());
        }
        Some(_) => {
            conn.execute(write.update.0, write.update.1).await?;
            summary.revised += 1;
        }
        None => {
            conn.execute(write.insert.0, write.insert.1).await?;
            summary.created += 1;
        }
    }
    let action = format!(
        "safety_{}.{}",
        write.action,
        if write.old.is_some() {
            "revise"
        } else {
            "create"
        }
    );
    audit(
        conn,
        at,
        user,
        &action,
        &write.object,
        write.old,
        Some(write.new),
        None,
    )
    .await
}

fn writes(records: &SafetyRecords, stored: &SafetyRecords, at: DateTime<Utc>) -> Vec<Write> {
    let mut out = Vec::new();
    let plans: HashMap<_, _> = stored
        .plans
        .iter()
        .map(|p| ((&p.entity, &p.plan), describe_plan(p)))
        .collect();
    for p in &records.plans {
        out.push(Write {
            action: "plan",
            object: describe_plan_object(p),
            new: describe_plan(p),
            old: plans.get(&(&p.entity, &p.plan)).cloned(),
            insert: (
                "INSERT INTO safety_plans (entity, plan, kind, approved, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?)",
                params![&p.entity, &p.plan, p.kind.code(), p.approved, at, at],
            ),
            update: (
                "UPDATE safety_plans SET kind = ?, approved = ?, revision = revision + 1,
                   updated_at = ? WHERE entity = ? AND plan = ?",
                params![p.kind.code(), p.approved, at, &p.entity, &p.plan],
            ),
        });
    }
    let people: HashMap<_, _> = stored
        .people
        .iter()
        .map(|p| (&p.person, describe_person(p)))
        .collect();
    for p in &records.people {
        out.push(Write {
            action: "person",
            object: describe_person_object(p),
            new: describe_person(p),
            old: people.get(&p.person).cloned(),
            insert: (
                "INSERT INTO safety_people (person, entity, role, role_since, hired, created_at,
                   updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                params![
                    &p.person,
                    &p.entity,
                    p.role.code(),
                    p.role_since,
                    p.hired,
                    at,
                    at
                ],
            ),
            update: (
                "UPDATE safety_people SET entity = ?, role = ?, role_since = ?, hired = ?,
                   revision = revision + 1, updated_at = ? WHERE person = ?",
                params![
                    &p.entity,
                    p.role.code(),
                    p.role_since,
                    p.hired,
                    at,
                    &p.person
                ],
            ),
        });
    }
    let drills: HashMap<_, _> = stored
        .drills
        .iter()
        .map(|d| ((&d.entity, &d.plan, d.date), describe_drill(d)))
        .collect();
    for d in &records.drills {
        out.push(Write {
            action: "drill",
            object: describe_drill_object(d),
            new: describe_drill(d),
            old: drills.get(&(&d.entity, &d.plan, d.date)).cloned(),
            insert: (
                "INSERT INTO safety_drills (entity, plan, drill_date, joint_with, created_at,
                   updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                params![&d.entity, &d.plan, d.date, d.joint_with.as_ref(), at, at],
            ),
            update: (
                "UPDATE safety_drills SET joint_with = ?, revision = revision + 1, updated_at = ?
                 WHERE entity = ? AND plan = ? AND drill_date = ?",
                params![d.joint_with.as_ref(), at, &d.entity, &d.plan, d.date],
            ),
        });
    }
    let training: HashMap<_, _> = stored
        .training
        .iter()
        .map(|t| ((&t.person, t.date, &t.course), describe_training(t)))
        .collect();
    for t in &records.training {
        out.push(Write {
            action: "training",
            object: describe_training_object(t),
            new: describe_training(t),
            old: training.get(&(&t.person, t.date, &t.course)).cloned(),
            insert: (
                "INSERT INTO safety_training (person, training_date, hours, course, created_at,
                   updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                params![&t.person, t.date, t.hours, &t.course, at, at],
            ),
            update: (
                "UPDATE safety_training SET hours = ?, revision = revision + 1, updated_at = ?
                 WHERE person = ? AND training_date = ? AND course = ?",
                params![t.hours, at, &t.person, t.date, &t.course],
            ),
        });
    }
    let certificates: HashMap<_, _> = stored
        .certificates
        .iter()
        .map(|c| (&c.number, describe_certificate(c)))
        .collect();
    for c in &records.certificates {
        out.push(Write {
            action: "certificate",
            object: describe_certificate_object(c),
            new: describe_certificate(c),
            old: certificates.get(&c.number).cloned(),
            insert: (
                "INSERT INTO safety_certificates (number, person, kind, issued, expires,
                   last_review, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                params![
                    &c.number,
                    &c.person,
                    &c.kind,
                    c.issued,
                    c.expires,
                    c.last_review,
                    at,
                    at
                ],
            ),
            update: (
                "UPDATE safety_certificates SET person = ?, kind = ?, issued = ?, expires = ?,
                   last_review = ?, revision = revision + 1, updated_at = ? WHERE number = ?",
                params![
                    &c.person,
                    &c.kind,
                    c.issued,
                    c.expires,
                    c.last_review,
                    at,
                    &c.number
                ],
            ),
        });
    }
    out
}

#[async_trait]
impl<B: Backend> SafetyRecordStore for SqlStore<B> {
    async fn import_safety_records(
        &self,
        records: &SafetyRecords,
        sources: &[SafetySource],
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<SafetyImportSummary> {
        let mut tx = self.backend.write().await?;
        let entities: HashSet<String> =
            read_all(&mut *tx, "SELECT code FROM entities", params![], |r| {
                r.get(0)
            })
            .await?
            .into_iter()
            .collect();
        let stored = load(&mut *tx).await?;
        check_import(records, &stored, &entities)?;
        let mut summary = SafetyImportSummary::default();
        for write in writes(records, &stored, at) {
            apply(&mut *tx, write, user, at, &mut summary).await?;
        }
        if !records.hazards.is_empty() {
            let hazard_files: Vec<&SafetySource> =
                sources.iter().filter(|s| s.kind == "hazards").collect();
            let names: Vec<&str> = hazard_files.iter().map(|s| s.file.as_str()).collect();
            let shas: Vec<&str> = hazard_files.iter().map(|s| s.sha256.as_str()).collect();
            summary.hazards = super::hazard_import::import(
                &mut *tx,
                records.hazards.clone(),
                &names.join(", "),
                &shas.join(", "),
                user,
                at,
            )
            .await?;
        }
        audit(
            &mut *tx,
            at,
            user,
            "safety.import",
            "safety records",
            None,
            Some(describe_safety_import(sources, &summary)),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(summary)
    }

    async fn safety_records(&self) -> StoreResult<SafetyRecords> {
        load(&mut *self.backend.read().await?).await
    }
}
