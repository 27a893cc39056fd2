//! Applying one event: its record in `billing_events` and its effects in
//! one transaction, so an event is applied exactly once however often and
//! however concurrently it is delivered, and a failure applies nothing (the
//! webhook answers 503 and Stripe retries).

use std::collections::BTreeSet;
use std::time::Duration;

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::event::{CheckoutSession, Event, Invoice, Product, Subscription};
use super::store;
use super::subscription::{Change, Status, merge};
use crate::config::BillingSettings;

/// Postgres' deadlock and serialization failures: the transaction did
/// nothing and may simply be run again.
const RETRYABLE: [&str; 2] = ["40P01", "40001"];
const ATTEMPTS: u32 = 3;

/// How an event reached us.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// From Stripe: a recorded event is a duplicate and changes nothing.
    Webhook,
    /// From support: an event recorded as not applied (no user, unknown
    /// product, unreadable) is applied again, as `user` if given.
    Replay { user: Option<Uuid> },
}

/// What an event did; stored in `billing_events.outcome` and answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Duplicate,
    AlreadyApplied,
    ProStarted,
    ProGranted,
    ProExtended,
    PackGranted,
    PackAlreadyGranted,
    SubscriptionUpdated,
    SubscriptionEnded,
    /// Nothing to change: an older event, or one saying what we know.
    NoChange,
    Unpaid,
    Unmatched,
    UnknownProduct,
    Malformed,
    IgnoredBillingReason,
    IgnoredType,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Duplicate => "duplicate",
            Self::AlreadyApplied => "already_applied",
            Self::ProStarted => "pro_started",
            Self::ProGranted => "pro_granted",
            Self::ProExtended => "pro_extended",
            Self::PackGranted => "pack_granted",
            Self::PackAlreadyGranted => "pack_already_granted",
            Self::SubscriptionUpdated => "subscription_updated",
            Self::SubscriptionEnded => "subscription_ended",
            Self::NoChange => "no_change",
            Self::Unpaid => "unpaid",
            Self::Unmatched => "unmatched",
            Self::UnknownProduct => "unknown_product",
            Self::Malformed => "malformed",
            Self::IgnoredBillingReason => "ignored_billing_reason",
            Self::IgnoredType => "ignored_type",
        }
    }

    /// Outcomes that applied nothing for want of a user, a product or a
    /// readable payload: the event is kept, and a replay may apply it.
    pub fn awaits_replay(self) -> bool {
        matches!(
            self,
            Self::Unmatched | Self::UnknownProduct | Self::Malformed
        )
    }

    fn stored_awaits_replay(stored: &str) -> bool {
        [Self::Unmatched, Self::UnknownProduct, Self::Malformed]
            .iter()
            .any(|outcome| outcome.as_str() == stored)
    }
}

/// The result of processing one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Processed {
    pub outcome: Outcome,
    pub user: Option<Uuid>,
}

/// Records and applies `event` in one transaction, retried when Postgres
/// reports a deadlock between concurrent events.
pub async fn process(
    db: &PgPool,
    settings: &BillingSettings,
    event: &Event,
    mode: Mode,
) -> Result<Processed, sqlx::Error> {
    let mut attempt = 1;
    loop {
        match process_once(db, settings, event, mode).await {
            Err(err) if attempt < ATTEMPTS && is_retryable(&err) => {
                tracing::warn!(event_id = %event.id, attempt, "billing transaction conflicted; retrying");
                tokio::time::sleep(Duration::from_millis(20 * u64::from(attempt))).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn is_retryable(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|db| db.code())
        .is_some_and(|code| RETRYABLE.contains(&code.as_ref()))
}

async fn process_once(
    db: &PgPool,
    settings: &BillingSettings,
    event: &Event,
    mode: Mode,
) -> Result<Processed, sqlx::Error> {
    let mut tx = db.begin().await?;
    let claimed = store::claim_event(&mut tx, event).await?;
    let forced_user = match mode {
        // Dropping the transaction rolls it back: nothing was written.
        Mode::Webhook if !claimed => return Ok(processed(Outcome::Duplicate, None)),
        Mode::Webhook => None,
        Mode::Replay { user } => {
            let stored = store::lock_event(&mut tx, &event.id).await?;
            let fresh = claimed || stored.as_deref() == Some("processing");
            if !fresh && !stored.as_deref().is_some_and(Outcome::stored_awaits_replay) {
                return Ok(processed(Outcome::AlreadyApplied, None));
            }
            user
        }
    };
    let mut plans = BTreeSet::new();
    let applied = apply(&mut tx, settings, event, forced_user, &mut plans).await?;
    record(&mut tx, event, applied.outcome, applied.user).await?;
    if let Some(customer) = &applied.customer {
        apply_pending(&mut tx, settings, customer, &mut plans).await?;
    }
    for user in plans {
        store::sync_plan(&mut tx, user).await?;
    }
    tx.commit().await?;
    Ok(processed(applied.outcome, applied.user))
}

fn processed(outcome: Outcome, user: Option<Uuid>) -> Processed {
    Processed { outcome, user }
}

async fn record(
    conn: &mut PgConnection,
    event: &Event,
    outcome: Outcome,
    user: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    store::finish_event(conn, &event.id, outcome.as_str(), user).await?;
    if outcome.awaits_replay() {
        store::keep_unmatched(conn, event).await
    } else {
        store::resolve_unmatched(conn, &event.id).await
    }
}

/// Invoice and subscription events that arrived before the checkout that
/// maps their customer to a user (Stripe does not order them) are applied
/// now, in the same transaction.
async fn apply_pending(
    conn: &mut PgConnection,
    settings: &BillingSettings,
    customer: &str,
    plans: &mut BTreeSet<Uuid>,
) -> Result<(), sqlx::Error> {
    for payload in store::pending_for_customer(conn, customer).await? {
        let Ok(event) = Event::from_value(payload) else {
            continue;
        };
        // Locked, so a concurrent replay of the same event applies it once.
        let stored = store::lock_event(conn, &event.id).await?;
        if !stored.as_deref().is_some_and(Outcome::stored_awaits_replay) {
            continue;
        }
        let applied = apply(conn, settings, &event, None, plans).await?;
        record(conn, &event, applied.outcome, applied.user).await?;
        tracing::info!(
            event_id = %event.id,
            event_type = %event.kind,
            outcome = applied.outcome.as_str(),
            "applied an earlier event of a newly known customer"
        );
    }
    Ok(())
}

struct Applied {
    outcome: Outcome,
    user: Option<Uuid>,
    /// A customer whose user we know now: its events that came earlier
    /// can apply.
    customer: Option<String>,
}

fn applied(outcome: Outcome, user: Option<Uuid>) -> Applied {
    Applied {
        outcome,
        user,
        customer: None,
    }
}

async fn apply(
    conn: &mut PgConnection,
    settings: &BillingSettings,
    event: &Event,
    forced_user: Option<Uuid>,
    plans: &mut BTreeSet<Uuid>,
) -> Result<Applied, sqlx::Error> {
    match event.kind.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            checkout(conn, settings, event, forced_user, plans).await
        }
        "invoice.paid" => invoice_paid(conn, event, forced_user, plans).await,
        "customer.subscription.updated" | "customer.subscription.deleted" => {
            subscription_changed(conn, event, forced_user, plans).await
        }
        _ => Ok(applied(Outcome::IgnoredType, None)),
    }
}

async fn checkout(
    conn: &mut PgConnection,
    settings: &BillingSettings,
    event: &Event,
    forced_user: Option<Uuid>,
    plans: &mut BTreeSet<Uuid>,
) -> Result<Applied, sqlx::Error> {
    let Some(session) = event
        .object::<CheckoutSession>()
        .filter(|s| !s.id.is_empty())
    else {
        return Ok(applied(Outcome::Malformed, None));
    };
    // An unpaid session (a bank debit on its way) is fulfilled by its
    // async_payment_succeeded event.
    if session.is_unpaid() {
        return Ok(applied(Outcome::Unpaid, None));
    }
    // Before anything reads or maps the customer, so that its invoice and
    // subscription events processed meanwhile are seen or wait (see
    // `store::lock_customer`).
    if let Some(customer) = session.customer() {
        store::lock_customer(conn, customer).await?;
    }
    let user = match forced_user {
        Some(user) => Some(user),
        None => payer(conn, &session).await?,
    };
    let Some(user) = user else {
        return Ok(applied(Outcome::Unmatched, None));
    };
    if let Some(customer) = session.customer() {
        store::map_customer(conn, customer, user, session.email()).await?;
    }
    let outcome = match (session.product(settings), session.subscription()) {
        (Some(Product::Pack), _) => {
            // Keyed on the session, not the event: completed and
            // async_payment_succeeded of one session grant one pack, and
            // support's `grant --pack --reference cs_...` is the same grant.
            if store::grant_credits(conn, user, settings.pack_tokens, &session.id).await? {
                Outcome::PackGranted
            } else {
                Outcome::PackAlreadyGranted
            }
        }
        (Some(Product::Pro), Some(subscription)) => {
            let change = Change::Paid { period_end: None };
            let owner = change_subscription(
                conn,
                subscription,
                user,
                session.customer(),
                &change,
                event.created,
            )
            .await?;
            plans.extend([user]);
            plans.extend(owner.map(|(owner, _)| owner));
            Outcome::ProStarted
        }
        // Pro sold without a subscription, or nothing we sell.
        (Some(Product::Pro), None) | (None, _) => Outcome::UnknownProduct,
    };
    Ok(Applied {
        outcome,
        user: Some(user),
        customer: session.customer().map(str::to_owned),
    })
}

/// Whose payment it is: the user id the app put in the link, else the
/// user this Stripe customer is known to be, else the one user with the
/// payer's e-mail (which they may have edited, hence last).
async fn payer(
    conn: &mut PgConnection,
    session: &CheckoutSession,
) -> Result<Option<Uuid>, sqlx::Error> {
    if let Some(id) = session
        .client_reference_id
        .as_deref()
        .and_then(|reference| Uuid::parse_str(reference).ok())
        && store::user_exists(conn, id).await?
    {
        return Ok(Some(id));
    }
    if let Some(customer) = session.customer()
        && let Some(user) = store::user_by_customer(conn, customer).await?
    {
        return Ok(Some(user));
    }
    match session.email() {
        Some(email) => store::user_by_email(conn, email, true).await,
        None => Ok(None),
    }
}

/// The user of an invoice's or a subscription's event: the subscription's
/// owner, else the customer's. Neither carries a client_reference_id, and
/// their e-mail is not trusted.
async fn subscriber(
    conn: &mut PgConnection,
    subscription: &str,
    customer: Option<&str>,
    forced_user: Option<Uuid>,
) -> Result<Option<Uuid>, sqlx::Error> {
    if let Some(user) = forced_user {
        if let Some(customer) = customer {
            store::map_customer(conn, customer, user, None).await?;
        }
        return Ok(Some(user));
    }
    if let Some(user) = store::user_by_subscription(conn, subscription).await? {
        return Ok(Some(user));
    }
    match customer {
        Some(customer) => store::user_by_customer(conn, customer).await,
        None => Ok(None),
    }
}

async fn invoice_paid(
    conn: &mut PgConnection,
    event: &Event,
    forced_user: Option<Uuid>,
    plans: &mut BTreeSet<Uuid>,
) -> Result<Applied, sqlx::Error> {
    let Some(invoice) = event.object::<Invoice>() else {
        return Ok(applied(Outcome::Malformed, None));
    };
    // The original granted Pro for any paid invoice.
    if !invoice.pays_for_a_period() {
        return Ok(applied(Outcome::IgnoredBillingReason, None));
    }
    let Some(subscription) = invoice.subscription() else {
        return Ok(applied(Outcome::Malformed, None));
    };
    // Waits for a checkout of this customer in progress: its user is
    // known once it commits.
    if let Some(customer) = invoice.customer() {
        store::lock_customer(conn, customer).await?;
    }
    let Some(user) = subscriber(conn, subscription, invoice.customer(), forced_user).await? else {
        return Ok(applied(Outcome::Unmatched, None));
    };
    let change = Change::Paid {
        period_end: invoice.paid_through(),
    };
    let changed = change_subscription(
        conn,
        subscription,
        user,
        invoice.customer(),
        &change,
        event.created,
    )
    .await?;
    let outcome = match changed {
        Some((owner, true)) => {
            plans.extend([owner]);
            Outcome::ProExtended
        }
        _ => Outcome::NoChange,
    };
    Ok(applied(outcome, Some(user)))
}

async fn subscription_changed(
    conn: &mut PgConnection,
    event: &Event,
    forced_user: Option<Uuid>,
    plans: &mut BTreeSet<Uuid>,
) -> Result<Applied, sqlx::Error> {
    let Some(subscription) = event.object::<Subscription>().filter(|s| !s.id.is_empty()) else {
        return Ok(applied(Outcome::Malformed, None));
    };
    let deleted = event.kind == "customer.subscription.deleted";
    let change = if deleted {
        Change::Deleted {
            period_end: subscription.period_end(),
            cancel_at_period_end: subscription.cancel_at_period_end,
        }
    } else {
        let Some(status) = Status::parse(&subscription.status) else {
            return Ok(applied(Outcome::Malformed, None));
        };
        Change::Updated {
            status,
            period_end: subscription.period_end(),
            cancel_at_period_end: subscription.cancel_at_period_end,
        }
    };
    let customer = subscription.customer();
    // Waits for a checkout of this customer in progress: its user is
    // known once it commits.
    if let Some(customer) = customer {
        store::lock_customer(conn, customer).await?;
    }
    let Some(user) = subscriber(conn, &subscription.id, customer, forced_user).await? else {
        return Ok(applied(Outcome::Unmatched, None));
    };
    let changed = change_subscription(
        conn,
        &subscription.id,
        user,
        customer,
        &change,
        event.created,
    )
    .await?;
    let outcome = match changed {
        Some((owner, true)) => {
            plans.extend([owner]);
            if deleted {
                Outcome::SubscriptionEnded
            } else {
                Outcome::SubscriptionUpdated
            }
        }
        _ => Outcome::NoChange,
    };
    Ok(applied(outcome, Some(user)))
}

/// Applies `change` to the subscription (created for `user` if new), under
/// its row lock. Answers its owner and whether anything changed; `None` if
/// the row vanished meanwhile (its user was deleted).
async fn change_subscription(
    conn: &mut PgConnection,
    subscription: &str,
    user: Uuid,
    customer: Option<&str>,
    change: &Change,
    created: i64,
) -> Result<Option<(Uuid, bool)>, sqlx::Error> {
    let fresh = merge(None, change, created);
    if store::insert_subscription(conn, subscription, user, customer, &fresh).await? {
        return Ok(Some((user, true)));
    }
    let Some((owner, current)) = store::lock_subscription(conn, subscription).await? else {
        return Ok(None);
    };
    let next = merge(Some(&current), change, created);
    if next == current {
        return Ok(Some((owner, false)));
    }
    store::update_subscription(conn, subscription, &next).await?;
    Ok(Some((owner, true)))
}
