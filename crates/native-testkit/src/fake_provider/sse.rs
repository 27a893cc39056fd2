//! The bodies the fake provider answers: chat-completion chunks in each
//! dialect's shape, the non-streaming completion, and the response body stream
//! that paces frames, cuts the connection when scripted, and reports through
//! its [`Tracker`] whether it completed or the client hung up.

use std::collections::VecDeque;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use serde_json::{Value, json};

use super::Dialect;
use super::record::{Outcome, Tracker};
use super::script::{Script, Usage};

/// One write of the response body, after an optional pause.
#[derive(Debug)]
pub(crate) struct Frame {
    pub delay: Duration,
    pub bytes: Bytes,
}

/// The fixed parts of every chunk of one answer.
pub(crate) struct Reply<'a> {
    pub id: String,
    pub created: i64,
    pub model: String,
    pub dialect: Dialect,
    /// OpenAI's `stream_options.include_usage`.
    pub include_usage: bool,
    pub script: &'a Script,
    pub usage: Usage,
}

impl Reply<'_> {
    fn chunk(&self, delta: Value, finish_reason: Option<&str>, usage: Option<Usage>) -> Value {
        let mut chunk = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{ "index": 0, "delta": delta, "finish_reason": finish_reason }],
        });
        match (usage, self.dialect) {
            (Some(usage), _) => chunk["usage"] = usage.to_json(),
            // With `include_usage`, OpenAI sends `usage: null` on every chunk
            // but the usage chunk; otherwise it omits the field.
            (None, Dialect::OpenAi) if self.include_usage => chunk["usage"] = Value::Null,
            (None, _) => {}
        }
        chunk
    }

    /// The SSE frames of a streamed answer, `[DONE]` included.
    ///
    /// Mistral: a role chunk, the content chunks, the last of which carries
    /// `finish_reason` and `usage`. OpenAI: a role chunk, the content chunks,
    /// an empty-delta chunk with `finish_reason`, then (only with
    /// `include_usage`) a chunk with `choices: []` and `usage`.
    pub(crate) fn stream_frames(&self) -> Vec<Frame> {
        let script = self.script;
        let pause = script.chunk_delay;
        let mut events: Vec<(Duration, Value)> = Vec::new();
        events.push((
            Duration::ZERO,
            self.chunk(json!({"role": "assistant", "content": ""}), None, None),
        ));
        let pieces = script.pieces();
        let finish = script.finish_reason.as_str();
        match self.dialect {
            Dialect::Mistral => {
                let last = pieces.len().saturating_sub(1);
                if pieces.is_empty() {
                    events.push((
                        pause,
                        self.chunk(json!({"content": ""}), Some(finish), Some(self.usage)),
                    ));
                }
                for (i, piece) in pieces.iter().enumerate() {
                    let end = i == last;
                    events.push((
                        pause,
                        self.chunk(
                            json!({"content": piece}),
                            end.then_some(finish),
                            end.then_some(self.usage),
                        ),
                    ));
                }
            }
            Dialect::OpenAi => {
                for piece in &pieces {
                    events.push((pause, self.chunk(json!({"content": piece}), None, None)));
                }
                events.push((Duration::ZERO, self.chunk(json!({}), Some(finish), None)));
                if self.include_usage {
                    let mut usage_chunk = self.chunk(json!({}), None, Some(self.usage));
                    usage_chunk["choices"] = json!([]);
                    events.push((Duration::ZERO, usage_chunk));
                }
            }
        }
        let mut frames: Vec<Frame> = events
            .into_iter()
            .map(|(delay, event)| Frame {
                delay,
                bytes: Bytes::from(format!("data: {event}\n\n")),
            })
            .collect();
        frames.push(Frame {
            delay: Duration::ZERO,
            bytes: Bytes::from_static(b"data: [DONE]\n\n"),
        });
        frames
    }

    /// The non-streaming answer.
    pub(crate) fn completion(&self) -> Value {
        json!({
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": self.script.reply },
                "finish_reason": self.script.finish_reason,
            }],
            "usage": self.usage.to_json(),
        })
    }
}

/// How long a cut waits so that what was already sent gets flushed.
const FLUSH_PAUSE: Duration = Duration::from_millis(20);

struct BodyState {
    frames: VecDeque<Frame>,
    cut_after: Option<usize>,
    sent: usize,
    tracker: Tracker,
    done: bool,
}

/// A response body that writes `frames` (pausing before each as scripted)
/// and, with `cut_after: Some(n)`, fails after `n` frames so hyper closes the
/// connection mid-body. The tracker records the outcome; if the body is
/// dropped before its end (the client hung up), the tracker's drop records
/// that.
pub(crate) fn paced_body(frames: Vec<Frame>, cut_after: Option<usize>, tracker: Tracker) -> Body {
    let state = BodyState {
        frames: frames.into(),
        cut_after,
        sent: 0,
        tracker,
        done: false,
    };
    let stream = futures::stream::unfold(state, |mut state| async move {
        if state.done {
            return None;
        }
        if state.cut_after == Some(state.sent) {
            // hyper only flushes its write buffer when the body is pending;
            // without this pause the events before the cut would be lost
            // with the connection instead of reaching the client.
            tokio::time::sleep(FLUSH_PAUSE).await;
            state.tracker.finish(Outcome::Cut);
            state.done = true;
            let cut = std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "the script cut the stream",
            );
            return Some((Err(cut), state));
        }
        let Some(frame) = state.frames.pop_front() else {
            state.tracker.finish(Outcome::Completed);
            return None;
        };
        if !frame.delay.is_zero() {
            tokio::time::sleep(frame.delay).await;
        }
        state.sent += 1;
        state.tracker.event_sent();
        Some((Ok(frame.bytes), state))
    });
    Body::from_stream(stream)
}
