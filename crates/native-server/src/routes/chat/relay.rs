//! The reply, relayed: as Server-Sent Events in OpenAI's chunk format, or as
//! one `chat.completion` JSON for clients that did not ask for a stream.
//!
//! Each upstream chunk with a choice becomes exactly one chunk out, its
//! content unchanged and in order. The relay owns the [`Meter`] and the
//! upstream connection: if the client goes away, hyper drops the body, which
//! drops both, so the provider sees the connection close and the meter
//! settles from what was streamed.

use std::collections::VecDeque;
use std::convert::Infallible;

use axum::Json;
use axum::http::HeaderValue;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use native_core::{ChatChunk, ChunkChoice, ChunkDelta, ErrorBody, StreamError};
use serde::Serialize;

use crate::ApiError;
use crate::error::QUOTA_REMAINING_HEADER;
use crate::provider::{Next, Piece, StreamFailure, Upstream};
use crate::quota::Meter;

/// What every chunk of one reply repeats.
pub struct Frame {
    pub id: String,
    pub created: i64,
    pub model: String,
}

impl Frame {
    pub fn new(model: &str) -> Self {
        Self {
            id: format!("chatcmpl-{}", uuid::Uuid::new_v4().simple()),
            created: time::OffsetDateTime::now_utc().unix_timestamp(),
            model: model.to_owned(),
        }
    }

    fn chunk(&self, choices: Vec<ChunkChoice>) -> ChatChunk {
        ChatChunk {
            id: self.id.clone(),
            object: "chat.completion.chunk".to_owned(),
            created: self.created,
            model: self.model.clone(),
            choices,
            usage: None,
            quota_remaining: None,
        }
    }
}

/// A streamed reply in progress.
pub struct Relay {
    upstream: Upstream,
    meter: Meter,
    frame: Frame,
    include_usage: bool,
    pending: VecDeque<Event>,
    finished: bool,
    saw_finish_reason: bool,
}

impl Relay {
    pub fn new(upstream: Upstream, meter: Meter, frame: Frame, include_usage: bool) -> Self {
        Self {
            upstream,
            meter,
            frame,
            include_usage,
            pending: VecDeque::new(),
            finished: false,
            saw_finish_reason: false,
        }
    }

    /// The SSE response, with the quota left once this reply's reservation
    /// is held.
    pub fn into_response(self, remaining: i64) -> Response {
        let events = futures::stream::unfold(self, |mut relay| async move {
            let event = relay.next_event().await?;
            Some((Ok::<_, Infallible>(event), relay))
        });
        let mut response = sse(events).into_response();
        let headers = response.headers_mut();
        headers.insert(QUOTA_REMAINING_HEADER, HeaderValue::from(remaining));
        // Reverse proxies (nginx) would otherwise buffer the stream.
        headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
        response
    }

    async fn next_event(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            if self.finished {
                return None;
            }
            match self.upstream.next().await {
                Ok(Next::Chunk(piece)) => self.relay(piece),
                Ok(Next::Done) => self.finish().await,
                Ok(Next::Ended) if self.saw_finish_reason => self.finish().await,
                Ok(Next::Ended) => self.fail(StreamFailure::Broken).await,
                Err(failure) => self.fail(failure).await,
            }
        }
    }

    fn relay(&mut self, piece: Piece) {
        if let Some(usage) = piece.usage {
            self.meter.usage_reported(usage);
        }
        if !piece.has_choice {
            return;
        }
        if let Some(text) = &piece.content {
            self.meter.streamed(text);
        }
        self.saw_finish_reason |= piece.finish_reason.is_some();
        let chunk = self.frame.chunk(vec![ChunkChoice {
            index: 0,
            delta: ChunkDelta {
                role: piece.role,
                content: piece.content,
            },
            finish_reason: piece.finish_reason,
        }]);
        self.pending.push_back(json_event(&chunk));
    }

    /// The reply is whole: settle, then the usage chunk (if asked for) and
    /// `[DONE]`.
    async fn finish(&mut self) {
        self.finished = true;
        let remaining = self.meter.settle().await;
        if self.include_usage {
            let mut chunk = self.frame.chunk(Vec::new());
            chunk.usage = Some(self.meter.usage());
            chunk.quota_remaining = remaining;
            self.pending.push_back(json_event(&chunk));
        }
        self.pending.push_back(Event::default().data("[DONE]"));
    }

    /// The reply broke after the 200 was sent: an error event, no `[DONE]`,
    /// and the upstream connection closed before settling.
    async fn fail(&mut self, failure: StreamFailure) {
        self.finished = true;
        let error = failure.error();
        let event = StreamError {
            error: ErrorBody {
                code: error.code().to_owned(),
                message: error.to_string(),
            },
        };
        self.pending.push_back(json_event(&event));
        self.meter.settle().await;
    }
}

/// An SSE response with keep-alive comments, so idle proxies keep a long
/// reply's connection open.
fn sse<S>(events: S) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    S: Stream<Item = Result<Event, Infallible>> + Send + 'static,
{
    Sse::new(events).keep_alive(KeepAlive::default())
}

fn json_event<T: Serialize>(value: &T) -> Event {
    match serde_json::to_string(value) {
        Ok(json) => Event::default().data(json),
        // Our own types always serialise; a comment keeps the stream valid.
        Err(_) => Event::default().comment("unserialisable chunk"),
    }
}

#[derive(Serialize)]
struct Completion {
    id: String,
    object: &'static str,
    created: i64,
    model: String,
    choices: [CompletionChoice; 1],
    usage: native_core::Usage,
}

#[derive(Serialize)]
struct CompletionChoice {
    index: u32,
    message: CompletionMessage,
    finish_reason: Option<String>,
}

#[derive(Serialize)]
struct CompletionMessage {
    role: &'static str,
    content: String,
}

/// The non-streaming answer: the whole reply read, settled, then sent with
/// the quota left after it.
pub async fn complete(
    mut upstream: Upstream,
    mut meter: Meter,
    frame: Frame,
) -> Result<Response, ApiError> {
    let collected = upstream
        .collect(|piece| {
            if let Some(text) = &piece.content {
                meter.streamed(text);
            }
            if let Some(usage) = piece.usage {
                meter.usage_reported(usage);
            }
        })
        .await;
    // Close the connection before the database round trip.
    drop(upstream);
    let collected = match collected {
        Ok(collected) => collected,
        Err(failure) => {
            meter.settle().await;
            return Err(failure.error());
        }
    };
    let remaining = meter.settle().await;
    let body = Completion {
        id: frame.id,
        object: "chat.completion",
        created: frame.created,
        model: frame.model,
        choices: [CompletionChoice {
            index: 0,
            message: CompletionMessage {
                role: "assistant",
                content: collected.content,
            },
            finish_reason: collected.finish_reason,
        }],
        usage: meter.usage(),
    };
    let mut response = Json(body).into_response();
    if let Some(remaining) = remaining {
        response
            .headers_mut()
            .insert(QUOTA_REMAINING_HEADER, HeaderValue::from(remaining));
    }
    Ok(response)
}
