//! History: the signed-in user's conversations, kept in the local cache
//! (`native-store`) and synced with Supabase through PostgREST.
//!
//! The cache is opened for whoever is signed in, on first use, one database
//! per user. Reads never touch the network, so the whole history and its
//! search work offline. Writes go to the cache and its outbox at once; a
//! sync pulls the server's changes page by page (each page and its cursor in
//! one transaction), then replays the outbox. Conflict rules: deletion wins;
//! for titles, the latest change wins (see `native-store`).

mod facade;
mod sync;
mod types;

use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

use native_client::HistoryRemote;
use native_core::UserId;
use native_store::{FileStore, Store};
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};

pub use types::{
    CacheNotice, ConversationItem, ExportFormat, ImportReport, LaunchState, MessageItem, SearchHit,
    SnippetPart, SyncStatus,
};

use crate::{AppError, AuthState};

/// One user's open cache and what the sync remembers about it.
pub(crate) struct UserHistory {
    pub user: UserId,
    pub store: Arc<Store>,
    /// The bytes of the user's attached files, beside the cache.
    pub files: Arc<FileStore>,
    /// One sync at a time: a second caller waits, then runs its own (cheap
    /// when nothing changed), so it never returns before its trigger's
    /// changes are in.
    pub syncing: tokio::sync::Mutex<SyncMemory>,
}

/// What the sync keeps between runs.
#[derive(Default)]
pub(crate) struct SyncMemory {
    pub last_synced_at: Option<OffsetDateTime>,
    pub last_presence: Option<OffsetDateTime>,
}

/// The history of whoever is signed in, shared by the facade and the
/// background loop.
pub(crate) struct HistoryHub {
    remote: Option<HistoryRemote>,
    /// `None`: caches live in memory (tests, or no data folder).
    data_dir: Option<PathBuf>,
    current: tokio::sync::Mutex<Option<Arc<UserHistory>>>,
    status: watch::Sender<SyncStatus>,
    /// Bumped whenever the cached history changed (a sync brought changes,
    /// the user renamed or deleted): the UI reloads what it shows.
    revision: watch::Sender<u64>,
    notices: watch::Sender<Option<CacheNotice>>,
    /// Wakes the background loop for a sync (window focus, after a chat).
    wake: Notify,
    /// The launch state read before the window asked for it
    /// (`NativeApp::prepare_launch`), with the revision it was read at.
    prepared: std::sync::Mutex<Option<(u64, LaunchState)>>,
    /// How long after opening a cache its integrity is checked.
    check_after: Duration,
    /// Turns true once the window has shown the history it was launched
    /// with (`NativeApp::record_history_visible`): the background loop's
    /// first sync waits for it (`FIRST_SYNC_WAIT`).
    shown: watch::Sender<bool>,
}

/// When an opened cache's pages are all read for damage
/// (`Store::is_intact`): well after the launch, whose window it would
/// otherwise compete with for the CPU (~8 ms per MiB of cache).
pub const CACHE_CHECK_AFTER: Duration = Duration::from_secs(5);

/// The longest the background loop's first sync waits for the window to
/// show the cached history. A launch's first sync used to run while
/// WebKit's processes started and the page drew its first screen: its
/// requests, the server's work on a machine that hosts it, and the
/// status changes sent to the page took the CPU that screen needed, for
/// a sync the screen never waits for (it is drawn from the cache). With
/// the sync after the first screen, a launch showed its history ~35 ms
/// sooner inside the page (BENCHMARKS.md, session 19). A window that
/// never reports (it failed to load, or shows another screen) delays the
/// sync by this much at most.
pub(crate) const FIRST_SYNC_WAIT: Duration = Duration::from_secs(2);

impl std::fmt::Debug for HistoryHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistoryHub")
            .field("status", &*self.status.borrow())
            .finish_non_exhaustive()
    }
}

impl HistoryHub {
    pub(crate) fn new(remote: Option<HistoryRemote>, data_dir: Option<PathBuf>) -> Self {
        Self {
            remote,
            data_dir,
            current: tokio::sync::Mutex::new(None),
            status: watch::channel(SyncStatus::Inactive).0,
            revision: watch::channel(0).0,
            notices: watch::channel(None).0,
            wake: Notify::new(),
            prepared: std::sync::Mutex::new(None),
            check_after: CACHE_CHECK_AFTER,
            shown: watch::channel(false).0,
        }
    }

    /// The same hub, checking each cache `delay` after opening it.
    pub(crate) fn checking_after(mut self, delay: Duration) -> Self {
        self.check_after = delay;
        self
    }

    /// The cache of `user`, opened on first use. Another user's cache is
    /// closed first: one account's history is never shown to another.
    pub(crate) async fn open(self: &Arc<Self>, user: UserId) -> Result<Arc<UserHistory>, AppError> {
        let mut current = self.current.lock().await;
        if let Some(history) = current.as_ref().filter(|h| h.user == user) {
            return Ok(history.clone());
        }
        *current = None;
        let dir = self.data_dir.clone();
        let (store, files) = tokio::task::spawn_blocking(move || match dir {
            Some(dir) => Ok::<_, native_store::StoreError>((
                Store::open_for_user(&dir, user)?,
                FileStore::open_for_user(&dir, user)?,
            )),
            None => Ok((Store::open_in_memory()?, FileStore::in_memory())),
        })
        .await
        .map_err(|_| AppError::Internal("opening the history cache stopped"))??;
        if store.open_report().recovered_from_corruption {
            tracing::warn!("the history cache was damaged; set aside and rebuilt");
            self.notices.send_replace(Some(CacheNotice::Rebuilt));
        }
        let history = Arc::new(UserHistory {
            user,
            store: Arc::new(store),
            files: Arc::new(files),
            syncing: tokio::sync::Mutex::new(SyncMemory::default()),
        });
        *current = Some(history.clone());
        self.check_later(&history);
        Ok(history)
    }

    /// Reads the whole cache for damage once the launch is over, and if it
    /// is damaged sets it aside, starts an empty one, says so and re-syncs,
    /// as opening does with a file that is not a database. A cache closed
    /// meanwhile (sign-out, another account) is left alone.
    fn check_later(self: &Arc<Self>, history: &Arc<UserHistory>) {
        let hub: Weak<Self> = Arc::downgrade(self);
        let history = Arc::downgrade(history);
        let delay = self.check_after;
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let Some(history) = history.upgrade() else {
                return;
            };
            let store = history.store.clone();
            match tokio::task::spawn_blocking(move || store.is_intact()).await {
                Ok(Ok(false)) => {}
                Ok(Err(err)) => {
                    tracing::warn!(error = %err, "could not check the history cache");
                    return;
                }
                Ok(Ok(true)) | Err(_) => return,
            }
            // No sync runs during the rebuild: a page fetched from the old
            // cache's cursor must not land in the new one.
            let _syncing = history.syncing.lock().await;
            let store = history.store.clone();
            let rebuilt = tokio::task::spawn_blocking(move || store.rebuild()).await;
            let Some(hub) = hub.upgrade() else { return };
            match rebuilt {
                Ok(Ok(_)) => {
                    tracing::warn!("the history cache was damaged; set aside and rebuilt");
                    hub.notices.send_replace(Some(CacheNotice::Rebuilt));
                    hub.bump();
                    hub.wake();
                }
                Ok(Err(err)) => tracing::warn!(error = %err, "could not rebuild the history cache"),
                Err(_) => {}
            }
        });
    }

    pub(crate) fn remote(&self) -> Option<&HistoryRemote> {
        self.remote.as_ref()
    }

    pub(crate) fn data_dir(&self) -> Option<&std::path::Path> {
        self.data_dir.as_deref()
    }

    /// Closes the cache (sign-out): nothing of it stays in memory.
    pub(crate) async fn close(&self) {
        *self.current.lock().await = None;
        *self.prepared_slot() = None;
        self.status.send_replace(SyncStatus::Inactive);
        self.bump();
    }

    /// Notes that the window shows the history: the first sync may run.
    pub(crate) fn mark_shown(&self) {
        self.shown.send_replace(true);
    }

    /// Returns once the window has shown the history, or after `FIRST_SYNC_WAIT`.
    pub(crate) async fn until_shown(&self) {
        let mut shown = self.shown.subscribe();
        // Shown or out of time, the wait is over either way.
        let _ = tokio::time::timeout(FIRST_SYNC_WAIT, shown.wait_for(|s| *s)).await;
    }

    /// Asks the background loop for a sync soon.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Takes a sync request made since the loop last waited for one, if
    /// any: the sync about to run carries it.
    pub(crate) async fn take_wake(&self) {
        let _ = tokio::time::timeout(Duration::ZERO, self.wake.notified()).await;
    }

    pub(crate) fn bump(&self) {
        self.revision.send_modify(|r| *r += 1);
    }

    /// How many times the cached history has changed so far.
    pub(crate) fn revision(&self) -> u64 {
        *self.revision.borrow()
    }

    /// Keeps a launch state read at `revision` for the window's question.
    pub(crate) fn keep_prepared(&self, revision: u64, state: LaunchState) {
        *self.prepared_slot() = Some((revision, state));
    }

    /// The prepared launch state, once, if it still holds: read at the
    /// current revision and for the session `auth`. Anything else is
    /// dropped, and the caller reads afresh.
    pub(crate) fn take_prepared(&self, auth: &AuthState) -> Option<LaunchState> {
        let (revision, state) = self.prepared_slot().take()?;
        (revision == self.revision() && state.auth == *auth).then_some(state)
    }

    fn prepared_slot(&self) -> std::sync::MutexGuard<'_, Option<(u64, LaunchState)>> {
        // The slot is only ever replaced whole: a panic elsewhere cannot
        // leave it half-written.
        self.prepared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn publish(&self, status: SyncStatus) {
        self.status.send_replace(status);
    }
}

/// Runs a blocking store call off the async workers.
pub(crate) async fn blocking<T, F>(store: &Arc<Store>, call: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> Result<T, native_store::StoreError> + Send + 'static,
{
    let store = store.clone();
    tokio::task::spawn_blocking(move || call(&store))
        .await
        .map_err(|_| AppError::Internal("a history task stopped"))?
        .map_err(AppError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(auth: AuthState) -> LaunchState {
        LaunchState {
            auth,
            conversations: None,
        }
    }

    #[test]
    fn a_prepared_launch_state_is_taken_once_while_it_holds() {
        let hub = HistoryHub::new(None, None);
        let signed_out = AuthState::signed_out(None);
        hub.keep_prepared(hub.revision(), launch(signed_out.clone()));
        assert_eq!(
            hub.take_prepared(&signed_out),
            Some(launch(signed_out.clone()))
        );
        assert_eq!(hub.take_prepared(&signed_out), None, "answered once");
    }

    #[test]
    fn a_prepared_launch_state_is_dropped_once_the_cache_or_the_session_changed() {
        let hub = HistoryHub::new(None, None);
        let signed_out = AuthState::signed_out(None);
        hub.keep_prepared(hub.revision(), launch(signed_out.clone()));
        hub.bump();
        assert_eq!(hub.take_prepared(&signed_out), None, "the cache changed");

        hub.keep_prepared(hub.revision(), launch(signed_out));
        assert_eq!(
            hub.take_prepared(&AuthState::Restoring),
            None,
            "the session changed"
        );
    }

    #[tokio::test]
    async fn closing_the_cache_forgets_the_prepared_launch_state() {
        let hub = HistoryHub::new(None, None);
        hub.keep_prepared(hub.revision(), launch(AuthState::signed_out(None)));
        hub.close().await;
        assert!(
            hub.prepared_slot().is_none(),
            "nothing of it stays in memory"
        );
    }
}
