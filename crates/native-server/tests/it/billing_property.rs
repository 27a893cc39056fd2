//! Property: random sequences of duplicated and reordered deliveries leave
//! the billing state equal to applying each distinct event once, in
//! `created` order.
//!
//! proptest generates one or two customers' histories (a Pro checkout and
//! its first invoice, renewals, prorations, subscription updates of every
//! live status with or without `cancel_at_period_end`, packs bought by
//! reference or by e-mail, perhaps a deletion anywhere after the first
//! invoice), gives every event a distinct `created`, and a delivery order:
//! a permutation of the events plus duplicates, cut into bursts of one to
//! three deliveries sent concurrently (Stripe does not wait for one answer
//! before the next event, and sends a checkout, its first invoice and the
//! subscription's events within the same second). Each case
//! runs twice on fresh users and fresh Stripe ids: once in `created` order,
//! each event once, and once in the generated order, over HTTP to the real
//! webhook with real signatures. Both runs must end in the same plan,
//! subscription (status, paid period end, cancel flag), credits balance,
//! number of credit grants and number of recorded events, with no event
//! left unmatched; the ordered run must also match a small model written
//! here, so a bug that breaks both runs alike is still caught. Failing cases
//! are shrunk to a smallest one, which proptest prints with the bursts sent.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::join_all;
use native_testkit::Stack;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::billing::{
    PACK, Stripe, checkout, credits, event, grants, invoice, new_user, now, plan, subscription,
    subscription_row,
};

const MONTH: i64 = 2_592_000;
/// Enough cases to meet most shapes and to catch races between bursts
/// most runs (a case is 5-50 deliveries, ~0.1 s in a debug build); set
/// `PROPTEST_CASES` for a deeper run.
const CASES: u32 = 64;
/// The statuses an update may carry. The final ones come only from the
/// deletion: `incomplete_expired` follows an unpaid first invoice, which a
/// history that starts with a paid checkout never has.
const STATUSES: &[&str] = &[
    "incomplete",
    "trialing",
    "active",
    "past_due",
    "unpaid",
    "paused",
];

/// Case numbers, so that every run (shrinking included) has ids of its own
/// on the one stack the whole test shares.
static NEXT_CASE: AtomicUsize = AtomicUsize::new(0);

/// One event of a customer's history after its start, in `created` order.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// A paid pack: the app's reference in the link, or only the payer's
    /// confirmed e-mail; on the subscription's Stripe customer or a new one.
    Pack {
        by_email: bool,
        shared_customer: bool,
    },
    /// `invoice.paid` for the next month (`subscription_cycle`).
    Renewal,
    /// `invoice.paid` for a plan change (`subscription_update`): ignored,
    /// though its lines would extend the period.
    Proration,
    /// `customer.subscription.updated`.
    Update { status: &'static str, cancel: bool },
}

/// One customer: a Pro subscription (checkout, then its first invoice) or
/// none, steps, and perhaps a deletion among them.
#[derive(Debug, Clone)]
struct Life {
    pro: bool,
    new_invoice_shape: bool,
    steps: Vec<Step>,
    /// Where the deletion comes among the steps (modulo their number + 1).
    /// Stripe sends nothing after it, but putting it anywhere checks that
    /// `canceled` is final in any arrival order, not only that it is last.
    deleted: Option<u8>,
}

#[derive(Debug, Clone)]
struct Case {
    lives: Vec<Life>,
    /// Which life's next event comes next in `created` order, while both
    /// have some left.
    interleave: Vec<bool>,
    /// Seconds between consecutive `created` values (all distinct).
    gaps: Vec<i64>,
    /// Events delivered a second time (indices in `created` order).
    again: Vec<usize>,
    /// Delivery order: deliveries sorted by these keys.
    keys: Vec<u16>,
    /// How many deliveries go at once, burst after burst.
    bursts: Vec<u8>,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (any::<bool>(), any::<bool>())
            .prop_map(|(by_email, shared_customer)| Step::Pack { by_email, shared_customer }),
        2 => Just(Step::Renewal),
        1 => Just(Step::Proration),
        4 => (prop::sample::select(STATUSES), any::<bool>())
            .prop_map(|(status, cancel)| Step::Update { status, cancel }),
    ]
}

fn life() -> impl Strategy<Value = Life> {
    (
        prop::bool::weighted(0.8),
        any::<bool>(),
        vec(step(), 0..7),
        proptest::option::weighted(0.3, any::<u8>()),
    )
        .prop_map(|(pro, new_invoice_shape, steps, deleted)| Life {
            pro,
            new_invoice_shape,
            steps,
            deleted,
        })
}

fn case() -> impl Strategy<Value = Case> {
    vec(life(), 1..=2)
        .prop_flat_map(|lives| {
            let n: usize = lives.iter().map(|life| kinds(life).len()).sum();
            let most = n + n / 2 + 1;
            (
                Just(lives),
                vec(any::<bool>(), n),
                vec(1i64..3_000, n),
                vec(0..n.max(1), 0..=n / 2 + 1),
                vec(any::<u16>(), most),
                vec(1u8..=3, most),
            )
        })
        .prop_map(|(lives, interleave, gaps, again, keys, bursts)| Case {
            lives,
            interleave,
            gaps,
            again,
            keys,
            bursts,
        })
}

/// A life's events in `created` order, before ids and times.
#[derive(Debug, Clone, Copy)]
enum Kind {
    ProCheckout,
    FirstInvoice,
    Step(Step),
    Deletion,
}

/// Steps about a subscription are dropped from a life without one: they
/// would only be kept as unmatched, in both runs alike.
fn kinds(life: &Life) -> Vec<Kind> {
    let mut kinds = Vec::new();
    if life.pro {
        kinds.extend([Kind::ProCheckout, Kind::FirstInvoice]);
    }
    for step in &life.steps {
        if life.pro || matches!(step, Step::Pack { .. }) {
            kinds.push(Kind::Step(*step));
        }
    }
    if let Some(at) = life.deleted.filter(|_| life.pro) {
        // After the checkout and the first invoice.
        let at = 2 + usize::from(at) % (kinds.len() - 1);
        kinds.insert(at, Kind::Deletion);
    }
    kinds
}

/// What a user's billing state is, as compared between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Final {
    plan: String,
    /// Status, paid period end (unix seconds), cancel at period end.
    subscription: Option<(String, Option<i64>, bool)>,
    credits: i64,
    grants: i64,
}

/// One run's users and Stripe ids: `tag` prefixes every id and e-mail.
struct Run {
    tag: String,
    users: Vec<Uuid>,
    emails: Vec<String>,
}

impl Run {
    async fn new(db: &PgPool, tag: String, lives: usize) -> Self {
        let emails: Vec<String> = (0..lives)
            .map(|i| format!("{tag}l{i}@example.com"))
            .collect();
        let mut users = Vec::with_capacity(lives);
        for email in &emails {
            users.push(new_user(db, email, true).await);
        }
        Self { tag, users, emails }
    }

    fn customer(&self, life: usize) -> String {
        format!("{}l{life}", self.tag)
    }

    /// The case's events with this run's ids, in `created` order, and the
    /// model's expected state of each life.
    fn events(&self, case: &Case, start: i64) -> (Vec<Value>, Vec<Final>) {
        let mut queues: Vec<std::collections::VecDeque<Kind>> =
            case.lives.iter().map(|life| kinds(life).into()).collect();
        let mut models: Vec<Model> = case.lives.iter().map(|_| Model::new(start)).collect();
        let mut events = Vec::new();
        let mut created = start;
        for i in 0.. {
            let pick = match (queues.first(), queues.get(1)) {
                (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => {
                    usize::from(case.interleave[i])
                }
                (Some(a), _) if !a.is_empty() => 0,
                (_, Some(b)) if !b.is_empty() => 1,
                _ => break,
            };
            let kind = queues[pick].pop_front().expect("a life with events left");
            created += case.gaps[i];
            let id = format!("evt_{}_{i}", self.tag);
            let object = models[pick].apply(self, case, pick, i, kind);
            events.push(event(&id, name_of(kind), created, object));
        }
        let now = now();
        (
            events,
            models.iter().map(|model| model.expected(now)).collect(),
        )
    }
}

fn name_of(kind: Kind) -> &'static str {
    match kind {
        Kind::ProCheckout | Kind::Step(Step::Pack { .. }) => "checkout.session.completed",
        Kind::FirstInvoice | Kind::Step(Step::Renewal | Step::Proration) => "invoice.paid",
        Kind::Step(Step::Update { .. }) => "customer.subscription.updated",
        Kind::Deletion => "customer.subscription.deleted",
    }
}

/// Applying a life's events once each in `created` order, by hand: the
/// definition the webhook's arrival-order rules must agree with.
struct Model {
    /// The paid period's end as Stripe would send it next.
    end: i64,
    cancelling: bool,
    subscription: Option<(&'static str, Option<i64>, bool)>,
    packs: i64,
}

impl Model {
    fn new(start: i64) -> Self {
        Self {
            end: start + MONTH,
            cancelling: false,
            subscription: None,
            packs: 0,
        }
    }

    /// Folds one event in and answers its `data.object` for `run`.
    fn apply(&mut self, run: &Run, case: &Case, life: usize, n: usize, kind: Kind) -> Value {
        let name = run.customer(life);
        let (cus, sub) = (format!("cus_{name}"), format!("sub_{name}"));
        let shape = case.lives[life].new_invoice_shape;
        match kind {
            Kind::ProCheckout => {
                self.subscription.get_or_insert(("active", None, false));
                let mut session = checkout(&name, "subscription");
                session["client_reference_id"] = run.users[life].to_string().into();
                session
            }
            Kind::FirstInvoice | Kind::Step(Step::Renewal) => {
                if matches!(kind, Kind::Step(_)) {
                    self.end += MONTH;
                }
                self.paid_through(self.end);
                let reason = match kind {
                    Kind::FirstInvoice => "subscription_create",
                    _ => "subscription_cycle",
                };
                invoice(
                    &format!("in_{name}_{n}"),
                    &cus,
                    &sub,
                    reason,
                    self.end,
                    shape,
                )
            }
            Kind::Step(Step::Proration) => {
                let end = self.end + MONTH;
                invoice(
                    &format!("in_{name}_{n}"),
                    &cus,
                    &sub,
                    "subscription_update",
                    end,
                    shape,
                )
            }
            Kind::Step(Step::Update { status, cancel }) => {
                self.cancelling = cancel;
                self.change(status, cancel);
                subscription(&sub, &cus, status, self.end, cancel)
            }
            Kind::Deletion => {
                self.change("canceled", self.cancelling);
                subscription(&sub, &cus, "canceled", self.end, self.cancelling)
            }
            Kind::Step(Step::Pack {
                by_email,
                shared_customer,
            }) => {
                self.packs += 1;
                let mut session = checkout(&format!("{name}p{n}"), "payment");
                if by_email {
                    session["customer_details"]["email"] = run.emails[life].clone().into();
                } else {
                    session["client_reference_id"] = run.users[life].to_string().into();
                }
                if shared_customer {
                    session["customer"] = cus.into();
                }
                session
            }
        }
    }

    /// A payment extends the period; it leaves the status alone.
    fn paid_through(&mut self, end: i64) {
        let state = self.subscription.get_or_insert(("active", None, false));
        state.1 = Some(state.1.map_or(end, |known| known.max(end)));
    }

    /// A subscription event sets status and flag, unless the subscription
    /// already ended (`canceled` is final).
    fn change(&mut self, status: &'static str, cancel: bool) {
        let end = self.end;
        let state = self.subscription.get_or_insert((status, None, cancel));
        state.1 = Some(state.1.map_or(end, |known| known.max(end)));
        if state.0 != "canceled" {
            (state.0, state.2) = (status, cancel);
        }
    }

    fn expected(&self, now: i64) -> Final {
        let pro = self.subscription.is_some_and(|(status, end, _)| {
            ["active", "trialing", "past_due"].contains(&status) && end.is_none_or(|end| end > now)
        });
        Final {
            plan: if pro { "pro" } else { "free" }.to_owned(),
            subscription: self
                .subscription
                .map(|(status, end, cancel)| (status.to_owned(), end, cancel)),
            credits: self.packs * PACK,
            grants: self.packs,
        }
    }
}

/// Delivers `event` until it is answered 200, as Stripe retries a 503 (the
/// webhook's answer when concurrent transactions keep conflicting).
async fn deliver(stripe: &Stripe, event: &Value) -> Result<(), TestCaseError> {
    for attempt in 1..=5 {
        let response = stripe.send(event).await;
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        match status {
            200 => return Ok(()),
            503 if attempt < 5 => tokio::time::sleep(Duration::from_millis(50)).await,
            _ => {
                return Err(TestCaseError::fail(format!(
                    "{} answered {status}: {body}",
                    event["id"]
                )));
            }
        }
    }
    Err(TestCaseError::fail("unreachable: the last attempt returns"))
}

async fn state(db: &PgPool, run: &Run, life: usize) -> Final {
    let user = run.users[life];
    let row = subscription_row(db, &format!("sub_{}", run.customer(life))).await;
    Final {
        plan: plan(db, user).await,
        subscription: row.map(|row| (row.status, row.period_end, row.cancel_at_period_end)),
        credits: credits(db, user).await,
        grants: grants(db, user).await,
    }
}

/// How many events of a run are recorded, and which are still kept as
/// unmatched (with their type).
async fn bookkeeping(db: &PgPool, run: &Run) -> (i64, Vec<String>) {
    let prefix = format!("evt_{}_", run.tag);
    let recorded = sqlx::query_scalar(
        "select count(*) from public.billing_events where starts_with(event_id, $1)",
    )
    .bind(&prefix)
    .fetch_one(db)
    .await
    .expect("recorded events");
    let pending = sqlx::query_scalar(
        "select event_id || ' ' || type from public.billing_unmatched_events
         where starts_with(event_id, $1) and resolved_at is null order by event_id",
    )
    .bind(&prefix)
    .fetch_all(db)
    .await
    .expect("unmatched events");
    (recorded, pending)
}

/// Runs one case; answers the expected states, to tell trivial cases apart.
async fn check(stack: &Stack, db: &PgPool, case: &Case) -> Result<Vec<Final>, TestCaseError> {
    let stripe = Stripe::of(stack);
    let number = NEXT_CASE.fetch_add(1, Ordering::Relaxed);
    let lives = case.lives.len();
    let ordered = Run::new(db, format!("p{number}o"), lives).await;
    let shuffled = Run::new(db, format!("p{number}s"), lives).await;
    // Far enough back for every `created` to be in the past, recent enough
    // for a first month to be still paid: the plan is not always `free`.
    let start = now() - 100_000;
    let (in_order, expected) = ordered.events(case, start);
    let (events, _) = shuffled.events(case, start);

    for event in &in_order {
        deliver(&stripe, event).await?;
    }

    let n = events.len();
    let mut deliveries: Vec<usize> = (0..n).collect();
    deliveries.extend(case.again.iter().filter(|_| n > 0).map(|i| i % n));
    let mut keyed: Vec<(u16, usize)> = deliveries
        .iter()
        .enumerate()
        .map(|(j, &event)| (case.keys[j], event))
        .collect();
    keyed.sort_by_key(|(key, _)| *key);
    let mut queue = keyed.into_iter().map(|(_, event)| event);
    let mut sent = Vec::new();
    for &size in case.bursts.iter().cycle() {
        let burst: Vec<usize> = queue.by_ref().take(usize::from(size)).collect();
        if burst.is_empty() {
            break;
        }
        let results = join_all(burst.iter().map(|&i| deliver(&stripe, &events[i]))).await;
        results.into_iter().collect::<Result<Vec<()>, _>>()?;
        sent.push(burst);
    }

    let order: Vec<String> = in_order
        .iter()
        .map(|e| format!("{}@{}", e["type"], e["created"]))
        .collect();
    for (life, expected) in expected.iter().enumerate() {
        let reference = state(db, &ordered, life).await;
        let delivered = state(db, &shuffled, life).await;
        prop_assert_eq!(
            &reference,
            expected,
            "life {}: created order vs model; events {:?}",
            life,
            order
        );
        prop_assert_eq!(
            &delivered,
            &reference,
            "life {}: bursts {:?} vs created order; events {:?}",
            life,
            sent,
            order
        );
    }
    // Every event names a user who exists, so none may stay unmatched.
    let (recorded, pending) = bookkeeping(db, &shuffled).await;
    prop_assert_eq!(
        (recorded, &pending),
        (i64::try_from(n).expect("n"), &Vec::<String>::new()),
        "bursts {:?}; events {:?}",
        sent,
        order
    );
    prop_assert_eq!(bookkeeping(db, &ordered).await, (recorded, pending));
    Ok(expected)
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicated_reordered_concurrent_deliveries_equal_created_order() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let defaults = Config::default();
    let config = Config {
        cases: match std::env::var_os("PROPTEST_CASES") {
            Some(_) => defaults.cases,
            None => CASES,
        },
        // Each shrinking step is a whole case against the database.
        max_shrink_iters: 200,
        max_shrink_time: 120_000,
        // Failures are printed, not written next to the sources.
        failure_persistence: None,
        ..defaults
    };
    let mut runner = TestRunner::new(config);
    let outcomes: Mutex<Vec<Final>> = Mutex::default();
    let handle = tokio::runtime::Handle::current();
    // proptest drives the cases synchronously; the stack runs on this
    // runtime's workers meanwhile.
    let result = tokio::task::block_in_place(|| {
        runner
            .run(&case(), |case| {
                let expected = handle.block_on(check(&stack, &db, &case))?;
                outcomes.lock().expect("outcomes").extend(expected);
                Ok(())
            })
            .map_err(|failure| failure.to_string())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    // The property must not hold only because nothing ever happens.
    let outcomes = outcomes.into_inner().expect("outcomes");
    let pro = outcomes.iter().filter(|f| f.plan == "pro").count();
    let lapsed = outcomes
        .iter()
        .filter(|f| f.plan == "free" && f.subscription.is_some())
        .count();
    let credited = outcomes.iter().filter(|f| f.credits > 0).count();
    assert!(
        pro > 0 && lapsed > 0 && credited > 0,
        "too few kinds of outcome: {pro} pro, {lapsed} lapsed, {credited} with credits"
    );
}
