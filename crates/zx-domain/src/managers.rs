//! The manager term register (任期制和契约化管理): the managers HQ appoints, each term with its
//! position, dates, signed contract, yearly and term targets and results, yearly ratings and
//! pay, and how it ended (kept, promoted, demoted, exited).
//!
//! Three monthly reform items (`reform.md`) follow from the register, so the register proposes
//! them for the monthly data of the entities that keep it and the grid names any difference:
//! - `managers_end`: terms in force on the month's last day;
//! - `managers_adjusted`: terms ended in the month by a demotion, or by an exit for
//!   non-performance (末等调整 / 不胜任退出);
//! - `managers_contracted_end`: terms in force on the last day whose contract was signed by then.
//!
//! A term is in force on a day from its start to its end (both included) unless an outcome that
//! ends it (promoted, demoted, exited) is dated on or before that day: the person left the
//! position on the outcome's date. `kept` ends nothing (the term ran its course in place).
//!
//! Reminders, "today" passed in: a term ending within the lead days with no outcome yet, and a
//! year's rating not entered by the set date after the year (each (term, year, person, reason)
//! once — the caller records them, as for measures and drill plans).
//!
//! Ratings and pay are personnel-confidential: [`ManagerTerm::without_confidential`] is what
//! every reader without [`crate::Access::sees_personnel_confidential`] gets.

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;

use crate::entity::EntityCode;
use crate::notes::Lang;
use crate::period::Month;

/// Days before a term's end that its reminder goes out, unless configured otherwise.
pub const DEFAULT_TERM_LEAD_DAYS: u32 = 60;

/// The yearly rating (年度考核结果).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rating {
    /// 优秀
    Excellent,
    /// 称职
    Competent,
    /// 基本称职
    BasicallyCompetent,
    /// 不称职
    Incompetent,
}

impl Rating {
    pub const ALL: [Rating; 4] = [
        Rating::Excellent,
        Rating::Competent,
        Rating::BasicallyCompetent,
        Rating::Incompetent,
    ];

    /// As stored and in JSON.
    pub fn code(self) -> &'static str {
        match self {
            Rating::Excellent => "excellent",
            Rating::Competent => "competent",
            Rating::BasicallyCompetent => "basically_competent",
            Rating::Incompetent => "incompetent",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Rating::Excellent => "优秀",
            Rating::Competent => "称职",
            Rating::BasicallyCompetent => "基本称职",
            Rating::Incompetent => "不称职",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        lang.pick(
            self.name_zh(),
            match self {
                Rating::Excellent => "excellent",
                Rating::Competent => "competent",
                Rating::BasicallyCompetent => "basically competent",
                Rating::Incompetent => "incompetent",
            },
        )
    }

    /// The code or the Chinese name (as a workbook has it); `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.code() == text || r.name_zh() == text)
    }
}

/// How a term ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutcomeKind {
    /// 留任: the term ran its course in place.
    Kept,
    /// 晋升
    Promoted,
    /// 降职 (末等调整)
    Demoted,
    /// 退出
    Exited,
}

impl OutcomeKind {
    pub const ALL: [OutcomeKind; 4] = [
        OutcomeKind::Kept,
        OutcomeKind::Promoted,
        OutcomeKind::Demoted,
        OutcomeKind::Exited,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OutcomeKind::Kept => "kept",
            OutcomeKind::Promoted => "promoted",
            OutcomeKind::Demoted => "demoted",
            OutcomeKind::Exited => "exited",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            OutcomeKind::Kept => "留任",
            OutcomeKind::Promoted => "晋升",
            OutcomeKind::Demoted => "降职",
            OutcomeKind::Exited => "退出",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        lang.pick(self.name_zh(), self.code())
    }

    /// The code or the Chinese name; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.code() == text || k.name_zh() == text)
    }

    /// Whether the person leaves the position on the outcome's date.
    pub fn ends_term(self) -> bool {
        !matches!(self, OutcomeKind::Kept)
    }
}

/// A term's outcome, with its reason and date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub kind: OutcomeKind,
    pub date: NaiveDate,
    pub reason: String,
    /// An exit for non-performance (不胜任退出): counts in `managers_adjusted` as every
    /// demotion does; other exits (retirement, transfer) do not.
    pub for_performance: bool,
}

impl Outcome {
    /// Does this outcome count as a 末等调整 / 不胜任退出?
    pub fn is_adjustment(&self) -> bool {
        match self.kind {
            OutcomeKind::Demoted => true,
            OutcomeKind::Exited => self.for_performance,
            OutcomeKind::Kept | OutcomeKind::Promoted => false,
        }
    }
}

/// A year of a term: its target and result (text as agreed), the rating and the pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermYear {
    pub year: i32,
    pub target: String,
    pub result: String,
    pub rating: Option<Rating>,
    /// 年薪, yuan, exact.
    pub pay: Option<Decimal>,
}

/// One manager's term in one position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerTerm {
    pub id: i64,
    /// The person's id (employee number), the same across terms.
    pub person_id: String,
    pub person_name: String,
    pub entity: EntityCode,
    pub position: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The day the term contract was signed (任期经营业绩责任书); `None`: not signed.
    pub contract_signed: Option<NaiveDate>,
    pub term_target: String,
    pub term_result: String,
    /// By year.
    pub years: Vec<TermYear>,
    pub outcome: Option<Outcome>,
}

impl ManagerTerm {
    /// In the position on `day`: start ≤ day ≤ end, and not left by an outcome dated on or
    /// before `day`.
    pub fn in_term_on(&self, day: NaiveDate) -> bool {
        let left = self
            .outcome
            .as_ref()
            .is_some_and(|o| o.kind.ends_term() && o.date <= day);
        self.start <= day && day <= self.end && !left
    }

    /// In the position on `day` with a contract signed by then.
    pub fn contracted_on(&self, day: NaiveDate) -> bool {
        self.in_term_on(day) && self.contract_signed.is_some_and(|signed| signed <= day)
    }

    /// Ended in `month` by a demotion or an exit for non-performance.
    pub fn adjusted_in(&self, month: Month) -> bool {
        self.outcome
            .as_ref()
            .is_some_and(|o| o.is_adjustment() && month_of(o.date) == Some(month))
    }

    /// The term as a reader without the personnel-confidential right sees it: no ratings, no
    /// pay (targets and results stay: they are what the term is judged on).
    pub fn without_confidential(mut self) -> Self {
        for year in &mut self.years {
            year.rating = None;
            year.pay = None;
        }
        self
    }

    pub fn year(&self, year: i32) -> Option<&TermYear> {
        self.years.iter().find(|y| y.year == year)
    }
}

fn month_of(day: NaiveDate) -> Option<Month> {
    Month::new(day.year(), day.month()).ok()
}

/// The last day of a month.
pub fn month_end(month: Month) -> NaiveDate {
    NaiveDate::from_ymd_opt(month.year(), month.month(), month.days()).unwrap_or(NaiveDate::MAX)
}

/// What the register implies for one entity and month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegisterCounts {
    pub managers_end: u32,
    pub managers_adjusted: u32,
    pub managers_contracted_end: u32,
}

impl RegisterCounts {
    /// The three items by catalogue code, in the catalogue's order.
    pub fn items(self) -> [(&'static str, u32); 3] {
        [
            (ITEM_MANAGERS_END, self.managers_end),
            (ITEM_MANAGERS_ADJUSTED, self.managers_adjusted),
            (ITEM_MANAGERS_CONTRACTED_END, self.managers_contracted_end),
        ]
    }
}

pub const ITEM_MANAGERS_END: &str = "managers_end";
pub const ITEM_MANAGERS_ADJUSTED: &str = "managers_adjusted";
pub const ITEM_MANAGERS_CONTRACTED_END: &str = "managers_contracted_end";

/// The counts the register gives `entity` for `month` (its own terms only: a parent's figures
/// are consolidated from its children's, as for every item).
pub fn register_counts<'a>(
    terms: impl IntoIterator<Item = &'a ManagerTerm>,
    entity: &EntityCode,
    month: Month,
) -> RegisterCounts {
    let last = month_end(month);
    let mut counts = RegisterCounts::default();
    for t in terms.into_iter().filter(|t| &t.entity == entity) {
        counts.managers_end += u32::from(t.in_term_on(last));
        counts.managers_contracted_end += u32::from(t.contracted_on(last));
        counts.managers_adjusted += u32::from(t.adjusted_in(month));
    }
    counts
}

/// The entities that keep the register: those with at least one term, each once, sorted.
pub fn register_entities<'a>(terms: impl IntoIterator<Item = &'a ManagerTerm>) -> Vec<EntityCode> {
    let mut out: Vec<EntityCode> = terms.into_iter().map(|t| t.entity.clone()).collect();
    out.sort();
    out.dedup();
    out
}

/// A reported value against the register's proposal, for one item of an entity-month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterCheck {
    pub item: &'static str,
    pub proposed: u32,
    /// What the month's data says; `None`: nothing reported yet.
    pub reported: Option<Decimal>,
}

impl RegisterCheck {
    /// Reported and different from the register: the grid names it.
    pub fn disagrees(&self) -> bool {
        self.reported
            .is_some_and(|r| r != Decimal::from(self.proposed))
    }

    /// "管理人员 报 12，台账 11" / "managers: reported 12, register 11".
    pub fn flag_text(&self, lang: Lang) -> Option<String> {
        let reported = self.reported.filter(|_| self.disagrees())?.normalize();
        let name = item_name(self.item, lang);
        Some(match lang {
            Lang::Zh => format!("{name} 报 {reported}，台账 {}", self.proposed),
            Lang::En => format!("{name}: reported {reported}, register {}", self.proposed),
        })
    }
}

/// The three items' short names as the grid's flags read them.
pub fn item_name(item: &str, lang: Lang) -> &str {
    match item {
        ITEM_MANAGERS_END => lang.pick("管理人员", "managers"),
        ITEM_MANAGERS_ADJUSTED => lang.pick("末等调整和不胜任退出", "managers adjusted"),
        ITEM_MANAGERS_CONTRACTED_END => lang.pick("契约化管理人员", "managers under contract"),
        other => other,
    }
}

/// The register's counts beside what was reported (`reported(item)`), item by item.
pub fn register_checks(
    counts: RegisterCounts,
    mut reported: impl FnMut(&str) -> Option<Decimal>,
) -> Vec<RegisterCheck> {
    counts
        .items()
        .into_iter()
        .map(|(item, proposed)| RegisterCheck {
            item,
            proposed,
            reported: reported(item),
        })
        .collect()
}

/// Terms with no outcome whose end falls within `lead_days` from `as_of` (both days included),
/// soonest first.
pub fn terms_ending(terms: &[ManagerTerm], as_of: NaiveDate, lead_days: u32) -> Vec<&ManagerTerm> {
    let until = as_of
        .checked_add_days(Days::new(u64::from(lead_days)))
        .unwrap_or(NaiveDate::MAX);
    let mut out: Vec<&ManagerTerm> = terms
        .iter()
        .filter(|t| t.outcome.is_none() && as_of <= t.end && t.end <= until)
        .collect();
    out.sort_by_key(|t| (t.end, t.id));
    out
}

/// The day of the year after a rated year by which its rating must be entered (month, day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatingDeadline {
    pub month: u32,
    pub day: u32,
}

impl Default for RatingDeadline {
    /// 31 March: yearly assessments are done in the first quarter.
    fn default() -> Self {
        RatingDeadline { month: 3, day: 31 }
    }
}

impl RatingDeadline {
    /// The deadline of year `year`'s rating (in the year after).
    pub fn for_year(self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year + 1, self.month, self.day)
            .or_else(|| NaiveDate::from_ymd_opt(year + 1, self.month, 28))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// A year's rating not entered by its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RatingDue {
    pub term: i64,
    pub year: i32,
    pub deadline: NaiveDate,
}

/// Ratings due as of `as_of`: every year a term was in force on 31 December (the rated years)
/// whose deadline has passed (`as_of` after it) with no rating entered. By deadline, term.
pub fn ratings_due(
    terms: &[ManagerTerm],
    as_of: NaiveDate,
    deadline: RatingDeadline,
) -> Vec<RatingDue> {
    let mut out = Vec::new();
    for t in terms {
        for year in t.start.year()..=t.end.year() {
            let Some(dec31) = NaiveDate::from_ymd_opt(year, 12, 31) else {
                continue;
            };
            let due = deadline.for_year(year);
            let rated = t.year(year).is_some_and(|y| y.rating.is_some());
            if t.in_term_on(dec31) && as_of > due && !rated {
                out.push(RatingDue {
                    term: t.id,
                    year,
                    deadline: due,
                });
            }
        }
    }
    out.sort_by_key(|d| (d.deadline, d.term));
    out
}

/// Why someone is reminded about a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ManagerReminderReason {
    TermEnding,
    RatingDue,
}

impl ManagerReminderReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ManagerReminderReason::TermEnding => "term_ending",
            ManagerReminderReason::RatingDue => "rating_due",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "term_ending" => Some(ManagerReminderReason::TermEnding),
            "rating_due" => Some(ManagerReminderReason::RatingDue),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ManagerReminderReason::TermEnding => lang.pick("任期即将届满", "term ending soon"),
            ManagerReminderReason::RatingDue => lang.pick("年度考核结果未录入", "rating due"),
        }
    }
}

/// A reminder to record: term, year (the rated year; for a term ending, the end's year),
/// person, reason.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ManagerReminder {
    pub term: i64,
    pub year: i32,
    pub user: String,
    pub reason: ManagerReminderReason,
}

/// The reminders due as of `as_of`, to `keepers` (the register's keepers: HQ HR). A rating
/// reminder names no rating or pay, so it may also go to the entity's managers
/// (`managers(entity)`), who must send the assessment. Sorted, each once.
pub fn manager_reminders(
    terms: &[ManagerTerm],
    as_of: NaiveDate,
    lead_days: u32,
    deadline: RatingDeadline,
    keepers: &[String],
    mut managers: impl FnMut(&EntityCode) -> Vec<String>,
) -> Vec<ManagerReminder> {
    let mut out = Vec::new();
    for t in terms_ending(terms, as_of, lead_days) {
        out.extend(keepers.iter().map(|user| ManagerReminder {
            term: t.id,
            year: t.end.year(),
            user: user.clone(),
            reason: ManagerReminderReason::TermEnding,
        }));
    }
    for due in ratings_due(terms, as_of, deadline) {
        let mut users = keepers.to_vec();
        if let Some(t) = terms.iter().find(|t| t.id == due.term) {
            users.extend(managers(&t.entity));
        }
        out.extend(users.into_iter().map(|user| ManagerReminder {
            term: due.term,
            year: due.year,
            user,
            reason: ManagerReminderReason::RatingDue,
        }));
    }
    out.sort();
    out.dedup();
    out
}

/// The register's audit actions as people read them (`format::audit_action_label`).
pub fn action_label(action: &str, lang: Lang) -> Option<String> {
    let (zh, en) = match action {
        "manager_term.create" => ("登记管理人员任期", "manager's term registered"),
        "manager_term.revise" => ("修订管理人员任期", "manager's term revised"),
        "manager_term.evidence" => ("上传任期契约", "term contract attached"),
        "manager_year.set" => ("记录年度考核", "year's rating recorded"),
        "manager_reminder.send" => ("发送任期提醒", "term reminder sent"),
        _ => return None,
    };
    Some(lang.pick(zh, en).to_owned())
}

#[cfg(test)]
mod tests;
