//! Metering: reserve before the provider is called, settle once after, on
//! every path.
//!
//! The ledger's SQL functions do the accounting atomically
//! (`migrations/..._quota_ledger.sql`): `reserve_tokens` locks the user's
//! account row, so parallel requests can never reserve more than remains, and
//! `settle_reservation` is idempotent. [`Meter`] is the drop guard that makes
//! sure every reservation is settled: explicitly when a reply ends, and from
//! its `Drop` (client gone, task cancelled, panic) with an estimate of what was
//! streamed.

use std::time::Duration;

use native_core::{Usage, UserId, estimate_tokens};
use sqlx::PgPool;
use time::OffsetDateTime;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use crate::ApiError;
use crate::error::QuotaRefusal;
use crate::limits::StreamSlot;

/// Postgres' foreign-key violation: the token's user no longer exists.
const FOREIGN_KEY_VIOLATION: &str = "23503";

/// Settlements from `Drop` retry after these pauses, then give up (the
/// reservation then expires after its TTL and stops holding quota).
const SETTLE_RETRIES: [Duration; 2] = [Duration::from_millis(500), Duration::from_secs(2)];

/// The quota ledger in Postgres.
#[derive(Clone)]
pub struct Ledger {
    db: PgPool,
    ttl_secs: i32,
}

/// Tokens held for one request.
#[derive(Debug, Clone, Copy)]
pub struct Reservation {
    pub id: Uuid,
    /// What the user may still spend with this reservation held.
    pub remaining: i64,
}

impl Ledger {
    pub fn new(db: PgPool, ttl: Duration) -> Self {
        Self {
            db,
            ttl_secs: i32::try_from(ttl.as_secs()).unwrap_or(i32::MAX),
        }
    }

    /// Reserves `tokens` for `user`, or explains the refusal (402).
    pub async fn reserve(&self, user: UserId, tokens: u64) -> Result<Reservation, ApiError> {
        let tokens = i64::try_from(tokens.max(1)).unwrap_or(i64::MAX);
        let (id, granted, remaining): (Option<Uuid>, bool, i64) = sqlx::query_as(
            "select reservation_id, granted, remaining from public.reserve_tokens($1, $2, $3)",
        )
        .bind(user.as_uuid())
        .bind(tokens)
        .bind(self.ttl_secs)
        .fetch_one(&self.db)
        .await
        .map_err(database_error)?;
        match (granted, id) {
            (true, Some(id)) => Ok(Reservation { id, remaining }),
            _ => Err(ApiError::QuotaExceeded(
                self.refusal(user, remaining).await?,
            )),
        }
    }

    async fn refusal(&self, user: UserId, remaining: i64) -> Result<QuotaRefusal, ApiError> {
        // The server connects as the database owner, which may read the
        // ledger's private helper; the API roles may not.
        let (plan, period_key, period_ends_at): (String, String, OffsetDateTime) = sqlx::query_as(
            "select plan, period_key, period_ends_at from native_private.quota_state($1)",
        )
        .bind(user.as_uuid())
        .fetch_one(&self.db)
        .await
        .map_err(database_error)?;
        Ok(QuotaRefusal {
            plan,
            period_key,
            period_ends_at,
            remaining,
        })
    }

    /// Settles a reservation with what was really spent; answers what the
    /// user may still spend. Settling twice changes nothing.
    pub async fn settle(&self, reservation: Uuid, tokens: u64) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("select public.settle_reservation($1, $2)")
            .bind(reservation)
            .bind(i64::try_from(tokens).unwrap_or(i64::MAX))
            .fetch_one(&self.db)
            .await
    }
}

fn database_error(err: sqlx::Error) -> ApiError {
    let deleted_user = err
        .as_database_error()
        .and_then(|db| db.code())
        .is_some_and(|code| code == FOREIGN_KEY_VIOLATION);
    if deleted_user {
        ApiError::Unauthorized
    } else {
        ApiError::DatabaseUnavailable(err)
    }
}

/// Follows one request's spending and settles its reservation exactly once.
///
/// What is charged: the provider's `usage` when it arrived; otherwise, once
/// the provider accepted the request, the prompt estimate plus an estimate
/// of the text streamed so far; before that, nothing.
pub struct Meter {
    ledger: Ledger,
    tasks: TaskTracker,
    reservation: Uuid,
    prompt_estimate: u64,
    accepted: bool,
    streamed_chars: usize,
    usage: Option<Usage>,
    settled: bool,
    /// Held so the user's stream slot is given back with the meter.
    _slot: StreamSlot,
}

impl Meter {
    pub fn new(
        ledger: Ledger,
        tasks: TaskTracker,
        reservation: Uuid,
        prompt_estimate: u64,
        slot: StreamSlot,
    ) -> Self {
        Self {
            ledger,
            tasks,
            reservation,
            prompt_estimate,
            accepted: false,
            streamed_chars: 0,
            usage: None,
            settled: false,
            _slot: slot,
        }
    }

    /// The provider accepted the request: its prompt is spent from now on.
    pub fn accepted(&mut self) {
        self.accepted = true;
    }

    pub fn streamed(&mut self, text: &str) {
        self.streamed_chars = self.streamed_chars.saturating_add(text.chars().count());
    }

    pub fn usage_reported(&mut self, usage: Usage) {
        self.usage = Some(usage);
    }

    /// The provider's usage, or the estimate standing in for it.
    pub fn usage(&self) -> Usage {
        self.usage.unwrap_or_else(|| {
            let prompt = if self.accepted {
                self.prompt_estimate
            } else {
                0
            };
            let completion = estimate_tokens(self.streamed_chars);
            let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
            Usage {
                prompt_tokens: clamp(prompt),
                completion_tokens: clamp(completion),
                total_tokens: clamp(prompt.saturating_add(completion)),
            }
        })
    }

    /// Settles now; answers what remains, or `None` if the database failed
    /// (then `Drop` tries again in the background).
    pub async fn settle(&mut self) -> Option<i64> {
        if self.settled {
            return None;
        }
        let tokens = u64::from(self.usage().total_tokens);
        match self.ledger.settle(self.reservation, tokens).await {
            Ok(remaining) => {
                self.settled = true;
                Some(remaining)
            }
            Err(err) => {
                tracing::warn!(error = %err, reservation = %self.reservation, "settlement failed; retrying in the background");
                None
            }
        }
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let tokens = u64::from(self.usage().total_tokens);
        let ledger = self.ledger.clone();
        let reservation = self.reservation;
        // `Drop` cannot wait for the database: settle on a task the
        // shutdown waits for (the tracker), with a few retries.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                self.tasks
                    .spawn_on(settle_in_background(ledger, reservation, tokens), &runtime);
            }
            Err(_) => tracing::error!(
                %reservation,
                tokens,
                "no runtime to settle on; the reservation will expire unsettled"
            ),
        }
    }
}

async fn settle_in_background(ledger: Ledger, reservation: Uuid, tokens: u64) {
    let mut pauses = SETTLE_RETRIES.iter();
    loop {
        match ledger.settle(reservation, tokens).await {
            Ok(_) => {
                tracing::debug!(%reservation, tokens, "settled after the response ended");
                return;
            }
            Err(err) => match pauses.next() {
                Some(pause) => tokio::time::sleep(*pause).await,
                None => {
                    tracing::error!(error = %err, %reservation, tokens, "cannot settle; the reservation will expire unsettled");
                    return;
                }
            },
        }
    }
}
