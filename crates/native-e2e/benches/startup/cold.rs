//! Cold start as a person meets it: the app (or the browser) started
//! directly, with no WebDriver session in the way, and timed from just
//! before it is spawned to its page's startup report.
//!
//! The page reports once the frame showing the history rows is painted
//! (`ui/src/lib/startup-mark.ts`). The desktop app logs that report
//! ("history visible", from `NativeApp::record_history_visible`), and the
//! line is read from its standard output; Chromium's page posts it to the
//! web shell, which notes when it arrived. Both end points are one local
//! hop (IPC, or HTTP on loopback) after the paint.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::launch::Launched;
use crate::web_shell::{self, WebShell};
use crate::{CHROMIUM, Setup, chromium_args, stop_profile_stragglers};

/// How long a launch may take before it counts as failed.
const WITHIN: Duration = Duration::from_secs(60);

/// One launch's cold-start figures.
#[derive(Debug, Clone, Copy)]
pub struct Cold {
    /// From just before the spawn to the report's arrival.
    pub start_ms: f64,
    /// The page's own figure: from its navigation start to the painted rows.
    pub page_ms: f64,
}

/// The share of CPU time below which the machine counts as idle.
const QUIET_BUSY: f64 = 0.10;
/// How long one idle sample lasts; two in a row make the machine quiet.
const QUIET_SAMPLE: Duration = Duration::from_millis(250);
/// How long to wait for quiet before measuring anyway.
const QUIET_WITHIN: Duration = Duration::from_secs(20);

/// Waits until the machine is idle, as it is when a person opens an app:
/// the previous launch's processes can keep a core busy after their window
/// closes (WebKit's and Chromium's children exit and flush their caches),
/// and a launch measured meanwhile would share the two cores with them.
/// Idle means two samples in a row under 10 % busy, from `/proc/stat`.
async fn wait_for_quiet() {
    let deadline = Instant::now() + QUIET_WITHIN;
    let mut quiet_samples = 0;
    let mut before = cpu_times();
    while quiet_samples < 2 && Instant::now() < deadline {
        tokio::time::sleep(QUIET_SAMPLE).await;
        let after = cpu_times();
        let busy = match (before, after) {
            (Some((busy0, total0)), Some((busy1, total1))) if total1 > total0 => {
                (busy1 - busy0) as f64 / (total1 - total0) as f64
            }
            // No /proc/stat: nothing to wait for.
            _ => return,
        };
        quiet_samples = if busy < QUIET_BUSY {
            quiet_samples + 1
        } else {
            0
        };
        before = after;
    }
}

/// (busy, total) jiffies over all CPUs, from the first line of `/proc/stat`
/// (user nice system idle iowait irq softirq steal ...).
fn cpu_times() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .take(8)
        .filter_map(|f| f.parse().ok())
        .collect();
    let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
    let total: u64 = fields.iter().sum();
    Some((total.saturating_sub(idle), total))
}

fn ms(from: Instant, to: Instant) -> f64 {
    to.saturating_duration_since(from).as_secs_f64() * 1000.0
}

/// The release app on the prepared HOME: it restores the session from the
/// keychain and shows the cached history.
pub async fn app(setup: &Setup, app: &Path) -> Result<Cold> {
    let mut command = Command::new(app);
    command
        .envs(setup.env.iter().map(|(k, v)| (k, v)))
        // The log line is the end point: at the default level, uncoloured.
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    wait_for_quiet().await;
    let started = Instant::now();
    let mut launched = Launched::spawn(&mut command)?;
    let stdout = launched
        .take_stdout()
        .context("the app's output was not piped")?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let log = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&log);
    // Reads every line until the app exits, so the app never blocks on a
    // full pipe after the report. The lines before the report are kept: a
    // launch that never reports is explained by nothing else.
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(page_ms) = reported_page_ms(&line)
                && let Some(tx) = tx.take()
            {
                let _ = tx.send((Instant::now(), page_ms));
            } else if tx.is_some() {
                kept.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(line);
            }
        }
    });
    let report = match tokio::time::timeout(WITHIN, rx).await {
        Ok(Ok(report)) => Ok(report),
        Ok(Err(_)) => Err("the app exited before it showed the history"),
        Err(_) => Err("the app never logged the history visible within 60 s"),
    };
    drop(launched);
    let (at, page_ms) = report.map_err(|what| {
        let lines = log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .join("\n");
        anyhow::anyhow!("{what}; the app's log until then:\n{lines}")
    })?;
    Ok(Cold {
        start_ms: ms(started, at),
        page_ms: f64::from(page_ms),
    })
}

/// `chromium --app` on a fresh web shell over the same HOME, with the
/// run's profile.
pub async fn chromium(setup: &Setup, profile: &Path) -> Result<Cold> {
    let mut shell = WebShell::serve(web_shell::ui_dist()?).await?;
    let mut command = Command::new(CHROMIUM);
    command
        .args(chromium_args(&shell.url(), profile))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    wait_for_quiet().await;
    let started = Instant::now();
    shell.start_app(setup.make_app());
    let result = match Launched::spawn(&mut command) {
        Ok(launched) => {
            let report = shell.history_visible(WITHIN).await;
            drop(launched);
            report
        }
        Err(err) => Err(err),
    };
    stop_profile_stragglers(profile);
    shell.stop().await;
    let (at, page_ms) = result?;
    Ok(Cold {
        start_ms: ms(started, at),
        page_ms: f64::from(page_ms),
    })
}

/// The page's figure from the app's "history visible" log line
/// (`... INFO native_app::app: history visible page_ms=412`).
fn reported_page_ms(line: &str) -> Option<u32> {
    let (_, fields) = line.split_once("history visible")?;
    let value = fields.split_once("page_ms=")?.1;
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
