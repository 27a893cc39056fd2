//! Helpers for the billing webhook's tests: Stripe-shaped fixture events
//! (after Stripe's published examples, trimmed to the fields that matter),
//! signed by the test exactly as `shared/reference/stripe.md` says, and the
//! billing state as the tests check it.

use hmac::{Hmac, Mac};
use native_testkit::Stack;
use serde_json::{Value, json};
use sha2::Sha256;
use sqlx::PgPool;
use uuid::Uuid;

pub const PACK: i64 = 250_000;

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// `Stripe-Signature` for `body` signed with `secret` at `t`.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    format!("t={t},v1={}", v1(secret, t, body))
}

/// The hex HMAC-SHA256 of `<t>.<body>` keyed with `secret`.
pub fn v1(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Posts events to one server's webhook as Stripe would.
pub struct Stripe {
    pub url: String,
    pub secret: String,
    http: reqwest::Client,
}

impl Stripe {
    pub fn new(base: &str, secret: &str) -> Self {
        Self {
            url: format!("{}/api/billing/webhook", base.trim_end_matches('/')),
            secret: secret.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// The stack's own server and its secret.
    pub fn of(stack: &Stack) -> Self {
        Self::new(stack.native_api_url(), stack.stripe_webhook_secret())
    }

    pub async fn post(&self, body: Vec<u8>, signature: Option<String>) -> reqwest::Response {
        let mut request = self
            .http
            .post(&self.url)
            .header("content-type", "application/json; charset=utf-8")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("Stripe-Signature", signature);
        }
        request.send().await.expect("webhook request")
    }

    /// Sends `event` signed now.
    pub async fn send(&self, event: &Value) -> reqwest::Response {
        let body = serde_json::to_vec(event).expect("json");
        let signature = sign(&self.secret, now(), &body);
        self.post(body, Some(signature)).await
    }

    /// Sends `event` and expects a 200; answers the outcome.
    pub async fn deliver(&self, event: &Value) -> String {
        let response = self.send(event).await;
        let status = response.status();
        let body: Value = response.json().await.expect("json answer");
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["received"], true);
        assert_eq!(body["event"], event["id"]);
        body["outcome"].as_str().expect("an outcome").to_owned()
    }
}

/// Asserts a `{code, message}` error and answers the body.
pub async fn expect_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status);
    let body: Value = response.json().await.expect("json error");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].is_string());
    body
}

/// A Stripe event around `object`.
pub fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({
        "id": id,
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": created,
        "data": {"object": object},
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": kind,
    })
}

/// A paid Payment Link checkout session. `mode` is `payment` (1000 usd)
/// or `subscription` (1500 usd, with `sub_<session>`).
pub fn checkout(session: &str, mode: &str) -> Value {
    let subscription = (mode == "subscription").then(|| format!("sub_{session}"));
    json!({
        "id": format!("cs_{session}"),
        "object": "checkout.session",
        "amount_subtotal": if mode == "payment" { 1000 } else { 1500 },
        "amount_total": if mode == "payment" { 1000 } else { 1500 },
        "client_reference_id": null,
        "currency": "usd",
        "customer": format!("cus_{session}"),
        "customer_details": {"email": null, "name": "Jenny Rosen", "phone": null},
        "livemode": false,
        "metadata": {},
        "mode": mode,
        "payment_link": null,
        "payment_status": "paid",
        "status": "complete",
        "subscription": subscription,
    })
}

/// A paid invoice of `subscription` through `period_end`, in the
/// 2025-03-31 shape (`parent.subscription_details`) or the older one.
pub fn invoice(
    id: &str,
    customer: &str,
    subscription: &str,
    reason: &str,
    period_end: i64,
    new_shape: bool,
) -> Value {
    let mut invoice = json!({
        "id": id,
        "object": "invoice",
        "amount_paid": 1500,
        "billing_reason": reason,
        "currency": "usd",
        "customer": customer,
        "customer_email": "someone@example.com",
        "lines": {"object": "list", "data": [{
            "id": "il_1", "object": "line_item", "amount": 1500,
            "period": {"start": period_end - 2_592_000, "end": period_end},
        }]},
        "status": "paid",
    });
    if new_shape {
        invoice["parent"] = json!({
            "type": "subscription_details",
            "subscription_details": {"metadata": {}, "subscription": subscription},
        });
    } else {
        invoice["subscription"] = json!(subscription);
    }
    invoice
}

/// A subscription in the 2025-03-31 shape (period per item).
pub fn subscription(
    id: &str,
    customer: &str,
    status: &str,
    period_end: i64,
    cancel: bool,
) -> Value {
    json!({
        "id": id,
        "object": "subscription",
        "cancel_at_period_end": cancel,
        "customer": customer,
        "items": {"object": "list", "data": [{
            "id": "si_1", "object": "subscription_item",
            "current_period_start": period_end - 2_592_000,
            "current_period_end": period_end,
        }]},
        "status": status,
    })
}

/// A user inserted as the dev auth would (`confirmed`: the address proven).
pub async fn new_user(db: &PgPool, email: &str, confirmed: bool) -> Uuid {
    let id = Uuid::new_v4();
    sqlx::query(
        "insert into auth.users (instance_id, id, aud, role, email, email_confirmed_at,
           raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_anonymous)
         values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated',
           $2, case when $3 then now() end, '{}', '{}', now(), now(), false)",
    )
    .bind(id)
    .bind(email)
    .bind(confirmed)
    .execute(db)
    .await
    .expect("insert a user");
    id
}

pub async fn plan(db: &PgPool, user: Uuid) -> String {
    sqlx::query_scalar("select plan from native_private.quota_state($1)")
        .bind(user)
        .fetch_one(db)
        .await
        .expect("quota state")
}

pub async fn credits(db: &PgPool, user: Uuid) -> i64 {
    sqlx::query_scalar(
        "select coalesce((select credits from public.quota_accounts where user_id = $1), 0)",
    )
    .bind(user)
    .fetch_one(db)
    .await
    .expect("credits")
}

pub async fn grants(db: &PgPool, user: Uuid) -> i64 {
    sqlx::query_scalar("select count(*) from public.credit_grants where user_id = $1")
        .bind(user)
        .fetch_one(db)
        .await
        .expect("grants")
}

/// A subscription row: status, period end (unix seconds), cancel flag,
/// owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRow {
    pub status: String,
    pub period_end: Option<i64>,
    pub cancel_at_period_end: bool,
    pub user_id: Uuid,
}

pub async fn subscription_row(db: &PgPool, id: &str) -> Option<SubscriptionRow> {
    let row: Option<(String, Option<i64>, bool, Uuid)> = sqlx::query_as(
        "select status, extract(epoch from current_period_end)::bigint, cancel_at_period_end,
                user_id
         from public.billing_subscriptions where subscription_id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
    .expect("subscription row");
    row.map(
        |(status, period_end, cancel_at_period_end, user_id)| SubscriptionRow {
            status,
            period_end,
            cancel_at_period_end,
            user_id,
        },
    )
}

/// The recorded outcome of an event, if recorded.
pub async fn recorded(db: &PgPool, event_id: &str) -> Option<String> {
    sqlx::query_scalar("select outcome from public.billing_events where event_id = $1")
        .bind(event_id)
        .fetch_optional(db)
        .await
        .expect("billing event")
}

/// Whether an event is kept as unmatched: `Some(resolved)`.
pub async fn unmatched(db: &PgPool, event_id: &str) -> Option<bool> {
    sqlx::query_scalar(
        "select resolved_at is not null from public.billing_unmatched_events where event_id = $1",
    )
    .bind(event_id)
    .fetch_optional(db)
    .await
    .expect("unmatched event")
}

pub async fn event_count(db: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from public.billing_events")
        .fetch_one(db)
        .await
        .expect("count")
}
