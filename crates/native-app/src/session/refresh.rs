//! Keeping the session alive: restoring it at launch, the single-flight
//! refresh behind [`SessionManager::access_token`], and the background retry
//! with exponential backoff while the server cannot be reached.

use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use native_client::ClientError;
use tokio::sync::MutexGuard;

use super::store::StoredSession;
use super::{AuthState, SessionManager, SignOutReason, lock};
use crate::AppError;

/// Refresh when fewer than this many seconds remain (supabase-js: 90 s), so a
/// token handed out is still valid when the request using it arrives.
const REFRESH_MARGIN_SECS: i64 = 90;
/// A token with fewer seconds left than this counts as expired.
const EXPIRED_MARGIN_SECS: i64 = 5;
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(60);

type Slot<'a> = MutexGuard<'a, Option<StoredSession>>;

impl SessionManager {
    /// At launch: the keychain's session, refreshed if it is about to expire.
    pub(crate) async fn restore(self: &Arc<Self>) -> AuthState {
        let Some(stored) = self.vault.load().await else {
            return self.publish(AuthState::signed_out(None));
        };
        let mut slot = self.session.lock().await;
        let near_expiry = needs_refresh(&stored);
        *slot = Some(stored);
        if !near_expiry {
            let state = slot.as_ref().map(|s| self.signed_in(s, false));
            return self.publish(state.unwrap_or(AuthState::signed_out(None)));
        }
        self.publish_if_restoring(&slot);
        match self.refresh_locked(&mut slot).await {
            Ok(_) | Err(AppError::SessionExpired) => {}
            // A server error at launch is treated like no network: keep the
            // cached session and try again in the background.
            Err(_) => self.go_offline(&slot),
        }
        self.state()
    }

    /// A valid access token, refreshed first when it expires within 90 s.
    pub(crate) async fn access_token(self: &Arc<Self>) -> Result<String, AppError> {
        let mut slot = self.session.lock().await;
        // Checked after acquiring the lock: a caller that queued behind a
        // refresh finds the fresh token here and does not spend it again.
        match slot.as_ref() {
            None => Err(AppError::NotSignedIn),
            Some(session) if !needs_refresh(session) => Ok(session.access_token.clone()),
            Some(_) => Ok(self.refresh_locked(&mut slot).await?.access_token.clone()),
        }
    }

    /// Spends the refresh token. The caller holds the session lock, which is
    /// what makes refreshes single-flight.
    async fn refresh_locked<'a>(
        self: &Arc<Self>,
        slot: &'a mut Slot<'_>,
    ) -> Result<&'a StoredSession, AppError> {
        let refresh_token = match slot.as_ref() {
            Some(session) => session.refresh_token.clone(),
            None => return Err(AppError::NotSignedIn),
        };
        match self.client.refresh(&refresh_token).await {
            Ok(fresh) => {
                let fresh = StoredSession::from(fresh);
                self.vault.save(&fresh).await;
                self.stop_retry();
                let fresh = slot.insert(fresh);
                self.publish_online(fresh);
                Ok(fresh)
            }
            Err(err) if is_rejection(&err) => {
                tracing::info!("the server refused the session; signing out");
                **slot = None;
                self.vault.delete().await;
                self.publish(AuthState::signed_out(Some(SignOutReason::SessionExpired)));
                Err(AppError::SessionExpired)
            }
            Err(err) => {
                if matches!(err, ClientError::Offline(_)) {
                    self.go_offline(slot);
                }
                Err(err.into())
            }
        }
    }

    /// Marks the session offline and starts the background retry.
    fn go_offline(self: &Arc<Self>, slot: &Slot<'_>) {
        if let Some(session) = slot.as_ref() {
            let offline = self.signed_in(session, true);
            self.state.send_if_modified(|state| {
                let replace = matches!(state, AuthState::SignedIn { .. } | AuthState::Restoring);
                if replace {
                    *state = offline;
                }
                replace
            });
        }
        self.spawn_retry();
    }

    fn publish_online(&self, session: &StoredSession) {
        let online = self.signed_in(session, false);
        // A recovery session stays in recovery until the password is set.
        self.state.send_if_modified(|state| {
            let replace = matches!(state, AuthState::SignedIn { .. } | AuthState::Restoring);
            if replace && *state != online {
                *state = online;
                return true;
            }
            false
        });
    }

    fn publish_if_restoring(&self, slot: &Slot<'_>) {
        if let Some(session) = slot.as_ref() {
            let online = self.signed_in(session, false);
            self.state.send_if_modified(|state| {
                let restoring = matches!(state, AuthState::Restoring);
                if restoring {
                    *state = online;
                }
                restoring
            });
        }
    }

    /// Retries the refresh after 1 s, 2 s, 4 s... up to 60 s between tries,
    /// until it succeeds or the server refuses the session. One at a time; it
    /// holds the manager weakly so it ends with the app.
    fn spawn_retry(self: &Arc<Self>) {
        let mut retry = lock(&self.retry);
        if retry.as_ref().is_some_and(|handle| !handle.is_finished()) {
            return;
        }
        let manager: Weak<Self> = Arc::downgrade(self);
        let task = tokio::spawn(async move {
            let mut delay = RETRY_FIRST;
            loop {
                tokio::time::sleep(delay).await;
                let Some(manager) = manager.upgrade() else {
                    return;
                };
                match manager.access_token().await {
                    Ok(_) | Err(AppError::SessionExpired | AppError::NotSignedIn) => return,
                    Err(_) => delay = (delay * 2).min(RETRY_MAX),
                }
            }
        });
        *retry = Some(task.abort_handle());
    }
}

fn needs_refresh(session: &StoredSession) -> bool {
    session.expires_at - unix_now() < REFRESH_MARGIN_SECS
}

/// Whether the server would refuse the access token now (it has expired, or
/// will before a request sent now arrives).
pub(super) fn has_expired(session: &StoredSession) -> bool {
    session.expires_at - unix_now() < EXPIRED_MARGIN_SECS
}

/// Whether a failed refresh means the session is over (GoTrue answers 4xx:
/// token not found, already used, session revoked) rather than "try later"
/// (no network, 5xx, rate limited).
fn is_rejection(err: &ClientError) -> bool {
    matches!(err, ClientError::Http { status, .. } if (400..500).contains(status) && *status != 429)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
