//! Attachment texts: written and queued with their message, brought by
//! remote batches, gone with their message, carried by backups, and the
//! queued op's format kept readable.

use native_core::{AttachmentText, CoreError, Message, MessageId};
use native_store::{
    ApplyReport, BACKUP_VERSION, Backup, OutboxOp, RemoteBatch, Store, StoreError, Tombstone,
};

use crate::support::{batch, conversation, message, synced};

/// A digest made of one repeated byte, distinct per `n`.
fn sha(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

fn text(message: &Message, n: u8, content: &str) -> AttachmentText {
    AttachmentText::parse(message.id, &sha(n), content).expect("a valid text")
}

fn ops(store: &Store) -> Vec<OutboxOp> {
    store
        .outbox()
        .expect("outbox")
        .into_iter()
        .map(|e| e.op)
        .collect()
}

#[test]
fn a_message_and_its_texts_are_cached_and_queued_together() {
    let store = Store::open_in_memory().unwrap();
    let c = conversation("files", 0);
    store.create_conversation(&c).unwrap();
    let m = message(&c, "Résume ces deux fichiers", 1);
    let (a, b) = (text(&m, 2, "second file"), text(&m, 1, "first file"));
    // The same file attached twice has one text.
    store
        .add_message_with_texts(&m, &[a.clone(), b.clone(), a.clone()])
        .unwrap();

    assert_eq!(
        store.attachment_texts(m.id).unwrap(),
        [a.clone(), b.clone()]
    );
    let later = message(&c, "Et celui-ci ?", 2);
    let d = text(&later, 3, "third file");
    store
        .add_message_with_texts(&later, std::slice::from_ref(&d))
        .unwrap();
    store.add_message(&message(&c, "sans fichier", 3)).unwrap();
    assert_eq!(
        store.conversation_attachment_texts(c.id).unwrap(),
        [a.clone(), b.clone(), d],
        "in the messages' order, then as given"
    );
    let ops = ops(&store);
    assert_eq!(
        ops[1],
        OutboxOp::AddMessage {
            message: m.clone(),
            texts: vec![a.clone(), b.clone()]
        }
    );
    assert!(store.messages(c.id).unwrap()[0].pending);

    // A retry of the same message adds nothing, texts included.
    store
        .add_message_with_texts(&m, &[text(&m, 9, "other")])
        .unwrap();
    assert_eq!(store.outbox().unwrap().len(), ops.len());
    assert_eq!(store.attachment_texts(m.id).unwrap(), [a, b]);
    assert!(
        store
            .attachment_texts(MessageId::new_random())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn texts_that_break_a_rule_or_name_another_message_write_nothing() {
    let store = Store::open_in_memory().unwrap();
    let (c, _) = synced(&store, "c", &[]);
    let m = message(&c, "question", 1);
    // The fields are public, so a text may never have been parsed.
    let upper = AttachmentText {
        message_id: m.id,
        sha256: sha(0xab).to_uppercase(),
        content: "x".into(),
    };
    let long = AttachmentText {
        message_id: m.id,
        sha256: sha(1),
        content: "x".repeat(8_001),
    };
    let elsewhere = text(&message(&c, "other", 2), 1, "x");
    for (bad, expected) in [
        (upper, "invalid sha256"),
        (long, "too long"),
        (elsewhere, "another message"),
    ] {
        let err = store
            .add_message_with_texts(&m, &[text(&m, 2, "fine"), bad])
            .expect_err(expected);
        match expected {
            "invalid sha256" => assert!(
                matches!(err, StoreError::Invalid(CoreError::InvalidSha256)),
                "{err:?}"
            ),
            "too long" => assert!(
                matches!(
                    err,
                    StoreError::Invalid(CoreError::AttachmentTextTooLong(8_000))
                ),
                "{err:?}"
            ),
            _ => assert!(
                matches!(err, StoreError::AttachmentTextMismatch(id) if id == m.id),
                "{err:?}"
            ),
        }
    }
    assert!(store.messages(c.id).unwrap().is_empty(), "no message");
    assert!(store.attachment_texts(m.id).unwrap().is_empty());
    assert!(store.outbox().unwrap().is_empty());
}

#[test]
fn an_add_message_op_queued_before_texts_existed_still_decodes() {
    let c = conversation("c", 0);
    let m = message(&c, "hello", 1);
    // What versions 2 and 3 wrote into `outbox.op`.
    let old = serde_json::json!({"op": "add_message", "message": m});
    let op: OutboxOp = serde_json::from_value(old.clone()).unwrap();
    assert_eq!(
        op,
        OutboxOp::AddMessage {
            message: m.clone(),
            texts: Vec::new()
        }
    );
    assert_eq!(
        serde_json::to_value(&op).unwrap(),
        old,
        "without texts, the op is written as before"
    );
    let with = OutboxOp::AddMessage {
        texts: vec![text(&m, 0xab, "extrait")],
        message: m,
    };
    let json = serde_json::to_string(&with).unwrap();
    assert_eq!(serde_json::from_str::<OutboxOp>(&json).unwrap(), with);
    let bad = json.replace(&sha(0xab), &sha(0xab).to_uppercase());
    assert!(serde_json::from_str::<OutboxOp>(&bad).is_err());
}

#[test]
fn remote_texts_land_with_their_batch_for_cached_messages_only() {
    let store = Store::open_in_memory().unwrap();
    let (old, old_messages) = synced(&store, "old", &["cached before"]);
    let gone = message(&old, "deleted here", 2);
    store.apply_remote(&batch(&[], &[&gone])).unwrap();
    store.delete_messages(old.id, &[gone.id]).unwrap();

    let c = conversation("new", 10);
    let m = message(&c, "with a file", 11);
    let mut b = batch(&[&c], &[&m]);
    let kept = [
        text(&m, 1, "of a message of this batch"),
        text(&old_messages[0], 2, "of a message cached before"),
    ];
    let never_sent = AttachmentText::parse(MessageId::new_random(), &sha(3), "x").unwrap();
    b.attachment_texts = vec![
        kept[0].clone(),
        kept[1].clone(),
        text(&gone, 4, "of a message deleted here"),
        never_sent,
    ];
    b.cursor = Some(("messages".into(), "1".into()));
    let report = store.apply_remote(&b).unwrap();
    assert_eq!(
        report,
        ApplyReport {
            conversations_upserted: 1,
            messages_inserted: 1,
            attachment_texts_inserted: 2,
            ignored: 2,
            ..ApplyReport::default()
        }
    );
    assert_eq!(store.attachment_texts(m.id).unwrap(), [kept[0].clone()]);
    assert_eq!(
        store.attachment_texts(old_messages[0].id).unwrap(),
        [kept[1].clone()]
    );
    assert!(store.attachment_texts(gone.id).unwrap().is_empty());
    assert_eq!(store.cursor("messages").unwrap().as_deref(), Some("1"));
    assert_eq!(store.outbox().unwrap().len(), 1, "only the local deletion");

    // A re-read of the same page changes nothing.
    let again = store.apply_remote(&b).unwrap();
    assert_eq!(again.attachment_texts_inserted, 0);
    assert_eq!(store.attachment_texts(m.id).unwrap(), [kept[0].clone()]);
}

#[test]
fn a_failing_batch_stores_none_of_its_texts() {
    let store = Store::open_in_memory().unwrap();
    let (c, messages) = synced(&store, "c", &["cached"]);
    let orphan_parent = conversation("never sent", 0);
    let mut b = batch(&[], &[&message(&orphan_parent, "orphan", 1)]);
    b.attachment_texts = vec![text(&messages[0], 1, "would be new")];
    b.cursor = Some(("messages".into(), "2".into()));
    assert!(matches!(
        store.apply_remote(&b),
        Err(StoreError::UnknownConversation(id)) if id == orphan_parent.id
    ));
    assert!(store.attachment_texts(messages[0].id).unwrap().is_empty());
    assert_eq!(store.cursor("messages").unwrap(), None);

    // A text that breaks a rule fails its batch the same way.
    let b = RemoteBatch {
        attachment_texts: vec![AttachmentText {
            message_id: messages[0].id,
            sha256: "not a digest".into(),
            content: String::new(),
        }],
        ..RemoteBatch::default()
    };
    assert!(matches!(
        store.apply_remote(&b),
        Err(StoreError::Invalid(CoreError::InvalidSha256))
    ));
    assert!(
        store
            .conversation_attachment_texts(c.id)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn texts_go_with_their_message_or_conversation_here_or_by_tombstone() {
    let store = Store::open_in_memory().unwrap();
    let (c, ms) = synced(&store, "c", &["one", "two", "three"]);
    let (other, others) = synced(&store, "other", &["four"]);
    let b = RemoteBatch {
        attachment_texts: ms
            .iter()
            .chain(&others)
            .zip(1..)
            .map(|(m, n)| text(m, n, "t"))
            .collect(),
        ..RemoteBatch::default()
    };
    store.apply_remote(&b).unwrap();
    assert_eq!(store.conversation_attachment_texts(c.id).unwrap().len(), 3);

    store.delete_messages(c.id, &[ms[0].id]).unwrap();
    store
        .apply_remote(&RemoteBatch {
            tombstones: vec![Tombstone::Message {
                id: ms[1].id,
                conversation_id: c.id,
            }],
            ..RemoteBatch::default()
        })
        .unwrap();
    assert!(store.attachment_texts(ms[0].id).unwrap().is_empty());
    assert!(store.attachment_texts(ms[1].id).unwrap().is_empty());
    assert_eq!(store.attachment_texts(ms[2].id).unwrap().len(), 1);

    store.delete_conversation(c.id).unwrap();
    store
        .apply_remote(&RemoteBatch {
            tombstones: vec![Tombstone::Conversation(other.id)],
            ..RemoteBatch::default()
        })
        .unwrap();
    for m in ms.iter().chain(&others) {
        assert!(store.attachment_texts(m.id).unwrap().is_empty());
    }
    assert!(matches!(
        store.conversation_attachment_texts(c.id),
        Err(StoreError::Deleted(_))
    ));
}

#[test]
fn backups_carry_texts_and_stay_readable_both_ways() {
    let source = Store::open_in_memory().unwrap();
    let c = conversation("files", 0);
    source.create_conversation(&c).unwrap();
    let m = message(&c, "with a file", 1);
    let t = text(&m, 5, "le texte du PDF");
    source
        .add_message_with_texts(&m, std::slice::from_ref(&t))
        .unwrap();
    let backup = source.export_all().unwrap();
    assert_eq!(backup.attachment_texts, std::slice::from_ref(&t));
    let one: Backup =
        serde_json::from_str(&source.export_conversation_json(c.id).unwrap()).unwrap();
    assert_eq!(one.attachment_texts, std::slice::from_ref(&t));

    // A build that predates texts reads the same version-1 file, skipping them.
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct OlderBackup {
        version: u32,
        conversations: Vec<native_core::Conversation>,
        messages: Vec<Message>,
    }
    let json = serde_json::to_string(&backup).unwrap();
    let older: OlderBackup = serde_json::from_str(&json).unwrap();
    assert_eq!((older.version, older.messages.len()), (BACKUP_VERSION, 1));
    // And a file written before texts existed reads here, with none.
    let mut value = serde_json::to_value(&backup).unwrap();
    value.as_object_mut().unwrap().remove("attachment_texts");
    let before: Backup = serde_json::from_value(value).unwrap();
    assert!(before.attachment_texts.is_empty());

    let target = Store::open_in_memory().unwrap();
    target.import(&backup, c.user_id).unwrap();
    assert_eq!(
        target.attachment_texts(m.id).unwrap(),
        std::slice::from_ref(&t)
    );
    assert!(ops(&target).contains(&OutboxOp::AddMessage {
        message: m.clone(),
        texts: vec![t.clone()]
    }));
    // Importing again adds nothing, texts included.
    target.import(&backup, c.user_id).unwrap();
    assert_eq!(target.attachment_texts(m.id).unwrap(), [t]);
}

#[test]
fn texts_fetched_later_are_cached_once_and_only_for_cached_messages() {
    let store = Store::open_in_memory().unwrap();
    let c = conversation("fetched", 0);
    store.create_conversation(&c).unwrap();
    let m = message(&c, "from another device", 1);
    store.add_message(&m).unwrap();
    let before = ops(&store).len();
    let stranger = message(&c, "never cached", 2);
    let fetched = [text(&m, 4, "fetched text"), text(&stranger, 5, "orphan")];

    assert_eq!(store.cache_remote_texts(&fetched).unwrap(), 1);
    assert_eq!(
        store.cache_remote_texts(&fetched).unwrap(),
        0,
        "a replay adds nothing"
    );
    assert_eq!(store.attachment_texts(m.id).unwrap(), [fetched[0].clone()]);
    assert_eq!(
        ops(&store).len(),
        before,
        "the server's texts are not queued back"
    );
}
