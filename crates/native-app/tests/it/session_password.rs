//! E-mail and password: sign-up in both confirmation modes, sign-in, wrong
//! and malformed input, and password recovery through the mailed link.

use native_app::{AuthState, ErrorCode, NativeApp, Persistence, SignUpResult};
use native_testkit::Stack;
use native_testkit::dev_auth::EmailKind;

use crate::support::{self, PASSWORD, follow, params, signed_in_email, stored, stored_token};

#[tokio::test]
async fn sign_up_with_auto_confirm_signs_in_and_keeps_the_session() {
    let stack = Stack::start().await.expect("stack");
    let (app, store) = support::app(&stack);
    assert_eq!(app.auth_state(), AuthState::Restoring);
    assert_eq!(app.restore().await, AuthState::SignedOut { reason: None });

    let result = app
        .sign_up("ada@example.com", PASSWORD)
        .await
        .expect("sign-up");
    let SignUpResult::SignedIn { state } = result else {
        panic!("auto-confirm signs in at once, got {result:?}");
    };
    let AuthState::SignedIn {
        user,
        offline,
        persistence,
    } = &state
    else {
        panic!("signed in, got {state:?}");
    };
    assert_eq!(user.email, "ada@example.com");
    assert!(!offline);
    assert_eq!(*persistence, Persistence::Keychain);
    assert_eq!(app.auth_state(), state);
    assert!(stack.auth().mailbox().is_empty(), "no confirmation mail");

    // The token the app hands out is the stored one, valid, and the user's.
    let token = app.access_token().await.expect("a token");
    assert_eq!(
        token,
        stored_token(&store, stack.supabase_url(), "access_token")
    );
    let claims = stack
        .keys()
        .verify(&token, Some("authenticated"))
        .expect("a valid access token");
    assert_eq!(claims["sub"], user.id.to_string());
    assert_eq!(stack.auth().token_calls("refresh_token"), 0);

    // The same address cannot sign up twice.
    let err = app.sign_up("ada@example.com", PASSWORD).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::EmailTaken);
}

#[tokio::test]
async fn sign_up_with_confirmation_mails_a_link_that_signs_in() {
    let stack = Stack::start().await.expect("stack");
    stack.auth().set_auto_confirm(false);
    let (app, store) = support::app(&stack);
    app.restore().await;

    let result = app
        .sign_up("bo@example.com", PASSWORD)
        .await
        .expect("sign-up");
    assert_eq!(
        result,
        SignUpResult::ConfirmationSent {
            email: "bo@example.com".into()
        }
    );
    assert_eq!(app.auth_state(), AuthState::SignedOut { reason: None });
    assert!(stored(&store, stack.supabase_url()).is_none());
    let mail = stack
        .auth()
        .last_email_to("bo@example.com")
        .expect("a confirmation mail");
    assert_eq!(mail.kind, EmailKind::Confirmation);

    // Unconfirmed, the password is right but the sign-in is refused.
    let err = app.sign_in("bo@example.com", PASSWORD).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::EmailNotConfirmed);

    // The mailed link lands on the app's deep link with the session.
    let landed = follow(&mail.link).await;
    assert_eq!(landed.scheme(), "native-ai");
    assert_eq!(landed.path(), "/callback");
    assert_eq!(params(&landed)["type"], "signup");
    let state = app
        .handle_deep_link(landed.as_str())
        .await
        .expect("the link signs in");
    assert_eq!(signed_in_email(&state), "bo@example.com");
    assert!(stored(&store, stack.supabase_url()).is_some());
    app.access_token().await.expect("a token");

    // The link works once.
    let again = follow(&mail.link).await;
    assert_eq!(params(&again)["error_code"], "otp_expired");
    let err = app.handle_deep_link(again.as_str()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);

    // Confirmed, the password signs in too.
    app.sign_out().await;
    let state = app
        .sign_in("bo@example.com", PASSWORD)
        .await
        .expect("sign-in");
    assert_eq!(signed_in_email(&state), "bo@example.com");
}

#[tokio::test]
async fn sign_in_and_wrong_credentials() {
    let stack = Stack::start().await.expect("stack");
    let (app, store) = support::signed_up(&stack, "cy@example.com").await;
    let signed_out = app.sign_out().await;

    for (email, password) in [
        ("cy@example.com", "not the password"),
        ("nobody@example.com", PASSWORD),
    ] {
        let err = app.sign_in(email, password).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidCredentials, "{email}");
        assert_eq!(
            app.auth_state(),
            signed_out,
            "a failed sign-in changes nothing"
        );
        assert!(stored(&store, stack.supabase_url()).is_none());
    }
    assert_eq!(stack.auth().token_calls("password"), 2);

    // Surrounding spaces and an upper-case domain are the same address.
    let state = app
        .sign_in("  cy@EXAMPLE.com ", PASSWORD)
        .await
        .expect("sign-in");
    assert_eq!(signed_in_email(&state), "cy@example.com");
    assert!(stored(&store, stack.supabase_url()).is_some());
}

#[tokio::test]
async fn malformed_input_is_refused_before_any_request() {
    let stack = Stack::start().await.expect("stack");
    stack.auth().set_auto_confirm(false);
    let (app, _) = support::app(&stack);
    // The same app on a port nobody listens on: any request would be `offline`.
    let unreachable = NativeApp::with_store(
        native_app::AppConfig::parse(Some(&support::closed_origin()), Some("anon"), None)
            .expect("config"),
        std::sync::Arc::new(native_app::MemoryStore::default()),
    )
    .expect("app");

    for app in [&app, &unreachable] {
        for (email, password, expected) in [
            ("not-an-email", PASSWORD, ErrorCode::InvalidInput),
            ("a@b", PASSWORD, ErrorCode::InvalidInput),
            ("", PASSWORD, ErrorCode::InvalidInput),
            ("dee@example.com", "abc", ErrorCode::WeakPassword),
            ("dee@example.com", "", ErrorCode::WeakPassword),
        ] {
            let err = app.sign_in(email, password).await.unwrap_err();
            assert_eq!(err.code(), expected, "sign-in {email:?} {password:?}");
            let err = app.sign_up(email, password).await.unwrap_err();
            assert_eq!(err.code(), expected, "sign-up {email:?} {password:?}");
        }
        let err = app.request_password_reset("nope").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        let err = app.set_new_password("short").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::WeakPassword);
    }
    assert_eq!(stack.auth().token_calls("password"), 0);
    assert!(
        stack.auth().mailbox().is_empty(),
        "no sign-up reached the server"
    );
    // Well-formed input does reach it: the checks above were not vacuous.
    let err = unreachable
        .sign_in("dee@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Offline);
}

#[tokio::test]
async fn password_recovery_through_the_mailed_link() {
    let stack = Stack::start().await.expect("stack");
    let (app, store) = support::signed_up(&stack, "eve@example.com").await;
    app.sign_out().await;

    // Unknown addresses get the same answer, and no mail.
    app.request_password_reset("ghost@example.com")
        .await
        .expect("the same answer for unknown addresses");
    assert!(stack.auth().last_email_to("ghost@example.com").is_none());

    app.request_password_reset("eve@example.com")
        .await
        .expect("reset requested");
    let mail = stack
        .auth()
        .last_email_to("eve@example.com")
        .expect("a recovery mail");
    assert_eq!(mail.kind, EmailKind::Recovery);

    // The browser follows the link; the OS hands its target to the app.
    let landed = follow(&mail.link).await;
    assert!(
        landed
            .as_str()
            .starts_with("native-ai://auth/recovery?code="),
        "a PKCE recovery link, got {}",
        landed.scheme()
    );
    let state = app
        .handle_deep_link(landed.as_str())
        .await
        .expect("recovery");
    let AuthState::PasswordRecovery { user } = &state else {
        panic!("password recovery, got {state:?}");
    };
    assert_eq!(user.email, "eve@example.com");
    assert_eq!(app.auth_state(), state);
    assert!(stored(&store, stack.supabase_url()).is_some());

    let state = app
        .set_new_password("a brand new password")
        .await
        .expect("new password");
    assert_eq!(signed_in_email(&state), "eve@example.com");

    app.sign_out().await;
    let err = app.sign_in("eve@example.com", PASSWORD).await.unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::InvalidCredentials,
        "the old password"
    );
    let state = app
        .sign_in("eve@example.com", "a brand new password")
        .await
        .expect("the new password signs in");
    assert_eq!(signed_in_email(&state), "eve@example.com");

    // The code was for this one exchange: the same link target again fails.
    let err = app.handle_deep_link(landed.as_str()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
}
