//! A JSON body extractor whose rejections are `{code, message}` like every
//! other error: axum's own `Json` answers plain text, which clients could
//! not branch on.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// How much of a serde message a 400 quotes: enough to name the field.
const MAX_DETAIL_CHARS: usize = 200;

/// `ApiJson<T>`: the body as JSON into `T`, or a 400 `invalid_request` (a
/// 413 `payload_too_large` past the body limit).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::BadRequest(
                "the body must be JSON (content-type: application/json)".to_owned(),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge("the body is over the size limit".to_owned())
            } else {
                ApiError::BadRequest("the body could not be read".to_owned())
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|err| ApiError::BadRequest(describe(&err)))
    }
}

/// A serde error in words a client can act on. Data errors name the field
/// ("missing field `messages`"); syntax errors only say so.
fn describe(err: &serde_json::Error) -> String {
    match err.classify() {
        serde_json::error::Category::Data => {
            err.to_string().chars().take(MAX_DETAIL_CHARS).collect()
        }
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            "the body is not valid JSON".to_owned()
        }
        serde_json::error::Category::Io => "the body could not be read".to_owned(),
    }
}
