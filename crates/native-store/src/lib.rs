//! The local SQLite cache of conversations, messages and attachments, one
//! database per signed-in user, readable and searchable offline.
//!
//! It must never be the source of truth for money or quota, and never hold a
//! session token: tokens live in the OS keychain. The History issue fills it;
//! for now it only names its error type so the facade can depend on it.

/// Why the cache could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the local cache is unavailable: {0}")]
    Unavailable(String),
}
