//! WebKitGTK rendering workarounds, set only when the user has not set them.
//!
//! WebKitGTK's DMA-BUF renderer shows a blank window on many GPU drivers
//! (NVIDIA, some virtual machines and Xvfb). Setting an environment variable
//! from inside a running process is unsafe in Rust 2024 (other threads may
//! read the environment), and this workspace forbids `unsafe`; so when a
//! workaround is missing, the app re-executes itself once with it set, before
//! any thread or window exists. A user's own value always wins.

#[cfg(target_os = "linux")]
const WORKAROUNDS: &[(&str, &str)] = &[("WEBKIT_DISABLE_DMABUF_RENDERER", "1")];

#[cfg(target_os = "linux")]
pub fn apply_webkit_workarounds() {
    use std::os::unix::process::CommandExt;

    let missing: Vec<_> = WORKAROUNDS
        .iter()
        .filter(|(name, _)| std::env::var_os(name).is_none())
        .collect();
    if missing.is_empty() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut command = std::process::Command::new(exe);
    command.args(std::env::args_os().skip(1));
    for (name, value) in missing {
        command.env(name, value);
    }
    // `exec` only returns on failure; then run without the workaround.
    let err = command.exec();
    eprintln!("native-desktop: could not apply WebKitGTK workarounds: {err}");
}

#[cfg(not(target_os = "linux"))]
pub fn apply_webkit_workarounds() {}
