//! The desktop app's UI-agnostic facade: sessions, history, chat and billing
//! services, exposed as plain async functions over typed values. The Tauri
//! shell calls exactly one function here per command; tests drive the same
//! functions without a window.
//!
//! It must never depend on Tauri or on any UI type, and every error it
//! returns crosses to the UI as [`ErrorBody`] `{code, message}` with a code
//! from the closed [`ErrorCode`] set and a message free of secrets.

mod app;
mod attachments;
mod billing;
mod chat;
mod config;
mod error;
mod history;
mod session;

pub use app::{AppInfo, NativeApp, ServerStatus};
pub use attachments::{AttachmentId, FileOpener, PendingAttachment, PendingAttachments};
pub use billing::{Offer, Plans};
pub use chat::{ChatOptions, ChatOutcome, ChatSink};
pub use config::{AppConfig, BillingConfig};
pub use error::{AppError, ErrorBody, ErrorCode};
pub use history::{
    CACHE_CHECK_AFTER, CacheNotice, ConversationItem, ExportFormat, ImportReport, LaunchState,
    MessageItem, SearchHit, SnippetPart, SyncStatus,
};
/// The thread PDFs are read on, whose caught panics the shell keeps quiet.
pub use native_files::PDF_THREAD_NAME;
pub use session::{
    AuthState, KEYCHAIN_SERVICE, KeyringStore, MemoryStore, OAuthProvider, Persistence, Profile,
    SecretStore, SignOutReason, SignUpResult, UrlOpener, entry_key,
};
