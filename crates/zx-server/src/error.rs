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
    /// The route exists, but not with this HTTP method.
    MethodNotAllowed,
    /// The request body is larger than the route accepts.
    PayloadTooLarge,
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
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::PayloadTooLarge => "payload_too_large",
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
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Every code, for the documentation.
    pub const ALL: [ErrorCode; 17] = [
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
        ErrorCode::MethodNotAllowed,
        ErrorCode::PayloadTooLarge,
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

impl ErrorCode {
    /// What went wrong, in a few words of the reader's language: the page's fallback when a
    /// message has no Chinese text (a store's or a library's English detail).
    pub fn title(self, lang: zx_domain::Lang) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => lang.pick("请先登录", "please sign in"),
            ErrorCode::Forbidden => lang.pick("无权执行此操作", "not allowed"),
            ErrorCode::InvalidCsrf => lang.pick("表单已过期，请刷新后重试", "the form is stale"),
            ErrorCode::TooManyAttempts => lang.pick("尝试次数过多", "too many attempts"),
            ErrorCode::InvalidCredentials => {
                lang.pick("用户名或密码错误", "wrong user name or password")
            }
            ErrorCode::EntityNotFound => lang.pick("没有这个单位", "no such unit"),
            ErrorCode::IndicatorNotFound => lang.pick("没有这个指标", "no such indicator"),
            ErrorCode::NotFound => lang.pick("没有找到", "not found"),
            ErrorCode::InvalidParameter => lang.pick("输入有误", "invalid input"),
            ErrorCode::InvalidFile => lang.pick("文件有误", "invalid file"),
            ErrorCode::PeriodLocked => lang.pick("该月已锁定", "the month is locked"),
            ErrorCode::TargetNeedsConfirmation => {
                lang.pick("目标值需要确认", "the target needs confirming")
            }
            ErrorCode::UnitsNotSubmitted => {
                lang.pick("有单位尚未报送", "some units have not submitted")
            }
            ErrorCode::Conflict => {
                lang.pick("已被他人修改，请刷新后重试", "changed by someone else")
            }
            ErrorCode::MethodNotAllowed => lang.pick("不支持该请求方法", "method not allowed"),
            ErrorCode::PayloadTooLarge => lang.pick("请求内容过大", "request too large"),
            ErrorCode::Internal => lang.pick("服务器内部错误，请查看服务器日志", "internal error"),
        }
    }
}

/// An error a handler returns.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    /// The JSON message (English, or the language the handler chose).
    pub message: String,
    /// The same message in Chinese, for pages shown in Chinese.
    pub message_zh: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            message_zh: None,
        }
    }

    /// The message in Chinese too.
    pub fn zh(mut self, message_zh: impl Into<String>) -> Self {
        self.message_zh = Some(message_zh.into());
        self
    }

    /// The message for a page in `lang`. In Chinese: the Chinese message, or a message the
    /// handler already wrote in Chinese (`lang.pick`); a detail that exists only in English (a
    /// store's or a library's validation) follows the code's Chinese title rather than being
    /// lost, until it has a Chinese text of its own.
    pub fn text_for(&self, lang: zx_domain::Lang) -> String {
        match lang {
            zx_domain::Lang::En => self.message.clone(),
            zx_domain::Lang::Zh => match &self.message_zh {
                Some(zh) => zh.clone(),
                None if has_chinese(&self.message) => self.message.clone(),
                None => format!("{}：{}", self.code.title(lang), self.message),
            },
        }
    }

    /// The untranslated detail a Chinese page shows for experts beside the title, when the
    /// message has no Chinese text; `None` otherwise.
    pub fn detail_for(&self, lang: zx_domain::Lang) -> Option<String> {
        (lang == zx_domain::Lang::Zh && self.message_zh.is_none() && !has_chinese(&self.message))
            .then(|| self.message.clone())
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(ErrorCode::Internal, "internal error; see the server log")
    }
}

fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(message) => ApiError::new(ErrorCode::Conflict, message),
            StoreError::Invalid(message) => ApiError::new(ErrorCode::InvalidParameter, message),
            refused @ StoreError::AlarmNotActive { .. } => {
                ApiError::new(ErrorCode::Conflict, refused.to_string())
            }
            StoreError::Locked { entity, month } => {
                let en = StoreError::Locked {
                    entity: entity.clone(),
                    month: month.clone(),
                }
                .to_string();
                ApiError::new(ErrorCode::PeriodLocked, en)
                    .zh(format!("{entity} 的 {month} 已锁定，不能修改"))
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
            zx_app::AppError::Refused(refusal) => {
                ApiError::new(ErrorCode::Forbidden, refusal.message(zx_domain::Lang::En))
                    .zh(refusal.message(zx_domain::Lang::Zh))
            }
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

/// The code of an error status a handler did not produce itself (axum's own rejections: a
/// malformed JSON body or query, an unknown route, a wrong method, a body over the limit), so
/// that every `/api/` error is the JSON error body.
pub fn code_for_status(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthenticated,
        StatusCode::FORBIDDEN => ErrorCode::Forbidden,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::CONFLICT => ErrorCode::Conflict,
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::TooManyAttempts,
        status if status.is_client_error() => ErrorCode::InvalidParameter,
        _ => ErrorCode::Internal,
    }
}
