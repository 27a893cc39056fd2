//! No process outlives its stack: not after a drop, not after a panic, not
//! after `native-stack` is interrupted, and not even after it is SIGKILLed.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use native_testkit::{Stack, StackOptions};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, BufReader};

/// Whether `pid` is gone: no `/proc/PID`, or a zombie that is not our child
/// (an orphan waiting for init to reap it has stopped running).
fn is_gone(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return true;
    };
    // Fields after the parenthesised command name: state, ppid, ...
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let mut fields = rest.split_whitespace();
    let state = fields.next().unwrap_or_default();
    let ppid: u32 = fields.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    state == "Z" && ppid != std::process::id()
}

/// Waits up to `timeout` for every PID to be gone; answers the ones left.
async fn wait_gone(pids: &[u32], timeout: Duration) -> Vec<u32> {
    let deadline = Instant::now() + timeout;
    loop {
        let alive: Vec<u32> = pids.iter().copied().filter(|&pid| !is_gone(pid)).collect();
        if alive.is_empty() || Instant::now() >= deadline {
            return alive;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn dedicated() -> StackOptions {
    StackOptions {
        dedicated_cluster: true,
        ..StackOptions::default()
    }
}

#[tokio::test]
async fn dropping_a_stack_stops_every_process() {
    let stack = Stack::start_with(dedicated()).await.expect("stack starts");
    let pids = stack.pids();
    assert_eq!(pids.len(), 2, "PostgREST and the postmaster: {pids:?}");
    assert!(
        pids.iter().all(|&pid| !is_gone(pid)),
        "all running: {pids:?}"
    );
    assert!(
        pids.iter()
            .all(|pid| native_testkit::process::pids().contains(pid))
    );

    drop(stack);

    assert_eq!(
        wait_gone(&pids, Duration::from_secs(5)).await,
        Vec::<u32>::new()
    );
    assert!(
        pids.iter()
            .all(|pid| !native_testkit::process::pids().contains(pid))
    );
}

#[tokio::test]
async fn a_panicking_task_stops_its_stack() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let stack = Stack::start_with(dedicated()).await.expect("stack starts");
        tx.send(stack.pids()).expect("the test listens");
        panic!("a test failed while its stack was up");
    });
    let joined = task.await;
    assert!(joined.is_err_and(|err| err.is_panic()));
    let pids = rx.await.expect("the task reported its PIDs");
    assert_eq!(pids.len(), 2);
    assert_eq!(
        wait_gone(&pids, Duration::from_secs(5)).await,
        Vec::<u32>::new()
    );
}

/// A running `native-stack` and what it announced.
struct RunningBinary {
    child: tokio::process::Child,
    pids: Vec<u32>,
    env_file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

async fn start_binary() -> RunningBinary {
    let dir = tempfile::tempdir().expect("temp dir");
    let env_file = dir.path().join("stack.env");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_native-stack"))
        .arg("--env-file")
        .arg(&env_file)
        // The fake provider, whatever the developer's environment says.
        .env_remove("MISTRAL_API_KEY")
        .env_remove("PROVIDER_BASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("native-stack starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("native-stack is ready within a minute")
        .expect("stdout reads")
        .expect("native-stack printed a line");
    let pids: Vec<u32> = line
        .strip_prefix("native-stack ready pids=")
        .unwrap_or_else(|| panic!("unexpected line {line:?}"))
        .split(',')
        .map(|pid| pid.parse().expect("a PID"))
        .collect();
    assert_eq!(pids.len(), 2, "PostgREST and the postmaster: {pids:?}");
    assert!(pids.iter().all(|&pid| !is_gone(pid)));
    RunningBinary {
        child,
        pids,
        env_file,
        _dir: dir,
    }
}

fn assert_env_file(path: &Path) {
    let meta = std::fs::metadata(path).expect("the env file exists");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(path).expect("the env file reads");
    let keys: Vec<&str> = text
        .lines()
        .map(|line| line.split_once('=').expect("KEY=VALUE").0)
        .collect();
    assert_eq!(
        keys,
        [
            "SUPABASE_URL",
            "SUPABASE_ANON_KEY",
            "SUPABASE_SERVICE_ROLE_KEY",
            "SUPABASE_JWT_SECRET",
            "DATABASE_URL",
            "NATIVE_API_URL",
            "PROVIDER_BASE_URL",
            "STRIPE_WEBHOOK_SECRET",
        ]
    );
}

#[tokio::test]
async fn native_stack_stops_everything_on_sigint() {
    let mut running = start_binary().await;
    assert_env_file(&running.env_file);
    let pid = running.child.id().expect("still running");

    kill(Pid::from_raw(pid as i32), Signal::SIGINT).expect("SIGINT sent");

    let status = tokio::time::timeout(Duration::from_secs(20), running.child.wait())
        .await
        .expect("native-stack exits within 20 s")
        .expect("wait works");
    assert!(status.success(), "exit status {status}");
    assert_eq!(
        wait_gone(&running.pids, Duration::from_secs(5)).await,
        Vec::<u32>::new()
    );
    assert!(!running.env_file.exists(), "the env file is removed");
}

#[tokio::test]
async fn native_stack_children_die_with_it_on_sigkill() {
    let mut running = start_binary().await;
    let pid = running.child.id().expect("still running");

    kill(Pid::from_raw(pid as i32), Signal::SIGKILL).expect("SIGKILL sent");
    let _ = running.child.wait().await;

    // No Drop ran: only the parent-death signal can have stopped them.
    assert_eq!(
        wait_gone(&running.pids, Duration::from_secs(10)).await,
        Vec::<u32>::new()
    );
}
