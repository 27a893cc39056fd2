//! Billing from the desktop's side, against the testkit stack: the quota as
//! `my_quota()` reports it, kept current by the gateway's figure after each
//! reply; the plans read from `plan_limits`; and the checkout address handed
//! to the browser, exactly.

use std::sync::{Arc, Mutex};

use native_app::{AppError, BillingConfig, ErrorCode, MemoryStore, NativeApp, UrlOpener};
use native_core::{ChatEvent, Plan, Product};
use native_testkit::Stack;
use native_testkit::fake_provider::Script;

use crate::support::{self, PASSWORD};

/// Plays the browser: records what it was asked to open.
#[derive(Default, Clone)]
struct Browser(Arc<Mutex<Vec<String>>>);

impl UrlOpener for Browser {
    fn open(&self, url: &url::Url) -> Result<(), AppError> {
        self.0.lock().expect("browser").push(url.to_string());
        Ok(())
    }
}

struct Ignore;

impl native_app::ChatSink for Ignore {
    fn send(&self, _: ChatEvent) {}
}

async fn signed_up(stack: &Stack, email: &str, billing: BillingConfig) -> NativeApp {
    let config = support::config(stack).with_billing(billing);
    let app = NativeApp::with_store(config, Arc::new(MemoryStore::default())).expect("app");
    app.restore().await;
    app.sign_up(email, PASSWORD).await.expect("sign-up");
    app
}

fn links(pro: Option<&str>, pack: Option<&str>) -> BillingConfig {
    let env: std::collections::HashMap<&str, &str> = [
        ("STRIPE_PAYMENT_LINK_PRO", pro),
        ("STRIPE_PAYMENT_LINK_TOPUP_250K", pack),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    BillingConfig::from_lookup(|name| env.get(name).map(|v| (*v).to_owned()))
}

#[tokio::test(flavor = "multi_thread")]
async fn quota_and_plans_come_from_the_project() {
    let stack = Stack::start().await.expect("stack");
    let app = signed_up(&stack, "meter@example.com", BillingConfig::default()).await;
    let mut updates = app.subscribe_quota();

    let quota = app.quota().await.expect("quota");
    assert_eq!(quota.plan, Plan::Free);
    assert_eq!((quota.allowance, quota.used, quota.credits), (25_000, 0, 0));
    assert_eq!(quota.remaining, 25_000);
    assert!(updates.has_changed().expect("open"));
    assert_eq!(updates.borrow_and_update().as_ref(), Some(&quota));

    // A pack granted on the server shows on the next read.
    let db = stack.db().await;
    let user: uuid::Uuid = sqlx::query_scalar("select id from auth.users where email = $1")
        .bind("meter@example.com")
        .fetch_one(&db)
        .await
        .expect("user");
    sqlx::query("select public.grant_credits($1, 250000, 'test-pack')")
        .bind(user)
        .execute(&db)
        .await
        .expect("grant");
    let after = app.quota().await.expect("quota");
    assert_eq!((after.credits, after.remaining), (250_000, 275_000));

    let plans = app.plans().await.expect("plans");
    assert_eq!(
        (plans.free_weekly, plans.pro_monthly, plans.pack_tokens),
        (25_000, 500_000, 250_000)
    );
    assert_eq!(plans.pro.price.amount_minor, 1500);
    assert!(!plans.pro.available && !plans.top_up.available);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_meter_follows_each_reply_without_a_new_read() {
    let stack = Stack::start().await.expect("stack");
    let app = signed_up(&stack, "replies@example.com", BillingConfig::default()).await;
    let before = app.quota().await.expect("quota");
    let mut updates = app.subscribe_quota();
    updates.borrow_and_update();

    stack
        .provider()
        .push(Script::reply("Bonjour.").usage(120, 30));
    stack.provider().push(Script::reply("Salut"));
    app.send_message(None, "Bonjour", Default::default(), &Ignore)
        .await
        .expect("reply");
    assert!(
        updates.has_changed().expect("open"),
        "the reply updated the meter"
    );
    let shown = updates.borrow_and_update().clone().expect("a quota");
    assert!(shown.remaining < before.remaining, "{shown:?}");
    // What the meter shows is what the database says.
    assert_eq!(shown, app.quota().await.expect("quota"));
}

#[tokio::test(flavor = "multi_thread")]
async fn checkout_opens_the_exact_link_for_this_user() {
    let stack = Stack::start().await.expect("stack");
    let app = signed_up(
        &stack,
        "Buyer+Pro@Example.com",
        links(Some("https://buy.stripe.com/test_pro?locale=fr"), None),
    )
    .await;
    let user = match app.auth_state() {
        native_app::AuthState::SignedIn { user, .. } => user,
        other => panic!("{other:?}"),
    };
    let browser = Browser::default();
    app.open_checkout(Product::Pro, &browser).expect("opened");
    assert_eq!(
        browser.0.lock().unwrap().clone(),
        vec![format!(
            "https://buy.stripe.com/test_pro?locale=fr&client_reference_id={}&prefilled_email={}",
            user.id,
            user.email.replace('+', "%2B").replace('@', "%40")
        )]
    );

    // No link configured for the pack: nothing opens, and the UI is told why.
    let err = app
        .open_checkout(Product::TopUp250k, &browser)
        .expect_err("no pack link");
    assert_eq!(err.code(), ErrorCode::NotConfigured);
    assert_eq!(browser.0.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_off_the_allow_list_is_never_opened() {
    let stack = Stack::start().await.expect("stack");
    let app = signed_up(
        &stack,
        "careful@example.com",
        links(
            Some("https://buy-stripe.example/pro"),
            Some("http://buy.stripe.com/pack"),
        ),
    )
    .await;
    let browser = Browser::default();
    for product in [Product::Pro, Product::TopUp250k] {
        assert!(app.open_checkout(product, &browser).is_err());
    }
    assert!(browser.0.lock().unwrap().is_empty());
    let plans = app.plans().await.expect("plans");
    assert!(!plans.pro.available && !plans.top_up.available);
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_out_there_is_no_quota_and_no_checkout() {
    let stack = Stack::start().await.expect("stack");
    let (app, _) = support::app(&stack);
    app.restore().await;
    assert_eq!(
        app.quota().await.expect_err("signed out").code(),
        ErrorCode::Unauthorized
    );
    assert!(
        app.open_checkout(Product::Pro, &Browser::default())
            .is_err()
    );
}
