//! The crate's one error type.

use std::path::PathBuf;

use native_core::{ConversationId, CoreError, MessageId};

/// Why the cache could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused a statement. Inside a write, the whole transaction was
    /// rolled back: nothing of the call was stored.
    #[error("the local cache failed: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// A schema migration failed; the database is left at its old version
    /// (migrations run in one transaction) and a backup was taken first.
    #[error("the local cache could not be upgraded: {0}")]
    Migration(#[from] rusqlite_migration::Error),

    /// The database was written by a newer version of the app. It is left
    /// untouched rather than treated as corrupt.
    #[error("the local cache is at schema version {found}; this build knows up to {supported}")]
    NewerSchema { found: u32, supported: u32 },

    /// Creating the data folder or moving a corrupt file aside failed.
    #[error("the local cache could not use {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// Bytes handed to the file store do not match their SHA-256 key, or
    /// the key is not a SHA-256.
    #[error("the file does not match its checksum")]
    FileMismatch,

    /// The conversation is not in the cache.
    #[error("conversation {0} is not in the local cache")]
    UnknownConversation(ConversationId),

    /// The conversation was deleted, here or on another device. Deletion is
    /// final: it cannot be written to or created again.
    #[error("conversation {0} was deleted")]
    Deleted(ConversationId),

    /// A value given to the cache breaks a rule of native-core (an
    /// attachment text's sha256 or length). Nothing of the call was written.
    #[error("the local cache refused a value: {0}")]
    Invalid(#[from] CoreError),

    /// An attachment text given with a message names another message.
    /// Nothing of the call was written.
    #[error("an attachment text given with message {0} belongs to another message")]
    AttachmentTextMismatch(MessageId),

    /// A backup file from a newer version of the app.
    #[error("backup format version {0} is not supported")]
    UnsupportedBackup(u32),

    /// A stored value that does not decode (an outbox op, attachments), or
    /// a JSON export that could not be written.
    #[error("the local cache holds a value it cannot decode: {0}")]
    Json(#[from] serde_json::Error),

    /// A timestamp outside what the cache stores (years 1678 to 2261).
    #[error("timestamp out of range for the local cache")]
    TimeOutOfRange,
}
