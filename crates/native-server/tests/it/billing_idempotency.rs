//! Exactly once: redeliveries, concurrent deliveries of one event, and a
//! database that goes away (503, so Stripe retries) and comes back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::join_all;
use native_testkit::Stack;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::billing::{
    PACK, Stripe, checkout, credits, event, expect_error, grants, new_user, now, recorded,
};
use crate::gateway::{Server, settings};

fn pack_event(id: &str, user: uuid::Uuid) -> Value {
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
async fn three_deliveries_of_one_event_grant_once() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let stripe = Stripe::of(&stack);
    let pack = pack_event("dup", alice);

    assert_eq!(stripe.deliver(&pack).await, "pack_granted");
    assert_eq!(stripe.deliver(&pack).await, "duplicate");
    assert_eq!(stripe.deliver(&pack).await, "duplicate");
    assert_eq!(credits(&db, alice).await, PACK);
    assert_eq!(grants(&db, alice).await, 1);
    assert_eq!(
        recorded(&db, "evt_dup").await.as_deref(),
        Some("pack_granted")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_concurrent_deliveries_of_one_event_grant_once() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let stripe = Arc::new(Stripe::of(&stack));
    let pack = Arc::new(pack_event("burst", alice));

    let outcomes = join_all((0..20).map(|_| {
        let (stripe, pack) = (stripe.clone(), pack.clone());
        async move { stripe.deliver(&pack).await }
    }))
    .await;
    let granted = outcomes.iter().filter(|o| *o == "pack_granted").count();
    let duplicates = outcomes.iter().filter(|o| *o == "duplicate").count();
    assert_eq!((granted, duplicates), (1, 19), "{outcomes:?}");
    assert_eq!(credits(&db, alice).await, PACK);
    assert_eq!(grants(&db, alice).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_concurrent_distinct_packs_all_count() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let stripe = Arc::new(Stripe::of(&stack));

    let outcomes = join_all((0..20).map(|i| {
        let stripe = stripe.clone();
        async move {
            // Each twice, interleaved with the others.
            let pack = pack_event(&format!("many{i}"), alice);
            let first = stripe.deliver(&pack).await;
            let second = stripe.deliver(&pack).await;
            (first, second)
        }
    }))
    .await;
    for (first, second) in &outcomes {
        assert_eq!(
            (first.as_str(), second.as_str()),
            ("pack_granted", "duplicate")
        );
    }
    assert_eq!(credits(&db, alice).await, 20 * PACK);
}

/// A TCP relay to Postgres that can be cut: `down` closes every open
/// connection and refuses new ones until `up`.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Relay {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind relay");
        let port = listener.local_addr().expect("addr").port();
        let up = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let accept = tokio::spawn({
            let (up, links) = (up.clone(), links.clone());
            async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    if !up.load(Ordering::SeqCst) {
                        continue; // dropped: the connection is refused
                    }
                    let target = target.clone();
                    links.lock().await.push(tokio::spawn(async move {
                        if let Ok(mut server) = TcpStream::connect(&target).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    }));
                }
            }
        });
        Self {
            port,
            up,
            links,
            accept,
        }
    }

    async fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().await.drain(..) {
            link.abort();
        }
    }

    fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        if let Ok(mut links) = self.links.try_lock() {
            for link in links.drain(..) {
                link.abort();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_database_down_the_answer_is_503_and_redelivery_applies_once() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let mut url = url::Url::parse(stack.database_url()).expect("database url");
    let target = format!(
        "{}:{}",
        url.host_str().expect("host"),
        url.port().expect("port")
    );
    let relay = Relay::start(target).await;
    url.set_port(Some(relay.port)).expect("port");
    let mut tuned = settings(&stack);
    tuned.database_url = url.to_string();
    let server = Server::start(tuned).await;
    let stripe = Stripe::new(&server.url, stack.stripe_webhook_secret());

    assert_eq!(
        stripe.deliver(&pack_event("before", alice)).await,
        "pack_granted"
    );

    relay.down().await;
    let during = pack_event("during", alice);
    let response = stripe.send(&during).await;
    let body = expect_error(response, 503, "database_unavailable").await;
    assert!(!body.to_string().contains("postgres"), "{body}");
    assert_eq!(recorded(&db, "evt_during").await, None, "nothing recorded");

    relay.up();
    assert_eq!(stripe.deliver(&during).await, "pack_granted");
    assert_eq!(stripe.deliver(&during).await, "duplicate");
    assert_eq!(credits(&db, alice).await, 2 * PACK);
}
