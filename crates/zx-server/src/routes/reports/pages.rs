//! `/report.pdf` and `/report.xlsx`: the cockpit's "download PDF" (and Excel) links.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::{ReportFormat, ReportQuery, download, make};
use crate::auth::PageUser;
use crate::layout::error_page;
use crate::scope::entity_or_home;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct ReportPageQuery {
    entity: Option<String>,
    period: Option<String>,
    basis: Option<String>,
    lang: Option<String>,
}

async fn file(
    state: AppState,
    user: crate::auth::CurrentUser,
    query: ReportPageQuery,
    format: ReportFormat,
) -> Response {
    let lang = user.lang;
    let result = async {
        let snapshot = state.snapshot().await?;
        let id = entity_or_home(
            &snapshot,
            &user,
            query.entity.as_deref(),
            lang.pick(
                "您的账号未绑定可查看的单位",
                "your account has no entity to show",
            ),
        )?;
        let request = ReportQuery {
            period: query.period,
            basis: query.basis,
            format: Some(format),
            lang: query.lang,
        };
        make(&state, &user, id, &request).await
    }
    .await;
    match result {
        Ok((name, format, bytes)) => download(&name, format, bytes),
        Err(error) => error_page(Some(&user), lang, error),
    }
}

pub async fn pdf(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<ReportPageQuery>,
) -> Response {
    file(state, user, query, ReportFormat::Pdf).await
}

pub async fn xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<ReportPageQuery>,
) -> Response {
    file(state, user, query, ReportFormat::Xlsx).await
}
