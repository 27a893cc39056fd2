//! Concurrent streams one `native-server` holds on this machine, and what
//! they cost it in memory and CPU.
//!
//! Method: a testkit stack (its own cluster) provides Postgres and the fake
//! provider; `native-server` runs as its own process (the release binary
//! Cargo builds for benches), so its RSS is its own. 125 Pro users open 4
//! streams each (the per-user limit), 500 in all, at once. Each reply is 300
//! chunks, one every 100 ms (30 s, 5,000 chunks/s across all streams). Once
//! every stream has its first token, the server's RSS (VmRSS, and the peak
//! VmHWM) and its CPU time over 5 s are read from /proc, and `/health` is
//! timed; then every stream must end with `[DONE]` and its whole text.
//! Run with `cargo xtask bench`; figures go to BENCHMARKS.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use eventsource_stream::Eventsource;
use futures::StreamExt;
use native_testkit::fake_provider::Script;
use native_testkit::process::{Spec, spawn};
use native_testkit::{Stack, accounts};
use serde_json::{Value, json};

const USERS: usize = 125;
const STREAMS_PER_USER: usize = 4;
const CHUNKS: usize = 300;
const CHUNK_DELAY: Duration = Duration::from_millis(100);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let stack = Stack::start_dedicated().await?;
    let db = stack.db().await;
    let users = accounts::users(&db, (0..USERS).map(|i| format!("streams{i}@example.com"))).await?;
    accounts::make_pro(&db, &users, 1_000_000_000, "bench").await?;
    let tokens: Vec<String> = users
        .iter()
        .map(|&user| stack.keys().access_token(user, 3600))
        .collect();
    let reply = "tok ".repeat(CHUNKS);
    stack
        .provider()
        .set_default_script(Script::reply(reply.clone()).chunk_delay(CHUNK_DELAY));

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let dir = tempfile::tempdir()?;
    let mut spec = Spec::new(
        "native-server",
        env!("CARGO_BIN_EXE_native-server"),
        dir.path(),
    );
    spec.env = vec![
        ("NATIVE_SERVER_BIND".into(), format!("127.0.0.1:{port}")),
        ("DATABASE_URL".into(), stack.database_url().to_owned()),
        (
            "PROVIDER_BASE_URL".into(),
            stack.provider_base_url().to_owned(),
        ),
        ("NATIVE_PROVIDER".into(), "demo".into()),
        ("SUPABASE_JWT_SECRET".into(), stack.jwt_secret().to_owned()),
        ("RUST_LOG".into(), "warn".into()),
    ];
    let server = spawn(&spec)?;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder().tcp_nodelay(true).build()?;
    wait_healthy(&http, &base).await?;
    let idle_rss = rss_kib(server.pid(), "VmRSS")?;

    let started = Instant::now();
    let first_tokens = Arc::new(AtomicUsize::new(0));
    let mut streams = Vec::new();
    for token in &tokens {
        for _ in 0..STREAMS_PER_USER {
            let (http, url, token) = (
                http.clone(),
                format!("{base}/v1/chat/completions"),
                token.clone(),
            );
            let first_tokens = first_tokens.clone();
            streams.push(tokio::spawn(async move {
                stream(&http, &url, &token, &first_tokens).await
            }));
        }
    }
    let total = streams.len();
    while first_tokens.load(Ordering::SeqCst) < total {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(25),
            "streams did not all start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let all_started = started.elapsed();

    let cpu_before = cpu_ticks(server.pid())?;
    let window = Instant::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let cpu =
        (cpu_ticks(server.pid())? - cpu_before) as f64 / 100.0 / window.elapsed().as_secs_f64();
    let held_rss = rss_kib(server.pid(), "VmRSS")?;
    let health_started = Instant::now();
    let health = http.get(format!("{base}/health")).send().await?;
    let health_latency = health_started.elapsed();
    let open: Value = health.json().await?;

    let mut complete = 0;
    for task in streams {
        if task.await?? == reply {
            complete += 1;
        }
    }
    let peak_rss = rss_kib(server.pid(), "VmHWM")?;
    println!(
        "{total} concurrent streams: all had a first token after {:.2} s; {complete}/{total} completed with [DONE] and the whole reply",
        all_started.as_secs_f64()
    );
    println!(
        "server RSS: idle {:.1} MiB, holding {} streams {:.1} MiB ({:.1} KiB per stream), peak {:.1} MiB",
        idle_rss as f64 / 1024.0,
        open["open_streams"],
        held_rss as f64 / 1024.0,
        (held_rss - idle_rss) as f64 / total as f64,
        peak_rss as f64 / 1024.0
    );
    println!(
        "server CPU while relaying {} chunks/s: {:.0}% of one core; /health answered in {:.1} ms",
        (total as f64 / CHUNK_DELAY.as_secs_f64()) as u64,
        cpu * 100.0,
        health_latency.as_secs_f64() * 1000.0
    );
    anyhow::ensure!(complete == total, "some streams did not complete");
    drop(server);
    Ok(())
}

/// One streamed reply; counts its first token and answers its whole text.
async fn stream(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    first_tokens: &AtomicUsize,
) -> anyhow::Result<String> {
    let body = json!({"messages": [{"role": "user", "content": "Talk for a while."}], "stream": true, "max_tokens": 1024});
    let response = http.post(url).bearer_auth(token).json(&body).send().await?;
    anyhow::ensure!(
        response.status().is_success(),
        "status {}",
        response.status()
    );
    let mut events = response.bytes_stream().eventsource();
    let mut text = String::new();
    let mut done = false;
    while let Some(event) = events.next().await {
        let event = event?;
        if event.data == "[DONE]" {
            done = true;
            continue;
        }
        let chunk: Value = serde_json::from_str(&event.data)?;
        if let Some(piece) = chunk["choices"][0]["delta"]["content"].as_str() {
            if text.is_empty() && !piece.is_empty() {
                first_tokens.fetch_add(1, Ordering::SeqCst);
            }
            text.push_str(piece);
        }
    }
    anyhow::ensure!(done, "a stream ended without [DONE]");
    Ok(text)
}

async fn wait_healthy(http: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    for _ in 0..200 {
        if let Ok(response) = http.get(format!("{base}/health")).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("native-server never became healthy")
}

/// A `Vm*` line of /proc/<pid>/status, in KiB.
fn rss_kib(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no {field} in /proc/{pid}/status"))
}

/// User plus system CPU time of a process, in clock ticks (100 per second).
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| anyhow::anyhow!("unreadable /proc/{pid}/stat"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<u64> {
        Ok(fields
            .get(i)
            .ok_or_else(|| anyhow::anyhow!("short /proc/{pid}/stat"))?
            .parse()?)
    };
    // utime and stime are stat's fields 14 and 15; after the name, field 3
    // (the state) is index 0.
    Ok(ticks(11)? + ticks(12)?)
}
