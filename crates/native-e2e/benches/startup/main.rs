//! Cold start and memory of the desktop app against Chromium showing the
//! same UI build over the same data (Issue 9's "Ship" figures).
//!
//! Prepared once: a testkit stack; one account signed up through the
//! facade with the OS keychain (the bench runs in `cargo xtask bench`'s
//! private D-Bus session with an unlocked gnome-keyring, as the E2E tests
//! do) and 1,000 conversations, one of them 5,000 messages long, synced
//! into the cache under a private HOME where the desktop app keeps it.
//!
//! Then N + 1 runs (the first is a warm-up and not counted), each side
//! launched twice per run, every launch under the same Xvfb:
//! - **cold start** (`cold.rs`): the release build of the app started
//!   directly with that HOME (it restores the session from the keychain and
//!   shows the cached history), and `chromium --app=<url>` (Debian's
//!   package) started directly on the web shell (`web_shell.rs`: the same
//!   `ui/dist`, its commands answered over HTTP by a `NativeApp` built for
//!   that launch on the same HOME), with one user-data-dir for the whole
//!   run. Timed from just before the spawn to the page's report that the
//!   history rows are painted: the app's log line, the web shell's request.
//! - **memory**, through a WebDriver session (tauri-driver, chromedriver):
//!   the 5,000-message conversation is opened, and after 5 s the PSS of the
//!   app's (browser's) whole process tree is summed from
//!   `/proc/<pid>/smaps_rollup`. The same launch also reads the page's
//!   `native:history-visible` mark, from just before the session request:
//!   that figure includes the drivers' own start.
//!
//! Figures are printed and written to `target/e2e/startup-memory.json`.
//! `NATIVE_BENCH_RUNS` sets N (default 7).

mod cold;
mod launch;
mod seed;
mod web_shell;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use fantoccini::Client;
use native_app::{AppConfig, BillingConfig, NativeApp, SyncStatus};
use native_testkit::Stack;
use serde_json::{Value, json};

use crate::launch::{Driver, Proc, app_tree, memory, real_path};
use crate::web_shell::WebShell;

const PASSWORD: &str = "bench password";
const EMAIL: &str = "startup-bench@example.com";
/// The desktop app's identifier: its data folder under XDG_DATA_HOME.
const APP_ID: &str = "ai.native.desktop";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long the open conversation is left to settle before PSS is read.
const SETTLE: Duration = Duration::from_secs(5);

/// One run's figures for one side: a launch without WebDriver (cold
/// start), then one through WebDriver (the page's timeline, and memory
/// with the long conversation open).
#[derive(Debug, Clone)]
struct Sample {
    cold: cold::Cold,
    /// Through WebDriver: from just before the session request to the
    /// history-visible mark.
    driven_ms: f64,
    /// From the page's time origin (its navigation start) to the mark.
    in_page_ms: f64,
    /// From navigation start to the end of DOMContentLoaded (the module
    /// scripts fetched, parsed and run).
    dcl_ms: f64,
    pss_kib: u64,
    rss_kib: u64,
    uss_kib: u64,
    processes: Vec<(String, u64)>,
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

fn env_path(name: &str) -> Result<PathBuf> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .with_context(|| format!("{name} is not set; run this bench through `cargo xtask bench`"))
}

/// Where the desktop app keeps its data, and what it is launched with.
struct Setup {
    home: tempfile::TempDir,
    env: Vec<(String, String)>,
    long_id: String,
}

impl Setup {
    fn data_dir(&self) -> PathBuf {
        self.home.path().join("data").join(APP_ID)
    }

    /// The facade as the desktop shell builds it (`build_facade`): config
    /// from the same variables, the same data folder, the OS keychain.
    fn make_app(&self) -> impl FnOnce() -> Result<NativeApp> + Send + 'static {
        let env = self.env.clone();
        let dir = self.data_dir();
        move || {
            let get = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
            // The shell's `AppConfig::from_env`, over this launch's variables.
            let config = AppConfig::parse(
                get("SUPABASE_URL"),
                get("SUPABASE_ANON_KEY"),
                get("NATIVE_API_URL"),
            )?
            .with_billing(BillingConfig::from_lookup(|name| {
                get(name).map(str::to_owned)
            }));
            Ok(NativeApp::new(config)?.with_data_dir(dir)?)
        }
    }
}

async fn prepare(stack: &Stack) -> Result<Setup> {
    let home = tempfile::tempdir()?;
    let mut env: Vec<(String, String)> = [
        ("SUPABASE_URL", stack.supabase_url()),
        ("SUPABASE_ANON_KEY", stack.anon_key()),
        ("NATIVE_API_URL", stack.native_api_url()),
        ("LANG", "en_US.UTF-8"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (name, dir) in [
        ("HOME", home.path().to_owned()),
        ("XDG_DATA_HOME", home.path().join("data")),
        ("XDG_CONFIG_HOME", home.path().join("config")),
        ("XDG_CACHE_HOME", home.path().join("cache")),
    ] {
        env.push((name.to_owned(), dir.display().to_string()));
    }
    let mut setup = Setup {
        home,
        env,
        long_id: String::new(),
    };
    let app = (setup.make_app())()?;
    app.restore().await;
    app.sign_up(EMAIL, PASSWORD).await?;
    let started = Instant::now();
    setup.long_id = seed::seed(stack, &app).await?;
    println!("seeded in {:.1} s", started.elapsed().as_secs_f64());
    let status = app.sync_history().await?;
    anyhow::ensure!(matches!(status, SyncStatus::Synced { .. }), "{status:?}");
    let listed = app.list_conversations().await?.len();
    anyhow::ensure!(
        listed == seed::CONVERSATIONS,
        "{listed} conversations cached"
    );
    let long = app
        .conversation_messages(serde_json::from_value(json!(setup.long_id))?)
        .await?
        .len();
    anyhow::ensure!(
        long == seed::LONG_MESSAGES,
        "{long} messages in the long one"
    );
    Ok(setup)
}

/// Waits for the history-visible mark and returns (epoch ms, ms since the
/// page's time origin, ms from navigation start to DOMContentLoaded's end).
async fn history_visible(client: &Client) -> Result<(f64, f64, f64)> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let value = client
            .execute(
                "const m = performance.getEntriesByName('native:history-visible', 'mark')[0];\
                 const t = performance.timing;\
                 return m ? [performance.timeOrigin + m.startTime, m.startTime,\
                             t.domContentLoadedEventEnd - t.navigationStart] : null;",
                vec![],
            )
            .await?;
        if let Some([at, since_origin, dcl]) = value.as_array().map(Vec::as_slice) {
            return Ok((
                at.as_f64().unwrap_or_default(),
                since_origin.as_f64().unwrap_or_default(),
                dcl.as_f64().unwrap_or_default(),
            ));
        }
        if Instant::now() > deadline {
            bail!("the history never showed (no native:history-visible mark within 60 s)");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Opens the long conversation with a plain DOM click and waits until its
/// view is ready with messages drawn. The sidebar draws a long history in
/// chunks, so its row may come a moment after the mark.
async fn open_long(client: &Client, id: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let clicked = client
            .execute(
                "const b = document.querySelector(`[data-testid=\"conversation-item\"][data-id=\"${arguments[0]}\"] .open`);\
                 if (!b) return false; b.click(); return true;",
                vec![Value::from(id)],
            )
            .await?;
        if clicked == Value::Bool(true) {
            break;
        }
        if Instant::now() > deadline {
            bail!("no row for the long conversation within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    loop {
        let ready = client
            .execute(
                "return !!document.querySelector(`[data-testid=\"conversation-view\"][data-id=\"${arguments[0]}\"][data-state=\"ready\"]`)\
                 && document.querySelectorAll('[data-testid=\"message-item\"]').length > 0;",
                vec![Value::from(id)],
            )
            .await?;
        if ready == Value::Bool(true) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the long conversation did not open within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The process's name, with Chromium's `--type=` (renderer, gpu-process,
/// zygote, utility...) when it has one.
fn label(p: &Proc) -> String {
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", p.pid)).unwrap_or_default();
    // Chromium rewrites its command line as one string, spaces and all.
    let kind = cmdline
        .split(|b| *b == 0 || *b == b' ')
        .find_map(|arg| arg.strip_prefix(b"--type="))
        .map(|kind| String::from_utf8_lossy(kind).into_owned());
    match kind {
        Some(kind) => format!("{} ({kind})", p.name),
        None => p.name.clone(),
    }
}

/// Everything after the session exists: the mark, the conversation, PSS,
/// and a screenshot of what was measured (`target/e2e/startup-<side>.png`).
async fn measure(
    client: &Client,
    side: &str,
    t0: f64,
    long_id: &str,
    tree: impl Fn() -> Result<Vec<Proc>>,
) -> Result<Sample> {
    let (visible_at, in_page_ms, dcl_ms) = history_visible(client).await?;
    open_long(client, long_id).await?;
    tokio::time::sleep(SETTLE).await;
    let procs = tree()?;
    let measured: Vec<(String, launch::Memory)> =
        procs.iter().map(|p| (label(p), memory(p.pid))).collect();
    let processes: Vec<(String, u64)> = measured.iter().map(|(n, m)| (n.clone(), m.pss)).collect();
    let dir = native_e2e::artifacts_dir();
    std::fs::create_dir_all(&dir)?;
    native_e2e::capture_window(client, &dir.join(format!("startup-{side}.png"))).await?;
    Ok(Sample {
        cold: cold::Cold {
            start_ms: f64::NAN,
            page_ms: f64::NAN,
        },
        driven_ms: visible_at - t0,
        in_page_ms,
        dcl_ms,
        pss_kib: measured.iter().map(|(_, m)| m.pss).sum(),
        rss_kib: measured.iter().map(|(_, m)| m.rss).sum(),
        uss_kib: measured.iter().map(|(_, m)| m.uss).sum(),
        processes,
    })
}

async fn tauri_launch(setup: &Setup, app: &Path, driver_bin: &Path) -> Result<Sample> {
    let driver = Driver::start(
        driver_bin,
        2,
        |ports| {
            vec![
                "--port".into(),
                ports[0].to_string(),
                "--native-port".into(),
                ports[1].to_string(),
            ]
        },
        &setup.env,
    )
    .await?;
    let caps = json!({"browserName": "wry", "tauri:options": {"application": app}});
    let t0 = epoch_ms();
    let client = driver.session(caps).await?;
    let sample = measure(&client, "app", t0, &setup.long_id, || {
        app_tree(driver.pid(), app)
    })
    .await;
    client.close().await.ok();
    drop(driver);
    sample
}

async fn chromium_launch(setup: &Setup, profile: &Path, chromium: &Path) -> Result<Sample> {
    let mut shell = WebShell::serve(web_shell::ui_dist()?).await?;
    let driver = Driver::start(
        Path::new(CHROMEDRIVER),
        1,
        |ports| vec![format!("--port={}", ports[0])],
        &[],
    )
    .await?;
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": chromium_args(&shell.url(), profile),
        },
    });
    let t0 = epoch_ms();
    shell.start_app(setup.make_app());
    let result = match driver.session(caps).await {
        Ok(client) => {
            let tree = || chromium_tree(driver.pid(), chromium, profile);
            let sample = measure(&client, "chromium", t0, &setup.long_id, tree).await;
            client.close().await.ok();
            sample
        }
        Err(err) => Err(err),
    };
    drop(driver);
    stop_profile_stragglers(profile);
    shell.stop().await;
    result
}

/// How Chromium is started, with or without chromedriver.
fn chromium_args(url: &str, profile: &Path) -> Vec<String> {
    vec![
        format!("--app={url}"),
        format!("--user-data-dir={}", profile.display()),
        // Chromium refuses to run as root with its sandbox, and these
        // sessions run as root.
        "--no-sandbox".to_owned(),
        // The desktop window's size (tauri.conf.json).
        "--window-size=1200,800".to_owned(),
        "--no-first-run".to_owned(),
        "--no-default-browser-check".to_owned(),
    ]
}

/// The browser's tree, plus any helper started for this profile that left
/// it (crashpad's handler detaches itself).
fn chromium_tree(driver_pid: i32, chromium: &Path, profile: &Path) -> Result<Vec<Proc>> {
    let mut tree = app_tree(driver_pid, chromium)?;
    for p in profile_procs(profile) {
        if !tree.iter().any(|t| t.pid == p.pid) {
            tree.push(p);
        }
    }
    Ok(tree)
}

/// Processes whose command line names the profile folder.
fn profile_procs(profile: &Path) -> Vec<Proc> {
    let needle = profile.display().to_string();
    launch::descendants(1)
        .into_iter()
        .filter(|p| {
            std::fs::read(format!("/proc/{}/cmdline", p.pid))
                .is_ok_and(|cmd| String::from_utf8_lossy(&cmd).contains(&needle))
        })
        .collect()
}

fn stop_profile_stragglers(profile: &Path) {
    for p in profile_procs(profile) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(p.pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// A launch that fails (a driver refusing the session) measured nothing:
/// it is tried once more, and said so.
async fn twice<T, F, Fut>(run: usize, what: &str, launch: F) -> Result<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    match launch().await {
        Ok(sample) => Ok(sample),
        Err(err) => {
            println!("run {run}: {what} failed ({err:#}); once more");
            launch().await.with_context(|| what.to_owned())
        }
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

struct Summary {
    /// Cold start without WebDriver: median, min, max.
    start: [f64; 3],
    /// The page's own part of it (navigation start to painted rows).
    page: f64,
    /// Through WebDriver: to the mark, its in-page part, DOMContentLoaded.
    driven: f64,
    in_page: f64,
    dcl: f64,
    pss_mib: [f64; 3],
}

fn summarize(samples: &[Sample]) -> Summary {
    let collect = |f: fn(&Sample) -> f64| samples.iter().map(f).collect::<Vec<f64>>();
    let spread = |mut v: Vec<f64>| {
        let m = median(&mut v);
        [
            m,
            v.first().copied().unwrap_or(f64::NAN),
            v.last().copied().unwrap_or(f64::NAN),
        ]
    };
    Summary {
        start: spread(collect(|s| s.cold.start_ms)),
        page: median(&mut collect(|s| s.cold.page_ms)),
        driven: median(&mut collect(|s| s.driven_ms)),
        in_page: median(&mut collect(|s| s.in_page_ms)),
        dcl: median(&mut collect(|s| s.dcl_ms)),
        pss_mib: spread(collect(|s| s.pss_kib as f64 / 1024.0)),
    }
}

fn report(name: &str, samples: &[Sample]) -> Value {
    let s = summarize(samples);
    println!(
        "{name}: cold start to history visible median {:.0} ms (min {:.0}, max {:.0}; {:.0} ms of it inside the page); \
         through WebDriver {:.0} ms to the mark ({:.0} ms inside the page, DOMContentLoaded at {:.0} ms); \
         PSS with the 5,000-message conversation open median {:.1} MiB (min {:.1}, max {:.1})",
        s.start[0],
        s.start[1],
        s.start[2],
        s.page,
        s.driven,
        s.in_page,
        s.dcl,
        s.pss_mib[0],
        s.pss_mib[1],
        s.pss_mib[2]
    );
    json!({
        "cold_start_ms": {"median": s.start[0], "min": s.start[1], "max": s.start[2],
                          "runs": samples.iter().map(|x| x.cold.start_ms).collect::<Vec<_>>()},
        "cold_start_page_ms": {"median": s.page,
                               "runs": samples.iter().map(|x| x.cold.page_ms).collect::<Vec<_>>()},
        "webdriver": {"to_mark_ms_median": s.driven, "in_page_ms_median": s.in_page,
                      "dom_content_loaded_ms_median": s.dcl,
                      "to_mark_ms_runs": samples.iter().map(|x| x.driven_ms).collect::<Vec<_>>()},
        "pss_mib": {"median": s.pss_mib[0], "min": s.pss_mib[1], "max": s.pss_mib[2],
                    "runs": samples.iter().map(|x| x.pss_kib as f64 / 1024.0).collect::<Vec<_>>()},
        "rss_mib_runs": samples.iter().map(|x| x.rss_kib as f64 / 1024.0).collect::<Vec<_>>(),
        "uss_mib_runs": samples.iter().map(|x| x.uss_kib as f64 / 1024.0).collect::<Vec<_>>(),
        "processes_kib_by_run": samples.iter().map(processes).collect::<Vec<_>>(),
    })
}

fn processes(sample: &Sample) -> Value {
    sample
        .processes
        .iter()
        .map(|(n, kib)| json!({"name": n, "pss_kib": kib}))
        .collect()
}

#[tokio::main]
async fn main() -> Result<()> {
    let runs: usize = std::env::var("NATIVE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let app = real_path(&env_path("NATIVE_APP_BINARY")?)?;
    let driver_bin = env_path("TAURI_DRIVER")?;
    let chromium = real_path(Path::new("/usr/lib/chromium/chromium"))?;
    web_shell::ui_dist()?;
    let stack = Stack::start_dedicated().await?;
    let setup = prepare(&stack).await?;
    let profile = tempfile::tempdir()?;

    let mut tauri = Vec::new();
    let mut chrome = Vec::new();
    for run in 0..=runs {
        let app_cold = twice(run, "the desktop app's launch", || cold::app(&setup, &app)).await?;
        let chrome_cold = twice(run, "chromium's launch", || {
            cold::chromium(&setup, profile.path())
        })
        .await?;
        let mut t = twice(run, "the desktop app's launch through tauri-driver", || {
            tauri_launch(&setup, &app, &driver_bin)
        })
        .await?;
        let mut c = twice(run, "chromium's launch through chromedriver", || {
            chromium_launch(&setup, profile.path(), &chromium)
        })
        .await?;
        t.cold = app_cold;
        c.cold = chrome_cold;
        println!(
            "run {run}{}: app {:.0} ms (through WebDriver {:.0} ms) {:.1} MiB; chromium {:.0} ms (through WebDriver {:.0} ms) {:.1} MiB",
            if run == 0 { " (warm-up)" } else { "" },
            t.cold.start_ms,
            t.driven_ms,
            t.pss_kib as f64 / 1024.0,
            c.cold.start_ms,
            c.driven_ms,
            c.pss_kib as f64 / 1024.0
        );
        for (name, sample) in [("app", &t), ("chromium", &c)] {
            let parts: Vec<String> = sample
                .processes
                .iter()
                .map(|(n, kib)| format!("{n} {:.1}", *kib as f64 / 1024.0))
                .collect();
            println!(
                "  {name} PSS (MiB): {} (total RSS {:.1}, USS {:.1})",
                parts.join(", "),
                sample.rss_kib as f64 / 1024.0,
                sample.uss_kib as f64 / 1024.0
            );
        }
        if run > 0 {
            tauri.push(t);
            chrome.push(c);
        }
    }
    let app_report = report("desktop app", &tauri);
    let chrome_report = report("chromium --app", &chrome);
    let (a, c) = (summarize(&tauri), summarize(&chrome));
    println!(
        "goals: start ≤ 400 ms and ≤ chromium: {:.0} vs {:.0} ms; PSS ≤ 300 MiB and ≤ 0.7× chromium: {:.1} MiB, {:.2}×",
        a.start[0],
        c.start[0],
        a.pss_mib[0],
        a.pss_mib[0] / c.pss_mib[0]
    );
    let out = native_e2e::artifacts_dir();
    std::fs::create_dir_all(&out)?;
    let file = out.join("startup-memory.json");
    std::fs::write(
        &file,
        serde_json::to_string_pretty(&json!({
            "runs": runs,
            "conversations": seed::CONVERSATIONS,
            "long_conversation_messages": seed::LONG_MESSAGES,
            "desktop_app": app_report,
            "chromium": chrome_report,
            "pss_ratio": a.pss_mib[0] / c.pss_mib[0],
        }))?,
    )?;
    println!("wrote {}", file.display());
    drop(stack);
    Ok(())
}
