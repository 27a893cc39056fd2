//! `GET /v1/models`: the allow-list, default model first, in OpenAI's
//! shape. Public: the list is no secret, and the app shows its model picker
//! before anyone signs in.

use axum::Json;
use axum::extract::State;
use native_core::{ModelInfo, ModelList};

use crate::startup::AppState;

pub async fn models(State(state): State<AppState>) -> Json<ModelList> {
    let data = state
        .settings
        .models()
        .into_iter()
        .map(|id| ModelInfo {
            id,
            object: "model".to_owned(),
            owned_by: "native-ai".to_owned(),
        })
        .collect();
    Json(ModelList {
        object: "list".to_owned(),
        data,
    })
}
