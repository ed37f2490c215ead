//! The audit log (HQ only), shared by the page and the API.

pub mod api;
pub mod pages;

use serde::Deserialize;
use utoipa::IntoParams;
use zx_store::{AuditEntry, AuditFilter};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    pub user: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
    pub limit: Option<usize>,
}

/// The newest audit lines matching the filter (200 unless a limit is given, at most 5,000).
pub async fn audit_entries(
    state: &AppState,
    user: &CurrentUser,
    query: AuditQuery,
) -> ApiResult<Vec<AuditEntry>> {
    if !user.access.is_hq() {
        return Err(
            ApiError::new(ErrorCode::Forbidden, "the audit log is for HQ roles")
                .zh("审计日志仅供总部查看"),
        );
    }
    let mut entries = state
        .store
        .audit_log(&AuditFilter {
            user: query.user.filter(|s| !s.is_empty()),
            action: query.action.filter(|s| !s.is_empty()),
            object: query.object.filter(|s| !s.is_empty()),
            limit: Some(query.limit.unwrap_or(200).min(5000)),
        })
        .await?;
    // Managers' ratings and pay stay with admin and HQ HR, in the log too.
    if !user.access.sees_personnel_confidential() {
        entries
            .iter_mut()
            .for_each(zx_store::mask_confidential_audit);
    }
    Ok(entries)
}
