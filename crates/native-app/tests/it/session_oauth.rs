//! Browser sign-in (PKCE): the test plays the system browser against the dev
//! auth's consent endpoint and the app's loopback listener, or hands the code
//! back through the deep link; and cancel, deny and timeout.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use native_app::{AppError, AuthState, ErrorCode, NativeApp, OAuthProvider, UrlOpener};
use native_testkit::Stack;
use reqwest::StatusCode;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use url::Url;

use crate::support::{self, browser, follow, params, signed_in_email, stored};

/// The authorize URL's consent endpoint with the user's answer.
fn consent_url(authorize: &Url, email: &str, decision: &str) -> Url {
    let mut consent = authorize.clone();
    consent.set_path(&format!("{}/consent", authorize.path()));
    consent
        .query_pairs_mut()
        .append_pair("email", email)
        .append_pair("decision", decision);
    consent
}

/// `url` with its `state` parameter replaced.
fn with_state(url: &Url, state: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, state.to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    let mut changed = url.clone();
    changed.query_pairs_mut().clear().extend_pairs(pairs);
    changed
}

/// Checks what the app asks the browser to open; answers the loopback
/// redirect target it names.
fn check_authorize_url(authorize: &Url, stack_url: &str, provider: &str) -> Url {
    assert!(authorize.as_str().starts_with(stack_url), "{authorize}");
    assert!(authorize.path().ends_with("/auth/v1/authorize"));
    let query = params(authorize);
    assert_eq!(query["provider"], provider);
    assert_eq!(query["code_challenge_method"], "s256");
    assert_eq!(query["code_challenge"].len(), 43, "a base64url SHA-256");
    let loopback = Url::parse(&query["redirect_to"]).expect("redirect_to");
    assert_eq!(loopback.host_str(), Some("127.0.0.1"));
    assert_eq!(loopback.path(), "/auth/callback");
    assert!(params(&loopback)["state"].len() >= 32, "a random state");
    loopback
}

/// Whether the answer carries the headers every loopback page must have.
fn assert_private(response: &reqwest::Response) {
    let headers = response.headers();
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
}

/// Waits until nothing listens at `url`'s port any more.
async fn assert_listener_closes(url: &Url) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while browser().get(url.as_str()).send().await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "the loopback listener outlived its flow"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A browser whose behaviour is an async script run on the opened URL.
struct Browser {
    script: Box<dyn Fn(Url) -> JoinHandle<()> + Send + Sync>,
    opened: Mutex<Vec<(Url, Option<JoinHandle<()>>)>>,
}

impl Browser {
    fn new(script: impl Fn(Url) -> JoinHandle<()> + Send + Sync + 'static) -> Self {
        Self {
            script: Box::new(script),
            opened: Mutex::new(Vec::new()),
        }
    }

    /// A browser that opens the page and leaves it there.
    fn idle() -> Self {
        Self::new(|_| tokio::spawn(async {}))
    }

    fn last_opened(&self) -> Url {
        let opened = self.opened.lock().expect("lock");
        opened.last().expect("a URL was opened").0.clone()
    }

    /// Waits for the scripts to finish, re-raising their panics.
    async fn finish(&self) {
        let tasks: Vec<JoinHandle<()>> = {
            let mut opened = self.opened.lock().expect("lock");
            opened
                .iter_mut()
                .filter_map(|(_, task)| task.take())
                .collect()
        };
        for task in tasks {
            if let Err(err) = task.await {
                std::panic::resume_unwind(err.into_panic());
            }
        }
    }
}

impl UrlOpener for Browser {
    fn open(&self, url: &Url) -> Result<(), AppError> {
        let task = (self.script)(url.clone());
        self.opened
            .lock()
            .expect("lock")
            .push((url.clone(), Some(task)));
        Ok(())
    }
}

#[tokio::test]
async fn browser_sign_in_through_the_loopback_listener() {
    let stack = Stack::start().await.expect("stack");
    let (app, store) = support::app(&stack);
    app.restore().await;
    let states: watch::Receiver<AuthState> = app.subscribe_auth();
    let stack_url = stack.supabase_url().to_owned();

    let opener = Browser::new(move |authorize| {
        let (states, stack_url) = (states.clone(), stack_url.clone());
        tokio::spawn(async move {
            let pending = AuthState::OAuthPending {
                provider: OAuthProvider::Google,
            };
            assert_eq!(*states.borrow(), pending);
            let loopback = check_authorize_url(&authorize, &stack_url, "google");

            let consent = consent_url(&authorize, "max@example.com", "allow");
            let callback = follow(consent.as_str()).await;
            assert_eq!(callback.origin(), loopback.origin());
            assert_eq!(params(&callback)["state"], params(&loopback)["state"]);
            assert!(params(&callback).contains_key("code"));

            // Another attempt's state: refused, and the flow keeps waiting.
            let forged = browser()
                .get(with_state(&callback, "not-the-state").as_str())
                .send()
                .await
                .expect("the listener answers");
            assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
            assert_private(&forged);
            assert!(forged.text().await.expect("page").contains("not valid"));
            // Neither a callback without a code, nor another path, nor a POST.
            let bare = browser()
                .get(loopback.as_str())
                .send()
                .await
                .expect("answer");
            assert_eq!(bare.status(), StatusCode::BAD_REQUEST);
            let mut elsewhere = loopback.clone();
            elsewhere.set_path("/favicon.ico");
            let missing = browser().get(elsewhere).send().await.expect("answer");
            assert_eq!(missing.status(), StatusCode::NOT_FOUND);
            assert_private(&missing);
            let posted = browser()
                .post(callback.as_str())
                .send()
                .await
                .expect("answer");
            assert!(!posted.status().is_success(), "{}", posted.status());
            assert_eq!(*states.borrow(), pending, "still waiting for the browser");

            let done = browser()
                .get(callback.as_str())
                .send()
                .await
                .expect("answer");
            assert_eq!(done.status(), StatusCode::OK);
            assert_private(&done);
            let content_type = done.headers()["content-type"].to_str().expect("ASCII");
            assert!(content_type.starts_with("text/html"), "{content_type}");
            assert!(
                done.text()
                    .await
                    .expect("page")
                    .contains("You are signed in")
            );
        })
    });

    let state = app
        .start_oauth(OAuthProvider::Google, &opener)
        .await
        .expect("signed in through the browser");
    opener.finish().await;
    assert_eq!(signed_in_email(&state), "max@example.com");
    assert_eq!(app.auth_state(), state);
    assert!(stored(&store, stack.supabase_url()).is_some());
    assert_eq!(stack.auth().token_calls("pkce"), 1);
    app.access_token().await.expect("a token");
    let loopback = check_authorize_url(&opener.last_opened(), stack.supabase_url(), "google");
    assert_listener_closes(&loopback).await;
}

#[tokio::test]
async fn the_code_can_come_back_through_the_deep_link() {
    let stack = Stack::start().await.expect("stack");
    let (app, _) = support::app(&stack);
    let app = Arc::new(app);
    app.restore().await;

    let in_browser = Arc::clone(&app);
    let opener = Browser::new(move |authorize| {
        let app = Arc::clone(&in_browser);
        tokio::spawn(async move {
            let consent = consent_url(&authorize, "ned@example.com", "allow");
            let callback = follow(consent.as_str()).await;
            let query = params(&callback);
            let link = |state: &str| {
                let mut link = Url::parse("native-ai://auth/callback").expect("url");
                link.query_pairs_mut()
                    .append_pair("code", &query["code"])
                    .append_pair("state", state);
                link
            };
            let err = app
                .handle_deep_link(link("not-the-state").as_str())
                .await
                .unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidInput);
            assert!(matches!(app.auth_state(), AuthState::OAuthPending { .. }));
            app.handle_deep_link(link(&query["state"]).as_str())
                .await
                .expect("the pending flow takes the code");
        })
    });

    let state = app
        .start_oauth(OAuthProvider::Github, &opener)
        .await
        .expect("signed in");
    opener.finish().await;
    assert_eq!(signed_in_email(&state), "ned@example.com");
}

#[tokio::test]
async fn cancelling_or_denying_ends_the_flow_as_cancelled() {
    let stack = Stack::start().await.expect("stack");
    let (app, store) = support::app(&stack);
    let app = Arc::new(app);
    let before = app.restore().await;

    // The user gives up from the app.
    let opener = Arc::new(Browser::idle());
    let mut changes = app.subscribe_auth();
    let flow = tokio::spawn({
        let (app, opener) = (Arc::clone(&app), Arc::clone(&opener));
        async move { app.start_oauth(OAuthProvider::Github, &*opener).await }
    });
    changes
        .wait_for(|state| matches!(state, AuthState::OAuthPending { .. }))
        .await
        .expect("pending");
    let loopback = check_authorize_url(&opener.last_opened(), stack.supabase_url(), "github");
    app.cancel_oauth();
    let err = flow.await.expect("the flow ends").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert_eq!(app.auth_state(), before);
    assert_listener_closes(&loopback).await;

    // The user cancels on the provider's page.
    let opener = Browser::new(|authorize| {
        tokio::spawn(async move {
            let consent = consent_url(&authorize, "", "deny");
            let callback = follow(consent.as_str()).await;
            assert_eq!(params(&callback)["error"], "access_denied");
            let page = browser()
                .get(callback.as_str())
                .send()
                .await
                .expect("answer");
            assert_eq!(page.status(), StatusCode::OK);
            assert!(page.text().await.expect("page").contains("cancelled"));
        })
    });
    let err = app
        .start_oauth(OAuthProvider::Google, &opener)
        .await
        .unwrap_err();
    opener.finish().await;
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert_eq!(app.auth_state(), before);
    assert!(stored(&store, stack.supabase_url()).is_none());
    assert_eq!(stack.auth().token_calls("pkce"), 0);
}

#[tokio::test]
async fn a_browser_that_never_comes_back_times_out() {
    let stack = Stack::start().await.expect("stack");
    let (app, _) = support::signed_up(&stack, "oli@example.com").await;
    let app: NativeApp = app
        .with_oauth_timeout(Duration::from_millis(300))
        .expect("app");
    // The rebuilt app restores the session it keeps in the same store.
    let before = app.restore().await;
    assert_eq!(signed_in_email(&before), "oli@example.com");

    let opener = Browser::idle();
    let started = Instant::now();
    let err = app
        .start_oauth(OAuthProvider::Google, &opener)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(app.auth_state(), before, "the previous session is kept");
    let loopback = check_authorize_url(&opener.last_opened(), stack.supabase_url(), "google");
    assert_listener_closes(&loopback).await;
}
