//! Keeping a session alive and ending it: refresh before expiry, one refresh
//! for many callers, refresh-token reuse, restoring while offline, sign-out.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use native_app::{
    AppConfig, AuthState, ErrorCode, NativeApp, Persistence, SecretStore, SignOutReason, entry_key,
};
use native_client::{AuthClient, ClientError};
use native_testkit::{Stack, StackOptions};
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use crate::support::{self, signed_in_email, stored, stored_token};

/// A stack whose access tokens live 2 s: well inside the app's 90 s margin,
/// so the first `access_token()` after sign-in refreshes.
async fn short_lived_stack() -> Stack {
    Stack::start_with(StackOptions {
        access_token_ttl: Duration::from_secs(2),
        ..StackOptions::default()
    })
    .await
    .expect("stack")
}

fn auth_client(stack: &Stack) -> AuthClient {
    let url = stack.supabase_url().parse().expect("url");
    AuthClient::new(&url, stack.anon_key()).expect("client")
}

fn unix_now() -> i64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock");
    i64::try_from(now.as_secs()).expect("seconds")
}

/// Asserts the server refuses `refresh_token` (a 4xx with a code).
async fn assert_refused(client: &AuthClient, refresh_token: &str) {
    match client.refresh(refresh_token).await {
        Err(ClientError::Http { status, code, .. }) => {
            assert!(
                (400..500).contains(&status),
                "refused, got {status} {code:?}"
            );
        }
        other => panic!("the refresh token should be refused, got {other:?}"),
    }
}

#[tokio::test]
async fn access_token_refreshes_shortly_before_expiry() {
    let stack = short_lived_stack().await;
    let url = stack.supabase_url();
    let (app, store) = support::signed_up(&stack, "fay@example.com").await;
    let (first_access, first_refresh) = (
        stored_token(&store, url, "access_token"),
        stored_token(&store, url, "refresh_token"),
    );
    // Tokens issued from now on live an hour: one refresh is then enough.
    stack.auth().set_access_token_ttl(Duration::from_secs(3600));

    let fresh = app.access_token().await.expect("a token");
    assert_ne!(
        fresh, first_access,
        "a new token, not the one about to expire"
    );
    assert_eq!(stack.auth().token_calls("refresh_token"), 1);
    let claims = stack
        .keys()
        .verify(&fresh, Some("authenticated"))
        .expect("valid");
    let exp = claims["exp"].as_i64().expect("exp");
    assert!(exp - unix_now() > 3000, "the refreshed token lives an hour");
    // The rotated pair replaced the old one in the store.
    assert_eq!(stored_token(&store, url, "access_token"), fresh);
    assert_ne!(stored_token(&store, url, "refresh_token"), first_refresh);
    assert_eq!(signed_in_email(&app.auth_state()), "fay@example.com");

    // Far from expiry: the same token, no further refresh.
    assert_eq!(app.access_token().await.expect("a token"), fresh);
    assert_eq!(stack.auth().token_calls("refresh_token"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_refresh() {
    let stack = short_lived_stack().await;
    let (app, store) = support::signed_up(&stack, "gus@example.com").await;
    stack.auth().set_access_token_ttl(Duration::from_secs(3600));
    let app = Arc::new(app);

    const CALLERS: usize = 10;
    let start = Arc::new(Barrier::new(CALLERS));
    let mut callers = JoinSet::new();
    for _ in 0..CALLERS {
        let (app, start) = (Arc::clone(&app), Arc::clone(&start));
        callers.spawn(async move {
            start.wait().await;
            app.access_token().await
        });
    }
    let tokens: Vec<String> = callers
        .join_all()
        .await
        .into_iter()
        .map(|token| token.expect("every caller gets a token"))
        .collect();

    assert_eq!(tokens.len(), CALLERS);
    assert!(tokens.iter().all(|t| *t == tokens[0]), "one token for all");
    assert_eq!(
        stack.auth().token_calls("refresh_token"),
        1,
        "exactly one refresh"
    );
    let url = stack.supabase_url();
    assert_eq!(stored_token(&store, url, "access_token"), tokens[0]);
    assert_eq!(signed_in_email(&app.auth_state()), "gus@example.com");
}

#[tokio::test]
async fn a_refresh_token_reused_after_the_reuse_interval_ends_the_session() {
    let stack = short_lived_stack().await;
    let url = stack.supabase_url();
    let (app, store) = support::signed_up(&stack, "hal@example.com").await;
    stack.auth().set_access_token_ttl(Duration::from_secs(3600));
    stack.auth().set_reuse_interval(Duration::ZERO);

    // Someone else spends the app's refresh token first.
    let thief = auth_client(&stack);
    let copied = stored_token(&store, url, "refresh_token");
    let stolen = thief.refresh(&copied).await.expect("the first use works");

    let mut changes = app.subscribe_auth();
    changes.borrow_and_update();
    let err = app.access_token().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::SessionExpired);
    let expired = AuthState::SignedOut {
        reason: Some(SignOutReason::SessionExpired),
    };
    assert_eq!(app.auth_state(), expired);
    assert!(changes.has_changed().expect("sender alive"));
    assert_eq!(*changes.borrow_and_update(), expired);
    assert!(
        stored(&store, url).is_none(),
        "the refused session is forgotten"
    );
    assert_eq!(stack.auth().token_calls("refresh_token"), 2);

    // Reuse revoked the whole session: the other copy is dead too.
    assert_refused(&thief, &stolen.refresh_token).await;
    let err = app.access_token().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthorized);
}

#[tokio::test]
async fn a_refresh_token_reused_within_the_reuse_interval_keeps_the_session() {
    let stack = short_lived_stack().await;
    let url = stack.supabase_url();
    let (app, store) = support::signed_up(&stack, "ida@example.com").await;
    stack.auth().set_access_token_ttl(Duration::from_secs(3600));

    // As when the answer of a refresh was lost: the token was spent, the
    // app did not see the result and presents it again within 10 s.
    let copied = stored_token(&store, url, "refresh_token");
    auth_client(&stack)
        .refresh(&copied)
        .await
        .expect("the first use works");
    let token = app.access_token().await.expect("still a token");
    stack
        .keys()
        .verify(&token, Some("authenticated"))
        .expect("valid");
    assert_eq!(signed_in_email(&app.auth_state()), "ida@example.com");
    assert!(stored(&store, url).is_some());
}

#[tokio::test]
async fn a_session_restored_while_the_server_is_unreachable_stays_signed_in_offline() {
    let stack = short_lived_stack().await;
    let url = stack.supabase_url();
    let (_first_run, store) = support::signed_up(&stack, "jo@example.com").await;
    let entry = store
        .get(&entry_key(url))
        .expect("store")
        .expect("an entry");

    // The same keychain entry, for an app whose server cannot be reached.
    let offline_origin = support::closed_origin();
    store
        .set(&entry_key(&offline_origin), &entry)
        .expect("copy the entry");
    let config =
        AppConfig::parse(Some(&offline_origin), Some(stack.anon_key()), None).expect("config");
    let offline = NativeApp::with_store(config, Arc::new(store.clone())).expect("app");
    let state = offline.restore().await;
    let AuthState::SignedIn {
        user,
        offline: true,
        persistence: Persistence::Keychain,
    } = &state
    else {
        panic!("signed in offline, got {state:?}");
    };
    assert_eq!(user.email, "jo@example.com");
    let err = offline.access_token().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Offline);
    assert!(matches!(
        offline.auth_state(),
        AuthState::SignedIn { offline: true, .. }
    ));
    assert_eq!(
        store.get(&entry_key(&offline_origin)).expect("store"),
        Some(entry.clone()),
        "an unreachable server does not cost the session"
    );
    // Signing out offline still forgets the session here.
    assert_eq!(
        offline.sign_out().await,
        AuthState::SignedOut {
            reason: Some(SignOutReason::SignedOut)
        }
    );
    assert!(
        store
            .get(&entry_key(&offline_origin))
            .expect("store")
            .is_none()
    );

    // The next launch with the server back: restored and refreshed.
    stack.auth().set_access_token_ttl(Duration::from_secs(3600));
    let relaunch = support::app_with(&stack, &store);
    let state = relaunch.restore().await;
    assert!(
        matches!(state, AuthState::SignedIn { offline: false, .. }),
        "{state:?}"
    );
    assert_eq!(stack.auth().token_calls("refresh_token"), 1);
    let old: serde_json::Value = serde_json::from_str(&entry).expect("JSON");
    assert_ne!(
        stored_token(&store, url, "refresh_token"),
        old["refresh_token"].as_str().expect("a refresh token"),
        "the relaunch rotated the tokens"
    );
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server_and_here() {
    let stack = Stack::start().await.expect("stack");
    let url = stack.supabase_url();
    let (app, store) = support::signed_up(&stack, "kit@example.com").await;
    let refresh = stored_token(&store, url, "refresh_token");
    let access = app.access_token().await.expect("a token");
    let client = auth_client(&stack);
    client.user(&access).await.expect("the token works before");

    let state = app.sign_out().await;
    let signed_out = AuthState::SignedOut {
        reason: Some(SignOutReason::SignedOut),
    };
    assert_eq!(state, signed_out);
    assert_eq!(app.auth_state(), signed_out);
    assert!(stored(&store, url).is_none(), "the entry is gone");
    let err = app.access_token().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthorized);

    assert_refused(&client, &refresh).await;
    assert!(
        client.user(&access).await.is_err(),
        "the session's access token is refused too"
    );
    // A relaunch finds nothing to restore.
    let relaunch = support::app_with(&stack, &store);
    assert_eq!(
        relaunch.restore().await,
        AuthState::SignedOut { reason: None }
    );
}

#[tokio::test]
async fn sign_out_after_the_access_token_expired_still_ends_the_server_session() {
    let stack = Stack::start_with(StackOptions {
        access_token_ttl: Duration::from_secs(1),
        ..StackOptions::default()
    })
    .await
    .expect("stack");
    let url = stack.supabase_url();
    let (app, store) = support::signed_up(&stack, "lea@example.com").await;
    let refresh = stored_token(&store, url, "refresh_token");
    // The app sat idle past the access token's expiry.
    tokio::time::sleep(Duration::from_millis(2100)).await;

    app.sign_out().await;
    assert!(stored(&store, url).is_none());
    assert_refused(&auth_client(&stack), &refresh).await;
}
