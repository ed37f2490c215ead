//! The action list page and its Excel export.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use zx_domain::{Lang, format};

use super::{MeasureFilter, MeasureRow, RollupRow, listing, measures_workbook};
use crate::auth::PageUser;
use crate::error::ApiError;
use crate::layout::{Me, error_page, here, xlsx_download};
use crate::state::AppState;

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

pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    uri: axum::http::Uri,
    Query(q): Query<MeasureFilter>,
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
    Query(q): Query<MeasureFilter>,
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
        let bytes = measures_workbook(&l.rows, &title, lang).map_err(ApiError::internal)?;
        Ok::<_, ApiError>((format!("measures-{}-{}.xlsx", l.entity, l.as_of), bytes))
    }
    .await;
    match result {
        Ok((name, bytes)) => xlsx_download(&name, bytes),
        Err(error) => error_page(Some(&user), lang, error),
    }
}
