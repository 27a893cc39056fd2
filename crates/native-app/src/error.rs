//! The facade's one error type and its wire form for the UI.

use native_client::ClientError;
use native_core::CoreError;
use native_store::StoreError;
use serde::Serialize;

/// Everything that can go wrong in a facade call.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0} is not a valid http(s) URL")]
    InvalidConfig(&'static str),
    #[error("{0} is not configured")]
    NotConfigured(&'static str),
    #[error(transparent)]
    Client(#[from] ClientError),
    /// User input rejected before any request (an e-mail, a password). The
    /// message names the rule, never the input.
    #[error(transparent)]
    InvalidInput(#[from] CoreError),
    #[error("you are not signed in")]
    NotSignedIn,
    #[error("your session has expired; sign in again")]
    SessionExpired,
    #[error("the sign-in was cancelled")]
    Cancelled,
    #[error("the sign-in took too long and was stopped")]
    TimedOut,
    #[error("this is not a valid Native AI sign-in link")]
    BadLink,
    #[error("cannot listen for the browser's answer on this computer")]
    Loopback,
    #[error("could not open the web browser")]
    BrowserUnavailable,
    #[error("{0}")]
    Keychain(String),
    /// The local history cache failed. Its details (paths, SQL) go to the
    /// log only.
    #[error(transparent)]
    Store(#[from] native_store::StoreError),
    /// A file the user chose could not be read or written.
    #[error("the file could not be {0}")]
    File(&'static str),
    #[error("this file is not a Native AI history backup")]
    BadBackup,
    #[error("internal error: {0}")]
    Internal(&'static str),
    #[error("a reply is already being written in this conversation")]
    ReplyRunning,
    #[error("there is no question to answer again in this conversation")]
    NothingToRegenerate,
    #[error("this {0} no longer exists")]
    NotFound(&'static str),
    /// The file's own message names it and the rule it broke, never its
    /// contents (see `native_files::FileError`).
    #[error(transparent)]
    Attachment(#[from] native_files::FileError),
    #[error("“{0}” could not be read")]
    Unreadable(String),
    #[error("this file is not on this device; it was attached on another one")]
    NotOnDevice,
}

/// The closed set of error codes the UI branches on. Add one only when the
/// UI needs to behave differently for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Offline,
    Unauthorized,
    InvalidInput,
    NotFound,
    RateLimited,
    NotConfigured,
    Server,
    Internal,
    InvalidCredentials,
    EmailNotConfirmed,
    WeakPassword,
    EmailTaken,
    SessionExpired,
    Cancelled,
    TimedOut,
    /// The gateway refused: the user's quota for the period is spent.
    QuotaExceeded,
    /// The conversation is history too long to send (gateway 413).
    TooLong,
    /// Something of the same kind is still running (a reply).
    Busy,
    /// A file was refused (kind, size, count, damaged); the message says why.
    AttachmentRejected,
    /// An attachment's bytes are not on this device.
    NotOnDevice,
    /// The chosen model cannot read pictures.
    ModelNotVision,
}

/// An error as the UI receives it. `message` is safe to show: it never holds
/// a token, a key or a server's internal detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidConfig(_) | Self::NotConfigured(_) => ErrorCode::NotConfigured,
            Self::Client(ClientError::Offline(_)) => ErrorCode::Offline,
            Self::Client(ClientError::Http { status, code, .. }) => {
                http_code(*status, code.as_deref())
            }
            Self::Client(ClientError::Decode(_)) => ErrorCode::Server,
            Self::Client(ClientError::Config(_)) => ErrorCode::NotConfigured,
            Self::InvalidInput(CoreError::PasswordTooShort(_) | CoreError::PasswordTooLong(_)) => {
                ErrorCode::WeakPassword
            }
            Self::InvalidInput(_) | Self::BadLink => ErrorCode::InvalidInput,
            Self::NotSignedIn => ErrorCode::Unauthorized,
            Self::SessionExpired => ErrorCode::SessionExpired,
            Self::Cancelled => ErrorCode::Cancelled,
            Self::TimedOut => ErrorCode::TimedOut,
            Self::Loopback | Self::BrowserUnavailable | Self::Keychain(_) => ErrorCode::Internal,
            Self::Store(StoreError::UnknownConversation(_) | StoreError::Deleted(_)) => {
                ErrorCode::NotFound
            }
            Self::Store(StoreError::UnsupportedBackup(_)) | Self::BadBackup | Self::File(_) => {
                ErrorCode::InvalidInput
            }
            Self::Store(_) | Self::Internal(_) => ErrorCode::Internal,
            Self::ReplyRunning => ErrorCode::Busy,
            Self::NothingToRegenerate => ErrorCode::InvalidInput,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Attachment(_) | Self::Unreadable(_) => ErrorCode::AttachmentRejected,
            Self::NotOnDevice => ErrorCode::NotOnDevice,
        }
    }
}

/// A failed response's code: GoTrue's `error_code` first (the UI words each
/// of these differently), then the status.
fn http_code(status: u16, code: Option<&str>) -> ErrorCode {
    if status >= 500 {
        return ErrorCode::Server;
    }
    match code {
        Some("invalid_credentials") => ErrorCode::InvalidCredentials,
        Some("email_not_confirmed") => ErrorCode::EmailNotConfirmed,
        Some("weak_password") => ErrorCode::WeakPassword,
        Some("user_already_exists" | "email_exists") => ErrorCode::EmailTaken,
        Some("over_request_rate_limit" | "over_email_send_rate_limit") => ErrorCode::RateLimited,
        Some("quota_exceeded") => ErrorCode::QuotaExceeded,
        Some("model_not_vision") => ErrorCode::ModelNotVision,
        Some(
            "refresh_token_not_found"
            | "refresh_token_already_used"
            | "session_not_found"
            | "session_expired",
        ) => ErrorCode::SessionExpired,
        _ => match status {
            401 | 403 => ErrorCode::Unauthorized,
            402 => ErrorCode::QuotaExceeded,
            404 => ErrorCode::NotFound,
            413 => ErrorCode::TooLong,
            429 => ErrorCode::RateLimited,
            _ => ErrorCode::InvalidInput,
        },
    }
}

/// What the UI may show for a backend failure: a fixed sentence per code,
/// never the server's own text.
fn backend_message(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidCredentials => "the e-mail address or password is wrong",
        ErrorCode::EmailNotConfirmed => {
            "confirm your e-mail address first: follow the link we sent"
        }
        ErrorCode::WeakPassword => "this password is too weak; choose a longer one",
        ErrorCode::EmailTaken => "an account with this e-mail address already exists",
        ErrorCode::RateLimited => "too many attempts; wait a moment and try again",
        ErrorCode::SessionExpired => "your session has expired; sign in again",
        ErrorCode::QuotaExceeded => "you have used all your tokens for this period",
        ErrorCode::TooLong => "this conversation is too long to continue; start a new one",
        ErrorCode::ModelNotVision => {
            "this model cannot read pictures; choose another model or remove the pictures"
        }
        _ => "the server could not complete the request",
    }
}

/// What the UI may show for a cache failure: the store's own text names
/// files and SQL.
fn store_message(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::NotFound => "this conversation no longer exists",
        ErrorCode::InvalidInput => "this backup was made by a newer version of Native AI",
        _ => "the local history could not be read or written",
    }
}

impl From<AppError> for ErrorBody {
    fn from(err: AppError) -> Self {
        let code = err.code();
        // Server-side details stay in the log; the UI translates by code.
        let message = match &err {
            AppError::Client(ClientError::Http { .. } | ClientError::Decode(_)) => {
                tracing::warn!(error = %err, "backend call failed");
                backend_message(code).to_owned()
            }
            AppError::Store(store) => {
                tracing::warn!(error = %store, "the history cache failed");
                store_message(code).to_owned()
            }
            _ => err.to_string(),
        };
        Self { code, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_shape_is_pinned() {
        let body = ErrorBody::from(AppError::NotConfigured("NATIVE_API_URL"));
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"code": "not_configured", "message": "NATIVE_API_URL is not configured"})
        );
    }

    #[test]
    fn server_details_do_not_reach_the_ui() {
        let err = AppError::Client(ClientError::Http {
            status: 500,
            code: Some("XX000".into()),
            message: "relation secret_table at 10.0.0.3".into(),
        });
        let body = ErrorBody::from(err);
        assert_eq!(body.code, ErrorCode::Server);
        assert!(!body.message.contains("secret_table"));
    }

    fn gotrue(status: u16, code: &str) -> AppError {
        AppError::Client(ClientError::Http {
            status,
            code: Some(code.into()),
            message: "Invalid login credentials for ada@example.com".into(),
        })
    }

    #[test]
    fn gotrue_codes_map_to_the_closed_set() {
        for (status, code, expected) in [
            (400, "invalid_credentials", ErrorCode::InvalidCredentials),
            (400, "email_not_confirmed", ErrorCode::EmailNotConfirmed),
            (422, "weak_password", ErrorCode::WeakPassword),
            (422, "user_already_exists", ErrorCode::EmailTaken),
            (422, "email_exists", ErrorCode::EmailTaken),
            (429, "over_request_rate_limit", ErrorCode::RateLimited),
            (429, "over_email_send_rate_limit", ErrorCode::RateLimited),
            (400, "refresh_token_already_used", ErrorCode::SessionExpired),
            (400, "refresh_token_not_found", ErrorCode::SessionExpired),
            (403, "session_not_found", ErrorCode::SessionExpired),
            (403, "bad_jwt", ErrorCode::Unauthorized),
            (400, "validation_failed", ErrorCode::InvalidInput),
            (500, "invalid_credentials", ErrorCode::Server),
            (503, "unexpected_failure", ErrorCode::Server),
        ] {
            assert_eq!(gotrue(status, code).code(), expected, "{status} {code}");
        }
    }

    #[test]
    fn auth_messages_are_ours_not_the_servers() {
        let body = ErrorBody::from(gotrue(400, "invalid_credentials"));
        assert_eq!(body.code, ErrorCode::InvalidCredentials);
        assert!(
            !body.message.contains("ada@example.com"),
            "{}",
            body.message
        );
        let weak = ErrorBody::from(AppError::from(
            native_core::Password::parse("abc").unwrap_err(),
        ));
        assert_eq!(weak.code, ErrorCode::WeakPassword);
        assert!(!weak.message.contains("abc"));
        let email = ErrorBody::from(AppError::from(
            native_core::EmailAddress::parse("not-an-email").unwrap_err(),
        ));
        assert_eq!(email.code, ErrorCode::InvalidInput);
        assert!(!email.message.contains("not-an-email"));
        for (err, code) in [
            (AppError::SessionExpired, "session_expired"),
            (AppError::Cancelled, "cancelled"),
            (AppError::TimedOut, "timed_out"),
            (AppError::NotSignedIn, "unauthorized"),
        ] {
            assert_eq!(serde_json::to_value(err.code()).unwrap(), code);
        }
    }
}
