//! The facade against the testkit stack, without a window.

mod billing;
mod chat;
mod chat_attachments;
mod chat_support;
mod history_attachments;
mod history_launch;
mod history_offline;
mod history_support;
mod history_sync;
mod info;
mod session_files;
mod session_keychain;
mod session_oauth;
mod session_password;
mod session_refresh;
mod support;
