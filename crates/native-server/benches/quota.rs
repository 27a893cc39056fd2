//! Reserve + settle pairs per second against the local Postgres, with p50
//! and p99 latency per pair: the gateway's quota cost for every chat request.
//!
//! Method: a testkit stack (its own cluster, fsync off as in every test
//! stack), 200 Pro users with ample credits, 8 concurrent workers on a pool
//! of 8 connections calling `reserve_tokens` then `settle_reservation` over
//! SQL exactly as the gateway does, for a fixed number of pairs after a
//! warm-up. Run with `cargo xtask bench`; figures go to BENCHMARKS.md.

use std::time::{Duration, Instant};

use native_testkit::{Stack, accounts};
use sqlx::postgres::PgPoolOptions;

const USERS: usize = 200;
const WORKERS: usize = 8;
const PAIRS: usize = 20_000;
const WARM_UP: usize = 1_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let stack = Stack::start_dedicated().await?;
    let pool = PgPoolOptions::new()
        .max_connections(WORKERS as u32)
        .connect(stack.database_url())
        .await?;
    let users = accounts::users(&pool, (0..USERS).map(|i| format!("bench{i}@example.com"))).await?;
    accounts::make_pro(&pool, &users, 1_000_000_000_000, "bench").await?;

    run(&pool, &users, WARM_UP).await?;
    let started = Instant::now();
    let mut latencies = run(&pool, &users, PAIRS).await?;
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "reserve+settle: {PAIRS} pairs in {:.2} s = {:.0} pairs/s; p50 {:.2} ms, p99 {:.2} ms ({WORKERS} workers, {USERS} users)",
        elapsed.as_secs_f64(),
        PAIRS as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
    );
    Ok(())
}

/// Runs `pairs` reserve+settle pairs over `WORKERS` tasks; returns each pair's latency.
async fn run(
    pool: &sqlx::PgPool,
    users: &[uuid::Uuid],
    pairs: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut tasks = Vec::new();
    for w in 0..WORKERS {
        let pool = pool.clone();
        let users = users.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::with_capacity(pairs / WORKERS + 1);
            for i in (w..pairs).step_by(WORKERS) {
                let user = users[(i * 7919) % users.len()];
                let t = Instant::now();
                let id: Option<uuid::Uuid> = sqlx::query_scalar(
                    "select reservation_id from public.reserve_tokens($1, 1500)",
                )
                .bind(user)
                .fetch_one(&pool)
                .await?;
                let id = id.ok_or_else(|| anyhow::anyhow!("a reservation was refused"))?;
                sqlx::query("select public.settle_reservation($1, 1200)")
                    .bind(id)
                    .execute(&pool)
                    .await?;
                out.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(out)
        }));
    }
    let mut all = Vec::with_capacity(pairs);
    for task in tasks {
        all.extend(task.await??);
    }
    Ok(all)
}
