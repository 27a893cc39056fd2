//! Starting a program directly ([`Launched`]) or a WebDriver server
//! (tauri-driver or chromedriver) and one session through it, and reading
//! the launched app's process tree from `/proc`: its members, their PSS, and
//! stopping whatever outlives it.
//!
//! The bench starts the driver itself rather than through
//! `native_e2e::AppSession`: the clock starts just before the session
//! request, so the driver must already be listening, and `AppSession`
//! polls for that with 200 ms sleeps inside the timed part.

use std::collections::{BTreeMap, HashSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder};
use native_e2e::stop_child;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// A program the bench started. Dropping it stops it (SIGTERM, as SIGKILL
/// can orphan a browser's helpers) and then, by PID, every process it had
/// started that is still alive.
pub struct Launched {
    child: Child,
}

impl Launched {
    pub fn spawn(command: &mut Command) -> Result<Self> {
        // `cargo bench` points LD_LIBRARY_PATH at the target's folders. A
        // person's launch has no such variable, and with it the dynamic
        // loader probes those folders first for each of the ~300 libraries
        // WebKitGTK and Chromium load.
        let child = command
            .env_remove("LD_LIBRARY_PATH")
            .spawn()
            .with_context(|| format!("cannot start {:?}", command.get_program()))?;
        Ok(Self { child })
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).unwrap_or(i32::MAX)
    }

    /// Its standard output, when it was piped (once).
    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.stdout.take()
    }
}

impl Drop for Launched {
    fn drop(&mut self) {
        let started = descendants(self.pid());
        stop_child(&mut self.child);
        stop_pids(&started);
    }
}

/// A running WebDriver server; dropping it stops the driver and whatever
/// it launched.
pub struct Driver {
    process: Launched,
    port: u16,
}

/// `n` distinct free ports: every listener is held until all are chosen,
/// so two calls cannot answer the same port.
fn free_ports(n: usize) -> Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()?;
    Ok(listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<std::io::Result<Vec<_>>>()?)
}

impl Driver {
    /// Runs `program` with the arguments `args(ports)` makes from `ports`
    /// free ports, and waits until it accepts connections on all of them.
    pub async fn start(
        program: &Path,
        ports: usize,
        args: impl FnOnce(&[u16]) -> Vec<String>,
        env: &[(String, String)],
    ) -> Result<Self> {
        let ports = free_ports(ports.max(1))?;
        let port = ports[0];
        let process = Launched::spawn(
            Command::new(program)
                .args(args(&ports))
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                // What the driver, the app or the browser complain of is
                // the only clue when a launch fails.
                .stderr(Stdio::inherit()),
        )?;
        let driver = Self { process, port };
        // tauri-driver starts WebKitWebDriver on its native port and
        // forwards the session request there; a request sent before that
        // listens fails. So every port must listen before the clock starts.
        let deadline = Instant::now() + Duration::from_secs(20);
        for port in &ports {
            while tokio::net::TcpStream::connect(("127.0.0.1", *port))
                .await
                .is_err()
            {
                if Instant::now() > deadline {
                    bail!("{} did not listen within 20 s", program.display());
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        Ok(driver)
    }

    /// Creates the session: the driver launches the browser or app and
    /// answers once its first page is loading.
    pub async fn session(&self, caps: serde_json::Value) -> Result<Client> {
        let serde_json::Value::Object(caps) = caps else {
            bail!("capabilities must be an object");
        };
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(caps);
        let url = format!("http://127.0.0.1:{}", self.port);
        match tokio::time::timeout(Duration::from_secs(60), builder.connect(&url)).await {
            Err(_) => bail!("no WebDriver session within 60 s"),
            Ok(result) => result.context("the WebDriver session was refused"),
        }
    }

    pub fn pid(&self) -> i32 {
        self.process.pid()
    }
}

/// SIGTERM to those of `procs` still running as the same program, then
/// SIGKILL after 5 s. The name check keeps a reused PID safe.
fn stop_pids(procs: &[Proc]) {
    let alive = |p: &Proc| read_proc(p.pid).is_some_and(|now| now.name == p.name);
    let left: Vec<&Proc> = procs.iter().filter(|p| alive(p)).collect();
    for p in &left {
        let _ = kill(Pid::from_raw(p.pid), Signal::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && left.iter().any(|p| alive(p)) {
        std::thread::sleep(Duration::from_millis(50));
    }
    for p in left.iter().filter(|p| alive(p)) {
        let _ = kill(Pid::from_raw(p.pid), Signal::SIGKILL);
    }
}

/// One process as `/proc/<pid>/stat` describes it.
#[derive(Debug, Clone)]
pub struct Proc {
    pub pid: i32,
    pub ppid: i32,
    /// The command name (`comm`, at most 15 bytes).
    pub name: String,
}

fn read_proc(pid: i32) -> Option<Proc> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name is in parentheses and may itself hold spaces or ')'.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_owned();
    let mut rest = stat.get(close + 2..)?.split(' ');
    let _state = rest.next()?;
    let ppid = rest.next()?.parse().ok()?;
    Some(Proc { pid, ppid, name })
}

fn all_procs() -> Vec<Proc> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(read_proc)
        .collect()
}

/// Every descendant of `root` (not `root` itself), parents before children.
pub fn descendants(root: i32) -> Vec<Proc> {
    let procs = all_procs();
    let mut children: BTreeMap<i32, Vec<&Proc>> = BTreeMap::new();
    for p in &procs {
        children.entry(p.ppid).or_default().push(p);
    }
    let mut found = Vec::new();
    let mut seen = HashSet::from([root]);
    let mut queue = vec![root];
    while let Some(pid) = queue.pop() {
        for child in children.get(&pid).into_iter().flatten() {
            if seen.insert(child.pid) {
                found.push((*child).clone());
                queue.push(child.pid);
            }
        }
    }
    found
}

/// The first process under the driver running `exe`, and all of its
/// descendants: the app (or browser) and the helpers it started.
pub fn app_tree(driver_pid: i32, exe: &Path) -> Result<Vec<Proc>> {
    let under = descendants(driver_pid);
    let root = under
        .iter()
        .find(|p| std::fs::read_link(format!("/proc/{}/exe", p.pid)).is_ok_and(|path| path == exe))
        .with_context(|| {
            format!(
                "no {} under the driver (found {:?})",
                exe.display(),
                under.iter().map(|p| &p.name).collect::<Vec<_>>()
            )
        })?
        .clone();
    let mut tree = vec![root.clone()];
    tree.extend(descendants(root.pid));
    Ok(tree)
}

/// A process's memory from `/proc/<pid>/smaps_rollup`, in KiB (zero for a
/// process gone meanwhile).
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    pub pss: u64,
    pub rss: u64,
    /// Private_Clean + Private_Dirty: what this process alone holds.
    pub uss: u64,
}

pub fn memory(pid: i32) -> Memory {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| -> u64 {
        rollup
            .lines()
            .find_map(|line| {
                line.strip_prefix(name)?
                    .strip_prefix(':')?
                    .trim()
                    .strip_suffix("kB")?
                    .trim()
                    .parse()
                    .ok()
            })
            .unwrap_or(0)
    };
    Memory {
        pss: field("Pss"),
        rss: field("Rss"),
        uss: field("Private_Clean") + field("Private_Dirty"),
    }
}

/// `path` with symbolic links resolved, as `/proc/<pid>/exe` shows it.
pub fn real_path(path: &Path) -> Result<PathBuf> {
    path.canonicalize()
        .with_context(|| format!("{} does not exist", path.display()))
}
