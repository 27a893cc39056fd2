//! The session manager: signs in and out, keeps the session in the OS
//! keychain, refreshes the access token before it expires and publishes the
//! [`AuthState`] the UI renders.
//!
//! [`SessionManager::access_token`] is the one place the rest of the app gets
//! a token. It refreshes when fewer than 90 s remain (supabase-js's margin),
//! and it is single-flight: refresh tokens are single-use, so concurrent
//! callers queue on one lock and re-check after acquiring it, and only the
//! first one spends the token. A refresh that fails for lack of network keeps
//! the session (offline); one the server refuses ends it (`session_expired`).

mod facade;
mod link;
mod oauth;
mod refresh;
mod state;
mod store;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use native_client::{AuthClient, AuthSession, SignUpOutcome};
use native_core::{EmailAddress, Password};
use tokio::sync::watch;
use tokio::task::AbortHandle;

pub use oauth::UrlOpener;
pub use state::{AuthState, OAuthProvider, Persistence, Profile, SignOutReason, SignUpResult};
pub use store::{KEYCHAIN_SERVICE, KeyringStore, MemoryStore, SecretStore, entry_key};

use crate::AppError;
use store::{StoredSession, Vault};

/// Where confirmation links send the browser back: the app's deep link.
const CALLBACK_LINK: &str = "native-ai://auth/callback";
/// Where recovery links send the browser back.
const RECOVERY_LINK: &str = "native-ai://auth/recovery";
/// How long a browser sign-in may take (GoTrue's PKCE codes live 5 minutes).
pub(crate) const OAUTH_TIMEOUT: Duration = Duration::from_secs(300);

/// The session of one backend project. Shared (`Arc`) with the background
/// tasks it starts (refresh retries, the OAuth loopback listener).
pub(crate) struct SessionManager {
    client: AuthClient,
    vault: Arc<Vault>,
    state: watch::Sender<AuthState>,
    /// The current session; also the single-flight lock of refreshes.
    session: tokio::sync::Mutex<Option<StoredSession>>,
    retry: Mutex<Option<AbortHandle>>,
    oauth: Mutex<Option<oauth::Pending>>,
    /// The PKCE verifier of the last recovery e-mail this run asked for.
    recovery_verifier: Mutex<Option<String>>,
    oauth_timeout: Duration,
}

impl std::fmt::Debug for SessionManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionManager")
            .field("state", &*self.state.borrow())
            .finish_non_exhaustive()
    }
}

impl SessionManager {
    pub(crate) fn new(
        client: AuthClient,
        store: Arc<dyn SecretStore>,
        supabase_url: &str,
        oauth_timeout: Duration,
    ) -> Self {
        Self {
            client,
            vault: Arc::new(Vault::new(store, supabase_url)),
            state: watch::channel(AuthState::Restoring).0,
            session: tokio::sync::Mutex::new(None),
            retry: Mutex::new(None),
            oauth: Mutex::new(None),
            recovery_verifier: Mutex::new(None),
            oauth_timeout,
        }
    }

    /// The store this manager was built with (not the memory fallback).
    pub(crate) fn store(&self) -> Arc<dyn SecretStore> {
        self.vault.primary()
    }

    pub(crate) fn state(&self) -> AuthState {
        self.state.borrow().clone()
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<AuthState> {
        self.state.subscribe()
    }

    fn publish(&self, state: AuthState) -> AuthState {
        self.state.send_replace(state.clone());
        state
    }

    fn signed_in(&self, user: &store::StoredSession, offline: bool) -> AuthState {
        AuthState::SignedIn {
            user: user.user.clone(),
            offline,
            persistence: self.vault.persistence(),
        }
    }

    pub(crate) async fn sign_in(
        self: &Arc<Self>,
        email: &EmailAddress,
        password: &Password,
    ) -> Result<AuthState, AppError> {
        let session = self.client.sign_in_password(email, password).await?;
        Ok(self.establish(session, false).await)
    }

    pub(crate) async fn sign_up(
        self: &Arc<Self>,
        email: &EmailAddress,
        password: &Password,
    ) -> Result<SignUpResult, AppError> {
        let outcome = self
            .client
            .sign_up(email, password, Some(CALLBACK_LINK))
            .await?;
        Ok(match outcome {
            SignUpOutcome::Session(session) => SignUpResult::SignedIn {
                state: self.establish(session, false).await,
            },
            SignUpOutcome::ConfirmationSent(_) => SignUpResult::ConfirmationSent {
                email: email.to_string(),
            },
        })
    }

    pub(crate) async fn request_password_reset(
        &self,
        email: &EmailAddress,
    ) -> Result<(), AppError> {
        let pkce = oauth::Pkce::generate();
        self.client
            .recover(email, Some(RECOVERY_LINK), Some(&pkce.challenge))
            .await?;
        *lock(&self.recovery_verifier) = Some(pkce.verifier);
        Ok(())
    }

    pub(crate) async fn set_new_password(
        self: &Arc<Self>,
        password: &Password,
    ) -> Result<AuthState, AppError> {
        let token = self.access_token().await?;
        self.client.update_password(&token, password).await?;
        let guard = self.session.lock().await;
        let state = match guard.as_ref() {
            Some(session) => self.publish(self.signed_in(session, false)),
            None => self.state(),
        };
        Ok(state)
    }

    /// Signs out of this device: the server session ends (best effort: an
    /// offline sign-out still forgets the session here), the keychain entry
    /// goes.
    pub(crate) async fn sign_out(&self) -> AuthState {
        self.stop_retry();
        self.cancel_oauth();
        let taken = self.session.lock().await.take();
        if let Some(session) = taken {
            let signed_out = self
                .client
                .sign_out_local(&self.sign_out_token(&session).await)
                .await;
            if let Err(err) = signed_out {
                let code = AppError::from(err).code();
                tracing::info!(
                    ?code,
                    "server sign-out failed; forgetting the session locally"
                );
            }
        }
        self.vault.delete().await;
        self.publish(AuthState::signed_out(Some(SignOutReason::SignedOut)))
    }

    /// An access token the server still accepts for the sign-out: it ends a
    /// session only for a valid token, so an expired one (the app sat idle)
    /// is refreshed first, quietly, since the session is being forgotten
    /// either way.
    async fn sign_out_token(&self, session: &StoredSession) -> String {
        if !refresh::has_expired(session) {
            return session.access_token.clone();
        }
        match self.client.refresh(&session.refresh_token).await {
            Ok(fresh) => fresh.access_token,
            Err(_) => session.access_token.clone(),
        }
    }

    /// Makes `session` the current one: kept in the keychain, published as
    /// signed in (or in password recovery).
    async fn establish(self: &Arc<Self>, session: AuthSession, recovery: bool) -> AuthState {
        self.stop_retry();
        let stored = StoredSession::from(session);
        self.vault.save(&stored).await;
        let state = if recovery {
            AuthState::PasswordRecovery {
                user: stored.user.clone(),
            }
        } else {
            self.signed_in(&stored, false)
        };
        *self.session.lock().await = Some(stored);
        tracing::info!("signed in");
        self.publish(state)
    }

    fn stop_retry(&self) {
        if let Some(handle) = lock(&self.retry).take() {
            handle.abort();
        }
    }
}

/// Locks a std mutex, ignoring poisoning: the values guarded here (handles,
/// verifiers) stay consistent even if a holder panicked.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
