//! `/rnd`: the portfolio by stage and by field, the year's budget against spend (a chart drawn
//! by `assets/app.js` from a data attribute), late gates, the reconciliation flags, the list of
//! projects, and the register as a workbook out and in; `/rnd/projects/{code}`: one project.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};
use zx_app::import::SourceFile;
use zx_app::rnd::Portfolio;
use zx_domain::rnd::{Reconciliation, Stage};
use zx_domain::{Decimal, EntityCode, Lang, format};

use crate::auth::{CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::layout::{Me, error_page, here, xlsx_download};
use crate::routes::read_upload;
use crate::state::AppState;

pub struct ProjectRow {
    pub code: String,
    pub name: String,
    pub entity: String,
    pub entity_name: String,
    pub field: String,
    pub stage: &'static str,
    pub stage_code: &'static str,
    pub leader: String,
    pub budget: String,
    pub spent: String,
    pub used: String,
    pub over: bool,
    pub late: Option<String>,
}

pub struct LateRow {
    pub code: String,
    pub name: String,
    pub entity_name: String,
    pub stage: &'static str,
    pub planned: String,
    pub days: i64,
}

pub struct FieldRow {
    pub field: String,
    pub kind: &'static str,
    pub count: usize,
    pub budget: String,
    pub spent: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "rnd.html")]
struct PortfolioPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    year: i32,
    stages: Vec<(&'static str, &'static str, usize)>,
    fields: Vec<FieldRow>,
    chart_json: String,
    late: Vec<LateRow>,
    flags: Vec<String>,
    compared: usize,
    rows: Vec<ProjectRow>,
    can_write: bool,
    message: Option<String>,
    issues: Vec<String>,
}

fn wan(value: Decimal) -> String {
    format::grouped(value / Decimal::from(10_000), 2)
}

fn entity_name(snapshot: &zx_app::Snapshot, code: &EntityCode) -> String {
    let tree = snapshot.engine.tree();
    tree.id(code)
        .map_or_else(|| code.to_string(), |id| tree.entity(id).name.clone())
}

/// The year the page shows: that of the latest month with data, else this year in China.
fn year_of(state: &AppState, snapshot: &zx_app::Snapshot) -> i32 {
    snapshot
        .engine
        .last_month()
        .map(|m| m.year())
        .unwrap_or_else(|| chrono::Datelike::year(&state.today()))
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    here: String,
    message: Option<String>,
    issues: Vec<String>,
) -> ApiResult<PortfolioPage> {
    let lang = user.lang;
    let (snapshot, portfolio) = super::portfolio(state, user).await?;
    let year = year_of(state, &snapshot);
    let lines = portfolio.budget_lines();
    let year_line = |code: &str| lines.iter().find(|l| l.project == code && l.year == year);
    let late = portfolio.late_gates(state.today());
    let stages = Stage::ALL
        .iter()
        .map(|s| {
            let n = portfolio
                .projects
                .iter()
                .filter(|p| p.project.stage() == *s)
                .count();
            (s.as_str(), s.label(lang), n)
        })
        .collect();
    let mut by_field: BTreeMap<(String, &'static str), (usize, Decimal, Decimal)> = BTreeMap::new();
    for p in &portfolio.projects {
        let entry = by_field
            .entry((p.project.field.clone(), p.project.field_kind.label(lang)))
            .or_default();
        entry.0 += 1;
        if let Some(l) = year_line(&p.project.code) {
            entry.1 += l.budget.unwrap_or_default();
            entry.2 += l.spent;
        }
    }
    let fields = by_field
        .into_iter()
        .map(|((field, kind), (count, budget, spent))| FieldRow {
            field,
            kind,
            count,
            budget: wan(budget),
            spent: wan(spent),
        })
        .collect();
    let rows: Vec<ProjectRow> = portfolio
        .projects
        .iter()
        .map(|p| {
            let line = year_line(&p.project.code);
            let stage = p.project.stage();
            ProjectRow {
                code: p.project.code.clone(),
                name: p.project.name.clone(),
                entity: p.project.entity.to_string(),
                entity_name: entity_name(&snapshot, &p.project.entity),
                field: p.project.field.clone(),
                stage: stage.label(lang),
                stage_code: stage.as_str(),
                leader: p.project.leader.clone(),
                budget: line.and_then(|l| l.budget).map_or_else(|| "—".into(), wan),
                spent: wan(line.map(|l| l.spent).unwrap_or_default()),
                used: line
                    .and_then(|l| l.used())
                    .map_or_else(|| "—".into(), format::percent),
                over: line.is_some_and(|l| l.over_budget()),
                late: late
                    .iter()
                    .find(|(l, _)| l.project.code == p.project.code)
                    .map(|(_, g)| g.stage.label(lang).to_owned()),
            }
        })
        .collect();
    let chart = serde_json::json!({
        "title": format!("{year} {}", lang.pick("预算与支出（万元）", "budget and spend (10k yuan)")),
        "budget_label": lang.pick("年度预算", "Budget"),
        "spent_label": lang.pick("已支出", "Spent"),
        "projects": rows.iter().map(|r| r.code.clone()).collect::<Vec<_>>(),
        "budget": portfolio.projects.iter().map(|p| year_line(&p.project.code)
            .and_then(|l| l.budget).map(|b| format::exact(b / Decimal::from(10_000)))).collect::<Vec<_>>(),
        "spent": portfolio.projects.iter().map(|p| format::exact(year_line(&p.project.code)
            .map(|l| l.spent).unwrap_or_default() / Decimal::from(10_000))).collect::<Vec<_>>(),
    });
    let reconciliation = super::reconciliation(state, &snapshot, &portfolio);
    let flags = reconciliation
        .iter()
        .filter(|r| r.flagged())
        .map(|r| r.sentence(lang))
        .collect();
    let late = late
        .iter()
        .map(|(p, g)| LateRow {
            code: p.project.code.clone(),
            name: p.project.name.clone(),
            entity_name: entity_name(&snapshot, &p.project.entity),
            stage: g.stage.label(lang),
            planned: g.planned.to_string(),
            days: g.days_late,
        })
        .collect();
    Ok(PortfolioPage {
        lang,
        me: Me::of(user),
        here,
        year,
        stages,
        fields,
        chart_json: chart.to_string(),
        late,
        flags,
        compared: reconciliation.len(),
        rows,
        can_write: user.access.role != zx_domain::Role::Viewer,
        message,
        issues,
    })
}

pub async fn portfolio(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
) -> Response {
    match render(&state, &user, here(&uri), None, Vec::new()).await {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

/// The register the caller may see, in the import's layout.
pub async fn export(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let result = async {
        let (snapshot, portfolio) = super::portfolio(&state, &user).await?;
        let name = |code: &EntityCode| entity_name(&snapshot, code);
        zx_app::rnd::export(&portfolio, &name).map_err(ApiError::from)
    }
    .await;
    match result {
        Ok(bytes) => xlsx_download("rnd-register.xlsx", bytes),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

/// A register workbook read back: within the caller's subtree, one transaction, every bad cell
/// listed.
pub async fn import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    mut multipart: Multipart,
) -> Response {
    let lang = user.lang;
    let result = async {
        let form = read_upload(&mut multipart, "rnd.xlsx").await?;
        user.check_csrf(form.csrf.as_deref())?;
        let snapshot = state.snapshot().await?;
        let writable = super::writable(&user, &snapshot)?;
        let (name, bytes) = form.file.ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidFile, "choose a file").zh("请选择文件")
        })?;
        let files = [SourceFile { name, bytes }];
        let outcome = zx_app::rnd::import_files(
            &*state.store,
            &files,
            writable.as_ref(),
            &user.user.name,
            state.now(),
        )
        .await?;
        Ok::<_, ApiError>(match outcome {
            Ok(imported) => {
                let o = imported.outcome;
                (
                    match lang {
                        Lang::Zh => format!(
                            "已导入：新增 {}，修订 {}，未变 {}",
                            o.created, o.revised, o.unchanged
                        ),
                        Lang::En => format!(
                            "Imported: {} created, {} revised, {} unchanged",
                            o.created, o.revised, o.unchanged
                        ),
                    },
                    Vec::new(),
                )
            }
            Err(rejected) => (
                lang.pick(
                    "文件有错误，未导入任何内容：",
                    "The file has errors; nothing was imported:",
                )
                .to_owned(),
                crate::views::issue_lines(&rejected.errors, lang),
            ),
        })
    }
    .await;
    let (message, issues) = match result {
        Ok(done) => done,
        Err(error) => return error_page(Some(&user), lang, error),
    };
    match render(&state, &user, "/rnd".into(), Some(message), issues).await {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

pub struct GateRow {
    pub stage: &'static str,
    pub planned: String,
    pub actual: String,
    pub late: bool,
}

pub struct MoneyRow {
    pub key: String,
    pub a: String,
    pub b: String,
    pub c: String,
    pub flag: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "rnd_project.html")]
struct ProjectPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    code: String,
    name: String,
    entity: String,
    entity_name: String,
    field: String,
    field_kind: &'static str,
    stage: &'static str,
    leader: String,
    members: String,
    gates: Vec<GateRow>,
    partners: Vec<(String, &'static str)>,
    results: Vec<(&'static str, String)>,
    budgets: Vec<MoneyRow>,
    spend: Vec<MoneyRow>,
    reconciliation: Vec<MoneyRow>,
    flags: Vec<String>,
}

pub async fn project(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Path(code): Path<String>,
) -> Response {
    let lang = user.lang;
    let result = async {
        // The entity's other projects count in its reconciliation: read them before narrowing.
        let (snapshot, all) = super::portfolio(&state, &user).await?;
        let (_, one) = super::project(&state, &user, &code).await?;
        Ok::<_, ApiError>(project_page(
            &state,
            &user,
            &snapshot,
            &all,
            &one,
            here(&uri),
        ))
    }
    .await;
    match result {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

fn project_page(
    state: &AppState,
    user: &CurrentUser,
    snapshot: &zx_app::Snapshot,
    all: &Portfolio,
    portfolio: &Portfolio,
    here: String,
) -> ProjectPage {
    let lang = user.lang;
    // `super::project` left exactly this project.
    let stored = &portfolio.projects[0];
    let p = &stored.project;
    let late = zx_domain::rnd::late_gate(p, state.today());
    let gates = Stage::ALL
        .iter()
        .map(|s| {
            let g = p.gate(*s);
            GateRow {
                stage: s.label(lang),
                planned: g.planned.map_or_else(|| "—".into(), |d| d.to_string()),
                actual: g.actual.map_or_else(|| "—".into(), |d| d.to_string()),
                late: late.is_some_and(|l| l.stage == *s),
            }
        })
        .collect();
    let r = &p.results;
    let results = vec![
        (
            lang.pick("申请专利", "Patents filed"),
            r.patents_filed.to_string(),
        ),
        (
            lang.pick("授权专利", "Patents granted"),
            r.patents_granted.to_string(),
        ),
        (lang.pick("标准", "Standards"), r.standards.to_string()),
        (
            lang.pick("软件著作权", "Software copyrights"),
            r.software_copyrights.to_string(),
        ),
        (lang.pick("获奖", "Awards"), r.awards.to_string()),
        (
            lang.pick("应用收入（万元）", "Revenue from application (10k yuan)"),
            wan(r.application_revenue),
        ),
    ];
    let budgets = portfolio
        .budget_lines()
        .iter()
        .map(|l| MoneyRow {
            key: l.year.to_string(),
            a: l.budget.map_or_else(|| "—".into(), wan),
            b: wan(l.spent),
            c: l.used().map_or_else(|| "—".into(), format::percent),
            flag: l.over_budget(),
        })
        .collect();
    let spend = portfolio
        .spend
        .iter()
        .map(|s| MoneyRow {
            key: s.month.to_string(),
            a: format::grouped(s.amount, 2),
            b: s.revision.to_string(),
            c: s.recorded_by.clone(),
            flag: s.revision > 1,
        })
        .collect();
    // The entity's reconciliation, over all its projects (the reported figure is the entity's).
    let rows: Vec<Reconciliation> = super::reconciliation(
        state,
        snapshot,
        &Portfolio {
            spend: all
                .spend
                .iter()
                .filter(|x| x.entity == p.entity)
                .cloned()
                .collect(),
            ..Portfolio::default()
        },
    );
    let flags = rows
        .iter()
        .filter(|r| r.flagged())
        .map(|r| r.sentence(lang))
        .collect();
    let reconciliation = rows
        .iter()
        .map(|r| MoneyRow {
            key: r.month.to_string(),
            a: format::grouped(r.projects_spend, 2),
            b: r.reported
                .map_or_else(|| "—".into(), |v| format::grouped(v, 2)),
            c: r.verdict.label(lang).to_owned(),
            flag: r.flagged(),
        })
        .collect();
    ProjectPage {
        lang,
        me: Me::of(user),
        here,
        code: p.code.clone(),
        name: p.name.clone(),
        entity: p.entity.to_string(),
        entity_name: entity_name(snapshot, &p.entity),
        field: p.field.clone(),
        field_kind: p.field_kind.label(lang),
        stage: p.stage().label(lang),
        leader: p.leader.clone(),
        members: p.members.join("、"),
        gates,
        partners: portfolio
            .partners
            .iter()
            .map(|x| (x.name.clone(), x.kind.label(lang)))
            .collect(),
        results,
        budgets,
        spend,
        reconciliation,
        flags,
    }
}
