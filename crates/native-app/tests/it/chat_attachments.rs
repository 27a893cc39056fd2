//! Attachments through the facade against the stack: each kind of file
//! reaches the provider as the gateway relays it, the history keeps what
//! the user typed plus the files' metadata, the limits give clear errors,
//! a regenerate after a restart sends the same prompt, an attachment
//! reopens with the network cut, and another device gets the texts (on
//! demand when the sync has not brought them) but not the bytes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use native_app::{
    AppError, ChatOptions, ErrorCode, FileOpener, MessageItem, NativeApp, PendingAttachments,
};
use native_core::{Attachment, AttachmentText, ConversationId, Role};
use native_testkit::{Stack, files};
use serde_json::Value;

use crate::chat_support::Events;
use crate::history_support::{Device, first_device, message, other_device, remote, synced};
use crate::support;

/// Records what the app asked the system to open.
#[derive(Default, Clone)]
struct Opened(Arc<Mutex<Vec<PathBuf>>>);

impl FileOpener for Opened {
    fn open(&self, path: &Path) -> Result<(), AppError> {
        self.0.lock().expect("opened").push(path.to_owned());
        Ok(())
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write a file to attach");
    path
}

/// The last user turn of the newest chat request whose question starts with
/// `marker`. Title requests go to the provider too, and may land after the
/// chat request: their one user turn quotes the conversation as
/// "user: <question>", so it never starts with the question itself.
fn question_sent(stack: &Stack, marker: &str) -> Value {
    stack
        .provider()
        .chat_requests()
        .into_iter()
        .rev()
        .filter_map(|r| r.body["messages"].as_array()?.last().cloned())
        .find(|turn| text_of(turn).starts_with(marker))
        .unwrap_or_else(|| panic!("no request asked about {marker}"))
}

fn text_of(turn: &Value) -> String {
    match &turn["content"] {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        other => panic!("unexpected content {other}"),
    }
}

fn images_of(turn: &Value) -> Vec<String> {
    turn["content"]
        .as_array()
        .map(|parts| {
            parts
                .iter()
                .filter_map(|p| p["image_url"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn ids(pending: &PendingAttachments) -> Vec<native_app::AttachmentId> {
    pending.items.iter().map(|p| p.id).collect()
}

async fn user_message(app: &NativeApp, conversation: ConversationId) -> MessageItem {
    app.conversation_messages(conversation)
        .await
        .expect("messages")
        .into_iter()
        .find(|m| m.role == Role::User)
        .expect("the question")
}

const NOTES: &str = "# Notes\nLe budget de mars est de 1 200 euros.";

/// Sends "Résume ces fichiers" with a Markdown file, a two-page PDF and a
/// PNG; answers the conversation.
async fn send_three_kinds(device: &Device, folder: &Path) -> ConversationId {
    let pdf = files::text_pdf(&["Rapport page un", "Conclusion page deux"]);
    let picked = device
        .app
        .attach_files(vec![
            write(folder, "notes.md", NOTES.as_bytes()),
            write(folder, "rapport.pdf", &pdf),
            write(folder, "photo.png", &files::png(2400, 1200)),
        ])
        .await
        .expect("attach");
    assert!(picked.rejected.is_empty(), "{:?}", picked.rejected);
    assert_eq!(picked.items.len(), 3);
    let outcome = device
        .app
        .send_with_attachments(
            None,
            "Résume ces fichiers",
            &ids(&picked),
            ChatOptions::default(),
            &Events::default(),
        )
        .await
        .expect("send");
    assert!(
        device.app.pending_attachments().items.is_empty(),
        "sent files leave the composer"
    );
    outcome.conversation_id
}

#[tokio::test(flavor = "multi_thread")]
async fn each_kind_reaches_the_provider_and_history_keeps_what_was_typed() {
    let stack = Stack::start().await.expect("stack");
    let device = first_device(&stack, "files@example.com").await;
    let folder = tempfile::tempdir().expect("folder");
    let conversation = send_three_kinds(&device, folder.path()).await;

    let question = question_sent(&stack, "Résume ces fichiers");
    let text = text_of(&question);
    assert!(
        text.starts_with("Résume ces fichiers\n\n--- FICHIER: notes.md ---\n# Notes"),
        "{text}"
    );
    assert!(text.contains("1 200 euros"), "{text}");
    assert!(text.contains("--- FICHIER: rapport.pdf ---"), "{text}");
    assert!(
        text.contains("Rapport page un") && text.contains("Conclusion page deux"),
        "{text}"
    );
    let images = images_of(&question);
    assert_eq!(images.len(), 1, "the picture is an image part: {question}");
    assert!(
        images[0].starts_with("data:image/jpeg;base64,"),
        "re-encoded opaque picture"
    );

    let stored = user_message(&device.app, conversation).await;
    assert_eq!(
        stored.content, "Résume ces fichiers",
        "exactly what was typed"
    );
    let kinds: Vec<(&str, &str, Option<u32>)> = stored
        .attachments
        .iter()
        .map(|a| (a.name.as_str(), a.mime_type.as_str(), a.pages))
        .collect();
    assert_eq!(
        kinds,
        [
            ("notes.md", "text/markdown", None),
            ("rapport.pdf", "application/pdf", Some(2)),
            ("photo.png", "image/png", None),
        ]
    );
    assert!(stored.attachments.iter().all(|a| a.sha256.is_some()));
}

#[tokio::test(flavor = "multi_thread")]
async fn limits_and_unreadable_files_are_clear_errors_and_keep_the_rest() {
    let stack = Stack::start().await.expect("stack");
    let device = first_device(&stack, "limits@example.com").await;
    let folder = tempfile::tempdir().expect("folder");
    let seven: Vec<PathBuf> = (0..7)
        .map(|i| {
            write(
                folder.path(),
                &format!("f{i}.txt"),
                format!("file {i}").as_bytes(),
            )
        })
        .collect();
    let outcome = device.app.attach_files(seven).await.expect("attach");
    assert_eq!(outcome.items.len(), 6);
    assert_eq!(outcome.rejected.len(), 1);
    assert_eq!(outcome.rejected[0].code, ErrorCode::AttachmentRejected);
    assert!(
        outcome.rejected[0].message.contains("at most 6"),
        "{:?}",
        outcome.rejected
    );

    for item in &outcome.items {
        device.app.remove_attachment(item.id);
    }
    assert!(device.app.pending_attachments().items.is_empty());

    let big = write(folder.path(), "big.txt", &vec![b'a'; 8_000_001]);
    let binary = write(
        folder.path(),
        "tool.exe",
        &[0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0xff, 0xfe],
    );
    let fake_pdf = write(folder.path(), "fake.pdf", b"plain words, not a PDF");
    let outcome = device
        .app
        .attach_files(vec![big, binary, fake_pdf, folder.path().to_owned()])
        .await
        .expect("attach");
    assert!(outcome.items.is_empty());
    let messages: Vec<&str> = outcome
        .rejected
        .iter()
        .map(|e| e.message.as_str())
        .collect();
    assert!(
        messages[0].contains("big.txt") && messages[0].contains("8000000"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("tool.exe") && messages[1].contains("PDF"),
        "{messages:?}"
    );
    assert!(messages[2].contains("fake.pdf"), "{messages:?}");
    assert!(messages[3].contains("could not be read"), "{messages:?}");
    assert!(
        outcome
            .rejected
            .iter()
            .all(|e| e.code == ErrorCode::AttachmentRejected)
    );

    // A picture for a model that cannot read it: the gateway's clear refusal.
    let picture = device
        .app
        .attach_bytes("collé.png".to_owned(), files::png(40, 30))
        .await
        .expect("paste");
    let events = Events::default();
    let refused = device
        .app
        .send_with_attachments(
            None,
            "Que vois-tu ?",
            &ids(&picture),
            ChatOptions {
                model: Some("mistral-large-latest".to_owned()),
                ..ChatOptions::default()
            },
            &events,
        )
        .await
        .expect("the question is kept");
    assert_eq!(refused.assistant_message_id, None);
    let error = events
        .all()
        .into_iter()
        .find_map(|e| match e {
            native_core::ChatEvent::Error { code, message } => Some((code, message)),
            _ => None,
        })
        .expect("an error event");
    assert_eq!(error.0, "model_not_vision");
    assert!(error.1.contains("cannot read pictures"), "{error:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_restart_regenerate_sends_the_same_prompt_and_files_reopen_offline() {
    let stack = Stack::start().await.expect("stack");
    let device = first_device(&stack, "restart@example.com").await;
    let folder = tempfile::tempdir().expect("folder");
    let conversation = send_three_kinds(&device, folder.path()).await;
    let first = question_sent(&stack, "Résume ces fichiers");
    let Device { app, store, dir } = device;
    drop(app);

    let again = support::app_with(&stack, &store)
        .with_data_dir(dir.path().to_owned())
        .expect("app");
    again.restore().await;
    stack.provider().clear_requests();
    again
        .regenerate_reply(conversation, ChatOptions::default(), &Events::default())
        .await
        .expect("regenerate");
    assert_eq!(
        question_sent(&stack, "Résume ces fichiers"),
        first,
        "the same texts and picture"
    );

    let stored = user_message(&again, conversation).await;
    drop(stack);
    let opened = Opened::default();
    let notes: &Attachment = &stored.attachments[0];
    again
        .open_attachment(notes.sha256.as_deref().expect("sha"), &notes.name, &opened)
        .await
        .expect("reopens offline");
    let path = opened.0.lock().expect("opened")[0].clone();
    assert_eq!(path.file_name().and_then(|n| n.to_str()), Some("notes.md"));
    assert_eq!(std::fs::read(&path).expect("the copy"), NOTES.as_bytes());
    let present = again
        .attachments_on_device(conversation)
        .await
        .expect("present");
    assert_eq!(present.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn another_device_gets_the_texts_not_the_bytes_and_fetches_late_texts() {
    let stack = Stack::start().await.expect("stack");
    let email = "two-devices-files@example.com";
    let a = first_device(&stack, email).await;
    let folder = tempfile::tempdir().expect("folder");
    let conversation = send_three_kinds(&a, folder.path()).await;
    synced(&a).await;
    let b = other_device(&stack, email).await;
    synced(&b).await;

    let stored = user_message(&b.app, conversation).await;
    assert_eq!(stored.attachments.len(), 3);
    assert!(
        b.app
            .attachments_on_device(conversation)
            .await
            .expect("none")
            .is_empty()
    );
    let pdf = &stored.attachments[1];
    let err = b
        .app
        .open_attachment(
            pdf.sha256.as_deref().expect("sha"),
            &pdf.name,
            &Opened::default(),
        )
        .await
        .expect_err("not here");
    assert_eq!(
        native_app::ErrorBody::from(err).code,
        ErrorCode::NotOnDevice
    );

    stack.provider().clear_requests();
    b.app
        .regenerate_reply(conversation, ChatOptions::default(), &Events::default())
        .await
        .expect("regenerate on b");
    let question = question_sent(&stack, "Résume ces fichiers");
    assert!(
        text_of(&question).contains("Conclusion page deux"),
        "synced texts are used"
    );
    assert!(
        images_of(&question).is_empty(),
        "b has no copy of the picture"
    );

    // A message whose texts reach the server only after b pulled it.
    let late = a.app.create_conversation("Tard").await.expect("create");
    synced(&a).await;
    let server = remote(&stack).await;
    let token = a.app.access_token().await.expect("token");
    let sha = "5e".repeat(32);
    let mut question = message(late.id, Role::User, "Et ce fichier ?");
    question.attachments = vec![Attachment {
        name: "tard.txt".to_owned(),
        mime_type: "text/plain".to_owned(),
        size: 12,
        sha256: Some(sha.clone()),
        pages: None,
        chars: Some(12),
    }];
    server
        .add_message(&token, &question)
        .await
        .expect("message");
    synced(&b).await;
    let text = AttachmentText::parse(question.id, &sha, "texte arrivé tard").expect("text");
    server
        .add_attachment_texts(&token, &[text])
        .await
        .expect("text");
    stack.provider().clear_requests();
    b.app
        .regenerate_reply(late.id, ChatOptions::default(), &Events::default())
        .await
        .expect("regenerate");
    assert!(
        text_of(&question_sent(&stack, "Et ce fichier")).contains("texte arrivé tard"),
        "fetched when the prompt needed it"
    );
}
