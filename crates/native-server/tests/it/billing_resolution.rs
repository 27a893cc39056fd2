//! Whose payment (the app's client_reference_id, then the customer already
//! known, then the payer's e-mail, which they may edit) and what was bought
//! (metadata, Payment Link id, mode, the pack's exact price).

use native_testkit::Stack;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::billing::{
    PACK, Stripe, checkout, credits, event, new_user, now, plan, recorded, unmatched,
};
use crate::gateway::{Server, settings};

fn pack(name: &str, reference: Option<String>, email: Option<&str>) -> Value {
    let mut session = checkout(name, "payment");
    session["client_reference_id"] = json!(reference);
    session["customer_details"]["email"] = json!(email);
    event(
        &format!("evt_{name}"),
        "checkout.session.completed",
        now(),
        session,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_user_is_resolved_in_order() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let stripe = Stripe::of(&stack);
    let alice = new_user(&db, "alice@example.com", true).await;
    let bob = new_user(&db, "bob@example.com", true).await;
    let carol = new_user(&db, "carol@example.com", true).await;

    // 1. The id the app put in the link wins over an edited e-mail.
    let edited = pack("edited", Some(alice.to_string()), Some("bob@example.com"));
    assert_eq!(stripe.deliver(&edited).await, "pack_granted");
    assert_eq!(
        (credits(&db, alice).await, credits(&db, bob).await),
        (PACK, 0)
    );

    // 2. A reference that is no user's falls back to the known customer:
    //    cus_edited was mapped to alice by the first checkout.
    let mut known = pack(
        "known",
        Some(Uuid::new_v4().to_string()),
        Some("bob@example.com"),
    );
    known["data"]["object"]["customer"] = "cus_edited".into();
    assert_eq!(stripe.deliver(&known).await, "pack_granted");
    assert_eq!(
        (credits(&db, alice).await, credits(&db, bob).await),
        (2 * PACK, 0)
    );

    // 3. Then the e-mail, case-insensitively; a reference that is not a
    //    UUID (Stripe drops invalid ones, but a stale link may carry one)
    //    is ignored.
    let by_email = pack(
        "email",
        Some("not-a-uuid".into()),
        Some("  CAROL@Example.COM "),
    );
    assert_eq!(stripe.deliver(&by_email).await, "pack_granted");
    assert_eq!(credits(&db, carol).await, PACK);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unmatched_payment_is_kept_and_answered_200() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let stripe = Stripe::of(&stack);
    // An address nobody proved they own matches no one: else anyone could
    // sign up with a payer's address and receive their purchase.
    let squatter = new_user(&db, "payer@example.com", false).await;

    let nobody = pack("nobody", None, Some("stranger@example.com"));
    assert_eq!(stripe.deliver(&nobody).await, "unmatched");
    let squatted = pack("squatted", None, Some("payer@example.com"));
    assert_eq!(stripe.deliver(&squatted).await, "unmatched");
    let bare = pack("bare", None, None);
    assert_eq!(stripe.deliver(&bare).await, "unmatched");

    assert_eq!(credits(&db, squatter).await, 0);
    for id in ["evt_nobody", "evt_squatted", "evt_bare"] {
        assert_eq!(recorded(&db, id).await.as_deref(), Some("unmatched"));
        assert_eq!(unmatched(&db, id).await, Some(false), "kept, unresolved");
    }
    let kept: Value = sqlx::query_scalar(
        "select payload from public.billing_unmatched_events where event_id = 'evt_nobody'",
    )
    .fetch_one(&db)
    .await
    .expect("payload");
    assert_eq!(kept, nobody, "the whole event is kept for the replay");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_product_is_resolved_in_order() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let mut tuned = settings(&stack);
    tuned.billing.pro_payment_links = vec!["plink_pro".into()];
    tuned.billing.pack_payment_links = vec!["plink_old_pack".into(), "plink_pack".into()];
    let server = Server::start(tuned).await;
    let stripe = Stripe::new(&server.url, stack.stripe_webhook_secret());
    let user = new_user(&db, "buyer@example.com", true).await;

    let session = |name: &str, mode: &str, changes: Value| {
        let mut session = checkout(name, mode);
        session["client_reference_id"] = user.to_string().into();
        if let (Some(session), Value::Object(changes)) = (session.as_object_mut(), changes) {
            session.extend(changes);
        }
        event(
            &format!("evt_{name}"),
            "checkout.session.completed",
            now(),
            session,
        )
    };
    let cases = [
        // 1. Metadata over the link and the mode.
        (
            session(
                "meta_pack",
                "subscription",
                json!({"payment_link": "plink_pro", "metadata": {"native_product": "topup_250k"}}),
            ),
            "pack_granted",
        ),
        (
            session(
                "meta_pro",
                "subscription",
                json!({"payment_link": "plink_pack", "metadata": {"native_product": "pro"}}),
            ),
            "pro_started",
        ),
        // 2. A configured link over the mode and the price.
        (
            session(
                "link_pack",
                "payment",
                json!({"payment_link": "plink_pack", "amount_total": 2000}),
            ),
            "pack_granted",
        ),
        (
            session("link_pro", "payment", json!({"payment_link": "plink_pro"})),
            "unknown_product", // Pro, but no subscription to follow
        ),
        // 3. Subscription mode is Pro, whatever link or metadata we do not know.
        (
            session(
                "mode_pro",
                "subscription",
                json!({"payment_link": "plink_other", "metadata": {"native_product": "gold"}}),
            ),
            "pro_started",
        ),
        // 4. The pack's exact price, and nothing else.
        (session("price", "payment", json!({})), "pack_granted"),
        (
            session("cheaper", "payment", json!({"amount_total": 999})),
            "unknown_product",
        ),
        (
            session("euros", "payment", json!({"currency": "eur"})),
            "unknown_product",
        ),
    ];
    for (delivered, expected) in &cases {
        assert_eq!(
            stripe.deliver(delivered).await,
            *expected,
            "{}",
            delivered["id"]
        );
    }
    assert_eq!(credits(&db, user).await, 3 * PACK);
    assert_eq!(plan(&db, user).await, "pro");
    assert_eq!(unmatched(&db, "evt_cheaper").await, Some(false), "kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pack_price_is_configurable() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let mut tuned = settings(&stack);
    tuned.billing.pack_price = native_server::Price {
        amount: 900,
        currency: "eur".into(),
    };
    let server = Server::start(tuned).await;
    let stripe = Stripe::new(&server.url, stack.stripe_webhook_secret());
    let user = new_user(&db, "buyer@example.com", true).await;

    let mut session = checkout("eur", "payment");
    session["client_reference_id"] = user.to_string().into();
    session["amount_total"] = 900.into();
    session["currency"] = "eur".into();
    let paid = event("evt_eur", "checkout.session.completed", now(), session);
    assert_eq!(stripe.deliver(&paid).await, "pack_granted");
    assert_eq!(credits(&db, user).await, PACK);
}
