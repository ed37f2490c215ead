//! The collection loop below both front doors: an upload checked with exactly the checks a
//! submission gets (the submitter's scope and the locked months included, every error at once),
//! submitted in one transaction that also records each month's workflow state, and HQ's review
//! (approve, return, lock, reopen), where a lock over units that have not submitted asks first.
//! The web's /collect and `zx import` both call it; what is HTTP (forms, pages, languages of
//! the page) stays in the server.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use zx_domain::collection::{Filing, Filings, Policy};
use zx_domain::{Access, Catalogue, Engine, EntityCode, EntityId, EntityTree, Lang, Month, Role};
use zx_ingest::Issue;
use zx_store::prelude::*;
use zx_store::{Changes, MonthReceipt, PeriodState, PeriodStatus};

use crate::AppError;
use crate::filings::{StoredFilings, load_filings};
use crate::import::{Imported, SourceFile, check_files_in_scope};

/// What a request refused for the person's role is about (the front door words it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A viewer uploaded a file.
    ViewerCannotSubmit,
    /// Someone other than HQ sent entities or targets.
    EntitiesAndTargetsAreHq,
    /// Someone other than HQ tried to approve, return or lock.
    ReviewIsHq,
    /// A return without a comment.
    ReturnNeedsComment,
    /// Someone other than admin or HQ HR wrote to the manager term register.
    RegisterIsHr,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message(Lang::En))
    }
}

impl Refusal {
    /// The message in `lang`.
    pub fn message(self, lang: Lang) -> &'static str {
        match self {
            Refusal::ViewerCannotSubmit => {
                lang.pick("查看者不能报送数据", "viewers cannot submit data")
            }
            Refusal::EntitiesAndTargetsAreHq => lang.pick(
                "只有总部可以导入单位和目标",
                "only HQ may import entities and targets",
            ),
            Refusal::ReviewIsHq => lang.pick(
                "只有总部可以审核、退回或锁定",
                "only HQ may approve, return or lock",
            ),
            Refusal::ReturnNeedsComment => {
                lang.pick("退回时必须填写意见", "a return needs a comment")
            }
            Refusal::RegisterIsHr => lang.pick(
                "只有总部人力资源和系统管理员可以修改经理层任期台账",
                "only HQ HR and administrators may change the manager register",
            ),
        }
    }
}

/// Who sends or reviews: the account name (for the audit) and its access.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub name: &'a str,
    pub access: &'a Access,
}

/// Check only, or check and submit: the checks are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Check,
    Submit,
}

/// What an upload came to.
#[derive(Debug)]
pub enum Upload {
    /// Some file has an error: nothing was written.
    Rejected {
        errors: Vec<Issue>,
        warnings: Vec<Issue>,
    },
    /// Checked only and clean: each file's name, kind and rows; nothing written yet.
    Checked {
        files: Vec<(String, &'static str, usize)>,
        warnings: Vec<Issue>,
    },
    /// Written, in one transaction.
    Submitted(Imported),
}

/// The entities `access` may submit figures for: its subtree (HQ: all).
pub fn writable_entities(tree: &EntityTree, access: &Access) -> HashSet<EntityCode> {
    tree.roots()
        .into_iter()
        .flat_map(|root| tree.subtree(root))
        .filter(|&id| access.can_submit(tree, id))
        .map(|id| tree.entity(id).code.clone())
        .collect()
}

/// Checks `files` as `actor` would submit them — known entities, the actor's scope, locked
/// months (unchanged figures pass), figures no later than this month in China — and with
/// [`Action::Submit`] and no error, writes them in one transaction that records each data
/// file's months as submitted ([`FactStore::submit`]). HQ-only files (entities, targets) are
/// refused to others.
pub async fn upload(
    store: &dyn Store,
    catalogue: &Catalogue,
    tree: &EntityTree,
    actor: Actor<'_>,
    files: &[SourceFile],
    action: Action,
    now: DateTime<Utc>,
) -> Result<Upload, AppError> {
    if actor.access.role == Role::Viewer {
        return Err(AppError::Refused(Refusal::ViewerCannotSubmit));
    }
    // HQ may write anywhere: no scope check, so an entities file's new units may be used.
    let writable = (!actor.access.is_hq()).then(|| writable_entities(tree, actor.access));
    let checked = check_files_in_scope(store, catalogue, files, now, writable.as_ref()).await?;
    if !checked.is_ok() {
        return Ok(Upload::Rejected {
            errors: checked.errors,
            warnings: checked.warnings,
        });
    }
    let hq_only = checked
        .files
        .iter()
        .any(|(_, c)| !matches!(c, Changes::Facts(_)));
    if hq_only && !actor.access.is_hq() {
        return Err(AppError::Refused(Refusal::EntitiesAndTargetsAreHq));
    }
    match action {
        Action::Check => Ok(Upload::Checked {
            files: checked
                .files
                .iter()
                .map(|(s, c)| (s.file_name.clone(), c.kind(), s.rows))
                .collect(),
            warnings: checked.warnings,
        }),
        Action::Submit => Ok(Upload::Submitted(
            checked.submit(store, actor.name, now).await?,
        )),
    }
}

/// Whether `id` still owes its figures for `month`: the group expects them from it
/// (`zx_domain::collection::Policy::is_expected`: leaves, parents with rows of their own, as
/// configured) and it has not submitted them (or HQ returned them). The one place this rule is
/// written; the lock's question and the grid's "locked, not submitted" use it.
pub fn owes(
    policy: &Policy,
    tree: &EntityTree,
    filings: &StoredFilings<'_>,
    id: EntityId,
    month: Month,
) -> bool {
    filings.filing(id, month) < Filing::Submitted && policy.is_expected(tree, filings, id, month)
}

/// HQ's decision on one entity-month.
#[derive(Debug, Clone)]
pub struct Review {
    pub entity: EntityCode,
    pub month: Month,
    pub state: PeriodState,
    pub comment: Option<String>,
    /// Lock even though units below have not submitted (the second, deliberate step).
    pub force: bool,
}

/// What a review came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reviewed {
    /// Recorded (and audited).
    Done,
    /// A lock over units that have not submitted the month: nothing recorded; these units
    /// (code, name) are listed and the lock needs `force`.
    NeedsConfirmation { missing: Vec<(EntityCode, String)> },
}

/// Records HQ's review of an entity-month. A lock covers the units below; when some of them
/// have not submitted ([`owes`]), it is refused with their list unless `force` is set, and a
/// forced lock's audit line names them.
pub async fn review(
    store: &dyn Store,
    engine: &Engine,
    policy: &Policy,
    actor: Actor<'_>,
    review: Review,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Reviewed, AppError> {
    if !actor.access.is_hq() {
        return Err(AppError::Refused(Refusal::ReviewIsHq));
    }
    let comment = review.comment.filter(|c| !c.trim().is_empty());
    if review.state == PeriodState::Returned && comment.is_none() {
        return Err(AppError::Refused(Refusal::ReturnNeedsComment));
    }
    let mut comment = comment;
    if review.state == PeriodState::Locked {
        let missing =
            not_submitted_below(store, engine, policy, &review.entity, review.month).await?;
        if !missing.is_empty() {
            if !review.force {
                return Ok(Reviewed::NeedsConfirmation { missing });
            }
            let names: Vec<String> = missing.iter().map(|(c, n)| format!("{c} {n}")).collect();
            let note = match lang {
                Lang::Zh => format!(
                    "锁定时 {} 个单位未报送：{}",
                    missing.len(),
                    names.join("、")
                ),
                Lang::En => format!(
                    "locked with {} {} not submitted: {}",
                    missing.len(),
                    if missing.len() == 1 { "unit" } else { "units" },
                    names.join(", ")
                ),
            };
            comment = Some(match comment {
                Some(c) => format!("{c}; {note}"),
                None => note,
            });
        }
    }
    store
        .set_period_state(PeriodStatus {
            entity: review.entity,
            month: review.month,
            state: review.state,
            comment,
            user: actor.name.to_owned(),
            at: now,
        })
        .await?;
    Ok(Reviewed::Done)
}

/// The units at or below `entity` that owe `month` ([`owes`]), in tree order.
pub async fn not_submitted_below(
    store: &dyn Store,
    engine: &Engine,
    policy: &Policy,
    entity: &EntityCode,
    month: Month,
) -> Result<Vec<(EntityCode, String)>, AppError> {
    let tree = engine.tree();
    let Some(root) = tree.id(entity) else {
        return Err(AppError::Store(zx_store::StoreError::Invalid(format!(
            "unknown entity {entity}"
        ))));
    };
    let filings = load_filings(store, engine, month.year()..=month.year()).await?;
    Ok(tree
        .subtree(root)
        .into_iter()
        .filter(|&id| owes(policy, tree, &filings, id, month))
        .map(|id| {
            let e = tree.entity(id);
            (e.code.clone(), e.name.clone())
        })
        .collect())
}

/// At most this many months are described one by one after a submission; more are summed up.
const MONTHS_DESCRIBED: usize = 12;

/// What a submission did to each of its months, in one line for the person who sent it:
/// `2026-10: 90 unchanged, stays approved; 2026-12: 90 new, submitted` (the entity is named
/// when the file holds several). Past [`MONTHS_DESCRIBED`] months, only how many changed state.
pub fn describe_months(months: &[MonthReceipt], lang: Lang) -> String {
    if months.len() > MONTHS_DESCRIBED {
        let resubmitted = months.iter().filter(|m| m.after != m.before).count();
        return match lang {
            Lang::Zh => format!(
                "{} 个单位月份，其中 {resubmitted} 个变为已报送，其余状态不变",
                months.len()
            ),
            Lang::En => format!(
                "{} entity-months: {resubmitted} now submitted, the others keep their state",
                months.len()
            ),
        };
    }
    let several = months.windows(2).any(|w| w[0].entity != w[1].entity);
    let parts: Vec<String> = months
        .iter()
        .map(|m| {
            let counts: Vec<String> = [
                (m.inserted, lang.pick("新增", "new")),
                (m.revised, lang.pick("修订", "revised")),
                (m.unchanged, lang.pick("未变", "unchanged")),
            ]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, label)| format!("{n} {label}"))
            .collect();
            let what = match (m.before, m.after) {
                _ if m.locked => lang.pick("已锁定，保持不变", "locked, kept as it was"),
                (before, after) if before == after => match after {
                    Some(PeriodState::Approved) => lang.pick("保持已审核", "stays approved"),
                    _ => lang.pick("保持已报送", "stays submitted"),
                },
                _ => lang.pick("已报送，待审核", "submitted, awaits review"),
            };
            let place = if several {
                format!("{} {}", m.entity, m.month)
            } else {
                m.month.to_string()
            };
            let separator = lang.pick("，", ", ");
            format!("{place}: {}{separator}{what}", counts.join(separator))
        })
        .collect();
    parts.join(lang.pick("；", "; "))
}

/// The figures of `months` (entity-months, as a submission's receipt lists them) far out of
/// line with each entity's own history (`zx_domain::outliers`), judged on `engine`, which holds
/// them: what `zx import` points out after a submission, as the collection grid shows HQ. Each
/// entity-year is judged once; entities the tree does not know are skipped.
pub fn out_of_line(
    engine: &Engine,
    months: &[(EntityCode, Month)],
) -> Vec<(EntityCode, Month, zx_domain::outliers::MonthFlag)> {
    let mut judged: std::collections::BTreeMap<
        (EntityCode, i32),
        std::collections::BTreeMap<Month, Vec<zx_domain::outliers::MonthFlag>>,
    > = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for (entity, month) in months {
        let Some(id) = engine.tree().id_of(entity.as_str()) else {
            continue;
        };
        let year = judged
            .entry((entity.clone(), month.year()))
            .or_insert_with(|| {
                zx_domain::outliers::flags_for_year(
                    engine,
                    id,
                    month.year(),
                    zx_domain::outliers::Rule::default(),
                )
            });
        if let Some(flags) = year.remove(month) {
            out.extend(flags.into_iter().map(|f| (entity.clone(), *month, f)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(entity: &str, m: &str, counts: (usize, usize, usize)) -> MonthReceipt {
        MonthReceipt {
            entity: EntityCode::parse(entity).unwrap(),
            month: Month::parse(m).unwrap(),
            inserted: counts.0,
            revised: counts.1,
            unchanged: counts.2,
            before: None,
            after: Some(PeriodState::Submitted),
            locked: false,
        }
    }

    #[test]
    fn a_submission_says_per_month_what_happened_to_its_approval() {
        let october = MonthReceipt {
            before: Some(PeriodState::Approved),
            after: Some(PeriodState::Approved),
            ..month("FJ-P1", "2026-10", (0, 0, 90))
        };
        let december = month("FJ-P1", "2026-12", (90, 0, 0));
        assert_eq!(
            describe_months(&[october.clone(), december.clone()], Lang::En),
            "2026-10: 90 unchanged, stays approved; 2026-12: 90 new, submitted, awaits review"
        );
        assert_eq!(
            describe_months(&[october, december], Lang::Zh),
            "2026-10: 90 未变，保持已审核；2026-12: 90 新增，已报送，待审核"
        );
        let other = month("FJ-P2", "2026-12", (1, 2, 3));
        let first = month("FJ-P1", "2026-12", (0, 0, 1));
        assert_eq!(
            describe_months(&[first, other], Lang::En),
            "FJ-P1 2026-12: 1 unchanged, submitted, awaits review; \
             FJ-P2 2026-12: 1 new, 2 revised, 3 unchanged, submitted, awaits review"
        );
    }
}
