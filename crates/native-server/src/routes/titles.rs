//! `POST /v1/titles`: a short title for a new conversation, in its language.
//!
//! Titles are the operator's cost, not the user's (the original charged
//! them to the user's quota), so nothing is reserved; a per-user rate limit
//! keeps the free endpoint from being used as a free chat.

use axum::Json;
use axum::extract::State;
use native_core::{TitleRequest, TitleResponse, Turn, title_from_reply, title_from_text};

use crate::ApiError;
use crate::auth::AuthUser;
use crate::extract::ApiJson;
use crate::provider::UpstreamRequest;
use crate::routes::chat::check_turns;
use crate::startup::AppState;

/// Written in English; the model is told to answer in the conversation's
/// language, which it does reliably for short outputs.
const INSTRUCTIONS: &str = "You name conversations. Write a title for the conversation \
below: at most six words, in the language the conversation is written in. Answer with \
the title only: no quotes, no label, no final punctuation.";

/// How much of the conversation the model sees: its first turns are what a
/// title is about, and a short prompt keeps titles cheap.
const CONTEXT_TURNS: usize = 2;
const CONTEXT_CHARS_PER_TURN: usize = 1_500;

/// Enough for six words in any language, with room for a stray label.
const TITLE_MAX_TOKENS: u32 = 24;
const TITLE_TEMPERATURE: f32 = 0.2;

pub async fn titles(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(request): ApiJson<TitleRequest>,
) -> Result<Json<TitleResponse>, ApiError> {
    check_turns(&request.messages)?;
    if state
        .settings
        .chat
        .budget
        .history_too_large(&request.messages)
    {
        return Err(ApiError::PayloadTooLarge(
            "the conversation is too long to name".to_owned(),
        ));
    }
    state.titles.check(user.id)?;

    let conversation: Vec<String> = request
        .messages
        .iter()
        .take(CONTEXT_TURNS)
        .map(|turn| {
            let text: String = turn.content.chars().take(CONTEXT_CHARS_PER_TURN).collect();
            format!("{}: {text}", turn.role)
        })
        .collect();
    let prompt = [
        Turn::new("system", INSTRUCTIONS),
        Turn::new("user", conversation.join("\n\n")),
    ];
    let mut upstream = state
        .provider
        .stream(UpstreamRequest {
            model: &state.settings.provider.model,
            messages: &prompt,
            max_tokens: TITLE_MAX_TOKENS,
            temperature: TITLE_TEMPERATURE,
        })
        .await?;
    let reply = upstream
        .collect(|_| {})
        .await
        .map_err(|failure| failure.error())?;
    if let Some(usage) = reply.usage {
        tracing::info!(tokens = usage.total_tokens, "title generated (not charged)");
    }
    let first_user_text = request
        .messages
        .iter()
        .find(|turn| turn.role == "user")
        .map(|turn| turn.content.as_str())
        .unwrap_or_default();
    let title = title_from_reply(&reply.content)
        .or_else(|| title_from_text(first_user_text))
        .ok_or_else(|| {
            tracing::warn!("no usable title in the reply or the message");
            ApiError::ProviderError
        })?;
    Ok(Json(TitleResponse {
        title: title.as_str().to_owned(),
    }))
}
