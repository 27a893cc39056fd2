//! Billing's commands: the quota, the plans on offer, and the checkout page
//! opened in the system browser; plus the `QuotaChanged` broadcast that
//! keeps the sidebar's meter current.

use native_app::{ErrorBody, NativeApp, Plans};
use native_core::{Product, Quota};
use serde::Serialize;
use tauri::{AppHandle, Manager, State};

use crate::auth::BrowserOpener;
use crate::broadcast::forward;

/// The user's quota changed (read, or updated after a reply): app-wide, so
/// `emit`, not a channel.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct QuotaChanged(pub Quota);

#[tauri::command]
#[specta::specta]
pub async fn quota(app: State<'_, NativeApp>) -> Result<Quota, ErrorBody> {
    app.quota().await.map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub async fn plans(app: State<'_, NativeApp>) -> Result<Plans, ErrorBody> {
    app.plans().await.map_err(ErrorBody::from)
}

/// Opens the Payment Link for `product` in the default browser, never in
/// the app's webview: the buyer pays on Stripe's page, where they can see
/// its address.
#[tauri::command]
#[specta::specta]
pub fn open_checkout(
    handle: AppHandle,
    app: State<'_, NativeApp>,
    product: Product,
) -> Result<(), ErrorBody> {
    app.open_checkout(product, &BrowserOpener(handle))
        .map_err(ErrorBody::from)
}

/// Forwards every quota the facade learns of to the UI.
pub fn start(handle: &AppHandle) {
    forward(handle, handle.state::<NativeApp>().subscribe_quota(), |q| {
        q.map(QuotaChanged)
    });
}
