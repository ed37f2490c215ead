//! The storage API of Zengxiao: what the CLI and the server may ask of a database.
//!
//! One trait, [`Store`], implemented once per backend (`zx-store-sqlite`, `zx-store-postgres`),
//! so callers never change when the backend does. The contract every backend keeps:
//! - an [`Import`] is one transaction: all of its files are written, or none;
//! - a submitted value is never overwritten: a different value for the same key becomes a new
//!   revision, the old one stays queryable ([`Store::history`]); an identical value is counted as
//!   unchanged and writes nothing but the submission record;
//! - every change lands in the audit log with who, when, old and new value;
//! - decimals are stored exactly (text or NUMERIC), never as floating point;
//! - emissions monitoring: stacks are saved by MN all or nothing and a data logger's password
//!   never reaches the audit log; alarm rule sets are opaque documents edited on a revision; a
//!   condition that persists is one open alarm (active or acknowledged) until it is cleared.
//!
//! This crate holds no SQL. Times are passed in by the caller (the domain's "pass now in").
#![forbid(unsafe_code)]

pub mod archive;

pub use archive::{Archive, ArchiveCounts};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;
pub use zx_domain::cems::{FactorMap, Stack};
pub use zx_domain::followup::{
    Attachment, MeasureChange, MeasureUpdate, Milestone, Visit, VisitProgress,
};
pub use zx_domain::measures::ReminderReason;
use zx_domain::{
    Basis, Decimal, Entity, EntityCode, EntityKind, Fact, Measure, MeasureStatus, Month, Role,
    Target,
};

/// What went wrong in the storage layer. File data problems are caught before (in ingest), so
/// `Database`, `Migration` and `Corrupt` are the database's own failures; `Conflict`, `Invalid`
/// and `Locked` are the caller's request being refused, with a message fit to show a user.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The request clashes with what is stored: a name already taken, a target changed by
    /// someone else since it was read (optimistic check). Reloading and retrying may succeed.
    #[error("{0}")]
    Conflict(String),
    /// The request itself is wrong, whatever is stored: an unknown user or entity, a role that
    /// needs an entity without one, an empty user name.
    #[error("{0}")]
    Invalid(String),
    /// An import touched a month that is locked for the entity or one of its ancestors (locking
    /// the group's month locks everyone's). `entity` is the entity whose data was refused, the
    /// first such pair in the import; nothing of the import is written.
    #[error("{month} is locked for {entity}: changes are refused")]
    Locked { entity: String, month: String },
    /// The database's schema was migrated by a newer release: this one does not know its
    /// tables and refuses to open it rather than misread or damage it.
    #[error(
        "this database was migrated by a newer Zengxiao (schema {found} > {known}); upgrade zx"
    )]
    SchemaTooNew { found: i64, known: i64 },
    /// An alarm that is no longer active cannot be acknowledged: it was acknowledged already
    /// (by someone else, perhaps a moment ago) or it has cleared. Reloading shows its state.
    #[error("alarm {id} is {} and cannot be acknowledged", state.as_str())]
    AlarmNotActive { id: i64, state: AlarmState },
}

/// Where a database's schema stands: the newest migration applied (`None`: none, an empty
/// database) and the newest this build knows. Schema numbers are per backend (SQLite has had
/// more migrations than PostgreSQL, which started with both in one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaVersion {
    pub applied: Option<i64>,
    pub known: i64,
}

impl SchemaVersion {
    /// [`StoreError::SchemaTooNew`] when the database is ahead of this build.
    pub fn check(self) -> StoreResult<()> {
        match self.applied {
            Some(found) if found > self.known => Err(StoreError::SchemaTooNew {
                found,
                known: self.known,
            }),
            _ => Ok(()),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// One submitted file: what it was and who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubmission {
    pub file_name: String,
    /// Hex SHA-256 of the file's bytes, to recognise a re-sent file.
    pub sha256: String,
    pub rows: usize,
}

/// The validated content of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    Entities(Vec<Entity>),
    Facts(Vec<Fact>),
    Targets(Vec<Target>),
}

impl Changes {
    pub fn kind(&self) -> &'static str {
        match self {
            Changes::Entities(_) => "entities",
            Changes::Facts(_) => "data",
            Changes::Targets(_) => "targets",
        }
    }
}

/// Files imported together in one transaction.
#[derive(Debug, Clone)]
pub struct Import {
    pub user: String,
    pub at: DateTime<Utc>,
    pub files: Vec<(NewSubmission, Changes)>,
}

/// What one file did to the database.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileReceipt {
    pub submission_id: i64,
    /// Keys that had no value before.
    pub inserted: usize,
    /// Keys whose value changed: a new revision.
    pub revised: usize,
    /// Keys resubmitted with the same value.
    pub unchanged: usize,
}

/// A recorded submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub sha256: String,
    pub user: String,
    pub at: DateTime<Utc>,
    pub rows: usize,
    pub inserted: usize,
    pub revised: usize,
    pub unchanged: usize,
}

/// One revision of a submitted value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactRevision {
    pub entity: EntityCode,
    pub month: Month,
    pub item: String,
    pub revision: i64,
    pub value: Decimal,
    pub basis: Basis,
    pub submission_id: i64,
    pub file_name: String,
    pub user: String,
    pub at: DateTime<Utc>,
    /// Whether this is the value in force.
    pub current: bool,
}

/// Which revisions to list.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    pub entity: Option<EntityCode>,
    pub month: Option<Month>,
    pub item: Option<String>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user: String,
    /// `entity.create`, `entity.update`, `fact.revise`, `target.set`, `import`…
    pub action: String,
    /// What was changed: `P1 2026-03 total_profit`, `entity P1`…
    pub object: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub submission_id: Option<i64>,
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user: Option<String>,
    pub action: Option<String>,
    /// Substring of the object.
    pub object: Option<String>,
    pub limit: Option<usize>,
}

/// An account as the application sees it (no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// The subtree root for `entity_manager` and `viewer`.
    pub entity: Option<EntityCode>,
    pub disabled: bool,
    /// Where e-mail reminders go; `None`: in-app only.
    pub email: Option<String>,
}

/// A new account; `password_hash` is a PHC string (argon2), never a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    pub entity: Option<EntityCode>,
    pub password_hash: String,
}

/// A login session. The cookie holds a random id; the database only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub user: String,
    /// Random token every form must echo (CSRF).
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Where an entity's month stands in the collection workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodState {
    /// Data was submitted (explicitly, or rows exist) and awaits HQ.
    Submitted,
    /// HQ approved it.
    Approved,
    /// HQ sent it back with a comment.
    Returned,
    /// Closed: any import touching it is refused.
    Locked,
}

impl PeriodState {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodState::Submitted => "submitted",
            PeriodState::Approved => "approved",
            PeriodState::Returned => "returned",
            PeriodState::Locked => "locked",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Submitted,
            Self::Approved,
            Self::Returned,
            Self::Locked,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// The recorded state of one entity-month (absent: nothing recorded, "not submitted" unless
/// data rows exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodStatus {
    pub entity: EntityCode,
    pub month: Month,
    pub state: PeriodState,
    pub comment: Option<String>,
    pub user: String,
    pub at: DateTime<Utc>,
}

/// A target with the revision it is at, for optimistic edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRecord {
    pub target: Target,
    pub revision: i64,
}

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

// --- stacks and alarms (CEMS) ---------------------------------------------------------------

/// A registered stack as stored: the stack and its record keeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStack {
    pub id: i64,
    pub stack: Stack,
    /// `false` once retired: its frames are no longer accepted, its history stays.
    pub active: bool,
    /// 1 when registered, bumped by every change (update, retirement, reactivation).
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What [`Store::save_stacks`] did, by stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// MNs not registered before.
    pub created: usize,
    /// Registered MNs whose fields (or password) changed, or that were retired and come back.
    pub updated: usize,
    /// Registered, active MNs sent again exactly as stored.
    pub unchanged: usize,
}

/// An alarm rule set as stored: an opaque TOML document (the rules engine of
/// `zx_domain::cems::alarms` reads it), one per scope, edited optimistically by revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSetDoc {
    /// `segment:<segment>` (the template every stack of plants of that segment inherits) or
    /// `stack:<MN>` (one stack's overrides); see [`check_rule_scope`].
    pub scope: String,
    pub body: String,
    pub revision: i64,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// Where an alarm stands. An alarm is raised active, may be acknowledged by a person (who
/// takes note of it), and is cleared by the system when its condition ends; cleared alarms stay
/// as history.
/// The lifecycle of an alarm is the domain's (active → acknowledged → cleared).
pub use zx_domain::cems::alarms::AlarmState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlarm {
    /// The registered stack.
    pub mn: String,
    /// What rule raised it (`hour_limit`, `trend`, `stuck`, `missing`, `flag`…); the rules
    /// engine names them, the store only keeps them.
    pub kind: String,
    /// The factor concerned, if the alarm is about one (`a21002`).
    pub code: Option<String>,
    pub raised_at: DateTime<Utc>,
    /// The value that raised it and the limit it was judged against, exactly.
    pub value: Option<Decimal>,
    pub limit: Option<Decimal>,
    pub message_zh: String,
    pub message_en: String,
}

/// A stored alarm and its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alarm {
    pub id: i64,
    pub mn: String,
    pub kind: String,
    pub code: Option<String>,
    pub raised_at: DateTime<Utc>,
    pub value: Option<Decimal>,
    pub limit: Option<Decimal>,
    pub message_zh: String,
    pub message_en: String,
    pub state: AlarmState,
    /// Who acknowledged it, when, with what note (all `None` if never acknowledged).
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub cleared_at: Option<DateTime<Utc>>,
}

/// Which alarms to list (all conditions must hold).
#[derive(Debug, Clone, Default)]
pub struct AlarmFilter {
    pub mn: Option<String>,
    pub state: Option<AlarmState>,
    /// Raised at or after.
    pub since: Option<DateTime<Utc>>,
    pub limit: Option<usize>,
}

/// The database, whatever the backend.
#[async_trait]
pub trait Store: Send + Sync {
    /// All entities, in no particular order.
    async fn entities(&self) -> StoreResult<Vec<Entity>>;
    /// The value in force for every (entity, month, item).
    async fn current_facts(&self) -> StoreResult<Vec<Fact>>;
    /// The target in force for every (entity, year, indicator).
    async fn targets(&self) -> StoreResult<Vec<Target>>;
    /// Writes all files of the import in one transaction: all or nothing. Data for an
    /// (entity, month) whose month is locked for the entity or any ancestor fails the whole
    /// import with [`StoreError::Locked`]; the check and the writes are one transaction, so a
    /// lock and an import racing each other have one clean winner.
    async fn import(&self, import: Import) -> StoreResult<Vec<FileReceipt>>;
    /// Every revision matching the filter, oldest first per key.
    async fn history(&self, filter: &HistoryFilter) -> StoreResult<Vec<FactRevision>>;
    /// Submissions, newest first.
    async fn submissions(&self) -> StoreResult<Vec<Submission>>;
    /// Audit entries matching the filter, newest first.
    async fn audit_log(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>>;

    // --- accounts ---------------------------------------------------------------------------
    /// Creates an account; `Conflict` when the name is taken. `Invalid` for an empty name or one
    /// with spaces or control characters, a role that needs an entity ([`Role::needs_entity`])
    /// without one, an HQ role with one, or an unknown entity. Audited (`user.create`).
    async fn create_user(&self, user: NewUser, by: &str, at: DateTime<Utc>) -> StoreResult<User>;
    /// All accounts, by name.
    async fn users(&self) -> StoreResult<Vec<User>>;
    /// The account and its password hash, for login.
    async fn user_with_hash(&self, name: &str) -> StoreResult<Option<(User, String)>>;
    /// Replaces the password hash (audited `user.passwd`, without the hash) and ends the
    /// user's sessions. `Invalid` for an unknown user.
    async fn set_password(
        &self,
        name: &str,
        password_hash: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Disables (or re-enables) an account; disabling ends its sessions and revokes its tokens
    /// (re-enabling does not bring them back). Audited `user.disable` / `user.enable`.
    /// `Invalid` for an unknown user.
    async fn set_disabled(
        &self,
        name: &str,
        disabled: bool,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Stores the SHA-256 of a new API bearer token for the user (audited `user.token`, with
    /// neither the token nor its hash). `Invalid` for an unknown or disabled user.
    async fn add_token(
        &self,
        name: &str,
        token_hash: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The enabled user owning a token hash (`None` for an unknown or revoked token).
    async fn user_by_token(&self, token_hash: &str) -> StoreResult<Option<User>>;

    // --- sessions ---------------------------------------------------------------------------
    /// Stores a session (and forgets sessions that expired before it was created). `Invalid`
    /// for an unknown or disabled user.
    async fn create_session(&self, session: Session) -> StoreResult<()>;
    /// The session and its enabled user, if it exists and has not expired at `now`.
    async fn session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Session, User)>>;
    /// Ends a session (logout); no error when it does not exist.
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;

    // --- collection workflow ----------------------------------------------------------------
    /// Recorded states of every entity-month of a year, by entity and month.
    async fn period_statuses(&self, year: i32) -> StoreResult<Vec<PeriodStatus>>;
    /// Records a state change (audited `period.<state>` with old and new state and the comment).
    /// Any change is recorded: which transitions a role may make is the caller's rule.
    /// `Invalid` for an unknown entity.
    async fn set_period_state(&self, status: PeriodStatus) -> StoreResult<()>;

    // --- targets, one at a time -------------------------------------------------------------
    /// Targets in force with their revision numbers.
    async fn target_records(&self) -> StoreResult<Vec<TargetRecord>>;
    /// Sets one target if it is still at `expected_revision` (`None`: must not exist yet);
    /// otherwise `Conflict`. Returns the new revision (the current one, writing nothing, when
    /// the value is unchanged). Audited like imported targets (`target.set`, old and new value),
    /// without a submission. `Invalid` for an unknown entity.
    async fn set_target(
        &self,
        target: Target,
        expected_revision: Option<i64>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64>;

    // --- moving a database ------------------------------------------------------------------
    /// Everything durable, read in one consistent snapshot (see [`archive`]), each list in the
    /// archive's order: equal databases give equal archives, whatever the backend.
    async fn export(&self) -> StoreResult<Archive>;
    /// Writes an archive into this database, which must be empty (no submissions, entities,
    /// accounts or audit lines; otherwise `Invalid`, writing nothing): in one transaction, with
    /// the archive's ids (later writes continue after the highest), the current values rebuilt
    /// from the highest revisions. The archive is checked first ([`Archive::check`]). Adds no
    /// audit line of its own, so an export of the result equals the archive.
    async fn restore(&self, archive: &Archive) -> StoreResult<()>;

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
    ) -> StoreResult<Vec<i64>>;
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
    /// Sets or clears a user's e-mail address (audited `user.email`, old and new). `Invalid`
    /// for an unknown user or an address without `@`.
    async fn set_email(
        &self,
        name: &str,
        email: Option<&str>,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    // --- stacks (CEMS) ----------------------------------------------------------------------
    /// Every registered stack, retired ones included, by MN.
    async fn stacks(&self) -> StoreResult<Vec<StoredStack>>;
    /// One stack by MN (retired or not).
    async fn stack(&self, mn: &str) -> StoreResult<Option<StoredStack>>;
    /// Registers or updates stacks by MN in one transaction (all or nothing): each must pass
    /// [`Stack::validate`] and [`check_stack_standard`], its entity must exist and be a plant or
    /// a company, an MN may appear once; otherwise `Invalid` naming the first bad stack, and
    /// nothing is written. A new MN is audited `stack.create` ([`describe_stack`]), a changed
    /// (or retired) one `stack.update` with old and new value and its revision bumped; the
    /// password never appears in the audit log. An identical stack writes nothing.
    async fn save_stacks(
        &self,
        stacks: Vec<Stack>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<ImportSummary>;
    /// Retires a stack (audited `stack.retire`, revision bumped); its alarms and history stay.
    /// `Invalid` for an unknown MN or one already retired. Saving it again reactivates it.
    async fn retire_stack(&self, mn: &str, user: &str, at: DateTime<Utc>) -> StoreResult<()>;

    // --- alarm rule sets --------------------------------------------------------------------
    /// The rule set of one scope.
    async fn alarm_rule_set(&self, scope: &str) -> StoreResult<Option<RuleSetDoc>>;
    /// Every rule set, by scope.
    async fn alarm_rule_sets(&self) -> StoreResult<Vec<RuleSetDoc>>;
    /// Stores the rule set of `scope` if it is still at `expected_revision` (`None`: must not
    /// exist yet), else `Conflict`; returns the new revision (the current one, writing nothing,
    /// when the body is unchanged). Audited `alarm_rules.set` with the old and new body.
    /// `Invalid` for a scope [`check_rule_scope`] refuses or a `stack:` scope of an unknown MN.
    async fn put_alarm_rule_set(
        &self,
        scope: &str,
        body: &str,
        expected_revision: Option<i64>,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64>;

    // --- alarms -----------------------------------------------------------------------------
    /// Raises an alarm, or, when one of the same MN, kind and code is still open (active or
    /// acknowledged), returns that one's id and writes nothing: a condition that persists is one
    /// alarm. Audited `alarm.raise` by [`ALARM_SYSTEM_USER`]. `Invalid` for an unregistered MN
    /// or an empty kind.
    async fn raise_alarm(&self, alarm: NewAlarm) -> StoreResult<i64>;
    /// A person takes note of an active alarm (audited `alarm.acknowledge`, old and new state,
    /// the note). [`StoreError::AlarmNotActive`] when it is acknowledged or cleared already,
    /// `Invalid` for an unknown id.
    async fn acknowledge_alarm(
        &self,
        id: i64,
        note: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Alarm>;
    /// The system clears an open alarm (audited `alarm.clear` by [`ALARM_SYSTEM_USER`]).
    /// Returns `false`, writing nothing, when it was cleared already. `Invalid` for an unknown id
    /// or a time before it was raised.
    async fn clear_alarm(&self, id: i64, at: DateTime<Utc>) -> StoreResult<bool>;
    /// Clears the open alarm of this MN, kind and code, if any; returns its id.
    async fn clear_open_alarm(
        &self,
        mn: &str,
        kind: &str,
        code: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<i64>>;
    /// Alarms matching the filter, newest raised first (then highest id first).
    async fn alarms(&self, filter: &AlarmFilter) -> StoreResult<Vec<Alarm>>;
    /// One alarm by id.
    async fn alarm(&self, id: i64) -> StoreResult<Option<Alarm>>;
}

// --- what every backend writes the same way -------------------------------------------------
// Audit texts and the checks made before touching the database are part of the contract (the
// shared story tests compare them), so they are defined once, here, for every backend.

/// How an entity is shown in the audit log (`entity.create` / `entity.update`).
pub fn describe_entity(e: &Entity) -> String {
    format!(
        "name={}; parent={}; kind={}; region={}; segment={}",
        e.name,
        e.parent.as_ref().map_or("", |p| p.as_str()),
        e.kind,
        e.region,
        e.segment
    )
}

/// How an account's role and scope are shown in the audit log (`user.create`).
pub fn describe_user(role: Role, entity: Option<&EntityCode>) -> String {
    match entity {
        Some(entity) => format!("role={role}; entity={entity}"),
        None => format!("role={role}"),
    }
}

/// The audit object of a target: `target P1 2026 total_profit`.
pub fn describe_target(target: &Target) -> String {
    format!(
        "target {} {} {}",
        target.entity, target.year, target.indicator
    )
}

/// The audit object of a fact: `P1 2026-03 total_profit`.
pub fn describe_fact_key(fact: &Fact) -> String {
    format!("{} {} {}", fact.entity, fact.month, fact.item)
}

/// A fact's value as the audit log shows it: `98.25 (month)`.
pub fn describe_fact_value(value: Decimal, basis: Basis) -> String {
    format!("{value} ({basis})")
}

/// The new value of an `import` audit line.
pub fn describe_import(submission: &NewSubmission, receipt: &FileReceipt) -> String {
    format!(
        "rows={}; new={}; revised={}; unchanged={}; sha256={}",
        submission.rows, receipt.inserted, receipt.revised, receipt.unchanged, submission.sha256
    )
}

/// The new value of a `period.<state>` audit line: the state, then the comment if any.
pub fn describe_period_state(status: &PeriodStatus) -> String {
    match &status.comment {
        Some(comment) if !comment.is_empty() => format!("{}: {comment}", status.state.as_str()),
        _ => status.state.as_str().to_owned(),
    }
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

/// What [`Store::set_email`] refuses: an address that is blank, has spaces, or no `@` between
/// two non-empty parts.
pub fn check_email(email: &str) -> StoreResult<()> {
    let ok = !email.chars().any(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "\"{email}\" is not an e-mail address"
        )))
    }
}

// --- stacks and alarms: audit texts and checks ----------------------------------------------

/// Who raises and clears alarms: the alarm job, not a person (as for notifications).
pub const ALARM_SYSTEM_USER: &str = NOTIFICATION_SENDER;

/// The audit object of a stack: `stack 3301001`.
pub fn describe_stack_object(mn: &str) -> String {
    format!("stack {mn}")
}

/// How a stack is shown in the audit log, without its password:
/// `entity=P1; name=1号炉; standard=gb18485-2014; oxygen=a19001; furnace=furnace_temp;
/// aliases=NOX=a21002,SO2=a21026`.
pub fn describe_stack(stack: &Stack) -> String {
    let aliases: Vec<String> = stack
        .factors
        .aliases
        .iter()
        .map(|(sent, standard)| format!("{sent}={standard}"))
        .collect();
    format!(
        "entity={}; name={}; standard={}; oxygen={}; furnace={}; aliases={}",
        stack.entity,
        stack.name,
        stack.standard,
        stack.factors.oxygen,
        stack.factors.furnace_temperature,
        aliases.join(",")
    )
}

/// The new value of `stack.create`: [`describe_stack`] and `password=(set)`.
pub fn describe_new_stack(stack: &Stack) -> String {
    format!("{}; password=(set)", describe_stack(stack))
}

/// Old and new value of `stack.update`: [`describe_stack`] of each; the old one says
/// `retired` if it was, the new one `password=(changed)` if the password changed. The password
/// itself is never written.
pub fn describe_stack_update(old: &StoredStack, new: &Stack) -> (String, String) {
    let mut before = describe_stack(&old.stack);
    if !old.active {
        before.push_str("; retired");
    }
    let mut after = describe_stack(new);
    if old.stack.password != new.password {
        after.push_str("; password=(changed)");
    }
    (before, after)
}

/// What [`Store::save_stacks`] refuses before looking at the database: a stack failing
/// [`Stack::validate`], an unknown standard, an empty factor code. `index` is the stack's place
/// in the list (from 0).
pub fn check_stack(index: usize, stack: &Stack) -> StoreResult<()> {
    let which = || format!("stack {} ({})", index + 1, stack.mn);
    stack
        .validate()
        .map_err(|e| StoreError::Invalid(format!("{}: {e}", which())))?;
    zx_domain::cems::Standard::builtin(&stack.standard)
        .map_err(|e| StoreError::Invalid(format!("{}: {e}", which())))?;
    let codes = [&stack.factors.oxygen, &stack.factors.furnace_temperature]
        .into_iter()
        .chain(stack.factors.aliases.keys())
        .chain(stack.factors.aliases.values());
    for code in codes {
        if code.trim().is_empty() || code.trim() != code {
            return Err(StoreError::Invalid(format!(
                "{}: factor code \"{code}\" is empty or has surrounding spaces",
                which()
            )));
        }
    }
    Ok(())
}

/// What [`Store::save_stacks`] refuses once a backend has looked up the stack's entity
/// (`kind`: `None` when there is no such entity): an unknown entity, or one that is not a plant
/// or a company (stacks belong to the site that operates them).
pub fn check_stack_entity(
    index: usize,
    stack: &Stack,
    kind: Option<EntityKind>,
) -> StoreResult<()> {
    let which = || format!("stack {} ({})", index + 1, stack.mn);
    match kind {
        None => Err(StoreError::Invalid(format!(
            "{}: unknown entity {}",
            which(),
            stack.entity
        ))),
        Some(EntityKind::Plant | EntityKind::Company) => Ok(()),
        Some(kind) => Err(StoreError::Invalid(format!(
            "{}: entity {} is a {kind}; stacks belong to a plant or a company",
            which(),
            stack.entity
        ))),
    }
}

/// What [`Store::save_stacks`] refuses about the list as a whole: an MN listed twice.
pub fn check_unique_mns(stacks: &[Stack]) -> StoreResult<()> {
    let mut seen = std::collections::HashSet::new();
    for (index, stack) in stacks.iter().enumerate() {
        if !seen.insert(stack.mn.as_str()) {
            return Err(StoreError::Invalid(format!(
                "stack {} ({}): the MN is listed twice",
                index + 1,
                stack.mn
            )));
        }
    }
    Ok(())
}

/// FactorMap as stored: JSON text (`{"oxygen":"a19001","furnace_temperature":…,"aliases":{…}}`,
/// keys in a fixed order, so equal maps are equal text).
pub fn factors_to_json(factors: &FactorMap) -> String {
    // Serialising a struct of strings and a string map cannot fail.
    serde_json::to_string(factors).unwrap_or_default()
}

/// A stored factor map back; `Corrupt` if the text is not one.
pub fn factors_from_json(text: &str) -> StoreResult<FactorMap> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("factor map \"{text}\": {e}")))
}

/// What a rule set's scope names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleScope<'a> {
    /// `segment:<segment>`: the template of plants of that segment (`waste-to-energy`).
    Segment(&'a str),
    /// `stack:<MN>`: one stack's overrides.
    Stack(&'a str),
}

/// Parses a rule set scope: `segment:` followed by a segment without spaces, or `stack:`
/// followed by a valid MN. `Invalid` otherwise.
pub fn check_rule_scope(scope: &str) -> StoreResult<RuleScope<'_>> {
    let invalid = || {
        StoreError::Invalid(format!(
            "alarm rule scope \"{scope}\" is neither segment:<segment> nor stack:<MN>"
        ))
    };
    if let Some(segment) = scope.strip_prefix("segment:") {
        if segment.is_empty() || segment.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        return Ok(RuleScope::Segment(segment));
    }
    if let Some(mn) = scope.strip_prefix("stack:") {
        zx_domain::cems::check_mn(mn).map_err(|_| invalid())?;
        return Ok(RuleScope::Stack(mn));
    }
    Err(invalid())
}

/// The audit object of a rule set: `alarm_rules segment:waste-to-energy`.
pub fn describe_rule_set_object(scope: &str) -> String {
    format!("alarm_rules {scope}")
}

/// What [`Store::put_alarm_rule_set`] does given the stored set (`current`: body and revision):
/// `Ok(None)` when the body is unchanged (nothing to write), `Ok(Some(revision))` the revision to
/// write, `Conflict` when `expected_revision` is not the stored one (`None` expects no set).
pub fn plan_rule_set_put(
    scope: &str,
    current: Option<(&str, i64)>,
    body: &str,
    expected_revision: Option<i64>,
) -> StoreResult<Option<i64>> {
    let object = describe_rule_set_object(scope);
    match (current, expected_revision) {
        (Some((_, revision)), expected) if Some(revision) != expected => {
            Err(StoreError::Conflict(format!(
                "{object} was changed by someone else (revision {revision}); reload and try again"
            )))
        }
        (None, Some(expected)) => Err(StoreError::Conflict(format!(
            "{object} does not exist (expected revision {expected}); reload and try again"
        ))),
        (Some((stored, _)), _) if stored == body => Ok(None),
        (Some((_, revision)), _) => Ok(Some(revision + 1)),
        (None, None) => Ok(Some(1)),
    }
}

/// The audit object of an alarm: `alarm 7`.
pub fn describe_alarm_object(id: i64) -> String {
    format!("alarm {id}")
}

/// The new value of `alarm.raise`: `mn=…; kind=…` then `code=…`, `value=…`, `limit=…` when
/// present, exact as given.
pub fn describe_alarm(alarm: &NewAlarm) -> String {
    let mut text = format!("mn={}; kind={}", alarm.mn, alarm.kind);
    if let Some(code) = &alarm.code {
        text.push_str(&format!("; code={code}"));
    }
    if let Some(value) = alarm.value {
        text.push_str(&format!("; value={value}"));
    }
    if let Some(limit) = alarm.limit {
        text.push_str(&format!("; limit={limit}"));
    }
    text
}

/// The new value of `alarm.acknowledge`: `acknowledged`, then the note if any.
pub fn describe_acknowledgement(note: &str) -> String {
    if note.trim().is_empty() {
        AlarmState::Acknowledged.as_str().to_owned()
    } else {
        format!("{}: {}", AlarmState::Acknowledged.as_str(), note.trim())
    }
}

/// What [`Store::raise_alarm`] refuses before looking at the database: an invalid MN, an empty
/// kind or code, empty messages.
pub fn check_new_alarm(alarm: &NewAlarm) -> StoreResult<()> {
    zx_domain::cems::check_mn(&alarm.mn).map_err(|e| StoreError::Invalid(e.to_string()))?;
    if alarm.kind.trim().is_empty() {
        return Err(StoreError::Invalid(format!(
            "an alarm of stack {} has no kind",
            alarm.mn
        )));
    }
    if alarm.code.as_deref().is_some_and(|c| c.trim().is_empty()) {
        return Err(StoreError::Invalid(format!(
            "an alarm of stack {} has an empty factor code (leave it out instead)",
            alarm.mn
        )));
    }
    if alarm.message_zh.trim().is_empty() && alarm.message_en.trim().is_empty() {
        return Err(StoreError::Invalid(format!(
            "an alarm of stack {} has no message",
            alarm.mn
        )));
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

/// The key of a target in force: (entity, year, indicator).
pub type TargetKey = (String, i32, String);

/// One target an import writes: its new revision, the value it replaces (for the audit log),
/// and whether it is the last write of its key in the import (the one left in force).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetWrite<'a> {
    pub target: &'a Target,
    pub revision: i64,
    pub previous: Option<Decimal>,
    pub in_force: bool,
}

/// What importing `targets` writes, given the targets in force (`current`, value and revision
/// by key, updated as it goes): a new key is revision 1 (`inserted`), a changed value the next
/// revision (`revised`), an equal value (`1000.00` = `1000`) nothing (`unchanged`), counted into
/// `receipt`. A key listed twice is handled as two imports one after the other. Backends then
/// write the result in batches, in this order.
pub fn plan_target_writes<'a>(
    targets: &'a [Target],
    current: &mut std::collections::HashMap<TargetKey, (Decimal, i64)>,
    receipt: &mut FileReceipt,
) -> Vec<TargetWrite<'a>> {
    let mut writes: Vec<TargetWrite<'a>> = Vec::new();
    let mut last: std::collections::HashMap<TargetKey, usize> = std::collections::HashMap::new();
    for target in targets {
        let key = (
            target.entity.as_str().to_owned(),
            target.year,
            target.indicator.clone(),
        );
        let previous = current.get(&key).copied();
        let revision = match previous {
            Some((value, _)) if value == target.value => {
                receipt.unchanged += 1;
                continue;
            }
            Some((_, revision)) => {
                receipt.revised += 1;
                revision + 1
            }
            None => {
                receipt.inserted += 1;
                1
            }
        };
        current.insert(key.clone(), (target.value, revision));
        if let Some(earlier) = last.insert(key, writes.len()) {
            writes[earlier].in_force = false;
        }
        writes.push(TargetWrite {
            target,
            revision,
            previous: previous.map(|(value, _)| value),
            in_force: true,
        });
    }
    writes
}

/// What [`Store::create_user`] refuses before looking at the database: a name one cannot type
/// at a login prompt or find in the audit log, a scope the role does not take.
pub fn check_new_user(user: &NewUser) -> StoreResult<()> {
    let name = &user.name;
    if name.is_empty() {
        return Err(StoreError::Invalid("a user name must not be empty".into()));
    }
    if name.chars().count() > 64 {
        return Err(StoreError::Invalid(format!(
            "user name \"{name}\" is longer than 64 characters"
        )));
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(StoreError::Invalid(format!(
            "user name \"{}\" must not contain spaces or control characters",
            name.escape_debug()
        )));
    }
    match (user.role.needs_entity(), &user.entity) {
        (true, None) => Err(StoreError::Invalid(format!(
            "role {} needs an entity: the root of the subtree {} works on",
            user.role, user.name
        ))),
        (false, Some(entity)) => Err(StoreError::Invalid(format!(
            "role {} sees the whole group and takes no entity (got {entity})",
            user.role
        ))),
        _ => Ok(()),
    }
}

/// Whether a `--db` value names a PostgreSQL database (else it is a SQLite file or URL).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The file path of a SQLite `--db` value (`sqlite://x.db`, `sqlite:x.db` or a bare path).
pub fn path_from_url(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// `postgres://u:secret@h/db` → `postgres://u:***@h/db`: a database URL fit for a message or
/// a log line. Anything without a password (a SQLite path) is returned as it is.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_writes_are_planned_as_one_import_after_another() {
        let target = |code: &str, value: &str| Target {
            entity: EntityCode::parse(code).unwrap(),
            year: 2026,
            indicator: "total_profit".into(),
            value: value.parse().unwrap(),
        };
        let targets = vec![
            target("G", "100.00"),
            target("P1", "5"),
            target("P2", "7"),
            target("P1", "6"),
        ];
        let mut current = std::collections::HashMap::from([
            (
                ("G".to_owned(), 2026, "total_profit".to_owned()),
                ("100".parse().unwrap(), 3),
            ),
            (
                ("P2".to_owned(), 2026, "total_profit".to_owned()),
                ("8".parse().unwrap(), 1),
            ),
        ]);
        let mut receipt = FileReceipt::default();
        let writes = plan_target_writes(&targets, &mut current, &mut receipt);
        assert_eq!(
            (receipt.inserted, receipt.revised, receipt.unchanged),
            (1, 2, 1)
        );
        let planned: Vec<(&str, i64, Option<String>, bool)> = writes
            .iter()
            .map(|w| {
                (
                    w.target.entity.as_str(),
                    w.revision,
                    w.previous.map(|v| v.to_string()),
                    w.in_force,
                )
            })
            .collect();
        assert_eq!(
            planned,
            vec![
                ("P1", 1, None, false),
                ("P2", 2, Some("8".into()), true),
                ("P1", 2, Some("5".into()), true),
            ]
        );
    }

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            redact_url("postgres://zx:hunter2@db.local:5432/zx"),
            "postgres://zx:***@db.local:5432/zx"
        );
        assert_eq!(redact_url("postgres://zx@db/zx"), "postgres://zx@db/zx");
        assert_eq!(redact_url("zengxiao.db"), "zengxiao.db");
    }
}
