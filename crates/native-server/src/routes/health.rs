//! `GET /health`: liveness plus a real database round trip, so a load
//! balancer stops sending traffic when Postgres is gone. Bounded in time: a
//! hung database makes the check fail, not hang.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::ApiError;
use crate::config::ProviderKind;
use crate::startup::AppState;

/// Longer than a healthy round trip by far, shorter than a prober's patience.
const DATABASE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
    version: &'static str,
    provider: ProviderKind,
    model: String,
    database: &'static str,
    open_streams: usize,
}

pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let check = sqlx::query("select 1").execute(&state.db);
    match tokio::time::timeout(DATABASE_CHECK_TIMEOUT, check).await {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => return Err(ApiError::DatabaseUnavailable(err)),
        Err(_) => return Err(ApiError::DatabaseUnavailable(sqlx::Error::PoolTimedOut)),
    }
    Ok(Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        provider: state.settings.provider.kind,
        model: state.settings.provider.model.clone(),
        database: "ok",
        open_streams: state.slots.total(),
    }))
}
