//! What the history tests share: devices (apps with their own data folder)
//! signed in as one user, and messages written as another device's chat
//! would write them.

use std::sync::Arc;

use native_app::{ConversationItem, MemoryStore, NativeApp, SyncStatus};
use native_client::{HistoryRemote, Rest};
use native_core::{ConversationId, Message, MessageId, MessageStatus, Role};
use native_testkit::Stack;
use tempfile::TempDir;

use crate::support::{self, PASSWORD};

/// One device: an app with its own data folder and keychain.
pub struct Device {
    pub app: NativeApp,
    pub store: MemoryStore,
    pub dir: Arc<TempDir>,
}

/// A device that signs up `email` on `stack`.
pub async fn first_device(stack: &Stack, email: &str) -> Device {
    let dir = Arc::new(TempDir::new().expect("tempdir"));
    let store = MemoryStore::default();
    let app = support::app_with(stack, &store)
        .with_data_dir(dir.path().to_owned())
        .expect("app");
    app.restore().await;
    app.sign_up(email, PASSWORD).await.expect("sign-up");
    Device { app, store, dir }
}

/// Another device of the same user: its own folder, signed in by password.
pub async fn other_device(stack: &Stack, email: &str) -> Device {
    let dir = Arc::new(TempDir::new().expect("tempdir"));
    let store = MemoryStore::default();
    let app = support::app_with(stack, &store)
        .with_data_dir(dir.path().to_owned())
        .expect("app");
    app.restore().await;
    app.sign_in(email, PASSWORD).await.expect("sign-in");
    Device { app, store, dir }
}

pub async fn synced(device: &Device) {
    let status = device.app.sync_history().await.expect("sync");
    assert!(
        matches!(status, SyncStatus::Synced { pending: 0, .. }),
        "{status:?}"
    );
}

pub async fn titles(device: &Device) -> Vec<String> {
    let mut titles: Vec<String> = device
        .app
        .list_conversations()
        .await
        .expect("list")
        .into_iter()
        .map(|c: ConversationItem| c.title)
        .collect();
    titles.sort();
    titles
}

/// The server side of history as the signed-in user of `device`.
pub async fn remote(stack: &Stack) -> HistoryRemote {
    HistoryRemote::new(
        Rest::new(
            &stack.supabase_url().parse().expect("url"),
            stack.anon_key(),
        )
        .expect("rest"),
    )
}

pub fn message(conversation: ConversationId, role: Role, content: &str) -> Message {
    Message {
        id: MessageId::new_random(),
        conversation_id: conversation,
        role,
        content: content.to_owned(),
        created_at: time::OffsetDateTime::now_utc(),
        attachments: Vec::new(),
        status: MessageStatus::Complete,
        model: None,
    }
}
