//! A subscription's state and how an event changes it, with no IO, so the
//! ordering rules are tested on their own.
//!
//! Stripe delivers events in any order. The rules make the result the same
//! whatever the order of arrival, which is what applying each event once in
//! `created` order gives (the test below checks it on random deliveries):
//! - status and `cancel_at_period_end` come from the newest subscription
//!   event (`updated`, `deleted`), by `created`, then by status rank and
//!   flag so that same-second events agree too;
//! - a payment (checkout, `invoice.paid`) extends the paid period, whose end
//!   only grows, and makes a subscription not heard of yet active; Stripe
//!   sends an `updated` event for every status change, payments included;
//! - `canceled` and `incomplete_expired` are final, as they are at Stripe:
//!   no event brings such a subscription back, whatever its `created`.

/// Stripe's subscription statuses, exactly the database's check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Incomplete,
    IncompleteExpired,
    Trialing,
    Active,
    PastDue,
    Canceled,
    Unpaid,
    Paused,
}

impl Status {
    pub const ALL: [Self; 8] = [
        Self::Incomplete,
        Self::IncompleteExpired,
        Self::Trialing,
        Self::Active,
        Self::PastDue,
        Self::Canceled,
        Self::Unpaid,
        Self::Paused,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incomplete => "incomplete",
            Self::IncompleteExpired => "incomplete_expired",
            Self::Trialing => "trialing",
            Self::Active => "active",
            Self::PastDue => "past_due",
            Self::Canceled => "canceled",
            Self::Unpaid => "unpaid",
            Self::Paused => "paused",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Canceled | Self::IncompleteExpired)
    }

    /// Orders two events of the same second: the later a status comes in a
    /// subscription's life, the higher, so the outcome does not depend on
    /// which of the two arrived first.
    fn rank(self) -> u8 {
        match self {
            Self::Incomplete => 0,
            Self::Trialing => 1,
            Self::Active => 2,
            Self::PastDue => 3,
            Self::Unpaid => 4,
            Self::Paused => 5,
            Self::IncompleteExpired => 6,
            Self::Canceled => 7,
        }
    }
}

/// What the database keeps of one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub status: Status,
    /// Unix seconds; `None` until an event says.
    pub period_end: Option<i64>,
    pub cancel_at_period_end: bool,
    /// `created` of the newest subscription event applied (0: none yet).
    pub last_event_created: i64,
}

/// What one event says about a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A paid checkout or a paid subscription invoice: active, paid through
    /// `period_end` when known.
    Paid { period_end: Option<i64> },
    /// `customer.subscription.updated`: Stripe's whole view of it.
    Updated {
        status: Status,
        period_end: Option<i64>,
        cancel_at_period_end: bool,
    },
    /// `customer.subscription.deleted`, with the subscription's last state.
    Deleted {
        period_end: Option<i64>,
        cancel_at_period_end: bool,
    },
}

impl Change {
    fn status(&self) -> Status {
        match self {
            Self::Paid { .. } => Status::Active,
            Self::Updated { status, .. } => *status,
            Self::Deleted { .. } => Status::Canceled,
        }
    }

    fn period_end(&self) -> Option<i64> {
        match self {
            Self::Paid { period_end }
            | Self::Updated { period_end, .. }
            | Self::Deleted { period_end, .. } => *period_end,
        }
    }

    fn cancel_at_period_end(&self) -> Option<bool> {
        match self {
            Self::Updated {
                cancel_at_period_end,
                ..
            }
            | Self::Deleted {
                cancel_at_period_end,
                ..
            } => Some(*cancel_at_period_end),
            Self::Paid { .. } => None,
        }
    }
}

/// The state after an event created at `created` (unix seconds) says
/// `change`, given the state before (`None`: first event seen).
pub fn merge(current: Option<&State>, change: &Change, created: i64) -> State {
    let period_end = match (current.and_then(|c| c.period_end), change.period_end()) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let Some(cancel_at_period_end) = change.cancel_at_period_end() else {
        // A payment says nothing of the status Stripe gave the subscription
        // since (its own `updated` event does): it only extends the paid
        // period, and makes a subscription we had not heard of active,
        // as of no subscription event yet (`last_event_created` 0).
        return match current {
            Some(current) => State {
                period_end,
                ..current.clone()
            },
            None => State {
                status: Status::Active,
                period_end,
                cancel_at_period_end: false,
                last_event_created: 0,
            },
        };
    };
    let status = change.status();
    let Some(current) = current else {
        return State {
            status,
            period_end,
            cancel_at_period_end,
            last_event_created: created,
        };
    };
    if current.status.is_final() {
        return State {
            period_end,
            ..current.clone()
        };
    }
    let newer = (created, status.rank(), cancel_at_period_end)
        >= (
            current.last_event_created,
            current.status.rank(),
            current.cancel_at_period_end,
        );
    // A deletion is final however late it arrives.
    if newer || status.is_final() {
        State {
            status,
            period_end,
            cancel_at_period_end,
            last_event_created: current.last_event_created.max(created),
        }
    } else {
        State {
            period_end,
            ..current.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};

    use super::*;

    fn updated(status: Status, period_end: i64, cancel: bool) -> Change {
        Change::Updated {
            status,
            period_end: Some(period_end),
            cancel_at_period_end: cancel,
        }
    }

    fn fold<'a>(events: impl IntoIterator<Item = &'a (i64, Change)>) -> Option<State> {
        events.into_iter().fold(None, |state, (created, change)| {
            Some(merge(state.as_ref(), change, *created))
        })
    }

    #[test]
    fn statuses_round_trip() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("Active"), None);
    }

    #[test]
    fn an_older_update_does_not_undo_a_newer_one() {
        let newer = (20, updated(Status::Active, 200, true));
        let older = (10, updated(Status::Active, 100, false));
        let state = fold([&newer, &older]).expect("state");
        assert!(state.cancel_at_period_end);
        assert_eq!(state.period_end, Some(200));
        assert_eq!(state.last_event_created, 20);
        assert_eq!(fold([&older, &newer]), Some(state));
    }

    #[test]
    fn a_deletion_is_final_even_before_the_payment_arrives() {
        let deleted = (
            30,
            Change::Deleted {
                period_end: Some(300),
                cancel_at_period_end: false,
            },
        );
        let paid = (
            10,
            Change::Paid {
                period_end: Some(100),
            },
        );
        let late_update = (40, updated(Status::Active, 400, false));
        for order in [
            vec![&deleted, &paid, &late_update],
            vec![&paid, &late_update, &deleted],
            vec![&late_update, &deleted, &paid],
        ] {
            let state = fold(order).expect("state");
            assert_eq!(state.status, Status::Canceled);
        }
    }

    #[test]
    fn same_second_events_agree_whatever_arrives_first() {
        let paid = (
            10,
            Change::Paid {
                period_end: Some(100),
            },
        );
        let active = (10, updated(Status::Active, 100, false));
        let past_due = (10, updated(Status::PastDue, 100, false));
        let a = fold([&paid, &active, &past_due]);
        let b = fold([&past_due, &active, &paid]);
        let c = fold([&active, &past_due, &paid]);
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(a.expect("state").status, Status::PastDue);
    }

    #[test]
    fn a_payment_extends_the_period_but_leaves_the_status_to_subscription_events() {
        let unpaid = (10, updated(Status::Unpaid, 100, false));
        let paid = (
            20,
            Change::Paid {
                period_end: Some(200),
            },
        );
        let state = fold([&paid, &unpaid]).expect("state");
        assert_eq!(state, fold([&unpaid, &paid]).expect("state"));
        assert_eq!(state.status, Status::Unpaid);
        assert_eq!(state.period_end, Some(200));
        let first = fold([&paid]).expect("state");
        assert_eq!(first.status, Status::Active);
        assert_eq!(first.last_event_created, 0);
    }

    /// A plausible life: paid at checkout and by its first invoice (the
    /// same second, as at Stripe), then updates (past due, unpaid, cancel at
    /// period end and back) and renewals, perhaps a deletion. Stripe renews
    /// nothing set to cancel at period end, so neither does this.
    fn life(rng: &mut impl Rng) -> Vec<(i64, Change)> {
        let month = 2_592_000;
        let mut t = 1_700_000_000;
        let mut end = t + month;
        let mut cancelling = false;
        let mut events = vec![
            (t, Change::Paid { period_end: None }),
            (
                t,
                Change::Paid {
                    period_end: Some(end),
                },
            ),
            (t, updated(Status::Active, end, false)),
        ];
        for _ in 0..rng.random_range(0..8) {
            t += rng.random_range(1..100_000);
            let change = match rng.random_range(0..4) {
                0 if !cancelling => {
                    end += month;
                    Change::Paid {
                        period_end: Some(end),
                    }
                }
                1 => updated(Status::PastDue, end, cancelling),
                3 => updated(Status::Unpaid, end, cancelling),
                _ => {
                    cancelling = rng.random();
                    updated(Status::Active, end, cancelling)
                }
            };
            events.push((t, change));
        }
        if rng.random() {
            t += rng.random_range(1..100_000);
            events.push((
                t,
                Change::Deleted {
                    period_end: Some(end),
                    cancel_at_period_end: cancelling,
                },
            ));
        }
        events
    }

    #[test]
    fn duplicated_and_reordered_deliveries_end_as_in_created_order() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..20_000 {
            let events = life(&mut rng);
            let in_order = fold(&events);
            let mut deliveries: Vec<_> = events.iter().collect();
            for _ in 0..rng.random_range(0..4) {
                let again = deliveries[rng.random_range(0..deliveries.len())];
                deliveries.push(again);
            }
            deliveries.shuffle(&mut rng);
            // A duplicate is dropped before it reaches `merge` (the event
            // id is already recorded); replaying the distinct ones in
            // arrival order must give the same state.
            let mut seen = Vec::new();
            let distinct: Vec<_> = deliveries
                .into_iter()
                .filter(|event| {
                    let first = !seen.contains(event);
                    seen.push(*event);
                    first
                })
                .collect();
            assert_eq!(fold(distinct), in_order, "{events:?}");
        }
    }
}
