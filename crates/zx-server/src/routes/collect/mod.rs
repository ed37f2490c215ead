//! Data collection, shared by its pages and the API: the state of every entity-month (who has
//! submitted what), checking and importing an uploaded file with every validation error, and
//! HQ's review (approve, return with a comment, lock). A locked month refuses changes.

pub mod api;
pub mod pages;

use std::collections::HashMap;

use zx_app::AppError;
use zx_app::collect::{self, Action, Actor, Refusal, Review, Reviewed, Upload};
use zx_app::import::SourceFile;
use zx_domain::{EntityCode, EntityId, Lang, Month};
use zx_store::{PeriodState, PeriodStatus};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::scope::entity_in_scope;
use crate::state::AppState;

/// One cell of the monitor grid.
pub struct GridCell {
    pub state: &'static str,
    /// The CSS class suffix: the state, or `locked-missing` for a month locked although this
    /// unit has not submitted it (still counted missing).
    pub class: &'static str,
    pub label: String,
    pub title: String,
    /// The unit still owes this month (`zx_app::collect::awaits_submission`).
    pub missing: bool,
}

/// One row: an entity and its twelve months.
pub struct GridRow {
    pub code: String,
    pub name: String,
    pub depth: usize,
    pub cells: Vec<GridCell>,
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

/// The state of every entity-month of a year, in the user's scope, below `root`.
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
    let recorded: HashMap<(String, Month), &PeriodStatus> = statuses
        .iter()
        .map(|s| ((s.entity.to_string(), s.month), s))
        .collect();
    let months: Vec<Month> = (1..=12).filter_map(|m| Month::new(year, m).ok()).collect();
    let reported: Vec<usize> = engine
        .catalogue()
        .reported_items()
        .map(|(i, _)| i)
        .collect();
    let base_depth = tree.depth(root);
    let mut rows = Vec::new();
    for id in tree.subtree(root) {
        if !user.access.can_read(tree, id) {
            continue;
        }
        let entity = tree.entity(id);
        // A lock on an ancestor's month covers this entity too.
        let ancestors = tree.path_to(id);
        let cells: Vec<GridCell> = months
            .iter()
            .map(|&month| {
                let locked_above = ancestors.iter().rev().skip(1).find_map(|&a| {
                    recorded
                        .get(&(tree.entity(a).code.to_string(), month))
                        .filter(|s| s.state == PeriodState::Locked)
                });
                let own = recorded.get(&(entity.code.to_string(), month));
                let has_rows = reported
                    .iter()
                    .any(|&item| engine.ledger().get(id, item, month).is_some());
                let (state_name, who) = match (locked_above, own) {
                    (Some(lock), _) => ("locked", Some(*lock)),
                    (None, Some(s)) => (s.state.as_str(), Some(*s)),
                    (None, None) if has_rows => ("submitted", None),
                    (None, None) => ("none", None),
                };
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
                let missing = collect::awaits_submission(engine, id, month, own.map(|s| s.state));
                let (class, label) = if state_name == "locked" && missing {
                    (
                        "locked-missing",
                        lang.pick("锁定·未报", "locked, not submitted"),
                    )
                } else {
                    (state_name, state_label(state_name, lang))
                };
                GridCell {
                    state: state_name,
                    class,
                    label: label.to_owned(),
                    title,
                    missing,
                }
            })
            .collect();
        let missing = cells.iter().filter(|c| c.missing).count();
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
        message: match lang {
            Lang::Zh => format!("{}（{}）", issue.message_zh, issue.message),
            Lang::En => issue.message.clone(),
        },
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
                    "{} {} {}",
                    lang.pick("检查通过：", "checked:"),
                    rows,
                    lang.pick(
                        "行，无错误（尚未提交）",
                        "rows, no errors (not submitted yet)"
                    )
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
    })?;
    let new_state = PeriodState::parse(new_state).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("state: \"{new_state}\""),
        )
    })?;
    let entity = EntityCode::parse(entity)
        .map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.to_string()))?;
    let reviewed = collect::review(
        &*state.store,
        &snapshot.engine,
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
