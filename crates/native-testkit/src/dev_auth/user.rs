//! The user-scoped endpoints, all behind a Bearer access token: `GET /user`,
//! `PUT /user` (password and metadata changes) and `POST /logout` with
//! GoTrue's scopes (`local`: this session; `global`, the default: every
//! session of the user; `others`: every session but this one).

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::{AuthError, AuthResult, JsonBody};
use super::session::authenticate;
use super::{DevAuth, query_map, users};

pub(crate) async fn get_user(
    State(auth): State<DevAuth>,
    headers: HeaderMap,
) -> AuthResult<Json<Value>> {
    let mut conn = auth.pool().acquire().await?;
    let caller = authenticate(&auth, &mut conn, &headers).await?;
    Ok(Json(caller.user.to_json()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct UserUpdate {
    email: Option<String>,
    password: Option<String>,
    data: Option<Map<String, Value>>,
}

pub(crate) async fn put_user(
    State(auth): State<DevAuth>,
    headers: HeaderMap,
    JsonBody(update): JsonBody<UserUpdate>,
) -> AuthResult<Json<Value>> {
    let mut tx = auth.pool().begin().await?;
    let caller = authenticate(&auth, &mut tx, &headers).await?;
    let user = caller.user;
    if let Some(email) = update.email.as_deref() {
        let email = users::normalize_email(Some(email))?;
        if email != user.email() {
            return Err(AuthError::unprocessable(
                "validation_failed",
                "Changing the e-mail address is not supported by the dev auth",
            ));
        }
    }
    if let Some(password) = update.password.as_deref() {
        let password = users::check_password(Some(password))?;
        if users::password_matches(password, user.encrypted_password.as_deref()).await? {
            return Err(AuthError::unprocessable(
                "same_password",
                "New password should be different from the old password.",
            ));
        }
        let hash = users::hash_password(password).await?;
        sqlx::query(
            "update auth.users set encrypted_password = $2, updated_at = now() where id = $1",
        )
        .bind(user.id)
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(data) = &update.data {
        let merged = users::merge_metadata(&user.user_metadata(), data);
        sqlx::query(
            "update auth.users set raw_user_meta_data = $2, updated_at = now() where id = $1",
        )
        .bind(user.id)
        .bind(merged)
        .execute(&mut *tx)
        .await?;
    }
    let user = users::find_by_id(&mut tx, user.id)
        .await?
        .ok_or_else(|| AuthError::internal("user vanished during update"))?;
    tx.commit().await?;
    Ok(Json(user.to_json()))
}

pub(crate) async fn logout(
    State(auth): State<DevAuth>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> AuthResult<StatusCode> {
    let scope = query_map(query.as_deref())
        .remove("scope")
        .unwrap_or_else(|| "global".to_owned());
    let mut tx = auth.pool().begin().await?;
    let caller = authenticate(&auth, &mut tx, &headers).await?;
    // Deleting a session cascades to its refresh tokens and `amr` claims, so
    // its tokens can no longer be refreshed and its access tokens are refused.
    let deleted = match scope.as_str() {
        "local" => {
            sqlx::query("delete from auth.sessions where id = $1")
                .bind(caller.session_id)
                .execute(&mut *tx)
                .await?
        }
        "global" => {
            sqlx::query("delete from auth.sessions where user_id = $1")
                .bind(caller.user.id)
                .execute(&mut *tx)
                .await?
        }
        "others" => {
            sqlx::query("delete from auth.sessions where user_id = $1 and id is distinct from $2")
                .bind(caller.user.id)
                .bind(caller.session_id)
                .execute(&mut *tx)
                .await?
        }
        _ => {
            return Err(AuthError::validation(
                "Unsupported logout scope: use local, global or others",
            ));
        }
    };
    tx.commit().await?;
    tracing::debug!(%scope, sessions = deleted.rows_affected(), "dev auth: signed out");
    Ok(StatusCode::NO_CONTENT)
}
