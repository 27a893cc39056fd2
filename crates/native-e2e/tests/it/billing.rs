//! Buying Pro in the real window: the meter shows Free, Buy Pro hands the
//! exact Payment Link address to the system browser, and once Stripe's
//! signed webhook reaches the stack the window shows Pro and its allowance.
//!
//! The browser is played by a stand-in `xdg-open` first on the app's PATH
//! (tauri-plugin-opener runs `xdg-open <url>` on Linux), which writes the
//! address it was given to a file: the app's own opening code runs as shipped.

use std::time::Duration;

use native_e2e::{AppSession, Launch};
use native_testkit::Stack;
use serde_json::json;

use crate::support::{record_opened, sign_up, wait_css};

const EMAIL: &str = "buyer+e2e@example.com";
const PRO_LINK: &str = "https://buy.stripe.com/test_e2e_pro";

#[tokio::test(flavor = "multi_thread")]
async fn buy_pro_opens_the_exact_link_and_the_webhook_makes_the_window_pro() -> anyhow::Result<()> {
    let stack = Stack::start().await?;
    let bin = tempfile::tempdir()?;
    let mut launch = Launch::against(&stack);
    let opened = record_opened(&mut launch, bin.path())?;
    launch
        .env
        .push(("STRIPE_PAYMENT_LINK_PRO".to_owned(), PRO_LINK.to_owned()));
    let app = AppSession::launch(launch).await?;

    sign_up(&app, EMAIL).await?;
    wait_css(&app, "[data-testid=\"quota-meter\"][data-plan=\"free\"]").await?;
    assert!(app.text("quota-meter").await?.contains("25,000"));

    app.click("quota-plans").await?;
    app.wait_for("plans-dialog").await?;
    app.click("plans-buy-pro").await?;
    app.wait_for("plans-waiting").await?;

    // The browser got exactly the link, this user's id and the encoded e-mail.
    let db = stack.db().await;
    let user: uuid::Uuid = sqlx::query_scalar("select id from auth.users where email = $1")
        .bind(EMAIL)
        .fetch_one(&db)
        .await?;
    let mut seen = String::new();
    for _ in 0..100 {
        seen = std::fs::read_to_string(&opened).unwrap_or_default();
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        seen.lines().collect::<Vec<_>>(),
        vec![format!(
            "{PRO_LINK}?client_reference_id={user}&prefilled_email=buyer%2Be2e%40example.com"
        )]
    );
    app.screenshot("billing-waiting").await?;

    // Stripe reports the paid subscription checkout.
    let created = time::OffsetDateTime::now_utc().unix_timestamp();
    let event = json!({
        "id": "evt_e2e_pro",
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": created,
        "type": "checkout.session.completed",
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "data": {"object": {
            "id": "cs_e2e_pro",
            "object": "checkout.session",
            "amount_subtotal": 1500,
            "amount_total": 1500,
            "client_reference_id": user.to_string(),
            "currency": "usd",
            "customer": "cus_e2e_pro",
            "customer_details": {"email": EMAIL, "name": "E2E Buyer", "phone": null},
            "livemode": false,
            "metadata": {},
            "mode": "subscription",
            "payment_link": "plink_e2e_pro",
            "payment_status": "paid",
            "status": "complete",
            "subscription": "sub_e2e_pro",
        }},
    });
    assert_eq!(stack.deliver_stripe_event(&event).await?, 200);

    // The open dialog's polling notices, and the meter follows.
    app.wait_for("plans-confirmed").await?;
    app.screenshot("billing-confirmed").await?;
    app.click("plans-close").await?;
    wait_css(&app, "[data-testid=\"quota-meter\"][data-plan=\"pro\"]").await?;
    assert!(app.text("quota-meter").await?.contains("500,000"));
    app.screenshot("billing-pro").await?;
    app.close().await?;
    Ok(())
}
