//! The facade's one error type and its wire form for the UI.

use native_client::ClientError;
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
            Self::Client(ClientError::Http { status, .. }) => match status {
                401 | 403 => ErrorCode::Unauthorized,
                404 => ErrorCode::NotFound,
                429 => ErrorCode::RateLimited,
                400..=499 => ErrorCode::InvalidInput,
                _ => ErrorCode::Server,
            },
            Self::Client(ClientError::Decode(_)) => ErrorCode::Server,
            Self::Client(ClientError::Config(_)) => ErrorCode::NotConfigured,
        }
    }
}

impl From<AppError> for ErrorBody {
    fn from(err: AppError) -> Self {
        let code = err.code();
        // Server-side details stay in the log; the UI translates by code.
        let message = match &err {
            AppError::Client(ClientError::Http { .. } | ClientError::Decode(_)) => {
                tracing::warn!(error = %err, "backend call failed");
                "the server could not complete the request".to_owned()
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
}
