//! Per-user limits held in memory: how many replies a user may stream at
//! once, and how often a user may ask for a free title.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use native_core::UserId;

use crate::ApiError;

/// Open chat requests per user. A slot is taken before the quota is
/// reserved and given back when the reply's response (or stream) ends.
#[derive(Clone)]
pub struct StreamSlots {
    open: Arc<Mutex<HashMap<UserId, usize>>>,
    max_per_user: usize,
}

/// One taken slot; dropping it gives it back.
pub struct StreamSlot {
    slots: StreamSlots,
    user: UserId,
}

impl StreamSlots {
    pub fn new(max_per_user: usize) -> Self {
        Self {
            open: Arc::default(),
            max_per_user,
        }
    }

    pub fn acquire(&self, user: UserId) -> Result<StreamSlot, ApiError> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(user).or_insert(0);
        if *count >= self.max_per_user {
            return Err(ApiError::TooManyStreams(self.max_per_user));
        }
        *count += 1;
        Ok(StreamSlot {
            slots: self.clone(),
            user,
        })
    }

    /// Streams open for every user together.
    pub fn total(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .sum()
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self
            .slots
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}

/// Above this many remembered users, idle ones are forgotten.
const MAX_REMEMBERED_USERS: usize = 10_000;

/// Title requests per user: a steady rate per minute, with the same burst.
pub struct TitleLimiter {
    limiter: DefaultKeyedRateLimiter<UserId>,
}

impl TitleLimiter {
    pub fn per_minute(per_minute: u32) -> Self {
        let rate = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_minute(rate)),
        }
    }

    pub fn check(&self, user: UserId) -> Result<(), ApiError> {
        if self.limiter.len() > MAX_REMEMBERED_USERS {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&user).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_user_and_given_back() {
        let slots = StreamSlots::new(2);
        let alice = UserId::new_random();
        let bob = UserId::new_random();
        let a1 = slots.acquire(alice).expect("first");
        let _a2 = slots.acquire(alice).expect("second");
        assert!(matches!(
            slots.acquire(alice),
            Err(ApiError::TooManyStreams(2))
        ));
        let _b1 = slots.acquire(bob).expect("another user is not affected");
        assert_eq!(slots.total(), 3);
        drop(a1);
        let _a3 = slots.acquire(alice).expect("a slot came back");
    }

    #[test]
    fn titles_are_limited_per_user() {
        let limiter = TitleLimiter::per_minute(2);
        let alice = UserId::new_random();
        assert!(limiter.check(alice).is_ok());
        assert!(limiter.check(alice).is_ok());
        match limiter.check(alice) {
            Err(ApiError::RateLimited { retry_after_secs }) => {
                assert!((1..=30).contains(&retry_after_secs))
            }
            other => panic!("expected a rate limit, got {other:?}"),
        }
        assert!(limiter.check(UserId::new_random()).is_ok());
    }
}
