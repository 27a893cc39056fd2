//! Verified Stripe webhook events per second, with per-request latency, and
//! a check that every event was applied exactly once.
//!
//! Method: a testkit stack (its own cluster, fsync off as in every test
//! stack) with the in-process `native-server`; 100 users; 5,500 distinct
//! pack purchases (`checkout.session.completed`, paid, the app's user id as
//! `client_reference_id`, a new Stripe customer each, as Payment Links make
//! them), signed beforehand exactly as Stripe signs them, plus 10%
//! redeliveries of random ones shuffled in. 16 workers post them over
//! keep-alive HTTP, each waiting for its answer before the next (closed
//! loop); the first 500 distinct events and their share of redeliveries warm
//! up, the rest are timed. Every answer must be a 200 with `pack_granted` or
//! `duplicate`; afterwards the database must hold one recorded event and one
//! credit grant per distinct event and 250,000 credits per event for each
//! user. CPU time of this process (client and server) and of Postgres over
//! the timed part, and the machine's total, say where the time went. Run
//! with `cargo xtask bench`; figures go to BENCHMARKS.md.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use hmac::{Hmac, Mac};
use native_testkit::{Stack, accounts};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use sha2::Sha256;

const USERS: usize = 100;
const WARM_UP: usize = 500;
const EVENTS: usize = 5_000;
/// Redeliveries per ten distinct events.
const DUPLICATES_PER_TEN: usize = 1;
const WORKERS: usize = 16;
const PACK: i64 = 250_000;

/// One request ready to post: the body and its `Stripe-Signature`.
struct Delivery {
    body: Vec<u8>,
    signature: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let stack = Stack::start_dedicated().await?;
    let db = stack.db().await;
    let users = accounts::users(&db, (0..USERS).map(|i| format!("webhook{i}@example.com"))).await?;

    // Seeded, so every run posts the same sequence. Signed now: the whole
    // run takes well under the 300 s tolerance.
    let mut rng = rand::rngs::StdRng::seed_from_u64(1_000);
    let signed_at = time::OffsetDateTime::now_utc().unix_timestamp();
    let secret = stack.stripe_webhook_secret();
    let warm_up = deliveries(&mut rng, &users, 0..WARM_UP, secret, signed_at);
    let timed = deliveries(
        &mut rng,
        &users,
        WARM_UP..WARM_UP + EVENTS,
        secret,
        signed_at,
    );

    let http = reqwest::Client::builder()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(WORKERS)
        .build()?;
    let url = format!("{}/api/billing/webhook", stack.native_api_url());
    let postgres = postgres_pid(&stack)?;

    post_all(&http, &url, warm_up).await?;
    let cpu_before = (cpu_ticks(std::process::id())?, tree_ticks(postgres)?);
    let machine_before = machine_ticks()?;
    let started = Instant::now();
    let (mut latencies, outcomes) = post_all(&http, &url, timed).await?;
    let elapsed = started.elapsed();
    let cpu_after = (cpu_ticks(std::process::id())?, tree_ticks(postgres)?);
    let machine_after = machine_ticks()?;

    verify(&db, &users, &outcomes).await?;

    latencies.sort_unstable();
    let pct = |p: f64| {
        let rank = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len());
        latencies[rank - 1].as_secs_f64() * 1000.0
    };
    let requests = latencies.len();
    let seconds = elapsed.as_secs_f64();
    println!(
        "webhook: {requests} deliveries ({EVENTS} distinct + {} redeliveries) in {seconds:.2} s \
         = {:.0} requests/s, {:.0} distinct events/s ({WORKERS} concurrent, {USERS} users)",
        requests - EVENTS,
        requests as f64 / seconds,
        EVENTS as f64 / seconds,
    );
    println!(
        "webhook latency per request: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0),
    );
    let share = |ticks: u64| ticks as f64 / 100.0 / seconds * 100.0;
    let (machine_busy, machine_total) = (
        machine_after.0 - machine_before.0,
        machine_after.1 - machine_before.1,
    );
    println!(
        "webhook CPU over the timed part: this process (client + server) {:.0}% of a core, \
         Postgres {:.0}%, whole machine {:.0}% busy of {} cores",
        share(cpu_after.0 - cpu_before.0),
        share(cpu_after.1 - cpu_before.1),
        machine_busy as f64 / machine_total.max(1) as f64 * 100.0,
        std::thread::available_parallelism().map_or(0, usize::from),
    );
    println!(
        "webhook exactly once: {} events recorded and granted once each, credits match",
        WARM_UP + EVENTS
    );
    Ok(())
}

/// Signed pack purchases for the distinct events `range` (event `i` for
/// user `i % USERS`), with a tenth of them again, all shuffled.
fn deliveries(
    rng: &mut impl Rng,
    users: &[uuid::Uuid],
    range: std::ops::Range<usize>,
    secret: &str,
    signed_at: i64,
) -> Vec<Delivery> {
    let mut indices: Vec<usize> = range.clone().collect();
    for _ in 0..range.len() * DUPLICATES_PER_TEN / 10 {
        indices.push(rng.random_range(range.clone()));
    }
    indices.shuffle(rng);
    indices
        .into_iter()
        .map(|i| {
            let body = serde_json::to_vec(&pack_event(i, users[i % users.len()], signed_at))
                .expect("an event serialises");
            let signature = sign(secret, signed_at, &body);
            Delivery { body, signature }
        })
        .collect()
}

/// A paid Payment Link checkout for a pack, shaped like Stripe's example.
fn pack_event(i: usize, user: uuid::Uuid, created: i64) -> Value {
    json!({
        "id": format!("evt_bench_{i}"),
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": created,
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": "checkout.session.completed",
        "data": {"object": {
            "id": format!("cs_bench_{i}"),
            "object": "checkout.session",
            "amount_subtotal": 1000,
            "amount_total": 1000,
            "client_reference_id": user.to_string(),
            "currency": "usd",
            "customer": format!("cus_bench_{i}"),
            "customer_details": {"email": format!("payer{i}@example.com"), "name": "Jenny Rosen"},
            "livemode": false,
            "metadata": {},
            "mode": "payment",
            "payment_link": null,
            "payment_status": "paid",
            "status": "complete",
            "subscription": null,
        }},
    })
}

/// `Stripe-Signature`: HMAC-SHA256 of `<t>.<body>` keyed with the secret.
fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Posts every delivery over `WORKERS` closed-loop workers; answers each
/// request's latency and how many answers said each outcome.
async fn post_all(
    http: &reqwest::Client,
    url: &str,
    all: Vec<Delivery>,
) -> anyhow::Result<(Vec<Duration>, HashMap<String, usize>)> {
    let all = Arc::new(all);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(WORKERS);
    for _ in 0..WORKERS {
        let (http, url, all, next) = (http.clone(), url.to_owned(), all.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(all.len() / WORKERS + 1);
            let mut outcomes: HashMap<String, usize> = HashMap::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(delivery) = all.get(i) else {
                    break;
                };
                let started = Instant::now();
                let response = http
                    .post(&url)
                    .header("content-type", "application/json; charset=utf-8")
                    .header("stripe-signature", &delivery.signature)
                    .body(delivery.body.clone())
                    .send()
                    .await?;
                let status = response.status();
                let answer: Value = response.json().await?;
                latencies.push(started.elapsed());
                ensure!(status == 200, "the webhook answered {status}: {answer}");
                let outcome = answer["outcome"].as_str().unwrap_or("none").to_owned();
                *outcomes.entry(outcome).or_default() += 1;
            }
            Ok::<_, anyhow::Error>((latencies, outcomes))
        }));
    }
    let mut latencies = Vec::new();
    let mut outcomes: HashMap<String, usize> = HashMap::new();
    for task in tasks {
        let (some, counted) = task.await??;
        latencies.extend(some);
        for (outcome, n) in counted {
            *outcomes.entry(outcome).or_default() += n;
        }
    }
    Ok((latencies, outcomes))
}

/// Every distinct event applied exactly once: the timed answers, then the
/// recorded events, the grants and each user's balance.
async fn verify(
    db: &sqlx::PgPool,
    users: &[uuid::Uuid],
    outcomes: &HashMap<String, usize>,
) -> anyhow::Result<()> {
    let redelivered = EVENTS * DUPLICATES_PER_TEN / 10;
    let expected = HashMap::from([
        ("pack_granted".to_owned(), EVENTS),
        ("duplicate".to_owned(), redelivered),
    ]);
    ensure!(
        *outcomes == expected,
        "timed answers {outcomes:?}, expected {expected:?}"
    );
    let distinct = i64::try_from(WARM_UP + EVENTS)?;
    let (events, granted, grants): (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from public.billing_events where event_id like 'evt_bench_%'),
                (select count(*) from public.billing_events
                 where event_id like 'evt_bench_%' and outcome = 'pack_granted'),
                (select count(*) from public.credit_grants where reference like 'cs_bench_%')",
    )
    .fetch_one(db)
    .await?;
    ensure!(
        (events, granted, grants) == (distinct, distinct, distinct),
        "recorded {events} events ({granted} granted) and {grants} grants for {distinct} events"
    );
    for (u, user) in users.iter().enumerate() {
        let per_user = (0..WARM_UP + EVENTS)
            .filter(|i| i % users.len() == u)
            .count();
        let credits: i64 =
            sqlx::query_scalar("select credits from public.quota_accounts where user_id = $1")
                .bind(user)
                .fetch_one(db)
                .await
                .with_context(|| format!("the balance of user {u}"))?;
        if credits != PACK * i64::try_from(per_user)? {
            bail!("user {u} has {credits} credits for {per_user} packs");
        }
    }
    Ok(())
}

/// The stack's postmaster: the one of its processes that is `postgres`.
fn postgres_pid(stack: &Stack) -> anyhow::Result<u32> {
    stack
        .pids()
        .into_iter()
        .find(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim() == "postgres")
        })
        .context("the stack runs no postgres of its own")
}

/// CPU ticks of `root` and of every live child of it (Postgres' backends);
/// a backend that exits meanwhile is lost, but the pool keeps them open.
fn tree_ticks(root: u32) -> anyhow::Result<u64> {
    let mut total = cpu_ticks(root)?;
    for entry in std::fs::read_dir("/proc")? {
        let Some(pid) = entry?
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        if stat_fields(pid).is_ok_and(|fields| fields.get(1) == Some(&root.to_string())) {
            total += cpu_ticks(pid).unwrap_or(0);
        }
    }
    Ok(total)
}

/// The fields of /proc/<pid>/stat after the command name (which is in
/// parentheses and may hold spaces): index 0 is the state, 1 the parent.
fn stat_fields(pid: u32) -> anyhow::Result<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .with_context(|| format!("unreadable /proc/{pid}/stat"))?;
    Ok(rest.split_whitespace().map(str::to_owned).collect())
}

/// User plus system CPU time of a process, in clock ticks (100 per second):
/// stat's fields 14 and 15, indices 11 and 12 after the name.
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let fields = stat_fields(pid)?;
    let tick = |i: usize| -> anyhow::Result<u64> {
        Ok(fields
            .get(i)
            .with_context(|| format!("short /proc/{pid}/stat"))?
            .parse()?)
    };
    Ok(tick(11)? + tick(12)?)
}

/// The whole machine's busy and total ticks so far, from /proc/stat, to
/// tell whether something else was using the cores during the run.
fn machine_ticks() -> anyhow::Result<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let line = stat.lines().next().context("an empty /proc/stat")?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let total: u64 = ticks.iter().sum();
    // idle and iowait are the fourth and fifth.
    let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
    Ok((total - idle, total))
}
