//! The caller, as the API sees it.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::ApiUser;
use crate::error::ErrorBody;

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeJson {
    pub name: String,
    pub role: &'static str,
    pub entity: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = MeJson), (status = 401, body = ErrorBody)))]
pub async fn me(ApiUser(user): ApiUser) -> Json<MeJson> {
    Json(MeJson {
        name: user.user.name.clone(),
        role: user.user.role.as_str(),
        entity: user.user.entity.as_ref().map(|e| e.to_string()),
    })
}
