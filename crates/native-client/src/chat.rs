//! Chat through the Native AI gateway: an OpenAI-compatible streamed reply
//! (server-sent events), the model allow-list, and conversation titles.
//!
//! The gateway adds the operator's system prompt and maps the mode to its
//! instructions; this client only ever sends user and assistant turns.

use std::collections::VecDeque;
use std::pin::Pin;
use std::time::Duration;

use eventsource_stream::Eventsource;
use futures::{Stream, StreamExt};
use native_core::{
    ChatChunk, ChatRequest, ModelList, StreamError, TitleRequest, TitleResponse, Turn, Usage,
};
use url::Url;

use crate::{ClientError, GatewayClient};

/// A piece of a streamed reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamPiece {
    /// The model that answers (from the first chunk).
    Model(String),
    Delta(String),
    Usage(Usage),
    /// What the user may still spend, once the gateway settled the reply.
    QuotaRemaining(i64),
    /// The provider finished the reply (`stop`, `length`...).
    Finished(String),
}

/// A reply being streamed. Dropping it closes the connection, which the
/// gateway takes as a cancel (and settles what was streamed).
pub struct ChatStream {
    /// The tokens left in the user's period after this request's
    /// reservation (`x-quota-remaining`), when the gateway sent it.
    pub quota_remaining: Option<i64>,
    events: Pin<Box<dyn Stream<Item = Result<eventsource_stream::Event, ()>> + Send>>,
    queued: VecDeque<StreamPiece>,
    finished: bool,
}

impl std::fmt::Debug for ChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatStream")
            .field("quota_remaining", &self.quota_remaining)
            .finish_non_exhaustive()
    }
}

impl ChatStream {
    /// The next piece; `None` once the gateway said `[DONE]`. A connection
    /// that ends before `[DONE]` is an `Offline` error: the reply was cut.
    pub async fn next(&mut self) -> Option<Result<StreamPiece, ClientError>> {
        loop {
            if let Some(piece) = self.queued.pop_front() {
                return Some(Ok(piece));
            }
            if self.finished {
                return None;
            }
            match self.events.next().await {
                Some(Ok(event)) if event.data.trim() == "[DONE]" => {
                    self.finished = true;
                    return None;
                }
                Some(Ok(event)) => match parse_chunk(&event.data) {
                    Ok(pieces) => self.queued.extend(pieces),
                    Err(err) => {
                        self.finished = true;
                        return Some(Err(err));
                    }
                },
                None | Some(Err(())) => {
                    self.finished = true;
                    return Some(Err(ClientError::Offline("the reply was cut")));
                }
            }
        }
    }
}

impl GatewayClient {
    fn endpoint(&self, path: &str) -> Result<Url, ClientError> {
        self.base()
            .join(path)
            .map_err(|_| ClientError::Config("the Native API URL cannot be joined".to_owned()))
    }

    /// Starts a streamed reply. Returns once the gateway accepted the request
    /// (its quota reserved); a refusal (402 quota, 413 too long, 429...) is
    /// an `Http` error with the gateway's code.
    pub async fn chat_stream(
        &self,
        token: &str,
        request: &ChatRequest,
    ) -> Result<ChatStream, ClientError> {
        let response = self
            .http()
            .post(self.endpoint("v1/chat/completions")?)
            .bearer_auth(token)
            .json(request)
            .send()
            .await
            .map_err(ClientError::from_reqwest)?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.map_err(ClientError::from_reqwest)?;
            return Err(ClientError::from_body(status.as_u16(), &body));
        }
        let quota_remaining = response
            .headers()
            .get("x-quota-remaining")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        // Transport and framing errors only tell that the reply was cut.
        let events = response
            .bytes_stream()
            .eventsource()
            .map(|e| e.map_err(drop));
        Ok(ChatStream {
            quota_remaining,
            events: Box::pin(events),
            queued: VecDeque::new(),
            finished: false,
        })
    }

    /// The models the gateway allows, its default first.
    pub async fn models(&self, token: &str) -> Result<Vec<String>, ClientError> {
        let response = self
            .http()
            .get(self.endpoint("v1/models")?)
            .bearer_auth(token)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(ClientError::from_reqwest)?;
        let models: ModelList = read_json(response).await?;
        Ok(models.data.into_iter().map(|m| m.id).collect())
    }

    /// A short title for a conversation that starts with `messages`.
    pub async fn title(&self, token: &str, messages: Vec<Turn>) -> Result<String, ClientError> {
        let response = self
            .http()
            .post(self.endpoint("v1/titles")?)
            .bearer_auth(token)
            .json(&TitleRequest { messages })
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(ClientError::from_reqwest)?;
        let title: TitleResponse = read_json(response).await?;
        Ok(title.title)
    }
}

async fn read_json<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, ClientError> {
    let status = response.status();
    let body = response.text().await.map_err(ClientError::from_reqwest)?;
    if !status.is_success() {
        return Err(ClientError::from_body(status.as_u16(), &body));
    }
    serde_json::from_str(&body).map_err(|e| ClientError::Decode(e.to_string()))
}

/// The pieces in one chunk, in order: model, text, finish, usage, quota. An
/// error event (a provider failure after the headers) is an `Http` error
/// with the gateway's code, never its text.
fn parse_chunk(data: &str) -> Result<Vec<StreamPiece>, ClientError> {
    if let Ok(failure) = serde_json::from_str::<StreamError>(data) {
        return Err(ClientError::Http {
            status: 502,
            code: Some(failure.error.code),
            message: "the reply failed upstream".to_owned(),
        });
    }
    let chunk: ChatChunk = serde_json::from_str(data)
        .map_err(|_| ClientError::Decode("a reply chunk has an unknown shape".to_owned()))?;
    let mut pieces = Vec::new();
    if !chunk.model.is_empty() {
        pieces.push(StreamPiece::Model(chunk.model));
    }
    for choice in chunk.choices {
        if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
            pieces.push(StreamPiece::Delta(text));
        }
        if let Some(reason) = choice.finish_reason {
            pieces.push(StreamPiece::Finished(reason));
        }
    }
    if let Some(usage) = chunk.usage {
        pieces.push(StreamPiece::Usage(usage));
    }
    if let Some(left) = chunk.quota_remaining {
        pieces.push(StreamPiece::QuotaRemaining(left));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_become_pieces_in_order() {
        let pieces = parse_chunk(
            r#"{"id":"x","object":"chat.completion.chunk","created":1,"model":"m",
                "choices":[{"index":0,"delta":{"content":"Bon"},"finish_reason":"stop"}],
                "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4},
                "quota_remaining":96}"#,
        )
        .unwrap();
        assert_eq!(
            pieces,
            vec![
                StreamPiece::Model("m".into()),
                StreamPiece::Delta("Bon".into()),
                StreamPiece::Finished("stop".into()),
                StreamPiece::Usage(Usage {
                    prompt_tokens: 3,
                    completion_tokens: 1,
                    total_tokens: 4
                }),
                StreamPiece::QuotaRemaining(96),
            ]
        );
        assert!(parse_chunk("not json").is_err());
        let err = parse_chunk(r#"{"error":{"code":"provider_error","message":"secret detail"}}"#)
            .unwrap_err();
        assert!(
            matches!(err, ClientError::Http { status: 502, ref code, .. } if code.as_deref() == Some("provider_error"))
        );
        assert!(!err.to_string().contains("secret detail"));
    }
}
