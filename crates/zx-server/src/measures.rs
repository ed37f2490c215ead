//! The action list (清单) page: measures of a subtree with filters, overdue flags, and the
//! roll-up of counts and completion per unit below.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use zx_domain::measures::{china_date, summarise};
use zx_domain::{Lang, Measure, MeasureStatus, format};

use crate::auth::PageUser;
use crate::error::{ApiError, ErrorCode};
use crate::pages::{Me, error_page, here};
use crate::state::AppState;

/// One measure on the page.
pub struct MeasureRow {
    pub id: i64,
    pub entity: String,
    pub entity_name: String,
    pub title: String,
    pub indicator: String,
    pub owner: String,
    /// `YYYY-MM-DD`, empty when the measure has no start date.
    pub start: String,
    pub due: String,
    pub status: String,
    pub progress: u8,
    pub overdue: bool,
    /// `YYYY-MM-DD comment` of the newest update with a comment; empty when none.
    pub latest_update: String,
}

/// Counts of one unit below (its whole subtree).
pub struct RollupRow {
    pub code: String,
    pub name: String,
    pub total: usize,
    pub done: usize,
    pub overdue: usize,
    pub completion: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "measures.html")]
struct MeasuresPage {
    lang: Lang,
    me: Option<Me>,
    here: String,
    entity: String,
    entity_name: String,
    as_of: String,
    rows: Vec<MeasureRow>,
    rollup: Vec<RollupRow>,
    total: usize,
    done: usize,
    overdue: usize,
    completion: String,
    filter_owner: String,
    filter_status: String,
    filter_indicator: String,
    filter_due_within: String,
    filter_overdue: bool,
    filter_year: String,
}

#[derive(Deserialize)]
pub struct MeasuresQuery {
    entity: Option<String>,
    as_of: Option<String>,
    owner: Option<String>,
    status: Option<String>,
    indicator: Option<String>,
    /// Text, not a number: the filter form sends `due_within=` when the field is left blank.
    due_within: Option<String>,
    overdue: Option<String>,
    /// The improvement plan's year: measures starting (or, without a start, due) that year.
    year: Option<String>,
}

/// A whole-number filter field: blank is "no filter", anything else must be a number.
fn number_field<T: std::str::FromStr>(
    field: &str,
    text: Option<&str>,
) -> Result<Option<T>, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("{field}: \"{t}\" is not a whole number"),
            )
        }),
    }
}

/// The list the page (and its Excel export) shows.
struct Listing {
    entity: String,
    entity_name: String,
    as_of: NaiveDate,
    rows: Vec<MeasureRow>,
    rollup: Vec<RollupRow>,
    summary: zx_domain::measures::Summary,
}

async fn listing(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    q: &MeasuresQuery,
) -> Result<Listing, ApiError> {
    let lang = user.lang;
    {
        let snapshot = state.snapshot().await?;
        let tree = snapshot.engine.tree();
        let root = match q.entity.as_deref().filter(|e| !e.is_empty()) {
            Some(code) => crate::api::entity_in_scope(&snapshot, user, code)?,
            None => user
                .access
                .home(tree)
                .ok_or_else(|| ApiError::new(ErrorCode::Forbidden, "no entity"))?,
        };
        let as_of = match q.as_of.as_deref().filter(|d| !d.is_empty()) {
            Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidParameter,
                    format!("as_of: \"{text}\" is not YYYY-MM-DD"),
                )
            })?,
            None => china_date(chrono::Utc::now()),
        };
        let due_within: Option<i64> = number_field("due_within", q.due_within.as_deref())?;
        let year: Option<i32> = number_field("year", q.year.as_deref())?;
        let all = state.store.measures().await?;
        let in_subtree = |m: &Measure, under: zx_domain::EntityId| {
            tree.id(&m.entity)
                .is_some_and(|id| tree.is_within(id, under) && user.access.can_read(tree, id))
        };
        let status = q.status.as_deref().and_then(MeasureStatus::parse);
        let overdue_only = q
            .overdue
            .as_deref()
            .is_some_and(|v| v == "1" || v == "on" || v == "true");
        let filtered: Vec<&Measure> = all
            .iter()
            .filter(|m| in_subtree(m, root))
            .filter(|m| {
                q.owner
                    .as_deref()
                    .filter(|o| !o.is_empty())
                    .is_none_or(|o| m.owner == o)
            })
            .filter(|m| status.is_none_or(|s| m.status == s))
            .filter(|m| {
                q.indicator
                    .as_deref()
                    .filter(|i| !i.is_empty())
                    .is_none_or(|i| m.indicator.as_deref() == Some(i))
            })
            .filter(|m| {
                due_within
                    .is_none_or(|days| m.status.is_open() && (m.due - as_of).num_days() <= days)
            })
            .filter(|m| !overdue_only || m.is_overdue(as_of))
            .filter(|m| year.is_none_or(|y| m.plan_year() == y))
            .collect();
        let summary = summarise(filtered.iter().copied(), as_of);
        // Newest commented update per measure (updates come oldest first).
        let mut latest: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
        for u in state.store.measure_updates(None).await? {
            if !u.comment.is_empty() {
                latest.insert(u.measure, format!("{} {}", china_date(u.at), u.comment));
            }
        }
        let catalogue = snapshot.engine.catalogue();
        let rows = filtered
            .iter()
            .map(|m| MeasureRow {
                id: m.id,
                entity: m.entity.to_string(),
                entity_name: tree
                    .id(&m.entity)
                    .map_or(String::new(), |id| tree.entity(id).name.clone()),
                title: m.title.clone(),
                indicator: m
                    .indicator
                    .as_deref()
                    .and_then(|i| catalogue.indicator_index(i))
                    .map_or(String::new(), |i| {
                        lang.pick(
                            &catalogue.indicator(i).name_zh,
                            &catalogue.indicator(i).name_en,
                        )
                        .to_owned()
                    }),
                owner: m.owner.clone(),
                start: m.start.map(|d| d.to_string()).unwrap_or_default(),
                due: m.due.to_string(),
                status: lang.pick(m.status.name_zh(), m.status.as_str()).to_owned(),
                progress: m.progress,
                overdue: m.is_overdue(as_of),
                latest_update: latest.remove(&m.id).unwrap_or_default(),
            })
            .collect();
        let rollup = tree
            .children(root)
            .iter()
            .filter(|&&c| user.access.can_read(tree, c))
            .map(|&c| {
                let s = summarise(filtered.iter().copied().filter(|m| in_subtree(m, c)), as_of);
                RollupRow {
                    code: tree.entity(c).code.to_string(),
                    name: tree.entity(c).name.clone(),
                    total: s.total,
                    done: s.done,
                    overdue: s.overdue,
                    completion: s.completion_rate.map_or("—".to_owned(), format::percent),
                }
            })
            .filter(|r| r.total > 0)
            .collect();
        let entity = tree.entity(root);
        Ok(Listing {
            entity: entity.code.to_string(),
            entity_name: entity.name.clone(),
            as_of,
            rows,
            rollup,
            summary,
        })
    }
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(q): Query<MeasuresQuery>,
) -> Response {
    let lang = user.lang;
    let result = listing(&state, &user, &q).await.map(|l| {
        (
            (l.entity, l.entity_name),
            l.as_of,
            l.rows,
            l.rollup,
            l.summary,
        )
    });
    match result {
        Ok(((entity, entity_name), as_of, rows, rollup, summary)) => MeasuresPage {
            lang,
            me: Me::of(&user),
            here: here(&uri),
            entity,
            entity_name,
            as_of: as_of.to_string(),
            rows,
            rollup,
            total: summary.total,
            done: summary.done,
            overdue: summary.overdue,
            completion: summary
                .completion_rate
                .map_or("—".to_owned(), format::percent),
            filter_owner: q.owner.unwrap_or_default(),
            filter_status: q.status.unwrap_or_default(),
            filter_indicator: q.indicator.unwrap_or_default(),
            filter_due_within: q.due_within.unwrap_or_default(),
            filter_overdue: q.overdue.is_some(),
            filter_year: q.year.unwrap_or_default(),
        }
        .into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

/// The same list as an Excel workbook.
pub async fn export(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<MeasuresQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let l = listing(&state, &user, &q).await?;
        let title = format!(
            "{} {} {} {}",
            l.entity_name,
            lang.pick("措施清单", "measures"),
            lang.pick("截至", "as of"),
            l.as_of
        );
        let bytes =
            crate::export::measures_workbook(&l.rows, &title, lang).map_err(ApiError::internal)?;
        Ok::<_, ApiError>((format!("measures-{}-{}.xlsx", l.entity, l.as_of), bytes))
    }
    .await;
    match result {
        Ok((name, bytes)) => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    axum::http::HeaderValue::from_static(
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                        .unwrap_or(axum::http::HeaderValue::from_static("attachment")),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => error_page(Some(&user), lang, error),
    }
}
