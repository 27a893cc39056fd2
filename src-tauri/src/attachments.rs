//! Attachments' commands and broadcast. The file dialog is opened here, on
//! the Rust side, and files dropped on the window arrive through Tauri's
//! window event: no command takes a path from the UI, so the webview cannot
//! make the app read a file the user did not pick.

use std::path::{Path, PathBuf};

use native_app::{AppError, AttachmentId, ErrorBody, FileOpener, NativeApp, PendingAttachments};
use native_core::ConversationId;
use serde::Serialize;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::broadcast::forward;

/// The files waiting to go with the next question changed (picked, dropped,
/// pasted, removed or sent), with the files that change refused.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct AttachmentsChanged(pub PendingAttachments);

/// Opens files with the system's default application.
struct SystemOpener(AppHandle);

impl FileOpener for SystemOpener {
    fn open(&self, path: &Path) -> Result<(), AppError> {
        self.0
            .opener()
            .open_path(path.to_string_lossy(), None::<&str>)
            .map_err(|_| AppError::BrowserUnavailable)
    }
}

/// Asks the user for files with the system's dialog and attaches them;
/// resolves when they are ready (or the dialog was cancelled).
#[tauri::command]
#[specta::specta]
pub async fn pick_attachments(
    handle: AppHandle,
    app: State<'_, NativeApp>,
) -> Result<PendingAttachments, ErrorBody> {
    let paths = pick_files(&handle).await;
    app.attach_files(paths).await.map_err(ErrorBody::from)
}

/// A pasted picture: its bytes, never a path.
#[tauri::command]
#[specta::specta]
pub async fn attach_pasted(
    app: State<'_, NativeApp>,
    name: String,
    bytes: Vec<u8>,
) -> Result<PendingAttachments, ErrorBody> {
    app.attach_bytes(name, bytes).await.map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub fn remove_attachment(app: State<'_, NativeApp>, id: AttachmentId) -> PendingAttachments {
    app.remove_attachment(id)
}

#[tauri::command]
#[specta::specta]
pub fn pending_attachments(app: State<'_, NativeApp>) -> PendingAttachments {
    app.pending_attachments()
}

/// Opens an attachment of history from this device's copy.
#[tauri::command]
#[specta::specta]
pub async fn open_attachment(
    handle: AppHandle,
    app: State<'_, NativeApp>,
    sha256: String,
    name: String,
) -> Result<(), ErrorBody> {
    app.open_attachment(&sha256, &name, &SystemOpener(handle))
        .await
        .map_err(ErrorBody::from)
}

/// The sha256s of the conversation's attachments this device has.
#[tauri::command]
#[specta::specta]
pub async fn attachments_on_device(
    app: State<'_, NativeApp>,
    conversation_id: ConversationId,
) -> Result<Vec<String>, ErrorBody> {
    app.attachments_on_device(conversation_id)
        .await
        .map_err(ErrorBody::from)
}

/// The dialog's title (also how the end-to-end test finds the window).
const DIALOG_TITLE: &str = "Attach files";

/// The system's file dialog; an empty list when cancelled.
async fn pick_files(handle: &AppHandle) -> Vec<PathBuf> {
    let (done, picked) = tokio::sync::oneshot::channel();
    handle
        .dialog()
        .file()
        .set_title(DIALOG_TITLE)
        .pick_files(move |files| {
            let paths = files
                .unwrap_or_default()
                .into_iter()
                .filter_map(|file| file.into_path().ok())
                .collect();
            let _ = done.send(paths);
        });
    picked.await.unwrap_or_default()
}

/// Files dropped on the window: attached like picked ones; the outcome
/// reaches the UI through the broadcast.
pub fn dropped(handle: &AppHandle, paths: Vec<PathBuf>) {
    let handle = handle.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(err) = handle.state::<NativeApp>().attach_files(paths).await {
            tracing::debug!(error = %err, "dropped files were not attached");
        }
    });
}

/// Forwards every change of the pending files to the UI.
pub fn start(handle: &AppHandle) {
    forward(
        handle,
        handle.state::<NativeApp>().subscribe_attachments(),
        |p| Some(AttachmentsChanged(p)),
    );
}
