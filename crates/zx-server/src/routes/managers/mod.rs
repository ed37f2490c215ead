//! The manager term register (任期制和契约化管理): the register page, a person's page, the
//! workbook out and in, the register's counts proposed for the month's data, and the JSON API.
//! Scope as everywhere (`zx_domain::access`): a reader sees the terms of the entities it may
//! read; ratings and pay only admin and HQ HR (`Access::sees_personnel_confidential`), who
//! alone change the register. The services are `zx_app::managers`'.

pub mod api;
pub mod pages;

use axum::Router;
use axum::routing::{get, post};
use chrono::NaiveDate;
use zx_api::{ManagerTermInput, OutcomeJson, TermYearJson};
use zx_domain::managers::{ManagerTerm, Outcome, OutcomeKind, Rating, TermYear};
use zx_domain::{EntityCode, EntityId, Month};
use zx_store::{ManagerTermRow, NewManagerTerm};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// The routes of this resource, merged into the route table.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/managers", get(pages::register))
        .route("/managers.xlsx", get(pages::export))
        .route("/managers/import", post(pages::import))
        .route("/managers/terms", post(pages::create))
        .route("/managers/terms/{id}/outcome", post(pages::record_outcome))
        .route("/managers/terms/{id}/year", post(pages::record_year))
        .route("/managers/person/{person}", get(pages::person))
        .route("/managers/proposal", post(pages::take_proposal))
        .route("/api/v1/managers", get(api::register).post(api::save))
        .route(
            "/api/v1/managers/proposal",
            get(api::proposal).post(api::take_proposal),
        )
}

fn invalid(en: impl Into<String>, zh: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, en).zh(zh)
}

/// The terms of `root`'s subtree the caller may read, ratings and pay removed unless it may see
/// them.
pub async fn terms_under(
    state: &AppState,
    user: &CurrentUser,
    snapshot: &zx_app::Snapshot,
    root: EntityId,
) -> ApiResult<Vec<ManagerTerm>> {
    let tree = snapshot.engine.tree();
    Ok(
        zx_app::managers::visible_terms(&*state.store, tree, &user.access)
            .await?
            .into_iter()
            .filter(|t| {
                tree.id(&t.entity)
                    .is_some_and(|id| tree.is_within(id, root))
            })
            .collect(),
    )
}

pub(crate) fn parse_date(text: &str, field: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        invalid(
            format!("{field}: \"{text}\" is not a date YYYY-MM-DD"),
            format!("{field}：“{text}”不是 YYYY-MM-DD 格式的日期"),
        )
    })
}

fn optional_date(text: Option<&str>, field: &str) -> ApiResult<Option<NaiveDate>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => parse_date(t, field).map(Some),
    }
}

pub(crate) fn parse_month(text: &str) -> ApiResult<Month> {
    Month::parse(text.trim()).map_err(|_| {
        invalid(
            format!("month: \"{text}\" is not a month YYYY-MM"),
            format!("月份“{text}”不是 YYYY-MM 格式"),
        )
    })
}

pub(crate) fn parse_rating(text: &str) -> ApiResult<Option<Rating>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    Rating::parse(text).map(Some).ok_or_else(|| {
        invalid(
            format!(
                "rating: \"{text}\" is not excellent, competent, basically_competent or incompetent"
            ),
            format!("考核结果“{text}”应为优秀、称职、基本称职或不称职"),
        )
    })
}

pub(crate) fn parse_pay(text: &str) -> ApiResult<Option<zx_domain::Decimal>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.trim()
        .parse::<zx_domain::Decimal>()
        .ok()
        .filter(|d| !d.is_sign_negative())
        .map(Some)
        .ok_or_else(|| {
            invalid(
                format!("pay: \"{text}\" is not an amount of yuan"),
                format!("年薪“{text}”不是金额（元）"),
            )
        })
}

pub(crate) fn year_of(y: &TermYearJson) -> ApiResult<TermYear> {
    Ok(TermYear {
        year: y.year,
        target: y.target.clone(),
        result: y.result.clone(),
        rating: parse_rating(y.rating.as_deref().unwrap_or(""))?,
        pay: parse_pay(y.pay.as_deref().unwrap_or(""))?,
    })
}

pub(crate) fn outcome_of(o: &OutcomeJson) -> ApiResult<Outcome> {
    Ok(Outcome {
        kind: OutcomeKind::parse(&o.kind).ok_or_else(|| {
            invalid(
                format!(
                    "outcome: \"{}\" is not kept, promoted, demoted or exited",
                    o.kind
                ),
                format!("任期结果“{}”应为留任、晋升、降职或退出", o.kind),
            )
        })?,
        date: parse_date(&o.date, "outcome.date")?,
        reason: o.reason.trim().to_owned(),
        for_performance: o.for_performance,
    })
}

/// The row a JSON term makes; the entity must be one the caller may read.
pub(crate) fn row_of(
    snapshot: &zx_app::Snapshot,
    user: &CurrentUser,
    input: &ManagerTermInput,
) -> ApiResult<ManagerTermRow> {
    let id = crate::scope::entity_in_scope(snapshot, user, &input.entity)?;
    let entity: EntityCode = snapshot.engine.tree().entity(id).code.clone();
    Ok(ManagerTermRow {
        id: input.id,
        term: NewManagerTerm {
            person_id: input.person_id.clone(),
            person_name: input.person_name.clone(),
            entity,
            position: input.position.clone(),
            start: parse_date(&input.start, "start")?,
            end: parse_date(&input.end, "end")?,
            contract_signed: optional_date(input.contract_signed.as_deref(), "contract_signed")?,
            term_target: input.term_target.clone(),
            term_result: input.term_result.clone(),
            outcome: input.outcome.as_ref().map(outcome_of).transpose()?,
            years: input.years.iter().map(year_of).collect::<ApiResult<_>>()?,
        },
    })
}

/// A stored term as a row to correct (its fields as they are; no years: those given are set).
pub(crate) fn row_from_stored(t: &ManagerTerm) -> ManagerTermRow {
    ManagerTermRow {
        id: Some(t.id),
        term: NewManagerTerm {
            person_id: t.person_id.clone(),
            person_name: t.person_name.clone(),
            entity: t.entity.clone(),
            position: t.position.clone(),
            start: t.start,
            end: t.end,
            contract_signed: t.contract_signed,
            term_target: t.term_target.clone(),
            term_result: t.term_result.clone(),
            outcome: t.outcome.clone(),
            years: Vec::new(),
        },
    }
}

/// A term the caller may read, by id (full, for a keeper's correction); `not_found` otherwise.
pub(crate) async fn stored_term(
    state: &AppState,
    user: &CurrentUser,
    snapshot: &zx_app::Snapshot,
    id: i64,
) -> ApiResult<ManagerTerm> {
    let tree = snapshot.engine.tree();
    state
        .store
        .manager_terms()
        .await?
        .into_iter()
        .find(|t| {
            t.id == id
                && tree
                    .id(&t.entity)
                    .is_some_and(|e| user.access.can_read(tree, e))
        })
        .ok_or_else(|| {
            ApiError::new(ErrorCode::NotFound, format!("no manager term {id}"))
                .zh(format!("没有任期 {id}"))
        })
}

/// The register's counts for `entity` (in the caller's scope) and `month` against the month's
/// data; `None` when the entity keeps no register. Counting needs no confidential field, so
/// it reads the whole register.
pub(crate) async fn proposal(
    state: &AppState,
    snapshot: &zx_app::Snapshot,
    entity: EntityId,
    month: Month,
) -> ApiResult<
    Option<(
        zx_domain::managers::RegisterCounts,
        Vec<zx_domain::managers::RegisterCheck>,
    )>,
> {
    let terms = state.store.manager_terms().await?;
    let code = snapshot.engine.tree().entity(entity).code.clone();
    let ledger = snapshot.engine.ledger();
    Ok(zx_app::managers::month_checks(
        &terms,
        &code,
        month,
        |item| {
            state
                .catalogue
                .item_index(item)
                .and_then(|i| ledger.get(entity, i, month))
        },
    ))
}

/// Takes the register's counts into the month's data as the caller submitting them; returns
/// the submission's id, or the refusal's lines.
pub(crate) async fn take(
    state: &AppState,
    user: &CurrentUser,
    entity: &str,
    month: &str,
) -> ApiResult<i64> {
    let month = parse_month(month)?;
    let snapshot = state.snapshot().await?;
    let id = crate::scope::entity_in_scope(&snapshot, user, entity)?;
    let tree = snapshot.engine.tree();
    let code = tree.entity(id).code.clone();
    let actor = zx_app::collect::Actor {
        name: &user.user.name,
        access: &user.access,
    };
    let upload = zx_app::managers::take_proposal(
        &*state.store,
        &state.catalogue,
        tree,
        actor,
        &code,
        month,
        state.now(),
    )
    .await?;
    match upload {
        zx_app::collect::Upload::Submitted(imported) => Ok(imported
            .files
            .first()
            .map_or(0, |f| f.receipt.submission_id)),
        zx_app::collect::Upload::Rejected { errors, .. } => {
            let lines = crate::views::issue_lines(&errors, user.lang).join("; ");
            Err(ApiError::new(ErrorCode::InvalidFile, lines.clone()).zh(lines))
        }
        zx_app::collect::Upload::Checked { .. } => Err(ApiError::new(
            ErrorCode::Internal,
            "the proposal was checked, not submitted",
        )),
    }
}
