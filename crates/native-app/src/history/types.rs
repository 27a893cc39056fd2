//! What the UI receives about history: the wire types of the sidebar, the
//! conversation view, search and sync. Times are RFC 3339 strings in UTC.

use native_core::{Attachment, ConversationId, MessageId, MessageStatus, Role};
use serde::Serialize;

use crate::{AuthState, ErrorBody};

/// A conversation in the sidebar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConversationItem {
    pub id: ConversationId,
    pub title: String,
    /// The last message or rename, for grouping (Today, Yesterday...).
    pub last_activity: String,
    pub message_count: u32,
    /// Changed here and not yet on the server.
    pub pending: bool,
}

/// What the window shows first, read in one call so a launch waits for one
/// IPC hop instead of two (the session, then the list): the session and,
/// when someone is signed in, that user's cached conversations. `None` when
/// signed out, or when the cache could not be read (the UI then asks for
/// the list itself, and shows that call's error).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct LaunchState {
    pub auth: AuthState,
    pub conversations: Option<Vec<ConversationItem>>,
}

/// A message as the conversation view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct MessageItem {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub role: Role,
    pub content: String,
    pub created_at: String,
    pub attachments: Vec<Attachment>,
    pub status: MessageStatus,
    pub model: Option<String>,
    pub pending: bool,
}

/// A piece of a search snippet; `hit` parts are the matched words. Parts,
/// not markup, so the UI highlights without ever parsing HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

/// One message matching a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub conversation_id: ConversationId,
    pub message_id: MessageId,
    pub conversation_title: String,
    pub snippet: Vec<SnippetPart>,
}

/// Where history stands with the server, broadcast on every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum SyncStatus {
    /// No one is signed in: there is no history to show.
    Inactive,
    /// Pulling or pushing. `fetched` counts rows received so far; the first
    /// sync of a device shows it as progress.
    #[serde(rename_all = "camelCase")]
    Syncing { first: bool, fetched: u32 },
    /// In step with the server as of `last_synced_at`.
    #[serde(rename_all = "camelCase")]
    Synced {
        last_synced_at: String,
        pending: u32,
    },
    /// The server cannot be reached: history is read from the cache and
    /// changes wait in the outbox.
    #[serde(rename_all = "camelCase")]
    Offline {
        pending: u32,
        last_synced_at: Option<String>,
    },
    /// The last sync failed for another reason; it is retried.
    #[serde(rename_all = "camelCase")]
    Failed { error: ErrorBody, pending: u32 },
}

/// What the UI should say once about the local cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CacheNotice {
    /// The cache file was damaged; it was set aside and is being rebuilt
    /// from the server.
    Rebuilt,
}

/// The formats one conversation exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Markdown,
    Json,
}

/// What importing a backup changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub conversations_added: u32,
    pub messages_added: u32,
    /// Already present (same id): left as they were.
    pub duplicates_skipped: u32,
}
