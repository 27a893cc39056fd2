//! Attachment texts between two devices: written with their message on
//! one, they reach the other's cache through the server, and leave it when
//! the message is deleted.
//!
//! The facade has no way yet to send a message with attachments (the chat
//! flow will), so device 1 writes through its cache file with native-store,
//! exactly as that flow will write, and device 2 is read the same way. A
//! second connection to a cache in WAL mode sees every committed write.

use native_app::{AuthState, NativeApp};
use native_core::{Attachment, AttachmentText, Role, UserId};
use native_store::Store;
use native_testkit::Stack;

use crate::history_support::{Device, first_device, message, other_device, remote, synced};

fn user_of(app: &NativeApp) -> UserId {
    match app.auth_state() {
        AuthState::SignedIn { user, .. } => user.id,
        other => panic!("not signed in: {other:?}"),
    }
}

/// Another connection to `device`'s cache.
fn cache_of(device: &Device) -> Store {
    Store::open_for_user(device.dir.path(), user_of(&device.app)).expect("open the cache")
}

fn pdf(name: &str, sha256: &str) -> Attachment {
    Attachment {
        name: name.to_owned(),
        mime_type: "application/pdf".to_owned(),
        size: 4_096,
        sha256: Some(sha256.to_owned()),
        pages: Some(2),
        chars: Some(40),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn attachment_texts_reach_the_other_device_and_leave_with_their_message() {
    let stack = Stack::start().await.expect("stack");
    let email = "attachments@example.com";
    let a = first_device(&stack, email).await;
    let b = other_device(&stack, email).await;
    let conversation = a.app.create_conversation("Rapports").await.expect("create");
    let cache_a = cache_of(&a);

    let (one, two) = ("1a".repeat(32), "2b".repeat(32));
    let mut question = message(conversation.id, Role::User, "Compare ces deux rapports");
    question.attachments = vec![pdf("mars.pdf", &one), pdf("avril.pdf", &two)];
    let texts = vec![
        AttachmentText::parse(question.id, &one, "Ventes de mars : 12.").expect("text"),
        AttachmentText::parse(question.id, &two, "Ventes d'avril : 15.").expect("text"),
    ];
    cache_a
        .add_message_with_texts(&question, &texts)
        .expect("write with texts");
    synced(&a).await;

    // On the server: the message as typed, its texts beside it.
    let token = a.app.access_token().await.expect("token");
    let history = remote(&stack).await;
    let mut on_server = history
        .attachment_texts(&token, &[question.id])
        .await
        .expect("server texts");
    on_server.sort_by(|x, y| x.sha256.cmp(&y.sha256));
    assert_eq!(on_server, texts);

    synced(&b).await;
    let shown = b
        .app
        .conversation_messages(conversation.id)
        .await
        .expect("messages on B");
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].content, "Compare ces deux rapports");
    assert_eq!(shown[0].attachments, question.attachments);
    let cache_b = cache_of(&b);
    let mut on_b = cache_b.attachment_texts(question.id).expect("texts on B");
    on_b.sort_by(|x, y| x.sha256.cmp(&y.sha256));
    assert_eq!(on_b, texts, "B can rebuild the prompt");
    assert_eq!(
        cache_b
            .conversation_attachment_texts(conversation.id)
            .expect("conversation texts on B")
            .len(),
        2
    );
    // Syncing again (the cursor's overlap re-reads the page) changes nothing.
    synced(&b).await;
    assert_eq!(
        cache_b.attachment_texts(question.id).expect("again").len(),
        2
    );

    // Deleting the message on A removes its texts everywhere.
    cache_a
        .delete_messages(conversation.id, &[question.id])
        .expect("delete on A");
    assert!(cache_a.attachment_texts(question.id).expect("A").is_empty());
    synced(&a).await;
    assert!(
        history
            .attachment_texts(&token, &[question.id])
            .await
            .expect("server texts")
            .is_empty(),
        "gone with the message on the server"
    );
    synced(&b).await;
    assert!(
        b.app
            .conversation_messages(conversation.id)
            .await
            .expect("messages on B")
            .is_empty()
    );
    assert!(cache_b.attachment_texts(question.id).expect("B").is_empty());
}
