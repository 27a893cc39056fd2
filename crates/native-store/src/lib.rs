//! The local SQLite cache of conversations and messages, one database per
//! signed-in user, so history is readable and searchable offline. It gives
//! the sync engine (in `native-app`) transactional primitives: a remote batch
//! and its cursor are stored together or not at all, and every local change
//! is applied and queued in the outbox in one transaction.
//!
//! It must never be the source of truth for money or quota, never hold a
//! session token (tokens live in the OS keychain), and never talk to the
//! network: the sync engine reads the outbox and feeds remote batches in.
//! Every method blocks on SQLite; async callers wrap calls in
//! `spawn_blocking`. Beside the database, [`FileStore`] keeps the bytes of
//! attached files, content-addressed, so attachments reopen offline.

mod check;
mod error;
mod export;
mod files;
mod local;
mod open;
mod read;
mod remote;
mod rows;
mod schema;
mod search;
mod texts;
mod types;

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;

pub use error::StoreError;
pub use files::{FileStore, Variant};
pub use open::OpenReport;
pub use types::{
    ApplyReport, Backup, ConversationSummary, ImportReport, OutboxEntry, OutboxOp, RemoteBatch,
    SearchHit, StoredMessage, Tombstone,
};

/// Marks the start of a matched term in [`SearchHit::snippet`] (U+0002,
/// START OF TEXT). Chosen because it cannot be confused with markup: the UI
/// splits the snippet on the two markers and renders every part as text.
/// A message that itself contains U+0002 or U+0003 would shift the
/// highlighting, never escape it.
pub const HIGHLIGHT_START: char = '\u{2}';
/// Marks the end of a matched term in [`SearchHit::snippet`] (U+0003, END OF
/// TEXT).
pub const HIGHLIGHT_END: char = '\u{3}';

/// The schema version this build writes; databases at a lower version are
/// backed up and migrated on open, at a higher one refused.
pub const SCHEMA_VERSION: u32 = schema::LATEST;

/// The format version of [`Backup`] this build writes and reads.
pub const BACKUP_VERSION: u32 = 1;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// One user's cache. `Send + Sync`: share it behind an `Arc`. Calls are
/// serialised on one connection and every method blocks.
pub struct Store {
    conn: Mutex<Connection>,
    /// The database file; `None` for a cache in memory.
    path: Option<PathBuf>,
    report: OpenReport,
}

impl Store {
    /// What opening found: a recovery from corruption or a migration (with
    /// the backup taken before it). The app tells the user about a recovery
    /// and re-syncs from the server.
    pub fn open_report(&self) -> &OpenReport {
        &self.report
    }

    /// The sync cursor stored under `key`, as last written by
    /// [`Store::apply_remote`].
    pub fn cursor(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        let conn = self.conn();
        let value = conn
            .query_row(
                "SELECT value FROM sync_state WHERE key = ?1",
                [key],
                |row| row.get(0),
            )
            .optional()?;
        Ok(value)
    }

    /// The connection. A panic while it was held cannot have left a write
    /// half done (every write is one transaction, rolled back when dropped),
    /// so a poisoned lock is taken over rather than turned into an error.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
