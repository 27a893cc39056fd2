//! The session's ties to the desktop: the `AuthChanged` broadcast, the
//! system browser for OAuth, and `native-ai://` links from the OS. The
//! session logic itself lives in native-app; this only connects it to Tauri.

use native_app::{AppError, AuthState, ErrorBody, NativeApp, UrlOpener};
use serde::Serialize;
use tauri::{AppHandle, Manager};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_opener::OpenerExt;

use crate::broadcast::forward;
use crate::commands::focus_main_window;

/// Every new session state (restored, refreshed, expired, offline, signed
/// out), broadcast to the UI: an app-wide change, so `emit`, not a channel.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct AuthChanged(pub AuthState);

/// Opens OAuth pages in the user's default browser (RFC 8252: never in the
/// app's own webview, where the app could read the password).
pub struct BrowserOpener(pub AppHandle);

impl UrlOpener for BrowserOpener {
    fn open(&self, url: &url::Url) -> Result<(), AppError> {
        self.0
            .opener()
            .open_url(url.as_str(), None::<&str>)
            .map_err(|_| AppError::BrowserUnavailable)
    }
}

/// Forwards session changes to the UI, restores the keychain's session and
/// reads the launch state the window will ask for, then follows the link
/// the app was launched with and every later one.
pub fn start(handle: &AppHandle) {
    let links = handle.clone();
    handle.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            follow_link(links.clone(), url.to_string());
        }
    });
    forward(handle, handle.state::<NativeApp>().subscribe_auth(), |s| {
        Some(AuthChanged(s))
    });
    let handle = handle.clone();
    tauri::async_runtime::spawn(async move {
        let app = handle.state::<NativeApp>();
        app.restore().await;
        app.prepare_launch().await;
        if let Ok(Some(urls)) = handle.deep_link().get_current() {
            for url in urls {
                follow_link(handle.clone(), url.to_string());
            }
        }
    });
}

/// Signs in (or starts password recovery) from a `native-ai://auth/...`
/// link. A refused link is logged by its code only: the link holds tokens.
fn follow_link(handle: AppHandle, url: String) {
    focus_main_window(&handle);
    tauri::async_runtime::spawn(async move {
        let followed = handle.state::<NativeApp>().handle_deep_link(&url).await;
        if let Err(err) = followed {
            let body = ErrorBody::from(err);
            tracing::warn!(code = ?body.code, "a sign-in link was refused");
        }
    });
}
