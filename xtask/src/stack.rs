//! `cargo xtask stack up [--detach]` and `stack down`.
//!
//! The stack itself is the testkit's `native-stack` binary (the same code
//! the tests use). In the foreground it stops on Ctrl-C; detached, its PID
//! goes to `target/stack/stack.pid` and `stack down` stops it by that PID.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::paths;
use crate::run::{cargo, run};
use crate::setup;

pub fn up(detach: bool) -> Result<()> {
    if let Some(pid) = running_pid() {
        bail!("a stack is already running (PID {pid}); `cargo xtask stack down` stops it");
    }
    setup::debian_packages()?;
    setup::npm_packages()?;
    let binary = build_native_stack()?;
    if detach {
        let child = spawn(&binary, true)?;
        std::fs::write(paths::stack_pid(), child.id().to_string())?;
        println!(
            "stack is up (PID {}); its settings are in {}",
            child.id(),
            paths::stack_env().display()
        );
        Ok(())
    } else {
        let mut child = spawn(&binary, false)?;
        println!(
            "stack is up; settings in {}; Ctrl-C stops it",
            paths::stack_env().display()
        );
        // Ctrl-C reaches the whole foreground process group: native-stack
        // stops its processes itself, and we wait for it to finish doing so.
        child.wait()?;
        Ok(())
    }
}

pub fn down() -> Result<()> {
    let Some(pid) = running_pid() else {
        println!("no stack is running");
        let _ = std::fs::remove_file(paths::stack_pid());
        return Ok(());
    };
    stop(pid)?;
    let _ = std::fs::remove_file(paths::stack_pid());
    let _ = std::fs::remove_file(paths::stack_env());
    println!("stack stopped");
    Ok(())
}

pub fn build_native_stack() -> Result<PathBuf> {
    run(cargo().args([
        "build",
        "--quiet",
        "-p",
        "native-testkit",
        "--bin",
        "native-stack",
    ]))?;
    Ok(paths::cargo_target().join("debug").join("native-stack"))
}

/// Starts native-stack and waits until it has written its env file. A
/// detached stack gets its own process group (so the terminal's Ctrl-C does
/// not reach it) and logs to `target/stack/stack.log`.
pub fn spawn(binary: &PathBuf, detach: bool) -> Result<Child> {
    std::fs::create_dir_all(paths::stack_dir())?;
    let _ = std::fs::remove_file(paths::stack_env());
    let mut cmd = Command::new(binary);
    cmd.arg("--env-file")
        .arg(paths::stack_env())
        .stdin(Stdio::null());
    if detach {
        use std::os::unix::process::CommandExt;
        let log = File::create(paths::stack_dir().join("stack.log"))?;
        cmd.stdout(log.try_clone()?).stderr(log).process_group(0);
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while !paths::stack_env().exists() {
        if let Some(status) = child.try_wait()? {
            bail!(
                "the stack exited during startup ({status}); see {}",
                paths::stack_dir().join("stack.log").display()
            );
        }
        if Instant::now() > deadline {
            stop(child.id())?;
            bail!("the stack did not become healthy within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(child)
}

/// Asks the stack to stop (SIGTERM), waits for it, and kills it if it hangs.
pub fn stop(pid: u32) -> Result<()> {
    let target = Pid::from_raw(i32::try_from(pid)?);
    let _ = kill(target, Signal::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(30);
    while alive(pid) {
        if Instant::now() > deadline {
            let _ = kill(target, Signal::SIGKILL);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// The PID of a detached stack that is still running, if any.
fn running_pid() -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(paths::stack_pid())
        .ok()?
        .trim()
        .parse()
        .ok()?;
    alive(pid).then_some(pid)
}

/// Whether a process exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Reads `target/stack/stack.env` (KEY=VALUE lines).
pub fn read_env() -> Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(paths::stack_env())
        .with_context(|| format!("cannot read {}", paths::stack_env().display()))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect())
}
