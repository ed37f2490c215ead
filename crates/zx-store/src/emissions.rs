//! Stack emissions: registered stacks, alarm rule sets and alarms.

use crate::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

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
/// Stacks, alarm rule sets and alarms of emissions monitoring.
#[async_trait]
pub trait EmissionStore: Send + Sync {
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
    let aliases: Vec<String> = stack.factors.alias_pairs();
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
