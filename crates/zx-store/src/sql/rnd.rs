//! The R&D register over SQL. A save takes the writer lock and writes its audit lines in the
//! same transaction; spend corrections are new revisions, never updates of an amount.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use zx_domain::{Decimal, Month};

use super::{Backend, Connection, Row, SqlStore, Value, audit, month_first_day};
use crate::{
    BudgetRow, FieldKind, Gate, PartnerKind, PartnerRow, Project, Results, RndChanges, RndOutcome,
    RndStore, SpendRow, Stage, StoreError, StoreResult, StoredProject, StoredSpend,
    describe_project, describe_project_object, params,
};

const PROJECT_COLUMNS: &str = "id, code, entity, name, field, field_kind, \
     initiation_planned, initiation_actual, research_planned, research_actual, pilot_planned, \
     pilot_actual, demonstration_planned, demonstration_actual, closed_planned, closed_actual, \
     leader, members, patents_filed, patents_granted, standards, software_copyrights, awards, \
     application_revenue, revision, updated_by, updated_at";

/// How members are kept in one column (and written in the workbook).
pub const MEMBER_SEPARATOR: &str = "、";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} \"{value}\""))
}

fn count(row: &mut Row, index: usize) -> StoreResult<u32> {
    let n: i64 = row.get(index)?;
    u32::try_from(n).map_err(|_| corrupt("count", &n.to_string()))
}

fn project_from_row(row: &mut Row) -> StoreResult<StoredProject> {
    let kind: String = row.get(5)?;
    let mut gates = [Gate::default(); 5];
    for (i, gate) in gates.iter_mut().enumerate() {
        gate.planned = row.get(6 + 2 * i)?;
        gate.actual = row.get(7 + 2 * i)?;
    }
    let members: String = row.get(17)?;
    Ok(StoredProject {
        id: row.get(0)?,
        project: Project {
            code: row.get(1)?,
            entity: row.get(2)?,
            name: row.get(3)?,
            field: row.get(4)?,
            field_kind: FieldKind::parse(&kind).ok_or_else(|| corrupt("field kind", &kind))?,
            gates,
            leader: row.get(16)?,
            members: split_members(&members),
            results: Results {
                patents_filed: count(row, 18)?,
                patents_granted: count(row, 19)?,
                standards: count(row, 20)?,
                software_copyrights: count(row, 21)?,
                awards: count(row, 22)?,
                application_revenue: row.get(23)?,
            },
        },
        revision: row.get(24)?,
        updated_by: row.get(25)?,
        updated_at: row.get(26)?,
    })
}

fn split_members(text: &str) -> Vec<String> {
    text.split(MEMBER_SEPARATOR)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A project as stored: texts trimmed, members without blanks.
fn trimmed(p: &Project) -> Project {
    Project {
        code: p.code.trim().to_owned(),
        name: p.name.trim().to_owned(),
        field: p.field.trim().to_owned(),
        leader: p.leader.trim().to_owned(),
        members: p
            .members
            .iter()
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty())
            .collect(),
        ..p.clone()
    }
}

/// The project's columns from `entity` to `application_revenue`.
fn project_values(p: &Project) -> Vec<Value> {
    let mut values = params![&p.entity, &p.name, &p.field, p.field_kind.as_str()];
    for stage in Stage::ALL {
        let g = p.gate(stage);
        values.push(Value::Date(g.planned));
        values.push(Value::Date(g.actual));
    }
    let r = &p.results;
    values.extend(params![
        &p.leader,
        p.members.join(MEMBER_SEPARATOR),
        i64::from(r.patents_filed),
        i64::from(r.patents_granted),
        i64::from(r.standards),
        i64::from(r.software_copyrights),
        i64::from(r.awards),
        r.application_revenue
    ]);
    values
}

async fn load_projects(conn: &mut dyn Connection) -> StoreResult<Vec<StoredProject>> {
    let sql = format!("SELECT {PROJECT_COLUMNS} FROM rnd_projects ORDER BY code");
    super::read_all(conn, &sql, params![], project_from_row).await
}

async fn entity_codes(conn: &mut dyn Connection) -> StoreResult<HashSet<String>> {
    let rows = conn
        .fetch_all("SELECT code FROM entities", params![])
        .await?;
    rows.into_iter()
        .map(|mut row| row.get::<String>(0))
        .collect()
}

const SPEND_SELECT: &str = "SELECT p.code, p.entity, s.month, s.amount, s.revision, s.current, \
     s.recorded_by, s.recorded_at FROM rnd_spend s JOIN rnd_projects p ON p.id = s.project";

fn spend_from_row(row: &mut Row) -> StoreResult<StoredSpend> {
    use chrono::Datelike;
    let first: NaiveDate = row.get(2)?;
    let month = Month::new(first.year(), first.month())
        .map_err(|_| corrupt("spend month", &first.to_string()))?;
    Ok(StoredSpend {
        project: row.get(0)?,
        entity: row.get(1)?,
        month,
        amount: row.get(3)?,
        revision: row.get(4)?,
        current: row.get(5)?,
        recorded_by: row.get(6)?,
        recorded_at: row.get(7)?,
    })
}

fn bad(what: &str, n: usize, message: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("{what} row {n}: {message}"))
}

async fn insert_returning_id(
    conn: &mut dyn Connection,
    sql: &str,
    values: Vec<Value>,
) -> StoreResult<i64> {
    let mut row = conn
        .fetch_optional(sql, values)
        .await?
        .ok_or_else(|| StoreError::Database("INSERT … RETURNING id gave no row".into()))?;
    row.get(0)
}

#[async_trait]
impl<B: Backend> RndStore for SqlStore<B> {
    async fn rnd_projects(&self) -> StoreResult<Vec<StoredProject>> {
        load_projects(&mut *self.backend.read().await?).await
    }

    async fn rnd_project(&self, code: &str) -> StoreResult<Option<StoredProject>> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM rnd_projects WHERE code = ?");
        let row = self
            .backend
            .read()
            .await?
            .fetch_optional(&sql, params![code])
            .await?;
        row.map(|mut row| project_from_row(&mut row)).transpose()
    }

    async fn rnd_budgets(&self) -> StoreResult<Vec<BudgetRow>> {
        self.read_all(
            "SELECT p.code, b.year, b.amount FROM rnd_budgets b \
             JOIN rnd_projects p ON p.id = b.project ORDER BY p.code, b.year",
            params![],
            |row| {
                Ok(BudgetRow {
                    project: row.get(0)?,
                    year: row.get(1)?,
                    amount: row.get(2)?,
                })
            },
        )
        .await
    }

    async fn rnd_spend(&self) -> StoreResult<Vec<StoredSpend>> {
        let sql = format!("{SPEND_SELECT} WHERE s.current = ? ORDER BY p.code, s.month");
        self.read_all(&sql, params![true], spend_from_row).await
    }

    async fn rnd_spend_history(&self, code: &str) -> StoreResult<Vec<StoredSpend>> {
        let sql = format!("{SPEND_SELECT} WHERE p.code = ? ORDER BY s.month, s.revision");
        self.read_all(&sql, params![code], spend_from_row).await
    }

    async fn rnd_partners(&self) -> StoreResult<Vec<PartnerRow>> {
        self.read_all(
            "SELECT p.code, r.name, r.kind FROM rnd_partners r \
             JOIN rnd_projects p ON p.id = r.project ORDER BY p.code, r.name",
            params![],
            |row| {
                let kind: String = row.get(2)?;
                Ok(PartnerRow {
                    project: row.get(0)?,
                    name: row.get(1)?,
                    kind: PartnerKind::parse(&kind)
                        .ok_or_else(|| corrupt("partner kind", &kind))?,
                })
            },
        )
        .await
    }

    async fn save_rnd(
        &self,
        changes: RndChanges,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<RndOutcome> {
        let mut tx = self.backend.write().await?;
        let mut outcome = RndOutcome::default();
        let entities = entity_codes(&mut *tx).await?;
        let stored: HashMap<String, StoredProject> = load_projects(&mut *tx)
            .await?
            .into_iter()
            .map(|p| (p.project.code.clone(), p))
            .collect();
        let mut ids: HashMap<String, i64> = stored
            .iter()
            .map(|(code, p)| (code.clone(), p.id))
            .collect();
        save_projects(
            &mut *tx,
            &changes.projects,
            &entities,
            &stored,
            &mut ids,
            user,
            at,
            &mut outcome,
        )
        .await?;
        save_budgets(&mut *tx, &changes.budgets, &ids, user, at, &mut outcome).await?;
        save_spend(&mut *tx, &changes.spend, &ids, user, at, &mut outcome).await?;
        save_partners(&mut *tx, &changes.partners, &ids, user, at, &mut outcome).await?;
        tx.commit().await?;
        Ok(outcome)
    }
}

#[allow(clippy::too_many_arguments)]
async fn save_projects(
    tx: &mut dyn Connection,
    projects: &[Project],
    entities: &HashSet<String>,
    stored: &HashMap<String, StoredProject>,
    ids: &mut HashMap<String, i64>,
    user: &str,
    at: DateTime<Utc>,
    outcome: &mut RndOutcome,
) -> StoreResult<()> {
    let mut seen = HashSet::new();
    for (index, project) in projects.iter().enumerate() {
        let n = index + 1;
        let p = trimmed(project);
        p.check().map_err(|e| bad("project", n, e))?;
        if !entities.contains(p.entity.as_str()) {
            return Err(bad("project", n, format!("unknown entity {}", p.entity)));
        }
        if !seen.insert(p.code.clone()) {
            return Err(bad("project", n, format!("{} appears twice", p.code)));
        }
        let object = describe_project_object(&p.code);
        match stored.get(&p.code) {
            None => {
                let mut values = params![&p.code];
                values.extend(project_values(&p));
                values.extend(params![user, at]);
                let id = insert_returning_id(
                    tx,
                    &format!(
                        "INSERT INTO rnd_projects ({}) VALUES ({}, 1, ?, ?) RETURNING id",
                        &PROJECT_COLUMNS["id, ".len()..],
                        vec!["?"; 23].join(", ")
                    ),
                    values,
                )
                .await?;
                ids.insert(p.code.clone(), id);
                let new = Some(describe_project(&p));
                audit(tx, at, user, "rnd_project.create", &object, None, new, None).await?;
                outcome.created += 1;
            }
            Some(s) if s.project.entity != p.entity => {
                return Err(bad(
                    "project",
                    n,
                    format!(
                        "{} belongs to {}, not {}: a project does not change entity",
                        p.code, s.project.entity, p.entity
                    ),
                ));
            }
            Some(s) if s.project == p => outcome.unchanged += 1,
            Some(s) => {
                let mut values = project_values(&p);
                values.extend(params![user, at, s.id]);
                tx.execute(
                    "UPDATE rnd_projects SET entity = ?, name = ?, field = ?, field_kind = ?, \
                     initiation_planned = ?, initiation_actual = ?, research_planned = ?, \
                     research_actual = ?, pilot_planned = ?, pilot_actual = ?, \
                     demonstration_planned = ?, demonstration_actual = ?, closed_planned = ?, \
                     closed_actual = ?, leader = ?, members = ?, patents_filed = ?, \
                     patents_granted = ?, standards = ?, software_copyrights = ?, awards = ?, \
                     application_revenue = ?, revision = revision + 1, updated_by = ?, \
                     updated_at = ? WHERE id = ?",
                    values,
                )
                .await?;
                let (old, new) = (describe_project(&s.project), describe_project(&p));
                audit(
                    tx,
                    at,
                    user,
                    "rnd_project.revise",
                    &object,
                    Some(old),
                    Some(new),
                    None,
                )
                .await?;
                outcome.revised += 1;
            }
        }
    }
    Ok(())
}

fn project_id(ids: &HashMap<String, i64>, what: &str, n: usize, code: &str) -> StoreResult<i64> {
    ids.get(code.trim())
        .copied()
        .ok_or_else(|| bad(what, n, format!("no project {}", code.trim())))
}

fn not_negative(what: &str, n: usize, amount: Decimal) -> StoreResult<()> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(bad(what, n, format!("{amount} is negative")));
    }
    Ok(())
}

async fn save_budgets(
    tx: &mut dyn Connection,
    budgets: &[BudgetRow],
    ids: &HashMap<String, i64>,
    user: &str,
    at: DateTime<Utc>,
    outcome: &mut RndOutcome,
) -> StoreResult<()> {
    let mut seen = HashSet::new();
    for (index, b) in budgets.iter().enumerate() {
        let n = index + 1;
        let id = project_id(ids, "budget", n, &b.project)?;
        not_negative("budget", n, b.amount)?;
        if !seen.insert((id, b.year)) {
            return Err(bad("budget", n, format!("{} {} twice", b.project, b.year)));
        }
        let object = format!("rnd_budget {} {}", b.project.trim(), b.year);
        let current = tx
            .fetch_optional(
                "SELECT amount FROM rnd_budgets WHERE project = ? AND year = ?",
                params![id, b.year],
            )
            .await?
            .map(|mut row| row.get::<Decimal>(0))
            .transpose()?;
        match current {
            Some(amount) if amount == b.amount => outcome.unchanged += 1,
            Some(amount) => {
                tx.execute(
                    "UPDATE rnd_budgets SET amount = ?, revision = revision + 1, updated_by = ?, \
                     updated_at = ? WHERE project = ? AND year = ?",
                    params![b.amount, user, at, id, b.year],
                )
                .await?;
                let (old, new) = (amount.normalize().to_string(), b.amount.normalize());
                let new = Some(new.to_string());
                audit(
                    tx,
                    at,
                    user,
                    "rnd_budget.set",
                    &object,
                    Some(old),
                    new,
                    None,
                )
                .await?;
                outcome.revised += 1;
            }
            None => {
                tx.execute(
                    "INSERT INTO rnd_budgets (project, year, amount, revision, updated_by, \
                     updated_at) VALUES (?, ?, ?, 1, ?, ?)",
                    params![id, b.year, b.amount, user, at],
                )
                .await?;
                let new = Some(b.amount.normalize().to_string());
                audit(tx, at, user, "rnd_budget.set", &object, None, new, None).await?;
                outcome.created += 1;
            }
        }
    }
    Ok(())
}

async fn save_spend(
    tx: &mut dyn Connection,
    spend: &[SpendRow],
    ids: &HashMap<String, i64>,
    user: &str,
    at: DateTime<Utc>,
    outcome: &mut RndOutcome,
) -> StoreResult<()> {
    let mut seen = HashSet::new();
    for (index, s) in spend.iter().enumerate() {
        let n = index + 1;
        let id = project_id(ids, "spend", n, &s.project)?;
        not_negative("spend", n, s.amount)?;
        if !seen.insert((id, s.month)) {
            return Err(bad("spend", n, format!("{} {} twice", s.project, s.month)));
        }
        let month = month_first_day(s.month)?;
        let object = format!("rnd_spend {} {}", s.project.trim(), s.month);
        let current = tx
            .fetch_optional(
                "SELECT amount, revision FROM rnd_spend WHERE project = ? AND month = ? \
                 AND current = ?",
                params![id, month, true],
            )
            .await?
            .map(|mut row| Ok::<_, StoreError>((row.get::<Decimal>(0)?, row.get::<i64>(1)?)))
            .transpose()?;
        let revision = match current {
            Some((amount, _)) if amount == s.amount => {
                outcome.unchanged += 1;
                continue;
            }
            Some((amount, revision)) => {
                tx.execute(
                    "UPDATE rnd_spend SET current = ? WHERE project = ? AND month = ? \
                     AND revision = ?",
                    params![false, id, month, revision],
                )
                .await?;
                outcome.revised += 1;
                let old = Some(amount.normalize().to_string());
                let new = Some(s.amount.normalize().to_string());
                audit(tx, at, user, "rnd_spend.record", &object, old, new, None).await?;
                revision + 1
            }
            None => {
                outcome.created += 1;
                let new = Some(s.amount.normalize().to_string());
                audit(tx, at, user, "rnd_spend.record", &object, None, new, None).await?;
                1
            }
        };
        tx.execute(
            "INSERT INTO rnd_spend (project, month, amount, revision, current, recorded_by, \
             recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            params![id, month, s.amount, revision, true, user, at],
        )
        .await?;
    }
    Ok(())
}

async fn save_partners(
    tx: &mut dyn Connection,
    partners: &[PartnerRow],
    ids: &HashMap<String, i64>,
    user: &str,
    at: DateTime<Utc>,
    outcome: &mut RndOutcome,
) -> StoreResult<()> {
    let mut seen = HashSet::new();
    for (index, p) in partners.iter().enumerate() {
        let n = index + 1;
        let id = project_id(ids, "partner", n, &p.project)?;
        let name = p.name.trim();
        if name.is_empty() {
            return Err(bad("partner", n, "the name must not be empty"));
        }
        if !seen.insert((id, name.to_owned())) {
            return Err(bad("partner", n, format!("{} {name} twice", p.project)));
        }
        let object = format!("rnd_partner {} {name}", p.project.trim());
        let current = tx
            .fetch_optional(
                "SELECT kind FROM rnd_partners WHERE project = ? AND name = ?",
                params![id, name],
            )
            .await?
            .map(|mut row| row.get::<String>(0))
            .transpose()?;
        let kind = p.kind.as_str();
        match current {
            Some(old) if old == kind => outcome.unchanged += 1,
            Some(old) => {
                tx.execute(
                    "UPDATE rnd_partners SET kind = ?, updated_by = ?, updated_at = ? \
                     WHERE project = ? AND name = ?",
                    params![kind, user, at, id, name],
                )
                .await?;
                let new = Some(kind.to_owned());
                audit(
                    tx,
                    at,
                    user,
                    "rnd_partner.set",
                    &object,
                    Some(old),
                    new,
                    None,
                )
                .await?;
                outcome.revised += 1;
            }
            None => {
                tx.execute(
                    "INSERT INTO rnd_partners (project, name, kind, updated_by, updated_at) \
                     VALUES (?, ?, ?, ?, ?)",
                    params![id, name, kind, user, at],
                )
                .await?;
                let new = Some(kind.to_owned());
                audit(tx, at, user, "rnd_partner.set", &object, None, new, None).await?;
                outcome.created += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use zx_domain::EntityCode;

    #[test]
    fn members_read_back_without_blanks() {
        assert_eq!(split_members("陈工、 李工、"), ["陈工", "李工"]);
        assert!(split_members("").is_empty());
    }

    #[test]
    fn the_insert_names_every_column_but_the_id() {
        // 26 columns after `id`: 24 values, then revision, updated_by, updated_at.
        assert_eq!(PROJECT_COLUMNS["id, ".len()..].split(", ").count(), 26);
        let p = Project {
            code: "X".into(),
            entity: EntityCode::parse("P1").unwrap(),
            name: "n".into(),
            field: "f".into(),
            field_kind: FieldKind::KeyArea,
            gates: [Gate::default(); 5],
            leader: "l".into(),
            members: vec![],
            results: Results::default(),
        };
        // code + the 22 of project_values: the 23 placeholders before `1, ?, ?`.
        assert_eq!(1 + project_values(&p).len(), 23);
    }
}
