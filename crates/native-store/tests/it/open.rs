//! Opening: the per-user file, settings, migrations from every earlier
//! version, and recovery from corrupt files.

use std::path::Path;

use native_core::{AttachmentText, ConversationId, UserId};
use native_store::{OpenReport, OutboxOp, SCHEMA_VERSION, Store, StoreError};
use rusqlite::{Connection, params};

use crate::support::{at, conversation, message, synced, user};

/// Every schema step, in order, as the released builds shipped them. A new
/// migration must be added here, which makes the test below cover the
/// upgrade from the version before it too.
const STEPS: &[&str] = &[
    include_str!("../../migrations/0001_base.sql"),
    include_str!("../../migrations/0002_search_outbox.sql"),
    include_str!("../../migrations/0003_delete_message.sql"),
    include_str!("../../migrations/0004_attachment_texts.sql"),
];

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn each_user_gets_a_database_file_of_their_own() {
    assert_send_sync::<Store>();
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob) = (UserId::new_random(), UserId::new_random());
    let store = Store::open_for_user(dir.path(), alice).unwrap();
    let (c, _) = synced(&store, "Alice's", &["hello"]);
    assert_eq!(store.open_report(), &OpenReport::default());
    let file = dir.path().join(format!("users/{alice}/history.sqlite3"));
    assert!(file.is_file(), "{} exists", file.display());

    let other = Store::open_for_user(dir.path(), bob).unwrap();
    assert!(other.conversations().unwrap().is_empty());
    assert_eq!(store.conversations().unwrap()[0].conversation, c);
}

#[test]
fn the_file_is_in_wal_mode_and_reopens_with_its_data_and_no_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let store = Store::open(&path).unwrap();
    let (c, _) = synced(&store, "kept", &["one", "two"]);
    store.rename_conversation(c.id, "renamed", at(50)).unwrap();
    drop(store);

    let mode: String = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");

    let store = Store::open(&path).unwrap();
    assert_eq!(store.open_report(), &OpenReport::default());
    let list = store.conversations().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].conversation.title, "renamed");
    assert!(list[0].pending, "the queued rename survives a restart");
    assert_eq!(store.outbox().unwrap().len(), 1);
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert!(
        files
            .iter()
            .all(|f| !f.file_name().to_string_lossy().contains(".bak-")),
        "no backup without a migration"
    );
}

#[test]
fn every_earlier_version_with_data_is_backed_up_and_migrated() {
    assert_eq!(
        STEPS.len(),
        SCHEMA_VERSION as usize,
        "list every step in STEPS"
    );
    for version in 1..SCHEMA_VERSION {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite3");
        let (conversation_id, message_ids) = build_old_database(&path, version);

        let store = Store::open(&path).unwrap();
        let report = store.open_report().clone();
        let backup = dir.path().join(format!("history.sqlite3.bak-v{version}"));
        assert_eq!(report.migrated_from, Some(version));
        assert_eq!(report.backup.as_deref(), Some(backup.as_path()));
        assert!(!report.recovered_from_corruption);

        // The backup is the old database, untouched.
        let old = Connection::open(&backup).unwrap();
        let (old_version, old_rows): (u32, u32) = old
            .query_row(
                "SELECT (SELECT user_version FROM pragma_user_version), count(*) FROM messages",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!((old_version, old_rows), (version, 3));

        // The rows are intact, in order, and searchable.
        let list = store.conversations().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].conversation.id, conversation_id);
        assert_eq!(list[0].conversation.title, "Recette du café");
        assert_eq!(list[0].message_count, 3);
        assert!(!list[0].pending);
        let messages = store.messages(conversation_id).unwrap();
        let ids: Vec<_> = messages.iter().map(|m| m.message.id).collect();
        assert_eq!(ids, message_ids);
        assert_eq!(
            messages[1].message.content,
            "Un café crème, s'il vous plaît"
        );
        let hits = store.search("cafe creme", 10).unwrap();
        assert_eq!(hits.len(), 1, "v{version} rows are indexed by the upgrade");
        assert_eq!(hits[0].message_id, message_ids[1]);
        // And the upgraded cache takes new writes.
        store
            .add_message(&message(&list[0].conversation, "encore", 100))
            .unwrap();
        assert_eq!(store.search("encore", 10).unwrap().len(), 1);
    }
}

/// Writes a database at `version` by running the first `version` steps, then
/// inserts one conversation with three messages using only version-1 columns.
fn build_old_database(path: &Path, version: u32) -> (ConversationId, Vec<native_core::MessageId>) {
    let mut conn = Connection::open(path).expect("build the old database");
    let tx = conn.transaction().expect("build the old database");
    for step in &STEPS[..version as usize] {
        tx.execute_batch(step).expect("build the old database");
    }
    tx.pragma_update(None, "user_version", version)
        .expect("build the old database");
    let c = conversation("Recette du café", 0);
    let ns = |s: i64| i64::try_from(at(s).unix_timestamp_nanos()).expect("build the old database");
    tx.execute(
        "INSERT INTO conversations (id, user_id, title, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![c.id.as_uuid(), user().as_uuid(), c.title, ns(0)],
    )
    .expect("build the old database");
    let mut ids = Vec::new();
    for (i, text) in ["Bonjour", "Un café crème, s'il vous plaît", "Voilà"]
        .iter()
        .enumerate()
    {
        let m = message(&c, text, i as i64 + 1);
        tx.execute(
            "INSERT INTO messages (id, conversation_id, role, content, created_at)
             VALUES (?1, ?2, 'user', ?3, ?4)",
            params![m.id.as_uuid(), c.id.as_uuid(), m.content, ns(i as i64 + 1)],
        )
        .expect("build the old database");
        ids.push(m.id);
    }
    tx.commit().expect("build the old database");
    (c.id, ids)
}

#[test]
fn a_database_from_a_newer_build_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    drop(Store::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);

    let err = Store::open(&path).err().expect("refused");
    assert!(
        matches!(err, StoreError::NewerSchema { found: 99, supported } if supported == SCHEMA_VERSION),
        "{err:?}"
    );
    let version: u32 = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, 99, "not treated as corrupt, not migrated");
}

#[test]
fn a_file_that_is_not_a_database_is_moved_aside_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let garbage = b"this is not a database, just some bytes the disk made up".repeat(200);
    std::fs::write(&path, &garbage).unwrap();
    std::fs::write(dir.path().join("history.sqlite3-wal"), b"stale wal").unwrap();

    let store = Store::open(&path).unwrap();
    let report = store.open_report().clone();
    assert!(report.recovered_from_corruption);
    assert_eq!(report.migrated_from, None);
    let moved = report.corrupt_copy.expect("moved aside");
    let name = moved.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("history.sqlite3.corrupt-"), "{name}");
    assert_eq!(
        std::fs::read(&moved).unwrap(),
        garbage,
        "kept byte for byte"
    );
    // SQLite drops a WAL without a valid header when the failed connection
    // closes (a valid one is checkpointed into the moved file first); either
    // way the fresh database must not pick up the stale one.
    let wal = std::fs::read(dir.path().join("history.sqlite3-wal")).unwrap_or_default();
    assert_ne!(wal, b"stale wal");

    // The fresh cache works.
    let (c, _) = synced(&store, "fresh", &["after recovery"]);
    assert_eq!(store.conversations().unwrap()[0].conversation, c);
}

/// A cache of many pages, closed (so its WAL is checkpointed into the
/// file); returns its length in bytes.
fn many_pages(path: &Path) -> u64 {
    let store = Store::open(path).expect("open");
    let c = conversation("long", 0);
    let texts: Vec<String> = (0..400)
        .map(|i| {
            format!(
                "message {i} with enough words to fill pages {}",
                "lorem ipsum ".repeat(20)
            )
        })
        .collect();
    let messages: Vec<_> = texts
        .iter()
        .zip(1..)
        .map(|(t, s)| message(&c, t, s))
        .collect();
    let mut batch = crate::support::batch(&[&c], &messages.iter().collect::<Vec<_>>());
    batch.cursor = Some(("messages".into(), "42".into()));
    store.apply_remote(&batch).expect("store");
    assert!(
        store.is_intact().expect("check"),
        "a sound cache passes the check"
    );
    drop(store); // The last connection's close checkpoints the WAL into the file.
    let len = std::fs::metadata(path).expect("size").len();
    assert!(len > 100_000, "a database of many pages ({len} bytes)");
    len
}

#[test]
fn a_database_truncated_mid_file_is_moved_aside_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let len = many_pages(&path);
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(len / 2).unwrap();
    drop(file);

    // The header's page count no longer matches the file: caught on open.
    let store = Store::open(&path).unwrap();
    let report = store.open_report();
    assert!(report.recovered_from_corruption);
    assert_eq!(
        std::fs::metadata(report.corrupt_copy.as_ref().unwrap())
            .unwrap()
            .len(),
        len / 2
    );
    assert!(store.conversations().unwrap().is_empty(), "starts empty");
    assert_eq!(
        store.cursor("messages").unwrap(),
        None,
        "so the next sync starts over"
    );
}

#[test]
fn pages_overwritten_past_the_header_fail_the_check_and_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let len = many_pages(&path);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = usize::try_from(len / 2).unwrap();
    bytes[middle..middle + 16_384].fill(0xA5);
    std::fs::write(&path, &bytes).unwrap();

    // Opening reads the header only: the launch is not held back by
    // reading every page.
    let store = Store::open(&path).unwrap();
    assert!(!store.open_report().recovered_from_corruption);
    assert!(!store.is_intact().unwrap(), "the check reads every page");

    let moved = store.rebuild().unwrap().expect("a file was moved aside");
    let name = moved.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("history.sqlite3.corrupt-"), "{name}");
    assert_eq!(std::fs::read(&moved).unwrap(), bytes, "kept as it was");
    assert!(store.conversations().unwrap().is_empty(), "starts empty");
    assert_eq!(
        store.cursor("messages").unwrap(),
        None,
        "so the next sync starts over"
    );
    assert!(store.is_intact().unwrap());
    // The same store goes on working, on the fresh file.
    let (c, _) = synced(&store, "after the rebuild", &["kept"]);
    drop(store);
    let again = Store::open(&path).unwrap();
    assert_eq!(again.conversations().unwrap()[0].conversation, c);
}

#[test]
fn a_cache_in_memory_is_emptied_by_a_rebuild() {
    let store = Store::open_in_memory().unwrap();
    synced(&store, "in memory", &["gone after the rebuild"]);
    assert!(store.is_intact().unwrap());
    assert_eq!(store.rebuild().unwrap(), None, "no file to move");
    assert!(store.conversations().unwrap().is_empty());
    synced(&store, "again", &["the fresh cache works"]);
    assert_eq!(store.conversations().unwrap().len(), 1);
}

#[test]
fn a_version_3_cache_keeps_its_queued_message_and_takes_texts_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let (conversation_id, message_ids) = build_old_database(&path, 3);
    // A message queued by version 3: its op as that build wrote it.
    let c = conversation("Recette du café", 0);
    let c = native_core::Conversation {
        id: conversation_id,
        ..c
    };
    let queued = message(&c, "pas encore envoyé", 10);
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO messages (id, conversation_id, role, content, created_at)
         VALUES (?1, ?2, 'user', ?3, ?4)",
        params![
            queued.id.as_uuid(),
            conversation_id.as_uuid(),
            queued.content,
            i64::try_from(queued.created_at.unix_timestamp_nanos()).unwrap()
        ],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO outbox (kind, conversation_id, message_id, op, created_at)
         VALUES ('add_message', ?1, ?2, ?3, 0)",
        params![
            conversation_id.as_uuid(),
            queued.id.as_uuid(),
            serde_json::json!({"op": "add_message", "message": queued}).to_string()
        ],
    )
    .unwrap();
    drop(conn);

    let store = Store::open(&path).unwrap();
    assert_eq!(store.open_report().migrated_from, Some(3));
    let outbox = store.outbox().unwrap();
    assert_eq!(
        outbox.iter().map(|e| &e.op).collect::<Vec<_>>(),
        [&OutboxOp::AddMessage {
            message: queued.clone(),
            texts: Vec::new()
        }]
    );
    assert!(store.messages(conversation_id).unwrap()[3].pending);

    // The new table is there, empty, and takes a message's texts.
    assert!(store.attachment_texts(message_ids[0]).unwrap().is_empty());
    let with_file = message(&c, "avec un fichier", 20);
    let text = AttachmentText::parse(with_file.id, &"0f".repeat(32), "texte").unwrap();
    store
        .add_message_with_texts(&with_file, std::slice::from_ref(&text))
        .unwrap();
    assert_eq!(
        store
            .conversation_attachment_texts(conversation_id)
            .unwrap(),
        [text]
    );
}
