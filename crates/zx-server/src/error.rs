//! Errors as a product surface: one table of stable codes, each with an HTTP status and a kind.
//! JSON errors are `{"code": "...", "message": "..."}`; pages show the same message.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use zx_store::StoreError;

/// Every error the API can answer, with its stable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// No valid session or token.
    Unauthenticated,
    /// Signed in, but the entity or action is outside the user's rights.
    Forbidden,
    /// A form without the session's CSRF token.
    InvalidCsrf,
    /// Too many failed logins.
    TooManyAttempts,
    /// Wrong user name or password.
    InvalidCredentials,
    /// Unknown entity code.
    EntityNotFound,
    /// Unknown indicator id.
    IndicatorNotFound,
    /// No measure, visit or attachment with that id (or not one the user may see).
    NotFound,
    /// A query or form field is malformed.
    InvalidParameter,
    /// An uploaded file has validation errors.
    InvalidFile,
    /// The month is locked.
    PeriodLocked,
    /// A lock over units that have not submitted the month: confirm with `force`.
    UnitsNotSubmitted,
    /// Someone else changed it first.
    Conflict,
    /// A target 10 times or more away from last year's actual: a unit slip? Nothing saved;
    /// send it again confirmed.
    TargetNeedsConfirmation,
    /// Our fault.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::InvalidCsrf => "invalid_csrf_token",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::EntityNotFound => "entity_not_found",
            ErrorCode::IndicatorNotFound => "indicator_not_found",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidParameter => "invalid_parameter",
            ErrorCode::InvalidFile => "invalid_file",
            ErrorCode::PeriodLocked => "period_locked",
            ErrorCode::UnitsNotSubmitted => "units_not_submitted",
            ErrorCode::Conflict => "conflict",
            ErrorCode::TargetNeedsConfirmation => "target_needs_confirmation",
            ErrorCode::Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden | ErrorCode::InvalidCsrf => StatusCode::FORBIDDEN,
            ErrorCode::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::EntityNotFound | ErrorCode::IndicatorNotFound | ErrorCode::NotFound => {
                StatusCode::NOT_FOUND
            }
            ErrorCode::InvalidParameter | ErrorCode::InvalidFile => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ErrorCode::PeriodLocked
            | ErrorCode::UnitsNotSubmitted
            | ErrorCode::Conflict
            | ErrorCode::TargetNeedsConfirmation => StatusCode::CONFLICT,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Every code, for the documentation.
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::InvalidCsrf,
        ErrorCode::TooManyAttempts,
        ErrorCode::InvalidCredentials,
        ErrorCode::EntityNotFound,
        ErrorCode::IndicatorNotFound,
        ErrorCode::NotFound,
        ErrorCode::InvalidParameter,
        ErrorCode::InvalidFile,
        ErrorCode::PeriodLocked,
        ErrorCode::UnitsNotSubmitted,
        ErrorCode::Conflict,
        ErrorCode::TargetNeedsConfirmation,
        ErrorCode::Internal,
    ];
}

/// The JSON body of every error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable snake_case name (see the error table in docs/api.md).
    pub code: &'static str,
    pub message: String,
}

/// An error a handler returns.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(ErrorCode::Internal, "internal error; see the server log")
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(message) => ApiError::new(ErrorCode::Conflict, message),
            StoreError::Invalid(message) => ApiError::new(ErrorCode::InvalidParameter, message),
            refused @ StoreError::AlarmNotActive { .. } => {
                ApiError::new(ErrorCode::Conflict, refused.to_string())
            }
            locked @ StoreError::Locked { .. } => {
                ApiError::new(ErrorCode::PeriodLocked, locked.to_string())
            }
            other => ApiError::internal(other),
        }
    }
}

/// A service's error: the store's as above, anything else (an inconsistent group tree…) is ours.
impl From<zx_app::AppError> for ApiError {
    fn from(error: zx_app::AppError) -> Self {
        match error {
            zx_app::AppError::Store(store) => store.into(),
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code.as_str(),
            message: self.message,
        };
        (self.code.status(), Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
