//! WebKitGTK rendering workarounds, set only when the user has not set them.
//!
//! WebKitGTK's DMA-BUF renderer shows a blank window on many GPU drivers
//! (NVIDIA, some virtual machines and Xvfb). WebKit reads the variable when
//! the first web view is created, and its web processes inherit it, so
//! setting it in this process before anything else runs is enough.
//!
//! This is the workspace's one `unsafe` block: Rust 2024 makes `set_var`
//! unsafe because another thread could read the environment at the same
//! time. The app used to re-execute itself with the variable set instead,
//! which cost a second program start (60-100 ms of every launch, dynamic
//! linking of ~170 libraries included; BENCHMARKS.md).

#[cfg(target_os = "linux")]
const WORKAROUNDS: &[(&str, &str)] = &[("WEBKIT_DISABLE_DMABUF_RENDERER", "1")];

/// Sets the missing workarounds. Call it first thing in `main`, before any
/// thread starts: that is what makes the `set_var` below sound.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub fn apply_webkit_workarounds() {
    for (name, value) in WORKAROUNDS {
        // A user's own value always wins.
        if std::env::var_os(name).is_none() {
            // SAFETY: called at the start of `main` (through `run`), while
            // the process has a single thread: nothing else can read or
            // write the environment concurrently.
            unsafe { std::env::set_var(name, value) };
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn apply_webkit_workarounds() {}
