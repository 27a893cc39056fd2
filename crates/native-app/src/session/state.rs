//! What the UI knows about the session: the wire types of the auth state
//! machine. They hold no token: the UI never sees one.

use native_core::UserId;
use serde::Serialize;

/// Who is signed in, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub id: UserId,
    pub email: String,
}

/// Why the user is signed out, when it was not their choice or the UI
/// should say something about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SignOutReason {
    /// The server refused the session (expired, revoked, reused): sign in again.
    SessionExpired,
    /// The user signed out.
    SignedOut,
}

/// Where the session is kept between launches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Persistence {
    /// In the OS keychain: the next launch is signed in.
    Keychain,
    /// The keychain is unavailable: the next launch asks to sign in again.
    MemoryOnly,
}

/// The OAuth providers the app offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum OAuthProvider {
    Google,
    Github,
}

impl OAuthProvider {
    /// GoTrue's name for the provider (`/authorize?provider=`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Github => "github",
        }
    }
}

/// The session state machine the UI renders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum AuthState {
    /// At launch, before the keychain has been read.
    Restoring,
    SignedOut {
        reason: Option<SignOutReason>,
    },
    /// `offline`: the session could not be refreshed for lack of network; it
    /// is kept and retried in the background.
    SignedIn {
        user: Profile,
        offline: bool,
        persistence: Persistence,
    },
    /// Signed in through a recovery link: the UI asks for a new password.
    PasswordRecovery {
        user: Profile,
    },
    /// Waiting for the browser to come back from the provider.
    #[serde(rename = "oauthPending")]
    OAuthPending {
        provider: OAuthProvider,
    },
}

impl AuthState {
    pub(crate) fn signed_out(reason: Option<SignOutReason>) -> Self {
        Self::SignedOut { reason }
    }
}

/// What a sign-up led to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SignUpResult {
    /// The project confirms sign-ups at once: the user is signed in.
    SignedIn { state: AuthState },
    /// A confirmation e-mail was sent to `email`.
    ConfirmationSent { email: String },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_wire_shapes_are_pinned() {
        let id = UserId::new_random();
        let user = Profile {
            id,
            email: "ada@example.com".into(),
        };
        let signed_in = AuthState::SignedIn {
            user,
            offline: false,
            persistence: Persistence::MemoryOnly,
        };
        assert_eq!(
            serde_json::to_value(&signed_in).unwrap(),
            json!({"status": "signedIn", "user": {"id": id, "email": "ada@example.com"},
                   "offline": false, "persistence": "memory_only"})
        );
        assert_eq!(
            serde_json::to_value(AuthState::signed_out(Some(SignOutReason::SessionExpired)))
                .unwrap(),
            json!({"status": "signedOut", "reason": "session_expired"})
        );
        assert_eq!(
            serde_json::to_value(AuthState::OAuthPending {
                provider: OAuthProvider::Github
            })
            .unwrap(),
            json!({"status": "oauthPending", "provider": "github"})
        );
        assert_eq!(
            serde_json::to_value(SignUpResult::SignedIn { state: signed_in }).unwrap()["kind"],
            "signedIn"
        );
        assert_eq!(
            serde_json::to_value(SignUpResult::ConfirmationSent {
                email: "ada@example.com".into()
            })
            .unwrap(),
            json!({"kind": "confirmationSent", "email": "ada@example.com"})
        );
    }
}
