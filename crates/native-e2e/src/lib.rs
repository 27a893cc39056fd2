//! The harness for end-to-end tests of the real desktop app: it starts a
//! testkit stack, launches the debug build of the app through tauri-driver
//! and WebKitWebDriver, and gives tests a WebDriver client plus screenshots
//! under `target/e2e/`.
//!
//! It runs only inside `cargo xtask test` (Xvfb and a private D-Bus session
//! around it), is never shipped, and must stop every process it starts, by
//! PID, even when a test panics.

mod driver;

pub use driver::{AppSession, Launch, artifacts_dir, capture_window, stop_child};
