//! Imports over SQL: every file of an [`Import`] in one write transaction. Each file's current
//! values are read in one query, its writes planned in memory and written in bulk, so a file
//! of 100,000 rows costs a handful of statements, not one per row.

use std::collections::{BTreeMap, HashMap, HashSet};

use zx_domain::{Basis, Decimal, Entity, EntityCode, Fact, FactRow, FactTable, Month};

use super::fact_blocks::{self, BlockRow};
use super::facts::{load_entities, sql_count};
use super::targets::import_targets;
use super::{AUDIT_INTO, Backend, Connection, Value, audit, audit_row};
use crate::{
    Changes, FileReceipt, Import, MonthReceipt, PeriodState, StoreError, StoreResult,
    describe_entity, describe_fact_key, describe_fact_value, describe_import, params,
    state_after_submission,
};

/// See [`crate::FactStore::import`]; with `record_states`, [`crate::FactStore::submit`].
pub(crate) async fn import<B: Backend>(
    backend: &B,
    import: Import,
    record_states: bool,
) -> StoreResult<Vec<FileReceipt>> {
    // The writer lock is taken before the locked-month check reads anything: no lock can be
    // recorded between that check and this import's commit.
    let mut tx = backend.write().await?;
    let in_list = backend.dialect().in_list("entity");
    let has_facts = import
        .files
        .iter()
        .any(|(_, changes)| matches!(changes, Changes::Facts(_)));
    // A database migrated with values has no blocks yet: built once, before they are updated.
    if has_facts && !fact_blocks::complete(&mut *tx).await? {
        fact_blocks::rebuild(&mut *tx).await?;
    }
    let mut receipts = Vec::with_capacity(import.files.len());
    for (submission, changes) in &import.files {
        let row = tx
            .fetch_optional(
                "INSERT INTO submissions (kind, file_name, sha256, user_name, submitted_at, row_count)
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                params![
                    changes.kind(),
                    &submission.file_name,
                    &submission.sha256,
                    &import.user,
                    import.at,
                    sql_count(submission.rows)
                ],
            )
            .await?;
        let submission_id: i64 = match row {
            Some(mut row) => row.get(0)?,
            None => {
                return Err(StoreError::Database(
                    "a new submission returned no id".into(),
                ));
            }
        };
        let receipt = match changes {
            Changes::Entities(list) => {
                import_entities(&mut *tx, &import, submission_id, list).await?
            }
            Changes::Facts(list) => {
                let locked =
                    locked_months(&mut *tx, backend.dialect().in_list("code"), list).await?;
                let (mut receipt, months) =
                    import_facts(&mut *tx, &in_list, &import, submission_id, list, &locked).await?;
                if record_states {
                    receipt.months = record_submitted(
                        &mut *tx,
                        &in_list,
                        &import,
                        submission_id,
                        months,
                        &locked,
                    )
                    .await?;
                }
                receipt
            }
            Changes::Targets(list) => {
                import_targets(&mut *tx, &in_list, &import, submission_id, list).await?
            }
        };
        tx.execute(
            "UPDATE submissions SET inserted = ?, revised = ?, unchanged = ? WHERE id = ?",
            params![
                sql_count(receipt.inserted),
                sql_count(receipt.revised),
                sql_count(receipt.unchanged),
                submission_id
            ],
        )
        .await?;
        audit(
            &mut *tx,
            import.at,
            &import.user,
            "import",
            &format!("{} {}", changes.kind(), submission.file_name),
            None,
            Some(describe_import(submission, &receipt)),
            Some(submission_id),
        )
        .await?;
        receipts.push(receipt);
    }
    tx.commit().await?;
    Ok(receipts)
}

/// An entities file: new codes created, changed ones updated, each audited with its old and
/// new description. Entity files are small (one row per company); written row by row.
async fn import_entities(
    conn: &mut dyn Connection,
    import: &Import,
    submission_id: i64,
    entities: &[Entity],
) -> StoreResult<FileReceipt> {
    let existing: HashMap<String, Entity> = load_entities(conn)
        .await?
        .into_iter()
        .map(|e| (e.code.as_str().to_owned(), e))
        .collect();
    let mut receipt = FileReceipt {
        submission_id,
        ..FileReceipt::default()
    };
    for entity in entities {
        let old = existing.get(entity.code.as_str());
        if old == Some(entity) {
            receipt.unchanged += 1;
            continue;
        }
        conn.execute(
            "INSERT INTO entities (code, name, parent, kind, region, segment, submission_id)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent = excluded.parent,
               kind = excluded.kind, region = excluded.region, segment = excluded.segment,
               submission_id = excluded.submission_id",
            params![
                &entity.code,
                &entity.name,
                entity.parent.as_ref(),
                entity.kind.as_str(),
                &entity.region,
                &entity.segment,
                submission_id
            ],
        )
        .await?;
        let (action, old_value) = match old {
            None => {
                receipt.inserted += 1;
                ("entity.create", None)
            }
            Some(old) => {
                receipt.revised += 1;
                ("entity.update", Some(describe_entity(old)))
            }
        };
        audit(
            conn,
            import.at,
            &import.user,
            action,
            &format!("entity {}", entity.code),
            old_value,
            Some(describe_entity(entity)),
            Some(submission_id),
        )
        .await?;
    }
    Ok(receipt)
}

/// Values whose statement parameters are built and written at a time.
const WRITE_CHUNK: usize = 20_000;

/// A fact this import writes: its new revision, and the value it replaces (`None`: new key).
struct FactWrite<'a> {
    row: &'a FactRow,
    revision: i64,
    previous: Option<(Decimal, Basis)>,
}

/// (entity, month) → (inserted, revised, unchanged) values of one data file.
type MonthCounts = BTreeMap<(String, Month), (usize, usize, usize)>;

/// A data file: the current values of the file's keys read in one query; a new key is
/// revision 1, a changed value (or basis) the next revision, an equal value (`1000.00` =
/// `1000`) nothing. A new or changed value in a `locked` month fails the import (the
/// transaction is dropped, so what was written of the file before goes too). Revisions and
/// the values in force are planned and written a chunk of the file at a time (3 million
/// planned writes at once held 150 MB), then one `fact.revise` audit line per corrected value.
async fn import_facts(
    conn: &mut dyn Connection,
    in_list: &str,
    import: &Import,
    submission_id: i64,
    facts: &FactTable,
    locked: &HashSet<(String, Month)>,
) -> StoreResult<(FileReceipt, MonthCounts)> {
    let touched = touched_entities(facts);
    let (Some(first), Some(last)) = (
        facts.rows().iter().map(|r| r.month).min(),
        facts.rows().iter().map(|r| r.month).max(),
    ) else {
        return Ok((
            FileReceipt {
                submission_id,
                ..FileReceipt::default()
            },
            MonthCounts::new(),
        ));
    };
    // The stored values of the file's keys, by the table's indices (no strings per key): only
    // the touched entities' months the file spans are read, so a month's file read into a
    // 36-month history reads that month, not three million values.
    let entity_at: HashMap<&str, u32> = facts
        .entities()
        .iter()
        .enumerate()
        .map(|(i, e)| (e.as_str(), i as u32))
        .collect();
    let mut in_force: HashMap<(u32, Month, u32), (Decimal, Basis, i64)> = HashMap::new();
    let sql = format!(
        "SELECT entity, period, item, value, basis, revision FROM facts
         WHERE {in_list} AND period >= ? AND period <= ?"
    );
    // Read whole (a month's file reads that month): a statement left open on `facts` while
    // the file's rows are inserted would slow every insert.
    let rows = conn
        .fetch_all(
            &sql,
            vec![Value::TextList(touched.clone()), first.into(), last.into()],
        )
        .await?;
    for mut row in rows {
        let entity: String = row.get(0)?;
        let item: String = row.get(2)?;
        let (Some(&entity), Some(item)) = (
            entity_at.get(entity.as_str()),
            facts.items().iter().position(|i| *i == item),
        ) else {
            continue;
        };
        in_force.insert(
            (entity, row.get(1)?, item as u32),
            (row.get(3)?, row.get(4)?, row.get(5)?),
        );
    }
    let entity_code = |row: &FactRow| &facts.entities()[row.entity as usize];
    let item_code = |row: &FactRow| &facts.items()[row.item as usize];
    let mut receipt = FileReceipt {
        submission_id,
        ..FileReceipt::default()
    };
    let mut counts: HashMap<(u32, Month), (usize, usize, usize)> = HashMap::new();
    let mut audit_lines = Vec::new();
    // Which rows were written: only they go into the blocks (an equal value, `-3.00` for a
    // stored `-3`, leaves the stored one in force, and so in its block).
    let mut written = Vec::with_capacity(facts.len());
    for chunk in facts.rows().chunks(WRITE_CHUNK) {
        let mut writes: Vec<FactWrite<'_>> = Vec::with_capacity(chunk.len());
        for row in chunk {
            let stored = in_force.get(&(row.entity, row.month, row.item));
            let counts = counts.entry((row.entity, row.month)).or_insert((0, 0, 0));
            let unchanged =
                stored.is_some_and(|(value, basis, _)| *value == row.value && *basis == row.basis);
            if !unchanged && !locked.is_empty() {
                let entity = entity_code(row).as_str();
                if locked.contains(&(entity.to_owned(), row.month)) {
                    return Err(StoreError::Locked {
                        entity: entity.to_owned(),
                        month: row.month.to_string(),
                    });
                }
            }
            written.push(!unchanged);
            match stored {
                None => {
                    counts.0 += 1;
                    receipt.inserted += 1;
                    writes.push(FactWrite {
                        row,
                        revision: 1,
                        previous: None,
                    });
                }
                Some(_) if unchanged => {
                    counts.2 += 1;
                    receipt.unchanged += 1;
                }
                Some((value, basis, revision)) => {
                    counts.1 += 1;
                    receipt.revised += 1;
                    writes.push(FactWrite {
                        row,
                        revision: revision + 1,
                        previous: Some((*value, *basis)),
                    });
                }
            }
        }
        let revisions = writes
            .iter()
            .map(|w| {
                params![
                    entity_code(w.row),
                    w.row.month,
                    item_code(w.row),
                    w.revision,
                    w.row.value,
                    w.row.basis,
                    submission_id
                ]
            })
            .collect();
        conn.insert_rows(
            "fact_revisions (entity, period, item, revision, value, basis, submission_id)",
            "",
            revisions,
        )
        .await?;
        let values = writes
            .iter()
            .map(|w| {
                params![
                    entity_code(w.row),
                    w.row.month,
                    item_code(w.row),
                    w.row.value,
                    w.row.basis,
                    w.revision,
                    submission_id
                ]
            })
            .collect();
        conn.insert_rows(
            "facts (entity, period, item, value, basis, revision, submission_id)",
            "ON CONFLICT (entity, period, item) DO UPDATE SET value = excluded.value,
               basis = excluded.basis, revision = excluded.revision,
               submission_id = excluded.submission_id",
            values,
        )
        .await?;
        // Corrections are what auditors look for: one line per changed value, old and new.
        audit_lines.extend(writes.iter().filter_map(|w| {
            let (value, basis) = w.previous?;
            let fact = Fact {
                entity: entity_code(w.row).clone(),
                month: w.row.month,
                item: item_code(w.row).clone(),
                value: w.row.value,
                basis: w.row.basis,
            };
            Some(audit_row(
                import.at,
                &import.user,
                "fact.revise",
                describe_fact_key(&fact),
                Some(describe_fact_value(value, basis)),
                Some(describe_fact_value(fact.value, fact.basis)),
                Some(submission_id),
            ))
        }));
    }
    conn.insert_rows(AUDIT_INTO, "", audit_lines).await?;
    write_blocks(conn, in_list, touched, facts, &written).await?;
    let months = counts
        .into_iter()
        .map(|((entity, month), counts)| {
            (
                (facts.entities()[entity as usize].as_str().to_owned(), month),
                counts,
            )
        })
        .collect();
    Ok((receipt, months))
}

/// Rewrites the blocks of the entities a data file changed ([`fact_blocks`]): each entity's
/// block as it was before the file (complete: the import built every block first if they were
/// not), with the file's `written` values on top.
async fn write_blocks(
    conn: &mut dyn Connection,
    in_list: &str,
    touched: Vec<String>,
    facts: &FactTable,
    written: &[bool],
) -> StoreResult<()> {
    let mut stored = FactTable::new();
    let rows = conn
        .fetch_all(
            &format!("SELECT entity, data FROM fact_blocks WHERE {in_list}"),
            vec![Value::TextList(touched)],
        )
        .await?;
    for mut row in rows {
        let entity: EntityCode = row.get(0)?;
        let data: Vec<u8> = row.get(1)?;
        fact_blocks::decode(entity, &data, &mut stored)?;
    }
    // A decoded block's rows are together: each stored entity's range of rows.
    let mut ranges: HashMap<&str, std::ops::Range<usize>> = HashMap::new();
    let mut start = 0;
    for run in stored.rows().chunk_by(|a, b| a.entity == b.entity) {
        let code = stored.entities()[run[0].entity as usize].as_str();
        ranges.insert(code, start..start + run.len());
        start += run.len();
    }
    let entity_code = |row: &FactRow| facts.entities()[row.entity as usize].as_str();
    // The file's rows by entity, each entity's in file order (a later row wins in a block).
    let mut order: Vec<&FactRow> = facts
        .rows()
        .iter()
        .zip(written)
        .filter(|(_, w)| **w)
        .map(|(row, _)| row)
        .collect();
    order.sort_by(|a, b| entity_code(a).cmp(entity_code(b)));
    let mut blocks = Vec::new();
    for group in order.chunk_by(|a, b| a.entity == b.entity) {
        let entity = entity_code(group[0]);
        let before = ranges
            .get(entity)
            .and_then(|range| stored.rows().get(range.clone()))
            .unwrap_or_default();
        let rows: Vec<BlockRow<'_>> = before
            .iter()
            .map(|r| (stored.items()[r.item as usize].as_str(), r))
            .chain(
                group
                    .iter()
                    .map(|r| (facts.items()[r.item as usize].as_str(), *r)),
            )
            .map(|(item, r)| (item, r.month, r.value, r.basis))
            .collect();
        blocks.push((entity.to_owned(), fact_blocks::encode(&rows)?));
        if blocks.len() >= 1_000 {
            fact_blocks::write(conn, std::mem::take(&mut blocks)).await?;
        }
    }
    fact_blocks::write(conn, blocks).await
}

/// Records the workflow state of each entity-month a submitted data file holds
/// ([`state_after_submission`]), with one `period.submitted` audit line per change naming the
/// submission, and says per month what happened.
async fn record_submitted(
    conn: &mut dyn Connection,
    in_list: &str,
    import: &Import,
    submission_id: i64,
    months: MonthCounts,
    locked: &HashSet<(String, Month)>,
) -> StoreResult<Vec<MonthReceipt>> {
    let mut entities: Vec<String> = months.keys().map(|(e, _)| e.clone()).collect();
    entities.dedup();
    let sql = format!("SELECT entity, period, state FROM period_status WHERE {in_list}");
    let mut before: HashMap<(String, Month), PeriodState> = HashMap::new();
    for mut row in conn
        .fetch_all(&sql, vec![Value::TextList(entities)])
        .await?
    {
        before.insert((row.get(0)?, row.get(1)?), row.get(2)?);
    }
    let mut receipts = Vec::with_capacity(months.len());
    let mut states = Vec::new();
    let mut audit_lines = Vec::new();
    for ((entity, month), (inserted, revised, unchanged)) in months {
        let key = (entity, month);
        let old = before.get(&key).copied();
        let is_locked = locked.contains(&key);
        let new = state_after_submission(old, inserted + revised > 0, is_locked);
        let code = EntityCode::parse(&key.0)
            .map_err(|e| StoreError::Database(format!("stored entity code {}: {e}", key.0)))?;
        if let Some(state) = new {
            states.push(params![
                &code,
                month,
                state.as_str(),
                Option::<String>::None,
                &import.user,
                import.at
            ]);
            audit_lines.push(audit_row(
                import.at,
                &import.user,
                &format!("period.{}", state.as_str()),
                format!("period {code} {month}"),
                old.map(|s| s.as_str().to_owned()),
                Some(state.as_str().to_owned()),
                Some(submission_id),
            ));
        }
        receipts.push(MonthReceipt {
            entity: code,
            month,
            inserted,
            revised,
            unchanged,
            before: old,
            after: new.or(old),
            locked: is_locked,
        });
    }
    conn.insert_rows(
        "period_status (entity, period, state, comment, user_name, at)",
        "ON CONFLICT (entity, period) DO UPDATE SET state = excluded.state,
           comment = excluded.comment, user_name = excluded.user_name, at = excluded.at",
        states,
    )
    .await?;
    conn.insert_rows(AUDIT_INTO, "", audit_lines).await?;
    Ok(receipts)
}

/// The entities a data file touches, each once.
fn touched_entities(facts: &FactTable) -> Vec<String> {
    let mut touched = vec![false; facts.entities().len()];
    for row in facts.rows() {
        if let Some(t) = touched.get_mut(row.entity as usize) {
            *t = true;
        }
    }
    let mut entities: Vec<String> = facts
        .entities()
        .iter()
        .zip(touched)
        .filter(|(_, t)| *t)
        .map(|(e, _)| e.as_str().to_owned())
        .collect();
    entities.sort_unstable();
    entities.dedup();
    entities
}

/// The (entity, month) pairs of the file's entities that are locked for the entity or one of
/// its ancestors. Runs inside the import's write transaction, after the writer lock is taken,
/// so [`import_facts`] refuses exactly the new and changed values a lock closed.
/// `code_in_list` is the dialect's `code IN (list)`.
async fn locked_months(
    conn: &mut dyn Connection,
    code_in_list: String,
    facts: &FactTable,
) -> StoreResult<HashSet<(String, Month)>> {
    let any_lock = conn
        .fetch_optional(
            "SELECT 1 FROM period_status WHERE state = 'locked' LIMIT 1",
            params![],
        )
        .await?;
    if any_lock.is_none() {
        return Ok(HashSet::new());
    }
    // (entity, month) pairs locked on the entity itself or on any ancestor. UNION (not
    // UNION ALL) ends the recursion even on a corrupt, cyclic tree.
    let sql = format!(
        "WITH RECURSIVE chain (start, code) AS (
           SELECT code, code FROM entities WHERE {code_in_list}
           UNION
           SELECT chain.start, e.parent FROM chain JOIN entities e ON e.code = chain.code
           WHERE e.parent IS NOT NULL
         )
         SELECT DISTINCT chain.start, p.period
         FROM chain JOIN period_status p ON p.entity = chain.code
         WHERE p.state = 'locked'"
    );
    let rows = conn
        .fetch_all(&sql, vec![Value::TextList(touched_entities(facts))])
        .await?;
    let mut locked: HashSet<(String, Month)> = HashSet::with_capacity(rows.len());
    for mut row in rows {
        locked.insert((row.get(0)?, row.get(1)?));
    }
    Ok(locked)
}
