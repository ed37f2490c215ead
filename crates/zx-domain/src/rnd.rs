//! The R&D project portfolio (issue 14, item 4): projects with their stage gates, yearly budgets,
//! monthly spend, team, partners and results, and the three rules HQ follows them by:
//!
//! - [`late_gate`]: the next gate whose planned date has passed in China (`as_of` passed in)
//!   without being reached;
//! - [`budget_lines`]: a year's budget against the spend recorded in it;
//! - [`reconcile`]: per entity and month, the projects' spend against the entity's own reported
//!   `rd_expenditure` (the numerator of R&D intensity), a difference over [`Tolerance`] flagged.
//!
//! Pure: no IO, no clock; amounts are exact decimals.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::entity::EntityCode;
use crate::format;
use crate::notes::Lang;
use crate::period::Month;

/// The project's stages, in order (立项 → 研发 → 中试 → 示范应用 → 结题). Reaching a stage is
/// passing its gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    Initiation,
    Research,
    Pilot,
    Demonstration,
    Closed,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Initiation,
        Stage::Research,
        Stage::Pilot,
        Stage::Demonstration,
        Stage::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Initiation => "initiation",
            Stage::Research => "research",
            Stage::Pilot => "pilot",
            Stage::Demonstration => "demonstration",
            Stage::Closed => "closed",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Stage::Initiation => "立项",
            Stage::Research => "研发",
            Stage::Pilot => "中试",
            Stage::Demonstration => "示范应用",
            Stage::Closed => "结题",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Stage::Initiation => "approved",
            Stage::Research => "research",
            Stage::Pilot => "pilot",
            Stage::Demonstration => "demonstration",
            Stage::Closed => "closed",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        lang.pick(self.name_zh(), self.name_en())
    }

    /// The code or either name, any case.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL.into_iter().find(|s| {
            s.as_str().eq_ignore_ascii_case(text)
                || s.name_en().eq_ignore_ascii_case(text)
                || s.name_zh() == text
        })
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Where a project's field sits: a key area (关键领域) or a link of the industrial chain
/// (产业链环节).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    KeyArea,
    ChainLink,
}

impl FieldKind {
    pub const ALL: [FieldKind; 2] = [FieldKind::KeyArea, FieldKind::ChainLink];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::KeyArea => "key_area",
            FieldKind::ChainLink => "chain_link",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            FieldKind::KeyArea => "关键领域",
            FieldKind::ChainLink => "产业链环节",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        lang.pick(
            self.name_zh(),
            match self {
                FieldKind::KeyArea => "key area",
                FieldKind::ChainLink => "chain link",
            },
        )
    }

    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL.into_iter().find(|k| {
            k.as_str().eq_ignore_ascii_case(text)
                || k.as_str().replace('_', " ").eq_ignore_ascii_case(text)
                || k.name_zh() == text
        })
    }
}

/// Who a partner is: cooperation across the boundaries of the group (产学研, 跨界合作).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartnerKind {
    University,
    Institute,
    Company,
    Other,
}

impl PartnerKind {
    pub const ALL: [PartnerKind; 4] = [
        PartnerKind::University,
        PartnerKind::Institute,
        PartnerKind::Company,
        PartnerKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartnerKind::University => "university",
            PartnerKind::Institute => "institute",
            PartnerKind::Company => "company",
            PartnerKind::Other => "other",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            PartnerKind::University => "高校",
            PartnerKind::Institute => "科研院所",
            PartnerKind::Company => "企业",
            PartnerKind::Other => "其他",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        lang.pick(self.name_zh(), self.as_str())
    }

    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(text) || k.name_zh() == text)
    }
}

/// One stage gate: when it is planned and when it was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Gate {
    pub planned: Option<NaiveDate>,
    pub actual: Option<NaiveDate>,
}

/// What a project has produced so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Results {
    pub patents_filed: u32,
    pub patents_granted: u32,
    pub standards: u32,
    pub software_copyrights: u32,
    pub awards: u32,
    /// Revenue from applying the results (yuan).
    pub application_revenue: Decimal,
}

/// A project of the register, without its budgets, spend and partners (rows of their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub code: String,
    pub entity: EntityCode,
    pub name: String,
    /// The key area or chain link in words (`垃圾焚烧飞灰资源化`).
    pub field: String,
    pub field_kind: FieldKind,
    /// One per [`Stage`], in order.
    pub gates: [Gate; 5],
    pub leader: String,
    /// Team members by name, in the order given.
    pub members: Vec<String>,
    pub results: Results,
}

/// Why a project cannot be registered as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectError {
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("the project code {0:?} may hold letters, digits, '-' and '_' only")]
    BadCode(String),
    #[error("the 立项 gate must have its actual date: a project is registered once approved")]
    NotApproved,
    #[error("{later} is reached but the earlier gate {earlier} is not")]
    GateSkipped {
        earlier: &'static str,
        later: &'static str,
    },
    #[error("{later}'s {what} date is before {earlier}'s")]
    GatesOutOfOrder {
        what: &'static str,
        earlier: &'static str,
        later: &'static str,
    },
    #[error("more patents granted ({granted}) than filed ({filed})")]
    MoreGrantedThanFiled { granted: u32, filed: u32 },
    #[error("revenue from application must not be negative")]
    NegativeRevenue,
}

impl ProjectError {
    /// The message in Chinese.
    pub fn zh(&self) -> String {
        match self {
            ProjectError::Empty(what) => format!("{what} 不能为空"),
            ProjectError::BadCode(code) => format!("项目编号“{code}”只能含字母、数字、- 和 _"),
            ProjectError::NotApproved => "立项关口必须填写实际日期：项目立项后方可登记".into(),
            ProjectError::GateSkipped { earlier, later } => {
                format!("已到达 {later}，但之前的 {earlier} 关口尚未到达")
            }
            ProjectError::GatesOutOfOrder {
                what,
                earlier,
                later,
            } => format!("{later} 的{what}日期早于 {earlier}"),
            ProjectError::MoreGrantedThanFiled { granted, filed } => {
                format!("授权专利（{granted}）多于申请专利（{filed}）")
            }
            ProjectError::NegativeRevenue => "应用收入不能为负".into(),
        }
    }
}

impl Project {
    /// The stage reached: the last gate with an actual date.
    pub fn stage(&self) -> Stage {
        Stage::ALL
            .into_iter()
            .rev()
            .find(|s| self.gates[s.index()].actual.is_some())
            .unwrap_or(Stage::Initiation)
    }

    pub fn gate(&self, stage: Stage) -> Gate {
        self.gates[stage.index()]
    }

    /// What a register refuses: blanks, an unapproved project, gates reached out of order or
    /// dated backwards, more patents granted than filed, negative revenue.
    pub fn check(&self) -> Result<(), ProjectError> {
        if self.code.trim().is_empty() {
            return Err(ProjectError::Empty("code"));
        }
        if !self
            .code
            .trim()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ProjectError::BadCode(self.code.clone()));
        }
        for (value, what) in [
            (&self.name, "name"),
            (&self.field, "field"),
            (&self.leader, "leader"),
        ] {
            if value.trim().is_empty() {
                return Err(ProjectError::Empty(what));
            }
        }
        if self.gates[0].actual.is_none() {
            return Err(ProjectError::NotApproved);
        }
        for pair in Stage::ALL.windows(2) {
            let (earlier, later) = (pair[0], pair[1]);
            let (a, b) = (self.gate(earlier), self.gate(later));
            if b.actual.is_some() && a.actual.is_none() {
                return Err(ProjectError::GateSkipped {
                    earlier: earlier.name_zh(),
                    later: later.name_zh(),
                });
            }
            for (x, y, what) in [
                (a.planned, b.planned, "planned"),
                (a.actual, b.actual, "actual"),
            ] {
                if let (Some(x), Some(y)) = (x, y)
                    && y < x
                {
                    return Err(ProjectError::GatesOutOfOrder {
                        what: if what == "planned" {
                            "计划"
                        } else {
                            "实际"
                        },
                        earlier: earlier.name_zh(),
                        later: later.name_zh(),
                    });
                }
            }
        }
        let r = &self.results;
        if r.patents_granted > r.patents_filed {
            return Err(ProjectError::MoreGrantedThanFiled {
                granted: r.patents_granted,
                filed: r.patents_filed,
            });
        }
        if r.application_revenue.is_sign_negative() && !r.application_revenue.is_zero() {
            return Err(ProjectError::NegativeRevenue);
        }
        Ok(())
    }
}

/// A project's budget for a year (yuan).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub project: String,
    pub year: i32,
    pub amount: Decimal,
}

/// A project's spend in a month (yuan), as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthSpend {
    pub project: String,
    pub month: Month,
    pub amount: Decimal,
}

/// A partner of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub project: String,
    pub name: String,
    pub kind: PartnerKind,
}

/// The register's four tables, rows referring to projects by code: what a workbook holds and
/// what one save writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Register {
    pub projects: Vec<Project>,
    pub budgets: Vec<Budget>,
    pub spend: Vec<MonthSpend>,
    pub partners: Vec<Partner>,
}

impl Register {
    pub fn is_empty(&self) -> bool {
        self.projects.is_empty()
            && self.budgets.is_empty()
            && self.spend.is_empty()
            && self.partners.is_empty()
    }
}

/// A gate that should have been reached: planned before `as_of` and not reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LateGate {
    pub stage: Stage,
    pub planned: NaiveDate,
    /// Days from the planned date to `as_of`, at least 1.
    pub days_late: i64,
}

/// The project's next gate if it is late on `as_of` (the date in China): the first gate not yet
/// reached, when it has a planned date before `as_of`. The planned day itself is not late. A
/// closed project has no gate left.
pub fn late_gate(project: &Project, as_of: NaiveDate) -> Option<LateGate> {
    let next = Stage::ALL
        .into_iter()
        .find(|s| project.gate(*s).actual.is_none())?;
    let planned = project.gate(next).planned?;
    (planned < as_of).then(|| LateGate {
        stage: next,
        planned,
        days_late: (as_of - planned).num_days(),
    })
}

/// One month's spend on a project, as recorded (the current revision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spend {
    pub project: String,
    pub entity: EntityCode,
    pub month: Month,
    pub amount: Decimal,
}

/// A project's year: budget against the spend recorded in its months.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLine {
    pub project: String,
    pub year: i32,
    /// `None` when no budget was set for the year.
    pub budget: Option<Decimal>,
    pub spent: Decimal,
}

impl BudgetLine {
    /// Spent / budget; `None` without a positive budget.
    pub fn used(&self) -> Option<Decimal> {
        let budget = self.budget.filter(|b| *b > Decimal::ZERO)?;
        self.spent.checked_div(budget)
    }

    /// Budget − spent (negative: over budget); `None` without a budget.
    pub fn remaining(&self) -> Option<Decimal> {
        self.budget.map(|b| b - self.spent)
    }

    pub fn over_budget(&self) -> bool {
        self.budget.is_some_and(|b| self.spent > b)
    }
}

/// Budgets `(project, year, amount)` against spend, one line per project and year that has
/// either, ordered by project then year.
pub fn budget_lines(budgets: &[(String, i32, Decimal)], spend: &[Spend]) -> Vec<BudgetLine> {
    let mut lines: BTreeMap<(String, i32), BudgetLine> = BTreeMap::new();
    let empty = |project: &str, year: i32| BudgetLine {
        project: project.to_owned(),
        year,
        budget: None,
        spent: Decimal::ZERO,
    };
    for (project, year, amount) in budgets {
        let l = lines
            .entry((project.clone(), *year))
            .or_insert_with(|| empty(project, *year));
        l.budget = Some(l.budget.unwrap_or_default() + amount);
    }
    for s in spend {
        let l = lines
            .entry((s.project.clone(), s.month.year()))
            .or_insert_with(|| empty(&s.project, s.month.year()));
        l.spent += s.amount;
    }
    lines.into_values().collect()
}

/// How far the projects' spend may stray from the reported R&D expenditure before it is flagged.
///
/// The default, the larger of 5 % of the reported amount and 10,000 yuan: R&D expenditure is a
/// statistical calibre (expensed plus capitalised, with overheads allocated at month end), so
/// project ledgers and the reported item rarely agree to the yuan; 5 % lets allocations and
/// timing through while a missing project or a mis-keyed month (typically tens of percent) is
/// caught, and the 10,000-yuan floor keeps small months (a few tens of thousands) from being
/// flagged over rounding and a stray invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tolerance {
    /// A fraction of the reported amount (0.05 = 5 %).
    pub share: Decimal,
    /// Yuan: never less than this.
    pub floor: Decimal,
}

impl Default for Tolerance {
    fn default() -> Self {
        Self {
            share: Decimal::new(5, 2),
            floor: Decimal::from(10_000),
        }
    }
}

impl Tolerance {
    /// The difference allowed against `reported`: max(share × |reported|, floor).
    pub fn allowed(&self, reported: Decimal) -> Decimal {
        (self.share * reported.abs()).max(self.floor)
    }
}

/// What an entity-month's comparison found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the tolerance.
    Agrees,
    /// Over the tolerance: flagged.
    Differs,
    /// Spend recorded, no `rd_expenditure` reported (or not derivable) for the month yet.
    NotReported,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Agrees => "agrees",
            Verdict::Differs => "differs",
            Verdict::NotReported => "not_reported",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Verdict::Agrees => lang.pick("一致", "agrees"),
            Verdict::Differs => lang.pick("不一致", "differs"),
            Verdict::NotReported => lang.pick("未填报", "not reported"),
        }
    }
}

/// One entity-month: the projects' spend against the reported R&D expenditure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    pub entity: EntityCode,
    pub month: Month,
    pub projects_spend: Decimal,
    /// The entity's own monthly `rd_expenditure` (YTD rows de-cumulated).
    pub reported: Option<Decimal>,
    /// projects_spend − reported.
    pub difference: Option<Decimal>,
    /// The tolerance's allowance for this month.
    pub allowed: Option<Decimal>,
    pub verdict: Verdict,
}

impl Reconciliation {
    pub fn flagged(&self) -> bool {
        self.verdict == Verdict::Differs
    }

    /// The flag as people read it: `研发项目支出 1,234,000.00 元 与填报研发经费 1,500,000.00 元
    /// 相差 -265,999.00 元（允许 75,000.00 元）`.
    pub fn sentence(&self, lang: Lang) -> String {
        let yuan = |v: Decimal| format::grouped(v, 2);
        match (self.reported, self.difference, self.allowed) {
            (Some(reported), Some(diff), Some(allowed)) => match lang {
                Lang::Zh => format!(
                    "{} {}：研发项目支出 {} 元 与填报研发经费 {} 元 相差 {} 元（允许 {} 元）",
                    self.entity,
                    self.month,
                    yuan(self.projects_spend),
                    yuan(reported),
                    yuan(diff),
                    yuan(allowed)
                ),
                Lang::En => format!(
                    "{} {}: R&D projects' spend {} yuan against reported R&D expenditure {} yuan, \
                     a difference of {} yuan (allowed {} yuan)",
                    self.entity,
                    self.month,
                    yuan(self.projects_spend),
                    yuan(reported),
                    yuan(diff),
                    yuan(allowed)
                ),
            },
            _ => match lang {
                Lang::Zh => format!(
                    "{} {}：研发项目支出 {} 元，尚未填报研发经费",
                    self.entity,
                    self.month,
                    yuan(self.projects_spend)
                ),
                Lang::En => format!(
                    "{} {}: R&D projects' spend {} yuan, no R&D expenditure reported yet",
                    self.entity,
                    self.month,
                    yuan(self.projects_spend)
                ),
            },
        }
    }
}

impl fmt::Display for Reconciliation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence(Lang::En))
    }
}

/// Compares, for every entity with project spend, each month from its first spend month to
/// `through` in which it has spend or a reported amount: the sum of its projects' spend against
/// `reported(entity, month)` (its own monthly `rd_expenditure`). Ordered by entity, then month.
/// A month where the entity reported R&D but its projects recorded nothing compares 0 with it:
/// R&D not carried by any project is what the flag is for.
pub fn reconcile(
    spend: &[Spend],
    through: Month,
    reported: &dyn Fn(&EntityCode, Month) -> Option<Decimal>,
    tolerance: Tolerance,
) -> Vec<Reconciliation> {
    let mut sums: BTreeMap<&EntityCode, BTreeMap<Month, Decimal>> = BTreeMap::new();
    for s in spend {
        *sums
            .entry(&s.entity)
            .or_default()
            .entry(s.month)
            .or_default() += s.amount;
    }
    let mut out = Vec::new();
    for (entity, months) in sums {
        let Some(first) = months.keys().next().copied() else {
            continue;
        };
        let last = months
            .keys()
            .next_back()
            .copied()
            .unwrap_or(first)
            .max(through);
        let mut month = first;
        while month <= last {
            let projects_spend = months.get(&month).copied();
            let reported_amount = reported(entity, month);
            if projects_spend.is_some() || reported_amount.is_some() {
                let projects_spend = projects_spend.unwrap_or_default();
                out.push(compare(
                    entity,
                    month,
                    projects_spend,
                    reported_amount,
                    tolerance,
                ));
            }
            match month.offset(1) {
                Some(next) => month = next,
                None => break,
            }
        }
    }
    out
}

fn compare(
    entity: &EntityCode,
    month: Month,
    projects_spend: Decimal,
    reported: Option<Decimal>,
    tolerance: Tolerance,
) -> Reconciliation {
    let Some(reported) = reported else {
        return Reconciliation {
            entity: entity.clone(),
            month,
            projects_spend,
            reported: None,
            difference: None,
            allowed: None,
            verdict: Verdict::NotReported,
        };
    };
    let difference = projects_spend - reported;
    let allowed = tolerance.allowed(reported);
    Reconciliation {
        entity: entity.clone(),
        month,
        projects_spend,
        reported: Some(reported),
        difference: Some(difference),
        allowed: Some(allowed),
        // Equal to the allowance is still within it.
        verdict: if difference.abs() > allowed {
            Verdict::Differs
        } else {
            Verdict::Agrees
        },
    }
}

/// The register's audit actions as people read them (`format::audit_action_label`).
pub fn action_label(action: &str, lang: Lang) -> Option<String> {
    let (zh, en) = match action {
        "rnd_project.create" => ("登记研发项目", "R&D project registered"),
        "rnd_project.revise" => ("修订研发项目", "R&D project revised"),
        "rnd_budget.set" => ("设定研发预算", "R&D budget set"),
        "rnd_spend.record" => ("记录研发支出", "R&D spend recorded"),
        "rnd_partner.set" => ("设定研发合作单位", "R&D partner set"),
        _ => return None,
    };
    Some(lang.pick(zh, en).to_owned())
}

#[cfg(test)]
mod tests;
