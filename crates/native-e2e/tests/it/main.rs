//! End-to-end tests of the real app, one binary, one module per journey.
//! Run them with `cargo xtask test` (Xvfb, D-Bus, tauri-driver).

mod attachments;
mod auth;
mod billing;
mod chat;
mod history;
mod package;
mod screens;
mod smoke;
mod support;
