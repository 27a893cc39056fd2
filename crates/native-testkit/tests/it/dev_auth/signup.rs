//! Sign-up with and without e-mail confirmation, the token PostgREST accepts,
//! and the GoTrue-shaped errors of sign-up and sign-in.

use std::time::Duration;

use native_testkit::dev_auth::EmailKind;
use native_testkit::{Stack, StackOptions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Auth, PASSWORD, assert_error, params, token};

#[tokio::test]
async fn signup_with_auto_confirm_gives_a_token_postgrest_sees_as_auth_uid() {
    let stack = Stack::start().await.expect("stack starts");
    let auth = Auth::new(&stack);

    let (status, session) = auth.signup("ada@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    assert_eq!(session["token_type"], "bearer");
    assert_eq!(session["expires_in"], 3600);
    let user_id = token(&session["user"], "id");
    assert_eq!(session["user"]["email"], "ada@example.com");
    assert_eq!(session["user"]["app_metadata"]["provider"], "email");
    assert!(
        session["refresh_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 12)
    );

    let access = token(&session, "access_token");
    let claims = stack
        .keys()
        .verify(&access, Some("authenticated"))
        .expect("signed with the project secret");
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["role"], "authenticated");
    assert_eq!(claims["aal"], "aal1");
    assert_eq!(claims["amr"][0]["method"], "password");
    assert_eq!(claims["iss"], format!("{}/auth/v1", stack.supabase_url()));
    assert_eq!(claims["email"], "ada@example.com");
    assert_eq!(claims["is_anonymous"], false);
    assert!(claims["session_id"].is_string());
    assert_eq!(claims["exp"], session["expires_at"]);

    let db = stack.db().await;
    sqlx::raw_sql(
        "create or replace function public.whoami() returns uuid \
           language sql stable as 'select auth.uid()'; \
         grant execute on function public.whoami() to authenticated; \
         notify pgrst, 'reload schema';",
    )
    .execute(&db)
    .await
    .expect("function created");

    let rpc = format!("{}/rest/v1/rpc/whoami", stack.supabase_url());
    let client = reqwest::Client::new();
    let mut answer = Value::Null;
    // PostgREST reloads its schema cache asynchronously after the NOTIFY.
    for _ in 0..50 {
        let response = client
            .post(&rpc)
            .header("apikey", stack.anon_key())
            .bearer_auth(&access)
            .json(&json!({}))
            .send()
            .await
            .expect("PostgREST is reachable");
        if response.status() == StatusCode::OK {
            answer = response.json().await.expect("JSON");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        answer,
        Value::String(user_id),
        "auth.uid() is the token's sub"
    );
}

#[tokio::test]
async fn signup_with_confirmation_required_needs_the_mailed_link() {
    let stack = Stack::start_with(StackOptions {
        auto_confirm: false,
        ..Default::default()
    })
    .await
    .expect("stack starts");
    let auth = Auth::new(&stack);
    let (_, settings) = auth.call(Method::GET, "/settings", None, None).await;
    assert_eq!(settings["mailer_autoconfirm"], false);
    assert_eq!(settings["external"]["google"], true);

    let welcome = "http://127.0.0.1:45678/welcome";
    let (status, user) = auth
        .call(
            Method::POST,
            &format!("/signup?redirect_to={welcome}"),
            None,
            Some(
                json!({"email": "Bob@Example.com", "password": PASSWORD, "data": {"name": "Bob"}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert!(
        user.get("access_token").is_none(),
        "no session before confirmation"
    );
    assert_eq!(user["email"], "bob@example.com");
    assert_eq!(user["user_metadata"]["name"], "Bob");
    assert!(user.get("email_confirmed_at").is_none());

    assert_error(
        &auth.sign_in("bob@example.com", PASSWORD).await,
        400,
        "email_not_confirmed",
    );

    let mail = stack
        .auth()
        .last_email_to("bob@example.com")
        .expect("a mail");
    assert_eq!(mail.kind, EmailKind::Confirmation);
    assert!(
        mail.link
            .starts_with(&format!("{}/auth/v1/verify?", stack.supabase_url()))
    );
    let landed = auth.follow(&mail.link).await;
    assert_eq!(landed.as_str().split('#').next(), Some(welcome));
    let fragment = params(landed.fragment());
    assert_eq!(fragment["type"], "signup");
    let (status, me) = auth.user(&fragment["access_token"]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(me["email_confirmed_at"].is_string());

    let (status, session) = auth.sign_in("bob@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{session}");

    // The link works once.
    let again = auth.follow(&mail.link).await;
    assert_eq!(params(again.fragment())["error_code"], "otp_expired");
}

#[tokio::test]
async fn signup_and_sign_in_errors_are_gotrue_shaped() {
    let stack = Stack::start().await.expect("stack starts");
    let auth = Auth::new(&stack);

    let weak = auth.signup("carol@example.com", "12345").await;
    assert_error(&weak, 422, "weak_password");
    assert_eq!(weak.1["weak_password"]["reasons"], json!(["length"]));
    assert_error(
        &auth.signup("not-an-email", PASSWORD).await,
        400,
        "validation_failed",
    );

    assert_eq!(
        auth.signup("carol@example.com", PASSWORD).await.0,
        StatusCode::OK
    );
    assert_error(
        &auth.signup("CAROL@example.com", "another password").await,
        422,
        "user_already_exists",
    );

    let wrong = auth.sign_in("carol@example.com", "wrong password").await;
    assert_error(&wrong, 400, "invalid_credentials");
    assert_eq!(wrong.1["msg"], "Invalid login credentials");
    let unknown = auth.sign_in("nobody@example.com", PASSWORD).await;
    assert_eq!(unknown, wrong, "unknown users are indistinguishable");

    let response = reqwest::Client::new()
        .post(format!("{}/token?grant_type=password", auth.url))
        .header("apikey", &auth.anon)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("reachable");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("JSON error");
    assert_eq!(body["error_code"], "bad_json");

    stack.auth().set_rate_limited(true);
    assert_error(
        &auth.sign_in("carol@example.com", PASSWORD).await,
        429,
        "over_request_rate_limit",
    );
    stack.auth().set_rate_limited(false);
    assert_eq!(stack.auth().token_calls("password"), 4);
}
