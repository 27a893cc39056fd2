//! `AuthClient` against the stack's dev auth: GoTrue's error bodies become
//! typed errors with GoTrue's `error_code`, rate limiting is a 429 with its
//! code, and no error ever prints a token or a password.

use native_client::{AuthClient, AuthSession, ClientError, SignUpOutcome};
use native_core::{EmailAddress, Password};
use native_testkit::Stack;

const PASSWORD: &str = "correct horse battery";

fn client(stack: &Stack) -> AuthClient {
    AuthClient::new(
        &stack.supabase_url().parse().expect("url"),
        stack.anon_key(),
    )
    .expect("client")
}

fn email(raw: &str) -> EmailAddress {
    EmailAddress::parse(raw).expect("email")
}

fn password(raw: &str) -> Password {
    Password::parse(raw).expect("password")
}

async fn signed_up(client: &AuthClient, address: &str) -> AuthSession {
    match client
        .sign_up(&email(address), &password(PASSWORD), None)
        .await
        .expect("sign-up")
    {
        SignUpOutcome::Session(session) => session,
        other => panic!("the stack auto-confirms, got {other:?}"),
    }
}

/// The status and GoTrue code of an `Http` error; panics on anything else.
fn http(result: Result<impl std::fmt::Debug, ClientError>) -> (u16, String) {
    match result {
        Err(ClientError::Http { status, code, .. }) => (status, code.unwrap_or_default()),
        other => panic!("expected an HTTP error, got {other:?}"),
    }
}

#[tokio::test]
async fn gotrue_error_bodies_become_typed_codes() {
    let stack = Stack::start().await.expect("stack");
    let auth = client(&stack);
    let session = signed_up(&auth, "ana@example.com").await;
    assert_eq!(session.user.email.as_deref(), Some("ana@example.com"));

    let wrong = auth
        .sign_in_password(&email("ana@example.com"), &password("not the password"))
        .await;
    assert_eq!(http(wrong), (400, "invalid_credentials".into()));
    let again = auth
        .sign_up(&email("ana@example.com"), &password(PASSWORD), None)
        .await;
    assert_eq!(http(again), (422, "user_already_exists".into()));
    let unknown = auth.refresh("no-such-refresh-token").await;
    assert_eq!(http(unknown), (400, "refresh_token_not_found".into()));
    let bad_code = auth.exchange_pkce("no-such-code", &"v".repeat(43)).await;
    assert_eq!(http(bad_code).1, "flow_state_not_found");
    let (status, code) = http(auth.user("not.a.jwt").await);
    assert_eq!((status, code.as_str()), (403, "bad_jwt"));

    stack.auth().set_auto_confirm(false);
    let outcome = auth
        .sign_up(&email("ben@example.com"), &password(PASSWORD), None)
        .await
        .expect("sign-up");
    assert!(matches!(outcome, SignUpOutcome::ConfirmationSent(_)));
    let unconfirmed = auth
        .sign_in_password(&email("ben@example.com"), &password(PASSWORD))
        .await;
    assert_eq!(http(unconfirmed), (400, "email_not_confirmed".into()));
}

#[tokio::test]
async fn refresh_rotates_and_sign_out_ends_the_session() {
    let stack = Stack::start().await.expect("stack");
    let auth = client(&stack);
    let first = signed_up(&auth, "cal@example.com").await;
    let user = auth.user(&first.access_token).await.expect("user");
    assert_eq!(user.id, first.user.id);

    let second = auth.refresh(&first.refresh_token).await.expect("refresh");
    assert_ne!(second.refresh_token, first.refresh_token, "rotated");
    assert_eq!(second.user.id, first.user.id);
    assert!(second.expires_at > 0);

    auth.sign_out_local(&second.access_token)
        .await
        .expect("sign-out");
    let (status, _) = http(auth.refresh(&second.refresh_token).await);
    assert!((400..500).contains(&status), "{status}");
}

#[tokio::test]
async fn rate_limiting_is_a_429_with_gotrues_code() {
    let stack = Stack::start().await.expect("stack");
    let auth = client(&stack);
    signed_up(&auth, "dan@example.com").await;

    stack.auth().set_rate_limited(true);
    let limited = auth
        .sign_in_password(&email("dan@example.com"), &password(PASSWORD))
        .await;
    assert_eq!(http(limited), (429, "over_request_rate_limit".into()));
    let limited = auth.recover(&email("dan@example.com"), None, None).await;
    assert_eq!(http(limited), (429, "over_request_rate_limit".into()));

    stack.auth().set_rate_limited(false);
    auth.sign_in_password(&email("dan@example.com"), &password(PASSWORD))
        .await
        .expect("allowed again");
}

#[tokio::test]
async fn errors_never_print_tokens_or_passwords() {
    let stack = Stack::start().await.expect("stack");
    let auth = client(&stack);
    let session = signed_up(&auth, "eli@example.com").await;
    auth.sign_out_local(&session.access_token)
        .await
        .expect("sign-out");
    let offline =
        AuthClient::new(&"http://127.0.0.1:9/".parse().expect("url"), "anon").expect("client");

    let secrets = [
        session.access_token.as_str(),
        session.refresh_token.as_str(),
        PASSWORD,
    ];
    let errors = [
        auth.refresh(&session.refresh_token).await.unwrap_err(),
        auth.user(&session.access_token).await.unwrap_err(),
        auth.sign_out_local(&session.access_token)
            .await
            .unwrap_err(),
        auth.sign_in_password(&email("eli@example.com"), &password("wrong password"))
            .await
            .unwrap_err(),
        offline.refresh(&session.refresh_token).await.unwrap_err(),
        offline.user(&session.access_token).await.unwrap_err(),
        offline
            .sign_in_password(&email("eli@example.com"), &password(PASSWORD))
            .await
            .unwrap_err(),
    ];
    assert!(matches!(errors[4], ClientError::Offline(_)));
    for (i, err) in errors.iter().enumerate() {
        let (shown, debug) = (err.to_string(), format!("{err:?}"));
        for (j, secret) in secrets.iter().enumerate() {
            // The messages name indexes only: printing the error would leak.
            assert!(
                !shown.contains(secret),
                "error #{i}'s Display shows secret #{j}"
            );
            assert!(
                !debug.contains(secret),
                "error #{i}'s Debug shows secret #{j}"
            );
        }
    }
    // Sessions print redacted too.
    let printed = format!("{session:?}");
    assert!(!printed.contains(&session.access_token) && !printed.contains(&session.refresh_token));
}
