//! `POST /api/billing/webhook`: Stripe's events, the original's path.
//!
//! The signature is checked on the raw bytes before anything is parsed.
//! Answers: 200 once the event is recorded (applied, kept as unmatched, a
//! duplicate or an ignored type), 400 for a bad signature or a body that is
//! not an event, 413 over the body limit, 503 when the database cannot
//! record it, so that Stripe retries.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::ApiError;
use crate::billing::{self, Event, Mode};
use crate::startup::AppState;

pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let settings = &state.settings.billing;
    if settings.webhook_secrets.is_empty() {
        tracing::error!("STRIPE_WEBHOOK_SECRET is not set: refusing a Stripe event");
        return Err(ApiError::BillingNotConfigured);
    }
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge("the body is over the webhook's size limit".to_owned())
        } else {
            ApiError::BadRequest("the body could not be read".to_owned())
        }
    })?;
    let header = headers
        .get("stripe-signature")
        .and_then(|value| value.to_str().ok());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        });
    if let Err(err) = billing::verify(
        header,
        &body,
        &settings.webhook_secrets,
        settings.tolerance,
        now,
    ) {
        tracing::warn!(error = %err, "refused a webhook call");
        return Err(err);
    }
    let event = Event::parse(&body).map_err(|reason| ApiError::BadRequest(reason.to_owned()))?;
    let processed = billing::process(&state.db, settings, &event, Mode::Webhook)
        .await
        .map_err(ApiError::DatabaseUnavailable)?;
    tracing::info!(
        event_id = %event.id,
        event_type = %event.kind,
        outcome = processed.outcome.as_str(),
        user_id = processed.user.map(tracing::field::display),
        "stripe event"
    );
    Ok(Json(json!({
        "received": true,
        "event": event.id,
        "outcome": processed.outcome.as_str(),
    })))
}
