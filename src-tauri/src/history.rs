//! History's commands and broadcasts. Paths come from the file dialogs the
//! UI opens (tauri-plugin-dialog); the facade writes through a temporary
//! file, so a failed export never leaves half a file.

use std::path::PathBuf;

use native_app::{
    CacheNotice, ConversationItem, ErrorBody, ExportFormat, ImportReport, LaunchState, MessageItem,
    NativeApp, SearchHit, SyncStatus,
};
use native_core::ConversationId;
use serde::Serialize;
use tauri::{AppHandle, Manager, State};

use crate::broadcast::forward;

/// Where history stands with the server: broadcast on every change.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct SyncChanged(pub SyncStatus);

/// The cached history changed (a sync brought something, or a local edit):
/// the UI reloads what it shows. The payload only ever grows.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct HistoryChanged(pub u32);

/// Something to tell the user once about the local cache.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct CacheNoticed(pub CacheNotice);

#[tauri::command]
#[specta::specta]
pub async fn list_conversations(
    app: State<'_, NativeApp>,
) -> Result<Vec<ConversationItem>, ErrorBody> {
    app.list_conversations().await.map_err(ErrorBody::from)
}

/// The session and the cached list together, for the window's first frame.
/// It takes the handle, not `State`: an async command borrowing its input
/// must return a `Result`, and this one cannot fail.
#[tauri::command]
#[specta::specta]
pub async fn launch_state(handle: AppHandle) -> LaunchState {
    handle.state::<NativeApp>().launch_state().await
}

/// The page drew the cached history: logged as the launch's startup figure.
#[tauri::command]
#[specta::specta]
pub fn history_visible(app: State<'_, NativeApp>, page_ms: u32) {
    app.record_history_visible(page_ms);
}

#[tauri::command]
#[specta::specta]
pub async fn conversation_messages(
    app: State<'_, NativeApp>,
    id: ConversationId,
) -> Result<Vec<MessageItem>, ErrorBody> {
    app.conversation_messages(id).await.map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub async fn search_history(
    app: State<'_, NativeApp>,
    query: String,
) -> Result<Vec<SearchHit>, ErrorBody> {
    app.search_history(&query).await.map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub async fn rename_conversation(
    app: State<'_, NativeApp>,
    id: ConversationId,
    title: String,
) -> Result<(), ErrorBody> {
    app.rename_conversation(id, &title)
        .await
        .map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_conversation(
    app: State<'_, NativeApp>,
    id: ConversationId,
) -> Result<(), ErrorBody> {
    app.delete_conversation(id).await.map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub async fn sync_history(app: State<'_, NativeApp>) -> Result<SyncStatus, ErrorBody> {
    app.sync_history().await.map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub fn sync_status(app: State<'_, NativeApp>) -> SyncStatus {
    app.sync_status()
}

#[tauri::command]
#[specta::specta]
pub async fn export_conversation(
    app: State<'_, NativeApp>,
    id: ConversationId,
    format: ExportFormat,
    path: PathBuf,
) -> Result<(), ErrorBody> {
    app.export_conversation(id, format, &path)
        .await
        .map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub async fn export_history(app: State<'_, NativeApp>, path: PathBuf) -> Result<(), ErrorBody> {
    app.export_history(&path).await.map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub async fn import_history(
    app: State<'_, NativeApp>,
    path: PathBuf,
) -> Result<ImportReport, ErrorBody> {
    app.import_history(&path).await.map_err(ErrorBody::from)
}

/// Runs the sync loop and forwards history's broadcasts to the UI.
pub fn start(handle: &AppHandle) {
    let app = handle.state::<NativeApp>();
    forward(handle, app.subscribe_sync(), |s| Some(SyncChanged(s)));
    forward(handle, app.subscribe_history_changes(), |r| {
        Some(HistoryChanged(u32::try_from(r).unwrap_or(u32::MAX)))
    });
    forward(handle, app.subscribe_cache_notices(), |n| {
        n.map(CacheNoticed)
    });
    let handle = handle.clone();
    tauri::async_runtime::spawn(async move {
        handle.state::<NativeApp>().run_history_sync().await;
    });
}
