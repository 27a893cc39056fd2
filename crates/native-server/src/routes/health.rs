//! `GET /health`: liveness plus a real database round trip, so a load
//! balancer stops sending traffic when Postgres is gone.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::ApiError;
use crate::config::ProviderKind;
use crate::startup::AppState;

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
    version: &'static str,
    provider: ProviderKind,
    model: String,
}

pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    sqlx::query("select 1")
        .execute(&state.db)
        .await
        .map_err(ApiError::DatabaseUnavailable)?;
    Ok(Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        provider: state.settings.provider.kind,
        model: state.settings.provider.model.clone(),
    }))
}
