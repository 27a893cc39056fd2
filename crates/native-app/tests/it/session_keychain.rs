//! The OS keychain for real (`KeyringStore`): a session stored by one process
//! is restored by another, and signing out deletes the entry.
//!
//! Without a reachable keychain (no Secret Service on the session bus) the
//! test says so and passes, unless `NATIVE_REQUIRE_KEYCHAIN=1` (as `cargo
//! xtask test` sets, running the tests in a private D-Bus session with an
//! unlocked gnome-keyring), when it fails.

use native_app::{
    AppConfig, AuthState, KEYCHAIN_SERVICE, KeyringStore, NativeApp, Persistence, SecretStore,
    entry_key,
};
use native_testkit::Stack;

use crate::support::{self, PASSWORD, run_helper_process, signed_in_email};

const HELPER: &str = "session_keychain::restore_in_a_new_process";
const ENV_URL: &str = "NATIVE_TEST_SUPABASE_URL";
const ENV_ANON_KEY: &str = "NATIVE_TEST_ANON_KEY";
const ENV_EMAIL: &str = "NATIVE_TEST_EXPECTED_EMAIL";

/// Whether the keychain works here; panics when it must and does not.
fn keychain_available() -> bool {
    match KeyringStore::default().probe() {
        Ok(()) => true,
        Err(err) if std::env::var("NATIVE_REQUIRE_KEYCHAIN").as_deref() == Ok("1") => {
            panic!("NATIVE_REQUIRE_KEYCHAIN=1 but the keychain is not usable: {err}")
        }
        Err(err) => {
            eprintln!(
                "skipping the keychain test: {err} (run under a Secret Service, e.g. \
                 `cargo xtask test`, or set NATIVE_REQUIRE_KEYCHAIN=1 to make this a failure)"
            );
            false
        }
    }
}

/// What the keychain holds for `supabase_url`, read with `keyring` itself.
fn keychain_entry(supabase_url: &str) -> Option<String> {
    let entry = keyring::Entry::new(KEYCHAIN_SERVICE, &entry_key(supabase_url)).expect("entry");
    match entry.get_password() {
        Ok(value) => Some(value),
        Err(keyring::Error::NoEntry) => None,
        Err(err) => panic!("the keychain failed: {err}"),
    }
}

#[tokio::test]
async fn the_keychain_keeps_the_session_across_processes_until_sign_out() {
    if !keychain_available() {
        return;
    }
    let stack = Stack::start().await.expect("stack");
    let url = stack.supabase_url();
    let app = NativeApp::new(support::config(&stack)).expect("app");
    assert_eq!(app.restore().await, AuthState::SignedOut { reason: None });
    let email = "pia@example.com";
    app.sign_up(email, PASSWORD).await.expect("sign-up");
    let AuthState::SignedIn { persistence, .. } = app.auth_state() else {
        panic!("signed in, got {:?}", app.auth_state());
    };
    assert_eq!(persistence, Persistence::Keychain);

    let raw = keychain_entry(url).expect("the session is in the keychain");
    let session: serde_json::Value = serde_json::from_str(&raw).expect("JSON");
    assert_eq!(session["user"]["email"], email);
    assert_eq!(
        session["access_token"].as_str(),
        Some(app.access_token().await.expect("token").as_str())
    );
    assert_eq!(
        KeyringStore::default().get(&entry_key(url)).expect("get"),
        Some(raw)
    );

    // A new process (the next launch) restores it from the keychain alone.
    run_helper_process(
        HELPER,
        &[
            (ENV_URL, url),
            (ENV_ANON_KEY, stack.anon_key()),
            (ENV_EMAIL, email),
        ],
    )
    .await;

    app.sign_out().await;
    assert_eq!(keychain_entry(url), None, "sign-out deletes the entry");
    assert_eq!(
        KeyringStore::default().get(&entry_key(url)).expect("get"),
        None
    );
    let relaunch = NativeApp::new(support::config(&stack)).expect("app");
    assert_eq!(
        relaunch.restore().await,
        AuthState::SignedOut { reason: None }
    );
}

/// Run by the test above in a new process; does nothing when run otherwise.
#[tokio::test]
#[ignore = "a helper the keychain test runs in a new process"]
async fn restore_in_a_new_process() {
    let (Ok(url), Ok(anon_key), Ok(email)) = (
        std::env::var(ENV_URL),
        std::env::var(ENV_ANON_KEY),
        std::env::var(ENV_EMAIL),
    ) else {
        eprintln!("{HELPER} only runs when the keychain test starts it");
        return;
    };
    let config = AppConfig::parse(Some(&url), Some(&anon_key), None).expect("config");
    let app = NativeApp::new(config).expect("app");
    let state = app.restore().await;
    assert_eq!(signed_in_email(&state), email);
    assert!(
        matches!(
            state,
            AuthState::SignedIn {
                offline: false,
                persistence: Persistence::Keychain,
                ..
            }
        ),
        "{state:?}"
    );
    app.access_token()
        .await
        .expect("the restored session gives a token");
}
