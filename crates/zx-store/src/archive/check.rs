//! [`Archive::check`]: the references between records, checked before a restore writes.

use std::collections::{HashMap, HashSet};

use zx_domain::EntityCode;

use super::{Archive, ArchiveText, Cell};
use crate::{AlarmState, StoreError, StoreResult};

impl Archive {
    /// What [`Store::restore`](crate::Store::restore) checks before writing anything: ids and
    /// keys are unique, every reference (to a submission, an entity, a user) points at a record
    /// of the archive, revisions start at 1, counts are not negative, submission kinds are known.
    /// Each problem is `Invalid`, naming the record.
    pub fn check(&self) -> StoreResult<()> {
        fn invalid(message: String) -> StoreError {
            StoreError::Invalid(format!("the archive is inconsistent: {message}"))
        }
        fn unique<K: std::hash::Hash + Eq>(
            seen: &mut HashSet<K>,
            key: K,
            what: impl FnOnce() -> String,
        ) -> StoreResult<()> {
            if seen.insert(key) {
                Ok(())
            } else {
                Err(invalid(format!("{} appears twice", what())))
            }
        }

        let mut submissions = HashSet::new();
        for s in &self.submissions {
            unique(&mut submissions, s.id, || format!("submission {}", s.id))?;
            if !matches!(s.kind.as_str(), "entities" | "data" | "targets") {
                return Err(invalid(format!(
                    "submission {} has the unknown kind \"{}\"",
                    s.id, s.kind
                )));
            }
        }
        let submission = |id: Option<i64>, what: &dyn Fn() -> String| match id {
            Some(id) if !submissions.contains(&id) => Err(invalid(format!(
                "{} refers to submission {id}, which is not in the archive",
                what()
            ))),
            _ => Ok(()),
        };
        let mut entities = HashSet::new();
        for e in &self.entities {
            unique(&mut entities, &e.code, || format!("entity {}", e.code))?;
            submission(e.submission_id, &|| format!("entity {}", e.code))?;
        }
        let entity = |code: &EntityCode, what: &dyn Fn() -> String| {
            if entities.contains(code) {
                Ok(())
            } else {
                Err(invalid(format!(
                    "{} refers to entity {code}, which is not in the archive",
                    what()
                )))
            }
        };
        let mut ids = HashSet::new();
        let mut keys = HashSet::new();
        for r in &self.fact_revisions {
            let what = || {
                format!(
                    "fact revision {} ({} {} {} revision {})",
                    r.id, r.entity, r.month, r.item, r.revision
                )
            };
            unique(&mut ids, r.id, what)?;
            unique(
                &mut keys,
                (&r.entity, r.month, r.item.as_str(), r.revision),
                what,
            )?;
            if r.revision < 1 {
                return Err(invalid(format!("{} is below 1", what())));
            }
            entity(&r.entity, &what)?;
            submission(Some(r.submission_id), &what)?;
        }
        let mut ids = HashSet::new();
        let mut keys = HashSet::new();
        for r in &self.target_revisions {
            let what = || {
                format!(
                    "target revision {} ({} {} {} revision {})",
                    r.id, r.entity, r.year, r.indicator, r.revision
                )
            };
            unique(&mut ids, r.id, what)?;
            unique(
                &mut keys,
                (&r.entity, r.year, r.indicator.as_str(), r.revision),
                what,
            )?;
            if r.revision < 1 {
                return Err(invalid(format!("{} is below 1", what())));
            }
            entity(&r.entity, &what)?;
            submission(r.submission_id, &what)?;
        }
        let mut users = HashSet::new();
        for u in &self.users {
            unique(&mut users, u.name.as_str(), || format!("user {}", u.name))?;
            if let Some(code) = &u.entity {
                entity(code, &|| format!("user {}", u.name))?;
            }
        }
        let mut tokens = HashSet::new();
        for t in &self.api_tokens {
            unique(&mut tokens, t.token_hash.as_str(), || {
                format!("an API token of {}", t.user)
            })?;
            if !users.contains(t.user.as_str()) {
                return Err(invalid(format!(
                    "an API token belongs to user {}, who is not in the archive",
                    t.user
                )));
            }
        }
        let mut periods = HashSet::new();
        for p in &self.period_statuses {
            let what = || format!("the state of {} {}", p.entity, p.month);
            unique(&mut periods, (&p.entity, p.month), what)?;
            entity(&p.entity, &what)?;
        }
        let mut ids = HashSet::new();
        for a in &self.audit_log {
            let what = || format!("audit entry {}", a.id);
            unique(&mut ids, a.id, what)?;
            submission(a.submission_id, &what)?;
        }
        let mut ids = HashSet::new();
        for m in &self.measures {
            let what = || format!("measure {}", m.id);
            unique(&mut ids, m.id, what)?;
            entity(&m.entity, &what)?;
            if !users.contains(m.owner.as_str()) {
                return Err(invalid(format!(
                    "measure {} is owned by user {}, who is not in the archive",
                    m.id, m.owner
                )));
            }
            if m.progress > 100 {
                return Err(invalid(format!(
                    "measure {} has progress {}, above 100",
                    m.id, m.progress
                )));
            }
            if m.revision < 1 {
                return Err(invalid(format!("measure {} has revision below 1", m.id)));
            }
            if let Some(visit) = m.visit
                && !self.visits.iter().any(|v| v.id == visit)
            {
                return Err(invalid(format!(
                    "measure {} refers to visit {visit}, which is not in the archive",
                    m.id
                )));
            }
        }
        let mut visit_ids = HashSet::new();
        for v in &self.visits {
            let what = || format!("visit {}", v.id);
            unique(&mut visit_ids, v.id, what)?;
            for code in &v.entities {
                let code =
                    EntityCode::from_text(code).map_err(|e| invalid(format!("{}: {e}", what())))?;
                entity(&code, &what)?;
            }
        }
        let measure = |id: i64, what: &dyn Fn() -> String| {
            if ids.contains(&id) {
                Ok(())
            } else {
                Err(invalid(format!(
                    "{} refers to measure {id}, which is not in the archive",
                    what()
                )))
            }
        };
        let user = |name: &str, what: &dyn Fn() -> String| {
            if users.contains(name) {
                Ok(())
            } else {
                Err(invalid(format!(
                    "{} names user {name}, who is not in the archive",
                    what()
                )))
            }
        };
        let mut pairs = HashSet::new();
        for c in &self.co_owners {
            let what = || format!("co-owner {} of measure {}", c.user, c.measure);
            unique(&mut pairs, (c.measure, c.user.as_str()), what)?;
            measure(c.measure, &what)?;
            user(&c.user, &what)?;
        }
        let mut update_ids = HashSet::new();
        for u in &self.measure_updates {
            let what = || format!("measure update {}", u.id);
            unique(&mut update_ids, u.id, what)?;
            measure(u.measure, &what)?;
        }
        let mut milestone_ids = HashSet::new();
        for m in &self.milestones {
            let what = || format!("milestone {}", m.id);
            unique(&mut milestone_ids, m.id, what)?;
            measure(m.measure, &what)?;
        }
        let mut blobs = HashSet::new();
        for b in &self.blobs {
            let what = || format!("evidence file {}", b.sha256);
            unique(&mut blobs, b.sha256.as_str(), what)?;
            if crate::content_sha256(&b.content) != b.sha256 {
                return Err(invalid(format!("{}: its content has another hash", what())));
            }
        }
        let mut attachment_ids = HashSet::new();
        for a in &self.attachments {
            let what = || format!("attachment {}", a.id);
            unique(&mut attachment_ids, a.id, what)?;
            measure(a.measure, &what)?;
            if let Some(milestone) = a.milestone
                && !self
                    .milestones
                    .iter()
                    .any(|m| m.id == milestone && m.measure == a.measure)
            {
                return Err(invalid(format!(
                    "{} refers to milestone {milestone}, not one of measure {}",
                    what(),
                    a.measure
                )));
            }
            if !blobs.contains(a.sha256.as_str()) {
                return Err(invalid(format!(
                    "{} refers to content {}, which is not in the archive",
                    what(),
                    a.sha256
                )));
            }
        }
        let mut ids = HashSet::new();
        let mut keys = HashSet::new();
        for n in &self.notifications {
            let what = || format!("notification {}", n.id);
            unique(&mut ids, n.id, what)?;
            unique(&mut keys, (n.measure, n.user.as_str(), n.reason), || {
                format!(
                    "the {} notification of measure {} to {}",
                    n.reason, n.measure, n.user
                )
            })?;
            if !self.measures.iter().any(|m| m.id == n.measure) {
                return Err(invalid(format!(
                    "notification {} refers to measure {}, which is not in the archive",
                    n.id, n.measure
                )));
            }
        }
        self.check_emissions(&entities)
    }

    /// [`Archive::check`] for stacks, rule sets and alarms.
    fn check_emissions(&self, entities: &HashSet<&EntityCode>) -> StoreResult<()> {
        fn invalid(message: String) -> StoreError {
            StoreError::Invalid(format!("the archive is inconsistent: {message}"))
        }
        let mut ids = HashSet::new();
        let mut mns = HashSet::new();
        for s in &self.stacks {
            let what = || format!("stack {} ({})", s.id, s.mn);
            if !ids.insert(s.id) || !mns.insert(s.mn.as_str()) {
                return Err(invalid(format!("{} appears twice", what())));
            }
            zx_domain::cems::check_mn(&s.mn).map_err(|e| invalid(format!("{}: {e}", what())))?;
            if !entities.contains(&s.entity) {
                return Err(invalid(format!(
                    "{} refers to entity {}, which is not in the archive",
                    what(),
                    s.entity
                )));
            }
            if s.revision < 1 {
                return Err(invalid(format!("{} has revision below 1", what())));
            }
        }
        let stack = |mn: &str, what: &dyn Fn() -> String| {
            if mns.contains(mn) {
                Ok(())
            } else {
                Err(invalid(format!(
                    "{} refers to stack {mn}, which is not in the archive",
                    what()
                )))
            }
        };
        let mut scopes = HashSet::new();
        for r in &self.alarm_rule_sets {
            let what = || format!("alarm rule set {}", r.scope);
            if !scopes.insert(r.scope.as_str()) {
                return Err(invalid(format!("{} appears twice", what())));
            }
            match crate::check_rule_scope(&r.scope) {
                Err(e) => return Err(invalid(e.to_string())),
                Ok(crate::RuleScope::Stack(mn)) => stack(mn, &what)?,
                Ok(crate::RuleScope::Segment(_)) => {}
            }
            if r.revision < 1 {
                return Err(invalid(format!("{} has revision below 1", what())));
            }
        }
        let mut ids = HashSet::new();
        let mut open = HashSet::new();
        for a in &self.alarms {
            let what = || format!("alarm {}", a.id);
            if !ids.insert(a.id) {
                return Err(invalid(format!("{} appears twice", what())));
            }
            stack(&a.mn, &what)?;
            let acknowledged = a.acknowledged_by.is_some();
            let consistent = acknowledged == a.acknowledged_at.is_some()
                && (a.note.is_none() || acknowledged)
                && match a.state {
                    AlarmState::Active => !acknowledged && a.cleared_at.is_none(),
                    AlarmState::Acknowledged => acknowledged && a.cleared_at.is_none(),
                    AlarmState::Cleared => a.cleared_at.is_some(),
                };
            if !consistent {
                return Err(invalid(format!(
                    "{} is {} but its acknowledgement and clearing times do not say so",
                    what(),
                    a.state.as_str()
                )));
            }
            if a.state.is_open()
                && !open.insert((a.mn.as_str(), a.kind.as_str(), a.code.as_deref()))
            {
                return Err(invalid(format!(
                    "{} is a second open alarm of stack {} {} {}",
                    what(),
                    a.mn,
                    a.kind,
                    a.code.as_deref().unwrap_or("")
                )));
            }
        }
        self.check_table_rows()
    }

    /// The rows of [`ARCHIVED_TABLES`](super::ARCHIVED_TABLES): keys unique within their table,
    /// references ([`Ref`](super::tables::Ref)) to records the archive holds.
    fn check_table_rows(&self) -> StoreResult<()> {
        fn invalid(message: String) -> StoreError {
            StoreError::Invalid(format!("the archive is inconsistent: {message}"))
        }
        fn text(cell: &Cell) -> Option<String> {
            match cell {
                Cell::Int(n) => Some(n.to_string()),
                Cell::Text(t) => Some(t.clone()),
                _ => None,
            }
        }
        let mut keys = HashSet::new();
        for row in &self.table_rows {
            let key: Vec<Option<String>> = row.key().into_iter().map(text).collect();
            if !keys.insert((row.table.name, key)) {
                return Err(invalid(format!("{} appears twice", row.describe())));
            }
        }
        let mut targets: HashMap<(&str, &str), HashSet<String>> = HashMap::new();
        for reference in super::ARCHIVED_TABLES.iter().flat_map(|t| t.refs) {
            let (table, column) = (reference.table, reference.target);
            targets
                .entry((table, column))
                .or_insert_with(|| match table {
                    "entities" => self.entities.iter().map(|e| e.code.to_string()).collect(),
                    "blobs" => self.blobs.iter().map(|b| b.sha256.clone()).collect(),
                    "measures" => self.measures.iter().map(|m| m.id.to_string()).collect(),
                    _ => self
                        .table_rows
                        .iter()
                        .filter(|r| r.table.name == table)
                        .filter_map(|r| r.cell(column).and_then(text))
                        .collect(),
                });
        }
        for row in &self.table_rows {
            for reference in row.table.refs {
                let Some(value) = row.cell(reference.column).and_then(text) else {
                    continue;
                };
                let known = targets.get(&(reference.table, reference.target));
                if !known.is_some_and(|k| k.contains(&value)) {
                    return Err(invalid(format!(
                        "{} refers to {} {} {value}, which is not in the archive",
                        row.describe(),
                        reference.table,
                        reference.target
                    )));
                }
            }
        }
        Ok(())
    }
}
