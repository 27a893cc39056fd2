//! Applying server batches: atomicity with the cursor, duplicates, and the
//! conflict rules (deletion wins; the latest title wins).

use native_store::{ApplyReport, OutboxOp, RemoteBatch, Store, StoreError, Tombstone};

use crate::support::{at, batch, contents, conversation, message, synced};

#[test]
fn a_batch_and_its_cursor_are_stored_together() {
    let store = Store::open_in_memory().unwrap();
    let c = conversation("Trip", 0);
    let (m1, m2) = (message(&c, "first", 1), message(&c, "second", 2));
    let mut b = batch(&[&c], &[&m2, &m1]);
    b.cursor = Some(("conversations".into(), "2026-01-01T00:00:02Z".into()));

    let report = store.apply_remote(&b).unwrap();
    assert_eq!(
        report,
        ApplyReport {
            conversations_upserted: 1,
            messages_inserted: 2,
            ..ApplyReport::default()
        }
    );
    assert_eq!(contents(&store, c.id), ["first", "second"]);
    assert_eq!(
        store.cursor("conversations").unwrap().as_deref(),
        Some("2026-01-01T00:00:02Z")
    );
    assert_eq!(store.cursor("messages").unwrap(), None);
    assert!(
        store.outbox().unwrap().is_empty(),
        "remote rows are not queued"
    );
    assert!(!store.conversations().unwrap()[0].pending);
}

#[test]
fn a_batch_that_fails_midway_stores_nothing_and_keeps_the_cursor() {
    let store = Store::open_in_memory().unwrap();
    let (old, _) = synced(&store, "old", &["kept"]);
    let first = RemoteBatch {
        cursor: Some(("sync".into(), "1".into())),
        ..RemoteBatch::default()
    };
    store.apply_remote(&first).unwrap();

    // A good conversation, its messages and a tombstone, then a message
    // whose conversation the cache has never seen: the last row fails.
    let new = conversation("new", 10);
    let orphan_parent = conversation("never sent", 10);
    let mut b = batch(
        &[&new],
        &[
            &message(&new, "a", 11),
            &message(&orphan_parent, "orphan", 12),
        ],
    );
    b.tombstones = vec![Tombstone::Conversation(old.id)];
    b.cursor = Some(("sync".into(), "2".into()));

    let err = store.apply_remote(&b).unwrap_err();
    assert!(
        matches!(err, StoreError::UnknownConversation(id) if id == orphan_parent.id),
        "{err:?}"
    );
    let list = store.conversations().unwrap();
    assert_eq!(list.len(), 1, "the new conversation was rolled back");
    assert_eq!(
        list[0].conversation.id, old.id,
        "the tombstone was rolled back"
    );
    assert_eq!(contents(&store, old.id), ["kept"]);
    assert!(store.search("a", 10).unwrap().is_empty());
    assert_eq!(store.cursor("sync").unwrap().as_deref(), Some("1"));

    // The same changes fetched again, in a good order, go through.
    b.messages.pop();
    store.apply_remote(&b).unwrap();
    assert_eq!(store.cursor("sync").unwrap().as_deref(), Some("2"));
    assert_eq!(store.conversations().unwrap()[0].conversation.id, new.id);
}

#[test]
fn duplicate_remote_messages_are_ignored() {
    let store = Store::open_in_memory().unwrap();
    let c = conversation("dups", 0);
    let m = message(&c, "only once", 1);
    let report = store.apply_remote(&batch(&[&c], &[&m, &m])).unwrap();
    assert_eq!((report.messages_inserted, report.ignored), (1, 1));
    let report = store.apply_remote(&batch(&[&c], &[&m])).unwrap();
    assert_eq!((report.messages_inserted, report.ignored), (0, 1));
    assert_eq!(contents(&store, c.id), ["only once"]);
    assert_eq!(store.search("once", 10).unwrap().len(), 1, "indexed once");
    assert_eq!(store.conversations().unwrap()[0].message_count, 1);
}

#[test]
fn a_remote_deletion_wins_over_any_later_upsert() {
    let store = Store::open_in_memory().unwrap();
    let (c, messages) = synced(&store, "doomed", &["gone soon"]);
    let deletion = RemoteBatch {
        tombstones: vec![Tombstone::Conversation(c.id)],
        ..RemoteBatch::default()
    };
    assert_eq!(store.apply_remote(&deletion).unwrap().tombstones, 1);
    assert!(store.conversations().unwrap().is_empty());
    assert!(
        store.search("gone", 10).unwrap().is_empty(),
        "left the index"
    );

    // A stale page (another device, a replayed sync) brings it back: ignored.
    let mut revived = c.clone();
    revived.updated_at = at(1_000);
    let later = message(&c, "written after", 1_000);
    let report = store
        .apply_remote(&batch(&[&revived], &[&messages[0], &later]))
        .unwrap();
    assert_eq!(
        report,
        ApplyReport {
            ignored: 3,
            ..ApplyReport::default()
        }
    );
    assert!(store.conversations().unwrap().is_empty());
    assert!(matches!(store.messages(c.id), Err(StoreError::Deleted(_))));
}

#[test]
fn a_local_deletion_wins_over_a_later_remote_upsert() {
    let store = Store::open_in_memory().unwrap();
    let (c, _) = synced(&store, "mine to delete", &["x"]);
    store.delete_conversation(c.id).unwrap();
    let mut renamed = c.clone();
    renamed.title = "renamed elsewhere".into();
    renamed.updated_at = at(5_000);
    let report = store.apply_remote(&batch(&[&renamed], &[])).unwrap();
    assert_eq!(report.ignored, 1);
    assert!(store.conversations().unwrap().is_empty());
    let ops: Vec<_> = store.outbox().unwrap().into_iter().map(|e| e.op).collect();
    assert_eq!(ops, [OutboxOp::DeleteConversation { id: c.id }]);
}

#[test]
fn a_message_tombstone_removes_that_message_for_good() {
    let store = Store::open_in_memory().unwrap();
    let (c, messages) = synced(&store, "chat", &["keep me", "drop me", "keep me too"]);
    let b = RemoteBatch {
        tombstones: vec![Tombstone::Message {
            id: messages[1].id,
            conversation_id: c.id,
        }],
        ..RemoteBatch::default()
    };
    store.apply_remote(&b).unwrap();
    assert_eq!(contents(&store, c.id), ["keep me", "keep me too"]);
    store.apply_remote(&batch(&[&c], &[&messages[1]])).unwrap();
    assert_eq!(contents(&store, c.id), ["keep me", "keep me too"]);
    assert!(store.search("drop", 10).unwrap().is_empty());
}

#[test]
fn a_local_rename_later_than_the_server_keeps_its_title() {
    let store = Store::open_in_memory().unwrap();
    let (c, _) = synced(&store, "original", &[]);
    store
        .rename_conversation(c.id, "mine, later", at(200))
        .unwrap();

    let mut remote = c.clone();
    remote.title = "theirs, earlier".into();
    remote.updated_at = at(100);
    let report = store.apply_remote(&batch(&[&remote], &[])).unwrap();
    assert_eq!(report.local_titles_kept, 1);
    let list = store.conversations().unwrap();
    assert_eq!(list[0].conversation.title, "mine, later");
    assert!(list[0].pending);
    let ops: Vec<_> = store.outbox().unwrap().into_iter().map(|e| e.op).collect();
    assert!(
        matches!(&ops[..], [OutboxOp::RenameConversation { title, .. }] if title == "mine, later"),
        "the rename is still to be sent: {ops:?}"
    );
}

#[test]
fn a_server_title_later_than_the_local_rename_wins_and_drops_it() {
    let store = Store::open_in_memory().unwrap();
    let (c, _) = synced(&store, "original", &[]);
    store
        .rename_conversation(c.id, "mine, earlier", at(100))
        .unwrap();

    let mut remote = c.clone();
    remote.title = "theirs, later".into();
    remote.updated_at = at(200);
    let report = store.apply_remote(&batch(&[&remote], &[])).unwrap();
    assert_eq!(
        (report.conversations_upserted, report.local_titles_kept),
        (1, 0)
    );
    let list = store.conversations().unwrap();
    assert_eq!(list[0].conversation.title, "theirs, later");
    assert!(!list[0].pending, "nothing left to send");
    assert!(store.outbox().unwrap().is_empty());
}

#[test]
fn a_tombstone_drops_the_queued_ops_of_what_it_deletes() {
    let store = Store::open_in_memory().unwrap();
    let (c, _) = synced(&store, "shared", &["hi"]);
    let (other, _) = synced(&store, "other", &[]);
    store.rename_conversation(c.id, "renamed", at(10)).unwrap();
    store.add_message(&message(&c, "unsent", 11)).unwrap();
    let unsent_elsewhere = message(&other, "stays queued", 12);
    store.add_message(&unsent_elsewhere).unwrap();

    let b = RemoteBatch {
        tombstones: vec![Tombstone::Conversation(c.id)],
        ..RemoteBatch::default()
    };
    store.apply_remote(&b).unwrap();
    let ops: Vec<_> = store.outbox().unwrap().into_iter().map(|e| e.op).collect();
    assert_eq!(
        ops,
        [OutboxOp::AddMessage {
            message: unsent_elsewhere,
            texts: Vec::new()
        }]
    );
}
