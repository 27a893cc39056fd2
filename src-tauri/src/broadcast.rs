//! Forwards the facade's watch channels to the UI as typed events.

use serde::Serialize;
use tauri::AppHandle;
use tauri_specta::Event;
use tokio::sync::watch;

/// Emits `to_event(value)` for the current value and every later change,
/// until the facade drops the channel. `None` sends nothing.
pub fn forward<T, E, F>(handle: &AppHandle, mut changes: watch::Receiver<T>, to_event: F)
where
    T: Clone + Send + Sync + 'static,
    E: Event + Serialize + Clone,
    F: Fn(T) -> Option<E> + Send + 'static,
{
    let handle = handle.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let value = changes.borrow_and_update().clone();
            if let Some(event) = to_event(value)
                && let Err(err) = event.emit(&handle)
            {
                tracing::warn!(error = %err, "could not send an event to the UI");
            }
            if changes.changed().await.is_err() {
                break;
            }
        }
    });
}
