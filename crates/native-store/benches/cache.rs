//! The local cache's two speed goals: a full-text query over 100,000
//! messages (p95 ≤ 20 ms) and reading a 5,000-message conversation
//! (median ≤ 30 ms).
//!
//! Method: a cache file in a temporary folder (WAL, as the app opens it),
//! filled through `apply_remote` exactly as a sync fills it: 1,000
//! conversations of 100 messages whose words are drawn from a 20,000-word
//! vocabulary (French and English words with accents, then made-up words)
//! with a Zipf-like skew, so common words match tens of thousands of
//! messages and rare ones a handful. Then one conversation of 5,000
//! messages. Queries are 250 varied inputs (common, mid and rare words, two
//! words, prefixes, accent variants, hostile input) with the UI's limit of
//! 50 hits and snippets, each run once to warm up then 4 times measured;
//! reads repeat 30 times. Seeded, so every run measures the same data.
//! Run with `cargo xtask bench`; figures go to BENCHMARKS.md.

use std::error::Error;
use std::time::{Duration, Instant};

use native_core::{Conversation, ConversationId, Message, MessageId, MessageStatus, Role, UserId};
use native_store::{RemoteBatch, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::OffsetDateTime;

const CONVERSATIONS: usize = 1_000;
const MESSAGES_PER_CONVERSATION: usize = 100;
const LONG_CONVERSATION: usize = 5_000;
const VOCABULARY: usize = 20_000;
const SEARCH_LIMIT: usize = 50;
const SEARCH_ROUNDS: usize = 4;
const READ_REPEATS: usize = 30;

/// Real words first, so the most frequent ones look like a chat's.
const WORDS: &[&str] = &[
    "le",
    "de",
    "un",
    "the",
    "and",
    "to",
    "est",
    "pour",
    "que",
    "with",
    "café",
    "crème",
    "élève",
    "été",
    "noël",
    "déjà",
    "très",
    "où",
    "à",
    "ça",
    "garçon",
    "français",
    "réponse",
    "question",
    "fichier",
    "document",
    "rust",
    "python",
    "données",
    "requête",
    "serveur",
    "client",
    "erreur",
    "message",
    "conversation",
    "résumé",
    "traduction",
    "voyage",
    "hôtel",
    "forêt",
    "château",
    "recette",
    "cuisine",
    "pâtes",
    "fenêtre",
    "mémoire",
    "système",
    "problème",
    "thème",
    "idée",
    "contrat",
    "facture",
    "budget",
    "projet",
    "équipe",
    "réunion",
    "planning",
    "semaine",
    "année",
    "function",
    "database",
    "search",
    "index",
    "query",
    "token",
    "model",
    "prompt",
    "answer",
    "summary",
    "translate",
    "explain",
    "example",
    "code",
    "test",
    "build",
    "deploy",
    "network",
];

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mé", "ri", "tu", "za", "po", "ne", "vi", "sa", "dou", "ré", "fi", "lan", "gor",
    "bé", "chi", "mon", "tra", "ël", "pi", "su", "qua", "ber", "nô", "li", "ca", "to", "ve", "da",
];

fn main() -> Result<(), Box<dyn Error>> {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let vocabulary = vocabulary();
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("history.sqlite3");
    let mut store = Store::open(&path)?;
    let user = UserId::new_random();

    let started = Instant::now();
    for c in 0..CONVERSATIONS {
        let conversation = conversation(user, c as i64 * 1_000);
        let messages = (0..MESSAGES_PER_CONVERSATION)
            .map(|i| {
                let at = c as i64 * 1_000 + i as i64;
                let text = text(&mut rng, &vocabulary, i);
                message(&conversation, i, text, at)
            })
            .collect();
        store.apply_remote(&RemoteBatch {
            conversations: vec![conversation],
            messages,
            ..RemoteBatch::default()
        })?;
        if (c + 1) * MESSAGES_PER_CONVERSATION == 20_000 {
            // The History issue's typical account: 20,000 messages.
            store = reopen(store, &path, 20_000)?;
        }
    }
    let filled = started.elapsed();
    let total = CONVERSATIONS * MESSAGES_PER_CONVERSATION;
    println!(
        "fill: {total} messages in {CONVERSATIONS} batches in {:.1} s = {:.0} messages/s",
        filled.as_secs_f64(),
        total as f64 / filled.as_secs_f64()
    );

    let long = conversation(user, 10_000_000);
    let long_id = long.id;
    let messages = (0..LONG_CONVERSATION)
        .map(|i| {
            let text = text(&mut rng, &vocabulary, i);
            message(&long, i, text, 10_000_000 + i as i64)
        })
        .collect();
    store.apply_remote(&RemoteBatch {
        conversations: vec![long],
        messages,
        ..RemoteBatch::default()
    })?;
    let bytes = std::fs::metadata(&path)?.len()
        + std::fs::metadata(dir.path().join("history.sqlite3-wal")).map_or(0, |m| m.len());
    println!(
        "cache: {} messages, {:.0} MiB on disk",
        total + LONG_CONVERSATION,
        bytes as f64 / (1024.0 * 1024.0)
    );

    let store = reopen(store, &path, total + LONG_CONVERSATION)?;

    search(&store, &queries(&mut rng, &vocabulary))?;
    read(&store, long_id)?;
    Ok(())
}

/// Closes and opens the cache again, timing the open (part of the app's
/// cold start: it reads the header only) and then the integrity check the
/// app runs after the launch (it reads every page). Both with the page
/// cache warm.
fn reopen(store: Store, path: &std::path::Path, messages: usize) -> Result<Store, Box<dyn Error>> {
    drop(store);
    let t = Instant::now();
    let store = Store::open(path)?;
    let opened = t.elapsed();
    let t = Instant::now();
    let intact = store.is_intact()?;
    let checked = t.elapsed();
    if !intact {
        return Err("the benchmark's cache failed its integrity check".into());
    }
    let size = std::fs::metadata(path)?.len() as f64 / (1024.0 * 1024.0);
    println!(
        "open, {messages} messages ({size:.0} MiB): {}; quick_check after the launch: {}",
        ms(opened),
        ms(checked)
    );
    Ok(store)
}

fn search(store: &Store, queries: &[(&'static str, String)]) -> Result<(), Box<dyn Error>> {
    let mut hits = 0;
    for (_, q) in queries {
        hits += store.search(q, SEARCH_LIMIT)?.len();
    }
    let mut latencies: Vec<(&str, Duration)> = Vec::with_capacity(queries.len() * SEARCH_ROUNDS);
    for _ in 0..SEARCH_ROUNDS {
        for (kind, q) in queries {
            let t = Instant::now();
            let found = store.search(q, SEARCH_LIMIT)?;
            latencies.push((kind, t.elapsed()));
            std::hint::black_box(found);
        }
    }
    let mut all: Vec<Duration> = latencies.iter().map(|(_, d)| *d).collect();
    all.sort_unstable();
    println!(
        "search: {} queries x {SEARCH_ROUNDS} (limit {SEARCH_LIMIT}, {:.1} hits/query): \
         p50 {}, p95 {}, p99 {}, max {}",
        queries.len(),
        hits as f64 / queries.len() as f64,
        ms(pct(&all, 0.50)),
        ms(pct(&all, 0.95)),
        ms(pct(&all, 0.99)),
        ms(pct(&all, 1.0)),
    );
    let mut kinds: Vec<&str> = queries.iter().map(|(k, _)| *k).collect();
    kinds.dedup();
    for kind in kinds {
        let mut of_kind: Vec<Duration> = latencies
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, d)| *d)
            .collect();
        of_kind.sort_unstable();
        println!(
            "  {kind}: p50 {}, p95 {}, max {}",
            ms(pct(&of_kind, 0.50)),
            ms(pct(&of_kind, 0.95)),
            ms(pct(&of_kind, 1.0)),
        );
    }
    Ok(())
}

fn read(store: &Store, id: ConversationId) -> Result<(), Box<dyn Error>> {
    let count = store.messages(id)?.len();
    let mut latencies = Vec::with_capacity(READ_REPEATS);
    for _ in 0..READ_REPEATS {
        let t = Instant::now();
        let messages = store.messages(id)?;
        latencies.push(t.elapsed());
        std::hint::black_box(messages);
    }
    latencies.sort_unstable();
    let mut pages = Vec::with_capacity(READ_REPEATS);
    for _ in 0..READ_REPEATS {
        let t = Instant::now();
        let page = store.messages_page(id, None, 50)?;
        pages.push(t.elapsed());
        std::hint::black_box(page);
    }
    pages.sort_unstable();
    println!(
        "read: {count} messages x {READ_REPEATS}: median {}, p95 {}, max {}; newest 50: median {}",
        ms(pct(&latencies, 0.50)),
        ms(pct(&latencies, 0.95)),
        ms(pct(&latencies, 1.0)),
        ms(pct(&pages, 0.50)),
    );
    Ok(())
}

/// Nearest-rank percentile of sorted samples.
fn pct(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn vocabulary() -> Vec<String> {
    let mut words: Vec<String> = WORDS.iter().map(|w| (*w).to_owned()).collect();
    // Then made-up words: n written in base 30 with a syllable per digit,
    // from n = 30 so each has at least two syllables.
    let mut n = SYLLABLES.len();
    while words.len() < VOCABULARY {
        let mut word = String::new();
        let mut k = n;
        while k > 0 {
            word.push_str(SYLLABLES[k % SYLLABLES.len()]);
            k /= SYLLABLES.len();
        }
        words.push(word);
        n += 1;
    }
    words
}

/// A word index with probability roughly proportional to 1/rank (Zipf).
fn word<'v>(rng: &mut StdRng, vocabulary: &'v [String]) -> &'v str {
    let u: f64 = rng.random();
    let rank = (vocabulary.len() as f64).powf(u) as usize - 1;
    &vocabulary[rank.min(vocabulary.len() - 1)]
}

/// A user turn (even `i`) of 5 to 30 words, or a reply of 20 to 150.
fn text(rng: &mut StdRng, vocabulary: &[String], i: usize) -> String {
    let len = if i.is_multiple_of(2) {
        rng.random_range(5..30)
    } else {
        rng.random_range(20..150)
    };
    let words: Vec<&str> = (0..len).map(|_| word(rng, vocabulary)).collect();
    words.join(" ")
}

/// (kind, query) pairs; the kinds get their own line in the output.
fn queries(rng: &mut StdRng, vocabulary: &[String]) -> Vec<(&'static str, String)> {
    let mut queries = Vec::new();
    let pick = |rng: &mut StdRng, range: std::ops::Range<usize>| {
        vocabulary[rng.random_range(range)].clone()
    };
    for _ in 0..50 {
        queries.push(("common word", pick(rng, 0..100))); // thousands of matches
    }
    for _ in 0..50 {
        queries.push(("mid word", pick(rng, 100..2_000)));
    }
    for _ in 0..50 {
        queries.push(("rare word", pick(rng, 2_000..VOCABULARY)));
    }
    for _ in 0..50 {
        let (a, b) = (pick(rng, 0..500), pick(rng, 100..5_000));
        queries.push(("two words", format!("{a} {b}")));
    }
    for _ in 0..30 {
        let w = pick(rng, 100..5_000);
        queries.push(("prefix", w.chars().take(3).collect())); // while typing
    }
    for q in [
        "cafe",
        "café crème",
        "eleve",
        "ÉLÈVE",
        "noel",
        "deja",
        "tres",
        "francais",
        "reponse",
        "\"quoted\" AND",
        "(test",
        "NOT réponse",
        "-erreur",
        "🎉 voyage",
        "hôtel*",
        "serveur client erreur",
        "ca",
        "ré",
        "qu",
        "model prompt token",
    ] {
        queries.push(("accents, syntax, short", q.to_owned()));
    }
    queries
}

fn conversation(user: UserId, seconds: i64) -> Conversation {
    Conversation {
        id: ConversationId::new_random(),
        user_id: user,
        title: format!("Conversation {seconds}"),
        created_at: time(seconds),
        updated_at: time(seconds),
    }
}

fn message(conversation: &Conversation, i: usize, content: String, seconds: i64) -> Message {
    let (role, model) = if i.is_multiple_of(2) {
        (Role::User, None)
    } else {
        (Role::Assistant, Some("mistral-small-latest".to_owned()))
    };
    Message {
        id: MessageId::new_random(),
        conversation_id: conversation.id,
        role,
        content,
        created_at: time(seconds),
        attachments: Vec::new(),
        status: MessageStatus::Complete,
        model,
    }
}

fn time(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_767_225_600 + seconds)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
