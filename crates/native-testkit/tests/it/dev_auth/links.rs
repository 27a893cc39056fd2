//! Browser round trips: the PKCE OAuth consent flow and recovery links.

use std::time::Duration;

use native_testkit::Stack;
use native_testkit::dev_auth::{EmailKind, s256_challenge};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Auth, CALLBACK, PASSWORD, assert_error, params, token};

#[tokio::test]
async fn pkce_round_trip_through_authorize_and_consent() {
    let stack = Stack::start().await.expect("stack starts");
    let auth = Auth::new(&stack);
    let verifier = "a-verifier-of-more-than-forty-three-characters-0123456789";
    let challenge = s256_challenge(verifier);
    let query = format!(
        "provider=google&redirect_to={CALLBACK}&code_challenge={challenge}&code_challenge_method=s256"
    );

    let (status, page) = auth
        .call(Method::GET, &format!("/authorize?{query}"), None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let html = page.as_str().expect("an HTML page");
    for part in [
        "<form",
        "name=\"email\"",
        "Continue",
        "Cancel",
        challenge.as_str(),
    ] {
        assert!(html.contains(part), "the page has {part}");
    }

    let consent = format!("{}/authorize/consent?{query}", auth.url);
    let landed = auth
        .follow(&format!("{consent}&email=fay@example.com&decision=allow"))
        .await;
    assert_eq!(landed.as_str().split('?').next(), Some(CALLBACK));
    let code = params(landed.query())["code"].clone();

    let exchange = |code: String, verifier: &str| {
        let body = json!({"auth_code": code, "code_verifier": verifier});
        auth.call(Method::POST, "/token?grant_type=pkce", None, Some(body))
    };
    assert_error(
        &exchange(code.clone(), "the-wrong-verifier").await,
        400,
        "bad_code_verifier",
    );
    let (status, session) = exchange(code.clone(), verifier).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    assert_eq!(session["user"]["email"], "fay@example.com");
    assert_eq!(
        session["user"]["app_metadata"]["providers"],
        json!(["google"])
    );
    let claims = stack
        .keys()
        .verify(&token(&session, "access_token"), Some("authenticated"))
        .expect("valid token");
    assert_eq!(claims["amr"][0]["method"], "oauth");
    assert_error(&exchange(code, verifier).await, 404, "flow_state_not_found");

    let cancelled = auth.follow(&format!("{consent}&decision=deny")).await;
    assert_eq!(params(cancelled.query())["error"], "access_denied");

    // The page's form posts the same fields, url-encoded.
    let submitted = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}/authorize/consent", auth.url))
        .header("apikey", &auth.anon)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("{query}&email=fay%40example.com&decision=allow"))
        .send()
        .await
        .expect("reachable");
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    let location = submitted.headers()["location"].to_str().expect("ASCII");
    assert!(
        location.starts_with(&format!("{CALLBACK}?code=")),
        "{location}"
    );

    // Codes expire (GoTrue: after five minutes).
    stack.auth().set_flow_state_ttl(Duration::from_millis(200));
    let landed = auth
        .follow(&format!("{consent}&email=fay@example.com&decision=allow"))
        .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let code = params(landed.query())["code"].clone();
    assert_error(&exchange(code, verifier).await, 422, "flow_state_expired");

    // A redirect_to off the allow-list falls back to the site URL.
    let evil = format!(
        "{}/authorize/consent?provider=github&redirect_to=https://evil.example/cb&email=fay@example.com&decision=allow",
        auth.url
    );
    let landed = auth.follow(&evil).await;
    assert!(
        landed.as_str().starts_with(stack.supabase_url()),
        "{landed}"
    );
}

#[tokio::test]
async fn recovery_links_sign_in_implicitly_or_with_a_pkce_code() {
    let stack = Stack::start().await.expect("stack starts");
    let auth = Auth::new(&stack);
    auth.signup("gus@example.com", PASSWORD).await;

    let recover = |email: &str, extra: Value| {
        let mut body = json!({"email": email});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        auth.call(
            Method::POST,
            format!("/recover?redirect_to={CALLBACK}"),
            None,
            Some(body),
        )
    };
    let (status, answer) = recover("nobody@example.com", json!({})).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({})));
    assert!(
        stack.auth().mailbox().is_empty(),
        "no mail for unknown addresses"
    );

    let (status, answer) = recover("gus@example.com", json!({})).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({})));
    let mail = stack
        .auth()
        .last_email_to("gus@example.com")
        .expect("a mail");
    assert_eq!(mail.kind, EmailKind::Recovery);
    let landed = auth.follow(&mail.link).await;
    let fragment = params(landed.fragment());
    assert_eq!(fragment["type"], "recovery");
    let access = fragment["access_token"].clone();
    assert!(!fragment["refresh_token"].is_empty());

    let (status, _) = auth
        .call(
            Method::PUT,
            "/user",
            Some(&access),
            Some(json!({"password": "a new password"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_error(
        &auth.sign_in("gus@example.com", PASSWORD).await,
        400,
        "invalid_credentials",
    );
    assert_eq!(
        auth.sign_in("gus@example.com", "a new password").await.0,
        StatusCode::OK
    );

    let verifier = "another-verifier-of-more-than-forty-three-characters-xyz";
    let pkce = json!({"code_challenge": s256_challenge(verifier), "code_challenge_method": "s256"});
    recover("gus@example.com", pkce).await;
    let mail = stack
        .auth()
        .last_email_to("gus@example.com")
        .expect("a mail");
    let landed = auth.follow(&mail.link).await;
    assert!(landed.fragment().is_none(), "no tokens in a PKCE redirect");
    let code = params(landed.query())["code"].clone();
    let body = json!({"auth_code": code, "code_verifier": verifier});
    let (status, session) = auth
        .call(Method::POST, "/token?grant_type=pkce", None, Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{session}");
    assert_eq!(session["user"]["email"], "gus@example.com");
}
