//! Sessions as GoTrue keeps them: a row in `auth.sessions`, the sign-in method
//! in `auth.mfa_amr_claims` (it becomes the `amr` claim of every access token
//! of the session, refreshed ones included), and a chain of single-use refresh
//! tokens in `auth.refresh_tokens`. Also the access tokens themselves and the
//! Bearer-token check of user-scoped endpoints.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde_json::{Value, json};
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use super::DevAuth;
use super::error::{AuthError, AuthResult};
use super::users::{self, UserRow};

/// A fresh refresh token. GoTrue issues short random strings (12 characters
/// in older versions, 16 random bytes base64url-encoded in newer ones).
pub(crate) fn new_refresh_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Starts a session for `user` signed in by `method` (GoTrue's authentication
/// method names: `password`, `oauth`, `otp`, `recovery`, ...), issuing its first
/// refresh token. Answers the session id and that token.
pub(crate) async fn start(
    conn: &mut PgConnection,
    user_id: Uuid,
    method: &str,
) -> AuthResult<(Uuid, String)> {
    let session_id = Uuid::new_v4();
    sqlx::query(
        "insert into auth.sessions (id, user_id, created_at, updated_at, aal) \
         values ($1, $2, now(), now(), 'aal1')",
    )
    .bind(session_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method) \
         values ($1, $2, now(), now(), $3)",
    )
    .bind(Uuid::new_v4())
    .bind(session_id)
    .bind(method)
    .execute(&mut *conn)
    .await?;
    let token = insert_refresh_token(conn, user_id, session_id, None).await?;
    sqlx::query("update auth.users set last_sign_in_at = now() where id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok((session_id, token))
}

/// Issues a refresh token in `session_id`, as the child of `parent` when this
/// is a rotation.
pub(crate) async fn insert_refresh_token(
    conn: &mut PgConnection,
    user_id: Uuid,
    session_id: Uuid,
    parent: Option<&str>,
) -> AuthResult<String> {
    let token = new_refresh_token();
    sqlx::query(
        "insert into auth.refresh_tokens \
           (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id) \
         values ('00000000-0000-0000-0000-000000000000', $1, $2, false, now(), now(), $3, $4)",
    )
    .bind(&token)
    .bind(user_id.to_string())
    .bind(parent)
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// The `amr` claim of a session: each sign-in method with its Unix time.
async fn amr(conn: &mut PgConnection, session_id: Uuid) -> AuthResult<Vec<Value>> {
    let rows: Vec<(String, OffsetDateTime)> = sqlx::query_as(
        "select authentication_method, created_at from auth.mfa_amr_claims \
         where session_id = $1 order by created_at desc",
    )
    .bind(session_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(method, at)| json!({ "method": method, "timestamp": at.unix_timestamp() }))
        .collect())
}

impl DevAuth {
    /// The session answer of `/token` (and of auto-confirmed sign-ups): a new
    /// access token for the session, with the given refresh token and the user.
    pub(crate) async fn session_json(
        &self,
        conn: &mut PgConnection,
        user_id: Uuid,
        session_id: Uuid,
        refresh_token: &str,
    ) -> AuthResult<Value> {
        let amr = amr(conn, session_id).await?;
        // Read the user here so `last_sign_in_at` and metadata are current.
        let user = users::find_by_id(conn, user_id)
            .await?
            .ok_or_else(|| AuthError::internal("user vanished while issuing a session"))?;
        let ttl = self.access_token_ttl_secs();
        let iat = OffsetDateTime::now_utc().unix_timestamp();
        let exp = iat + ttl;
        let claims = json!({
            "iss": self.issuer(),
            "sub": user.id,
            "aud": "authenticated",
            "exp": exp,
            "iat": iat,
            "email": user.email(),
            "phone": user.phone.as_deref().unwrap_or_default(),
            "app_metadata": user.app_metadata(),
            "user_metadata": user.user_metadata(),
            "role": user.role.as_deref().unwrap_or("authenticated"),
            "aal": "aal1",
            "amr": amr,
            "session_id": session_id,
            "is_anonymous": user.is_anonymous,
        });
        let access_token = self
            .inner
            .keys
            .try_sign(&claims)
            .map_err(AuthError::internal)?;
        Ok(json!({
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": ttl,
            "expires_at": exp,
            "refresh_token": refresh_token,
            "user": user.to_json(),
        }))
    }
}

/// The caller of a user-scoped endpoint, from a verified Bearer token.
#[derive(Debug)]
pub(crate) struct Caller {
    pub user: UserRow,
    pub session_id: Option<Uuid>,
}

/// GoTrue's `requireAuthentication`: a Bearer token with a valid HS256
/// signature and `exp`, whose user exists and whose session (when the token
/// names one) has not been signed out.
pub(crate) async fn authenticate(
    auth: &DevAuth,
    conn: &mut PgConnection,
    headers: &HeaderMap,
) -> AuthResult<Caller> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            AuthError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "no_authorization",
                "This endpoint requires a valid Bearer token",
            )
        })?;
    let claims = auth.inner.keys.verify(token, None).map_err(|err| {
        let reason = match err.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                "token has invalid claims: token is expired"
            }
            jsonwebtoken::errors::ErrorKind::InvalidSignature => "signature is invalid",
            _ => "token is malformed",
        };
        AuthError::forbidden(
            "bad_jwt",
            format!("invalid JWT: unable to parse or verify signature, {reason}"),
        )
    })?;
    let user_id = claims
        .get("sub")
        .and_then(Value::as_str)
        .and_then(|sub| Uuid::parse_str(sub).ok())
        .ok_or_else(|| AuthError::forbidden("bad_jwt", "invalid claim: missing sub claim"))?;
    let session_id = match claims.get("session_id") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            value
                .as_str()
                .and_then(|id| Uuid::parse_str(id).ok())
                .ok_or_else(|| AuthError::forbidden("bad_jwt", "invalid claim: session_id"))?,
        ),
    };
    let user = users::find_by_id(conn, user_id).await?.ok_or_else(|| {
        AuthError::forbidden(
            "user_not_found",
            "User from sub claim in JWT does not exist",
        )
    })?;
    let live = match session_id {
        Some(session_id) => session_is_live(conn, session_id).await?,
        // Tokens without a session (forged by tests, or legacy) are accepted,
        // as GoTrue accepts them.
        None => true,
    };
    if !live {
        return Err(AuthError::forbidden(
            "session_not_found",
            "Session from session_id claim in JWT does not exist",
        ));
    }
    Ok(Caller { user, session_id })
}

/// Whether a session exists and has not been revoked. Reuse detection revokes
/// a session by setting `not_after` (so its spent tokens are still recognised
/// as spent); sign-out deletes it.
pub(crate) async fn session_is_live(conn: &mut PgConnection, session_id: Uuid) -> AuthResult<bool> {
    let live: Option<bool> = sqlx::query_scalar(
        "select not_after is null or not_after > now() from auth.sessions where id = $1",
    )
    .bind(session_id)
    .fetch_optional(conn)
    .await?;
    Ok(live.unwrap_or(false))
}
