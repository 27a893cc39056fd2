//! `POST /v1/chat/completions`: check, reserve, relay, settle.
//!
//! The order matters: the request is checked before anything is reserved; a
//! stream slot is taken before the quota is, so a user at their stream limit
//! holds no quota; the reservation exists before the provider is called, so
//! parallel requests can never spend more than remains.

mod prepare;
mod relay;

use axum::extract::State;
use axum::response::Response;
use native_core::ChatRequest;

pub use prepare::check_turns;

use crate::ApiError;
use crate::auth::AuthUser;
use crate::extract::ApiJson;
use crate::provider::UpstreamRequest;
use crate::quota::Meter;
use crate::startup::AppState;

pub async fn completions(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(request): ApiJson<ChatRequest>,
) -> Result<Response, ApiError> {
    let prepared = prepare::prepare(&state.settings, request)?;
    let slot = state.slots.acquire(user.id)?;
    let reservation = state
        .ledger
        .reserve(user.id, prepared.reservation())
        .await?;
    let mut meter = Meter::new(
        state.ledger.clone(),
        state.tasks.clone(),
        reservation.id,
        prepared.prompt_estimate,
        slot,
    );
    let upstream = state
        .provider
        .stream(UpstreamRequest {
            model: &prepared.model,
            messages: &prepared.prompt,
            max_tokens: prepared.max_tokens,
            temperature: state.settings.chat.temperature,
        })
        .await;
    let upstream = match upstream {
        Ok(upstream) => upstream,
        Err(err) => {
            // Nothing was spent: give the reservation back before answering,
            // so an immediate retry sees the whole quota.
            meter.settle().await;
            return Err(err);
        }
    };
    meter.accepted();
    let frame = relay::Frame::new(&prepared.model);
    if prepared.stream {
        Ok(
            relay::Relay::new(upstream, meter, frame, prepared.include_usage)
                .into_response(reservation.remaining),
        )
    } else {
        relay::complete(upstream, meter, frame).await
    }
}
