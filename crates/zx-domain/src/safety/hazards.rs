//! Hidden hazards (隐患, safety.md §2): their grade, the states of the closed loop and when one is
//! overdue, and the loop's rules: reported → assessed → rectifying → awaiting verification →
//! closed (销号), a rejection sending a hazard back to rectifying with a reason.
//!
//! Who may take each step is a rule of the domain, not of a page: [`check_step`] answers it
//! for the web, the API and any tool alike. Overdue and age are derived from the date passed
//! in (the date in China), never stored.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;

use crate::access::{Access, Role};
use crate::entity::{EntityCode, EntityTree};
use crate::format::{hazard_grade_label, hazard_status_label};
use crate::notes::Lang;
use crate::safety::grading::Score;

/// The regulator's two grades: a major hazard (重大事故隐患) goes to HQ the day it is graded and is
/// verified above the plant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HazardGrade {
    /// 一般隐患
    General,
    /// 重大隐患
    Major,
}

/// Where a hazard is in its closed loop. Rejection at verification is not a state: it sends the
/// hazard back to `Rectifying` with a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HazardStatus {
    Reported,
    Assessed,
    Rectifying,
    AwaitingVerification,
    /// 销号
    Closed,
}

/// A code that is not a grade or a status, named with the allowed codes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field} = {value} is not allowed; allowed: {allowed}")]
pub struct UnknownCode {
    pub field: &'static str,
    pub value: String,
    pub allowed: &'static str,
}

impl HazardGrade {
    pub const ALL: [HazardGrade; 2] = [HazardGrade::General, HazardGrade::Major];

    pub fn code(self) -> &'static str {
        match self {
            HazardGrade::General => "general",
            HazardGrade::Major => "major",
        }
    }
}

impl HazardStatus {
    pub const ALL: [HazardStatus; 5] = [
        HazardStatus::Reported,
        HazardStatus::Assessed,
        HazardStatus::Rectifying,
        HazardStatus::AwaitingVerification,
        HazardStatus::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            HazardStatus::Reported => "reported",
            HazardStatus::Assessed => "assessed",
            HazardStatus::Rectifying => "rectifying",
            HazardStatus::AwaitingVerification => "awaiting_verification",
            HazardStatus::Closed => "closed",
        }
    }

    /// Open means still someone's work: everything before closing.
    pub fn is_open(self) -> bool {
        self != HazardStatus::Closed
    }
}

impl fmt::Display for HazardGrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for HazardStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for HazardGrade {
    type Err = UnknownCode;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        HazardGrade::ALL
            .into_iter()
            .find(|g| g.code() == text.trim())
            .ok_or_else(|| UnknownCode {
                field: "grade",
                value: text.to_owned(),
                allowed: "general, major",
            })
    }
}

impl FromStr for HazardStatus {
    type Err = UnknownCode;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        HazardStatus::ALL
            .into_iter()
            .find(|s| s.code() == text.trim())
            .ok_or_else(|| UnknownCode {
                field: "status",
                value: text.to_owned(),
                allowed: "reported, assessed, rectifying, awaiting_verification, closed",
            })
    }
}

/// Overdue (safety.md §2): not closed and the deadline, a date in China, is before `as_of`. On
/// the deadline itself a hazard is not overdue yet; one without a deadline never is.
pub fn is_overdue(status: HazardStatus, deadline: Option<NaiveDate>, as_of: NaiveDate) -> bool {
    status.is_open() && deadline.is_some_and(|deadline| deadline < as_of)
}

/// A grade as typed or as an exported register shows it: its code, or its name in either
/// language (`重大`, `重大隐患`, `major`).
pub fn parse_grade(text: &str) -> Option<HazardGrade> {
    let text = text.trim();
    HazardGrade::ALL.into_iter().find(|g| {
        g.code().eq_ignore_ascii_case(text)
            || hazard_grade_label(*g, Lang::Zh) == text
            || hazard_grade_label(*g, Lang::Zh).trim_end_matches("隐患") == text
    })
}

/// A status as typed or as an exported register shows it: its code (or with spaces), or its
/// name in either language.
pub fn parse_status(text: &str) -> Option<HazardStatus> {
    let text = text.trim();
    HazardStatus::ALL.into_iter().find(|s| {
        s.code().eq_ignore_ascii_case(text)
            || s.code().replace('_', " ").eq_ignore_ascii_case(text)
            || hazard_status_label(*s, Lang::Zh) == text
            || hazard_status_label(*s, Lang::En).eq_ignore_ascii_case(text)
    })
}

/// The five assurances (五落实) of a major hazard's rectification: 责任, 措施, 资金, 时限, 预案.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assurances {
    pub responsibility: String,
    pub measures: String,
    pub funds: String,
    pub timeline: String,
    pub plan: String,
}

/// One of the five assurances, to name what is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Assurance {
    Responsibility,
    Measures,
    Funds,
    Timeline,
    Plan,
}

impl Assurance {
    pub const ALL: [Assurance; 5] = [
        Assurance::Responsibility,
        Assurance::Measures,
        Assurance::Funds,
        Assurance::Timeline,
        Assurance::Plan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Assurance::Responsibility => "responsibility",
            Assurance::Measures => "measures",
            Assurance::Funds => "funds",
            Assurance::Timeline => "timeline",
            Assurance::Plan => "plan",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Assurance::Responsibility => lang.pick("责任落实", "responsibility"),
            Assurance::Measures => lang.pick("措施落实", "measures"),
            Assurance::Funds => lang.pick("资金落实", "funds"),
            Assurance::Timeline => lang.pick("时限落实", "time limit"),
            Assurance::Plan => lang.pick("预案落实", "emergency plan"),
        }
    }
}

impl Assurances {
    pub fn get(&self, which: Assurance) -> &str {
        match which {
            Assurance::Responsibility => &self.responsibility,
            Assurance::Measures => &self.measures,
            Assurance::Funds => &self.funds,
            Assurance::Timeline => &self.timeline,
            Assurance::Plan => &self.plan,
        }
    }

    /// The assurances left blank (only spaces counts as blank), in the customary order.
    pub fn missing(&self) -> Vec<Assurance> {
        Assurance::ALL
            .into_iter()
            .filter(|a| self.get(*a).trim().is_empty())
            .collect()
    }
}

/// A hazard of the register, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hazard {
    pub id: i64,
    /// The register's own number (an imported ledger's `id`); `None` when reported on the web.
    pub code: Option<String>,
    pub entity: EntityCode,
    pub found: NaiveDate,
    pub description: String,
    pub location: String,
    pub grade: HazardGrade,
    pub status: HazardStatus,
    pub scores: Option<Score>,
    /// The account (or, in an imported ledger, the person) answering for it; empty until
    /// assessed.
    pub owner: String,
    pub deadline: Option<NaiveDate>,
    pub assurances: Assurances,
    pub rectified_by: Option<String>,
    pub verified_by: Option<String>,
    /// Set when a rule raised it (once per key), not a person.
    pub auto_key: Option<String>,
    pub reported_at: DateTime<Utc>,
    pub reported_by: String,
    /// Bumped by every change: a step taken on a stale page is refused.
    pub revision: i64,
}

impl Hazard {
    /// How people refer to it: its register number, else `#id`.
    pub fn number(&self) -> String {
        self.code.clone().unwrap_or_else(|| format!("#{}", self.id))
    }

    pub fn is_overdue(&self, as_of: NaiveDate) -> bool {
        is_overdue(self.status, self.deadline, as_of)
    }

    pub fn is_open(&self) -> bool {
        self.status != HazardStatus::Closed
    }

    /// What [`check_step`] needs of it.
    pub fn loop_state(&self) -> LoopState {
        LoopState {
            entity: self.entity.clone(),
            grade: self.grade,
            status: self.status,
            owner: self.owner.clone(),
            rectified_by: self.rectified_by.clone(),
            found: self.found,
            assurances: self.assurances.clone(),
        }
    }
}

/// One step taken on a hazard (its history): who, when, from which status to which, and the
/// comment (a rejection's reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HazardStepRecord {
    pub id: i64,
    pub hazard: i64,
    /// `report`, `assess`, `start`, `rectified`, `verify`, `reject`, `import`, `revise`.
    pub step: String,
    pub status_before: Option<HazardStatus>,
    pub status_after: HazardStatus,
    pub comment: String,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// A photo or document attached to a hazard (content stored once per SHA-256, as for measures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HazardAttachment {
    pub id: i64,
    pub hazard: i64,
    /// The step it documents (the rectification's photos), if any.
    pub step: Option<i64>,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: u64,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// What the loop's rules need to know of a hazard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopState {
    pub entity: EntityCode,
    pub grade: HazardGrade,
    pub status: HazardStatus,
    /// The account answering for the rectification (责任人).
    pub owner: String,
    /// The account that reported the rectification done; `None` until someone has.
    pub rectified_by: Option<String>,
    pub found: NaiveDate,
    pub assurances: Assurances,
}

/// A step of the loop, as a user asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Grade (again), name the owner and the deadline: reported or assessed → assessed.
    Assess {
        grade: HazardGrade,
        owner: String,
        deadline: NaiveDate,
        assurances: Assurances,
        scores: Option<Score>,
    },
    /// Rectification starts: assessed → rectifying (a major needs its five assurances).
    StartRectifying,
    /// Rectification done, evidence attached: rectifying → awaiting verification.
    Rectified,
    /// Accepted (验收) and closed (销号): awaiting verification → closed.
    Verify,
    /// Not accepted: awaiting verification → rectifying, with the reason.
    Reject { reason: String },
}

impl Step {
    pub fn as_str(&self) -> &'static str {
        match self {
            Step::Assess { .. } => "assess",
            Step::StartRectifying => "start",
            Step::Rectified => "rectified",
            Step::Verify => "verify",
            Step::Reject { .. } => "reject",
        }
    }

    /// The statuses a hazard may be in for this step.
    fn starts_from(&self) -> &'static [HazardStatus] {
        match self {
            Step::Assess { .. } => &[HazardStatus::Reported, HazardStatus::Assessed],
            Step::StartRectifying => &[HazardStatus::Assessed],
            Step::Rectified => &[HazardStatus::Rectifying],
            Step::Verify | Step::Reject { .. } => &[HazardStatus::AwaitingVerification],
        }
    }

    /// Where the step leads.
    pub fn to_status(&self) -> HazardStatus {
        match self {
            Step::Assess { .. } => HazardStatus::Assessed,
            Step::StartRectifying | Step::Reject { .. } => HazardStatus::Rectifying,
            Step::Rectified => HazardStatus::AwaitingVerification,
            Step::Verify => HazardStatus::Closed,
        }
    }
}

/// Why a step is refused. Each says what to do in the user's language ([`StepError::text`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("only someone who may submit data for {entity} may do this")]
    MayNotAct { entity: EntityCode },
    #[error("a hazard that is {} cannot be {}", status.code(), step)]
    WrongStatus {
        status: HazardStatus,
        step: &'static str,
    },
    #[error("a major hazard needs the five assurances before rectifying; missing: {}",
        missing.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", "))]
    MissingAssurances { missing: Vec<Assurance> },
    #[error("the hazard needs an owner (责任人)")]
    NoOwner,
    #[error("the deadline {deadline} is before the hazard was found ({found})")]
    DeadlineBeforeFound {
        deadline: NaiveDate,
        found: NaiveDate,
    },
    #[error("{user} owns this hazard and may not verify it")]
    VerifierIsOwner { user: String },
    #[error("{user} rectified this hazard and may not verify it")]
    VerifierIsRectifier { user: String },
    #[error(
        "a major hazard is verified by the subsidiary or HQ above {entity}, not by {entity} itself"
    )]
    MajorVerifiedBelowSubsidiary { entity: EntityCode },
    #[error("rejecting needs a reason")]
    RejectWithoutReason,
}

impl StepError {
    /// The refusal as the user reads it.
    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Zh => match self {
                StepError::MayNotAct { entity } => {
                    format!("只有可为 {entity} 填报数据的人员可以执行此操作")
                }
                StepError::WrongStatus { status, step } => format!(
                    "隐患当前为“{}”，不能{}",
                    hazard_status_label(*status, Lang::Zh),
                    step_label(step, Lang::Zh)
                ),
                StepError::MissingAssurances { missing } => format!(
                    "重大隐患整改前须落实“五落实”，尚缺：{}",
                    missing
                        .iter()
                        .map(|a| a.label(Lang::Zh))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                StepError::NoOwner => "请填写责任人".to_owned(),
                StepError::DeadlineBeforeFound { deadline, found } => {
                    format!("整改期限 {deadline} 早于发现日期 {found}")
                }
                StepError::VerifierIsOwner { user } => {
                    format!("{user} 是该隐患的责任人，不能验收")
                }
                StepError::VerifierIsRectifier { user } => {
                    format!("{user} 是该隐患的整改人，不能验收")
                }
                StepError::MajorVerifiedBelowSubsidiary { entity } => {
                    format!("重大隐患须由 {entity} 的上级公司或总部验收，不能由 {entity} 自己验收")
                }
                StepError::RejectWithoutReason => "退回整改须填写原因".to_owned(),
            },
        }
    }
}

/// A step's name as people read it (`verify` → 验收).
pub fn step_label(step: &str, lang: Lang) -> &str {
    match step {
        "report" => lang.pick("上报", "report"),
        "assess" => lang.pick("评估定级", "assess"),
        "start" => lang.pick("开始整改", "start rectifying"),
        "rectified" => lang.pick("整改完成", "report rectified"),
        "verify" => lang.pick("验收销号", "verify and close"),
        "reject" => lang.pick("退回整改", "reject"),
        "import" => lang.pick("导入", "import"),
        "revise" => lang.pick("修订", "revise"),
        other => other,
    }
}

/// May this user report hazards of `entity` (and assess and rectify them)? Whoever may submit
/// its data: HQ anywhere, a manager within their subtree; a viewer only reads.
pub fn may_report(access: &Access, tree: &EntityTree, entity: &EntityCode) -> bool {
    tree.id(entity)
        .is_some_and(|id| access.can_read(tree, id) && access.can_submit(tree, id))
}

/// Whether `access` sits above `entity`: HQ, or a manager bound to a strict ancestor of it
/// (the plant's subsidiary). Someone bound to the entity itself, or below it, is not.
fn is_above(access: &Access, tree: &EntityTree, entity: &EntityCode) -> bool {
    if access.is_hq() {
        return true;
    }
    let (Some(scope), Some(id)) = (&access.scope, tree.id(entity)) else {
        return false;
    };
    match tree.id(scope) {
        Some(root) => root != id && tree.is_within(id, root),
        None => false,
    }
}

/// Checks that `user` (with `access`) may take `step` on the hazard, and says where it leads.
///
/// Every step needs the right to submit the entity's data. Assessing needs an owner and a
/// deadline not before the hazard was found; a major hazard starts rectifying only with its
/// five assurances; verifying or rejecting is done by neither the owner nor the rectifier, and
/// for a major hazard by someone above the plant (its subsidiary or HQ); a rejection gives its
/// reason.
pub fn check_step(
    hazard: &LoopState,
    step: &Step,
    user: &str,
    access: &Access,
    tree: &EntityTree,
) -> Result<HazardStatus, StepError> {
    if !may_report(access, tree, &hazard.entity) {
        return Err(StepError::MayNotAct {
            entity: hazard.entity.clone(),
        });
    }
    if !step.starts_from().contains(&hazard.status) {
        return Err(StepError::WrongStatus {
            status: hazard.status,
            step: step.as_str(),
        });
    }
    match step {
        Step::Assess {
            owner, deadline, ..
        } => {
            if owner.trim().is_empty() {
                return Err(StepError::NoOwner);
            }
            if *deadline < hazard.found {
                return Err(StepError::DeadlineBeforeFound {
                    deadline: *deadline,
                    found: hazard.found,
                });
            }
        }
        Step::StartRectifying => {
            let missing = hazard.assurances.missing();
            if hazard.grade == HazardGrade::Major && !missing.is_empty() {
                return Err(StepError::MissingAssurances { missing });
            }
            if hazard.owner.trim().is_empty() {
                return Err(StepError::NoOwner);
            }
        }
        Step::Rectified => {}
        Step::Verify | Step::Reject { .. } => {
            if let Step::Reject { reason } = step
                && reason.trim().is_empty()
            {
                return Err(StepError::RejectWithoutReason);
            }
            if hazard.owner == user {
                return Err(StepError::VerifierIsOwner {
                    user: user.to_owned(),
                });
            }
            if hazard.rectified_by.as_deref() == Some(user) {
                return Err(StepError::VerifierIsRectifier {
                    user: user.to_owned(),
                });
            }
            if hazard.grade == HazardGrade::Major && !is_above(access, tree, &hazard.entity) {
                return Err(StepError::MajorVerifiedBelowSubsidiary {
                    entity: hazard.entity.clone(),
                });
            }
        }
    }
    Ok(step.to_status())
}

/// Who verifies or rejects this hazard, as a hint on the page: HQ or the subsidiary for a
/// major one, anyone entitled but the owner and the rectifier otherwise.
pub fn may_verify(hazard: &LoopState, user: &str, access: &Access, tree: &EntityTree) -> bool {
    hazard.status == HazardStatus::AwaitingVerification
        && check_step(hazard, &Step::Verify, user, access, tree).is_ok()
}

/// Whether `role` ever takes part in the loop (a viewer only reads).
pub fn role_acts(role: Role) -> bool {
    role != Role::Viewer
}

/// How long a hazard has been open, in bands for the overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgeBand {
    /// Found within the last 7 days (0–7).
    Week,
    /// 8–30 days.
    Month,
    /// 31–90 days.
    Quarter,
    /// More than 90 days.
    Older,
}

impl AgeBand {
    pub const ALL: [AgeBand; 4] = [
        AgeBand::Week,
        AgeBand::Month,
        AgeBand::Quarter,
        AgeBand::Older,
    ];

    /// The band of a hazard found on `found`, as of `as_of` (a future date counts as 0 days).
    pub fn of(found: NaiveDate, as_of: NaiveDate) -> Self {
        match (as_of - found).num_days() {
            ..=7 => AgeBand::Week,
            8..=30 => AgeBand::Month,
            31..=90 => AgeBand::Quarter,
            _ => AgeBand::Older,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AgeBand::Week => "week",
            AgeBand::Month => "month",
            AgeBand::Quarter => "quarter",
            AgeBand::Older => "older",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            AgeBand::Week => lang.pick("7天内", "up to 7 days"),
            AgeBand::Month => lang.pick("8–30天", "8–30 days"),
            AgeBand::Quarter => lang.pick("31–90天", "31–90 days"),
            AgeBand::Older => lang.pick("90天以上", "over 90 days"),
        }
    }
}

#[cfg(test)]
#[path = "hazards_tests.rs"]
mod tests;

#[cfg(test)]
mod base_tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn overdue_is_the_day_after_the_deadline_while_open() {
        let deadline = Some(date("2026-06-30"));
        assert!(!is_overdue(
            HazardStatus::Rectifying,
            deadline,
            date("2026-06-30")
        ));
        assert!(is_overdue(
            HazardStatus::Rectifying,
            deadline,
            date("2026-07-01")
        ));
        assert!(is_overdue(
            HazardStatus::AwaitingVerification,
            deadline,
            date("2026-07-01")
        ));
        assert!(is_overdue(
            HazardStatus::Reported,
            deadline,
            date("2027-01-01")
        ));
        assert!(!is_overdue(
            HazardStatus::Closed,
            deadline,
            date("2026-07-01")
        ));
        assert!(!is_overdue(
            HazardStatus::Rectifying,
            None,
            date("2030-01-01")
        ));
    }

    #[test]
    fn codes_read_back() {
        for status in HazardStatus::ALL {
            assert_eq!(status.code().parse::<HazardStatus>().unwrap(), status);
        }
        for grade in HazardGrade::ALL {
            assert_eq!(grade.code().parse::<HazardGrade>().unwrap(), grade);
        }
        let err = "rejected".parse::<HazardStatus>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "status = rejected is not allowed; allowed: reported, assessed, rectifying, awaiting_verification, closed"
        );
        assert!("Major ".parse::<HazardGrade>().is_err());
    }
}
