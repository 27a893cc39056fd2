//! The server's one error type and its `{code, message}` JSON body.

use axum::Json;
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;

/// The response header carrying what the user may still spend.
pub const QUOTA_REMAINING_HEADER: &str = "x-quota-remaining";

/// Every way a request can fail, each with a stable `code` that clients
/// branch on. Internal details are logged where they happen, never sent:
/// no variant holds a provider's body, a key or a SQL message.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the database is unavailable")]
    DatabaseUnavailable(#[source] sqlx::Error),
    #[error("the request is invalid: {0}")]
    BadRequest(String),
    #[error("the request is too large: {0}")]
    PayloadTooLarge(String),
    #[error("the access token is missing, expired or invalid")]
    Unauthorized,
    #[error("access tokens cannot be verified right now")]
    AuthUnavailable,
    #[error("this model is not available; GET /v1/models lists those that are")]
    ModelNotAllowed,
    #[error("the model {0} cannot read images; choose one of {1}, or remove the pictures")]
    ModelNotVision(String, String),
    #[error("the token quota is used up until the period ends or credits are added")]
    QuotaExceeded(QuotaRefusal),
    #[error("at most {0} replies may stream at once; wait for one to finish")]
    TooManyStreams(usize),
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("the model provider is busy; retry in {retry_after_secs} s")]
    ProviderRateLimited { retry_after_secs: u64 },
    #[error("the model provider failed to answer")]
    ProviderError,
    #[error("the model provider did not answer in time")]
    ProviderTimeout,
    /// A Stripe event whose signature is missing, wrong or too old; the
    /// reason says which, never what was expected.
    #[error("the Stripe signature is invalid: {0}")]
    InvalidSignature(&'static str),
    #[error("billing is not configured on this server")]
    BillingNotConfigured,
    #[error("no such endpoint")]
    NotFound,
    #[error("this endpoint does not accept this method")]
    MethodNotAllowed,
    #[error("internal error")]
    Internal,
}

/// Why a reservation was refused: the 402 body's fields beside `code` and
/// `message`, so the app can show the plan and when the allowance resets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaRefusal {
    pub plan: String,
    pub period_key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub period_ends_at: OffsetDateTime,
    pub remaining: i64,
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::DatabaseUnavailable(_) => "database_unavailable",
            Self::BadRequest(_) => "invalid_request",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::Unauthorized => "unauthorized",
            Self::AuthUnavailable => "auth_unavailable",
            Self::ModelNotAllowed => "model_not_allowed",
            Self::ModelNotVision(..) => "model_not_vision",
            Self::QuotaExceeded(_) => "quota_exceeded",
            Self::TooManyStreams(_) => "too_many_streams",
            Self::RateLimited { .. } => "rate_limited",
            Self::ProviderRateLimited { .. } => "provider_rate_limited",
            Self::ProviderError => "provider_error",
            Self::ProviderTimeout => "provider_timeout",
            Self::InvalidSignature(_) => "invalid_signature",
            Self::BillingNotConfigured => "billing_not_configured",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Internal => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::DatabaseUnavailable(_) | Self::AuthUnavailable | Self::BillingNotConfigured => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::BadRequest(_)
            | Self::ModelNotAllowed
            | Self::ModelNotVision(..)
            | Self::InvalidSignature(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::QuotaExceeded(_) => StatusCode::PAYMENT_REQUIRED,
            Self::TooManyStreams(_)
            | Self::RateLimited { .. }
            | Self::ProviderRateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::ProviderError | Self::ProviderTimeout => StatusCode::BAD_GATEWAY,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body: `{code, message}`, plus the quota fields on a 402.
    pub fn body(&self) -> serde_json::Value {
        let mut body = serde_json::json!({ "code": self.code(), "message": self.to_string() });
        if let (Self::QuotaExceeded(refusal), Some(fields)) = (self, body.as_object_mut())
            && let Ok(serde_json::Value::Object(extra)) = serde_json::to_value(refusal)
        {
            fields.extend(extra);
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::DatabaseUnavailable(source) = &self {
            tracing::error!(error = %source, "database unavailable");
        }
        let mut response = (self.status(), Json(self.body())).into_response();
        let headers = response.headers_mut();
        match &self {
            Self::Unauthorized => {
                headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::RateLimited { retry_after_secs }
            | Self::ProviderRateLimited { retry_after_secs } => {
                headers.insert(RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            Self::TooManyStreams(_) => {
                headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Self::QuotaExceeded(refusal) => {
                headers.insert(QUOTA_REMAINING_HEADER, HeaderValue::from(refusal.remaining));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_carries_the_quota_fields_beside_code_and_message() {
        let error = ApiError::QuotaExceeded(QuotaRefusal {
            plan: "free".into(),
            period_key: "2026-W48".into(),
            period_ends_at: time::macros::datetime!(2026-11-30 00:00 UTC),
            remaining: 12,
        });
        let body = error.body();
        assert_eq!(body["code"], "quota_exceeded");
        assert_eq!(body["plan"], "free");
        assert_eq!(body["period_key"], "2026-W48");
        assert_eq!(body["period_ends_at"], "2026-11-30T00:00:00Z");
        assert_eq!(body["remaining"], 12);
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::PAYMENT_REQUIRED);
        assert_eq!(response.headers()[QUOTA_REMAINING_HEADER], "12");
    }

    #[test]
    fn provider_failures_say_nothing_of_the_provider() {
        for error in [ApiError::ProviderError, ApiError::ProviderTimeout] {
            let message = error.to_string();
            assert!(!message.contains("http"), "{message}");
            assert_eq!(error.status(), StatusCode::BAD_GATEWAY);
        }
        let limited = ApiError::ProviderRateLimited {
            retry_after_secs: 7,
        }
        .into_response();
        assert_eq!(limited.headers()[RETRY_AFTER], "7");
    }
}
