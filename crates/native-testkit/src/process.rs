//! Child processes that never outlive their owner.
//!
//! Every process the stack starts (initdb, postgres, PostgREST) goes through
//! [`spawn`], which gives two guarantees:
//!
//! - Dropping the returned [`ChildGuard`] stops the process: the polite signal
//!   first, SIGKILL after a grace period, then the zombie is reaped.
//! - If the owning process dies without running `Drop` (SIGKILL, abort, a
//!   test harness that exits with a static still alive), the kernel signals
//!   the child anyway: each child is started through
//!   `setpriv --pdeathsig <SIG> -- program args`, which sets the parent-death
//!   signal and then execs the real program (so the PID is the program's).
//!
//! The parent-death signal fires when the *thread* that forked the child
//! exits, not the process. Tokio's worker and blocking threads come and go,
//! so every child is forked from one dedicated "keeper" thread that lives as
//! long as the process.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The util-linux tool that sets the parent-death signal and execs.
const SETPRIV: &str = "/usr/bin/setpriv";

/// How long a child may take to exit after the polite signal.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// How many bytes of a child's log an error message quotes.
const LOG_TAIL_BYTES: u64 = 4096;

/// A job for the keeper thread: fork a child and hand back the result.
type SpawnJob = Box<dyn FnOnce() + Send>;

/// The sending end of the keeper thread's queue, created on first use.
static KEEPER: OnceLock<Mutex<mpsc::Sender<SpawnJob>>> = OnceLock::new();

/// The PIDs of every child currently held by a [`ChildGuard`] in this process.
static LIVE: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

/// What to start, how to stop it, and as whom.
#[derive(Debug, Clone)]
pub struct Spec {
    /// A short name for logs and errors, e.g. `postgres`; also the log file's stem.
    pub name: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Extra environment variables (the rest is inherited).
    pub env: Vec<(String, String)>,
    /// The working directory (also where the log file goes).
    pub dir: PathBuf,
    /// The signal that asks the program to stop cleanly; it is also the
    /// parent-death signal.
    pub stop_signal: Signal,
    /// Run as this uid/gid instead of ours (postgres refuses to run as root).
    pub run_as: Option<(u32, u32)>,
}

impl Spec {
    /// A spec with no extra environment, stopped by SIGTERM, run as us.
    pub fn new(name: &str, program: impl Into<PathBuf>, dir: &Path) -> Self {
        Self {
            name: name.to_owned(),
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            dir: dir.to_owned(),
            stop_signal: Signal::SIGTERM,
            run_as: None,
        }
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn stop_signal(mut self, signal: Signal) -> Self {
        self.stop_signal = signal;
        self
    }

    pub fn run_as(mut self, ids: Option<(u32, u32)>) -> Self {
        self.run_as = ids;
        self
    }

    /// Where the child's stdout and stderr go.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join(format!("{}.log", self.name))
    }
}

/// A running child that is stopped when the guard is dropped.
pub struct ChildGuard {
    name: String,
    pid: u32,
    stop_signal: Signal,
    log_path: PathBuf,
    /// `None` once the child has been reaped.
    child: Option<Child>,
}

impl std::fmt::Debug for ChildGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildGuard")
            .field("name", &self.name)
            .field("pid", &self.pid)
            .finish_non_exhaustive()
    }
}

/// Starts `spec` from the keeper thread, with its output appended to
/// [`Spec::log_path`].
pub fn spawn(spec: &Spec) -> anyhow::Result<ChildGuard> {
    let log_path = spec.log_path();
    let log = File::options()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("cannot create the log file {}", log_path.display()))?;
    let log_err = log
        .try_clone()
        .context("cannot duplicate a log file handle")?;

    let mut cmd = Command::new(SETPRIV);
    cmd.arg("--pdeathsig")
        .arg(spec.stop_signal.as_str())
        .arg("--")
        .arg(&spec.program)
        .args(&spec.args)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&spec.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log_err))
        // Its own process group: a Ctrl-C in the terminal reaches only the
        // owner, which then stops its children in order.
        .process_group(0);
    if let Some((uid, gid)) = spec.run_as {
        // The credential change happens in the forked child before setpriv
        // runs, so it cannot clear the parent-death signal setpriv sets.
        cmd.uid(uid).gid(gid);
    }

    let child = spawn_on_keeper(cmd)
        .with_context(|| format!("cannot start {} ({})", spec.name, spec.program.display()))?;
    let pid = child.id();
    lock_live().insert(pid);
    tracing::debug!(name = %spec.name, pid, "child started");
    Ok(ChildGuard {
        name: spec.name.clone(),
        pid,
        stop_signal: spec.stop_signal,
        log_path,
        child: Some(child),
    })
}

/// Runs `spec` to completion (e.g. initdb) and fails, quoting its log, unless
/// it exits successfully within `timeout`.
pub fn run(spec: &Spec, timeout: Duration) -> anyhow::Result<()> {
    let mut guard = spawn(spec)?;
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = guard.try_wait()? {
            if status.success() {
                return Ok(());
            }
            return Err(anyhow!(
                "{} failed ({status}); its output:\n{}",
                spec.name,
                guard.log_tail()
            ));
        }
        if Instant::now() >= deadline {
            return Err(anyhow!(
                "{} did not finish within {timeout:?}; its output:\n{}",
                spec.name,
                guard.log_tail()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The PIDs of every child this process currently guards.
pub fn pids() -> Vec<u32> {
    lock_live().iter().copied().collect()
}

impl ChildGuard {
    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `Some(status)` once the child has exited (it is then reaped).
    pub fn try_wait(&mut self) -> anyhow::Result<Option<ExitStatus>> {
        match self.child.as_mut() {
            None => Err(anyhow!("{} was already reaped", self.name)),
            Some(child) => child
                .try_wait()
                .with_context(|| format!("cannot poll {} (pid {})", self.name, self.pid)),
        }
    }

    /// The last few kilobytes of the child's output, for error messages.
    pub fn log_tail(&self) -> String {
        log_tail(&self.log_path)
    }

    /// Stops the child now: the polite signal, then SIGKILL after the grace
    /// period, then reaps it. Idempotent.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if matches!(child.try_wait(), Ok(None)) {
            let pid = Pid::from_raw(self.pid as i32);
            // The child is not reaped yet, so its PID cannot have been reused.
            let _ = kill(pid, self.stop_signal);
            let deadline = Instant::now() + STOP_GRACE;
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if matches!(child.try_wait(), Ok(None)) {
                tracing::warn!(name = %self.name, pid = self.pid, "child ignored its stop signal; killing it");
                let _ = kill(pid, Signal::SIGKILL);
            }
        }
        // Reap, so no zombie is left behind.
        let _ = child.wait();
        lock_live().remove(&self.pid);
        tracing::debug!(name = %self.name, pid = self.pid, "child stopped");
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The last [`LOG_TAIL_BYTES`] of a log file, or a note that it is unreadable.
pub fn log_tail(path: &Path) -> String {
    let read = || -> std::io::Result<String> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        file.seek(SeekFrom::Start(len.saturating_sub(LOG_TAIL_BYTES)))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    match read() {
        Ok(text) if text.trim().is_empty() => format!("(no output; log {})", path.display()),
        Ok(text) => text,
        Err(err) => format!("(cannot read {}: {err})", path.display()),
    }
}

/// Forks `cmd` on the keeper thread and waits for the result.
fn spawn_on_keeper(mut cmd: Command) -> anyhow::Result<Child> {
    let (reply_tx, reply_rx) = mpsc::channel();
    let job: SpawnJob = Box::new(move || {
        let _ = reply_tx.send(cmd.spawn());
    });
    keeper()?
        .lock()
        .map_err(|_| anyhow!("the process keeper's queue is poisoned"))?
        .send(job)
        .map_err(|_| anyhow!("the process keeper thread is gone"))?;
    let child = reply_rx
        .recv()
        .map_err(|_| anyhow!("the process keeper thread dropped a spawn request"))??;
    Ok(child)
}

/// The keeper thread's queue, starting the thread on first use.
fn keeper() -> anyhow::Result<&'static Mutex<mpsc::Sender<SpawnJob>>> {
    if let Some(sender) = KEEPER.get() {
        return Ok(sender);
    }
    let (tx, rx) = mpsc::channel::<SpawnJob>();
    // Two racing first callers may both get here; only one thread is kept,
    // the other's queue is dropped and its thread exits having forked nothing.
    let mut started = false;
    let sender = KEEPER.get_or_init(|| {
        started = true;
        Mutex::new(tx)
    });
    if started {
        std::thread::Builder::new()
            .name("native-testkit-keeper".to_owned())
            .spawn(move || {
                // A panicking job must not end this thread: that would send
                // the parent-death signal to every child.
                while let Ok(job) = rx.recv() {
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            })
            .context("cannot start the process keeper thread")?;
    }
    Ok(sender)
}

fn lock_live() -> std::sync::MutexGuard<'static, BTreeSet<u32>> {
    // The set is always consistent, so a panic elsewhere does not spoil it.
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The uid and gid to run postgres as: the `postgres` user when we are root
/// (initdb and postgres refuse to run as root), else ourselves.
pub fn postgres_credentials() -> anyhow::Result<Option<(u32, u32)>> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    let user = nix::unistd::User::from_name("postgres")
        .context("cannot look up the postgres user")?
        .ok_or_else(|| {
            anyhow!("running as root, but there is no `postgres` user to run PostgreSQL as")
        })?;
    Ok(Some((user.uid.as_raw(), user.gid.as_raw())))
}
