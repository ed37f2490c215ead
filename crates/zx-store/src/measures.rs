//! Improvement measures and their follow-up: updates, milestones, evidence, visits, reminders.

use crate::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A measure to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeasure {
    pub entity: EntityCode,
    pub title: String,
    pub indicator: Option<String>,
    pub owner: String,
    pub start: Option<chrono::NaiveDate>,
    pub due: chrono::NaiveDate,
    pub status: MeasureStatus,
    pub progress: u8,
    pub description: String,
    pub expected_effect: String,
    /// Other responsible users; existing, enabled accounts.
    pub co_owners: Vec<String>,
    /// The visit whose requirement this is (see [`Store::create_visit`], which sets it).
    pub visit: Option<i64>,
}

impl NewMeasure {
    /// A measure with only what `zx measures import` reads; the rest empty.
    pub fn basic(
        entity: EntityCode,
        title: String,
        indicator: Option<String>,
        owner: String,
        due: chrono::NaiveDate,
    ) -> Self {
        Self {
            entity,
            title,
            indicator,
            owner,
            start: None,
            due,
            status: MeasureStatus::Planned,
            progress: 0,
            description: String::new(),
            expected_effect: String::new(),
            co_owners: Vec::new(),
            visit: None,
        }
    }
}

/// One row of an imported measures list: the measure as the row gives it, and the measure
/// number the row names (the web export's `措施编号` column), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedMeasure {
    pub number: Option<i64>,
    pub measure: NewMeasure,
}

/// What importing a list did to each row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureOutcome {
    Created,
    Revised,
    Unchanged,
}

/// What [`MeasureStore::import_measure_list`] did: per row, in list order, the measure's id
/// and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasuresImported {
    pub ids: Vec<i64>,
    pub outcomes: Vec<MeasureOutcome>,
}

impl MeasuresImported {
    /// How many rows had `outcome`.
    pub fn count(&self, outcome: MeasureOutcome) -> usize {
        self.outcomes.iter().filter(|o| **o == outcome).count()
    }
}

/// What a row of a list does to the stored measures ([`plan_measure_import`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlannedMeasure {
    Create,
    /// The stored measure, whose fields the row changes.
    Revise(Box<Measure>),
    Unchanged(i64),
}

/// Why a row of a list cannot be matched: its place in the list (from 0) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureMatchError {
    pub index: usize,
    pub message: String,
    pub message_zh: String,
}

/// Matches each row of a list to the stored measures: on the row's number when it has one (a
/// number of no measure, or of another entity's measure, is an error), otherwise on entity,
/// title and start date (two stored measures with that key are an error: the row must name
/// its number). Two rows of one list may not match the same measure. A matched row whose
/// title, indicator, owner, start, due, status or progress differ revises it; otherwise it is
/// unchanged. Pure: the store calls it in its writing transaction, the CLI before it to name
/// the row's cell.
pub fn plan_measure_import(
    stored: &[Measure],
    list: &[ImportedMeasure],
) -> Result<Vec<PlannedMeasure>, MeasureMatchError> {
    use std::collections::HashMap;
    let by_id: HashMap<i64, &Measure> = stored.iter().map(|m| (m.id, m)).collect();
    let mut by_key: HashMap<(&str, &str, Option<chrono::NaiveDate>), Vec<&Measure>> =
        HashMap::new();
    for m in stored {
        by_key
            .entry((m.entity.as_str(), m.title.trim(), m.start))
            .or_default()
            .push(m);
    }
    let mut claimed: HashMap<i64, usize> = HashMap::new();
    let mut plan = Vec::with_capacity(list.len());
    for (index, row) in list.iter().enumerate() {
        let new = &row.measure;
        let error = |message: String, message_zh: String| MeasureMatchError {
            index,
            message,
            message_zh,
        };
        let found = match row.number {
            Some(number) => match by_id.get(&number) {
                None => {
                    return Err(error(
                        format!("measure number {number} is not a stored measure"),
                        format!("措施编号 {number} 不存在"),
                    ));
                }
                Some(m) if m.entity != new.entity => {
                    return Err(error(
                        format!(
                            "measure number {number} is a measure of {}, not of {}",
                            m.entity, new.entity
                        ),
                        format!("措施编号 {number} 属于 {}，不属于 {}", m.entity, new.entity),
                    ));
                }
                Some(m) => Some(*m),
            },
            None => match by_key
                .get(&(new.entity.as_str(), new.title.trim(), new.start))
                .map(Vec::as_slice)
            {
                None | Some([]) => None,
                Some([m]) => Some(*m),
                Some(many) => {
                    let ids: Vec<String> = many.iter().map(|m| m.id.to_string()).collect();
                    return Err(error(
                        format!(
                            "matches measures {} (same entity, title and start): give its measure number",
                            ids.join(", ")
                        ),
                        format!(
                            "与措施 {} 的单位、标题、开始日期相同，无法区分：请填写措施编号",
                            ids.join("、")
                        ),
                    ));
                }
            },
        };
        let Some(m) = found else {
            plan.push(PlannedMeasure::Create);
            continue;
        };
        if let Some(first) = claimed.insert(m.id, index) {
            return Err(error(
                format!("is measure {} again (row {} of the list)", m.id, first + 1),
                format!("与清单第 {} 行是同一项措施（{}）", first + 1, m.id),
            ));
        }
        let same = m.title == new.title
            && m.indicator == new.indicator
            && m.owner == new.owner
            && m.start == new.start
            && m.due == new.due
            && m.status == new.status
            && m.progress == new.progress;
        plan.push(if same {
            PlannedMeasure::Unchanged(m.id)
        } else {
            PlannedMeasure::Revise(Box::new(m.clone()))
        });
    }
    Ok(plan)
}

/// A measure's listed fields as the audit log shows a revision from a list (old and new value
/// of `measure.revise`): `title=…; indicator=…; owner=…; start=…; due=…; status=…; progress=N`.
#[allow(clippy::too_many_arguments)]
pub fn describe_measure_fields(
    title: &str,
    indicator: Option<&str>,
    owner: &str,
    start: Option<chrono::NaiveDate>,
    due: chrono::NaiveDate,
    status: MeasureStatus,
    progress: u8,
) -> String {
    format!(
        "title={title}; indicator={}; owner={owner}; start={}; due={}; status={}; progress={progress}",
        indicator.unwrap_or(""),
        start.map_or(String::new(), |d| d.format("%Y-%m-%d").to_string()),
        due.format("%Y-%m-%d"),
        status.as_str(),
    )
}

/// Evidence to attach; its type has been judged from the content by the caller (ingest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub measure: i64,
    pub milestone: Option<i64>,
    pub file_name: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

/// A visit to record with its requirements (each becomes a measure of the visit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVisit {
    pub leader: String,
    pub start: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
    pub entities: Vec<EntityCode>,
    pub participants: String,
    pub summary: String,
    pub findings: String,
    pub requirements: Vec<NewMeasure>,
}

/// A notification to record (see [`Store::record_notifications`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NewNotification {
    pub measure: i64,
    pub user: String,
    pub reason: ReminderReason,
}

/// A recorded (in-app) notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub measure: i64,
    pub user: String,
    pub reason: ReminderReason,
    pub created_at: DateTime<Utc>,
    /// When the user read it; `None`: unread.
    pub read_at: Option<DateTime<Utc>>,
}

/// Improvement measures (清单化管理) and what follows them up.
#[async_trait]
pub trait MeasureStore: Send + Sync {
    // --- improvement measures (清单化管理) -------------------------------------------------
    /// Creates the measures of one imported list in one transaction (all or nothing); returns
    /// their ids in order. Audited: one `measure.create` line per measure (new value: title,
    /// entity, owner, due, status, progress) and one `measures.import` line naming the file and
    /// its SHA-256. Owners must be existing, enabled users, entities existing entities, titles
    /// not empty, progress at most 100: otherwise `Invalid`, naming the first bad measure, and
    /// nothing is written.
    async fn import_measures(
        &self,
        measures: Vec<NewMeasure>,
        file_name: &str,
        sha256: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>> {
        let list = measures
            .into_iter()
            .map(|measure| ImportedMeasure {
                number: None,
                measure,
            })
            .collect();
        Ok(self
            .import_measure_list(list, file_name, sha256, user, at)
            .await?
            .ids)
    }
    /// Imports a measures list in one transaction, matching each row to a stored measure
    /// ([`plan_measure_import`]: by its number, else by entity, title and start date) so the
    /// same list, or the web's export, imported again duplicates nothing. A new row is created
    /// as [`Store::import_measures`] says; a matched row whose fields differ revises the
    /// measure (revision bumped, a [`MeasureUpdate`] commented with the file name, a
    /// `measure.revise` audit line with old and new [`describe_measure_fields`]); an equal one
    /// is left alone. A number of no measure or of another entity's, or an ambiguous match, is
    /// `Invalid` naming the row, and nothing is written.
    async fn import_measure_list(
        &self,
        list: Vec<ImportedMeasure>,
        file_name: &str,
        sha256: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<MeasuresImported>;
    /// Every measure, by id.
    async fn measures(&self) -> StoreResult<Vec<Measure>>;

    // --- notifications (reminders about measures) -------------------------------------------
    /// Records the notifications not recorded yet (a (measure, user, reason) is sent once,
    /// whenever asked again) and returns those, in the order given: one transaction holding the
    /// writer lock, one `notification.send` audit line per new notification (object
    /// [`describe_measure_object`], new value [`describe_notification`]), by `system`.
    /// `Invalid` for an unknown measure, writing nothing.
    async fn record_notifications(
        &self,
        list: Vec<NewNotification>,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<NewNotification>>;
    /// A user's notifications, newest first (then highest id first).
    async fn notifications(&self, user: &str) -> StoreResult<Vec<Notification>>;
    /// Marks all of a user's unread notifications read at `at`; returns how many.
    async fn mark_notifications_read(&self, user: &str, at: DateTime<Utc>) -> StoreResult<u64>;

    // --- following measures up --------------------------------------------------------------
    /// Creates one measure (from the web or the API): the checks and audit line of
    /// [`Store::import_measures`], without the file line. Returns its id.
    async fn create_measure(
        &self,
        measure: NewMeasure,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64>;
    /// One measure by id.
    async fn measure(&self, id: i64) -> StoreResult<Option<Measure>>;
    /// Applies a change ([`zx_domain::followup::apply_change`] decides, refusals are `Invalid`)
    /// if the measure is still at `expected_revision` (else `Conflict`): records a
    /// [`MeasureUpdate`] and a `measure.update` audit line with old and new values
    /// ([`describe_measure_state`]), and bumps the revision. Returns the measure as changed.
    async fn update_measure(
        &self,
        id: i64,
        expected_revision: i64,
        change: MeasureChange,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Measure>;
    /// Replaces a measure's co-owners if it is still at `expected_revision` (else `Conflict`).
    /// Each must be an existing, enabled account (else `Invalid`, naming it, nothing written);
    /// the list is sorted and without repeats. Audited `measure.co_owners` with the old and new
    /// lists ([`describe_co_owners`]); bumps the revision. Returns the measure as changed.
    async fn set_co_owners(
        &self,
        id: i64,
        expected_revision: i64,
        co_owners: Vec<String>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Measure>;
    /// Updates of one measure (`Some(id)`) or of all, oldest first.
    async fn measure_updates(&self, measure: Option<i64>) -> StoreResult<Vec<MeasureUpdate>>;
    /// Adds a milestone (audited `milestone.create`); `Invalid` for an unknown measure or an
    /// empty title.
    async fn add_milestone(
        &self,
        measure: i64,
        title: &str,
        due: chrono::NaiveDate,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64>;
    /// Marks a milestone reached on `done_on` (audited `milestone.done`); `Invalid` if unknown.
    async fn complete_milestone(
        &self,
        milestone: i64,
        done_on: chrono::NaiveDate,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Milestones of one measure (`Some(id)`) or of all, by due date then id.
    async fn milestones(&self, measure: Option<i64>) -> StoreResult<Vec<Milestone>>;
    /// Stores evidence: the content once per SHA-256, an attachment row per call (audited
    /// `attachment.add` with name, type, size and hash). `Invalid` for an unknown measure or a
    /// milestone of another measure. Size and type limits are the caller's (ingest) rule.
    async fn add_attachment(
        &self,
        attachment: NewAttachment,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Attachment>;
    /// Attachments of one measure (`Some(id)`) or of all, by id.
    async fn attachments(&self, measure: Option<i64>) -> StoreResult<Vec<Attachment>>;
    /// An attachment and its content.
    async fn attachment_content(&self, id: i64) -> StoreResult<Option<(Attachment, Vec<u8>)>>;
    /// Records a visit and its requirements as measures (their `visit` set to the new id), in
    /// one transaction: audited `visit.create` and `measure.create` per requirement. Entities
    /// visited must exist; requirements are checked as in [`Store::import_measures`].
    async fn create_visit(
        &self,
        visit: NewVisit,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<(i64, Vec<i64>)>;
    /// Every visit, newest start first.
    async fn visits(&self) -> StoreResult<Vec<Visit>>;
}

/// How a measure is shown in the audit log (`measure.create`):
/// `title=…; entity=…; owner=…; due=YYYY-MM-DD; status=…; progress=N`.
pub fn describe_measure(m: &NewMeasure) -> String {
    format!(
        "title={}; entity={}; owner={}; due={}; status={}; progress={}",
        m.title,
        m.entity,
        m.owner,
        m.due.format("%Y-%m-%d"),
        m.status.as_str(),
        m.progress
    )
}

/// The audit object of a measure: `measure 7`.
pub fn describe_measure_object(id: i64) -> String {
    format!("measure {id}")
}

/// Who a `notification.send` audit line is by: the reminder job, not a person.
pub const NOTIFICATION_SENDER: &str = "system";

/// The new value of a `notification.send` audit line: `to=USER; reason=REASON`.
pub fn describe_notification(n: &NewNotification) -> String {
    format!("to={}; reason={}", n.user, n.reason.as_str())
}

/// A notification reason as stored: exactly its name; `None` for anything else.
pub fn stored_reminder_reason(text: &str) -> Option<ReminderReason> {
    ReminderReason::parse(text)
}

/// The audit object of a `measures.import` line: `measures 措施清单.xlsx`.
pub fn describe_measures_file(file_name: &str) -> String {
    format!("measures {file_name}")
}

/// The new value of a `measures.import` audit line: `rows=N; sha256=…`.
pub fn describe_measures_import(rows: usize, sha256: &str) -> String {
    format!("rows={rows}; sha256={sha256}")
}

/// What [`Store::import_measures`] refuses before looking at the database: an empty title, a
/// progress above 100. `index` is the measure's place in the list (from 0), for the message.
pub fn check_new_measure(index: usize, m: &NewMeasure) -> StoreResult<()> {
    if m.title.trim().is_empty() {
        return Err(StoreError::Invalid(format!(
            "measure {} has an empty title",
            index + 1
        )));
    }
    if m.progress > 100 {
        return Err(StoreError::Invalid(format!(
            "measure {} ({}): progress {} is above 100",
            index + 1,
            m.title,
            m.progress
        )));
    }
    Ok(())
}

/// What [`Store::import_measures`] refuses once a backend has looked up the measure's entity
/// (`entity_exists`) and owner (`owner_disabled`: `None` when no such user): an unknown entity,
/// an unknown or disabled owner. `index` is the measure's place in the list (from 0).
pub fn check_measure_refs(
    index: usize,
    m: &NewMeasure,
    entity_exists: bool,
    owner_disabled: Option<bool>,
) -> StoreResult<()> {
    let which = || format!("measure {} ({})", index + 1, m.title);
    if !entity_exists {
        return Err(StoreError::Invalid(format!(
            "{}: unknown entity {}",
            which(),
            m.entity
        )));
    }
    match owner_disabled {
        None => Err(StoreError::Invalid(format!(
            "{}: no user named \"{}\" to own it",
            which(),
            m.owner
        ))),
        Some(true) => Err(StoreError::Invalid(format!(
            "{}: its owner {} is disabled",
            which(),
            m.owner
        ))),
        Some(false) => Ok(()),
    }
}

/// The entities and accounts a list of new measures is checked against, read once per
/// transaction (a 20,000-row list would otherwise cost two queries a row).
#[derive(Debug, Default)]
pub struct MeasureRefs {
    pub entities: std::collections::HashSet<String>,
    /// User name → disabled.
    pub users: std::collections::HashMap<String, bool>,
}

impl MeasureRefs {
    /// [`check_measure_refs`] and [`check_co_owner`] for one measure.
    pub fn check(&self, index: usize, m: &NewMeasure) -> StoreResult<()> {
        check_measure_refs(
            index,
            m,
            self.entities.contains(m.entity.as_str()),
            self.users.get(&m.owner).copied(),
        )?;
        for co_owner in &m.co_owners {
            check_co_owner(index, m, co_owner, self.users.get(co_owner).copied())?;
        }
        Ok(())
    }
}

/// What [`Store::import_measures`] refuses about a co-owner once a backend has looked them up
/// (`disabled`: `None` when no such user).
pub fn check_co_owner(
    index: usize,
    m: &NewMeasure,
    co_owner: &str,
    disabled: Option<bool>,
) -> StoreResult<()> {
    let which = || format!("measure {} ({})", index + 1, m.title);
    match disabled {
        None => Err(StoreError::Invalid(format!(
            "{}: no user named \"{co_owner}\" to share it",
            which()
        ))),
        Some(true) => Err(StoreError::Invalid(format!(
            "{}: its co-owner {co_owner} is disabled",
            which()
        ))),
        Some(false) => Ok(()),
    }
}

/// A measure's co-owners as the audit log shows them (old and new value of
/// `measure.co_owners`): `co_owners=a, b`, `co_owners=` for none.
pub fn describe_co_owners(co_owners: &[String]) -> String {
    format!("co_owners={}", co_owners.join(", "))
}

/// The state of a measure an update changes, as the audit log shows it (old and new value of
/// `measure.update`): `status=…; progress=N; due=YYYY-MM-DD`.
pub fn describe_measure_state(
    status: MeasureStatus,
    progress: u8,
    due: chrono::NaiveDate,
) -> String {
    format!(
        "status={}; progress={progress}; due={}",
        status.as_str(),
        due.format("%Y-%m-%d")
    )
}

/// The new value of a `measure.update` line: the new state, then the comment if any.
pub fn describe_measure_update(
    status: MeasureStatus,
    progress: u8,
    due: chrono::NaiveDate,
    comment: &str,
) -> String {
    let state = describe_measure_state(status, progress, due);
    if comment.trim().is_empty() {
        state
    } else {
        format!("{state}; comment={}", comment.trim())
    }
}

/// The new value of `milestone.create`: `measure=N; title=…; due=YYYY-MM-DD`.
pub fn describe_milestone(measure: i64, title: &str, due: chrono::NaiveDate) -> String {
    format!(
        "measure={measure}; title={title}; due={}",
        due.format("%Y-%m-%d")
    )
}

/// The audit object of a milestone: `milestone 3`.
pub fn describe_milestone_object(id: i64) -> String {
    format!("milestone {id}")
}

/// The new value of `attachment.add`: `name=…; type=…; size=N; sha256=…`.
pub fn describe_attachment(a: &Attachment) -> String {
    format!(
        "name={}; type={}; size={}; sha256={}",
        a.file_name, a.media_type, a.size, a.sha256
    )
}

/// The audit object of a visit: `visit 2`.
pub fn describe_visit_object(id: i64) -> String {
    format!("visit {id}")
}

/// The new value of `visit.create`: `leader=…; dates=A..B; entities=X,Y; requirements=N`.
pub fn describe_visit(v: &NewVisit) -> String {
    let entities: Vec<&str> = v.entities.iter().map(|e| e.as_str()).collect();
    format!(
        "leader={}; dates={}..{}; entities={}; requirements={}",
        v.leader,
        v.start.format("%Y-%m-%d"),
        v.end.format("%Y-%m-%d"),
        entities.join(","),
        v.requirements.len()
    )
}

/// What [`Store::create_visit`] refuses before looking at the database.
pub fn check_new_visit(v: &NewVisit) -> StoreResult<()> {
    if v.leader.trim().is_empty() {
        return Err(StoreError::Invalid(
            "a visit needs the leader's name".into(),
        ));
    }
    if v.end < v.start {
        return Err(StoreError::Invalid(format!(
            "the visit ends ({}) before it starts ({})",
            v.end, v.start
        )));
    }
    if v.entities.is_empty() {
        return Err(StoreError::Invalid(
            "a visit names the entities visited".into(),
        ));
    }
    for (index, m) in v.requirements.iter().enumerate() {
        check_new_measure(index, m)?;
    }
    Ok(())
}

/// Hex SHA-256 of attachment content, the key it is stored under.
pub fn content_sha256(content: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(content);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A measure status as stored: exactly its name (`in_progress`); `None` for anything else.
pub fn stored_measure_status(text: &str) -> Option<MeasureStatus> {
    MeasureStatus::ALL.into_iter().find(|s| s.as_str() == text)
}
