//! Where things live. Build outputs follow cargo's target directory (CI keeps
//! it outside the clone as a cache); run artifacts (the stack's env file, E2E
//! screenshots) always go under the clone's own `target/`.

use std::path::PathBuf;

/// The repository root (the workspace holding this crate).
///
/// Read from the environment `cargo run` gives the process, not only from
/// the path compiled in: checkouts that share one `CARGO_TARGET_DIR` (CI's
/// clean clones and the developer's tree, say) share one xtask binary, and
/// cargo does not rebuild it when only the checkout's path changed, so the
/// compiled-in path can name another, even deleted, checkout.
pub fn root() -> PathBuf {
    let here = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set, else `<root>/target`.
pub fn cargo_target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Pinned tools installed by `setup` (tauri-driver).
pub fn tools() -> PathBuf {
    cargo_target().join("tools")
}

pub fn tauri_driver() -> PathBuf {
    tools().join("bin").join("tauri-driver")
}

/// The debug build of the desktop app, as the E2E tests launch it.
pub fn app_binary() -> PathBuf {
    cargo_target().join("debug").join("native-desktop")
}

/// Where `tauri build` writes the packages (`deb/`, `rpm/`): under the
/// profile's folder of cargo's target directory, like the binary it packs.
pub fn bundle_dir(debug: bool) -> PathBuf {
    let profile = if debug { "debug" } else { "release" };
    cargo_target().join(profile).join("bundle")
}

pub fn stack_dir() -> PathBuf {
    root().join("target").join("stack")
}

pub fn stack_env() -> PathBuf {
    stack_dir().join("stack.env")
}

pub fn stack_pid() -> PathBuf {
    stack_dir().join("stack.pid")
}

pub fn e2e_dir() -> PathBuf {
    root().join("target").join("e2e")
}

pub fn ui() -> PathBuf {
    root().join("ui")
}
