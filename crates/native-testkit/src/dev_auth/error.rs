//! Errors in Supabase Auth's (GoTrue's) wire shape: the HTTP status, and a body
//! `{code: <status>, error_code, msg}` (plus `weak_password.reasons` for weak
//! passwords). Clients branch on `error_code`, so every failure here names one
//! of GoTrue's codes. Also the JSON body extractor that turns malformed JSON
//! into GoTrue's `bad_json` 400 instead of axum's plain-text rejection.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::json;

/// A GoTrue-shaped error response.
#[derive(Debug)]
pub(crate) struct AuthError {
    status: StatusCode,
    error_code: &'static str,
    msg: String,
    weak_password_reasons: Option<Vec<&'static str>>,
}

pub(crate) type AuthResult<T> = Result<T, AuthError>;

impl AuthError {
    pub(crate) fn new(
        status: StatusCode,
        error_code: &'static str,
        msg: impl Into<String>,
    ) -> Self {
        Self {
            status,
            error_code,
            msg: msg.into(),
            weak_password_reasons: None,
        }
    }

    pub(crate) fn bad_request(error_code: &'static str, msg: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error_code, msg)
    }

    pub(crate) fn unprocessable(error_code: &'static str, msg: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, error_code, msg)
    }

    pub(crate) fn forbidden(error_code: &'static str, msg: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, error_code, msg)
    }

    /// GoTrue's 422 for passwords that fail the strength rules; the reasons
    /// let a client say what is wrong without parsing `msg`.
    pub(crate) fn weak_password(msg: impl Into<String>, reasons: Vec<&'static str>) -> Self {
        Self {
            weak_password_reasons: Some(reasons),
            ..Self::unprocessable("weak_password", msg)
        }
    }

    pub(crate) fn validation(msg: impl Into<String>) -> Self {
        Self::bad_request("validation_failed", msg)
    }

    pub(crate) fn invalid_credentials() -> Self {
        Self::bad_request("invalid_credentials", "Invalid login credentials")
    }

    pub(crate) fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "over_request_rate_limit",
            "Request rate limit reached",
        )
    }

    pub(crate) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not Found")
    }

    /// An unexpected failure (a database error, a failed hash). The cause is
    /// logged, not answered, as GoTrue does.
    pub(crate) fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "dev auth: unexpected failure");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "unexpected_failure",
            "Internal Server Error",
        )
    }

    #[cfg(test)]
    pub(crate) fn error_code(&self) -> &'static str {
        self.error_code
    }
}

impl From<sqlx::Error> for AuthError {
    fn from(err: sqlx::Error) -> Self {
        // sqlx's messages carry the SQL error, never bound values, so no
        // password hash or token ends up in the log.
        Self::internal(err)
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "code": self.status.as_u16(),
            "error_code": self.error_code,
            "msg": self.msg,
        });
        if let Some(reasons) = self.weak_password_reasons {
            body["weak_password"] = json!({ "reasons": reasons });
        }
        (self.status, Json(body)).into_response()
    }
}

/// A JSON request body. Unlike `axum::Json` it ignores the content type (as
/// GoTrue does) and answers malformed JSON with GoTrue's `bad_json` 400.
#[derive(Debug)]
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = AuthError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|err| AuthError::bad_json(err.body_text()))?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// Parses a JSON body, mapping failures to GoTrue's `bad_json`.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> AuthResult<T> {
    serde_json::from_slice(bytes).map_err(|err| AuthError::bad_json(err.to_string()))
}

impl AuthError {
    fn bad_json(detail: impl std::fmt::Display) -> Self {
        Self::bad_request(
            "bad_json",
            format!("Could not parse request body as JSON: {detail}"),
        )
    }
}
