//! Tokens never reach a file: a whole session (sign-up, a refresh through
//! `access_token`, sign-out) runs in a new process whose home, XDG folders
//! and working directory are a scratch folder and whose every log record, at
//! TRACE level and from every crate, goes to a file in it; then no file there
//! may hold any of the session's tokens.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use native_app::{AppConfig, KeyringStore, MemoryStore, NativeApp, SecretStore, entry_key};
use native_testkit::{Stack, StackOptions};

use crate::support::{PASSWORD, run_helper_process, stored_token};

const HELPER: &str = "session_files::session_cycle_in_a_sandbox";
const ENV_URL: &str = "NATIVE_TEST_SUPABASE_URL";
const ENV_ANON_KEY: &str = "NATIVE_TEST_ANON_KEY";
const ENV_SANDBOX: &str = "NATIVE_TEST_SANDBOX";
const LOG_FILE: &str = "logs/trace.log";

#[tokio::test]
async fn no_file_holds_a_token_after_a_session() {
    // 60 s tokens are inside the 90 s margin: the cycle includes a refresh.
    let stack = Stack::start_with(StackOptions {
        access_token_ttl: Duration::from_secs(60),
        ..StackOptions::default()
    })
    .await
    .expect("stack");
    let sandbox = tempfile::tempdir().expect("tempdir");
    let dir = |name: &str| {
        let path = sandbox.path().join(name);
        std::fs::create_dir_all(&path).expect("mkdir");
        path.to_string_lossy().into_owned()
    };
    let (home, data, config, cache, state, _) = (
        dir("home"),
        dir("data"),
        dir("config"),
        dir("cache"),
        dir("state"),
        dir("logs"),
    );
    let root = sandbox.path().to_string_lossy().into_owned();
    run_helper_process(
        HELPER,
        &[
            (ENV_URL, stack.supabase_url()),
            (ENV_ANON_KEY, stack.anon_key()),
            (ENV_SANDBOX, &root),
            ("HOME", &home),
            ("XDG_DATA_HOME", &data),
            ("XDG_CONFIG_HOME", &config),
            ("XDG_CACHE_HOME", &cache),
            ("XDG_STATE_HOME", &state),
        ],
    )
    .await;
    assert_eq!(stack.auth().token_calls("refresh_token"), 1);
    let log = std::fs::metadata(sandbox.path().join(LOG_FILE)).expect("the log file");
    assert!(log.len() > 0, "the helper logged into the sandbox");
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// The files under `dir` holding any of `secrets` (or, for a JWT, its
/// signature alone), with what they hold.
fn leaks(dir: &Path, secrets: &[String]) -> Vec<String> {
    let mut needles: Vec<&str> = Vec::new();
    for secret in secrets {
        needles.push(secret);
        let parts: Vec<&str> = secret.split('.').collect();
        if let [_, _, signature] = parts[..] {
            needles.push(signature);
        }
    }
    let mut found = Vec::new();
    for file in files(dir) {
        let bytes = std::fs::read(&file).expect("readable file");
        let text = String::from_utf8_lossy(&bytes);
        for (i, needle) in needles.iter().enumerate() {
            if text.contains(needle) {
                found.push(format!("{} holds secret #{i}", file.display()));
            }
        }
    }
    found
}

/// Run by the test above in a new process; does nothing when run otherwise.
#[tokio::test]
#[ignore = "a helper the token-leak test runs in a new process"]
async fn session_cycle_in_a_sandbox() {
    let (Ok(url), Ok(anon_key), Ok(sandbox)) = (
        std::env::var(ENV_URL),
        std::env::var(ENV_ANON_KEY),
        std::env::var(ENV_SANDBOX),
    ) else {
        eprintln!("{HELPER} only runs when the token-leak test starts it");
        return;
    };
    let sandbox = PathBuf::from(sandbox);
    std::env::set_current_dir(sandbox.join("home")).expect("cd");
    let log = std::fs::File::create(sandbox.join(LOG_FILE)).expect("log file");
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(Mutex::new(log))
        .init();

    // The keychain when there is one (as the app runs), else memory.
    let keychain = KeyringStore::default();
    let store: Arc<dyn SecretStore> = match keychain.probe() {
        Ok(()) => Arc::new(keychain),
        Err(_) => Arc::new(MemoryStore::default()),
    };
    let config = AppConfig::parse(Some(&url), Some(&anon_key), None).expect("config");
    let app = NativeApp::with_store(config, Arc::clone(&store)).expect("app");
    app.restore().await;
    app.sign_up("quinn@example.com", PASSWORD)
        .await
        .expect("sign-up");
    let mut secrets = vec![
        stored_token(store.as_ref(), &url, "access_token"),
        stored_token(store.as_ref(), &url, "refresh_token"),
    ];
    secrets.push(app.access_token().await.expect("a token"));
    secrets.push(stored_token(store.as_ref(), &url, "refresh_token"));
    // (Not assert_ne: it would print the tokens.)
    assert!(secrets[3] != secrets[1], "the refresh token was rotated");
    // What the UI and a log line could see of the app: no token either.
    let shown = format!(
        "{:?} {}",
        app,
        serde_json::to_string(&app.auth_state()).expect("JSON")
    );
    app.sign_out().await;
    assert!(store.get(&entry_key(&url)).expect("store").is_none());

    for secret in &secrets {
        assert!(!shown.contains(secret.as_str()), "the app shows a token");
    }
    let log = std::fs::read_to_string(sandbox.join(LOG_FILE)).expect("log");
    assert!(log.contains("TRACE"), "TRACE records are captured");
    assert!(
        log.contains("signed in"),
        "the app's own records are captured"
    );
    let found = leaks(&sandbox, &secrets);
    assert!(found.is_empty(), "tokens on disk: {found:?}");

    // The scan does find a token where there is one.
    let canary = tempfile::tempdir().expect("tempdir");
    std::fs::write(canary.path().join("canary"), format!("x{}x", secrets[3])).expect("write");
    assert!(
        !leaks(canary.path(), &secrets).is_empty(),
        "the scan finds a token"
    );
    let signature = secrets[2].rsplit('.').next().expect("a JWT");
    std::fs::write(canary.path().join("canary"), signature).expect("write");
    assert!(
        !leaks(canary.path(), &secrets).is_empty(),
        "and a JWT's signature"
    );
}
