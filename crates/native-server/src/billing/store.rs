//! The billing tables (`migrations/..._billing.sql`) and the ledger's
//! `grant_credits`, one function per statement. Every function takes the
//! caller's connection so that an event's effects and its record share one
//! transaction.

use serde_json::Value;
use sqlx::PgConnection;
use sqlx::types::Json;
use uuid::Uuid;

use super::event::Event;
use super::subscription::{State, Status};

/// Whether `id` is a user (not deleted). Supabase's `postgres` role, which
/// the server connects as, may read `auth.users`.
pub async fn user_exists(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select exists(select 1 from auth.users where id = $1 and deleted_at is null)",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

/// The one user whose e-mail is `email`, case-insensitively. With
/// `confirmed_only`, an address nobody proved they own matches no one: else
/// anyone could sign up with a payer's address and be granted their
/// purchase. Two matches (possible with SSO users) are no match.
pub async fn user_by_email(
    conn: &mut PgConnection,
    email: &str,
    confirmed_only: bool,
) -> Result<Option<Uuid>, sqlx::Error> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "select id from auth.users
         where lower(email) = lower($1) and deleted_at is null
           and (email_confirmed_at is not null or not $2)
         limit 2",
    )
    .bind(email)
    .bind(confirmed_only)
    .fetch_all(conn)
    .await?;
    Ok(match ids.as_slice() {
        [one] => Some(*one),
        _ => None,
    })
}

pub async fn user_by_customer(
    conn: &mut PgConnection,
    customer: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("select user_id from public.billing_customers where customer_id = $1")
        .bind(customer)
        .fetch_optional(conn)
        .await
}

pub async fn user_by_subscription(
    conn: &mut PgConnection,
    subscription: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "select user_id from public.billing_subscriptions where subscription_id = $1",
    )
    .bind(subscription)
    .fetch_optional(conn)
    .await
}

/// Serializes one Stripe customer's events until the transaction ends.
/// An invoice or subscription event that finds no user for its customer is
/// kept, and the checkout that names the customer applies what was kept.
/// Without this lock, such an event processed alongside that checkout reads
/// before the checkout commits the mapping, and is kept after the checkout
/// looked for kept events: unmatched for good, though Stripe sends a
/// checkout and its first invoice in the same second. The lock is
/// re-entrant, so applying kept events of the same customer takes it again.
pub async fn lock_customer(conn: &mut PgConnection, customer: &str) -> Result<(), sqlx::Error> {
    sqlx::query("select pg_advisory_xact_lock(hashtextextended('billing_customer:' || $1, 0))")
        .bind(customer)
        .execute(conn)
        .await?;
    Ok(())
}

/// Remembers whose Stripe customer `customer` is, for the invoices and
/// subscription events that name only the customer. The latest checkout
/// says: it carries the most explicit evidence of who paid.
pub async fn map_customer(
    conn: &mut PgConnection,
    customer: &str,
    user: Uuid,
    email: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into public.billing_customers (customer_id, user_id, email) values ($1, $2, $3)
         on conflict (customer_id) do update
           set user_id = excluded.user_id, email = coalesce(excluded.email, billing_customers.email),
               updated_at = now()",
    )
    .bind(customer)
    .bind(user)
    .bind(email)
    .execute(conn)
    .await?;
    Ok(())
}

/// Creates the subscription with `fresh` unless it exists; answers whether
/// it did.
pub async fn insert_subscription(
    conn: &mut PgConnection,
    subscription: &str,
    user: Uuid,
    customer: Option<&str>,
    fresh: &State,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "insert into public.billing_subscriptions
           (subscription_id, user_id, customer_id, status, current_period_end,
            cancel_at_period_end, last_event_created)
         values ($1, $2, $3, $4, to_timestamp($5::bigint), $6, $7)
         on conflict (subscription_id) do nothing",
    )
    .bind(subscription)
    .bind(user)
    .bind(customer)
    .bind(fresh.status.as_str())
    .bind(fresh.period_end)
    .bind(fresh.cancel_at_period_end)
    .bind(fresh.last_event_created)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The subscription's state, locked until the transaction ends.
pub async fn lock_subscription(
    conn: &mut PgConnection,
    subscription: &str,
) -> Result<Option<(Uuid, State)>, sqlx::Error> {
    let row: Option<(Uuid, String, Option<i64>, bool, i64)> = sqlx::query_as(
        "select user_id, status, extract(epoch from current_period_end)::bigint,
                cancel_at_period_end, last_event_created
         from public.billing_subscriptions where subscription_id = $1 for update",
    )
    .bind(subscription)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(user, status, period_end, cancel, last)| {
        let state = State {
            // The table's check admits only Stripe's statuses.
            status: Status::parse(&status).unwrap_or(Status::Incomplete),
            period_end,
            cancel_at_period_end: cancel,
            last_event_created: last,
        };
        (user, state)
    }))
}

pub async fn update_subscription(
    conn: &mut PgConnection,
    subscription: &str,
    state: &State,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update public.billing_subscriptions
         set status = $2, current_period_end = to_timestamp($3::bigint), cancel_at_period_end = $4,
             last_event_created = $5, updated_at = now()
         where subscription_id = $1",
    )
    .bind(subscription)
    .bind(state.status.as_str())
    .bind(state.period_end)
    .bind(state.cancel_at_period_end)
    .bind(state.last_event_created)
    .execute(conn)
    .await?;
    Ok(())
}

/// Gives Pro by hand: a subscription of its own, active for a month from
/// now. Answers whether it is new.
pub async fn insert_manual_subscription(
    conn: &mut PgConnection,
    subscription: &str,
    user: Uuid,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "insert into public.billing_subscriptions
           (subscription_id, user_id, status, current_period_end, last_event_created)
         values ($1, $2, 'active', now() + interval '1 month', extract(epoch from now())::bigint)
         on conflict (subscription_id) do nothing",
    )
    .bind(subscription)
    .bind(user)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Mirrors the plan derived from the user's subscriptions into `user_plans`.
pub async fn sync_plan(conn: &mut PgConnection, user: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("select public.sync_user_plan($1)")
        .bind(user)
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds `tokens` credits under `reference` unless that reference was
/// granted already; answers whether this call granted them.
pub async fn grant_credits(
    conn: &mut PgConnection,
    user: Uuid,
    tokens: i64,
    reference: &str,
) -> Result<bool, sqlx::Error> {
    // Only the answer depends on this read. Whatever runs concurrently,
    // grant_credits adds a reference's credits once (unique index).
    let granted_before: bool = sqlx::query_scalar(
        "select exists(select 1 from public.credit_grants where reference = $1)",
    )
    .bind(reference)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("select public.grant_credits($1, $2, $3)")
        .bind(user)
        .bind(tokens)
        .bind(reference)
        .execute(conn)
        .await?;
    Ok(!granted_before)
}

/// Records `event` as being processed; answers false if it was recorded
/// already. A concurrent delivery of the same event waits here until the
/// first one's transaction ends, then sees its row: effects happen once.
pub async fn claim_event(conn: &mut PgConnection, event: &Event) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "insert into public.billing_events (event_id, type, created, outcome)
         values ($1, $2, $3, 'processing')
         on conflict (event_id) do nothing",
    )
    .bind(&event.id)
    .bind(&event.kind)
    .bind(event.created)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The recorded outcome of an event, its row locked.
pub async fn lock_event(conn: &mut PgConnection, id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("select outcome from public.billing_events where event_id = $1 for update")
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn finish_event(
    conn: &mut PgConnection,
    id: &str,
    outcome: &str,
    user: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update public.billing_events set outcome = $2, user_id = $3, processed_at = now()
         where event_id = $1",
    )
    .bind(id)
    .bind(outcome)
    .bind(user)
    .execute(conn)
    .await?;
    Ok(())
}

/// Keeps an event that could not be applied, for a replay.
pub async fn keep_unmatched(conn: &mut PgConnection, event: &Event) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into public.billing_unmatched_events (event_id, type, created, payload)
         values ($1, $2, $3, $4)
         on conflict (event_id) do update set resolved_at = null",
    )
    .bind(&event.id)
    .bind(&event.kind)
    .bind(event.created)
    .bind(Json(&event.payload))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn resolve_unmatched(conn: &mut PgConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update public.billing_unmatched_events set resolved_at = now()
         where event_id = $1 and resolved_at is null",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Unresolved invoice and subscription events of `customer`, oldest first:
/// they arrived before the checkout that says whose customer it is.
pub async fn pending_for_customer(
    conn: &mut PgConnection,
    customer: &str,
) -> Result<Vec<Value>, sqlx::Error> {
    let rows: Vec<Json<Value>> = sqlx::query_scalar(
        "select payload from public.billing_unmatched_events
         where resolved_at is null
           and payload -> 'data' -> 'object' ->> 'customer' = $1
           and type not like 'checkout.session.%'
         order by created, event_id",
    )
    .bind(customer)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|Json(payload)| payload).collect())
}

/// A stored unmatched event's payload, for `billing replay evt_...`.
pub async fn unmatched_payload(
    conn: &mut PgConnection,
    id: &str,
) -> Result<Option<Value>, sqlx::Error> {
    let row: Option<Json<Value>> = sqlx::query_scalar(
        "select payload from public.billing_unmatched_events where event_id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|Json(payload)| payload))
}
