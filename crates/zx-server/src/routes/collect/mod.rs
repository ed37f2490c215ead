//! Data collection, shared by its pages and the API: the state of every entity-month (who has
//! submitted what), checking and importing an uploaded file with every validation error, and
//! HQ's review (approve, return with a comment, lock). A locked month refuses changes.

pub mod api;
pub mod pages;

use std::collections::HashMap;

use zx_app::collect::{self, Action, Actor, Refusal, Review, Reviewed, Upload};
use zx_app::import::SourceFile;
use zx_app::{AppError, StoredFilings};
use zx_domain::collection::{Filings, Verdict};
use zx_domain::{EntityCode, EntityId, Lang, Month};
use zx_store::{PeriodState, PeriodStatus};

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
    /// unit is not expected to submit); `locked-missing` for a month locked although the unit,
    /// expected to, has not submitted it.
    pub verdict: &'static str,
    /// The verdict for the API: the workflow state once filed, else `missing`, `due`, `not_yet`,
    /// `not_expected`.
    pub verdict_code: &'static str,
    /// Day by which the month's figures are due.
    pub deadline: chrono::NaiveDate,
    pub label: String,
    pub title: String,
    /// The R&D reconciliation's flag for the entity-month (`routes::rnd::flags`): the sentence
    /// naming the projects' spend, the reported figure and the difference.
    pub rnd_flag: Option<String>,
    /// Figures of the month far out of line with the entity's own history
    /// (`zx_domain::outliers`): worth a look before approving.
    pub outliers: Vec<OutlierNote>,
}

/// One figure of an entity-month judged out of line with its history.
pub struct OutlierNote {
    /// What the page shows (`json.sentence`) and the API answers.
    pub json: zx_api::OutlierJson,
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
    let rnd_flags = crate::routes::rnd::flags(state, user).await?;
    let base_depth = tree.depth(root);
    // A lock on an ancestor's month covers this entity too. The nearest lock at or above each
    // entity is carried down the subtree (parents come first), once: walking up from every
    // entity was quadratic on a deep chain.
    let lock_of = |id: EntityId, month: Month| {
        recorded
            .get(&(tree.entity(id).code.to_string(), month))
            .copied()
            .filter(|s| s.state == PeriodState::Locked)
    };
    let root_path = tree.path_to(root);
    let above_root: Vec<Option<&PeriodStatus>> = months
        .iter()
        .map(|&month| {
            root_path
                .iter()
                .rev()
                .skip(1)
                .find_map(|&a| lock_of(a, month))
        })
        .collect();
    let mut lock_at_or_above: HashMap<EntityId, Vec<Option<&PeriodStatus>>> = HashMap::new();
    let mut rows = Vec::new();
    for id in tree.subtree(root) {
        let above = match tree.parent(id) {
            Some(parent) if id != root => lock_at_or_above
                .get(&parent)
                .cloned()
                .unwrap_or_else(|| vec![None; months.len()]),
            _ => above_root.clone(),
        };
        lock_at_or_above.insert(
            id,
            months
                .iter()
                .zip(&above)
                .map(|(&month, above)| lock_of(id, month).or(*above))
                .collect(),
        );
        if !user.access.can_read(tree, id) {
            continue;
        }
        let entity = tree.entity(id);
        let mut missing = 0;
        let mut outliers = zx_domain::outliers::flags_for_year(
            engine,
            id,
            year,
            zx_domain::outliers::Rule::default(),
        );
        let cells: Vec<GridCell> = months
            .iter()
            .zip(above)
            .map(|(&month, locked_above)| {
                let own = recorded.get(&(entity.code.to_string(), month));
                let has_rows = filings.has_own_rows(id, month);
                let (state_name, who) = match (locked_above, own) {
                    (Some(lock), _) => ("locked", Some(lock)),
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
                        "{} {}{} {}{}",
                        s.user,
                        crate::layout::china_time(s.at),
                        zx_domain::format::china_zone(lang),
                        state_label(s.state.as_str(), lang),
                        s.comment
                            .as_ref()
                            .map_or(String::new(), |c| format!(": {c}"))
                    )
                });
                let (mut verdict_name, verdict_code) = match verdict {
                    _ if state_name != "none" => (state_name, state_name),
                    Verdict::Due(_) => ("due", "due"),
                    Verdict::NotYet => ("later", "not_yet"),
                    Verdict::NotExpected => ("exempt", "not_expected"),
                    _ => ("none", "missing"),
                };
                let (mut label, title) = if state_name == "none" {
                    unfiled_text(verdict, lang)
                } else {
                    (state_label(state_name, lang).to_owned(), title)
                };
                // Locked before this unit submitted: still owed, and shown so.
                if state_name == "locked" && collect::owes(&policy, tree, &filings, id, month) {
                    verdict_name = "locked-missing";
                    label = lang.pick("锁定·未报", "locked, not submitted").to_owned();
                }
                GridCell {
                    state: state_name,
                    verdict: verdict_name,
                    verdict_code,
                    deadline: policy.deadline(month),
                    label,
                    title,
                    rnd_flag: rnd_flags
                        .get(&(entity.code.clone(), month))
                        .map(|r| r.sentence(lang)),
                    outliers: outliers
                        .remove(&month)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|flag| OutlierNote {
                            json: zx_api::outlier_json(&flag, engine.catalogue(), lang),
                        })
                        .collect(),
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

/// What the page shows after an upload: the file's issues or what was imported; or, after a
/// lock over units that have not submitted, the question whether to lock anyway.
pub struct Outcome {
    pub file_name: String,
    pub issues: Vec<IssueRow>,
    pub result: Option<String>,
    pub error_count: usize,
    pub confirm_lock: Option<ConfirmLock>,
}

/// A lock that waits for HQ to confirm it: the month, the comment typed, and the units below
/// that have not submitted (code, name).
pub struct ConfirmLock {
    pub entity: String,
    pub month: String,
    pub comment: String,
    pub missing: Vec<(String, String)>,
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
        message: lang.pick(&issue.message_zh, &issue.message).to_owned(),
        severity: issue.severity.as_str(),
    }
}

/// Checks an uploaded file with exactly the checks of a submission (`zx_app::collect::upload`:
/// scope, locked months, figures no later than this month in China, every error at once) and,
/// when it is clean and `submit` is set, submits it in one transaction that also records the
/// state of each of its entity-months.
pub async fn check_and_import(
    state: &AppState,
    user: &CurrentUser,
    file: SourceFile,
    submit: bool,
) -> ApiResult<Outcome> {
    let lang = user.lang;
    let file_name = file.name.clone();
    let snapshot = state.snapshot().await?;
    let actor = Actor {
        name: &user.user.name,
        access: &user.access,
    };
    let action = if submit {
        Action::Submit
    } else {
        Action::Check
    };
    let upload = collect::upload(
        &*state.store,
        &state.catalogue,
        snapshot.engine.tree(),
        actor,
        std::slice::from_ref(&file),
        action,
        state.now(),
    )
    .await;
    let upload = match upload {
        Ok(upload) => upload,
        Err(AppError::MeasuresList(_)) => {
            return Err(ApiError::new(
                ErrorCode::InvalidFile,
                lang.pick(
                    "这是措施清单，请用 zx measures import 导入",
                    "this is a measures list: import it with `zx measures import`",
                ),
            ));
        }
        Err(AppError::Store(zx_store::StoreError::Locked { entity, month })) => {
            // A lock recorded between the check and the write: the store's check won.
            return Ok(Outcome {
                file_name,
                issues: vec![IssueRow {
                    place: String::new(),
                    column: "period".into(),
                    value: month.clone(),
                    message: format!(
                        "{month} {} {entity}{}",
                        lang.pick("已锁定：", "is locked for"),
                        lang.pick("，拒绝修改，未写入任何数据", "; nothing was written")
                    ),
                    severity: "error",
                }],
                result: None,
                error_count: 1,
                confirm_lock: None,
            });
        }
        Err(other) => return Err(refused(other, lang)),
    };
    Ok(match upload {
        Upload::Rejected { errors, warnings } => {
            let mut issues: Vec<IssueRow> = errors.iter().map(|i| issue_row(i, lang)).collect();
            issues.extend(warnings.iter().map(|i| issue_row(i, lang)));
            Outcome {
                file_name,
                error_count: errors.len(),
                issues,
                result: Some(
                    lang.pick(
                        "文件有错误，未写入任何数据",
                        "the file has errors: nothing was written",
                    )
                    .to_owned(),
                ),
                confirm_lock: None,
            }
        }
        Upload::Checked { files, warnings } => {
            let (kind, rows) = files.first().map_or(("data", 0), |f| (f.1, f.2));
            let result = if kind == "data" {
                format!(
                    "{} {}{}",
                    lang.pick("检查通过：", "checked:"),
                    zx_domain::format::count_phrase(rows, lang, "行", "row", "rows"),
                    lang.pick("，无错误（尚未提交）", ", no errors (not submitted yet)")
                )
            } else {
                format!("{} {rows}", lang.pick("检查通过，行数：", "checked, rows:"))
            };
            Outcome {
                file_name,
                issues: warnings.iter().map(|i| issue_row(i, lang)).collect(),
                result: Some(result),
                error_count: 0,
                confirm_lock: None,
            }
        }
        Upload::Submitted(imported) => {
            let issues = imported
                .warnings
                .iter()
                .map(|i| issue_row(i, lang))
                .collect();
            let result = match imported.files.first() {
                Some(file) if file.kind == "data" => {
                    let r = &file.receipt;
                    let mut text = format!(
                        "{} #{}: {} {}, {} {}, {} {}",
                        lang.pick("已提交，报送记录", "submitted, submission"),
                        r.submission_id,
                        r.inserted,
                        lang.pick("新增", "new"),
                        r.revised,
                        lang.pick("修订", "revised"),
                        r.unchanged,
                        lang.pick("未变", "unchanged")
                    );
                    let months = collect::describe_months(&r.months, lang);
                    if !months.is_empty() {
                        text.push_str(lang.pick("。", ". "));
                        text.push_str(&months);
                    }
                    text
                }
                Some(file) => format!(
                    "{} {}",
                    lang.pick("已导入，行数：", "imported, rows:"),
                    file.rows
                ),
                None => String::new(),
            };
            Outcome {
                file_name,
                issues,
                result: Some(result),
                error_count: 0,
                confirm_lock: None,
            }
        }
    })
}

/// A service's refusal in the user's language; any other error as the API words it.
fn refused(error: AppError, lang: Lang) -> ApiError {
    match error {
        AppError::Refused(refusal @ Refusal::ReturnNeedsComment) => {
            ApiError::new(ErrorCode::InvalidParameter, refusal.message(lang))
        }
        AppError::Refused(refusal) => ApiError::new(ErrorCode::Forbidden, refusal.message(lang)),
        other => other.into(),
    }
}

/// The R&D reconciliation's flag on an entity-month the caller may see: its projects' spend
/// differs from its reported `rd_expenditure` by more than the tolerance.
pub async fn rnd_flag(
    state: &AppState,
    user: &CurrentUser,
    entity: &EntityCode,
    month: Month,
) -> ApiResult<Option<zx_domain::rnd::Reconciliation>> {
    Ok(crate::routes::rnd::flags(state, user)
        .await?
        .remove(&(entity.clone(), month)))
}

/// HQ reviews a month of `entity`: approve, return with a comment, lock, or reopen (back to
/// submitted). The form's texts are parsed here; a lock over units that have not submitted
/// comes back as `NeedsConfirmation` unless `force` is set.
pub async fn review(
    state: &AppState,
    user: &CurrentUser,
    entity: &str,
    month: &str,
    new_state: &str,
    comment: Option<String>,
    force: bool,
) -> ApiResult<(Month, Reviewed)> {
    let lang = user.lang;
    if !user.access.is_hq() {
        return Err(refused(AppError::Refused(Refusal::ReviewIsHq), lang));
    }
    let snapshot = state.snapshot().await?;
    entity_in_scope(&snapshot, user, entity)?;
    let parsed = Month::parse(month).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("month: \"{month}\" {e}"),
        )
        .zh(format!("月份：“{month}”不是有效的月份（YYYY-MM）"))
    })?;
    let new_state = PeriodState::parse(new_state).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("state: \"{new_state}\""),
        )
        .zh(format!("操作：“{new_state}”无效"))
    })?;
    let entity = EntityCode::parse(entity).map_err(|e| {
        ApiError::new(ErrorCode::InvalidParameter, e.to_string())
            .zh(format!("单位编码“{entity}”无效"))
    })?;
    // Approving a month whose R&D projects' spend disagrees with the reported R&D expenditure
    // is allowed, never silent: the flag goes into the approval's comment, so the audit log
    // keeps it (the page's message shows it too).
    let comment = match rnd_flag(state, user, &entity, parsed).await? {
        Some(flag) if new_state == PeriodState::Approved => Some(
            format!(
                "{} [{}]",
                comment.unwrap_or_default(),
                flag.sentence(zx_domain::Lang::Zh)
            )
            .trim()
            .to_owned(),
        ),
        _ => comment,
    };
    let reviewed = collect::review(
        &*state.store,
        &snapshot.engine,
        &state.collection_policy(),
        Actor {
            name: &user.user.name,
            access: &user.access,
        },
        Review {
            entity,
            month: parsed,
            state: new_state,
            comment,
            force,
        },
        lang,
        state.now(),
    )
    .await
    .map_err(|e| refused(e, lang))?;
    Ok((parsed, reviewed))
}
