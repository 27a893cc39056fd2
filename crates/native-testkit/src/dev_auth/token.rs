//! `POST /token`: the password, refresh-token and PKCE grants.
//!
//! Refresh follows GoTrue's rotation rules: presenting the active token spends
//! it and issues a child in the same session; presenting a spent token within
//! the reuse interval of its revocation answers the session's current token
//! again (a client that lost the answer of a refresh can recover); presenting
//! it later is treated as token theft: `refresh_token_already_used`, and the
//! whole session is revoked.

use axum::Json;
use axum::extract::{RawQuery, State};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::error::{AuthError, AuthResult, parse_json};
use super::{DevAuth, pkce, query_map, session, users};

pub(crate) async fn token(
    State(auth): State<DevAuth>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> AuthResult<Json<Value>> {
    let grant_type = query_map(query.as_deref())
        .remove("grant_type")
        .unwrap_or_default();
    let answer = match grant_type.as_str() {
        "password" => password(&auth, parse_json(&body)?).await?,
        "refresh_token" => refresh(&auth, parse_json(&body)?).await?,
        "pkce" => pkce_grant(&auth, parse_json(&body)?).await?,
        _ => return Err(AuthError::validation("unsupported_grant_type")),
    };
    Ok(Json(answer))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordGrant {
    email: Option<String>,
    phone: Option<String>,
    password: Option<String>,
}

async fn password(auth: &DevAuth, grant: PasswordGrant) -> AuthResult<Value> {
    let email = grant.email.unwrap_or_default().trim().to_lowercase();
    if email.is_empty() {
        return Err(if grant.phone.is_some_and(|phone| !phone.is_empty()) {
            AuthError::bad_request("phone_provider_disabled", "Phone logins are disabled")
        } else {
            AuthError::validation("missing email or phone")
        });
    }
    let password = grant.password.unwrap_or_default();
    let mut tx = auth.pool().begin().await?;
    let user = users::find_by_email(&mut tx, &email)
        .await?
        .ok_or_else(AuthError::invalid_credentials)?;
    if !users::password_matches(&password, user.encrypted_password.as_deref()).await? {
        return Err(AuthError::invalid_credentials());
    }
    // GoTrue checks the password before confirmation, so an unconfirmed
    // address only becomes visible to someone who knows the password.
    if user.email_confirmed_at.is_none() {
        return Err(AuthError::bad_request(
            "email_not_confirmed",
            "Email not confirmed",
        ));
    }
    let (session_id, refresh_token) = session::start(&mut tx, user.id, "password").await?;
    let answer = auth
        .session_json(&mut tx, user.id, session_id, &refresh_token)
        .await?;
    tx.commit().await?;
    Ok(answer)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RefreshGrant {
    refresh_token: Option<String>,
}

/// One `auth.refresh_tokens` row, locked for the rotation.
#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_id: Option<String>,
    revoked: Option<bool>,
    session_id: Option<Uuid>,
    /// Whether the reuse interval since the token was revoked (its
    /// `updated_at`) has passed, computed by the database clock.
    past_reuse_interval: bool,
}

fn not_found() -> AuthError {
    AuthError::bad_request(
        "refresh_token_not_found",
        "Invalid Refresh Token: Refresh Token Not Found",
    )
}

async fn refresh(auth: &DevAuth, grant: RefreshGrant) -> AuthResult<Value> {
    let presented = grant.refresh_token.unwrap_or_default();
    if presented.is_empty() {
        return Err(AuthError::validation("refresh_token required"));
    }
    let mut tx = auth.pool().begin().await?;
    // `for update` serialises concurrent refreshes of the same token: the
    // second one waits, then sees the token spent and takes the reuse path.
    let row: Option<TokenRow> = sqlx::query_as(
        "select id, user_id, revoked, session_id, \
           updated_at + $2::float8 * interval '1 millisecond' < clock_timestamp() \
             as past_reuse_interval \
         from auth.refresh_tokens where token = $1 for update",
    )
    .bind(&presented)
    .bind(auth.reuse_interval().as_secs_f64() * 1000.0)
    .fetch_optional(&mut *tx)
    .await?;
    let row = row.ok_or_else(not_found)?;
    let (Some(session_id), Some(user_id)) = (
        row.session_id,
        row.user_id
            .as_deref()
            .and_then(|id| Uuid::parse_str(id).ok()),
    ) else {
        return Err(not_found());
    };
    let revoked = row.revoked.unwrap_or(false);

    if revoked && row.past_reuse_interval {
        revoke_session(&mut tx, session_id).await?;
        tx.commit().await?;
        tracing::warn!(%session_id, "dev auth: spent refresh token reused; session revoked");
        return Err(already_used());
    }
    if !session::session_is_live(&mut tx, session_id).await? {
        return Err(AuthError::bad_request(
            "session_expired",
            "Invalid Refresh Token: Session Expired",
        ));
    }
    let refresh_token = if revoked {
        // Within the reuse interval: answer the session's current token.
        current_token(&mut tx, session_id)
            .await?
            .ok_or_else(already_used)?
    } else {
        sqlx::query(
            "update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1",
        )
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("update auth.sessions set updated_at = now() where id = $1")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        session::insert_refresh_token(&mut tx, user_id, session_id, Some(&presented)).await?
    };
    let answer = auth
        .session_json(&mut tx, user_id, session_id, &refresh_token)
        .await?;
    tx.commit().await?;
    Ok(answer)
}

fn already_used() -> AuthError {
    AuthError::bad_request(
        "refresh_token_already_used",
        "Invalid Refresh Token: Already Used",
    )
}

/// The session's active (unrevoked) refresh token, the newest if several.
async fn current_token(conn: &mut PgConnection, session_id: Uuid) -> AuthResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "select token from auth.refresh_tokens \
         where session_id = $1 and revoked = false order by id desc limit 1",
    )
    .bind(session_id)
    .fetch_optional(conn)
    .await?)
}

/// Revokes every token of the session and the session itself. The rows stay,
/// so a later presentation of any of its tokens is still recognised as reuse.
async fn revoke_session(conn: &mut PgConnection, session_id: Uuid) -> AuthResult<()> {
    sqlx::query(
        "update auth.refresh_tokens set revoked = true, updated_at = now() \
         where session_id = $1 and revoked = false",
    )
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update auth.sessions set not_after = now(), updated_at = now() \
         where id = $1 and (not_after is null or not_after > now())",
    )
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PkceGrant {
    auth_code: Option<String>,
    code_verifier: Option<String>,
}

#[derive(sqlx::FromRow)]
struct FlowRow {
    id: Uuid,
    user_id: Option<Uuid>,
    code_challenge_method: String,
    code_challenge: String,
    authentication_method: String,
    expired: bool,
}

async fn pkce_grant(auth: &DevAuth, grant: PkceGrant) -> AuthResult<Value> {
    let auth_code = grant.auth_code.unwrap_or_default();
    let verifier = grant.code_verifier.unwrap_or_default();
    if auth_code.is_empty() || verifier.is_empty() {
        return Err(AuthError::validation(
            "invalid request: both auth code and code verifier should be non-empty",
        ));
    }
    let mut tx = auth.pool().begin().await?;
    let flow: Option<FlowRow> = sqlx::query_as(
        "select id, user_id, code_challenge_method, code_challenge, authentication_method, \
           coalesce(auth_code_issued_at, created_at) + $2::float8 * interval '1 millisecond' \
             < clock_timestamp() as expired \
         from auth.flow_state where auth_code = $1 for update",
    )
    .bind(&auth_code)
    .bind(auth.flow_state_ttl().as_secs_f64() * 1000.0)
    .fetch_optional(&mut *tx)
    .await?;
    let flow = flow.ok_or_else(flow_state_not_found)?;
    let user_id = flow.user_id.ok_or_else(flow_state_not_found)?;
    if flow.expired {
        return Err(AuthError::unprocessable(
            "flow_state_expired",
            "invalid flow state, flow state has expired",
        ));
    }
    if !pkce::verifier_matches(&flow.code_challenge, &flow.code_challenge_method, &verifier) {
        return Err(AuthError::bad_request(
            "bad_code_verifier",
            "code challenge does not match previously saved code verifier",
        ));
    }
    // Single use: the flow state goes with the exchange.
    sqlx::query("delete from auth.flow_state where id = $1")
        .bind(flow.id)
        .execute(&mut *tx)
        .await?;
    let (session_id, refresh_token) =
        session::start(&mut tx, user_id, &flow.authentication_method).await?;
    let answer = auth
        .session_json(&mut tx, user_id, session_id, &refresh_token)
        .await?;
    tx.commit().await?;
    Ok(answer)
}

fn flow_state_not_found() -> AuthError {
    AuthError::new(
        axum::http::StatusCode::NOT_FOUND,
        "flow_state_not_found",
        "invalid flow state, no valid flow state found",
    )
}
