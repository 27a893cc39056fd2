//! Plans and the quota a user sees, as `my_quota()` returns it.

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// The plan a user is on. Limits live in the database's plan-limits table,
/// not here, so that operators change them in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    Free,
    Pro,
}

impl Plan {
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        match text {
            "free" => Ok(Self::Free),
            "pro" => Ok(Self::Pro),
            other => Err(CoreError::UnknownPlan(other.chars().take(16).collect())),
        }
    }
}

/// A user's quota for the current period, exactly the keys of `my_quota()`.
/// Token counts are exported to TypeScript as a plain `number` (specta
/// writes `f64` as `number | null`): they stay far below 2^53.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Quota {
    pub plan: Plan,
    pub period_key: String,
    pub period_ends_at: String,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub allowance: i64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub used: i64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub credits: i64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub remaining: i64,
}

impl Quota {
    /// What may still be spent: the period's unused allowance, then the
    /// non-expiring credits.
    pub fn compute_remaining(allowance: i64, used: i64, credits: i64) -> i64 {
        (allowance - used).max(0) + credits.max(0)
    }

    /// This quota once `remaining` is all that is left, as the gateway's
    /// `x-quota-remaining` header says after a reply. The period's allowance
    /// is spent before credits, so the split is exact: while more than the
    /// credits remain only `used` moved; below that the allowance is gone
    /// and the credits shrank. A larger `remaining` (a purchase, a new
    /// period) cannot be split this way: the caller re-reads `my_quota`.
    pub fn with_remaining(&self, remaining: i64) -> Option<Self> {
        if remaining < 0 || remaining > self.remaining {
            return None;
        }
        let credits = self.credits.max(0);
        let (used, credits) = if remaining >= credits {
            (self.allowance - (remaining - credits), credits)
        } else {
            (self.used.max(self.allowance), remaining)
        };
        Some(Self {
            used: used.max(self.used),
            credits,
            remaining,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_spends_allowance_before_credits() {
        assert_eq!(Quota::compute_remaining(25_000, 0, 0), 25_000);
        assert_eq!(Quota::compute_remaining(25_000, 30_000, 250_000), 250_000);
        assert_eq!(Quota::compute_remaining(25_000, 24_000, 10), 1_010);
    }

    fn quota(allowance: i64, used: i64, credits: i64) -> Quota {
        Quota {
            plan: Plan::Free,
            period_key: "2026-W48".into(),
            period_ends_at: "2026-11-30T00:00:00Z".into(),
            allowance,
            used,
            credits,
            remaining: Quota::compute_remaining(allowance, used, credits),
        }
    }

    #[test]
    fn a_lower_remaining_spends_the_allowance_then_credits() {
        let q = quota(25_000, 1_000, 100);
        let after = q.with_remaining(20_100).unwrap();
        assert_eq!(
            (after.used, after.credits, after.remaining),
            (5_000, 100, 20_100)
        );
        let after = q.with_remaining(40).unwrap();
        assert_eq!(
            (after.used, after.credits, after.remaining),
            (25_000, 40, 40)
        );
        // Whatever the split, it agrees with the database's formula.
        for r in [0, 40, 100, 101, 12_345, 24_100] {
            let a = q.with_remaining(r).unwrap();
            assert_eq!(Quota::compute_remaining(a.allowance, a.used, a.credits), r);
        }
    }

    #[test]
    fn a_higher_remaining_is_not_guessed() {
        let q = quota(25_000, 1_000, 0);
        assert_eq!(q.with_remaining(24_001), None);
        assert_eq!(q.with_remaining(-1), None);
        assert_eq!(q.with_remaining(24_000), Some(q));
    }

    #[test]
    fn plan_parses_only_known_names() {
        assert_eq!(Plan::parse("pro"), Ok(Plan::Pro));
        assert!(Plan::parse("enterprise").is_err());
    }
}
