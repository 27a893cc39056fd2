//! The values the store takes and returns.

use native_core::{AttachmentText, Conversation, ConversationId, Message, MessageId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One page of changes pulled from the server, stored in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteBatch {
    pub conversations: Vec<Conversation>,
    pub messages: Vec<Message>,
    pub tombstones: Vec<Tombstone>,
    /// The texts of attachments of messages (of this batch or already
    /// cached). A text whose message is not cached once the batch's messages
    /// are stored (deleted here, or never sent) is ignored, as is one
    /// already cached.
    pub attachment_texts: Vec<AttachmentText>,
    /// A sync cursor (key, value) to store with the rows: it only ever
    /// advances together with the data it covers.
    pub cursor: Option<(String, String)>,
}

/// A row of the server's `deleted_records`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tombstone {
    /// A conversation, and with it all its messages.
    Conversation(ConversationId),
    /// One message.
    Message {
        id: MessageId,
        conversation_id: ConversationId,
    },
}

/// What [`crate::Store::apply_remote`] did with a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// Conversations inserted or updated.
    pub conversations_upserted: usize,
    /// Conversations whose local title was kept because a pending local
    /// rename is later than the server's `updated_at`.
    pub local_titles_kept: usize,
    /// Messages that were new to the cache.
    pub messages_inserted: usize,
    /// Rows ignored because they were deleted (deletion wins), messages and
    /// attachment texts already cached, or texts whose message is not.
    pub ignored: usize,
    /// Tombstones applied.
    pub tombstones: usize,
    /// Attachment texts that were new to the cache.
    pub attachment_texts_inserted: usize,
}

/// A local change waiting to be sent, in the order it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Increasing and never reused; pass it to [`crate::Store::ack`] once
    /// the server has the change.
    pub seq: i64,
    pub op: OutboxOp,
    /// When the change was queued.
    pub created_at: OffsetDateTime,
}

/// One change for the server. Stored as this enum's JSON, so a variant's
/// shape is part of the on-disk format: add variants, or fields that
/// default when absent (so ops queued by an earlier build still decode);
/// never change or remove one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum OutboxOp {
    CreateConversation {
        conversation: Conversation,
    },
    RenameConversation {
        id: ConversationId,
        title: String,
        /// The client's time of the rename; a server `updated_at` later than
        /// this one wins the conflict.
        #[serde(with = "time::serde::rfc3339")]
        changed_at: OffsetDateTime,
    },
    DeleteConversation {
        id: ConversationId,
    },
    AddMessage {
        message: Message,
        /// The texts of the message's attachments, sent right after it
        /// (the server's rows refer to the message). Added in schema
        /// version 4; absent from the JSON when empty, as in every op
        /// queued before.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        texts: Vec<AttachmentText>,
    },
    DeleteMessage {
        id: MessageId,
        conversation_id: ConversationId,
    },
}

impl OutboxOp {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::CreateConversation { .. } => "create_conversation",
            Self::RenameConversation { .. } => "rename_conversation",
            Self::DeleteConversation { .. } => "delete_conversation",
            Self::AddMessage { .. } => "add_message",
            Self::DeleteMessage { .. } => "delete_message",
        }
    }

    pub(crate) fn conversation_id(&self) -> ConversationId {
        match self {
            Self::CreateConversation { conversation } => conversation.id,
            Self::RenameConversation { id, .. } | Self::DeleteConversation { id } => *id,
            Self::AddMessage { message, .. } => message.conversation_id,
            Self::DeleteMessage {
                conversation_id, ..
            } => *conversation_id,
        }
    }
}

/// A conversation as the history list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationSummary {
    pub conversation: Conversation,
    /// The later of the conversation's `updated_at` and its newest message;
    /// the list is sorted by it, newest first.
    pub last_activity: OffsetDateTime,
    pub message_count: u64,
    /// Some local change to the conversation or to one of its messages is
    /// not yet acknowledged by the server.
    pub pending: bool,
}

/// A cached message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub message: Message,
    /// Written here and not yet acknowledged by the server.
    pub pending: bool,
}

/// A message matching a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub conversation_id: ConversationId,
    pub message_id: MessageId,
    pub conversation_title: String,
    pub created_at: OffsetDateTime,
    /// An excerpt of the message around the matches, each matched term
    /// between [`crate::HIGHLIGHT_START`] and [`crate::HIGHLIGHT_END`], with
    /// `…` where text was cut. Plain text: render it as text, never as HTML.
    pub snippet: String,
}

/// The whole history as a file: `export_all` writes it, `import` merges it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backup {
    /// [`crate::BACKUP_VERSION`] when written by this build.
    pub version: u32,
    pub conversations: Vec<Conversation>,
    pub messages: Vec<Message>,
    /// The texts of the messages' attachments. Absent from files written
    /// before they were kept (and from files without any), and ignored by
    /// builds that predate them, so the format version stays the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachment_texts: Vec<AttachmentText>,
}

/// What [`crate::Store::import`] merged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub conversations_added: usize,
    pub messages_added: usize,
    /// Rows already in the cache (same id), deleted, or messages whose
    /// conversation is in neither the backup nor the cache.
    pub skipped: usize,
}
