//! Order: Stripe delivers events in any order. An older event never undoes
//! newer state, events that arrive before the checkout naming their
//! customer are applied when it comes, and random duplicated, reordered
//! deliveries end where applying each event once in `created` order ends.

use native_testkit::Stack;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use uuid::Uuid;

use crate::billing::{
    PACK, Stripe, checkout, credits, event, invoice, new_user, now, plan, recorded, subscription,
    subscription_row, unmatched,
};

const MONTH: i64 = 2_592_000;

fn pro_checkout(name: &str, user: Uuid, created: i64) -> Value {
    let mut session = checkout(name, "subscription");
    session["client_reference_id"] = user.to_string().into();
    event(
        &format!("evt_co_{name}"),
        "checkout.session.completed",
        created,
        session,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deletion_before_the_payment_still_ends_free() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let stripe = Stripe::of(&stack);
    let t = now() - 1000;
    assert_eq!(
        stripe.deliver(&pro_checkout("d", alice, t)).await,
        "pro_started"
    );

    let deleted = event(
        "evt_deleted",
        "customer.subscription.deleted",
        t + 300,
        subscription("sub_d", "cus_d", "canceled", t + MONTH, false),
    );
    let paid = event(
        "evt_paid",
        "invoice.paid",
        t + 200,
        invoice(
            "in_d",
            "cus_d",
            "sub_d",
            "subscription_cycle",
            t + 2 * MONTH,
            true,
        ),
    );
    assert_eq!(stripe.deliver(&deleted).await, "subscription_ended");
    stripe.deliver(&paid).await;
    assert_eq!(plan(&db, alice).await, "free");
    assert_eq!(
        subscription_row(&db, "sub_d").await.unwrap().status,
        "canceled"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_update_after_a_newer_one_changes_nothing() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let stripe = Stripe::of(&stack);
    let t = now() - 1000;
    stripe.deliver(&pro_checkout("o", alice, t)).await;

    let update = |id: &str, created: i64, status: &str, cancel: bool| {
        event(
            id,
            "customer.subscription.updated",
            created,
            subscription("sub_o", "cus_o", status, t + MONTH, cancel),
        )
    };
    assert_eq!(
        stripe
            .deliver(&update("evt_new", t + 20, "unpaid", false))
            .await,
        "subscription_updated"
    );
    assert_eq!(
        stripe
            .deliver(&update("evt_old", t + 10, "active", true))
            .await,
        "no_change"
    );
    assert_eq!(plan(&db, alice).await, "free");
    let row = subscription_row(&db, "sub_o").await.unwrap();
    assert_eq!(
        (row.status.as_str(), row.cancel_at_period_end),
        ("unpaid", false)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn events_before_the_checkout_apply_when_it_names_their_customer() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let stripe = Stripe::of(&stack);
    let t = now() - 1000;

    // invoice.paid and an update arrive first: nobody knows cus_early yet,
    // and their e-mail is not trusted.
    let paid = event(
        "evt_early_paid",
        "invoice.paid",
        t,
        invoice(
            "in_e",
            "cus_early",
            "sub_early",
            "subscription_create",
            t + MONTH,
            true,
        ),
    );
    let cancelling = event(
        "evt_early_update",
        "customer.subscription.updated",
        t + 1,
        subscription("sub_early", "cus_early", "active", t + MONTH, true),
    );
    assert_eq!(stripe.deliver(&paid).await, "unmatched");
    assert_eq!(stripe.deliver(&cancelling).await, "unmatched");
    assert_eq!(plan(&db, alice).await, "free");

    assert_eq!(
        stripe.deliver(&pro_checkout("early", alice, t + 2)).await,
        "pro_started"
    );
    assert_eq!(plan(&db, alice).await, "pro");
    let row = subscription_row(&db, "sub_early").await.unwrap();
    assert_eq!(row.period_end, Some(t + MONTH));
    assert!(row.cancel_at_period_end);
    assert_eq!(
        recorded(&db, "evt_early_paid").await.as_deref(),
        Some("pro_extended")
    );
    assert_eq!(
        recorded(&db, "evt_early_update").await.as_deref(),
        Some("subscription_updated")
    );
    assert_eq!(
        unmatched(&db, "evt_early_paid").await,
        Some(true),
        "resolved"
    );
    assert_eq!(
        unmatched(&db, "evt_early_update").await,
        Some(true),
        "resolved"
    );
}

/// One customer's plausible history, as events: a Pro checkout and its
/// first invoice, updates and renewals, packs, perhaps the end.
fn history(rng: &mut impl Rng, who: &str, user: Uuid, start: i64) -> Vec<Value> {
    let (sub, cus) = (format!("sub_{who}"), format!("cus_{who}"));
    let mut t = start;
    let mut end = t + MONTH;
    let mut cancelling = false;
    let mut events = vec![
        pro_checkout(who, user, t),
        event(
            &format!("evt_{who}_in0"),
            "invoice.paid",
            t,
            invoice(
                &format!("in_{who}_0"),
                &cus,
                &sub,
                "subscription_create",
                end,
                true,
            ),
        ),
    ];
    for i in 1..rng.random_range(2..10) {
        t += rng.random_range(1..5_000);
        let id = format!("evt_{who}_{i}");
        let next = match rng.random_range(0..5) {
            0 if !cancelling => {
                end += MONTH;
                let paid = invoice(
                    &format!("in_{who}_{i}"),
                    &cus,
                    &sub,
                    "subscription_cycle",
                    end,
                    i % 2 == 0,
                );
                event(&id, "invoice.paid", t, paid)
            }
            1 => {
                let mut pack = checkout(&format!("{who}_pack{i}"), "payment");
                pack["client_reference_id"] = user.to_string().into();
                event(&id, "checkout.session.completed", t, pack)
            }
            2 => {
                let status = ["past_due", "unpaid"][rng.random_range(0..2)];
                let changed = subscription(&sub, &cus, status, end, cancelling);
                event(&id, "customer.subscription.updated", t, changed)
            }
            _ => {
                cancelling = rng.random();
                let changed = subscription(&sub, &cus, "active", end, cancelling);
                event(&id, "customer.subscription.updated", t, changed)
            }
        };
        events.push(next);
    }
    if rng.random_bool(0.3) {
        t += rng.random_range(1..5_000);
        let ended = subscription(&sub, &cus, "canceled", end, cancelling);
        events.push(event(
            &format!("evt_{who}_end"),
            "customer.subscription.deleted",
            t,
            ended,
        ));
    }
    events
}

/// The same history for another customer: every id renamed.
fn renamed(events: &[Value], from: &str, to: &str) -> Vec<Value> {
    events
        .iter()
        .map(|e| serde_json::from_str(&e.to_string().replace(from, to)).expect("json"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn random_duplicated_reordered_deliveries_end_as_in_created_order() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let stripe = Stripe::of(&stack);
    let mut rng = rand::rngs::StdRng::seed_from_u64(2024);
    let start = now() - 100_000;

    for round in 0..6 {
        let (ordered, shuffled) = (format!("ord{round}x"), format!("shuf{round}x"));
        let a = new_user(&db, &format!("{ordered}@example.com"), true).await;
        let b = new_user(&db, &format!("{shuffled}@example.com"), true).await;
        let reference = history(&mut rng, &ordered, a, start);
        let mut copy = renamed(&reference, &ordered, &shuffled);
        for event in &mut copy {
            event["data"]["object"]["client_reference_id"] = match &event["data"]["object"]["client_reference_id"]
            {
                Value::Null => Value::Null,
                _ => b.to_string().into(),
            };
        }

        // A: each event once, in created order (stable for equal seconds).
        let mut in_order = reference.clone();
        in_order.sort_by_key(|e| e["created"].as_i64());
        for event in &in_order {
            stripe.deliver(event).await;
        }
        // B: duplicated and shuffled.
        let mut deliveries = copy.clone();
        for _ in 0..rng.random_range(1..6) {
            deliveries.push(copy[rng.random_range(0..copy.len())].clone());
        }
        deliveries.shuffle(&mut rng);
        for event in &deliveries {
            stripe.deliver(event).await;
        }

        let (row_a, row_b) = (
            subscription_row(&db, &format!("sub_{ordered}"))
                .await
                .expect("a"),
            subscription_row(&db, &format!("sub_{shuffled}"))
                .await
                .expect("b"),
        );
        assert_eq!(
            (row_a.status, row_a.period_end, row_a.cancel_at_period_end),
            (row_b.status, row_b.period_end, row_b.cancel_at_period_end),
            "round {round}"
        );
        assert_eq!(plan(&db, a).await, plan(&db, b).await, "round {round}");
        let packs = reference
            .iter()
            .filter(|e| e["data"]["object"]["mode"] == "payment")
            .count();
        let expected = PACK * i64::try_from(packs).unwrap();
        assert_eq!(credits(&db, a).await, expected, "round {round}");
        assert_eq!(credits(&db, b).await, expected, "round {round}");
    }
}
