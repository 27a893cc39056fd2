//! `cargo xtask bundle [--debug]`: the .deb and .rpm through the pinned Tauri
//! CLI.
//!
//! The CLI runs from the repository root with TAURI_APP_PATH pointing at the
//! app crate, whose `tauri.conf.json` is a link to the root one (see
//! ARCHITECTURE.md, "One config at the root"). `--debug` packages the debug
//! profile: the same files and metadata, but built on top of the debug build
//! CI already has, which is what `cargo xtask test` checks the package with.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::run::run;
use crate::{paths, setup};

/// Which cargo profile the packaged binary is built with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Release,
    Debug,
}

/// Builds the .deb and .rpm and returns the path of the .deb.
pub fn bundle(profile: Profile) -> Result<PathBuf> {
    setup::debian_packages()?;
    setup::npm_packages()?;
    let cli = paths::ui().join("node_modules/.bin/tauri");
    let mut cmd = std::process::Command::new(cli);
    cmd.args(["build", "--bundles", "deb,rpm"]);
    if profile == Profile::Debug {
        cmd.arg("--debug");
    }
    run(cmd
        .current_dir(paths::root())
        .env("TAURI_APP_PATH", "src-tauri")
        .env("TAURI_FRONTEND_PATH", "ui"))?;
    let deb = newest_with_extension(
        &paths::bundle_dir(profile == Profile::Debug).join("deb"),
        "deb",
    )?;
    eprintln!("built {}", deb.display());
    Ok(deb)
}

/// The most recently written `*.<extension>` in `dir`. The file name carries
/// the version, so a folder can still hold packages of earlier versions; the
/// build just wrote the one that counts.
fn newest_with_extension(dir: &Path, extension: &str) -> Result<PathBuf> {
    let mut newest: Option<(std::time::SystemTime, PathBuf)> = None;
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == extension) {
            let modified = std::fs::metadata(&path)?.modified()?;
            if newest.as_ref().is_none_or(|(time, _)| modified > *time) {
                newest = Some((modified, path));
            }
        }
    }
    newest
        .map(|(_, path)| path)
        .with_context(|| format!("no .{extension} in {}", dir.display()))
}
