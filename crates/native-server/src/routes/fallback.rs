//! Answers for paths and methods no route serves, as `{code, message}` like
//! every other error (axum's defaults are empty bodies).

use crate::ApiError;

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
