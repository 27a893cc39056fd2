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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Quota {
    pub plan: Plan,
    pub period_key: String,
    pub period_ends_at: String,
    pub allowance: i64,
    pub used: i64,
    pub credits: i64,
    pub remaining: i64,
}

impl Quota {
    /// What may still be spent: the period's unused allowance, then the
    /// non-expiring credits.
    pub fn compute_remaining(allowance: i64, used: i64, credits: i64) -> i64 {
        (allowance - used).max(0) + credits.max(0)
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

    #[test]
    fn plan_parses_only_known_names() {
        assert_eq!(Plan::parse("pro"), Ok(Plan::Pro));
        assert!(Plan::parse("enterprise").is_err());
    }
}
