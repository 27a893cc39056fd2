//! The client's per-chunk latency, from the socket to the UI's channel: how
//! long a streamed chunk takes from the moment the server writes it until
//! `NativeApp::send_message` hands its `Delta` to the sink (the shell's
//! `Channel`).
//!
//! Method: the testkit stack for sign-in and history; in place of the
//! gateway, an SSE server in this process that writes 2,000 OpenAI-style
//! chunks, 2 ms apart, each carrying the `Instant` (as nanoseconds since a
//! shared origin) at which it was written. The sink reads the stamp back on
//! arrival; p50/p99/max over 5 replies (10,000 chunks). Run with
//! `cargo xtask bench`; figures go to BENCHMARKS.md.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::response::sse::{Event, Sse};
use axum::routing::post;
use futures::stream::{self, StreamExt};
use native_app::{AppConfig, ChatOptions, ChatSink, MemoryStore, NativeApp};
use native_core::ChatEvent;
use native_testkit::Stack;

const CHUNKS: usize = 2_000;
const REPLIES: usize = 5;

static ORIGIN: OnceLock<Instant> = OnceLock::new();

fn now_ns() -> u64 {
    u64::try_from(ORIGIN.get_or_init(Instant::now).elapsed().as_nanos()).unwrap_or(u64::MAX)
}

#[derive(Default)]
struct Latencies(Mutex<Vec<u64>>);

impl ChatSink for Latencies {
    fn send(&self, event: ChatEvent) {
        let arrived = now_ns();
        if let ChatEvent::Delta { text } = event {
            for stamp in text.split(';').filter_map(|s| s.trim().parse::<u64>().ok()) {
                self.0
                    .lock()
                    .expect("latencies")
                    .push(arrived.saturating_sub(stamp));
            }
        }
    }
}

async fn chat() -> Sse<impl futures::Stream<Item = Result<Event, Infallible>>> {
    let chunks = stream::iter(0..CHUNKS)
        .then(|_| async {
            tokio::time::sleep(Duration::from_millis(2)).await;
            let chunk = serde_json::json!({
                "model": "bench",
                "choices": [{"index": 0, "delta": {"content": format!("{};", now_ns())}, "finish_reason": null}]
            });
            Ok(Event::default().data(chunk.to_string()))
        })
        .chain(stream::once(async { Ok(Event::default().data("[DONE]")) }));
    Sse::new(chunks)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    ORIGIN.get_or_init(Instant::now);
    let stack = Stack::start().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let gateway = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let app = Router::new().route("/v1/chat/completions", post(chat));
        let _ = axum::serve(listener, app).await;
    });
    let config = AppConfig::parse(
        Some(stack.supabase_url()),
        Some(stack.anon_key()),
        Some(&gateway),
    )?;
    let app = NativeApp::with_store(config, Arc::new(MemoryStore::default()))?;
    app.restore().await;
    app.sign_up("latency@example.com", "bench password").await?;

    let sink = Latencies::default();
    let mut conversation = None;
    for _ in 0..REPLIES {
        let outcome = app
            .send_message(conversation, "Go", ChatOptions::default(), &sink)
            .await?;
        conversation = Some(outcome.conversation_id);
    }
    let mut latencies = sink.0.into_inner().expect("latencies");
    anyhow::ensure!(
        latencies.len() == CHUNKS * REPLIES,
        "{} chunks arrived",
        latencies.len()
    );
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)] as f64 / 1e6
    };
    println!(
        "per-chunk latency, socket to channel: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({} chunks)",
        pct(0.50),
        pct(0.99),
        *latencies.last().unwrap_or(&0) as f64 / 1e6,
        latencies.len()
    );
    Ok(())
}
