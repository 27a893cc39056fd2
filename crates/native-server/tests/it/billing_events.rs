//! Each event type's effect: packs, Pro from checkout and invoices (both
//! invoice shapes), subscription updates and deletion, the ones ignored.

use native_testkit::Stack;
use serde_json::json;
use uuid::Uuid;

use crate::billing::{
    PACK, Stripe, SubscriptionRow, checkout, credits, event, invoice, new_user, now, plan,
    recorded, subscription, subscription_row,
};

const MONTH: i64 = 2_592_000;

/// A paid Pro checkout for `user` (session `name`): `sub_<name>`, `cus_<name>`.
async fn start_pro(stripe: &Stripe, user: Uuid, name: &str, created: i64) {
    let mut session = checkout(name, "subscription");
    session["client_reference_id"] = user.to_string().into();
    let started = event(
        &format!("evt_checkout_{name}"),
        "checkout.session.completed",
        created,
        session,
    );
    assert_eq!(stripe.deliver(&started).await, "pro_started");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paid_pack_adds_credits_that_do_not_expire_and_an_unpaid_one_waits() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let stripe = Stripe::of(&stack);

    let mut session = checkout("pack", "payment");
    session["client_reference_id"] = alice.to_string().into();
    session["payment_status"] = "unpaid".into();
    let pending = event(
        "evt_pending",
        "checkout.session.completed",
        now(),
        session.clone(),
    );
    assert_eq!(stripe.deliver(&pending).await, "unpaid");
    assert_eq!(credits(&db, alice).await, 0);

    session["payment_status"] = "paid".into();
    let paid = event(
        "evt_paid",
        "checkout.session.async_payment_succeeded",
        now(),
        session.clone(),
    );
    assert_eq!(stripe.deliver(&paid).await, "pack_granted");
    assert_eq!(credits(&db, alice).await, PACK);
    assert_eq!(plan(&db, alice).await, "free");

    // Another event of the same session does not grant it again.
    let again = event("evt_again", "checkout.session.completed", now(), session);
    assert_eq!(stripe.deliver(&again).await, "pack_already_granted");
    assert_eq!(credits(&db, alice).await, PACK);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pro_checkout_then_its_invoices_keep_pro_through_the_paid_period() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let stripe = Stripe::of(&stack);
    let t = now();

    start_pro(&stripe, alice, "pro", t).await;
    assert_eq!(plan(&db, alice).await, "pro");
    let row = subscription_row(&db, "sub_pro")
        .await
        .expect("subscription");
    assert_eq!(row.status, "active");
    assert_eq!(row.user_id, alice);

    // The first invoice in the 2025-03-31 shape, the renewal in the old one.
    let first_end = t + MONTH;
    let first = invoice(
        "in_1",
        "cus_pro",
        "sub_pro",
        "subscription_create",
        first_end,
        true,
    );
    assert_eq!(
        stripe
            .deliver(&event("evt_in_1", "invoice.paid", t, first))
            .await,
        "pro_extended"
    );
    assert_eq!(
        subscription_row(&db, "sub_pro").await.unwrap().period_end,
        Some(first_end)
    );
    let renewal = invoice(
        "in_2",
        "cus_pro",
        "sub_pro",
        "subscription_cycle",
        first_end + MONTH,
        false,
    );
    assert_eq!(
        stripe
            .deliver(&event("evt_in_2", "invoice.paid", t + 10, renewal))
            .await,
        "pro_extended"
    );
    assert_eq!(
        subscription_row(&db, "sub_pro").await.unwrap().period_end,
        Some(first_end + MONTH)
    );
    assert_eq!(plan(&db, alice).await, "pro");

    // Prorations and manual invoices pay for no period (the original
    // granted Pro for any paid invoice).
    for (id, reason) in [("in_3", "subscription_update"), ("in_4", "manual")] {
        let other = invoice(
            id,
            "cus_pro",
            "sub_pro",
            reason,
            first_end + 5 * MONTH,
            true,
        );
        let delivered = event(&format!("evt_{id}"), "invoice.paid", t + 20, other);
        assert_eq!(stripe.deliver(&delivered).await, "ignored_billing_reason");
    }
    assert_eq!(
        subscription_row(&db, "sub_pro").await.unwrap().period_end,
        Some(first_end + MONTH)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn subscription_statuses_map_to_plans() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let stripe = Stripe::of(&stack);
    let t = now();
    start_pro(&stripe, alice, "s", t).await;
    let end = t + MONTH;

    let steps = [
        ("past_due", false, "pro"),
        ("active", true, "pro"),
        ("unpaid", false, "free"),
        ("active", false, "pro"),
        ("paused", false, "free"),
        ("trialing", false, "pro"),
    ];
    for (i, (status, cancel, expected)) in steps.into_iter().enumerate() {
        let step = i64::try_from(i).unwrap();
        let updated = event(
            &format!("evt_up_{i}"),
            "customer.subscription.updated",
            t + 10 + step,
            subscription("sub_s", "cus_s", status, end, cancel),
        );
        assert_eq!(stripe.deliver(&updated).await, "subscription_updated");
        assert_eq!(plan(&db, alice).await, expected, "{status}");
        let row = subscription_row(&db, "sub_s").await.unwrap();
        assert_eq!(
            (row.status.as_str(), row.cancel_at_period_end),
            (status, cancel)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_at_period_end_stays_pro_until_the_deletion() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let stripe = Stripe::of(&stack);
    let t = now();
    start_pro(&stripe, alice, "c", t).await;

    let cancelling = event(
        "evt_cancel",
        "customer.subscription.updated",
        t + 1,
        subscription("sub_c", "cus_c", "active", t + MONTH, true),
    );
    assert_eq!(stripe.deliver(&cancelling).await, "subscription_updated");
    assert_eq!(plan(&db, alice).await, "pro");
    assert_eq!(
        subscription_row(&db, "sub_c").await,
        Some(SubscriptionRow {
            status: "active".into(),
            period_end: Some(t + MONTH),
            cancel_at_period_end: true,
            user_id: alice,
        })
    );

    let ended = event(
        "evt_deleted",
        "customer.subscription.deleted",
        t + 2,
        subscription("sub_c", "cus_c", "canceled", t + MONTH, true),
    );
    assert_eq!(stripe.deliver(&ended).await, "subscription_ended");
    assert_eq!(plan(&db, alice).await, "free");
    assert_eq!(
        subscription_row(&db, "sub_c").await.unwrap().status,
        "canceled"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_subscription_keeps_pro_when_the_first_ends() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let stripe = Stripe::of(&stack);
    let t = now();
    start_pro(&stripe, alice, "first", t).await;
    start_pro(&stripe, alice, "second", t + 1).await;
    let ended = event(
        "evt_first_deleted",
        "customer.subscription.deleted",
        t + 2,
        subscription("sub_first", "cus_first", "canceled", t + MONTH, false),
    );
    assert_eq!(stripe.deliver(&ended).await, "subscription_ended");
    assert_eq!(plan(&db, alice).await, "pro");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_types_and_unreadable_objects_get_200_and_are_recorded() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let stripe = Stripe::of(&stack);

    let unknown = event(
        "evt_unknown",
        "customer.created",
        now(),
        json!({"id": "cus_1"}),
    );
    assert_eq!(stripe.deliver(&unknown).await, "ignored_type");
    assert_eq!(
        recorded(&db, "evt_unknown").await.as_deref(),
        Some("ignored_type")
    );
    assert_eq!(stripe.deliver(&unknown).await, "duplicate");

    // Signed by Stripe but not what we can read: kept for a replay, and
    // answered 200 (a refusal would be retried for three days in vain).
    let odd = event(
        "evt_odd",
        "customer.subscription.updated",
        now(),
        json!({"id": "sub_1", "status": "exploded", "customer": "cus_1"}),
    );
    assert_eq!(stripe.deliver(&odd).await, "malformed");
    assert_eq!(crate::billing::unmatched(&db, "evt_odd").await, Some(false));
    let wrong_types = event(
        "evt_types",
        "checkout.session.completed",
        now(),
        json!({"id": "cs_1", "amount_total": "ten dollars"}),
    );
    assert_eq!(stripe.deliver(&wrong_types).await, "malformed");
}
