//! `/verify`: following a mailed link. `GET` (a browser following the link)
//! consumes the token and redirects: to `redirect_to?code=...` for PKCE flows,
//! else to `redirect_to#access_token=...&refresh_token=...&type=...` (GoTrue's
//! implicit fragment); a bad or expired link redirects with `error=...`.
//! `POST {type, token_hash}` (supabase-js `verifyOtp`) answers a session.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use sqlx::PgConnection;

use super::error::{AuthError, AuthResult, JsonBody};
use super::redirect::{see_other, with_fragment, with_query, with_session_fragment};
use super::signup::PKCE_PREFIX;
use super::users::{USER_COLUMNS, UserRow};
use super::{DevAuth, pkce, query_map, session};

/// How long a mailed link stays valid (GoTrue's `MAILER_OTP_EXP` default).
const LINK_VALIDITY_SECS: f64 = 86_400.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkKind {
    Signup,
    Recovery,
}

impl LinkKind {
    fn parse(kind: &str) -> AuthResult<Self> {
        match kind {
            "signup" | "email" => Ok(Self::Signup),
            "recovery" => Ok(Self::Recovery),
            "" => Err(AuthError::validation("Verify requires a verification type")),
            _ => Err(AuthError::validation(format!(
                "Verification type {kind} is not supported by the dev auth"
            ))),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::Recovery => "recovery",
        }
    }

    /// The sign-in method GoTrue records for a session started by the link.
    fn authentication_method(self) -> &'static str {
        match self {
            Self::Signup => "email/signup",
            Self::Recovery => "recovery",
        }
    }
}

/// Consumes a link token: confirms the address (both kinds do, since a
/// recovery link proves ownership too) and clears the token so the link works
/// once. Answers `None` for unknown, used or expired tokens.
async fn consume(
    conn: &mut PgConnection,
    kind: LinkKind,
    token: &str,
) -> AuthResult<Option<UserRow>> {
    let (token_column, sent_column) = match kind {
        LinkKind::Signup => ("confirmation_token", "confirmation_sent_at"),
        LinkKind::Recovery => ("recovery_token", "recovery_sent_at"),
    };
    let sql = format!(
        "update auth.users set {token_column} = '', \
           email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now() \
         where {token_column} = $1 and $1 <> '' \
           and {sent_column} + $2::float8 * interval '1 second' > now() \
         returning {USER_COLUMNS}"
    );
    Ok(sqlx::query_as::<_, UserRow>(&sql)
        .bind(token)
        .bind(LINK_VALIDITY_SECS)
        .fetch_optional(conn)
        .await?)
}

pub(crate) async fn verify_link(
    State(auth): State<DevAuth>,
    RawQuery(query): RawQuery,
) -> AuthResult<Response> {
    let mut params = query_map(query.as_deref());
    let kind = LinkKind::parse(params.get("type").map_or("", String::as_str))?;
    let token = params.remove("token").unwrap_or_default();
    if token.is_empty() {
        return Err(AuthError::validation(
            "Verify requires a token or a token hash",
        ));
    }
    let target = auth.redirect_target(params.get("redirect_to").map(String::as_str))?;
    let is_pkce = token.starts_with(PKCE_PREFIX);

    let mut tx = auth.pool().begin().await?;
    let code_or_session = match consume(&mut tx, kind, &token).await? {
        None => None,
        Some(user) if is_pkce => pkce::issue_code(&mut tx, user.id, kind.authentication_method())
            .await?
            .map(LinkOutcome::Code),
        Some(user) => {
            let (session_id, refresh_token) =
                session::start(&mut tx, user.id, kind.authentication_method()).await?;
            let answer = auth
                .session_json(&mut tx, user.id, session_id, &refresh_token)
                .await?;
            Some(LinkOutcome::Session(answer))
        }
    };
    tx.commit().await?;

    let url = match code_or_session {
        Some(LinkOutcome::Code(code)) => with_query(target, &[("code", &code)]),
        Some(LinkOutcome::Session(answer)) => with_session_fragment(target, &answer, kind.as_str()),
        None => {
            let error = [
                ("error", "access_denied"),
                ("error_code", "otp_expired"),
                ("error_description", "Email link is invalid or has expired"),
            ];
            // GoTrue reports errors of PKCE flows in the query (the app
            // reads `?code=` there) and of implicit flows in the fragment.
            if is_pkce {
                with_query(target, &error)
            } else {
                with_fragment(target, &error)
            }
        }
    };
    Ok(see_other(&url))
}

enum LinkOutcome {
    Code(String),
    Session(Value),
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct VerifyBody {
    r#type: Option<String>,
    token_hash: Option<String>,
    token: Option<String>,
}

pub(crate) async fn verify_otp(
    State(auth): State<DevAuth>,
    JsonBody(body): JsonBody<VerifyBody>,
) -> AuthResult<Json<Value>> {
    let kind = LinkKind::parse(body.r#type.as_deref().unwrap_or_default())?;
    // The dev auth mails no six-digit codes, only links, so a `token` can
    // only be the link's token, like `token_hash`.
    let token = body
        .token_hash
        .or(body.token)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| AuthError::validation("Verify requires a token or a token hash"))?;
    let mut tx = auth.pool().begin().await?;
    let user = consume(&mut tx, kind, &token)
        .await?
        .ok_or_else(|| AuthError::forbidden("otp_expired", "Token has expired or is invalid"))?;
    let (session_id, refresh_token) =
        session::start(&mut tx, user.id, kind.authentication_method()).await?;
    let answer = auth
        .session_json(&mut tx, user.id, session_id, &refresh_token)
        .await?;
    tx.commit().await?;
    Ok(Json(answer))
}
