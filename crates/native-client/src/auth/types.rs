//! What the Auth API answers, decoded into the few fields the app uses. The
//! types holding tokens print them redacted.

use std::time::{SystemTime, UNIX_EPOCH};

use native_core::UserId;
use serde::Deserialize;

use crate::ClientError;

/// The signed-in user as the Auth server describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub id: UserId,
    pub email: Option<String>,
}

/// A session: the short-lived access token, the single-use refresh token,
/// when the access token expires (unix seconds) and whose it is.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthSession {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: i64,
    pub user: AuthUser,
}

impl std::fmt::Debug for AuthSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSession")
            .field("access_token", &"***")
            .field("refresh_token", &"***")
            .field("expires_at", &self.expires_at)
            .field("user", &self.user)
            .finish()
    }
}

/// What a sign-up gave: a session at once (auto-confirm), or only a user and
/// a confirmation e-mail on its way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignUpOutcome {
    Session(AuthSession),
    ConfirmationSent(AuthUser),
}

#[derive(Deserialize)]
pub(crate) struct UserJson {
    id: String,
    #[serde(default)]
    email: Option<String>,
}

impl UserJson {
    pub(crate) fn into_user(self) -> Result<AuthUser, ClientError> {
        let id = UserId::parse(&self.id)
            .map_err(|_| ClientError::Decode("the user id is not a UUID".to_owned()))?;
        // GoTrue answers "" rather than null for users without an address.
        let email = self.email.filter(|e| !e.is_empty());
        Ok(AuthUser { id, email })
    }
}

#[derive(Deserialize)]
pub(crate) struct SessionJson {
    access_token: String,
    refresh_token: String,
    #[serde(default)]
    expires_at: Option<i64>,
    #[serde(default)]
    expires_in: Option<i64>,
    user: UserJson,
}

impl SessionJson {
    pub(crate) fn into_session(self) -> Result<AuthSession, ClientError> {
        // `expires_at` is authoritative; older servers send only `expires_in`.
        let expires_at = match (self.expires_at, self.expires_in) {
            (Some(at), _) => at,
            (None, Some(seconds)) => unix_now() + seconds,
            (None, None) => {
                return Err(ClientError::Decode("the session has no expiry".to_owned()));
            }
        };
        if self.access_token.is_empty() || self.refresh_token.is_empty() {
            return Err(ClientError::Decode(
                "the session has an empty token".to_owned(),
            ));
        }
        Ok(AuthSession {
            access_token: self.access_token,
            refresh_token: self.refresh_token,
            expires_at,
            user: self.user.into_user()?,
        })
    }
}

/// Decodes a sign-up answer: a session when it holds tokens, else the user
/// (top level, as GoTrue answers, or under `user`).
pub(crate) fn sign_up_outcome(body: serde_json::Value) -> Result<SignUpOutcome, ClientError> {
    let decode = |e: serde_json::Error| ClientError::Decode(e.to_string());
    if body.get("access_token").is_some_and(|t| !t.is_null()) {
        let session: SessionJson = serde_json::from_value(body).map_err(decode)?;
        return Ok(SignUpOutcome::Session(session.into_session()?));
    }
    let user = match body.get("user") {
        Some(user) if user.is_object() => user.clone(),
        _ => body,
    };
    let user: UserJson = serde_json::from_value(user).map_err(decode)?;
    Ok(SignUpOutcome::ConfirmationSent(user.into_user()?))
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "6b1f8c1e-4d7a-4b43-9a52-0e6a55f4a6b1";

    #[test]
    fn sign_up_answers_decode_to_a_session_or_a_user() {
        let session = json!({"access_token": "a", "refresh_token": "r", "expires_in": 60,
            "user": {"id": ID, "email": "x@example.com"}});
        let Ok(SignUpOutcome::Session(s)) = sign_up_outcome(session) else {
            panic!("a session");
        };
        assert!((s.expires_at - unix_now() - 60).abs() <= 1);
        let bare = json!({"id": ID, "email": "x@example.com", "confirmation_sent_at": "now"});
        assert!(matches!(
            sign_up_outcome(bare),
            Ok(SignUpOutcome::ConfirmationSent(AuthUser {
                email: Some(_),
                ..
            }))
        ));
    }

    #[test]
    fn sessions_print_without_tokens() {
        let session: SessionJson = serde_json::from_value(json!({"access_token": "secret-access",
            "refresh_token": "secret-refresh", "expires_at": 1, "user": {"id": ID}}))
        .unwrap();
        let text = format!("{:?}", session.into_session().unwrap());
        assert!(!text.contains("secret"), "{text}");
    }
}
