//! History sync against the local stack: the first sync of a large account
//! into an empty cache, and a sync when nothing changed.
//!
//! Method: a testkit stack with its own cluster; one user with 1,000
//! conversations and 20,000 messages (20 each) written through PostgREST in
//! bulk, as the user. A device with an empty on-disk cache signs in and runs
//! `sync_history` (pull of all three streams in 1,000-row pages, outbox,
//! presence): timed once per fresh device, 3 devices. Then, after the 2 s
//! re-read window has passed, 30 syncs with no change on one device; median
//! and p95. Run with `cargo xtask bench`; figures go to BENCHMARKS.md.

use std::sync::Arc;
use std::time::{Duration, Instant};

use native_app::{AppConfig, MemoryStore, NativeApp, SyncStatus};
use native_client::Rest;
use native_testkit::Stack;
use serde_json::{Value, json};

const CONVERSATIONS: usize = 1_000;
const MESSAGES_EACH: usize = 20;
const PASSWORD: &str = "bench password";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let stack = Stack::start_dedicated().await?;
    let config = AppConfig::parse(Some(stack.supabase_url()), Some(stack.anon_key()), None)?;
    let seeder = NativeApp::with_store(config.clone(), Arc::new(MemoryStore::default()))?;
    seeder.restore().await;
    seeder.sign_up("bench@example.com", PASSWORD).await?;
    seed(&stack, &seeder).await?;

    let mut first = Vec::new();
    let mut dirs = Vec::new();
    for _ in 0..3 {
        let dir = tempfile::TempDir::new()?;
        let device = NativeApp::with_store(config.clone(), Arc::new(MemoryStore::default()))?
            .with_data_dir(dir.path().to_owned())?;
        device.restore().await;
        device.sign_in("bench@example.com", PASSWORD).await?;
        let started = Instant::now();
        let status = device.sync_history().await?;
        first.push(started.elapsed());
        anyhow::ensure!(matches!(status, SyncStatus::Synced { .. }), "{status:?}");
        let listed = device.list_conversations().await?;
        anyhow::ensure!(
            listed.len() == CONVERSATIONS,
            "{} conversations",
            listed.len()
        );
        dirs.push((dir, device));
    }
    first.sort();
    println!(
        "first sync of {CONVERSATIONS} conversations / {} messages: median {:.2} s (runs: {})",
        CONVERSATIONS * MESSAGES_EACH,
        first[1].as_secs_f64(),
        first
            .iter()
            .map(|d| format!("{:.2} s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );

    tokio::time::sleep(Duration::from_secs(3)).await;
    let (_, device) = &dirs[0];
    let mut idle = Vec::new();
    for _ in 0..30 {
        let started = Instant::now();
        device.sync_history().await?;
        idle.push(started.elapsed());
    }
    idle.sort();
    println!(
        "sync with no change: median {:.1} ms, p95 {:.1} ms (30 runs)",
        idle[idle.len() / 2].as_secs_f64() * 1000.0,
        idle[(idle.len() * 95 / 100).min(idle.len() - 1)].as_secs_f64() * 1000.0
    );
    Ok(())
}

/// Writes the account's history through PostgREST in bulk, as the user.
async fn seed(stack: &Stack, app: &NativeApp) -> anyhow::Result<()> {
    let token = app.access_token().await?;
    let user = match app.auth_state() {
        native_app::AuthState::SignedIn { user, .. } => user.id,
        other => anyhow::bail!("not signed in: {other:?}"),
    };
    let rest = Rest::new(&stack.supabase_url().parse()?, stack.anon_key())?;
    let ids: Vec<uuid::Uuid> = (0..CONVERSATIONS).map(|_| uuid::Uuid::new_v4()).collect();
    let conversations: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| json!({"id": id, "user_id": user, "title": format!("Conversation {i}")}))
        .collect();
    let insert = rest
        .from("conversations", Some(&token))?
        .insert(Value::from(conversations).to_string());
    Rest::execute_write(insert, "return=minimal").await?;
    for chunk in ids.chunks(100) {
        let messages: Vec<Value> = chunk
            .iter()
            .flat_map(|id| {
                (0..MESSAGES_EACH).map(move |j| {
                    json!({"conversation_id": id, "role": if j % 2 == 0 { "user" } else { "assistant" },
                           "content": format!("Message {j} about the weather in Lyon and a recipe for crêpes, number {j}.")})
                })
            })
            .collect();
        let insert = rest
            .from("messages", Some(&token))?
            .insert(Value::from(messages).to_string());
        Rest::execute_write(insert, "return=minimal").await?;
    }
    Ok(())
}
