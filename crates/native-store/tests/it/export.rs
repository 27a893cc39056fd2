//! Export and import: round trip, no duplicates, Markdown and JSON files.

use native_core::{Attachment, MessageStatus, Role, UserId};
use native_store::{
    BACKUP_VERSION, Backup, ImportReport, OutboxOp, RemoteBatch, Store, StoreError, Tombstone,
};

use crate::support::{batch, conversation, message, synced};

#[test]
fn a_backup_restores_everything_into_a_fresh_cache_and_queues_it() {
    let source = Store::open_in_memory().unwrap();
    let (a, _) = synced(&source, "first", &["un", "deux"]);
    let (b, _) = synced(&source, "second", &["trois"]);
    let backup = source.export_all().unwrap();
    assert_eq!(backup.version, BACKUP_VERSION);
    let json = serde_json::to_string(&backup).unwrap();
    let read_back: Backup = serde_json::from_str(&json).unwrap();
    assert_eq!(read_back, backup);

    let owner = UserId::new_random();
    let target = Store::open_in_memory().unwrap();
    let report = target.import(&read_back, owner).unwrap();
    assert_eq!(
        report,
        ImportReport {
            conversations_added: 2,
            messages_added: 3,
            skipped: 0
        }
    );
    let mut restored = target.export_all().unwrap();
    assert!(
        restored.conversations.iter().all(|c| c.user_id == owner),
        "now the owner's"
    );
    for c in &mut restored.conversations {
        c.user_id = crate::support::user();
    }
    assert_eq!(restored, backup);
    assert_eq!(target.search("trois", 10).unwrap()[0].conversation_id, b.id);

    let ops = target.outbox().unwrap();
    assert_eq!(ops.len(), 5, "every imported row goes to the server");
    let mut created: Vec<_> = ops
        .iter()
        .filter_map(|e| match &e.op {
            OutboxOp::CreateConversation { conversation } => Some(conversation.id),
            _ => None,
        })
        .collect();
    created.sort();
    let mut expected = vec![a.id, b.id];
    expected.sort();
    assert_eq!(created, expected);
    assert!(target.conversations().unwrap().iter().all(|s| s.pending));
}

#[test]
fn importing_twice_adds_nothing_the_second_time() {
    let store = Store::open_in_memory().unwrap();
    let c = conversation("imported", 0);
    let backup = Backup {
        version: BACKUP_VERSION,
        conversations: vec![c.clone()],
        messages: vec![message(&c, "one", 1), message(&c, "two", 2)],
        attachment_texts: Vec::new(),
    };
    let first = store.import(&backup, c.user_id).unwrap();
    let second = store.import(&backup, c.user_id).unwrap();
    assert_eq!((first.conversations_added, first.messages_added), (1, 2));
    assert_eq!(
        second,
        ImportReport {
            skipped: 3,
            ..ImportReport::default()
        }
    );
    assert_eq!(store.conversations().unwrap()[0].message_count, 2);
    assert_eq!(store.outbox().unwrap().len(), 3);
    assert_eq!(store.search("two", 10).unwrap().len(), 1);
}

#[test]
fn import_skips_deleted_and_orphan_rows_and_refuses_newer_formats() {
    let store = Store::open_in_memory().unwrap();
    let (gone, gone_messages) = synced(&store, "gone", &["old"]);
    store
        .apply_remote(&RemoteBatch {
            tombstones: vec![Tombstone::Conversation(gone.id)],
            ..RemoteBatch::default()
        })
        .unwrap();
    let orphan_parent = conversation("not in the file", 0);
    let backup = Backup {
        version: BACKUP_VERSION,
        conversations: vec![gone.clone()],
        messages: vec![
            gone_messages[0].clone(),
            message(&orphan_parent, "orphan", 1),
        ],
        attachment_texts: Vec::new(),
    };
    let report = store.import(&backup, gone.user_id).unwrap();
    assert_eq!(
        report,
        ImportReport {
            skipped: 3,
            ..ImportReport::default()
        }
    );
    assert!(store.conversations().unwrap().is_empty());
    assert!(store.outbox().unwrap().is_empty());

    let future = Backup {
        version: BACKUP_VERSION + 1,
        ..backup
    };
    assert!(matches!(
        store.import(&future, gone.user_id),
        Err(StoreError::UnsupportedBackup(v)) if v == BACKUP_VERSION + 1
    ));
}

#[test]
fn a_conversation_exports_as_markdown_and_as_importable_json() {
    let store = Store::open_in_memory().unwrap();
    let c = conversation("Plan\nde voyage", 0);
    let question = message(&c, "Où aller en mai ?", 60);
    let mut answer = message(&c, "Lisbonne.\n\n", 90);
    answer.role = Role::Assistant;
    answer.model = Some("mistral-small-latest".into());
    answer.status = MessageStatus::Partial;
    answer.attachments = vec![Attachment {
        name: "carte.pdf".into(),
        mime_type: "application/pdf".into(),
        size: 2048,
        sha256: None,
        pages: Some(2),
        chars: None,
    }];
    store
        .apply_remote(&batch(&[&c], &[&answer, &question]))
        .unwrap();

    let md = store.export_conversation_markdown(c.id).unwrap();
    assert_eq!(
        md,
        "# Plan de voyage\n\n\
         _Started 2026-01-01 00:00 UTC_\n\n\
         ## You · 2026-01-01 00:01 UTC\n\n\
         Où aller en mai ?\n\n\
         ## Assistant (mistral-small-latest) · 2026-01-01 00:01 UTC\n\n\
         Lisbonne.\n\n\
         _(reply stopped before the end)_\n\n\
         - Attachment: carte.pdf (application/pdf, 2048 bytes)\n\n"
    );

    let json = store.export_conversation_json(c.id).unwrap();
    let backup: Backup = serde_json::from_str(&json).unwrap();
    assert_eq!(backup.conversations, std::slice::from_ref(&c));
    assert_eq!(backup.messages, [question, answer]);
    let elsewhere = Store::open_in_memory().unwrap();
    assert_eq!(
        elsewhere.import(&backup, c.user_id).unwrap().messages_added,
        2
    );

    let unknown = conversation("never cached", 0).id;
    assert!(matches!(
        store.export_conversation_markdown(unknown),
        Err(StoreError::UnknownConversation(_))
    ));
}
