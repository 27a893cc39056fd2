//! The background loop at launch: the history is drawn from the cache, so
//! the loop's first sync waits until the window says it shows it, and that
//! sync carries the one the window's first focus asked for meanwhile; a
//! window that never says so delays the sync, but not for long.

use std::sync::Arc;
use std::time::Duration;

use native_app::{NativeApp, SyncStatus};
use native_testkit::Stack;
use tempfile::TempDir;
use tokio::sync::watch;

use crate::history_support::first_device;

/// Long enough for a sync the loop had not held back to have started.
const HELD: Duration = Duration::from_millis(600);

/// A signed-in device whose background loop has run for [`HELD`] with no
/// word from the window, and has not synced.
struct Held {
    app: Arc<NativeApp>,
    status: watch::Receiver<SyncStatus>,
    background: tokio::task::JoinHandle<()>,
    _device: (Stack, Arc<TempDir>),
}

async fn held(email: &str, focus: bool) -> Held {
    let stack = Stack::start().await.expect("stack");
    let device = first_device(&stack, email).await;
    let app = Arc::new(device.app);
    let status = app.subscribe_sync();
    let background = tokio::spawn({
        let app = app.clone();
        async move { app.run_history_sync().await }
    });
    if focus {
        // The window appears and takes the focus, which asks for a sync.
        app.request_sync();
    }
    tokio::time::sleep(HELD).await;
    assert!(
        !status.has_changed().expect("status"),
        "no sync before the window shows the history: {:?}",
        app.sync_status()
    );
    Held {
        app,
        status,
        background,
        _device: (stack, device.dir),
    }
}

/// How many syncs end within `window`, each ending in a new `Synced`.
async fn syncs_within(status: &mut watch::Receiver<SyncStatus>, window: Duration) -> usize {
    let mut syncs = 0;
    let _ = tokio::time::timeout(window, async {
        loop {
            if status.changed().await.is_err() {
                return;
            }
            if matches!(*status.borrow_and_update(), SyncStatus::Synced { .. }) {
                syncs += 1;
            }
        }
    })
    .await;
    syncs
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_sync_waits_for_the_window_to_show_the_history() {
    let mut held = held("first-screen@example.com", true).await;
    held.app.record_history_visible(150);
    assert_eq!(
        syncs_within(&mut held.status, Duration::from_secs(3)).await,
        1,
        "one sync, carrying the focus's request"
    );
    assert!(matches!(
        held.app.sync_status(),
        SyncStatus::Synced { pending: 0, .. }
    ));
    held.background.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_window_that_never_shows_the_history_delays_the_first_sync_only_a_little() {
    let mut held = held("no-report@example.com", false).await;
    assert_eq!(
        syncs_within(&mut held.status, Duration::from_secs(5)).await,
        1
    );
    held.background.abort();
}
