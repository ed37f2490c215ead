//! Each register as a workbook in its import layout (`/safety/registers/{kind}.xlsx`).

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::{register_named, register_workbook, scoped};
use crate::auth::PageUser;
use crate::error::{ApiError, ApiResult};
use crate::layout::{error_page, xlsx_download};
use crate::routes::drills::DrillsQuery;
use crate::state::AppState;

pub async fn export(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(kind): Path<String>,
    Query(q): Query<DrillsQuery>,
) -> Response {
    let result: ApiResult<_> = async {
        let register = register_named(&kind, &user)?;
        let s = scoped(&state, &user, q.entity.as_deref(), q.as_of.as_deref()).await?;
        let bytes = register_workbook(register, &s.records).map_err(ApiError::internal)?;
        Ok((format!("{}-{}.xlsx", register.code(), s.entity), bytes))
    }
    .await;
    match result {
        Ok((name, bytes)) => xlsx_download(&name, bytes),
        Err(error) => error_page(Some(&user), user.lang, error),
    }
}
