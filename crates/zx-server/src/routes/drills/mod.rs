//! Emergency plans and drills (应急预案与演练) of a subtree: the drill obligations of safety.md
//! §3 and their status, the drills recorded (joint drills with local units marked), and each
//! company's yearly drill plan with the state of every planned drill. Shared by the page, its
//! Excel export and the API.

pub mod api;
pub mod pages;
pub mod plan;

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;
use utoipa::ToSchema;
use zx_domain::safety::drill_plan::{PlannedState, RecordedDrill, planned_states};
use zx_domain::safety::drills::drill_obligations;
use zx_domain::safety::{DrillPeriod, ObligationStatus};
use zx_domain::{EntityCode, EntityTree, Lang};
use zx_store::NewPlannedDrill;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::routes::registers::{Scoped, scoped};
use crate::scope::entity_in_scope;
use crate::state::AppState;

/// Which subtree and date the registers are shown for.
#[derive(Debug, Default, Deserialize)]
pub struct DrillsQuery {
    pub entity: Option<String>,
    pub as_of: Option<String>,
}

/// One obligation in one period (safety.md §3).
pub struct ObligationRow {
    pub entity: String,
    pub entity_name: String,
    /// `yearly`, or the on-site plan's code.
    pub obligation: String,
    /// What people read: "年度演练（综合或专项预案）" or the plan's code.
    pub obligation_label: String,
    /// `2026` or `2026-H1`.
    pub period: String,
    pub status: &'static str,
    pub status_label: &'static str,
    /// The period's last day when the status is `due`; empty otherwise.
    pub due_by: String,
}

/// One recorded drill.
pub struct DrillRow {
    pub entity: String,
    pub entity_name: String,
    pub plan: String,
    pub kind: String,
    pub date: String,
    /// The local units it was held with; empty: none.
    pub joint_with: String,
}

/// One planned drill of a yearly plan, with its state.
pub struct PlannedRow {
    pub id: i64,
    pub entity: String,
    pub entity_name: String,
    pub plan: String,
    pub due: String,
    pub scenario: String,
    pub joint_with: String,
    pub state: &'static str,
    pub state_label: &'static str,
    /// The date of the drill that counted for it; empty when none.
    pub done_on: String,
    /// Why it was cancelled; empty while it is not.
    pub cancel_reason: String,
    /// Whether the caller may move or cancel it (its entity's managers, HQ; not once
    /// cancelled).
    pub writable: bool,
}

/// An improvement found in a drill, and the measure it became.
pub struct ImprovementRow {
    pub id: i64,
    pub text: String,
    pub measure: Option<i64>,
}

/// A drill's report as recorded on the web.
pub struct ReportRow {
    pub id: i64,
    pub entity: String,
    pub entity_name: String,
    pub plan: String,
    pub date: String,
    pub scenario: String,
    pub participants: String,
    pub evaluation: String,
    pub joint_with: String,
    pub improvements: Vec<ImprovementRow>,
    /// Whether the caller may make its improvements measures.
    pub writable: bool,
}

/// The registers of a subtree as of a date.
pub struct DrillsView {
    pub entity: String,
    pub entity_name: String,
    pub as_of: NaiveDate,
    pub lead_days: u32,
    pub obligations: Vec<ObligationRow>,
    pub drills: Vec<DrillRow>,
    pub planned: Vec<PlannedRow>,
    pub reports: Vec<ReportRow>,
    /// (entity, plan, kind label) of the plans the caller may plan and record drills for.
    pub writable_plans: Vec<(String, String, String)>,
}

fn name_of(tree: &EntityTree, code: &EntityCode) -> String {
    tree.id(code)
        .map_or_else(|| code.to_string(), |id| tree.entity(id).name.clone())
}

pub async fn view(state: &AppState, user: &CurrentUser, q: &DrillsQuery) -> ApiResult<DrillsView> {
    let lang = user.lang;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let Scoped {
        entity,
        entity_name,
        as_of,
        records,
    } = scoped(state, user, q.entity.as_deref(), q.as_of.as_deref()).await?;
    let root = tree
        .id_of(&entity)
        .ok_or_else(|| ApiError::internal("the scoped entity is in the tree"))?;
    let lead_days = state.settings.reminders.drill_lead_days;
    let (plans, drills) = (records.plans, records.drills);
    let kinds: HashMap<(&EntityCode, &str), zx_domain::safety::PlanKind> = plans
        .iter()
        .map(|p| ((&p.entity, p.plan.as_str()), p.kind))
        .collect();

    let mut obligations = Vec::new();
    for (entity, status) in drill_obligations(&plans, &drills, as_of) {
        let entity_name = name_of(tree, &entity);
        let yearly = status.yearly.iter().map(|(period, s)| {
            (
                "yearly".to_owned(),
                lang.pick(
                    "年度演练（综合或专项预案）",
                    "yearly drill (comprehensive or special plan)",
                )
                .to_owned(),
                *period,
                *s,
            )
        });
        let onsite = status.onsite.iter().flat_map(|(plan, pair)| {
            pair.iter()
                .map(move |(period, s)| (plan.clone(), plan.clone(), *period, *s))
        });
        for (obligation, label, period, s) in yearly.chain(onsite) {
            obligations.push(obligation_row(
                &entity,
                &entity_name,
                obligation,
                label,
                period,
                s,
                lang,
            ));
        }
    }

    let mut drill_rows: Vec<DrillRow> = drills
        .iter()
        .map(|d| DrillRow {
            entity: d.entity.to_string(),
            entity_name: name_of(tree, &d.entity),
            plan: d.plan.clone(),
            kind: kinds
                .get(&(&d.entity, d.plan.as_str()))
                .map_or(String::new(), |k| k.label(lang).to_owned()),
            date: d.date.to_string(),
            joint_with: d.joint_with.clone().unwrap_or_default(),
        })
        .collect();
    // Newest first: what was drilled lately is what a manager checks.
    drill_rows.sort_by(|a, b| b.date.cmp(&a.date).then(a.entity.cmp(&b.entity)));

    let planned: Vec<_> = state
        .store
        .planned_drills()
        .await?
        .into_iter()
        .filter(|p| {
            tree.id(&p.entity)
                .is_some_and(|id| tree.is_within(id, root) && user.access.can_read(tree, id))
        })
        .collect();
    let states = planned_states(
        &planned,
        drills.iter().map(RecordedDrill::from),
        as_of,
        lead_days,
    );
    let planned = planned
        .iter()
        .zip(states)
        .map(|(p, s)| PlannedRow {
            id: p.id,
            entity: p.entity.to_string(),
            entity_name: name_of(tree, &p.entity),
            plan: p.plan.clone(),
            due: p.due.to_string(),
            scenario: p.scenario.clone(),
            joint_with: p.joint_with.clone(),
            state: s.code(),
            state_label: s.label(lang),
            done_on: match s {
                PlannedState::Done(date) => date.to_string(),
                _ => String::new(),
            },
            cancel_reason: p.cancel_reason.clone().unwrap_or_default(),
            writable: p.cancel_reason.is_none()
                && tree
                    .id(&p.entity)
                    .is_some_and(|id| user.access.can_submit(tree, id)),
        })
        .collect();

    let mut improvements: HashMap<i64, Vec<ImprovementRow>> = HashMap::new();
    for i in state.store.drill_improvements().await? {
        improvements
            .entry(i.report)
            .or_default()
            .push(ImprovementRow {
                id: i.id,
                text: i.text,
                measure: i.measure,
            });
    }
    let joint: HashMap<(&EntityCode, &str, NaiveDate), &str> = drills
        .iter()
        .filter_map(|d| {
            Some((
                (&d.entity, d.plan.as_str(), d.date),
                d.joint_with.as_deref()?,
            ))
        })
        .collect();
    let reports = state
        .store
        .drill_reports()
        .await?
        .into_iter()
        .filter_map(|r| {
            let id = tree.id(&r.entity)?;
            if !(tree.is_within(id, root) && user.access.can_read(tree, id)) {
                return None;
            }
            Some(ReportRow {
                id: r.id,
                entity: r.entity.to_string(),
                entity_name: name_of(tree, &r.entity),
                joint_with: joint
                    .get(&(&r.entity, r.plan.as_str(), r.date))
                    .map_or(String::new(), |j| (*j).to_owned()),
                plan: r.plan,
                date: r.date.to_string(),
                scenario: r.scenario,
                participants: r.participants,
                evaluation: r.evaluation,
                improvements: improvements.remove(&r.id).unwrap_or_default(),
                writable: user.access.can_submit(tree, id),
            })
        })
        .collect();
    let writable_plans = plans
        .iter()
        .filter(|p| {
            tree.id(&p.entity)
                .is_some_and(|id| user.access.can_submit(tree, id))
        })
        .map(|p| {
            (
                p.entity.to_string(),
                p.plan.clone(),
                p.kind.label(lang).to_owned(),
            )
        })
        .collect();
    Ok(DrillsView {
        entity,
        entity_name,
        as_of,
        lead_days,
        obligations,
        drills: drill_rows,
        planned,
        reports,
        writable_plans,
    })
}

fn obligation_row(
    entity: &EntityCode,
    entity_name: &str,
    obligation: String,
    obligation_label: String,
    period: DrillPeriod,
    status: ObligationStatus,
    lang: Lang,
) -> ObligationRow {
    ObligationRow {
        entity: entity.to_string(),
        entity_name: entity_name.to_owned(),
        obligation,
        obligation_label,
        period: period.key(),
        status: status.code(),
        status_label: status.label(lang),
        due_by: match status {
            ObligationStatus::Due { due_by } => due_by.to_string(),
            _ => String::new(),
        },
    }
}

/// A planned drill to add to a company's yearly plan (form and JSON).
#[derive(Debug, Deserialize, ToSchema)]
pub struct PlannedDrillInput {
    pub entity: String,
    /// The plan's code in the entity's plans register.
    pub plan: String,
    /// `YYYY-MM-DD`: the date the drill is planned for.
    pub due: String,
    #[serde(default)]
    pub scenario: String,
    #[serde(default)]
    pub joint_with: String,
}

fn invalid(lang: Lang, zh: String, en: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, lang.pick(&zh, &en).to_owned())
}

/// Adds a planned drill: the caller must be able to submit for the entity (its managers, HQ;
/// never a viewer), and the plan must be one of the entity's plans.
pub async fn add_planned(
    state: &AppState,
    user: &CurrentUser,
    input: &PlannedDrillInput,
) -> ApiResult<i64> {
    let lang = user.lang;
    let snapshot = state.snapshot().await?;
    let id = entity_in_scope(&snapshot, user, input.entity.trim())?;
    let tree = snapshot.engine.tree();
    if !user.access.can_submit(tree, id) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            lang.pick(
                "无权为该单位制定演练计划（仅限本单位及上级单位的管理人员）",
                "you may not plan drills for this unit (its managers and those above only)",
            ),
        ));
    }
    let entity = tree.entity(id).code.clone();
    let due = NaiveDate::parse_from_str(input.due.trim(), "%Y-%m-%d").map_err(|_| {
        invalid(
            lang,
            format!("计划日期：“{}”应为 YYYY-MM-DD", input.due),
            format!("due: \"{}\" is not YYYY-MM-DD", input.due),
        )
    })?;
    let plan = input.plan.trim();
    let plans = state.store.safety_records().await?.plans;
    if !plans.iter().any(|p| p.entity == entity && p.plan == plan) {
        return Err(invalid(
            lang,
            format!("预案：{entity} 的预案台账中没有“{plan}”"),
            format!("plan: {entity} has no plan \"{plan}\" in its register"),
        ));
    }
    let ids = state
        .store
        .add_planned_drills(
            vec![NewPlannedDrill {
                entity,
                plan: plan.to_owned(),
                due,
                scenario: input.scenario.trim().to_owned(),
                joint_with: input.joint_with.trim().to_owned(),
            }],
            &user.user.name,
            state.now(),
        )
        .await?;
    ids.first()
        .copied()
        .ok_or_else(|| ApiError::internal("no id for the planned drill"))
}

/// A drill to record (form and JSON): the drill, its report and the improvements found.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DrillInput {
    pub entity: String,
    pub plan: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    #[serde(default)]
    pub scenario: String,
    #[serde(default)]
    pub participants: String,
    /// Local units it was held with (fire brigade, hospital, township …); empty: none.
    #[serde(default)]
    pub joint_with: String,
    #[serde(default)]
    pub evaluation: String,
    /// The improvements found, one a line.
    #[serde(default)]
    pub improvements: String,
}

/// The entity of a request, in scope and writable by the caller (its managers, HQ).
fn writable_entity(
    snapshot: &zx_app::Snapshot,
    user: &CurrentUser,
    code: &str,
) -> ApiResult<EntityCode> {
    let id = entity_in_scope(snapshot, user, code.trim())?;
    let tree = snapshot.engine.tree();
    if !user.access.can_submit(tree, id) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            user.lang.pick(
                "无权登记该单位的应急演练（仅限本单位及上级单位的管理人员）",
                "you may not record drills of this unit (its managers and those above only)",
            ),
        ));
    }
    Ok(tree.entity(id).code.clone())
}

fn parse_date(lang: Lang, field: &str, zh: &str, text: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        invalid(
            lang,
            format!("{zh}：“{text}”应为 YYYY-MM-DD"),
            format!("{field}: \"{text}\" is not YYYY-MM-DD"),
        )
    })
}

/// Records a drill with its report; a drill dated after today is refused (only drills held
/// count). Returns the report's id.
pub async fn record_drill(
    state: &AppState,
    user: &CurrentUser,
    input: &DrillInput,
) -> ApiResult<i64> {
    let lang = user.lang;
    let snapshot = state.snapshot().await?;
    let entity = writable_entity(&snapshot, user, &input.entity)?;
    let date = parse_date(lang, "date", "演练日期", &input.date)?;
    if date > state.today() {
        return Err(invalid(
            lang,
            format!("演练日期：{date} 晚于今天，只能登记已开展的演练"),
            format!("date: {date} is after today; only drills held can be recorded"),
        ));
    }
    let joint = input.joint_with.trim();
    let report = zx_store::NewDrillReport {
        drill: zx_domain::safety::Drill {
            entity,
            plan: input.plan.trim().to_owned(),
            date,
            joint_with: (!joint.is_empty()).then(|| joint.to_owned()),
        },
        scenario: input.scenario.trim().to_owned(),
        participants: input.participants.trim().to_owned(),
        evaluation: input.evaluation.trim().to_owned(),
        improvements: input.improvements.lines().map(str::to_owned).collect(),
    };
    state
        .store
        .record_drill(report, &user.user.name, state.now())
        .await
        .map_err(ApiError::from)
}

/// Who answers for the measure an improvement becomes, and by when.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ImprovementMeasureInput {
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due: String,
}

/// Makes an improvement found in a drill a measure of the drill's entity ("演练改进：…"), owned
/// by an account that may update it. Returns the measure's id.
pub async fn improvement_to_measure(
    state: &AppState,
    user: &CurrentUser,
    improvement: i64,
    input: &ImprovementMeasureInput,
) -> ApiResult<i64> {
    let lang = user.lang;
    let not_found = || {
        ApiError::new(
            ErrorCode::NotFound,
            format!(
                "{} {improvement}",
                lang.pick("没有这个演练改进事项：", "no drill improvement")
            ),
        )
    };
    let found = state
        .store
        .drill_improvements()
        .await?
        .into_iter()
        .find(|i| i.id == improvement)
        .ok_or_else(not_found)?;
    let report = state
        .store
        .drill_reports()
        .await?
        .into_iter()
        .find(|r| r.id == found.report)
        .ok_or_else(not_found)?;
    let snapshot = state.snapshot().await?;
    let entity = writable_entity(&snapshot, user, report.entity.as_str())?;
    let due = parse_date(lang, "due", "完成时限", &input.due)?;
    let owner = input.owner.trim().to_owned();
    crate::routes::followup::check_answerable(
        state,
        lang,
        snapshot.engine.tree(),
        &entity,
        "owner",
        std::slice::from_ref(&owner),
    )
    .await?;
    let mut measure = zx_store::NewMeasure::basic(
        entity,
        format!("演练改进：{}", found.text),
        None,
        owner,
        due,
    );
    measure.description = format!(
        "{} {} {}",
        report.date,
        report.plan,
        lang.pick("应急演练发现的改进事项", "improvement found in the drill")
    );
    measure.start = Some(state.today());
    state
        .store
        .improvement_to_measure(improvement, measure, &user.user.name, state.now())
        .await
        .map_err(ApiError::from)
}

/// A sheet of the status workbook: name, headers, rows of text.
type Sheet<'a> = (&'a str, Vec<&'a str>, Vec<Vec<String>>);

/// The registers as a workbook: the obligations, the drills, the yearly plan; one sheet each.
pub fn drills_workbook(view: &DrillsView, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let title = format!(
        "{} {} {}",
        view.entity_name,
        lang.pick("截至", "as of"),
        view.as_of
    );
    let sheets: [Sheet<'_>; 3] = [
        (
            lang.pick("演练年度计划", "Drill plan"),
            vec![
                lang.pick("单位编码", "Unit code"),
                lang.pick("单位名称", "Unit name"),
                lang.pick("预案", "Plan"),
                lang.pick("计划日期", "Planned date"),
                lang.pick("演练情景", "Scenario"),
                lang.pick("联合单位", "Joint units"),
                lang.pick("状态", "State"),
                lang.pick("演练日期", "Drilled on"),
            ],
            view.planned
                .iter()
                .map(|p| {
                    vec![
                        p.entity.clone(),
                        p.entity_name.clone(),
                        p.plan.clone(),
                        p.due.clone(),
                        p.scenario.clone(),
                        p.joint_with.clone(),
                        p.state_label.to_owned(),
                        p.done_on.clone(),
                    ]
                })
                .collect(),
        ),
        (
            lang.pick("演练记录", "Drills"),
            vec![
                lang.pick("单位编码", "Unit code"),
                lang.pick("单位名称", "Unit name"),
                lang.pick("预案", "Plan"),
                lang.pick("预案类别", "Plan kind"),
                lang.pick("演练日期", "Date"),
                lang.pick("联合单位", "Joint units"),
            ],
            view.drills
                .iter()
                .map(|d| {
                    vec![
                        d.entity.clone(),
                        d.entity_name.clone(),
                        d.plan.clone(),
                        d.kind.clone(),
                        d.date.clone(),
                        d.joint_with.clone(),
                    ]
                })
                .collect(),
        ),
        (
            lang.pick("演练要求落实", "Obligations"),
            vec![
                lang.pick("单位编码", "Unit code"),
                lang.pick("单位名称", "Unit name"),
                lang.pick("演练要求", "Obligation"),
                lang.pick("期间", "Period"),
                lang.pick("状态", "Status"),
                lang.pick("截止日期", "Due by"),
            ],
            view.obligations
                .iter()
                .map(|o| {
                    vec![
                        o.entity.clone(),
                        o.entity_name.clone(),
                        o.obligation_label.clone(),
                        o.period.clone(),
                        o.status_label.to_owned(),
                        o.due_by.clone(),
                    ]
                })
                .collect(),
        ),
    ];
    for (name, headers, rows) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        sheet.write_string_with_format(0, 0, &title, &bold)?;
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string_with_format(2, c as u16, *h, &bold)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                sheet.write_string(3 + r as u32, c as u16, cell)?;
            }
        }
        sheet.set_column_width(1, 22)?;
        sheet.set_column_width(2, 24)?;
    }
    workbook.save_to_buffer()
}
