//! Stripe's events as we read them: every field optional, so a payload that
//! lacks what we need is recorded and kept for a replay instead of being
//! refused (Stripe would retry a refusal for three days, to no avail).
//! Shapes follow `shared/reference/stripe.md`, including the 2025-03-31
//! invoice and subscription shapes.

use serde::Deserialize;
use serde_json::Value;

use crate::config::BillingSettings;

/// One verified event: the envelope's fields and the whole payload, kept to
/// store an event that cannot be applied yet.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub kind: String,
    /// Unix seconds; orders events, which Stripe may deliver in any order.
    pub created: i64,
    pub payload: Value,
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
}

/// Why a body is not a Stripe event.
pub const NOT_AN_EVENT: &str = "the body is not a Stripe event (id, type, created, data.object)";

impl Event {
    pub fn parse(body: &[u8]) -> Result<Self, &'static str> {
        let payload: Value = serde_json::from_slice(body).map_err(|_| NOT_AN_EVENT)?;
        Self::from_value(payload)
    }

    pub fn from_value(payload: Value) -> Result<Self, &'static str> {
        let envelope = Envelope::deserialize(&payload).map_err(|_| NOT_AN_EVENT)?;
        let id_is_sane = !envelope.id.is_empty() && envelope.id.len() <= 255;
        if !id_is_sane || !payload["data"]["object"].is_object() {
            return Err(NOT_AN_EVENT);
        }
        Ok(Self {
            id: envelope.id,
            kind: envelope.kind,
            created: envelope.created,
            payload,
        })
    }

    /// `data.object` as `T`, or `None` if it does not have that shape.
    pub fn object<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        T::deserialize(&self.payload["data"]["object"]).ok()
    }
}

/// An id Stripe sends as a string, or as an object when expanded.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Ref {
    Id(String),
    Object { id: String },
}

impl Ref {
    pub fn id(&self) -> &str {
        match self {
            Self::Id(id) | Self::Object { id } => id,
        }
    }
}

fn id_of(reference: Option<&Ref>) -> Option<&str> {
    reference.map(Ref::id).filter(|id| !id.is_empty())
}

/// What a checkout sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    Pro,
    Pack,
}

impl Product {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pro => "pro",
            Self::Pack => "pack",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CheckoutSession {
    pub id: String,
    pub mode: Option<String>,
    pub payment_status: Option<String>,
    pub client_reference_id: Option<String>,
    pub customer: Option<Ref>,
    pub customer_details: Option<CustomerDetails>,
    pub subscription: Option<Ref>,
    pub payment_link: Option<Ref>,
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
    pub metadata: Option<serde_json::Map<String, Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CustomerDetails {
    pub email: Option<String>,
}

impl CheckoutSession {
    /// `unpaid` waits for `checkout.session.async_payment_succeeded`;
    /// `paid` and `no_payment_required` are fulfilled.
    pub fn is_unpaid(&self) -> bool {
        self.payment_status.as_deref() == Some("unpaid")
    }

    pub fn customer(&self) -> Option<&str> {
        id_of(self.customer.as_ref())
    }

    pub fn subscription(&self) -> Option<&str> {
        id_of(self.subscription.as_ref())
    }

    /// The e-mail the payer typed (they may edit a prefilled one).
    pub fn email(&self) -> Option<&str> {
        self.customer_details
            .as_ref()
            .and_then(|details| details.email.as_deref())
            .map(str::trim)
            .filter(|email| !email.is_empty())
    }

    /// What was bought, most explicit evidence first: the Payment Link's
    /// metadata, its id, the session's mode, then the pack's exact price.
    pub fn product(&self, settings: &BillingSettings) -> Option<Product> {
        let named = self
            .metadata
            .as_ref()
            .and_then(|metadata| metadata.get("native_product"))
            .and_then(Value::as_str);
        match named {
            Some("pro") => return Some(Product::Pro),
            Some("topup_250k") => return Some(Product::Pack),
            _ => {}
        }
        if let Some(link) = id_of(self.payment_link.as_ref()) {
            if settings.pro_payment_links.iter().any(|id| id == link) {
                return Some(Product::Pro);
            }
            if settings.pack_payment_links.iter().any(|id| id == link) {
                return Some(Product::Pack);
            }
        }
        match self.mode.as_deref() {
            Some("subscription") => Some(Product::Pro),
            Some("payment")
                if self.amount_total == Some(settings.pack_price.amount)
                    && self
                        .currency
                        .as_deref()
                        .is_some_and(|c| c.eq_ignore_ascii_case(&settings.pack_price.currency)) =>
            {
                Some(Product::Pack)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
struct List<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Invoice {
    pub id: String,
    pub customer: Option<Ref>,
    pub billing_reason: Option<String>,
    /// Where the subscription id was before API version 2025-03-31.
    subscription: Option<Ref>,
    /// Where it is since.
    parent: Option<InvoiceParent>,
    lines: Option<List<InvoiceLine>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InvoiceParent {
    subscription_details: Option<SubscriptionDetails>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SubscriptionDetails {
    subscription: Option<Ref>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InvoiceLine {
    period: Option<Period>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Period {
    end: Option<i64>,
}

impl Invoice {
    pub fn customer(&self) -> Option<&str> {
        id_of(self.customer.as_ref())
    }

    /// The subscription paid for, from either invoice shape.
    pub fn subscription(&self) -> Option<&str> {
        let current = self
            .parent
            .as_ref()
            .and_then(|parent| parent.subscription_details.as_ref())
            .and_then(|details| id_of(details.subscription.as_ref()));
        current.or_else(|| id_of(self.subscription.as_ref()))
    }

    /// Only a subscription's first invoice and its renewals pay for a
    /// period of Pro; prorations and manual invoices do not.
    pub fn pays_for_a_period(&self) -> bool {
        matches!(
            self.billing_reason.as_deref(),
            Some("subscription_create" | "subscription_cycle")
        )
    }

    /// The end of the period paid for: the latest line's.
    pub fn paid_through(&self) -> Option<i64> {
        self.lines
            .as_ref()?
            .data
            .iter()
            .filter_map(|line| line.period.as_ref()?.end)
            .max()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Subscription {
    pub id: String,
    pub customer: Option<Ref>,
    pub status: String,
    pub cancel_at_period_end: bool,
    /// Before 2025-03-31.
    current_period_end: Option<i64>,
    /// Since: per item.
    items: Option<List<SubscriptionItem>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SubscriptionItem {
    current_period_end: Option<i64>,
}

impl Subscription {
    pub fn customer(&self) -> Option<&str> {
        id_of(self.customer.as_ref())
    }

    pub fn period_end(&self) -> Option<i64> {
        let per_item = self.items.as_ref().and_then(|items| {
            items
                .data
                .iter()
                .filter_map(|item| item.current_period_end)
                .max()
        });
        per_item.or(self.current_period_end)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(object: Value) -> Event {
        Event::from_value(json!({
            "id": "evt_1", "object": "event", "type": "x", "created": 1, "data": {"object": object}
        }))
        .expect("an event")
    }

    #[test]
    fn bodies_that_are_not_events_are_refused() {
        for body in [
            &b"not json"[..],
            br#"[]"#,
            br#"{"id": "evt_1"}"#,
            br#"{"id": "", "type": "x", "created": 1, "data": {"object": {}}}"#,
            br#"{"id": "evt_1", "type": "x", "created": "yesterday", "data": {"object": {}}}"#,
            br#"{"id": "evt_1", "type": "x", "created": 1, "data": {"object": null}}"#,
        ] {
            assert_eq!(Event::parse(body).err(), Some(NOT_AN_EVENT));
        }
    }

    #[test]
    fn the_subscription_id_is_read_from_both_invoice_shapes() {
        let old: Invoice = event(json!({"id": "in_1", "subscription": "sub_old"}))
            .object()
            .expect("invoice");
        assert_eq!(old.subscription(), Some("sub_old"));
        let new: Invoice = event(json!({
            "id": "in_2",
            "parent": {"type": "subscription_details",
                       "subscription_details": {"subscription": "sub_new"}},
        }))
        .object()
        .expect("invoice");
        assert_eq!(new.subscription(), Some("sub_new"));
        let expanded: Invoice = event(json!({"id": "in_3", "subscription": {"id": "sub_x"}}))
            .object()
            .expect("invoice");
        assert_eq!(expanded.subscription(), Some("sub_x"));
    }

    #[test]
    fn an_invoice_pays_through_its_latest_line() {
        let invoice: Invoice = event(json!({
            "id": "in_1", "billing_reason": "subscription_cycle",
            "lines": {"object": "list", "data": [
                {"period": {"start": 10, "end": 20}},
                {"period": {"start": 10, "end": 30}},
                {"period": null},
            ]},
        }))
        .object()
        .expect("invoice");
        assert_eq!(invoice.paid_through(), Some(30));
        assert!(invoice.pays_for_a_period());
        for reason in ["subscription_update", "manual", "upcoming"] {
            let other: Invoice = event(json!({"id": "in", "billing_reason": reason}))
                .object()
                .expect("invoice");
            assert!(!other.pays_for_a_period(), "{reason}");
        }
    }

    #[test]
    fn the_period_end_is_read_from_both_subscription_shapes() {
        let old: Subscription = event(json!({"id": "sub", "current_period_end": 5}))
            .object()
            .expect("subscription");
        assert_eq!(old.period_end(), Some(5));
        let new: Subscription = event(json!({
            "id": "sub", "items": {"data": [{"current_period_end": 7}]}
        }))
        .object()
        .expect("subscription");
        assert_eq!(new.period_end(), Some(7));
    }

    #[test]
    fn the_product_is_resolved_in_order() {
        let settings = BillingSettings {
            pro_payment_links: vec!["plink_pro".into()],
            pack_payment_links: vec!["plink_pack".into()],
            ..BillingSettings::default()
        };
        let session =
            |object: Value| -> CheckoutSession { event(object).object().expect("session") };
        // Metadata wins over everything else.
        let named = session(json!({
            "id": "cs", "mode": "subscription", "payment_link": "plink_pro",
            "metadata": {"native_product": "topup_250k"},
        }));
        assert_eq!(named.product(&settings), Some(Product::Pack));
        // Then the Payment Link, over the mode.
        let linked =
            session(json!({"id": "cs", "mode": "subscription", "payment_link": "plink_pack"}));
        assert_eq!(linked.product(&settings), Some(Product::Pack));
        // An unknown metadata value or link says nothing.
        let unknown = session(json!({
            "id": "cs", "mode": "subscription", "payment_link": "plink_other",
            "metadata": {"native_product": "gold"},
        }));
        assert_eq!(unknown.product(&settings), Some(Product::Pro));
        // Then the pack's exact price, currency included.
        let priced = |amount: i64, currency: &str| {
            session(json!({"id": "cs", "mode": "payment", "amount_total": amount, "currency": currency}))
                .product(&settings)
        };
        assert_eq!(priced(1000, "usd"), Some(Product::Pack));
        assert_eq!(priced(1000, "USD"), Some(Product::Pack));
        assert_eq!(priced(999, "usd"), None);
        assert_eq!(priced(1000, "eur"), None);
    }

    #[test]
    fn checkout_fields_tolerate_nulls_and_blanks() {
        let session: CheckoutSession = event(json!({
            "id": "cs", "customer": null, "customer_details": {"email": "  "},
            "metadata": null, "payment_status": "unpaid",
        }))
        .object()
        .expect("session");
        assert_eq!(session.customer(), None);
        assert_eq!(session.email(), None);
        assert!(session.is_unpaid());
    }
}
