//! Local changes: applied and queued together, acknowledged one by one.

use native_core::ConversationId;
use native_store::{OutboxOp, Store, StoreError};

use crate::support::{at, contents, conversation, message, synced};

fn ops(store: &Store) -> Vec<OutboxOp> {
    store
        .outbox()
        .expect("outbox")
        .into_iter()
        .map(|e| e.op)
        .collect()
}

#[test]
fn local_changes_are_applied_and_queued_in_order() {
    let store = Store::open_in_memory().unwrap();
    let c = conversation("draft", 0);
    let m = message(&c, "hello", 5);
    store.create_conversation(&c).unwrap();
    store.add_message(&m).unwrap();
    store.rename_conversation(c.id, "greeting", at(6)).unwrap();

    assert_eq!(
        ops(&store),
        [
            OutboxOp::CreateConversation {
                conversation: c.clone()
            },
            OutboxOp::AddMessage {
                message: m.clone(),
                texts: Vec::new()
            },
            OutboxOp::RenameConversation {
                id: c.id,
                title: "greeting".into(),
                changed_at: at(6)
            },
        ]
    );
    let list = store.conversations().unwrap();
    assert_eq!(list[0].conversation.title, "greeting");
    assert_eq!(list[0].last_activity, at(6));
    assert!(list[0].pending);
    let stored = store.messages(c.id).unwrap();
    assert_eq!(stored[0].message, m);
    assert!(stored[0].pending);
}

#[test]
fn a_row_stays_pending_until_every_op_about_it_is_acknowledged() {
    let store = Store::open_in_memory().unwrap();
    let c = conversation("draft", 0);
    store.create_conversation(&c).unwrap();
    let m = message(&c, "hello", 1);
    store.add_message(&m).unwrap();
    let entries = store.outbox().unwrap();
    assert!(entries[0].seq < entries[1].seq);

    store.ack(entries[1].seq).unwrap();
    assert!(!store.messages(c.id).unwrap()[0].pending, "message sent");
    assert!(
        store.conversations().unwrap()[0].pending,
        "creation not yet"
    );

    store.ack(entries[0].seq).unwrap();
    assert!(!store.conversations().unwrap()[0].pending);
    assert!(store.outbox().unwrap().is_empty());
    store.ack(entries[0].seq).unwrap(); // A repeated ack is harmless.
    assert_eq!(contents(&store, c.id), ["hello"], "ack never touches rows");
}

#[test]
fn seqs_are_never_reused_after_an_ack() {
    let store = Store::open_in_memory().unwrap();
    let (c, _) = synced(&store, "c", &[]);
    store.rename_conversation(c.id, "one", at(1)).unwrap();
    let first = store.outbox().unwrap()[0].seq;
    store.ack(first).unwrap();
    store.rename_conversation(c.id, "two", at(2)).unwrap();
    let second = store.outbox().unwrap()[0].seq;
    assert!(
        second > first,
        "a late ack of {first} must not hit the new op"
    );
}

#[test]
fn a_newer_rename_replaces_the_queued_one() {
    let store = Store::open_in_memory().unwrap();
    let (c, _) = synced(&store, "c", &[]);
    store.rename_conversation(c.id, "one", at(1)).unwrap();
    store.rename_conversation(c.id, "two", at(2)).unwrap();
    assert_eq!(
        ops(&store),
        [OutboxOp::RenameConversation {
            id: c.id,
            title: "two".into(),
            changed_at: at(2)
        }]
    );
}

#[test]
fn deleting_replaces_every_queued_op_of_the_conversation_with_one_delete() {
    let store = Store::open_in_memory().unwrap();
    let c = conversation("offline only", 0);
    let keep = conversation("unrelated", 0);
    store.create_conversation(&c).unwrap();
    store.create_conversation(&keep).unwrap();
    store.add_message(&message(&c, "typed offline", 1)).unwrap();
    store.rename_conversation(c.id, "renamed", at(2)).unwrap();

    store.delete_conversation(c.id).unwrap();
    store.delete_conversation(c.id).unwrap(); // Twice: nothing more.
    assert_eq!(
        ops(&store),
        [
            OutboxOp::CreateConversation {
                conversation: keep.clone()
            },
            OutboxOp::DeleteConversation { id: c.id },
        ]
    );
    let list = store.conversations().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].conversation.id, keep.id);
    assert!(store.search("offline", 10).unwrap().is_empty());
}

#[test]
fn writes_to_a_deleted_or_unknown_conversation_are_refused() {
    let store = Store::open_in_memory().unwrap();
    let (c, _) = synced(&store, "c", &[]);
    store.delete_conversation(c.id).unwrap();
    let unknown = ConversationId::new_random();

    let err = store.add_message(&message(&c, "late", 1)).unwrap_err();
    assert!(
        matches!(err, StoreError::Deleted(id) if id == c.id),
        "{err:?}"
    );
    let err = store.rename_conversation(c.id, "x", at(1)).unwrap_err();
    assert!(matches!(err, StoreError::Deleted(_)), "{err:?}");
    let err = store.create_conversation(&c).unwrap_err();
    assert!(matches!(err, StoreError::Deleted(_)), "{err:?}");
    let err = store.rename_conversation(unknown, "x", at(1)).unwrap_err();
    assert!(
        matches!(err, StoreError::UnknownConversation(id) if id == unknown),
        "{err:?}"
    );
    let mut orphan = message(&c, "x", 1);
    orphan.conversation_id = unknown;
    assert!(matches!(
        store.add_message(&orphan),
        Err(StoreError::UnknownConversation(_))
    ));
    assert_eq!(ops(&store), [OutboxOp::DeleteConversation { id: c.id }]);
}

#[test]
fn retried_local_writes_are_queued_once() {
    let store = Store::open_in_memory().unwrap();
    let c = conversation("c", 0);
    let m = message(&c, "once", 1);
    store.create_conversation(&c).unwrap();
    store.create_conversation(&c).unwrap();
    store.add_message(&m).unwrap();
    store.add_message(&m).unwrap();
    assert_eq!(store.outbox().unwrap().len(), 2);
    assert_eq!(contents(&store, c.id), ["once"]);
}

#[test]
fn outbox_ops_keep_their_json_shape() {
    // The op column holds this JSON across versions; this pins its shape.
    let c = conversation("t", 0);
    let rename = OutboxOp::RenameConversation {
        id: c.id,
        title: "new".into(),
        changed_at: at(0),
    };
    assert_eq!(
        serde_json::to_value(&rename).unwrap(),
        serde_json::json!({
            "op": "rename_conversation", "id": c.id, "title": "new",
            "changed_at": "2026-01-01T00:00:00Z"
        })
    );
    let delete = serde_json::to_value(OutboxOp::DeleteConversation { id: c.id }).unwrap();
    assert_eq!(
        delete,
        serde_json::json!({"op": "delete_conversation", "id": c.id})
    );
    let create = serde_json::to_value(OutboxOp::CreateConversation { conversation: c }).unwrap();
    assert_eq!(create["op"], "create_conversation");
    assert_eq!(create["conversation"]["title"], "t");
}

#[test]
fn deleted_messages_go_for_good_and_their_deletion_is_queued() {
    let store = Store::open_in_memory().unwrap();
    let (c, messages) = synced(&store, "regenerate", &["question", "first answer"]);
    // An unsent local reply, then both replies deleted (a regenerate).
    let local = message(&c, "second answer", 9);
    store.add_message(&local).unwrap();
    store
        .delete_messages(c.id, &[messages[1].id, local.id])
        .unwrap();
    assert_eq!(contents(&store, c.id), ["question"]);
    assert_eq!(
        ops(&store),
        [
            OutboxOp::DeleteMessage {
                id: messages[1].id,
                conversation_id: c.id
            },
            OutboxOp::DeleteMessage {
                id: local.id,
                conversation_id: c.id
            },
        ],
        "the unsent add is dropped; both deletions are queued"
    );
    // The server sends the old reply again (a sync overlap): it stays gone.
    store
        .apply_remote(&crate::support::batch(&[&c], &[&messages[1]]))
        .unwrap();
    assert_eq!(contents(&store, c.id), ["question"]);
    // Deleting again queues nothing more.
    store.delete_messages(c.id, &[messages[1].id]).unwrap();
    assert_eq!(ops(&store).len(), 2);
}
