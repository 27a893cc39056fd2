//! The chat gateway's wire types (`native-server`'s `/v1/chat/completions`,
//! `/v1/models` and `/v1/titles`), shared by the server that parses and
//! writes them and the app's client that writes and parses them.
//!
//! The shapes are OpenAI's chat-completions API, so any OpenAI client can
//! talk to the gateway; `mode` is our one addition to the request, and
//! `quota_remaining` our one addition to the final usage chunk.

use serde::{Deserialize, Serialize};

use crate::{ChatMode, Turn, Usage};

/// `POST /v1/chat/completions`. Fields OpenAI clients send that the gateway
/// does not use (`temperature`, `n`, ...) are ignored: the operator decides
/// them. Turns may only be `user` or `assistant`; the gateway adds the
/// system prompt itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// One of `GET /v1/models`; the first of them when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub messages: Vec<Turn>,
    #[serde(default)]
    pub stream: bool,
    /// Capped by the gateway; the cap when absent.
    #[serde(
        default,
        alias = "max_completion_tokens",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_tokens: Option<u32>,
    #[serde(default)]
    pub mode: ChatMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
}

/// OpenAI's `stream_options`: with `include_usage`, the stream ends with a
/// chunk whose `choices` is empty and whose `usage` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StreamOptions {
    #[serde(default)]
    pub include_usage: bool,
}

/// One `data:` event of a streamed reply (`object: "chat.completion.chunk"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatChunk {
    pub id: String,
    pub object: String,
    pub created: i64,
    pub model: String,
    pub choices: Vec<ChunkChoice>,
    /// Only on the final chunk, when `stream_options.include_usage` was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// What the user may still spend after this reply was settled; next to
    /// `usage`, when the settlement succeeded before the stream ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_remaining: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkChoice {
    pub index: u32,
    pub delta: ChunkDelta,
    pub finish_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChunkDelta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// An error in the middle of a stream, after the 200 was sent: `data:
/// {"error": {"code", "message"}}`, then the stream ends without `[DONE]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamError {
    pub error: ErrorBody,
}

/// The gateway's error body, `{code, message}`, as every error response
/// carries it (402 adds the quota fields beside them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

/// `POST /v1/titles`: the first turns of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TitleRequest {
    pub messages: Vec<Turn>,
}

/// A title of at most [`MAX_TITLE_WORDS`](crate::MAX_TITLE_WORDS) words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TitleResponse {
    pub title: String,
}

/// `GET /v1/models`: the models clients may ask for, the default first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelList {
    pub object: String,
    pub data: Vec<ModelInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub id: String,
    pub object: String,
    pub owned_by: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_openai_request_parses_and_unknown_fields_are_ignored() {
        let request: ChatRequest = serde_json::from_value(serde_json::json!({
            "model": "m",
            "messages": [{"role": "user", "content": "hi"}],
            "stream": true,
            "temperature": 0.9,
            "max_completion_tokens": 12,
            "stream_options": {"include_usage": true},
            "mode": "deep_search",
        }))
        .unwrap();
        assert_eq!(request.max_tokens, Some(12));
        assert_eq!(request.mode, ChatMode::DeepSearch);
        assert!(request.stream_options.unwrap().include_usage);
        let minimal: ChatRequest =
            serde_json::from_str(r#"{"messages":[{"role":"user","content":"x"}]}"#).unwrap();
        assert!(!minimal.stream);
        assert_eq!(minimal.mode, ChatMode::Standard);
        assert_eq!(minimal.model, None);
    }

    #[test]
    fn chunks_omit_absent_usage() {
        let chunk = ChatChunk {
            id: "c".into(),
            object: "chat.completion.chunk".into(),
            created: 1,
            model: "m".into(),
            choices: vec![ChunkChoice {
                index: 0,
                delta: ChunkDelta {
                    role: None,
                    content: Some("Bon".into()),
                },
                finish_reason: None,
            }],
            usage: None,
            quota_remaining: None,
        };
        let json = serde_json::to_value(&chunk).unwrap();
        assert_eq!(
            json["choices"][0],
            serde_json::json!({"index": 0, "delta": {"content": "Bon"}, "finish_reason": null})
        );
        assert!(json.get("usage").is_none());
        assert_eq!(serde_json::from_value::<ChatChunk>(json).unwrap(), chunk);
    }
}
