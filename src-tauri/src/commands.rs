//! The commands the UI invokes. Each one calls a single facade function and
//! maps its error; anything more belongs in native-app.

use native_app::{AppInfo, ErrorBody, NativeApp, ServerStatus};
use tauri::{AppHandle, Manager, State};

#[tauri::command]
#[specta::specta]
pub fn app_info(app: State<'_, NativeApp>) -> AppInfo {
    app.app_info()
}

#[tauri::command]
#[specta::specta]
pub async fn server_status(app: State<'_, NativeApp>) -> Result<ServerStatus, ErrorBody> {
    app.server_status().await.map_err(ErrorBody::from)
}

/// Brings the main window forward (a second launch of the app lands here).
pub fn focus_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}
