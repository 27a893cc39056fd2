//! Billing: Stripe's webhook events turned into plans and credits, and the
//! grants support makes by hand.
//!
//! Money rules: an event is applied exactly once (its id is recorded in the
//! transaction that applies it), never to the wrong user (the id the app put
//! in the Payment Link first, the payer's editable e-mail last), never lost
//! (an event that cannot be applied yet is kept for `billing replay`), and
//! never undone by an older event delivered late (`subscription::merge`).

mod apply;
mod event;
mod signature;
mod store;
mod subscription;

pub use apply::{Mode, Outcome, Processed, process};
pub use event::{Event, Product};
pub use signature::verify;

use sqlx::PgPool;
use uuid::Uuid;

use crate::config::BillingSettings;

/// The user `who` names: a user id, or an e-mail (case-insensitive,
/// confirmed or not: support has checked who they are talking to).
pub async fn find_user(db: &PgPool, who: &str) -> Result<Option<Uuid>, sqlx::Error> {
    let mut conn = db.acquire().await?;
    match Uuid::parse_str(who.trim()) {
        Ok(id) => Ok(store::user_exists(&mut conn, id).await?.then_some(id)),
        Err(_) => store::user_by_email(&mut conn, who.trim(), false).await,
    }
}

/// An event kept as unmatched, by id, to replay it without its file.
pub async fn stored_event(db: &PgPool, id: &str) -> Result<Option<Event>, sqlx::Error> {
    let mut conn = db.acquire().await?;
    let payload = store::unmatched_payload(&mut conn, id).await?;
    Ok(payload.and_then(|payload| Event::from_value(payload).ok()))
}

/// Grants Pro (a month from now) or a pack by hand. With the same
/// `reference` twice, the second grant does nothing; a pack whose
/// reference is a checkout session id (`cs_...`) is the same grant as that
/// session's webhook event.
pub async fn grant(
    db: &PgPool,
    settings: &BillingSettings,
    user: Uuid,
    product: Product,
    reference: &str,
) -> Result<Processed, sqlx::Error> {
    let record = Event {
        id: format!("manual:{}:{reference}", product.as_str()),
        kind: format!("manual.grant_{}", product.as_str()),
        created: time::OffsetDateTime::now_utc().unix_timestamp(),
        payload: serde_json::json!({}),
    };
    let mut tx = db.begin().await?;
    if !store::claim_event(&mut tx, &record).await? {
        return Ok(Processed {
            outcome: Outcome::AlreadyApplied,
            user: Some(user),
        });
    }
    let outcome = match product {
        Product::Pack => {
            if store::grant_credits(&mut tx, user, settings.pack_tokens, reference).await? {
                Outcome::PackGranted
            } else {
                Outcome::PackAlreadyGranted
            }
        }
        Product::Pro => {
            let subscription = format!("manual:{reference}");
            let outcome = if store::insert_manual_subscription(&mut tx, &subscription, user).await?
            {
                Outcome::ProGranted
            } else {
                Outcome::AlreadyApplied
            };
            store::sync_plan(&mut tx, user).await?;
            outcome
        }
    };
    store::finish_event(&mut tx, &record.id, outcome.as_str(), Some(user)).await?;
    tx.commit().await?;
    Ok(Processed {
        outcome,
        user: Some(user),
    })
}
