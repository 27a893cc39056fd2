//! The server's one error type and its `{code, message}` JSON body.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Every way a request can fail, each with a stable `code` that clients
/// branch on. Internal details are logged, never sent.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the database is unavailable")]
    DatabaseUnavailable(#[source] sqlx::Error),
    #[error("the request is invalid: {0}")]
    BadRequest(String),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::DatabaseUnavailable(_) => "database_unavailable",
            Self::BadRequest(_) => "bad_request",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::DatabaseUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::DatabaseUnavailable(source) = &self {
            tracing::error!(error = %source, "database unavailable");
        }
        let body = serde_json::json!({ "code": self.code(), "message": self.to_string() });
        (self.status(), Json(body)).into_response()
    }
}
