//! `cargo xtask bundle`: the .deb and .rpm through the pinned Tauri CLI.
//!
//! The CLI runs from the repository root with TAURI_APP_PATH pointing at the
//! app crate, whose `tauri.conf.json` is a link to the root one (see
//! ARCHITECTURE.md, "One config at the root").

use anyhow::Result;

use crate::run::run;
use crate::{paths, setup};

pub fn bundle() -> Result<()> {
    setup::debian_packages()?;
    setup::npm_packages()?;
    let cli = paths::ui().join("node_modules/.bin/tauri");
    run(std::process::Command::new(cli)
        .args(["build", "--bundles", "deb,rpm"])
        .current_dir(paths::root())
        .env("TAURI_APP_PATH", "src-tauri")
        .env("TAURI_FRONTEND_PATH", "ui"))?;
    Ok(())
}
