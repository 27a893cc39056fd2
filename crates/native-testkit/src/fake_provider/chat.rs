//! The fake provider's HTTP handlers: `POST /v1/chat/completions` and
//! `GET /v1/models`. Every request is recorded first; then the optional API
//! key is checked, the body validated as the dialect's server would (Mistral
//! refuses fields it does not know, such as `stream_options`, with 422
//! `extra_forbidden`), and the next script answers.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Json;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};
use std::time::Duration;

use super::record::{Outcome, RecordedRequest, Tracker};
use super::script::Failure;
use super::sse::{Frame, Reply, paced_body};
use super::{Dialect, Shared};

/// The request fields Mistral's chat API accepts; it answers any other with
/// 422 `extra_forbidden`.
const MISTRAL_FIELDS: &[&str] = &[
    "model",
    "messages",
    "temperature",
    "top_p",
    "max_tokens",
    "stream",
    "stop",
    "random_seed",
    "response_format",
    "tools",
    "tool_choice",
    "presence_penalty",
    "frequency_penalty",
    "n",
    "prediction",
    "parallel_tool_calls",
    "prompt_mode",
    "safe_prompt",
];

fn header(headers: &HeaderMap, name: axum::http::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

fn record(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Tracker {
    shared.journal.record(RecordedRequest {
        seq: 0,
        method: method.to_string(),
        path: uri.path().to_owned(),
        body: serde_json::from_slice(body).unwrap_or(Value::Null),
        authorization: header(headers, AUTHORIZATION),
        content_type: header(headers, CONTENT_TYPE),
        user_agent: header(headers, USER_AGENT),
        received_at: SystemTime::now(),
        finished_at: None,
        events_sent: 0,
        outcome: Outcome::InProgress,
    })
}

/// An error answer; the request is recorded as rejected with its status.
fn reject(mut tracker: Tracker, status: StatusCode, body: Value) -> Response {
    tracker.finish(Outcome::Rejected(status.as_u16()));
    (status, Json(body)).into_response()
}

/// The dialect's error body.
fn error_body(dialect: Dialect, kind: &str, message: &str, code: Option<&str>) -> Value {
    match dialect {
        Dialect::Mistral => json!({
            "object": "error", "message": message, "type": kind, "param": null, "code": code,
        }),
        Dialect::OpenAi => json!({
            "error": { "message": message, "type": kind, "param": null, "code": code },
        }),
    }
}

/// Whether the request carries the configured key (always, with none set).
fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    match shared.api_key() {
        None => true,
        Some(key) => header(headers, AUTHORIZATION).as_deref() == Some(&format!("Bearer {key}")),
    }
}

fn unauthorized(dialect: Dialect, tracker: Tracker) -> Response {
    let body = match dialect {
        Dialect::Mistral => json!({
            "message": "Unauthorized",
            "request_id": uuid::Uuid::new_v4().simple().to_string(),
        }),
        Dialect::OpenAi => error_body(
            dialect,
            "invalid_request_error",
            "Incorrect API key provided.",
            Some("invalid_api_key"),
        ),
    };
    reject(tracker, StatusCode::UNAUTHORIZED, body)
}

pub(crate) async fn models(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let mut tracker = record(&shared, &method, &uri, &headers, b"");
    if !authorized(&shared, &headers) {
        return unauthorized(shared.dialect(), tracker);
    }
    let data: Vec<Value> = shared
        .models()
        .into_iter()
        .map(|id| json!({ "id": id, "object": "model", "created": 1_700_000_000, "owned_by": "fake-provider" }))
        .collect();
    tracker.finish(Outcome::Completed);
    Json(json!({ "object": "list", "data": data })).into_response()
}

/// Checks the body as the dialect's server would; answers the error response
/// (status and body) if it is refused.
fn validate(dialect: Dialect, body: &Value) -> Result<(), (StatusCode, Value)> {
    let Some(fields) = body.as_object() else {
        return Err((
            StatusCode::BAD_REQUEST,
            error_body(dialect, "invalid_request_error", "Invalid JSON body", None),
        ));
    };
    if dialect == Dialect::Mistral {
        let extra: Vec<Value> = fields
            .iter()
            .filter(|(key, _)| !MISTRAL_FIELDS.contains(&key.as_str()))
            .map(|(key, value)| {
                json!({
                    "type": "extra_forbidden",
                    "loc": ["body", key],
                    "msg": "Extra inputs are not permitted",
                    "input": value,
                })
            })
            .collect();
        if !extra.is_empty() {
            let body = json!({
                "object": "error",
                "message": { "detail": extra },
                "type": "invalid_request_error",
                "param": null,
                "code": null,
            });
            return Err((StatusCode::UNPROCESSABLE_ENTITY, body));
        }
    }
    let has_messages = fields
        .get("messages")
        .and_then(Value::as_array)
        .is_some_and(|messages| !messages.is_empty());
    if !has_messages {
        let status = match dialect {
            Dialect::Mistral => StatusCode::UNPROCESSABLE_ENTITY,
            Dialect::OpenAi => StatusCode::BAD_REQUEST,
        };
        let body = error_body(
            dialect,
            "invalid_request_error",
            "Missing required parameter: 'messages'.",
            Some("missing_required_parameter"),
        );
        return Err((status, body));
    }
    Ok(())
}

/// The characters of the prompt's text, for the usage estimate. Content is a
/// string or a list of parts, of which only text parts count.
fn prompt_chars(body: &Value) -> usize {
    let messages = body["messages"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    messages
        .iter()
        .map(|message| match &message["content"] {
            Value::String(text) => text.chars().count(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(|part| part["text"].as_str())
                .map(|text| text.chars().count())
                .sum(),
            _ => 0,
        })
        .sum()
}

pub(crate) async fn chat_completions(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let mut tracker = record(&shared, &method, &uri, &headers, &raw);
    let dialect = shared.next_dialect();
    if !authorized(&shared, &headers) {
        return unauthorized(dialect, tracker);
    }
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    if let Err((status, error)) = validate(dialect, &body) {
        return reject(tracker, status, error);
    }
    let script = shared.next_script();

    if !script.first_byte_delay.is_zero() {
        // The tracker is alive while we wait: if the client gives up, hyper
        // drops this future and the request is recorded as hung up.
        tokio::time::sleep(script.first_byte_delay).await;
    }
    match script.failure {
        Some(Failure::RateLimited { retry_after_secs }) => {
            tracker.finish(Outcome::Rejected(429));
            let body = match dialect {
                Dialect::Mistral => {
                    error_body(dialect, "rate_limited", "Rate limit exceeded", Some("1300"))
                }
                Dialect::OpenAi => error_body(
                    dialect,
                    "requests",
                    "Rate limit reached for requests",
                    Some("rate_limit_exceeded"),
                ),
            };
            let retry_after = HeaderValue::from(retry_after_secs);
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(RETRY_AFTER, retry_after)],
                Json(body),
            )
                .into_response();
        }
        Some(Failure::ServerError) => {
            let (kind, message) = match dialect {
                Dialect::Mistral => ("internal_server_error", "Internal server error"),
                Dialect::OpenAi => (
                    "server_error",
                    "The server had an error while processing your request.",
                ),
            };
            return reject(
                tracker,
                StatusCode::INTERNAL_SERVER_ERROR,
                error_body(dialect, kind, message, None),
            );
        }
        Some(Failure::CutAfter(_)) | None => {}
    }
    let cut_after = match script.failure {
        Some(Failure::CutAfter(events)) => Some(events),
        _ => None,
    };

    let streaming = body["stream"].as_bool() == Some(true);
    let reply = Reply {
        id: format!("cmpl-{}", uuid::Uuid::new_v4().simple()),
        created: time::OffsetDateTime::now_utc().unix_timestamp(),
        model: body["model"]
            .as_str()
            .map_or_else(|| dialect.default_model().to_owned(), str::to_owned),
        dialect,
        include_usage: body["stream_options"]["include_usage"].as_bool() == Some(true),
        script: &script,
        usage: script.usage_for(prompt_chars(&body)),
    };
    if streaming {
        let frames = reply.stream_frames();
        let headers = [
            (CONTENT_TYPE, HeaderValue::from_static("text/event-stream")),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ];
        return (headers, paced_body(frames, cut_after, tracker)).into_response();
    }
    let json = reply.completion().to_string();
    // A cut non-streaming answer sends the first half of its JSON, then the
    // connection closes.
    let (frames, cut_after) = match cut_after {
        Some(_) => {
            let half: String = json.chars().take(json.chars().count() / 2).collect();
            (vec![frame(half)], Some(1))
        }
        None => (vec![frame(json)], None),
    };
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        paced_body(frames, cut_after, tracker),
    )
        .into_response()
}

fn frame(text: String) -> Frame {
    Frame {
        delay: Duration::ZERO,
        bytes: Bytes::from(text),
    }
}

/// Anything else the provider does not serve: recorded, then 404.
pub(crate) async fn not_found(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let tracker = record(&shared, &method, &uri, &headers, &raw);
    let dialect = shared.dialect();
    let body = error_body(dialect, "invalid_request_error", "Not found", None);
    reject(tracker, StatusCode::NOT_FOUND, body)
}
