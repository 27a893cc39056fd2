//! The account both sides show: 1,000 conversations, one of them 5,000
//! messages long, written through PostgREST in bulk as the user (as another
//! device would have), then pulled into the desktop app's cache by the
//! facade's own sync.

use anyhow::{Context, Result};
use native_app::{AuthState, NativeApp};
use native_testkit::Stack;
use serde_json::{Value, json};

pub const CONVERSATIONS: usize = 1_000;
/// Messages in every conversation but the long one.
pub const MESSAGES_EACH: usize = 20;
pub const LONG_MESSAGES: usize = 5_000;

const WORDS: &[&str] = &[
    "the", "weather", "in", "Lyon", "recipe", "for", "crêpes", "train", "ticket", "museum",
    "river", "bridge", "market", "cheese", "bread", "coffee", "morning", "evening", "garden",
    "library", "question", "answer", "because", "perhaps", "quickly", "slowly", "window",
    "mountain", "bicycle", "station", "journey", "kitchen", "summer", "winter", "letter",
    "numbers", "résumé", "château", "forêt", "école", "déjà", "naïve", "and", "with", "about",
];

/// A deterministic generator (xorshift), so every run measures the same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn words(&mut self, count: usize) -> String {
        (0..count)
            .map(|_| WORDS[self.below(WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One message of the long conversation: short questions, and replies of
/// 20-150 words, some with the Markdown replies carry (a list, code).
fn long_message(rng: &mut Rng, index: usize) -> (&'static str, String) {
    if index.is_multiple_of(2) {
        let words = 5 + rng.below(25);
        return ("user", format!("{}?", rng.words(words)));
    }
    let words = 20 + rng.below(130);
    let body = rng.words(words);
    let text = match index % 10 {
        1 => format!(
            "{body}\n\n- {}\n- {}\n- {}",
            rng.words(6),
            rng.words(8),
            rng.words(5)
        ),
        5 => format!(
            "{body}\n\n```rust\nfn main() {{\n    println!(\"{}\");\n}}\n```",
            rng.words(4)
        ),
        _ => body,
    };
    ("assistant", text)
}

/// Writes the history as `app`'s signed-in user; returns the long
/// conversation's id.
pub async fn seed(stack: &Stack, app: &NativeApp) -> Result<String> {
    let token = app.access_token().await?;
    let AuthState::SignedIn { user, .. } = app.auth_state() else {
        anyhow::bail!("the seeding app is not signed in");
    };
    let base = stack.supabase_url().trim_end_matches('/').to_owned();
    let http = reqwest::Client::new();
    let write = |table: &str, rows: Vec<Value>| {
        http.post(format!("{base}/rest/v1/{table}"))
            .header("apikey", stack.anon_key())
            .header("Prefer", "return=minimal")
            .bearer_auth(&token)
            .json(&rows)
            .send()
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let ids: Vec<String> = (0..CONVERSATIONS)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let conversations = ids
        .iter()
        .enumerate()
        .map(|(i, id)| json!({"id": id, "user_id": user.id, "title": format!("{} {i}", rng.words(3))}))
        .collect();
    write("conversations", conversations)
        .await?
        .error_for_status()
        .context("writing conversations")?;
    let (long, short) = ids.split_first().context("no conversations")?;
    for chunk in short.chunks(50) {
        let rows = chunk
            .iter()
            .flat_map(|id| (0..MESSAGES_EACH).map(move |j| (id, j)))
            .map(|(id, j)| {
                let (role, content) = long_message(&mut rng, j);
                json!({"conversation_id": id, "role": role, "content": content})
            })
            .collect();
        write("messages", rows)
            .await?
            .error_for_status()
            .context("writing messages")?;
    }
    let long_rows: Vec<(usize, &str, String)> = (0..LONG_MESSAGES)
        .map(|j| {
            let (role, content) = long_message(&mut rng, j);
            (j, role, content)
        })
        .collect();
    for chunk in long_rows.chunks(1_000) {
        let rows = chunk
            .iter()
            .map(|(_, role, content)| json!({"conversation_id": long, "role": role, "content": content}))
            .collect();
        write("messages", rows)
            .await?
            .error_for_status()
            .context("writing the long conversation")?;
    }
    Ok(long.clone())
}
