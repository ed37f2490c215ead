//! The handlers, one directory per resource: `pages.rs` renders HTML, `api.rs` answers JSON
//! under `/api/v1`, and the directory's `mod.rs` holds the service functions both call (a page
//! never calls an API handler). A resource's modules import what lies below them — its own
//! `mod.rs`, other resources' services, [`crate::scope`], [`crate::layout`], [`crate::auth`],
//! [`crate::state`] — never a page or API module of another resource.

pub mod audit;
pub mod benchmark;
pub mod cockpit;
pub mod collect;
pub mod drills;
pub mod environment;
pub mod followup;
pub mod forecast;
pub mod hazards;
pub mod managers;
pub mod measures;
pub mod notifications;
pub mod people;
pub mod practices;
pub mod registers;
pub mod reports;
pub mod risks;
pub mod rnd;
pub mod safety;
pub mod session;
pub mod stacks;
pub mod targets;
pub mod visits;
pub mod workforce;

use axum::Json;
use axum::extract::FromRequest;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// An upload form as a page posts it: its CSRF token, its one file (name and bytes) and its
/// other text fields.
#[derive(Debug, Default)]
pub struct UploadForm {
    pub csrf: Option<String>,
    pub file: Option<(String, Vec<u8>)>,
    pub fields: std::collections::BTreeMap<String, String>,
}

/// Reads a multipart upload form; `file` names the file when the browser sent no name. A body
/// that cannot be read is `invalid_file` with the reason.
pub async fn read_upload(
    multipart: &mut axum::extract::Multipart,
    default_name: &str,
) -> ApiResult<UploadForm> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(ErrorCode::InvalidFile, e.to_string())
    };
    let mut form = UploadForm::default();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or(default_name).to_owned();
                let bytes = field.bytes().await.map_err(bad)?;
                form.file = Some((file_name, bytes.to_vec()));
            }
            "csrf" => form.csrf = field.text().await.ok(),
            _ => {
                if let Ok(text) = field.text().await {
                    form.fields.insert(name, text);
                }
            }
        }
    }
    Ok(form)
}

/// A JSON request body from a caller who passed the CSRF check (cookie sessions send the token
/// as `x-csrf-token`; bearer tokens need none), with malformed JSON as `invalid_parameter`.
pub async fn json_body<T: serde::de::DeserializeOwned>(
    state: &AppState,
    user: &CurrentUser,
    request: axum::extract::Request,
) -> ApiResult<T> {
    // Who may write is decided before the body is read: a viewer's malformed body is 403, not 422.
    if user.access.role == zx_domain::Role::Viewer {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            user.lang
                .pick("查看者不能修改数据", "viewers cannot change anything"),
        ));
    }
    user.check_csrf(
        request
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok()),
    )?;
    let Json(input) = Json::<T>::from_request(request, state)
        .await
        .map_err(|e| ApiError::new(crate::error::code_for_status(e.status()), e.body_text()))?;
    Ok(input)
}

/// The id of what was created.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedJson {
    pub id: i64,
}
