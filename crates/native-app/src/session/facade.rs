//! The session half of [`NativeApp`]'s facade: one short function per shell
//! command. User input is parsed into the core newtypes here, at the edge,
//! so nothing malformed reaches the server.

use std::sync::Arc;

use native_core::{EmailAddress, Password};
use tokio::sync::watch;

use super::{AuthState, OAuthProvider, SessionManager, SignUpResult, UrlOpener};
use crate::{AppError, NativeApp};

impl NativeApp {
    fn sessions(&self) -> Result<&Arc<SessionManager>, AppError> {
        self.sessions
            .as_ref()
            .ok_or(AppError::NotConfigured("SUPABASE_URL"))
    }

    /// At launch: the keychain's session, refreshed if needed; offline keeps
    /// it (and retries in the background), a refused one signs out.
    pub async fn restore(&self) -> AuthState {
        match self.sessions() {
            Ok(sessions) => sessions.restore().await,
            Err(_) => AuthState::signed_out(None),
        }
    }

    pub fn auth_state(&self) -> AuthState {
        match self.sessions() {
            Ok(sessions) => sessions.state(),
            Err(_) => AuthState::signed_out(None),
        }
    }

    /// Every change of [`AuthState`], for the shell to forward to the UI.
    pub fn subscribe_auth(&self) -> watch::Receiver<AuthState> {
        match self.sessions() {
            Ok(sessions) => sessions.subscribe(),
            // Never changes: there is no backend to sign in to.
            Err(_) => watch::channel(AuthState::signed_out(None)).1,
        }
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<AuthState, AppError> {
        let (email, password) = (EmailAddress::parse(email)?, Password::parse(password)?);
        self.sessions()?.sign_in(&email, &password).await
    }

    pub async fn sign_up(&self, email: &str, password: &str) -> Result<SignUpResult, AppError> {
        let (email, password) = (EmailAddress::parse(email)?, Password::parse(password)?);
        self.sessions()?.sign_up(&email, &password).await
    }

    /// Mails a recovery link (`native-ai://auth/recovery`). Succeeds whether
    /// or not the address has an account, as the server does.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), AppError> {
        let email = EmailAddress::parse(email)?;
        self.sessions()?.request_password_reset(&email).await
    }

    /// Sets the signed-in user's password (after a recovery link, or to
    /// change it); ends password recovery.
    pub async fn set_new_password(&self, password: &str) -> Result<AuthState, AppError> {
        let password = Password::parse(password)?;
        self.sessions()?.set_new_password(&password).await
    }

    /// Signs in with `provider` in the system browser; returns when the
    /// browser came back (or on `cancel_oauth`, or after the timeout).
    pub async fn start_oauth(
        &self,
        provider: OAuthProvider,
        opener: &dyn UrlOpener,
    ) -> Result<AuthState, AppError> {
        self.sessions()?.start_oauth(provider, opener).await
    }

    pub fn cancel_oauth(&self) {
        if let Ok(sessions) = self.sessions() {
            sessions.cancel_oauth();
        }
    }

    /// A `native-ai://auth/...` link the OS handed to the app.
    pub async fn handle_deep_link(&self, url: &str) -> Result<AuthState, AppError> {
        self.sessions()?.handle_deep_link(url).await
    }

    /// Signs out of this device and forgets the session. A reply still
    /// streaming stops first (kept, marked partial, in this user's cache),
    /// and files waiting to be sent are dropped.
    pub async fn sign_out(&self) -> AuthState {
        self.replies.stop_all();
        self.pending.clear();
        match self.sessions() {
            Ok(sessions) => sessions.sign_out().await,
            Err(_) => AuthState::signed_out(None),
        }
    }

    /// The access token for a backend call: the one place the app gets it.
    pub async fn access_token(&self) -> Result<String, AppError> {
        self.sessions()?.access_token().await
    }
}
