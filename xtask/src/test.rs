//! `cargo xtask test`: everything CI checks, cheapest failures first.
//!
//! 1. setup (Debian packages, npm packages, tauri-driver);
//! 2. rustfmt; 3. the UI: type check, unit tests, production build (the
//!    Rust build embeds it); 4. clippy with warnings denied; 5. every Rust
//!    test against real stacks; 6. the package: a debug-profile .deb and
//!    .rpm, checked by the package test; 7. the end-to-end tests of the real
//!    app under Xvfb. Both Rust test steps run in a private D-Bus session with
//!    an unlocked keychain (see [`with_keychain`]).

use std::process::Command;

use anyhow::Result;

use crate::run::{cargo, npm, run};
use crate::{bundle, paths, setup};

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
    run(&mut with_keychain(cargo().args([
        "test",
        "--workspace",
        "--exclude",
        "native-e2e",
        "--locked",
    ])))?;
    package()?;
    e2e()
}

/// Builds the debug-profile bundle and runs the package test on its .deb.
/// The debug profile packs the same files as a release bundle but reuses
/// the debug build the other steps made: only the crates that depend on
/// `tauri` rebuild, with the `custom-protocol` feature the CLI adds
/// (BENCHMARKS.md, "Package size"). It runs before the E2E step because a
/// broken package costs a minute to see, the E2E journeys many.
pub fn package() -> Result<()> {
    let deb = bundle::bundle(bundle::Profile::Debug)?;
    // `--nocapture` shows the sizes the test prints (for BENCHMARKS.md).
    run(cargo()
        .args([
            "test",
            "-p",
            "native-e2e",
            "--locked",
            "--test",
            "it",
            "package::",
            "--",
            "--test-threads=1",
            "--nocapture",
        ])
        .env("NATIVE_DEB", deb))
}

/// Starts an unlocked gnome-keyring (Secret Service only) with a throwaway
/// store, then runs the arguments. The empty password must be one newline:
/// `echo |`, not `printf ''` (shared/reference/tauri-linux.md).
const KEYCHAIN_SCRIPT: &str = "export XDG_DATA_HOME=$(mktemp -d) XDG_RUNTIME_DIR=$(mktemp -d); \
    echo | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec \"$@\"";

/// `cmd` in a private D-Bus session with an unlocked keychain, so sessions
/// are really stored (the keychain tests, the app under E2E) and nothing
/// touches the user's own keychain. `NATIVE_REQUIRE_KEYCHAIN=1` makes the
/// keychain tests fail rather than skip if the keychain does not work.
fn with_keychain(cmd: &Command) -> Command {
    let mut wrapped = Command::new("dbus-run-session");
    wrapped
        .args(["--", "sh", "-c", KEYCHAIN_SCRIPT, "sh"])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env("NATIVE_REQUIRE_KEYCHAIN", "1");
    for (name, value) in cmd.get_envs() {
        match value {
            Some(value) => wrapped.env(name, value),
            None => wrapped.env_remove(name),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    wrapped
}

/// The E2E tests drive the debug build of the app through tauri-driver, in
/// a virtual X display inside a private session bus (without one, GTK starts
/// helpers that outlive the app) that has a keychain for the app's session.
pub fn e2e() -> Result<()> {
    // Also puts back the E2E binary at target/debug/native-desktop: the
    // package step leaves the custom-protocol build there. Only the app
    // crate re-links (seconds): its build script follows the CLI's
    // `TAURI_*` variables, and the rest is cached under both feature sets.
    run(cargo().args(["build", "-p", "native-desktop", "--locked"]))?;
    run(&mut in_app_session(
        &[
            "test",
            "-p",
            "native-e2e",
            "--locked",
            "--",
            "--test-threads=1",
            // The package test has its own step, [`package`], which runs
            // it with the .deb it needs.
            "--skip",
            "package::",
        ],
        &paths::app_binary(),
    )?)
}

/// `cargo <args>` where the real app can run: under Xvfb at the E2E screen
/// size, in a private D-Bus session with an unlocked keychain (see
/// [`with_keychain`]), told where the app binary, tauri-driver and the
/// artifacts folder are. The E2E tests and the startup bench both run so.
///
/// The X server runs with `-noreset`, as a desktop session's server does.
/// Without it Xvfb resets whenever its last client leaves, which drops the
/// root window's properties, among them `GDK_VISUALS`: the GL visuals GTK 3
/// probes once per X session (~0.45 s of driver set-up under Xvfb) and
/// caches there for every later GTK client. Launches then paid that probe
/// or not depending on whether another client happened to be connected.
pub(crate) fn in_app_session(args: &[&str], app: &std::path::Path) -> Result<Command> {
    std::fs::create_dir_all(paths::e2e_dir())?;
    Ok(with_keychain(
        Command::new("xvfb-run")
            .args(["-a", "--server-args=-screen 0 1600x1000x24 -noreset"])
            .arg(cargo().get_program())
            .args(args)
            .env("NATIVE_APP_BINARY", app)
            .env("TAURI_DRIVER", paths::tauri_driver())
            .env("NATIVE_E2E_DIR", paths::e2e_dir()),
    ))
}
