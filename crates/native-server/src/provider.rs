//! The upstream chat provider: Mistral or any OpenAI-compatible server.
//!
//! Every call streams, even for clients that asked for one JSON answer: one
//! code path reads usage, meters and notices a hang-up. Each provider gets
//! only the fields it accepts (Mistral refuses `stream_options` with a 422),
//! and usage is taken from whichever chunk carries it (Mistral's last content
//! chunk, OpenAI's extra `choices: []` chunk). Provider errors become the
//! gateway's own codes; their bodies are never relayed or logged, since they
//! can echo the prompt.

use std::pin::Pin;
use std::time::Duration;

use eventsource_stream::{EventStreamError, Eventsource};
use futures::{Stream, StreamExt};
use native_core::{ImageForm, Parts, ProviderKind, StreamOptions, Turn, Usage};
use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde::{Deserialize, Serialize};

use crate::ApiError;
use crate::config::{ChatSettings, ProviderSettings};

/// Used when a provider's 429 does not say when to come back.
const DEFAULT_RETRY_AFTER_SECS: u64 = 5;

/// A client of the configured provider.
pub struct Provider {
    http: reqwest::Client,
    url: String,
    api_key: Option<String>,
    kind: ProviderKind,
    first_byte_timeout: Duration,
    idle_timeout: Duration,
}

/// What to ask the provider.
pub struct UpstreamRequest<'a> {
    pub model: &'a str,
    pub messages: &'a [Turn],
    pub max_tokens: u32,
    pub temperature: f32,
}

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    messages: Messages<'a>,
    temperature: f32,
    max_tokens: u32,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<StreamOptions>,
}

/// The turns as the provider reads them: pictures as `image_url` parts in
/// the form its documentation gives (Mistral: a bare data URL; OpenAI: an
/// object with `url`).
struct Messages<'a>(&'a [Turn], ImageForm);

impl Serialize for Messages<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            role: &'a str,
            content: Content<'a>,
        }
        #[derive(Serialize)]
        #[serde(untagged)]
        enum Content<'a> {
            Text(&'a str),
            Parts(Parts<'a>),
        }
        serializer.collect_seq(self.0.iter().map(|turn| Wire {
            role: &turn.role,
            content: if turn.images.is_empty() {
                Content::Text(&turn.content)
            } else {
                Content::Parts(Parts(turn, self.1))
            },
        }))
    }
}

/// One chunk's meaning.
#[derive(Debug, Default)]
pub struct Piece {
    pub role: Option<String>,
    pub content: Option<String>,
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
    /// Whether the chunk had a choice (as opposed to a usage-only chunk).
    pub has_choice: bool,
}

/// What the upstream stream gave next.
#[derive(Debug)]
pub enum Next {
    Chunk(Piece),
    /// `data: [DONE]`.
    Done,
    /// The body ended without `[DONE]`.
    Ended,
}

/// Why a stream stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFailure {
    /// Silent for longer than the idle timeout.
    Timeout,
    /// The connection broke, or the provider sent an error or garbage.
    Broken,
}

impl StreamFailure {
    pub fn error(self) -> ApiError {
        match self {
            Self::Timeout => ApiError::ProviderTimeout,
            Self::Broken => ApiError::ProviderError,
        }
    }
}

type Events = Pin<
    Box<
        dyn Stream<Item = Result<eventsource_stream::Event, EventStreamError<reqwest::Error>>>
            + Send,
    >,
>;

/// An accepted request's event stream. Dropping it closes the connection,
/// which is how the provider learns that the reply is no longer wanted.
pub struct Upstream {
    events: Events,
    idle_timeout: Duration,
}

/// A whole reply, read to its end.
#[derive(Debug, Default)]
pub struct Collected {
    pub content: String,
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
}

impl Provider {
    pub fn new(http: reqwest::Client, provider: &ProviderSettings, chat: &ChatSettings) -> Self {
        Self {
            http,
            url: format!(
                "{}/chat/completions",
                provider.base_url.trim_end_matches('/')
            ),
            api_key: provider.api_key.clone(),
            kind: provider.kind,
            first_byte_timeout: chat.first_byte_timeout,
            idle_timeout: chat.idle_timeout,
        }
    }

    /// Sends the request and waits for the provider's status.
    pub async fn stream(&self, request: UpstreamRequest<'_>) -> Result<Upstream, ApiError> {
        let body = Body {
            model: request.model,
            messages: Messages(
                request.messages,
                match self.kind {
                    ProviderKind::OpenAiCompatible => ImageForm::Object,
                    _ => ImageForm::String,
                },
            ),
            temperature: request.temperature,
            max_tokens: request.max_tokens,
            stream: true,
            // Mistral (and the demo provider, which speaks Mistral's
            // dialect by default) refuse `stream_options`.
            stream_options: (self.kind == ProviderKind::OpenAiCompatible).then_some(
                StreamOptions {
                    include_usage: true,
                },
            ),
        };
        let mut call = self.http.post(&self.url).json(&body);
        if let Some(key) = &self.api_key {
            call = call.bearer_auth(key);
        }
        let response = match tokio::time::timeout(self.first_byte_timeout, call.send()).await {
            Err(_) => {
                tracing::warn!("the provider did not answer in time");
                return Err(ApiError::ProviderTimeout);
            }
            Ok(Err(err)) => {
                // The error's text holds the URL; its kind is enough.
                tracing::warn!(
                    timeout = err.is_timeout(),
                    connect = err.is_connect(),
                    "the provider cannot be reached"
                );
                return Err(if err.is_timeout() {
                    ApiError::ProviderTimeout
                } else {
                    ApiError::ProviderError
                });
            }
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            let retry_after_secs = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok())
                .unwrap_or(DEFAULT_RETRY_AFTER_SECS)
                .max(1);
            tracing::warn!(retry_after_secs, "the provider is rate limiting");
            return Err(ApiError::ProviderRateLimited { retry_after_secs });
        }
        if !status.is_success() {
            tracing::warn!(status = status.as_u16(), "the provider refused the request");
            return Err(ApiError::ProviderError);
        }
        Ok(Upstream {
            events: Box::pin(response.bytes_stream().eventsource()),
            idle_timeout: self.idle_timeout,
        })
    }
}

impl Upstream {
    /// The next chunk, `[DONE]`, or the end of the body. Events without
    /// data (keep-alive comments) are skipped; a silence longer than the
    /// idle timeout is a failure.
    pub async fn next(&mut self) -> Result<Next, StreamFailure> {
        loop {
            let event = match tokio::time::timeout(self.idle_timeout, self.events.next()).await {
                Err(_) => return Err(StreamFailure::Timeout),
                Ok(None) => return Ok(Next::Ended),
                Ok(Some(Err(err))) => {
                    tracing::warn!(
                        transport = matches!(err, EventStreamError::Transport(_)),
                        "the provider's stream broke"
                    );
                    return Err(StreamFailure::Broken);
                }
                Ok(Some(Ok(event))) => event,
            };
            let data = event.data.trim();
            if data.is_empty() {
                continue;
            }
            if data == "[DONE]" {
                return Ok(Next::Done);
            }
            return parse_chunk(data).map(Next::Chunk);
        }
    }

    /// Reads the whole reply, calling `observe` on every chunk.
    pub async fn collect(
        &mut self,
        mut observe: impl FnMut(&Piece),
    ) -> Result<Collected, StreamFailure> {
        let mut out = Collected::default();
        loop {
            match self.next().await? {
                Next::Chunk(piece) => {
                    observe(&piece);
                    if let Some(text) = &piece.content {
                        out.content.push_str(text);
                    }
                    if piece.finish_reason.is_some() {
                        out.finish_reason = piece.finish_reason;
                    }
                    if piece.usage.is_some() {
                        out.usage = piece.usage;
                    }
                }
                Next::Done => return Ok(out),
                // A body that ends after a finish reason is whole; one that
                // ends before it was cut.
                Next::Ended if out.finish_reason.is_some() => return Ok(out),
                Next::Ended => return Err(StreamFailure::Broken),
            }
        }
    }
}

#[derive(Deserialize)]
struct WireChunk {
    #[serde(default)]
    choices: Vec<WireChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    object: Option<String>,
}

#[derive(Deserialize)]
struct WireChoice {
    #[serde(default)]
    delta: WireDelta,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct WireDelta {
    #[serde(default)]
    role: Option<String>,
    /// A string, or (Mistral's reasoning models) a list of typed parts.
    #[serde(default)]
    content: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    #[serde(default)]
    total_tokens: Option<u64>,
}

/// One `data:` payload as a [`Piece`]. An error object in the stream, or
/// anything that is not a chunk, ends the stream as broken.
fn parse_chunk(data: &str) -> Result<Piece, StreamFailure> {
    let chunk: WireChunk = serde_json::from_str(data).map_err(|_| {
        tracing::warn!("the provider sent a chunk that is not JSON");
        StreamFailure::Broken
    })?;
    if chunk.error.is_some() || chunk.object.as_deref() == Some("error") {
        tracing::warn!("the provider sent an error in its stream");
        return Err(StreamFailure::Broken);
    }
    let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let usage = chunk.usage.map(|u| Usage {
        prompt_tokens: clamp(u.prompt_tokens),
        completion_tokens: clamp(u.completion_tokens),
        total_tokens: clamp(
            u.total_tokens
                .unwrap_or(u.prompt_tokens.saturating_add(u.completion_tokens)),
        ),
    });
    let mut piece = Piece {
        usage,
        ..Piece::default()
    };
    if let Some(choice) = chunk.choices.into_iter().next() {
        piece.has_choice = true;
        piece.role = choice.delta.role;
        piece.content = choice.delta.content.and_then(text_of);
        piece.finish_reason = choice.finish_reason;
    }
    Ok(piece)
}

/// The text of a delta's content: the string itself, or the `text` of each
/// text part (thinking parts are not part of the reply).
fn text_of(content: serde_json::Value) -> Option<String> {
    match content {
        serde_json::Value::String(text) => Some(text),
        serde_json::Value::Array(parts) => Some(
            parts
                .iter()
                .filter(|part| part["type"] == "text")
                .filter_map(|part| part["text"].as_str())
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_read_from_whichever_chunk_has_it() {
        // Mistral: the last content chunk carries usage and the finish reason.
        let mistral = parse_chunk(
            r#"{"choices":[{"index":0,"delta":{"content":"!"},"finish_reason":"stop"}],
                "usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}"#,
        )
        .unwrap();
        assert_eq!(mistral.content.as_deref(), Some("!"));
        assert_eq!(mistral.finish_reason.as_deref(), Some("stop"));
        assert_eq!(mistral.usage.map(|u| u.total_tokens), Some(8));
        // OpenAI: `choices: []` and usage; `usage: null` elsewhere.
        let openai = parse_chunk(
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}"#,
        )
        .unwrap();
        assert!(!openai.has_choice);
        assert_eq!(openai.usage.map(|u| u.prompt_tokens), Some(3));
        let plain = parse_chunk(r#"{"choices":[{"delta":{"content":"a"}}],"usage":null}"#).unwrap();
        assert!(plain.usage.is_none());
    }

    #[test]
    fn content_parts_keep_only_text_and_errors_break_the_stream() {
        let parts = parse_chunk(
            r#"{"choices":[{"delta":{"content":[{"type":"thinking","thinking":[]},{"type":"text","text":"Bon"}]}}]}"#,
        )
        .unwrap();
        assert_eq!(parts.content.as_deref(), Some("Bon"));
        assert_eq!(
            parse_chunk(r#"{"object":"error","message":"boom"}"#).unwrap_err(),
            StreamFailure::Broken
        );
        assert_eq!(
            parse_chunk(r#"{"error":{"message":"boom"}}"#).unwrap_err(),
            StreamFailure::Broken
        );
        assert_eq!(parse_chunk("not json").unwrap_err(), StreamFailure::Broken);
    }
}
