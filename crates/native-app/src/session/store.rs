//! Where a session lives between launches: the OS keychain, one entry per
//! backend project (service `ai.native.desktop`, user `session:<supabase
//! url>`), holding the tokens and the cached profile as JSON. Never a file,
//! never a log line. When the keychain fails, the [`Vault`] falls back to
//! memory for the rest of the run and says so, so the UI can warn that the
//! next launch will ask to sign in again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use native_client::AuthSession;
use serde::{Deserialize, Serialize};

use super::state::{Persistence, Profile};
use crate::AppError;

/// The keychain service name of the app's entries.
pub const KEYCHAIN_SERVICE: &str = "ai.native.desktop";

/// A small secret store: strings by key. Implementations block (the
/// keychain is a D-Bus round trip), so callers run them off the async workers.
pub trait SecretStore: Send + Sync {
    /// The value under `key`, `None` when there is none.
    fn get(&self, key: &str) -> Result<Option<String>, AppError>;
    fn set(&self, key: &str, value: &str) -> Result<(), AppError>;
    /// Deletes the value; deleting a missing value is not an error.
    fn delete(&self, key: &str) -> Result<(), AppError>;
}

/// The OS keychain through the `keyring` crate (Secret Service on Linux,
/// Keychain on macOS, Credential Manager on Windows).
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self {
            service: KEYCHAIN_SERVICE.to_owned(),
        }
    }
}

impl KeyringStore {
    fn entry(&self, key: &str) -> Result<keyring::Entry, AppError> {
        keyring::Entry::new(&self.service, key).map_err(keychain_error)
    }

    /// Whether the keychain works here: writes, reads back and deletes a probe
    /// entry. Tests use it to decide whether they can run. The entry's name is
    /// random, so that concurrent probes (test processes) cannot collide.
    pub fn probe(&self) -> Result<(), AppError> {
        let key = format!("probe:native-app:{}", super::oauth::random_token(9));
        self.set(&key, "probe")?;
        let read = self.get(&key)?;
        self.delete(&key)?;
        match read.as_deref() {
            Some("probe") => Ok(()),
            _ => Err(AppError::Keychain("the keychain lost a value".to_owned())),
        }
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &str) -> Result<Option<String>, AppError> {
        match self.entry(key)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(keychain_error(err)),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<(), AppError> {
        self.entry(key)?.set_password(value).map_err(keychain_error)
    }

    fn delete(&self, key: &str) -> Result<(), AppError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(keychain_error(err)),
        }
    }
}

/// keyring's errors can carry the secret's bytes (`BadEncoding`); keep only
/// the kind of failure.
fn keychain_error(err: keyring::Error) -> AppError {
    let what = match err {
        keyring::Error::NoDefaultStore => "no keychain is available",
        keyring::Error::NoStorageAccess(_) => "the keychain is locked or refused access",
        keyring::Error::PlatformFailure(_) => "the keychain failed",
        _ => "the keychain answered something unexpected",
    };
    AppError::Keychain(what.to_owned())
}

/// A store in memory, for tests and as the fallback when the keychain fails.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    values: Arc<Mutex<HashMap<String, String>>>,
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<String>, AppError> {
        Ok(self.lock().get(key).cloned())
    }

    fn set(&self, key: &str, value: &str) -> Result<(), AppError> {
        self.lock().insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), AppError> {
        self.lock().remove(key);
        Ok(())
    }
}

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // A map of strings stays consistent even if a holder panicked.
        self.values.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A session as stored: the tokens, the access token's expiry (unix
/// seconds) and the profile, so an offline launch can still show who is in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredSession {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: i64,
    pub user: Profile,
}

impl std::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSession")
            .field("expires_at", &self.expires_at)
            .field("user", &self.user.id)
            .finish_non_exhaustive()
    }
}

impl From<AuthSession> for StoredSession {
    fn from(session: AuthSession) -> Self {
        let user = Profile {
            id: session.user.id,
            email: session.user.email.unwrap_or_default(),
        };
        Self {
            access_token: session.access_token,
            refresh_token: session.refresh_token,
            expires_at: session.expires_at,
            user,
        }
    }
}

/// The app's one session entry, in the keychain or (after a keychain
/// failure) in memory.
pub(crate) struct Vault {
    primary: Arc<dyn SecretStore>,
    memory: MemoryStore,
    memory_only: Mutex<bool>,
    key: String,
}

impl Vault {
    pub(crate) fn new(primary: Arc<dyn SecretStore>, supabase_url: &str) -> Self {
        Self {
            primary,
            memory: MemoryStore::default(),
            memory_only: Mutex::new(false),
            key: entry_key(supabase_url),
        }
    }

    pub(crate) fn primary(&self) -> Arc<dyn SecretStore> {
        Arc::clone(&self.primary)
    }

    pub(crate) fn persistence(&self) -> Persistence {
        if *self
            .memory_only
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
        {
            Persistence::MemoryOnly
        } else {
            Persistence::Keychain
        }
    }

    pub(crate) async fn load(self: &Arc<Self>) -> Option<StoredSession> {
        let raw = self
            .with_store(|store, key| store.get(key))
            .await
            .flatten()?;
        // An entry we cannot read is as good as none; it is overwritten at
        // the next sign-in.
        serde_json::from_str(&raw).ok()
    }

    pub(crate) async fn save(self: &Arc<Self>, session: &StoredSession) {
        let Ok(json) = serde_json::to_string(session) else {
            return;
        };
        self.with_store(move |store, key| store.set(key, &json))
            .await;
    }

    pub(crate) async fn delete(self: &Arc<Self>) {
        self.with_store(|store, key| store.delete(key)).await;
    }

    /// Runs `op` on the keychain off the async workers; on a keychain error,
    /// switches to memory for good and runs it there. `None` only if the
    /// blocking task itself died.
    async fn with_store<T, F>(self: &Arc<Self>, op: F) -> Option<T>
    where
        T: Send + 'static,
        F: Fn(&dyn SecretStore, &str) -> Result<T, AppError> + Send + 'static,
    {
        let vault = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            if vault.persistence() == Persistence::Keychain {
                match op(vault.primary.as_ref(), &vault.key) {
                    Ok(value) => return Some(value),
                    Err(err) => {
                        tracing::warn!(error = %err, "keychain unavailable; keeping the session in memory only");
                        *vault.memory_only.lock().unwrap_or_else(PoisonError::into_inner) = true;
                    }
                }
            }
            op(&vault.memory, &vault.key).ok()
        })
        .await
        .ok()
        .flatten()
    }
}

/// The keychain user name of a project's session entry.
pub fn entry_key(supabase_url: &str) -> String {
    format!("session:{}", supabase_url.trim_end_matches('/'))
}
