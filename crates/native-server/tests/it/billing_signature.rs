//! The webhook's door: Stripe's signature on the raw body (any `v1` of any
//! configured secret, within the tolerance), a 1 MiB body limit, and
//! nothing recorded for a call that fails it.

use std::time::Duration;

use native_server::BillingSettings;
use native_testkit::Stack;

use crate::billing::{
    PACK, Stripe, checkout, credits, event, event_count, expect_error, new_user, now, sign, v1,
};
use crate::gateway::{Server, settings};

fn pack_event(id: &str, user: uuid::Uuid) -> serde_json::Value {
    let mut session = checkout(id, "payment");
    session["client_reference_id"] = user.to_string().into();
    event(
        &format!("evt_{id}"),
        "checkout.session.completed",
        now(),
        session,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_event_is_accepted_and_any_v1_may_match() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let stripe = Stripe::of(&stack);

    assert_eq!(
        stripe.deliver(&pack_event("one", alice)).await,
        "pack_granted"
    );

    // Two v1 values, the first from a secret we do not hold; and a v0.
    let body = serde_json::to_vec(&pack_event("two", alice)).unwrap();
    let t = now();
    let header = format!(
        "t={t},v1={},v1={},v0={}",
        v1("whsec_someone_else", t, &body),
        v1(&stripe.secret, t, &body),
        v1(&stripe.secret, t, &body),
    );
    assert_eq!(stripe.post(body, Some(header)).await.status(), 200);
    assert_eq!(credits(&db, alice).await, 2 * PACK);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_signatures_get_400_and_change_nothing() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let stripe = Stripe::of(&stack);
    let body = serde_json::to_vec(&pack_event("x", alice)).unwrap();
    let secret = stripe.secret.clone();

    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("\"amount_total\":1000", "\"amount_total\":1000 ");
    let cases: Vec<(&str, Vec<u8>, Option<String>)> = vec![
        ("missing header", body.clone(), None),
        ("empty header", body.clone(), Some(String::new())),
        (
            "wrong secret",
            body.clone(),
            Some(sign("whsec_wrong", now(), &body)),
        ),
        (
            "tampered body",
            tampered.into_bytes(),
            Some(sign(&secret, now(), &body)),
        ),
        (
            "stale",
            body.clone(),
            Some(sign(&secret, now() - 301, &body)),
        ),
        (
            "from the future",
            body.clone(),
            Some(sign(&secret, now() + 301, &body)),
        ),
        (
            "v0 only",
            body.clone(),
            Some(format!("t={},v0={}", now(), v1(&secret, now(), &body))),
        ),
        (
            "no timestamp",
            body.clone(),
            Some(format!("v1={}", v1(&secret, now(), &body))),
        ),
        (
            "timestamp not the signed one",
            body.clone(),
            Some(format!("t={},v1={}", now(), v1(&secret, now() - 1, &body))),
        ),
    ];
    for (case, body, header) in cases {
        let response = stripe.post(body, header).await;
        let error = expect_error(response, 400, "invalid_signature").await;
        let text = error.to_string();
        assert!(!text.contains(&secret), "{case}: {text}");
        // No signature, expected or received, is echoed.
        let longest_hex = text
            .split(|c: char| !c.is_ascii_hexdigit())
            .map(str::len)
            .max()
            .unwrap_or(0);
        assert!(longest_hex < 16, "{case}: {text}");
    }
    assert_eq!(event_count(&db).await, 0, "nothing recorded");
    assert_eq!(credits(&db, alice).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_configured_secret_verifies_during_a_rotation() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let mut tuned = settings(&stack);
    tuned.billing.webhook_secrets = vec!["whsec_new".into(), "whsec_old".into()];
    let server = Server::start(tuned).await;

    assert_eq!(
        Stripe::new(&server.url, "whsec_old")
            .deliver(&pack_event("old", alice))
            .await,
        "pack_granted"
    );
    assert_eq!(
        Stripe::new(&server.url, "whsec_new")
            .deliver(&pack_event("new", alice))
            .await,
        "pack_granted"
    );
    let retired = Stripe::new(&server.url, stack.stripe_webhook_secret());
    expect_error(
        retired.send(&pack_event("retired", alice)).await,
        400,
        "invalid_signature",
    )
    .await;
    assert_eq!(credits(&db, alice).await, 2 * PACK);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tolerance_is_configurable() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let mut tuned = settings(&stack);
    tuned.billing.tolerance = Duration::from_secs(3600);
    let server = Server::start(tuned).await;
    let stripe = Stripe::new(&server.url, stack.stripe_webhook_secret());

    let body = serde_json::to_vec(&pack_event("late", alice)).unwrap();
    let header = sign(&stripe.secret, now() - 1800, &body);
    assert_eq!(stripe.post(body, Some(header)).await.status(), 200);
    let body = serde_json::to_vec(&pack_event("later", alice)).unwrap();
    let header = sign(&stripe.secret, now() - 3700, &body);
    expect_error(
        stripe.post(body, Some(header)).await,
        400,
        "invalid_signature",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_over_one_mebibyte_get_413_and_non_events_400() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let stripe = Stripe::of(&stack);

    let mut big = checkout("big", "payment");
    big["metadata"]["padding"] = "x".repeat(1024 * 1024).into();
    let big = event("evt_big", "checkout.session.completed", now(), big);
    expect_error(stripe.send(&big).await, 413, "payload_too_large").await;

    for body in [&b"not json"[..], br#"{"id": "evt_1"}"#, br#"[1, 2]"#] {
        let header = sign(&stripe.secret, now(), body);
        expect_error(
            stripe.post(body.to_vec(), Some(header)).await,
            400,
            "invalid_request",
        )
        .await;
    }
    assert_eq!(event_count(&db).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_secret_the_webhook_refuses_with_503() {
    let stack = Stack::start().await.expect("stack");
    let mut tuned = settings(&stack);
    tuned.billing = BillingSettings::default();
    let server = Server::start(tuned).await;
    let stripe = Stripe::new(&server.url, "whsec_anything");
    let response = stripe
        .send(&event(
            "evt_1",
            "invoice.paid",
            now(),
            serde_json::json!({"id": "in_1"}),
        ))
        .await;
    expect_error(response, 503, "billing_not_configured").await;
}
