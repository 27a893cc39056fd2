//! `POST /signup` and `POST /recover`: creating users (confirmed at once with
//! auto-confirm, else by following a mailed link) and mailing recovery links.
//! Both accept a PKCE code challenge, in which case the link, once followed,
//! redirects with `?code=` instead of tokens in the fragment.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sqlx::PgConnection;
use std::time::SystemTime;
use uuid::Uuid;

use super::error::{AuthError, AuthResult, JsonBody};
use super::pkce::{self, Challenge};
use super::users::{self, NewUser};
use super::{DevAuth, EmailKind, SentEmail, query_map, session};

/// Prefix GoTrue gives e-mail tokens of PKCE flows, so that following the
/// link knows to answer a code rather than tokens.
pub(crate) const PKCE_PREFIX: &str = "pkce_";

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SignupBody {
    email: Option<String>,
    password: Option<String>,
    data: Option<Map<String, Value>>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

pub(crate) async fn signup(
    State(auth): State<DevAuth>,
    RawQuery(query): RawQuery,
    JsonBody(body): JsonBody<SignupBody>,
) -> AuthResult<Response> {
    let email = users::normalize_email(body.email.as_deref())?;
    let password = users::check_password(body.password.as_deref())?;
    let challenge = pkce::parse_challenge(
        body.code_challenge.as_deref(),
        body.code_challenge_method.as_deref(),
    )?;
    let redirect_to = query_map(query.as_deref()).remove("redirect_to");
    let redirect = auth.redirect_target(redirect_to.as_deref())?;

    let password_hash = users::hash_password(password).await?;
    let auto_confirm = auth.auto_confirm();
    let mut tx = auth.pool().begin().await?;
    if users::find_by_email(&mut tx, &email).await?.is_some() {
        return Err(users::user_already_exists());
    }
    let user = users::insert(
        &mut tx,
        NewUser {
            email: &email,
            password_hash: Some(password_hash),
            confirmed: auto_confirm,
            provider: "email",
            user_metadata: Value::Object(body.data.unwrap_or_default()),
        },
    )
    .await?;

    if auto_confirm {
        let (session_id, refresh_token) = session::start(&mut tx, user.id, "password").await?;
        let answer = auth
            .session_json(&mut tx, user.id, session_id, &refresh_token)
            .await?;
        tx.commit().await?;
        return Ok(Json(answer).into_response());
    }

    let token = email_token(challenge.is_some());
    sqlx::query(
        "update auth.users set confirmation_token = $2, confirmation_sent_at = now() where id = $1",
    )
    .bind(user.id)
    .bind(&token)
    .execute(&mut *tx)
    .await?;
    if let Some(challenge) = &challenge {
        pkce::insert_flow_state(&mut tx, user.id, challenge, "email", "email/signup", false)
            .await?;
    }
    let user = users::find_by_id(&mut tx, user.id)
        .await?
        .ok_or_else(|| AuthError::internal("user vanished during sign-up"))?;
    tx.commit().await?;
    auth.mail_link(&email, EmailKind::Confirmation, &token, redirect.as_str());
    // Without confirmation GoTrue answers the bare user, no session.
    Ok(Json(user.to_json()).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct RecoverBody {
    email: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

pub(crate) async fn recover(
    State(auth): State<DevAuth>,
    RawQuery(query): RawQuery,
    JsonBody(body): JsonBody<RecoverBody>,
) -> AuthResult<Json<Value>> {
    let email = users::normalize_email(body.email.as_deref())?;
    let challenge = pkce::parse_challenge(
        body.code_challenge.as_deref(),
        body.code_challenge_method.as_deref(),
    )?;
    let redirect_to = query_map(query.as_deref()).remove("redirect_to");
    let redirect = auth.redirect_target(redirect_to.as_deref())?;

    let mut tx = auth.pool().begin().await?;
    // Whether or not the address exists, the answer is the same `{}`: the
    // endpoint must not reveal which addresses have accounts.
    if let Some(user) = users::find_by_email(&mut tx, &email).await? {
        let token = start_recovery(&mut tx, user.id, challenge.as_ref()).await?;
        tx.commit().await?;
        auth.mail_link(&email, EmailKind::Recovery, &token, redirect.as_str());
    }
    Ok(Json(json!({})))
}

async fn start_recovery(
    conn: &mut PgConnection,
    user_id: Uuid,
    challenge: Option<&Challenge>,
) -> AuthResult<String> {
    let token = email_token(challenge.is_some());
    sqlx::query(
        "update auth.users set recovery_token = $2, recovery_sent_at = now() where id = $1",
    )
    .bind(user_id)
    .bind(&token)
    .execute(&mut *conn)
    .await?;
    if let Some(challenge) = challenge {
        pkce::insert_flow_state(conn, user_id, challenge, "recovery", "recovery", false).await?;
    }
    Ok(token)
}

/// A one-time e-mail token: 28 random bytes in hex, the size of GoTrue's
/// SHA-224 token hashes, prefixed for PKCE flows.
fn email_token(pkce: bool) -> String {
    let mut bytes = [0u8; 28];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    if pkce {
        format!("{PKCE_PREFIX}{hex}")
    } else {
        hex
    }
}

impl DevAuth {
    /// Puts a verification link in the mailbox.
    fn mail_link(&self, to: &str, kind: EmailKind, token: &str, redirect_to: &str) {
        let kind_param = match kind {
            EmailKind::Confirmation => "signup",
            EmailKind::Recovery => "recovery",
        };
        let mut link = format!("{}/verify?", self.issuer());
        link.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .append_pair("token", token)
                .append_pair("type", kind_param)
                .append_pair("redirect_to", redirect_to)
                .finish(),
        );
        self.deliver(SentEmail {
            to: to.to_owned(),
            kind,
            link,
            token: token.to_owned(),
            sent_at: SystemTime::now(),
        });
    }
}
