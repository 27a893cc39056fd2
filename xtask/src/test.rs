//! `cargo xtask test`: everything CI checks, cheapest failures first.
//!
//! 1. setup (Debian packages, npm packages, tauri-driver);
//! 2. rustfmt; 3. the UI: type check, unit tests, production build (the
//!    Rust build embeds it); 4. clippy with warnings denied; 5. every Rust
//!    test against real stacks; 6. the end-to-end tests of the real app under
//!    Xvfb and a private D-Bus session.

use std::process::Command;

use anyhow::Result;

use crate::run::{cargo, npm, run};
use crate::{paths, setup};

pub fn all() -> Result<()> {
    setup::all()?;
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    let ui = paths::ui();
    run(npm(&ui).args(["run", "check"]))?;
    run(npm(&ui).args(["test"]))?;
    run(npm(&ui).args(["run", "build"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    // Tests that touch the keychain need a session bus; give every test one.
    run(Command::new("dbus-run-session")
        .arg("--")
        .arg(cargo().get_program())
        .args(["test", "--workspace", "--exclude", "native-e2e", "--locked"]))?;
    e2e()
}

/// The E2E tests drive the debug build of the app through tauri-driver, in
/// a virtual X display and a private session bus (without one, GTK starts
/// helpers that outlive the app).
pub fn e2e() -> Result<()> {
    run(cargo().args(["build", "-p", "native-desktop", "--locked"]))?;
    std::fs::create_dir_all(paths::e2e_dir())?;
    run(Command::new("dbus-run-session")
        .args([
            "--",
            "xvfb-run",
            "-a",
            "--server-args=-screen 0 1600x1000x24",
        ])
        .arg(cargo().get_program())
        .args([
            "test",
            "-p",
            "native-e2e",
            "--locked",
            "--",
            "--test-threads=1",
        ])
        .env("NATIVE_APP_BINARY", paths::app_binary())
        .env("TAURI_DRIVER", paths::tauri_driver())
        .env("NATIVE_E2E_DIR", paths::e2e_dir()))
}
