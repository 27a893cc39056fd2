//! Scratch directories for clusters and stacks, and the sweeping of those a
//! dead process left behind.
//!
//! A stack removes its directory when dropped, but the process-wide shared
//! cluster lives in a static that is never dropped, and a process killed with
//! SIGKILL drops nothing. Each directory therefore records its owner's PID,
//! and creating a new one first removes those whose owner is gone.

use std::path::Path;

use anyhow::Context;
use tempfile::TempDir;

/// The prefix of every scratch directory, under the system temp directory.
const PREFIX: &str = "native-testkit-";

/// The file in each scratch directory that holds the owner's PID.
const OWNER_FILE: &str = "owner.pid";

/// A fresh directory `native-testkit-<kind>-XXXX` owned by this process.
pub fn create(kind: &str) -> anyhow::Result<TempDir> {
    sweep_stale();
    let dir = tempfile::Builder::new()
        .prefix(&format!("{PREFIX}{kind}-"))
        .tempdir()
        .context("cannot create a scratch directory")?;
    std::fs::write(dir.path().join(OWNER_FILE), std::process::id().to_string())
        .context("cannot write a scratch directory's owner file")?;
    Ok(dir)
}

/// Removes the scratch directories whose owner and postmaster are both gone.
/// Best effort: anything unexpected leaves the directory alone.
fn sweep_stale() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(PREFIX) {
            continue;
        }
        let path = entry.path();
        let Some(owner) = read_pid(&path.join(OWNER_FILE)) else {
            continue;
        };
        if is_alive(owner) {
            continue;
        }
        // A postgres that outlived its owner (it should not, but a fast
        // shutdown may still be running) keeps its data directory.
        if read_pid(&path.join("data").join("postmaster.pid")).is_some_and(is_alive) {
            continue;
        }
        let _ = std::fs::remove_dir_all(&path);
    }
}

/// The PID on the first line of `path`.
fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

/// Whether a process with this PID exists (a zombie counts as gone).
fn is_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        // The state follows the parenthesised command name, which may itself
        // contain spaces or parentheses: read from the last ')'.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
    }
}
