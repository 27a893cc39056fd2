//! The commands the UI invokes. Each one calls a single facade function and
//! maps its error; anything more belongs in native-app.

use native_app::{
    AppInfo, AuthState, ErrorBody, NativeApp, OAuthProvider, ServerStatus, SignUpResult,
};
use tauri::{AppHandle, Manager, State};

use crate::auth::BrowserOpener;

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

#[tauri::command]
#[specta::specta]
pub fn auth_state(app: State<'_, NativeApp>) -> AuthState {
    app.auth_state()
}

#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    app: State<'_, NativeApp>,
    email: String,
    password: String,
) -> Result<AuthState, ErrorBody> {
    app.sign_in(&email, &password)
        .await
        .map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub async fn sign_up(
    app: State<'_, NativeApp>,
    email: String,
    password: String,
) -> Result<SignUpResult, ErrorBody> {
    app.sign_up(&email, &password)
        .await
        .map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub async fn request_password_reset(
    app: State<'_, NativeApp>,
    email: String,
) -> Result<(), ErrorBody> {
    app.request_password_reset(&email)
        .await
        .map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub async fn set_new_password(
    app: State<'_, NativeApp>,
    password: String,
) -> Result<AuthState, ErrorBody> {
    app.set_new_password(&password)
        .await
        .map_err(ErrorBody::from)
}

/// Resolves when the browser sign-in ends; `cancel_oauth` ends it early.
#[tauri::command]
#[specta::specta]
pub async fn start_oauth(
    handle: AppHandle,
    app: State<'_, NativeApp>,
    provider: OAuthProvider,
) -> Result<AuthState, ErrorBody> {
    let opener = BrowserOpener(handle);
    app.start_oauth(provider, &opener)
        .await
        .map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub fn cancel_oauth(app: State<'_, NativeApp>) {
    app.cancel_oauth();
}

/// Never fails (an offline sign-out still forgets the session here); the
/// `Result` is what Tauri requires of async commands that borrow `State`.
#[tauri::command]
#[specta::specta]
pub async fn sign_out(app: State<'_, NativeApp>) -> Result<AuthState, ErrorBody> {
    Ok(app.sign_out().await)
}

/// Brings the main window forward (a second launch of the app lands here).
pub fn focus_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}
