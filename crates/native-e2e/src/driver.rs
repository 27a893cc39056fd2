//! Launching the app under tauri-driver and talking WebDriver to it.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// What to launch: the environment the app starts with, and the private
/// home it keeps its data in (shared between launches to test a restart).
#[derive(Default)]
pub struct Launch {
    pub env: Vec<(String, String)>,
    pub home: Option<Arc<tempfile::TempDir>>,
}

impl Launch {
    /// The app pointed at a testkit stack, in English, with a fresh home.
    pub fn against(stack: &native_testkit::Stack) -> Self {
        let env = [
            ("SUPABASE_URL", stack.supabase_url()),
            ("SUPABASE_ANON_KEY", stack.anon_key()),
            ("NATIVE_API_URL", stack.native_api_url()),
            ("LANG", "en_US.UTF-8"),
        ];
        Self {
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            home: None,
        }
    }

    /// Reuses the home of an earlier launch: the same app data, as after a restart.
    pub fn with_home(mut self, home: Arc<tempfile::TempDir>) -> Self {
        self.home = Some(home);
        self
    }
}

/// A running app in a WebDriver session. Dropping it stops tauri-driver
/// (SIGTERM, as SIGKILL can orphan WebKitWebDriver) and so the app.
pub struct AppSession {
    pub client: Client,
    driver: Child,
    home: Arc<tempfile::TempDir>,
    /// A value of `NATIVE_E2E_LAUNCH` only this launch's processes carry.
    marker: String,
}

fn env_path(name: &str) -> Result<PathBuf> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .with_context(|| format!("{name} is not set; run the E2E tests through `cargo xtask test`"))
}

/// Where screenshots go (`target/e2e/` when run by xtask).
pub fn artifacts_dir() -> PathBuf {
    std::env::var_os("NATIVE_E2E_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e"))
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl AppSession {
    pub async fn launch(launch: Launch) -> Result<Self> {
        let app = env_path("NATIVE_APP_BINARY")?;
        let driver_bin = env_path("TAURI_DRIVER")?;
        if !app.exists() {
            bail!(
                "the app binary {} does not exist; build it first",
                app.display()
            );
        }
        // A private home keeps the app's window state and data out of the
        // developer's own, and makes every launch a first launch.
        let home = match launch.home {
            Some(home) => home,
            None => Arc::new(tempfile::tempdir()?),
        };
        let port = free_port()?;
        let native_port = free_port()?;
        let marker = format!("{}-{port}-{native_port}", std::process::id());
        let mut cmd = Command::new(driver_bin);
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        // Inherited by WebKitWebDriver and the app: how `close` finds an app
        // that outlived its driver (it would hold the single-instance lock
        // and swallow the next launch).
        .env(LAUNCH_MARKER, &marker)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
        for (key, value) in &launch.env {
            cmd.env(key, value);
        }
        let driver = cmd.spawn().context("cannot start tauri-driver")?;
        let mut session = PendingDriver {
            driver: Some(driver),
            marker: marker.clone(),
        };
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            // Creating the session waits for the app's window; an app that
            // never shows one must fail the test, not hang it.
            let mut builder = ClientBuilder::new(connector);
            builder.capabilities(caps.clone());
            match tokio::time::timeout(Duration::from_secs(60), builder.connect(&url)).await {
                Err(_) => bail!("the app showed no window within 60 s"),
                Ok(Ok(client)) => break client,
                Ok(Err(err)) if Instant::now() > deadline => {
                    bail!("no WebDriver session within 30 s: {err}")
                }
                Ok(Err(_)) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        let driver = session.driver.take().context("driver handle")?;
        Ok(Self {
            client,
            driver,
            home,
            marker,
        })
    }

    /// Waits for an element with `data-testid` to exist and returns its
    /// text content, trimmed. (WebKitWebDriver's "visible text" answers an
    /// empty string under Xvfb, so read the DOM instead.)
    pub async fn text(&self, testid: &str) -> Result<String> {
        let element = self.wait_for(testid).await?;
        let value = self
            .client
            .execute(
                "return arguments[0].textContent;",
                vec![serde_json::to_value(&element)?],
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().trim().to_owned())
    }

    pub async fn wait_for(&self, testid: &str) -> Result<fantoccini::elements::Element> {
        let selector = format!("[data-testid=\"{testid}\"]");
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(&selector))
            .await
            .with_context(|| format!("no element {selector} within 20 s"))
    }

    pub async fn click(&self, testid: &str) -> Result<()> {
        self.wait_for(testid).await?.click().await?;
        Ok(())
    }

    /// The trimmed text of every element with `data-testid`, in page order
    /// (none is not an error: it answers an empty list at once).
    pub async fn texts(&self, testid: &str) -> Result<Vec<String>> {
        let value = self
            .client
            .execute(
                "return Array.from(document.querySelectorAll(`[data-testid=\"${arguments[0]}\"]`))\
                 .map(e => e.textContent.trim());",
                vec![serde_json::Value::from(testid)],
            )
            .await?;
        Ok(serde_json::from_value(value)?)
    }

    /// Replaces the value of an input.
    pub async fn fill(&self, testid: &str, text: &str) -> Result<()> {
        let input = self.wait_for(testid).await?;
        input.clear().await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// Picks an option of a `<select>` by its value.
    pub async fn select(&self, testid: &str, value: &str) -> Result<()> {
        self.wait_for(testid).await?.select_by_value(value).await?;
        Ok(())
    }

    /// The private home this app keeps its data in.
    pub fn home(&self) -> Arc<tempfile::TempDir> {
        Arc::clone(&self.home)
    }

    /// Waits until the UI reports that it has loaded its first data.
    pub async fn wait_ready(&self) -> Result<()> {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("[data-ready=\"true\"]"))
            .await
            .context("the UI did not become ready within 30 s")?;
        Ok(())
    }

    /// Saves a PNG of the window under `target/e2e/<name>.png`.
    ///
    /// WebKitWebDriver's screenshot command never answers under Xvfb, so the
    /// picture is taken of the display with ImageMagick's `import`, as
    /// shared/reference/tauri-linux.md recommends.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        // A name may group pictures in a folder ("screens/empty-...").
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        capture_window(&self.client, &path).await?;
        Ok(path)
    }

    /// Ends the WebDriver session (closing the app) and stops tauri-driver.
    pub async fn close(mut self) -> Result<()> {
        let client = self.client.clone();
        client.close().await.ok();
        stop_child(&mut self.driver);
        stop_marked(&self.marker);
        Ok(())
    }
}

impl Drop for AppSession {
    fn drop(&mut self) {
        stop_child(&mut self.driver);
        stop_marked(&self.marker);
    }
}

const LAUNCH_MARKER: &str = "NATIVE_E2E_LAUNCH";

/// The processes started with `NATIVE_E2E_LAUNCH=<marker>` (the app and the
/// WebKit processes it spawned), found through `/proc`.
fn marked_pids(marker: &str) -> Vec<i32> {
    let needle = format!("{LAUNCH_MARKER}={marker}");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| *pid != std::process::id() as i32)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .map(|env| env.split(|b| *b == 0).any(|var| var == needle.as_bytes()))
                .unwrap_or(false)
        })
        .collect()
}

/// Stops, by PID, whatever of this launch outlived its driver: SIGTERM,
/// then SIGKILL after 5 s.
fn stop_marked(marker: &str) {
    let pids = marked_pids(marker);
    if pids.is_empty() {
        return;
    }
    for pid in &pids {
        let _ = kill(Pid::from_raw(*pid), Signal::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && !marked_pids(marker).is_empty() {
        std::thread::sleep(Duration::from_millis(50));
    }
    for pid in marked_pids(marker) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
    }
}

/// Owns tauri-driver until a session exists, so a failed connect still stops it.
struct PendingDriver {
    driver: Option<Child>,
    marker: String,
}

impl Drop for PendingDriver {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.as_mut() {
            stop_child(driver);
            stop_marked(&self.marker);
        }
    }
}

/// Stops a child the harness started: SIGTERM, then SIGKILL after 5 s
/// (the startup bench stops its drivers the same way).
pub fn stop_child(child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Saves a PNG of the session's window to `path`, read from the X display
/// with ImageMagick's `import`: WebKitWebDriver's own screenshot command can
/// hang. Without a window manager the window sits where it was placed, so
/// the display is cropped to it.
pub async fn capture_window(client: &fantoccini::Client, path: &std::path::Path) -> Result<()> {
    let (x, y, w, h) = client.get_window_rect().await?;
    let status = tokio::process::Command::new("import")
        .args([
            "-window",
            "root",
            "-crop",
            &format!("{w}x{h}+{x}+{y}"),
            "+repage",
        ])
        .arg(path)
        .status()
        .await
        .context("cannot run ImageMagick's import")?;
    if !status.success() {
        bail!("import failed ({status}); is DISPLAY set (run under xvfb-run)?");
    }
    Ok(())
}
