//! What the session tests share: an app on a stack, the stored session, a
//! browser that follows one redirect, a port nobody listens on, and running
//! one `#[ignore]`d helper test of this binary in a new process.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use native_app::{AppConfig, AuthState, MemoryStore, NativeApp, SecretStore};
use native_testkit::Stack;
use serde_json::Value;
use url::Url;

pub const PASSWORD: &str = "correct horse battery";

/// The config of an app talking to `stack`.
pub fn config(stack: &Stack) -> AppConfig {
    AppConfig::parse(
        Some(stack.supabase_url()),
        Some(stack.anon_key()),
        Some(stack.native_api_url()),
    )
    .expect("config")
}

/// An app on `stack` keeping its session in `store`.
pub fn app_with(stack: &Stack, store: &MemoryStore) -> NativeApp {
    NativeApp::with_store(config(stack), Arc::new(store.clone())).expect("app")
}

/// An app on `stack` with a fresh memory store, and that store.
pub fn app(stack: &Stack) -> (NativeApp, MemoryStore) {
    let store = MemoryStore::default();
    (app_with(stack, &store), store)
}

/// The session JSON the app keeps for `supabase_url` in `store`, if any.
pub fn stored(store: &dyn SecretStore, supabase_url: &str) -> Option<Value> {
    let raw = store
        .get(&native_app::entry_key(supabase_url))
        .expect("the store answers")?;
    Some(serde_json::from_str(&raw).expect("the stored session is JSON"))
}

/// The stored session's token `field` (`access_token`, `refresh_token`).
pub fn stored_token(store: &dyn SecretStore, supabase_url: &str, field: &str) -> String {
    let session = stored(store, supabase_url).expect("a stored session");
    session[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in the stored session"))
        .to_owned()
}

/// The e-mail of a signed-in state; panics on any other state.
pub fn signed_in_email(state: &AuthState) -> &str {
    match state {
        AuthState::SignedIn { user, .. } => &user.email,
        other => panic!("expected signed in, got {other:?}"),
    }
}

/// An app that signed up `email` (the stack auto-confirms) and is signed in.
pub async fn signed_up(stack: &Stack, email: &str) -> (NativeApp, MemoryStore) {
    let (app, store) = app(stack);
    assert_eq!(app.restore().await, AuthState::SignedOut { reason: None });
    app.sign_up(email, PASSWORD).await.expect("sign-up");
    assert_eq!(signed_in_email(&app.auth_state()), email);
    (app, store)
}

/// A client that behaves like a browser following one link: no redirects
/// followed, no apikey sent.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// Follows `link` once and answers where its 303 points.
pub async fn follow(link: &str) -> Url {
    let response = browser().get(link).send().await.expect("link reachable");
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER, "{link}");
    let location = response.headers()["location"]
        .to_str()
        .expect("ASCII location");
    Url::parse(location).expect("absolute redirect")
}

/// A URL's query and fragment parameters together.
pub fn params(url: &Url) -> HashMap<String, String> {
    let mut params: HashMap<String, String> = url.query_pairs().into_owned().collect();
    if let Some(fragment) = url.fragment() {
        params.extend(url::form_urlencoded::parse(fragment.as_bytes()).into_owned());
    }
    params
}

/// `http://127.0.0.1:<port>` where nothing listens (a port just released).
pub fn closed_origin() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// Runs the `#[ignore]`d test `name` of this test binary alone, in a new
/// process with `envs`, and asserts it ran and passed. Its output is shown
/// when it fails.
pub async fn run_helper_process(name: &str, envs: &[(&str, &str)]) {
    let exe = std::env::current_exe().expect("the test binary");
    let mut child = tokio::process::Command::new(exe);
    child
        .args([
            name,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .envs(envs.iter().copied())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(120), child.output())
        .await
        .expect("the helper process finishes within 2 minutes")
        .expect("the helper process starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "helper {name} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
}
