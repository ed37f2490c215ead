//! Data collection, shared by its pages and the API: the state of every entity-month (who has
//! submitted what), checking and importing an uploaded file with every validation error, and
//! HQ's review (approve, return with a comment, lock). A locked month refuses changes.

pub mod api;
pub mod pages;

use std::collections::{BTreeSet, HashMap};

use zx_app::import::{Checked, SourceFile, check_files};
use zx_app::{AppError, StoredFilings};
use zx_domain::collection::{Filings, Verdict};
use zx_domain::{EntityCode, EntityId, Lang, Month};
use zx_store::{Changes, PeriodState, PeriodStatus};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::scope::entity_in_scope;
use crate::state::AppState;

/// One cell of the monitor grid.
pub struct GridCell {
    /// The workflow state: `none` (not submitted), `submitted`, `approved`, `returned`, `locked`.
    pub state: &'static str,
    /// What the cell says (`zx_domain::collection::Verdict`): its class on the page. The
    /// workflow state once something was filed or locked; else `none` (missing: past its
    /// deadline), `due` (before its deadline), `later` (the month is not over) or `exempt` (the
    /// unit is not expected to submit).
    pub verdict: &'static str,
    /// The verdict for the API: the workflow state once filed, else `missing`, `due`, `not_yet`,
    /// `not_expected`.
    pub verdict_code: &'static str,
    /// Day by which the month's figures are due.
    pub deadline: chrono::NaiveDate,
    pub label: String,
    pub title: String,
}

/// One row: an entity and its twelve months.
pub struct GridRow {
    pub code: String,
    pub name: String,
    pub depth: usize,
    pub cells: Vec<GridCell>,
    /// Months the unit was expected to submit and has not, past their deadline.
    pub missing: usize,
}

/// One validation issue as the page shows it.
pub struct IssueRow {
    pub place: String,
    pub column: String,
    pub value: String,
    pub message: String,
    pub severity: &'static str,
}

pub fn state_label(state: &str, lang: Lang) -> &'static str {
    match state {
        "locked" => lang.pick("已锁定", "locked"),
        "approved" => lang.pick("已审核", "approved"),
        "returned" => lang.pick("已退回", "returned"),
        "submitted" => lang.pick("已报送", "submitted"),
        _ => lang.pick("未报送", "not submitted"),
    }
}

/// The label and tooltip of a cell nothing was filed for, by its verdict.
fn unfiled_text(verdict: Verdict, lang: Lang) -> (String, String) {
    match verdict {
        Verdict::Due(date) => (
            format!("{} {date}", lang.pick("截止", "due by")),
            format!("{} {date}", lang.pick("尚未到期，应报送截止日：", "not late yet: due by")),
        ),
        Verdict::NotYet => (
            "—".to_owned(),
            lang.pick(
                "本月尚未结束，尚未到报送期",
                "the month is not over: nothing is due yet",
            )
            .to_owned(),
        ),
        Verdict::NotExpected => (
            "—".to_owned(),
            lang.pick(
                "无需报送：该单位没有本级数据（合计来自下级单位）",
                "not expected to submit: the unit has no figures of its own (its totals are its units')",
            )
            .to_owned(),
        ),
        _ => (
            state_label("none", lang).to_owned(),
            lang.pick("已过报送截止日，未报送", "past its deadline, not submitted")
                .to_owned(),
        ),
    }
}

/// Whether `entity` is expected to submit figures for `month` (`zx_domain::collection`): leaves
/// always, parents where they book rows of their own, as the group's `[collection]` settings say.
/// The one question the lock flow asks before locking a month with missing submissions
/// (`Policy::progress(..).pending` lists them for a whole subtree).
pub fn is_expected(
    state: &AppState,
    engine: &zx_domain::Engine,
    filings: &StoredFilings,
    entity: EntityId,
    month: Month,
) -> bool {
    state
        .collection_policy()
        .is_expected(engine.tree(), filings, entity, month)
}

/// The state of every entity-month of a year, in the user's scope, below `root`: what was filed,
/// and for what was not, whether it is missing (past its deadline), due, not yet due or not
/// expected at all, judged on today's date in China.
pub async fn grid(
    state: &AppState,
    user: &CurrentUser,
    root: EntityId,
    year: i32,
) -> ApiResult<(Vec<String>, Vec<GridRow>)> {
    let snapshot = state.snapshot().await?;
    let engine = &snapshot.engine;
    let tree = engine.tree();
    let lang = user.lang;
    let statuses = state.store.period_statuses(year).await?;
    let filings = StoredFilings::new(engine, &statuses);
    let policy = state.collection_policy();
    let today = state.today();
    let recorded: HashMap<(String, Month), &PeriodStatus> = statuses
        .iter()
        .map(|s| ((s.entity.to_string(), s.month), s))
        .collect();
    let months: Vec<Month> = (1..=12).filter_map(|m| Month::new(year, m).ok()).collect();
    let base_depth = tree.depth(root);
    let mut rows = Vec::new();
    for id in tree.subtree(root) {
        if !user.access.can_read(tree, id) {
            continue;
        }
        let entity = tree.entity(id);
        // A lock on an ancestor's month covers this entity too.
        let ancestors = tree.path_to(id);
        let mut missing = 0;
        let cells: Vec<GridCell> = months
            .iter()
            .map(|&month| {
                let locked_above = ancestors.iter().rev().skip(1).find_map(|&a| {
                    recorded
                        .get(&(tree.entity(a).code.to_string(), month))
                        .filter(|s| s.state == PeriodState::Locked)
                });
                let own = recorded.get(&(entity.code.to_string(), month));
                let has_rows = filings.has_own_rows(id, month);
                let (state_name, who) = match (locked_above, own) {
                    (Some(lock), _) => ("locked", Some(*lock)),
                    (None, Some(s)) => (s.state.as_str(), Some(*s)),
                    (None, None) if has_rows => ("submitted", None),
                    (None, None) => ("none", None),
                };
                let verdict = policy.verdict(tree, &filings, id, month, today);
                if verdict.is_missing() {
                    missing += 1;
                }
                let title = who.map_or(String::new(), |s| {
                    format!(
                        "{} {} {}{}",
                        s.user,
                        s.at.format("%Y-%m-%d %H:%M"),
                        state_label(s.state.as_str(), lang),
                        s.comment
                            .as_ref()
                            .map_or(String::new(), |c| format!(": {c}"))
                    )
                });
                let (verdict_name, verdict_code) = match verdict {
                    _ if state_name != "none" => (state_name, state_name),
                    Verdict::Due(_) => ("due", "due"),
                    Verdict::NotYet => ("later", "not_yet"),
                    Verdict::NotExpected => ("exempt", "not_expected"),
                    _ => ("none", "missing"),
                };
                let (label, title) = if state_name == "none" {
                    unfiled_text(verdict, lang)
                } else {
                    (state_label(state_name, lang).to_owned(), title)
                };
                GridCell {
                    state: state_name,
                    verdict: verdict_name,
                    verdict_code,
                    deadline: policy.deadline(month),
                    label,
                    title,
                }
            })
            .collect();
        rows.push(GridRow {
            code: entity.code.to_string(),
            name: entity.name.clone(),
            depth: tree.depth(id) - base_depth,
            cells,
            missing,
        });
    }
    Ok((
        months.iter().map(|m| format!("{:02}", m.month())).collect(),
        rows,
    ))
}

/// What the page shows after an upload: the file's issues or what was imported.
pub struct Outcome {
    pub file_name: String,
    pub issues: Vec<IssueRow>,
    pub result: Option<String>,
    pub error_count: usize,
}

pub fn issue_row(issue: &zx_ingest::Issue, lang: Lang) -> IssueRow {
    let place = match &issue.place {
        zx_ingest::Place::File => String::new(),
        other => other
            .to_string()
            .trim_start_matches(':')
            .trim_start_matches('!')
            .to_owned(),
    };
    IssueRow {
        place,
        column: issue.column.clone().unwrap_or_default(),
        value: issue.value.clone().unwrap_or_default(),
        message: match lang {
            Lang::Zh => format!("{}（{}）", issue.message_zh, issue.message),
            Lang::En => issue.message.clone(),
        },
        severity: issue.severity.as_str(),
    }
}

/// Checks an uploaded file completely (`zx_app::import`, as `zx import` does: figures no later
/// than this month in China) and, when it is clean and `submit` is set, imports it in one
/// transaction and marks its entity-months as submitted.
pub async fn check_and_import(
    state: &AppState,
    user: &CurrentUser,
    file: SourceFile,
    submit: bool,
) -> ApiResult<Outcome> {
    let lang = user.lang;
    if user.access.role == zx_domain::Role::Viewer {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            lang.pick("查看者不能报送数据", "viewers cannot submit data"),
        ));
    }
    let file_name = file.name.clone();
    let checked = check_files(
        &*state.store,
        &state.catalogue,
        std::slice::from_ref(&file),
        state.now(),
    )
    .await
    .map_err(|error| match error {
        AppError::MeasuresList(_) => ApiError::new(
            ErrorCode::InvalidFile,
            lang.pick(
                "这是措施清单，请用 zx measures import 导入",
                "this is a measures list: import it with `zx measures import`",
            ),
        ),
        other => other.into(),
    })?;
    let Some((submission, changes)) = checked.files.first().filter(|_| checked.is_ok()) else {
        let mut issues: Vec<IssueRow> = checked.errors.iter().map(|i| issue_row(i, lang)).collect();
        issues.extend(checked.warnings.iter().map(|i| issue_row(i, lang)));
        return Ok(Outcome {
            file_name,
            error_count: checked.errors.len(),
            issues,
            result: Some(
                lang.pick(
                    "文件有错误，未写入任何数据",
                    "the file has errors: nothing was written",
                )
                .to_owned(),
            ),
        });
    };
    let rows = submission.rows;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let facts = match changes {
        Changes::Facts(facts) => facts,
        Changes::Entities(_) | Changes::Targets(_) if !user.access.is_hq() => {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                lang.pick(
                    "只有总部可以导入单位和目标",
                    "only HQ may import entities and targets",
                ),
            ));
        }
        Changes::Entities(_) | Changes::Targets(_) => {
            return import_other(state, user, file_name, checked, rows, submit).await;
        }
    };
    // Row-level security on writes: every row must be inside the user's subtree.
    let outside: BTreeSet<String> = facts
        .iter()
        .filter(|f| {
            !tree
                .id(&f.entity)
                .is_some_and(|id| user.access.can_submit(tree, id))
        })
        .map(|f| f.entity.to_string())
        .collect();
    if !outside.is_empty() {
        let list = outside.into_iter().collect::<Vec<_>>().join(", ");
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "{}: {list}",
                lang.pick(
                    "文件包含您无权报送的单位",
                    "the file has rows for entities outside your scope"
                )
            ),
        ));
    }
    let mut issues: Vec<IssueRow> = checked
        .warnings
        .iter()
        .map(|i| issue_row(i, lang))
        .collect();
    if !submit {
        return Ok(Outcome {
            file_name,
            result: Some(format!(
                "{} {} {}",
                lang.pick("检查通过：", "checked:"),
                rows,
                lang.pick(
                    "行，无错误（尚未提交）",
                    "rows, no errors (not submitted yet)"
                )
            )),
            issues,
            error_count: 0,
        });
    }
    let periods: BTreeSet<(EntityCode, Month)> =
        facts.iter().map(|f| (f.entity.clone(), f.month)).collect();
    let now = state.now();
    let imported = match checked.import(&*state.store, &user.user.name, now).await {
        Ok(imported) => imported,
        Err(zx_store::StoreError::Locked { entity, month }) => {
            issues.push(IssueRow {
                place: String::new(),
                column: "period".into(),
                value: month.clone(),
                message: format!(
                    "{month} {} {entity}{}",
                    lang.pick("已锁定：", "is locked for"),
                    lang.pick("，拒绝修改，未写入任何数据", "; nothing was written")
                ),
                severity: "error",
            });
            return Ok(Outcome {
                file_name,
                issues,
                result: None,
                error_count: 1,
            });
        }
        Err(other) => return Err(other.into()),
    };
    for (entity, month) in periods {
        state
            .store
            .set_period_state(PeriodStatus {
                entity,
                month,
                state: PeriodState::Submitted,
                comment: None,
                user: user.user.name.clone(),
                at: now,
            })
            .await?;
    }
    let r = imported
        .files
        .first()
        .map(|f| f.receipt.clone())
        .unwrap_or_default();
    Ok(Outcome {
        file_name,
        issues,
        result: Some(format!(
            "{} #{}: {} {}, {} {}, {} {}",
            lang.pick("已提交，报送记录", "submitted, submission"),
            r.submission_id,
            r.inserted,
            lang.pick("新增", "new"),
            r.revised,
            lang.pick("修订", "revised"),
            r.unchanged,
            lang.pick("未变", "unchanged")
        )),
        error_count: 0,
    })
}

/// An entities or targets file (HQ only): checked, or imported when `submit` is set.
async fn import_other(
    state: &AppState,
    user: &CurrentUser,
    file_name: String,
    checked: Checked,
    rows: usize,
    submit: bool,
) -> ApiResult<Outcome> {
    let lang = user.lang;
    if !submit {
        return Ok(Outcome {
            file_name,
            issues: Vec::new(),
            result: Some(format!(
                "{} {rows}",
                lang.pick("检查通过，行数：", "checked, rows:")
            )),
            error_count: 0,
        });
    }
    checked
        .import(&*state.store, &user.user.name, state.now())
        .await?;
    Ok(Outcome {
        file_name,
        issues: Vec::new(),
        result: Some(format!(
            "{} {rows}",
            lang.pick("已导入，行数：", "imported, rows:")
        )),
        error_count: 0,
    })
}

/// HQ reviews a month of `entity`: approve, return with a comment, lock, or reopen (back to
/// submitted). The form's texts are parsed here; the month is returned for the redirect.
pub async fn review(
    state: &AppState,
    user: &CurrentUser,
    entity: &str,
    month: &str,
    new_state: &str,
    comment: Option<String>,
) -> ApiResult<Month> {
    let lang = user.lang;
    if !user.access.is_hq() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            lang.pick(
                "只有总部可以审核、退回或锁定",
                "only HQ may approve, return or lock",
            ),
        ));
    }
    let snapshot = state.snapshot().await?;
    entity_in_scope(&snapshot, user, entity)?;
    let parsed = Month::parse(month).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("month: \"{month}\" {e}"),
        )
    })?;
    let new_state = PeriodState::parse(new_state).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("state: \"{new_state}\""),
        )
    })?;
    let comment = comment.filter(|c| !c.trim().is_empty());
    if new_state == PeriodState::Returned && comment.is_none() {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            lang.pick("退回时必须填写意见", "a return needs a comment"),
        ));
    }
    state
        .store
        .set_period_state(PeriodStatus {
            entity: EntityCode::parse(entity)
                .map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.to_string()))?,
            month: parsed,
            state: new_state,
            comment,
            user: user.user.name.clone(),
            at: state.now(),
        })
        .await?;
    Ok(parsed)
}
