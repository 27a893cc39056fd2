//! Sessions: refresh rotation and reuse detection, sign-out scopes, and
//! access-token expiry.

use std::time::Duration;

use native_testkit::{Stack, StackOptions};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{Auth, PASSWORD, assert_error, token};

#[tokio::test]
async fn refresh_rotates_and_a_spent_token_is_refused_after_the_grace_window() {
    let stack = Stack::start().await.expect("stack starts");
    let auth = Auth::new(&stack);
    stack.auth().set_reuse_interval(Duration::from_millis(600));
    let (_, session) = auth.signup("dan@example.com", PASSWORD).await;
    let first = token(&session, "refresh_token");

    let (status, rotated) = auth.refresh(&first).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let second = token(&rotated, "refresh_token");
    assert_ne!(second, first, "rotation issues a new token");
    assert_eq!(
        auth.user(&token(&rotated, "access_token")).await.0,
        StatusCode::OK
    );

    // Inside the grace window the spent token answers the current one.
    let (status, again) = auth.refresh(&first).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(token(&again, "refresh_token"), second);
    assert_eq!(stack.auth().token_calls("refresh_token"), 2);

    tokio::time::sleep(Duration::from_millis(900)).await;
    let reused = auth.refresh(&first).await;
    assert_error(&reused, 400, "refresh_token_already_used");
    assert_eq!(reused.1["msg"], "Invalid Refresh Token: Already Used");
    // Reuse detection revokes the whole session, current token included.
    let (status, _) = auth.refresh(&second).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(
        &auth.user(&token(&rotated, "access_token")).await,
        403,
        "session_not_found",
    );

    assert_error(
        &auth.refresh("no-such-token").await,
        400,
        "refresh_token_not_found",
    );
}

#[tokio::test]
async fn logout_local_leaves_the_other_session_working() {
    let stack = Stack::start().await.expect("stack starts");
    let auth = Auth::new(&stack);
    auth.signup("eve@example.com", PASSWORD).await;
    let (_, laptop) = auth.sign_in("eve@example.com", PASSWORD).await;
    let (_, desktop) = auth.sign_in("eve@example.com", PASSWORD).await;

    let (status, _) = auth
        .call(
            Method::POST,
            "/logout?scope=local",
            Some(&token(&laptop, "access_token")),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_error(
        &auth.user(&token(&laptop, "access_token")).await,
        403,
        "session_not_found",
    );
    assert_error(
        &auth.refresh(&token(&laptop, "refresh_token")).await,
        400,
        "refresh_token_not_found",
    );

    assert_eq!(
        auth.user(&token(&desktop, "access_token")).await.0,
        StatusCode::OK
    );
    let (status, desktop) = auth.refresh(&token(&desktop, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK);

    // The default scope is global: every session of the user ends.
    let (_, other) = auth.sign_in("eve@example.com", PASSWORD).await;
    let (status, _) = auth
        .call(
            Method::POST,
            "/logout",
            Some(&token(&desktop, "access_token")),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        auth.user(&token(&other, "access_token")).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_expired_access_token_is_refused_by_user() {
    let stack = Stack::start_with(StackOptions {
        access_token_ttl: Duration::from_secs(1),
        ..Default::default()
    })
    .await
    .expect("stack starts");
    let auth = Auth::new(&stack);
    let (_, session) = auth.signup("hal@example.com", PASSWORD).await;
    assert_eq!(session["expires_in"], 1);
    let access = token(&session, "access_token");
    assert_eq!(auth.user(&access).await.0, StatusCode::OK);

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = auth.user(&access).await;
    assert_error(&expired, 403, "bad_jwt");
    assert!(
        expired.1["msg"]
            .as_str()
            .is_some_and(|m| m.contains("expired"))
    );

    // A token signed with another secret is refused too.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let forged = native_testkit::keys::ProjectKeys::generate().sign(&json!({
        "sub": session["user"]["id"], "aud": "authenticated", "role": "authenticated", "exp": now + 60,
    }));
    assert_error(&auth.user(&forged).await, 403, "bad_jwt");
    assert_error(
        &auth.call(Method::GET, "/user", None, None).await,
        401,
        "no_authorization",
    );

    let (status, refreshed) = auth.refresh(&token(&session, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        auth.user(&token(&refreshed, "access_token")).await.0,
        StatusCode::OK
    );

    let (status, jwks) = auth
        .call(Method::GET, "/.well-known/jwks.json", None, None)
        .await;
    assert_eq!((status, jwks), (StatusCode::OK, json!({"keys": []})));
}
