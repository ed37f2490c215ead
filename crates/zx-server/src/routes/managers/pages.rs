//! The register page (`/managers`): terms ending, ratings due (HR and admin), the register's
//! counts against the month's data with a named flag where they differ and a button taking the
//! register's counts in; the register itself, the workbook out and in, and a form to add a
//! term. A person's page (`/managers/person/{id}`): their terms and years, with forms to record
//! a year and an outcome. Ratings and pay appear only for admin and HQ HR.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use serde::Deserialize;
use zx_domain::managers::{
    DEFAULT_TERM_LEAD_DAYS, ManagerTerm, OutcomeKind, Rating, RatingDeadline, TermYear, item_name,
    ratings_due, register_entities, terms_ending,
};
use zx_domain::{EntityTree, Lang, Month};
use zx_store::{ManagerTermRow, NewManagerTerm};

use super::{parse_date, parse_month, parse_pay, parse_rating, row_from_stored, stored_term};
use crate::auth::{CurrentUser, PageUser};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::layout::{Me, error_page, here, xlsx_download};
use crate::routes::read_upload;
use crate::state::AppState;

pub struct YearRow {
    pub year: i32,
    pub target: String,
    pub result: String,
    pub rating: String,
    pub pay: String,
}

pub struct TermRow {
    pub id: i64,
    pub entity: String,
    pub entity_name: String,
    pub person_id: String,
    pub person_name: String,
    pub position: String,
    pub start: String,
    pub end: String,
    pub contract: String,
    /// `in_term`, `ending`, `kept`, `promoted`, `demoted`, `exited`.
    pub state: &'static str,
    pub state_text: String,
    pub term_target: String,
    pub term_result: String,
    pub years: Vec<YearRow>,
}

pub struct DueRow {
    pub term: i64,
    pub person_id: String,
    pub who: String,
    pub year: i32,
    pub deadline: String,
}

pub struct ProposalRow {
    pub entity: String,
    pub entity_name: String,
    /// (item code, name, proposed, reported, disagrees).
    pub items: Vec<(&'static str, String, u32, String, bool)>,
    pub flags: Vec<String>,
    pub can_take: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "managers.html")]
struct RegisterPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    entity: String,
    entity_name: String,
    confidential: bool,
    keeper: bool,
    as_of: String,
    lead_days: u32,
    month: String,
    terms: Vec<TermRow>,
    ending: Vec<TermRow>,
    due: Vec<DueRow>,
    proposals: Vec<ProposalRow>,
    message: Option<String>,
    issues: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "manager.html")]
struct PersonPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    person_id: String,
    person_name: String,
    confidential: bool,
    keeper: bool,
    terms: Vec<TermRow>,
    ratings: Vec<(&'static str, &'static str)>,
    outcomes: Vec<(&'static str, &'static str)>,
}

fn day(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn entity_name(tree: &EntityTree, code: &zx_domain::EntityCode) -> String {
    tree.id(code)
        .map_or_else(|| code.to_string(), |id| tree.entity(id).name.clone())
}

fn term_row(t: &ManagerTerm, tree: &EntityTree, ending: bool, lang: Lang) -> TermRow {
    let (state, state_text) = match &t.outcome {
        Some(o) => (
            o.kind.code(),
            match o.reason.trim() {
                "" => format!("{} {}", o.kind.label(lang), day(o.date)),
                reason => format!(
                    "{} {}{}{reason}{}",
                    o.kind.label(lang),
                    day(o.date),
                    lang.pick("（", " ("),
                    lang.pick("）", ")")
                ),
            },
        ),
        None if ending => (
            "ending",
            lang.pick("任期即将届满", "ending soon").to_owned(),
        ),
        None => ("in_term", lang.pick("在任", "in term").to_owned()),
    };
    TermRow {
        id: t.id,
        entity: t.entity.to_string(),
        entity_name: entity_name(tree, &t.entity),
        person_id: t.person_id.clone(),
        person_name: t.person_name.clone(),
        position: t.position.clone(),
        start: day(t.start),
        end: day(t.end),
        contract: t
            .contract_signed
            .map_or_else(|| lang.pick("未签订", "not signed").to_owned(), day),
        state,
        state_text,
        term_target: t.term_target.clone(),
        term_result: t.term_result.clone(),
        years: t
            .years
            .iter()
            .map(|y| YearRow {
                year: y.year,
                target: y.target.clone(),
                result: y.result.clone(),
                rating: y.rating.map_or(String::new(), |r| r.label(lang).to_owned()),
                pay: y.pay.map_or(String::new(), |p| p.to_string()),
            })
            .collect(),
    }
}

#[derive(Deserialize)]
pub struct RegisterQuery {
    #[serde(default)]
    entity: Option<String>,
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    query: &RegisterQuery,
    here: String,
    issues: Vec<String>,
) -> ApiResult<RegisterPage> {
    let lang = user.lang;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let root = crate::scope::entity_or_home(
        &snapshot,
        user,
        query.entity.as_deref(),
        lang.pick(
            "您的账号未绑定可查看的单位",
            "your account has no entity to show",
        ),
    )?;
    let as_of = state.today();
    // The month being collected: the one before this month, unless asked.
    let month = match query.month.as_deref().filter(|m| !m.is_empty()) {
        Some(text) => parse_month(text)?,
        None => Month::new(as_of.year(), as_of.month())
            .ok()
            .and_then(Month::previous)
            .ok_or_else(|| ApiError::new(ErrorCode::Internal, "no previous month"))?,
    };
    let confidential = user.access.sees_personnel_confidential();
    let terms = super::terms_under(state, user, &snapshot, root).await?;
    let ending_ids: Vec<i64> = terms_ending(&terms, as_of, DEFAULT_TERM_LEAD_DAYS)
        .iter()
        .map(|t| t.id)
        .collect();
    let row = |t: &ManagerTerm| term_row(t, tree, ending_ids.contains(&t.id), lang);
    let due = if confidential {
        ratings_due(&terms, as_of, RatingDeadline::default())
            .into_iter()
            .filter_map(|d| {
                let t = terms.iter().find(|t| t.id == d.term)?;
                Some(DueRow {
                    term: d.term,
                    person_id: t.person_id.clone(),
                    who: format!(
                        "{} {} {}",
                        entity_name(tree, &t.entity),
                        t.position,
                        t.person_name
                    ),
                    year: d.year,
                    deadline: day(d.deadline),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut proposals = Vec::new();
    for code in register_entities(&terms) {
        let Some(id) = tree.id(&code) else { continue };
        let Some((_, checks)) = super::proposal(state, &snapshot, id, month).await? else {
            continue;
        };
        proposals.push(ProposalRow {
            entity: code.to_string(),
            entity_name: tree.entity(id).name.clone(),
            items: checks
                .iter()
                .map(|c| {
                    (
                        c.item,
                        item_name(c.item, lang).to_owned(),
                        c.proposed,
                        c.reported
                            .map_or_else(|| "—".to_owned(), |r| r.normalize().to_string()),
                        c.disagrees(),
                    )
                })
                .collect(),
            flags: checks.iter().filter_map(|c| c.flag_text(lang)).collect(),
            can_take: user.access.role != zx_domain::Role::Viewer
                && user.access.can_submit(tree, id),
        });
    }
    let root_entity = tree.entity(root);
    Ok(RegisterPage {
        lang,
        me: Me::of(user),
        here,
        entity: root_entity.code.to_string(),
        entity_name: root_entity.name.clone(),
        confidential,
        keeper: user.access.keeps_manager_register(),
        as_of: day(as_of),
        lead_days: DEFAULT_TERM_LEAD_DAYS,
        month: month.to_string(),
        ending: terms
            .iter()
            .filter(|t| ending_ids.contains(&t.id))
            .map(row)
            .collect(),
        terms: terms.iter().map(row).collect(),
        due,
        proposals,
        message: query.message.clone(),
        issues,
    })
}

/// `GET /managers?entity=&month=`.
pub async fn register(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(query): Query<RegisterQuery>,
) -> Response {
    match render(&state, &user, &query, here(&uri), Vec::new()).await {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

/// `GET /managers/person/{person_id}`: every term of one person the caller may read.
pub async fn person(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Path(person): Path<String>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let tree = snapshot.engine.tree();
        let terms: Vec<ManagerTerm> =
            zx_app::managers::visible_terms(&*state.store, tree, &user.access)
                .await?
                .into_iter()
                .filter(|t| t.person_id == person)
                .collect();
        let Some(first) = terms.first() else {
            return Err(
                ApiError::new(ErrorCode::NotFound, format!("no manager {person}"))
                    .zh(format!("没有人员 {person}")),
            );
        };
        let ending: Vec<i64> = terms_ending(&terms, state.today(), DEFAULT_TERM_LEAD_DAYS)
            .iter()
            .map(|t| t.id)
            .collect();
        Ok(PersonPage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            person_id: person.clone(),
            person_name: first.person_name.clone(),
            confidential: user.access.sees_personnel_confidential(),
            keeper: user.access.keeps_manager_register(),
            terms: terms
                .iter()
                .map(|t| term_row(t, tree, ending.contains(&t.id), lang))
                .collect(),
            ratings: Rating::ALL
                .iter()
                .map(|r| (r.code(), r.label(lang)))
                .collect(),
            outcomes: OutcomeKind::ALL
                .iter()
                .map(|k| (k.code(), k.label(lang)))
                .collect(),
        })
    }
    .await;
    match result {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

/// `GET /managers.xlsx?entity=`: the register as a workbook in the import's layout (rating
/// and pay blank for readers who may not see them).
pub async fn export(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<RegisterQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let tree = snapshot.engine.tree();
        let root =
            crate::scope::entity_or_home(&snapshot, &user, query.entity.as_deref(), "no entity")?;
        let terms = super::terms_under(&state, &user, &snapshot, root).await?;
        let bytes = zx_app::managers::export_workbook(
            &terms,
            tree,
            user.access.sees_personnel_confidential(),
        )
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("workbook: {e}")))?;
        Ok::<_, ApiError>((format!("managers-{}.xlsx", tree.entity(root).code), bytes))
    }
    .await;
    match result {
        Ok((name, bytes)) => xlsx_download(&name, bytes),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

/// `POST /managers/import`: a workbook or CSV in the export's layout (admin, HQ HR).
pub async fn import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    mut multipart: Multipart,
) -> Response {
    let lang = user.lang;
    let result = async {
        let form = read_upload(&mut multipart, "managers.xlsx").await?;
        user.check_csrf(form.csrf.as_deref())?;
        zx_app::managers::check_keeper(&user.access)?;
        let (file_name, bytes) = form.file.ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidFile, "choose a file").zh("请选择文件")
        })?;
        let snapshot = state.snapshot().await?;
        let outcome = zx_app::managers::import_managers(
            &*state.store,
            snapshot.engine.tree(),
            Some(&user.access),
            &file_name,
            &bytes,
            &user.user.name,
            state.now(),
        )
        .await?;
        let (message, issues) = match outcome {
            Ok(saved) => (
                format!(
                    "{} {}",
                    saved.len(),
                    lang.pick("个任期已导入", "terms imported")
                ),
                Vec::new(),
            ),
            Err(rejected) => (
                lang.pick(
                    "文件有错误，未导入任何内容：",
                    "The file has errors; nothing was imported:",
                )
                .to_owned(),
                crate::views::issue_lines(&rejected.issues, lang),
            ),
        };
        let query = RegisterQuery {
            entity: None,
            month: None,
            message: Some(message),
        };
        render(&state, &user, &query, "/managers".into(), issues).await
    }
    .await;
    match result {
        Ok(page) => page.into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

#[derive(Deserialize)]
pub struct TermForm {
    csrf: String,
    entity: String,
    person_id: String,
    person_name: String,
    position: String,
    start: String,
    end: String,
    #[serde(default)]
    contract_signed: String,
    #[serde(default)]
    term_target: String,
}

/// `POST /managers/terms`: adds a term (admin, HQ HR).
pub async fn create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<TermForm>,
) -> Response {
    let result = async {
        user.check_csrf(Some(&form.csrf))?;
        zx_app::managers::check_keeper(&user.access)?;
        let snapshot = state.snapshot().await?;
        let id = crate::scope::entity_in_scope(&snapshot, &user, &form.entity)?;
        let contract = form.contract_signed.trim();
        let row = ManagerTermRow {
            id: None,
            term: NewManagerTerm {
                person_id: form.person_id.clone(),
                person_name: form.person_name,
                entity: snapshot.engine.tree().entity(id).code.clone(),
                position: form.position,
                start: parse_date(&form.start, "start")?,
                end: parse_date(&form.end, "end")?,
                contract_signed: if contract.is_empty() {
                    None
                } else {
                    Some(parse_date(contract, "contract_signed")?)
                },
                term_target: form.term_target,
                term_result: String::new(),
                outcome: None,
                years: Vec::new(),
            },
        };
        zx_app::managers::save_term(
            &*state.store,
            &user.access,
            row,
            &user.user.name,
            state.now(),
        )
        .await?;
        Ok::<_, ApiError>(form.person_id)
    }
    .await;
    match result {
        Ok(person) => Redirect::to(&format!("/managers/person/{person}")).into_response(),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    csrf: String,
    kind: String,
    date: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    for_performance: Option<String>,
}

/// `POST /managers/terms/{id}/outcome`: records how a term ended (admin, HQ HR).
pub async fn record_outcome(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Form(form): Form<OutcomeForm>,
) -> Response {
    let result = async {
        user.check_csrf(Some(&form.csrf))?;
        zx_app::managers::check_keeper(&user.access)?;
        let snapshot = state.snapshot().await?;
        let stored = stored_term(&state, &user, &snapshot, id).await?;
        let mut row = row_from_stored(&stored);
        row.term.outcome = Some(super::outcome_of(&zx_api::OutcomeJson {
            kind: form.kind,
            date: form.date,
            reason: form.reason,
            for_performance: form.for_performance.is_some(),
        })?);
        zx_app::managers::save_term(
            &*state.store,
            &user.access,
            row,
            &user.user.name,
            state.now(),
        )
        .await?;
        Ok::<_, ApiError>(stored.person_id)
    }
    .await;
    match result {
        Ok(person) => Redirect::to(&format!("/managers/person/{person}")).into_response(),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

#[derive(Deserialize)]
pub struct YearForm {
    csrf: String,
    year: i32,
    #[serde(default)]
    target: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    pay: String,
}

/// `POST /managers/terms/{id}/year`: a year's target, result, rating and pay (admin, HQ HR).
pub async fn record_year(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Form(form): Form<YearForm>,
) -> Response {
    let result = async {
        user.check_csrf(Some(&form.csrf))?;
        zx_app::managers::check_keeper(&user.access)?;
        let snapshot = state.snapshot().await?;
        let stored = stored_term(&state, &user, &snapshot, id).await?;
        let mut row = row_from_stored(&stored);
        row.term.years = vec![TermYear {
            year: form.year,
            target: form.target,
            result: form.result,
            rating: parse_rating(&form.rating)?,
            pay: parse_pay(&form.pay)?,
        }];
        zx_app::managers::save_term(
            &*state.store,
            &user.access,
            row,
            &user.user.name,
            state.now(),
        )
        .await?;
        Ok::<_, ApiError>(stored.person_id)
    }
    .await;
    match result {
        Ok(person) => Redirect::to(&format!("/managers/person/{person}")).into_response(),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}

#[derive(Deserialize)]
pub struct ProposalForm {
    csrf: String,
    entity: String,
    month: String,
}

/// `POST /managers/proposal`: takes the register's counts into the month's data, as the caller
/// submitting them (a normal submission: checked, audited, revisions kept).
pub async fn take_proposal(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<ProposalForm>,
) -> Response {
    let lang = user.lang;
    let result = async {
        user.check_csrf(Some(&form.csrf))?;
        super::take(&state, &user, &form.entity, &form.month).await
    }
    .await;
    match result {
        Ok(submission) => {
            let message = format!(
                "{} #{submission}",
                lang.pick(
                    "已采用台账数报送，报送记录",
                    "register counts submitted, submission"
                )
            );
            let target = format!(
                "/managers?month={}&message={}",
                form.month,
                urlencoding(&message)
            );
            Redirect::to(&target).into_response()
        }
        Err(error) => error_page(Some(&user), lang, error),
    }
}

/// Percent-encodes a query value.
fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One entity's register counts for the month being collected, as the collection grid shows
/// them: the flags where reported values differ, else the proposal.
pub struct RegisterNote {
    pub entity: String,
    pub entity_name: String,
    pub month: String,
    /// Named differences (`管理人员 报 12，台账 11`); empty when none.
    pub flags: Vec<String>,
    /// The register's counts as people read them.
    pub proposal: String,
}

/// The notes of the entities under `root` that keep a register, for the month being collected
/// (the month before today in China) when it falls in `year`.
pub async fn register_notes(
    state: &AppState,
    user: &CurrentUser,
    snapshot: &zx_app::Snapshot,
    root: zx_domain::EntityId,
    year: i32,
) -> ApiResult<Vec<RegisterNote>> {
    let today = state.today();
    let Some(month) = Month::new(today.year(), today.month())
        .ok()
        .and_then(Month::previous)
        .filter(|m| m.year() == year)
    else {
        return Ok(Vec::new());
    };
    let lang = user.lang;
    let tree = snapshot.engine.tree();
    let terms = super::terms_under(state, user, snapshot, root).await?;
    let mut out = Vec::new();
    for code in register_entities(&terms) {
        let Some(id) = tree.id(&code) else { continue };
        let Some((_, checks)) = super::proposal(state, snapshot, id, month).await? else {
            continue;
        };
        out.push(RegisterNote {
            entity: code.to_string(),
            entity_name: tree.entity(id).name.clone(),
            month: month.to_string(),
            flags: checks.iter().filter_map(|c| c.flag_text(lang)).collect(),
            proposal: checks
                .iter()
                .map(|c| format!("{} {}", item_name(c.item, lang), c.proposed))
                .collect::<Vec<_>>()
                .join(lang.pick("，", ", ")),
        });
    }
    Ok(out)
}
