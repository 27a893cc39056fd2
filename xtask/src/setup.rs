//! Makes a fresh machine ready: Debian packages, npm packages and pinned
//! tools. Every step checks first, so a ready machine pays almost nothing.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::paths;
use crate::run::{cargo, npm, run};

/// The Debian packages the build, the stack and the tests need
/// (from shared/reference/tauri-linux.md, plus PostgreSQL for the stack).
const PACKAGES: &[&str] = &[
    // Building the Tauri app.
    "libwebkit2gtk-4.1-dev",
    "build-essential",
    "curl",
    "wget",
    "file",
    "libxdo-dev",
    "libssl-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libsoup-3.0-dev",
    "libjavascriptcoregtk-4.1-dev",
    // Headless runs, E2E and keychain tests (dbus: dbus-run-session).
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus",
    "dbus-x11",
    "gnome-keyring",
    "libsecret-tools",
    "imagemagick",
    // E2E: types a path into the system's file dialog (no WebDriver reach).
    "xdotool",
    // The package test validates the .deb's desktop entry.
    "desktop-file-utils",
    // The local stack's database.
    "postgresql",
];

/// Node.js and npm are checked as commands, not packages: many machines get
/// them from NodeSource or nvm, whose `nodejs` bundles npm and conflicts
/// with Debian's `npm` package. Debian's are installed only when absent.
const NODE_PACKAGES: &[&str] = &["nodejs", "npm"];

/// The tauri-driver release the E2E tests are known to work with.
const TAURI_DRIVER_VERSION: &str = "2.1.0";

pub fn all() -> Result<()> {
    debian_packages()?;
    npm_packages()?;
    tauri_driver()
}

/// Installs missing packages with apt-get as root; otherwise prints the exact
/// command and fails, since a build without them cannot succeed.
pub fn debian_packages() -> Result<()> {
    let mut missing: Vec<&str> = PACKAGES.iter().copied().filter(|p| !installed(p)).collect();
    if !command_exists("node") || !command_exists("npm") {
        missing.extend(NODE_PACKAGES);
    }
    install(&missing)
}

/// What only `cargo xtask bench` needs: Chromium and its WebDriver, the
/// browser the startup bench compares the app with. Kept apart so that
/// `cargo xtask test` and CI never install a browser.
const BENCH_PACKAGES: &[&str] = &["chromium", "chromium-driver"];

/// Installs the bench's own packages the same way as [`debian_packages`].
pub fn bench_packages() -> Result<()> {
    let missing: Vec<&str> = BENCH_PACKAGES
        .iter()
        .copied()
        .filter(|p| !installed(p))
        .collect();
    install(&missing)
}

fn install(missing: &[&str]) -> Result<()> {
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    if !nix::unistd::geteuid().is_root() {
        bail!(
            "missing Debian packages; install them with:\n  sudo apt-get update && sudo apt-get install -y {list}"
        );
    }
    eprintln!("installing Debian packages: {list}");
    run(Command::new("apt-get").arg("update").arg("-qq"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn command_exists(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| {
            o.status.success()
                && String::from_utf8_lossy(&o.stdout).contains("install ok installed")
        })
        .unwrap_or(false)
}

/// `npm ci` in each package folder whose lock file changed since the last
/// install (a stamp in node_modules records the lock's hash).
pub fn npm_packages() -> Result<()> {
    for dir in [paths::ui(), paths::root().join("crates/native-testkit")] {
        npm_ci(&dir)?;
    }
    Ok(())
}

fn npm_ci(dir: &Path) -> Result<()> {
    let lock = std::fs::read(dir.join("package-lock.json"))
        .with_context(|| format!("{} has no package-lock.json", dir.display()))?;
    let hash = format!("{:x}", Sha256::digest(&lock));
    let stamp = dir.join("node_modules/.xtask-lock-hash");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == hash) {
        return Ok(());
    }
    run(npm(dir).args(["ci", "--no-audit", "--no-fund"]))?;
    std::fs::write(&stamp, hash)?;
    Ok(())
}

/// tauri-driver, pinned, installed under the cargo target dir so CI's cached
/// target keeps it between runs.
pub fn tauri_driver() -> Result<()> {
    if paths::tauri_driver().exists() {
        return Ok(());
    }
    run(cargo()
        .args([
            "install",
            "tauri-driver",
            "--locked",
            "--version",
            TAURI_DRIVER_VERSION,
            "--root",
        ])
        .arg(paths::tools()))
}
